//! HTML transcripts (`text/html`), as the Podcasting 2.0 spec describes them: a sequence of
//! `<cite>Speaker:</cite>`, `<time>0:00</time>` and `<p>what was said</p>`, each `<p>` one cue
//! spoken by the last speaker named, from the last time given. Files without `<time>` (plain
//! paragraphs) still give their text, every cue at the start. Everything else in the page
//! (head, scripts, styles, other markup) is dropped.

use super::{RawCue, text};

/// The paragraphs of an HTML transcript as cues (ends are filled in by [`super::tidy`]).
pub fn parse_html(document: &str) -> Vec<RawCue> {
    let mut cues = Vec::new();
    let mut speaker: Option<String> = None;
    let mut start = 0.0;
    let mut rest = document;
    while let Some(open) = rest.find('<') {
        let tag = &rest[open..];
        if let Some(comment) = tag.strip_prefix("<!--") {
            rest = comment.find("-->").map_or("", |i| &comment[i + 3..]);
            continue;
        }
        let Some(close) = tag.find('>') else { break };
        let name = tag_name(&tag[1..close]);
        let after = &tag[close + 1..];
        match name.as_str() {
            "script" | "style" | "head" | "title" => {
                rest = skip_to_end(after, &name);
            }
            "cite" | "time" | "p" => {
                let (inner, next) = element(after, &name);
                rest = next;
                match name.as_str() {
                    "cite" => {
                        let said = text::plain(inner);
                        let said = said.trim_end_matches([':', ' ']).trim();
                        speaker = (!said.is_empty()).then(|| said.to_string());
                    }
                    "time" => {
                        if let Some(secs) = clock(&text::plain(inner)) {
                            start = secs;
                        }
                    }
                    _ => {
                        let said = text::plain(inner);
                        if !said.is_empty() {
                            cues.push(RawCue {
                                start_secs: start,
                                end_secs: start,
                                speaker: speaker.clone(),
                                text: said,
                            });
                        }
                    }
                }
            }
            _ => rest = after,
        }
    }
    cues
}

/// The lowercase name of a tag (`p`, `/p`, `time`), without attributes.
fn tag_name(inside: &str) -> String {
    let closing = inside.starts_with('/');
    let name: String = inside
        .trim_start_matches('/')
        .chars()
        .take_while(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_lowercase();
    if closing { format!("/{name}") } else { name }
}

/// The element's content up to its closing tag (or the next `<p>`, `<cite>` or `<time>` when it
/// is never closed), and what follows.
fn element<'a>(after: &'a str, name: &str) -> (&'a str, &'a str) {
    let mut at = 0;
    while let Some(found) = after[at..].find('<') {
        let position = at + found;
        let tag = &after[position..];
        let end = tag.find('>').map_or(tag.len(), |i| i + 1);
        let inner_name = tag_name(&tag[1..end.saturating_sub(1).max(1)]);
        if inner_name == format!("/{name}") {
            return (&after[..position], &after[position + end..]);
        }
        if matches!(inner_name.as_str(), "p" | "cite" | "time") {
            return (&after[..position], &after[position..]);
        }
        at = position + 1;
    }
    (after, "")
}

fn skip_to_end<'a>(after: &'a str, name: &str) -> &'a str {
    let closing = format!("</{name}");
    match crate::feed::notes::find_ignore_case(after, &closing) {
        Some(at) => {
            let tail = &after[at..];
            tail.find('>').map_or("", |i| &tail[i + 1..])
        }
        None => "",
    }
}

/// `h:mm:ss`, `m:ss` or seconds, with an optional fraction.
fn clock(text: &str) -> Option<f64> {
    super::vtt::timestamp(text.trim()).or_else(|| {
        text.trim()
            .parse::<f64>()
            .ok()
            .filter(|s| s.is_finite() && *s >= 0.0)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn speakers_times_and_paragraphs() {
        let html = include_str!("../../../../tests/fixtures/transcripts/spoken.html");
        let cues = parse_html(html);
        let got: Vec<(f64, Option<&str>, &str)> = cues
            .iter()
            .map(|c| (c.start_secs, c.speaker.as_deref(), c.text.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (
                    0.0,
                    Some("Kevin"),
                    "We have an update planned where we would like to give the ability to upload an artwork file for these videos"
                ),
                (
                    9.0,
                    Some("Alban"),
                    "You're triggering Tom right now with a hey, here's a cool feature."
                ),
                (
                    3723.5,
                    Some("Alban"),
                    "A second paragraph & no new cite, unclosed"
                ),
                (3725.0, None, "Nobody named."),
            ]
        );
    }

    #[test]
    fn plain_paragraphs_without_times() {
        let cues = parse_html(
            "<html><body><h1>Transcript</h1><p>One.</p><p>Two <i>words</i>.</p></body></html>",
        );
        let texts: Vec<&str> = cues.iter().map(|c| c.text.as_str()).collect();
        assert_eq!(texts, ["One.", "Two words."]);
        assert!(cues.iter().all(|c| c.start_secs == 0.0));
        assert!(parse_html("no markup at all").is_empty());
    }
}
