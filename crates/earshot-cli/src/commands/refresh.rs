//! `refresh`, and what follows a refresh here as in the app (`Core::after_refresh`): the
//! automatic downloads, fetched before the command ends, and the disk rules. `import --refresh`
//! runs the same.
//!
//! A feed that fails is an outcome in the report, never the command's failure: one broken feed
//! does not change the exit status.

use std::fmt;
use std::io::{IsTerminal, Write};

use earshot_core::download::Retention;
use earshot_core::{Core, EpisodeId, RefreshOutcome, ShowId, ShowRefreshed};
use serde::{Serialize, Serializer};

use super::downloads::{Fetched, fetch_queued};
use super::{find_show, now};
use crate::Fatal;
use crate::report::{Format, Report, rfc3339};

/// `refresh`: every show, or the one `show` names.
pub async fn refresh(
    core: &Core,
    show: Option<&str>,
    rules: &Retention,
    format: Format,
) -> Result<RefreshReport, Fatal> {
    let only = match show {
        Some(show) => Some(vec![find_show(core, show).await?]),
        None => None,
    };
    refresh_and_follow(core, only.as_deref(), rules, format).await
}

/// Refreshes `only` these shows (or all), drawing progress on a terminal in text format, then
/// does what follows a refresh.
pub async fn refresh_and_follow(
    core: &Core,
    only: Option<&[ShowId]>,
    rules: &Retention,
    format: Format,
) -> Result<RefreshReport, Fatal> {
    let show_progress = format == Format::Text && std::io::stderr().is_terminal();
    let results = core
        .refresh_shows(only, now(), move |progress| {
            if show_progress && let Some(last) = &progress.last {
                eprint!(
                    "\r\x1b[2K[{}/{}] {}",
                    progress.done, progress.total, last.title
                );
                let _ = std::io::stderr().flush();
            }
        })
        .await?;
    if show_progress {
        eprintln!();
    }
    let downloads = follow(core, &results, rules).await;
    Ok(RefreshReport {
        shows: RefreshedShows(results.into_iter().map(ShowLine::from).collect()),
        downloads,
    })
}

/// The automatic downloads the refresh queued, fetched one after another, and the downloads the
/// disk rules removed.
async fn follow(core: &Core, results: &[ShowRefreshed], rules: &Retention) -> FollowReport {
    let after = core.after_refresh(results, rules, now()).await;
    let fetched = fetch_queued(core, &after.queued).await;
    FollowReport {
        queued: after.queued,
        fetched,
        removed: after.removed,
    }
}

/// `{ "shows": [..], "downloads": {..} }`.
#[derive(Debug, Serialize)]
pub struct RefreshReport {
    pub shows: RefreshedShows,
    pub downloads: FollowReport,
}

impl Report for RefreshReport {}

impl fmt::Display for RefreshReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.shows, self.downloads)
    }
}

/// One line per feed, then how many were refreshed; a JSON array.
#[derive(Debug, Serialize)]
#[serde(transparent)]
pub struct RefreshedShows(pub Vec<ShowLine>);

impl fmt::Display for RefreshedShows {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for line in &self.0 {
            writeln!(f, "{line}")?;
        }
        let failed = self
            .0
            .iter()
            .filter(|line| matches!(line.outcome.0, RefreshOutcome::Failed { .. }))
            .count();
        writeln!(f, "Refreshed {} shows, {failed} failed", self.0.len())
    }
}

/// One feed's refresh: `{ show_id, title, feed_url, outcome, new_episodes, error }`.
#[derive(Debug, Serialize)]
pub struct ShowLine {
    pub show_id: ShowId,
    pub title: String,
    pub feed_url: String,
    #[serde(flatten)]
    pub outcome: Outcome,
}

impl From<ShowRefreshed> for ShowLine {
    fn from(refreshed: ShowRefreshed) -> Self {
        ShowLine {
            show_id: refreshed.show_id,
            title: refreshed.title,
            feed_url: refreshed.feed_url,
            outcome: Outcome(refreshed.outcome),
        }
    }
}

impl fmt::Display for ShowLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.title)?;
        match &self.outcome.0 {
            RefreshOutcome::NotModified | RefreshOutcome::Unchanged => write!(f, "up to date"),
            RefreshOutcome::Updated { new_episodes } => write!(f, "updated, {new_episodes} new"),
            RefreshOutcome::Failed { message, .. } => write!(f, "failed: {message}"),
            RefreshOutcome::Deferred { until } => write!(
                f,
                "waiting until {} as the server asked",
                rfc3339(*until).unwrap_or_default()
            ),
        }
    }
}

/// A refresh outcome as three flat keys: `outcome` (`not_modified`, `updated` or `error`),
/// `new_episodes` and `error` (a message, or null). A deferred feed counts as an error here.
#[derive(Debug)]
pub struct Outcome(pub RefreshOutcome);

impl Serialize for Outcome {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Keys {
            outcome: &'static str,
            new_episodes: u32,
            error: Option<String>,
        }
        let keys = match &self.0 {
            RefreshOutcome::NotModified | RefreshOutcome::Unchanged => Keys {
                outcome: "not_modified",
                new_episodes: 0,
                error: None,
            },
            RefreshOutcome::Updated { new_episodes } => Keys {
                outcome: "updated",
                new_episodes: *new_episodes,
                error: None,
            },
            RefreshOutcome::Failed { message, .. } => Keys {
                outcome: "error",
                new_episodes: 0,
                error: Some(message.clone()),
            },
            RefreshOutcome::Deferred { until } => Keys {
                outcome: "error",
                new_episodes: 0,
                error: Some(format!(
                    "not fetched: the server asked to wait until {}",
                    rfc3339(*until).unwrap_or_default()
                )),
            },
        };
        keys.serialize(serializer)
    }
}

/// What followed the refresh: `{ queued, fetched, removed }`, each a list of episode ids.
#[derive(Debug, Serialize)]
pub struct FollowReport {
    pub queued: Vec<EpisodeId>,
    pub fetched: Vec<Fetched>,
    pub removed: Vec<EpisodeId>,
}

impl fmt::Display for FollowReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for fetched in &self.fetched {
            writeln!(f, "{fetched}")?;
        }
        if !self.removed.is_empty() {
            writeln!(
                f,
                "Removed {} downloads, as the download settings ask",
                self.removed.len()
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use earshot_core::ErrorCode;
    use serde_json::json;

    use super::*;

    fn line(outcome: RefreshOutcome) -> ShowLine {
        ShowLine::from(ShowRefreshed {
            show_id: ShowId(7),
            title: "Alpha".into(),
            feed_url: "http://127.0.0.1/a.xml".into(),
            outcome,
        })
    }

    #[test]
    fn each_outcome_is_three_flat_keys() {
        let json = |outcome| serde_json::to_value(line(outcome)).expect("json");
        assert_eq!(
            json(RefreshOutcome::Updated { new_episodes: 3 }),
            json!({ "show_id": 7, "title": "Alpha", "feed_url": "http://127.0.0.1/a.xml",
                    "outcome": "updated", "new_episodes": 3, "error": null })
        );
        assert_eq!(json(RefreshOutcome::Unchanged)["outcome"], "not_modified");
        let failed = json(RefreshOutcome::Failed {
            code: ErrorCode::HttpStatus,
            message: "the server said 500".into(),
        });
        assert_eq!(failed["outcome"], "error");
        assert_eq!(failed["error"], "the server said 500");
        let deferred = json(RefreshOutcome::Deferred { until: 0 });
        assert_eq!(deferred["outcome"], "error");
        assert_eq!(
            deferred["error"],
            "not fetched: the server asked to wait until 1970-01-01T00:00:00+00:00"
        );
    }

    #[test]
    fn the_text_counts_failures_but_not_deferrals() {
        let shows = RefreshedShows(vec![
            line(RefreshOutcome::NotModified),
            line(RefreshOutcome::Failed {
                code: ErrorCode::HttpStatus,
                message: "the server said 500".into(),
            }),
            line(RefreshOutcome::Deferred { until: 0 }),
        ]);
        assert_eq!(
            shows.to_string(),
            "Alpha: up to date\n\
             Alpha: failed: the server said 500\n\
             Alpha: waiting until 1970-01-01T00:00:00+00:00 as the server asked\n\
             Refreshed 3 shows, 1 failed\n"
        );
    }

    #[test]
    fn what_followed_lists_ids_and_says_what_was_removed() {
        let follow = FollowReport {
            queued: vec![EpisodeId(1), EpisodeId(2)],
            fetched: vec![Fetched {
                episode: EpisodeId(1),
                title: "One".into(),
                bytes: 50_000,
            }],
            removed: vec![EpisodeId(9)],
        };
        assert_eq!(
            serde_json::to_value(&follow).expect("json"),
            json!({ "queued": [1, 2], "fetched": [1], "removed": [9] })
        );
        assert_eq!(
            follow.to_string(),
            "Downloaded “One” (0.1 MB)\nRemoved 1 downloads, as the download settings ask\n"
        );
    }
}
