//! The library: one SQLite file (WAL, foreign keys, a small pool) holding shows, episodes and the
//! listener's progress. Schema changes are forward-only migrations in `migrations/`; the file is
//! backed up before pending ones run, and a file from a newer Earshot is refused, never touched.
//! Every write that spans rows is one transaction.

mod downloads;
mod rows;

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use std::collections::HashMap;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Row, SqlitePool};

use crate::change::{Change, Changes};
use crate::error::{Error, Result};
use crate::feed::Credentials;
use crate::model::{
    Episode, EpisodeFilter, EpisodeId, EpisodeList, EpisodeOrder, EpisodeQuery, Progress, Show,
    ShowId, UnixTime,
};
use rows::{EpisodeRow, FeedStateRow, ShowRow};

mod chapters;
mod index;
mod prepare;
mod search;
mod transcripts;
pub use chapters::{ChapterOrigin, KeptChapters};
pub use downloads::DownloadSource;
pub use prepare::PreparedFeed;
pub(crate) use prepare::{body_digest, body_sha256, is_sha256};
pub use search::{EpisodeHit, SearchResults, ShowHit};
pub use transcripts::KeptTranscript;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// Validators and provenance of one fetch, stored beside the show.
#[derive(Debug, Clone, Default)]
pub struct FeedMeta {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub body_sha256: Option<String>,
}

/// A show's address and the validators of its last fetch.
#[derive(Debug, Clone)]
pub struct FeedState {
    pub feed_url: String,
    pub meta: FeedMeta,
    /// The server asked not to be fetched before this time.
    pub retry_after: Option<UnixTime>,
    pub credentials: Option<Credentials>,
    /// The artwork address the feed gave last, and whether a copy is cached.
    pub artwork_url: Option<String>,
    pub artwork_cached: bool,
}

/// A subscription in brief.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedEntry {
    pub id: ShowId,
    pub title: String,
    pub feed_url: String,
    pub link: Option<String>,
}

/// What storing a feed did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stored {
    pub show: ShowId,
    pub new_episodes: u32,
}

#[derive(Debug, Clone)]
pub struct Library {
    pool: SqlitePool,
    /// Feed writes take turns here rather than in SQLite: a connection that finds the database
    /// locked sleeps in SQLite's busy handler (up to 100 ms at a time) while the lock may already
    /// be free, and many feeds stored at once spend most of their time asleep. The turn comes
    /// with a connection of its own, so a feed's write never waits for the pool either.
    writer: std::sync::Arc<tokio::sync::Mutex<sqlx::SqliteConnection>>,
    /// The search index (`search.episodes_fts`) lives in its own file, `earshot-search.db`,
    /// attached to every connection, so it can be written while feeds are being stored: SQLite
    /// locks each file on its own. One indexer at a time.
    indexer: std::sync::Arc<tokio::sync::Mutex<()>>,
    /// Notes of episodes just stored, handed to the indexer without a trip through the library.
    fresh: std::sync::Arc<std::sync::Mutex<index::FreshNotes>>,
    /// Every write publishes what it changed here, once committed.
    changes: Changes,
}

/// Episodes written per INSERT (20 values each, well under SQLite's limit of 32,766).
const EPISODES_PER_STATEMENT: usize = 100;

const SHOW_COLUMNS: &str = "s.id, s.feed_url, s.title, s.author, s.description_html, s.link, \
     s.categories_json, s.artwork_cached, s.refreshed_at, s.last_error, s.last_error_at, \
     s.gone_at, s.language, s.explicit, s.podcast_guid, s.funding_json, s.followed, \
     (SELECT COUNT(*) FROM episodes e WHERE e.show_id = s.id) AS episode_count, \
     (SELECT MAX(e.published_at) FROM episodes e WHERE e.show_id = s.id) AS latest_episode_at, \
     (SELECT COUNT(*) FROM episodes e LEFT JOIN playback p ON p.episode_id = e.id \
         WHERE e.show_id = s.id AND COALESCE(p.played, 0) = 0) AS unplayed_count";

const EPISODE_COLUMNS: &str = "e.id, e.show_id, e.guid, e.title, e.published_at, e.duration_secs, \
     e.enclosure_url, e.enclosure_type, e.enclosure_length, e.notes, e.notes_raw, s.feed_url AS base_url, e.link, \
     COALESCE(p.position_secs, 0.0) AS position_secs, COALESCE(p.played, 0) AS played, \
     e.season, e.episode_number, e.episode_type, e.explicit, e.artwork_url, e.chapters_url, \
     e.transcripts_json, e.persons_json, d.state AS download_state, \
     d.bytes_done AS download_done, d.bytes_total AS download_total";

/// The episode's download, when there is one (removed ones do not count).
const DOWNLOAD_JOIN: &str = "LEFT JOIN downloads d ON d.episode_id = e.id AND d.state != 'removed'";

impl Library {
    /// Opens (creating if needed) the library at `path` and brings its schema up to date.
    pub async fn open(path: &Path) -> Result<Self> {
        let existed = path.exists();
        let options = SqliteConnectOptions::from_str("sqlite:")?
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5))
            // Fewer, larger WAL checkpoints during a refresh.
            .pragma("wal_autocheckpoint", "8192");
        let attach = format!(
            "ATTACH DATABASE '{}' AS search",
            index::search_path(path)
                .to_string_lossy()
                .replace('\'', "''")
        );
        let writer = {
            let mut connection = sqlx::ConnectOptions::connect(&options).await?;
            sqlx::Executor::execute(&mut connection, attach.as_str()).await?;
            connection
        };
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .after_connect(move |connection, _| {
                let attach = attach.clone();
                Box::pin(async move {
                    sqlx::Executor::execute(&mut *connection, attach.as_str()).await?;
                    Ok(())
                })
            })
            .connect_with(options)
            .await?;
        let library = Self {
            pool,
            writer: std::sync::Arc::new(tokio::sync::Mutex::new(writer)),
            indexer: std::sync::Arc::default(),
            fresh: std::sync::Arc::default(),
            changes: Changes::default(),
        };
        library.migrate(path, existed).await?;
        library.pack_old_notes().await?;
        library.prepare_search_index().await?;
        Ok(library)
    }

    async fn migrate(&self, path: &Path, existed: bool) -> Result<()> {
        let known = MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0);
        let applied: Vec<i64> = if existed {
            match sqlx::query("SELECT version FROM _sqlx_migrations WHERE success = 1")
                .fetch_all(&self.pool)
                .await
            {
                Ok(rows) => rows.iter().map(|r| r.get::<i64, _>(0)).collect(),
                Err(_) => Vec::new(),
            }
        } else {
            Vec::new()
        };
        if let Some(found) = applied.iter().copied().find(|v| *v > known) {
            return Err(Error::NewerDatabase { found, known });
        }
        let pending = MIGRATOR.iter().any(|m| !applied.contains(&m.version));
        if existed && pending && !applied.is_empty() {
            let backup = backup_path(path, applied.iter().copied().max().unwrap_or(0));
            tracing::info!(backup = %backup.display(), "backing up the library before migrating");
            let _ = std::fs::remove_file(&backup);
            sqlx::query("VACUUM INTO ?")
                .bind(backup.to_string_lossy().into_owned())
                .execute(&self.pool)
                .await?;
        }
        MIGRATOR.run(&self.pool).await?;
        Ok(())
    }

    /// Packs the notes of episodes stored before notes were packed, a thousand rows per
    /// transaction (so an interrupted run just carries on next time).
    async fn pack_old_notes(&self) -> Result<()> {
        let mut packer = prepare::Packer::new();
        let mut after = 0i64;
        loop {
            let rows: Vec<(i64, String)> = sqlx::query_as(
                "SELECT id, notes_raw FROM episodes INDEXED BY episodes_unpacked \
                 WHERE notes_raw != '' AND id > ? ORDER BY id LIMIT 1000",
            )
            .bind(after)
            .fetch_all(&self.pool)
            .await?;
            let Some((last, _)) = rows.last() else {
                return Ok(());
            };
            after = *last;
            let packed: Vec<(i64, Option<Vec<u8>>)> = rows
                .iter()
                .map(|(id, raw)| (*id, packer.pack(raw)))
                .collect();
            let mut writer = self.writer.lock().await;
            let mut tx = sqlx::Connection::begin(&mut *writer).await?;
            for (id, notes) in packed {
                sqlx::query("UPDATE episodes SET notes = ?, notes_raw = '' WHERE id = ?")
                    .bind(notes)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
        }
    }

    pub(crate) fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// Where this library's writes are announced.
    pub fn changes(&self) -> &Changes {
        &self.changes
    }

    fn show_updated(&self, show: ShowId) {
        self.changes.publish(Change::ShowUpdated { show_id: show });
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    pub async fn show_id_for_url(&self, feed_url: &str) -> Result<Option<ShowId>> {
        let id: Option<i64> = sqlx::query_scalar("SELECT id FROM shows WHERE feed_url = ?")
            .bind(feed_url)
            .fetch_optional(&self.pool)
            .await?;
        Ok(id.map(ShowId))
    }

    /// The show already subscribed under this `podcast:guid`, if any.
    pub async fn show_id_for_podcast_guid(&self, guid: &str) -> Result<Option<ShowId>> {
        let id: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM shows WHERE podcast_guid = ? AND followed ORDER BY id LIMIT 1",
        )
        .bind(guid)
        .fetch_optional(&self.pool)
        .await?;
        Ok(id.map(ShowId))
    }

    /// Stores a freshly fetched feed: inserts or updates the show (matched by `feed_url`) and its
    /// episodes in one transaction, search index included. Episodes are matched by guid, so the
    /// listener's progress survives edits; an episode whose content did not change is not
    /// rewritten. Episodes the feed no longer lists are kept. `credentials`, when given, replace
    /// the stored ones.
    pub async fn store_feed(
        &self,
        feed_url: &str,
        prepared: &PreparedFeed,
        meta: &FeedMeta,
        credentials: Option<&Credentials>,
        now: UnixTime,
    ) -> Result<Stored> {
        self.store_feed_as(feed_url, prepared, meta, credentials, true, now)
            .await
    }

    /// [`Library::store_feed`] for a show new to the library that the listener only previews
    /// (`followed: false`): it stays out of the library's lists until [`Library::follow`].
    /// A show already in the library keeps whether it is followed.
    pub async fn store_preview(
        &self,
        feed_url: &str,
        prepared: &PreparedFeed,
        meta: &FeedMeta,
        credentials: Option<&Credentials>,
        now: UnixTime,
    ) -> Result<Stored> {
        self.store_feed_as(feed_url, prepared, meta, credentials, false, now)
            .await
    }

    async fn store_feed_as(
        &self,
        feed_url: &str,
        prepared: &PreparedFeed,
        meta: &FeedMeta,
        credentials: Option<&Credentials>,
        followed: bool,
        now: UnixTime,
    ) -> Result<Stored> {
        let feed = &prepared.feed;
        let (categories, funding) = (&prepared.categories_json, &prepared.funding_json);
        let description = &prepared.description_words;
        let mut writer = self.writer.lock().await;
        let mut tx = sqlx::Connection::begin(&mut *writer).await?;
        let show_id: i64 = sqlx::query_scalar(
            "INSERT INTO shows (feed_url, title, author, description_html, link, artwork_url, \
                 categories_json, etag, last_modified, body_sha256, subscribed_at, refreshed_at, \
                 last_error, language, explicit, podcast_guid, locked, funding_json, followed, \
                 previewed_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11, NULL, ?12, ?13, ?14, ?15, ?16, \
                 ?17, CASE WHEN ?17 THEN NULL ELSE ?11 END) \
             ON CONFLICT (feed_url) DO UPDATE SET title = excluded.title, author = excluded.author, \
                 description_html = excluded.description_html, link = excluded.link, \
                 artwork_url = excluded.artwork_url, categories_json = excluded.categories_json, \
                 etag = excluded.etag, last_modified = excluded.last_modified, \
                 body_sha256 = excluded.body_sha256, refreshed_at = excluded.refreshed_at, \
                 last_error = NULL, last_error_at = NULL, gone_at = NULL, retry_after = NULL, \
                 language = excluded.language, explicit = excluded.explicit, \
                 podcast_guid = excluded.podcast_guid, locked = excluded.locked, \
                 funding_json = excluded.funding_json \
             RETURNING id",
        )
        .bind(feed_url)
        .bind(&feed.title)
        .bind(&feed.author)
        .bind(&feed.description_html)
        .bind(&feed.link)
        .bind(&feed.artwork_url)
        .bind(categories)
        .bind(&meta.etag)
        .bind(&meta.last_modified)
        .bind(&meta.body_sha256)
        .bind(now)
        .bind(&feed.language)
        .bind(feed.explicit)
        .bind(&feed.podcast_guid)
        .bind(feed.locked)
        .bind(funding)
        .bind(followed)
        .fetch_one(&mut *tx)
        .await?;
        if let Some(credentials) = credentials {
            sqlx::query("UPDATE shows SET auth_user = ?, auth_password = ? WHERE id = ?")
                .bind(&credentials.user)
                .bind(&credentials.password)
                .bind(show_id)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query("DELETE FROM shows_fts WHERE rowid = ?")
            .bind(show_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO shows_fts (rowid, title, author, description) VALUES (?, ?, ?, ?)",
        )
        .bind(show_id)
        .bind(&feed.title)
        .bind(feed.author.as_deref().unwrap_or_default())
        .bind(description)
        .execute(&mut *tx)
        .await?;

        let known: HashMap<String, (i64, Option<String>, i64)> = sqlx::query(
            "SELECT guid, id, content_sha256, feed_order FROM episodes WHERE show_id = ?",
        )
        .bind(show_id)
        .fetch_all(&mut *tx)
        .await?
        .into_iter()
        .map(|row| (row.get(0), (row.get(1), row.get(2), row.get(3))))
        .collect();
        // Feed order counts up from the oldest entry, so the episodes a publisher already had keep
        // their number when new ones are added at the top, and need no rewrite.
        let count = feed.episodes.len();
        let mut changed = Vec::new();
        let mut reordered = Vec::new();
        let mut scratch = String::new();
        for (index, (episode, ready)) in feed.episodes.iter().zip(&prepared.episodes).enumerate() {
            let order = i64::try_from(count - index).unwrap_or(i64::MAX);
            match known.get(&episode.guid) {
                Some((id, Some(old), old_order))
                    if prepare::same_episode(old, &ready.sha256, episode, &mut scratch) =>
                {
                    if *old_order != order {
                        reordered.push((*id, order));
                    }
                }
                existing => changed.push((episode, order, ready, existing.map(|(id, ..)| *id))),
            }
        }
        for (id, order) in reordered {
            sqlx::query("UPDATE episodes SET feed_order = ? WHERE id = ?")
                .bind(order)
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        let new_episodes = changed.iter().filter(|c| c.3.is_none()).count();
        let mut new_ids = Vec::with_capacity(new_episodes);
        let changed_ids: Vec<EpisodeId> =
            changed.iter().filter_map(|c| c.3.map(EpisodeId)).collect();
        // Many rows per statement: one round trip to SQLite per chunk, not per episode. Oldest
        // first, so ids (and the search index's row order) grow with time: search lists notes
        // matches by recency by reading ids downwards.
        changed.reverse();
        for chunk in changed.chunks(EPISODES_PER_STATEMENT) {
            let mut insert = sqlx::QueryBuilder::new(
                "INSERT INTO episodes (show_id, guid, title, published_at, duration_secs, \
                     enclosure_url, enclosure_type, enclosure_length, notes, notes_raw, link, \
                     feed_order, season, episode_number, episode_type, explicit, artwork_url, chapters_url, \
                     transcripts_json, persons_json, content_sha256) ",
            );
            insert.push_values(chunk, |mut row, (episode, order, ready, _)| {
                row.push_bind(show_id)
                    .push_bind(&episode.guid)
                    .push_bind(&episode.title)
                    .push_bind(episode.published_at)
                    .push_bind(episode.duration_secs)
                    .push_bind(&episode.enclosure_url)
                    .push_bind(&episode.enclosure_type)
                    .push_bind(episode.enclosure_length)
                    .push_bind(&ready.notes)
                    .push_bind("")
                    .push_bind(&episode.link)
                    .push_bind(*order)
                    .push_bind(episode.season)
                    .push_bind(episode.episode_number)
                    .push_bind(&episode.episode_type)
                    .push_bind(episode.explicit)
                    .push_bind(&episode.artwork_url)
                    .push_bind(&episode.chapters_url)
                    .push_bind(to_json(&episode.transcripts))
                    .push_bind(to_json(&episode.persons))
                    .push_bind(&ready.sha256);
            });
            insert.push(
                " ON CONFLICT (show_id, guid) DO UPDATE SET title = excluded.title, \
                     published_at = excluded.published_at, duration_secs = excluded.duration_secs, \
                     enclosure_url = excluded.enclosure_url, enclosure_type = excluded.enclosure_type, \
                     enclosure_length = excluded.enclosure_length, notes = excluded.notes, \
                     notes_raw = '', link = excluded.link, feed_order = excluded.feed_order, \
                     season = excluded.season, episode_number = excluded.episode_number, \
                     episode_type = excluded.episode_type, explicit = excluded.explicit, \
                     artwork_url = excluded.artwork_url, chapters_url = excluded.chapters_url, \
                     transcripts_json = excluded.transcripts_json, \
                     persons_json = excluded.persons_json, content_sha256 = excluded.content_sha256 \
                 RETURNING id, guid",
            );
            let ids: HashMap<String, i64> = insert
                .build()
                .fetch_all(&mut *tx)
                .await?
                .into_iter()
                .map(|row| (row.get(1), row.get(0)))
                .collect();
            new_ids.extend(
                chunk
                    .iter()
                    .filter(|c| c.3.is_none())
                    .filter_map(|c| ids.get(&c.0.guid).copied().map(EpisodeId)),
            );
            // Into the search index soon, by the indexer (see `index_backlog`), which also removes
            // the old words of an episode it indexed before.
            let mut backlog = sqlx::QueryBuilder::new("INSERT INTO search_backlog (episode_id) ");
            backlog.push_values(
                chunk.iter().filter_map(|c| ids.get(&c.0.guid)),
                |mut row, id| {
                    row.push_bind(*id);
                },
            );
            backlog.push(" ON CONFLICT (episode_id) DO NOTHING");
            backlog.build().execute(&mut *tx).await?;
            // Podlove chapters written in the feed, kept with the episode in this transaction
            // (an episode that no longer lists any loses its kept ones).
            for (episode, _, _, existing) in chunk {
                if episode.psc_chapters.is_empty() && existing.is_none() {
                    continue;
                }
                if let Some(id) = ids.get(&episode.guid) {
                    chapters::store_feed_chapters(
                        &mut tx,
                        *id,
                        feed_url,
                        &episode.psc_chapters,
                        now,
                    )
                    .await?;
                }
            }
            self.offer_fresh_notes(chunk.iter().filter_map(|(episode, _, ready, _)| {
                let id = ids.get(&episode.guid)?;
                Some((*id, &ready.sha256, &episode.title, &episode.notes))
            }));
        }
        let new_episodes = u32::try_from(new_episodes).unwrap_or(u32::MAX);
        tx.commit().await?;
        // Newest first, as lists show them.
        new_ids.reverse();
        self.changes.publish(Change::ShowRefreshed {
            show_id: ShowId(show_id),
            new_episodes: new_ids,
            changed_episodes: changed_ids,
        });
        Ok(Stored {
            show: ShowId(show_id),
            new_episodes,
        })
    }

    /// Adds a subscription that has not been fetched yet (an OPML import): the title is the
    /// file's until the first refresh. Returns `None` when the address is already subscribed.
    pub async fn add_unfetched(
        &self,
        feed_url: &str,
        title: &str,
        now: UnixTime,
    ) -> Result<Option<ShowId>> {
        let mut tx = self.pool.begin().await?;
        let id: Option<i64> = sqlx::query_scalar(
            "INSERT INTO shows (feed_url, title, subscribed_at) VALUES (?, ?, ?) \
             ON CONFLICT (feed_url) DO NOTHING RETURNING id",
        )
        .bind(feed_url)
        .bind(title)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(id) = id {
            sqlx::query(
                "INSERT INTO shows_fts (rowid, title, author, description) VALUES (?, ?, '', '')",
            )
            .bind(id)
            .bind(title)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        if let Some(id) = id {
            self.changes.publish(Change::ShowAdded {
                show_id: ShowId(id),
            });
        }
        Ok(id.map(ShowId))
    }

    /// Points the subscription at `new_url` (a permanent redirect, `itunes:new-feed-url`).
    /// Returns false, changing nothing, when another subscription already has that address.
    pub async fn move_feed(&self, show: ShowId, new_url: &str) -> Result<bool> {
        let moved = sqlx::query(
            "UPDATE shows SET feed_url = ?1, etag = NULL, last_modified = NULL WHERE id = ?2 \
             AND NOT EXISTS (SELECT 1 FROM shows WHERE feed_url = ?1)",
        )
        .bind(new_url)
        .bind(show.0)
        .execute(&self.pool)
        .await?;
        let moved = moved.rows_affected() == 1;
        if moved {
            self.show_updated(show);
        }
        Ok(moved)
    }

    /// The server said 410 Gone.
    pub async fn mark_gone(&self, show: ShowId, now: UnixTime) -> Result<()> {
        sqlx::query("UPDATE shows SET gone_at = COALESCE(gone_at, ?) WHERE id = ?")
            .bind(now)
            .bind(show.0)
            .execute(&self.pool)
            .await?;
        self.show_updated(show);
        Ok(())
    }

    /// The server asked (429/503 Retry-After) not to be fetched before `until`.
    pub async fn set_retry_after(&self, show: ShowId, until: UnixTime) -> Result<()> {
        sqlx::query("UPDATE shows SET retry_after = ? WHERE id = ?")
            .bind(until)
            .bind(show.0)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Follows a show the listener was previewing: it joins the library's lists, refreshes and
    /// search, with every place kept. Returns false when it was followed already.
    pub async fn follow(&self, show: ShowId, now: UnixTime) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE shows SET followed = 1, previewed_at = NULL, subscribed_at = ? \
             WHERE id = ? AND NOT followed",
        )
        .bind(now)
        .bind(show.0)
        .execute(&self.pool)
        .await?;
        let followed = done.rows_affected() > 0;
        if followed {
            self.changes.publish(Change::ShowAdded { show_id: show });
        }
        Ok(followed)
    }

    /// Notes that a preview was opened again, so it is not forgotten soon.
    pub async fn touch_preview(&self, show: ShowId, now: UnixTime) -> Result<()> {
        sqlx::query("UPDATE shows SET previewed_at = ? WHERE id = ? AND NOT followed")
            .bind(now)
            .bind(show.0)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Previews last opened before `before`, with nothing of theirs in Up Next.
    pub async fn stale_previews(&self, before: UnixTime) -> Result<Vec<ShowId>> {
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT s.id FROM shows s WHERE NOT s.followed AND COALESCE(s.previewed_at, 0) < ? \
             AND NOT EXISTS (SELECT 1 FROM queue q JOIN episodes e ON e.id = q.episode_id \
                 WHERE e.show_id = s.id)",
        )
        .bind(before)
        .fetch_all(&self.pool)
        .await?;
        Ok(ids.into_iter().map(ShowId).collect())
    }

    /// Removes the show with its episodes, progress and place in Up Next, in one transaction.
    pub async fn unsubscribe(&self, show: ShowId) -> Result<()> {
        let removed = sqlx::query("DELETE FROM shows WHERE id = ?")
            .bind(show.0)
            .execute(&self.pool)
            .await?;
        if removed.rows_affected() == 0 {
            return Err(Error::not_found(show.to_string()));
        }
        self.changes.publish(Change::ShowRemoved { show_id: show });
        // Its episodes left Up Next with it.
        self.changes.publish(Change::QueueChanged);
        Ok(())
    }

    /// What the next refresh of `show` needs: its address and the validators of the last fetch.
    pub async fn feed_state(&self, show: ShowId) -> Result<FeedState> {
        let row: Option<FeedStateRow> = sqlx::query_as(
            "SELECT feed_url, etag, last_modified, body_sha256, retry_after, auth_user, \
                 auth_password, artwork_url, artwork_cached FROM shows WHERE id = ?",
        )
        .bind(show.0)
        .fetch_optional(&self.pool)
        .await?;
        row.map(FeedState::from)
            .ok_or_else(|| Error::not_found(show.to_string()))
    }

    /// A refresh found nothing new: remember when, and clear any earlier error.
    pub async fn mark_refreshed(&self, show: ShowId, now: UnixTime) -> Result<()> {
        // The usual case, one statement: nothing to clear, only the time of the check.
        let checked = sqlx::query(
            "UPDATE shows SET refreshed_at = ?1 WHERE id = ?2 \
                 AND last_error IS NULL AND gone_at IS NULL AND retry_after IS NULL",
        )
        .bind(now)
        .bind(show.0)
        .execute(&self.pool)
        .await?
        .rows_affected()
            > 0;
        if checked {
            // Nothing a list shows changed.
            self.changes.publish(Change::ShowChecked {
                show_id: show,
                refreshed_at: now,
            });
            return Ok(());
        }
        sqlx::query(
            "UPDATE shows SET refreshed_at = ?1, last_error = NULL, last_error_at = NULL, \
                 gone_at = NULL, retry_after = NULL WHERE id = ?2",
        )
        .bind(now)
        .bind(show.0)
        .execute(&self.pool)
        .await?;
        // The show page's error goes away.
        self.show_updated(show);
        Ok(())
    }

    /// When the show checked longest ago was last checked (`None` when one never was, or there
    /// are no shows): the time a refresh of everything last finished for all of them.
    pub async fn oldest_check(&self) -> Result<Option<UnixTime>> {
        let (never, oldest): (i64, Option<i64>) = sqlx::query_as(
            "SELECT COUNT(*) FILTER (WHERE refreshed_at IS NULL), MIN(refreshed_at) FROM shows \
             WHERE followed",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(oldest.filter(|_| never == 0))
    }

    /// A refresh failed: keep everything, and record why and when for the show page.
    pub async fn record_refresh_error(
        &self,
        show: ShowId,
        message: &str,
        now: UnixTime,
    ) -> Result<()> {
        sqlx::query("UPDATE shows SET last_error = ?, last_error_at = ? WHERE id = ?")
            .bind(message)
            .bind(now)
            .bind(show.0)
            .execute(&self.pool)
            .await?;
        self.show_updated(show);
        Ok(())
    }

    pub async fn set_artwork_cached(&self, show: ShowId, cached: bool) -> Result<()> {
        sqlx::query("UPDATE shows SET artwork_cached = ? WHERE id = ?")
            .bind(cached)
            .bind(show.0)
            .execute(&self.pool)
            .await?;
        self.show_updated(show);
        Ok(())
    }

    /// Every subscription's id, title and address, cheaply (no counts): what a refresh needs.
    pub async fn feeds(&self) -> Result<Vec<FeedEntry>> {
        let rows =
            sqlx::query("SELECT id, title, feed_url, link FROM shows WHERE followed ORDER BY id")
                .fetch_all(&self.pool)
                .await?;
        Ok(rows
            .into_iter()
            .map(|row| FeedEntry {
                id: ShowId(row.get(0)),
                title: row.get(1),
                feed_url: row.get(2),
                link: row.get(3),
            })
            .collect())
    }

    pub async fn shows(&self) -> Result<Vec<Show>> {
        let rows: Vec<ShowRow> = sqlx::query_as(&format!(
            "SELECT {SHOW_COLUMNS} FROM shows s WHERE s.followed ORDER BY s.title COLLATE NOCASE"
        ))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(Show::from).collect())
    }

    pub async fn show(&self, id: ShowId) -> Result<Show> {
        let row: Option<ShowRow> = sqlx::query_as(&format!(
            "SELECT {SHOW_COLUMNS} FROM shows s WHERE s.id = ?"
        ))
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await?;
        row.map(Show::from)
            .ok_or_else(|| Error::not_found(id.to_string()))
    }

    /// Up Next's episodes, in order, in one query.
    pub async fn queued_episodes(&self) -> Result<Vec<Episode>> {
        let rows: Vec<EpisodeRow> = sqlx::query_as(&format!(
            "SELECT {EPISODE_COLUMNS} FROM queue q JOIN episodes e ON e.id = q.episode_id \
             JOIN shows s ON s.id = e.show_id \
             LEFT JOIN playback p ON p.episode_id = e.id {DOWNLOAD_JOIN} ORDER BY q.position"
        ))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows::episodes(rows))
    }

    /// The show's episodes, newest first.
    pub async fn episodes(&self, show: ShowId) -> Result<Vec<Episode>> {
        let rows: Vec<EpisodeRow> = sqlx::query_as(&format!(
            "SELECT {EPISODE_COLUMNS} FROM episodes e JOIN shows s ON s.id = e.show_id \
             LEFT JOIN playback p ON p.episode_id = e.id {DOWNLOAD_JOIN} \
             WHERE e.show_id = ? \
             ORDER BY e.published_at DESC, e.feed_order DESC"
        ))
        .bind(show.0)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows::episodes(rows))
    }

    /// One page of the show's episodes, newest first: what a long list shows first.
    /// One page of the show's episodes that pass `query.filter`, in `query.order`, and how
    /// many pass in all: what a long list shows first, then on demand.
    pub async fn episodes_page(&self, show: ShowId, query: EpisodeQuery) -> Result<EpisodeList> {
        let filter = match query.filter {
            EpisodeFilter::All => "",
            EpisodeFilter::Unplayed => " AND COALESCE(p.played, 0) = 0",
            EpisodeFilter::InProgress => {
                " AND COALESCE(p.played, 0) = 0 AND COALESCE(p.position_secs, 0) > 0"
            }
            EpisodeFilter::Downloaded => " AND d.state = 'done'",
        };
        // Undated episodes last either way.
        let order = match query.order {
            EpisodeOrder::Newest => "e.published_at DESC, e.feed_order DESC",
            EpisodeOrder::Oldest => "e.published_at IS NULL, e.published_at ASC, e.feed_order ASC",
        };
        let rows: Vec<EpisodeRow> = sqlx::query_as(&format!(
            "SELECT {EPISODE_COLUMNS} FROM episodes e JOIN shows s ON s.id = e.show_id \
             LEFT JOIN playback p ON p.episode_id = e.id {DOWNLOAD_JOIN} \
             WHERE e.show_id = ?{filter} ORDER BY {order} LIMIT ? OFFSET ?"
        ))
        .bind(show.0)
        .bind(query.limit)
        .bind(query.offset)
        .fetch_all(&self.pool)
        .await?;
        let total: i64 = sqlx::query_scalar(&format!(
            "SELECT COUNT(*) FROM episodes e LEFT JOIN playback p ON p.episode_id = e.id {DOWNLOAD_JOIN} \
             WHERE e.show_id = ?{filter}"
        ))
        .bind(show.0)
        .fetch_one(&self.pool)
        .await?;
        Ok(EpisodeList {
            episodes: rows::episodes(rows),
            total: u32::try_from(total).unwrap_or(u32::MAX),
        })
    }

    pub async fn episode(&self, id: EpisodeId) -> Result<Episode> {
        let row: Option<EpisodeRow> = sqlx::query_as(&format!(
            "SELECT {EPISODE_COLUMNS} FROM episodes e JOIN shows s ON s.id = e.show_id \
             LEFT JOIN playback p ON p.episode_id = e.id {DOWNLOAD_JOIN} \
             WHERE e.id = ?"
        ))
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await?;
        row.map(Episode::from)
            .ok_or_else(|| Error::not_found(id.to_string()))
    }

    /// The episodes with these ids (those that exist), in no particular order.
    pub async fn episodes_by_id(&self, ids: &[EpisodeId]) -> Result<Vec<Episode>> {
        let mut episodes = Vec::with_capacity(ids.len());
        // Within SQLite's limit on bound values.
        for chunk in ids.chunks(500) {
            let mut query = sqlx::QueryBuilder::new(format!(
                "SELECT {EPISODE_COLUMNS} FROM episodes e JOIN shows s ON s.id = e.show_id \
                 LEFT JOIN playback p ON p.episode_id = e.id {DOWNLOAD_JOIN} WHERE e.id IN ("
            ));
            let mut list = query.separated(", ");
            for id in chunk {
                list.push_bind(id.0);
            }
            query.push(")");
            let rows: Vec<EpisodeRow> = query.build_query_as().fetch_all(&self.pool).await?;
            episodes.extend(rows.into_iter().map(Episode::from));
        }
        Ok(episodes)
    }

    /// Marks an episode played or unplayed by hand; either way it starts from the top next time.
    pub async fn set_played(
        &self,
        episode: EpisodeId,
        played: bool,
        now: UnixTime,
    ) -> Result<ShowId> {
        self.save_progress(
            episode,
            Progress {
                position_secs: 0.0,
                played,
            },
            now,
        )
        .await
    }

    /// The episode the listener touched last and has not finished, if any.
    pub async fn last_in_progress(&self) -> Result<Option<EpisodeId>> {
        let id: Option<i64> = sqlx::query_scalar(
            "SELECT episode_id FROM playback WHERE played = 0 ORDER BY updated_at DESC, rowid DESC LIMIT 1",
        )
        .fetch_optional(&self.pool)
        .await?;
        Ok(id.map(EpisodeId))
    }

    /// Saves the listener's place in `episode`; returns its show.
    pub async fn save_progress(
        &self,
        episode: EpisodeId,
        progress: Progress,
        now: UnixTime,
    ) -> Result<ShowId> {
        let found: Option<(i64, bool)> = sqlx::query_as(
            "SELECT e.show_id, COALESCE(p.played, 0) FROM episodes e \
             LEFT JOIN playback p ON p.episode_id = e.id WHERE e.id = ?",
        )
        .bind(episode.0)
        .fetch_optional(&self.pool)
        .await?;
        let (show, was_played) = found.ok_or_else(|| Error::not_found(episode.to_string()))?;
        let show = ShowId(show);
        let progress = Progress {
            position_secs: progress.position_secs.max(0.0),
            ..progress
        };
        sqlx::query(
            "INSERT INTO playback (episode_id, position_secs, played, updated_at, played_at) \
             VALUES (?1, ?2, ?3, ?4, CASE WHEN ?3 THEN ?4 END) \
             ON CONFLICT (episode_id) DO UPDATE SET position_secs = excluded.position_secs, \
                 played = excluded.played, updated_at = excluded.updated_at, \
                 played_at = CASE WHEN NOT excluded.played THEN NULL \
                     WHEN playback.played THEN COALESCE(playback.played_at, excluded.played_at) \
                     ELSE excluded.played_at END",
        )
        .bind(episode.0)
        .bind(progress.position_secs)
        .bind(progress.played)
        .bind(now)
        .execute(&self.pool)
        .await?;
        self.changes.publish(Change::ProgressSaved {
            show_id: show,
            episode_id: episode,
            progress,
        });
        if was_played != progress.played {
            // Its unplayed count moved.
            self.show_updated(show);
        }
        Ok(show)
    }
}

fn to_json(value: &impl serde::Serialize) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "[]".to_string())
}

/// A fingerprint of everything the feed says about one episode.
fn backup_path(path: &Path, version: i64) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".before-{version}.bak"));
    path.with_file_name(name)
}
