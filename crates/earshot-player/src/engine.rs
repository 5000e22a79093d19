//! The player actor: the one thread that touches GStreamer.
//!
//! It owns a `playbin` whose audio sink is `scaletempo ! audioconvert ! audioresample ! <sink>`
//! (speed changes keep pitch) and polls its bus itself (no glib main loop is running). It makes
//! no decisions: commands, bus messages and the passing of time become [`Event`]s for
//! [`Playback::step`], whose [`Effect`]s it carries out on the pipeline; answers to queries go
//! back in as events, and the resulting [`PlayerState`] is published whole.
//!
//! Invariants (see [`crate::phase`] for each phase): the pipeline is Null in `Stopped` and
//! `Cued` and open in every other phase; a seek or rate change asked for while `Opening` is held
//! and applied at the first `AsyncDone`; in `Ready` the pipeline follows what the listener wants,
//! except that a wanted Play waits while the stream buffers; `seeking` is published exactly
//! while the phase is `Seeking`.

use std::collections::VecDeque;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

use gstreamer as gst;
use gstreamer::prelude::*;
use tokio::sync::watch;

use crate::phase::{Effect, Event, Pipeline, Playback};
use crate::state::{PlayerError, PlayerErrorCode, PlayerState};
use crate::{Command, PlayerConfig};

const TICK: Duration = Duration::from_millis(40);

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

struct Engine {
    playbin: gst::Element,
    bus: gst::Bus,
    publish: watch::Sender<PlayerState>,
    playback: Playback,
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
        Ok(Self {
            playbin,
            bus,
            publish,
            playback: Playback::new(config.open_timeout, Instant::now()),
        })
    }

    fn run(&mut self, inbox: &Receiver<Command>) {
        loop {
            match inbox.recv_timeout(TICK) {
                Ok(Command::Shutdown) | Err(RecvTimeoutError::Disconnected) => break,
                Ok(command) => self.dispatch(Event::Command(command)),
                Err(RecvTimeoutError::Timeout) => {}
            }
            while let Some(message) = self.bus.pop() {
                if let Some(event) = self.translate(&message) {
                    self.dispatch(event);
                }
            }
            self.dispatch(Event::Tick);
        }
        let _ = self.playbin.set_state(gst::State::Null);
    }

    /// Steps through `event` and the answers its effects bring back, then publishes.
    fn dispatch(&mut self, event: Event) {
        let mut events = VecDeque::from([event]);
        while let Some(event) = events.pop_front() {
            for effect in self.playback.step(event, Instant::now()) {
                events.extend(self.perform(effect));
            }
        }
        let state = self.playback.state();
        self.publish.send_if_modified(|published| {
            if published == state {
                false
            } else {
                published.clone_from(state);
                true
            }
        });
    }

    /// Carries out `effect`; a query's answer, or a refused seek, comes back as an event.
    fn perform(&mut self, effect: Effect) -> Option<Event> {
        match effect {
            Effect::SetPipeline(target) => {
                let target = match target {
                    Pipeline::Null => gst::State::Null,
                    Pipeline::Paused => gst::State::Paused,
                    Pipeline::Playing => gst::State::Playing,
                };
                if let Err(error) = self.playbin.set_state(target) {
                    // The bus carries the reason; it is reported from there.
                    tracing::debug!(?target, %error, "state change refused");
                }
                None
            }
            Effect::SetUri(uri) => {
                self.playbin.set_property("uri", &uri);
                None
            }
            Effect::Seek { secs, rate } => {
                let position = gst::ClockTime::from_nseconds((secs.max(0.0) * 1e9) as u64);
                let sought = self.playbin.seek(
                    rate,
                    gst::SeekFlags::FLUSH | gst::SeekFlags::ACCURATE,
                    gst::SeekType::Set,
                    position,
                    gst::SeekType::None,
                    gst::ClockTime::NONE,
                );
                sought.err().map(|error| {
                    tracing::warn!(secs, %error, "seek refused");
                    Event::SeekRefused
                })
            }
            Effect::SetVolume(volume) => {
                self.playbin.set_property("volume", volume);
                None
            }
            Effect::SetMuted(muted) => {
                self.playbin.set_property("mute", muted);
                None
            }
            Effect::QueryPosition => self
                .playbin
                .query_position::<gst::ClockTime>()
                .map(|position| Event::Position(position.seconds_f64())),
            Effect::QueryDuration => self
                .playbin
                .query_duration::<gst::ClockTime>()
                .map(|duration| Event::Duration(duration.seconds_f64())),
        }
    }

    /// The event a bus message stands for, if any.
    fn translate(&self, message: &gst::Message) -> Option<Event> {
        use gst::MessageView;
        match message.view() {
            MessageView::Eos(_) => Some(Event::EndOfStream),
            MessageView::Error(error) => {
                let uri = self
                    .playback
                    .state()
                    .track
                    .as_ref()
                    .map(|t| t.uri.as_str())
                    .unwrap_or_default();
                let reported = classify(error, uri);
                tracing::warn!(
                    message = %error.error(),
                    debug = ?error.debug(),
                    code = ?reported.code,
                    "playback failed"
                );
                Some(Event::Failed(reported))
            }
            MessageView::Warning(warning) => {
                tracing::debug!(message = %warning.error(), debug = ?warning.debug(), "GStreamer warning");
                None
            }
            MessageView::StateChanged(change) => {
                if change.src() != Some(self.playbin.upcast_ref::<gst::Object>()) {
                    return None;
                }
                match change.current() {
                    gst::State::Playing => Some(Event::StateChanged(Pipeline::Playing)),
                    gst::State::Paused => Some(Event::StateChanged(Pipeline::Paused)),
                    _ => None,
                }
            }
            MessageView::AsyncDone(_) => Some(Event::AsyncDone),
            MessageView::Buffering(buffering) => {
                let percent = u8::try_from(buffering.percent().clamp(0, 100)).unwrap_or(100);
                Some(Event::Buffering(percent))
            }
            MessageView::DurationChanged(_) => Some(Event::DurationChanged),
            _ => None,
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
