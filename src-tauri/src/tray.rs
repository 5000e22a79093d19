//! The system tray: an icon whose menu shows what is playing and controls it (Play/Pause
//! following the player's state, skip back and forward), shows or hides the window, and quits.
//! Left click toggles the window where the desktop reports clicks. The menu follows the player:
//! every change of state, episode or chapter updates its labels and the tooltip; the chapter
//! items move between chapters when the episode has them.
//!
//! On Linux the menu is published over D-Bus (`com.canonical.dbusmenu`, through libayatana's
//! indicator), so desktops show it and tests can click it with `gdbus`.

use earshot_player::{PlayerHandle, PlayerState, Status};
use tauri::menu::{Menu, MenuEvent, MenuItem, PredefinedMenuItem};
use tauri::tray::{MouseButton, MouseButtonState, TrayIcon, TrayIconBuilder, TrayIconEvent};
use tauri::{AppHandle, Manager, Wry};

use crate::App;
use crate::chapters::NowChapters;

pub const TOGGLE: &str = "toggle";
pub const PREVIOUS_CHAPTER: &str = "previous-chapter";
pub const NEXT_CHAPTER: &str = "next-chapter";
pub const BACK: &str = "skip-back";
pub const FORWARD: &str = "skip-forward";
pub const WINDOW: &str = "window";
pub const QUIT: &str = "quit";
const NOW: &str = "now-playing";

/// The menu items whose labels change.
struct Items {
    now: MenuItem<Wry>,
    chapter: MenuItem<Wry>,
    toggle: MenuItem<Wry>,
    previous_chapter: MenuItem<Wry>,
    next_chapter: MenuItem<Wry>,
}

/// What the chapter line says, and whether the chapter items can be used.
pub fn chapter_label(chapters: &NowChapters) -> (String, bool) {
    let count = chapters.chapters.len();
    match (chapters.playing(), chapters.current) {
        (Some(chapter), Some(index)) => (
            format!("Chapter {} of {count}: {}", index + 1, chapter.title),
            true,
        ),
        _ if count > 0 => (format!("{count} chapters"), true),
        _ => ("No chapters".to_string(), false),
    }
}

/// What the menu says for a player state: the now-playing line and the Play/Pause label.
pub fn labels(state: &PlayerState) -> (String, &'static str) {
    let now = state.track.as_ref().map_or_else(
        || "Nothing playing".to_string(),
        |t| format!("{} — {}", t.title, t.artist),
    );
    let toggle = match state.status {
        Status::Playing | Status::Buffering => "Pause",
        _ => "Play",
    };
    (now, toggle)
}

/// Builds the tray and keeps it in step with the player. Returns `None` (and logs) where the
/// desktop has no tray.
pub fn start(
    app: &AppHandle,
    player: Option<PlayerHandle>,
    mut chapters: tokio::sync::watch::Receiver<NowChapters>,
) -> Option<TrayIcon> {
    let built = build(app);
    let (tray, items) = match built {
        Ok(built) => built,
        Err(error) => {
            tracing::warn!(%error, "no system tray");
            return None;
        }
    };
    if let Some(player) = player {
        let tray = tray.clone();
        tauri::async_runtime::spawn(async move {
            let mut changes = player.subscribe();
            let mut shown: Option<(String, &'static str)> = None;
            let mut shown_chapter: Option<(String, bool)> = None;
            loop {
                let state = changes.borrow_and_update().clone();
                let chapter = chapter_label(&chapters.borrow_and_update());
                if shown_chapter.as_ref() != Some(&chapter) {
                    let _ = items.chapter.set_text(&chapter.0);
                    let _ = items.previous_chapter.set_enabled(chapter.1);
                    let _ = items.next_chapter.set_enabled(chapter.1);
                    shown_chapter = Some(chapter);
                }
                let labels = labels(&state);
                if shown.as_ref() != Some(&labels) {
                    let _ = items.now.set_text(&labels.0);
                    let _ = items.toggle.set_text(labels.1);
                    let tooltip = state.track.as_ref().map_or_else(
                        || "Earshot".to_string(),
                        |t| format!("Earshot — {}", t.title),
                    );
                    let _ = tray.set_tooltip(Some(tooltip));
                    shown = Some(labels);
                }
                let more = tokio::select! {
                    changed = changes.changed() => changed.is_ok(),
                    changed = chapters.changed() => changed.is_ok(),
                };
                if !more {
                    break;
                }
            }
        });
    }
    Some(tray)
}

fn build(app: &AppHandle) -> tauri::Result<(TrayIcon, Items)> {
    let now = MenuItem::with_id(app, NOW, "Nothing playing", false, None::<&str>)?;
    let chapter = MenuItem::with_id(app, "chapter", "No chapters", false, None::<&str>)?;
    let toggle = MenuItem::with_id(app, TOGGLE, "Play", true, None::<&str>)?;
    let previous_chapter = MenuItem::with_id(
        app,
        PREVIOUS_CHAPTER,
        "Previous chapter",
        false,
        None::<&str>,
    )?;
    let next_chapter = MenuItem::with_id(app, NEXT_CHAPTER, "Next chapter", false, None::<&str>)?;
    let back = MenuItem::with_id(app, BACK, "Skip back", true, None::<&str>)?;
    let forward = MenuItem::with_id(app, FORWARD, "Skip forward", true, None::<&str>)?;
    let window = MenuItem::with_id(app, WINDOW, "Hide Earshot", true, None::<&str>)?;
    let quit = MenuItem::with_id(app, QUIT, "Quit Earshot", true, None::<&str>)?;
    let menu = Menu::with_items(
        app,
        &[
            &now,
            &chapter,
            &PredefinedMenuItem::separator(app)?,
            &toggle,
            &back,
            &forward,
            &previous_chapter,
            &next_chapter,
            &PredefinedMenuItem::separator(app)?,
            &window,
            &quit,
        ],
    )?;
    let mut builder = TrayIconBuilder::with_id("earshot")
        .menu(&menu)
        .show_menu_on_left_click(false)
        .tooltip("Earshot")
        .on_menu_event(on_menu)
        .on_tray_icon_event(|tray, event| {
            if let TrayIconEvent::Click {
                button: MouseButton::Left,
                button_state: MouseButtonState::Up,
                ..
            } = event
            {
                toggle_window(tray.app_handle());
            }
        });
    if let Some(icon) = app.default_window_icon() {
        builder = builder.icon(icon.clone());
    }
    let tray = builder.build(app)?;
    let items = Items {
        now,
        chapter,
        toggle,
        previous_chapter,
        next_chapter,
    };
    app.manage(WindowItem(window));
    Ok((tray, items))
}

/// The Show/Hide item, so window changes elsewhere can relabel it.
struct WindowItem(MenuItem<Wry>);

fn on_menu(app: &AppHandle, event: MenuEvent) {
    tracing::debug!(id = event.id.as_ref(), "tray menu");
    let Some(state) = app.try_state::<App>() else {
        return;
    };
    let player = state.playback.player().ok();
    match event.id.as_ref() {
        TOGGLE => {
            if let Some(player) = player {
                player.toggle();
            }
        }
        BACK | FORWARD => {
            if let Some(player) = player {
                player.seek_by(state.settings.skip_delta(event.id.as_ref() == FORWARD));
            }
        }
        PREVIOUS_CHAPTER | NEXT_CHAPTER => {
            if let Some(player) = player {
                let step = if event.id.as_ref() == NEXT_CHAPTER {
                    earshot_core::ChapterStep::Next
                } else {
                    earshot_core::ChapterStep::Previous
                };
                if let Err(why) = crate::chapters::skip(&state.chapters, player, step) {
                    tracing::debug!(why, "chapter skip from the tray");
                }
            }
        }
        WINDOW => toggle_window(app),
        QUIT => app.exit(0),
        _ => {}
    }
}

/// Shows the window if hidden, hides it if shown; relabels the menu item.
pub fn toggle_window(app: &AppHandle) {
    let Some(window) = app.get_webview_window("main") else {
        return;
    };
    if window.is_visible().unwrap_or(true) {
        let _ = window.hide();
        window_visibility_changed(app);
    } else {
        crate::show_window(app);
    }
}

/// Keeps "Show Earshot" / "Hide Earshot" true to the window, and the events sent to it
/// ([`crate::presence`]).
pub fn window_visibility_changed(app: &AppHandle) {
    let visible = app
        .get_webview_window("main")
        .and_then(|w| w.is_visible().ok())
        .unwrap_or(true);
    if let Some(presence) = app.try_state::<crate::presence::Presence>() {
        presence.set_shown(app, visible);
    }
    if let Some(item) = app.try_state::<WindowItem>() {
        let _ = item.0.set_text(if visible {
            "Hide Earshot"
        } else {
            "Show Earshot"
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use earshot_player::Track;

    #[test]
    fn labels_follow_the_player() {
        let mut state = PlayerState::default();
        assert_eq!(labels(&state), ("Nothing playing".to_string(), "Play"));
        state.track = Some(Track {
            id: 1,
            group_id: 1,
            origin: earshot_player::Origin::File,
            title: "Cost of HTTP/2".into(),
            artist: "The Backend Hour".into(),
            uri: "file:///x.mp3".into(),
            duration_hint_secs: None,
        });
        state.status = Status::Playing;
        assert_eq!(
            labels(&state),
            ("Cost of HTTP/2 — The Backend Hour".to_string(), "Pause")
        );
        state.status = Status::Paused;
        assert_eq!(labels(&state).1, "Play");
    }
}
