//! Wires the core's download queue to the app: the folder and limits from the settings, progress
//! forwarded to the UI as events, and the disk rules applied after each refresh, when an episode
//! is finished and when the settings change.

use std::path::Path;

use earshot_core::{Core, DownloadState};
use tauri::{AppHandle, Manager};
use tauri_specta::Event;

use crate::events::{DownloadProgressed, LibraryChanged};
use crate::settings::Settings;
use crate::{App, unix_now};

/// Applies the download settings to the queue.
pub fn configure(core: &Core, settings: &Settings, data_dir: &Path) {
    let downloads = core.downloads();
    downloads.set_folder(
        settings
            .download_folder()
            .map_or_else(|| data_dir.join("downloads"), Into::into),
    );
    downloads.set_concurrency(settings.download_concurrency() as usize);
}

/// Starts the queue and forwards its progress to the UI; episode lists refresh when a download
/// starts, finishes, fails or goes.
pub async fn start(core: &Core, app: &AppHandle) {
    let mut events = core.downloads().subscribe();
    let ui = app.clone();
    tauri::async_runtime::spawn(async move {
        loop {
            match events.recv().await {
                Ok(progress) => {
                    let settled = progress.state != DownloadState::Downloading
                        || progress.bytes_per_sec == 0.0;
                    let show_id = progress.show_id;
                    let _ = DownloadProgressed(progress).emit(&ui);
                    if settled {
                        let _ = LibraryChanged {
                            show_id: Some(show_id),
                        }
                        .emit(&ui);
                    }
                }
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
            }
        }
    });
    if let Err(error) = core.downloads().start().await {
        tracing::warn!(%error, "the download queue did not start");
    }
    tidy(app).await;
}

/// Deletes what the listener's disk rules say should go.
pub async fn tidy(app: &AppHandle) {
    let Some(state) = app.try_state::<App>() else {
        return;
    };
    let rules = state.settings.retention();
    if let Err(error) = state.core.downloads().tidy(&rules, unix_now()).await {
        tracing::warn!(%error, "downloads not tidied");
    }
}

/// After a refresh: fetch what the shows' automatic-download rules ask for, then tidy.
pub async fn after_refresh(app: &AppHandle) {
    let Some(state) = app.try_state::<App>() else {
        return;
    };
    match state.core.downloads().queue_automatic(unix_now()).await {
        Ok(queued) if !queued.is_empty() => {
            tracing::info!(queued = queued.len(), "new episodes queued for download");
        }
        Ok(_) => {}
        Err(error) => tracing::warn!(%error, "automatic downloads not queued"),
    }
    tidy(app).await;
}
