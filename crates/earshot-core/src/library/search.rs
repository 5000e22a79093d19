//! Library search over the FTS5 index: shows by title, author and description; episodes by title
//! and show notes. Shows and episode titles are ranked by BM25; episodes found only in their
//! notes follow, most recently added first. Words are prefix-matched so results appear while the
//! listener is still typing.

use serde::{Deserialize, Serialize};
use sqlx::Row;

use super::Library;
use crate::error::Result;
use crate::model::{EpisodeId, ShowId, UnixTime};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ShowHit {
    pub id: ShowId,
    pub title: String,
    pub author: Option<String>,
    pub has_artwork: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct EpisodeHit {
    pub id: EpisodeId,
    pub show_id: ShowId,
    pub show_title: String,
    pub title: String,
    pub published_at: Option<UnixTime>,
    pub duration_secs: Option<f64>,
    /// Where the words are spoken, when they were found in the episode's transcript.
    pub transcript_secs: Option<f64>,
    /// The transcript's sentence that holds them.
    pub transcript_text: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct SearchResults {
    pub shows: Vec<ShowHit>,
    pub episodes: Vec<EpisodeHit>,
}

/// Turns what the listener typed into an FTS5 query: every word must appear (as a prefix, so
/// `ht` finds `HTTP`), and nothing typed can be read as FTS5 syntax.
pub(crate) fn match_expression(text: &str) -> Option<String> {
    let words: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(12)
        .map(|w| format!("\"{w}\"*"))
        .collect();
    (!words.is_empty()).then(|| words.join(" "))
}

impl Library {
    /// Shows and episodes matching `text`, best first, at most `limit` of each.
    pub async fn search(&self, text: &str, limit: u32) -> Result<SearchResults> {
        let Some(expression) = match_expression(text) else {
            return Ok(SearchResults::default());
        };
        // Episodes stored by a refresh that was interrupted before it finished indexing.
        if self.has_backlog().await? {
            self.index_backlog().await?;
        }
        let shows = sqlx::query(
            "SELECT s.id, s.title, s.author, s.artwork_cached FROM shows_fts \
             JOIN shows s ON s.id = shows_fts.rowid \
             WHERE shows_fts MATCH ?1 AND s.followed ORDER BY bm25(shows_fts, 10.0, 5.0, 1.0) LIMIT ?2",
        )
        .bind(&expression)
        .bind(limit)
        .fetch_all(self.pool())
        .await?
        .into_iter()
        .map(|row| ShowHit {
            id: ShowId(row.get(0)),
            title: row.get(1),
            author: row.get(2),
            has_artwork: row.get(3),
        })
        .collect();
        // Episodes: title matches ranked by BM25 (few, and the best answers), then notes
        // matches most recently added first. Ranking every notes match of a common word costs
        // time in proportion to the library; reading the latest ones stops after `limit`.
        let mut ids: Vec<i64> = sqlx::query_scalar(
            "SELECT rowid FROM search.episodes_fts WHERE episodes_fts MATCH ?1 \
             ORDER BY rank LIMIT ?2",
        )
        .bind(format!("{{title}} : ({expression})"))
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        if ids.len() < limit as usize {
            let more: Vec<i64> = sqlx::query_scalar(
                "SELECT rowid FROM search.episodes_fts WHERE episodes_fts MATCH ?1 \
                 ORDER BY rowid DESC LIMIT ?2",
            )
            .bind(&expression)
            .bind(limit)
            .fetch_all(self.pool())
            .await?;
            for id in more {
                if ids.len() >= limit as usize {
                    break;
                }
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
        }
        // Words only spoken: episodes whose kept transcripts hold them.
        let spoken = self.spoken(&expression, limit).await?;
        super::transcripts::make_room(&mut ids, &spoken, limit as usize);
        let mut episodes = Vec::with_capacity(ids.len());
        if !ids.is_empty() {
            let mut query = sqlx::QueryBuilder::new(
                "SELECT e.id, e.show_id, s.title, e.title, e.published_at, e.duration_secs \
                 FROM episodes e JOIN shows s ON s.id = e.show_id WHERE s.followed AND e.id IN (",
            );
            let mut list = query.separated(", ");
            for id in &ids {
                list.push_bind(*id);
            }
            query.push(")");
            let mut found: Vec<EpisodeHit> = query
                .build()
                .fetch_all(self.pool())
                .await?
                .into_iter()
                .map(|row| EpisodeHit {
                    id: EpisodeId(row.get(0)),
                    show_id: ShowId(row.get(1)),
                    show_title: row.get(2),
                    title: row.get(3),
                    published_at: row.get(4),
                    duration_secs: row.get(5),
                    transcript_secs: None,
                    transcript_text: None,
                })
                .collect();
            found.sort_by_key(|hit| ids.iter().position(|id| *id == hit.id.0));
            self.locate_spoken(&mut found, text, &spoken).await?;
            episodes = found;
        }
        Ok(SearchResults { shows, episodes })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_text_becomes_a_safe_prefix_query() {
        assert_eq!(
            match_expression("HTTP/2 cost").as_deref(),
            Some(r#""HTTP"* "2"* "cost"*"#)
        );
        assert_eq!(
            match_expression(r#"a" OR "b NEAR(x"#).as_deref(),
            Some(r#""a"* "OR"* "b"* "NEAR"* "x"*"#)
        );
        assert_eq!(match_expression("  -*() "), None);
        assert_eq!(match_expression("café").as_deref(), Some(r#""café"*"#));
    }
}
