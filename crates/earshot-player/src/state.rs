//! What the player publishes: one [`PlayerState`] value, replaced whole on every change.

use serde::{Deserialize, Serialize};

/// What to play, and how to describe it to the listener and the OS.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Track {
    /// The caller's id for this track (Earshot: the episode id).
    pub id: i64,
    pub title: String,
    pub artist: String,
    /// An `http(s)://` or `file://` URI.
    pub uri: String,
    /// The duration the feed announced, shown until the stream reports its own.
    pub duration_hint_secs: Option<f64>,
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
        }
    }
}

impl PlayerState {
    /// Whether the listener wants sound now (playing, or waiting for the buffer to fill).
    pub fn is_playing(&self) -> bool {
        matches!(self.status, Status::Playing | Status::Buffering)
    }
}
