//! Wires the core's download queue to the app: the folder and limits from the settings, progress
//! forwarded to the UI as events, and the disk rules applied at start and when the settings or an
//! episode's played state change (after a refresh or an episode's end, the core applies them).
//! A download's change of state reaches episode lists through the core's change stream.

use std::path::Path;

use earshot_core::Core;
use tauri::{AppHandle, Manager};

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

/// Starts the queue and forwards its progress to the UI.
pub async fn start(core: &Core, app: &AppHandle) {
    let mut events = core.downloads().subscribe();
    let ui = app.clone();
    tauri::async_runtime::spawn(async move {
        loop {
            match events.recv().await {
                Ok(progress) => {
                    crate::presence::download_progressed(&ui, progress);
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
    state
        .core
        .tidy_downloads(&state.settings.retention(), unix_now())
        .await;
}
