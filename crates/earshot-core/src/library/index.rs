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
//! Speed: a refresh of many feeds does not wait for the index (see `Core::refresh_shows`): shows
//! and episodes are listed as soon as they are stored, and the indexer catches up afterwards,
//! when the cores are free of parsing. It indexes thousands of episodes per transaction with a
//! large term buffer (`hashsize`), so few, large segments are written and merged; it works out
//! the next batch's words (unpacking notes, stripping markup) on a blocking thread while SQLite
//! inserts the batch before; and notes of episodes stored just before are handed to it in memory,
//! so it need not read them back or unpack them. The index is handed each word of the notes once,
//! timecodes left out (see `distinct_words`): half the words to tokenize, the same index.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::PoisonError;

use sqlx::Row;

use super::Library;
use super::prepare::Unpacker;
use crate::error::{Error, Result};
use crate::feed::plain_text;

/// Episodes indexed per transaction, all in one INSERT (3 values each, within SQLite's 32,766
/// bound values). FTS5 writes its term buffer out as a new segment at the start of every statement
/// that adds many rows inside a transaction (a statement savepoint), so statements of a few
/// hundred rows each would make small segments, and much merging, whatever `hashsize` says.
const INDEX_BATCH: i64 = 2_000;
const _: () = assert!(3 * INDEX_BATCH <= 32_766);

/// Notes handed over in memory are capped at this many bytes; past it, the indexer reads the
/// episodes from the library instead (as after a restart).
const FRESH_LIMIT: usize = 12 * 1024 * 1024;

/// Notes of episodes just stored, by episode id, so the indexer need not read them back from the
/// library and unpack them. Each entry names the content it was made from, and is used only while
/// the episode still has that content.
#[derive(Debug, Default)]
pub(crate) struct FreshNotes {
    entries: HashMap<i64, Fresh>,
    bytes: usize,
}

#[derive(Debug)]
struct Fresh {
    sha256: String,
    title: String,
    notes: String,
}

impl FreshNotes {
    fn take(&mut self, id: i64) -> Option<Fresh> {
        let fresh = self.entries.remove(&id)?;
        self.bytes -= fresh.size();
        Some(fresh)
    }
}

impl Fresh {
    fn size(&self) -> usize {
        self.sha256.len() + self.title.len() + self.notes.len()
    }
}

/// An episode's notes as read for the index: from memory, or packed from the library.
enum Source {
    Fresh(String),
    Stored {
        packed: Option<Vec<u8>>,
        raw: String,
    },
}

/// The index's in-memory term buffer: flushed to a new segment when it grows past this. Large,
/// since indexing runs after a refresh's parsing, when that memory is free again.
const HASH_SIZE: i64 = 16 * 1024 * 1024;

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
    ///
    /// Batches overlap: while SQLite inserts one, the next one's words are worked out on a
    /// blocking thread.
    pub async fn index_backlog(&self) -> Result<u64> {
        let _turn = self.indexer.lock().await;
        self.remove_deleted().await?;
        let mut indexed = 0;
        // Read forward from the last id indexed in this call.
        let mut after = 0i64;
        let mut seen: Vec<(i64, Option<String>)> = Vec::new();
        let mut pending: Option<Batch> = None;
        loop {
            let next = self.read_batch(&mut after, &mut seen).await?;
            if let Some(batch) = pending.take() {
                indexed += self.insert_batch(batch, &mut seen).await?;
            }
            match next {
                Some(batch) => pending = Some(batch),
                None => break,
            }
        }
        if indexed == 0 && seen.is_empty() {
            self.forget_fresh_notes();
            return Ok(0);
        }
        if !seen.is_empty() {
            let mut writer = self.writer.lock().await;
            clear_backlog(&mut writer, &seen).await?;
        }
        Ok(indexed)
    }

    /// The next batch of the backlog after `after` (which it moves on), its words being worked
    /// out on a blocking thread; `None` when the backlog is done. Its episodes join `seen`.
    async fn read_batch(
        &self,
        after: &mut i64,
        seen: &mut Vec<(i64, Option<String>)>,
    ) -> Result<Option<Batch>> {
        let rows: Vec<(i64, Option<String>)> = sqlx::query_as(
            "SELECT b.episode_id, e.content_sha256 \
             FROM search_backlog b JOIN episodes e ON e.id = b.episode_id \
             WHERE b.episode_id > ? ORDER BY b.episode_id LIMIT ?",
        )
        .bind(*after)
        .bind(INDEX_BATCH)
        .fetch_all(self.pool())
        .await?;
        let Some((last, ..)) = rows.last() else {
            return Ok(None);
        };
        let started = std::time::Instant::now();
        *after = *last;
        let replace = self.indexed_already(rows.iter().map(|(id, _)| *id)).await?;
        let mut sources = Vec::with_capacity(rows.len());
        let mut unknown = Vec::new();
        {
            let mut fresh = self.fresh.lock().unwrap_or_else(PoisonError::into_inner);
            for (id, sha256) in rows {
                match fresh.take(id) {
                    Some(notes) if Some(&notes.sha256) == sha256.as_ref() => {
                        sources.push((id, notes.title, Source::Fresh(notes.notes)));
                    }
                    _ => unknown.push(id),
                }
                seen.push((id, sha256));
            }
        }
        let from_library = unknown.len();
        for ids in unknown.chunks(1000) {
            let mut select = with_ids(
                "SELECT id, title, notes, notes_raw FROM episodes WHERE id IN (",
                ids,
            );
            for row in select.build().fetch_all(self.pool()).await? {
                sources.push((
                    row.get(0),
                    row.get(1),
                    Source::Stored {
                        packed: row.get(2),
                        raw: row.get(3),
                    },
                ));
            }
        }
        let words = tokio::task::spawn_blocking(move || {
            let mut unpacker = Unpacker::new();
            sources
                .into_iter()
                .map(|(id, title, source)| {
                    let words = match source {
                        Source::Fresh(notes) => index_words(&notes),
                        Source::Stored { packed, raw } => {
                            index_words(&unpacker.unpack(packed.as_deref(), &raw))
                        }
                    };
                    (id, title, words)
                })
                .collect()
        });
        Ok(Some(Batch {
            replace,
            words,
            from_library,
            started,
        }))
    }

    /// Writes one batch into the index, in one transaction on the search file, then takes what
    /// `seen` holds off the backlog if the writer is free. Returns how many were indexed.
    async fn insert_batch(
        &self,
        batch: Batch,
        seen: &mut Vec<(i64, Option<String>)>,
    ) -> Result<u64> {
        let documents: Vec<(i64, String, String)> = batch.words.await.map_err(|error| {
            Error::Io(std::io::Error::other(format!(
                "the search index's words were not worked out: {error}"
            )))
        })?;
        let mut tx = self.pool().begin().await?;
        for ids in batch.replace.chunks(1000) {
            with_ids("DELETE FROM search.episodes_fts WHERE rowid IN (", ids)
                .build()
                .execute(&mut *tx)
                .await?;
        }
        let count = documents.len();
        if count > 0 {
            let mut insert =
                sqlx::QueryBuilder::new("INSERT INTO search.episodes_fts (rowid, title, notes) ");
            // The words are moved into the statement, not copied.
            insert.push_values(documents, |mut row, (id, title, notes)| {
                row.push_bind(id).push_bind(title).push_bind(notes);
            });
            insert.build().execute(&mut *tx).await?;
        }
        tx.commit().await?;
        tracing::debug!(
            secs = batch.started.elapsed().as_secs_f64(),
            replaced = batch.replace.len(),
            documents = count,
            from_library = batch.from_library,
            "indexed"
        );
        // Off the backlog now if the writer is free, else later: the indexer never waits
        // behind feeds queued to be stored, and little is left to clear at the end.
        if let Ok(mut writer) = self.writer.try_lock() {
            clear_backlog(&mut writer, seen).await?;
            seen.clear();
        }
        Ok(count as u64)
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

    /// Hands the notes of episodes just stored to the indexer, while there is room.
    pub(super) fn offer_fresh_notes<'a>(
        &self,
        episodes: impl Iterator<Item = (i64, &'a String, &'a String, &'a String)>,
    ) {
        let mut fresh = self.fresh.lock().unwrap_or_else(PoisonError::into_inner);
        for (id, sha256, title, notes) in episodes {
            let size = sha256.len() + title.len() + notes.len();
            if fresh.bytes + size > FRESH_LIMIT {
                return;
            }
            fresh.bytes += size;
            let old = fresh.entries.insert(
                id,
                Fresh {
                    sha256: sha256.clone(),
                    title: title.clone(),
                    notes: notes.clone(),
                },
            );
            if let Some(old) = old {
                fresh.bytes -= old.size();
            }
        }
    }

    /// With nothing waiting to be indexed, drops notes nobody will ask for (episodes removed, or
    /// indexed from the library, before their notes were taken), once they fill half the room.
    /// Notes offered for a feed whose transaction is still open may go too: those episodes are
    /// then read from the library.
    fn forget_fresh_notes(&self) {
        let mut fresh = self.fresh.lock().unwrap_or_else(PoisonError::into_inner);
        if fresh.bytes > FRESH_LIMIT / 2 {
            fresh.entries = HashMap::new();
            fresh.bytes = 0;
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

/// One batch of the backlog on its way into the index.
struct Batch {
    /// Episodes the index holds already, whose old words go first.
    replace: Vec<i64>,
    /// `(id, title, the notes' words)`, being worked out.
    words: tokio::task::JoinHandle<Vec<(i64, String, String)>>,
    from_library: usize,
    started: std::time::Instant,
}

/// The words of raw notes as the index takes them (see [`distinct_words`]).
fn index_words(notes: &str) -> String {
    distinct_words(&plain_text(notes))
}

/// The words of `text`, each once (the first time it appears, ASCII letters compared without
/// case, as FTS5 folds them), joined by spaces, and without timecodes (`12:26`, `0:05:30`).
///
/// The index loses nothing by it: with `detail=column` it records which columns hold a word, not
/// how often, and nobody searches for a timecode. It tokenizes half as many words, chaptered
/// notes being full of timecodes and every show's notes of the same few words. (Only the notes'
/// length that BM25 weighs becomes the number of distinct words.)
///
/// Words are split where FTS5's `unicode61` tokenizer certainly splits (at every ASCII character
/// that is not a letter or digit); a word with other characters may be one word here and several
/// to FTS5, which tokenizes the same bytes the same way every time, so no word is lost.
fn distinct_words(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut seen: HashSet<Folded<'_>, BuildHasherDefault<WordHasher>> =
        HashSet::with_capacity_and_hasher(256, BuildHasherDefault::default());
    let mut out = String::with_capacity(text.len() / 2);
    let mut at = 0;
    while at < bytes.len() {
        if !is_word_byte(bytes[at]) {
            at += 1;
            continue;
        }
        // A timecode starts a word, and not after a colon (`10:20:30:40` is no timecode, nor any
        // part of it).
        if bytes[at].is_ascii_digit()
            && (at == 0 || bytes[at - 1] != b':')
            && let Some(end) = timecode_end(bytes, at)
        {
            at = end;
            continue;
        }
        let start = at;
        while at < bytes.len() && is_word_byte(bytes[at]) {
            at += 1;
        }
        let word = &text[start..at];
        if seen.insert(Folded(word)) {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(word);
        }
    }
    out
}

/// A word compared and hashed with its ASCII letters folded to lower case.
struct Folded<'a>(&'a str);

impl PartialEq for Folded<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.0.eq_ignore_ascii_case(other.0)
    }
}

impl Eq for Folded<'_> {}

impl Hash for Folded<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        for b in self.0.bytes() {
            state.write_u8(b.to_ascii_lowercase());
        }
    }
}

/// FxHash's mix, a byte at a time: words are short, and nobody chooses them to collide in one
/// episode's set (the worst they could do is slow that episode's indexing).
#[derive(Default)]
struct WordHasher(u64);

impl Hasher for WordHasher {
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.write_u8(*b);
        }
    }

    fn write_u8(&mut self, b: u8) {
        self.0 = (self.0.rotate_left(5) ^ u64::from(b)).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// Where the timecode starting at `start` ends, if one does: two or three groups of digits
/// joined by `:`, perhaps a fraction, and no letter or digit right after.
fn timecode_end(bytes: &[u8], start: usize) -> Option<usize> {
    let digits = |from: usize| {
        bytes[from..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count()
    };
    let mut at = start + digits(start);
    let mut groups = 1;
    while at + 1 < bytes.len() && bytes[at] == b':' && bytes[at + 1].is_ascii_digit() {
        at += 1 + digits(at + 1);
        groups += 1;
    }
    if !(2..=3).contains(&groups) {
        return None;
    }
    if at + 1 < bytes.len() && bytes[at] == b'.' && bytes[at + 1].is_ascii_digit() {
        at += 1 + digits(at + 1);
    }
    (at == bytes.len() || !is_word_byte(bytes[at])).then_some(at)
}

/// A byte that may belong to a word: ASCII letters and digits, and every byte of a non-ASCII
/// character (which FTS5's tokenizer may count as a letter).
fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b >= 0x80
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

    /// A new library, and a digest and title to offer notes with.
    async fn library() -> (tempfile::TempDir, Library, String, String) {
        let dir = tempfile::tempdir().expect("temp dir");
        let library = Library::open(&dir.path().join("earshot.db"))
            .await
            .expect("opens");
        (dir, library, "digest".to_string(), "title".to_string())
    }

    #[test]
    fn the_index_is_given_each_word_once_without_timecodes() {
        let text = "0:05:30 Intro 12:26 the Cost of fsync, 1:02:03.5 The end; 2024 HTTP/2 at \
                    9:30am v1:2 10:20:30:40 ratio (3:2) it\u{2019}s Caf\u{e9} caf\u{e9} CAF\u{c9} \
                    snake_case cost";
        assert_eq!(
            distinct_words(text),
            "Intro the Cost of fsync end 2024 HTTP 2 at 9 30am v1 10 20 30 40 ratio \
             it\u{2019}s Caf\u{e9} CAF\u{c9} snake case"
        );
        assert_eq!(distinct_words(""), "");
        assert_eq!(
            index_words("<li>0:05:30 Caf\u{e9} &amp; caf\u{e9}</li><li>1:00 done</li>"),
            "Caf\u{e9} done"
        );
    }

    #[tokio::test]
    async fn notes_beyond_the_room_are_left_for_the_indexer_to_read() {
        let (_dir, library, sha, title) = library().await;
        let big = words(FRESH_LIMIT - 100);
        let more = words(1000);
        library.offer_fresh_notes([(1, &sha, &title, &big), (2, &sha, &title, &more)].into_iter());
        let mut fresh = library.fresh.lock().unwrap_or_else(PoisonError::into_inner);
        assert!(fresh.bytes <= FRESH_LIMIT);
        assert!(fresh.take(1).is_some());
        assert!(fresh.take(2).is_none(), "no room was left for it");
        assert_eq!(fresh.bytes, 0);
    }
}
