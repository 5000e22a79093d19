//! Bridges the player and the library: starting an episode where it was left, forwarding every
//! player state to the UI, saving the listener's place (rules in `earshot_core::progress`), and
//! carrying out what the core decides follows an episode's end (`Core::episode_finished`).

use std::time::{Duration, Instant};

use earshot_core::progress::{Moment, Observed, place_to_save, progress_at};
use earshot_core::{AtEnd, Core, EpisodeId, MediaSource, PlayRequest, ShowId};
use earshot_player::{
    Origin, POSITION_VIEW_EVERY_SECS, PlayerError, PlayerErrorCode, PlayerHandle, PlayerState,
    SleepRequest, SleepTimer, Status, Track,
};
use tauri::{AppHandle, Manager};
use tauri_specta::Event;

use crate::error::CommandError;
use crate::events::PlaybackChanged;
use crate::presence::Presence;
use crate::{App, unix_now};

/// The player, or why there is none (GStreamer missing): the library still works without it.
pub struct Playback {
    player: Result<PlayerHandle, PlayerError>,
}

impl Playback {
    pub fn new(player: Result<PlayerHandle, PlayerError>) -> Self {
        Self { player }
    }

    pub fn player(&self) -> Result<&PlayerHandle, CommandError> {
        self.player.as_ref().map_err(|e| e.clone().into())
    }

    /// Hands the player the settings it holds: speed and rewind-on-resume.
    pub fn apply_settings(&self, settings: &crate::settings::AppSettings) {
        if let Ok(player) = &self.player {
            player.set_rate(settings.playback_rate);
            player.set_rewind_on_resume(earshot_player::RewindOnResume {
                rewind_secs: settings.rewind_on_resume_secs,
                ..Default::default()
            });
        }
    }

    /// Puts `episode` in the player as `begin` says.
    pub async fn start(
        &self,
        core: &Core,
        episode: EpisodeId,
        begin: Begin,
    ) -> Result<(), CommandError> {
        start(core, self.player()?, episode, begin).await
    }

    /// Before `show` is removed: the player lets go of its episode, if it holds one (stopped and
    /// emptied), so nothing plays, is saved or is offered for a show that is gone.
    pub async fn release_show(&self, show: ShowId) {
        let Ok(player) = &self.player else { return };
        let holds = |state: &PlayerState| {
            state
                .track
                .as_ref()
                .is_some_and(|track| track.group_id == show.0)
        };
        if holds(&player.state()) {
            player.unload();
            settled(player, |state| !holds(state)).await;
        }
    }

    /// Before `episode`'s download is deleted: when it is playing from that file, it goes on
    /// from the stream at the same place (playing or paused as it was), so the file is let go.
    pub async fn release_file(&self, core: &Core, episode: EpisodeId) -> Result<(), CommandError> {
        let Ok(player) = &self.player else {
            return Ok(());
        };
        let state = player.state();
        let from_the_file = state
            .track
            .as_ref()
            .is_some_and(|t| t.id == episode.0 && t.origin == Origin::File);
        if !from_the_file {
            return Ok(());
        }
        let stream = track_from(core, episode, MediaSource::Stream).await?;
        let uri = stream.uri.clone();
        player.load(stream, state.position_secs, state.is_playing());
        settled(player, |s| s.track.as_ref().is_some_and(|t| t.uri == uri)).await;
        Ok(())
    }

    /// Forwards every state to the UI and keeps the place saved, until the player goes away.
    pub fn observe(&self, core: Core, app: AppHandle) {
        let Ok(player) = &self.player else { return };
        let mut to_ui = player.subscribe();
        let ui = app.clone();
        tauri::async_runtime::spawn(async move {
            // Every change at once, the clock of a playing track once a second
            // (`PlayerState::worth_showing`); a tick held back is sent when its second is up.
            // Nothing while the window is hidden in the tray (`presence`): once it is shown, the
            // newest state at once.
            let mut shown: Option<(PlayerState, Instant)> = None;
            let mut held_back = false;
            let mut presence = ui.try_state::<Presence>().map(|p| p.watch());
            loop {
                if let Some(visible) = presence.as_mut()
                    && !*visible.borrow_and_update()
                {
                    if visible.wait_for(|shown| *shown).await.is_err() {
                        presence = None;
                    }
                } else {
                    let wait = shown.as_ref().map_or(Duration::ZERO, |(_, at)| {
                        Duration::from_secs_f64(POSITION_VIEW_EVERY_SECS)
                            .saturating_sub(at.elapsed())
                    });
                    let more = if held_back {
                        tokio::time::timeout(wait, to_ui.changed())
                            .await
                            .unwrap_or(Ok(()))
                            .is_ok()
                    } else {
                        to_ui.changed().await.is_ok()
                    };
                    if !more {
                        break;
                    }
                }
                let state = to_ui.borrow_and_update().clone();
                let due = shown
                    .as_ref()
                    .is_none_or(|(last, at)| state.worth_showing(last, at.elapsed().as_secs_f64()));
                held_back = !due;
                if due {
                    if let Err(error) = PlaybackChanged(state.clone()).emit(&ui) {
                        tracing::debug!(%error, "playback event not delivered");
                    }
                    shown = Some((state, Instant::now()));
                }
            }
        });
        let mut to_library = player.subscribe();
        let player = player.clone();
        tauri::async_runtime::spawn(async move {
            let mut saver = PlaceSaver::default();
            while to_library.changed().await.is_ok() {
                let state = to_library.borrow_and_update().clone();
                // Each save announces itself through the core's changes: one episode's row.
                let Some(finished) = saver.observe(&core, &state).await else {
                    continue;
                };
                let at_end = if state.sleep == Some(SleepTimer::EndOfEpisode) {
                    // The listener asked to stop here: the timer is spent, nothing follows.
                    player.set_sleep_timer(SleepRequest::Off);
                    AtEnd::Stop
                } else {
                    AtEnd::Continue
                };
                let Some(rules) = app.try_state::<App>().map(|s| s.settings.retention()) else {
                    continue;
                };
                let follows = core
                    .episode_finished(finished, at_end, &rules, unix_now())
                    .await;
                if let Some(next) = follows.next
                    && let Err(error) = start(&core, &player, next, Begin::Resume).await
                {
                    tracing::warn!(episode = next.0, %error, "the next episode did not start");
                }
            }
        });
    }

    /// Writes the current place; called on quit.
    pub async fn save_now(&self, core: &Core) {
        if let Ok(player) = &self.player {
            let state = player.state();
            if let Some(seen) = observed(&state) {
                let moment = if state.status == Status::Ended {
                    Moment::Ended
                } else {
                    Moment::Leaving
                };
                save(core, seen, moment).await;
            }
        }
    }
}

/// How an episode goes into the player.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Begin {
    /// Shown at its saved place, not playing (start-up).
    Cue,
    /// Playing from its saved place.
    Resume,
    /// Playing from this second (a timecode in the notes).
    At(f64),
}

/// Loads `episode`; playing it takes it off Up Next.
async fn start(
    core: &Core,
    player: &PlayerHandle,
    episode: EpisodeId,
    begin: Begin,
) -> Result<(), CommandError> {
    let request = core.play_request(episode).await?;
    let (at, autoplay) = match begin {
        Begin::Cue => (request.start_at_secs, false),
        Begin::Resume => (request.start_at_secs, true),
        Begin::At(secs) => (secs.max(0.0), true),
    };
    player.load(track(request)?, at, autoplay);
    if autoplay {
        core.dequeue(episode).await?;
    }
    Ok(())
}

/// Waits (up to 2 s: the player answers at once, and one that does not must not hold up the
/// listener) until the player's state is `done`.
async fn settled(player: &PlayerHandle, done: impl Fn(&PlayerState) -> bool) {
    let mut states = player.subscribe();
    let _ = tokio::time::timeout(Duration::from_secs(2), states.wait_for(|s| done(s))).await;
}

async fn track_from(
    core: &Core,
    episode: EpisodeId,
    source: MediaSource,
) -> Result<Track, CommandError> {
    track(core.play_request_from(episode, source).await?)
}

fn track(request: PlayRequest) -> Result<Track, CommandError> {
    let uri = url_for_player(&request.media_url).ok_or_else(|| {
        CommandError::from(PlayerError {
            code: PlayerErrorCode::Unreadable,
            message: format!("“{}” is not an address Earshot can play", request.media_url),
        })
    })?;
    Ok(Track {
        id: request.episode.id.0,
        group_id: request.episode.show_id.0,
        origin: match request.source {
            MediaSource::Download => Origin::File,
            MediaSource::Stream => Origin::Stream,
        },
        title: request.episode.title,
        artist: request.show_title,
        uri,
        duration_hint_secs: request.episode.duration_secs,
    })
}

/// Only web and file addresses reach GStreamer: a hostile enclosure cannot name another source.
fn url_for_player(media_url: &str) -> Option<String> {
    let lower = media_url.trim().to_ascii_lowercase();
    ["http://", "https://", "file://"]
        .iter()
        .any(|scheme| lower.starts_with(scheme))
        .then(|| media_url.trim().to_string())
}

fn observed(state: &PlayerState) -> Option<Observed> {
    let track = state.track.as_ref()?;
    if matches!(state.status, Status::Loading | Status::Stopped) && state.error.is_some() {
        return None;
    }
    Some(Observed {
        episode: EpisodeId(track.id),
        playing: state.is_playing(),
        position_secs: state.position_secs,
        duration_secs: state.duration_secs,
    })
}

async fn save(core: &Core, seen: Observed, moment: Moment) {
    let progress = progress_at(seen.position_secs, seen.duration_secs, moment);
    if let Err(error) = core.save_progress(seen.episode, progress, unix_now()).await {
        tracing::warn!(episode = seen.episode.0, %error, "place not saved");
    }
}

#[derive(Default)]
struct PlaceSaver {
    previous: Option<(Observed, Status)>,
    last_save: Option<Instant>,
}

impl PlaceSaver {
    /// Saves what needs saving; returns the episode that has just played to its end, if one has.
    async fn observe(&mut self, core: &Core, state: &PlayerState) -> Option<EpisodeId> {
        // While an episode opens, the position is the requested start, not a place heard.
        if state.status == Status::Loading {
            return None;
        }
        let current = observed(state)?;
        let previous = self.previous.replace((current, state.status));
        if state.status == Status::Ended {
            if previous.is_none_or(|(_, status)| status != Status::Ended) {
                save(core, current, Moment::Ended).await;
                self.last_save = Some(Instant::now());
                return Some(current.episode);
            }
            return None;
        }
        let since = self
            .last_save
            .map_or(f64::MAX, |t| t.elapsed().as_secs_f64());
        // A finished episode was saved as played when it ended; its last place must not undo that.
        let previous = previous
            .filter(|(_, status)| *status != Status::Ended)
            .map(|(seen, _)| seen);
        if let Some(place) = place_to_save(previous, current, since) {
            let moment = if place.episode == current.episode {
                Moment::Listening
            } else {
                Moment::Leaving
            };
            save(core, place, moment).await;
            self.last_save = Some(Instant::now());
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_web_and_file_addresses_are_played() {
        assert!(url_for_player("https://cdn.example/a.mp3").is_some());
        assert!(url_for_player("file:///home/me/a.mp3").is_some());
        assert!(url_for_player("rtsp://cam.example/").is_none());
        assert!(url_for_player("appsrc://").is_none());
    }
}
