//! `sync login | status | logout`, `sync` itself, and `mark`: the same sync as the app's, on the
//! same library. A sync the server refused or could not take is reported (its changes wait in
//! the library) and exits 5; the password comes from `--password-stdin`, else
//! `EARSHOT_SYNC_PASSWORD`, else a prompt, and is kept in the system keyring (or, where none
//! answers, for this run only: a later command then needs `EARSHOT_SYNC_PASSWORD`).

use std::fmt;
use std::io::BufRead;

use earshot_core::{
    Core, Error, ErrorCode, PasswordKept, Progress, SyncAccount, SyncKind, SyncProblem, SyncReport,
    SyncStatus, UnixTime,
};
use serde::Serialize;

use super::episodes::ListedEpisode;
use super::{find_episode, now};
use crate::Fatal;
use crate::report::{Report, rfc3339, serialize_rfc3339};

/// What `sync login` was given.
pub struct Login {
    pub server: String,
    pub user: String,
    pub device: Option<String>,
    pub nextcloud: bool,
    pub password_stdin: bool,
}

/// The password: a line of stdin, else `EARSHOT_SYNC_PASSWORD`, else asked for without echo.
fn password(from_stdin: bool) -> Result<String, Fatal> {
    if from_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| Fatal::Usage(format!("no password on stdin: {e}")))?;
        return Ok(line.trim_end_matches(['\r', '\n']).to_string());
    }
    if let Ok(password) = std::env::var(earshot_core::sync::PASSWORD_ENV)
        && !password.is_empty()
    {
        return Ok(password);
    }
    rpassword::prompt_password("Password: ")
        .map_err(|e| Fatal::Usage(format!("no password given ({e}); use --password-stdin")))
}

/// A sign-in or sync the server did not take: exit 5.
fn refused(error: Error) -> Fatal {
    match error {
        Error::Sync { problem } => Fatal::Sync(problem.message),
        error if error.code() == ErrorCode::NotSignedIn => Fatal::Usage(error.to_string()),
        error => error.into(),
    }
}

/// `sync login`.
pub async fn login(core: &Core, login: &Login) -> Result<StatusReport, Fatal> {
    let password = password(login.password_stdin)?;
    let account = SyncAccount {
        kind: if login.nextcloud {
            SyncKind::Nextcloud
        } else {
            SyncKind::Gpodder
        },
        server: login.server.clone(),
        user: login.user.clone(),
        device: login
            .device
            .clone()
            .unwrap_or_else(earshot_core::sync::default_device_name),
    };
    let status = core
        .sync_login(account, &password, now())
        .await
        .map_err(refused)?;
    Ok(StatusReport::from(status))
}

/// `sync status`.
pub async fn status(core: &Core) -> Result<StatusReport, Fatal> {
    Ok(StatusReport::from(core.sync_status().await?))
}

/// `sync logout`.
pub async fn logout(core: &Core) -> Result<StatusReport, Fatal> {
    core.sync_logout().await?;
    status(core).await
}

/// `sync`: a sync now. A server failure is in the report and makes the exit status 5.
pub async fn sync(core: &Core) -> Result<SyncedReport, Fatal> {
    let report = core.sync_now(now()).await.map_err(refused)?;
    Ok(SyncedReport::from(report))
}

/// The account as `sync status` prints it (the CLI's keys, snake_case).
#[derive(Debug, Serialize)]
pub struct StatusReport {
    pub signed_in: bool,
    pub kind: Option<&'static str>,
    pub server: Option<String>,
    pub user: Option<String>,
    pub device: Option<String>,
    /// `keyring`, `this_run_only`, `environment` or `missing`.
    pub password: &'static str,
    #[serde(serialize_with = "serialize_rfc3339")]
    pub last_sync_at: Option<UnixTime>,
    pub pending_changes: u32,
    pub last_error: Option<String>,
}

impl From<SyncStatus> for StatusReport {
    fn from(status: SyncStatus) -> Self {
        let account = status.account;
        StatusReport {
            signed_in: account.is_some(),
            kind: account.as_ref().map(|a| match a.kind {
                SyncKind::Gpodder => "gpodder",
                SyncKind::Nextcloud => "nextcloud",
            }),
            server: account.as_ref().map(|a| a.server.clone()),
            user: account.as_ref().map(|a| a.user.clone()),
            device: account.map(|a| a.device),
            password: match status.password {
                PasswordKept::Keyring => "keyring",
                PasswordKept::ThisRunOnly => "this_run_only",
                PasswordKept::Environment => "environment",
                PasswordKept::Missing => "missing",
            },
            last_sync_at: status.last_sync_at,
            pending_changes: status.pending_changes,
            last_error: status.last_error.map(|e| e.message),
        }
    }
}

impl Report for StatusReport {
    fn remarks(&self) -> Vec<String> {
        if self.password == "this_run_only" {
            vec![
                "No keyring answered: the password is kept for this run only. Set EARSHOT_SYNC_PASSWORD for later commands."
                    .into(),
            ]
        } else {
            Vec::new()
        }
    }
}

impl fmt::Display for StatusReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (Some(kind), Some(server), Some(user), Some(device)) =
            (self.kind, &self.server, &self.user, &self.device)
        else {
            return writeln!(f, "Not signed in to a sync server");
        };
        writeln!(
            f,
            "Signed in to {server} ({kind}) as {user}, device {device}"
        )?;
        let last = self
            .last_sync_at
            .and_then(rfc3339)
            .unwrap_or_else(|| "never".into());
        writeln!(f, "Last sync: {last}")?;
        writeln!(f, "Changes waiting to be sent: {}", self.pending_changes)?;
        if let Some(error) = &self.last_error {
            writeln!(f, "Last error: {error}")?;
        }
        Ok(())
    }
}

/// What `sync` did (`--json`: `uploaded_actions`, `downloaded_actions`, `subscriptions_added`,
/// `subscriptions_removed`, `error`, and a few more).
#[derive(Debug, Serialize)]
pub struct SyncedReport {
    pub uploaded_actions: u32,
    pub downloaded_actions: u32,
    pub applied_actions: u32,
    pub subscriptions_added: u32,
    pub subscriptions_removed: u32,
    pub subscriptions_uploaded: u32,
    /// Why the sync did not finish, in words; null when it did.
    pub error: Option<String>,
    #[serde(skip)]
    pub problem: Option<SyncProblem>,
}

impl From<SyncReport> for SyncedReport {
    fn from(r: SyncReport) -> Self {
        SyncedReport {
            uploaded_actions: r.uploaded_actions,
            downloaded_actions: r.downloaded_actions,
            applied_actions: r.applied_actions,
            subscriptions_added: r.subscriptions_added,
            subscriptions_removed: r.subscriptions_removed,
            subscriptions_uploaded: r.subscriptions_uploaded,
            error: r.error.as_ref().map(|e| e.message.clone()),
            problem: r.error,
        }
    }
}

impl Report for SyncedReport {
    fn remarks(&self) -> Vec<String> {
        self.error
            .iter()
            .map(|e| format!("Sync did not finish: {e}"))
            .collect()
    }
}

impl fmt::Display for SyncedReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "Sent {} episode actions and {} subscription changes; received {} actions ({} changed a place here); {} shows added, {} removed",
            self.uploaded_actions,
            self.subscriptions_uploaded,
            self.downloaded_actions,
            self.applied_actions,
            self.subscriptions_added,
            self.subscriptions_removed
        )
    }
}

/// What `mark` sets.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Mark {
    Played,
    Unplayed,
    Position(f64),
}

/// `mark`: records the same action the player would (and queues it for sync).
pub async fn mark(core: &Core, episode: &str, what: Mark) -> Result<MarkReport, Fatal> {
    let id = find_episode(core, episode).await?;
    match what {
        Mark::Played => {
            core.set_played(id, true, now()).await?;
        }
        Mark::Unplayed => {
            core.set_played(id, false, now()).await?;
        }
        Mark::Position(secs) => {
            if !secs.is_finite() || secs < 0.0 {
                return Err(Fatal::Usage(format!("{secs} is not a position in seconds")));
            }
            let progress = Progress {
                position_secs: secs,
                played: false,
            };
            core.save_progress(id, progress, now()).await?;
        }
    }
    Ok(MarkReport(ListedEpisode::from(core.episode(id).await?)))
}

/// The episode as `episodes` lists it, after the change.
#[derive(Debug, Serialize)]
#[serde(transparent)]
pub struct MarkReport(pub ListedEpisode);

impl Report for MarkReport {}

impl fmt::Display for MarkReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let e = &self.0;
        if e.played {
            writeln!(f, "“{}” is played", e.title)
        } else {
            writeln!(
                f,
                "“{}” is at {}",
                e.title,
                crate::report::clock(e.position_secs)
            )
        }
    }
}
