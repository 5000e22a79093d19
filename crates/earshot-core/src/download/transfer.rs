//! One episode file over HTTP into `<name>.part`: resumed with `Range` + `If-Range` when a
//! partial file exists, restarted cleanly when the server ignores the range or the file has
//! changed, refused when the server sends a web page instead of media. The partial file is
//! always a prefix of the body its validator names; it is renamed to its final name only when
//! complete.

use std::path::Path;
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{self, HeaderMap};
use std::io::{Seek, Write};
use url::Url;

use crate::error::{Error, Result};
use crate::model::Partial;

/// Chunks received but not yet written; past this, reading waits for the disk.
const WRITE_QUEUE: usize = 1024;

/// Bytes written between two flushes to disk while downloading.
const FLUSH_EVERY: usize = 4 << 20;

/// Bytes looked at to tell a web page from media.
const SNIFF_BYTES: usize = 512;

/// A response ready to be written: where in the file it starts, and what it is.
#[derive(Debug)]
pub struct Opened {
    response: reqwest::Response,
    url: String,
    /// Bytes already in the partial file that this response continues.
    pub from: u64,
    /// The whole file's length, when the server said.
    pub total: Option<u64>,
    pub partial: Partial,
}

/// Requests `url`, continuing the partial file at `part` when `partial` allows it.
pub async fn open(
    http: &reqwest::Client,
    url: &Url,
    part: &Path,
    partial: &Partial,
) -> Result<Opened> {
    let have = match tokio::fs::metadata(part).await {
        Ok(meta) => meta.len(),
        Err(_) => 0,
    };
    // Without a validator a range is only asked for when the total is known, and only kept if
    // the answer has the same total: better than starting over, rarely wrong.
    let resumable = have > 0 && (partial.validator.is_some() || partial.total.is_some());
    let mut request = http
        .get(url.clone())
        .header(header::ACCEPT_ENCODING, "identity");
    if resumable {
        request = request.header(header::RANGE, format!("bytes={have}-"));
        if let Some(validator) = &partial.validator {
            request = request.header(header::IF_RANGE, validator);
        }
    }
    let response = request.send().await.map_err(|e| unreachable(url, &e))?;
    let status = response.status();
    let headers = response.headers().clone();
    let validator = validator(&headers);
    match status {
        StatusCode::PARTIAL_CONTENT if resumable => {
            let range = content_range(&headers);
            let same_total = partial.total.is_none() || range.and_then(|r| r.2) == partial.total;
            match range {
                Some((start, _, total)) if start == have && same_total => Ok(Opened {
                    response,
                    url: url.to_string(),
                    from: have,
                    total,
                    partial: Partial {
                        validator: validator.or_else(|| partial.validator.clone()),
                        total,
                    },
                }),
                // Not the range asked for: start over without one.
                _ => Box::pin(open(http, url, part, &Partial::default_restart(part).await)).await,
            }
        }
        StatusCode::RANGE_NOT_SATISFIABLE if resumable => {
            // Our partial file is as long as, or longer than, the file now: start over.
            Box::pin(open(http, url, part, &Partial::default_restart(part).await)).await
        }
        status if status.is_success() && status != StatusCode::PARTIAL_CONTENT => {
            check_media(url, &headers)?;
            let total = response.content_length();
            Ok(Opened {
                response,
                url: url.to_string(),
                from: 0,
                total,
                partial: Partial { validator, total },
            })
        }
        status => Err(Error::HttpStatus {
            url: url.to_string(),
            status: status.as_u16(),
            reason: status.canonical_reason().unwrap_or("").to_string(),
            retry_after_secs: None,
        }),
    }
}

impl Partial {
    /// Forgets a partial file that cannot be continued.
    async fn default_restart(part: &Path) -> Self {
        let _ = tokio::fs::remove_file(part).await;
        Self::default()
    }
}

impl Opened {
    /// Writes the body into `part` after the bytes it continues, calling `progress` with the
    /// bytes in the file so far, and returns the length when the body ended complete. The file
    /// is flushed to disk before this returns. Any error leaves a valid prefix in `part`.
    /// When `stop` turns true the bytes so far are written out and `Written::Stopped` returned.
    ///
    /// The network is read here while a blocking thread writes what arrived, so neither waits
    /// for the other; chunks are handed over without copying.
    pub async fn write(
        mut self,
        part: &Path,
        mut progress: impl FnMut(u64),
        stop: &mut tokio::sync::watch::Receiver<bool>,
    ) -> Result<Written> {
        if let Some(dir) = part.parent() {
            tokio::fs::create_dir_all(dir)
                .await
                .map_err(|e| folder_error(dir, &e))?;
        }
        let (pieces, mut received) = tokio::sync::mpsc::channel::<bytes::Bytes>(WRITE_QUEUE);
        let path = part.to_path_buf();
        let from = self.from;
        let writer = tokio::task::spawn_blocking(move || -> std::io::Result<std::fs::File> {
            let mut file = std::fs::OpenOptions::new()
                .create(true)
                .write(true)
                .truncate(false)
                .open(&path)?;
            file.set_len(from)?;
            file.seek(std::io::SeekFrom::Start(from))?;
            let mut flushing = Flushing::new(&file, from)?;
            let mut written = from;
            let mut write_all = || {
                while let Some(piece) = received.blocking_recv() {
                    file.write_all(&piece)?;
                    written += piece.len() as u64;
                    flushing.written(&file, written);
                }
                Ok::<_, std::io::Error>(())
            };
            let result = write_all();
            flushing.finish();
            result?;
            Ok(file)
        });
        let receiving = std::time::Instant::now();
        let mut done = self.from;
        // The first bytes of a new file are held back until they are known not to be a page.
        let mut head: Option<Vec<u8>> = (self.from == 0).then(Vec::new);
        let mut outcome: Result<Option<u64>> = Ok(None);
        loop {
            let next = tokio::select! {
                biased;
                Ok(_) = stop.wait_for(|stop| *stop) => None,
                next = self.response.chunk() => Some(next),
            };
            let Some(next) = next else {
                outcome = Ok(Some(done));
                break;
            };
            let chunk = match next {
                Ok(Some(chunk)) => chunk,
                Ok(None) => break,
                Err(e) => {
                    // Keep what arrived: the next attempt continues from it.
                    outcome = Err(interrupted(&self.url, done, self.total, &e));
                    break;
                }
            };
            done += chunk.len() as u64;
            if self.total.is_some_and(|total| done > total) {
                outcome = Err(Error::Incomplete {
                    url: self.url.clone(),
                    detail: format!(
                        "it sent more than the {} bytes it announced",
                        self.total.unwrap_or_default()
                    ),
                });
                break;
            }
            // Chunks go to the writer as they came off the network, without a copy.
            let piece = match head.as_mut() {
                Some(start) => {
                    start.extend_from_slice(&chunk);
                    if start.len() < SNIFF_BYTES {
                        continue;
                    }
                    let start = head.take().unwrap_or_default();
                    if looks_like_markup(&start) {
                        outcome = Err(not_media(&self.url));
                        break;
                    }
                    bytes::Bytes::from(start)
                }
                None => chunk,
            };
            if pieces.send(piece).await.is_err() {
                // The writer stopped: its error says why.
                break;
            }
            progress(done);
        }
        if let (Ok(None), Some(start)) = (&outcome, head.take()) {
            // A body shorter than the sniffing window.
            if looks_like_markup(&start) {
                outcome = Err(not_media(&self.url));
            } else if !start.is_empty() {
                let _ = pieces.send(bytes::Bytes::from(start)).await;
            }
        }
        drop(pieces);
        let file = match writer.await {
            Ok(Ok(file)) => file,
            Ok(Err(e)) => return Err(write_error(part, e)),
            Err(e) => return Err(Error::Io(std::io::Error::other(e.to_string()))),
        };
        if let Some(stopped) = outcome? {
            return Ok(Written::Stopped(stopped));
        }
        let receive_secs = receiving.elapsed().as_secs_f64();
        tokio::task::spawn_blocking(move || file.sync_data())
            .await
            .map_err(|e| Error::Io(std::io::Error::other(e.to_string())))?
            .map_err(|e| write_error(part, e))?;
        match self.total {
            Some(total) if done != total => Err(Error::Incomplete {
                url: self.url,
                detail: format!("the connection ended after {done} of {total} bytes"),
            }),
            _ if done == 0 => Err(Error::NotMedia {
                url: self.url,
                detail: "it sent an empty file".to_string(),
            }),
            _ => Ok(Written::Complete {
                bytes: done,
                received_per_sec: (done - self.from) as f64 / receive_secs.max(1e-9),
            }),
        }
    }
}

fn not_media(url: &str) -> Error {
    Error::NotMedia {
        url: url.to_string(),
        detail: "it sent a web page".to_string(),
    }
}

/// How a write ended without an error.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Written {
    /// The whole body, this long, is in the partial file; this response's bytes arrived (and
    /// were written, not yet flushed to disk) at this average rate.
    Complete { bytes: u64, received_per_sec: f64 },
    /// Asked to stop; this much is in the partial file.
    Stopped(u64),
}

/// A strong validator for `If-Range`: the `ETag` unless it is weak, else `Last-Modified`.
fn validator(headers: &HeaderMap) -> Option<String> {
    let text = |name| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    text(header::ETAG)
        .filter(|etag| !etag.starts_with("W/"))
        .or_else(|| text(header::LAST_MODIFIED))
}

/// `Content-Range: bytes start-end/total` (total `*` when unknown).
fn content_range(headers: &HeaderMap) -> Option<(u64, u64, Option<u64>)> {
    let value = headers.get(header::CONTENT_RANGE)?.to_str().ok()?;
    let (range, total) = value.strip_prefix("bytes ")?.split_once('/')?;
    let (start, end) = range.split_once('-')?;
    Some((
        start.trim().parse().ok()?,
        end.trim().parse().ok()?,
        total.trim().parse().ok(),
    ))
}

/// Refuses answers that are plainly not media: web pages, plain text and JSON, which is what
/// captive portals and error pages send with a `200`.
fn check_media(url: &Url, headers: &HeaderMap) -> Result<()> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let text = content_type.starts_with("text/")
        || matches!(
            content_type.as_str(),
            "application/xhtml+xml" | "application/json" | "application/xml"
        );
    if text {
        return Err(Error::NotMedia {
            url: url.to_string(),
            detail: format!("it sent {content_type}"),
        });
    }
    Ok(())
}

/// Whether the first bytes of a body are an HTML or XML document rather than audio or video.
fn looks_like_markup(start: &[u8]) -> bool {
    let trimmed = start
        .iter()
        .position(|b| !b.is_ascii_whitespace() && *b != 0xEF && *b != 0xBB && *b != 0xBF)
        .map_or(&[][..], |i| &start[i..]);
    let head: Vec<u8> = trimmed
        .iter()
        .take(16)
        .map(u8::to_ascii_lowercase)
        .collect();
    [&b"<!doctype"[..], b"<html", b"<?xml", b"<head", b"<body"]
        .iter()
        .any(|tag| head.starts_with(tag))
}

fn unreachable(url: &Url, error: &reqwest::Error) -> Error {
    let detail = if error.is_timeout() {
        "the server did not answer in time".to_string()
    } else if error.is_connect() {
        "could not connect".to_string()
    } else {
        error.to_string()
    };
    Error::Unreachable {
        url: url.to_string(),
        detail,
    }
}

fn interrupted(url: &str, done: u64, total: Option<u64>, error: &reqwest::Error) -> Error {
    let why = if error.is_timeout() {
        "the server stopped sending"
    } else {
        "the connection was lost"
    };
    let of = total.map(|t| format!(" of {t}")).unwrap_or_default();
    Error::Unreachable {
        url: url.to_string(),
        detail: format!("{why} after {done}{of} bytes; it will continue from there"),
    }
}

fn write_error(path: &Path, error: std::io::Error) -> Error {
    if error.raw_os_error() == Some(28) || error.kind() == std::io::ErrorKind::StorageFull {
        return Error::DiskFull {
            path: path.display().to_string(),
        };
    }
    Error::Io(error)
}

fn folder_error(dir: &Path, error: &std::io::Error) -> Error {
    Error::DownloadFolder {
        path: dir.display().to_string(),
        detail: error.to_string(),
    }
}

/// The timeouts of the media client: a stalled server is given up on after `read`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    pub connect: Duration,
    pub read: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            connect: Duration::from_secs(20),
            read: Duration::from_secs(30),
        }
    }
}

/// The client for media files: no automatic decompression (media is sent as is), no overall
/// time limit (a big file on a slow line takes as long as it takes), a read timeout instead.
pub fn client(user_agent: &str, timeouts: Timeouts) -> Result<reqwest::Client> {
    reqwest::Client::builder()
        .user_agent(user_agent)
        .connect_timeout(timeouts.connect)
        .read_timeout(timeouts.read)
        .no_gzip()
        .no_brotli()
        .build()
        .map_err(|e| Error::Unreachable {
            url: String::new(),
            detail: format!("could not start the HTTP client: {e}"),
        })
}

/// Gets a download's pages on their way to disk while it is still arriving, so that the flush
/// that must finish before the file is renamed has little left to do.
///
/// Linux: `posix_fadvise(DONTNEED)` over what was written starts writeback without waiting for
/// it (and lets the page cache drop the pages once they are on disk, so a large download does
/// not push everything else out of memory). Elsewhere: `fdatasync` on a second handle, on a
/// thread of its own, never waited for.
struct Flushing {
    /// Written up to here when writeback was last started.
    started_at: u64,
    #[cfg(not(target_os = "linux"))]
    tick: Option<std::sync::mpsc::SyncSender<()>>,
    #[cfg(not(target_os = "linux"))]
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Flushing {
    #[cfg(target_os = "linux")]
    fn new(_file: &std::fs::File, from: u64) -> std::io::Result<Self> {
        Ok(Self { started_at: from })
    }

    #[cfg(not(target_os = "linux"))]
    fn new(file: &std::fs::File, from: u64) -> std::io::Result<Self> {
        let flusher = file.try_clone()?;
        let (tick, ticks) = std::sync::mpsc::sync_channel::<()>(1);
        let thread = std::thread::spawn(move || {
            while ticks.recv().is_ok() {
                let _ = flusher.sync_data();
            }
        });
        Ok(Self {
            started_at: from,
            tick: Some(tick),
            thread: Some(thread),
        })
    }

    fn written(&mut self, file: &std::fs::File, upto: u64) {
        if upto.saturating_sub(self.started_at) < FLUSH_EVERY as u64 {
            return;
        }
        #[cfg(target_os = "linux")]
        {
            let len = std::num::NonZeroU64::new(upto - self.started_at);
            let _ = rustix::fs::fadvise(file, self.started_at, len, rustix::fs::Advice::DontNeed);
        }
        #[cfg(not(target_os = "linux"))]
        {
            let _ = file;
            // A flush already running covers this too: never wait for it.
            if let Some(tick) = &self.tick {
                let _ = tick.try_send(());
            }
        }
        self.started_at = upto;
    }

    fn finish(&mut self) {
        #[cfg(not(target_os = "linux"))]
        {
            self.tick = None;
            if let Some(thread) = self.thread.take() {
                let _ = thread.join();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_is_recognised_and_media_is_not() {
        assert!(looks_like_markup(b"  <!DOCTYPE html><html>"));
        assert!(looks_like_markup(b"\xEF\xBB\xBF<html lang=en>"));
        assert!(looks_like_markup(b"<?xml version='1.0'?><error/>"));
        assert!(!looks_like_markup(b"ID3\x04\x00\x00"));
        assert!(!looks_like_markup(b"\xFF\xFB\x90\x00"));
        assert!(!looks_like_markup(b"OggS\x00\x02"));
    }

    #[test]
    fn content_ranges() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONTENT_RANGE,
            "bytes 100-199/200".parse().expect("header"),
        );
        assert_eq!(content_range(&headers), Some((100, 199, Some(200))));
        headers.insert(
            header::CONTENT_RANGE,
            "bytes 0-9/*".parse().expect("header"),
        );
        assert_eq!(content_range(&headers), Some((0, 9, None)));
    }

    #[test]
    fn weak_etags_are_not_validators() {
        let mut headers = HeaderMap::new();
        headers.insert(header::ETAG, "W/\"abc\"".parse().expect("header"));
        assert_eq!(validator(&headers), None);
        headers.insert(
            header::LAST_MODIFIED,
            "Tue, 01 Dec 2026 10:00:00 GMT".parse().expect("header"),
        );
        assert_eq!(
            validator(&headers).as_deref(),
            Some("Tue, 01 Dec 2026 10:00:00 GMT")
        );
        headers.insert(header::ETAG, "\"abc\"".parse().expect("header"));
        assert_eq!(validator(&headers).as_deref(), Some("\"abc\""));
    }
}
