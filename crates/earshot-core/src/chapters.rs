//! An episode's chapters, gathered from every place they hide and merged into one list. Sources,
//! most preferred first ([`ChapterSource`]): a Podcasting 2.0 JSON document
//! (`podcast:chapters`, parsed here), Podlove Simple Chapters in the feed ([`psc`]), chapters in
//! the audio itself: ID3 `CHAP` frames in an MP3 ([`id3`]) or a Nero chapter list in an M4A
//! ([`mp4`]), read from the download or from the stream's first [`AUDIO_HEAD_BYTES`] with a
//! `Range` request, and last timecodes in the show notes ([`notes`]).
//!
//! The merge rule ([`merge`]): the most preferred source that gives at least
//! [`MIN_CHAPTERS`] usable chapters wins whole. Sources are not mixed (one source's chapter
//! boundaries rarely match another's, so an image or link taken from a lower source would land
//! on the wrong chapter), and a lower source is not even read once a better one is enough.
//!
//! What is read over the network is read once and kept in the library (`episode_chapters`),
//! with the address it came from: a changed address is read again, a failure is remembered and
//! retried only after [`RETRY_FAILED_SECS`], so a broken document is logged once, not on every
//! open. A missing, broken or oversized source means fewer chapters, never an error the listener
//! has to deal with.

pub mod id3;
pub mod mp4;
pub mod notes;
pub mod psc;

use serde::{Deserialize, Serialize};
use url::Url;

use crate::Core;
use crate::error::Result;
use crate::library::{ChapterOrigin, KeptChapters};
use crate::model::{EpisodeId, UnixTime};

pub use id3::parse_id3_chapters;
pub use mp4::parse_mp4_chapters;
pub use notes::notes_chapters;
pub use psc::{parse_psc, psc_chapter};

/// Chapter documents larger than this are ignored.
pub const CHAPTERS_LIMIT_BYTES: u64 = 1_000_000;

/// How much of the audio is read for the chapters in its tag: ID3 tags with chapter pictures run
/// to a few hundred kilobytes, and a fast-start M4A's `moov` box is well under this.
pub const AUDIO_HEAD_BYTES: u64 = 2 * 1024 * 1024;

/// A downloaded M4A's `moov` box (found after the audio) is read up to this size.
pub const MOOV_LIMIT_BYTES: u64 = 8 * 1024 * 1024;

/// Fewer usable chapters than this from a source are not a chapter list: the next source is
/// asked.
pub const MIN_CHAPTERS: usize = 2;

/// A source that could not be read is tried again after this long (or as soon as its address
/// changes).
pub const RETRY_FAILED_SECS: i64 = 12 * 3600;

/// One chapter, as the player and the now-playing view use it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Chapter {
    pub start_secs: f64,
    pub title: String,
    /// A web page about the chapter, http(s) only.
    pub url: Option<String>,
    /// A picture for the chapter, shown in place of the artwork while it plays: an http(s)
    /// address, or (for a picture embedded in an MP3's ID3 chapter) a `data:image/jpeg` or
    /// `data:image/png` URL of at most 256 KB.
    pub image: Option<String>,
    /// Where the chapter was found.
    pub source: ChapterSource,
}

/// Where a chapter list came from, in the order they are preferred.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, specta::Type,
)]
#[serde(rename_all = "lowercase")]
pub enum ChapterSource {
    /// A Podcasting 2.0 JSON document (`podcast:chapters`).
    Podcast,
    /// Podlove Simple Chapters in the feed (`psc:chapters`).
    Psc,
    /// ID3 `CHAP` frames in an MP3.
    Id3,
    /// Chapter atoms in an M4A.
    Mp4,
    /// Timecodes in the show notes.
    Notes,
}

/// Which way a chapter skip goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum ChapterStep {
    Previous,
    Next,
}

/// A "previous chapter" this far into a chapter goes back to its start; earlier, to the one
/// before (as a CD player's previous-track does).
pub const RESTART_CHAPTER_AFTER_SECS: f64 = 3.0;

/// The chapter playing at `position` (an index into `chapters`, which are in time order).
pub fn current_chapter(chapters: &[Chapter], position: f64) -> Option<usize> {
    chapters
        .iter()
        .rposition(|c| c.start_secs <= position + 0.001)
}

/// Where a chapter skip from `position` lands: the next chapter's start, or the current one's
/// (or the previous one's, near the current start). None when there is nowhere to go.
pub fn chapter_target(chapters: &[Chapter], position: f64, step: ChapterStep) -> Option<f64> {
    let current = current_chapter(chapters, position);
    match step {
        ChapterStep::Next => {
            let next = current.map_or(0, |i| i + 1);
            chapters.get(next).map(|c| c.start_secs)
        }
        ChapterStep::Previous => {
            let i = current?;
            if position - chapters[i].start_secs > RESTART_CHAPTER_AFTER_SECS || i == 0 {
                Some(chapters[i].start_secs)
            } else {
                Some(chapters[i - 1].start_secs)
            }
        }
    }
}

#[derive(Deserialize)]
struct Document {
    #[serde(default)]
    chapters: Vec<RawChapter>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawChapter {
    start_time: Option<f64>,
    title: Option<String>,
    url: Option<String>,
    img: Option<String>,
    /// Chapters marked `toc: false` are for apps to use, not to list.
    toc: Option<bool>,
}

/// Reads a JSON Chapters document: chapters in time order, untitled or hidden ones left out.
/// Malformed JSON gives none; see [`read_json_chapters`] for why.
pub fn parse_chapters(body: &[u8]) -> Vec<Chapter> {
    read_json_chapters(body).unwrap_or_default()
}

/// [`parse_chapters`], saying why a document could not be read.
pub fn read_json_chapters(body: &[u8]) -> std::result::Result<Vec<Chapter>, String> {
    let document = serde_json::from_slice::<Document>(body).map_err(|e| {
        if body.trim_ascii_start().starts_with(b"<") {
            "a web page, not a chapters document".to_string()
        } else {
            format!("not a chapters document ({e})")
        }
    })?;
    let mut chapters: Vec<Chapter> = document
        .chapters
        .into_iter()
        .filter(|c| c.toc != Some(false))
        .filter_map(|c| {
            let start_secs = c.start_time.filter(|t| t.is_finite() && *t >= 0.0)?;
            let title = c.title.map(|t| clean_title(&t)).filter(|t| !t.is_empty())?;
            Some(Chapter {
                start_secs,
                title,
                url: c.url.and_then(|u| web_url(u.trim())),
                image: c.img.and_then(|u| web_url(u.trim())),
                source: ChapterSource::Podcast,
            })
        })
        .collect();
    chapters.sort_by(|a, b| a.start_secs.total_cmp(&b.start_secs));
    Ok(chapters)
}

/// `text` as an http(s) address, or None.
pub(crate) fn web_url(text: &str) -> Option<String> {
    Url::parse(text)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https"))
        .map(|_| text.to_string())
}

/// A title as shown: plain text on one line, at most 300 characters, no control characters.
pub(crate) fn clean_title(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(1200));
    for word in text.split(|c: char| c.is_whitespace() || c.is_control()) {
        if word.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    match out.char_indices().nth(300) {
        Some((at, _)) => out[..at].to_string(),
        None => out,
    }
}

/// The chapters of one source that can be used: in time order, inside the episode (when its
/// duration is known; a chapter starting at or after the end is left out), one per start time.
pub fn usable(mut chapters: Vec<Chapter>, duration_secs: Option<f64>) -> Vec<Chapter> {
    chapters.retain(|c| {
        c.start_secs.is_finite()
            && c.start_secs >= 0.0
            && duration_secs.is_none_or(|d| d <= 0.0 || c.start_secs < d)
    });
    chapters.sort_by(|a, b| a.start_secs.total_cmp(&b.start_secs));
    chapters.dedup_by(|later, earlier| (later.start_secs - earlier.start_secs).abs() < 0.001);
    chapters
}

/// The merge rule: the first of `sources` (most preferred first) with at least
/// [`MIN_CHAPTERS`] usable chapters, whole; none when no source has that many.
pub fn merge(
    sources: impl IntoIterator<Item = Vec<Chapter>>,
    duration_secs: Option<f64>,
) -> Vec<Chapter> {
    sources
        .into_iter()
        .map(|chapters| usable(chapters, duration_secs))
        .find(|chapters| chapters.len() >= MIN_CHAPTERS)
        .unwrap_or_default()
}

/// Whether what was kept from `url` can be used as it is: read from the same address, and
/// either read well or failed too recently to try again.
pub(crate) fn still_good(kept: &KeptChapters, url: &str, now: UnixTime) -> bool {
    kept.url == url && (kept.error.is_none() || now - kept.fetched_at < RETRY_FAILED_SECS)
}

impl Core {
    /// The episode's chapters (see the module's merge rule). What is kept in the library is
    /// used as it is; a source not read yet, or whose address changed, is read now (and kept).
    /// Safe to cancel: every write is a single statement.
    pub async fn chapters(&self, id: EpisodeId) -> Result<Vec<Chapter>> {
        self.chapters_at(id, chrono::Utc::now().timestamp()).await
    }

    /// [`Core::chapters`] at `now` (what a failure's retry is measured from).
    pub async fn chapters_at(&self, id: EpisodeId, now: UnixTime) -> Result<Vec<Chapter>> {
        let episode = self.library.episode(id).await?;
        let duration = episode.duration_secs;
        let kept = self.library.kept_chapters(id).await?;
        let find = |origin: ChapterOrigin| kept.iter().find(|k| k.origin == origin);

        if let Some(address) = &episode.chapters_url {
            let chapters = match find(ChapterOrigin::Podcast) {
                Some(k) if still_good(k, address, now) => k.chapters.clone(),
                _ => self.read_chapters_document(id, address, now).await?,
            };
            let chapters = usable(chapters, duration);
            if chapters.len() >= MIN_CHAPTERS {
                return Ok(chapters);
            }
        }
        if let Some(k) = find(ChapterOrigin::Psc) {
            let chapters = usable(k.chapters.clone(), duration);
            if chapters.len() >= MIN_CHAPTERS {
                return Ok(chapters);
            }
        }
        if let Some(address) = self.audio_address(&episode).await? {
            let chapters = match find(ChapterOrigin::Audio) {
                Some(k) if still_good(k, &address, now) => k.chapters.clone(),
                _ => self.read_audio_chapters(id, &address, now).await?,
            };
            let chapters = usable(chapters, duration);
            if chapters.len() >= MIN_CHAPTERS {
                return Ok(chapters);
            }
        }
        Ok(merge(
            [notes_chapters(&episode.notes_html, duration)],
            duration,
        ))
    }

    /// Fetches, parses and keeps a `podcast:chapters` document; what it gave (none on failure).
    async fn read_chapters_document(
        &self,
        id: EpisodeId,
        address: &str,
        now: UnixTime,
    ) -> Result<Vec<Chapter>> {
        let read = match Url::parse(address) {
            Ok(url) => match self.feeds.get(&url, CHAPTERS_LIMIT_BYTES).await {
                Ok(fetched) => read_json_chapters(&fetched.body),
                Err(error) => Err(error.to_string()),
            },
            Err(_) => Err("not a web address".to_string()),
        };
        self.keep_read(id, ChapterOrigin::Podcast, address, read, now)
            .await
    }

    /// Where the audio's chapters are read from: the download when there is one (as a `file:`
    /// address), else the enclosure.
    async fn audio_address(&self, episode: &crate::model::Episode) -> Result<Option<String>> {
        if let Some(path) = self.downloads.local_file(episode.id).await?
            && let Ok(url) = Url::from_file_path(&path)
        {
            return Ok(Some(url.to_string()));
        }
        Ok(episode
            .enclosure_url
            .clone()
            .filter(|u| u.starts_with("http://") || u.starts_with("https://")))
    }

    /// Reads and keeps the chapters in the audio's head (a file, or the stream's first bytes).
    async fn read_audio_chapters(
        &self,
        id: EpisodeId,
        address: &str,
        now: UnixTime,
    ) -> Result<Vec<Chapter>> {
        let read = match Url::parse(address) {
            Ok(url) if url.scheme() == "file" => match url.to_file_path() {
                Ok(path) => audio::read_file(&path).await,
                Err(()) => Err("not a file".to_string()),
            },
            Ok(url) => match self.downloads.http() {
                Ok(http) => audio::read_stream(http, &url).await,
                Err(error) => Err(error.to_string()),
            },
            Err(_) => Err("not a web address".to_string()),
        };
        self.keep_read(id, ChapterOrigin::Audio, address, read, now)
            .await
    }

    /// Keeps what a read gave (or why it failed, logged here, once per attempt).
    async fn keep_read(
        &self,
        id: EpisodeId,
        origin: ChapterOrigin,
        address: &str,
        read: std::result::Result<Vec<Chapter>, String>,
        now: UnixTime,
    ) -> Result<Vec<Chapter>> {
        let (chapters, error) = match read {
            Ok(chapters) => (chapters, None),
            Err(error) => {
                tracing::warn!(episode = id.0, source = origin.as_str(), %error, "chapters not read");
                (Vec::new(), Some(error))
            }
        };
        self.library
            .keep_chapters(id, origin, address, &chapters, error.as_deref(), now)
            .await?;
        Ok(chapters)
    }
}

/// Reading the head of the audio.
mod audio {
    use std::path::Path;

    use tokio::io::{AsyncReadExt, AsyncSeekExt};
    use url::Url;

    use super::{AUDIO_HEAD_BYTES, Chapter, MOOV_LIMIT_BYTES, id3, mp4};

    /// The chapters in the head of `bytes` (ID3 or MP4); None when it is neither.
    pub(super) fn chapters_in(head: &[u8]) -> Option<Vec<Chapter>> {
        if id3::tag_length(head).is_some() {
            Some(id3::parse_id3_chapters(head))
        } else if mp4::is_mp4(head) {
            Some(mp4::parse_mp4_chapters(head))
        } else {
            None
        }
    }

    /// A file's head, and a `moov` box that comes after the audio.
    pub(super) async fn read_file(path: &Path) -> Result<Vec<Chapter>, String> {
        let mut file = tokio::fs::File::open(path)
            .await
            .map_err(|e| format!("{}: {e}", path.display()))?;
        let mut head = Vec::new();
        (&mut file)
            .take(AUDIO_HEAD_BYTES)
            .read_to_end(&mut head)
            .await
            .map_err(|e| e.to_string())?;
        let mut chapters = chapters_in(&head).unwrap_or_default();
        if chapters.is_empty() && mp4::is_mp4(&head) {
            // The `moov` box may follow the audio: walk the top-level boxes to it, a header at
            // a time (a few small reads, however large the file).
            let mut offset = 0u64;
            for _ in 0..64 {
                let mut header = [0u8; 16];
                file.seek(std::io::SeekFrom::Start(offset))
                    .await
                    .map_err(|e| e.to_string())?;
                let n = file.read(&mut header).await.map_err(|e| e.to_string())?;
                let Some((kind, length)) = mp4::box_header(&header[..n]) else {
                    break;
                };
                if &kind == b"moov" {
                    if length <= MOOV_LIMIT_BYTES {
                        let mut moov = Vec::new();
                        file.seek(std::io::SeekFrom::Start(offset))
                            .await
                            .map_err(|e| e.to_string())?;
                        (&mut file)
                            .take(length)
                            .read_to_end(&mut moov)
                            .await
                            .map_err(|e| e.to_string())?;
                        chapters = mp4::parse_mp4_chapters(&moov);
                    }
                    break;
                }
                offset = offset.saturating_add(length);
            }
        }
        Ok(chapters)
    }

    /// The stream's first [`AUDIO_HEAD_BYTES`], asked for with `Range`; a server that sends the
    /// whole file is read only that far.
    pub(super) async fn read_stream(
        http: &reqwest::Client,
        url: &Url,
    ) -> Result<Vec<Chapter>, String> {
        let mut response = http
            .get(url.clone())
            .header(
                reqwest::header::RANGE,
                format!("bytes=0-{}", AUDIO_HEAD_BYTES - 1),
            )
            .send()
            .await
            .map_err(|e| format!("could not reach {url}: {e}"))?;
        let status = response.status();
        if !status.is_success() {
            return Err(format!("{url} answered {status}"));
        }
        let html = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| t.starts_with("text/html"));
        if html {
            return Err(format!("{url} sent a web page, not audio"));
        }
        let mut head = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| format!("reading {url}: {e}"))?
        {
            let room = usize::try_from(AUDIO_HEAD_BYTES).unwrap_or(usize::MAX) - head.len();
            head.extend_from_slice(&chunk[..chunk.len().min(room)]);
            if head.len() as u64 >= AUDIO_HEAD_BYTES {
                break;
            }
            // An ID3 tag read whole is enough, however much was asked for.
            if let Some(length) = id3::tag_length(&head)
                && head.len() >= length
            {
                break;
            }
        }
        Ok(chapters_in(&head).unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chapters_are_read_in_time_order() {
        let body = br#"{"version": "1.2.0", "chapters": [
            {"startTime": 754, "title": "Cost of HTTP/2", "url": "https://example.com/h2"},
            {"startTime": 0, "title": "Intro"},
            {"startTime": 60.5, "title": "  ", "url": "https://example.com/blank"},
            {"startTime": 90, "title": "Sponsor", "toc": false},
            {"startTime": 120, "title": "Bad link", "url": "javascript:alert(1)"},
            {"title": "No start"}
        ]}"#;
        let chapters = parse_chapters(body);
        let titles: Vec<&str> = chapters.iter().map(|c| c.title.as_str()).collect();
        assert_eq!(titles, ["Intro", "Bad link", "Cost of HTTP/2"]);
        assert_eq!(chapters[2].start_secs, 754.0);
        assert_eq!(chapters[2].url.as_deref(), Some("https://example.com/h2"));
        assert_eq!(chapters[1].url, None);
    }

    fn at(starts: &[f64]) -> Vec<Chapter> {
        starts
            .iter()
            .map(|&start_secs| Chapter {
                start_secs,
                title: format!("at {start_secs}"),
                url: None,
                image: None,
                source: ChapterSource::Notes,
            })
            .collect()
    }

    #[test]
    fn the_current_chapter_and_where_skips_land() {
        let chapters = at(&[0.0, 60.0, 300.0]);
        assert_eq!(current_chapter(&chapters, 0.0), Some(0));
        assert_eq!(current_chapter(&chapters, 59.9), Some(0));
        assert_eq!(current_chapter(&chapters, 60.0), Some(1));
        assert_eq!(current_chapter(&chapters, 4000.0), Some(2));
        assert_eq!(current_chapter(&at(&[10.0]), 5.0), None);
        let next = |p| chapter_target(&chapters, p, ChapterStep::Next);
        let previous = |p| chapter_target(&chapters, p, ChapterStep::Previous);
        assert_eq!(next(10.0), Some(60.0));
        assert_eq!(next(60.0), Some(300.0));
        assert_eq!(next(301.0), None);
        assert_eq!(next(0.0), Some(60.0));
        // Well into a chapter: back to its start; just after it: to the one before.
        assert_eq!(previous(100.0), Some(60.0));
        assert_eq!(previous(61.0), Some(0.0));
        assert_eq!(previous(1.0), Some(0.0));
        assert_eq!(
            chapter_target(&at(&[10.0]), 5.0, ChapterStep::Previous),
            None
        );
        assert_eq!(
            chapter_target(&at(&[10.0]), 5.0, ChapterStep::Next),
            Some(10.0)
        );
        assert_eq!(chapter_target(&[], 5.0, ChapterStep::Next), None);
    }

    fn from(source: ChapterSource, starts: &[f64]) -> Vec<Chapter> {
        starts
            .iter()
            .map(|&start_secs| Chapter {
                start_secs,
                title: format!("{source:?} at {start_secs}"),
                url: None,
                image: None,
                source,
            })
            .collect()
    }

    #[test]
    fn the_most_preferred_source_with_two_usable_chapters_wins_whole() {
        use ChapterSource::*;
        let sources = |podcast: &[f64], psc: &[f64], id3: &[f64], notes: &[f64]| {
            merge(
                [
                    from(Podcast, podcast),
                    from(Psc, psc),
                    from(Id3, id3),
                    from(Notes, notes),
                ],
                Some(600.0),
            )
            .iter()
            .map(|c| c.source)
            .collect::<Vec<_>>()
        };
        assert_eq!(
            sources(&[0.0, 60.0], &[0.0, 1.0], &[0.0, 2.0], &[0.0, 3.0]),
            [Podcast; 2]
        );
        // One chapter is not a list; chapters past the end do not count.
        assert_eq!(
            sources(&[0.0], &[0.0, 700.0], &[5.0, 0.0, 9.0], &[]),
            [Id3; 3]
        );
        assert_eq!(sources(&[], &[], &[], &[0.0, 30.0]), [Notes; 2]);
        assert_eq!(
            sources(&[], &[10.0, 10.0], &[], &[]),
            Vec::<ChapterSource>::new()
        );
        // In time order, one per start.
        let merged = merge([from(Psc, &[300.0, 0.0, 300.0])], None);
        let starts: Vec<f64> = merged.iter().map(|c| c.start_secs).collect();
        assert_eq!(starts, [0.0, 300.0]);
    }

    #[test]
    fn the_json_fixture() {
        let chapters = parse_chapters(include_bytes!(
            "../../../tests/fixtures/chapters/chapters.json"
        ));
        let titles: Vec<&str> = chapters.iter().map(|c| c.title.as_str()).collect();
        assert_eq!(titles, ["Intro", "How did Dynamo lose its DNS?", "Wrap-up"]);
        assert_eq!(chapters[1].url.as_deref(), Some("https://example.com/dns"));
        assert_eq!(
            read_json_chapters(b"<!DOCTYPE html><html></html>"),
            Err("a web page, not a chapters document".to_string())
        );
    }

    #[test]
    fn garbage_means_no_chapters() {
        assert!(parse_chapters(b"<html>not json</html>").is_empty());
        assert!(parse_chapters(b"{}").is_empty());
        assert!(parse_chapters(b"").is_empty());
    }
}
