//! The player's decisions, without GStreamer: one [`Phase`] and the published [`PlayerState`],
//! moved by [`Playback::step`] from an [`Event`] and the time to the [`Effect`]s the engine must
//! carry out on the pipeline.
//!
//! Invariants, phase by phase:
//! - [`Phase::Stopped`]: the pipeline is Null and the status `Stopped` (nothing loaded, the
//!   listener stopped, or a failure, whose error stays in the state). The track and its place
//!   are kept, so Play opens it again there.
//! - [`Phase::Cued`]: a track is shown, paused at its place, but not opened: the pipeline is Null
//!   and nothing is fetched until Play, so a restored episode costs no network and cannot fail.
//! - [`Phase::Opening`]: the pipeline is asked for Paused and has not prerolled; the status is
//!   `Loading`. A seek or a rate change asked for now is held in `pending_seek` and applied at
//!   the first `AsyncDone`; `want` is applied once the pipeline has prerolled at the start place.
//!   While the status stays `Loading`, opening is timed by the open timeout.
//! - [`Phase::Seeking`]: a flushing seek is under way (published as `seeking`); the position
//!   already shows its target. `then` says whether `want` still has to be applied at its
//!   `AsyncDone` (the start of an open, a restart from the end) or the pipeline already follows
//!   it.
//! - [`Phase::Ready`]: prerolled and at rest; the pipeline follows `want`, except that while the
//!   stream fills its buffer a wanted Play holds the pipeline Paused with the status `Buffering`.
//! - [`Phase::Ended`]: the pipeline is Paused at the end, the status `Ended`, the position the
//!   duration; Play starts over from the top.
//!
//! In every phase `Playing` and `Paused` report what the pipeline confirmed, so they trail the
//! request that leads to them. A seek the listener asks for lands at least [`END_MARGIN_SECS`]
//! before the end.

use std::time::{Duration, Instant};

use crate::state::{
    PlayerError, PlayerErrorCode, PlayerState, RewindOnResume, SleepRequest, SleepTimer, Status,
    resume_from, sleep_fade,
};
use crate::{Command, MAX_RATE, MIN_RATE, Track};

/// How often the position is read while playing.
pub(crate) const POSITION_EVERY: Duration = Duration::from_millis(200);
/// How often the duration is read again while playing.
pub(crate) const DURATION_EVERY: Duration = Duration::from_secs(1);
/// How close to the end a seek may land.
pub(crate) const END_MARGIN_SECS: f64 = 0.25;

/// What the listener asked for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Want {
    Play,
    /// `since`: when the listener paused what was playing, for rewinding after a long pause.
    Pause {
        since: Option<Instant>,
    },
}

/// What follows a seek's `AsyncDone`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum AfterSeek {
    /// The pipeline already follows `want`; only the position is read again.
    Carry,
    /// The seek to the start place of a track being opened (at `opened_at`): apply `want`.
    Start { opened_at: Instant },
    /// Back to the top after the end: apply `want`.
    Restart,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Phase {
    Stopped,
    Cued,
    Opening {
        want: Want,
        pending_seek: Option<f64>,
        buffering: bool,
        opened_at: Instant,
    },
    Seeking {
        want: Want,
        then: AfterSeek,
        buffering: bool,
    },
    Ready {
        want: Want,
        buffering: bool,
    },
    Ended,
}

/// The states of the pipeline that matter here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pipeline {
    Null,
    Paused,
    Playing,
}

#[derive(Debug)]
pub(crate) enum Event {
    /// From the listener, through a [`crate::PlayerHandle`].
    Command(Command),
    /// The pipeline finished a state change or a seek (prerolled).
    AsyncDone,
    /// The pipeline itself (not one of its elements) reached this state.
    StateChanged(Pipeline),
    /// How full the stream's buffer is, 0–100.
    Buffering(u8),
    EndOfStream,
    /// The pipeline failed; the engine has worded the error.
    Failed(PlayerError),
    DurationChanged,
    /// The answer to [`Effect::QueryPosition`].
    Position(f64),
    /// The answer to [`Effect::QueryDuration`].
    Duration(f64),
    /// The pipeline refused an [`Effect::Seek`].
    SeekRefused,
    /// Time passed (the engine's poll interval).
    Tick,
}

impl From<Command> for Event {
    fn from(command: Command) -> Self {
        Self::Command(command)
    }
}

/// What the engine does to the pipeline, in order.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Effect {
    SetPipeline(Pipeline),
    SetUri(String),
    /// A flushing, accurate seek that also sets the rate.
    Seek {
        secs: f64,
        rate: f64,
    },
    SetVolume(f64),
    SetMuted(bool),
    /// Read the position; the answer comes back as [`Event::Position`].
    QueryPosition,
    /// Read the duration; the answer comes back as [`Event::Duration`].
    QueryDuration,
}

/// The phase, the published state, and the clocks the decisions need.
#[derive(Debug)]
pub(crate) struct Playback {
    phase: Phase,
    state: PlayerState,
    rewind: RewindOnResume,
    /// When a timed sleep pauses playback.
    sleep_at: Option<Instant>,
    open_timeout: Duration,
    last_position: Instant,
    last_duration: Instant,
}

type Effects = Vec<Effect>;

impl Playback {
    pub(crate) fn new(open_timeout: Duration, now: Instant) -> Self {
        Self {
            phase: Phase::Stopped,
            state: PlayerState::default(),
            rewind: RewindOnResume::default(),
            sleep_at: None,
            open_timeout,
            last_position: now,
            last_duration: now,
        }
    }

    /// What the player publishes.
    pub(crate) fn state(&self) -> &PlayerState {
        &self.state
    }

    #[cfg(test)]
    pub(crate) fn phase(&self) -> Phase {
        self.phase
    }

    /// Moves on from `event` at `now`; returns what to do to the pipeline, in order.
    pub(crate) fn step(&mut self, event: impl Into<Event>, now: Instant) -> Effects {
        let mut fx = Effects::new();
        match event.into() {
            Event::Command(command) => self.on_command(command, now, &mut fx),
            Event::AsyncDone => self.on_async_done(now, &mut fx),
            Event::StateChanged(reached) => self.on_state_changed(reached, now, &mut fx),
            Event::Buffering(percent) => self.on_buffering(percent, &mut fx),
            Event::EndOfStream => self.on_end(now, &mut fx),
            Event::Failed(error) => self.fail(error, &mut fx),
            Event::DurationChanged => {
                if self.is_open() {
                    self.refresh_duration(now, &mut fx);
                }
            }
            Event::Position(secs) => self.state.position_secs = secs,
            Event::Duration(secs) => {
                if secs > 0.0 {
                    self.state.duration_secs = Some(secs);
                    if self.phase == Phase::Ended {
                        self.state.position_secs = secs;
                    }
                }
            }
            Event::SeekRefused => {
                if let Phase::Seeking {
                    want,
                    then,
                    buffering,
                } = self.phase
                {
                    self.phase = Phase::Ready { want, buffering };
                    if then != AfterSeek::Carry {
                        self.apply_want(&mut fx);
                    }
                }
            }
            Event::Tick => self.on_tick(now, &mut fx),
        }
        self.state.seeking = matches!(self.phase, Phase::Seeking { .. });
        fx
    }

    fn on_command(&mut self, command: Command, now: Instant, fx: &mut Effects) {
        match command {
            Command::Load {
                track,
                start_at_secs,
                autoplay,
            } => {
                if autoplay {
                    self.open(track, start_at_secs, now, fx);
                } else {
                    self.cue(track, start_at_secs, fx);
                }
            }
            Command::Play => self.play(now, fx),
            Command::Pause => self.pause(now, fx),
            Command::Toggle => {
                if self.want() == Some(Want::Play) && self.state.status != Status::Ended {
                    self.pause(now, fx);
                } else {
                    self.play(now, fx);
                }
            }
            Command::SeekTo(secs) => self.seek_to(secs, fx),
            Command::SeekBy(delta) => self.seek_to(self.state.position_secs + delta, fx),
            Command::Stop => {
                fx.push(Effect::SetPipeline(Pipeline::Null));
                self.phase = Phase::Stopped;
                self.state.status = Status::Stopped;
            }
            Command::Unload => {
                fx.push(Effect::SetPipeline(Pipeline::Null));
                self.phase = Phase::Stopped;
                self.state = PlayerState {
                    rate: self.state.rate,
                    volume: self.state.volume,
                    muted: self.state.muted,
                    ..PlayerState::default()
                };
            }
            Command::SetRate(rate) => {
                let rate = (rate.clamp(MIN_RATE, MAX_RATE) * 10.0).round() / 10.0;
                if (rate - self.state.rate).abs() > f64::EPSILON {
                    self.state.rate = rate;
                    match &mut self.phase {
                        Phase::Opening { pending_seek, .. } => {
                            *pending_seek = Some(self.state.position_secs);
                        }
                        Phase::Seeking { .. } | Phase::Ready { .. } => {
                            self.seek_now(self.state.position_secs, fx);
                        }
                        // Opening, and starting over from the end, seek with the new rate.
                        Phase::Stopped | Phase::Cued | Phase::Ended => {}
                    }
                }
            }
            Command::SetVolume(volume) => {
                self.state.volume = volume.clamp(0.0, 1.0);
                fx.push(Effect::SetVolume(self.state.volume));
            }
            Command::SetMuted(muted) => {
                self.state.muted = muted;
                fx.push(Effect::SetMuted(muted));
            }
            Command::Sleep(request) => self.set_sleep(request, now, fx),
            Command::SetRewindOnResume(rule) => self.rewind = rule,
            Command::Shutdown => {}
        }
    }

    /// Shows `track` paused at `start_at_secs` without opening it.
    fn cue(&mut self, track: Track, start_at_secs: f64, fx: &mut Effects) {
        fx.push(Effect::SetPipeline(Pipeline::Null));
        self.phase = Phase::Cued;
        self.state.status = Status::Paused;
        self.state.position_secs = start_at_secs.max(0.0);
        self.state.duration_secs = track.duration_hint_secs;
        self.state.buffering_percent = 100;
        self.state.error = None;
        self.state.track = Some(track);
    }

    /// Opens `track` to play from `start_at_secs`.
    fn open(&mut self, track: Track, start_at_secs: f64, now: Instant, fx: &mut Effects) {
        // "End of episode" was about the episode that was playing.
        if self.state.sleep == Some(SleepTimer::EndOfEpisode)
            && self.state.track.as_ref().is_some_and(|t| t.id != track.id)
        {
            self.state.sleep = None;
        }
        fx.push(Effect::SetPipeline(Pipeline::Null));
        fx.push(Effect::SetUri(track.uri.clone()));
        let start = start_at_secs.max(0.0);
        self.phase = Phase::Opening {
            want: Want::Play,
            pending_seek: (start > 0.0 || self.state.rate != 1.0).then_some(start),
            buffering: false,
            opened_at: now,
        };
        self.state.status = Status::Loading;
        self.state.position_secs = start;
        self.state.duration_secs = track.duration_hint_secs;
        self.state.buffering_percent = 100;
        self.state.error = None;
        self.state.track = Some(track);
        fx.push(Effect::SetPipeline(Pipeline::Paused));
    }

    fn play(&mut self, now: Instant, fx: &mut Effects) {
        let Some(track) = self.state.track.clone() else {
            return;
        };
        self.restore_volume(fx);
        match self.phase {
            Phase::Stopped | Phase::Cued => {
                let at = self.state.position_secs;
                self.open(track, at, now, fx);
            }
            Phase::Ended => {
                self.phase = Phase::Seeking {
                    want: Want::Play,
                    then: AfterSeek::Restart,
                    buffering: false,
                };
                self.seek_now(0.0, fx);
            }
            // The pipeline takes `want` once it has prerolled at the start place.
            Phase::Opening { .. }
            | Phase::Seeking {
                then: AfterSeek::Start { .. } | AfterSeek::Restart,
                ..
            } => self.set_want(Want::Play),
            Phase::Seeking {
                want,
                then: AfterSeek::Carry,
                ..
            }
            | Phase::Ready { want, .. } => {
                if let Want::Pause { since: Some(since) } = want {
                    let position = self.state.position_secs;
                    let paused = now.saturating_duration_since(since).as_secs_f64();
                    let from = resume_from(position, paused, self.rewind);
                    if from < position {
                        self.seek_now(from, fx);
                    }
                }
                self.set_want(Want::Play);
                self.apply_want(fx);
            }
        }
    }

    fn pause(&mut self, now: Instant, fx: &mut Effects) {
        if self.want() == Some(Want::Play) {
            self.set_want(Want::Pause { since: Some(now) });
        }
        if self.is_prerolled() {
            fx.push(Effect::SetPipeline(Pipeline::Paused));
            if self.state.status == Status::Buffering {
                self.state.status = Status::Paused;
            }
        }
    }

    fn seek_to(&mut self, secs: f64, fx: &mut Effects) {
        if self.state.track.is_none() {
            return;
        }
        let mut target = secs.max(0.0);
        if let Some(duration) = self.state.duration_secs {
            // Land just before the end: a seek to the very end may produce no end of stream, and
            // a quarter second later playback ends by itself.
            target = target.min((duration - END_MARGIN_SECS).max(0.0));
        }
        self.state.position_secs = target;
        match &mut self.phase {
            // Opening starts from the position shown.
            Phase::Stopped | Phase::Cued => {}
            Phase::Opening { pending_seek, .. } => *pending_seek = Some(target),
            Phase::Ended | Phase::Seeking { .. } | Phase::Ready { .. } => {
                // Away from the end (also while starting over), the track is no longer ended.
                if self.state.status == Status::Ended {
                    self.state.status = Status::Paused;
                }
                self.seek_now(target, fx);
            }
        }
    }

    /// Seeks a prerolled pipeline to `secs` at the current rate. A seek under way keeps what
    /// follows it; from the end, the listener has paused.
    fn seek_now(&mut self, secs: f64, fx: &mut Effects) {
        let (want, then, buffering) = match self.phase {
            Phase::Seeking {
                want,
                then,
                buffering,
            } => (want, then, buffering),
            Phase::Ready { want, buffering } => (want, AfterSeek::Carry, buffering),
            Phase::Ended => (Want::Pause { since: None }, AfterSeek::Carry, false),
            Phase::Stopped | Phase::Cued | Phase::Opening { .. } => return,
        };
        let secs = secs.max(0.0);
        fx.push(Effect::Seek {
            secs,
            rate: self.state.rate,
        });
        self.phase = Phase::Seeking {
            want,
            then,
            buffering,
        };
        self.state.position_secs = secs;
    }

    /// Makes the pipeline follow `want`; a wanted Play waits while buffering.
    fn apply_want(&mut self, fx: &mut Effects) {
        let (want, buffering) = match self.phase {
            Phase::Seeking {
                want, buffering, ..
            }
            | Phase::Ready { want, buffering } => (want, buffering),
            _ => return,
        };
        match want {
            Want::Play if buffering => self.state.status = Status::Buffering,
            Want::Play => fx.push(Effect::SetPipeline(Pipeline::Playing)),
            Want::Pause { .. } => {
                fx.push(Effect::SetPipeline(Pipeline::Paused));
                self.state.status = Status::Paused;
            }
        }
    }

    fn on_async_done(&mut self, now: Instant, fx: &mut Effects) {
        match self.phase {
            // From a pipeline since set to Null.
            Phase::Stopped | Phase::Cued => {}
            Phase::Opening {
                want,
                pending_seek,
                buffering,
                opened_at,
            } => {
                self.refresh_duration(now, fx);
                match pending_seek {
                    Some(at) => {
                        self.phase = Phase::Seeking {
                            want,
                            then: AfterSeek::Start { opened_at },
                            buffering,
                        };
                        self.seek_now(at, fx);
                    }
                    None => {
                        self.phase = Phase::Ready { want, buffering };
                        self.apply_want(fx);
                    }
                }
            }
            Phase::Seeking {
                want,
                then,
                buffering,
            } => {
                self.refresh_duration(now, fx);
                self.phase = Phase::Ready { want, buffering };
                match then {
                    AfterSeek::Carry => self.query_position(now, fx),
                    AfterSeek::Start { .. } | AfterSeek::Restart => self.apply_want(fx),
                }
            }
            Phase::Ready { .. } => {
                self.refresh_duration(now, fx);
                self.query_position(now, fx);
            }
            Phase::Ended => self.refresh_duration(now, fx),
        }
    }

    fn on_state_changed(&mut self, reached: Pipeline, now: Instant, fx: &mut Effects) {
        match reached {
            Pipeline::Playing if self.is_prerolled() && self.phase != Phase::Ended => {
                self.state.status = Status::Playing;
                self.query_position(now, fx);
            }
            // A pause the listener asked for; pauses for buffering or on the way to a wanted
            // state keep their status.
            Pipeline::Paused
                if matches!(
                    self.phase,
                    Phase::Ready {
                        buffering: false,
                        ..
                    } | Phase::Seeking {
                        then: AfterSeek::Carry,
                        buffering: false,
                        ..
                    }
                ) && self.state.status == Status::Playing =>
            {
                self.state.status = Status::Paused;
            }
            _ => {}
        }
    }

    fn on_buffering(&mut self, percent: u8, fx: &mut Effects) {
        let percent = percent.min(100);
        self.state.buffering_percent = percent;
        let filling = percent < 100;
        match &mut self.phase {
            Phase::Opening { buffering, .. } => *buffering = filling,
            Phase::Seeking {
                want,
                then,
                buffering,
            } => {
                let settled = *then == AfterSeek::Carry;
                let (want, was) = (*want, *buffering);
                *buffering = filling;
                self.follow_buffer(want, was, filling, settled, fx);
            }
            Phase::Ready { want, buffering } => {
                let (want, was) = (*want, *buffering);
                *buffering = filling;
                self.follow_buffer(want, was, filling, true, fx);
            }
            Phase::Stopped | Phase::Cued | Phase::Ended => {}
        }
    }

    /// Holds a wanted Play while the buffer fills (`filling`), and resumes it when full unless
    /// a seek under way will apply it (`settled` false).
    fn follow_buffer(
        &mut self,
        want: Want,
        was_filling: bool,
        filling: bool,
        settled: bool,
        fx: &mut Effects,
    ) {
        if want != Want::Play {
            return;
        }
        if filling {
            if !was_filling {
                fx.push(Effect::SetPipeline(Pipeline::Paused));
                self.state.status = Status::Buffering;
            }
        } else if settled {
            fx.push(Effect::SetPipeline(Pipeline::Playing));
        }
    }

    fn on_end(&mut self, now: Instant, fx: &mut Effects) {
        if !self.is_open() {
            return;
        }
        self.phase = Phase::Ended;
        fx.push(Effect::SetPipeline(Pipeline::Paused));
        self.state.status = Status::Ended;
        self.refresh_duration(now, fx);
        if let Some(duration) = self.state.duration_secs {
            self.state.position_secs = duration;
        }
    }

    /// Stops with `error`, keeping the track and the place so the listener can retry.
    fn fail(&mut self, error: PlayerError, fx: &mut Effects) {
        fx.push(Effect::SetPipeline(Pipeline::Null));
        self.phase = Phase::Stopped;
        self.state.status = Status::Stopped;
        self.state.error = Some(error);
    }

    fn on_tick(&mut self, now: Instant, fx: &mut Effects) {
        let opened_at = match self.phase {
            Phase::Opening { opened_at, .. }
            | Phase::Seeking {
                then: AfterSeek::Start { opened_at },
                ..
            } => Some(opened_at),
            _ => None,
        };
        if self.state.status == Status::Loading
            && let Some(opened_at) = opened_at
            && now.saturating_duration_since(opened_at) >= self.open_timeout
        {
            tracing::warn!(timeout = ?self.open_timeout, "the track did not open in time");
            self.fail(
                PlayerError::new(
                    PlayerErrorCode::Unreadable,
                    "The episode's audio did not start: the server stopped answering, or the file is damaged.",
                ),
                fx,
            );
            return;
        }
        if self.state.status != Status::Playing || matches!(self.phase, Phase::Seeking { .. }) {
            return;
        }
        if now.saturating_duration_since(self.last_position) >= POSITION_EVERY {
            self.sleep_tick(now, fx);
            self.query_position(now, fx);
            // An MP3's first duration is an estimate; it firms up as the stream is read.
            if now.saturating_duration_since(self.last_duration) >= DURATION_EVERY {
                self.refresh_duration(now, fx);
            }
        }
    }

    fn set_sleep(&mut self, request: SleepRequest, now: Instant, fx: &mut Effects) {
        self.restore_volume(fx);
        match request {
            SleepRequest::Off => {
                self.sleep_at = None;
                self.state.sleep = None;
            }
            SleepRequest::After { seconds } => {
                let secs = f64::from(seconds.max(1));
                self.sleep_at = Some(now + Duration::from_secs_f64(secs));
                self.state.sleep = Some(SleepTimer::After {
                    remaining_secs: secs,
                });
            }
            SleepRequest::EndOfEpisode => {
                self.sleep_at = None;
                self.state.sleep = Some(SleepTimer::EndOfEpisode);
            }
        }
    }

    /// Counts a timed sleep down: fades out over the last seconds, then pauses.
    fn sleep_tick(&mut self, now: Instant, fx: &mut Effects) {
        let Some(deadline) = self.sleep_at else {
            return;
        };
        let remaining = deadline.saturating_duration_since(now).as_secs_f64();
        if remaining <= 0.0 {
            self.sleep_at = None;
            self.state.sleep = None;
            self.pause(now, fx);
            self.restore_volume(fx);
            tracing::info!("sleep timer paused playback");
        } else {
            fx.push(Effect::SetVolume(self.state.volume * sleep_fade(remaining)));
            self.state.sleep = Some(SleepTimer::After {
                remaining_secs: remaining,
            });
        }
    }

    /// Undoes a sleep fade.
    fn restore_volume(&self, fx: &mut Effects) {
        fx.push(Effect::SetVolume(self.state.volume));
    }

    fn refresh_duration(&mut self, now: Instant, fx: &mut Effects) {
        fx.push(Effect::QueryDuration);
        self.last_duration = now;
    }

    fn query_position(&mut self, now: Instant, fx: &mut Effects) {
        fx.push(Effect::QueryPosition);
        self.last_position = now;
    }

    /// What the listener asked for, in the phases that follow it.
    fn want(&self) -> Option<Want> {
        match self.phase {
            Phase::Opening { want, .. }
            | Phase::Seeking { want, .. }
            | Phase::Ready { want, .. } => Some(want),
            Phase::Stopped | Phase::Cued | Phase::Ended => None,
        }
    }

    fn set_want(&mut self, to: Want) {
        match &mut self.phase {
            Phase::Opening { want, .. }
            | Phase::Seeking { want, .. }
            | Phase::Ready { want, .. } => {
                *want = to;
            }
            Phase::Stopped | Phase::Cued | Phase::Ended => {}
        }
    }

    /// Whether the pipeline has prerolled the open track.
    fn is_prerolled(&self) -> bool {
        matches!(
            self.phase,
            Phase::Seeking { .. } | Phase::Ready { .. } | Phase::Ended
        )
    }

    /// Whether a pipeline is open at all (not Null).
    fn is_open(&self) -> bool {
        !matches!(self.phase, Phase::Stopped | Phase::Cued)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{OPEN_TIMEOUT, Origin};

    const URI: &str = "https://example.com/episode.mp3";

    fn track(id: i64) -> Track {
        Track {
            id,
            group_id: 1,
            origin: Origin::Stream,
            title: "Episode".into(),
            artist: "Show".into(),
            uri: URI.into(),
            duration_hint_secs: Some(1800.0),
        }
    }

    fn load(start_at_secs: f64, autoplay: bool) -> Command {
        Command::Load {
            track: track(1),
            start_at_secs,
            autoplay,
        }
    }

    fn opened() -> Vec<Effect> {
        vec![
            Effect::SetPipeline(Pipeline::Null),
            Effect::SetUri(URI.into()),
            Effect::SetPipeline(Pipeline::Paused),
        ]
    }

    fn seek(secs: f64) -> Effect {
        Effect::Seek { secs, rate: 1.0 }
    }

    fn error() -> PlayerError {
        PlayerError::new(PlayerErrorCode::NotFound, "gone")
    }

    /// A [`Playback`] and a clock the test moves.
    struct Rig {
        playback: Playback,
        start: Instant,
        now: Instant,
    }

    impl Rig {
        fn new() -> Self {
            let start = Instant::now();
            Self {
                playback: Playback::new(OPEN_TIMEOUT, start),
                start,
                now: start,
            }
        }

        /// A track playing from the top, its duration known.
        fn playing(duration_secs: f64) -> Self {
            let mut rig = Self::new();
            rig.on(load(0.0, true));
            rig.on(Event::AsyncDone);
            rig.on(Event::Duration(duration_secs));
            rig.on(Event::StateChanged(Pipeline::Playing));
            assert_eq!(rig.status(), Status::Playing);
            rig
        }

        fn on(&mut self, event: impl Into<Event>) -> Vec<Effect> {
            self.playback.step(event, self.now)
        }

        /// Moves the clock to `secs` after the start.
        fn at(&mut self, secs: f64) -> &mut Self {
            self.now = self.start + Duration::from_secs_f64(secs);
            self
        }

        fn state(&self) -> &PlayerState {
            self.playback.state()
        }

        fn status(&self) -> Status {
            self.state().status
        }
    }

    #[test]
    fn an_autoplayed_track_opens_paused_and_plays_once_prerolled() {
        let mut rig = Rig::new();
        assert_eq!(rig.on(load(0.0, true)), opened());
        assert_eq!(rig.status(), Status::Loading);
        assert_eq!(
            rig.state().duration_secs,
            Some(1800.0),
            "the hint meanwhile"
        );

        let prerolled = rig.on(Event::AsyncDone);
        assert_eq!(
            prerolled,
            [
                Effect::QueryDuration,
                Effect::SetPipeline(Pipeline::Playing)
            ]
        );
        assert_eq!(rig.status(), Status::Loading, "until the pipeline confirms");
        rig.on(Event::Duration(1795.5));
        assert_eq!(rig.state().duration_secs, Some(1795.5));

        assert_eq!(
            rig.on(Event::StateChanged(Pipeline::Playing)),
            [Effect::QueryPosition]
        );
        assert_eq!(rig.status(), Status::Playing);
        assert!(!rig.state().seeking);
    }

    #[test]
    fn a_track_paused_while_opening_is_left_paused_once_prerolled() {
        let mut rig = Rig::new();
        rig.on(load(0.0, true));
        assert_eq!(rig.on(Command::Pause), []);
        assert_eq!(rig.status(), Status::Loading);
        assert_eq!(
            rig.on(Event::AsyncDone),
            [Effect::QueryDuration, Effect::SetPipeline(Pipeline::Paused)]
        );
        assert_eq!(rig.status(), Status::Paused);
        assert!(matches!(rig.playback.phase(), Phase::Ready { .. }));
    }

    #[test]
    fn a_cued_track_is_not_opened_until_play() {
        let mut rig = Rig::new();
        assert_eq!(
            rig.on(load(12.0, false)),
            [Effect::SetPipeline(Pipeline::Null)]
        );
        assert_eq!(rig.status(), Status::Paused);
        assert_eq!(rig.state().position_secs, 12.0);
        assert_eq!(rig.playback.phase(), Phase::Cued);
        assert_eq!(rig.on(Event::AsyncDone), [], "nothing is open");
        assert_eq!(rig.on(Command::SeekTo(11.0)), []);
        assert_eq!(rig.state().position_secs, 11.0);

        let mut expected = vec![Effect::SetVolume(1.0)];
        expected.extend(opened());
        assert_eq!(rig.on(Command::Play), expected);
        assert_eq!(rig.status(), Status::Loading);
        assert_eq!(
            rig.on(Event::AsyncDone),
            [Effect::QueryDuration, seek(11.0)]
        );
        assert_eq!(
            rig.on(Event::AsyncDone),
            [
                Effect::QueryDuration,
                Effect::SetPipeline(Pipeline::Playing)
            ]
        );
    }

    #[test]
    fn a_seek_asked_for_while_opening_is_held_and_applied_at_the_first_async_done() {
        let mut rig = Rig::new();
        rig.on(load(0.0, true));
        assert_eq!(rig.on(Command::SeekTo(20.0)), [], "not prerolled yet");
        assert_eq!(rig.state().position_secs, 20.0);
        assert_eq!(rig.status(), Status::Loading);
        assert!(!rig.state().seeking);

        assert_eq!(
            rig.on(Event::AsyncDone),
            [Effect::QueryDuration, seek(20.0)]
        );
        assert_eq!(rig.status(), Status::Loading);
        assert!(rig.state().seeking);
        assert_eq!(
            rig.on(Event::Buffering(100)),
            [],
            "the start seek, not the buffer, decides when to play"
        );

        assert_eq!(
            rig.on(Event::AsyncDone),
            [
                Effect::QueryDuration,
                Effect::SetPipeline(Pipeline::Playing)
            ]
        );
        assert!(!rig.state().seeking);
        rig.on(Event::StateChanged(Pipeline::Playing));
        rig.on(Event::Position(20.0));
        assert_eq!(rig.status(), Status::Playing);
        assert_eq!(rig.state().position_secs, 20.0);
    }

    #[test]
    fn a_later_seek_while_opening_replaces_the_saved_place() {
        let mut rig = Rig::new();
        rig.on(load(12.0, true));
        rig.on(Command::SeekTo(30.0));
        assert_eq!(
            rig.on(Event::AsyncDone),
            [Effect::QueryDuration, seek(30.0)]
        );
    }

    #[test]
    fn a_rate_change_while_opening_is_applied_with_the_first_seek() {
        let mut rig = Rig::new();
        rig.on(load(0.0, true));
        assert_eq!(rig.on(Command::SetRate(1.54)), []);
        assert_eq!(rig.state().rate, 1.5);
        assert_eq!(
            rig.on(Event::AsyncDone),
            [
                Effect::QueryDuration,
                Effect::Seek {
                    secs: 0.0,
                    rate: 1.5
                }
            ]
        );
    }

    #[test]
    fn a_track_opened_at_another_rate_seeks_at_preroll_even_from_the_top() {
        let mut rig = Rig::new();
        rig.on(Command::SetRate(2.0));
        rig.on(load(0.0, true));
        assert_eq!(
            rig.on(Event::AsyncDone),
            [
                Effect::QueryDuration,
                Effect::Seek {
                    secs: 0.0,
                    rate: 2.0
                }
            ]
        );
    }

    #[test]
    fn a_rate_change_while_playing_seeks_in_place_at_the_new_rate() {
        let mut rig = Rig::playing(600.0);
        rig.on(Event::Position(42.0));
        assert_eq!(
            rig.on(Command::SetRate(1.23)),
            [Effect::Seek {
                secs: 42.0,
                rate: 1.2
            }]
        );
        assert!(rig.state().seeking);
        assert_eq!(rig.on(Command::SetRate(1.2)), [], "unchanged");
        assert_eq!(rig.on(Command::SetRate(9.0)).len(), 1);
        assert_eq!(rig.state().rate, crate::MAX_RATE);
    }

    #[test]
    fn playing_pauses_the_pipeline_while_the_stream_buffers_and_resumes_when_full() {
        let mut rig = Rig::playing(600.0);
        assert_eq!(
            rig.on(Event::Buffering(40)),
            [Effect::SetPipeline(Pipeline::Paused)]
        );
        assert_eq!(rig.status(), Status::Buffering);
        assert_eq!(rig.state().buffering_percent, 40);
        assert_eq!(rig.on(Event::StateChanged(Pipeline::Paused)), []);
        assert_eq!(
            rig.status(),
            Status::Buffering,
            "not a pause the listener asked for"
        );
        assert_eq!(rig.on(Event::Buffering(70)), []);
        assert_eq!(rig.status(), Status::Buffering);
        assert_eq!(rig.at(5.0).on(Event::Tick), [], "no position while held");

        assert_eq!(
            rig.on(Event::Buffering(100)),
            [Effect::SetPipeline(Pipeline::Playing)]
        );
        assert_eq!(
            rig.status(),
            Status::Buffering,
            "until the pipeline confirms"
        );
        rig.on(Event::StateChanged(Pipeline::Playing));
        assert_eq!(rig.status(), Status::Playing);
        assert_eq!(rig.state().buffering_percent, 100);
    }

    #[test]
    fn a_pause_while_buffering_stays_paused_when_the_buffer_fills() {
        let mut rig = Rig::playing(600.0);
        rig.on(Event::Buffering(40));
        assert_eq!(
            rig.at(1.0).on(Command::Pause),
            [Effect::SetPipeline(Pipeline::Paused)]
        );
        assert_eq!(rig.status(), Status::Paused);
        assert_eq!(rig.on(Event::Buffering(100)), []);
        assert_eq!(rig.status(), Status::Paused);

        assert_eq!(
            rig.at(2.0).on(Command::Play),
            [
                Effect::SetVolume(1.0),
                Effect::SetPipeline(Pipeline::Playing)
            ]
        );
    }

    #[test]
    fn play_asked_for_while_still_buffering_waits_for_the_buffer() {
        let mut rig = Rig::playing(600.0);
        rig.on(Event::Buffering(40));
        rig.on(Command::Pause);
        assert_eq!(rig.on(Command::Play), [Effect::SetVolume(1.0)]);
        assert_eq!(rig.status(), Status::Buffering);
        assert_eq!(
            rig.on(Event::Buffering(100)),
            [Effect::SetPipeline(Pipeline::Playing)]
        );
    }

    #[test]
    fn buffering_while_opening_holds_play_until_the_buffer_is_full() {
        let mut rig = Rig::new();
        rig.on(load(0.0, true));
        assert_eq!(rig.on(Event::Buffering(30)), []);
        assert_eq!(rig.status(), Status::Loading);
        assert_eq!(rig.on(Event::AsyncDone), [Effect::QueryDuration]);
        assert_eq!(rig.status(), Status::Buffering);
        assert_eq!(
            rig.on(Event::Buffering(100)),
            [Effect::SetPipeline(Pipeline::Playing)]
        );
    }

    #[test]
    fn the_end_is_reported_and_play_starts_over_from_the_top() {
        let mut rig = Rig::playing(30.0);
        rig.on(Event::Position(29.9));
        assert_eq!(
            rig.on(Event::EndOfStream),
            [Effect::SetPipeline(Pipeline::Paused), Effect::QueryDuration]
        );
        assert_eq!(rig.status(), Status::Ended);
        assert_eq!(rig.state().position_secs, 30.0);
        rig.on(Event::Duration(30.1));
        assert_eq!(rig.state().position_secs, 30.1, "the end is the duration");
        rig.on(Event::StateChanged(Pipeline::Paused));
        assert_eq!(rig.status(), Status::Ended);

        assert_eq!(
            rig.on(Command::Toggle),
            [Effect::SetVolume(1.0), seek(0.0)],
            "toggling an ended track plays it"
        );
        assert_eq!(rig.status(), Status::Ended, "until it plays");
        assert_eq!(rig.state().position_secs, 0.0);
        assert_eq!(
            rig.on(Event::AsyncDone),
            [
                Effect::QueryDuration,
                Effect::SetPipeline(Pipeline::Playing)
            ]
        );
        rig.on(Event::StateChanged(Pipeline::Playing));
        assert_eq!(rig.status(), Status::Playing);
    }

    #[test]
    fn a_seek_after_the_end_leaves_the_track_paused_there() {
        let mut rig = Rig::playing(30.0);
        rig.on(Event::EndOfStream);
        assert_eq!(rig.on(Command::SeekBy(-20.0)), [seek(10.0)]);
        assert_eq!(rig.status(), Status::Paused);
        assert_eq!(
            rig.on(Event::AsyncDone),
            [Effect::QueryDuration, Effect::QueryPosition]
        );
        assert_eq!(rig.status(), Status::Paused);
        assert!(matches!(
            rig.playback.phase(),
            Phase::Ready {
                want: Want::Pause { since: None },
                ..
            }
        ));
    }

    #[test]
    fn an_error_stops_with_the_error_keeping_the_place_and_a_new_load_recovers() {
        let mut rig = Rig::playing(600.0);
        rig.on(Event::Position(42.0));
        assert_eq!(
            rig.on(Event::Failed(error())),
            [Effect::SetPipeline(Pipeline::Null)]
        );
        assert_eq!(rig.status(), Status::Stopped);
        assert_eq!(rig.state().error, Some(error()));
        assert_eq!(rig.state().position_secs, 42.0);
        assert!(rig.state().track.is_some());
        assert_eq!(rig.on(Event::EndOfStream), [], "nothing is open");

        let mut retried = vec![Effect::SetVolume(1.0)];
        retried.extend(opened());
        assert_eq!(rig.on(Command::Play), retried, "play retries");
        assert_eq!(rig.status(), Status::Loading);
        assert_eq!(rig.state().error, None);
        assert_eq!(
            rig.on(Event::AsyncDone),
            [Effect::QueryDuration, seek(42.0)]
        );

        rig.on(Event::Failed(error()));
        assert_eq!(rig.on(load(0.0, true)), opened());
        assert_eq!(rig.state().error, None);
        rig.on(Event::AsyncDone);
        rig.on(Event::StateChanged(Pipeline::Playing));
        assert_eq!(rig.status(), Status::Playing);
    }

    #[test]
    fn an_open_that_never_prerolls_times_out_with_an_error() {
        let mut rig = Rig::new();
        rig.on(load(0.0, true));
        assert_eq!(rig.at(29.0).on(Event::Tick), []);
        assert_eq!(
            rig.at(30.0).on(Event::Tick),
            [Effect::SetPipeline(Pipeline::Null)]
        );
        assert_eq!(rig.status(), Status::Stopped);
        let failed = rig.state().error.clone().map(|e| e.code);
        assert_eq!(failed, Some(PlayerErrorCode::Unreadable));
    }

    #[test]
    fn the_open_timeout_covers_the_seek_to_the_saved_place() {
        let mut rig = Rig::new();
        rig.on(load(300.0, true));
        rig.at(1.0).on(Event::AsyncDone);
        assert!(rig.state().seeking);
        rig.at(31.0).on(Event::Tick);
        assert_eq!(rig.status(), Status::Stopped);
        assert!(rig.state().error.is_some());
    }

    #[test]
    fn a_track_that_opened_is_never_timed_out() {
        let mut rig = Rig::playing(600.0);
        rig.on(Command::Pause);
        rig.on(Event::StateChanged(Pipeline::Paused));
        assert_eq!(rig.at(3600.0).on(Event::Tick), []);
        assert_eq!(rig.status(), Status::Paused);
    }

    #[test]
    fn the_position_is_read_while_playing_and_the_duration_less_often() {
        let mut rig = Rig::playing(600.0);
        assert_eq!(rig.at(0.1).on(Event::Tick), []);
        assert_eq!(rig.at(0.2).on(Event::Tick), [Effect::QueryPosition]);
        assert_eq!(
            rig.at(1.0).on(Event::Tick),
            [Effect::QueryPosition, Effect::QueryDuration]
        );
        rig.on(Command::SeekTo(100.0));
        assert_eq!(rig.at(2.0).on(Event::Tick), [], "not while seeking");
    }

    #[test]
    fn resuming_after_a_long_pause_goes_back_a_little() {
        let mut rig = Rig::playing(600.0);
        rig.on(Event::Position(100.0));
        assert_eq!(
            rig.at(10.0).on(Command::Pause),
            [Effect::SetPipeline(Pipeline::Paused)]
        );
        assert_eq!(rig.status(), Status::Playing, "until the pipeline confirms");
        rig.on(Event::StateChanged(Pipeline::Paused));
        assert_eq!(rig.status(), Status::Paused);

        assert_eq!(
            rig.at(310.0).on(Command::Play),
            [
                Effect::SetVolume(1.0),
                seek(95.0),
                Effect::SetPipeline(Pipeline::Playing)
            ]
        );
        rig.on(Event::AsyncDone);
        rig.on(Event::StateChanged(Pipeline::Playing));
        rig.on(Event::Position(95.0));

        rig.at(400.0).on(Command::Pause);
        assert_eq!(
            rig.at(410.0).on(Command::Play),
            [
                Effect::SetVolume(1.0),
                Effect::SetPipeline(Pipeline::Playing)
            ],
            "a short pause resumes in place"
        );
    }

    #[test]
    fn a_repeated_pause_keeps_the_time_of_the_first() {
        let mut rig = Rig::playing(600.0);
        rig.on(Event::Position(100.0));
        rig.at(10.0).on(Command::Pause);
        rig.at(300.0).on(Command::Pause);
        let resumed = rig.at(310.0).on(Command::Play);
        assert!(resumed.contains(&seek(95.0)), "{resumed:?}");
    }

    #[test]
    fn a_pause_taken_back_while_opening_is_not_rewound_later() {
        let mut rig = Rig::new();
        rig.on(load(100.0, true));
        rig.on(Command::Pause);
        rig.on(Command::Play);
        rig.on(Event::AsyncDone);
        rig.on(Event::AsyncDone);
        rig.on(Event::StateChanged(Pipeline::Playing));
        assert_eq!(
            rig.at(600.0).on(Command::Play),
            [
                Effect::SetVolume(1.0),
                Effect::SetPipeline(Pipeline::Playing)
            ]
        );
    }

    #[test]
    fn seeks_stay_inside_the_track() {
        let mut rig = Rig::playing(30.0);
        assert_eq!(
            rig.on(Command::SeekBy(100.0)),
            [seek(30.0 - END_MARGIN_SECS)]
        );
        assert_eq!(rig.state().position_secs, 30.0 - END_MARGIN_SECS);
        assert_eq!(rig.on(Command::SeekBy(-100.0)), [seek(0.0)]);
        assert_eq!(rig.on(Command::SeekTo(-3.0)), [seek(0.0)]);
    }

    #[test]
    fn a_seek_under_way_keeps_playing_and_reports_seeking_until_done() {
        let mut rig = Rig::playing(600.0);
        rig.on(Command::SeekTo(100.0));
        assert!(rig.state().seeking);
        assert_eq!(rig.state().position_secs, 100.0);
        // The pipeline passes through Paused on a flushing seek, and the status shows it.
        rig.on(Event::StateChanged(Pipeline::Paused));
        assert_eq!(rig.status(), Status::Paused);
        assert_eq!(
            rig.on(Event::AsyncDone),
            [Effect::QueryDuration, Effect::QueryPosition]
        );
        assert!(!rig.state().seeking);
        rig.on(Event::StateChanged(Pipeline::Playing));
        assert_eq!(rig.status(), Status::Playing);
    }

    #[test]
    fn a_refused_seek_is_not_waited_for() {
        let mut rig = Rig::new();
        rig.on(load(300.0, true));
        rig.on(Event::AsyncDone);
        assert_eq!(
            rig.on(Event::SeekRefused),
            [Effect::SetPipeline(Pipeline::Playing)],
            "the start seek's refusal still starts playback"
        );
        assert!(!rig.state().seeking);
    }

    #[test]
    fn the_sleep_timer_fades_out_then_pauses() {
        let mut rig = Rig::playing(600.0);
        rig.on(Command::SetVolume(0.8));
        assert_eq!(
            rig.on(Command::Sleep(SleepRequest::After { seconds: 10 })),
            [Effect::SetVolume(0.8)]
        );
        assert_eq!(
            rig.state().sleep,
            Some(SleepTimer::After {
                remaining_secs: 10.0
            })
        );
        let early = rig.at(1.0).on(Event::Tick);
        assert_eq!(early.first(), Some(&Effect::SetVolume(0.8)));
        let fading = rig.at(6.0).on(Event::Tick);
        assert_eq!(fading.first(), Some(&Effect::SetVolume(0.8 * 0.5)));

        let slept = rig.at(10.0).on(Event::Tick);
        assert_eq!(
            slept[..2],
            [
                Effect::SetPipeline(Pipeline::Paused),
                Effect::SetVolume(0.8)
            ]
        );
        assert_eq!(rig.state().sleep, None);
        rig.on(Event::StateChanged(Pipeline::Paused));
        assert_eq!(rig.status(), Status::Paused);
    }

    #[test]
    fn a_cancelled_sleep_timer_leaves_playback_alone() {
        let mut rig = Rig::playing(600.0);
        rig.on(Command::Sleep(SleepRequest::After { seconds: 1 }));
        rig.on(Command::Sleep(SleepRequest::Off));
        assert_eq!(
            rig.at(5.0).on(Event::Tick),
            [Effect::QueryPosition, Effect::QueryDuration]
        );
        assert_eq!(rig.state().sleep, None);
    }

    #[test]
    fn end_of_episode_sleep_is_dropped_when_another_episode_opens() {
        let mut rig = Rig::playing(600.0);
        rig.on(Command::Sleep(SleepRequest::EndOfEpisode));
        rig.on(Event::EndOfStream);
        assert_eq!(rig.state().sleep, Some(SleepTimer::EndOfEpisode));
        rig.on(load(0.0, true));
        assert_eq!(
            rig.state().sleep,
            Some(SleepTimer::EndOfEpisode),
            "the same episode again"
        );
        rig.on(Command::Load {
            track: track(2),
            start_at_secs: 0.0,
            autoplay: true,
        });
        assert_eq!(rig.state().sleep, None);
    }

    #[test]
    fn stop_releases_the_pipeline_and_play_opens_again_at_the_place() {
        let mut rig = Rig::playing(600.0);
        rig.on(Command::SeekTo(50.0));
        assert_eq!(rig.on(Command::Stop), [Effect::SetPipeline(Pipeline::Null)]);
        assert_eq!(rig.status(), Status::Stopped);
        assert!(!rig.state().seeking);
        let reopened = rig.on(Command::Play);
        assert!(reopened.ends_with(&opened()), "{reopened:?}");
        assert_eq!(
            rig.on(Event::AsyncDone),
            [Effect::QueryDuration, seek(50.0)]
        );
    }

    #[test]
    fn unload_empties_the_player_and_keeps_speed_and_volume() {
        let mut rig = Rig::playing(600.0);
        rig.on(Command::SetRate(1.5));
        rig.on(Command::SetVolume(0.4));
        assert_eq!(
            rig.on(Command::Unload),
            [Effect::SetPipeline(Pipeline::Null)]
        );
        let state = rig.state();
        assert_eq!(state.track, None);
        assert_eq!(state.status, Status::Stopped);
        assert_eq!(state.position_secs, 0.0);
        assert_eq!((state.rate, state.volume), (1.5, 0.4));
        assert_eq!(rig.on(Command::Play), [], "nothing left to play");
    }

    #[test]
    fn nothing_loaded_ignores_play_and_seeks() {
        let mut rig = Rig::new();
        assert_eq!(rig.on(Command::Play), []);
        assert_eq!(rig.on(Command::Toggle), []);
        assert_eq!(rig.on(Command::SeekTo(10.0)), []);
        assert_eq!(rig.status(), Status::Stopped);
        assert_eq!(rig.state().position_secs, 0.0);
    }

    #[test]
    fn toggle_pauses_what_plays_and_plays_what_is_paused() {
        let mut rig = Rig::playing(600.0);
        assert_eq!(
            rig.on(Command::Toggle),
            [Effect::SetPipeline(Pipeline::Paused)]
        );
        assert_eq!(
            rig.on(Command::Toggle),
            [
                Effect::SetVolume(1.0),
                Effect::SetPipeline(Pipeline::Playing)
            ]
        );
    }
}
