use earshot_core::{Core, Episode, EpisodeId, Placement};
use tauri::{AppHandle, State};
use tauri_specta::Event;

use crate::App;
use crate::error::CommandError;
use crate::events::QueueChanged;

/// Sends the current Up Next to the UI.
pub async fn announce(core: &Core, app: &AppHandle) {
    match core.queue().await {
        Ok(queue) => {
            let _ = QueueChanged(queue).emit(app);
        }
        Err(error) => tracing::warn!(%error, "Up Next not read"),
    }
}

#[tauri::command]
#[specta::specta]
pub async fn get_queue(app: State<'_, App>) -> Result<Vec<Episode>, CommandError> {
    Ok(app.core.queue().await?)
}

/// Adds an episode to Up Next, next or last (moving it if it is already there).
#[tauri::command]
#[specta::specta]
pub async fn enqueue_episode(
    app: State<'_, App>,
    handle: AppHandle,
    episode_id: EpisodeId,
    placement: Placement,
) -> Result<(), CommandError> {
    app.core.enqueue(episode_id, placement).await?;
    announce(&app.core, &handle).await;
    Ok(())
}

#[tauri::command]
#[specta::specta]
pub async fn dequeue_episode(
    app: State<'_, App>,
    handle: AppHandle,
    episode_id: EpisodeId,
) -> Result<(), CommandError> {
    app.core.dequeue(episode_id).await?;
    announce(&app.core, &handle).await;
    Ok(())
}

/// Moves a queued episode to `index` (0 is next).
#[tauri::command]
#[specta::specta]
pub async fn move_queued_episode(
    app: State<'_, App>,
    handle: AppHandle,
    episode_id: EpisodeId,
    index: u32,
) -> Result<(), CommandError> {
    app.core.move_in_queue(episode_id, index).await?;
    announce(&app.core, &handle).await;
    Ok(())
}

#[tauri::command]
#[specta::specta]
pub async fn clear_queue(app: State<'_, App>, handle: AppHandle) -> Result<(), CommandError> {
    app.core.clear_queue().await?;
    announce(&app.core, &handle).await;
    Ok(())
}
