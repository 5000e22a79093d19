//! The library's domain types as the rest of the app sees them. Ids are newtypes so a show id can
//! never be passed where an episode id belongs.

use serde::{Deserialize, Serialize};

pub use crate::feed::{Funding, Person, Transcript};

/// Seconds since the Unix epoch, UTC.
pub type UnixTime = i64;

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, specta::Type,
)]
#[serde(transparent)]
pub struct ShowId(pub i64);

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, specta::Type,
)]
#[serde(transparent)]
pub struct EpisodeId(pub i64);

impl std::fmt::Display for ShowId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "show {}", self.0)
    }
}

impl std::fmt::Display for EpisodeId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "episode {}", self.0)
    }
}

/// A subscribed show.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Show {
    pub id: ShowId,
    pub feed_url: String,
    pub title: String,
    pub author: Option<String>,
    /// Sanitized HTML: safe to insert into the page.
    pub description_html: String,
    pub link: Option<String>,
    pub categories: Vec<String>,
    /// Whether a cached copy of the artwork exists; the UI asks the `artwork:` protocol for it.
    pub has_artwork: bool,
    /// When the feed was last fetched successfully.
    pub refreshed_at: Option<UnixTime>,
    /// Why the last refresh failed, and when; cleared by the next success.
    pub last_error: Option<String>,
    pub last_error_at: Option<UnixTime>,
    /// When the server said the feed is gone for good (410); the UI offers to unsubscribe.
    pub gone_at: Option<UnixTime>,
    pub episode_count: u32,
    pub unplayed_count: u32,
    /// When the newest episode came out: what "recently updated" sorts by.
    pub latest_episode_at: Option<UnixTime>,
    pub language: Option<String>,
    pub explicit: Option<bool>,
    pub podcast_guid: Option<String>,
    pub funding: Vec<Funding>,
}

/// Where the listener is in one episode.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Progress {
    pub position_secs: f64,
    pub played: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Episode {
    pub id: EpisodeId,
    pub show_id: ShowId,
    /// The feed's identity for the episode (its guid, else its enclosure address).
    pub guid: String,
    pub title: String,
    pub published_at: Option<UnixTime>,
    pub duration_secs: Option<f64>,
    pub enclosure_url: Option<String>,
    pub enclosure_type: Option<String>,
    pub enclosure_length: Option<i64>,
    /// Sanitized HTML show notes.
    pub notes_html: String,
    pub link: Option<String>,
    pub progress: Progress,
    pub season: Option<i64>,
    pub episode_number: Option<i64>,
    /// `full`, `trailer` or `bonus`.
    pub episode_type: Option<String>,
    pub explicit: Option<bool>,
    pub artwork_url: Option<String>,
    /// A `podcast:chapters` JSON document.
    pub chapters_url: Option<String>,
    pub transcripts: Vec<Transcript>,
    pub persons: Vec<Person>,
    /// Its download, when the listener has asked for one.
    pub download: Option<EpisodeDownload>,
}

/// How far an episode's download is, as the episode list shows it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct EpisodeDownload {
    pub state: crate::download::DownloadState,
    pub bytes_done: u64,
    pub bytes_total: Option<u64>,
}

/// Which of a show's episodes to list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "kebab-case")]
pub enum EpisodeFilter {
    #[default]
    All,
    Unplayed,
    /// Started and not finished.
    InProgress,
    /// On disk, ready to play offline.
    Downloaded,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "kebab-case")]
pub enum EpisodeOrder {
    #[default]
    Newest,
    Oldest,
}

/// A page of a show's episode list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct EpisodeQuery {
    pub filter: EpisodeFilter,
    pub order: EpisodeOrder,
    pub offset: u32,
    pub limit: u32,
}

/// One page of episodes, and how many the filter lets through in all.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct EpisodeList {
    pub episodes: Vec<Episode>,
    pub total: u32,
}

/// Everything the show page needs in one answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ShowPage {
    pub show: Show,
    pub episodes: Vec<Episode>,
}

/// What the player needs to play an episode and to describe it (title bar, OS media controls).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct PlayRequest {
    pub episode: Episode,
    pub show_title: String,
    pub media_url: String,
    pub source: MediaSource,
    pub start_at_secs: f64,
}

/// Where an episode's audio is played from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum MediaSource {
    /// Its download, on disk.
    Download,
    /// The feed's enclosure address.
    Stream,
}
