//! Finding the feed behind a web page: listeners paste a show's homepage as often as its feed.
//! Pages announce their feeds with `<link rel="alternate" type="application/rss+xml" href="…">`.
//! HTML is not XML, so this is a forgiving scan of `<link>` tags, not a parser.

use url::Url;

/// The feeds a page announces, RSS before Atom, in page order, resolved against `base`.
pub fn feed_links(html: &[u8], base: &Url) -> Vec<Url> {
    let text = String::from_utf8_lossy(html);
    let lower = text.to_ascii_lowercase();
    let mut found: Vec<(u8, Url)> = Vec::new();
    let mut from = 0;
    while let Some(at) = lower[from..].find("<link") {
        let start = from + at + "<link".len();
        let end = lower[start..].find('>').map_or(lower.len(), |e| start + e);
        let attributes = parse_attributes(&text[start..end]);
        from = end;
        let get = |name: &str| {
            attributes
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.as_str())
        };
        let rel_alternate = get("rel").is_some_and(|rel| {
            rel.split_ascii_whitespace()
                .any(|r| r.eq_ignore_ascii_case("alternate"))
        });
        let preference = match get("type")
            .map(|t| t.trim().to_ascii_lowercase())
            .as_deref()
        {
            Some("application/rss+xml") => 0,
            Some("application/atom+xml") => 1,
            _ => continue,
        };
        if !rel_alternate {
            continue;
        }
        if let Some(url) = get("href")
            .and_then(|href| base.join(href.trim()).ok())
            .filter(|u| matches!(u.scheme(), "http" | "https"))
            && !found.iter().any(|(_, u)| *u == url)
        {
            found.push((preference, url));
        }
    }
    found.sort_by_key(|(preference, _)| *preference);
    found.into_iter().map(|(_, url)| url).collect()
}

/// `name="value" name='value' name=value name` inside one tag, names lower-cased, the basic
/// entities decoded.
fn parse_attributes(tag: &str) -> Vec<(String, String)> {
    let mut attributes = Vec::new();
    let mut chars = tag.char_indices().peekable();
    while let Some(&(i, c)) = chars.peek() {
        if c.is_whitespace() || c == '/' {
            chars.next();
            continue;
        }
        let name_start = i;
        while chars
            .peek()
            .is_some_and(|&(_, c)| !c.is_whitespace() && c != '=' && c != '/')
        {
            chars.next();
        }
        let name_end = chars.peek().map_or(tag.len(), |&(i, _)| i);
        let name = tag[name_start..name_end].to_ascii_lowercase();
        while chars.peek().is_some_and(|&(_, c)| c.is_whitespace()) {
            chars.next();
        }
        let mut value = String::new();
        if chars.peek().is_some_and(|&(_, c)| c == '=') {
            chars.next();
            while chars.peek().is_some_and(|&(_, c)| c.is_whitespace()) {
                chars.next();
            }
            match chars.peek().map(|&(_, c)| c) {
                Some(quote @ ('"' | '\'')) => {
                    chars.next();
                    for (_, c) in chars.by_ref() {
                        if c == quote {
                            break;
                        }
                        value.push(c);
                    }
                }
                _ => {
                    while let Some(&(_, c)) = chars.peek() {
                        if c.is_whitespace() {
                            break;
                        }
                        value.push(c);
                        chars.next();
                    }
                }
            }
        }
        let value = value
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&");
        attributes.push((name, value));
    }
    attributes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn announced_feeds_are_found_rss_first() {
        let base = Url::parse("https://show.example/podcast/").unwrap();
        let html = br#"<!doctype html><HTML><head>
            <link rel="stylesheet" href="/s.css">
            <LINK REL="alternate" type="application/atom+xml" href="atom.xml" title="Atom">
            <link type='application/rss+xml' rel='alternate nofollow' href='/feed?a=1&amp;b=2' />
            <link rel=alternate type=application/rss+xml href=https://cdn.example/rss>
            <link rel="alternate" type="application/rss+xml" href="javascript:alert(1)">
            </head><body><a href="/not-a-feed.xml">x</a></body></html>"#;
        let links: Vec<String> = feed_links(html, &base)
            .into_iter()
            .map(String::from)
            .collect();
        assert_eq!(
            links,
            vec![
                "https://show.example/feed?a=1&b=2",
                "https://cdn.example/rss",
                "https://show.example/podcast/atom.xml",
            ]
        );
    }

    #[test]
    fn a_page_without_feeds_has_none() {
        let base = Url::parse("https://show.example/").unwrap();
        assert!(
            feed_links(
                b"<html><head><link rel=icon href=/f.ico></head></html>",
                &base
            )
            .is_empty()
        );
        assert!(feed_links(b"<link", &base).is_empty());
    }
}
