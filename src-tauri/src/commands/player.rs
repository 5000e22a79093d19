use earshot_core::EpisodeId;
use earshot_player::PlayerState;
use tauri::State;

use crate::App;
use crate::error::CommandError;

/// Starts an episode where the listener left it.
#[tauri::command]
#[specta::specta]
pub async fn play_episode(app: State<'_, App>, episode_id: EpisodeId) -> Result<(), CommandError> {
    app.playback.start(&app.core, episode_id, true).await
}

#[tauri::command]
#[specta::specta]
pub fn toggle_playback(app: State<'_, App>) -> Result<(), CommandError> {
    app.playback.player()?.toggle();
    Ok(())
}

#[tauri::command]
#[specta::specta]
pub fn pause_playback(app: State<'_, App>) -> Result<(), CommandError> {
    app.playback.player()?.pause();
    Ok(())
}

#[tauri::command]
#[specta::specta]
pub fn seek_playback(app: State<'_, App>, position_secs: f64) -> Result<(), CommandError> {
    app.playback.player()?.seek_to(position_secs);
    Ok(())
}

#[tauri::command]
#[specta::specta]
pub fn get_player_state(app: State<'_, App>) -> Result<PlayerState, CommandError> {
    Ok(app.playback.player()?.state())
}

/// Sets the volume (0.0–1.0) and remembers it for the next start.
#[tauri::command]
#[specta::specta]
pub fn set_volume(app: State<'_, App>, volume: f64) -> Result<(), CommandError> {
    app.playback.player()?.set_volume(volume);
    app.settings.set_volume(volume);
    Ok(())
}
