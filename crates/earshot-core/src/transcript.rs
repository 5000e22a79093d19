//! Transcripts (`podcast:transcript`): choosing one of those an episode offers, fetching it once,
//! parsing any of its formats into timed cues of plain text, and keeping it in the library
//! (where the search index finds its words).
//!
//! Formats: WebVTT ([`vtt`]), SRT ([`srt`]), the Podcasting 2.0 JSON ([`json`], word-level
//! segments merged into sentences) and HTML ([`html`]). Every parser is a pure function that
//! never fails on bad input: a cue it cannot read is left out, the rest is kept. [`tidy`] then
//! puts the cues in order, drops those past the end of the episode, and mends ends that are
//! missing, backwards or overlap the next cue; what it mended is counted in [`Problems`], logged
//! once when the transcript is fetched and kept beside it.
//!
//! Text is untrusted: markup is dropped and entities decoded in Rust ([`text`]), so the UI only
//! ever shows plain text.
//!
//! Fetching: once per address. A failure (404, a stall, a web page, more than
//! [`TRANSCRIPT_LIMIT_BYTES`], nothing readable) is kept too, so it is logged once and tried
//! again only after [`RETRY_FAILED_SECS`] or when the feed's address changes.

pub mod html;
pub mod json;
pub mod srt;
pub mod text;
pub mod vtt;

use std::collections::HashMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::Core;
use crate::error::Result;
use crate::library::KeptTranscript;
use crate::model::{EpisodeId, EpisodeTranscript, Transcript, TranscriptCue, UnixTime};

pub use html::parse_html;
pub use json::parse_json;
pub use srt::parse_srt;
pub use vtt::parse_vtt;

/// Transcripts larger than this are not read.
pub const TRANSCRIPT_LIMIT_BYTES: u64 = 10_000_000;

/// A transcript that could not be fetched or read is tried again after this long (or when its
/// address changes).
pub const RETRY_FAILED_SECS: i64 = 12 * 3600;

/// Cues starting this long after the episode's stated duration are dropped; feeds round their
/// durations, so a little past it is still inside.
pub const PAST_END_GRACE_SECS: f64 = 30.0;

/// Episodes whose transcripts are fetched by one [`Core::fetch_transcripts`] at most.
pub const FETCH_PER_RUN: u32 = 50;

/// A cue as a parser reads it, before [`tidy`].
#[derive(Debug, Clone, PartialEq)]
pub struct RawCue {
    pub start_secs: f64,
    pub end_secs: f64,
    pub speaker: Option<String>,
    pub text: String,
}

/// The transcript formats Earshot reads, in the order they are preferred when an episode offers
/// several in one language (WebVTT and JSON carry voices and exact times; HTML rarely times).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum TranscriptFormat {
    Vtt,
    Json,
    Srt,
    Html,
}

impl TranscriptFormat {
    /// The format a feed declares (its `type`, else its address's extension).
    pub fn declared(mime_type: &str, url: &str) -> Option<Self> {
        let mime = mime_type
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        let by_mime = match mime.as_str() {
            "text/vtt" | "text/webvtt" => Some(TranscriptFormat::Vtt),
            "application/x-subrip"
            | "application/srt"
            | "application/x-srt"
            | "text/srt"
            | "text/x-srt"
            | "text/x-subrip" => Some(TranscriptFormat::Srt),
            "application/json" | "text/json" | "application/transcript+json" => {
                Some(TranscriptFormat::Json)
            }
            "text/html" | "application/xhtml+xml" => Some(TranscriptFormat::Html),
            _ => None,
        };
        by_mime.or_else(|| {
            let path = url.split(['?', '#']).next().unwrap_or_default();
            let extension = path.rsplit('.').next()?.to_ascii_lowercase();
            match extension.as_str() {
                "vtt" => Some(TranscriptFormat::Vtt),
                "srt" => Some(TranscriptFormat::Srt),
                "json" => Some(TranscriptFormat::Json),
                "html" | "htm" => Some(TranscriptFormat::Html),
                _ => None,
            }
        })
    }

    /// The format a body looks like, whatever was declared.
    pub fn sniff(body: &[u8]) -> Option<Self> {
        let head = body
            .strip_prefix(b"\xef\xbb\xbf")
            .unwrap_or(body)
            .trim_ascii_start();
        let starts = |prefix: &[u8]| {
            head.get(..prefix.len())
                .is_some_and(|h| h.eq_ignore_ascii_case(prefix))
        };
        if starts(b"WEBVTT") {
            Some(TranscriptFormat::Vtt)
        } else if starts(b"{") || starts(b"[") {
            Some(TranscriptFormat::Json)
        } else if starts(b"<") {
            Some(TranscriptFormat::Html)
        } else if head.first().is_some_and(u8::is_ascii_digit)
            && body.windows(3).take(400).any(|w| w == b"-->")
        {
            Some(TranscriptFormat::Srt)
        } else {
            None
        }
    }
}

/// What [`tidy`] had to mend or leave out.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Problems {
    /// Cues with no text (after markup was dropped).
    pub empty: usize,
    /// Cues starting after the end of the episode, dropped.
    pub past_end: usize,
    /// Cues found out of time order (put in order).
    pub out_of_order: usize,
    /// Cues ending before they start (ended at the next cue).
    pub backwards: usize,
    /// Cues running into the next one (ended where it starts).
    pub overlapping: usize,
}

impl Problems {
    pub fn is_empty(&self) -> bool {
        *self == Problems::default()
    }
}

impl std::fmt::Display for Problems {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts = [
            (self.empty, "empty cues dropped"),
            (self.past_end, "cues past the end dropped"),
            (self.out_of_order, "cues out of order"),
            (self.backwards, "cues ending before they start"),
            (self.overlapping, "overlapping cues shortened"),
        ];
        let said: Vec<String> = parts
            .iter()
            .filter(|(n, _)| *n > 0)
            .map(|(n, what)| format!("{n} {what}"))
            .collect();
        f.write_str(&said.join("; "))
    }
}

/// Cues as the listener reads them: in time order, each with text, none starting after the end
/// of the episode (when its duration is known), each ending when it ends or when the next
/// begins, whichever is first (a cue with no end lasts until the next).
pub fn tidy(mut raw: Vec<RawCue>, duration_secs: Option<f64>) -> (Vec<TranscriptCue>, Problems) {
    let mut problems = Problems::default();
    let before = raw.len();
    raw.retain(|c| !c.text.is_empty());
    problems.empty = before - raw.len();
    let before = raw.len();
    let last_start = duration_secs
        .filter(|d| *d > 0.0)
        .map_or(f64::INFINITY, |d| d + PAST_END_GRACE_SECS);
    raw.retain(|c| c.start_secs.is_finite() && c.start_secs >= 0.0 && c.start_secs <= last_start);
    problems.past_end = before - raw.len();
    problems.out_of_order = raw
        .windows(2)
        .filter(|w| w[1].start_secs < w[0].start_secs)
        .count();
    if problems.out_of_order > 0 {
        raw.sort_by(|a, b| a.start_secs.total_cmp(&b.start_secs));
    }
    let starts: Vec<f64> = raw.iter().map(|c| c.start_secs).collect();
    let cues = raw
        .into_iter()
        .enumerate()
        .map(|(i, c)| {
            // The next cue that starts later (cues spoken together share a start).
            let next = starts[i + 1..].iter().copied().find(|s| *s > c.start_secs);
            let mut end = c.end_secs;
            if !end.is_finite() || end < c.start_secs {
                if end.is_finite() {
                    problems.backwards += 1;
                }
                end = next.unwrap_or(c.start_secs);
            } else if end == c.start_secs {
                end = next.unwrap_or(end);
            } else if let Some(next) = next
                && end > next
            {
                problems.overlapping += 1;
                end = next;
            }
            TranscriptCue {
                start_secs: c.start_secs,
                end_secs: end,
                speaker: c.speaker,
                text: c.text,
            }
        })
        .collect();
    (cues, problems)
}

/// A transcript read and tidied.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedTranscript {
    pub format: TranscriptFormat,
    pub cues: Vec<TranscriptCue>,
    pub problems: Problems,
}

/// Parses `body` as the format declared (`declared`, None when unknown, then it is sniffed).
/// `Err` says why there is no transcript: a web page where a transcript was promised,
/// malformed JSON, or no readable cue at all.
pub fn parse_transcript(
    declared: Option<TranscriptFormat>,
    body: &[u8],
    duration_secs: Option<f64>,
) -> std::result::Result<ParsedTranscript, String> {
    let sniffed = TranscriptFormat::sniff(body);
    let format = match (declared, sniffed) {
        (Some(TranscriptFormat::Html), _) => TranscriptFormat::Html,
        // An error or sign-in page in place of a transcript.
        (Some(_), Some(TranscriptFormat::Html)) => {
            return Err("a web page, not a transcript".to_string());
        }
        // SRT declared as VTT and the like: read what it is.
        (Some(declared), Some(sniffed)) if declared != sniffed => sniffed,
        (Some(declared), _) => declared,
        (None, Some(sniffed)) => sniffed,
        (None, None) => return Err("not a transcript format Earshot reads".to_string()),
    };
    let text = String::from_utf8_lossy(body);
    let raw = match format {
        TranscriptFormat::Vtt => parse_vtt(&text),
        TranscriptFormat::Srt => parse_srt(&text),
        TranscriptFormat::Json => parse_json(body)?,
        TranscriptFormat::Html => parse_html(&text),
    };
    let (cues, problems) = tidy(raw, duration_secs);
    if cues.is_empty() {
        return Err("no cue could be read".to_string());
    }
    Ok(ParsedTranscript {
        format,
        cues,
        problems,
    })
}

/// Which of the `offered` transcripts to read: in the listener's language (`listener`, a
/// BCP 47 tag like `de-AT`; a transcript without a language is in the show's), else the show's
/// (`show`), else any; then one meant as captions; then by format ([`TranscriptFormat`]'s
/// order). Formats Earshot cannot read are never chosen.
pub fn choose<'a>(
    offered: &'a [Transcript],
    listener: Option<&str>,
    show: Option<&str>,
) -> Option<&'a Transcript> {
    let primary = |tag: &str| {
        tag.split(['-', '_'])
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase()
    };
    let listener = listener.map(primary).filter(|l| !l.is_empty());
    let show = show.map(primary).filter(|l| !l.is_empty());
    offered
        .iter()
        .filter_map(|t| Some((t, TranscriptFormat::declared(&t.mime_type, &t.url)?)))
        .min_by_key(|(t, format)| {
            let language = t.language.as_deref().map(primary).or_else(|| show.clone());
            let language_rank = if language.is_some() && language == listener {
                0
            } else if language.is_none() || language == show {
                1
            } else {
                2
            };
            let captions = u8::from(t.rel.as_deref() != Some("captions"));
            (language_rank, captions, *format)
        })
        .map(|(t, _)| t)
}

/// The listener's language: the system locale's.
pub fn listener_language() -> Option<String> {
    sys_locale::get_locale()
}

/// What one [`Core::fetch_transcripts`] did.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct TranscriptsFetched {
    /// Episodes whose transcripts are now kept (and searchable).
    pub fetched: Vec<EpisodeId>,
    /// Episodes whose transcripts could not be read (each logged once; tried again later).
    pub failed: Vec<EpisodeId>,
}

impl Core {
    /// The episode's transcript, in the listener's language when it offers several: the one
    /// kept in the library, else fetched, parsed and kept now (and indexed for search). None
    /// when the episode offers none, or it cannot be read (tried again later).
    pub async fn transcript(&self, id: EpisodeId) -> Result<Option<EpisodeTranscript>> {
        self.transcript_at(id, chrono::Utc::now().timestamp()).await
    }

    /// [`Core::transcript`] at `now` (what a failure's retry is measured from).
    pub async fn transcript_at(
        &self,
        id: EpisodeId,
        now: UnixTime,
    ) -> Result<Option<EpisodeTranscript>> {
        let episode = self.library.episode(id).await?;
        let show = self.library.show(episode.show_id).await?;
        let listener = listener_language();
        let Some(offer) = choose(
            &episode.transcripts,
            listener.as_deref(),
            show.language.as_deref(),
        ) else {
            return Ok(None);
        };
        match self.library.kept_transcript(id).await? {
            Some(KeptTranscript::Ready(kept)) if kept.url == offer.url => return Ok(Some(kept)),
            Some(KeptTranscript::Failed {
                url, fetched_at, ..
            }) if url == offer.url && now - fetched_at < RETRY_FAILED_SECS => return Ok(None),
            _ => {}
        }
        let language = offer.language.clone().or(show.language);
        self.read_transcript(id, offer, language, episode.duration_secs, now)
            .await
    }

    /// Fetches, parses and keeps `offer` for episode `id`.
    async fn read_transcript(
        &self,
        id: EpisodeId,
        offer: &Transcript,
        language: Option<String>,
        duration_secs: Option<f64>,
        now: UnixTime,
    ) -> Result<Option<EpisodeTranscript>> {
        let declared = TranscriptFormat::declared(&offer.mime_type, &offer.url);
        let read = match url::Url::parse(&offer.url) {
            Ok(url) => match self.feeds.get(&url, TRANSCRIPT_LIMIT_BYTES).await {
                Ok(fetched) => tokio::task::spawn_blocking(move || {
                    parse_transcript(declared, &fetched.body, duration_secs)
                })
                .await
                .unwrap_or_else(|e| Err(format!("the parser stopped unexpectedly: {e}"))),
                Err(error) => Err(error.to_string()),
            },
            Err(_) => Err("not a web address".to_string()),
        };
        match read {
            Ok(parsed) => {
                let problems = (!parsed.problems.is_empty()).then(|| parsed.problems.to_string());
                if let Some(problems) = &problems {
                    tracing::info!(episode = id.0, url = %offer.url, %problems, "transcript mended");
                }
                let transcript = EpisodeTranscript {
                    episode_id: id,
                    url: offer.url.clone(),
                    mime_type: offer.mime_type.clone(),
                    language,
                    cues: parsed.cues,
                };
                self.library
                    .keep_transcript(&transcript, problems.as_deref(), now)
                    .await?;
                Ok(Some(transcript))
            }
            Err(error) => {
                tracing::warn!(episode = id.0, url = %offer.url, %error, "transcript not read");
                self.library
                    .transcript_failed(id, &offer.url, &offer.mime_type, &error, now)
                    .await?;
                Ok(None)
            }
        }
    }

    /// Fetches the transcripts not kept yet of the newest episodes that offer one (at most
    /// `limit`, newest first), politely: [`crate::refresh::PER_HOST`] at a time per host and
    /// [`crate::refresh::CONCURRENT`] in all, as a refresh does. What the app runs after a
    /// refresh, in the background: it never holds up the refresh, and failures are kept (and
    /// not tried again for [`RETRY_FAILED_SECS`]) so each run moves on to other episodes.
    pub async fn fetch_transcripts(&self, now: UnixTime, limit: u32) -> Result<TranscriptsFetched> {
        let due = self
            .library
            .transcripts_due(now - RETRY_FAILED_SECS, limit)
            .await?;
        let episodes = self.episodes_by_id(&due).await?;
        let global = Arc::new(Semaphore::new(crate::refresh::CONCURRENT));
        let mut hosts: HashMap<String, Arc<Semaphore>> = HashMap::new();
        let mut tasks = JoinSet::new();
        let listener = listener_language();
        // Many of the episodes share a show: its language is read once.
        let mut languages: HashMap<crate::model::ShowId, Option<String>> = HashMap::new();
        for episode in episodes {
            let show_language = match languages.get(&episode.show_id) {
                Some(language) => language.clone(),
                None => {
                    let language = self.library.show(episode.show_id).await?.language;
                    languages.insert(episode.show_id, language.clone());
                    language
                }
            };
            let Some(offer) = choose(
                &episode.transcripts,
                listener.as_deref(),
                show_language.as_deref(),
            ) else {
                continue;
            };
            let host = url::Url::parse(&offer.url)
                .ok()
                .and_then(|u| u.host_str().map(str::to_owned))
                .unwrap_or_default();
            let per_host = hosts
                .entry(host)
                .or_insert_with(|| Arc::new(Semaphore::new(crate::refresh::PER_HOST)))
                .clone();
            let global = global.clone();
            let core = self.clone();
            tasks.spawn(async move {
                let _host = per_host.acquire_owned().await;
                let _slot = global.acquire_owned().await;
                (episode.id, core.transcript_at(episode.id, now).await)
            });
        }
        let mut report = TranscriptsFetched::default();
        while let Some(joined) = tasks.join_next().await {
            match joined {
                Ok((id, Ok(Some(_)))) => report.fetched.push(id),
                Ok((id, Ok(None))) => report.failed.push(id),
                Ok((id, Err(error))) => {
                    tracing::warn!(episode = id.0, %error, "transcript not kept");
                    report.failed.push(id);
                }
                Err(error) => tracing::error!(%error, "a transcript task stopped unexpectedly"),
            }
        }
        if !report.fetched.is_empty() || !report.failed.is_empty() {
            tracing::info!(
                fetched = report.fetched.len(),
                failed = report.failed.len(),
                "transcripts fetched"
            );
        }
        Ok(report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(start: f64, end: f64, text: &str) -> RawCue {
        RawCue {
            start_secs: start,
            end_secs: end,
            speaker: None,
            text: text.to_string(),
        }
    }

    #[test]
    fn tidy_orders_mends_and_drops() {
        let (cues, problems) = tidy(
            vec![
                raw(10.0, 12.0, "third"),
                raw(0.0, 6.0, "first, overlapping the second"),
                raw(5.0, 4.0, "second, ending before it starts"),
                raw(20.0, 20.0, "no end: until the next"),
                raw(25.0, 30.0, ""),
                raw(30.0, 31.0, "last"),
                raw(200.0, 201.0, "past the end"),
            ],
            Some(100.0),
        );
        let got: Vec<(f64, f64, &str)> = cues
            .iter()
            .map(|c| (c.start_secs, c.end_secs, c.text.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (0.0, 5.0, "first, overlapping the second"),
                (5.0, 10.0, "second, ending before it starts"),
                (10.0, 12.0, "third"),
                (20.0, 30.0, "no end: until the next"),
                (30.0, 31.0, "last"),
            ]
        );
        assert_eq!(
            problems,
            Problems {
                empty: 1,
                past_end: 1,
                out_of_order: 1,
                backwards: 1,
                overlapping: 1
            }
        );
        assert_eq!(
            problems.to_string(),
            "1 empty cues dropped; 1 cues past the end dropped; 1 cues out of order; \
             1 cues ending before they start; 1 overlapping cues shortened"
        );
    }

    fn offer(url: &str, mime: &str, language: Option<&str>, rel: Option<&str>) -> Transcript {
        Transcript {
            url: url.to_string(),
            mime_type: mime.to_string(),
            language: language.map(str::to_string),
            rel: rel.map(str::to_string),
        }
    }

    #[test]
    fn the_listeners_language_then_the_shows_then_captions_then_format() {
        let offered = [
            offer("https://x/en.html", "text/html", Some("en"), None),
            offer("https://x/en.srt", "application/x-subrip", Some("en"), None),
            offer("https://x/de.json", "application/json", Some("de"), None),
            offer(
                "https://x/de.vtt",
                "text/vtt",
                Some("de-DE"),
                Some("captions"),
            ),
            offer("https://x/show.json", "application/json", None, None),
            offer("https://x/x.pdf", "application/pdf", Some("fr"), None),
        ];
        let url = |l: Option<&str>, s: Option<&str>| choose(&offered, l, s).map(|t| t.url.as_str());
        assert_eq!(url(Some("de-AT"), Some("en")), Some("https://x/de.vtt"));
        assert_eq!(url(Some("en-US"), Some("en")), Some("https://x/show.json"));
        assert_eq!(url(Some("fr_FR"), Some("en")), Some("https://x/show.json"));
        assert_eq!(url(Some("fr"), Some("de")), Some("https://x/de.vtt"));
        assert_eq!(choose(&offered[5..], Some("fr"), None), None);
        assert_eq!(choose(&[], Some("fr"), None), None);
    }

    #[test]
    fn formats_declared_and_sniffed() {
        use TranscriptFormat::*;
        assert_eq!(
            TranscriptFormat::declared("text/vtt; charset=utf-8", ""),
            Some(Vtt)
        );
        assert_eq!(TranscriptFormat::declared("application/srt", ""), Some(Srt));
        assert_eq!(
            TranscriptFormat::declared("text/plain", "https://x/t.srt?x=1"),
            Some(Srt)
        );
        assert_eq!(
            TranscriptFormat::declared("text/plain", "https://x/t"),
            None
        );
        assert_eq!(TranscriptFormat::sniff(b"\xef\xbb\xbfWEBVTT\n"), Some(Vtt));
        assert_eq!(
            TranscriptFormat::sniff(b"1\n00:00:00,000 --> 00:00:01,000\n"),
            Some(Srt)
        );
        assert_eq!(TranscriptFormat::sniff(b"  {\"segments\":[]}"), Some(Json));
        assert_eq!(TranscriptFormat::sniff(b"<!DOCTYPE html>"), Some(Html));
    }

    #[test]
    fn a_web_page_in_place_of_a_transcript_is_refused() {
        let page = b"<!DOCTYPE html><html><body><p>Sign in to the Wi-Fi</p></body></html>";
        assert!(parse_transcript(Some(TranscriptFormat::Vtt), page, None).is_err());
        assert!(parse_transcript(Some(TranscriptFormat::Json), b"{\"segm", None).is_err());
        assert!(parse_transcript(None, b"plain words", None).is_err());
        // SRT served as VTT is read as what it is.
        let srt = b"1\n00:00:01,000 --> 00:00:02,000\nHello\n";
        let read = parse_transcript(Some(TranscriptFormat::Vtt), srt, None).expect("read");
        assert_eq!(read.format, TranscriptFormat::Srt);
        assert_eq!(read.cues[0].text, "Hello");
    }
}
