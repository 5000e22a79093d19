//! The player actor: the one thread that touches GStreamer.
//!
//! It owns a `playbin` whose audio sink is `scaletempo ! audioconvert ! audioresample ! <sink>`
//! (speed changes keep pitch), polls its bus itself (no glib main loop is running), and turns
//! commands and bus messages into one published [`PlayerState`]. Invariants: a seek or rate
//! change requested before the pipeline has prerolled is held in `pending_seek` and applied at
//! the first `AsyncDone`; `want` is what the listener asked for, the pipeline state follows it
//! once prerolled and not buffering.

use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

use gstreamer as gst;
use gstreamer::prelude::*;
use tokio::sync::watch;

use crate::state::{
    PlayerError, PlayerErrorCode, PlayerState, RewindOnResume, SleepRequest, SleepTimer, Status,
    resume_from, sleep_fade,
};
use crate::{Command, MAX_RATE, MIN_RATE, PlayerConfig};

const TICK: Duration = Duration::from_millis(40);
const POSITION_EVERY: Duration = Duration::from_millis(200);
const DURATION_EVERY: Duration = Duration::from_secs(1);
/// How close to the end a seek may land.
const END_MARGIN_SECS: f64 = 0.25;

pub(crate) fn run(
    config: PlayerConfig,
    inbox: Receiver<Command>,
    publish: watch::Sender<PlayerState>,
    ready: Sender<Result<(), PlayerError>>,
) {
    match Engine::new(&config, publish) {
        Ok(mut engine) => {
            let _ = ready.send(Ok(()));
            engine.run(&inbox);
        }
        Err(error) => {
            let _ = ready.send(Err(error));
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Want {
    Play,
    Pause,
}

struct Engine {
    playbin: gst::Element,
    bus: gst::Bus,
    publish: watch::Sender<PlayerState>,
    state: PlayerState,
    want: Want,
    prerolled: bool,
    /// Apply `want` to the pipeline at the next `AsyncDone` (after loading or a pending seek).
    settle: bool,
    pending_seek: Option<f64>,
    seeking: bool,
    buffering: bool,
    /// A track is cued (shown, with its place) but not opened: nothing is fetched until Play.
    cued: bool,
    /// When a timed sleep pauses playback.
    sleep_at: Option<Instant>,
    /// When the listener paused (for rewinding after a long pause).
    paused_at: Option<Instant>,
    rewind: RewindOnResume,
    /// When the current track started opening, while it is loading.
    opening_since: Option<Instant>,
    open_timeout: Duration,
    last_position: Instant,
    last_duration: Instant,
}

fn missing(element: &str, package: &str) -> PlayerError {
    PlayerError::new(
        PlayerErrorCode::Unavailable,
        format!("The GStreamer element “{element}” is missing. Install {package}."),
    )
}

impl Engine {
    fn new(
        config: &PlayerConfig,
        publish: watch::Sender<PlayerState>,
    ) -> Result<Self, PlayerError> {
        gst::init().map_err(|e| {
            PlayerError::new(
                PlayerErrorCode::Unavailable,
                format!("GStreamer could not start ({e}). Install the GStreamer runtime and its base and good plugins."),
            )
        })?;
        let playbin = gst::ElementFactory::make("playbin")
            .name("earshot-playbin")
            .build()
            .map_err(|_| missing("playbin", "gstreamer1.0-plugins-base"))?;
        if gst::ElementFactory::find("scaletempo").is_none() {
            return Err(missing("scaletempo", "gstreamer1.0-plugins-good"));
        }
        let sink = config.audio_sink.as_deref().unwrap_or("autoaudiosink");
        let description = format!("scaletempo ! audioconvert ! audioresample ! {sink}");
        let audio_sink = gst::parse::bin_from_description(&description, true).map_err(|e| {
            PlayerError::new(
                PlayerErrorCode::Unavailable,
                format!("The audio output “{sink}” could not be set up: {e}"),
            )
        })?;
        playbin.set_property("audio-sink", &audio_sink);
        // Never open a window or a GL context for a video track: whatever reaches a video sink
        // is dropped.
        let video_sink = gst::ElementFactory::make("fakesink")
            .property("sync", false)
            .build()
            .map_err(|_| missing("fakesink", "gstreamer1.0 (core elements)"))?;
        playbin.set_property("video-sink", &video_sink);
        // Audio only: a video track (some shows carry one for the cover) is never decoded.
        playbin.set_property_from_str("flags", "audio+soft-volume+buffering");
        let user_agent = config.user_agent.clone();
        playbin.connect("source-setup", false, move |values| {
            if let Some(Ok(source)) = values.get(1).map(|v| v.get::<gst::Element>())
                && source.has_property("user-agent")
            {
                source.set_property("user-agent", &user_agent);
            }
            None
        });
        let bus = playbin.bus().ok_or_else(|| {
            PlayerError::new(PlayerErrorCode::Unavailable, "the pipeline has no bus")
        })?;
        let now = Instant::now();
        Ok(Self {
            playbin,
            bus,
            publish,
            state: PlayerState::default(),
            want: Want::Pause,
            prerolled: false,
            settle: false,
            pending_seek: None,
            seeking: false,
            buffering: false,
            cued: false,
            sleep_at: None,
            paused_at: None,
            rewind: RewindOnResume::default(),
            opening_since: None,
            open_timeout: config.open_timeout,
            last_position: now,
            last_duration: now,
        })
    }

    fn run(&mut self, inbox: &Receiver<Command>) {
        loop {
            match inbox.recv_timeout(TICK) {
                Ok(Command::Shutdown) | Err(RecvTimeoutError::Disconnected) => break,
                Ok(command) => self.on_command(command),
                Err(RecvTimeoutError::Timeout) => {}
            }
            while let Some(message) = self.bus.pop() {
                self.on_message(&message);
            }
            self.tick();
        }
        let _ = self.playbin.set_state(gst::State::Null);
    }

    fn publish(&mut self) {
        self.state.seeking = self.seeking;
        let state = &self.state;
        self.publish.send_if_modified(|published| {
            if published == state {
                false
            } else {
                published.clone_from(state);
                true
            }
        });
    }

    fn set_pipeline(&mut self, target: gst::State) {
        if let Err(error) = self.playbin.set_state(target) {
            // The bus carries the reason; it is reported from there.
            tracing::debug!(?target, %error, "state change refused");
        }
    }

    fn on_command(&mut self, command: Command) {
        match command {
            Command::Load {
                track,
                start_at_secs,
                autoplay,
            } => {
                if autoplay {
                    self.open(track, start_at_secs, Want::Play);
                } else {
                    self.cue(track, start_at_secs);
                }
            }
            Command::Play => self.play(),
            Command::Pause => self.pause(),
            Command::Toggle => {
                if self.want == Want::Play && self.state.status != Status::Ended {
                    self.pause();
                } else {
                    self.play();
                }
            }
            Command::SeekTo(secs) => self.seek_to(secs),
            Command::SeekBy(delta) => self.seek_to(self.state.position_secs + delta),
            Command::Stop => {
                self.set_pipeline(gst::State::Null);
                self.prerolled = false;
                self.cued = false;
                self.want = Want::Pause;
                self.state.status = Status::Stopped;
            }
            Command::SetRate(rate) => {
                let rate = ((rate.clamp(MIN_RATE, MAX_RATE)) * 10.0).round() / 10.0;
                if (rate - self.state.rate).abs() > f64::EPSILON {
                    self.state.rate = rate;
                    if self.prerolled {
                        self.seek_now(self.state.position_secs);
                    }
                }
            }
            Command::SetVolume(volume) => {
                self.state.volume = volume.clamp(0.0, 1.0);
                self.playbin.set_property("volume", self.state.volume);
            }
            Command::SetMuted(muted) => {
                self.state.muted = muted;
                self.playbin.set_property("mute", muted);
            }
            Command::Sleep(request) => self.set_sleep(request),
            Command::SetRewindOnResume(rule) => self.rewind = rule,
            Command::Shutdown => {}
        }
        self.publish();
    }

    /// Shows `track` paused at `start_at_secs` without opening it, so a restored episode costs
    /// no network and cannot fail until the listener presses play.
    fn cue(&mut self, track: crate::Track, start_at_secs: f64) {
        self.set_pipeline(gst::State::Null);
        self.prerolled = false;
        self.seeking = false;
        self.buffering = false;
        self.settle = false;
        self.pending_seek = None;
        self.cued = true;
        self.want = Want::Pause;
        self.state.status = Status::Paused;
        self.state.position_secs = start_at_secs.max(0.0);
        self.state.duration_secs = track.duration_hint_secs;
        self.state.buffering_percent = 100;
        self.state.error = None;
        self.state.track = Some(track);
    }

    fn open(&mut self, track: crate::Track, start_at_secs: f64, want: Want) {
        self.cued = false;
        self.opening_since = Some(Instant::now());
        self.paused_at = None;
        // "End of episode" was about the episode that was playing.
        if self.state.sleep == Some(SleepTimer::EndOfEpisode)
            && self.state.track.as_ref().is_some_and(|t| t.id != track.id)
        {
            self.state.sleep = None;
        }
        self.set_pipeline(gst::State::Null);
        self.playbin.set_property("uri", &track.uri);
        let start = start_at_secs.max(0.0);
        self.prerolled = false;
        self.seeking = false;
        self.buffering = false;
        self.settle = true;
        self.want = want;
        self.pending_seek = (start > 0.0 || self.state.rate != 1.0).then_some(start);
        self.state.status = Status::Loading;
        self.state.position_secs = start;
        self.state.duration_secs = track.duration_hint_secs;
        self.state.buffering_percent = 100;
        self.state.error = None;
        self.state.track = Some(track);
        self.set_pipeline(gst::State::Paused);
    }

    fn play(&mut self) {
        let Some(track) = self.state.track.clone() else {
            return;
        };
        self.restore_volume();
        if self.cued {
            let at = self.state.position_secs;
            self.open(track, at, Want::Play);
            return;
        }
        match self.state.status {
            Status::Stopped => {
                let at = self.state.position_secs;
                self.open(track, at, Want::Play);
            }
            Status::Ended => {
                self.want = Want::Play;
                self.settle = true;
                self.seek_now(0.0);
            }
            Status::Loading => self.want = Want::Play,
            _ => {
                if let Some(paused_at) = self.paused_at.take() {
                    let position = self.state.position_secs;
                    let paused = paused_at.elapsed().as_secs_f64();
                    let from = resume_from(position, paused, self.rewind);
                    if from < position && self.prerolled {
                        self.seek_now(from);
                    }
                }
                self.want = Want::Play;
                self.apply_want();
            }
        }
    }

    fn pause(&mut self) {
        if self.want == Want::Play {
            self.paused_at = Some(Instant::now());
        }
        self.want = Want::Pause;
        if self.prerolled {
            self.set_pipeline(gst::State::Paused);
            if self.state.status == Status::Buffering {
                self.state.status = Status::Paused;
            }
        }
    }

    fn set_sleep(&mut self, request: SleepRequest) {
        self.restore_volume();
        match request {
            SleepRequest::Off => {
                self.sleep_at = None;
                self.state.sleep = None;
            }
            SleepRequest::After { seconds } => {
                let secs = f64::from(seconds.max(1));
                self.sleep_at = Some(Instant::now() + Duration::from_secs_f64(secs));
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

    /// Undoes a sleep fade.
    fn restore_volume(&mut self) {
        self.playbin.set_property("volume", self.state.volume);
    }

    /// Counts a timed sleep down: fades out over the last seconds, then pauses.
    fn sleep_tick(&mut self) {
        let Some(deadline) = self.sleep_at else {
            return;
        };
        let remaining = deadline
            .saturating_duration_since(Instant::now())
            .as_secs_f64();
        if remaining <= 0.0 {
            self.sleep_at = None;
            self.state.sleep = None;
            self.pause();
            self.restore_volume();
            tracing::info!("sleep timer paused playback");
        } else {
            self.playbin
                .set_property("volume", self.state.volume * sleep_fade(remaining));
            self.state.sleep = Some(SleepTimer::After {
                remaining_secs: remaining,
            });
        }
    }

    fn apply_want(&mut self) {
        match self.want {
            Want::Play if self.buffering => self.state.status = Status::Buffering,
            Want::Play => self.set_pipeline(gst::State::Playing),
            Want::Pause => {
                self.set_pipeline(gst::State::Paused);
                self.state.status = Status::Paused;
            }
        }
    }

    fn seek_to(&mut self, secs: f64) {
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
        if self.cued {
            return;
        }
        if self.state.status == Status::Ended {
            self.state.status = Status::Paused;
        }
        if self.prerolled {
            self.seek_now(target);
        } else {
            self.pending_seek = Some(target);
        }
    }

    fn seek_now(&mut self, secs: f64) {
        let position = gst::ClockTime::from_nseconds((secs.max(0.0) * 1e9) as u64);
        let sought = self.playbin.seek(
            self.state.rate,
            gst::SeekFlags::FLUSH | gst::SeekFlags::ACCURATE,
            gst::SeekType::Set,
            position,
            gst::SeekType::None,
            gst::ClockTime::NONE,
        );
        match sought {
            Ok(()) => {
                self.seeking = true;
                self.state.position_secs = secs;
            }
            Err(error) => tracing::warn!(secs, %error, "seek refused"),
        }
    }

    fn on_message(&mut self, message: &gst::Message) {
        use gst::MessageView;
        match message.view() {
            MessageView::Eos(_) => {
                self.want = Want::Pause;
                self.set_pipeline(gst::State::Paused);
                self.state.status = Status::Ended;
                self.refresh_duration();
                if let Some(duration) = self.state.duration_secs {
                    self.state.position_secs = duration;
                }
            }
            MessageView::Error(error) => {
                let uri = self
                    .state
                    .track
                    .as_ref()
                    .map(|t| t.uri.clone())
                    .unwrap_or_default();
                let reported = classify(error, &uri);
                tracing::warn!(
                    message = %error.error(),
                    debug = ?error.debug(),
                    code = ?reported.code,
                    "playback failed"
                );
                self.fail(reported);
            }
            MessageView::Warning(warning) => {
                tracing::debug!(message = %warning.error(), debug = ?warning.debug(), "GStreamer warning");
            }
            MessageView::StateChanged(change) => {
                if change.src() != Some(self.playbin.upcast_ref::<gst::Object>()) {
                    return;
                }
                match change.current() {
                    gst::State::Playing => {
                        self.state.status = Status::Playing;
                        self.query_position();
                    }
                    gst::State::Paused
                        if self.prerolled
                            && !self.settle
                            && !self.buffering
                            && self.state.status == Status::Playing =>
                    {
                        self.state.status = Status::Paused;
                    }
                    _ => {}
                }
            }
            MessageView::AsyncDone(_) => {
                self.prerolled = true;
                self.seeking = false;
                self.refresh_duration();
                if let Some(at) = self.pending_seek.take() {
                    self.seek_now(at);
                } else if self.settle {
                    self.settle = false;
                    self.apply_want();
                } else if !self.seeking {
                    self.query_position();
                }
            }
            MessageView::Buffering(buffering) => {
                let percent = u8::try_from(buffering.percent().clamp(0, 100)).unwrap_or(100);
                self.state.buffering_percent = percent;
                if percent < 100 {
                    if !self.buffering && self.want == Want::Play && self.prerolled {
                        self.set_pipeline(gst::State::Paused);
                        self.state.status = Status::Buffering;
                    }
                    self.buffering = true;
                } else {
                    self.buffering = false;
                    if self.want == Want::Play && self.prerolled && !self.settle {
                        self.set_pipeline(gst::State::Playing);
                    }
                }
            }
            MessageView::DurationChanged(_) => self.refresh_duration(),
            _ => {}
        }
        self.publish();
    }

    /// Stops with `error`, keeping the track and the place so the listener can retry.
    fn fail(&mut self, error: PlayerError) {
        self.set_pipeline(gst::State::Null);
        self.prerolled = false;
        self.seeking = false;
        self.pending_seek = None;
        self.want = Want::Pause;
        self.state.status = Status::Stopped;
        self.state.error = Some(error);
    }

    fn refresh_duration(&mut self) {
        if let Some(duration) = self.playbin.query_duration::<gst::ClockTime>() {
            let secs = duration.seconds_f64();
            if secs > 0.0 {
                self.state.duration_secs = Some(secs);
            }
        }
        self.last_duration = Instant::now();
    }

    fn query_position(&mut self) {
        if let Some(position) = self.playbin.query_position::<gst::ClockTime>() {
            self.state.position_secs = position.seconds_f64();
        }
        self.last_position = Instant::now();
    }

    fn tick(&mut self) {
        if self.state.status != Status::Loading {
            self.opening_since = None;
        } else if self
            .opening_since
            .is_some_and(|since| since.elapsed() >= self.open_timeout)
        {
            self.opening_since = None;
            tracing::warn!(timeout = ?self.open_timeout, "the track did not open in time");
            self.fail(PlayerError::new(
                PlayerErrorCode::Unreadable,
                "The episode's audio did not start: the server stopped answering, or the file is damaged.",
            ));
            self.publish();
            return;
        }
        if self.state.status != Status::Playing || self.seeking {
            return;
        }
        if self.last_position.elapsed() >= POSITION_EVERY {
            self.sleep_tick();
            self.query_position();
            // An MP3's first duration is an estimate; it firms up as the stream is read.
            if self.last_duration.elapsed() >= DURATION_EVERY {
                self.refresh_duration();
            }
            self.publish();
        }
    }
}

fn classify(error: &gst::message::Error, uri: &str) -> PlayerError {
    let err = error.error();
    let debug = error.debug().map(|d| d.to_string()).unwrap_or_default();
    let shown = if uri.starts_with("file://") {
        "the downloaded file".to_string()
    } else {
        uri.to_string()
    };
    let is_text = debug.contains("text/") || debug.contains("application/xml");
    if err.matches(gst::ResourceError::NotFound)
        || (uri.starts_with("http") && debug.contains("404"))
    {
        PlayerError::new(
            PlayerErrorCode::NotFound,
            format!("The episode's audio was not found at {shown}."),
        )
    } else if !is_text
        && (err.matches(gst::CoreError::MissingPlugin)
            || err.matches(gst::StreamError::CodecNotFound))
    {
        PlayerError::new(
            PlayerErrorCode::MissingCodec,
            "A decoder for this audio format is missing. Install gstreamer1.0-libav, gstreamer1.0-plugins-good and gstreamer1.0-plugins-ugly.",
        )
    } else if is_text
        || err.matches(gst::CoreError::MissingPlugin)
        || err.matches(gst::StreamError::TypeNotFound)
        || err.matches(gst::StreamError::WrongType)
        || err.matches(gst::StreamError::Demux)
        || err.matches(gst::StreamError::Decode)
        || err.matches(gst::StreamError::Format)
    {
        PlayerError::new(
            PlayerErrorCode::NotAudio,
            "This is not audio Earshot can play: the file may be damaged, or the server sent a web page instead.",
        )
    } else if err.matches(gst::ResourceError::OpenRead)
        || err.matches(gst::ResourceError::Read)
        || err.matches(gst::ResourceError::NotAuthorized)
        || err.matches(gst::ResourceError::Failed)
        || err.matches(gst::ResourceError::Busy)
    {
        PlayerError::new(
            PlayerErrorCode::Unreadable,
            format!("Could not read the episode's audio from {shown}: {err}."),
        )
    } else {
        PlayerError::new(PlayerErrorCode::Other, format!("Playback failed: {err}."))
    }
}
