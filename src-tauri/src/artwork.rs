//! The `artwork:` protocol: serves cached show artwork to the web view, which never loads remote
//! images. `artwork://localhost/show/<id>` (on Windows `http://artwork.localhost/show/<id>`),
//! with `?size=<pixels>` for a scaled-down copy. A directory listing's artwork comes the same
//! way, fetched and kept small by Rust: `artwork://localhost/listed?url=<address>&size=<pixels>`.

use earshot_core::ShowId;
use tauri::http::{Response, StatusCode, header};
use tauri::{AppHandle, Manager, Runtime};

use crate::App;

/// Listings are drawn as tiles: this size unless asked otherwise.
const LISTED_SIZE: u32 = 320;

pub async fn respond<R: Runtime>(
    app: &AppHandle<R>,
    path: &str,
    query: Option<&str>,
) -> Response<Vec<u8>> {
    let size = query
        .unwrap_or("")
        .split('&')
        .find_map(|pair| pair.strip_prefix("size="))
        .and_then(|size| size.parse::<u32>().ok());
    let show = path
        .strip_prefix("/show/")
        .and_then(|id| id.parse::<i64>().ok())
        .map(ShowId);
    let listed = (path == "/listed")
        .then(|| {
            url::form_urlencoded::parse(query.unwrap_or("").as_bytes())
                .find(|(key, _)| key == "url")
                .map(|(_, value)| value.into_owned())
        })
        .flatten();
    let artwork = match (show, listed, app.try_state::<App>()) {
        (Some(show), _, Some(state)) => state.core.artwork(show, size).await,
        (None, Some(url), Some(state)) => {
            state
                .core
                .listed_artwork(&url, size.unwrap_or(LISTED_SIZE))
                .await
        }
        _ => None,
    };
    let built = match artwork {
        Some(artwork) => Response::builder()
            .status(StatusCode::OK)
            .header(header::CONTENT_TYPE, artwork.mime)
            .header(header::CACHE_CONTROL, "max-age=600")
            .body(artwork.bytes),
        None => Response::builder()
            .status(StatusCode::NOT_FOUND)
            .body(Vec::new()),
    };
    built.unwrap_or_else(|_| Response::new(Vec::new()))
}
