//! Chapters from an episode's `podcast:chapters` document (JSON Chapters: `{"version": "1.2.0",
//! "chapters": [{"startTime": 0, "title": "Intro", "url": "…"}, …]}`), fetched when the listener
//! opens the episode, not on refresh. A missing, broken or oversized document means no chapters,
//! never an error the listener has to deal with.

use serde::{Deserialize, Serialize};
use url::Url;

use crate::error::Result;
use crate::model::EpisodeId;
use crate::{Core, Error};

/// Chapter documents larger than this are ignored.
pub const CHAPTERS_LIMIT_BYTES: u64 = 1_000_000;

/// One chapter, as the player and the now-playing view use it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Chapter {
    pub start_secs: f64,
    pub title: String,
    /// A web page about the chapter, http(s) only.
    pub url: Option<String>,
    /// A picture for the chapter (http(s)), shown in place of the artwork while it plays.
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
pub fn parse_chapters(body: &[u8]) -> Vec<Chapter> {
    let Ok(document) = serde_json::from_slice::<Document>(body) else {
        return Vec::new();
    };
    let mut chapters: Vec<Chapter> = document
        .chapters
        .into_iter()
        .filter(|c| c.toc != Some(false))
        .filter_map(|c| {
            let start_secs = c.start_time.filter(|t| t.is_finite() && *t >= 0.0)?;
            let title = c
                .title
                .map(|t| t.trim().to_string())
                .filter(|t| !t.is_empty())?;
            let web =
                |u: &String| Url::parse(u).is_ok_and(|u| matches!(u.scheme(), "http" | "https"));
            Some(Chapter {
                start_secs,
                title,
                url: c.url.filter(web),
                image: c.img.filter(web),
                source: ChapterSource::Podcast,
            })
        })
        .collect();
    chapters.sort_by(|a, b| a.start_secs.total_cmp(&b.start_secs));
    chapters
}

impl Core {
    /// The episode's chapters, fetched from its `podcast:chapters` address; none when it has
    /// none or they cannot be read.
    pub async fn chapters(&self, id: EpisodeId) -> Result<Vec<Chapter>> {
        let episode = self.library.episode(id).await?;
        let Some(address) = episode.chapters_url else {
            return Ok(Vec::new());
        };
        let url = Url::parse(&address).map_err(|_| Error::InvalidUrl { input: address })?;
        match self.feeds.get(&url, CHAPTERS_LIMIT_BYTES).await {
            Ok(fetched) => Ok(parse_chapters(&fetched.body)),
            Err(error) => {
                tracing::warn!(episode = id.0, %error, "chapters not fetched");
                Ok(Vec::new())
            }
        }
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

    #[test]
    fn garbage_means_no_chapters() {
        assert!(parse_chapters(b"<html>not json</html>").is_empty());
        assert!(parse_chapters(b"{}").is_empty());
        assert!(parse_chapters(b"").is_empty());
    }
}
