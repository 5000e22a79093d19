//! The one error shape that crosses to the UI: which part failed, a code to branch on, and a
//! sentence to show.

use earshot_core::ErrorCode;
use earshot_player::{PlayerError, PlayerErrorCode};
use serde::Serialize;

#[derive(Debug, Clone, Serialize, specta::Type, thiserror::Error)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CommandError {
    #[error("{message}")]
    Library { code: ErrorCode, message: String },
    #[error("{message}")]
    Playback {
        code: PlayerErrorCode,
        message: String,
    },
}

impl From<earshot_core::Error> for CommandError {
    fn from(error: earshot_core::Error) -> Self {
        CommandError::Library {
            code: error.code(),
            message: error.to_string(),
        }
    }
}

impl From<PlayerError> for CommandError {
    fn from(error: PlayerError) -> Self {
        CommandError::Playback {
            code: error.code,
            message: error.message,
        }
    }
}
