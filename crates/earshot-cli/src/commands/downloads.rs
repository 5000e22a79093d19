//! `download`, `keep`, `downloads` and `delete-download`: episodes on disk for offline listening.
//!
//! A command line waits for its downloads where the app's queue runs them in the background. A
//! download asked for by name that fails ends the command with exit status 3 (run again, it
//! continues from where it stopped); an automatic one that fails is said on stderr and stays
//! queued for the app or the next run.

use std::fmt;
use std::io::{IsTerminal, Write};

use earshot_core::{
    Core, DiskUsage, Download, DownloadState, EpisodeId, Error, ShowId, ShowUsage, UnixTime,
};
use serde::{Serialize, Serializer};

use super::{find_episode, find_show, now};
use crate::Fatal;
use crate::report::{ErrorReport, Report, clock, megabytes, serialize_rfc3339};

/// `download`: fetches `episode` (an id or a feed guid), with progress on stderr.
pub async fn download(core: &Core, episode: &str) -> Result<DownloadReport, Fatal> {
    let episode = find_episode(core, episode).await?;
    let downloads = core.downloads();
    let queued = downloads.enqueue(episode, false, now()).await?;
    let mut events = downloads.subscribe();
    let title = queued.episode_title.clone();
    let progress = tokio::spawn(async move {
        let terminal = std::io::stderr().is_terminal();
        while let Ok(event) = events.recv().await {
            if event.episode_id != episode || event.state != DownloadState::Downloading {
                continue;
            }
            let percent = event
                .bytes_total
                .filter(|t| *t > 0)
                .map(|t| format!("{:5.1}%", event.bytes_done as f64 * 100.0 / t as f64))
                .unwrap_or_default();
            let eta = event
                .eta_secs
                .map(|s| format!(", {} left", clock(s)))
                .unwrap_or_default();
            let line = format!(
                "{title}: {percent} {} of {} at {}/s{eta}",
                megabytes(event.bytes_done),
                event
                    .bytes_total
                    .map(megabytes)
                    .unwrap_or_else(|| "?".into()),
                megabytes(event.bytes_per_sec as u64),
            );
            if terminal {
                eprint!("\r\x1b[2K{line}");
            } else {
                eprintln!("{line}");
            }
            let _ = std::io::stderr().flush();
        }
    });
    let mut finals = downloads.subscribe();
    let result = downloads.fetch(episode, now()).await;
    progress.abort();
    // The finished download's last event carries the average speed it arrived at.
    let mut speed = None;
    loop {
        match finals.try_recv() {
            Ok(event) => {
                if event.episode_id == episode && event.state == DownloadState::Done {
                    speed = Some(event.bytes_per_sec).filter(|s| *s > 0.0);
                }
            }
            // A long download's progress overflows the channel: the oldest events are dropped,
            // and the last one (the finish) is still to come.
            Err(tokio::sync::broadcast::error::TryRecvError::Lagged(_)) => continue,
            Err(_) => break,
        }
    }
    if std::io::stderr().is_terminal() {
        eprintln!();
    }
    match result {
        Ok(done) => Ok(DownloadReport {
            download: DownloadLine::from(done),
            bytes_per_sec: speed,
        }),
        Err(error @ (Error::Database(_) | Error::Migrate(_))) => Err(Fatal::Library(error)),
        Err(error) => Err(Fatal::Download(DownloadFailed {
            episode_id: episode,
            state: DownloadState::Failed,
            error: ErrorReport::from(&error),
        })),
    }
}

/// `keep`: keeps `show`'s newest `newest` unplayed episodes downloaded, fetching them now.
pub async fn keep(core: &Core, show: &str, newest: u32) -> Result<KeepReport, Fatal> {
    let show_id = find_show(core, show).await?;
    let queued = core.keep_downloaded(show_id, newest, now()).await?;
    let fetched = fetch_queued(core, &queued).await;
    Ok(KeepReport {
        show_id,
        newest,
        fetched,
    })
}

/// `downloads`: every download, finished and not, and the space they take.
pub async fn downloads(core: &Core) -> Result<DownloadsReport, Fatal> {
    let list = core.downloads().list().await?;
    let DiskUsage { shows, total_bytes } = core.downloads().usage().await?;
    Ok(DownloadsReport {
        downloads: list.into_iter().map(DownloadLine::from).collect(),
        total_bytes,
        shows,
    })
}

/// `delete-download`: deletes `episode`'s download (an id or a feed guid).
pub async fn delete_download(core: &Core, episode: &str) -> Result<DeletedReport, Fatal> {
    let deleted = find_episode(core, episode).await?;
    core.downloads().delete(deleted).await?;
    Ok(DeletedReport { deleted })
}

/// Fetches what the automatic-download rules queued, one after another. Returns the ones now on
/// disk; a failed one is said on stderr at once and stays queued.
pub(super) async fn fetch_queued(core: &Core, queued: &[EpisodeId]) -> Vec<Fetched> {
    let mut fetched = Vec::new();
    for episode in queued {
        match core.downloads().fetch(*episode, now()).await {
            Ok(download) => fetched.push(Fetched {
                episode: *episode,
                title: download.episode_title,
                bytes: download.bytes_done,
            }),
            Err(error) => eprintln!("earshot-cli: episode {} not downloaded: {error}", episode.0),
        }
    }
    fetched
}

/// An episode fetched along the way: its id in JSON, a line of text.
#[derive(Debug, Clone, PartialEq)]
pub struct Fetched {
    pub episode: EpisodeId,
    pub title: String,
    pub bytes: u64,
}

impl Serialize for Fetched {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.episode.serialize(serializer)
    }
}

impl fmt::Display for Fetched {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Downloaded “{}” ({})", self.title, megabytes(self.bytes))
    }
}

/// One download as the CLI lists it (not the app's `Download`: its keys are the CLI's own).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DownloadLine {
    pub episode_id: EpisodeId,
    pub show_id: ShowId,
    pub show: String,
    pub title: String,
    pub state: DownloadState,
    pub path: String,
    pub bytes_done: u64,
    pub bytes_total: Option<u64>,
    pub automatic: bool,
    #[serde(serialize_with = "serialize_rfc3339")]
    pub completed: Option<UnixTime>,
    pub error: Option<String>,
}

impl From<Download> for DownloadLine {
    fn from(d: Download) -> Self {
        DownloadLine {
            episode_id: d.episode_id,
            show_id: d.show_id,
            show: d.show_title,
            title: d.episode_title,
            state: d.state,
            path: d.path,
            bytes_done: d.bytes_done,
            bytes_total: d.bytes_total,
            automatic: d.automatic,
            completed: d.completed_at,
            error: d.error,
        }
    }
}

impl fmt::Display for DownloadLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match self.state {
            DownloadState::Done => megabytes(self.bytes_done),
            DownloadState::Failed => format!(
                "failed: {}",
                self.error.as_deref().unwrap_or("unknown error")
            ),
            other => format!(
                "{} ({} of {})",
                other.as_str(),
                megabytes(self.bytes_done),
                self.bytes_total
                    .map(megabytes)
                    .unwrap_or_else(|| "?".into())
            ),
        };
        write!(
            f,
            "{:>7}  {} — {}  {state}",
            self.episode_id.0, self.show, self.title
        )
    }
}

/// A finished download: the listed keys and the average speed (`bytes_per_sec`, or null).
#[derive(Debug, Serialize)]
pub struct DownloadReport {
    #[serde(flatten)]
    pub download: DownloadLine,
    pub bytes_per_sec: Option<f64>,
}

impl Report for DownloadReport {}

impl fmt::Display for DownloadReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let rate = self
            .bytes_per_sec
            .map(|s| format!(" ({}/s)", megabytes(s as u64)))
            .unwrap_or_default();
        writeln!(
            f,
            "Downloaded “{}” to {}{rate}",
            self.download.title, self.download.path
        )
    }
}

/// A download asked for that failed: `{ episode_id, state: "failed", error: { code, message } }`
/// on stdout with `--json`, and its text on stderr either way (exit status 3).
#[derive(Debug, Serialize)]
pub struct DownloadFailed {
    pub episode_id: EpisodeId,
    pub state: DownloadState,
    pub error: ErrorReport,
}

impl fmt::Display for DownloadFailed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Download failed: {}", self.error.message)
    }
}

/// `{ show_id, newest, fetched }`.
#[derive(Debug, Serialize)]
pub struct KeepReport {
    pub show_id: ShowId,
    pub newest: u32,
    pub fetched: Vec<Fetched>,
}

impl Report for KeepReport {}

impl fmt::Display for KeepReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for fetched in &self.fetched {
            writeln!(f, "{fetched}")?;
        }
        writeln!(
            f,
            "Keeping the newest {} unplayed episodes downloaded",
            self.newest
        )
    }
}

/// `{ downloads: [..], total_bytes, shows: [ the space per show ] }`.
#[derive(Debug, Serialize)]
pub struct DownloadsReport {
    pub downloads: Vec<DownloadLine>,
    pub total_bytes: u64,
    pub shows: Vec<ShowUsage>,
}

impl Report for DownloadsReport {}

impl fmt::Display for DownloadsReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for download in &self.downloads {
            writeln!(f, "{download}")?;
        }
        writeln!(
            f,
            "{} in {} downloads",
            megabytes(self.total_bytes),
            self.shows.iter().map(|s| s.episodes).sum::<u32>()
        )
    }
}

/// `{ deleted: <episode id> }`.
#[derive(Debug, Serialize)]
pub struct DeletedReport {
    pub deleted: EpisodeId,
}

impl Report for DeletedReport {}

impl fmt::Display for DeletedReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "Deleted the download of episode {}", self.deleted.0)
    }
}

#[cfg(test)]
mod tests {
    use earshot_core::ErrorCode;
    use serde_json::json;

    use super::*;

    fn line(state: DownloadState) -> DownloadLine {
        DownloadLine {
            episode_id: EpisodeId(24),
            show_id: ShowId(1),
            show: "Offline Show".into(),
            title: "24: Last".into(),
            state,
            path: "/d/Offline Show/24.mp3".into(),
            bytes_done: 700_000,
            bytes_total: Some(2_000_000),
            automatic: false,
            completed: None,
            error: Some("cut off".into()),
        }
    }

    #[test]
    fn a_finished_download_adds_its_speed_to_the_listed_keys() {
        let report = DownloadReport {
            download: line(DownloadState::Done),
            bytes_per_sec: None,
        };
        assert_eq!(
            serde_json::to_value(&report).expect("json"),
            json!({
                "episode_id": 24, "show_id": 1, "show": "Offline Show", "title": "24: Last",
                "state": "done", "path": "/d/Offline Show/24.mp3", "bytes_done": 700_000,
                "bytes_total": 2_000_000, "automatic": false, "completed": null,
                "error": "cut off", "bytes_per_sec": null,
            })
        );
        assert_eq!(
            report.to_string(),
            "Downloaded “24: Last” to /d/Offline Show/24.mp3\n"
        );
    }

    #[test]
    fn a_failed_download_says_why_with_its_code() {
        let failed = DownloadFailed {
            episode_id: EpisodeId(23),
            state: DownloadState::Failed,
            error: ErrorReport {
                code: ErrorCode::HttpStatus,
                message: "the server said 500".into(),
            },
        };
        assert_eq!(
            serde_json::to_value(&failed).expect("json"),
            json!({ "episode_id": 23, "state": "failed",
                    "error": { "code": "http_status", "message": "the server said 500" } })
        );
        assert_eq!(failed.to_string(), "Download failed: the server said 500");
    }

    #[test]
    fn each_listed_state_reads_as_a_person_wants() {
        assert_eq!(
            line(DownloadState::Done).to_string(),
            "     24  Offline Show — 24: Last  0.7 MB"
        );
        assert_eq!(
            line(DownloadState::Failed).to_string(),
            "     24  Offline Show — 24: Last  failed: cut off"
        );
        assert_eq!(
            line(DownloadState::Paused).to_string(),
            "     24  Offline Show — 24: Last  paused (0.7 MB of 2.0 MB)"
        );
    }
}
