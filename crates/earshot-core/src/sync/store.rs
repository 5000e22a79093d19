//! The sync's tables in the library (`sync_account`, `sync_pending`, `sync_applying`; see the
//! migration `20261202100000_sync.sql`). Local changes reach `sync_pending` through triggers, in
//! the transaction of the change; this module reads them, deletes them once the server has
//! acknowledged them, and writes the server's changes inside [`Applying`], which the triggers
//! recognise and do not queue again.

use std::collections::HashMap;

use sqlx::{Row, SqliteConnection, SqlitePool};

use crate::error::Result;
use crate::model::{Progress, SyncAccount, SyncKind, SyncProblem, SyncProblemKind, UnixTime};

/// The account with its cursors and last outcome.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct AccountRow {
    pub account: SyncAccount,
    pub subscriptions_since: Option<i64>,
    pub actions_since: Option<i64>,
    /// gpodder: each other device's subscription cursor.
    pub device_cursors: HashMap<String, i64>,
    pub last_sync_at: Option<UnixTime>,
    pub last_error: Option<SyncProblem>,
}

fn kind_name(kind: SyncKind) -> &'static str {
    match kind {
        SyncKind::Gpodder => "gpodder",
        SyncKind::Nextcloud => "nextcloud",
    }
}

fn problem_name(kind: SyncProblemKind) -> &'static str {
    match kind {
        SyncProblemKind::PasswordRefused => "password_refused",
        SyncProblemKind::Unreachable => "unreachable",
        SyncProblemKind::ServerError => "server_error",
        SyncProblemKind::BadAnswer => "bad_answer",
        SyncProblemKind::NoPassword => "no_password",
    }
}

fn problem_kind(name: &str) -> SyncProblemKind {
    match name {
        "password_refused" => SyncProblemKind::PasswordRefused,
        "unreachable" => SyncProblemKind::Unreachable,
        "bad_answer" => SyncProblemKind::BadAnswer,
        "no_password" => SyncProblemKind::NoPassword,
        _ => SyncProblemKind::ServerError,
    }
}

pub(crate) async fn account(pool: &SqlitePool) -> Result<Option<AccountRow>> {
    let row = sqlx::query(
        "SELECT kind, server, user_name, device, subscriptions_since, actions_since, \
             last_sync_at, last_error, last_error_kind, device_cursors FROM sync_account \
         WHERE id = 1",
    )
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|row| {
        let kind: String = row.get(0);
        let message: Option<String> = row.get(7);
        let error_kind: Option<String> = row.get(8);
        AccountRow {
            account: SyncAccount {
                kind: if kind == "nextcloud" {
                    SyncKind::Nextcloud
                } else {
                    SyncKind::Gpodder
                },
                server: row.get(1),
                user: row.get(2),
                device: row.get(3),
            },
            subscriptions_since: row.get(4),
            actions_since: row.get(5),
            device_cursors: serde_json::from_str(&row.get::<String, _>(9)).unwrap_or_default(),
            last_sync_at: row.get(6),
            last_error: message.map(|message| SyncProblem {
                kind: problem_kind(error_kind.as_deref().unwrap_or_default()),
                message,
            }),
        }
    }))
}

/// Makes `account` this library's: the same account signing in again keeps its cursors and
/// everything waiting; another one starts afresh, with every followed show and every place
/// here queued for its first sync (which merges both sides).
pub(crate) async fn sign_in(pool: &SqlitePool, account: &SyncAccount, now: UnixTime) -> Result<()> {
    let mut tx = pool.begin().await?;
    let same: Option<i64> = sqlx::query_scalar(
        "SELECT 1 FROM sync_account WHERE kind = ? AND server = ? AND user_name = ? AND device = ?",
    )
    .bind(kind_name(account.kind))
    .bind(&account.server)
    .bind(&account.user)
    .bind(&account.device)
    .fetch_optional(&mut *tx)
    .await?;
    if same.is_some() {
        return Ok(tx.commit().await?);
    }
    sqlx::query("DELETE FROM sync_account")
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM sync_pending")
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO sync_account (id, kind, server, user_name, device, signed_in_at) \
         VALUES (1, ?, ?, ?, ?, ?)",
    )
    .bind(kind_name(account.kind))
    .bind(&account.server)
    .bind(&account.user)
    .bind(&account.device)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO sync_pending (kind, feed_url, at) \
         SELECT 'subscribe', feed_url, subscribed_at FROM shows WHERE followed ORDER BY id",
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO sync_pending (kind, feed_url, episode_id, episode_guid, episode_url, \
             position_secs, played, duration_secs, at) \
         SELECT 'episode', s.feed_url, e.id, e.guid, e.enclosure_url, p.position_secs, p.played, \
             e.duration_secs, p.updated_at \
         FROM playback p JOIN episodes e ON e.id = p.episode_id JOIN shows s ON s.id = e.show_id \
         WHERE s.followed AND (p.played OR p.position_secs > 0) ORDER BY p.updated_at, p.episode_id",
    )
    .execute(&mut *tx)
    .await?;
    Ok(tx.commit().await?)
}

/// Forgets the account and what was waiting for it.
pub(crate) async fn sign_out(pool: &SqlitePool) -> Result<()> {
    let mut tx = pool.begin().await?;
    sqlx::query("DELETE FROM sync_account")
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM sync_pending")
        .execute(&mut *tx)
        .await?;
    Ok(tx.commit().await?)
}

pub(crate) async fn pending_count(pool: &SqlitePool) -> Result<u32> {
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sync_pending")
        .fetch_one(pool)
        .await?;
    Ok(u32::try_from(count).unwrap_or(u32::MAX))
}

/// Remembers how the sync at `now` ended: a success clears the last error.
pub(crate) async fn record_outcome(
    pool: &SqlitePool,
    now: UnixTime,
    error: Option<&SyncProblem>,
) -> Result<()> {
    match error {
        None => {
            sqlx::query(
                "UPDATE sync_account SET last_sync_at = ?, last_error = NULL, \
                 last_error_kind = NULL WHERE id = 1",
            )
            .bind(now)
            .execute(pool)
            .await?;
        }
        Some(problem) => {
            sqlx::query("UPDATE sync_account SET last_error = ?, last_error_kind = ? WHERE id = 1")
                .bind(&problem.message)
                .bind(problem_name(problem.kind))
                .execute(pool)
                .await?;
        }
    }
    Ok(())
}

/// A subscription change waiting here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PendingSubscription {
    pub id: i64,
    pub feed_url: String,
    pub subscribe: bool,
}

pub(crate) async fn pending_subscriptions(pool: &SqlitePool) -> Result<Vec<PendingSubscription>> {
    let rows = sqlx::query(
        "SELECT id, feed_url, kind FROM sync_pending WHERE kind != 'episode' ORDER BY id",
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| PendingSubscription {
            id: row.get(0),
            feed_url: row.get(1),
            subscribe: row.get::<String, _>(2) == "subscribe",
        })
        .collect())
}

/// A place (or played mark) waiting here.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PendingPlace {
    pub id: i64,
    pub feed_url: String,
    pub guid: Option<String>,
    pub episode_url: Option<String>,
    pub progress: Progress,
    pub duration_secs: Option<f64>,
    pub at: UnixTime,
}

/// The oldest `limit` places waiting.
pub(crate) async fn pending_places(pool: &SqlitePool, limit: usize) -> Result<Vec<PendingPlace>> {
    let rows = sqlx::query(
        "SELECT id, feed_url, episode_guid, episode_url, position_secs, played, duration_secs, at \
         FROM sync_pending WHERE kind = 'episode' ORDER BY id LIMIT ?",
    )
    .bind(i64::try_from(limit).unwrap_or(i64::MAX))
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| PendingPlace {
            id: row.get(0),
            feed_url: row.get(1),
            guid: row.get(2),
            episode_url: row.get(3),
            progress: Progress {
                position_secs: row.get::<Option<f64>, _>(4).unwrap_or(0.0),
                played: row.get::<Option<bool>, _>(5).unwrap_or(false),
            },
            duration_secs: row.get(6),
            at: row.get(7),
        })
        .collect())
}

/// The server has these: they are never sent again.
pub(crate) async fn acknowledge(pool: &SqlitePool, ids: &[i64]) -> Result<()> {
    let mut tx = pool.begin().await?;
    for chunk in ids.chunks(500) {
        let mut delete = sqlx::QueryBuilder::new("DELETE FROM sync_pending WHERE id IN (");
        let mut list = delete.separated(", ");
        for id in chunk {
            list.push_bind(*id);
        }
        delete.push(")");
        delete.build().execute(&mut *tx).await?;
    }
    Ok(tx.commit().await?)
}

/// A transaction whose writes are the server's: the triggers do not queue them. Dropped without
/// [`Applying::commit`], nothing of it stays.
pub(crate) struct Applying {
    tx: sqlx::Transaction<'static, sqlx::Sqlite>,
}

impl Applying {
    /// Begins it; the first statement writes, so the write lock is taken (and waited for) now
    /// rather than failing later when a read would have to become a write.
    pub(crate) async fn begin(pool: &SqlitePool) -> Result<Self> {
        let mut tx = pool.begin().await?;
        sqlx::query("INSERT INTO sync_applying (one) VALUES (1)")
            .execute(&mut *tx)
            .await?;
        Ok(Self { tx })
    }

    pub(crate) fn connection(&mut self) -> &mut SqliteConnection {
        &mut self.tx
    }

    pub(crate) async fn commit(mut self) -> Result<()> {
        sqlx::query("DELETE FROM sync_applying")
            .execute(&mut *self.tx)
            .await?;
        Ok(self.tx.commit().await?)
    }
}

/// A show in the library by its address: (id, followed).
pub(crate) async fn show_by_url(
    connection: &mut SqliteConnection,
    feed_url: &str,
) -> Result<Option<(i64, bool)>> {
    Ok(
        sqlx::query_as("SELECT id, followed FROM shows WHERE feed_url = ?")
            .bind(feed_url)
            .fetch_optional(connection)
            .await?,
    )
}

/// Follows a show another device follows: a preview here is followed, an unknown address
/// added unfetched (titled by its host until its first refresh). Returns its id.
pub(crate) async fn follow_remote(
    connection: &mut SqliteConnection,
    feed_url: &str,
    title: &str,
    now: UnixTime,
) -> Result<i64> {
    if let Some((id, followed)) = show_by_url(&mut *connection, feed_url).await? {
        if !followed {
            sqlx::query(
                "UPDATE shows SET followed = 1, previewed_at = NULL, subscribed_at = ? WHERE id = ?",
            )
            .bind(now)
            .bind(id)
            .execute(&mut *connection)
            .await?;
        }
        return Ok(id);
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO shows (feed_url, title, subscribed_at) VALUES (?, ?, ?) RETURNING id",
    )
    .bind(feed_url)
    .bind(title)
    .bind(now)
    .fetch_one(&mut *connection)
    .await?;
    sqlx::query("INSERT INTO shows_fts (rowid, title, author, description) VALUES (?, ?, '', '')")
        .bind(id)
        .bind(title)
        .execute(&mut *connection)
        .await?;
    Ok(id)
}

/// Queues "this device follows it" for a show followed because the server said so: a gpodder
/// server keeps a list per device, and lets a device remove only its own entries, so this
/// device's list must hold the show for its removal here to reach the others.
/// The same for a show unfollowed because the server said so (`follows`: false), so a device
/// joining later does not find it in this device's list.
pub(crate) async fn queue_echo(
    connection: &mut SqliteConnection,
    feed_url: &str,
    follows: bool,
    now: UnixTime,
) -> Result<()> {
    sqlx::query("DELETE FROM sync_pending WHERE kind != 'episode' AND feed_url = ?")
        .bind(feed_url)
        .execute(&mut *connection)
        .await?;
    sqlx::query("INSERT INTO sync_pending (kind, feed_url, at) VALUES (?, ?, ?)")
        .bind(if follows { "subscribe" } else { "unsubscribe" })
        .bind(feed_url)
        .bind(now)
        .execute(&mut *connection)
        .await?;
    Ok(())
}

pub(crate) async fn remove_show(connection: &mut SqliteConnection, show: i64) -> Result<()> {
    sqlx::query("DELETE FROM shows WHERE id = ?")
        .bind(show)
        .execute(connection)
        .await?;
    Ok(())
}

/// The server rewrote a feed address: the show and what waits for it follow. Returns the show
/// that moved, if any (none when another show already has the new address).
pub(crate) async fn rename_feed(
    connection: &mut SqliteConnection,
    old: &str,
    new: &str,
) -> Result<Option<i64>> {
    let moved: Option<i64> = sqlx::query_scalar(
        "UPDATE shows SET feed_url = ?1 WHERE feed_url = ?2 \
         AND NOT EXISTS (SELECT 1 FROM shows WHERE feed_url = ?1) RETURNING id",
    )
    .bind(new)
    .bind(old)
    .fetch_optional(&mut *connection)
    .await?;
    sqlx::query("UPDATE sync_pending SET feed_url = ? WHERE feed_url = ?")
        .bind(new)
        .bind(old)
        .execute(&mut *connection)
        .await?;
    Ok(moved)
}

/// An episode of a followed show, as matching remote actions needs it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct KnownEpisode {
    pub id: i64,
    pub show: i64,
    pub duration_secs: Option<f64>,
    /// When its place here last changed (None: never played here).
    pub changed_at: Option<UnixTime>,
    pub progress: Progress,
}

/// A show's episodes by guid and by media address.
#[derive(Debug, Default)]
pub(crate) struct ShowEpisodes {
    pub episodes: Vec<KnownEpisode>,
    pub by_guid: HashMap<String, usize>,
    pub by_url: HashMap<String, usize>,
}

impl ShowEpisodes {
    /// Matched by guid, else by media address (as Nextcloud's app and AntennaPod do).
    pub(crate) fn find(&self, guid: Option<&str>, url: &str) -> Option<usize> {
        guid.filter(|g| !g.is_empty())
            .and_then(|g| self.by_guid.get(g))
            .or_else(|| self.by_url.get(url))
            .copied()
    }
}

/// The episodes of the followed show at `feed_url` (None when there is no such show).
pub(crate) async fn show_episodes(
    connection: &mut SqliteConnection,
    feed_url: &str,
) -> Result<Option<ShowEpisodes>> {
    let Some((show, true)) = show_by_url(&mut *connection, feed_url).await? else {
        return Ok(None);
    };
    let rows = sqlx::query(
        "SELECT e.id, e.guid, e.enclosure_url, e.duration_secs, p.updated_at, \
             COALESCE(p.played, 0), COALESCE(p.position_secs, 0.0) FROM episodes e LEFT JOIN playback p ON p.episode_id = e.id \
         WHERE e.show_id = ?",
    )
    .bind(show)
    .fetch_all(&mut *connection)
    .await?;
    let mut found = ShowEpisodes::default();
    for row in rows {
        let index = found.episodes.len();
        found.by_guid.insert(row.get(1), index);
        if let Some(url) = row.get::<Option<String>, _>(2) {
            found.by_url.insert(url, index);
        }
        found.episodes.push(KnownEpisode {
            id: row.get(0),
            show,
            duration_secs: row.get(3),
            changed_at: row.get(4),
            progress: Progress {
                played: row.get(5),
                position_secs: row.get(6),
            },
        });
    }
    Ok(Some(found))
}

/// Writes a place another device reported, as of `at`, and drops what waited here to be sent
/// for the episode from before then (the newer action has won; sending the older one would only
/// make a server that keeps one action per episode, like Nextcloud's, forget the newer).
pub(crate) async fn apply_place(
    connection: &mut SqliteConnection,
    episode: i64,
    progress: Progress,
    at: UnixTime,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO playback (episode_id, position_secs, played, updated_at, played_at) \
         VALUES (?1, ?2, ?3, ?4, CASE WHEN ?3 THEN ?4 END) \
         ON CONFLICT (episode_id) DO UPDATE SET position_secs = excluded.position_secs, \
             played = excluded.played, updated_at = excluded.updated_at, \
             played_at = CASE WHEN NOT excluded.played THEN NULL \
                 WHEN playback.played THEN COALESCE(playback.played_at, excluded.played_at) \
                 ELSE excluded.played_at END",
    )
    .bind(episode)
    .bind(progress.position_secs)
    .bind(progress.played)
    .bind(at)
    .execute(&mut *connection)
    .await?;
    sqlx::query("DELETE FROM sync_pending WHERE episode_id = ? AND at < ?")
        .bind(episode)
        .bind(at)
        .execute(&mut *connection)
        .await?;
    Ok(())
}

pub(crate) async fn set_cursors(
    connection: &mut SqliteConnection,
    subscriptions_since: Option<i64>,
    device_cursors: Option<&HashMap<String, i64>>,
    actions_since: Option<i64>,
) -> Result<()> {
    sqlx::query(
        "UPDATE sync_account SET subscriptions_since = COALESCE(?, subscriptions_since), \
             device_cursors = COALESCE(?, device_cursors), \
             actions_since = COALESCE(?, actions_since) WHERE id = 1",
    )
    .bind(subscriptions_since)
    .bind(device_cursors.map(|c| serde_json::to_string(c).unwrap_or_else(|_| "{}".into())))
    .bind(actions_since)
    .execute(connection)
    .await?;
    Ok(())
}
