//! The Podcasting 2.0 JSON transcript (`application/json`): `{"version": "1.0.0", "segments":
//! [{"speaker": "…", "startTime": 0.5, "endTime": 0.75, "body": "I"}, …]}`. Segments may be
//! whole sentences or single words; words are merged into readable sentences here: a cue ends
//! at the end of a sentence (`.`, `?`, `!`, `…`, or a line break in the body), when the speaker
//! changes, at a pause of [`PAUSE_SECS`], or once it is [`MAX_CUE_SECS`] or [`MAX_CUE_CHARS`]
//! long.
//!
//! Times given as strings (`"12.5"`) are read too; a segment without a usable start is dropped.

use serde::Deserialize;

use super::{RawCue, text};

/// A silence this long between two segments ends a sentence.
pub const PAUSE_SECS: f64 = 2.0;
/// A cue this long in time ends at the next word, sentence or not.
pub const MAX_CUE_SECS: f64 = 20.0;
/// A cue this long in characters ends at the next word, sentence or not.
pub const MAX_CUE_CHARS: usize = 300;

#[derive(Deserialize)]
struct Document {
    #[serde(default)]
    segments: Vec<Segment>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Segment {
    #[serde(default, deserialize_with = "seconds")]
    start_time: Option<f64>,
    #[serde(default, deserialize_with = "seconds")]
    end_time: Option<f64>,
    #[serde(default)]
    speaker: Option<String>,
    #[serde(default)]
    body: Option<String>,
}

/// The segments of a JSON transcript merged into sentences; `Err` says why it is no transcript.
pub fn parse_json(document: &[u8]) -> Result<Vec<RawCue>, String> {
    let document: Document =
        serde_json::from_slice(document).map_err(|e| format!("not a JSON transcript ({e})"))?;
    let mut cues: Vec<RawCue> = Vec::with_capacity(document.segments.len() / 4 + 1);
    // The cue being made, and whether it has ended (its last word closed a sentence).
    let mut open: Option<RawCue> = None;
    let mut closed = true;
    for segment in document.segments {
        let Some(start) = segment.start_time else {
            continue;
        };
        let end = segment.end_time.unwrap_or(start);
        let body = segment.body.unwrap_or_default();
        let speaker = segment
            .speaker
            .map(|s| text::plain(&s))
            .filter(|s| !s.is_empty());
        let breaks = body.trim_end_matches([' ', '\t']).ends_with(['\n', '\r']);
        let joins = match &open {
            Some(cue) => {
                !closed
                    && cue.speaker == speaker
                    && start - cue.end_secs < PAUSE_SECS
                    && start - cue.start_secs < MAX_CUE_SECS
                    && cue.text.len() < MAX_CUE_CHARS
            }
            None => false,
        };
        if joins && let Some(cue) = open.as_mut() {
            text::push_plain(&body, &mut cue.text);
            cue.end_secs = cue.end_secs.max(end);
        } else {
            if let Some(done) = open.take() {
                cues.push(done);
            }
            open = Some(RawCue {
                start_secs: start,
                end_secs: end,
                speaker,
                text: text::plain(&body),
            });
        }
        closed = breaks
            || open
                .as_ref()
                .is_some_and(|cue| cue.text.ends_with(['.', '?', '!', '…']));
    }
    cues.extend(open);
    Ok(cues)
}

/// A time in seconds, as a JSON number or a string holding one.
fn seconds<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<f64>, D::Error> {
    struct Visitor;
    impl<'de> serde::de::Visitor<'de> for Visitor {
        type Value = Option<f64>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("seconds")
        }
        fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
            Ok(Some(v).filter(|v| v.is_finite()))
        }
        fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
            Ok(Some(v as f64))
        }
        fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
            Ok(Some(v as f64))
        }
        fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
            Ok(v.trim().parse::<f64>().ok().filter(|v| v.is_finite()))
        }
        fn visit_unit<E>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_none<E>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<S: serde::Deserializer<'de>>(self, d: S) -> Result<Self::Value, S::Error> {
            d.deserialize_any(Visitor)
        }
        fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
            Ok(None)
        }
    }
    deserializer.deserialize_any(Visitor)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_merged_into_sentences_per_speaker() {
        let json = include_str!("../../../../tests/fixtures/transcripts/words.json");
        let cues = parse_json(json.as_bytes()).expect("a transcript");
        let got: Vec<(f64, f64, Option<&str>, &str)> = cues
            .iter()
            .map(|c| {
                (
                    c.start_secs,
                    c.end_secs,
                    c.speaker.as_deref(),
                    c.text.as_str(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                (0.5, 2.5, Some("Darth Vader"), "I am your father."),
                (2.75, 3.0, Some("Luke"), "Nooooo"),
                (3.5, 5.0, Some("Luke"), "That's not true!"),
                (9.0, 10.0, Some("Luke"), "After a pause"),
                (10.5, 12.0, None, "A sentence segment, with & in it."),
            ]
        );
    }

    #[test]
    fn long_runs_without_full_stops_are_cut() {
        let segments: Vec<String> = (0..200)
            .map(|i| {
                format!(
                    r#"{{"startTime": {}, "endTime": {}, "body": "word"}}"#,
                    i as f64 * 0.3,
                    i as f64 * 0.3 + 0.25
                )
            })
            .collect();
        let json = format!(r#"{{"segments": [{}]}}"#, segments.join(","));
        let cues = parse_json(json.as_bytes()).expect("a transcript");
        assert!(cues.len() > 1);
        assert!(
            cues.iter()
                .all(|c| c.end_secs - c.start_secs <= MAX_CUE_SECS + 0.3)
        );
        assert_eq!(
            cues.iter()
                .map(|c| c.text.split(' ').count())
                .sum::<usize>(),
            200
        );
    }

    #[test]
    fn malformed_json_is_an_error() {
        assert!(parse_json(b"{\"segments\": [").is_err());
        assert!(parse_json(b"<html></html>").is_err());
        assert!(parse_json(b"{}").expect("no segments").is_empty());
    }
}
