//! Downloads: ask for, pause, resume, cancel and delete an episode's file; list them with the
//! space they take; and each show's automatic-download rule.

use earshot_core::{DiskUsage, Download, EpisodeId, ShowId};
use tauri::State;

use crate::error::CommandError;
use crate::{App, unix_now};

#[tauri::command]
#[specta::specta]
pub async fn download_episode(
    app: State<'_, App>,
    episode_id: EpisodeId,
) -> Result<Download, CommandError> {
    Ok(app
        .core
        .downloads()
        .enqueue(episode_id, false, unix_now())
        .await?)
}

#[tauri::command]
#[specta::specta]
pub async fn pause_download(
    app: State<'_, App>,
    episode_id: EpisodeId,
) -> Result<Download, CommandError> {
    Ok(app.core.downloads().pause(episode_id).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn resume_download(
    app: State<'_, App>,
    episode_id: EpisodeId,
) -> Result<Download, CommandError> {
    Ok(app.core.downloads().resume(episode_id, unix_now()).await?)
}

/// Stops an unfinished download and forgets it; deletes a finished one.
#[tauri::command]
#[specta::specta]
pub async fn cancel_download(
    app: State<'_, App>,
    episode_id: EpisodeId,
) -> Result<(), CommandError> {
    app.playback.release_file(&app.core, episode_id).await?;
    Ok(app.core.downloads().cancel(episode_id).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn delete_download(
    app: State<'_, App>,
    episode_id: EpisodeId,
) -> Result<(), CommandError> {
    app.playback.release_file(&app.core, episode_id).await?;
    Ok(app.core.downloads().delete(episode_id).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn list_downloads(app: State<'_, App>) -> Result<Vec<Download>, CommandError> {
    Ok(app.core.downloads().list().await?)
}

#[tauri::command]
#[specta::specta]
pub async fn get_disk_usage(app: State<'_, App>) -> Result<DiskUsage, CommandError> {
    Ok(app.core.downloads().usage().await?)
}

/// How many of the show's newest unplayed episodes are kept downloaded (0: none).
#[tauri::command]
#[specta::specta]
pub async fn get_auto_download(app: State<'_, App>, show_id: ShowId) -> Result<u32, CommandError> {
    Ok(app.core.library().auto_download(show_id).await?)
}

/// Sets the show's rule and fetches what it asks for now.
#[tauri::command]
#[specta::specta]
pub async fn set_auto_download(
    app: State<'_, App>,
    show_id: ShowId,
    newest: u32,
) -> Result<(), CommandError> {
    app.core
        .keep_downloaded(show_id, newest, unix_now())
        .await?;
    Ok(())
}

/// Asks the listener for a download folder; `None` when they cancelled. Nothing is stored
/// until the settings are saved.
#[tauri::command]
#[specta::specta]
pub async fn choose_download_folder(
    handle: tauri::AppHandle,
) -> Result<Option<String>, CommandError> {
    use tauri_plugin_dialog::DialogExt;
    let (sender, receiver) = tokio::sync::oneshot::channel();
    handle
        .dialog()
        .file()
        .set_title("Download episodes to")
        .pick_folder(move |path| {
            let _ = sender.send(path);
        });
    let Some(path) = receiver.await.ok().flatten() else {
        return Ok(None);
    };
    let path = path
        .into_path()
        .map_err(|e| earshot_core::Error::Io(std::io::Error::other(e.to_string())))?;
    Ok(Some(path.display().to_string()))
}
