//! Apple's podcast genres, and the charts kept on disk: one JSON file per (genre, country) in
//! the directory cache, written whole (a temporary file renamed over the old one), so a reader
//! sees the last chart or the one before, never half of one. A chart is fresh for a day.

use std::path::{Path, PathBuf};

use crate::model::{Chart, Genre, UnixTime};

/// How long a chart is shown without asking again.
pub const CHART_FRESH_SECS: i64 = 24 * 60 * 60;

/// Apple's top-level podcast genres, by id.
const GENRES: [(u32, &str); 19] = [
    (1301, "Arts"),
    (1321, "Business"),
    (1303, "Comedy"),
    (1304, "Education"),
    (1483, "Fiction"),
    (1511, "Government"),
    (1512, "Health & Fitness"),
    (1487, "History"),
    (1305, "Kids & Family"),
    (1502, "Leisure"),
    (1310, "Music"),
    (1489, "News"),
    (1314, "Religion & Spirituality"),
    (1533, "Science"),
    (1324, "Society & Culture"),
    (1545, "Sports"),
    (1309, "TV & Film"),
    (1318, "Technology"),
    (1488, "True Crime"),
];

/// Apple's top-level podcast genres, in Apple's order.
pub fn genres() -> Vec<Genre> {
    GENRES
        .iter()
        .map(|(id, name)| Genre {
            id: *id,
            name: (*name).to_string(),
        })
        .collect()
}

/// A genre by its id (`1318`) or its name in any case, with `&`, `and`, spaces or dashes
/// between the words (`tv & film`, `TV-Film`, `health and fitness`).
pub fn genre(name_or_id: &str) -> Option<Genre> {
    let wanted = name_or_id.trim();
    if let Ok(id) = wanted.parse::<u32>() {
        return genres().into_iter().find(|g| g.id == id);
    }
    let wanted = genre_words(wanted);
    (!wanted.is_empty())
        .then(|| {
            genres()
                .into_iter()
                .find(|g| genre_words(&g.name) == wanted)
        })
        .flatten()
}

fn genre_words(name: &str) -> Vec<String> {
    name.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty() && !w.eq_ignore_ascii_case("and"))
        .map(str::to_lowercase)
        .collect()
}

/// The genre's name, for Podcast Index's `cat` (its categories split Apple's pairs: `TV,Film`).
pub(super) fn podcast_index_categories(genre: u32) -> Option<String> {
    GENRES
        .iter()
        .find(|(id, _)| *id == genre)
        .map(|(_, name)| name.split(" & ").collect::<Vec<_>>().join(","))
}

/// Whether `chart` was fetched less than a day before `now`.
pub fn chart_is_fresh(chart: &Chart, now: UnixTime) -> bool {
    (0..CHART_FRESH_SECS).contains(&(now - chart.fetched_at))
}

fn chart_file(cache_dir: &Path, genre: Option<u32>, country: &str) -> PathBuf {
    let genre = genre.map_or_else(|| "all".to_string(), |g| g.to_string());
    cache_dir.join(format!("chart-{genre}-{country}.json"))
}

/// The stored chart for (genre, country), if there is a readable one.
pub(super) async fn read_chart(
    cache_dir: &Path,
    genre: Option<u32>,
    country: &str,
) -> Option<Chart> {
    let path = chart_file(cache_dir, genre, country);
    let bytes = match tokio::fs::read(&path).await {
        Ok(bytes) => bytes,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return None,
        Err(error) => {
            tracing::warn!(path = %path.display(), %error, "stored chart not read");
            return None;
        }
    };
    match serde_json::from_slice::<Chart>(&bytes) {
        Ok(chart) if chart.genre == genre && chart.country == country => Some(chart),
        Ok(_) => None,
        Err(error) => {
            tracing::warn!(path = %path.display(), %error, "stored chart unreadable; ignored");
            None
        }
    }
}

/// Stores `chart` whole: written beside its place, then renamed over it.
pub(super) async fn write_chart(cache_dir: &Path, chart: &Chart) -> std::io::Result<()> {
    tokio::fs::create_dir_all(cache_dir).await?;
    let path = chart_file(cache_dir, chart.genre, &chart.country);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let temporary = path.with_extension(format!("json.{}-{nanos}.part", std::process::id()));
    let body = serde_json::to_vec(chart).map_err(std::io::Error::other)?;
    tokio::fs::write(&temporary, body).await?;
    if let Err(error) = tokio::fs::rename(&temporary, &path).await {
        let _ = tokio::fs::remove_file(&temporary).await;
        return Err(error);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn genres_are_found_by_id_or_by_name_however_written() {
        assert_eq!(genre("1318").map(|g| g.name), Some("Technology".into()));
        assert_eq!(genre("technology").map(|g| g.id), Some(1318));
        assert_eq!(genre(" tv & film ").map(|g| g.id), Some(1309));
        assert_eq!(genre("TV-Film").map(|g| g.id), Some(1309));
        assert_eq!(genre("health and fitness").map(|g| g.id), Some(1512));
        assert_eq!(genre("true-crime").map(|g| g.id), Some(1488));
        assert_eq!(genre("Cooking"), None);
        assert_eq!(genre("9999"), None);
        assert_eq!(genre("&"), None);
        assert_eq!(genres().len(), 19);
    }

    #[test]
    fn podcast_index_splits_apple_s_pairs() {
        assert_eq!(podcast_index_categories(1309).as_deref(), Some("TV,Film"));
        assert_eq!(
            podcast_index_categories(1318).as_deref(),
            Some("Technology")
        );
        assert_eq!(podcast_index_categories(1), None);
    }

    #[test]
    fn a_chart_is_fresh_for_a_day() {
        let chart = Chart {
            genre: None,
            country: "us".into(),
            shows: Vec::new(),
            fetched_at: 1_000_000,
            failures: Vec::new(),
        };
        assert!(chart_is_fresh(&chart, 1_000_000));
        assert!(chart_is_fresh(&chart, 1_000_000 + CHART_FRESH_SECS - 1));
        assert!(!chart_is_fresh(&chart, 1_000_000 + CHART_FRESH_SECS));
        // A clock set back: asked again rather than trusted.
        assert!(!chart_is_fresh(&chart, 999_000));
    }

    #[tokio::test]
    async fn a_stored_chart_reads_back_and_another_country_s_does_not() {
        let dir = tempfile::tempdir().expect("dir");
        let chart = Chart {
            genre: Some(1318),
            country: "gb".into(),
            shows: Vec::new(),
            fetched_at: 5,
            failures: Vec::new(),
        };
        write_chart(dir.path(), &chart).await.expect("written");
        assert_eq!(read_chart(dir.path(), Some(1318), "gb").await, Some(chart));
        assert_eq!(read_chart(dir.path(), Some(1318), "us").await, None);
        assert_eq!(read_chart(dir.path(), None, "gb").await, None);
        let leftovers = std::fs::read_dir(dir.path()).expect("dir").count();
        assert_eq!(leftovers, 1, "no temporary file left behind");
    }
}
