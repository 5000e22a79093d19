//! The chapters of the episode in the player, and which one is playing: read once per episode
//! from the core (which keeps them), followed as the position moves, and shared by the UI (an
//! event on each change), the tray and the OS media controls. Which chapter plays and where a
//! chapter skip lands are the core's rules (`earshot_core::chapters`).

use earshot_core::chapters::{chapter_target, current_chapter};
use earshot_core::{Chapter, ChapterStep, Core, EpisodeId};
use earshot_player::{PlayerHandle, PlayerState};
use serde::{Deserialize, Serialize};
use tauri::AppHandle;
use tokio::sync::watch;

/// The episode in the player, its chapters, and the one playing.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct NowChapters {
    pub episode_id: Option<EpisodeId>,
    /// In time order; empty when the episode has none (or they are still being read).
    pub chapters: Vec<Chapter>,
    /// The index of the chapter playing.
    pub current: Option<u32>,
}

impl NowChapters {
    /// The chapter playing, if any.
    pub fn playing(&self) -> Option<&Chapter> {
        self.current
            .and_then(|i| self.chapters.get(usize::try_from(i).ok()?))
    }

    /// Where a chapter skip from `position` lands.
    pub fn target(&self, position: f64, step: ChapterStep) -> Option<f64> {
        chapter_target(&self.chapters, position, step)
    }
}

/// Keeps `now` true to the player, and tells the UI of each change.
pub fn follow(app: AppHandle, core: Core, player: PlayerHandle, now: watch::Sender<NowChapters>) {
    tauri::async_runtime::spawn(async move {
        let mut changes = player.subscribe();
        // The chapters being read for an episode, if any.
        let mut reading: Option<(EpisodeId, tokio::task::JoinHandle<Vec<Chapter>>)> = None;
        loop {
            let state = changes.borrow_and_update().clone();
            let episode = state.track.as_ref().map(|t| EpisodeId(t.id));
            if episode != now.borrow().episode_id {
                if let Some((_, task)) = reading.take() {
                    task.abort();
                }
                now.send_replace(NowChapters {
                    episode_id: episode,
                    ..NowChapters::default()
                });
                announce(&app, &now);
                if let Some(id) = episode {
                    let core = core.clone();
                    reading = Some((
                        id,
                        tokio::spawn(async move {
                            core.chapters(id).await.unwrap_or_else(|error| {
                                tracing::warn!(episode = id.0, %error, "chapters not read");
                                Vec::new()
                            })
                        }),
                    ));
                }
            }
            if place(&now, &state) {
                announce(&app, &now);
            }
            tokio::select! {
                changed = changes.changed() => {
                    if changed.is_err() {
                        break;
                    }
                }
                read = async {
                    match reading.as_mut() {
                        Some((id, task)) => (*id, task.await),
                        None => std::future::pending().await,
                    }
                } => {
                    reading = None;
                    let (id, chapters) = read;
                    let chapters = chapters.unwrap_or_default();
                    let mine = now.send_if_modified(|now| {
                        let mine = now.episode_id == Some(id) && now.chapters != chapters;
                        if mine {
                            now.chapters = chapters;
                            now.current = None;
                        }
                        mine
                    });
                    if mine {
                        place(&now, &player.state());
                        announce(&app, &now);
                    }
                }
            }
        }
    });
}

/// Moves the current chapter to where the player is; true when it changed.
fn place(now: &watch::Sender<NowChapters>, state: &PlayerState) -> bool {
    now.send_if_modified(|now| {
        let current =
            current_chapter(&now.chapters, state.position_secs).and_then(|i| u32::try_from(i).ok());
        let changed = now.current != current;
        now.current = current;
        changed
    })
}

fn announce(app: &AppHandle, now: &watch::Sender<NowChapters>) {
    crate::presence::chapters_changed(app, now.borrow().clone());
}

/// A chapter skip: seeks to where `step` lands, or says why it cannot.
pub fn skip(
    now: &watch::Sender<NowChapters>,
    player: &PlayerHandle,
    step: ChapterStep,
) -> Result<(), &'static str> {
    let position = player.state().position_secs;
    let chapters = now.borrow();
    if chapters.chapters.is_empty() {
        return Err("This episode has no chapters");
    }
    match chapters.target(position, step) {
        Some(target) => {
            player.seek_to(target);
            Ok(())
        }
        None => Err(match step {
            ChapterStep::Next => "This is the last chapter",
            ChapterStep::Previous => "This is the first chapter",
        }),
    }
}
