//! Podcast directories: search iTunes, fyyd and Podcast Index at once, Apple's charts (with
//! Podcast Index's trending shows), and Apple Podcasts page addresses resolved to feeds.
//!
//! Privacy: no directory is contacted unless the listener searches, opens a chart, resolves a
//! directory's show, or pastes an Apple Podcasts address; any other address given to
//! [`Core::subscribe`] goes straight to its feed.
//!
//! Invariants: a directory that fails is a [`DirectoryFailure`] in words naming it, never a
//! panic and never the failure of the others; a search's updates always hold the whole merged
//! list so far (see [`merge`]); dropping a search's receiver aborts its outstanding requests;
//! a chart on disk is only ever whole (see [`chart`]).

pub mod chart;
mod fyyd;
mod http;
mod itunes;
mod json;
pub mod merge;
mod podcast_index;
mod settings;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::task::JoinSet;

pub use chart::{CHART_FRESH_SECS, chart_is_fresh, genre, genres};
pub use podcast_index::podcast_index_signature;
pub use settings::{DirectorySettings, country_code, locale_country, locale_region};

/// A link in show notes that Earshot takes itself rather than the browser: a podcast link
/// (`feed:`, `itpc:`, `pcast:`, `podcast:`) or an Apple Podcasts page of a show. Gives the
/// address to offer to subscribe to (an Apple page is resolved to its feed when subscribing).
pub fn podcast_link(link: &str) -> Option<String> {
    let trimmed = link.trim();
    if itunes::apple_podcast_id(trimmed).is_some() {
        return Some(trimmed.to_string());
    }
    let lower = trimmed.to_ascii_lowercase();
    if lower.starts_with("http://") || lower.starts_with("https://") {
        return None;
    }
    crate::feed::link_argument(trimmed)
}

use crate::error::{Error, Result};
use crate::model::{
    Chart, DirectoryFailure, DirectorySearch, DirectoryShow, DirectorySource, UnixTime,
};
use crate::{Core, Library};
use http::failure;

/// How long one directory request may take, by default.
pub const DIRECTORY_TIMEOUT: Duration = Duration::from_secs(10);
/// Results asked of each directory per search.
const SEARCH_LIMIT: u32 = 50;
/// Shows asked of each directory per chart.
const CHART_LIMIT: u32 = 50;

/// Where each directory lives. Read from the environment so tests and mirrors can point
/// elsewhere: `EARSHOT_ITUNES_URL`, `EARSHOT_FYYD_URL`, `EARSHOT_PODCASTINDEX_URL`, and
/// `EARSHOT_DIRECTORY_TIMEOUT_MS` for the time limit of one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectoryEndpoints {
    pub itunes: String,
    pub fyyd: String,
    pub podcast_index: String,
    /// For one whole request to one directory, answer included.
    pub timeout: Duration,
}

impl DirectoryEndpoints {
    pub fn from_env() -> Self {
        let var = |name: &str, default: &str| {
            std::env::var(name)
                .ok()
                .filter(|v| !v.trim().is_empty())
                .unwrap_or_else(|| default.to_string())
                .trim_end_matches('/')
                .to_string()
        };
        let timeout = std::env::var("EARSHOT_DIRECTORY_TIMEOUT_MS")
            .ok()
            .and_then(|ms| ms.trim().parse::<u64>().ok())
            .filter(|ms| *ms > 0)
            .map_or(DIRECTORY_TIMEOUT, Duration::from_millis);
        Self {
            itunes: var("EARSHOT_ITUNES_URL", "https://itunes.apple.com"),
            fyyd: var("EARSHOT_FYYD_URL", "https://api.fyyd.de"),
            podcast_index: var(
                "EARSHOT_PODCASTINDEX_URL",
                "https://api.podcastindex.org/api/1.0",
            ),
            timeout,
        }
    }

    /// Every directory at `base` (a test's loopback server), with `timeout`.
    pub fn at(base: &str, timeout: Duration) -> Self {
        let base = base.trim_end_matches('/');
        Self {
            itunes: base.to_string(),
            fyyd: base.to_string(),
            podcast_index: base.to_string(),
            timeout,
        }
    }
}

/// The directory clients (one HTTP client for all of them) and the chart cache. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Directories {
    /// None only when the HTTP client could not be built; every request then fails in words.
    http: Option<reqwest::Client>,
    endpoints: Arc<DirectoryEndpoints>,
    cache_dir: PathBuf,
}

impl Directories {
    pub fn new(user_agent: &str, endpoints: DirectoryEndpoints, cache_dir: PathBuf) -> Self {
        let http = reqwest::Client::builder()
            .user_agent(user_agent)
            .timeout(endpoints.timeout)
            .connect_timeout(endpoints.timeout)
            .redirect(reqwest::redirect::Policy::limited(5))
            .build();
        let http = match http {
            Ok(http) => Some(http),
            Err(error) => {
                tracing::error!(%error, "the directory HTTP client did not start");
                None
            }
        };
        Self {
            http,
            endpoints: Arc::new(endpoints),
            cache_dir,
        }
    }

    /// One directory's answer to a search.
    async fn search_one(
        &self,
        source: DirectorySource,
        query: &str,
        settings: &DirectorySettings,
    ) -> std::result::Result<Vec<DirectoryShow>, DirectoryFailure> {
        match source {
            DirectorySource::Itunes => {
                self.itunes_search(query, &settings.store_country(), SEARCH_LIMIT)
                    .await
            }
            DirectorySource::Fyyd => self.fyyd_search(query, SEARCH_LIMIT).await,
            DirectorySource::PodcastIndex => match settings.podcast_index_credentials() {
                Some(credentials) => {
                    self.podcast_index_search(query, SEARCH_LIMIT, credentials)
                        .await
                }
                None => Err(failure(
                    source,
                    "Podcast Index needs a key and a secret (Settings)",
                )),
            },
        }
    }
}

/// The followed feeds' [`merge::feed_key`]s (empty, with a warning, if the library cannot say).
async fn subscribed_keys(library: &Library) -> HashSet<String> {
    match library.feeds().await {
        Ok(feeds) => feeds.iter().map(|f| merge::feed_key(&f.feed_url)).collect(),
        Err(error) => {
            tracing::warn!(%error, "followed feeds not read; no result marked as followed");
            HashSet::new()
        }
    }
}

fn nothing(query: String, failures: Vec<DirectoryFailure>) -> DirectorySearch {
    DirectorySearch {
        query,
        results: Vec::new(),
        pending: Vec::new(),
        failures,
        done: true,
    }
}

/// Every failure's words in one sentence.
fn all_failed(failures: &[DirectoryFailure]) -> String {
    let reasons: Vec<&str> = failures.iter().map(|f| f.message.as_str()).collect();
    format!("No directory answered: {}", reasons.join("; "))
}

impl Core {
    /// Searches every enabled directory at once for `query`. The receiver gets the whole merged
    /// list so far (best match first, followed shows marked) each time a directory answers or
    /// fails, the last with `done: true`. Dropping it cancels what is still outstanding. An
    /// empty query, or no directory enabled, gives one `done` update with nothing, and asks
    /// nobody.
    pub fn search_directories(
        &self,
        query: &str,
        settings: &DirectorySettings,
    ) -> mpsc::Receiver<DirectorySearch> {
        let query = query.trim().to_string();
        let sources = settings.enabled_sources();
        let (sender, receiver) = mpsc::channel(sources.len() + 1);
        if query.is_empty() || sources.is_empty() {
            let _ = sender.try_send(nothing(query, Vec::new()));
            return receiver;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            let failures = sources
                .iter()
                .map(|&s| failure(s, format!("{} was not asked: no async runtime", s.name())))
                .collect();
            let _ = sender.try_send(nothing(query, failures));
            return receiver;
        };
        let search = Search {
            directories: self.directories.clone(),
            library: self.library.clone(),
            settings: settings.clone(),
            query,
            sources,
        };
        runtime.spawn(search.run(sender));
        receiver
    }

    /// The chart stored for (genre, country), from disk alone (no directory is asked), with
    /// the followed shows marked as they are now. None when there is none stored.
    pub async fn cached_chart(&self, genre: Option<u32>, country: &str) -> Option<Chart> {
        let country = country_code(country)?;
        let mut chart = chart::read_chart(&self.directories.cache_dir, genre, &country).await?;
        let subscribed = subscribed_keys(&self.library).await;
        merge::mark_subscribed(&mut chart.shows, &subscribed);
        Some(chart)
    }

    /// Apple's top shows in `genre` (None: all) for the settings' country, resolved to their
    /// feeds, followed by Podcast Index's trending shows in that category and the country's
    /// language when a key is set; stored for [`Core::cached_chart`]. An error only when every
    /// enabled directory failed (or none is enabled); a directory that failed while another
    /// answered is in `failures`.
    pub async fn chart(
        &self,
        genre: Option<u32>,
        settings: &DirectorySettings,
        now: UnixTime,
    ) -> Result<Chart> {
        let country = settings.store_country();
        let directories = &self.directories;
        let apple = async {
            if settings.itunes {
                Some(directories.itunes_chart(genre, &country, CHART_LIMIT).await)
            } else {
                None
            }
        };
        let trending = async {
            let credentials = settings.podcast_index_credentials()?;
            let categories = genre.and_then(chart::podcast_index_categories);
            Some(
                directories
                    .podcast_index_trending(
                        CHART_LIMIT,
                        settings::country_language(&country),
                        categories.as_deref(),
                        credentials,
                    )
                    .await,
            )
        };
        let (apple, trending, subscribed) =
            tokio::join!(apple, trending, subscribed_keys(&self.library));
        if apple.is_none() && trending.is_none() {
            return Err(Error::Directory {
                message: "No directory is turned on for charts: turn on iTunes, or give a Podcast Index key and secret, in Settings".into(),
            });
        }
        let mut lists = Vec::new();
        let mut failures = Vec::new();
        match apple {
            Some(Ok((shows, unresolved))) => {
                lists.push(shows);
                failures.extend(unresolved);
            }
            Some(Err(failed)) => failures.push(failed),
            None => {}
        }
        match trending {
            Some(Ok(shows)) => lists.push(shows),
            Some(Err(failed)) => failures.push(failed),
            None => {}
        }
        if lists.is_empty() {
            return Err(Error::Directory {
                message: all_failed(&failures),
            });
        }
        let borrowed: Vec<&[DirectoryShow]> = lists.iter().map(Vec::as_slice).collect();
        let chart = Chart {
            genre,
            country,
            shows: merge::merge_in_order(&borrowed, &subscribed),
            fetched_at: now,
            failures,
        };
        if let Err(error) = chart::write_chart(&directories.cache_dir, &chart).await {
            tracing::warn!(%error, "chart not stored");
        }
        Ok(chart)
    }

    /// The feed address of a directory's show: its own, else Apple's lookup by its id, else a
    /// search by title that finds the same title (and author, when known) with an address.
    pub async fn resolve_feed(
        &self,
        show: &DirectoryShow,
        settings: &DirectorySettings,
    ) -> Result<String> {
        if let Some(url) = &show.feed_url {
            return Ok(url.clone());
        }
        let mut failures = Vec::new();
        let mut asked = 0;
        if let Some(id) = show.itunes_id.filter(|_| settings.itunes) {
            asked += 1;
            match self
                .directories
                .itunes_lookup(&[id], Some(&settings.store_country()))
                .await
            {
                Ok(found) => {
                    if let Some(url) = found.get(&id).and_then(|s| s.feed_url.clone()) {
                        return Ok(url);
                    }
                }
                Err(failed) => failures.push(failed),
            }
        }
        let title = merge::fold(&show.title);
        let author = show.author.as_deref().map(merge::fold);
        let same = |candidate: &DirectoryShow| {
            candidate.feed_url.is_some()
                && merge::fold(&candidate.title) == title
                && author.as_ref().is_none_or(|a| {
                    candidate
                        .author
                        .as_deref()
                        .is_some_and(|c| merge::fold(c) == *a)
                })
        };
        for source in settings.enabled_sources() {
            asked += 1;
            match self
                .directories
                .search_one(source, &show.title, settings)
                .await
            {
                Ok(found) => {
                    if let Some(url) = found
                        .iter()
                        .find(|c| same(c))
                        .and_then(|c| c.feed_url.clone())
                    {
                        return Ok(url);
                    }
                }
                Err(failed) => failures.push(failed),
            }
        }
        if asked > 0 && failures.len() == asked {
            return Err(Error::Directory {
                message: all_failed(&failures),
            });
        }
        Err(Error::NotInDirectory {
            what: format!(
                "“{}” is listed without a feed address, and no directory knows one",
                show.title
            ),
        })
    }

    /// The feed address behind what the listener typed: an Apple Podcasts page address is
    /// resolved through the iTunes lookup; anything else is given back as it is, and no
    /// directory is asked.
    pub(crate) async fn directory_address(&self, input: &str) -> Result<String> {
        let Some((id, country)) = itunes::apple_podcast_id(input) else {
            return Ok(input.to_string());
        };
        tracing::info!(id, "looking up an Apple Podcasts address");
        let found = self
            .directories
            .itunes_lookup(&[id], country.as_deref())
            .await
            .map_err(|failed| Error::Directory {
                message: format!(
                    "The Apple Podcasts address could not be looked up: {}",
                    failed.message
                ),
            })?;
        match found.get(&id) {
            Some(DirectoryShow {
                feed_url: Some(url),
                ..
            }) => Ok(url.clone()),
            Some(show) => Err(Error::NotInDirectory {
                what: format!(
                    "“{}” is on Apple Podcasts without a public feed address, so it cannot be followed outside Apple's app",
                    show.title
                ),
            }),
            None => Err(Error::NotInDirectory {
                what: format!(
                    "Apple Podcasts knows no show with the id {id} (from {})",
                    input.trim()
                ),
            }),
        }
    }
}

/// One search under way: its own copy of what it needs, so it outlives the call that began it.
struct Search {
    directories: Directories,
    library: Library,
    settings: DirectorySettings,
    query: String,
    sources: Vec<DirectorySource>,
}

impl Search {
    /// Asks every directory at once and sends an update as each answers. Returning drops the
    /// requests' tasks (aborting them), which is what happens when the receiver goes away.
    async fn run(self, sender: mpsc::Sender<DirectorySearch>) {
        let mut requests = JoinSet::new();
        let mut which = HashMap::new();
        for &source in &self.sources {
            let directories = self.directories.clone();
            let settings = self.settings.clone();
            let query = self.query.clone();
            let task = requests
                .spawn(async move { directories.search_one(source, &query, &settings).await });
            which.insert(task.id(), source);
        }
        let subscribed = tokio::select! {
            _ = sender.closed() => return,
            keys = subscribed_keys(&self.library) => keys,
        };
        let mut answered: BTreeMap<DirectorySource, Vec<DirectoryShow>> = BTreeMap::new();
        let mut failures: Vec<DirectoryFailure> = Vec::new();
        let mut pending = self.sources.clone();
        while !pending.is_empty() {
            let joined = tokio::select! {
                _ = sender.closed() => return,
                joined = requests.join_next_with_id() => joined,
            };
            let Some(joined) = joined else { break };
            let (source, outcome) = match joined {
                Ok((id, outcome)) => (which.get(&id).copied(), outcome),
                Err(error) => {
                    let source = which.get(&error.id()).copied();
                    let name = source.map_or("A directory", DirectorySource::name);
                    (
                        source,
                        Err(failure(
                            source.unwrap_or(DirectorySource::Itunes),
                            format!("{name} could not be asked ({error})"),
                        )),
                    )
                }
            };
            let Some(source) = source else { continue };
            pending.retain(|s| *s != source);
            match outcome {
                Ok(shows) => {
                    answered.insert(source, shows);
                }
                Err(failed) => {
                    tracing::info!(directory = source.name(), reason = %failed.message, "a directory failed");
                    failures.push(failed);
                    failures.sort_by_key(|f| f.source);
                }
            }
            let lists: Vec<(DirectorySource, &[DirectoryShow])> =
                answered.iter().map(|(s, l)| (*s, l.as_slice())).collect();
            let update = DirectorySearch {
                query: self.query.clone(),
                results: merge::merge_ranked(&self.query, &lists, &subscribed),
                pending: pending.clone(),
                failures: failures.clone(),
                done: pending.is_empty(),
            };
            if sender.send(update).await.is_err() {
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn podcast_links_and_apple_pages_are_taken_by_earshot() {
        use super::podcast_link;
        assert_eq!(
            podcast_link("https://podcasts.apple.com/us/podcast/x/id123").as_deref(),
            Some("https://podcasts.apple.com/us/podcast/x/id123")
        );
        assert!(podcast_link("feed://show.example/rss").is_some());
        assert!(podcast_link("podcast://show.example/rss").is_some());
        assert_eq!(podcast_link("https://show.example/episode/1"), None);
        assert_eq!(podcast_link("https://podcasts.apple.com/us/browse"), None);
        assert_eq!(podcast_link("mailto:host@show.example"), None);
    }
}
