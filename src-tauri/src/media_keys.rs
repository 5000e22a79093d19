//! The OS media controls (MPRIS on Linux, SMTC on Windows, Now Playing on macOS) wired to the
//! player: what plays is shown there, and what the listener presses there reaches the player.
//! Next and Previous skip forward and back by the listener's skip lengths. While an episode
//! plays, the computer is kept from sleeping (Linux: logind, else the desktop's screen saver).

use std::time::Duration;

use earshot_core::{Core, EpisodeId};
use earshot_media::{Command, Config, MediaControls, NowPlaying, Status};
use earshot_player::{PlayerHandle, PlayerState};
use tauri::{AppHandle, Manager};

use crate::App;

/// Registers with the OS and keeps it up to date for as long as the app runs.
pub fn start(
    app: &AppHandle,
    core: Core,
    player: PlayerHandle,
    mut chapters: tokio::sync::watch::Receiver<crate::chapters::NowChapters>,
) {
    #[cfg(target_os = "linux")]
    keep_awake(player.clone());
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let handler_app = app.clone();
        let handler_player = player.clone();
        let controls = MediaControls::start(
            Config {
                bus_name: "earshot".into(),
                identity: "Earshot".into(),
                // The desktop entry the packages install (`Earshot.desktop`).
                desktop_entry: "Earshot".into(),
                window: window_handle(&app),
                bus_address: None,
            },
            move |command| act(&handler_app, &handler_player, command),
        )
        .await;
        let controls = match controls {
            Ok(controls) => controls,
            Err(error) => {
                tracing::warn!(%error, "no OS media controls");
                return;
            }
        };
        let mut changes = player.subscribe();
        let mut art: Option<(i64, Option<String>)> = None;
        loop {
            let state = changes.borrow_and_update().clone();
            let chapter = chapters
                .borrow_and_update()
                .playing()
                .map(|c| c.title.clone());
            let now = now_playing(&core, &state, chapter.as_deref(), &mut art).await;
            controls.update(now).await;
            let more = tokio::select! {
                changed = changes.changed() => changed.is_ok(),
                changed = chapters.changed() => changed.is_ok(),
            };
            if !more {
                break;
            }
        }
    });
}

fn act(app: &AppHandle, player: &PlayerHandle, command: Command) {
    let state = app.try_state::<App>();
    let skip = |forward: bool| {
        state
            .as_ref()
            .map_or(if forward { 30.0 } else { -10.0 }, |s| {
                s.settings.skip_delta(forward)
            })
    };
    match command {
        Command::Play => player.play(),
        Command::Pause => player.pause(),
        Command::PlayPause => player.toggle(),
        Command::Stop => player.pause(),
        Command::Next => player.seek_by(skip(true)),
        Command::Previous => player.seek_by(skip(false)),
        Command::SeekBy(secs) => player.seek_by(secs),
        Command::SetPosition(secs) => player.seek_to(secs),
        Command::SetRate(rate) => {
            player.set_rate(rate);
            if let Some(state) = &state {
                state.settings.set_playback_rate(rate);
            }
        }
        Command::SetVolume(volume) => {
            player.set_volume(volume);
            if let Some(state) = &state {
                state.settings.set_volume(volume);
            }
        }
        Command::Raise => crate::show_window(app),
        Command::Quit => app.exit(0),
    }
}

/// The player's state as the OS shows it; the artwork's file is looked up once per episode.
/// The title stays the episode's; the chapter playing goes on the artist line, before the show,
/// where desktop widgets show it.
async fn now_playing(
    core: &Core,
    state: &PlayerState,
    chapter: Option<&str>,
    art: &mut Option<(i64, Option<String>)>,
) -> NowPlaying {
    use earshot_player::Status as Player;
    let status = match state.status {
        Player::Playing | Player::Buffering => Status::Playing,
        Player::Paused | Player::Loading | Player::Ended => Status::Paused,
        Player::Stopped => Status::Stopped,
    };
    let Some(track) = &state.track else {
        return NowPlaying {
            rate: state.rate,
            volume: state.volume,
            ..NowPlaying::default()
        };
    };
    if art.as_ref().is_none_or(|(id, _)| *id != track.id) {
        let url = match core.episode(EpisodeId(track.id)).await {
            Ok(episode) => core
                .artwork_file(episode.show_id)
                .and_then(|path| url::Url::from_file_path(path).ok())
                .map(|url| url.to_string()),
            Err(_) => None,
        };
        *art = Some((track.id, url));
    }
    NowPlaying {
        status,
        track_id: Some(track.id),
        title: track.title.clone(),
        artist: match chapter {
            Some(chapter) => format!("{chapter} · {}", track.artist),
            None => track.artist.clone(),
        },
        art_url: art.as_ref().and_then(|(_, url)| url.clone()),
        length: state
            .duration_secs
            .or(track.duration_hint_secs)
            .filter(|d| d.is_finite() && *d > 0.0)
            .map(Duration::from_secs_f64),
        position: Duration::from_secs_f64(state.position_secs.max(0.0)),
        rate: state.rate,
        volume: if state.muted { 0.0 } else { state.volume },
    }
}

#[cfg(target_os = "windows")]
fn window_handle(app: &AppHandle) -> Option<isize> {
    app.get_webview_window("main")
        .and_then(|w| w.hwnd().ok())
        .map(|hwnd| hwnd.0 as isize)
}

#[cfg(not(target_os = "windows"))]
fn window_handle(_app: &AppHandle) -> Option<isize> {
    None
}

/// Holds a sleep inhibition exactly while the player plays.
#[cfg(target_os = "linux")]
fn keep_awake(player: PlayerHandle) {
    use earshot_media::inhibit::{Buses, Inhibition, inhibit};
    tauri::async_runtime::spawn(async move {
        let mut changes = player.subscribe();
        let mut held: Option<Inhibition> = None;
        // One attempt per stretch of playing: where nobody offers inhibition, do not keep asking.
        let mut tried = false;
        let buses = Buses::default();
        loop {
            let playing = matches!(
                changes.borrow_and_update().status,
                earshot_player::Status::Playing | earshot_player::Status::Buffering
            );
            if !playing {
                tried = false;
            }
            match (playing, held.is_some()) {
                (true, false) if !tried => match inhibit(&buses, "Playing an episode").await {
                    Ok(inhibition) => {
                        tried = true;
                        tracing::debug!("sleep inhibited while playing");
                        held = Some(inhibition);
                    }
                    Err(error) => {
                        tried = true;
                        tracing::debug!(%error, "sleep not inhibited");
                    }
                },
                (false, true) => {
                    if let Some(inhibition) = held.take() {
                        inhibition.release().await;
                    }
                }
                _ => {}
            }
            if changes.changed().await.is_err() {
                break;
            }
        }
    });
}
