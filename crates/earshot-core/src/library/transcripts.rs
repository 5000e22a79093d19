//! Transcripts kept in the library (`episode_transcripts`) and their words in the search file
//! (`search.transcripts_fts`), so library search finds what was only spoken.
//!
//! Storage: one row per episode, the cues packed (zstd) as one line each, `start`, `end`,
//! `speaker` and `text` separated by tabs (cue text and speakers never hold tabs or line
//! breaks: see `transcript::text`). A failed fetch is a row too (no cues, an `error`), so it is
//! not tried again on every open.
//!
//! Index: one FTS5 document per transcript (rowid = episode id, `detail=none`: which episodes
//! hold a word is all a search asks the index; where in the episode is found afterwards, in the
//! few transcripts that match, by [`best_cue`]). The index is derived data, like the episodes'
//! index beside it: rows marked `indexed = 0` and ids in `transcripts_removed` are what it still
//! has to take in or let go, and a lost search file is rebuilt from the kept transcripts.
//! Writes to the index take the library's indexer turn.

use std::collections::HashMap;

use sqlx::Row;
use unicode_normalization::UnicodeNormalization;

use super::Library;
use crate::error::Result;
use crate::library::search::EpisodeHit;
use crate::model::{EpisodeId, EpisodeTranscript, TranscriptCue, UnixTime};

/// Transcripts indexed per transaction.
const INDEX_BATCH: i64 = 200;

/// zstd level for kept cues: small and quick (text packs to about a third).
const PACK_LEVEL: i32 = 3;

/// A transcript as kept: read, or failed.
#[derive(Debug, Clone, PartialEq)]
pub enum KeptTranscript {
    Ready(EpisodeTranscript),
    Failed {
        url: String,
        fetched_at: UnixTime,
        error: String,
    },
}

/// Packs cues for the `cues` column.
pub(crate) fn pack_cues(cues: &[TranscriptCue]) -> Vec<u8> {
    let mut lines = String::with_capacity(cues.iter().map(|c| c.text.len() + 32).sum());
    for cue in cues {
        use std::fmt::Write;
        let _ = writeln!(
            lines,
            "{}\t{}\t{}\t{}",
            cue.start_secs,
            cue.end_secs,
            one_line(cue.speaker.as_deref().unwrap_or_default()),
            one_line(&cue.text)
        );
    }
    zstd::bulk::compress(lines.as_bytes(), PACK_LEVEL).unwrap_or_default()
}

/// Unpacks the `cues` column (nothing from a damaged one).
pub(crate) fn unpack_cues(packed: &[u8]) -> Vec<TranscriptCue> {
    let Ok(bytes) = zstd::stream::decode_all(packed) else {
        return Vec::new();
    };
    let text = String::from_utf8_lossy(&bytes);
    text.lines()
        .filter_map(|line| {
            let mut fields = line.splitn(4, '\t');
            let start_secs = fields.next()?.parse().ok()?;
            let end_secs = fields.next()?.parse().ok()?;
            let speaker = fields.next()?;
            let text = fields.next()?;
            Some(TranscriptCue {
                start_secs,
                end_secs,
                speaker: (!speaker.is_empty()).then(|| speaker.to_string()),
                text: text.to_string(),
            })
        })
        .collect()
}

fn one_line(text: &str) -> std::borrow::Cow<'_, str> {
    if text.contains(['\t', '\n', '\r']) {
        std::borrow::Cow::Owned(text.replace(['\t', '\n', '\r'], " "))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

/// The words of a transcript for the index.
fn words(cues: &[TranscriptCue]) -> String {
    let mut out = String::with_capacity(cues.iter().map(|c| c.text.len() + 1).sum());
    for cue in cues {
        out.push_str(&cue.text);
        out.push('\n');
    }
    out
}

impl Library {
    /// The transcript kept for `episode`, read or failed; None when none was ever fetched.
    pub async fn kept_transcript(&self, episode: EpisodeId) -> Result<Option<KeptTranscript>> {
        let row = sqlx::query(
            "SELECT url, mime_type, language, cues, fetched_at, error FROM episode_transcripts \
             WHERE episode_id = ?",
        )
        .bind(episode.0)
        .fetch_optional(self.pool())
        .await?;
        Ok(row.map(|row| {
            let url: String = row.get(0);
            match (
                row.get::<Option<Vec<u8>>, _>(3),
                row.get::<Option<String>, _>(5),
            ) {
                (Some(packed), None) => KeptTranscript::Ready(EpisodeTranscript {
                    episode_id: episode,
                    url,
                    mime_type: row.get(1),
                    language: row.get(2),
                    cues: unpack_cues(&packed),
                }),
                (_, error) => KeptTranscript::Failed {
                    url,
                    fetched_at: row.get(4),
                    error: error.unwrap_or_default(),
                },
            }
        }))
    }

    /// Keeps a transcript read well (replacing what was kept), with what had to be mended, and
    /// puts its words in the search index.
    pub async fn keep_transcript(
        &self,
        transcript: &EpisodeTranscript,
        problems: Option<&str>,
        now: UnixTime,
    ) -> Result<()> {
        let packed = pack_cues(&transcript.cues);
        sqlx::query(
            "INSERT INTO episode_transcripts (episode_id, url, mime_type, language, cues, \
                 cue_count, fetched_at, error, problems, indexed) \
             SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, NULL, ?8, 0 \
             WHERE EXISTS (SELECT 1 FROM episodes WHERE id = ?1) \
             ON CONFLICT (episode_id) DO UPDATE SET url = excluded.url, \
                 mime_type = excluded.mime_type, language = excluded.language, \
                 cues = excluded.cues, cue_count = excluded.cue_count, \
                 fetched_at = excluded.fetched_at, error = NULL, problems = excluded.problems, \
                 indexed = 0",
        )
        .bind(transcript.episode_id.0)
        .bind(&transcript.url)
        .bind(&transcript.mime_type)
        .bind(&transcript.language)
        .bind(packed)
        .bind(i64::try_from(transcript.cues.len()).unwrap_or(i64::MAX))
        .bind(now)
        .bind(problems)
        .execute(self.pool())
        .await?;
        self.index_transcripts().await?;
        Ok(())
    }

    /// Remembers that the transcript at `url` could not be read, and why.
    pub async fn transcript_failed(
        &self,
        episode: EpisodeId,
        url: &str,
        mime_type: &str,
        error: &str,
        now: UnixTime,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO episode_transcripts (episode_id, url, mime_type, cues, cue_count, \
                 fetched_at, error, indexed) \
             SELECT ?1, ?2, ?3, NULL, 0, ?4, ?5, 0 WHERE EXISTS (SELECT 1 FROM episodes WHERE id = ?1) \
             ON CONFLICT (episode_id) DO UPDATE SET url = excluded.url, \
                 mime_type = excluded.mime_type, language = NULL, cues = NULL, cue_count = 0, \
                 fetched_at = excluded.fetched_at, error = excluded.error, problems = NULL, \
                 indexed = 0",
        )
        .bind(episode.0)
        .bind(url)
        .bind(mime_type)
        .bind(now)
        .bind(error)
        .execute(self.pool())
        .await?;
        // Its old words, if it had a transcript before, leave the index.
        self.index_transcripts().await?;
        Ok(())
    }

    /// Followed shows' episodes that offer a transcript not kept yet (never fetched, fetched
    /// from an address the feed no longer gives, or failed before `failed_before`), newest
    /// first, at most `limit`.
    pub async fn transcripts_due(
        &self,
        failed_before: UnixTime,
        limit: u32,
    ) -> Result<Vec<EpisodeId>> {
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT e.id FROM episodes e INDEXED BY episodes_with_transcripts \
             JOIN shows s ON s.id = e.show_id \
             LEFT JOIN episode_transcripts t ON t.episode_id = e.id \
             WHERE e.transcripts_json != '[]' AND s.followed \
               AND (t.episode_id IS NULL OR instr(e.transcripts_json, t.url) = 0 \
                    OR (t.error IS NOT NULL AND t.fetched_at < ?1)) \
             ORDER BY e.published_at DESC LIMIT ?2",
        )
        .bind(failed_before)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        Ok(ids.into_iter().map(EpisodeId).collect())
    }

    /// Creates the transcript index in the search file when it is not there (a new library, or
    /// a lost search file), marking every kept transcript to be indexed.
    async fn prepare_transcript_index(&self) -> Result<()> {
        let exists: Option<String> = sqlx::query_scalar(
            "SELECT name FROM search.sqlite_master WHERE name = 'transcripts_fts'",
        )
        .fetch_optional(self.pool())
        .await?;
        if exists.is_some() {
            return Ok(());
        }
        sqlx::query(
            "CREATE VIRTUAL TABLE IF NOT EXISTS search.transcripts_fts USING fts5(words, \
                 content='', contentless_delete=1, detail=none, \
                 tokenize='unicode61 remove_diacritics 2')",
        )
        .execute(self.pool())
        .await?;
        let mut tx = self.pool().begin().await?;
        sqlx::query("UPDATE episode_transcripts SET indexed = 0 WHERE indexed")
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM transcripts_removed")
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Brings the transcript index up to date: lets go of removed transcripts, takes in new or
    /// replaced ones. Returns how many were indexed.
    pub async fn index_transcripts(&self) -> Result<u64> {
        let _turn = self.indexer.lock().await;
        self.prepare_transcript_index().await?;
        loop {
            let gone: Vec<i64> =
                sqlx::query_scalar("SELECT episode_id FROM transcripts_removed LIMIT 1000")
                    .fetch_all(self.pool())
                    .await?;
            if gone.is_empty() {
                break;
            }
            let mut tx = self.pool().begin().await?;
            for id in &gone {
                sqlx::query("DELETE FROM search.transcripts_fts WHERE rowid = ?")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("DELETE FROM transcripts_removed WHERE episode_id = ?")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
        }
        let mut indexed = 0;
        loop {
            let rows = sqlx::query(
                "SELECT episode_id, cues FROM episode_transcripts INDEXED BY \
                 episode_transcripts_unindexed WHERE NOT indexed ORDER BY episode_id LIMIT ?",
            )
            .bind(INDEX_BATCH)
            .fetch_all(self.pool())
            .await?;
            if rows.is_empty() {
                return Ok(indexed);
            }
            let documents: Vec<(i64, Option<String>)> = rows
                .iter()
                .map(|row| {
                    let packed: Option<Vec<u8>> = row.get(1);
                    (row.get(0), packed.map(|p| words(&unpack_cues(&p))))
                })
                .collect();
            let mut tx = self.pool().begin().await?;
            for (id, words) in &documents {
                let held: Option<i64> = sqlx::query_scalar(
                    "SELECT id FROM search.transcripts_fts_docsize WHERE id = ?",
                )
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
                if held.is_some() {
                    sqlx::query("DELETE FROM search.transcripts_fts WHERE rowid = ?")
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                }
                if let Some(words) = words {
                    sqlx::query("INSERT INTO search.transcripts_fts (rowid, words) VALUES (?, ?)")
                        .bind(id)
                        .bind(words)
                        .execute(&mut *tx)
                        .await?;
                    indexed += 1;
                }
                sqlx::query("UPDATE episode_transcripts SET indexed = 1 WHERE episode_id = ?")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
        }
    }

    /// Whether the transcript index has work waiting (or is missing).
    async fn transcripts_waiting(&self) -> Result<bool> {
        let waiting: Option<i64> = sqlx::query_scalar(
            "SELECT 1 FROM episode_transcripts INDEXED BY episode_transcripts_unindexed \
                 WHERE NOT indexed \
             UNION ALL SELECT 1 FROM transcripts_removed \
             UNION ALL SELECT 1 WHERE NOT EXISTS \
                 (SELECT 1 FROM search.sqlite_master WHERE name = 'transcripts_fts') LIMIT 1",
        )
        .fetch_optional(self.pool())
        .await?;
        Ok(waiting.is_some())
    }

    /// Episodes whose transcripts hold every word of `expression` (an FTS5 query from
    /// `search::match_expression`), newest first, at most `limit`.
    pub(super) async fn spoken(&self, expression: &str, limit: u32) -> Result<Vec<i64>> {
        if self.transcripts_waiting().await? {
            self.index_transcripts().await?;
        }
        Ok(sqlx::query_scalar(
            "SELECT rowid FROM search.transcripts_fts WHERE transcripts_fts MATCH ?1 \
             ORDER BY rowid DESC LIMIT ?2",
        )
        .bind(expression)
        .bind(limit)
        .fetch_all(self.pool())
        .await?)
    }

    /// Says where in their transcripts the hits among `spoken` hold the words of `text`: the
    /// start and text of the best cue (see [`best_cue`]).
    pub(super) async fn locate_spoken(
        &self,
        hits: &mut [EpisodeHit],
        text: &str,
        spoken: &[i64],
    ) -> Result<()> {
        let wanted: Vec<i64> = hits
            .iter()
            .map(|h| h.id.0)
            .filter(|id| spoken.contains(id))
            .collect();
        if wanted.is_empty() {
            return Ok(());
        }
        let terms = query_terms(text);
        let mut query = sqlx::QueryBuilder::new(
            "SELECT episode_id, cues FROM episode_transcripts WHERE cues IS NOT NULL AND episode_id IN (",
        );
        let mut list = query.separated(", ");
        for id in &wanted {
            list.push_bind(*id);
        }
        query.push(")");
        let rows = query.build().fetch_all(self.pool()).await?;
        let mut found: HashMap<i64, (f64, String)> = HashMap::with_capacity(rows.len());
        for row in rows {
            let Ok(bytes) = zstd::stream::decode_all(row.get::<&[u8], _>(1)) else {
                continue;
            };
            if let Some(cue) = best_cue(&String::from_utf8_lossy(&bytes), &terms) {
                found.insert(row.get(0), cue);
            }
        }
        for hit in hits {
            if let Some((start, text)) = found.remove(&hit.id.0) {
                hit.transcript_secs = Some(start);
                hit.transcript_text = Some(text);
            }
        }
        Ok(())
    }
}

/// Makes room in the episode hits `ids` (title matches, then notes matches) for episodes found
/// only in transcripts (`spoken`, newest first): up to half of `limit` goes to them, taken from
/// the end of `ids` (the notes matches) when it is full.
pub(super) fn make_room(ids: &mut Vec<i64>, spoken: &[i64], limit: usize) {
    let only_spoken: Vec<i64> = spoken
        .iter()
        .copied()
        .filter(|id| !ids.contains(id))
        .collect();
    ids.truncate(limit.saturating_sub(only_spoken.len().min(limit / 2)));
    for id in only_spoken {
        if ids.len() >= limit {
            break;
        }
        ids.push(id);
    }
}

/// The words typed, folded as the index folds them (lower case, no diacritics).
pub(crate) fn query_terms(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(12)
        .map(|w| {
            let mut folded = String::new();
            fold(w, &mut folded);
            folded
        })
        .collect()
}

/// Lower case without diacritics (`Über` → `uber`), as `unicode61 remove_diacritics 2` reads.
fn fold(text: &str, out: &mut String) {
    if text.is_ascii() {
        out.extend(text.bytes().map(|b| char::from(b.to_ascii_lowercase())));
        return;
    }
    for c in text.nfd() {
        if !unicode_normalization::char::is_combining_mark(c) {
            out.extend(c.to_lowercase());
        }
    }
}

/// The cue that best holds `terms` (each a word's start, folded) in `lines` (unpacked cues,
/// one per line as [`pack_cues`] writes them): the first holding all of them, else the first
/// holding the most; its start and text. None when none holds any.
///
/// Works on the lines as they are, without making cues of them: a search may look through 50
/// transcripts of an hour each, and only one line of each is wanted.
pub(crate) fn best_cue(lines: &str, terms: &[String]) -> Option<(f64, String)> {
    if terms.is_empty() {
        return None;
    }
    let folded: std::borrow::Cow<'_, str> = if lines.is_ascii() {
        std::borrow::Cow::Owned(lines.to_ascii_lowercase())
    } else {
        let mut out = String::with_capacity(lines.len());
        fold(lines, &mut out);
        std::borrow::Cow::Owned(out)
    };
    // Line by line, so a common word stops at its first sentence.
    let all = (1u32 << terms.len()) - 1;
    let mut best: Option<(usize, u32)> = None;
    for (line, text) in folded.lines().enumerate() {
        let text = text.splitn(4, '\t').nth(3).unwrap_or_default();
        let mut mask = 0u32;
        for (bit, term) in terms.iter().enumerate() {
            if holds_word_start(text, term) {
                mask |= 1 << bit;
            }
        }
        if mask == all {
            best = Some((line, mask));
            break;
        }
        if mask.count_ones() > best.map_or(0, |(_, m)| m.count_ones()) {
            best = Some((line, mask));
        }
    }
    let (line, _) = best?;
    let mut fields = lines.lines().nth(line)?.splitn(4, '\t');
    let start = fields.next()?.parse().ok()?;
    let text = fields.nth(2)?.to_string();
    Some((start, text))
}

/// Whether a word of `text` starts with `term`.
fn holds_word_start(text: &str, term: &str) -> bool {
    let mut from = 0;
    while let Some(found) = text[from..].find(term) {
        let position = from + found;
        if text[..position]
            .chars()
            .next_back()
            .is_none_or(|c| !c.is_alphanumeric())
        {
            return true;
        }
        from = position + term.len().max(1);
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cue(start: f64, speaker: Option<&str>, text: &str) -> TranscriptCue {
        TranscriptCue {
            start_secs: start,
            end_secs: start + 1.5,
            speaker: speaker.map(str::to_string),
            text: text.to_string(),
        }
    }

    #[test]
    fn cues_pack_and_unpack_unchanged() {
        let cues = vec![
            cue(0.0, Some("Ana"), "Hello, wörld"),
            cue(2.76, None, "tab\tand\nline"),
            cue(3723.004, Some("Tom Smith"), ""),
        ];
        let back = unpack_cues(&pack_cues(&cues));
        assert_eq!(back.len(), 3);
        assert_eq!(back[0], cues[0]);
        assert_eq!(back[1].text, "tab and line");
        assert_eq!(back[2].start_secs, 3723.004);
        assert!(unpack_cues(b"not zstd").is_empty());
    }

    #[test]
    fn the_best_cue_holds_every_word_at_a_word_start() {
        let cues = vec![
            cue(0.0, Some("Vacuum Tuner"), "We talk about caching."),
            cue(5.0, None, "Postgres vacuums its tables"),
            cue(9.5, None, "and Über-fast VACUUM tuning"),
        ];
        let packed = pack_cues(&cues);
        let lines = String::from_utf8(zstd::stream::decode_all(&packed[..]).expect("unpacks"))
            .expect("text");
        let find = |text: &str| best_cue(&lines, &query_terms(text)).map(|(start, _)| start);
        assert_eq!(find("vacuum tun"), Some(9.5), "not the speaker's name");
        assert_eq!(find("vac"), Some(5.0));
        assert_eq!(find("uber"), Some(9.5));
        assert_eq!(find("acuum"), None, "not at a word start");
        assert_eq!(
            find("postgres caching"),
            Some(0.0),
            "the first with the most"
        );
        assert_eq!(find("9"), None, "times are not words");
        assert_eq!(find(""), None);
        assert_eq!(
            best_cue(&lines, &query_terms("uber")).map(|(_, text)| text),
            Some("and Über-fast VACUUM tuning".to_string())
        );
    }

    #[test]
    fn spoken_hits_get_room_beside_notes_hits() {
        let mut ids: Vec<i64> = (1..=10).collect();
        make_room(&mut ids, &[3, 20, 21, 22, 23, 24, 25], 10);
        assert_eq!(ids, [1, 2, 3, 4, 5, 20, 21, 22, 23, 24]);
        let mut few = vec![1, 2];
        make_room(&mut few, &[7, 8], 10);
        assert_eq!(few, [1, 2, 7, 8]);
        let mut none = vec![1, 2];
        make_room(&mut none, &[], 10);
        assert_eq!(none, [1, 2]);
    }
}
