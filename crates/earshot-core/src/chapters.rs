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
            let url = c
                .url
                .filter(|u| Url::parse(u).is_ok_and(|u| matches!(u.scheme(), "http" | "https")));
            Some(Chapter {
                start_secs,
                title,
                url,
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

    #[test]
    fn garbage_means_no_chapters() {
        assert!(parse_chapters(b"<html>not json</html>").is_empty());
        assert!(parse_chapters(b"{}").is_empty());
        assert!(parse_chapters(b"").is_empty());
    }
}
