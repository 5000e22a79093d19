//! What the UI says about its own start-up: the moments it has drawn, logged with the time since
//! the process started. `cargo xtask bench --app` reads these lines, and so can anyone reading a
//! log attached to a slow-start report.

use tauri::State;

use crate::Started;

/// A moment of start-up the UI has drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum DrawnMark {
    /// The first frame of the page (the window is no longer blank).
    FirstPaint,
    /// The library with the listener's shows (and the artwork in view), or its empty state.
    Library,
}

impl DrawnMark {
    fn name(self) -> &'static str {
        match self {
            Self::FirstPaint => "first-paint",
            Self::Library => "library",
        }
    }
}

#[tauri::command]
#[specta::specta]
pub fn ui_drawn(started: State<'_, Started>, mark: DrawnMark) {
    tracing::info!(
        target: "earshot::startup",
        mark = mark.name(),
        ms = started.0.elapsed().as_millis() as u64,
        "drawn"
    );
}
