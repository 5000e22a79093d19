//! Events from Rust to the UI, named in the past tense. Their types are exported with the
//! commands into `ui/src/lib/ipc/bindings.ts`.

use earshot_core::{Change, DownloadProgress, Episode, RefreshProgress};
use earshot_player::PlayerState;
use serde::{Deserialize, Serialize};

/// The player's whole state, sent on every change; a playing track's position once a second.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type, tauri_specta::Event)]
pub struct PlaybackChanged(pub PlayerState);

/// One change to the library, as the core announced it: which show, which episodes, and how.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type, tauri_specta::Event)]
pub struct LibraryChanged(pub Change);

/// Changes were missed (the UI fell behind): reload what is shown.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type, tauri_specta::Event)]
pub struct ChangesMissed;

/// A refresh of every show moved on: `done` of `total`, and the show that just finished.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type, tauri_specta::Event)]
pub struct RefreshProgressed(pub RefreshProgress);

/// Up Next changed; the whole queue, in order.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type, tauri_specta::Event)]
pub struct QueueChanged(pub Vec<Episode>);

/// A download moved on (a few times a second while running) or changed state.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type, tauri_specta::Event)]
pub struct DownloadProgressed(pub DownloadProgress);

/// Podcast links arrived from outside (a link opened with Earshot, a second launch); the UI
/// takes them with `take_subscribe_requests` and asks the listener to confirm each.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type, tauri_specta::Event)]
pub struct SubscribeRequested;

/// The episode in the player, its chapters, or the chapter playing changed.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type, tauri_specta::Event)]
pub struct ChaptersChanged(pub crate::chapters::NowChapters);

/// The sync account, its last sync, what waits to be sent, or its last error changed.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type, tauri_specta::Event)]
pub struct SyncChanged(pub earshot_core::SyncStatus);
