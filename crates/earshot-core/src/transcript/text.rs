//! Transcript text is untrusted: whatever markup it carries (WebVTT's `<i>`, `<c.loud>`, inline
//! timestamps; SRT's `<font>`; HTML) is dropped here, entities are decoded, control characters
//! and runs of white space become one space. What comes out is plain text for the UI to show as
//! text (never as HTML) and for the search index.

/// Appends the plain text of `markup` to `out` (after a space when `out` is not empty), and
/// returns whether anything was added.
pub fn push_plain(markup: &str, out: &mut String) -> bool {
    let before = out.len();
    let mut space = !out.is_empty();
    let mut rest = markup;
    while let Some(at) = rest.find(['<', '&', '\n', '\r', '\t', ' ']) {
        push_word(&rest[..at], &mut space, out);
        let tail = &rest[at..];
        match tail.as_bytes()[0] {
            b'<' => {
                let end = tail.find('>').map_or(tail.len(), |i| i + 1);
                rest = &tail[end..];
            }
            b'&' => {
                let (decoded, used) = entity(tail);
                match decoded {
                    Some(c) if c.is_whitespace() => space = true,
                    Some(c) if c.is_control() || is_invisible(c) => {}
                    Some(c) => {
                        let mut buffer = [0u8; 4];
                        push_word(c.encode_utf8(&mut buffer), &mut space, out);
                    }
                    None => push_word("&", &mut space, out),
                }
                rest = &tail[used..];
            }
            _ => {
                space = true;
                rest = &tail[1..];
            }
        }
    }
    push_word(rest, &mut space, out);
    out.len() > before
}

/// The plain text of `markup`, alone.
pub fn plain(markup: &str) -> String {
    let mut out = String::new();
    push_plain(markup, &mut out);
    out
}

/// Appends a piece of text that has no markup, spaces or line breaks in it (but may hold
/// control characters, which are dropped).
fn push_word(word: &str, space: &mut bool, out: &mut String) {
    if word.is_empty() {
        return;
    }
    if *space && !out.is_empty() {
        out.push(' ');
    }
    *space = false;
    if word.bytes().all(|b| b >= 0x20 && b != 0x7f) && !word.contains(is_invisible) {
        out.push_str(word);
    } else {
        out.extend(
            word.chars()
                .filter(|c| !c.is_control() && !is_invisible(*c)),
        );
    }
}

/// Direction marks and zero-width characters that a transcript has no use for.
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}')
}

/// The character an entity at the start of `text` stands for, and how many bytes it takes;
/// `(None, 1)` when `&` starts no entity.
fn entity(text: &str) -> (Option<char>, usize) {
    let Some(end) = text.as_bytes().iter().take(12).position(|b| *b == b';') else {
        return (None, 1);
    };
    let name = &text[1..end];
    let c = match name {
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        "nbsp" => Some(' '),
        "lrm" | "rlm" => Some('\u{200e}'),
        "hellip" => Some('…'),
        "mdash" => Some('—'),
        "ndash" => Some('–'),
        "rsquo" => Some('’'),
        "lsquo" => Some('‘'),
        "rdquo" => Some('”'),
        "ldquo" => Some('“'),
        _ => name
            .strip_prefix("#x")
            .or_else(|| name.strip_prefix("#X"))
            .and_then(|hex| u32::from_str_radix(hex, 16).ok())
            .or_else(|| name.strip_prefix('#').and_then(|d| d.parse().ok()))
            .and_then(char::from_u32),
    };
    match c {
        Some(c) => (Some(c), end + 1),
        None => (None, 1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_goes_entities_are_decoded_and_space_is_one_space() {
        assert_eq!(
            plain("<i>Hello</i>,   <c.loud>world</c>&nbsp;&amp; <00:01.500>more\r\n text"),
            "Hello, world & more text"
        );
        assert_eq!(plain("a &lt;script&gt; b"), "a <script> b");
        assert_eq!(
            plain("Tom &amp Jerry &#x263A; &#9731; &bogus;"),
            "Tom &amp Jerry ☺ ☃ &bogus;"
        );
        assert_eq!(plain("\u{200b}zero\u{0007}width\u{202e}"), "zerowidth");
        assert_eq!(plain("  "), "");
        assert_eq!(plain("<unclosed"), "");
    }

    #[test]
    fn text_is_appended_after_a_space() {
        let mut out = "first".to_string();
        assert!(push_plain("second", &mut out));
        assert!(!push_plain(" <b></b> ", &mut out));
        assert_eq!(out, "first second");
    }
}
