//! Background and on-demand refresh of every subscription: one run at a time, progress sent to
//! the UI as each feed finishes, and a schedule (first a minute after start, then every
//! `refreshMinutes`, 60 by default).

use std::time::Duration;

use earshot_core::{Core, ShowId, ShowRefreshed};
use tauri::{AppHandle, Manager};
use tauri_specta::Event;

use crate::events::{LibraryChanged, RefreshProgressed};
use crate::{App, unix_now};

/// Allows one refresh of everything at a time.
#[derive(Default)]
pub struct Refresher {
    running: tokio::sync::Mutex<()>,
}

impl Refresher {
    /// Refreshes every show, unless a refresh is already running (then returns `None`).
    pub async fn run(&self, core: &Core, app: &AppHandle) -> Option<Vec<ShowRefreshed>> {
        let _running = self.running.try_lock().ok()?;
        let progress_app = app.clone();
        let results = core
            .refresh_all(unix_now(), move |progress| {
                let _ = RefreshProgressed(progress).emit(&progress_app);
            })
            .await;
        let _ = LibraryChanged { show_id: None }.emit(app);
        crate::downloads::after_refresh(app).await;
        match results {
            Ok(results) => {
                notify_new_episodes(app, &results);
                Some(results)
            }
            Err(error) => {
                tracing::error!(%error, "refresh stopped");
                Some(Vec::new())
            }
        }
    }
}

impl Refresher {
    /// Refreshes the given shows (new ones from an import), waiting for a running refresh to
    /// finish first; progress goes to the UI as for a refresh of everything.
    pub async fn run_shows(
        &self,
        core: &Core,
        app: &AppHandle,
        shows: &[ShowId],
    ) -> Vec<ShowRefreshed> {
        let _running = self.running.lock().await;
        let progress_app = app.clone();
        let results = core
            .refresh_shows(Some(shows), unix_now(), move |progress| {
                let _ = RefreshProgressed(progress).emit(&progress_app);
            })
            .await;
        let _ = LibraryChanged { show_id: None }.emit(app);
        crate::downloads::after_refresh(app).await;
        results.unwrap_or_else(|error| {
            tracing::error!(%error, "refresh of imported shows stopped");
            Vec::new()
        })
    }
}

/// Refreshes in the background for as long as the app runs.
pub fn schedule(app: AppHandle) {
    tauri::async_runtime::spawn(async move {
        tokio::time::sleep(Duration::from_secs(60)).await;
        loop {
            let minutes = match app.try_state::<App>() {
                Some(state) => {
                    let started = std::time::Instant::now();
                    if let Some(results) = state.refresher.run(&state.core, &app).await {
                        tracing::info!(
                            shows = results.len(),
                            secs = started.elapsed().as_secs_f64(),
                            "background refresh done"
                        );
                    }
                    state.settings.refresh_minutes()
                }
                None => 1.0,
            };
            tokio::time::sleep(Duration::from_secs_f64(minutes * 60.0)).await;
        }
    });
}

/// Tells the listener, when they asked to be told, which shows have new episodes.
fn notify_new_episodes(app: &AppHandle, results: &[ShowRefreshed]) {
    let wanted = app
        .try_state::<App>()
        .is_some_and(|state| state.settings.notify_new_episodes());
    let Some(body) = new_episodes_message(results).filter(|_| wanted) else {
        return;
    };
    use tauri_plugin_notification::NotificationExt;
    if let Err(error) = app
        .notification()
        .builder()
        .title("New episodes")
        .body(body)
        .show()
    {
        tracing::warn!(%error, "notification not shown");
    }
}

/// "The Backend Hour: 2 new · Other Show: 1 new", or `None` when nothing is new.
pub fn new_episodes_message(results: &[ShowRefreshed]) -> Option<String> {
    let parts: Vec<String> = results
        .iter()
        .filter_map(|r| match r.outcome {
            earshot_core::RefreshOutcome::Updated { new_episodes } if new_episodes > 0 => {
                Some(format!("{}: {new_episodes} new", r.title))
            }
            _ => None,
        })
        .collect();
    match parts.len() {
        0 => None,
        1..=3 => Some(parts.join(" · ")),
        n => Some(format!(
            "{} · and {} more shows",
            parts[..3].join(" · "),
            n - 3
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use earshot_core::RefreshOutcome;

    fn refreshed(title: &str, outcome: RefreshOutcome) -> ShowRefreshed {
        ShowRefreshed {
            show_id: ShowId(1),
            title: title.into(),
            feed_url: "https://example.com/feed".into(),
            outcome,
        }
    }

    #[test]
    fn the_notification_names_shows_with_new_episodes() {
        assert_eq!(new_episodes_message(&[]), None);
        let results = [
            refreshed("A", RefreshOutcome::Updated { new_episodes: 2 }),
            refreshed("B", RefreshOutcome::NotModified),
            refreshed("C", RefreshOutcome::Updated { new_episodes: 0 }),
            refreshed("D", RefreshOutcome::Updated { new_episodes: 1 }),
        ];
        assert_eq!(
            new_episodes_message(&results).as_deref(),
            Some("A: 2 new · D: 1 new")
        );
        let many: Vec<_> = (0..5)
            .map(|n| {
                refreshed(
                    &format!("S{n}"),
                    RefreshOutcome::Updated { new_episodes: 1 },
                )
            })
            .collect();
        assert_eq!(
            new_episodes_message(&many).as_deref(),
            Some("S0: 1 new · S1: 1 new · S2: 1 new · and 2 more shows")
        );
    }
}
