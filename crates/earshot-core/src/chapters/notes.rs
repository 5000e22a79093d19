//! Chapters from timecodes in the show notes: `0:00 Intro 5:30 How did Dynamo lose its DNS?`,
//! a list of `<li>[1:02:21] Wrap-up</li>`, `(12:26) Cost of HTTP/2`. A timecode's title is the
//! text after it, up to the next timecode or the end of its line (or, when nothing follows, the
//! text before it on its line: `Intro – 0:00`).
//!
//! The same timecodes the notes view makes clickable (`ui/src/lib/timecodes.ts`): `h:mm:ss`,
//! `m:ss` or `mm:ss`, not part of a longer run of digits and colons. They become chapters only
//! when they read as a chapter list: every one inside the episode's duration (when it is known)
//! and each later than the one before. Anything else (a time mentioned in passing, a list of
//! references out of order) gives no chapters at all.

use super::{Chapter, ChapterSource};
use crate::feed::plain_text;

/// Chapters from the timecodes in `notes_html`; empty unless they form a chapter list.
pub fn notes_chapters(notes_html: &str, duration_secs: Option<f64>) -> Vec<Chapter> {
    let mut chapters: Vec<Chapter> = Vec::new();
    for line in lines(notes_html) {
        let found = timecodes(&line);
        for (i, code) in found.iter().enumerate() {
            let until = found.get(i + 1).map_or(line.len(), |next| next.at);
            let mut title = trim_title(&line[code.end..until]);
            if title.is_empty() {
                let from = if i == 0 { 0 } else { found[i - 1].end };
                title = trim_title(&line[from..code.at]);
            }
            let title = super::clean_title(title);
            if title.is_empty() {
                continue;
            }
            chapters.push(Chapter {
                start_secs: code.secs,
                title,
                url: None,
                image: None,
                source: ChapterSource::Notes,
            });
        }
    }
    let inside = |c: &Chapter| duration_secs.is_none_or(|d| d <= 0.0 || c.start_secs < d);
    let in_order = chapters
        .windows(2)
        .all(|w| w[0].start_secs < w[1].start_secs);
    if chapters.iter().all(inside) && in_order {
        chapters
    } else {
        Vec::new()
    }
}

/// The notes' text, one string per line: block elements and `<br>` end lines.
fn lines(html: &str) -> Vec<String> {
    const BREAKS: [&str; 14] = [
        "br",
        "p",
        "li",
        "div",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "tr",
        "dt",
        "dd",
        "blockquote",
    ];
    let mut lines = Vec::new();
    let mut segment = String::new();
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        segment.push_str(&rest[..open]);
        let tag = &rest[open..];
        let end = tag.find('>').map_or(tag.len(), |i| i + 1);
        let name: String = tag[1..end.saturating_sub(1).max(1)]
            .trim_start_matches('/')
            .chars()
            .take_while(char::is_ascii_alphanumeric)
            .collect::<String>()
            .to_ascii_lowercase();
        if BREAKS.contains(&name.as_str()) {
            lines.push(std::mem::take(&mut segment));
        } else {
            segment.push_str(&tag[..end]);
        }
        rest = &tag[end..];
    }
    segment.push_str(rest);
    lines.push(segment);
    lines
        .iter()
        .flat_map(|segment| {
            plain_text(segment)
                .split('\n')
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .filter(|line| line.contains(':'))
        .collect()
}

struct Timecode {
    /// Where it starts in its line, brackets included.
    at: usize,
    /// Where the text after it starts (after a closing bracket).
    end: usize,
    secs: f64,
}

/// The timecodes in `line`, in order.
fn timecodes(line: &str) -> Vec<Timecode> {
    let bytes = line.as_bytes();
    let mut found = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if !bytes[i].is_ascii_digit()
            || (i > 0 && (bytes[i - 1].is_ascii_digit() || bytes[i - 1] == b':'))
        {
            i += 1;
            continue;
        }
        // A run of digits and colons.
        let start = i;
        while i < bytes.len() && (bytes[i].is_ascii_digit() || bytes[i] == b':') {
            i += 1;
        }
        let mut run = &line[start..i];
        // A colon that ends a sentence ("at 5:30: the end") is not part of the time.
        if run.ends_with(':') {
            run = &run[..run.len() - 1];
        }
        if let Some(secs) = clock(run) {
            let mut at = start;
            let mut end = start + run.len();
            if at > 0 && matches!(bytes[at - 1], b'[' | b'(') {
                at -= 1;
                if matches!(bytes.get(end), Some(b']' | b')')) {
                    end += 1;
                }
            }
            found.push(Timecode { at, end, secs });
        }
    }
    found
}

/// `h:mm:ss`, `m:ss` or `mm:ss` as seconds.
fn clock(text: &str) -> Option<f64> {
    let parts: Vec<&str> = text.split(':').collect();
    let (hours, minutes, seconds) = match parts.as_slice() {
        [m, s] => ("0", *m, *s),
        [h, m, s] if (1..=2).contains(&h.len()) && m.len() == 2 => (*h, *m, *s),
        _ => return None,
    };
    if !(1..=2).contains(&minutes.len()) || seconds.len() != 2 {
        return None;
    }
    let (h, m, s): (u32, u32, u32) = (
        hours.parse().ok()?,
        minutes.parse().ok()?,
        seconds.parse().ok()?,
    );
    if s >= 60 || (parts.len() == 3 && m >= 60) {
        return None;
    }
    Some(f64::from(h * 3600 + m * 60 + s))
}

/// A title without the separators around it (`- Intro`, `Intro –`, `: Intro`).
fn trim_title(text: &str) -> &str {
    text.trim_matches(|c: char| {
        c.is_whitespace()
            || matches!(
                c,
                '-' | '–' | '—' | ':' | '|' | '·' | '•' | ',' | ';' | '(' | ')' | '[' | ']'
            )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn starts_and_titles(chapters: &[Chapter]) -> Vec<(f64, &str)> {
        chapters
            .iter()
            .map(|c| (c.start_secs, c.title.as_str()))
            .collect()
    }

    #[test]
    fn timecodes_running_in_one_line_become_chapters() {
        let chapters = notes_chapters("0:00 Intro 5:30 How did Dynamo lose its DNS?", Some(1800.0));
        assert_eq!(
            starts_and_titles(&chapters),
            [(0.0, "Intro"), (330.0, "How did Dynamo lose its DNS?")]
        );
        assert!(chapters.iter().all(|c| c.source == ChapterSource::Notes));
    }

    #[test]
    fn a_list_with_brackets_and_hours() {
        let notes = "<p>In this episode we talk about <b>Postgres</b>.</p><ul><li>0:00 Intro</li>\
            <li>5:30 MVCC in one breath</li><li>(24:10) Autovacuum tuning</li>\
            <li>[1:02:00] Wrap-up &amp; thanks</li></ul><p>Read more on <a href=\"https://x\">the site</a>.</p>";
        assert_eq!(
            starts_and_titles(&notes_chapters(notes, Some(3741.0))),
            [
                (0.0, "Intro"),
                (330.0, "MVCC in one breath"),
                (1450.0, "Autovacuum tuning"),
                (3720.0, "Wrap-up & thanks")
            ]
        );
    }

    #[test]
    fn titles_before_their_timecode_and_line_breaks() {
        let notes = "Intro – 00:00<br>The guest: 04:12<br/>Questions - 31:05";
        assert_eq!(
            starts_and_titles(&notes_chapters(notes, None)),
            [(0.0, "Intro"), (252.0, "The guest"), (1865.0, "Questions")]
        );
    }

    #[test]
    fn out_of_order_or_past_the_end_means_no_chapters() {
        assert!(notes_chapters("0:00 Intro 12:00 Middle 5:00 Back", Some(3600.0)).is_empty());
        // The fixture feed's last timecode is exactly the duration: past the end.
        assert!(notes_chapters("0:00 Intro 5:30 MVCC 1:02:21 Wrap-up", Some(3741.0)).is_empty());
        assert_eq!(
            notes_chapters("0:00 Intro 5:30 MVCC 1:02:21 Wrap-up", Some(3800.0)).len(),
            3
        );
    }

    #[test]
    fn things_that_are_not_timecodes() {
        // Dates, ratios, clocks with seconds past 59, and times inside longer runs.
        assert!(notes_chapters("Recorded 2024-01-02 at 10:75; ratio 16:9:3:1", None).is_empty());
        assert!(notes_chapters("No times here", None).is_empty());
        assert!(notes_chapters("", None).is_empty());
        let one = notes_chapters("We start at 3:15: the rest", None);
        assert_eq!(starts_and_titles(&one), [(195.0, "the rest")]);
    }
}
