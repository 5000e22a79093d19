//! Sync: the listener's subscriptions and places carried between devices through a
//! gpodder.net-compatible server or Nextcloud's gPodder Sync app, so a desktop play continues on
//! a phone (AntennaPod, Kasts…) and back.
//!
//! Invariants:
//! - Every local change (a place saved, played or unplayed by hand, a show followed or
//!   unfollowed, a feed that moved) is queued in `sync_pending` by triggers in the transaction
//!   of the change, so a quit or a crash can never lose one; a queued change is deleted only when
//!   the server has acknowledged the batch that carried it, so it is sent at most once unless
//!   the server's answer itself is lost (then the batch goes again, and the newest-wins rule on
//!   every device makes the repeat harmless).
//! - The server's changes are written inside [`store::Applying`], which the triggers recognise:
//!   they are never queued to be sent back, and our own uploads coming back are not applied
//!   again (they are not newer than what is here, and on gpodder they carry our device).
//! - Per episode the newest action wins, on both sides (timestamps, seconds, UTC; within one
//!   second the one further along). A
//!   subscription change still waiting here beats the server's opposite change, which is older
//!   news (the delta API gives no time per change, only that it came after the last sync).
//! - A first sync merges: everything followed here is sent, everything followed there is
//!   followed here, nothing is removed.
//! - A sync fails only for the library's sake; the server's failures are a [`SyncProblem`] in
//!   the [`SyncReport`] and the status, in words, with what waits to be sent.
//!
//! The servers' own `since` cursors compare seconds with `>` (and, for episode actions, the
//! actions' own timestamps), so the subscription cursor is kept one second early and episode
//! actions are read again from [`ACTION_LOOKBACK_SECS`] before the last cursor: an action a
//! phone made offline and uploaded later is still seen. Both overlaps are harmless, since
//! applying the same change twice changes nothing.

mod rules;
mod secrets;
mod server;
mod store;

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::time::Duration;

pub use rules::device_id;
pub use secrets::{Keyring, MemoryKeyring};

use crate::Core;
use crate::change::Change;
use crate::error::{Error, Result};
use crate::model::{
    EpisodeId, NextcloudGrant, NextcloudLoginFlow, PasswordKept, Progress, ShowId, SyncAccount,
    SyncKind, SyncProblem, SyncProblemKind, SyncReport, SyncStatus, UnixTime,
};
use server::{OutgoingAction, Remote};

/// The environment variable read for the password (scripts, CI); never stored.
pub const PASSWORD_ENV: &str = "EARSHOT_SYNC_PASSWORD";
/// How often the app syncs while running.
pub const SYNC_EVERY_SECS: u64 = 15 * 60;
/// How long after playback pauses or an episode ends the app waits before syncing (a newer
/// pause restarts the wait).
pub const SYNC_AFTER_PLAYBACK_SECS: u64 = 5;
/// Episode actions are read again from this long before the last cursor (see the module docs).
pub const ACTION_LOOKBACK_SECS: i64 = 7 * 24 * 3600;
/// Episode actions sent per request.
pub const BATCH_SIZE: usize = 1000;
/// When a change made here was announced one by one; a sync that changes more episodes than
/// this announces them per show.
const ANNOUNCE_EACH_UP_TO: usize = 500;

/// How the core syncs.
#[derive(Clone)]
pub struct SyncConfig {
    pub keyring: Keyring,
    /// `EARSHOT_SYNC_PASSWORD` as it was when the config was made.
    pub password_from_env: Option<String>,
    /// Episode actions per upload request.
    pub batch_size: usize,
    /// Time limit for one request to the server.
    pub timeout: Duration,
}

impl std::fmt::Debug for SyncConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyncConfig")
            .field("keyring", &self.keyring)
            .field("password_from_env", &self.password_from_env.is_some())
            .field("batch_size", &self.batch_size)
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl Default for SyncConfig {
    fn default() -> Self {
        Self {
            keyring: Keyring::System,
            password_from_env: None,
            batch_size: BATCH_SIZE,
            timeout: Duration::from_secs(30),
        }
    }
}

impl SyncConfig {
    /// The system keyring, and `EARSHOT_SYNC_PASSWORD` when it is set.
    pub fn from_env() -> Self {
        Self {
            password_from_env: std::env::var(PASSWORD_ENV).ok().filter(|p| !p.is_empty()),
            ..Self::default()
        }
    }
}

/// A device name for a new account: this computer's host name.
pub fn default_device_name() -> String {
    let host = std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .or_else(|| {
            std::fs::read_to_string("/etc/hostname")
                .ok()
                .map(|h| h.trim().to_string())
        })
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "earshot-desktop".to_string());
    device_id(&host)
}

/// The sync's part of a [`Core`]: one HTTP client, where passwords are, the gpodder session of
/// this run, and the turn that keeps two syncs from running at once.
pub(crate) struct SyncState {
    http: reqwest::Client,
    passwords: secrets::Passwords,
    cookie: Mutex<Option<String>>,
    turn: tokio::sync::Mutex<()>,
    batch_size: usize,
}

impl std::fmt::Debug for SyncState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyncState")
            .field("passwords", &self.passwords)
            .finish_non_exhaustive()
    }
}

impl SyncState {
    pub(crate) fn new(config: SyncConfig, user_agent: &str) -> Result<Self> {
        let http = reqwest::Client::builder()
            .user_agent(user_agent)
            .timeout(config.timeout)
            .connect_timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| Error::Unreachable {
                url: "the sync server".into(),
                detail: e.to_string(),
            })?;
        Ok(Self {
            http,
            passwords: secrets::Passwords::new(config.keyring, config.password_from_env),
            cookie: Mutex::new(None),
            turn: tokio::sync::Mutex::new(()),
            batch_size: config.batch_size.max(1),
        })
    }
}

/// Why a sync stopped early.
enum Stop {
    /// The library failed: the sync fails.
    Library(Error),
    /// The server did: the report says so.
    Server(SyncProblem),
}

impl From<Error> for Stop {
    fn from(error: Error) -> Self {
        Stop::Library(error)
    }
}

impl From<SyncProblem> for Stop {
    fn from(problem: SyncProblem) -> Self {
        Stop::Server(problem)
    }
}

/// The account as typed, tidied: the address without a trailing slash, a valid device id.
fn tidy(account: SyncAccount) -> Result<SyncAccount> {
    let server = account.server.trim().trim_end_matches('/').to_string();
    let base = server::base_url(&server).map_err(|problem| Error::Sync { problem })?;
    let server = if server.contains("://") {
        server
    } else {
        base.as_str().trim_end_matches('/').to_string()
    };
    Ok(SyncAccount {
        server,
        user: account.user.trim().to_string(),
        device: device_id(&account.device),
        kind: account.kind,
    })
}

/// A feed address from the server in the form the library keeps (or None for one that is not
/// a web address: `fb:` shortcuts and the like are skipped, as AntennaPod does).
fn library_url(url: &str) -> Option<String> {
    url::Url::parse(url.trim())
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https"))
        .map(|u| u.to_string())
}

impl Core {
    fn remote<'a>(&'a self, account: &'a SyncAccount, password: &'a str) -> Remote<'a> {
        Remote {
            http: &self.sync.http,
            account,
            password,
            cookie: &self.sync.cookie,
        }
    }

    /// Signs in to a sync server: checks the password with the server (on gpodder it also
    /// registers this device and links it with the account's other devices), keeps the password
    /// in the keyring (or for this run only, when no keyring answers; never when it came from
    /// `EARSHOT_SYNC_PASSWORD`), and makes the account this library's. Signing in again to the
    /// same account keeps everything waiting to be sent; another account starts afresh with a
    /// first sync that merges both sides. Nothing is synced yet: call [`Core::sync_now`].
    pub async fn sync_login(
        &self,
        account: SyncAccount,
        password: &str,
        now: UnixTime,
    ) -> Result<SyncStatus> {
        let account = tidy(account)?;
        let _turn = self.sync.turn.lock().await;
        *self
            .sync
            .cookie
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = None;
        self.remote(&account, password)
            .sign_in()
            .await
            .map_err(|problem| Error::Sync { problem })?;
        store::sign_in(self.library.pool(), &account, now).await?;
        let kept = self.sync.passwords.store(&account, password).await;
        tracing::info!(server = %account.server, kind = ?account.kind, "signed in to sync");
        let mut status = self.status_of(Some(kept)).await?;
        status.password = kept;
        Ok(status)
    }

    /// Signs out: forgets the account, the changes waiting for it and its password here. The
    /// library itself is left as it is.
    pub async fn sync_logout(&self) -> Result<()> {
        let _turn = self.sync.turn.lock().await;
        if let Some(row) = store::account(self.library.pool()).await? {
            self.sync.passwords.forget(&row.account).await;
        }
        *self
            .sync
            .cookie
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = None;
        store::sign_out(self.library.pool()).await?;
        tracing::info!("signed out of sync");
        Ok(())
    }

    /// The account, the last sync, what waits to be sent and the last error.
    pub async fn sync_status(&self) -> Result<SyncStatus> {
        self.status_of(None).await
    }

    /// Whether an account is signed in, from the library alone (no keyring is asked).
    pub async fn sync_signed_in(&self) -> Result<bool> {
        Ok(store::account(self.library.pool()).await?.is_some())
    }

    async fn status_of(&self, kept: Option<PasswordKept>) -> Result<SyncStatus> {
        let pool = self.library.pool();
        let row = store::account(pool).await?;
        let pending_changes = store::pending_count(pool).await?;
        let Some(row) = row else {
            return Ok(SyncStatus {
                account: None,
                password: PasswordKept::Missing,
                last_sync_at: None,
                pending_changes,
                last_error: None,
            });
        };
        let password = match kept {
            Some(kept) => kept,
            None => self
                .sync
                .passwords
                .get(&row.account)
                .await
                .map_or(PasswordKept::Missing, |(_, kept)| kept),
        };
        Ok(SyncStatus {
            account: Some(row.account),
            password,
            last_sync_at: row.last_sync_at,
            pending_changes,
            last_error: row.last_error,
        })
    }

    /// Nextcloud Login Flow v2, started: open the flow's `login_url` in the browser, then call
    /// [`Core::nextcloud_login_poll`] every few seconds until it gives the app password.
    pub async fn nextcloud_login_start(&self, server: &str) -> Result<NextcloudLoginFlow> {
        server::login_flow_start(&self.sync.http, server)
            .await
            .map_err(|problem| Error::Sync { problem })
    }

    /// Whether the listener has granted access yet: None while not; then the server address,
    /// login name and app password to give [`Core::sync_login`].
    pub async fn nextcloud_login_poll(
        &self,
        flow: &NextcloudLoginFlow,
    ) -> Result<Option<NextcloudGrant>> {
        server::login_flow_poll(&self.sync.http, flow)
            .await
            .map_err(|problem| Error::Sync { problem })
    }

    /// Syncs now: subscriptions both ways (new shows from other devices are fetched), then
    /// episode actions both ways. Fails only when the library does ([`Error::NotSignedIn`]
    /// without an account); a server that refuses or cannot be reached is reported in
    /// [`SyncReport::error`] (and [`Core::sync_status`]), and what was not sent waits.
    /// Changes to the library are announced as [`Change`]s once committed.
    pub async fn sync_now(&self, now: UnixTime) -> Result<SyncReport> {
        let _turn = self.sync.turn.lock().await;
        let pool = self.library.pool();
        let Some(row) = store::account(pool).await? else {
            return Err(Error::NotSignedIn);
        };
        let mut report = SyncReport::default();
        match self.sync_with(&row, now, &mut report).await {
            Ok(()) => {}
            Err(Stop::Library(error)) => return Err(error),
            Err(Stop::Server(mut problem)) => {
                let waiting = store::pending_count(pool).await?;
                if waiting > 0 {
                    let changes = if waiting == 1 { "change" } else { "changes" };
                    problem.message = format!(
                        "{}; {waiting} {changes} will be sent later",
                        problem.message
                    );
                }
                tracing::warn!(message = %problem.message, "sync did not finish");
                report.error = Some(problem);
            }
        }
        store::record_outcome(pool, now, report.error.as_ref()).await?;
        tracing::info!(
            uploaded = report.uploaded_actions,
            downloaded = report.downloaded_actions,
            applied = report.applied_actions,
            added = report.subscriptions_added,
            removed = report.subscriptions_removed,
            "synced"
        );
        Ok(report)
    }

    async fn sync_with(
        &self,
        row: &store::AccountRow,
        now: UnixTime,
        report: &mut SyncReport,
    ) -> Result<(), Stop> {
        let account = &row.account;
        let Some((password, _)) = self.sync.passwords.get(account).await else {
            return Err(Stop::Server(SyncProblem {
                kind: SyncProblemKind::NoPassword,
                message: format!(
                    "no password is kept for {} on this computer: sign in again",
                    account.user
                ),
            }));
        };
        let remote = self.remote(account, &password);
        let added = self.sync_subscriptions(row, &remote, now, report).await?;
        if !added.is_empty() {
            // Their episodes must be here before the actions about them are read.
            let refreshed = self.refresh_shows(Some(&added), now, |_| {}).await?;
            tracing::info!(
                shows = refreshed.len(),
                "fetched the shows other devices follow"
            );
        }
        self.sync_actions(row, &remote, report).await
    }

    /// Subscriptions: the server's changes applied here, then ours sent. Returns the shows
    /// added here, to be fetched.
    async fn sync_subscriptions(
        &self,
        row: &store::AccountRow,
        remote: &Remote<'_>,
        now: UnixTime,
        report: &mut SyncReport,
    ) -> Result<Vec<ShowId>, Stop> {
        let pool = self.library.pool();
        let first = row.subscriptions_since.is_none();
        // gpodder keeps a list per device: every other device's changes are read (a device in
        // a sync group answers for the group). Nextcloud keeps one list for the account.
        let mut cursors = row.device_cursors.clone();
        let mut deltas = Vec::new();
        let mut since = None;
        match row.account.kind {
            SyncKind::Gpodder => {
                for device in remote.devices().await? {
                    if device == row.account.device {
                        continue;
                    }
                    let from = cursors.get(&device).copied().unwrap_or(0);
                    let delta = remote.subscription_changes(&device, from).await?;
                    cursors.insert(device, (delta.timestamp - 1).max(0));
                    since = since.max(Some(delta.timestamp));
                    deltas.push(delta);
                }
            }
            SyncKind::Nextcloud => {
                let delta = remote
                    .subscription_changes(&row.account.device, row.subscriptions_since.unwrap_or(0))
                    .await?;
                since = Some(delta.timestamp);
                deltas.push(delta);
            }
        }
        let waiting: HashMap<String, bool> = store::pending_subscriptions(pool)
            .await?
            .into_iter()
            .map(|p| (p.feed_url, p.subscribe))
            .collect();
        // A show added and removed since the cursors changed twice (on one device or two); it
        // is followed on some device now, so the add wins.
        let mut added_remotely: Vec<String> = Vec::new();
        for url in deltas
            .iter()
            .flat_map(|d| &d.add)
            .filter_map(|u| library_url(u))
        {
            if !added_remotely.contains(&url) {
                added_remotely.push(url);
            }
        }
        let removed_remotely: HashSet<String> = deltas
            .iter()
            .flat_map(|d| &d.remove)
            .filter_map(|u| library_url(u))
            .collect();
        let mut to_add = Vec::new();
        let mut to_remove = Vec::new();
        for url in &added_remotely {
            let followed = matches!(
                store::show_by_url(&mut *pool.acquire().await.map_err(Error::from)?, url).await?,
                Some((_, true))
            );
            if rules::remote_subscription(true, waiting.get(url).copied(), followed, first)
                == rules::Followed::Add
            {
                to_add.push(url.clone());
            }
        }
        for url in removed_remotely
            .iter()
            .filter(|u| !added_remotely.contains(u))
        {
            let found =
                store::show_by_url(&mut *pool.acquire().await.map_err(Error::from)?, url).await?;
            let followed = matches!(found, Some((_, true)));
            if rules::remote_subscription(false, waiting.get(url).copied(), followed, first)
                == rules::Followed::Remove
                && let Some((id, _)) = found
            {
                to_remove.push((ShowId(id), url.clone()));
            }
        }
        // Files first: a crash after this leaves the show without its downloads, never rows
        // pointing at files that are gone.
        for (show, _) in &to_remove {
            self.downloads.delete_show(*show).await?;
        }
        let mut applying = store::Applying::begin(pool).await?;
        let mut added = Vec::new();
        for url in &to_add {
            let title = url::Url::parse(url)
                .ok()
                .and_then(|u| u.host_str().map(str::to_string))
                .unwrap_or_else(|| "Untitled show".into());
            added.push(ShowId(
                store::follow_remote(applying.connection(), url, &title, now).await?,
            ));
            if row.account.kind == SyncKind::Gpodder {
                store::queue_echo(applying.connection(), url, true, now).await?;
            }
        }
        for (show, url) in &to_remove {
            store::remove_show(applying.connection(), show.0).await?;
            if row.account.kind == SyncKind::Gpodder {
                store::queue_echo(applying.connection(), url, false, now).await?;
            }
        }
        // One second early: the servers compare whole seconds with `>`.
        let since = since.map(|s| (s - 1).max(0)).unwrap_or(0);
        store::set_cursors(applying.connection(), Some(since), Some(&cursors), None).await?;
        applying.commit().await?;
        for show in &added {
            self.library
                .changes()
                .publish(Change::ShowAdded { show_id: *show });
        }
        for (show, _) in &to_remove {
            self.artwork.remove(*show).await;
            self.library
                .changes()
                .publish(Change::ShowRemoved { show_id: *show });
        }
        if !to_remove.is_empty() {
            self.library.changes().publish(Change::QueueChanged);
        }
        report.subscriptions_added = count(added.len());
        report.subscriptions_removed = count(to_remove.len());

        let pending = store::pending_subscriptions(pool).await?;
        if !pending.is_empty() {
            let (add, remove): (Vec<_>, Vec<_>) = pending.iter().partition(|p| p.subscribe);
            let add: Vec<String> = add.into_iter().map(|p| p.feed_url.clone()).collect();
            let remove: Vec<String> = remove.into_iter().map(|p| p.feed_url.clone()).collect();
            let uploaded = remote.upload_subscriptions(&add, &remove).await?;
            let ids: Vec<i64> = pending.iter().map(|p| p.id).collect();
            store::acknowledge(pool, &ids).await?;
            report.subscriptions_uploaded = count(ids.len());
            self.apply_renames(&uploaded.update_urls).await?;
        }
        Ok(added)
    }

    /// Feed addresses the server rewrote: the library follows, so actions match next time.
    async fn apply_renames(&self, renames: &[(String, String)]) -> Result<()> {
        if renames.is_empty() {
            return Ok(());
        }
        let mut applying = store::Applying::begin(self.library.pool()).await?;
        let mut moved = Vec::new();
        for (old, new) in renames {
            if let Some(new) = library_url(new)
                && let Some(show) = store::rename_feed(applying.connection(), old, &new).await?
            {
                moved.push(ShowId(show));
            }
        }
        applying.commit().await?;
        for show in moved {
            tracing::info!(show = show.0, "the sync server rewrote the feed's address");
            self.library
                .changes()
                .publish(Change::ShowUpdated { show_id: show });
        }
        Ok(())
    }

    /// Episode actions: the server's applied here (the newer wins), then ours sent in batches.
    async fn sync_actions(
        &self,
        row: &store::AccountRow,
        remote: &Remote<'_>,
        report: &mut SyncReport,
    ) -> Result<(), Stop> {
        let pool = self.library.pool();
        let since = row
            .actions_since
            .map_or(0, |since| (since - ACTION_LOOKBACK_SECS).max(0));
        let got = remote.episode_actions(since).await?;
        let own_device = (row.account.kind == SyncKind::Gpodder).then_some(&row.account.device);
        let mut actions: Vec<(UnixTime, server::IncomingAction)> = got
            .actions
            .into_iter()
            .filter(|a| own_device.is_none() || a.device.as_ref() != own_device)
            .filter_map(|a| {
                let at = a.timestamp.as_deref().and_then(rules::parse_timestamp)?;
                Some((at, a))
            })
            .collect();
        report.downloaded_actions = count(
            actions
                .iter()
                .filter(|(at, _)| row.actions_since.is_none_or(|since| *at >= since))
                .count(),
        );
        // Oldest first, so the newest action for an episode is the one that stays.
        actions.sort_by_key(|(at, _)| *at);

        let mut applying = store::Applying::begin(pool).await?;
        let mut shows: HashMap<String, Option<store::ShowEpisodes>> = HashMap::new();
        let mut changed: Vec<(ShowId, EpisodeId, Progress, bool)> = Vec::new();
        for (at, action) in &actions {
            let Some(heard) = rules::heard(&action.action, action.position, action.total) else {
                continue;
            };
            let feed = library_url(&action.podcast).unwrap_or_else(|| action.podcast.clone());
            if !shows.contains_key(&feed) {
                let found = store::show_episodes(applying.connection(), &feed).await?;
                shows.insert(feed.clone(), found);
            }
            let Some(Some(known)) = shows.get_mut(&feed) else {
                continue;
            };
            let Some(index) = known.find(action.guid.as_deref(), &action.episode) else {
                tracing::debug!("an action for an episode not in the library");
                continue;
            };
            let episode = &mut known.episodes[index];
            let progress = rules::progress_for(heard, episode.duration_secs);
            if !rules::remote_wins(*at, progress, episode.changed_at, episode.progress) {
                continue;
            }
            store::apply_place(applying.connection(), episode.id, progress, *at).await?;
            let played_changed = episode.progress.played != progress.played;
            episode.changed_at = Some(*at);
            episode.progress = progress;
            changed.push((
                ShowId(episode.show),
                EpisodeId(episode.id),
                progress,
                played_changed,
            ));
        }
        store::set_cursors(applying.connection(), None, None, Some(got.timestamp)).await?;
        applying.commit().await?;
        report.applied_actions = count(changed.len());
        self.announce_places(&changed);

        while let Some(sent) = self.upload_places(remote).await? {
            report.uploaded_actions += sent;
        }
        Ok(())
    }

    /// Tells the front ends about places another device set: one by one, or per show when a
    /// sync changed many (a first sync of a long history).
    fn announce_places(&self, changed: &[(ShowId, EpisodeId, Progress, bool)]) {
        let changes = self.library.changes();
        if changed.len() <= ANNOUNCE_EACH_UP_TO {
            let mut counts_moved = HashSet::new();
            for (show, episode, progress, played_changed) in changed {
                changes.publish(Change::ProgressSaved {
                    show_id: *show,
                    episode_id: *episode,
                    progress: *progress,
                });
                if *played_changed {
                    counts_moved.insert(*show);
                }
            }
            for show in counts_moved {
                changes.publish(Change::ShowUpdated { show_id: show });
            }
            return;
        }
        let mut per_show: HashMap<ShowId, Vec<EpisodeId>> = HashMap::new();
        for (show, episode, ..) in changed {
            per_show.entry(*show).or_default().push(*episode);
        }
        for (show, episodes) in per_show {
            changes.publish(Change::ShowRefreshed {
                show_id: show,
                new_episodes: Vec::new(),
                changed_episodes: episodes,
            });
        }
    }

    /// Sends the oldest batch of waiting places; None when nothing waits.
    async fn upload_places(&self, remote: &Remote<'_>) -> Result<Option<u32>, Stop> {
        let pool = self.library.pool();
        let batch = store::pending_places(pool, self.sync.batch_size).await?;
        if batch.is_empty() {
            return Ok(None);
        }
        let device =
            (remote.account.kind == SyncKind::Gpodder).then(|| remote.account.device.clone());
        let mut actions = Vec::with_capacity(batch.len());
        for place in &batch {
            // The API names an episode by its media address: one without cannot be told.
            let Some(episode) = &place.episode_url else {
                continue;
            };
            let out = rules::outgoing(place.progress, place.duration_secs);
            actions.push(OutgoingAction {
                podcast: place.feed_url.clone(),
                episode: episode.clone(),
                guid: place.guid.clone(),
                device: device.clone(),
                action: out.action,
                timestamp: rules::format_timestamp(place.at),
                started: out.started,
                position: out.position,
                total: out.total,
            });
        }
        let uploaded = if actions.is_empty() {
            server::Uploaded::default()
        } else {
            remote.upload_actions(&actions).await?
        };
        let ids: Vec<i64> = batch.iter().map(|p| p.id).collect();
        store::acknowledge(pool, &ids).await?;
        self.apply_renames(&uploaded.update_urls).await?;
        Ok(Some(count(actions.len())))
    }
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}
