//! WebVTT (`text/vtt`): cue blocks of an optional identifier, a timing line
//! (`00:01:02.500 --> 00:01:05.000 align:start`) and payload lines, where `<v Speaker>` (or
//! `<v.class Speaker>`) names the voice. `NOTE`, `STYLE` and `REGION` blocks are skipped; cue
//! settings and markup are dropped. A cue without a voice keeps the voice of the one before (as
//! captions name a speaker when the speaker changes).

use super::{RawCue, text};

/// The cues of a WebVTT document, as written (see [`super::tidy`] for order and overlaps).
pub fn parse_vtt(document: &str) -> Vec<RawCue> {
    let document = document.strip_prefix('\u{feff}').unwrap_or(document);
    let mut cues = Vec::with_capacity(document.len() / 80);
    let mut lines = document.lines().peekable();
    let mut speaker: Option<String> = None;
    // The header block (WEBVTT and its metadata) ends at the first blank line.
    if lines.peek().is_some_and(|l| l.starts_with("WEBVTT")) {
        for line in lines.by_ref() {
            if line.trim().is_empty() {
                break;
            }
        }
    }
    while let Some(line) = lines.next() {
        let line = line.trim_end();
        if line.is_empty() {
            continue;
        }
        if line.starts_with("NOTE") || line.starts_with("STYLE") || line.starts_with("REGION") {
            skip_block(&mut lines);
            continue;
        }
        // An identifier line, then the timing line; or the timing line alone.
        let timing = if line.contains("-->") {
            line
        } else {
            match lines.next() {
                Some(next) if next.contains("-->") => next,
                Some(next) if next.trim().is_empty() => continue,
                Some(_) => {
                    skip_block(&mut lines);
                    continue;
                }
                None => break,
            }
        };
        let times = timings(timing);
        let mut text = String::new();
        let mut voice = None;
        for payload in lines.by_ref() {
            if payload.trim().is_empty() {
                break;
            }
            if voice.is_none() {
                voice = voice_of(payload);
            }
            text::push_plain(payload, &mut text);
        }
        if let Some(voice) = voice {
            speaker = voice;
        }
        let Some((start_secs, end_secs)) = times else {
            continue;
        };
        cues.push(RawCue {
            start_secs,
            end_secs,
            speaker: speaker.clone(),
            text,
        });
    }
    cues
}

fn skip_block<'a>(lines: &mut impl Iterator<Item = &'a str>) {
    for line in lines {
        if line.trim().is_empty() {
            break;
        }
    }
}

/// `start --> end [settings]`.
fn timings(line: &str) -> Option<(f64, f64)> {
    let (start, rest) = line.split_once("-->")?;
    let end = rest.split_whitespace().next()?;
    Some((timestamp(start.trim())?, timestamp(end)?))
}

/// `[hh:]mm:ss.ttt` (a comma for the dot is accepted, as some tools write SRT's).
pub(super) fn timestamp(text: &str) -> Option<f64> {
    let (clock, fraction) = match text.rsplit_once(['.', ',']) {
        Some((c, f)) => (c, f),
        None => (text, ""),
    };
    let mut secs: u64 = 0;
    let mut parts = 0;
    for part in clock.split(':') {
        parts += 1;
        if part.is_empty() || part.len() > 9 || !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let n: u64 = part.parse().ok()?;
        if parts > 1 && n >= 60 {
            return None;
        }
        secs = secs.checked_mul(60)?.checked_add(n)?;
    }
    if !(1..=3).contains(&parts) || fraction.len() > 9 {
        return None;
    }
    let mut value = secs as f64;
    if !fraction.is_empty() {
        if !fraction.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let digits: u64 = fraction.parse().ok()?;
        value += digits as f64 / 10f64.powi(i32::try_from(fraction.len()).ok()?);
    }
    Some(value)
}

/// The voice a payload line names: `<v Tom>`, `<v.loud Tom Smith>`; `Some(None)` for a voice
/// without a name (`<v>`), None when the line names none.
fn voice_of(line: &str) -> Option<Option<String>> {
    let at = line.find("<v")?;
    let tag = &line[at + 2..];
    let end = tag.find('>')?;
    let inside = &tag[..end];
    // `<v` must be the whole tag name: `<v ` or `<v.`, not `<video`.
    if inside.is_empty() {
        return Some(None);
    }
    if !(inside.starts_with([' ', '\t', '.'])) {
        return None;
    }
    let name = match inside.split_once([' ', '\t']) {
        Some((_, name)) => name,
        None => "",
    };
    let name = text::plain(name);
    Some((!name.is_empty()).then_some(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cues_voices_settings_notes_and_styles() {
        let vtt = include_str!("../../../../tests/fixtures/transcripts/voices.vtt");
        let cues = parse_vtt(vtt);
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
                (
                    0.0,
                    5.0,
                    Some("John"),
                    "Podcasting 2.0 is really changing the game."
                ),
                (
                    5.0,
                    10.25,
                    Some("Tom Smith"),
                    "Yeah, absolutely. The new features & more."
                ),
                (
                    10.25,
                    15.0,
                    Some("Tom Smith"),
                    "It keeps the voice of the cue before."
                ),
                (75.5, 3723.0, None, "No voice was ever named in <v> here."),
                (3723.0, 3730.0, Some("Ana"), "Hours, and a tag: bold text"),
            ]
        );
    }

    #[test]
    fn timestamps_in_their_forms() {
        assert_eq!(timestamp("00:01.500"), Some(1.5));
        assert_eq!(timestamp("01:02:03.004"), Some(3723.004));
        assert_eq!(timestamp("00:00:02,760"), Some(2.76));
        assert_eq!(timestamp("100:00:00.000"), Some(360_000.0));
        assert_eq!(timestamp("00:61.000"), None);
        assert_eq!(timestamp("aa:00.000"), None);
        assert_eq!(timestamp(""), None);
    }

    #[test]
    fn broken_timings_lose_that_cue_only() {
        let cues =
            parse_vtt("WEBVTT\n\n00:01.000 --> oops\nlost\n\n00:02.000 --> 00:03.000\nkept\n");
        assert_eq!(cues.len(), 1);
        assert_eq!(cues[0].text, "kept");
        assert!(parse_vtt("").is_empty());
        assert!(parse_vtt("<html><body>Not found</body></html>").is_empty());
    }
}
