//! Up Next. The changed queue reaches the UI from the core's change stream (`crate::changes`).

use earshot_core::{Episode, EpisodeId, Placement};
use tauri::State;

use crate::App;
use crate::error::CommandError;

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
    episode_id: EpisodeId,
    placement: Placement,
) -> Result<(), CommandError> {
    app.core.enqueue(episode_id, placement).await?;
    Ok(())
}

#[tauri::command]
#[specta::specta]
pub async fn dequeue_episode(
    app: State<'_, App>,
    episode_id: EpisodeId,
) -> Result<(), CommandError> {
    app.core.dequeue(episode_id).await?;
    Ok(())
}

/// Moves a queued episode to `index` (0 is next).
#[tauri::command]
#[specta::specta]
pub async fn move_queued_episode(
    app: State<'_, App>,
    episode_id: EpisodeId,
    index: u32,
) -> Result<(), CommandError> {
    app.core.move_in_queue(episode_id, index).await?;
    Ok(())
}

#[tauri::command]
#[specta::specta]
pub async fn clear_queue(app: State<'_, App>) -> Result<(), CommandError> {
    app.core.clear_queue().await?;
    Ok(())
}
