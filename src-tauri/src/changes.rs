//! Forwards the core's changes to the UI, in one place: each as `LibraryChanged`, Up Next as the
//! whole queue (`QueueChanged`), and `ChangesMissed` when this forwarder fell behind, so the UI
//! reloads what it shows rather than trusting a view that missed something.

use earshot_core::{Change, Core};
use tauri::AppHandle;
use tauri_specta::Event;
use tokio::sync::broadcast::error::RecvError;

use crate::events::{ChangesMissed, LibraryChanged, QueueChanged};

/// Subscribes now (so nothing written from here on is missed) and forwards for the app's life.
pub fn forward(core: &Core, app: &AppHandle) {
    let mut changes = core.changes();
    let (core, app) = (core.clone(), app.clone());
    tauri::async_runtime::spawn(async move {
        loop {
            match changes.recv().await {
                Ok(Change::QueueChanged) => announce_queue(&core, &app).await,
                Ok(change) => {
                    if let Err(error) = LibraryChanged(change).emit(&app) {
                        tracing::debug!(%error, "library event not delivered");
                    }
                }
                Err(RecvError::Lagged(missed)) => {
                    tracing::warn!(missed, "the UI fell behind the library's changes");
                    let _ = ChangesMissed.emit(&app);
                    announce_queue(&core, &app).await;
                }
                Err(RecvError::Closed) => break,
            }
        }
    });
}

/// Sends the current Up Next to the UI.
async fn announce_queue(core: &Core, app: &AppHandle) {
    match core.queue().await {
        Ok(queue) => {
            let _ = QueueChanged(queue).emit(app);
        }
        Err(error) => tracing::warn!(%error, "Up Next not read"),
    }
}
