//! Background and on-demand refresh: one run of many shows at a time, progress sent to the UI as
//! each feed finishes, a schedule (every `refreshMinutes`, 60 by default, counted from the last
//! refresh of everything even across restarts), and, after every refresh (one show, many or
//! all), what the core says follows: automatic downloads, the disk rules, and the new-episodes
//! notification when it is wanted.

use std::time::Duration;

use earshot_core::{Core, RefreshOutcome, ShowId, ShowRefreshed};
use tauri::{AppHandle, Manager};

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
                crate::presence::refresh_progressed(&progress_app, progress);
            })
            .await;
        match results {
            Ok(results) => {
                follow(core, app, &results).await;
                Some(results)
            }
            Err(error) => {
                tracing::error!(%error, "refresh stopped");
                Some(Vec::new())
            }
        }
    }

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
                crate::presence::refresh_progressed(&progress_app, progress);
            })
            .await
            .unwrap_or_else(|error| {
                tracing::error!(%error, "refresh of imported shows stopped");
                Vec::new()
            });
        follow(core, app, &results).await;
        results
    }

    /// Refreshes one show now (the show page's Refresh), with the same follow-ups.
    pub async fn run_one(
        &self,
        core: &Core,
        app: &AppHandle,
        show: ShowId,
    ) -> earshot_core::Result<RefreshOutcome> {
        let outcome = core.refresh_show(show, unix_now()).await?;
        let details = core.show(show).await?;
        let refreshed = ShowRefreshed {
            show_id: show,
            title: details.title,
            feed_url: details.feed_url,
            outcome: outcome.clone(),
        };
        follow(core, app, std::slice::from_ref(&refreshed)).await;
        Ok(outcome)
    }
}

/// What follows a refresh, as the core decides it; then the notification, if wanted.
/// Transcripts read after one refresh at most; the next refresh takes the next ones.
const TRANSCRIPTS_PER_REFRESH: u32 = 200;

async fn follow(core: &Core, app: &AppHandle, results: &[ShowRefreshed]) {
    let Some(state) = app.try_state::<App>() else {
        return;
    };
    let after = core
        .after_refresh(results, &state.settings.retention(), unix_now())
        .await;
    // Other devices hear of what the refresh found, and this one of theirs.
    state.syncer.soon();
    // Transcripts of new episodes are read behind the refresh, so their words can be found.
    let transcripts = core.clone();
    tauri::async_runtime::spawn(async move {
        match transcripts
            .fetch_transcripts(unix_now(), TRANSCRIPTS_PER_REFRESH)
            .await
        {
            Ok(done) => tracing::debug!(
                fetched = done.fetched.len(),
                failed = done.failed.len(),
                "transcripts read after the refresh"
            ),
            Err(error) => tracing::warn!(%error, "transcripts not read after the refresh"),
        }
    });
    if let Some(body) = after
        .announcement
        .filter(|_| state.settings.notify_new_episodes())
    {
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
}

/// Refreshes in the background for as long as the app runs: first when the last refresh's
/// interval is up (never sooner than a minute after start), then every interval.
pub fn schedule(app: AppHandle) {
    tauri::async_runtime::spawn(async move {
        let first = match app.try_state::<App>() {
            Some(state) => {
                let every = (state.settings.refresh_minutes() * 60.0) as i64;
                state.core.next_refresh_in(every, 60, unix_now()).await
            }
            None => 60,
        };
        tracing::info!(in_secs = first, "first background refresh scheduled");
        tokio::time::sleep(Duration::from_secs(first.max(0).unsigned_abs())).await;
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
