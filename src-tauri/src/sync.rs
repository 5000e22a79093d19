//! When Earshot syncs: at start, after each refresh, a few seconds after playback pauses or an
//! episode ends (one sync for a burst of pauses), and every 15 minutes; never two at once. Each
//! sync's outcome reaches the UI as `SyncChanged`. The core does the syncing and keeps what
//! waits to be sent; nothing here is lost if a sync never runs.

use std::sync::Arc;
use std::time::Duration;

use earshot_core::{Change, Core, SyncReport};
use earshot_player::{PlayerHandle, Status};
use tauri::{AppHandle, Manager};
use tauri_specta::Event;
use tokio::sync::Notify;
use tokio::sync::broadcast::error::RecvError;

use crate::events::SyncChanged;
use crate::{App, unix_now};

/// How long after a pause (or an episode's end) the sync waits, so a burst is one sync.
const AFTER_PAUSE: Duration = Duration::from_secs(5);
/// A sync at least this often while signed in.
const EVERY: Duration = Duration::from_secs(15 * 60);

#[derive(Default, Clone)]
pub struct Syncer {
    wake: Arc<Notify>,
    turn: Arc<tokio::sync::Mutex<()>>,
}

impl Syncer {
    /// Asks for a sync after a short pause (coalesced with other asks meanwhile).
    pub fn soon(&self) {
        self.wake.notify_one();
    }

    /// Syncs now (after any sync under way) and tells the UI how it went.
    pub async fn now(&self, core: &Core, app: &AppHandle) -> earshot_core::Result<SyncReport> {
        let _turn = self.turn.lock().await;
        let report = core.sync_now(unix_now()).await;
        announce(core, app).await;
        report
    }

    /// Runs the schedule for as long as the app does.
    pub fn start(&self, app: AppHandle, player: Option<PlayerHandle>) {
        let syncer = self.clone();
        tauri::async_runtime::spawn(async move {
            // The first sync comes once the window has had its start.
            tokio::time::sleep(Duration::from_secs(3)).await;
            loop {
                if let Some(state) = app.try_state::<App>() {
                    let signed_in = state.core.sync_signed_in().await.unwrap_or(false);
                    if signed_in {
                        match syncer.now(&state.core, &app).await {
                            Ok(report) => tracing::info!(
                                uploaded = report.uploaded_actions,
                                downloaded = report.downloaded_actions,
                                added = report.subscriptions_added,
                                removed = report.subscriptions_removed,
                                failed = report.error.is_some(),
                                "synced"
                            ),
                            Err(error) => tracing::warn!(%error, "sync not run"),
                        }
                    }
                }
                // Until asked, or until the interval is up; asks within the pause are one sync.
                if tokio::time::timeout(EVERY, syncer.wake.notified())
                    .await
                    .is_ok()
                {
                    tokio::time::sleep(AFTER_PAUSE).await;
                }
            }
        });
        if let Some(player) = player {
            let wake = self.wake.clone();
            tauri::async_runtime::spawn(async move {
                let mut changes = player.subscribe();
                let mut was_playing = false;
                while changes.changed().await.is_ok() {
                    let status = changes.borrow_and_update().status;
                    let playing = matches!(status, Status::Playing | Status::Buffering);
                    if was_playing && matches!(status, Status::Paused | Status::Ended) {
                        wake.notify_one();
                    }
                    was_playing = playing;
                }
            });
        }
    }
}

/// A place saved for the episode in the player while it is not playing (another device's,
/// brought by a sync) moves the player there, so Play continues from it. While it plays, the
/// player's own place wins and is sent out at the next pause.
pub fn follow_places(core: &Core, player: PlayerHandle) {
    let mut changes = core.changes();
    tauri::async_runtime::spawn(async move {
        loop {
            match changes.recv().await {
                Ok(Change::ProgressSaved {
                    episode_id,
                    progress,
                    ..
                }) => {
                    let state = player.state();
                    let ours = state.track.as_ref().is_some_and(|t| t.id == episode_id.0);
                    let still = matches!(state.status, Status::Paused | Status::Stopped);
                    let moved = (state.position_secs - progress.position_secs).abs() > 2.0;
                    if ours && still && moved && !progress.played {
                        tracing::info!(
                            episode = episode_id.0,
                            "the player moves to a synced place"
                        );
                        player.seek_to(progress.position_secs);
                    }
                }
                Ok(_) | Err(RecvError::Lagged(_)) => {}
                Err(RecvError::Closed) => break,
            }
        }
    });
}

/// Tells the UI how sync stands.
pub async fn announce(core: &Core, app: &AppHandle) {
    match core.sync_status().await {
        Ok(status) => {
            let _ = SyncChanged(status).emit(app);
        }
        Err(error) => tracing::warn!(%error, "sync status not read"),
    }
}
