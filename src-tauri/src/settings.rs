//! The listener's settings, kept with tauri-plugin-store in `settings.json` beside the library.
//! Values read back are clamped to their valid range, so a hand-edited file cannot break playback.

use std::ops::RangeInclusive;
use std::path::Path;
use std::sync::Arc;

use earshot_core::download::{AfterPlayed, Retention};
// The download keys are the core's: `earshot-cli` reads them from the same file.
use earshot_core::directory::DirectorySettings;
use earshot_core::preferences::{
    self, DELETE_AFTER_PLAYED_KEY, DISCOVER_COUNTRY_KEY, DISCOVER_FYYD_KEY, DISCOVER_ITUNES_KEY,
    DISCOVER_PODCAST_INDEX_KEY, DOWNLOAD_FOLDER_KEY, MAX_STORAGE_LIMIT_GB, PODCAST_INDEX_KEY_ENV,
    PODCAST_INDEX_KEY_KEY, PODCAST_INDEX_SECRET_ENV, PODCAST_INDEX_SECRET_KEY,
    STORAGE_LIMIT_GB_KEY,
};
use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Wry};
use tauri_plugin_store::{Store, StoreExt};

/// The colour scheme: the system's, or always light or dark.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "lowercase")]
pub enum Theme {
    #[default]
    System,
    Light,
    Dark,
}

/// Every setting the settings screen shows, as one value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct AppSettings {
    pub theme: Theme,
    pub skip_back_secs: f64,
    pub skip_forward_secs: f64,
    /// The speed episodes play at (changing speed in the player changes it too).
    pub playback_rate: f64,
    pub refresh_minutes: f64,
    /// Seconds to go back when resuming after a long pause; 0 is off.
    pub rewind_on_resume_secs: f64,
    /// Where downloads go; `None` for `downloads` in the data folder.
    pub download_folder: Option<String>,
    /// Downloads running at once.
    pub download_concurrency: u32,
    /// When downloads of played episodes are deleted.
    pub delete_after_played: AfterPlayed,
    /// The most all downloads together may take, in GB; 0 is no limit.
    pub storage_limit_gb: f64,
    /// Closing the window keeps Earshot (and playback) running in the tray.
    pub close_to_tray: bool,
    /// A desktop notification when a refresh finds new episodes.
    pub notify_new_episodes: bool,
    /// Which directories Discover asks, the Podcast Index key, and the country of charts.
    pub discover: DirectorySettings,
}

const THEME_KEY: &str = "theme";
const CLOSE_TO_TRAY_KEY: &str = "closeToTray";
const NOTIFY_KEY: &str = "notifyNewEpisodes";

/// One numeric setting: its key in the store, default and valid range.
struct Number {
    key: &'static str,
    default: f64,
    range: RangeInclusive<f64>,
}

const VOLUME: Number = Number {
    key: "volume",
    default: 1.0,
    range: 0.0..=1.0,
};
const PLAYBACK_RATE: Number = Number {
    key: "playbackRate",
    default: 1.0,
    range: earshot_player::MIN_RATE..=earshot_player::MAX_RATE,
};
const SKIP_BACK: Number = Number {
    key: "skipBackSecs",
    default: 10.0,
    range: 1.0..=300.0,
};
const SKIP_FORWARD: Number = Number {
    key: "skipForwardSecs",
    default: 30.0,
    range: 1.0..=300.0,
};

const REFRESH_MINUTES: Number = Number {
    key: "refreshMinutes",
    default: 60.0,
    range: 5.0..=1440.0,
};

const REWIND_ON_RESUME: Number = Number {
    key: "rewindOnResumeSecs",
    default: 5.0,
    range: 0.0..=60.0,
};

const DOWNLOAD_CONCURRENCY: Number = Number {
    key: "downloadConcurrency",
    default: earshot_core::download::DEFAULT_CONCURRENCY as f64,
    range: 1.0..=8.0,
};

const STORAGE_LIMIT_GB: Number = Number {
    key: STORAGE_LIMIT_GB_KEY,
    default: 0.0,
    range: 0.0..=MAX_STORAGE_LIMIT_GB,
};

pub struct Settings {
    store: Arc<Store<Wry>>,
}

impl Settings {
    pub fn open(app: &AppHandle, data_dir: &Path) -> tauri_plugin_store::Result<Self> {
        Ok(Self {
            store: app.store(data_dir.join("settings.json"))?,
        })
    }

    fn get(&self, setting: &Number) -> f64 {
        self.store
            .get(setting.key)
            .and_then(|v| v.as_f64())
            .filter(|v| v.is_finite())
            .map_or(setting.default, |v| {
                v.clamp(*setting.range.start(), *setting.range.end())
            })
    }

    fn set(&self, setting: &Number, value: f64) {
        let value = if value.is_finite() {
            value.clamp(*setting.range.start(), *setting.range.end())
        } else {
            setting.default
        };
        self.store.set(setting.key, value);
        if let Err(error) = self.store.save() {
            tracing::warn!(%error, key = setting.key, "settings not saved");
        }
    }

    pub fn volume(&self) -> f64 {
        self.get(&VOLUME)
    }

    pub fn set_volume(&self, volume: f64) {
        self.set(&VOLUME, volume);
    }

    pub fn playback_rate(&self) -> f64 {
        self.get(&PLAYBACK_RATE)
    }

    pub fn set_playback_rate(&self, rate: f64) {
        self.set(&PLAYBACK_RATE, rate);
    }

    pub fn skip_back_secs(&self) -> f64 {
        self.get(&SKIP_BACK)
    }

    pub fn skip_forward_secs(&self) -> f64 {
        self.get(&SKIP_FORWARD)
    }

    /// How far one skip moves, in seconds: negative back, positive forward. The player bar, the
    /// tray and the OS media keys all skip by this.
    pub fn skip_delta(&self, forward: bool) -> f64 {
        if forward {
            self.skip_forward_secs()
        } else {
            -self.skip_back_secs()
        }
    }

    /// Seconds to go back when resuming after a pause of five minutes or more; 0 is off.
    pub fn rewind_on_resume_secs(&self) -> f64 {
        self.get(&REWIND_ON_RESUME)
    }

    pub fn refresh_minutes(&self) -> f64 {
        self.get(&REFRESH_MINUTES)
    }

    pub fn download_folder(&self) -> Option<String> {
        preferences::download_folder(|key| self.store.get(key))
    }

    pub fn download_concurrency(&self) -> u32 {
        self.get(&DOWNLOAD_CONCURRENCY).round() as u32
    }

    /// The rules for downloads already on disk.
    pub fn retention(&self) -> Retention {
        preferences::retention(|key| self.store.get(key))
    }

    /// On by default.
    pub fn close_to_tray(&self) -> bool {
        self.store
            .get(CLOSE_TO_TRAY_KEY)
            .and_then(|v| v.as_bool())
            .unwrap_or(true)
    }

    /// Off by default.
    pub fn notify_new_episodes(&self) -> bool {
        self.store
            .get(NOTIFY_KEY)
            .and_then(|v| v.as_bool())
            .unwrap_or(false)
    }

    pub fn theme(&self) -> Theme {
        self.store
            .get(THEME_KEY)
            .and_then(|v| serde_json::from_value(v).ok())
            .unwrap_or_default()
    }

    /// Which directories Discover asks, and how (the core reads the same keys for the CLI).
    pub fn directories(&self) -> DirectorySettings {
        preferences::directories(|key| self.store.get(key))
    }

    /// Stores the directory choices under the keys the core reads. A key or secret given by
    /// the environment is not written to the file.
    fn store_directories(&self, discover: &DirectorySettings) {
        self.store.set(DISCOVER_ITUNES_KEY, discover.itunes);
        self.store.set(DISCOVER_FYYD_KEY, discover.fyyd);
        self.store
            .set(DISCOVER_PODCAST_INDEX_KEY, discover.podcast_index);
        let secrets = [
            (
                PODCAST_INDEX_KEY_KEY,
                PODCAST_INDEX_KEY_ENV,
                &discover.podcast_index_key,
            ),
            (
                PODCAST_INDEX_SECRET_KEY,
                PODCAST_INDEX_SECRET_ENV,
                &discover.podcast_index_secret,
            ),
        ];
        for (key, env, value) in secrets {
            let value = value.as_deref().map(str::trim).filter(|v| !v.is_empty());
            let from_env = std::env::var(env).ok();
            match value {
                Some(v) if from_env.as_deref().map(str::trim) == Some(v) => {}
                Some(v) => self.store.set(key, v),
                None => {
                    self.store.delete(key);
                }
            }
        }
        match earshot_core::directory::country_code(&discover.country) {
            Some(country) => self.store.set(DISCOVER_COUNTRY_KEY, country),
            None => {
                self.store.delete(DISCOVER_COUNTRY_KEY);
            }
        }
    }

    /// All settings, as the settings screen shows them.
    pub fn snapshot(&self) -> AppSettings {
        AppSettings {
            theme: self.theme(),
            skip_back_secs: self.skip_back_secs(),
            skip_forward_secs: self.skip_forward_secs(),
            playback_rate: self.playback_rate(),
            refresh_minutes: self.refresh_minutes(),
            rewind_on_resume_secs: self.rewind_on_resume_secs(),
            download_folder: self.download_folder(),
            download_concurrency: self.download_concurrency(),
            delete_after_played: self.retention().after_played,
            storage_limit_gb: self.get(&STORAGE_LIMIT_GB),
            close_to_tray: self.close_to_tray(),
            notify_new_episodes: self.notify_new_episodes(),
            discover: self.directories(),
        }
    }

    /// Stores every setting (each clamped to its range) and returns what was stored.
    pub fn update(&self, settings: &AppSettings) -> AppSettings {
        match serde_json::to_value(settings.theme) {
            Ok(theme) => self.store.set(THEME_KEY, theme),
            Err(error) => tracing::warn!(%error, "theme not saved"),
        }
        self.set(&SKIP_BACK, settings.skip_back_secs);
        self.set(&SKIP_FORWARD, settings.skip_forward_secs);
        self.set(&PLAYBACK_RATE, settings.playback_rate);
        self.set(&REFRESH_MINUTES, settings.refresh_minutes);
        self.set(&REWIND_ON_RESUME, settings.rewind_on_resume_secs);
        match settings.download_folder.as_deref().map(str::trim) {
            Some(folder) if !folder.is_empty() => self.store.set(DOWNLOAD_FOLDER_KEY, folder),
            _ => {
                self.store.delete(DOWNLOAD_FOLDER_KEY);
            }
        }
        self.set(
            &DOWNLOAD_CONCURRENCY,
            f64::from(settings.download_concurrency),
        );
        match serde_json::to_value(settings.delete_after_played) {
            Ok(rule) => self.store.set(DELETE_AFTER_PLAYED_KEY, rule),
            Err(error) => tracing::warn!(%error, "download rule not saved"),
        }
        self.set(&STORAGE_LIMIT_GB, settings.storage_limit_gb);
        self.store.set(CLOSE_TO_TRAY_KEY, settings.close_to_tray);
        self.store.set(NOTIFY_KEY, settings.notify_new_episodes);
        self.store_directories(&settings.discover);
        if let Err(error) = self.store.save() {
            tracing::warn!(%error, "settings not saved");
        }
        self.snapshot()
    }
}
