//! Finding shows the listener does not know yet: directory search, charts, and previews. No
//! directory is contacted until one of these is called (the listener opened Discover, searched,
//! or opened a listing).

use earshot_core::{Chart, DirectorySearch, DirectoryShow, Genre, Show};
use tauri::State;
use tauri::ipc::Channel;

use crate::error::CommandError;
use crate::{App, unix_now};

/// Searches every enabled directory at once. Each time one answers (or fails), the merged
/// results so far go to `onUpdate`; the last update has `done`. A newer search, or
/// [`cancel_directory_search`], ends this one: its outstanding requests are dropped.
#[tauri::command]
#[specta::specta]
pub async fn search_directories(
    app: State<'_, App>,
    query: String,
    on_update: Channel<DirectorySearch>,
) -> Result<(), CommandError> {
    let settings = app.settings.directories();
    let updates = app.core.search_directories(&query, &settings);
    app.discovery
        .follow(updates, |update| {
            if let Err(error) = on_update.send(update) {
                tracing::debug!(%error, "a directory search's page is gone");
            }
        })
        .await;
    Ok(())
}

/// Ends the search under way, if any (the listener cleared the box or left Discover).
#[tauri::command]
#[specta::specta]
pub fn cancel_directory_search(app: State<'_, App>) {
    app.discovery.supersede();
}

/// Apple's top-level podcast genres, for Explore.
#[tauri::command]
#[specta::specta]
pub fn list_genres() -> Vec<Genre> {
    earshot_core::directory::genres()
}

/// The chart kept on disk for `genre` (None: all podcasts) in the listener's country, however
/// old: what Explore draws at once, before [`get_chart`] answers.
#[tauri::command]
#[specta::specta]
pub async fn cached_chart(
    app: State<'_, App>,
    genre: Option<u32>,
) -> Result<Option<Chart>, CommandError> {
    let settings = app.settings.directories();
    Ok(app.core.cached_chart(genre, &settings.country).await)
}

/// The chart from the directories now (kept on disk for next time).
#[tauri::command]
#[specta::specta]
pub async fn get_chart(app: State<'_, App>, genre: Option<u32>) -> Result<Chart, CommandError> {
    let settings = app.settings.directories();
    Ok(app.core.chart(genre, &settings, unix_now()).await?)
}

/// Opens a directory listing as a show to read and play without following it; a listing
/// without a feed address is looked up first.
#[tauri::command]
#[specta::specta]
pub async fn preview_listing(
    app: State<'_, App>,
    listing: DirectoryShow,
) -> Result<Show, CommandError> {
    let settings = app.settings.directories();
    let feed = app.core.resolve_feed(&listing, &settings).await?;
    Ok(app.core.preview(&feed, unix_now()).await?)
}

/// Opens a feed address (or an Apple Podcasts page) as a show to read before subscribing.
#[tauri::command]
#[specta::specta]
pub async fn preview_show(app: State<'_, App>, url: String) -> Result<Show, CommandError> {
    Ok(app.core.preview(&url, unix_now()).await?)
}
