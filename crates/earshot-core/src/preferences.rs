//! The listener's settings that the core's rules read, as the desktop app keeps them (with
//! tauri-plugin-store, in `settings.json` beside the library: one JSON object). The app reads
//! them from its store and `earshot-cli` from the file, through the same functions, so both
//! apply the same disk rules. Values out of range are clamped; unreadable ones are the defaults.

use std::path::Path;

use serde_json::{Map, Value};

use crate::directory::{DirectorySettings, country_code};
use crate::download::{AfterPlayed, Retention};

/// The settings file's name in the data folder.
pub const SETTINGS_FILE: &str = "settings.json";
pub const DELETE_AFTER_PLAYED_KEY: &str = "deleteAfterPlayed";
pub const STORAGE_LIMIT_GB_KEY: &str = "storageLimitGb";
pub const DOWNLOAD_FOLDER_KEY: &str = "downloadFolder";
pub const DISCOVER_ITUNES_KEY: &str = "discoverItunes";
pub const DISCOVER_FYYD_KEY: &str = "discoverFyyd";
pub const DISCOVER_PODCAST_INDEX_KEY: &str = "discoverPodcastIndex";
pub const PODCAST_INDEX_KEY_KEY: &str = "podcastIndexKey";
pub const PODCAST_INDEX_SECRET_KEY: &str = "podcastIndexSecret";
pub const DISCOVER_COUNTRY_KEY: &str = "discoverCountry";
/// Environment variables that give the Podcast Index account instead of the settings.
pub const PODCAST_INDEX_KEY_ENV: &str = "EARSHOT_PODCASTINDEX_KEY";
pub const PODCAST_INDEX_SECRET_ENV: &str = "EARSHOT_PODCASTINDEX_SECRET";
/// The largest storage limit, in GB, that the settings accept.
pub const MAX_STORAGE_LIMIT_GB: f64 = 100_000.0;

/// The settings file in `data_dir`, or nothing when there is none (or it cannot be read: the
/// defaults apply, and why is logged).
pub fn read_settings_file(data_dir: &Path) -> Map<String, Value> {
    let path = data_dir.join(SETTINGS_FILE);
    let text = match std::fs::read(&path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Map::new(),
        Err(error) => {
            tracing::warn!(path = %path.display(), %error, "settings not read; using defaults");
            return Map::new();
        }
    };
    match serde_json::from_slice(&text) {
        Ok(Value::Object(map)) => map,
        Ok(_) | Err(_) => {
            tracing::warn!(path = %path.display(), "settings are not a JSON object; using defaults");
            Map::new()
        }
    }
}

/// The storage limit in GB (0 for none), clamped to what the settings accept.
pub fn storage_limit_gb(lookup: impl Fn(&str) -> Option<Value>) -> f64 {
    lookup(STORAGE_LIMIT_GB_KEY)
        .and_then(|v| v.as_f64())
        .filter(|gb| gb.is_finite())
        .map_or(0.0, |gb| gb.clamp(0.0, MAX_STORAGE_LIMIT_GB))
}

/// The rules for downloads already on disk.
pub fn retention(lookup: impl Fn(&str) -> Option<Value>) -> Retention {
    let after_played: AfterPlayed = lookup(DELETE_AFTER_PLAYED_KEY)
        .and_then(|v| serde_json::from_value(v).ok())
        .unwrap_or_default();
    let gb = storage_limit_gb(lookup);
    Retention {
        after_played,
        limit_bytes: (gb > 0.0).then_some((gb * 1e9) as u64),
    }
}

/// Where downloads go, when the listener chose a folder.
pub fn download_folder(lookup: impl Fn(&str) -> Option<Value>) -> Option<String> {
    lookup(DOWNLOAD_FOLDER_KEY)
        .and_then(|v| v.as_str().map(str::to_string))
        .filter(|s| !s.trim().is_empty())
}

/// Which directories Discover asks, the Podcast Index account and the store's country.
/// `EARSHOT_PODCASTINDEX_KEY` and `EARSHOT_PODCASTINDEX_SECRET`, when set, take the place of the
/// settings' key and secret; a country that is not two letters is the system locale's.
pub fn directories(lookup: impl Fn(&str) -> Option<Value>) -> DirectorySettings {
    directories_with_env(lookup, |name| std::env::var(name).ok())
}

/// [`directories`] with the environment given, so tests need not change the process's.
pub fn directories_with_env(
    lookup: impl Fn(&str) -> Option<Value>,
    env: impl Fn(&str) -> Option<String>,
) -> DirectorySettings {
    let defaults = DirectorySettings::default();
    let flag = |key: &str, default: bool| lookup(key).and_then(|v| v.as_bool()).unwrap_or(default);
    let text = |key: &str| {
        lookup(key)
            .and_then(|v| v.as_str().map(|s| s.trim().to_string()))
            .filter(|s| !s.is_empty())
    };
    let from_env = |name: &str| {
        env(name)
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
    };
    DirectorySettings {
        itunes: flag(DISCOVER_ITUNES_KEY, defaults.itunes),
        fyyd: flag(DISCOVER_FYYD_KEY, defaults.fyyd),
        podcast_index: flag(DISCOVER_PODCAST_INDEX_KEY, defaults.podcast_index),
        podcast_index_key: from_env(PODCAST_INDEX_KEY_ENV).or_else(|| text(PODCAST_INDEX_KEY_KEY)),
        podcast_index_secret: from_env(PODCAST_INDEX_SECRET_ENV)
            .or_else(|| text(PODCAST_INDEX_SECRET_KEY)),
        country: text(DISCOVER_COUNTRY_KEY)
            .and_then(|c| country_code(&c))
            .unwrap_or(defaults.country),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_app_s_settings_file_gives_the_same_rules() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(
            retention(|k| read_settings_file(dir.path()).get(k).cloned()),
            Retention::default()
        );
        std::fs::write(
            dir.path().join(SETTINGS_FILE),
            json!({
                "deleteAfterPlayed": { "kind": "afterDays", "days": 3 },
                "storageLimitGb": 2.5,
                "downloadFolder": "/music/pods",
                "theme": "dark"
            })
            .to_string(),
        )
        .unwrap();
        let file = read_settings_file(dir.path());
        let lookup = |k: &str| file.get(k).cloned();
        assert_eq!(
            retention(lookup),
            Retention {
                after_played: AfterPlayed::AfterDays(3),
                limit_bytes: Some(2_500_000_000),
            }
        );
        assert_eq!(download_folder(lookup).as_deref(), Some("/music/pods"));
    }

    #[test]
    fn bad_values_are_the_defaults_or_clamped() {
        let file =
            json!({ "deleteAfterPlayed": "soon", "storageLimitGb": -4, "downloadFolder": " " });
        let lookup = |k: &str| file.get(k).cloned();
        assert_eq!(retention(lookup), Retention::default());
        assert_eq!(download_folder(lookup), None);
        let huge = json!({ "storageLimitGb": 1e12 });
        assert_eq!(
            storage_limit_gb(|k| huge.get(k).cloned()),
            MAX_STORAGE_LIMIT_GB
        );
    }

    #[test]
    fn directory_settings_are_read_and_the_environment_gives_the_account() {
        let none = |_: &str| None;
        let defaults = directories_with_env(|_| None, none);
        assert!(defaults.itunes && defaults.fyyd && defaults.podcast_index);
        assert_eq!(defaults.podcast_index_key, None);
        assert_eq!(defaults.country.len(), 2);

        let file = json!({
            "discoverItunes": false,
            "discoverFyyd": "yes",
            "discoverPodcastIndex": true,
            "podcastIndexKey": " KEY ",
            "podcastIndexSecret": "SECRET",
            "discoverCountry": "GB"
        });
        let lookup = |k: &str| file.get(k).cloned();
        let read = directories_with_env(lookup, none);
        assert!(!read.itunes);
        assert!(read.fyyd, "an unreadable value is the default");
        assert_eq!(read.podcast_index_key.as_deref(), Some("KEY"));
        assert_eq!(read.podcast_index_secret.as_deref(), Some("SECRET"));
        assert_eq!(read.country, "gb");

        let env = |name: &str| match name {
            PODCAST_INDEX_KEY_ENV => Some("ENVKEY".to_string()),
            PODCAST_INDEX_SECRET_ENV => Some("ENVSECRET".to_string()),
            _ => None,
        };
        let overridden = directories_with_env(lookup, env);
        assert_eq!(overridden.podcast_index_key.as_deref(), Some("ENVKEY"));
        assert_eq!(
            overridden.podcast_index_secret.as_deref(),
            Some("ENVSECRET")
        );

        let odd = json!({ "discoverCountry": "Britain" });
        let odd = directories_with_env(|k| odd.get(k).cloned(), none);
        assert_eq!(odd.country, defaults.country);
    }

    #[test]
    fn a_broken_file_is_the_defaults() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(SETTINGS_FILE), "{ not json").unwrap();
        assert!(read_settings_file(dir.path()).is_empty());
    }
}
