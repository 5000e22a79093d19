//! Whether the listener can see the window, and what the UI is sent while they cannot.
//!
//! Closed to the tray, Earshot goes on playing, refreshing and downloading for hours. Every
//! event the page receives makes WebKit's web process run script and lay the page out (and, on
//! some systems, paint it into a window nobody sees), so while the window is hidden the events
//! that only redraw are held: of the player's state, the chapter playing, a refresh's progress
//! and each download's progress only the newest is kept, and each is sent once when the window
//! is shown again, so it appears up to date at once. Changes to the library itself
//! (`LibraryChanged`, Up Next) still go at once: they are rare and the page's model follows them.

use std::collections::BTreeMap;
use std::sync::Mutex;

use earshot_core::{DownloadProgress, EpisodeId, RefreshProgress};
use tauri::{AppHandle, Manager};
use tauri_specta::Event;
use tokio::sync::watch;

use crate::chapters::NowChapters;
use crate::events::{ChaptersChanged, DownloadProgressed, RefreshProgressed};

/// The window's visibility, followed by the event forwarders.
pub struct Presence {
    shown: watch::Sender<bool>,
    held: Mutex<Held>,
}

/// The newest of each redraw-only event that arrived while the window was hidden.
#[derive(Default)]
struct Held {
    refresh: Option<RefreshProgress>,
    chapters: Option<NowChapters>,
    downloads: BTreeMap<EpisodeId, DownloadProgress>,
}

impl Default for Presence {
    fn default() -> Self {
        Self {
            shown: watch::channel(true).0,
            held: Mutex::new(Held::default()),
        }
    }
}

impl Presence {
    /// Follows the window being shown (`true`) or hidden.
    pub fn watch(&self) -> watch::Receiver<bool> {
        self.shown.subscribe()
    }

    /// Records whether the window is shown; when it is shown again, what was held is sent.
    pub fn set_shown(&self, app: &AppHandle, shown: bool) {
        let held = {
            let Ok(mut held) = self.held.lock() else {
                return;
            };
            // Under the lock, so an event arriving now is either held and sent below, or sent by
            // its forwarder after this.
            let changed = self.shown.send_if_modified(|now| {
                let changed = *now != shown;
                *now = shown;
                changed
            });
            if !(changed && shown) {
                return;
            }
            std::mem::take(&mut *held)
        };
        tracing::debug!("window shown: sending what was held");
        if let Some(progress) = held.refresh {
            let _ = RefreshProgressed(progress).emit(app);
        }
        if let Some(chapters) = held.chapters {
            let _ = ChaptersChanged(chapters).emit(app);
        }
        for progress in held.downloads.into_values() {
            let _ = DownloadProgressed(progress).emit(app);
        }
    }

    /// Sends a refresh's progress, or holds it while the window is hidden.
    pub fn refresh_progressed(&self, app: &AppHandle, progress: RefreshProgress) {
        if let Some(progress) = self.hold(progress, |held, p| held.refresh = Some(p)) {
            let _ = RefreshProgressed(progress).emit(app);
        }
    }

    /// Sends the chapters now playing, or holds them while the window is hidden.
    pub fn chapters_changed(&self, app: &AppHandle, chapters: NowChapters) {
        if let Some(chapters) = self.hold(chapters, |held, c| held.chapters = Some(c)) {
            let _ = ChaptersChanged(chapters).emit(app);
        }
    }

    /// Sends a download's progress, or holds the newest of each download while hidden.
    pub fn download_progressed(&self, app: &AppHandle, progress: DownloadProgress) {
        if let Some(progress) = self.hold(progress, |held, p| {
            held.downloads.insert(p.episode_id, p);
        }) {
            let _ = DownloadProgressed(progress).emit(app);
        }
    }

    /// `event` back when the window is shown (to be sent); otherwise it is kept by `keep`.
    fn hold<T>(&self, event: T, keep: impl FnOnce(&mut Held, T)) -> Option<T> {
        let Ok(mut held) = self.held.lock() else {
            return Some(event);
        };
        if *self.shown.borrow() {
            return Some(event);
        }
        keep(&mut held, event);
        None
    }
}

/// Sends a refresh's progress to the UI, or holds it while the window is hidden.
pub fn refresh_progressed(app: &AppHandle, progress: RefreshProgress) {
    match app.try_state::<Presence>() {
        Some(presence) => presence.refresh_progressed(app, progress),
        None => drop(RefreshProgressed(progress).emit(app)),
    }
}

/// Sends the chapters now playing to the UI, or holds them while the window is hidden.
pub fn chapters_changed(app: &AppHandle, chapters: NowChapters) {
    match app.try_state::<Presence>() {
        Some(presence) => presence.chapters_changed(app, chapters),
        None => drop(ChaptersChanged(chapters).emit(app)),
    }
}

/// Sends a download's progress to the UI, or holds it while the window is hidden.
pub fn download_progressed(app: &AppHandle, progress: DownloadProgress) {
    match app.try_state::<Presence>() {
        Some(presence) => presence.download_progressed(app, progress),
        None => drop(DownloadProgressed(progress).emit(app)),
    }
}
