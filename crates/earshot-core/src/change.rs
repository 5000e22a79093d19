//! What changed in the library, as one stream of typed events published where the data changes
//! (the library's writes, the download queue), so that every front end updates only what changed
//! instead of reloading everything. A receiver that falls behind misses events and is told so
//! ([`tokio::sync::broadcast::error::RecvError::Lagged`]); it should then reload what it shows.
//!
//! Events are sent after the write has committed: a reader that reacts to one sees the change.

use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;

use crate::model::{DownloadState, EpisodeId, Progress, ShowId, UnixTime};

/// Events held for a slow receiver before it starts missing them. A refresh of 500 shows sends
/// about two per show.
const CAPACITY: usize = 4096;

/// One change to the library.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Change {
    /// A show was followed (subscribed, or imported and not fetched yet).
    #[serde(rename_all = "camelCase")]
    ShowAdded { show_id: ShowId },
    /// A show's feed was stored: its header may differ, and these episodes are new or changed.
    /// Episodes not listed are as they were.
    #[serde(rename_all = "camelCase")]
    ShowRefreshed {
        show_id: ShowId,
        new_episodes: Vec<EpisodeId>,
        changed_episodes: Vec<EpisodeId>,
    },
    /// Something about the show itself changed (a refresh error, its artwork, its address,
    /// its settings, its unplayed count); no episode row needs reloading for it.
    #[serde(rename_all = "camelCase")]
    ShowUpdated { show_id: ShowId },
    /// A refresh found the show's feed as it was: only the time of the check changed.
    #[serde(rename_all = "camelCase")]
    ShowChecked {
        show_id: ShowId,
        refreshed_at: UnixTime,
    },
    /// A show was unsubscribed, with its episodes.
    #[serde(rename_all = "camelCase")]
    ShowRemoved { show_id: ShowId },
    /// The listener's place in an episode, or whether it is played.
    #[serde(rename_all = "camelCase")]
    ProgressSaved {
        show_id: ShowId,
        episode_id: EpisodeId,
        progress: Progress,
    },
    /// An episode's download was queued, started, finished, failed, paused or removed.
    #[serde(rename_all = "camelCase")]
    DownloadChanged {
        show_id: ShowId,
        episode_id: EpisodeId,
        state: DownloadState,
    },
    /// Up Next changed.
    QueueChanged,
}

impl Change {
    /// The show the change is about, when it is about one.
    pub fn show(&self) -> Option<ShowId> {
        match self {
            Change::ShowAdded { show_id }
            | Change::ShowRefreshed { show_id, .. }
            | Change::ShowUpdated { show_id }
            | Change::ShowChecked { show_id, .. }
            | Change::ShowRemoved { show_id }
            | Change::ProgressSaved { show_id, .. }
            | Change::DownloadChanged { show_id, .. } => Some(*show_id),
            Change::QueueChanged => None,
        }
    }
}

/// Where changes are published; cloned into everything that writes.
#[derive(Debug, Clone)]
pub struct Changes {
    sender: broadcast::Sender<Change>,
}

impl Default for Changes {
    fn default() -> Self {
        Self {
            sender: broadcast::channel(CAPACITY).0,
        }
    }
}

impl Changes {
    /// Receives every change published from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Change> {
        self.sender.subscribe()
    }

    /// Publishes `change`; nobody listening is fine.
    pub fn publish(&self, change: Change) {
        let _ = self.sender.send(change);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_are_tagged_for_the_ui() {
        let json = serde_json::to_value(Change::ProgressSaved {
            show_id: ShowId(1),
            episode_id: EpisodeId(2),
            progress: Progress {
                position_secs: 3.0,
                played: false,
            },
        })
        .unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "kind": "progressSaved", "showId": 1, "episodeId": 2,
                "progress": { "positionSecs": 3.0, "played": false }
            })
        );
        assert_eq!(
            serde_json::to_value(Change::QueueChanged).unwrap(),
            serde_json::json!({ "kind": "queueChanged" })
        );
    }

    #[tokio::test]
    async fn every_receiver_gets_every_change() {
        let changes = Changes::default();
        let (mut a, mut b) = (changes.subscribe(), changes.subscribe());
        changes.publish(Change::ShowRemoved { show_id: ShowId(4) });
        assert_eq!(a.recv().await.unwrap().show(), Some(ShowId(4)));
        assert_eq!(b.recv().await.unwrap().show(), Some(ShowId(4)));
    }
}
