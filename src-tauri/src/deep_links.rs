//! Podcast links from outside the app (`earshot <feed-url>`, `feed://`, `itpc://`, `podcast://`
//! and `pcast://` links the desktop hands to Earshot, a second launch): they wait here until the
//! UI takes them and asks the listener to confirm the subscription. A second launch brings the
//! running window forward instead of starting another Earshot.

use std::sync::{Mutex, PoisonError};

use tauri::{AppHandle, Manager, Runtime};
use tauri_specta::Event;

use crate::events::SubscribeRequested;

/// Links received and not yet shown to the listener.
#[derive(Default)]
pub struct PendingLinks(Mutex<Vec<String>>);

impl PendingLinks {
    /// Every waiting link, once.
    pub fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

/// Keeps the podcast links among `arguments` for the UI and tells it they are there.
pub fn receive<R: Runtime>(app: &AppHandle<R>, arguments: impl IntoIterator<Item = String>) {
    let links: Vec<String> = arguments
        .into_iter()
        .filter_map(|a| earshot_core::feed::link_argument(&a))
        .collect();
    if links.is_empty() {
        return;
    }
    tracing::info!(links = links.len(), "podcast links received");
    if let Some(pending) = app.try_state::<PendingLinks>() {
        let mut waiting = pending.0.lock().unwrap_or_else(PoisonError::into_inner);
        for link in links {
            if !waiting.contains(&link) {
                waiting.push(link);
            }
        }
    }
    let _ = SubscribeRequested.emit(app);
}
