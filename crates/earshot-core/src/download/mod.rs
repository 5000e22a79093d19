//! Offline listening: episode files fetched into the download folder, a few at a time, resumed
//! after any interruption, and never counted as done unless whole.
//!
//! Invariants: a file at a download's `path` is complete (it is written as `path.part` and
//! renamed once its length checks out); every path is inside the download folder it was chosen
//! in; a row in `downloads` says what the listener wants, the files say how far it got.

mod names;
mod policy;
pub mod transfer;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::{Notify, broadcast};
use tokio::task::JoinHandle;

use crate::error::{Error, Result};
use crate::library::Library;
use crate::model::{EpisodeId, ShowId, UnixTime};

pub use names::{MAX_NAME_BYTES, component, episode_path, extension, is_inside};
// The data types live in `model`; they are named here too, where they belong in the story.
pub use crate::model::{
    AfterPlayed, Candidate, DiskUsage, Download, DownloadProgress, DownloadState, Held, Partial,
    Retention, ShowUsage,
};
pub use policy::{to_fetch, to_remove};
pub use transfer::Timeouts;

/// Downloads running at once unless the listener sets otherwise.
pub const DEFAULT_CONCURRENCY: usize = 2;

/// How soon the queue looks again after it could not read the library.
const REPUMP_EVERY: Duration = Duration::from_secs(2);

/// How often a running download reports its progress.
const PROGRESS_EVERY: Duration = Duration::from_millis(250);

/// A download running in the background, and how to ask it to stop.
#[derive(Debug)]
struct Running {
    task: JoinHandle<()>,
    stop: tokio::sync::watch::Sender<bool>,
}

/// The download queue. Cheap to clone; clones share the queue.
#[derive(Debug, Clone)]
pub struct Downloads {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    library: Library,
    /// Made on the first download: a refresh that downloads nothing never pays for it.
    http: std::sync::OnceLock<reqwest::Client>,
    user_agent: String,
    timeouts: Timeouts,
    /// Where new downloads go.
    folder: Mutex<PathBuf>,
    concurrency: AtomicUsize,
    running: Mutex<HashMap<EpisodeId, Running>>,
    events: broadcast::Sender<DownloadProgress>,
    wake: Notify,
    /// Choosing a file name and claiming it take turns, so two downloads never share one.
    naming: tokio::sync::Mutex<()>,
}

impl Downloads {
    pub fn new(library: Library, user_agent: &str, folder: PathBuf, timeouts: Timeouts) -> Self {
        let (events, _) = broadcast::channel(1024);
        Self {
            inner: Arc::new(Inner {
                library,
                http: std::sync::OnceLock::new(),
                user_agent: user_agent.to_string(),
                timeouts,
                folder: Mutex::new(folder),
                concurrency: AtomicUsize::new(DEFAULT_CONCURRENCY),
                running: Mutex::default(),
                events,
                wake: Notify::new(),
                naming: tokio::sync::Mutex::new(()),
            }),
        }
    }

    /// The media client (also what reads an audio file's head for its chapters).
    pub(crate) fn http(&self) -> Result<&reqwest::Client> {
        if let Some(client) = self.inner.http.get() {
            return Ok(client);
        }
        let client = transfer::client(&self.inner.user_agent, self.inner.timeouts)?;
        Ok(self.inner.http.get_or_init(|| client))
    }

    /// Progress and state changes of every download from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<DownloadProgress> {
        self.inner.events.subscribe()
    }

    pub fn folder(&self) -> PathBuf {
        self.inner
            .folder
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Where new downloads go; those already made stay where they are.
    pub fn set_folder(&self, folder: PathBuf) {
        *self
            .inner
            .folder
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = folder;
    }

    /// How many downloads run at once (at least one). Running ones are not stopped.
    pub fn set_concurrency(&self, limit: usize) {
        self.inner
            .concurrency
            .store(limit.max(1), Ordering::Relaxed);
        self.inner.wake.notify_one();
    }

    /// Starts working through the queue in the background, first putting back in it any
    /// download that was running when the app last stopped. Call once, inside a tokio runtime.
    pub async fn start(&self) -> Result<()> {
        let requeued = self.inner.library.requeue_interrupted_downloads().await?;
        if requeued > 0 {
            tracing::info!(requeued, "continuing interrupted downloads");
        }
        // A finished file deleted behind our back is no longer a download.
        for download in self.inner.library.downloads().await? {
            if download.state == DownloadState::Done && !Path::new(&download.path).is_file() {
                tracing::info!(episode = download.episode_id.0, path = %download.path, "downloaded file gone");
                self.inner
                    .library
                    .download_removed(download.episode_id)
                    .await?;
            }
        }
        let this = self.clone();
        tokio::spawn(async move {
            loop {
                match this.pump().await {
                    // Woken by any change (a wake-up before the wait is kept, not lost).
                    Ok(()) => this.inner.wake.notified().await,
                    // A moment when the library could not be read: look again soon, rather
                    // than leave the queue standing until the next change.
                    Err(error) => {
                        tracing::warn!(%error, "the download queue could not be read");
                        let _ =
                            tokio::time::timeout(REPUMP_EVERY, this.inner.wake.notified()).await;
                    }
                }
            }
        });
        Ok(())
    }

    /// Starts queued downloads while there is room.
    async fn pump(&self) -> Result<()> {
        let running: Vec<EpisodeId> = self.lock_running().keys().copied().collect();
        let room = self
            .inner
            .concurrency
            .load(Ordering::Relaxed)
            .saturating_sub(running.len());
        if room == 0 {
            return Ok(());
        }
        for episode in self.inner.library.queued_downloads(&running, room).await? {
            let mut tasks = self.lock_running();
            if tasks.contains_key(&episode) {
                continue;
            }
            let this = self.clone();
            let (stop, stopped) = tokio::sync::watch::channel(false);
            // The task removes itself when done; it cannot do so before it is inserted,
            // because the lock is held until then.
            let task = tokio::spawn(async move {
                let _ = this.fetch_until(episode, unix_now(), stopped).await;
                this.lock_running().remove(&episode);
                this.inner.wake.notify_one();
            });
            tasks.insert(episode, Running { task, stop });
        }
        Ok(())
    }

    fn lock_running(&self) -> std::sync::MutexGuard<'_, HashMap<EpisodeId, Running>> {
        self.inner
            .running
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Asks for `episode` to be downloaded (again, after a pause, failure or removal); the
    /// queue starts it when there is room. A finished download is returned as it is.
    pub async fn enqueue(
        &self,
        episode: EpisodeId,
        automatic: bool,
        now: UnixTime,
    ) -> Result<Download> {
        let library = &self.inner.library;
        if let Some(existing) = library.download(episode).await?
            && existing.state != DownloadState::Removed
        {
            if existing.state == DownloadState::Done && Path::new(&existing.path).is_file() {
                return Ok(existing);
            }
            if matches!(
                existing.state,
                DownloadState::Queued | DownloadState::Downloading
            ) {
                return Ok(existing);
            }
            // Paused, failed, or done with the file gone: queue it again under its name.
            let download = library
                .queue_download(episode, &existing.path, automatic, now)
                .await?;
            self.announce(&download, 0.0);
            self.inner.wake.notify_one();
            return Ok(download);
        }
        let source = library.download_source(episode).await?;
        let url = source.enclosure_url.as_deref().ok_or_else(|| {
            Error::not_found(format!("an audio file for “{}”", source.episode_title))
        })?;
        let folder = self.folder();
        let _naming = self.inner.naming.lock().await;
        let claimed = library.download_paths().await?;
        let path = names::episode_path(
            &folder,
            &source.show_title,
            &source.episode_title,
            names::extension(url, source.enclosure_type.as_deref()),
            |candidate| {
                candidate.exists()
                    || part_path(candidate).exists()
                    || claimed.iter().any(|c| Path::new(c) == candidate)
            },
        );
        if !names::is_inside(&folder, &path) {
            return Err(Error::DownloadFolder {
                path: path.display().to_string(),
                detail: "the name would lie outside the download folder".to_string(),
            });
        }
        let download = library
            .queue_download(episode, &path.to_string_lossy(), automatic, now)
            .await?;
        drop(_naming);
        self.announce(&download, 0.0);
        self.inner.wake.notify_one();
        Ok(download)
    }

    /// Downloads `episode` now, in this task: what the CLI does, where no queue runs. (With the
    /// queue running, let it fetch what is queued rather than racing it for the same file.)
    /// It must have been asked for with [`Downloads::enqueue`]. Progress goes to subscribers;
    /// `now` is recorded as the time it finished.
    pub async fn fetch(&self, episode: EpisodeId, now: UnixTime) -> Result<Download> {
        let (_keep, stop) = tokio::sync::watch::channel(false);
        self.fetch_until(episode, now, stop).await
    }

    /// [`Downloads::fetch`] that stops, keeping what arrived, when `stop` turns true.
    async fn fetch_until(
        &self,
        episode: EpisodeId,
        now: UnixTime,
        stop: tokio::sync::watch::Receiver<bool>,
    ) -> Result<Download> {
        let library = &self.inner.library;
        let download = library
            .download(episode)
            .await?
            .ok_or_else(|| Error::not_found(format!("a download of {episode}")))?;
        let path = PathBuf::from(&download.path);
        if download.state == DownloadState::Done && path.is_file() {
            return Ok(download);
        }
        let part = part_path(&path);
        let result = self.transfer(&download, &path, &part, stop).await;
        match result {
            Ok(transfer::Written::Stopped(_)) => {
                // Whoever stopped it records the new state.
                return library
                    .download(episode)
                    .await?
                    .ok_or_else(|| Error::not_found(format!("a download of {episode}")));
            }
            Ok(transfer::Written::Complete {
                bytes,
                received_per_sec,
            }) => {
                library.download_done(episode, bytes, now).await?;
                tracing::info!(episode = episode.0, bytes, received_per_sec, "downloaded");
                let done = library
                    .download(episode)
                    .await?
                    .ok_or_else(|| Error::not_found(format!("a download of {episode}")))?;
                // The last word on a finished download carries its average speed.
                self.announce(&done, received_per_sec);
                Ok(done)
            }
            Err(error) => {
                // A web page or a full disk leaves nothing worth continuing from.
                if matches!(error, Error::NotMedia { .. } | Error::DiskFull { .. }) {
                    let _ = tokio::fs::remove_file(&part).await;
                }
                let have = file_len(&part).await;
                tracing::warn!(episode = episode.0, %error, "download failed");
                library.download_failed(episode, have, &error).await?;
                let failed = library.download(episode).await?;
                if let Some(failed) = &failed {
                    self.announce(failed, 0.0);
                }
                Err(error)
            }
        }
    }

    async fn transfer(
        &self,
        download: &Download,
        path: &Path,
        part: &Path,
        mut stop: tokio::sync::watch::Receiver<bool>,
    ) -> Result<transfer::Written> {
        let library = &self.inner.library;
        let source = library.download_source(download.episode_id).await?;
        let url = source
            .enclosure_url
            .as_deref()
            .and_then(|u| url::Url::parse(u).ok())
            .ok_or_else(|| {
                Error::not_found(format!("an audio file for “{}”", source.episode_title))
            })?;
        library
            .set_download_state(download.episode_id, DownloadState::Downloading, None)
            .await?;
        let partial = Partial {
            validator: download.validator.clone(),
            total: download.bytes_total,
        };
        let opened = transfer::open(self.http()?, &url, part, &partial).await?;
        library
            .download_started(download.episode_id, &opened.partial, opened.from)
            .await?;
        let mut meter = Meter::new(opened.from);
        let total = opened.total;
        self.changed(download, DownloadState::Downloading);
        let _ = self.inner.events.send(DownloadProgress {
            episode_id: download.episode_id,
            show_id: download.show_id,
            state: DownloadState::Downloading,
            bytes_done: opened.from,
            bytes_total: total,
            bytes_per_sec: 0.0,
            eta_secs: None,
            error: None,
        });
        let report = |done: u64| {
            if let Some(speed) = meter.sample(done) {
                let progress = DownloadProgress {
                    episode_id: download.episode_id,
                    show_id: download.show_id,
                    state: DownloadState::Downloading,
                    bytes_done: done,
                    bytes_total: total,
                    bytes_per_sec: speed,
                    eta_secs: total
                        .filter(|_| speed > 0.0)
                        .map(|t| t.saturating_sub(done) as f64 / speed),
                    error: None,
                };
                let _ = self.inner.events.send(progress);
            }
        };
        let written = opened.write(part, report, &mut stop).await?;
        if let transfer::Written::Complete { .. } = written {
            tokio::fs::rename(part, path).await?;
        }
        Ok(written)
    }

    /// Stops a running or queued download, keeping what has arrived for [`Downloads::resume`].
    pub async fn pause(&self, episode: EpisodeId) -> Result<Download> {
        let download = self.require(episode).await?;
        if !matches!(
            download.state,
            DownloadState::Queued | DownloadState::Downloading | DownloadState::Failed
        ) {
            return Ok(download);
        }
        self.stop_running(episode).await;
        let have = file_len(&part_path(Path::new(&download.path))).await;
        self.inner
            .library
            .set_download_state(episode, DownloadState::Paused, Some(have))
            .await?;
        let paused = self.require(episode).await?;
        self.announce(&paused, 0.0);
        Ok(paused)
    }

    /// Puts a paused or failed download back in the queue, to continue where it stopped.
    pub async fn resume(&self, episode: EpisodeId, now: UnixTime) -> Result<Download> {
        self.enqueue(episode, false, now).await
    }

    /// Stops a download that has not finished and forgets it, partial file and all. A
    /// finished one is deleted instead.
    pub async fn cancel(&self, episode: EpisodeId) -> Result<()> {
        let download = self.require(episode).await?;
        if download.state == DownloadState::Done {
            return self.delete(episode).await;
        }
        self.stop_running(episode).await;
        remove_file(&part_path(Path::new(&download.path))).await?;
        self.inner.library.forget_download(episode).await?;
        self.announce_gone(&download);
        Ok(())
    }

    /// Deletes the file (finished or partial) and remembers that the listener did.
    pub async fn delete(&self, episode: EpisodeId) -> Result<()> {
        let download = self.require(episode).await?;
        self.stop_running(episode).await;
        let path = PathBuf::from(&download.path);
        remove_file(&path).await?;
        remove_file(&part_path(&path)).await?;
        if let Some(dir) = path.parent() {
            // The show's folder goes with its last file; a folder with anything else stays.
            let _ = tokio::fs::remove_dir(dir).await;
        }
        self.inner.library.download_removed(episode).await?;
        self.announce_gone(&download);
        tracing::info!(episode = episode.0, "download deleted");
        Ok(())
    }

    /// Deletes the files of a show's downloads (before it is unsubscribed).
    pub async fn delete_show(&self, show: ShowId) -> Result<()> {
        let downloads = self.inner.library.downloads().await?;
        for download in downloads.iter().filter(|d| d.show_id == show) {
            self.delete(download.episode_id).await?;
        }
        Ok(())
    }

    /// Every download the listener has, removed ones aside.
    pub async fn list(&self) -> Result<Vec<Download>> {
        self.inner.library.downloads().await
    }

    pub async fn get(&self, episode: EpisodeId) -> Result<Option<Download>> {
        self.inner.library.download(episode).await
    }

    /// The episode's file, when it is downloaded and still on disk.
    pub async fn local_file(&self, episode: EpisodeId) -> Result<Option<PathBuf>> {
        Ok(self
            .inner
            .library
            .download(episode)
            .await?
            .filter(|d| d.state == DownloadState::Done)
            .map(|d| PathBuf::from(d.path))
            .filter(|p| p.is_file()))
    }

    pub async fn usage(&self) -> Result<DiskUsage> {
        let shows = self.inner.library.download_usage().await?;
        let total_bytes = shows.iter().map(|s| s.bytes).sum();
        Ok(DiskUsage { shows, total_bytes })
    }

    /// Applies the retention rules: deletes what they say should go. Returns what was deleted.
    pub async fn tidy(&self, rules: &Retention, now: UnixTime) -> Result<Vec<EpisodeId>> {
        let held = self.inner.library.held_downloads().await?;
        let doomed = policy::to_remove(&held, rules, now);
        for episode in &doomed {
            self.delete(*episode).await?;
        }
        if !doomed.is_empty() {
            tracing::info!(
                removed = doomed.len(),
                "downloads removed by the retention rules"
            );
        }
        Ok(doomed)
    }

    /// Queues the newest unplayed episodes of every show that keeps some downloaded.
    pub async fn queue_automatic(&self, now: UnixTime) -> Result<Vec<EpisodeId>> {
        let mut queued = Vec::new();
        for (_, newest, candidates) in self.inner.library.auto_download_candidates().await? {
            for episode in policy::to_fetch(&candidates, newest) {
                self.enqueue(episode, true, now).await?;
                queued.push(episode);
            }
        }
        Ok(queued)
    }

    async fn require(&self, episode: EpisodeId) -> Result<Download> {
        self.inner
            .library
            .download(episode)
            .await?
            .filter(|d| d.state != DownloadState::Removed)
            .ok_or_else(|| Error::not_found(format!("a download of {episode}")))
    }

    async fn stop_running(&self, episode: EpisodeId) {
        let running = self.lock_running().remove(&episode);
        if let Some(Running { mut task, stop }) = running {
            let _ = stop.send(true);
            // It writes out what it has and returns; one that does not is cut off.
            if tokio::time::timeout(Duration::from_secs(5), &mut task)
                .await
                .is_err()
            {
                task.abort();
                let _ = task.await;
            }
            self.inner.wake.notify_one();
        }
    }

    fn announce(&self, download: &Download, bytes_per_sec: f64) {
        // Progress while running is for the Downloads view; a change of state is a change to
        // the episode.
        if download.state != DownloadState::Downloading {
            self.changed(download, download.state);
        }
        let _ = self.inner.events.send(DownloadProgress {
            episode_id: download.episode_id,
            show_id: download.show_id,
            state: download.state,
            bytes_done: download.bytes_done,
            bytes_total: download.bytes_total,
            bytes_per_sec,
            eta_secs: None,
            error: download.error.clone(),
        });
    }

    /// Tells the library's listeners that `download` is now in `state`.
    fn changed(&self, download: &Download, state: DownloadState) {
        self.inner
            .library
            .changes()
            .publish(crate::change::Change::DownloadChanged {
                show_id: download.show_id,
                episode_id: download.episode_id,
                state,
            });
    }

    fn announce_gone(&self, download: &Download) {
        self.changed(download, DownloadState::Removed);
        let _ = self.inner.events.send(DownloadProgress {
            episode_id: download.episode_id,
            show_id: download.show_id,
            state: DownloadState::Removed,
            bytes_done: 0,
            bytes_total: None,
            bytes_per_sec: 0.0,
            eta_secs: None,
            error: None,
        });
    }
}

/// `<path>.part`: where a file grows until it is complete.
pub fn part_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_os_string();
    name.push(".part");
    PathBuf::from(name)
}

async fn file_len(path: &Path) -> u64 {
    tokio::fs::metadata(path).await.map_or(0, |m| m.len())
}

async fn remove_file(path: &Path) -> Result<()> {
    match tokio::fs::remove_file(path).await {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(Error::Io(e)),
        _ => Ok(()),
    }
}

fn unix_now() -> UnixTime {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// Speed over the last few seconds, sampled at most every [`PROGRESS_EVERY`].
struct Meter {
    last: Instant,
    samples: std::collections::VecDeque<(Instant, u64)>,
}

impl Meter {
    /// The first sample is reported at once.
    fn new(from: u64) -> Self {
        let now = Instant::now();
        Self {
            last: now.checked_sub(PROGRESS_EVERY).unwrap_or(now),
            samples: std::collections::VecDeque::from([(now, from)]),
        }
    }

    /// The speed in bytes per second, when it is time to report.
    fn sample(&mut self, done: u64) -> Option<f64> {
        let now = Instant::now();
        if now.duration_since(self.last) < PROGRESS_EVERY {
            return None;
        }
        self.last = now;
        self.samples.push_back((now, done));
        while self.samples.len() > 12 {
            self.samples.pop_front();
        }
        let (t0, b0) = *self.samples.front()?;
        let secs = now.duration_since(t0).as_secs_f64();
        Some(if secs > 0.0 {
            done.saturating_sub(b0) as f64 / secs
        } else {
            0.0
        })
    }
}
