//! What the player publishes: one [`PlayerState`] value, replaced whole on every change.

use serde::{Deserialize, Serialize};

/// What to play, and how to describe it to the listener and the OS.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Track {
    /// The caller's id for this track (Earshot: the episode id).
    pub id: i64,
    /// The caller's id for what the track belongs to (Earshot: the show id), so a view of the
    /// player needs no look-up to find its artwork.
    pub group_id: i64,
    /// Whether the track plays from a file on disk or streams.
    pub origin: Origin,
    pub title: String,
    pub artist: String,
    /// An `http(s)://` or `file://` URI.
    pub uri: String,
    /// The duration the feed announced, shown until the stream reports its own.
    pub duration_hint_secs: Option<f64>,
}

/// Where a track's audio comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// A file on this machine (a download).
    File,
    /// The network.
    Stream,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Nothing loaded, or stopped after an error.
    Stopped,
    /// Opening the track; not yet ready to play.
    Loading,
    /// Playing was asked for, but the stream is filling its buffer.
    Buffering,
    Playing,
    Paused,
    /// The track played to its end.
    Ended,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum PlayerErrorCode {
    /// The player could not start (GStreamer or a required plugin is missing).
    Unavailable,
    /// The audio address answered "not found".
    NotFound,
    /// The audio could not be opened or read (network, permissions).
    Unreadable,
    /// The file is not audio, or is damaged.
    NotAudio,
    /// A decoder for this format is not installed.
    MissingCodec,
    Other,
}

/// A playback failure as the listener should read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type, thiserror::Error)]
#[serde(rename_all = "camelCase")]
#[error("{message}")]
pub struct PlayerError {
    pub code: PlayerErrorCode,
    pub message: String,
}

impl PlayerError {
    pub(crate) fn new(code: PlayerErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct PlayerState {
    pub status: Status,
    pub track: Option<Track>,
    pub position_secs: f64,
    pub duration_secs: Option<f64>,
    pub rate: f64,
    /// Linear volume, 0.0–1.0.
    pub volume: f64,
    pub muted: bool,
    pub buffering_percent: u8,
    pub error: Option<PlayerError>,
    pub sleep: Option<SleepTimer>,
    /// A seek is under way; `position_secs` already shows its target.
    pub seeking: bool,
}

/// What the listener asks of the sleep timer.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SleepRequest {
    Off,
    After { seconds: u32 },
    EndOfEpisode,
}

/// A running sleep timer, as shown to the listener.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SleepTimer {
    /// Playback fades out and pauses when this reaches zero.
    After {
        #[serde(rename = "remainingSecs")]
        remaining_secs: f64,
    },
    /// Playback stops when this episode ends, instead of going on to Up Next.
    EndOfEpisode,
}

/// Going back a little when playback resumes after a long pause, so the listener finds the
/// thread again.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RewindOnResume {
    /// Pauses at least this long trigger the rewind.
    pub after_pause_secs: f64,
    /// How far back to go; 0 turns it off.
    pub rewind_secs: f64,
}

impl Default for RewindOnResume {
    fn default() -> Self {
        Self {
            after_pause_secs: 300.0,
            rewind_secs: 5.0,
        }
    }
}

/// Where to resume from `position_secs` after a pause of `paused_secs`.
pub fn resume_from(position_secs: f64, paused_secs: f64, rule: RewindOnResume) -> f64 {
    if rule.rewind_secs > 0.0 && paused_secs >= rule.after_pause_secs {
        (position_secs - rule.rewind_secs).max(0.0)
    } else {
        position_secs
    }
}

/// The last seconds of a sleep timer fade the sound out.
pub const SLEEP_FADE_SECS: f64 = 8.0;

/// The volume factor `remaining_secs` before a sleep timer pauses: 1 until the fade starts,
/// then down to 0.
pub fn sleep_fade(remaining_secs: f64) -> f64 {
    (remaining_secs / SLEEP_FADE_SECS).clamp(0.0, 1.0)
}

impl Default for PlayerState {
    fn default() -> Self {
        Self {
            status: Status::Stopped,
            track: None,
            position_secs: 0.0,
            duration_secs: None,
            rate: 1.0,
            volume: 1.0,
            muted: false,
            buffering_percent: 100,
            error: None,
            sleep: None,
            seeking: false,
        }
    }
}

impl PlayerState {
    /// Whether the listener wants sound now (playing, or waiting for the buffer to fill).
    pub fn is_playing(&self) -> bool {
        matches!(self.status, Status::Playing | Status::Buffering)
    }

    /// Whether a view that showed `shown` `since_secs` ago should be shown this state now: at
    /// once for any change but the position moving on, and for that at most every
    /// [`POSITION_VIEW_EVERY_SECS`] (a clock shows seconds; redrawing a window five times a
    /// second for it costs more than the audio does).
    pub fn worth_showing(&self, shown: &PlayerState, since_secs: f64) -> bool {
        if self == shown {
            return false;
        }
        let only_moved = PlayerState {
            position_secs: shown.position_secs,
            ..self.clone()
        } == *shown;
        !only_moved || since_secs >= POSITION_VIEW_EVERY_SECS
    }
}

/// How often a view needs a playing track's position.
pub const POSITION_VIEW_EVERY_SECS: f64 = 1.0;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn views_see_every_change_at_once_and_the_clock_once_a_second() {
        let shown = PlayerState {
            status: Status::Playing,
            position_secs: 10.0,
            ..PlayerState::default()
        };
        let ticked = PlayerState {
            position_secs: 10.2,
            ..shown.clone()
        };
        assert!(!ticked.worth_showing(&shown, 0.2));
        assert!(ticked.worth_showing(&shown, 1.0));
        let paused = PlayerState {
            status: Status::Paused,
            ..ticked.clone()
        };
        assert!(paused.worth_showing(&shown, 0.2));
        let seeking = PlayerState {
            seeking: true,
            position_secs: 300.0,
            ..shown.clone()
        };
        assert!(seeking.worth_showing(&shown, 0.1));
        assert!(!shown.worth_showing(&shown, 5.0));
    }

    #[test]
    fn a_long_pause_rewinds_a_little() {
        let rule = RewindOnResume::default();
        assert_eq!(resume_from(100.0, 10.0, rule), 100.0);
        assert_eq!(resume_from(100.0, 300.0, rule), 95.0);
        assert_eq!(resume_from(3.0, 3600.0, rule), 0.0);
        let off = RewindOnResume {
            rewind_secs: 0.0,
            ..rule
        };
        assert_eq!(resume_from(100.0, 3600.0, off), 100.0);
    }

    #[test]
    fn the_fade_covers_the_last_seconds() {
        assert_eq!(sleep_fade(60.0), 1.0);
        assert_eq!(sleep_fade(SLEEP_FADE_SECS), 1.0);
        assert_eq!(sleep_fade(SLEEP_FADE_SECS / 2.0), 0.5);
        assert_eq!(sleep_fade(0.0), 0.0);
        assert_eq!(sleep_fade(-1.0), 0.0);
    }
}
