//! Show notes are untrusted HTML from the publisher. Everything that reaches the UI passes through
//! [`sanitize_notes`]: an allow-list of harmless tags, http(s)/mailto links only, no scripts,
//! event handlers, styles, frames or forms.

use std::collections::HashSet;

use url::Url;

/// Returns HTML that is safe to insert into the page. Plain text (no tags) keeps its line breaks.
/// Relative links resolve against `base` (the feed's address).
pub fn sanitize_notes(raw: &str, base: Option<&Url>) -> String {
    let raw = raw.trim();
    if raw.is_empty() {
        return String::new();
    }
    if !looks_like_html(raw) {
        return plain_text_to_html(raw);
    }
    let mut builder = ammonia::Builder::default();
    builder
        .url_schemes(HashSet::from(["http", "https", "mailto"]))
        .link_rel(Some("noopener noreferrer nofollow"))
        .rm_tags(["img"]);
    if let Some(base) = base {
        builder.url_relative(ammonia::UrlRelative::RewriteWithBase(base.clone()));
    } else {
        builder.url_relative(ammonia::UrlRelative::Deny);
    }
    builder.clean(raw).to_string().trim().to_string()
}

fn looks_like_html(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes
        .windows(2)
        .any(|w| w[0] == b'<' && (w[1].is_ascii_alphabetic() || w[1] == b'/' || w[1] == b'!'))
        || text.contains("&amp;")
        || text.contains("&lt;")
        || text.contains("&#")
}

fn plain_text_to_html(text: &str) -> String {
    escape_html(text)
        .split("\n\n")
        .map(|para| format!("<p>{}</p>", para.trim().replace('\n', "<br>")))
        .collect::<Vec<_>>()
        .join("")
}

fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The words of show notes, without markup, for the search index. Works on raw (unsanitized)
/// notes: tags become spaces; comments and the contents of `script` and `style` are dropped;
/// common and numeric entities are decoded. Never shown to anyone, only indexed.
pub fn plain_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        out.push(' ');
        let tag = &rest[open..];
        // Compared as bytes: no lowercased copy per tag (which, cut at a byte that is not a
        // character boundary, used to be a copy of all the rest of the notes).
        let opens = |name: &str| {
            tag.as_bytes()
                .get(..name.len())
                .is_some_and(|b| b.eq_ignore_ascii_case(name.as_bytes()))
        };
        let closed_by = |end: &str| {
            find_ignore_case(tag, end).and_then(|i| tag[i..].find('>').map(|j| i + j + 1))
        };
        let after = if tag.starts_with("<!--") {
            tag.find("-->").map(|i| i + 3)
        } else if opens("<script") {
            closed_by("</script")
        } else if opens("<style") {
            closed_by("</style")
        } else {
            tag.find('>').map(|i| i + 1)
        };
        rest = after.map_or("", |i| &tag[i..]);
    }
    out.push_str(rest);
    if out.contains('&') {
        decode_entities(&out)
    } else {
        out
    }
}

fn find_ignore_case(haystack: &str, needle: &str) -> Option<usize> {
    haystack
        .as_bytes()
        .windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

fn decode_entities(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        let candidate = &rest[at..];
        let end = candidate
            .char_indices()
            .take(12)
            .find(|(_, c)| *c == ';')
            .map(|(i, _)| i);
        let decoded = end.and_then(|end| {
            let name = &candidate[1..end];
            let c = match name {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "nbsp" => Some(' '),
                _ => name
                    .strip_prefix("#x")
                    .or_else(|| name.strip_prefix("#X"))
                    .and_then(|hex| u32::from_str_radix(hex, 16).ok())
                    .or_else(|| name.strip_prefix('#').and_then(|d| d.parse().ok()))
                    .and_then(char::from_u32),
            };
            c.map(|c| (c, end + 1))
        });
        match decoded {
            Some((c, len)) => {
                out.push(c);
                rest = &candidate[len..];
            }
            None => {
                out.push('&');
                rest = &candidate[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_handlers_and_javascript_urls_are_removed() {
        let dirty = r#"<p onclick="steal()">Hi <script>alert(1)</script><a href="javascript:alert(1)">x</a>
            <iframe src="https://evil.example"></iframe><form action="/x"><input></form>
            <style>body{display:none}</style><a href="https://ok.example/">ok</a></p>"#;
        let clean = sanitize_notes(dirty, None);
        for banned in [
            "script",
            "onclick",
            "javascript:",
            "iframe",
            "form",
            "input",
            "style",
        ] {
            assert!(!clean.contains(banned), "{banned} survived in {clean}");
        }
        assert!(clean.contains(r#"href="https://ok.example/""#), "{clean}");
        assert!(clean.contains("noopener"), "{clean}");
    }

    #[test]
    fn remote_images_are_not_loaded() {
        let clean = sanitize_notes(
            r#"<p>a<img src="https://tracker.example/p.gif">b</p>"#,
            None,
        );
        assert_eq!(clean, "<p>ab</p>");
    }

    #[test]
    fn relative_links_resolve_against_the_feed() {
        let base = Url::parse("https://show.example/feed.xml").unwrap();
        let clean = sanitize_notes(r#"<a href="/ep/1">one</a>"#, Some(&base));
        assert!(clean.contains("https://show.example/ep/1"), "{clean}");
    }

    #[test]
    fn plain_text_of_non_ascii_notes_drops_markup_and_scripts() {
        let notes = "<p>Café ñandú</p><SCRIPT>x()</SCRIPT><sTyLe>p{}</sTyLe><é>über<!-- c --></p>";
        let text = plain_text(notes);
        assert_eq!(
            text.split_whitespace().collect::<Vec<_>>(),
            ["Café", "ñandú", "über"]
        );
    }

    #[test]
    fn plain_text_drops_markup() {
        assert_eq!(
            plain_text("<p>Cost of <b>HTTP/2</b> &amp; QUIC&#8217;s &#x41;&nope; &</p>").trim(),
            "Cost of  HTTP/2  & QUIC\u{2019}s A&nope; &"
        );
        let words = plain_text(
            "a<!-- hidden --><SCRIPT>var secret = 1;</script >b<style>p{}</style>c<script",
        );
        assert_eq!(
            words.split_whitespace().collect::<Vec<_>>(),
            ["a", "b", "c"]
        );
    }

    #[test]
    fn plain_text_keeps_breaks_and_is_escaped() {
        assert_eq!(
            sanitize_notes("Line one\nline two\n\nNext > para", None),
            "<p>Line one<br>line two</p><p>Next &gt; para</p>"
        );
    }
}
