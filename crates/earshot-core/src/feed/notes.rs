//! Show notes are untrusted HTML from the publisher. Everything that reaches the UI passes through
//! [`sanitize_notes`]: an allow-list of harmless tags, http(s)/mailto links only, no scripts,
//! event handlers, styles, frames or forms. Bare http(s) URLs in the text become links like the
//! publisher's own, with the same `rel`.

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
        .link_rel(Some(LINK_REL))
        .rm_tags(["img"]);
    if let Some(base) = base {
        builder.url_relative(ammonia::UrlRelative::RewriteWithBase(base.clone()));
    } else {
        builder.url_relative(ammonia::UrlRelative::Deny);
    }
    linkify_html(builder.clean(raw).to_string().trim())
}

/// The `rel` of every link in sanitized notes: ammonia's for the publisher's links, and ours for
/// bare URLs.
const LINK_REL: &str = "noopener noreferrer nofollow";

/// Elements whose text keeps its bare URLs as text: a link's, and code's.
const NOT_LINKIFIED: [&str; 3] = ["a", "code", "pre"];

/// `html`, sanitized by ammonia, with the bare URLs of its text made links. ammonia's output is
/// html5ever's serialisation, which this relies on: every `<` opens a tag, attribute values are
/// in double quotes, and text escapes exactly `&`, `<`, `>` and U+00A0 (no comments, no raw text
/// elements: ammonia drops them).
fn linkify_html(html: &str) -> String {
    if find_ignore_case(html, "http").is_none() {
        return html.to_string();
    }
    let mut out = String::with_capacity(html.len() + 128);
    // How many `a`, `code` and `pre` elements the text is in.
    let mut inside = 0usize;
    let mut rest = html;
    while !rest.is_empty() {
        if rest.starts_with('<') {
            let tag = &rest[..tag_length(rest)];
            let closing = tag.starts_with("</");
            let name = tag
                .trim_start_matches(['<', '/'])
                .split(|c: char| !c.is_ascii_alphanumeric())
                .next()
                .unwrap_or_default();
            if NOT_LINKIFIED.iter().any(|n| n.eq_ignore_ascii_case(name)) {
                inside = if closing {
                    inside.saturating_sub(1)
                } else {
                    inside + 1
                };
            }
            out.push_str(tag);
            rest = &rest[tag.len()..];
        } else {
            let text = &rest[..rest.find('<').unwrap_or(rest.len())];
            if inside == 0 && find_ignore_case(text, "http").is_some() {
                push_linkified(&unescape_text(text), escape_text, &mut out);
            } else {
                out.push_str(text);
            }
            rest = &rest[text.len()..];
        }
    }
    out
}

/// The length of the tag `html` starts with, to its `>` outside quotes (all of `html` if none).
fn tag_length(html: &str) -> usize {
    let mut quoted = false;
    for (at, byte) in html.bytes().enumerate() {
        match byte {
            b'"' => quoted = !quoted,
            b'>' if !quoted => return at + 1,
            _ => {}
        }
    }
    html.len()
}

/// Text as html5ever escapes it, unescaped.
fn unescape_text(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&nbsp;", "\u{a0}")
        .replace("&amp;", "&")
}

/// Escapes text as html5ever does, so that text without links comes out as it went in.
fn escape_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\u{a0}' => out.push_str("&nbsp;"),
            c => out.push(c),
        }
    }
    out
}

/// Appends `text`, escaped with `escape`, with its bare URLs as links.
fn push_linkified(text: &str, escape: fn(&str) -> String, out: &mut String) {
    let mut at = 0;
    for url in bare_urls(text) {
        out.push_str(&escape(&text[at..url.start]));
        let url_html = escape(&text[url.clone()]);
        out.push_str(&format!(
            r#"<a href="{url_html}" rel="{LINK_REL}">{url_html}</a>"#
        ));
        at = url.end;
    }
    out.push_str(&escape(&text[at..]));
}

/// Where `text` has http(s) URLs: from the scheme, at the start of a word, to the first space,
/// control character, `<`, `>`, `"` or backquote, less trailing punctuation, and less a closing
/// bracket the URL did not open.
fn bare_urls(text: &str) -> Vec<std::ops::Range<usize>> {
    let mut urls = Vec::new();
    let mut from = 0;
    while let Some(found) = find_ignore_case(&text[from..], "http") {
        let start = from + found;
        let tail = &text[start..];
        let scheme = ["https://", "http://"].into_iter().find(|s| {
            tail.as_bytes()
                .get(..s.len())
                .is_some_and(|b| b.eq_ignore_ascii_case(s.as_bytes()))
        });
        let in_word = text[..start]
            .chars()
            .next_back()
            .is_some_and(char::is_alphanumeric);
        let (Some(scheme), false) = (scheme, in_word) else {
            from = start + 4;
            continue;
        };
        let length = tail
            .find(|c: char| {
                c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | '"' | '`')
            })
            .unwrap_or(tail.len());
        let end = start + without_trailing_punctuation(&tail[..length]);
        let is_web = Url::parse(&text[start..end])
            .is_ok_and(|u| u.host_str().is_some_and(|h| !h.is_empty()));
        if end > start + scheme.len() && is_web {
            urls.push(start..end);
        }
        from = end.max(start + scheme.len());
    }
    urls
}

/// The length of `url` without the punctuation that ends the sentence around it: `.`, `,`, `)`
/// when the URL has no `(` for it, and the like.
fn without_trailing_punctuation(url: &str) -> usize {
    let mut end = url.len();
    while let Some(last) = url[..end].chars().next_back() {
        let unopened = |open: char, close: char| {
            let inside = &url[..end];
            inside.matches(close).count() > inside.matches(open).count()
        };
        let trailing = match last {
            '.' | ',' | ';' | ':' | '!' | '?' | '\'' | '*' | '…' | '’' | '”' | '»' | '。'
            | '，' | '、' => true,
            ')' => unopened('(', ')'),
            ']' => unopened('[', ']'),
            '}' => unopened('{', '}'),
            _ => false,
        };
        if !trailing {
            break;
        }
        end -= last.len_utf8();
    }
    end
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
    text.split("\n\n")
        .map(|para| {
            let mut html = String::with_capacity(para.len() + 7);
            push_linkified(para.trim(), escape_html, &mut html);
            format!("<p>{}</p>", html.replace('\n', "<br>"))
        })
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

pub(crate) fn find_ignore_case(haystack: &str, needle: &str) -> Option<usize> {
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
    fn bare_urls_become_links_like_the_publishers_own() {
        let publishers = sanitize_notes(
            r#"<p>See <a href="https://example.com/x?a=1&amp;b=2">https://example.com/x?a=1&amp;b=2</a></p>"#,
            None,
        );
        assert_eq!(
            sanitize_notes("<p>See https://example.com/x?a=1&amp;b=2</p>", None),
            publishers
        );
        assert_eq!(
            sanitize_notes("See https://example.com/x?a=1&b=2", None),
            publishers
        );
    }

    #[test]
    fn bare_urls_in_html_are_linked_outside_links_code_and_attributes() {
        let notes = r#"<div>Show: https://example.com/show. Sources (https://example.com/a),
            <a href="https://example.com/b">read https://example.com/b</a>
            <code>curl https://example.com/c</code><pre>https://example.com/d</pre>
            <span title="https://example.com/e">e</span> ftp://example.com/f mailto:x@example.com
            xhttps://example.com/g https://example.com/wiki/Rust_(language); https://
            HTTPS://EXAMPLE.COM/H&nbsp;ok &lt;https://example.com/i&gt;</div>"#;
        let link = |url: &str| format!(r#"<a href="{url}" rel="{LINK_REL}">{url}</a>"#);
        assert_eq!(
            sanitize_notes(notes, None),
            format!(
                r#"<div>Show: {}. Sources ({}),
            <a href="https://example.com/b" rel="{LINK_REL}">read https://example.com/b</a>
            <code>curl https://example.com/c</code><pre>https://example.com/d</pre>
            <span title="https://example.com/e">e</span> ftp://example.com/f mailto:x@example.com
            xhttps://example.com/g {}; https://
            {}&nbsp;ok &lt;{}&gt;</div>"#,
                link("https://example.com/show"),
                link("https://example.com/a"),
                link("https://example.com/wiki/Rust_(language)"),
                link("HTTPS://EXAMPLE.COM/H"),
                link("https://example.com/i"),
            )
        );
    }

    #[test]
    fn bare_urls_in_plain_text_are_linked_and_escaped() {
        let link = |url: &str| format!(r#"<a href="{url}" rel="{LINK_REL}">{url}</a>"#);
        assert_eq!(
            sanitize_notes(
                "Notes at https://example.com/n.\nAsk: \"http://example.com/q?x=<1>\"!\n\n(https://example.com/p)",
                None
            ),
            format!(
                "<p>Notes at {}.<br>Ask: &quot;{}&lt;1&gt;&quot;!</p><p>({})</p>",
                link("https://example.com/n"),
                link("http://example.com/q?x="),
                link("https://example.com/p"),
            )
        );
        assert_eq!(
            sanitize_notes("Café – https://example.com/é…", None),
            format!("<p>Café – {}…</p>", link("https://example.com/é"))
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
