//! Row structs as SQLite returns them, and their conversion into domain types.

use super::prepare::Unpacker;
use super::{FeedMeta, FeedState};
use crate::feed::{Credentials, sanitize_notes};
use crate::model::{DownloadState, Episode, EpisodeDownload, EpisodeId, Progress, Show, ShowId};

#[derive(sqlx::FromRow)]
pub(super) struct ShowRow {
    id: i64,
    feed_url: String,
    title: String,
    author: Option<String>,
    description_html: String,
    link: Option<String>,
    categories_json: String,
    artwork_cached: bool,
    refreshed_at: Option<i64>,
    last_error: Option<String>,
    last_error_at: Option<i64>,
    gone_at: Option<i64>,
    episode_count: i64,
    latest_episode_at: Option<i64>,
    unplayed_count: i64,
    language: Option<String>,
    explicit: Option<bool>,
    podcast_guid: Option<String>,
    funding_json: String,
    followed: bool,
}

impl From<ShowRow> for Show {
    fn from(row: ShowRow) -> Self {
        Show {
            id: ShowId(row.id),
            feed_url: row.feed_url,
            title: row.title,
            author: row.author,
            description_html: row.description_html,
            link: row.link,
            categories: serde_json::from_str(&row.categories_json).unwrap_or_default(),
            has_artwork: row.artwork_cached,
            refreshed_at: row.refreshed_at,
            last_error: row.last_error,
            last_error_at: row.last_error_at,
            gone_at: row.gone_at,
            episode_count: u32::try_from(row.episode_count).unwrap_or(u32::MAX),
            unplayed_count: u32::try_from(row.unplayed_count).unwrap_or(u32::MAX),
            latest_episode_at: row.latest_episode_at,
            language: row.language,
            explicit: row.explicit,
            podcast_guid: row.podcast_guid,
            funding: serde_json::from_str(&row.funding_json).unwrap_or_default(),
            followed: row.followed,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct EpisodeRow {
    id: i64,
    show_id: i64,
    guid: String,
    title: String,
    published_at: Option<i64>,
    duration_secs: Option<f64>,
    enclosure_url: Option<String>,
    enclosure_type: Option<String>,
    enclosure_length: Option<i64>,
    /// Packed notes (see `prepare`), or raw ones in `notes_raw` for rows not packed yet.
    notes: Option<Vec<u8>>,
    notes_raw: String,
    base_url: String,
    link: Option<String>,
    position_secs: f64,
    played: bool,
    season: Option<i64>,
    episode_number: Option<i64>,
    episode_type: Option<String>,
    explicit: Option<bool>,
    artwork_url: Option<String>,
    chapters_url: Option<String>,
    transcripts_json: String,
    persons_json: String,
    download_state: Option<String>,
    download_done: Option<i64>,
    download_total: Option<i64>,
}

impl From<EpisodeRow> for Episode {
    fn from(row: EpisodeRow) -> Self {
        row.into_episode(&mut Unpacker::new())
    }
}

/// Rows to episodes, with one [`Unpacker`] for all their notes.
pub(super) fn episodes(rows: Vec<EpisodeRow>) -> Vec<Episode> {
    let mut unpacker = Unpacker::new();
    rows.into_iter()
        .map(|row| row.into_episode(&mut unpacker))
        .collect()
}

impl EpisodeRow {
    fn into_episode(self, unpacker: &mut Unpacker) -> Episode {
        let row = self;
        Episode {
            id: EpisodeId(row.id),
            show_id: ShowId(row.show_id),
            guid: row.guid,
            title: row.title,
            published_at: row.published_at,
            duration_secs: row.duration_secs,
            enclosure_url: row.enclosure_url,
            enclosure_type: row.enclosure_type,
            enclosure_length: row.enclosure_length,
            notes_html: sanitize_notes(
                &unpacker.unpack(row.notes.as_deref(), &row.notes_raw),
                url::Url::parse(&row.base_url).ok().as_ref(),
            ),
            link: row.link,
            progress: Progress {
                position_secs: row.position_secs,
                played: row.played,
            },
            season: row.season,
            episode_number: row.episode_number,
            episode_type: row.episode_type,
            explicit: row.explicit,
            artwork_url: row.artwork_url,
            chapters_url: row.chapters_url,
            transcripts: serde_json::from_str(&row.transcripts_json).unwrap_or_default(),
            persons: serde_json::from_str(&row.persons_json).unwrap_or_default(),
            download: row.download_state.map(|state| EpisodeDownload {
                state: DownloadState::parse(&state),
                bytes_done: row
                    .download_done
                    .and_then(|b| u64::try_from(b).ok())
                    .unwrap_or(0),
                bytes_total: row.download_total.and_then(|b| u64::try_from(b).ok()),
            }),
        }
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct FeedStateRow {
    feed_url: String,
    etag: Option<String>,
    last_modified: Option<String>,
    body_sha256: Option<String>,
    retry_after: Option<i64>,
    auth_user: Option<String>,
    auth_password: Option<String>,
    artwork_url: Option<String>,
    artwork_cached: bool,
}

impl From<FeedStateRow> for FeedState {
    fn from(row: FeedStateRow) -> Self {
        FeedState {
            feed_url: row.feed_url,
            meta: FeedMeta {
                etag: row.etag,
                last_modified: row.last_modified,
                body_sha256: row.body_sha256,
            },
            retry_after: row.retry_after,
            credentials: match (row.auth_user, row.auth_password) {
                (Some(user), password) => Some(Credentials {
                    user,
                    password: password.unwrap_or_default(),
                }),
                _ => None,
            },
            artwork_url: row.artwork_url,
            artwork_cached: row.artwork_cached,
        }
    }
}
