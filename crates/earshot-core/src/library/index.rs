//! The episode search index: FTS5 in its own file (`earshot-search.db`, attached to every
//! connection as `search`), filled from `search_backlog` by one indexer at a time. Storing a feed
//! only lists its changed episodes in the backlog; the indexer turns them into index entries in
//! large transactions on the search file, which SQLite lets it write while another connection
//! writes the library. The index is derived data: if its file is lost, it is rebuilt.
//!
//! Crash safety: batches are committed to the search file first and removed from the backlog
//! after. A crash in between leaves them in the backlog, so until a run has completed since
//! opening, every batch removes its rows from the index before adding them, and nothing is
//! indexed twice.

use std::path::{Path, PathBuf};

use sqlx::Row;

use super::Library;
use crate::error::Result;
use crate::feed::plain_text;

/// Episodes indexed per transaction.
const INDEX_BATCH: i64 = 1_500;

/// Rows per INSERT into the index (3 values each).
const ROWS_PER_STATEMENT: usize = 300;

/// The indexer's memory between batches.
#[derive(Debug, Default)]
pub(crate) struct IndexerState {
    /// Whether a whole run has completed since the library was opened (after which the backlog
    /// holds nothing a crash may have half-done).
    resumed: bool,
}

/// `…/earshot.db` → `…/earshot-search.db`.
pub(crate) fn search_path(library: &Path) -> PathBuf {
    let stem = library
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "earshot".to_string());
    library.with_file_name(format!("{stem}-search.db"))
}

impl Library {
    /// Creates the index in the search file if it is not there (a new library, or a lost file),
    /// and then queues every episode for it.
    pub(crate) async fn prepare_search_index(&self) -> Result<()> {
        let exists: Option<String> =
            sqlx::query_scalar("SELECT name FROM search.sqlite_master WHERE name = 'episodes_fts'")
                .fetch_optional(self.pool())
                .await?;
        if exists.is_some() {
            return Ok(());
        }
        let _turn = self.writer.lock().await;
        sqlx::query("PRAGMA search.journal_mode = WAL")
            .execute(self.pool())
            .await?;
        // Queue every episode first: a crash before the index exists only repeats this.
        let mut tx = self.pool().begin().await?;
        sqlx::query(
            "INSERT INTO search_backlog (episode_id, reindex) SELECT id, 0 FROM episodes \
             WHERE true ON CONFLICT (episode_id) DO UPDATE SET reindex = 0",
        )
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM search_removed")
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        let mut tx = self.pool().begin().await?;
        // detail=column: which rows and columns hold a word, not where in them. Search matches
        // words, not phrases, so positions would never be read.
        sqlx::query(
            "CREATE VIRTUAL TABLE search.episodes_fts USING fts5(\
                 title, notes, content='', contentless_delete=1, detail=column, \
                 tokenize='unicode61 remove_diacritics 2')",
        )
        .execute(&mut *tx)
        .await?;
        // A title match is worth ten matches in the notes.
        sqlx::query(
            "INSERT INTO search.episodes_fts (episodes_fts, rank) VALUES ('rank', 'bm25(10.0, 1.0)')",
        )
        .execute(&mut *tx)
        .await?;
        // Merge segments sixteen at a time rather than four: far less rewriting while a large
        // library is indexed, at the cost of a few more segments for a query to read.
        sqlx::query(
            "INSERT INTO search.episodes_fts (episodes_fts, rank) VALUES ('automerge', 16)",
        )
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Whether episodes are waiting for the search index.
    pub async fn has_backlog(&self) -> Result<bool> {
        let waiting: Option<i64> = sqlx::query_scalar(
            "SELECT episode_id FROM search_backlog UNION ALL \
             SELECT episode_id FROM search_removed LIMIT 1",
        )
        .fetch_optional(self.pool())
        .await?;
        Ok(waiting.is_some())
    }

    /// Brings the search index up to date: removes deleted episodes and adds (or replaces) the
    /// ones in the backlog. Returns how many episodes were indexed.
    pub async fn index_backlog(&self) -> Result<u64> {
        let mut state = self.indexer.lock().await;
        self.remove_deleted().await?;
        let mut indexed = 0;
        // Read forward from the last id indexed in this call; the backlog is cleared once, at
        // the end, so the indexer never queues behind feeds waiting to be stored.
        let mut after = 0i64;
        let mut seen: Vec<(i64, Option<String>)> = Vec::new();
        loop {
            let rows = sqlx::query(
                "SELECT e.id, e.title, e.notes_raw, b.reindex, e.content_sha256 \
                 FROM search_backlog b JOIN episodes e ON e.id = b.episode_id \
                 WHERE b.episode_id > ? ORDER BY b.episode_id LIMIT ?",
            )
            .bind(after)
            .bind(INDEX_BATCH)
            .fetch_all(self.pool())
            .await?;
            if rows.is_empty() {
                break;
            }
            let mut replace = Vec::new();
            let mut documents = Vec::with_capacity(rows.len());
            for row in &rows {
                let id: i64 = row.get(0);
                let notes: String = row.get(2);
                let reindex: bool = row.get(3);
                if reindex || !state.resumed {
                    replace.push(id);
                }
                documents.push((id, row.get::<String, _>(1), plain_text(&notes)));
                seen.push((id, row.get::<Option<String>, _>(4)));
                after = id;
            }
            let mut tx = self.pool().begin().await?;
            for ids in replace.chunks(1000) {
                let mut delete =
                    sqlx::QueryBuilder::new("DELETE FROM search.episodes_fts WHERE rowid IN (");
                let mut list = delete.separated(", ");
                for id in ids {
                    list.push_bind(*id);
                }
                delete.push(")");
                delete.build().execute(&mut *tx).await?;
            }
            for chunk in documents.chunks(ROWS_PER_STATEMENT) {
                let mut insert = sqlx::QueryBuilder::new(
                    "INSERT INTO search.episodes_fts (rowid, title, notes) ",
                );
                insert.push_values(chunk, |mut row, (id, title, notes)| {
                    row.push_bind(*id).push_bind(title).push_bind(notes);
                });
                insert.build().execute(&mut *tx).await?;
            }
            tx.commit().await?;
            indexed += documents.len() as u64;
        }
        if seen.is_empty() {
            return Ok(0);
        }
        // Off the backlog, unless the episode changed again meanwhile: then it stays, to be
        // replaced with its new words next time.
        let mut writer = self.writer.lock().await;
        let mut tx = sqlx::Connection::begin(&mut *writer).await?;
        for chunk in seen.chunks(1000) {
            let mut done = sqlx::QueryBuilder::new("WITH v(id, sha) AS (");
            done.push_values(chunk, |mut row, (id, sha)| {
                row.push_bind(*id).push_bind(sha.clone());
            });
            done.push(
                ") DELETE FROM search_backlog WHERE episode_id IN (SELECT v.id FROM v \
                 JOIN episodes e ON e.id = v.id AND e.content_sha256 IS v.sha)",
            );
            done.build().execute(&mut *tx).await?;
            let mut again = sqlx::QueryBuilder::new(
                "UPDATE search_backlog SET reindex = 1 WHERE episode_id IN (",
            );
            let mut list = again.separated(", ");
            for (id, _) in chunk {
                list.push_bind(*id);
            }
            again.push(")");
            again.build().execute(&mut *tx).await?;
        }
        tx.commit().await?;
        state.resumed = true;
        Ok(indexed)
    }

    /// Takes deleted episodes out of the index.
    async fn remove_deleted(&self) -> Result<()> {
        loop {
            let ids: Vec<i64> = sqlx::query_scalar(
                "SELECT episode_id FROM search_removed ORDER BY episode_id LIMIT 1000",
            )
            .fetch_all(self.pool())
            .await?;
            if ids.is_empty() {
                return Ok(());
            }
            let mut delete =
                sqlx::QueryBuilder::new("DELETE FROM search.episodes_fts WHERE rowid IN (");
            let mut list = delete.separated(", ");
            for id in &ids {
                list.push_bind(*id);
            }
            delete.push(")");
            delete.build().execute(self.pool()).await?;
            let _turn = self.writer.lock().await;
            let mut done =
                sqlx::QueryBuilder::new("DELETE FROM search_removed WHERE episode_id IN (");
            let mut list = done.separated(", ");
            for id in &ids {
                list.push_bind(*id);
            }
            done.push(")");
            done.build().execute(self.pool()).await?;
        }
    }
}
