//! `episodes` and `search`: reading the library.

use std::fmt;

use earshot_core::{Core, Episode, EpisodeHit, EpisodeId, SearchResults, ShowId, UnixTime};
use serde::Serialize;

use super::find_show;
use crate::Fatal;
use crate::report::{Report, clock, serialize_rfc3339};

/// How many shows and how many episodes `search` lists at most.
const SEARCH_LIMIT: u32 = 50;

/// `episodes`: `show`'s episodes, newest first.
pub async fn episodes(core: &Core, show: &str) -> Result<EpisodesReport, Fatal> {
    let id = find_show(core, show).await?;
    let page = core.show_page(id).await?;
    Ok(EpisodesReport(
        page.episodes.into_iter().map(ListedEpisode::from).collect(),
    ))
}

/// A JSON array of episodes, a line each as text.
#[derive(Debug, Serialize)]
#[serde(transparent)]
pub struct EpisodesReport(pub Vec<ListedEpisode>);

impl Report for EpisodesReport {}

impl fmt::Display for EpisodesReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for episode in &self.0 {
            writeln!(f, "{episode}")?;
        }
        Ok(())
    }
}

/// An episode as `episodes` shows it (the CLI's own keys, not the app's `Episode`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ListedEpisode {
    pub id: EpisodeId,
    pub guid: String,
    pub title: String,
    #[serde(serialize_with = "serialize_rfc3339")]
    pub published: Option<UnixTime>,
    pub duration_secs: Option<f64>,
    pub enclosure_url: Option<String>,
    pub enclosure_type: Option<String>,
    pub enclosure_length: Option<i64>,
    pub played: bool,
    pub position_secs: f64,
}

impl From<Episode> for ListedEpisode {
    fn from(e: Episode) -> Self {
        ListedEpisode {
            id: e.id,
            guid: e.guid,
            title: e.title,
            published: e.published_at,
            duration_secs: e.duration_secs,
            enclosure_url: e.enclosure_url,
            enclosure_type: e.enclosure_type,
            enclosure_length: e.enclosure_length,
            played: e.progress.played,
            position_secs: e.progress.position_secs,
        }
    }
}

impl fmt::Display for ListedEpisode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let date = self
            .published
            .and_then(|t| chrono::DateTime::from_timestamp(t, 0))
            .map(|d| d.format("%Y-%m-%d").to_string())
            .unwrap_or_else(|| "          ".into());
        let length = self.duration_secs.map(clock).unwrap_or_default();
        let played = if self.played { "✓" } else { " " };
        write!(
            f,
            "{:>7}  {date}  {length:>8}  {played} {}",
            self.id.0, self.title
        )
    }
}

/// `search`: shows and episodes whose titles or show notes have every word of `words`.
pub async fn search(core: &Core, words: &[String]) -> Result<SearchReport, Fatal> {
    Ok(SearchReport(
        core.search(&words.join(" "), SEARCH_LIMIT).await?,
    ))
}

/// The core's results: `{ shows: [..], episodes: [..] }`, the keys as the app's (camelCase),
/// and an episode found in its transcript with `transcript_secs` (where the matching sentence
/// starts) and `transcript_text` (the sentence), as the issue that added them names them.
#[derive(Debug)]
pub struct SearchReport(pub SearchResults);

impl Serialize for SearchReport {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Results<'a> {
            shows: &'a [earshot_core::ShowHit],
            episodes: Vec<Hit<'a>>,
        }
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Hit<'a> {
            id: EpisodeId,
            show_id: ShowId,
            show_title: &'a str,
            title: &'a str,
            published_at: Option<UnixTime>,
            duration_secs: Option<f64>,
            #[serde(rename = "transcript_secs")]
            transcript_secs: Option<f64>,
            #[serde(rename = "transcript_text")]
            transcript_text: Option<&'a str>,
        }
        fn hit(h: &EpisodeHit) -> Hit<'_> {
            Hit {
                id: h.id,
                show_id: h.show_id,
                show_title: &h.show_title,
                title: &h.title,
                published_at: h.published_at,
                duration_secs: h.duration_secs,
                transcript_secs: h.transcript_secs,
                transcript_text: h.transcript_text.as_deref(),
            }
        }
        Results {
            shows: &self.0.shows,
            episodes: self.0.episodes.iter().map(hit).collect(),
        }
        .serialize(serializer)
    }
}

impl Report for SearchReport {
    fn remarks(&self) -> Vec<String> {
        if self.0.shows.is_empty() && self.0.episodes.is_empty() {
            vec!["Nothing found".into()]
        } else {
            Vec::new()
        }
    }
}

impl fmt::Display for SearchReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for show in &self.0.shows {
            writeln!(f, "show    {:>7}  {}", show.id.0, show.title)?;
        }
        for episode in &self.0.episodes {
            writeln!(
                f,
                "episode {:>7}  {} — {}",
                episode.id.0, episode.show_title, episode.title
            )?;
            if let (Some(secs), Some(text)) = (episode.transcript_secs, &episode.transcript_text) {
                writeln!(f, "        {:>8}  “{text}”", clock(secs))?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn episode(published: Option<UnixTime>, played: bool) -> ListedEpisode {
        ListedEpisode {
            id: EpisodeId(42),
            guid: "g".into(),
            title: "Cost of fsync".into(),
            published,
            duration_secs: Some(1880.0),
            enclosure_url: None,
            enclosure_type: None,
            enclosure_length: None,
            played,
            position_secs: 0.0,
        }
    }

    #[test]
    fn an_episode_line_has_its_date_length_and_played_mark() {
        assert_eq!(
            episode(Some(0), true).to_string(),
            "     42  1970-01-01     31:20  ✓ Cost of fsync"
        );
        assert_eq!(
            episode(None, false).to_string(),
            "     42                 31:20    Cost of fsync"
        );
    }

    #[test]
    fn an_empty_search_says_so_on_stderr() {
        let report = SearchReport(SearchResults::default());
        assert_eq!(report.to_string(), "");
        assert_eq!(report.remarks(), ["Nothing found"]);
    }
}
