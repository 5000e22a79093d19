//! Earshot's domain, with no UI and no audio: feeds (fetch, parse, sanitize), the library
//! database, artwork caching, and the rules that keep a listener's place. The desktop shell and
//! the CLI are thin front ends over [`Core`].

pub mod artwork;
pub mod change;
pub mod chapters;
pub mod directory;
pub mod download;
mod error;
pub mod feed;
pub mod follow;
pub mod library;
pub mod model;
pub mod opml;
pub mod preferences;
pub mod progress;
pub mod queue;
pub mod refresh;
pub mod sync;
pub mod transcript;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};

use serde::{Deserialize, Serialize};

pub use artwork::{Artwork, ArtworkStore};
pub use change::{Change, Changes};
pub use chapters::{Chapter, ChapterSource, ChapterStep};
pub use download::{DiskUsage, Download, DownloadProgress, DownloadState, Downloads, Retention};
pub use error::{Error, ErrorCode, Result};
pub use feed::{Credentials, FeedClient, FetchOptions};
pub use follow::{AfterRefresh, AtEnd, Finished};
pub use library::{EpisodeHit, Library, SearchResults, ShowHit};
pub use model::*;
pub use queue::Placement;
pub use refresh::{RefreshOutcome, RefreshProgress, ShowRefreshed};
pub use transcript::TranscriptsFetched;

/// Feeds larger than this are refused rather than parsed.
pub const FEED_LIMIT_BYTES: u64 = 50_000_000;

/// Where the core keeps its files, and how it introduces itself to servers.
#[derive(Debug, Clone)]
pub struct CoreConfig {
    pub data_dir: PathBuf,
    pub user_agent: String,
    pub fetch: FetchOptions,
    /// Time limits for episode downloads.
    pub media: download::Timeouts,
    /// Where the podcast directories live.
    pub directories: directory::DirectoryEndpoints,
}

impl CoreConfig {
    /// The data folder with Earshot's user agent and the default time limits.
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        Self {
            data_dir: data_dir.into(),
            user_agent: user_agent(),
            fetch: FetchOptions::default(),
            media: download::Timeouts::default(),
            directories: directory::DirectoryEndpoints::from_env(),
        }
    }
}

/// How Earshot introduces itself to feed and media servers.
pub fn user_agent() -> String {
    format!(
        "Earshot/{} (desktop podcast app; +https://github.com/earshot-app)",
        env!("CARGO_PKG_VERSION")
    )
}

/// The library, the feed client and the artwork cache, owned together.
#[derive(Debug, Clone)]
pub struct Core {
    library: Library,
    feeds: FeedClient,
    artwork: ArtworkStore,
    downloads: Downloads,
    directories: directory::Directories,
    /// The sync account's HTTP client, password source and session (see [`sync`]).
    sync: Arc<sync::SyncState>,
    /// Feeds parsed or waiting to be stored at once: as many as there are cores. The writer and
    /// the indexer need their share of the cores too; more would only hold parsed feeds in
    /// memory (one more measured the same speed with 5 % more memory).
    parsing: Arc<tokio::sync::Semaphore>,
    /// One lock per show, so two refreshes of one feed never run at once (single flight).
    in_flight: Arc<Mutex<HashMap<ShowId, Arc<tokio::sync::Mutex<()>>>>>,
}

impl Core {
    /// Opens the library in `config.data_dir` (creating the folder and database as needed),
    /// syncing with the system keyring and `EARSHOT_SYNC_PASSWORD` ([`sync::SyncConfig::from_env`]).
    pub async fn open(config: CoreConfig) -> Result<Self> {
        Self::open_with_sync(config, sync::SyncConfig::from_env()).await
    }

    /// [`Core::open`] with the sync's own settings: which keyring, batch size, time limit.
    pub async fn open_with_sync(config: CoreConfig, sync: sync::SyncConfig) -> Result<Self> {
        tokio::fs::create_dir_all(&config.data_dir).await?;
        let library = Library::open(&config.data_dir.join("earshot.db")).await?;
        let downloads = Downloads::new(
            library.clone(),
            &config.user_agent,
            config.data_dir.join("downloads"),
            config.media,
        );
        let directories = directory::Directories::new(
            &config.user_agent,
            config.directories,
            config.data_dir.join("directory"),
        );
        let sync = Arc::new(sync::SyncState::new(sync, &config.user_agent)?);
        Ok(Self {
            library,
            downloads,
            directories,
            sync,
            feeds: FeedClient::with_options(&config.user_agent, config.fetch)?,
            artwork: ArtworkStore::new(config.data_dir.join("artwork")),
            in_flight: Arc::default(),
            parsing: Arc::new(tokio::sync::Semaphore::new(
                std::thread::available_parallelism().map_or(2, |n| n.get()),
            )),
        })
    }

    /// Parses a fetched body off the async threads, no more at once than there are cores.
    pub(crate) async fn parse(
        &self,
        fetched: feed::Fetched,
    ) -> (feed::Fetched, Result<library::PreparedFeed>) {
        let _permit = self.parsing.acquire().await;
        parse_fetched(fetched).await
    }

    /// The lock that makes refreshes of `show` take turns.
    pub(crate) fn flight(&self, show: ShowId) -> Arc<tokio::sync::Mutex<()>> {
        self.in_flight
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(show)
            .or_default()
            .clone()
    }

    pub fn library(&self) -> &Library {
        &self.library
    }

    /// The download queue and the files it keeps.
    pub fn downloads(&self) -> &Downloads {
        &self.downloads
    }

    /// Subscribes to the feed at `input` (any form [`feed::normalize_feed_url`] accepts, with
    /// `user:password@` for a private feed, or a web page that announces its feed) and returns
    /// the show. Subscribing again to a feed already in the library (the same address, or the
    /// same address after redirects) returns the existing show. A feed at another address that
    /// gives a followed show's `podcast:guid` is refused with [`Error::ClaimsFollowedShow`]
    /// (real feeds copy guids from templates): [`Core::subscribe_with`] can follow it anyway.
    /// Nothing is written unless the feed was fetched and parsed.
    pub async fn subscribe(&self, input: &str, now: UnixTime) -> Result<Show> {
        self.subscribe_with(input, SameGuid::Refuse, now).await
    }

    /// [`Core::subscribe`], saying what to do with a feed that claims a followed show's guid.
    /// A show the listener was previewing is followed, with every place kept.
    pub async fn subscribe_with(
        &self,
        input: &str,
        same_guid: SameGuid,
        now: UnixTime,
    ) -> Result<Show> {
        let (fetched, parsed, credentials) = match self.find_or_fetch(input).await? {
            Found::InLibrary(id) => {
                self.library.follow(id, now).await?;
                return self.library.show(id).await;
            }
            Found::Fetched(fetch) => (fetch.fetched, fetch.parsed, fetch.credentials),
        };
        let feed_url = fetched.permanent_url.clone();
        if same_guid == SameGuid::Refuse
            && let Some(guid) = &parsed.feed.podcast_guid
            && let Some(id) = self.library.show_id_for_podcast_guid(guid).await?
        {
            let followed = self.library.show(id).await?;
            tracing::info!(show = id.0, "the feed gives a followed show's podcast:guid");
            return Err(Error::ClaimsFollowedShow {
                url: feed_url.to_string(),
                title: followed.title,
                show: id,
            });
        }
        let id = self
            .store_fetched(&fetched, &parsed, credentials.as_ref(), true, now)
            .await?;
        self.library
            .changes()
            .publish(Change::ShowAdded { show_id: id });
        self.library.show(id).await
    }

    /// The show at `input` without following it (from a directory, or an address pasted to
    /// look before subscribing): fetched and kept aside, so its page, its episodes and the
    /// listener's place in them work as a followed show's do, out of the library's lists until
    /// [`Core::subscribe`]. A show already in the library (followed or previewed) is given as
    /// it is; a preview last fetched over an hour ago is fetched again first (a failure keeps
    /// the copy).
    pub async fn preview(&self, input: &str, now: UnixTime) -> Result<Show> {
        let (fetched, parsed, credentials) = match self.find_or_fetch(input).await? {
            Found::InLibrary(id) => {
                let show = self.library.show(id).await?;
                if !show.followed {
                    self.library.touch_preview(id, now).await?;
                    if show
                        .refreshed_at
                        .is_none_or(|at| now - at > PREVIEW_FRESH_SECS)
                    {
                        // A failure is recorded on the show, which its page shows.
                        if let RefreshOutcome::Failed { message, .. } =
                            self.refresh_show(id, now).await?
                        {
                            tracing::info!(show = id.0, %message, "preview not refetched");
                        }
                        return self.library.show(id).await;
                    }
                }
                return Ok(show);
            }
            Found::Fetched(fetch) => (fetch.fetched, fetch.parsed, fetch.credentials),
        };
        let id = self
            .store_fetched(&fetched, &parsed, credentials.as_ref(), false, now)
            .await?;
        self.library.show(id).await
    }

    /// Stores a feed fetched for a new show (followed, or previewed), indexes it and caches
    /// its artwork.
    async fn store_fetched(
        &self,
        fetched: &feed::Fetched,
        parsed: &library::PreparedFeed,
        credentials: Option<&Credentials>,
        followed: bool,
        now: UnixTime,
    ) -> Result<ShowId> {
        let feed_url = fetched.permanent_url.as_str();
        let meta = library::FeedMeta {
            body_sha256: Some(library::body_digest(&fetched.body)),
            etag: fetched.etag.clone(),
            last_modified: fetched.last_modified.clone(),
        };
        let stored = if followed {
            self.library
                .store_feed(feed_url, parsed, &meta, credentials, now)
                .await?
        } else {
            self.library
                .store_preview(feed_url, parsed, &meta, credentials, now)
                .await?
        };
        let id = stored.show;
        tracing::info!(
            show = id.0,
            episodes = parsed.feed.episodes.len(),
            followed,
            "new show stored"
        );
        self.library.index_backlog().await?;
        if let Some(artwork_url) = &parsed.feed.artwork_url {
            self.cache_artwork(id, artwork_url).await;
        }
        Ok(id)
    }

    /// Forgets previews not opened since `before` (and never followed), with their episodes,
    /// places, downloads and artwork; a preview with an episode in Up Next stays. Returns how
    /// many went.
    pub async fn forget_previews(&self, before: UnixTime) -> Result<usize> {
        let stale = self.library.stale_previews(before).await?;
        for show in &stale {
            self.unsubscribe(*show).await?;
        }
        if !stale.is_empty() {
            tracing::info!(previews = stale.len(), "old previews forgotten");
        }
        Ok(stale.len())
    }

    /// The show already in the library at `input` (the same address, or the same address after
    /// redirects), or the feed fetched and parsed. An Apple Podcasts page address is resolved
    /// to its feed; a web page is followed to the feed it announces, once.
    async fn find_or_fetch(&self, input: &str) -> Result<Found> {
        let input = self.directory_address(input).await?;
        let url = feed::normalize_feed_url(&input)?;
        let (url, credentials) = feed::split_credentials(url);
        if let Some(id) = self.library.show_id_for_url(url.as_str()).await? {
            return Ok(Found::InLibrary(id));
        }
        let request = feed::Request {
            credentials: credentials.as_ref(),
            ..feed::Request::new(&url, FEED_LIMIT_BYTES)
        };
        let fetched = self.feeds.get_with(request).await?;
        let (fetched, parsed) = match self.parse(fetched).await {
            (fetched, Ok(parsed)) => (fetched, parsed),
            (page, Err(error)) => {
                let Some(found) = feed::feed_links(&page.body, &page.final_url)
                    .into_iter()
                    .next()
                else {
                    return Err(error);
                };
                tracing::info!(page = %page.final_url, feed = %found, "following the page's feed link");
                let request = feed::Request {
                    credentials: credentials.as_ref(),
                    ..feed::Request::new(&found, FEED_LIMIT_BYTES)
                };
                match self.parse(self.feeds.get_with(request).await?).await {
                    (fetched, Ok(parsed)) => (fetched, parsed),
                    (_, Err(error)) => return Err(error),
                }
            }
        };
        for known in [&fetched.permanent_url, &fetched.final_url] {
            if let Some(id) = self.library.show_id_for_url(known.as_str()).await? {
                return Ok(Found::InLibrary(id));
            }
        }
        Ok(Found::Fetched(Box::new(Fetch {
            fetched,
            parsed,
            credentials,
        })))
    }

    /// Removes a show, its episodes, the listener's progress in them and its artwork.
    pub async fn unsubscribe(&self, show: ShowId) -> Result<()> {
        self.library.show(show).await?;
        self.downloads.delete_show(show).await?;
        self.library.unsubscribe(show).await?;
        self.artwork.remove(show).await;
        tracing::info!(show = show.0, "unsubscribed");
        Ok(())
    }

    /// Adds the subscriptions in an OPML file without fetching them (refresh them next, e.g.
    /// with [`Core::refresh_shows`] on [`ImportReport::added`]). Bad entries are reported; good
    /// ones are kept; addresses already subscribed are counted, not duplicated.
    pub async fn import_opml(&self, body: &[u8], now: UnixTime) -> Result<ImportReport> {
        let document = opml::parse_opml(body)?;
        let mut report = ImportReport {
            problems: document.problems,
            ..ImportReport::default()
        };
        for entry in document.entries {
            let (url, _) = match url::Url::parse(&entry.feed_url) {
                Ok(url) => feed::split_credentials(url),
                Err(_) => continue,
            };
            let title = entry
                .title
                .clone()
                .unwrap_or_else(|| url.host_str().unwrap_or("Untitled show").to_string());
            match self
                .library
                .add_unfetched(url.as_str(), &title, now)
                .await?
            {
                Some(id) => report.added.push(id),
                None => report.already_subscribed += 1,
            }
        }
        tracing::info!(
            added = report.added.len(),
            already = report.already_subscribed,
            problems = report.problems.len(),
            "OPML imported"
        );
        Ok(report)
    }

    /// Every subscription as an OPML 2.0 document.
    pub async fn export_opml(&self) -> Result<String> {
        let feeds = self.library.feeds().await?;
        let shows: Vec<opml::OpmlShow<'_>> = feeds
            .iter()
            .map(|f| opml::OpmlShow {
                title: &f.title,
                feed_url: &f.feed_url,
                link: f.link.as_deref(),
            })
            .collect();
        Ok(opml::write_opml(&shows, chrono::Utc::now()))
    }

    /// Ranked shows and episodes for what the listener typed.
    pub async fn search(&self, text: &str, limit: u32) -> Result<SearchResults> {
        self.library.search(text, limit).await
    }

    /// Best effort: a show without artwork is still a show.
    pub(crate) async fn cache_artwork(&self, show: ShowId, artwork_url: &str) {
        let fetched = match url::Url::parse(artwork_url) {
            Ok(url) => self.feeds.get(&url, artwork::ARTWORK_LIMIT_BYTES).await,
            Err(_) => return,
        };
        let stored = match fetched {
            Ok(fetched) => self.artwork.store(show, &fetched.body).await,
            Err(error) => {
                tracing::warn!(show = show.0, %error, "artwork not fetched");
                return;
            }
        };
        match stored {
            Ok(true) => {
                if let Err(error) = self.library.set_artwork_cached(show, true).await {
                    tracing::warn!(show = show.0, %error, "artwork state not saved");
                }
            }
            Ok(false) => tracing::warn!(show = show.0, "artwork is not an image"),
            Err(error) => tracing::warn!(show = show.0, %error, "artwork not cached"),
        }
    }

    pub async fn shows(&self) -> Result<Vec<Show>> {
        self.library.shows().await
    }

    pub async fn show_page(&self, id: ShowId) -> Result<ShowPage> {
        let (show, episodes) = tokio::try_join!(self.library.show(id), self.library.episodes(id))?;
        Ok(ShowPage { show, episodes })
    }

    pub async fn show(&self, id: ShowId) -> Result<Show> {
        self.library.show(id).await
    }

    /// A page of a show's episodes, filtered and ordered, with the filtered total.
    pub async fn episodes(&self, id: ShowId, query: EpisodeQuery) -> Result<EpisodeList> {
        let query = EpisodeQuery {
            limit: query.limit.clamp(1, 500),
            ..query
        };
        self.library.episodes_page(id, query).await
    }

    pub async fn episode(&self, id: EpisodeId) -> Result<Episode> {
        self.library.episode(id).await
    }

    /// The episodes with these ids that exist (at most 1,000), in the order asked for.
    pub async fn episodes_by_id(&self, ids: &[EpisodeId]) -> Result<Vec<Episode>> {
        let ids = &ids[..ids.len().min(1000)];
        let mut found = self.library.episodes_by_id(ids).await?;
        let position: HashMap<EpisodeId, usize> =
            ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
        found.sort_by_key(|e| position.get(&e.id).copied().unwrap_or(usize::MAX));
        Ok(found)
    }

    /// Everything needed to start `id`: its media address (the download when there is one, the
    /// stream otherwise), and where to resume.
    pub async fn play_request(&self, id: EpisodeId) -> Result<PlayRequest> {
        self.play_request_from(id, MediaSource::Download).await
    }

    /// [`Core::play_request`] from `preferred` when it can be (a download may not exist; the
    /// stream is the fall-back).
    pub async fn play_request_from(
        &self,
        id: EpisodeId,
        preferred: MediaSource,
    ) -> Result<PlayRequest> {
        let episode = self.library.episode(id).await?;
        let show = self.library.show(episode.show_id).await?;
        let local = match preferred {
            MediaSource::Download => self
                .downloads
                .local_file(id)
                .await?
                .and_then(|path| url::Url::from_file_path(path).ok()),
            MediaSource::Stream => None,
        };
        let source = if local.is_some() {
            MediaSource::Download
        } else {
            MediaSource::Stream
        };
        let media_url = match local {
            Some(file) => file.to_string(),
            None => episode
                .enclosure_url
                .clone()
                .ok_or_else(|| Error::NotFound {
                    what: format!("an audio file for “{}”", episode.title),
                })?,
        };
        let start_at_secs = progress::resume_position(episode.progress, episode.duration_secs);
        Ok(PlayRequest {
            episode,
            show_title: show.title,
            media_url,
            source,
            start_at_secs,
        })
    }

    /// Marks `id` played or unplayed by hand; returns its show.
    pub async fn set_played(&self, id: EpisodeId, played: bool, now: UnixTime) -> Result<ShowId> {
        self.library.set_played(id, played, now).await
    }

    /// The episode to put back in the player at start-up: the last one left unfinished.
    pub async fn last_in_progress(&self) -> Result<Option<EpisodeId>> {
        self.library.last_in_progress().await
    }

    pub async fn save_progress(
        &self,
        id: EpisodeId,
        progress: Progress,
        now: UnixTime,
    ) -> Result<()> {
        self.library.save_progress(id, progress, now).await?;
        Ok(())
    }

    /// Every change to the library from now on (see [`change`]).
    pub fn changes(&self) -> tokio::sync::broadcast::Receiver<Change> {
        self.library.changes().subscribe()
    }

    /// A directory listing's artwork (an address a search or chart gave), scaled to about
    /// `size` pixels: fetched once, then kept small on disk, so the web view never loads a
    /// remote image. None when it cannot be fetched or is no image.
    pub async fn listed_artwork(&self, url: &str, size: u32) -> Option<Artwork> {
        if let Some(kept) = self.artwork.load_listed(url, size).await {
            return Some(kept);
        }
        let parsed = url::Url::parse(url)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https"))?;
        match self.feeds.get(&parsed, artwork::ARTWORK_LIMIT_BYTES).await {
            Ok(fetched) => self.artwork.store_listed(url, size, fetched.body).await,
            Err(error) => {
                tracing::debug!(%error, "listed artwork not fetched");
                None
            }
        }
    }

    /// Forgets kept copies of listings' artwork older than `days`.
    pub async fn forget_listed_artwork(&self, days: u64) {
        let before = std::time::SystemTime::now()
            .checked_sub(std::time::Duration::from_secs(days * 86_400))
            .unwrap_or(std::time::UNIX_EPOCH);
        self.artwork.forget_listed(before).await;
    }

    /// The file of the show's cached artwork, when there is one.
    pub fn artwork_file(&self, show: ShowId) -> Option<PathBuf> {
        self.artwork.file(show)
    }

    /// The show's cached artwork, scaled to `size` pixels (its longest side) when given.
    pub async fn artwork(&self, show: ShowId, size: Option<u32>) -> Option<Artwork> {
        match size {
            Some(size) => self.artwork.load_sized(show, size).await,
            None => self.artwork.load(show).await,
        }
    }

    pub async fn close(&self) {
        self.library.close().await;
    }
}

/// How long a preview's copy of its feed is shown without fetching it again.
const PREVIEW_FRESH_SECS: i64 = 3600;

/// A show already in the library, or a feed fetched for it.
enum Found {
    InLibrary(ShowId),
    Fetched(Box<Fetch>),
}

/// A feed fetched and parsed, with the credentials it was fetched with.
struct Fetch {
    fetched: feed::Fetched,
    parsed: library::PreparedFeed,
    credentials: Option<Credentials>,
}

/// What [`Core::subscribe_with`] does with a new feed that gives the `podcast:guid` of a show
/// already followed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum SameGuid {
    /// Refuse it, naming the followed show.
    #[default]
    Refuse,
    /// Follow it as a show of its own.
    FollowSeparately,
}

/// What an OPML import did.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ImportReport {
    /// New subscriptions, not fetched yet.
    pub added: Vec<ShowId>,
    pub already_subscribed: u32,
    pub problems: Vec<opml::OpmlProblem>,
}

/// Parses a fetched body off the async threads, and prepares it for storing there too. Gives the
/// fetch back either way, so a web page can be searched for its feed link.
pub(crate) async fn parse_fetched(
    fetched: feed::Fetched,
) -> (feed::Fetched, Result<library::PreparedFeed>) {
    let url = fetched.final_url.clone();
    let joined = tokio::task::spawn_blocking(move || {
        let parsed =
            feed::parse_feed(&fetched.body, &fetched.final_url).map(library::PreparedFeed::new);
        (fetched, parsed)
    })
    .await;
    match joined {
        Ok((fetched, parsed)) => {
            let parsed = parsed.map_err(|detail| Error::NotAFeed {
                url: fetched.final_url.to_string(),
                detail,
            });
            (fetched, parsed)
        }
        Err(e) => {
            let error = Error::NotAFeed {
                url: url.to_string(),
                detail: format!("the parser stopped unexpectedly: {e}"),
            };
            let empty = feed::Fetched {
                permanent_url: url.clone(),
                final_url: url,
                body: Vec::new(),
                content_type: None,
                etag: None,
                last_modified: None,
            };
            (empty, Err(error))
        }
    }
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        out.push(char::from(DIGITS[usize::from(byte >> 4)]));
        out.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    out
}
