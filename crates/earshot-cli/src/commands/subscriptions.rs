//! `subscribe`, `import`, `export`, `unsubscribe` and `list`: which shows the library follows.
//!
//! A feed that cannot be subscribed to (it is gone, or not a feed) is the feed's fault, not the
//! command's: it is reported and the exit status is 0. An address that is not a web address, or
//! a file that cannot be read or is not OPML, is a bad argument.

use std::fmt;
use std::path::{Path, PathBuf};

use earshot_core::download::Retention;
use earshot_core::opml::OpmlProblem;
use earshot_core::{Core, Error, ErrorCode, SameGuid, Show, ShowId, UnixTime};
use serde::Serialize;

use super::refresh::{FollowReport, RefreshReport, RefreshedShows, refresh_and_follow};
use super::{find_show, now};
use crate::Fatal;
use crate::report::{ErrorReport, Format, Report, serialize_rfc3339};

/// `subscribe`: the show at `url`, or why there is none.
pub async fn subscribe(
    core: &Core,
    url: &str,
    same_guid: SameGuid,
) -> Result<SubscribeReport, Fatal> {
    match core.subscribe_with(url, same_guid, now()).await {
        Ok(show) => Ok(SubscribeReport::Subscribed(Box::new(show))),
        Err(error) if error.code() == ErrorCode::InvalidUrl => Err(error.into()),
        Err(error @ (Error::Database(_) | Error::Migrate(_) | Error::Io(_))) => {
            Err(Fatal::Library(error))
        }
        Err(error) => Ok(SubscribeReport::NotSubscribed {
            error: ErrorReport::from(&error),
        }),
    }
}

/// The show as the app sees it, or `{ "error": { code, message } }`.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum SubscribeReport {
    Subscribed(Box<Show>),
    NotSubscribed { error: ErrorReport },
}

impl Report for SubscribeReport {
    fn remarks(&self) -> Vec<String> {
        match self {
            SubscribeReport::Subscribed(_) => Vec::new(),
            SubscribeReport::NotSubscribed { error } => {
                vec![format!("Not subscribed: {}", error.message)]
            }
        }
    }
}

impl fmt::Display for SubscribeReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SubscribeReport::Subscribed(show) => writeln!(
                f,
                "Subscribed to “{}” ({} episodes), show {}",
                show.title, show.episode_count, show.id.0
            ),
            SubscribeReport::NotSubscribed { .. } => Ok(()),
        }
    }
}

/// Whether `import` fetches the shows it added.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterImport {
    /// Refresh the new shows, and do what follows a refresh.
    Refresh,
    /// Leave them to the next refresh.
    Nothing,
}

/// `import`: adds the subscriptions in the OPML `file`.
pub async fn import(
    core: &Core,
    file: &Path,
    then: AfterImport,
    rules: &Retention,
    format: Format,
) -> Result<ImportReport, Fatal> {
    let body = std::fs::read(file)
        .map_err(|e| Fatal::Usage(format!("{} could not be read: {e}", file.display())))?;
    let imported = core.import_opml(&body, now()).await?;
    let (refresh, downloads) = match then {
        AfterImport::Refresh if !imported.added.is_empty() => {
            let RefreshReport { shows, downloads } =
                refresh_and_follow(core, Some(&imported.added), rules, format).await?;
            (Some(shows), Some(downloads))
        }
        _ => (None, None),
    };
    Ok(ImportReport {
        added: imported.added,
        already_subscribed: imported.already_subscribed,
        problems: imported.problems,
        refresh,
        downloads,
    })
}

/// `{ added, already_subscribed, problems, refresh, downloads }`; the last two are null unless
/// the new shows were refreshed.
#[derive(Debug, Serialize)]
pub struct ImportReport {
    pub added: Vec<ShowId>,
    pub already_subscribed: u32,
    pub problems: Vec<OpmlProblem>,
    pub refresh: Option<RefreshedShows>,
    pub downloads: Option<FollowReport>,
}

impl Report for ImportReport {
    fn remarks(&self) -> Vec<String> {
        self.problems
            .iter()
            .map(|problem| format!("Skipped “{}”: {}", problem.entry, problem.reason))
            .collect()
    }
}

impl fmt::Display for ImportReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "Imported {} new subscriptions ({} already subscribed)",
            self.added.len(),
            self.already_subscribed
        )?;
        if let Some(refresh) = &self.refresh {
            write!(f, "{refresh}")?;
        }
        if let Some(downloads) = &self.downloads {
            write!(f, "{downloads}")?;
        }
        Ok(())
    }
}

/// `export FILE`: writes every subscription as OPML to `file`.
pub async fn export(core: &Core, file: &Path) -> Result<ExportReport, Fatal> {
    let opml = opml(core).await?;
    std::fs::write(file, &opml)
        .map_err(|e| Fatal::Usage(format!("{} could not be written: {e}", file.display())))?;
    Ok(ExportReport {
        file: file.to_path_buf(),
        shows: opml.matches("<outline ").count(),
    })
}

/// `export` without a file: the OPML document itself, which is the output with `--json` too.
pub async fn opml(core: &Core) -> Result<String, Fatal> {
    Ok(core.export_opml().await?)
}

/// `{ file, shows }`: where the OPML went and how many subscriptions it holds.
#[derive(Debug, Serialize)]
pub struct ExportReport {
    pub file: PathBuf,
    pub shows: usize,
}

impl Report for ExportReport {}

impl fmt::Display for ExportReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "Wrote {} subscriptions to {}",
            self.shows,
            self.file.display()
        )
    }
}

/// `unsubscribe`: removes `show` with its episodes and the progress in them.
pub async fn unsubscribe(core: &Core, show: &str) -> Result<UnsubscribeReport, Fatal> {
    let id = find_show(core, show).await?;
    let title = core.show_page(id).await?.show.title;
    core.unsubscribe(id).await?;
    Ok(UnsubscribeReport {
        unsubscribed: id,
        title,
    })
}

/// `{ unsubscribed: <show id>, title }`.
#[derive(Debug, Serialize)]
pub struct UnsubscribeReport {
    pub unsubscribed: ShowId,
    pub title: String,
}

impl Report for UnsubscribeReport {}

impl fmt::Display for UnsubscribeReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "Unsubscribed from “{}”", self.title)
    }
}

/// `list`: every subscription.
pub async fn list(core: &Core) -> Result<ListReport, Fatal> {
    let shows = core.shows().await?;
    Ok(ListReport(
        shows.into_iter().map(ListedShow::from).collect(),
    ))
}

/// A JSON array of shows, a line each as text.
#[derive(Debug, Serialize)]
#[serde(transparent)]
pub struct ListReport(pub Vec<ListedShow>);

impl Report for ListReport {}

impl fmt::Display for ListReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for show in &self.0 {
            writeln!(f, "{show}")?;
        }
        Ok(())
    }
}

/// A subscription as `list` shows it (the CLI's own keys, not the app's `Show`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ListedShow {
    pub id: ShowId,
    pub title: String,
    pub feed_url: String,
    pub episode_count: u32,
    pub unplayed_count: u32,
    #[serde(serialize_with = "serialize_rfc3339")]
    pub refreshed_at: Option<UnixTime>,
    pub last_error: Option<String>,
}

impl From<Show> for ListedShow {
    fn from(show: Show) -> Self {
        ListedShow {
            id: show.id,
            title: show.title,
            feed_url: show.feed_url,
            episode_count: show.episode_count,
            unplayed_count: show.unplayed_count,
            refreshed_at: show.refreshed_at,
            last_error: show.last_error,
        }
    }
}

impl fmt::Display for ListedShow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:>5}  {}  ({} episodes, {} unplayed)  {}",
            self.id.0, self.title, self.episode_count, self.unplayed_count, self.feed_url
        )?;
        if let Some(error) = &self.last_error {
            write!(f, "  [last refresh failed: {error}]")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_feed_that_fails_is_an_error_object_and_a_remark() {
        let report = SubscribeReport::NotSubscribed {
            error: ErrorReport {
                code: ErrorCode::HttpStatus,
                message: "the server said 404".into(),
            },
        };
        assert_eq!(
            serde_json::to_value(&report).expect("json"),
            json!({ "error": { "code": "http_status", "message": "the server said 404" } })
        );
        assert_eq!(report.to_string(), "");
        assert_eq!(report.remarks(), ["Not subscribed: the server said 404"]);
    }

    #[test]
    fn an_import_without_refresh_has_null_refresh_and_downloads() {
        let report = ImportReport {
            added: vec![ShowId(3)],
            already_subscribed: 1,
            problems: vec![OpmlProblem {
                entry: "Nonsense".into(),
                reason: "not a web address".into(),
            }],
            refresh: None,
            downloads: None,
        };
        assert_eq!(
            serde_json::to_value(&report).expect("json"),
            json!({
                "added": [3], "already_subscribed": 1,
                "problems": [{ "entry": "Nonsense", "reason": "not a web address" }],
                "refresh": null, "downloads": null,
            })
        );
        assert_eq!(
            report.to_string(),
            "Imported 1 new subscriptions (1 already subscribed)\n"
        );
        assert_eq!(report.remarks(), ["Skipped “Nonsense”: not a web address"]);
    }

    #[test]
    fn a_listed_show_says_when_its_last_refresh_failed() {
        let show = ListedShow {
            id: ShowId(2),
            title: "Beta Show".into(),
            feed_url: "http://127.0.0.1/b.xml".into(),
            episode_count: 24,
            unplayed_count: 20,
            refreshed_at: Some(0),
            last_error: Some("the server said 500".into()),
        };
        assert_eq!(
            show.to_string(),
            "    2  Beta Show  (24 episodes, 20 unplayed)  http://127.0.0.1/b.xml  \
             [last refresh failed: the server said 500]"
        );
        assert_eq!(
            serde_json::to_value(&show).expect("json")["refreshed_at"],
            "1970-01-01T00:00:00+00:00"
        );
    }
}
