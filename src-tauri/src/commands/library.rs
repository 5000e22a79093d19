use earshot_core::opml::OpmlProblem;
use earshot_core::{
    Chapter, Episode, EpisodeId, EpisodeList, EpisodeQuery, EpisodeTranscript, RefreshOutcome,
    SameGuid, SearchResults, Show, ShowId, ShowRefreshed,
};
use serde::{Deserialize, Serialize};
use tauri::{AppHandle, State};
use tauri_plugin_dialog::DialogExt;

use crate::error::CommandError;
use crate::{App, unix_now};

/// Subscribes to a feed by its address (also `feed://`, `itpc://`, `podcast://` or a bare host).
/// A feed that gives a followed show's `podcast:guid` is refused with `claims_followed_show`
/// unless `sameGuid` says to follow it separately.
#[tauri::command]
#[specta::specta]
pub async fn subscribe(
    app: State<'_, App>,
    url: String,
    same_guid: Option<SameGuid>,
) -> Result<Show, CommandError> {
    Ok(app
        .core
        .subscribe_with(&url, same_guid.unwrap_or_default(), unix_now())
        .await?)
}

#[tauri::command]
#[specta::specta]
pub async fn list_shows(app: State<'_, App>) -> Result<Vec<Show>, CommandError> {
    Ok(app.core.shows().await?)
}

#[tauri::command]
#[specta::specta]
pub async fn get_show(app: State<'_, App>, show_id: ShowId) -> Result<Show, CommandError> {
    Ok(app.core.show(show_id).await?)
}

/// A page of a show's episodes, filtered and ordered, with how many pass the filter in all.
#[tauri::command]
#[specta::specta]
pub async fn get_episodes(
    app: State<'_, App>,
    show_id: ShowId,
    query: EpisodeQuery,
) -> Result<EpisodeList, CommandError> {
    Ok(app.core.episodes(show_id, query).await?)
}

/// The episodes with these ids (at most 1,000), in that order: rows a change named.
#[tauri::command]
#[specta::specta]
pub async fn get_episodes_by_id(
    app: State<'_, App>,
    episode_ids: Vec<EpisodeId>,
) -> Result<Vec<Episode>, CommandError> {
    Ok(app.core.episodes_by_id(&episode_ids).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn get_episode(
    app: State<'_, App>,
    episode_id: EpisodeId,
) -> Result<Episode, CommandError> {
    Ok(app.core.episode(episode_id).await?)
}

/// The episode's transcript, in the listener's language where several are offered: fetched
/// and kept the first time; None when the episode has none (or it cannot be read).
#[tauri::command]
#[specta::specta]
pub async fn get_transcript(
    app: State<'_, App>,
    episode_id: EpisodeId,
) -> Result<Option<EpisodeTranscript>, CommandError> {
    Ok(app.core.transcript(episode_id).await?)
}

/// The episode's chapters, from every source it has (kept once read); none when it has none.
#[tauri::command]
#[specta::specta]
pub async fn get_chapters(
    app: State<'_, App>,
    episode_id: EpisodeId,
) -> Result<Vec<Chapter>, CommandError> {
    Ok(app.core.chapters(episode_id).await?)
}

/// Marks an episode played or unplayed by hand.
#[tauri::command]
#[specta::specta]
pub async fn set_episode_played(
    app: State<'_, App>,
    handle: AppHandle,
    episode_id: EpisodeId,
    played: bool,
) -> Result<(), CommandError> {
    app.core.set_played(episode_id, played, unix_now()).await?;
    if played {
        crate::downloads::tidy(&handle).await;
    }
    Ok(())
}

/// Refreshes one show now. A feed problem is an outcome (also recorded on the show), not an error.
#[tauri::command]
#[specta::specta]
pub async fn refresh_show(
    app: State<'_, App>,
    handle: AppHandle,
    show_id: ShowId,
) -> Result<RefreshOutcome, CommandError> {
    Ok(app.refresher.run_one(&app.core, &handle, show_id).await?)
}

/// Refreshes every show now; progress arrives as `RefreshProgressed` events. Returns nothing
/// when a refresh was already running.
#[tauri::command]
#[specta::specta]
pub async fn refresh_all(
    app: State<'_, App>,
    handle: AppHandle,
) -> Result<Option<Vec<ShowRefreshed>>, CommandError> {
    Ok(app.refresher.run(&app.core, &handle).await)
}

/// Removes a show with its episodes, its downloads and the listener's progress in them; the
/// player first lets go of it if it is playing one of them.
#[tauri::command]
#[specta::specta]
pub async fn unsubscribe(app: State<'_, App>, show_id: ShowId) -> Result<(), CommandError> {
    app.playback.release_show(show_id).await;
    Ok(app.core.unsubscribe(show_id).await?)
}

/// Shows and episodes matching what the listener typed, best first.
#[tauri::command]
#[specta::specta]
pub async fn search_library(
    app: State<'_, App>,
    text: String,
) -> Result<SearchResults, CommandError> {
    Ok(app.core.search(&text, 30).await?)
}

/// What importing an OPML file did, for the summary the UI shows.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ImportSummary {
    pub added: u32,
    pub already_subscribed: u32,
    /// Entries of the file that were not feed addresses.
    pub problems: Vec<OpmlProblem>,
    /// New subscriptions whose first fetch failed (kept, with the error on their page).
    pub failed: Vec<ShowRefreshed>,
}

/// Imports the subscriptions in an OPML file's text, then fetches the new ones (progress arrives
/// as `RefreshProgressed` events).
#[tauri::command]
#[specta::specta]
pub async fn import_opml(
    app: State<'_, App>,
    handle: AppHandle,
    contents: String,
) -> Result<ImportSummary, CommandError> {
    let report = app
        .core
        .import_opml(contents.as_bytes(), unix_now())
        .await?;
    let results = if report.added.is_empty() {
        Vec::new()
    } else {
        app.refresher
            .run_shows(&app.core, &handle, &report.added)
            .await
    };
    Ok(ImportSummary {
        added: u32::try_from(report.added.len()).unwrap_or(u32::MAX),
        already_subscribed: report.already_subscribed,
        problems: report.problems,
        failed: results
            .into_iter()
            .filter(|r| matches!(r.outcome, RefreshOutcome::Failed { .. }))
            .collect(),
    })
}

/// Asks where to save, then writes every subscription there as OPML. Returns the file's path,
/// or nothing when the listener cancelled.
#[tauri::command]
#[specta::specta]
pub async fn export_opml(
    app: State<'_, App>,
    handle: AppHandle,
) -> Result<Option<String>, CommandError> {
    let opml = app.core.export_opml().await?;
    let (sender, receiver) = tokio::sync::oneshot::channel();
    handle
        .dialog()
        .file()
        .set_title("Export subscriptions")
        .add_filter("OPML", &["opml", "xml"])
        .set_file_name("Earshot subscriptions.opml")
        .save_file(move |path| {
            let _ = sender.send(path);
        });
    let Some(path) = receiver.await.ok().flatten() else {
        return Ok(None);
    };
    let path = path
        .into_path()
        .map_err(|e| earshot_core::Error::Io(std::io::Error::other(e.to_string())))?;
    tokio::fs::write(&path, opml)
        .await
        .map_err(earshot_core::Error::Io)?;
    tracing::info!(path = %path.display(), "subscriptions exported");
    Ok(Some(path.display().to_string()))
}
