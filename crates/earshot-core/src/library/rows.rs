//! Row structs as SQLite returns them, and their conversion into domain types.

use super::{FeedMeta, FeedState};
use crate::model::{Episode, EpisodeId, Progress, Show, ShowId};

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
    episode_count: i64,
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
            episode_count: u32::try_from(row.episode_count).unwrap_or(u32::MAX),
        }
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct EpisodeRow {
    id: i64,
    show_id: i64,
    title: String,
    published_at: Option<i64>,
    duration_secs: Option<f64>,
    enclosure_url: Option<String>,
    enclosure_type: Option<String>,
    notes_html: String,
    link: Option<String>,
    position_secs: f64,
    played: bool,
}

impl From<EpisodeRow> for Episode {
    fn from(row: EpisodeRow) -> Self {
        Episode {
            id: EpisodeId(row.id),
            show_id: ShowId(row.show_id),
            title: row.title,
            published_at: row.published_at,
            duration_secs: row.duration_secs,
            enclosure_url: row.enclosure_url,
            enclosure_type: row.enclosure_type,
            notes_html: row.notes_html,
            link: row.link,
            progress: Progress {
                position_secs: row.position_secs,
                played: row.played,
            },
        }
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct FeedStateRow {
    feed_url: String,
    etag: Option<String>,
    last_modified: Option<String>,
    body_sha256: Option<String>,
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
        }
    }
}
