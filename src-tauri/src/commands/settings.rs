use tauri::State;

use crate::App;
use crate::error::CommandError;
use crate::settings::AppSettings;

#[tauri::command]
#[specta::specta]
pub async fn get_settings(app: State<'_, App>) -> Result<AppSettings, CommandError> {
    Ok(app.settings.snapshot())
}

/// Stores the settings (each kept to its valid range) and applies those the player holds.
#[tauri::command]
#[specta::specta]
pub async fn update_settings(
    app: State<'_, App>,
    handle: tauri::AppHandle,
    settings: AppSettings,
) -> Result<AppSettings, CommandError> {
    let stored = app.settings.update(&settings);
    app.playback.apply_settings(&stored);
    crate::downloads::configure(&app.core, &app.settings, &app.data_dir);
    crate::downloads::tidy(&handle).await;
    Ok(stored)
}
