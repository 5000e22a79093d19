//! Earshot in the operating system's media controls: the keyboard's media keys, headsets, and
//! the desktop's media widget. Platform code lives behind `cfg`: MPRIS over D-Bus on Linux (our
//! own implementation, so rate, position and seeking are exact), and souvlaki on Windows (SMTC)
//! and macOS (Now Playing). Nothing here knows about Tauri or GStreamer: the shell feeds in
//! [`NowPlaying`] and receives [`Command`]s.
//!
//! Next and Previous skip forward and back within the episode, as podcast listeners expect of a
//! headset's buttons; the queue moves on by itself when an episode ends.

use std::time::Duration;

#[cfg(target_os = "linux")]
pub mod inhibit;
#[cfg(target_os = "linux")]
mod mpris;
#[cfg(any(target_os = "windows", target_os = "macos"))]
mod native;

/// What the controls show.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct NowPlaying {
    pub status: Status,
    /// A stable id for the episode (its database id).
    pub track_id: Option<i64>,
    pub title: String,
    /// The show.
    pub artist: String,
    /// A `file://` address of the cached artwork.
    pub art_url: Option<String>,
    pub length: Option<Duration>,
    pub position: Duration,
    pub rate: f64,
    pub volume: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Status {
    #[default]
    Stopped,
    Paused,
    Playing,
}

/// What the listener asked for through the controls.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Command {
    Play,
    Pause,
    PlayPause,
    Stop,
    /// Skip forward (headset "next").
    Next,
    /// Skip back (headset "previous").
    Previous,
    /// Move by this many seconds (negative: back).
    SeekBy(f64),
    /// Go to this second.
    SetPosition(f64),
    SetRate(f64),
    SetVolume(f64),
    /// Bring the window to the front.
    Raise,
    Quit,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("the media controls could not start: {0}")]
    Unavailable(String),
}

/// The app's presence in the OS media controls, for as long as this value lives.
pub struct MediaControls {
    #[cfg(target_os = "linux")]
    inner: mpris::Mpris,
    #[cfg(any(target_os = "windows", target_os = "macos"))]
    inner: native::Native,
}

impl std::fmt::Debug for MediaControls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MediaControls")
    }
}

/// Where the controls attach: the app's bus name on Linux, its window on Windows.
#[derive(Debug, Clone)]
pub struct Config {
    /// `org.mpris.MediaPlayer2.<bus_name>` on Linux.
    pub bus_name: String,
    /// The name shown to the listener.
    pub identity: String,
    /// The `.desktop` file name without extension (Linux).
    pub desktop_entry: String,
    /// The window handle SMTC attaches to (Windows), as an integer.
    pub window: Option<isize>,
    /// A D-Bus address to use instead of the session bus (Linux; for tests).
    pub bus_address: Option<String>,
}

impl MediaControls {
    /// Registers with the OS; `on_command` is called (from another thread) for each request.
    #[cfg(any(target_os = "linux", target_os = "windows", target_os = "macos"))]
    pub async fn start(
        config: Config,
        on_command: impl Fn(Command) + Send + Sync + 'static,
    ) -> Result<Self, Error> {
        #[cfg(target_os = "linux")]
        let inner = mpris::Mpris::start(&config, Box::new(on_command)).await?;
        #[cfg(any(target_os = "windows", target_os = "macos"))]
        let inner = native::Native::start(&config, Box::new(on_command))?;
        Ok(Self { inner })
    }

    /// Shows `now`; cheap to call on every player change (only what changed is announced).
    pub async fn update(&self, now: NowPlaying) {
        self.inner.update(now).await;
    }
}

/// Whether the desktop shows tray icons (on Linux, whether a StatusNotifier host is on the session
/// bus). Without one, hiding the window on close would leave no way back to it.
///
/// Kept current in the background by [`TrayHost::follow`], so asking ([`TrayHost::present`]) costs
/// nothing: the window's close handler asks on the UI thread, which must not wait for D-Bus.
/// Until the first answer, and where the session bus cannot be reached, there is none: closing the
/// window then quits rather than hiding it where nobody could find it.
#[derive(Debug, Clone)]
pub struct TrayHost(std::sync::Arc<std::sync::atomic::AtomicBool>);

impl Default for TrayHost {
    fn default() -> Self {
        // Elsewhere the system tray (Windows) and the menu bar (macOS) are always there.
        TrayHost(std::sync::Arc::new(std::sync::atomic::AtomicBool::new(
            !cfg!(target_os = "linux"),
        )))
    }
}

impl TrayHost {
    pub fn present(&self) -> bool {
        self.0.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Follows the tray host on the user's session bus until it closes; returns at once where
    /// there is nothing to follow (not Linux, or no session bus).
    pub async fn follow_session(self) {
        #[cfg(target_os = "linux")]
        match zbus::Connection::session().await {
            Ok(connection) => self.follow(connection).await,
            Err(error) => tracing::info!(%error, "no session bus: no tray to close the window to"),
        }
    }

    /// Follows the tray host on `connection`'s bus until the connection closes.
    #[cfg(target_os = "linux")]
    pub async fn follow(self, connection: zbus::Connection) {
        mpris::follow_status_notifier_watcher(&connection, |present| {
            self.0.store(present, std::sync::atomic::Ordering::Relaxed);
        })
        .await;
    }
}

/// Whether a position moved by more than playback explains: a seek the controls should announce.
pub fn jumped(before: &NowPlaying, after: &NowPlaying, elapsed: Duration) -> bool {
    let expected = if before.status == Status::Playing {
        before.position.as_secs_f64() + elapsed.as_secs_f64() * before.rate.max(0.0)
    } else {
        before.position.as_secs_f64()
    };
    before.track_id != after.track_id || (after.position.as_secs_f64() - expected).abs() > 1.5
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seek_is_a_jump_and_playing_on_is_not() {
        let before = NowPlaying {
            status: Status::Playing,
            track_id: Some(1),
            position: Duration::from_secs(10),
            rate: 2.0,
            ..NowPlaying::default()
        };
        let played_on = NowPlaying {
            position: Duration::from_secs(12),
            ..before.clone()
        };
        assert!(!jumped(&before, &played_on, Duration::from_secs(1)));
        let seeked = NowPlaying {
            position: Duration::from_secs(40),
            ..before.clone()
        };
        assert!(jumped(&before, &seeked, Duration::from_secs(1)));
        let other = NowPlaying {
            track_id: Some(2),
            ..played_on.clone()
        };
        assert!(jumped(&before, &other, Duration::from_secs(1)));
    }
}
