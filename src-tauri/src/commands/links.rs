use tauri::AppHandle;
use tauri_plugin_opener::OpenerExt;

use crate::error::CommandError;

/// Opens a link from show notes in the system browser (or mail app), never in the app window.
/// Only web and mail links are opened; a podcast link or an Apple Podcasts page is offered to
/// subscribe to, in Earshot.
#[tauri::command]
#[specta::specta]
pub fn open_link(handle: AppHandle, url: String) -> Result<(), CommandError> {
    if let Some(podcast) = earshot_core::directory::podcast_link(&url) {
        crate::deep_links::receive(&handle, [podcast]);
        return Ok(());
    }
    if !is_openable(&url) {
        return Err(CommandError::Library {
            code: earshot_core::ErrorCode::InvalidUrl,
            message: format!("Earshot only opens web and mail links, not “{url}”"),
        });
    }
    handle
        .opener()
        .open_url(url.trim(), None::<&str>)
        .map_err(|error| CommandError::Library {
            code: earshot_core::ErrorCode::Io,
            message: format!("The link could not be opened: {error}"),
        })
}

fn is_openable(url: &str) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    ["https://", "http://", "mailto:"]
        .iter()
        .any(|scheme| lower.starts_with(scheme))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_web_and_mail_links_open() {
        assert!(is_openable("https://show.example/ep/1"));
        assert!(is_openable("mailto:host@show.example"));
        assert!(!is_openable("javascript:alert(1)"));
        assert!(!is_openable("file:///etc/passwd"));
        assert!(!is_openable("smb://share/x"));
    }
}

/// The podcast links waiting for the listener's confirmation, each given once.
#[tauri::command]
#[specta::specta]
pub fn take_subscribe_requests(
    pending: tauri::State<'_, crate::deep_links::PendingLinks>,
) -> Vec<String> {
    pending.take()
}
