//! The episode search index: FTS5 in its own file (`earshot-search.db`, attached to every
//! connection as `search`), filled from `search_backlog` by one indexer at a time. Storing a feed
//! only lists its changed episodes in the backlog; the indexer turns them into index entries in
//! large transactions on the search file, which SQLite lets it write while another connection
//! writes the library. The index is derived data: if its file is lost, it is rebuilt.
//!
//! Crash safety: batches are committed to the search file first and removed from the backlog
//! after. A crash in between leaves them in the backlog; every batch removes from the index the
//! rows it already holds (which its `_docsize` table tells) before adding them, so nothing is
//! indexed twice, and rows it never held cost no deletion.
//!
//! Speed: the indexer is the one serial step of a large first refresh. It indexes thousands of
//! episodes per transaction with a 4 MB term buffer (`hashsize`), so few, large segments are
//! written and merged; and it is handed each episode's words already stripped of markup (see
//! `prepare`, which runs beside the parser), so it neither reads notes back nor unpacks them.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::PoisonError;

use sqlx::Row;

use super::Library;
use super::prepare::Unpacker;
use crate::error::Result;
use crate::feed::plain_text;

/// Episodes indexed per transaction, all in one INSERT (3 values each, within SQLite's 32,766
/// bound values). FTS5 writes its term buffer out as a new segment at the start of every statement
/// that adds many rows inside a transaction (a statement savepoint), so statements of a few
/// hundred rows each would make small segments, and much merging, whatever `hashsize` says.
const INDEX_BATCH: i64 = 2_000;
const _: () = assert!(3 * INDEX_BATCH <= 32_766);

/// Words handed over in memory are capped at this many bytes; past it, the indexer reads the
/// episodes from the library instead (as after a restart).
const FRESH_LIMIT: usize = 12 * 1024 * 1024;

/// Words of episodes just stored, by episode id, so the indexer need not read their notes back
/// from the library, unpack them and strip their markup on its one thread. Each entry names the
/// content it was made from, and is used only while the episode still has that content.
#[derive(Debug, Default)]
pub(crate) struct FreshWords {
    entries: HashMap<i64, Fresh>,
    bytes: usize,
    /// Told whenever the indexer takes words.
    taken: std::sync::Arc<tokio::sync::Notify>,
}

#[derive(Debug)]
struct Fresh {
    sha256: String,
    title: String,
    words: String,
}

impl FreshWords {
    fn take(&mut self, id: i64) -> Option<Fresh> {
        let fresh = self.entries.remove(&id)?;
        self.bytes -= fresh.size();
        self.taken.notify_waiters();
        Some(fresh)
    }
}

impl Fresh {
    fn size(&self) -> usize {
        self.sha256.len() + self.title.len() + self.words.len()
    }
}

/// The index's in-memory term buffer: flushed to a new segment when it grows past this.
const HASH_SIZE: i64 = 4 * 1024 * 1024;

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
            let hash_size: Option<i64> =
                sqlx::query_scalar("SELECT v FROM search.episodes_fts_config WHERE k = 'hashsize'")
                    .fetch_optional(self.pool())
                    .await?;
            if hash_size != Some(HASH_SIZE) {
                self.set_hash_size().await?;
            }
            return Ok(());
        }
        let _turn = self.writer.lock().await;
        sqlx::query("PRAGMA search.journal_mode = WAL")
            .execute(self.pool())
            .await?;
        // Queue every episode first: a crash before the index exists only repeats this.
        let mut tx = self.pool().begin().await?;
        sqlx::query(
            "INSERT INTO search_backlog (episode_id) SELECT id FROM episodes \
             WHERE true ON CONFLICT (episode_id) DO NOTHING",
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
        self.set_hash_size().await
    }

    async fn set_hash_size(&self) -> Result<()> {
        sqlx::query("INSERT INTO search.episodes_fts (episodes_fts, rank) VALUES ('hashsize', ?)")
            .bind(HASH_SIZE)
            .execute(self.pool())
            .await?;
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
        let _turn = self.indexer.lock().await;
        self.remove_deleted().await?;
        let mut indexed = 0;
        // Read forward from the last id indexed in this call.
        let mut after = 0i64;
        let mut seen: Vec<(i64, Option<String>)> = Vec::new();
        loop {
            let rows: Vec<(i64, Option<String>)> = sqlx::query_as(
                "SELECT b.episode_id, e.content_sha256 \
                 FROM search_backlog b JOIN episodes e ON e.id = b.episode_id \
                 WHERE b.episode_id > ? ORDER BY b.episode_id LIMIT ?",
            )
            .bind(after)
            .bind(INDEX_BATCH)
            .fetch_all(self.pool())
            .await?;
            let Some((last, ..)) = rows.last() else {
                break;
            };
            let started = std::time::Instant::now();
            after = *last;
            let replace = self.indexed_already(rows.iter().map(|(id, _)| *id)).await?;
            let mut documents = Vec::with_capacity(rows.len());
            let mut unknown = Vec::new();
            {
                let mut fresh = self.fresh.lock().unwrap_or_else(PoisonError::into_inner);
                for (id, sha256) in rows {
                    match fresh.take(id) {
                        Some(words) if Some(&words.sha256) == sha256.as_ref() => {
                            documents.push((id, words.title, words.words));
                        }
                        _ => unknown.push(id),
                    }
                    seen.push((id, sha256));
                }
            }
            for ids in unknown.chunks(1000) {
                let mut select = with_ids(
                    "SELECT id, title, notes, notes_raw FROM episodes WHERE id IN (",
                    ids,
                );
                let mut unpacker = Unpacker::new();
                for row in select.build().fetch_all(self.pool()).await? {
                    let notes = unpacker.unpack(row.get::<Option<&[u8]>, _>(2), row.get(3));
                    documents.push((row.get(0), row.get(1), plain_text(&notes)));
                }
            }
            let mut tx = self.pool().begin().await?;
            for ids in replace.chunks(1000) {
                with_ids("DELETE FROM search.episodes_fts WHERE rowid IN (", ids)
                    .build()
                    .execute(&mut *tx)
                    .await?;
            }
            let count = documents.len();
            if count > 0 {
                let mut insert = sqlx::QueryBuilder::new(
                    "INSERT INTO search.episodes_fts (rowid, title, notes) ",
                );
                // The words are moved into the statement, not copied.
                insert.push_values(documents, |mut row, (id, title, notes)| {
                    row.push_bind(id).push_bind(title).push_bind(notes);
                });
                insert.build().execute(&mut *tx).await?;
            }
            tx.commit().await?;
            tracing::debug!(
                secs = started.elapsed().as_secs_f64(),
                replaced = replace.len(),
                documents = count,
                from_library = unknown.len(),
                "indexed"
            );
            indexed += count as u64;
            // Off the backlog now if the writer is free, else later: the indexer never waits
            // behind feeds queued to be stored, and little is left to clear at the end.
            if let Ok(mut writer) = self.writer.try_lock() {
                clear_backlog(&mut writer, &seen).await?;
                seen.clear();
            }
        }
        if indexed == 0 && seen.is_empty() {
            self.forget_fresh_words();
            return Ok(0);
        }
        if !seen.is_empty() {
            let mut writer = self.writer.lock().await;
            clear_backlog(&mut writer, &seen).await?;
        }
        Ok(indexed)
    }

    /// Waits, in a refresh of many feeds, while the indexer is more than half its room behind:
    /// then feeds are parsed no faster than they are indexed, and the cores go to the indexer,
    /// instead of all the indexing being left for the end with one core to do it. Never waits
    /// long: with no indexer running (it stopped on an error), a second is all it costs.
    pub async fn keep_pace(&self) {
        loop {
            let taken = {
                let fresh = self.fresh.lock().unwrap_or_else(PoisonError::into_inner);
                if fresh.bytes <= FRESH_LIMIT / 2 {
                    return;
                }
                fresh.taken.clone()
            };
            let notified = taken.notified();
            // Looked at again before waiting, so a take in between is not missed.
            if self
                .fresh
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .bytes
                <= FRESH_LIMIT / 2
            {
                return;
            }
            if tokio::time::timeout(std::time::Duration::from_secs(1), notified)
                .await
                .is_err()
            {
                return;
            }
        }
    }

    /// Which of `ids` the index holds already.
    async fn indexed_already(&self, ids: impl Iterator<Item = i64>) -> Result<Vec<i64>> {
        let ids: Vec<i64> = ids.collect();
        let mut found = Vec::new();
        for chunk in ids.chunks(1000) {
            let mut select = with_ids(
                "SELECT id FROM search.episodes_fts_docsize WHERE id IN (",
                chunk,
            );
            found.extend(
                select
                    .build_query_scalar::<i64>()
                    .fetch_all(self.pool())
                    .await?,
            );
        }
        Ok(found)
    }

    /// Hands the words of episodes just stored to the indexer, while there is room.
    pub(super) fn offer_fresh_words<'a>(
        &self,
        episodes: impl Iterator<Item = (i64, &'a String, &'a String, &'a String)>,
    ) {
        let mut fresh = self.fresh.lock().unwrap_or_else(PoisonError::into_inner);
        for (id, sha256, title, words) in episodes {
            let size = sha256.len() + title.len() + words.len();
            if fresh.bytes + size > FRESH_LIMIT {
                return;
            }
            fresh.bytes += size;
            let old = fresh.entries.insert(
                id,
                Fresh {
                    sha256: sha256.clone(),
                    title: title.clone(),
                    words: words.clone(),
                },
            );
            if let Some(old) = old {
                fresh.bytes -= old.size();
            }
        }
    }

    /// With nothing waiting to be indexed, drops words nobody will ask for (episodes removed, or
    /// indexed from the library, before their words were taken), once they fill half the room.
    /// Words offered for a feed whose transaction is still open may go too: those episodes are
    /// then read from the library.
    fn forget_fresh_words(&self) {
        let mut fresh = self.fresh.lock().unwrap_or_else(PoisonError::into_inner);
        if fresh.bytes > FRESH_LIMIT / 2 {
            fresh.entries = HashMap::new();
            fresh.bytes = 0;
            fresh.taken.notify_waiters();
        }
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
            with_ids("DELETE FROM search.episodes_fts WHERE rowid IN (", &ids)
                .build()
                .execute(self.pool())
                .await?;
            let _turn = self.writer.lock().await;
            with_ids("DELETE FROM search_removed WHERE episode_id IN (", &ids)
                .build()
                .execute(self.pool())
                .await?;
        }
    }
}

/// `sql` (ending in `IN (`) with `ids` bound as its list, and the closing parenthesis.
fn with_ids<'a>(sql: &str, ids: &[i64]) -> sqlx::QueryBuilder<'a, sqlx::Sqlite> {
    let mut query = sqlx::QueryBuilder::new(sql);
    let mut list = query.separated(", ");
    for id in ids {
        list.push_bind(*id);
    }
    query.push(")");
    query
}

/// Takes indexed episodes off the backlog, unless an episode changed again meanwhile: then it
/// stays, to be replaced with its new words next time.
async fn clear_backlog(
    writer: &mut sqlx::SqliteConnection,
    seen: &[(i64, Option<String>)],
) -> Result<()> {
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
    }
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(bytes: usize) -> String {
        "word ".repeat(bytes / 5)
    }

    /// A new library, and a digest and title to offer words with.
    async fn library() -> (tempfile::TempDir, Library, String, String) {
        let dir = tempfile::tempdir().expect("temp dir");
        let library = Library::open(&dir.path().join("earshot.db"))
            .await
            .expect("opens");
        (dir, library, "digest".to_string(), "title".to_string())
    }

    #[tokio::test]
    async fn feeds_keep_pace_with_the_indexer_but_never_wait_for_one_that_is_not_there() {
        let (_dir, library, sha, title) = library().await;
        // The clock stands still unless nothing else can happen: waits are measured exactly.
        tokio::time::pause();
        // Room to spare: no wait.
        let small = words(1024);
        library.offer_fresh_words([(1, &sha, &title, &small)].into_iter());
        library.keep_pace().await;

        // Over half the room, and nobody indexing: a second's wait (of the paused clock), no more.
        let big = words(FRESH_LIMIT / 2);
        library.offer_fresh_words([(2, &sha, &title, &big)].into_iter());
        let started = tokio::time::Instant::now();
        library.keep_pace().await;
        let waited = started.elapsed();
        assert!(
            waited >= std::time::Duration::from_secs(1)
                && waited < std::time::Duration::from_secs(2),
            "{waited:?}"
        );

        // The indexer taking the words lets a waiting feed go on at once.
        let waiting = {
            let library = library.clone();
            tokio::spawn(async move {
                let started = tokio::time::Instant::now();
                library.keep_pace().await;
                started.elapsed()
            })
        };
        tokio::task::yield_now().await;
        let taken = library
            .fresh
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take(2);
        assert!(taken.is_some());
        assert!(waiting.await.expect("joined") < std::time::Duration::from_secs(1));
    }

    #[tokio::test]
    async fn words_beyond_the_room_are_left_for_the_indexer_to_read() {
        let (_dir, library, sha, title) = library().await;
        let big = words(FRESH_LIMIT - 100);
        let more = words(1000);
        library.offer_fresh_words([(1, &sha, &title, &big), (2, &sha, &title, &more)].into_iter());
        let mut fresh = library.fresh.lock().unwrap_or_else(PoisonError::into_inner);
        assert!(fresh.bytes <= FRESH_LIMIT);
        assert!(fresh.take(1).is_some());
        assert!(fresh.take(2).is_none(), "no room was left for it");
        assert_eq!(fresh.bytes, 0);
    }
}
