//! The chapters kept per episode and source (`episode_chapters`): what each source gave when it
//! was last read, from which address, and why it failed if it did. Merging them is the
//! `chapters` module's business; this only keeps them.

use sqlx::Row;

use super::Library;
use crate::chapters::Chapter;
use crate::error::Result;
use crate::model::{EpisodeId, UnixTime};

/// Where a kept chapter list was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChapterOrigin {
    /// The episode's `podcast:chapters` document.
    Podcast,
    /// Podlove Simple Chapters in the feed item.
    Psc,
    /// The audio's tag (ID3 or MP4 chapters).
    Audio,
}

impl ChapterOrigin {
    pub fn as_str(self) -> &'static str {
        match self {
            ChapterOrigin::Podcast => "podcast",
            ChapterOrigin::Psc => "psc",
            ChapterOrigin::Audio => "audio",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        match text {
            "podcast" => Some(ChapterOrigin::Podcast),
            "psc" => Some(ChapterOrigin::Psc),
            "audio" => Some(ChapterOrigin::Audio),
            _ => None,
        }
    }
}

/// One source's chapters as kept.
#[derive(Debug, Clone, PartialEq)]
pub struct KeptChapters {
    pub origin: ChapterOrigin,
    /// The address they were read from (the feed's, for Podlove chapters).
    pub url: String,
    pub chapters: Vec<Chapter>,
    /// When it was read (or tried).
    pub fetched_at: UnixTime,
    /// Why the read failed; None when it worked (with or without chapters).
    pub error: Option<String>,
}

impl Library {
    /// Every source's chapters kept for `episode`.
    pub async fn kept_chapters(&self, episode: EpisodeId) -> Result<Vec<KeptChapters>> {
        let rows = sqlx::query(
            "SELECT source, url, chapters_json, fetched_at, error FROM episode_chapters \
             WHERE episode_id = ?",
        )
        .bind(episode.0)
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .filter_map(|row| {
                Some(KeptChapters {
                    origin: ChapterOrigin::parse(row.get::<&str, _>(0))?,
                    url: row.get(1),
                    chapters: serde_json::from_str(row.get::<&str, _>(2)).unwrap_or_default(),
                    fetched_at: row.get(3),
                    error: row.get(4),
                })
            })
            .collect())
    }

    /// Keeps what reading `origin` at `url` gave `episode` (replacing what was kept before);
    /// `error` says why it failed.
    pub async fn keep_chapters(
        &self,
        episode: EpisodeId,
        origin: ChapterOrigin,
        url: &str,
        chapters: &[Chapter],
        error: Option<&str>,
        now: UnixTime,
    ) -> Result<()> {
        let json = serde_json::to_string(chapters).unwrap_or_else(|_| "[]".to_string());
        // The episode may have gone (unsubscribed) while its chapters were read: nothing to keep.
        sqlx::query(
            "INSERT INTO episode_chapters (episode_id, source, url, chapters_json, fetched_at, error) \
             SELECT ?1, ?2, ?3, ?4, ?5, ?6 WHERE EXISTS (SELECT 1 FROM episodes WHERE id = ?1) \
             ON CONFLICT (episode_id, source) DO UPDATE SET url = excluded.url, \
                 chapters_json = excluded.chapters_json, fetched_at = excluded.fetched_at, \
                 error = excluded.error",
        )
        .bind(episode.0)
        .bind(origin.as_str())
        .bind(url)
        .bind(json)
        .bind(now)
        .bind(error)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Keeps Podlove Simple Chapters read from the feed as the episode's `psc` source (from
    /// the feed at `feed_url`), or forgets them when the item has none any more.
    pub async fn keep_feed_chapters(
        &self,
        episode: EpisodeId,
        feed_url: &str,
        chapters: &[Chapter],
        now: UnixTime,
    ) -> Result<()> {
        let mut connection = self.pool().acquire().await?;
        store_feed_chapters(&mut connection, episode.0, feed_url, chapters, now).await
    }
}

/// [`Library::keep_feed_chapters`] inside a feed's own transaction: `store_feed` calls it for
/// each episode it writes that has Podlove chapters in the feed (`ParsedEpisode::psc_chapters`),
/// or had them; an empty list forgets the kept ones.
pub(super) async fn store_feed_chapters(
    connection: &mut sqlx::SqliteConnection,
    episode: i64,
    feed_url: &str,
    chapters: &[Chapter],
    now: UnixTime,
) -> Result<()> {
    if chapters.is_empty() {
        sqlx::query("DELETE FROM episode_chapters WHERE episode_id = ? AND source = 'psc'")
            .bind(episode)
            .execute(&mut *connection)
            .await?;
        return Ok(());
    }
    let json = serde_json::to_string(chapters).unwrap_or_else(|_| "[]".to_string());
    sqlx::query(
        "INSERT INTO episode_chapters (episode_id, source, url, chapters_json, fetched_at, error) \
         VALUES (?1, 'psc', ?2, ?3, ?4, NULL) \
         ON CONFLICT (episode_id, source) DO UPDATE SET url = excluded.url, \
             chapters_json = excluded.chapters_json, fetched_at = excluded.fetched_at, error = NULL",
    )
    .bind(episode)
    .bind(feed_url)
    .bind(json)
    .bind(now)
    .execute(&mut *connection)
    .await?;
    Ok(())
}
