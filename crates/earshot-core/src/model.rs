//! The library's domain types as the rest of the app sees them: a leaf module that every other
//! one may use and that uses none of them. Ids are newtypes so a show id can never be passed
//! where an episode id belongs.

use serde::{Deserialize, Serialize};

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

/// A show in the library: followed, or previewed from a directory.
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
    /// False for a show the listener previews (from a directory) without following it.
    pub followed: bool,
}

// What feeds carry beyond RSS and Atom, kept with shows and episodes.

/// A way to support the show (`podcast:funding`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct Funding {
    pub url: String,
    pub label: String,
}

/// A transcript of an episode (`podcast:transcript`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Transcript {
    pub url: String,
    /// `text/vtt`, `application/x-subrip`, `application/json`, `text/html`…
    pub mime_type: String,
    pub language: Option<String>,
    /// `captions` when the transcript is meant to be shown in time with the audio.
    pub rel: Option<String>,
}

/// Someone who took part (`podcast:person`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct Person {
    pub name: String,
    /// `host`, `guest`… (lower case); `host` when the feed does not say.
    pub role: String,
    pub href: Option<String>,
    pub img: Option<String>,
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
    pub state: DownloadState,
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

// Downloads: what the queue, the disk rules and the library's download rows share.

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum DownloadState {
    Queued,
    Downloading,
    Paused,
    Done,
    Failed,
    /// Deleted by the listener or a rule; remembered so it is not fetched again automatically.
    Removed,
}

impl DownloadState {
    pub fn as_str(self) -> &'static str {
        match self {
            DownloadState::Queued => "queued",
            DownloadState::Downloading => "downloading",
            DownloadState::Paused => "paused",
            DownloadState::Done => "done",
            DownloadState::Failed => "failed",
            DownloadState::Removed => "removed",
        }
    }

    pub(crate) fn parse(text: &str) -> Self {
        match text {
            "queued" => DownloadState::Queued,
            "downloading" => DownloadState::Downloading,
            "paused" => DownloadState::Paused,
            "done" => DownloadState::Done,
            "removed" => DownloadState::Removed,
            _ => DownloadState::Failed,
        }
    }
}

/// One episode's download.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Download {
    pub episode_id: EpisodeId,
    pub show_id: ShowId,
    pub episode_title: String,
    pub show_title: String,
    pub state: DownloadState,
    /// The finished file (the partial one is this with `.part` added).
    pub path: String,
    pub bytes_done: u64,
    pub bytes_total: Option<u64>,
    #[serde(skip)]
    #[specta(skip)]
    pub validator: Option<String>,
    /// Why the last attempt failed, in words, and its code.
    pub error: Option<String>,
    pub error_code: Option<String>,
    /// Fetched by a show's automatic-download rule rather than asked for.
    pub automatic: bool,
    pub requested_at: UnixTime,
    pub completed_at: Option<UnixTime>,
}

/// A running download's progress, or a change of state; what the UI's progress bars show.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct DownloadProgress {
    pub episode_id: EpisodeId,
    pub show_id: ShowId,
    pub state: DownloadState,
    pub bytes_done: u64,
    pub bytes_total: Option<u64>,
    /// Over the last few seconds.
    pub bytes_per_sec: f64,
    pub eta_secs: Option<f64>,
    pub error: Option<String>,
}

/// Space taken by one show's downloads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ShowUsage {
    pub show_id: ShowId,
    pub show_title: String,
    pub bytes: u64,
    pub episodes: u32,
}

/// Space taken by downloads, per show and in all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct DiskUsage {
    pub shows: Vec<ShowUsage>,
    pub total_bytes: u64,
}

/// When a played episode's download is removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase", tag = "kind", content = "days")]
pub enum AfterPlayed {
    /// As soon as it is played.
    Immediately,
    /// This many days after it was played.
    AfterDays(u32),
    #[default]
    Never,
}

/// The listener's rules for downloads already on disk.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Retention {
    pub after_played: AfterPlayed,
    /// The most all downloads together may take; `None` for no limit.
    pub limit_bytes: Option<u64>,
}

/// One finished download, as the rules see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Held {
    pub episode: EpisodeId,
    pub bytes: u64,
    /// When the listener finished it; `None` while unplayed.
    pub played_at: Option<UnixTime>,
    pub completed_at: UnixTime,
    /// Fetched by an automatic-download rule rather than asked for.
    pub automatic: bool,
}

/// One of a show's episodes, as the automatic-download rule sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Candidate {
    pub episode: EpisodeId,
    pub published_at: Option<UnixTime>,
    pub played: bool,
    /// Whether a download exists or once did (queued, done, failed, or removed by the listener
    /// or a rule): such an episode is never fetched again automatically.
    pub known: bool,
}

/// What is known about the partial file from the attempt that wrote it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Partial {
    /// The strong `ETag`, else the `Last-Modified`, of the body it is a prefix of.
    pub validator: Option<String>,
    /// That body's full length.
    pub total: Option<u64>,
}

// Podcast directories (`crate::directory`): what a search or a chart gives back.

/// A podcast directory Earshot can ask.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, specta::Type,
)]
pub enum DirectorySource {
    /// Apple's iTunes Search API and its charts (no key).
    #[serde(rename = "itunes")]
    Itunes,
    /// fyyd.de (no key).
    #[serde(rename = "fyyd")]
    Fyyd,
    /// Podcast Index (a key and secret from the listener).
    #[serde(rename = "podcastindex")]
    PodcastIndex,
}

/// A show as a directory lists it. Field names are snake_case: this is also what
/// `earshot-cli discover --json` prints.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct DirectoryShow {
    pub title: String,
    pub author: Option<String>,
    /// None when the directory gave none (a chart entry not resolved yet).
    pub feed_url: Option<String>,
    pub artwork_url: Option<String>,
    /// Category names, as the directory names them.
    pub categories: Vec<String>,
    /// The first directory that returned it.
    pub source: DirectorySource,
    pub episode_count: Option<u32>,
    /// Whether the listener already follows it.
    pub subscribed: bool,
    /// Plain text, short, when the directory gives one.
    pub description: Option<String>,
    /// Apple's id for the show, when known.
    pub itunes_id: Option<u64>,
}

/// Why one directory gave nothing, in words ("fyyd did not answer within 10 s").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct DirectoryFailure {
    pub source: DirectorySource,
    pub message: String,
}

/// A search across the directories, as it stands: sent once per directory that answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct DirectorySearch {
    pub query: String,
    /// Merged so far, deduplicated by feed address, best match first.
    pub results: Vec<DirectoryShow>,
    /// Directories still to answer.
    pub pending: Vec<DirectorySource>,
    pub failures: Vec<DirectoryFailure>,
    /// True on the last update of this search.
    pub done: bool,
}

/// One of Apple's top-level podcast genres.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct Genre {
    pub id: u32,
    pub name: String,
}

/// Top shows for a genre (or all) in a country.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct Chart {
    /// Apple's genre id; None for all podcasts.
    pub genre: Option<u32>,
    /// Lowercase ISO 3166 code (`us`).
    pub country: String,
    pub shows: Vec<DirectoryShow>,
    /// When the directories were asked.
    pub fetched_at: UnixTime,
    pub failures: Vec<DirectoryFailure>,
}

// Transcripts (`crate::transcript`): what the listener reads beside the notes.

/// One cue of a transcript: a sentence (or a line) and when it is spoken.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct TranscriptCue {
    pub start_secs: f64,
    pub end_secs: f64,
    /// Who speaks, when the transcript says.
    pub speaker: Option<String>,
    /// Plain text (never markup).
    pub text: String,
}

/// An episode's transcript, as kept in the library.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct EpisodeTranscript {
    pub episode_id: EpisodeId,
    /// The address it was fetched from.
    pub url: String,
    pub mime_type: String,
    pub language: Option<String>,
    /// In time order.
    pub cues: Vec<TranscriptCue>,
}

// Sync (`crate::sync`): subscriptions and listening positions carried between devices.

/// Which kind of server an account syncs with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum SyncKind {
    /// A gpodder.net-compatible server (gpodder.net, mygpo, oPodSync, …).
    Gpodder,
    /// Nextcloud's "gPodder Sync" app.
    Nextcloud,
}

/// The account this library syncs with. The password is never part of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SyncAccount {
    pub kind: SyncKind,
    /// The server's address (`https://gpodder.example.org`, `https://cloud.example.org`).
    pub server: String,
    pub user: String,
    /// This device's name on a gpodder server (Nextcloud keeps no devices).
    pub device: String,
}

/// Where the account's password is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum PasswordKept {
    /// In the operating system's keyring.
    Keyring,
    /// No keyring answered: kept in memory until Earshot quits.
    ThisRunOnly,
    /// Read from `EARSHOT_SYNC_PASSWORD`, never stored.
    Environment,
    /// Nowhere: sign in again.
    Missing,
}

/// Why a sync (or a sign-in) did not go through, for the UI to branch on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum SyncProblemKind {
    /// The server refused the user name or password (401/403).
    PasswordRefused,
    /// The server could not be reached (offline, wrong address, timed out).
    Unreachable,
    /// The server answered with an error (5xx, 4xx other than a refusal).
    ServerError,
    /// The server's answer could not be read.
    BadAnswer,
    /// No password is kept for the account (no keyring, a new run): sign in again.
    NoPassword,
}

/// What went wrong, in words a listener can act on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SyncProblem {
    pub kind: SyncProblemKind,
    pub message: String,
}

/// The sync account and how it is doing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SyncStatus {
    /// None when not signed in.
    pub account: Option<SyncAccount>,
    pub password: PasswordKept,
    pub last_sync_at: Option<UnixTime>,
    /// Changes made here and not yet sent: subscriptions and episodes.
    pub pending_changes: u32,
    /// Why the last sync failed; None after a sync that went through.
    pub last_error: Option<SyncProblem>,
}

/// What one sync did. A failure part-way is reported in `error`; what was done before it stays
/// done, and what was not sent waits for the next sync.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SyncReport {
    /// Episode actions the server acknowledged.
    pub uploaded_actions: u32,
    /// Episode actions from other devices read from the server.
    pub downloaded_actions: u32,
    /// Of those, the ones that changed a place or a played mark here.
    pub applied_actions: u32,
    /// Shows followed here because another device follows them.
    pub subscriptions_added: u32,
    /// Shows unfollowed here because another device unfollowed them.
    pub subscriptions_removed: u32,
    /// Subscription changes made here that the server acknowledged.
    pub subscriptions_uploaded: u32,
    pub error: Option<SyncProblem>,
}

/// Nextcloud Login Flow v2, started: open `login_url` in the browser, then poll.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct NextcloudLoginFlow {
    pub login_url: String,
    /// Where and with what to ask whether the listener has granted access.
    pub poll_endpoint: String,
    pub poll_token: String,
}

/// What Nextcloud gave once the listener granted access in the browser: sign in with these.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct NextcloudGrant {
    pub server: String,
    pub login_name: String,
    pub app_password: String,
}

// The token and the app password are secrets: never in a log line.
impl std::fmt::Debug for NextcloudLoginFlow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NextcloudLoginFlow")
            .field("login_url", &self.login_url)
            .field("poll_endpoint", &self.poll_endpoint)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for NextcloudGrant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NextcloudGrant")
            .field("server", &self.server)
            .field("login_name", &self.login_name)
            .finish_non_exhaustive()
    }
}
