use earshot_core::{
    Episode, EpisodeId, RefreshOutcome, SearchResults, Show, ShowId, ShowPage, ShowRefreshed,
};
use tauri::{AppHandle, State};
use tauri_specta::Event;

use crate::error::CommandError;
use crate::events::LibraryChanged;
use crate::{App, unix_now};

/// Subscribes to a feed by its address (also `feed://`, `itpc://`, `podcast://` or a bare host).
#[tauri::command]
#[specta::specta]
pub async fn subscribe(
    app: State<'_, App>,
    handle: AppHandle,
    url: String,
) -> Result<Show, CommandError> {
    let show = app.core.subscribe(&url, unix_now()).await?;
    changed(&handle, show.id);
    Ok(show)
}

#[tauri::command]
#[specta::specta]
pub async fn list_shows(app: State<'_, App>) -> Result<Vec<Show>, CommandError> {
    Ok(app.core.shows().await?)
}

#[tauri::command]
#[specta::specta]
pub async fn get_show_page(app: State<'_, App>, show_id: ShowId) -> Result<ShowPage, CommandError> {
    Ok(app.core.show_page(show_id).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn get_episode(
    app: State<'_, App>,
    episode_id: EpisodeId,
) -> Result<Episode, CommandError> {
    Ok(app.core.episode(episode_id).await?)
}

/// Marks an episode played or unplayed by hand.
#[tauri::command]
#[specta::specta]
pub async fn set_episode_played(
    app: State<'_, App>,
    handle: AppHandle,
    episode_id: EpisodeId,
    played: bool,
) -> Result<(), CommandError> {
    let show = app.core.set_played(episode_id, played, unix_now()).await?;
    changed(&handle, show);
    Ok(())
}

/// Refreshes one show now. A feed problem is an outcome (also recorded on the show), not an error.
#[tauri::command]
#[specta::specta]
pub async fn refresh_show(
    app: State<'_, App>,
    handle: AppHandle,
    show_id: ShowId,
) -> Result<RefreshOutcome, CommandError> {
    let outcome = app.core.refresh_show(show_id, unix_now()).await?;
    changed(&handle, show_id);
    Ok(outcome)
}

/// Refreshes every show now; progress arrives as `RefreshProgressed` events. Returns nothing
/// when a refresh was already running.
#[tauri::command]
#[specta::specta]
pub async fn refresh_all(
    app: State<'_, App>,
    handle: AppHandle,
) -> Result<Option<Vec<ShowRefreshed>>, CommandError> {
    Ok(app.refresher.run(&app.core, &handle).await)
}

/// Removes a show with its episodes and the listener's progress in them.
#[tauri::command]
#[specta::specta]
pub async fn unsubscribe(
    app: State<'_, App>,
    handle: AppHandle,
    show_id: ShowId,
) -> Result<(), CommandError> {
    app.core.unsubscribe(show_id).await?;
    changed(&handle, show_id);
    super::queue::announce(&app.core, &handle).await;
    Ok(())
}

/// Shows and episodes matching what the listener typed, best first.
#[tauri::command]
#[specta::specta]
pub async fn search_library(
    app: State<'_, App>,
    text: String,
) -> Result<SearchResults, CommandError> {
    Ok(app.core.search(&text, 30).await?)
}

/// Tells the UI that `show` changed, so open pages reload.
fn changed(handle: &AppHandle, show: ShowId) {
    if let Err(error) = (LibraryChanged {
        show_id: Some(show),
    })
    .emit(handle)
    {
        tracing::debug!(%error, "library event not delivered");
    }
}
