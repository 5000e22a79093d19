//! Windows (SMTC, attached to the app's window) and macOS (Now Playing and the remote command
//! center) through souvlaki. Compiled and checked only on those systems.

use std::sync::Mutex;
use std::time::Duration;

use souvlaki::{
    MediaControlEvent, MediaControls, MediaMetadata, MediaPlayback, MediaPosition, PlatformConfig,
    SeekDirection,
};

use crate::{Command, Config, Error, NowPlaying, Status};

/// How far the OS's own seek buttons move, when they do not say.
const SEEK_STEP_SECS: f64 = 15.0;

pub(crate) struct Native {
    controls: Mutex<MediaControls>,
    last: Mutex<NowPlaying>,
}

impl Native {
    pub(crate) fn start(
        config: &Config,
        on: Box<dyn Fn(Command) + Send + Sync>,
    ) -> Result<Self, Error> {
        let hwnd = config.window.map(|w| w as *mut std::ffi::c_void);
        let mut controls = MediaControls::new(PlatformConfig {
            display_name: &config.identity,
            dbus_name: &config.bus_name,
            hwnd,
        })
        .map_err(|e| Error::Unavailable(format!("{e:?}")))?;
        controls
            .attach(move |event| {
                let command = match event {
                    MediaControlEvent::Play => Command::Play,
                    MediaControlEvent::Pause => Command::Pause,
                    MediaControlEvent::Toggle => Command::PlayPause,
                    MediaControlEvent::Stop => Command::Stop,
                    MediaControlEvent::Next => Command::Next,
                    MediaControlEvent::Previous => Command::Previous,
                    MediaControlEvent::Seek(SeekDirection::Forward) => {
                        Command::SeekBy(SEEK_STEP_SECS)
                    }
                    MediaControlEvent::Seek(SeekDirection::Backward) => {
                        Command::SeekBy(-SEEK_STEP_SECS)
                    }
                    MediaControlEvent::SeekBy(SeekDirection::Forward, by) => {
                        Command::SeekBy(by.as_secs_f64())
                    }
                    MediaControlEvent::SeekBy(SeekDirection::Backward, by) => {
                        Command::SeekBy(-by.as_secs_f64())
                    }
                    MediaControlEvent::SetPosition(MediaPosition(at)) => {
                        Command::SetPosition(at.as_secs_f64())
                    }
                    MediaControlEvent::SetVolume(volume) => Command::SetVolume(volume),
                    MediaControlEvent::Raise => Command::Raise,
                    MediaControlEvent::Quit => Command::Quit,
                    _ => return,
                };
                on(command);
            })
            .map_err(|e| Error::Unavailable(format!("{e:?}")))?;
        Ok(Self {
            controls: Mutex::new(controls),
            last: Mutex::new(NowPlaying::default()),
        })
    }

    pub(crate) async fn update(&self, now: NowPlaying) {
        let (Ok(mut controls), Ok(mut last)) = (self.controls.lock(), self.last.lock()) else {
            return;
        };
        if last.track_id != now.track_id || last.title != now.title || last.art_url != now.art_url {
            let _ = controls.set_metadata(MediaMetadata {
                title: Some(&now.title),
                artist: Some(&now.artist),
                album: Some(&now.artist),
                cover_url: now.art_url.as_deref(),
                duration: now.length,
            });
        }
        let progress = Some(MediaPosition(now.position));
        let _ = controls.set_playback(match now.status {
            Status::Playing => MediaPlayback::Playing { progress },
            Status::Paused => MediaPlayback::Paused { progress },
            Status::Stopped => MediaPlayback::Stopped,
        });
        let _ = Duration::ZERO;
        *last = now;
    }
}
