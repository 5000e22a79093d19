//! The listener's settings, kept with tauri-plugin-store in `settings.json` beside the library.

use std::path::Path;
use std::sync::Arc;

use tauri::{AppHandle, Wry};
use tauri_plugin_store::{Store, StoreExt};

const VOLUME: &str = "volume";

pub struct Settings {
    store: Arc<Store<Wry>>,
}

impl Settings {
    pub fn open(app: &AppHandle, data_dir: &Path) -> tauri_plugin_store::Result<Self> {
        Ok(Self {
            store: app.store(data_dir.join("settings.json"))?,
        })
    }

    pub fn volume(&self) -> f64 {
        self.store
            .get(VOLUME)
            .and_then(|v| v.as_f64())
            .map_or(1.0, |v| v.clamp(0.0, 1.0))
    }

    pub fn set_volume(&self, volume: f64) {
        self.store.set(VOLUME, volume.clamp(0.0, 1.0));
        if let Err(error) = self.store.save() {
            tracing::warn!(%error, "settings not saved");
        }
    }
}
