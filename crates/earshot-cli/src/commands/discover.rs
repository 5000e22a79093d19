//! `discover search` and `discover top`: shows from the podcast directories (iTunes, fyyd,
//! Podcast Index), as the app's Discover screen finds them, with the same settings.
//!
//! One directory failing is a note on stderr, not the command's failure: the others' shows are
//! still listed. Only when every directory asked failed does the command fail (exit 4).

use std::fmt;

use earshot_core::directory::{self, DirectorySettings};
use earshot_core::{Chart, Core, DirectoryFailure, DirectoryShow, ErrorCode};
use serde::Serialize;

use super::now;
use crate::Fatal;
use crate::report::Report;

/// `discover search WORDS…`: every enabled directory's shows for the words, merged, best
/// match first.
pub async fn search(
    core: &Core,
    words: &[String],
    settings: &DirectorySettings,
) -> Result<DiscoverReport, Fatal> {
    let asked = settings.enabled_sources();
    if asked.is_empty() {
        return Err(Fatal::Usage(
            "every directory is turned off (discoverItunes, discoverFyyd, discoverPodcastIndex with a key and secret, in settings.json)".into(),
        ));
    }
    let query = words.join(" ");
    let mut updates = core.search_directories(&query, settings);
    let mut last = None;
    while let Some(update) = updates.recv().await {
        let done = update.done;
        last = Some(update);
        if done {
            break;
        }
    }
    let Some(last) = last else {
        return Err(Fatal::Unanswered(
            "the search ended without an answer".into(),
        ));
    };
    if last.results.is_empty() && !last.failures.is_empty() && last.failures.len() >= asked.len() {
        return Err(Fatal::Unanswered(every_failure(&last.failures)));
    }
    note(&last.failures);
    Ok(DiscoverReport(last.results))
}

/// `discover top [--category NAME|ID] [--country CC]`: the chart stored today, else asked anew.
pub async fn top(
    core: &Core,
    category: Option<&str>,
    country: Option<&str>,
    settings: &DirectorySettings,
) -> Result<DiscoverReport, Fatal> {
    let genre = match category {
        None => None,
        Some(name) => Some(
            directory::genre(name)
                .ok_or_else(|| {
                    let known: Vec<String> =
                        directory::genres().into_iter().map(|g| g.name).collect();
                    Fatal::Usage(format!(
                        "there is no category “{name}”; one of: {}",
                        known.join(", ")
                    ))
                })?
                .id,
        ),
    };
    let mut settings = settings.clone();
    if let Some(country) = country {
        settings.country = directory::country_code(country).ok_or_else(|| {
            Fatal::Usage(format!(
                "“{country}” is not a country code; give two letters, like us or gb"
            ))
        })?;
    }
    let country = settings.store_country();
    let now = now();
    let cached = core.cached_chart(genre, &country).await;
    if let Some(chart) = cached
        .as_ref()
        .filter(|c| directory::chart_is_fresh(c, now))
    {
        return Ok(from_chart(chart.clone()));
    }
    match core.chart(genre, &settings, now).await {
        Ok(chart) => Ok(from_chart(chart)),
        Err(error) if error.code() == ErrorCode::Directory => match cached {
            Some(stale) => {
                eprintln!("note: {error}; showing the chart stored before");
                Ok(from_chart(stale))
            }
            None => Err(Fatal::Unanswered(error.to_string())),
        },
        Err(error) => Err(error.into()),
    }
}

fn from_chart(chart: Chart) -> DiscoverReport {
    note(&chart.failures);
    DiscoverReport(chart.shows)
}

fn note(failures: &[DirectoryFailure]) {
    for failure in failures {
        eprintln!("note: {}", failure.message);
    }
}

fn every_failure(failures: &[DirectoryFailure]) -> String {
    let reasons: Vec<&str> = failures.iter().map(|f| f.message.as_str()).collect();
    format!("no directory answered: {}", reasons.join("; "))
}

/// A JSON array of shows (the model's `DirectoryShow`, whose field names are the JSON keys
/// scripts read); a numbered list as text.
#[derive(Debug, Serialize)]
#[serde(transparent)]
pub struct DiscoverReport(pub Vec<DirectoryShow>);

impl Report for DiscoverReport {}

impl fmt::Display for DiscoverReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return writeln!(f, "No shows found.");
        }
        let width = self.0.len().to_string().len();
        for (i, show) in self.0.iter().enumerate() {
            write!(f, "{:>width$}. {}", i + 1, show.title)?;
            if let Some(author) = &show.author {
                write!(f, " — {author}")?;
            }
            writeln!(f)?;
            let feed = show.feed_url.as_deref().unwrap_or("(no feed address yet)");
            write!(f, "{:width$}  {feed} · {}", "", show.source.name())?;
            if show.subscribed {
                write!(f, " · followed")?;
            }
            writeln!(f)?;
        }
        Ok(())
    }
}
