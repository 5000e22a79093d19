//! The `downloads` table: what the listener wants on disk, how far each file got, and the
//! bookkeeping the retention and automatic-download rules read. Files are the download
//! module's business; this only records them.

use sqlx::Row;

use super::Library;
use crate::error::{Error, Result};
use crate::model::{
    Candidate, Download, DownloadState, EpisodeId, Held, Partial, ShowId, ShowUsage, UnixTime,
};

const DOWNLOAD_COLUMNS: &str = "d.episode_id, e.show_id, e.title AS episode_title, \
     s.title AS show_title, d.state, d.path, d.bytes_done, d.bytes_total, d.validator, d.error, \
     d.error_code, d.automatic, d.requested_at, d.completed_at";

/// What naming and fetching an episode's file needs.
#[derive(Debug, Clone)]
pub struct DownloadSource {
    pub show_id: ShowId,
    pub show_title: String,
    pub episode_title: String,
    pub enclosure_url: Option<String>,
    pub enclosure_type: Option<String>,
}

#[derive(sqlx::FromRow)]
struct DownloadRow {
    episode_id: i64,
    show_id: i64,
    episode_title: String,
    show_title: String,
    state: String,
    path: String,
    bytes_done: i64,
    bytes_total: Option<i64>,
    validator: Option<String>,
    error: Option<String>,
    error_code: Option<String>,
    automatic: bool,
    requested_at: i64,
    completed_at: Option<i64>,
}

impl From<DownloadRow> for Download {
    fn from(row: DownloadRow) -> Self {
        Download {
            episode_id: EpisodeId(row.episode_id),
            show_id: ShowId(row.show_id),
            episode_title: row.episode_title,
            show_title: row.show_title,
            state: DownloadState::parse(&row.state),
            path: row.path,
            bytes_done: u64::try_from(row.bytes_done).unwrap_or(0),
            bytes_total: row.bytes_total.and_then(|t| u64::try_from(t).ok()),
            validator: row.validator,
            error: row.error,
            error_code: row.error_code,
            automatic: row.automatic,
            requested_at: row.requested_at,
            completed_at: row.completed_at,
        }
    }
}

fn db_len(bytes: u64) -> i64 {
    i64::try_from(bytes).unwrap_or(i64::MAX)
}

impl Library {
    pub async fn download(&self, episode: EpisodeId) -> Result<Option<Download>> {
        let row: Option<DownloadRow> = sqlx::query_as(&format!(
            "SELECT {DOWNLOAD_COLUMNS} FROM downloads d JOIN episodes e ON e.id = d.episode_id \
             JOIN shows s ON s.id = e.show_id WHERE d.episode_id = ?"
        ))
        .bind(episode.0)
        .fetch_optional(self.pool())
        .await?;
        Ok(row.map(Download::from))
    }

    /// Every download except removed ones: unfinished ones first, in the order asked for,
    /// then finished ones, newest first.
    pub async fn downloads(&self) -> Result<Vec<Download>> {
        let rows: Vec<DownloadRow> = sqlx::query_as(&format!(
            "SELECT {DOWNLOAD_COLUMNS} FROM downloads d JOIN episodes e ON e.id = d.episode_id \
             JOIN shows s ON s.id = e.show_id WHERE d.state != 'removed' \
             ORDER BY d.state = 'done', \
                 CASE WHEN d.state = 'done' THEN -d.completed_at ELSE d.requested_at END, \
                 d.episode_id"
        ))
        .fetch_all(self.pool())
        .await?;
        Ok(rows.into_iter().map(Download::from).collect())
    }

    /// The episode's show and titles and its enclosure: what its file is named and fetched from.
    pub async fn download_source(&self, episode: EpisodeId) -> Result<DownloadSource> {
        let row = sqlx::query(
            "SELECT e.show_id, s.title, e.title, e.enclosure_url, e.enclosure_type \
             FROM episodes e JOIN shows s ON s.id = e.show_id WHERE e.id = ?",
        )
        .bind(episode.0)
        .fetch_optional(self.pool())
        .await?
        .ok_or_else(|| Error::not_found(episode.to_string()))?;
        Ok(DownloadSource {
            show_id: ShowId(row.get(0)),
            show_title: row.get(1),
            episode_title: row.get(2),
            enclosure_url: row.get(3),
            enclosure_type: row.get(4),
        })
    }

    /// Every path a download row holds, removed ones aside: names a new file must not take.
    pub async fn download_paths(&self) -> Result<Vec<String>> {
        Ok(
            sqlx::query_scalar("SELECT path FROM downloads WHERE state != 'removed'")
                .fetch_all(self.pool())
                .await?,
        )
    }

    /// Queues `episode` for download into `path` (a new row, or again after a pause, a failure
    /// or a removal, keeping a path already chosen). Returns the row as it now is.
    pub async fn queue_download(
        &self,
        episode: EpisodeId,
        path: &str,
        automatic: bool,
        now: UnixTime,
    ) -> Result<Download> {
        sqlx::query(
            "INSERT INTO downloads (episode_id, state, path, automatic, requested_at) \
             VALUES (?, 'queued', ?, ?, ?) \
             ON CONFLICT (episode_id) DO UPDATE SET state = 'queued', error = NULL, \
                 error_code = NULL, requested_at = excluded.requested_at, \
                 path = CASE WHEN downloads.state = 'removed' THEN excluded.path ELSE downloads.path END, \
                 automatic = CASE WHEN downloads.state = 'removed' THEN excluded.automatic ELSE downloads.automatic END \
             WHERE downloads.state IN ('paused', 'failed', 'removed', 'done')",
        )
        .bind(episode.0)
        .bind(path)
        .bind(automatic)
        .bind(now)
        .execute(self.pool())
        .await?;
        self.download(episode)
            .await?
            .ok_or_else(|| Error::not_found(episode.to_string()))
    }

    /// Queued downloads, oldest request first, skipping `running`.
    pub async fn queued_downloads(
        &self,
        running: &[EpisodeId],
        limit: usize,
    ) -> Result<Vec<EpisodeId>> {
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT episode_id FROM downloads WHERE state = 'queued' \
             ORDER BY requested_at, episode_id LIMIT ?",
        )
        .bind(i64::try_from(limit + running.len()).unwrap_or(i64::MAX))
        .fetch_all(self.pool())
        .await?;
        Ok(ids
            .into_iter()
            .map(EpisodeId)
            .filter(|id| !running.contains(id))
            .take(limit)
            .collect())
    }

    /// Downloads that were running when the app stopped go back in the queue.
    pub async fn requeue_interrupted_downloads(&self) -> Result<u64> {
        Ok(
            sqlx::query("UPDATE downloads SET state = 'queued' WHERE state = 'downloading'")
                .execute(self.pool())
                .await?
                .rows_affected(),
        )
    }

    pub async fn set_download_state(
        &self,
        episode: EpisodeId,
        state: DownloadState,
        bytes_done: Option<u64>,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE downloads SET state = ?, bytes_done = COALESCE(?, bytes_done), \
                 error = CASE WHEN ? = 'failed' THEN error END, \
                 error_code = CASE WHEN ? = 'failed' THEN error_code END \
             WHERE episode_id = ?",
        )
        .bind(state.as_str())
        .bind(bytes_done.map(db_len))
        .bind(state.as_str())
        .bind(state.as_str())
        .bind(episode.0)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// A response is about to be written: remember what it is a prefix of, for resuming.
    pub async fn download_started(
        &self,
        episode: EpisodeId,
        partial: &Partial,
        from: u64,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE downloads SET state = 'downloading', validator = ?, bytes_total = ?, \
                 bytes_done = ?, error = NULL, error_code = NULL WHERE episode_id = ?",
        )
        .bind(&partial.validator)
        .bind(partial.total.map(db_len))
        .bind(db_len(from))
        .bind(episode.0)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    pub async fn download_done(&self, episode: EpisodeId, bytes: u64, now: UnixTime) -> Result<()> {
        sqlx::query(
            "UPDATE downloads SET state = 'done', bytes_done = ?, bytes_total = ?, \
                 completed_at = ?, error = NULL, error_code = NULL WHERE episode_id = ?",
        )
        .bind(db_len(bytes))
        .bind(db_len(bytes))
        .bind(now)
        .bind(episode.0)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    pub async fn download_failed(
        &self,
        episode: EpisodeId,
        bytes_done: u64,
        error: &Error,
    ) -> Result<()> {
        let code = serde_json::to_value(error.code())
            .ok()
            .and_then(|v| v.as_str().map(str::to_string));
        sqlx::query(
            "UPDATE downloads SET state = 'failed', bytes_done = ?, error = ?, error_code = ? \
             WHERE episode_id = ?",
        )
        .bind(db_len(bytes_done))
        .bind(error.to_string())
        .bind(code)
        .bind(episode.0)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Forgets a download entirely (cancelled before it finished).
    pub async fn forget_download(&self, episode: EpisodeId) -> Result<()> {
        sqlx::query("DELETE FROM downloads WHERE episode_id = ?")
            .bind(episode.0)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// The file is gone; the row stays so automatic downloads do not fetch it again.
    pub async fn download_removed(&self, episode: EpisodeId) -> Result<()> {
        sqlx::query(
            "UPDATE downloads SET state = 'removed', bytes_done = 0, validator = NULL, \
                 completed_at = NULL WHERE episode_id = ?",
        )
        .bind(episode.0)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Finished downloads as the retention rules see them.
    pub async fn held_downloads(&self) -> Result<Vec<Held>> {
        let rows = sqlx::query(
            "SELECT d.episode_id, d.bytes_done, CASE WHEN p.played = 1 THEN COALESCE(p.played_at, p.updated_at) END, \
                 COALESCE(d.completed_at, d.requested_at), d.automatic \
             FROM downloads d LEFT JOIN playback p ON p.episode_id = d.episode_id \
             WHERE d.state = 'done'",
        )
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(|row| Held {
                episode: EpisodeId(row.get(0)),
                bytes: u64::try_from(row.get::<i64, _>(1)).unwrap_or(0),
                played_at: row.get(2),
                completed_at: row.get(3),
                automatic: row.get(4),
            })
            .collect())
    }

    /// Each show that keeps episodes downloaded automatically, how many, and its episodes.
    pub async fn auto_download_candidates(&self) -> Result<Vec<(ShowId, u32, Vec<Candidate>)>> {
        let shows = sqlx::query("SELECT id, auto_download FROM shows WHERE auto_download > 0")
            .fetch_all(self.pool())
            .await?;
        let mut out = Vec::with_capacity(shows.len());
        for show in shows {
            let id: i64 = show.get(0);
            let newest: i64 = show.get(1);
            let rows = sqlx::query(
                "SELECT e.id, e.published_at, COALESCE(p.played, 0), d.episode_id IS NOT NULL \
                 FROM episodes e LEFT JOIN playback p ON p.episode_id = e.id \
                 LEFT JOIN downloads d ON d.episode_id = e.id \
                 WHERE e.show_id = ? AND e.enclosure_url IS NOT NULL",
            )
            .bind(id)
            .fetch_all(self.pool())
            .await?;
            let candidates = rows
                .into_iter()
                .map(|row| Candidate {
                    episode: EpisodeId(row.get(0)),
                    published_at: row.get(1),
                    played: row.get(2),
                    known: row.get(3),
                })
                .collect();
            out.push((ShowId(id), u32::try_from(newest).unwrap_or(0), candidates));
        }
        Ok(out)
    }

    /// Keep the `newest` newest unplayed episodes of `show` downloaded (0 turns it off).
    pub async fn set_auto_download(&self, show: ShowId, newest: u32) -> Result<()> {
        let updated = sqlx::query("UPDATE shows SET auto_download = ? WHERE id = ?")
            .bind(newest)
            .bind(show.0)
            .execute(self.pool())
            .await?;
        if updated.rows_affected() == 0 {
            return Err(Error::not_found(show.to_string()));
        }
        self.changes()
            .publish(crate::change::Change::ShowUpdated { show_id: show });
        Ok(())
    }

    pub async fn auto_download(&self, show: ShowId) -> Result<u32> {
        let newest: Option<i64> =
            sqlx::query_scalar("SELECT auto_download FROM shows WHERE id = ?")
                .bind(show.0)
                .fetch_optional(self.pool())
                .await?;
        newest
            .map(|n| u32::try_from(n).unwrap_or(0))
            .ok_or_else(|| Error::not_found(show.to_string()))
    }

    /// Space taken by finished downloads, per show, largest first.
    pub async fn download_usage(&self) -> Result<Vec<ShowUsage>> {
        let rows = sqlx::query(
            "SELECT e.show_id, s.title, SUM(d.bytes_done), COUNT(*) FROM downloads d \
             JOIN episodes e ON e.id = d.episode_id JOIN shows s ON s.id = e.show_id \
             WHERE d.state = 'done' GROUP BY e.show_id ORDER BY SUM(d.bytes_done) DESC",
        )
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(|row| ShowUsage {
                show_id: ShowId(row.get(0)),
                show_title: row.get(1),
                bytes: u64::try_from(row.get::<i64, _>(2)).unwrap_or(0),
                episodes: u32::try_from(row.get::<i64, _>(3)).unwrap_or(0),
            })
            .collect())
    }

    /// The files of a show's downloads (finished or partial), before it is unsubscribed.
    pub async fn show_download_paths(&self, show: ShowId) -> Result<Vec<String>> {
        Ok(sqlx::query_scalar(
            "SELECT d.path FROM downloads d JOIN episodes e ON e.id = d.episode_id \
             WHERE e.show_id = ? AND d.state != 'removed'",
        )
        .bind(show.0)
        .fetch_all(self.pool())
        .await?)
    }

    /// Episodes with this feed guid (one per show that lists it).
    pub async fn episodes_with_guid(&self, guid: &str) -> Result<Vec<EpisodeId>> {
        let ids: Vec<i64> =
            sqlx::query_scalar("SELECT id FROM episodes WHERE guid = ? ORDER BY id")
                .bind(guid)
                .fetch_all(self.pool())
                .await?;
        Ok(ids.into_iter().map(EpisodeId).collect())
    }
}
