//! What follows a refresh or the end of an episode, decided here once so that the desktop app
//! and `earshot-cli` do the same: after a refresh, the automatic downloads are queued and the
//! disk rules applied; after an episode ends, Up Next moves on (unless the sleep timer said to
//! stop there) and the disk rules are applied. Neither fails for a follow-up's sake: a step that
//! cannot be done is logged and the rest still happens.

use serde::{Deserialize, Serialize};

use crate::Core;
use crate::download::Retention;
use crate::error::Result;
use crate::model::{EpisodeId, ShowId, UnixTime};
use crate::refresh::{RefreshOutcome, ShowRefreshed};

/// The most episodes a show's "keep N downloaded" rule may ask for.
pub const MAX_KEPT: u32 = 50;

/// What [`Core::after_refresh`] did.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct AfterRefresh {
    /// Episodes queued for download by the shows' "keep N downloaded" rules.
    pub queued: Vec<EpisodeId>,
    /// Downloads removed by the disk rules.
    pub removed: Vec<EpisodeId>,
    /// "Show: 2 new · Other: 1 new", for a notification; `None` when nothing is new.
    pub announcement: Option<String>,
}

/// What happens when an episode has played to its end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AtEnd {
    /// Up Next moves on.
    Continue,
    /// The sleep timer was set for the end of this episode: nothing follows.
    Stop,
}

/// What [`Core::episode_finished`] decided.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Finished {
    /// The episode to play now, taken off Up Next.
    pub next: Option<EpisodeId>,
    /// Downloads removed by the disk rules (the finished one, when they say so).
    pub removed: Vec<EpisodeId>,
}

impl Core {
    /// After a refresh of some or all shows: queues what the automatic-download rules ask for,
    /// applies `rules` to what is on disk, and words the news.
    pub async fn after_refresh(
        &self,
        results: &[ShowRefreshed],
        rules: &Retention,
        now: UnixTime,
    ) -> AfterRefresh {
        let queued = match self.downloads().queue_automatic(now).await {
            Ok(queued) => queued,
            Err(error) => {
                tracing::warn!(%error, "automatic downloads not queued");
                Vec::new()
            }
        };
        if !queued.is_empty() {
            tracing::info!(queued = queued.len(), "new episodes queued for download");
        }
        AfterRefresh {
            queued,
            removed: self.tidy_downloads(rules, now).await,
            announcement: new_episodes_message(results),
        }
    }

    /// After `episode` played to its end (its place already saved as played): what plays next,
    /// and the disk rules applied.
    pub async fn episode_finished(
        &self,
        episode: EpisodeId,
        at_end: AtEnd,
        rules: &Retention,
        now: UnixTime,
    ) -> Finished {
        let next = match at_end {
            AtEnd::Stop => None,
            AtEnd::Continue => self.take_next(episode).await.unwrap_or_else(|error| {
                tracing::warn!(%error, "Up Next not read");
                None
            }),
        };
        Finished {
            next,
            removed: self.tidy_downloads(rules, now).await,
        }
    }

    /// How long to wait before the next refresh of everything, refreshing every `every_secs`:
    /// at least `soonest_secs` (let the app start first), and no sooner than `every_secs` after
    /// the last time every show was checked (a restart does not refresh what was just fetched).
    pub async fn next_refresh_in(&self, every_secs: i64, soonest_secs: i64, now: UnixTime) -> i64 {
        let last = self.library().oldest_check().await.unwrap_or_else(|error| {
            tracing::warn!(%error, "last refresh not read");
            None
        });
        refresh_wait(last, every_secs, soonest_secs, now)
    }

    /// Keeps `show`'s newest `newest` unplayed episodes downloaded (0: none; at most
    /// [`MAX_KEPT`]), and queues what that asks for now. Returns what was queued.
    pub async fn keep_downloaded(
        &self,
        show: ShowId,
        newest: u32,
        now: UnixTime,
    ) -> Result<Vec<EpisodeId>> {
        self.library()
            .set_auto_download(show, newest.min(MAX_KEPT))
            .await?;
        self.downloads().queue_automatic(now).await
    }

    /// Deletes the downloads `rules` say should go; returns them.
    pub async fn tidy_downloads(&self, rules: &Retention, now: UnixTime) -> Vec<EpisodeId> {
        self.downloads()
            .tidy(rules, now)
            .await
            .unwrap_or_else(|error| {
                tracing::warn!(%error, "downloads not tidied");
                Vec::new()
            })
    }
}

/// Seconds until the next refresh of everything is due (see [`Core::next_refresh_in`]).
pub fn refresh_wait(
    last_full_check: Option<UnixTime>,
    every_secs: i64,
    soonest_secs: i64,
    now: UnixTime,
) -> i64 {
    let due = last_full_check.map_or(0, |last| last.saturating_add(every_secs) - now);
    due.clamp(soonest_secs, every_secs.max(soonest_secs))
}

/// "The Backend Hour: 2 new · Other Show: 1 new", or `None` when nothing is new.
pub fn new_episodes_message(results: &[ShowRefreshed]) -> Option<String> {
    let parts: Vec<String> = results
        .iter()
        .filter_map(|r| match r.outcome {
            RefreshOutcome::Updated { new_episodes } if new_episodes > 0 => {
                Some(format!("{}: {new_episodes} new", r.title))
            }
            _ => None,
        })
        .collect();
    match parts.len() {
        0 => None,
        1..=3 => Some(parts.join(" · ")),
        n => Some(format!(
            "{} · and {} more shows",
            parts[..3].join(" · "),
            n - 3
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refreshed(title: &str, outcome: RefreshOutcome) -> ShowRefreshed {
        ShowRefreshed {
            show_id: ShowId(1),
            title: title.into(),
            feed_url: "https://example.com/feed".into(),
            outcome,
        }
    }

    #[test]
    fn a_refresh_waits_for_its_hour_but_never_less_than_the_start_up_pause() {
        const HOUR: i64 = 3600;
        // Never refreshed (or a show never checked): a minute after start.
        assert_eq!(refresh_wait(None, HOUR, 60, 10_000), 60);
        // Checked ten minutes ago: fifty minutes from now.
        assert_eq!(refresh_wait(Some(10_000 - 600), HOUR, 60, 10_000), 3000);
        // Checked long ago, or a moment ago with a clock gone back: within the bounds.
        assert_eq!(refresh_wait(Some(0), HOUR, 60, 100_000), 60);
        assert_eq!(refresh_wait(Some(200_000), HOUR, 60, 100_000), HOUR);
    }

    #[test]
    fn the_news_names_shows_with_new_episodes() {
        assert_eq!(new_episodes_message(&[]), None);
        let results = [
            refreshed("A", RefreshOutcome::Updated { new_episodes: 2 }),
            refreshed("B", RefreshOutcome::NotModified),
            refreshed("C", RefreshOutcome::Updated { new_episodes: 0 }),
            refreshed("D", RefreshOutcome::Updated { new_episodes: 1 }),
        ];
        assert_eq!(
            new_episodes_message(&results).as_deref(),
            Some("A: 2 new · D: 1 new")
        );
        let many: Vec<_> = (0..5)
            .map(|n| {
                refreshed(
                    &format!("S{n}"),
                    RefreshOutcome::Updated { new_episodes: 1 },
                )
            })
            .collect();
        assert_eq!(
            new_episodes_message(&many).as_deref(),
            Some("S0: 1 new · S1: 1 new · S2: 1 new · and 2 more shows")
        );
    }
}
