//! Refreshing subscriptions: a conditional GET per feed, parsing off the async threads, one
//! transaction per feed, and an outcome per feed so that one broken feed never fails the rest.
//! Many feeds are fetched at once, but never more than [`PER_HOST`] from one host.
//!
//! A refresh of many feeds returns once every feed is stored: its shows and episodes are listed
//! and playable then. The search index catches up after it, in the background (see
//! `library::index`): until it has, a search first waits for it, and a process that ends sooner
//! leaves the rest in the backlog for the next refresh or search.

use std::collections::HashMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use url::Url;

use crate::error::{Error, ErrorCode, Result};
use crate::feed::{self, Fetch};
use crate::library::{self, FeedMeta};
use crate::model::{ShowId, UnixTime};
use crate::{Core, FEED_LIMIT_BYTES};

/// The longest a server's Retry-After is honoured: a day.
const MAX_RETRY_AFTER_SECS: u64 = 24 * 60 * 60;

/// Feeds fetched at once in a refresh of everything.
pub const CONCURRENT: usize = 16;
/// Feeds fetched at once from one host, to be polite to shared hosts.
pub const PER_HOST: usize = 2;

/// What refreshing one feed did. A failure is an outcome too: it is recorded on the show.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RefreshOutcome {
    /// The server said 304: nothing was downloaded or written.
    NotModified,
    /// The body was byte-for-byte what we had: nothing was parsed or written.
    Unchanged,
    Updated {
        #[serde(rename = "newEpisodes")]
        new_episodes: u32,
    },
    Failed {
        code: ErrorCode,
        message: String,
    },
    /// The server asked (429/503 Retry-After) not to be fetched before `until`; not fetched.
    Deferred {
        until: UnixTime,
    },
}

/// One show's result in a refresh of everything.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ShowRefreshed {
    pub show_id: ShowId,
    pub title: String,
    pub feed_url: String,
    pub outcome: RefreshOutcome,
}

/// Progress of a refresh of everything, reported as each feed finishes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct RefreshProgress {
    pub done: u32,
    pub total: u32,
    pub last: Option<ShowRefreshed>,
}

impl Core {
    /// Refreshes one show. Never fails for the feed's sake: network, HTTP and parse problems
    /// come back as [`RefreshOutcome::Failed`] and are recorded on the show; only a broken
    /// library is an `Err`.
    pub async fn refresh_show(&self, show: ShowId, now: UnixTime) -> Result<RefreshOutcome> {
        let outcome = self.refresh_one(show, now).await?;
        self.library.index_backlog().await?;
        Ok(outcome)
    }

    /// [`Core::refresh_show`] without bringing the search index up to date: a refresh of many
    /// shows does that once, after them all.
    async fn refresh_one(&self, show: ShowId, now: UnixTime) -> Result<RefreshOutcome> {
        // Single flight: a second refresh of the same feed waits for the first, then finds the
        // feed current (304 or the same body) at the cost of one conditional GET.
        let flight = self.flight(show);
        let _turn = flight.lock().await;
        match self.fetch_and_store(show, now).await {
            Ok(outcome) => Ok(outcome),
            Err(error @ (Error::Database(_) | Error::Migrate(_) | Error::NotFound { .. })) => {
                Err(error)
            }
            Err(error) => {
                let message = error.to_string();
                tracing::warn!(show = show.0, %message, "refresh failed");
                match &error {
                    Error::Gone { .. } => self.library.mark_gone(show, now).await?,
                    Error::HttpStatus {
                        retry_after_secs: Some(secs),
                        ..
                    } => {
                        let wait = (*secs).min(MAX_RETRY_AFTER_SECS);
                        let until = now.saturating_add(i64::try_from(wait).unwrap_or(0));
                        self.library.set_retry_after(show, until).await?;
                    }
                    _ => {}
                }
                self.library
                    .record_refresh_error(show, &message, now)
                    .await?;
                Ok(RefreshOutcome::Failed {
                    code: error.code(),
                    message,
                })
            }
        }
    }

    async fn fetch_and_store(&self, show: ShowId, now: UnixTime) -> Result<RefreshOutcome> {
        let state = self.library.feed_state(show).await?;
        if let Some(until) = state.retry_after
            && until > now
        {
            return Ok(RefreshOutcome::Deferred { until });
        }
        let url = Url::parse(&state.feed_url).map_err(|_| Error::InvalidUrl {
            input: state.feed_url.clone(),
        })?;
        let request = feed::Request {
            etag: state.meta.etag.as_deref(),
            last_modified: state.meta.last_modified.as_deref(),
            credentials: state.credentials.as_ref(),
            ..feed::Request::new(&url, FEED_LIMIT_BYTES)
        };
        let fetched = match self.feeds.get_if_changed(request).await? {
            Fetch::NotModified { permanent_url } => {
                self.library.mark_refreshed(show, now).await?;
                self.follow_move(show, &url, Some(permanent_url.as_str()))
                    .await?;
                return Ok(RefreshOutcome::NotModified);
            }
            Fetch::Fetched(fetched) => fetched,
        };
        let body_digest = library::body_digest(&fetched.body);
        // A library written by an earlier version holds SHA-256 digests until the body changes.
        let same_body = match state.meta.body_sha256.as_deref() {
            Some(stored) if library::is_sha256(stored) => {
                stored == library::body_sha256(&fetched.body)
            }
            stored => stored == Some(body_digest.as_str()),
        };
        if same_body {
            self.library.mark_refreshed(show, now).await?;
            self.follow_move(show, &url, Some(fetched.permanent_url.as_str()))
                .await?;
            return Ok(RefreshOutcome::Unchanged);
        }
        // The permit is held until the feed is stored: parsed feeds waiting for the database are
        // what a large refresh's memory is made of.
        let permit = self.parsing.acquire().await;
        let (fetched, parsed) = crate::parse_fetched(fetched).await;
        let parsed = parsed?;
        let meta = FeedMeta {
            etag: fetched.etag,
            last_modified: fetched.last_modified,
            body_sha256: Some(body_digest),
        };
        let stored = self
            .library
            .store_feed(&state.feed_url, &parsed, &meta, None, now)
            .await?;
        let (artwork_url, new_feed_url) = (parsed.feed.artwork_url, parsed.feed.new_feed_url);
        drop(permit);

        // Artwork the show does not have yet (an imported show's first fetch), or new artwork.
        if let Some(artwork_url) = &artwork_url
            && (!state.artwork_cached || state.artwork_url.as_ref() != Some(artwork_url))
        {
            self.cache_artwork(show, artwork_url).await;
        }
        // The publisher's own word (itunes:new-feed-url, <redirect>) beats a redirect.
        let moved_to = new_feed_url
            .as_deref()
            .or(Some(fetched.permanent_url.as_str()));
        self.follow_move(show, &url, moved_to).await?;
        Ok(RefreshOutcome::Updated {
            new_episodes: stored.new_episodes,
        })
    }

    /// Points the subscription at its new address when the feed has moved for good.
    async fn follow_move(&self, show: ShowId, current: &Url, moved_to: Option<&str>) -> Result<()> {
        let Some(new_url) = moved_to.filter(|u| *u != current.as_str()) else {
            return Ok(());
        };
        if self.library.move_feed(show, new_url).await? {
            tracing::info!(show = show.0, to = %new_url, "the feed has moved; subscription updated");
        } else {
            tracing::info!(show = show.0, to = %new_url, "the feed moved to an address already subscribed");
        }
        Ok(())
    }

    /// Refreshes every show, [`CONCURRENT`] at a time and [`PER_HOST`] per host, calling
    /// `progress` as each finishes. Returns every show's outcome once every feed is stored; the
    /// search index catches up in the background.
    pub async fn refresh_all<F>(&self, now: UnixTime, progress: F) -> Result<Vec<ShowRefreshed>>
    where
        F: Fn(RefreshProgress) + Send + Sync + 'static,
    {
        self.refresh_shows(None, now, progress).await
    }

    /// Refreshes the shows in `only` (every show when `None`), as [`Core::refresh_all`] does.
    pub async fn refresh_shows<F>(
        &self,
        only: Option<&[ShowId]>,
        now: UnixTime,
        progress: F,
    ) -> Result<Vec<ShowRefreshed>>
    where
        F: Fn(RefreshProgress) + Send + Sync + 'static,
    {
        let mut shows = self.library.feeds().await?;
        if let Some(only) = only {
            shows.retain(|show| only.contains(&show.id));
        }
        let total = u32::try_from(shows.len()).unwrap_or(u32::MAX);
        let global = Arc::new(Semaphore::new(CONCURRENT));
        let mut hosts: HashMap<String, Arc<Semaphore>> = HashMap::new();
        let mut tasks = JoinSet::new();
        for show in shows {
            let host = Url::parse(&show.feed_url)
                .ok()
                .and_then(|u| u.host_str().map(str::to_owned))
                .unwrap_or_default();
            let per_host = hosts
                .entry(host)
                .or_insert_with(|| Arc::new(Semaphore::new(PER_HOST)))
                .clone();
            let global = global.clone();
            let core = self.clone();
            tasks.spawn(async move {
                // Host first, so a slow host cannot hold global slots while it waits.
                let _host = per_host.acquire_owned().await;
                let _slot = global.acquire_owned().await;
                let outcome = core.refresh_one(show.id, now).await;
                (show, outcome)
            });
        }
        progress(RefreshProgress {
            done: 0,
            total,
            last: None,
        });
        let mut results = Vec::new();
        let mut done = 0;
        while let Some(joined) = tasks.join_next().await {
            let (show, outcome) = match joined {
                Ok(pair) => pair,
                Err(error) => {
                    tracing::error!(%error, "a refresh task stopped unexpectedly");
                    continue;
                }
            };
            let outcome = outcome.unwrap_or_else(|error| RefreshOutcome::Failed {
                code: error.code(),
                message: error.to_string(),
            });
            done += 1;
            // A first fetch renames an imported show: report the name it has now.
            let title = match &outcome {
                RefreshOutcome::Updated { .. } => self
                    .library
                    .show(show.id)
                    .await
                    .map(|s| s.title)
                    .unwrap_or(show.title),
                _ => show.title,
            };
            let refreshed = ShowRefreshed {
                show_id: show.id,
                title,
                feed_url: show.feed_url,
                outcome,
            };
            progress(RefreshProgress {
                done,
                total,
                last: Some(refreshed.clone()),
            });
            results.push(refreshed);
        }
        self.index_in_background();
        Ok(results)
    }

    /// Brings the search index up to date on a task of its own. The indexer starts once the feeds
    /// are stored rather than beside them, because both need the cores and the shows come first.
    fn index_in_background(&self) {
        let library = self.library.clone();
        tokio::spawn(async move {
            let started = std::time::Instant::now();
            match library.index_backlog().await {
                Ok(episodes) => tracing::info!(
                    episodes,
                    secs = started.elapsed().as_secs_f64(),
                    "search index caught up"
                ),
                // The library was closed first (a command line that ends with its refresh): the
                // backlog keeps the rest for the next refresh or search.
                Err(Error::Database(sqlx::Error::PoolClosed)) => {
                    tracing::info!("search index left to catch up next time");
                }
                Err(error) => tracing::warn!(%error, "the search index did not catch up"),
            }
        });
    }
}
