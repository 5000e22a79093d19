//! SubRip (`application/x-subrip`, `application/srt`): numbered cards of a timing line
//! (`00:00:02,760 --> 00:00:06,090`) and up to a few text lines. As the Podcasting 2.0 guidance
//! has it, a card that starts `Name: ` names a new speaker; cards after it keep that speaker.

use super::vtt::timestamp;
use super::{RawCue, text};

/// The cards of an SRT document, as written.
pub fn parse_srt(document: &str) -> Vec<RawCue> {
    let document = document.strip_prefix('\u{feff}').unwrap_or(document);
    let mut cues = Vec::with_capacity(document.len() / 70);
    let mut speaker: Option<String> = None;
    let mut lines = document.lines();
    while let Some(line) = lines.next() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let timing = if line.contains("-->") {
            line
        } else {
            // The card's number, then its timing.
            match lines.next() {
                Some(next) if next.contains("-->") => next.trim(),
                _ => continue,
            }
        };
        let Some((start, end)) = timing.split_once("-->") else {
            continue;
        };
        let times = timestamp(start.trim()).zip(end.split_whitespace().next().and_then(timestamp));
        let mut text = String::new();
        for payload in lines.by_ref() {
            if payload.trim().is_empty() {
                break;
            }
            if text.is_empty()
                && let Some((name, said)) = named(payload)
            {
                speaker = Some(name);
                text::push_plain(said, &mut text);
                continue;
            }
            text::push_plain(payload, &mut text);
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

/// `Sarah: In today's episode` → ("Sarah", "In today's episode"): a name of at most four words
/// and 40 characters that starts with a capital letter, before the card's first colon, and
/// what is said after it starting as a sentence does (not with a lower-case letter, which
/// `Today: sourdough, slowly` would be).
pub(super) fn named(line: &str) -> Option<(String, &str)> {
    let (name, said) = line.split_once(':')?;
    let name = text::plain(name);
    let words = name.split(' ').count();
    let plausible = !name.is_empty()
        && name.chars().count() <= 40
        && words <= 4
        && name.chars().next().is_some_and(char::is_uppercase)
        && !name.chars().any(|c| c.is_ascii_digit())
        && said.starts_with([' ', '\t'])
        && !said
            .trim_start()
            .chars()
            .next()
            .is_some_and(char::is_lowercase);
    plausible.then(|| (name, said.trim_start()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cards_speakers_and_markup() {
        let srt = include_str!("../../../../tests/fixtures/transcripts/cards.srt");
        let cues = parse_srt(srt);
        let got: Vec<(f64, Option<&str>, &str)> = cues
            .iter()
            .map(|c| (c.start_secs, c.speaker.as_deref(), c.text.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (
                    0.0,
                    Some("Sarah"),
                    "In today's episode, you'll learn whether or not you"
                ),
                (
                    2.76,
                    Some("Sarah"),
                    "should have a podcast trailer. And if so, what should you"
                ),
                (
                    19.08,
                    Some("Gillian"),
                    "Hi Buzzsprout, Gillian here from breaking through"
                ),
                (
                    21.45,
                    Some("Gillian"),
                    "careers podcast. The time is 10:30: late."
                ),
            ]
        );
        assert_eq!(cues[3].end_secs, 25.35);
    }

    #[test]
    fn what_is_not_a_speaker() {
        assert!(named("the time is 10:30").is_none());
        assert!(named("Note:no space").is_none());
        assert!(named("Today: sourdough, slowly").is_none());
        assert!(named("A very long sentence that goes on: and on").is_none());
        assert_eq!(
            named("Dr. Ana Lee: Hello").map(|(n, _)| n),
            Some("Dr. Ana Lee".into())
        );
    }
}
