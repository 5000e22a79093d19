//! Earshot's playback engine, the only crate that links GStreamer.
//!
//! One thread (the actor, see [`engine`]) owns the pipeline and reads its bus: Tauri runs no glib
//! main loop. Everyone else holds a cloneable [`PlayerHandle`]: commands go in through a
//! channel, and the whole [`PlayerState`] comes out through a `watch`, so the UI, the OS media
//! controls and the position saver all observe the same thing.

mod engine;
#[cfg(feature = "test-fixtures")]
pub mod fixtures;
mod phase;
mod state;

use std::sync::mpsc;
use std::thread::JoinHandle;

use tokio::sync::watch;

pub use state::{
    Origin, POSITION_VIEW_EVERY_SECS, PlayerError, PlayerErrorCode, PlayerState, RewindOnResume,
    SLEEP_FADE_SECS, SleepRequest, SleepTimer, Status, Track, resume_from, sleep_fade,
};

/// Lowest and highest playback rates offered.
pub const MIN_RATE: f64 = 0.5;
pub const MAX_RATE: f64 = 3.0;

#[derive(Debug, Clone)]
pub struct PlayerConfig {
    /// A `gst-launch` description of the audio sink, e.g. `fakesink sync=true`; `None` picks the
    /// system's output (`autoaudiosink`).
    pub audio_sink: Option<String>,
    /// Sent as the User-Agent when streaming over HTTP.
    pub user_agent: String,
    /// An episode that has not opened after this long fails with an error instead of
    /// "loading" forever (a stalled server, a file a demuxer chokes on).
    pub open_timeout: std::time::Duration,
}

/// The default [`PlayerConfig::open_timeout`].
pub const OPEN_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

#[derive(Debug)]
pub(crate) enum Command {
    Load {
        track: Track,
        start_at_secs: f64,
        autoplay: bool,
    },
    Play,
    Pause,
    Toggle,
    SeekTo(f64),
    SeekBy(f64),
    Stop,
    /// Stop and let go of the track: nothing is loaded afterwards.
    Unload,
    SetRate(f64),
    SetVolume(f64),
    SetMuted(bool),
    Sleep(SleepRequest),
    SetRewindOnResume(RewindOnResume),
    /// Release the pipeline and end the thread.
    Shutdown,
}

/// A cheap, cloneable remote control for the player thread.
#[derive(Debug, Clone)]
pub struct PlayerHandle {
    commands: mpsc::Sender<Command>,
    state: watch::Receiver<PlayerState>,
}

impl PlayerHandle {
    fn send(&self, command: Command) {
        if self.commands.send(command).is_err() {
            tracing::warn!("player thread has stopped; command ignored");
        }
    }

    /// Plays `track` from `start_at_secs` when `autoplay`; otherwise cues it there, paused and not
    /// yet opened (nothing is fetched until [`PlayerHandle::play`]).
    pub fn load(&self, track: Track, start_at_secs: f64, autoplay: bool) {
        self.send(Command::Load {
            track,
            start_at_secs,
            autoplay,
        });
    }
    pub fn play(&self) {
        self.send(Command::Play);
    }
    pub fn pause(&self) {
        self.send(Command::Pause);
    }
    pub fn toggle(&self) {
        self.send(Command::Toggle);
    }
    pub fn seek_to(&self, secs: f64) {
        self.send(Command::SeekTo(secs));
    }
    /// Skips forward (positive) or back (negative), staying inside the track.
    pub fn seek_by(&self, delta_secs: f64) {
        self.send(Command::SeekBy(delta_secs));
    }
    pub fn stop(&self) {
        self.send(Command::Stop);
    }
    /// Stops and empties the player (the track's show went away): nothing is loaded after it;
    /// speed, volume and mute stay.
    pub fn unload(&self) {
        self.send(Command::Unload);
    }
    /// Playback rate with pitch kept, clamped to [`MIN_RATE`]..=[`MAX_RATE`].
    pub fn set_rate(&self, rate: f64) {
        self.send(Command::SetRate(rate));
    }
    pub fn set_volume(&self, volume: f64) {
        self.send(Command::SetVolume(volume));
    }
    pub fn set_muted(&self, muted: bool) {
        self.send(Command::SetMuted(muted));
    }
    /// How far to go back when resuming after a long pause.
    pub fn set_rewind_on_resume(&self, rule: RewindOnResume) {
        self.send(Command::SetRewindOnResume(rule));
    }
    /// Starts, changes or cancels the sleep timer.
    pub fn set_sleep_timer(&self, request: SleepRequest) {
        self.send(Command::Sleep(request));
    }

    /// The latest state.
    pub fn state(&self) -> PlayerState {
        self.state.borrow().clone()
    }

    /// A receiver that wakes on every state change.
    pub fn subscribe(&self) -> watch::Receiver<PlayerState> {
        self.state.clone()
    }
}

/// Owns the player thread. Dropping it (or [`Player::shutdown`]) stops playback.
#[derive(Debug)]
pub struct Player {
    handle: PlayerHandle,
    thread: Option<JoinHandle<()>>,
}

impl Player {
    /// Starts the player thread. Fails when GStreamer or a required plugin is missing.
    pub fn spawn(config: PlayerConfig) -> Result<Self, PlayerError> {
        let (commands, inbox) = mpsc::channel();
        let (publish, state) = watch::channel(PlayerState::default());
        let (ready_tx, ready_rx) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("earshot-player".into())
            .spawn(move || engine::run(config, inbox, publish, ready_tx))
            .map_err(|e| {
                PlayerError::new(
                    PlayerErrorCode::Unavailable,
                    format!("no player thread: {e}"),
                )
            })?;
        match ready_rx.recv() {
            Ok(Ok(())) => {}
            Ok(Err(error)) => return Err(error),
            Err(_) => {
                return Err(PlayerError::new(
                    PlayerErrorCode::Unavailable,
                    "the player thread stopped while starting",
                ));
            }
        }
        Ok(Self {
            handle: PlayerHandle { commands, state },
            thread: Some(thread),
        })
    }

    pub fn handle(&self) -> PlayerHandle {
        self.handle.clone()
    }

    /// Stops playback and waits for the thread to release the audio device. Handles still held
    /// elsewhere keep their last state and ignore further commands.
    pub fn shutdown(mut self) {
        self.stop_thread();
    }

    fn stop_thread(&mut self) {
        if let Some(thread) = self.thread.take() {
            let _ = self.handle.commands.send(Command::Shutdown);
            let _ = thread.join();
        }
    }
}

impl Drop for Player {
    fn drop(&mut self) {
        self.stop_thread();
    }
}
