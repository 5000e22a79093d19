use earshot_core::{ChapterStep, EpisodeId};
use earshot_player::{PlayerState, SleepRequest};
use tauri::State;

use crate::App;
use crate::error::CommandError;
use crate::playback::Begin;

/// Starts an episode where the listener left it.
#[tauri::command]
#[specta::specta]
pub async fn play_episode(app: State<'_, App>, episode_id: EpisodeId) -> Result<(), CommandError> {
    app.playback
        .start(&app.core, episode_id, Begin::Resume)
        .await
}

/// Starts an episode at `position_secs` (a timecode in its notes).
#[tauri::command]
#[specta::specta]
pub async fn play_episode_at(
    app: State<'_, App>,
    episode_id: EpisodeId,
    position_secs: f64,
) -> Result<(), CommandError> {
    app.playback
        .start(&app.core, episode_id, Begin::At(position_secs))
        .await
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

#[tauri::command]
#[specta::specta]
pub fn set_muted(app: State<'_, App>, muted: bool) -> Result<(), CommandError> {
    app.playback.player()?.set_muted(muted);
    Ok(())
}

/// Sets the volume (0.0–1.0) and remembers it for the next start.
#[tauri::command]
#[specta::specta]
pub fn set_volume(app: State<'_, App>, volume: f64) -> Result<(), CommandError> {
    app.playback.player()?.set_volume(volume);
    app.settings.set_volume(volume);
    Ok(())
}

#[derive(Debug, Clone, Copy, serde::Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum SkipDirection {
    Back,
    Forward,
}

/// Skips back or forward by the listener's intervals (10 s back, 30 s forward unless changed).
#[tauri::command]
#[specta::specta]
pub fn skip_playback(app: State<'_, App>, direction: SkipDirection) -> Result<(), CommandError> {
    let delta = app
        .settings
        .skip_delta(matches!(direction, SkipDirection::Forward));
    app.playback.player()?.seek_by(delta);
    Ok(())
}

/// Sets the speed (0.5×–3.0×, pitch kept) for this and later episodes.
#[tauri::command]
#[specta::specta]
pub fn set_playback_rate(app: State<'_, App>, rate: f64) -> Result<(), CommandError> {
    app.playback.player()?.set_rate(rate);
    app.settings.set_playback_rate(rate);
    Ok(())
}

/// Starts, changes or cancels the sleep timer (after some time, or at the end of the episode).
#[tauri::command]
#[specta::specta]
pub fn set_sleep_timer(app: State<'_, App>, request: SleepRequest) -> Result<(), CommandError> {
    app.playback.player()?.set_sleep_timer(request);
    Ok(())
}

/// The episode in the player, its chapters and the one playing (also sent as
/// `ChaptersChanged` on every change).
#[tauri::command]
#[specta::specta]
pub fn get_now_chapters(app: State<'_, App>) -> crate::chapters::NowChapters {
    app.chapters.borrow().clone()
}

/// Moves to the next chapter, or back to the start of this one (or the one before, near its
/// start).
#[tauri::command]
#[specta::specta]
pub fn skip_chapter(app: State<'_, App>, step: ChapterStep) -> Result<(), CommandError> {
    crate::chapters::skip(&app.chapters, app.playback.player()?, step).map_err(|message| {
        CommandError::Playback {
            code: earshot_player::PlayerErrorCode::Other,
            message: message.to_string(),
        }
    })
}
