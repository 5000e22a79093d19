//! OPML, the subscription list every podcast app reads and writes. Import is forgiving (outlines
//! nested in folders, odd attribute case, bad entries reported while good ones are kept) and
//! safe: entities declared in a DOCTYPE are never expanded, so a "billion laughs" file is inert.

use std::collections::HashSet;

use quick_xml::events::{BytesStart, Event};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::feed::normalize_feed_url;

/// One subscription found in an OPML file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct OpmlEntry {
    pub title: Option<String>,
    /// Normalised to an http(s) address.
    pub feed_url: String,
}

/// An outline that could not be imported, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct OpmlProblem {
    /// What the file said (the outline's title or address).
    pub entry: String,
    pub reason: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OpmlDocument {
    pub entries: Vec<OpmlEntry>,
    pub problems: Vec<OpmlProblem>,
}

/// One show to write into an export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpmlShow<'a> {
    pub title: &'a str,
    pub feed_url: &'a str,
    pub link: Option<&'a str>,
}

/// Reads the subscriptions in an OPML file. Fails only when the file is not OPML at all.
pub fn parse_opml(body: &[u8]) -> Result<OpmlDocument> {
    let not_opml = |detail: String| Error::InvalidOpml { detail };
    let mut reader = quick_xml::Reader::from_reader(body);
    let mut buf = Vec::new();
    let mut document = OpmlDocument::default();
    let mut seen = HashSet::new();
    let mut saw_root = false;
    loop {
        let event = match reader.read_event_into(&mut buf) {
            Ok(event) => event,
            Err(error) if saw_root => {
                // Keep what was read before the damage.
                document.problems.push(OpmlProblem {
                    entry: format!("byte {}", reader.buffer_position()),
                    reason: format!("the rest of the file is not valid XML ({error})"),
                });
                break;
            }
            Err(error) => return Err(not_opml(format!("it is not valid XML ({error})"))),
        };
        match event {
            Event::Start(element) | Event::Empty(element) => {
                let name = element.local_name();
                if name.as_ref().eq_ignore_ascii_case(b"opml") {
                    saw_root = true;
                } else if name.as_ref().eq_ignore_ascii_case(b"outline") {
                    outline(&element, &mut document, &mut seen);
                } else if !saw_root {
                    return Err(not_opml("its root element is not <opml>".to_string()));
                }
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    if !saw_root {
        return Err(not_opml("it has no <opml> element".to_string()));
    }
    Ok(document)
}

fn outline(element: &BytesStart<'_>, document: &mut OpmlDocument, seen: &mut HashSet<String>) {
    let url = attribute(element, "xmlurl").or_else(|| {
        // Some exporters write type="rss" with the address in `url`.
        attribute(element, "type")
            .filter(|t| t.eq_ignore_ascii_case("rss"))
            .and_then(|_| attribute(element, "url"))
    });
    let title = attribute(element, "title").or_else(|| attribute(element, "text"));
    let Some(url) = url else {
        // A folder, or a note: nothing to subscribe to.
        return;
    };
    match normalize_feed_url(&url) {
        Ok(feed_url) => {
            let feed_url = String::from(feed_url);
            if seen.insert(feed_url.clone()) {
                document.entries.push(OpmlEntry { title, feed_url });
            }
        }
        Err(_) => document.problems.push(OpmlProblem {
            entry: title.unwrap_or_else(|| url.clone()),
            reason: format!("“{url}” is not a feed address"),
        }),
    }
}

/// An attribute by name, whatever its case; entity references other than XML's five and
/// character references are left as written, never expanded.
fn attribute(element: &BytesStart<'_>, name: &str) -> Option<String> {
    element
        .attributes()
        .with_checks(false)
        .flatten()
        .find(|a| {
            a.key
                .local_name()
                .as_ref()
                .eq_ignore_ascii_case(name.as_bytes())
        })
        .and_then(|a| crate::feed::attribute_text(&a.value))
}

/// Writes an OPML 2.0 subscription list.
pub fn write_opml(shows: &[OpmlShow<'_>], created: chrono::DateTime<chrono::Utc>) -> String {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<opml version=\"2.0\">\n  <head>\n    \
         <title>Earshot subscriptions</title>\n",
    );
    out.push_str(&format!(
        "    <dateCreated>{}</dateCreated>\n  </head>\n  <body>\n",
        created.to_rfc2822()
    ));
    for show in shows {
        out.push_str(&format!(
            "    <outline type=\"rss\" text=\"{title}\" title=\"{title}\" xmlUrl=\"{url}\"",
            title = escape(show.title),
            url = escape(show.feed_url)
        ));
        if let Some(link) = show.link {
            out.push_str(&format!(" htmlUrl=\"{}\"", escape(link)));
        }
        out.push_str("/>\n");
    }
    out.push_str("  </body>\n</opml>\n");
    out
}

fn escape(text: &str) -> String {
    quick_xml::escape::escape(text).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_outlines_are_read_and_bad_ones_reported() {
        let opml = br#"<?xml version="1.0"?>
<opml version="1.0"><head><title>x</title></head><body>
  <outline text="Tech">
    <outline type="rss" text="One &amp; Only" xmlUrl="https://one.example/feed"/>
    <OUTLINE TYPE="rss" TEXT="Two" XMLURL="feed://two.example/rss"></OUTLINE>
  </outline>
  <outline text="Broken" xmlUrl="javascript:alert(1)"/>
  <outline type="rss" text="Again" xmlUrl="https://one.example/feed"/>
  <outline type="rss" title="Url attr" url="https://three.example/rss"/>
</body></opml>"#;
        let document = parse_opml(opml).unwrap();
        let urls: Vec<&str> = document
            .entries
            .iter()
            .map(|e| e.feed_url.as_str())
            .collect();
        assert_eq!(
            urls,
            vec![
                "https://one.example/feed",
                "https://two.example/rss",
                "https://three.example/rss"
            ]
        );
        assert_eq!(document.entries[0].title.as_deref(), Some("One & Only"));
        assert_eq!(document.problems.len(), 1);
        assert_eq!(document.problems[0].entry, "Broken");
    }

    #[test]
    fn declared_entities_are_not_expanded() {
        let opml = br#"<?xml version="1.0"?>
<!DOCTYPE opml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
 <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>
<opml version="2.0"><body>
  <outline text="&c;" xmlUrl="https://safe.example/feed"/>
</body></opml>"#;
        let document = parse_opml(opml).unwrap();
        assert_eq!(document.entries.len(), 1);
        assert_eq!(document.entries[0].title.as_deref(), Some("&c;"));
    }

    #[test]
    fn not_opml_is_an_error() {
        for body in [
            &b"<rss><channel/></rss>"[..],
            b"not xml",
            b"",
            b"<html><body>hi</body></html>",
        ] {
            let error = parse_opml(body).unwrap_err();
            assert_eq!(error.code(), crate::ErrorCode::InvalidOpml);
        }
    }

    #[test]
    fn an_export_reads_back() {
        let created = chrono::DateTime::from_timestamp(1_795_000_000, 0).unwrap();
        let written = write_opml(
            &[
                OpmlShow {
                    title: "Tom & Jerry's <Show>",
                    feed_url: "https://a.example/feed?x=1&y=2",
                    link: Some("https://a.example/"),
                },
                OpmlShow {
                    title: "B",
                    feed_url: "https://b.example/rss",
                    link: None,
                },
            ],
            created,
        );
        let document = parse_opml(written.as_bytes()).unwrap();
        assert_eq!(document.problems, vec![]);
        assert_eq!(
            document.entries,
            vec![
                OpmlEntry {
                    title: Some("Tom & Jerry's <Show>".into()),
                    feed_url: "https://a.example/feed?x=1&y=2".into()
                },
                OpmlEntry {
                    title: Some("B".into()),
                    feed_url: "https://b.example/rss".into()
                },
            ]
        );
    }
}
