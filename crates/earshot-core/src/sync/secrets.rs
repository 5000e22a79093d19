//! Where a sync account's password is kept: the operating system's keyring (the `keyring`
//! crate: Secret Service on Linux, Keychain on macOS, Credential Manager on Windows), or
//! `EARSHOT_SYNC_PASSWORD` for scripts and CI (read, never stored), or, when no keyring
//! answers, memory for this run only. Never the library, the settings or a log line.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use crate::model::{PasswordKept, SyncAccount, SyncKind};

/// The keyring's service name: the app's identifier.
const SERVICE: &str = "app.earshot.desktop";

/// Which keyring the core asks.
#[derive(Debug, Clone, Default)]
pub enum Keyring {
    /// The operating system's.
    #[default]
    System,
    /// One in memory, shared by every [`crate::Core`] given a clone of it: two runs of one
    /// device in a test, or a front end with its own secret store.
    Memory(MemoryKeyring),
    /// None at all, as on a machine where no keyring answers.
    Unavailable,
}

/// A keyring in memory (see [`Keyring::Memory`]).
#[derive(Clone, Default)]
pub struct MemoryKeyring(Arc<Mutex<HashMap<String, String>>>);

impl std::fmt::Debug for MemoryKeyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MemoryKeyring(..)")
    }
}

/// The password source of one core.
pub(crate) struct Passwords {
    keyring: Keyring,
    /// `EARSHOT_SYNC_PASSWORD`, when it was set.
    from_env: Option<String>,
    /// Kept for this run when no keyring answered: (the account's key, the password).
    this_run: Mutex<Option<(String, String)>>,
}

impl std::fmt::Debug for Passwords {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Passwords")
            .field("keyring", &self.keyring)
            .finish_non_exhaustive()
    }
}

/// The keyring entry's name for an account.
fn key(account: &SyncAccount) -> String {
    let kind = match account.kind {
        SyncKind::Gpodder => "gpodder",
        SyncKind::Nextcloud => "nextcloud",
    };
    format!("{kind}:{}@{}", account.user, account.server)
}

impl Passwords {
    pub(crate) fn new(keyring: Keyring, from_env: Option<String>) -> Self {
        Self {
            keyring,
            from_env: from_env.filter(|p| !p.is_empty()),
            this_run: Mutex::new(None),
        }
    }

    /// Keeps `password` for `account`, and says where.
    pub(crate) async fn store(&self, account: &SyncAccount, password: &str) -> PasswordKept {
        if self.from_env.is_some() {
            return PasswordKept::Environment;
        }
        let key = key(account);
        let stored = match &self.keyring {
            Keyring::System => {
                let (entry_key, secret) = (key.clone(), password.to_string());
                tokio::task::spawn_blocking(move || {
                    keyring::Entry::new(SERVICE, &entry_key)
                        .and_then(|entry| entry.set_password(&secret))
                        .map_err(|error| error.to_string())
                })
                .await
                .unwrap_or_else(|error| Err(error.to_string()))
            }
            Keyring::Memory(memory) => {
                memory
                    .0
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .insert(key.clone(), password.to_string());
                Ok(())
            }
            Keyring::Unavailable => Err("no keyring on this system".to_string()),
        };
        match stored {
            Ok(()) => {
                self.forget_this_run();
                PasswordKept::Keyring
            }
            Err(reason) => {
                tracing::warn!(%reason, "no keyring answered: the sync password is kept for this run only");
                *self.this_run.lock().unwrap_or_else(PoisonError::into_inner) =
                    Some((key, password.to_string()));
                PasswordKept::ThisRunOnly
            }
        }
    }

    /// The password for `account` and where it was found.
    pub(crate) async fn get(&self, account: &SyncAccount) -> Option<(String, PasswordKept)> {
        if let Some(password) = &self.from_env {
            return Some((password.clone(), PasswordKept::Environment));
        }
        let key = key(account);
        if let Some((kept, password)) =
            &*self.this_run.lock().unwrap_or_else(PoisonError::into_inner)
            && *kept == key
        {
            return Some((password.clone(), PasswordKept::ThisRunOnly));
        }
        let found = match &self.keyring {
            Keyring::System => tokio::task::spawn_blocking(move || {
                keyring::Entry::new(SERVICE, &key).and_then(|entry| entry.get_password())
            })
            .await
            .ok()
            .and_then(|found| match found {
                Ok(password) => Some(password),
                Err(keyring::Error::NoEntry) => None,
                Err(error) => {
                    tracing::debug!(%error, "the keyring did not answer");
                    None
                }
            }),
            Keyring::Memory(memory) => memory
                .0
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .get(&key)
                .cloned(),
            Keyring::Unavailable => None,
        };
        found.map(|password| (password, PasswordKept::Keyring))
    }

    /// Forgets the password of `account` wherever it was kept (the environment's stays).
    pub(crate) async fn forget(&self, account: &SyncAccount) {
        self.forget_this_run();
        let key = key(account);
        match &self.keyring {
            Keyring::System => {
                let removed = tokio::task::spawn_blocking(move || {
                    keyring::Entry::new(SERVICE, &key).and_then(|entry| entry.delete_credential())
                })
                .await;
                if let Ok(Err(error)) = removed
                    && !matches!(error, keyring::Error::NoEntry)
                {
                    tracing::debug!(%error, "the sync password was not removed from the keyring");
                }
            }
            Keyring::Memory(memory) => {
                memory
                    .0
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .remove(&key);
            }
            Keyring::Unavailable => {}
        }
    }

    fn forget_this_run(&self) {
        *self.this_run.lock().unwrap_or_else(PoisonError::into_inner) = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account() -> SyncAccount {
        SyncAccount {
            kind: SyncKind::Gpodder,
            server: "http://127.0.0.1:1".into(),
            user: "ada".into(),
            device: "desk".into(),
        }
    }

    #[tokio::test]
    async fn without_a_keyring_the_password_lasts_this_run() {
        let passwords = Passwords::new(Keyring::Unavailable, None);
        assert_eq!(
            passwords.store(&account(), "pw").await,
            PasswordKept::ThisRunOnly
        );
        assert_eq!(
            passwords.get(&account()).await,
            Some(("pw".into(), PasswordKept::ThisRunOnly))
        );
        // A new run (a new core) has nothing.
        let next_run = Passwords::new(Keyring::Unavailable, None);
        assert_eq!(next_run.get(&account()).await, None);
    }

    #[tokio::test]
    async fn a_keyring_keeps_it_across_runs_until_forgotten() {
        let memory = MemoryKeyring::default();
        let first = Passwords::new(Keyring::Memory(memory.clone()), None);
        assert_eq!(first.store(&account(), "pw").await, PasswordKept::Keyring);
        let second = Passwords::new(Keyring::Memory(memory.clone()), None);
        assert_eq!(
            second.get(&account()).await,
            Some(("pw".into(), PasswordKept::Keyring))
        );
        second.forget(&account()).await;
        assert_eq!(first.get(&account()).await, None);
    }

    #[tokio::test]
    async fn the_environments_password_is_used_and_never_stored() {
        let memory = MemoryKeyring::default();
        let passwords = Passwords::new(Keyring::Memory(memory.clone()), Some("env-pw".into()));
        assert_eq!(
            passwords.store(&account(), "env-pw").await,
            PasswordKept::Environment
        );
        assert!(memory.0.lock().unwrap().is_empty());
        assert_eq!(
            passwords.get(&account()).await,
            Some(("env-pw".into(), PasswordKept::Environment))
        );
    }
}
