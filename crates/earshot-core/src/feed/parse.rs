//! Parsing a feed body into a show and its episodes (feed-rs underneath), with everything a
//! podcast app needs normalised: sanitized notes, an audio enclosure, a duration in seconds.

use url::Url;

use std::borrow::Cow;
use std::collections::HashSet;

use super::duration::parse_duration;
use super::extras::{self, ItemExtras};
use super::notes::sanitize_notes;
use super::salvage::salvage;
use crate::model::UnixTime;
use crate::model::{Funding, Person, Transcript};

#[derive(Debug, Clone, PartialEq)]
pub struct ParsedFeed {
    pub title: String,
    pub author: Option<String>,
    pub description_html: String,
    pub link: Option<String>,
    pub artwork_url: Option<String>,
    pub categories: Vec<String>,
    pub language: Option<String>,
    pub explicit: Option<bool>,
    /// The Podcasting 2.0 `podcast:guid`: the show's identity whatever its address.
    pub podcast_guid: Option<String>,
    pub locked: Option<bool>,
    pub funding: Vec<Funding>,
    /// Where the publisher says the feed now lives (`itunes:new-feed-url`, `<redirect>`).
    pub new_feed_url: Option<String>,
    pub episodes: Vec<ParsedEpisode>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ParsedEpisode {
    pub guid: String,
    pub title: String,
    pub published_at: Option<UnixTime>,
    pub duration_secs: Option<f64>,
    pub enclosure_url: Option<String>,
    pub enclosure_type: Option<String>,
    pub enclosure_length: Option<i64>,
    /// The show notes as the publisher wrote them: untrusted HTML (or text), stored as is and
    /// sanitized whenever they are read (see [`super::sanitize_notes`]), so a refresh does not
    /// pay for sanitizing notes nobody opens.
    pub notes: String,
    pub link: Option<String>,
    pub season: Option<i64>,
    pub episode_number: Option<i64>,
    pub episode_type: Option<String>,
    pub explicit: Option<bool>,
    pub artwork_url: Option<String>,
    pub chapters_url: Option<String>,
    /// Podlove Simple Chapters written in the feed, in time order.
    pub psc_chapters: Vec<crate::chapters::Chapter>,
    pub transcripts: Vec<Transcript>,
    pub persons: Vec<Person>,
}

/// Parses `body`, fetched from `feed_url`. The error is a short reason for a listener.
pub fn parse_feed(body: &[u8], feed_url: &Url) -> Result<ParsedFeed, String> {
    let parser = feed_rs::parser::Builder::new()
        .base_uri(Some(feed_url.as_str()))
        .sanitize_content(false)
        // No made-up ids (feed-rs hashes the link and title, or draws a random UUID): an entry
        // without one falls back to the identity `parse_entry` gives it.
        .id_generator(|_, _, _| String::new())
        .build();
    // A feed that is meant to be UTF-8 but carries broken bytes is read with replacement
    // characters, rather than letting the parser drop whole titles.
    let repaired = repair_utf8(body);
    let body = repaired.as_deref().unwrap_or(body);
    // feed-rs only takes `<rss>` with a version it knows; an unversioned one is read as RSS 2.0.
    let versioned = with_rss_version(body);
    let doc = versioned.as_deref().unwrap_or(body);
    // One element feed-rs does not support fails the whole document: then read what can be read.
    let (feed, doc) = match parser.parse(doc) {
        Ok(feed) => (feed, Cow::Borrowed(doc)),
        Err(error) => {
            // Named in the log, never with credentials.
            let mut shown = feed_url.clone();
            let _ = shown.set_username("");
            let _ = shown.set_password(None);
            match salvage(doc, &parser, &error, shown.as_str()) {
                Some((feed, salvaged)) => (feed, Cow::Owned(salvaged)),
                None => return Err(describe_parse_error(body, &error)),
            }
        }
    };

    let title = feed
        .title
        .as_ref()
        .map(|t| t.content.trim().to_string())
        .filter(|t| !t.is_empty());
    if title.is_none() && feed.entries.is_empty() {
        return Err("it has no title and no episodes".to_string());
    }
    let link = feed.links.first().map(|l| l.href.clone());
    let description = feed
        .description
        .as_ref()
        .map(|t| t.content.as_str())
        .unwrap_or_default();
    // feed-rs misreads `MM:SS` and knows nothing of the podcast namespace; the raw scan fills in,
    // when its items line up with feed-rs's entries (so it scans the document feed-rs read).
    let extras = extras::scan(&doc);
    // The show's square artwork (`itunes:image`) before RSS's small `<image>` logo.
    let artwork_url = extras
        .channel
        .image
        .clone()
        .or_else(|| {
            feed.logo
                .as_ref()
                .or(feed.icon.as_ref())
                .map(|i| i.uri.clone())
        })
        .map(|u| u.trim().to_string())
        .filter(|u| !u.is_empty())
        .and_then(|u| feed_url.join(&u).ok())
        .map(String::from);
    let mut categories: Vec<String> = Vec::new();
    for category in &feed.categories {
        let name = category.label.as_deref().unwrap_or(&category.term).trim();
        if !name.is_empty() && !categories.iter().any(|c| c == name) {
            categories.push(name.to_string());
        }
    }

    let aligned = extras.complete && extras.items.len() == feed.entries.len();
    let mut seen = HashSet::new();
    let episodes = feed
        .entries
        .iter()
        .enumerate()
        .map(|(index, entry)| {
            let item = aligned.then(|| &extras.items[index]);
            parse_entry(entry, feed_url, item)
        })
        // The same guid twice in one feed: the first (newest, in feed order) wins.
        .filter(|episode| seen.insert(episode.guid.clone()))
        .collect();
    let channel = extras.channel;
    let new_feed_url = channel
        .new_feed_url
        .and_then(|u| feed_url.join(&u).ok())
        .filter(|u| matches!(u.scheme(), "http" | "https") && u != feed_url)
        .map(String::from);

    Ok(ParsedFeed {
        title: title.unwrap_or_else(|| feed_url.host_str().unwrap_or("Untitled show").to_string()),
        author: feed
            .authors
            .first()
            .map(|p| p.name.trim().to_string())
            .filter(|n| !n.is_empty()),
        description_html: sanitize_notes(description, Some(feed_url)),
        link,
        artwork_url,
        categories,
        language: channel.language,
        explicit: channel.explicit,
        podcast_guid: channel.podcast_guid,
        locked: channel.locked,
        funding: channel
            .funding
            .into_iter()
            .filter(|f| is_web_url(&f.url))
            .collect(),
        new_feed_url,
        episodes,
    })
}

/// `item` is this entry's raw extras, when the scan lined up with feed-rs.
fn parse_entry(
    entry: &feed_rs::model::Entry,
    feed_url: &Url,
    item: Option<&ItemExtras>,
) -> ParsedEpisode {
    let itunes_duration = item.map(|i| i.duration.as_deref().and_then(parse_duration));
    let declared: Vec<Url> = item
        .map(|i| {
            i.enclosures
                .iter()
                .filter_map(|u| feed_url.join(u).ok())
                .collect()
        })
        .unwrap_or_default();
    let files = files(entry, feed_url, &declared);
    // The first audio `<enclosure>`, else the first audio file, else the first file.
    let enclosure = files
        .iter()
        .find(|f| f.declared && f.is_audio())
        .or_else(|| files.iter().find(|f| f.is_audio()))
        .or_else(|| files.first());
    let from_media = || {
        entry
            .media
            .iter()
            .find_map(|m| m.duration)
            .or_else(|| enclosure.and_then(|f| f.duration))
            .map(|d| d.as_secs_f64())
    };
    let duration = match itunes_duration {
        Some(Some(secs)) => Some(secs),
        Some(None) => enclosure.and_then(|f| f.duration).map(|d| d.as_secs_f64()),
        None => from_media(),
    }
    .filter(|d| *d > 0.0);
    let enclosure_url = enclosure.map(|f| f.url.clone());
    let notes = entry
        .content
        .as_ref()
        .and_then(|c| c.body.as_deref())
        .filter(|b| !b.trim().is_empty())
        .or_else(|| entry.summary.as_ref().map(|s| s.content.as_str()))
        .or_else(|| {
            entry
                .media
                .iter()
                .find_map(|m| m.description.as_ref().map(|d| d.content.as_str()))
        })
        .unwrap_or_default();
    let title = entry
        .title
        .as_ref()
        .map(|t| t.content.trim().to_string())
        .filter(|t| !t.is_empty())
        .or_else(|| {
            entry
                .media
                .iter()
                .find_map(|m| m.title.as_ref().map(|t| t.content.trim().to_string()))
        })
        .unwrap_or_else(|| "Untitled episode".to_string());
    let published_at = entry.published.or(entry.updated).map(|d| d.timestamp());
    // Identity: the guid, else the enclosure, else the title and date.
    let guid = if entry.id.trim().is_empty() {
        enclosure_url.clone().unwrap_or_else(|| match published_at {
            Some(at) => format!("{title}\u{1f}{at}"),
            None => title.clone(),
        })
    } else {
        entry.id.trim().to_string()
    };
    let declared_type = enclosure.and_then(|f| f.mime.clone());
    let enclosure_type = match declared_type {
        Some(t) if !t.is_empty() && t != "application/octet-stream" => Some(t),
        declared => enclosure_url
            .as_deref()
            .and_then(mime_from_extension)
            .map(str::to_owned)
            .or(declared),
    };
    let resolve = |u: &str| {
        feed_url
            .join(u)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https"))
            .map(String::from)
    };
    let item = item.cloned().unwrap_or_default();
    let artwork_url = item.image.as_deref().and_then(resolve).or_else(|| {
        entry
            .media
            .iter()
            .flat_map(|m| m.thumbnails.iter())
            .find_map(|t| resolve(&t.image.uri))
    });
    ParsedEpisode {
        guid,
        title,
        published_at,
        duration_secs: duration,
        enclosure_type,
        enclosure_length: enclosure
            .and_then(|f| f.length)
            .and_then(|s| i64::try_from(s).ok())
            .filter(|s| *s > 0),
        enclosure_url,
        notes: notes.trim().to_string(),
        // An Atom entry may list its audio (`rel="enclosure"`) before its page.
        link: entry
            .links
            .iter()
            .find(|l| !is_enclosure_link(l))
            .map(|l| l.href.clone()),
        season: item.season,
        episode_number: item.episode,
        episode_type: item.episode_type,
        explicit: item.explicit,
        artwork_url,
        chapters_url: item.chapters_url.as_deref().and_then(resolve),
        psc_chapters: {
            let mut chapters = item.psc_chapters;
            chapters.sort_by(|a, b| a.start_secs.total_cmp(&b.start_secs));
            chapters
        },
        transcripts: item
            .transcripts
            .into_iter()
            .filter_map(|t| {
                Some(Transcript {
                    url: resolve(&t.url)?,
                    ..t
                })
            })
            .collect(),
        persons: item.persons,
    }
}

/// A file an entry offers: the content of a media object (RSS `<enclosure>`, `media:content`) or
/// an Atom `<link rel="enclosure">`.
struct MediaFile {
    url: String,
    /// The media type as declared, parameters and all.
    mime: Option<String>,
    length: Option<u64>,
    duration: Option<std::time::Duration>,
    /// One of the item's RSS `<enclosure>`s, rather than a `media:content` or a link.
    declared: bool,
}

impl MediaFile {
    /// By its declared type, else (none, or `application/octet-stream`) by its extension.
    fn is_audio(&self) -> bool {
        let essence = self
            .mime
            .as_deref()
            .map(|m| m.split(';').next().unwrap_or_default().trim())
            .filter(|m| !m.is_empty() && !m.eq_ignore_ascii_case("application/octet-stream"));
        match essence {
            Some(essence) => essence
                .get(..6)
                .is_some_and(|ty| ty.eq_ignore_ascii_case("audio/")),
            None => mime_from_extension(&self.url).is_some_and(|m| m.starts_with("audio/")),
        }
    }
}

/// The files of `entry` in order of preference when types are alike: feed-rs puts the
/// `<enclosure>`s and loose `media:content` in the last media object, after any `media:group`,
/// so they come first; Atom's enclosure links (which feed-rs leaves among the links) come last.
fn files(entry: &feed_rs::model::Entry, feed_url: &Url, declared: &[Url]) -> Vec<MediaFile> {
    let (loose, groups) = entry
        .media
        .split_last()
        .map_or((None, &[][..]), |(last, rest)| (Some(last), rest));
    let media = loose
        .into_iter()
        .chain(groups)
        .flat_map(|m| m.content.iter())
        .filter_map(|c| {
            let url = c.url.as_ref()?;
            Some(MediaFile {
                url: url.to_string(),
                mime: c.content_type.as_ref().map(|t| t.to_string()),
                length: c.size,
                duration: c.duration,
                declared: declared.contains(url),
            })
        });
    let links = entry
        .links
        .iter()
        .filter(|l| is_enclosure_link(l))
        .filter_map(|l| {
            let url = feed_url
                .join(l.href.trim())
                .ok()
                .filter(|u| matches!(u.scheme(), "http" | "https"))?;
            Some(MediaFile {
                url: url.into(),
                mime: l
                    .media_type
                    .as_deref()
                    .map(str::trim)
                    .filter(|t| !t.is_empty())
                    .map(str::to_owned),
                length: l.length,
                duration: None,
                declared: false,
            })
        });
    media.chain(links).collect()
}

fn is_enclosure_link(link: &feed_rs::model::Link) -> bool {
    link.rel
        .as_deref()
        .is_some_and(|r| r.trim().eq_ignore_ascii_case("enclosure"))
}

/// `body` with `version="2.0"` added to its root element when that is an `<rss>` without a
/// version (gPodder and browsers read those; feed-rs refuses them), else `None`.
fn with_rss_version(body: &[u8]) -> Option<Vec<u8>> {
    let mut reader = quick_xml::Reader::from_reader(body);
    let mut buf = Vec::new();
    loop {
        let at = usize::try_from(reader.buffer_position()).ok()?;
        match reader.read_event_into(&mut buf).ok()? {
            quick_xml::events::Event::Start(root) | quick_xml::events::Event::Empty(root) => {
                let unversioned = root.name().as_ref() == b"rss"
                    && !root
                        .attributes()
                        .flatten()
                        .any(|a| a.key.as_ref() == b"version");
                if !unversioned || body.get(at..at + 4) != Some(b"<rss".as_slice()) {
                    return None;
                }
                let mut patched = Vec::with_capacity(body.len() + 14);
                patched.extend_from_slice(&body[..at + 4]);
                patched.extend_from_slice(br#" version="2.0""#);
                patched.extend_from_slice(&body[at + 4..]);
                return Some(patched);
            }
            quick_xml::events::Event::Eof => return None,
            _ => buf.clear(),
        }
    }
}

fn is_web_url(text: &str) -> bool {
    Url::parse(text).is_ok_and(|u| matches!(u.scheme(), "http" | "https"))
}

/// The media type of an enclosure from its file extension, for feeds that leave the type out or
/// say `application/octet-stream`.
pub fn mime_from_extension(url: &str) -> Option<&'static str> {
    let path = Url::parse(url).ok()?.path().to_ascii_lowercase();
    let extension = path.rsplit_once('.')?.1;
    Some(match extension {
        "mp3" => "audio/mpeg",
        "m4a" | "m4b" => "audio/mp4",
        "aac" => "audio/aac",
        "ogg" | "oga" => "audio/ogg",
        "opus" => "audio/opus",
        "flac" => "audio/flac",
        "wav" => "audio/wav",
        "weba" => "audio/webm",
        "webm" => "video/webm",
        "mp4" => "video/mp4",
        "m4v" => "video/x-m4v",
        "mov" => "video/quicktime",
        _ => return None,
    })
}

/// `Some(repaired)` when `body` is not valid UTF-8 yet declares UTF-8 (or no encoding, which
/// means UTF-8 in XML): invalid sequences become U+FFFD. Other declared encodings are left to
/// the parser.
fn repair_utf8(body: &[u8]) -> Option<Vec<u8>> {
    if std::str::from_utf8(body).is_ok() {
        return None;
    }
    let head = String::from_utf8_lossy(&body[..body.len().min(200)]).to_ascii_lowercase();
    let declaration = head
        .strip_prefix('\u{feff}')
        .unwrap_or(&head)
        .trim_start()
        .starts_with("<?xml")
        .then(|| head.split("?>").next().unwrap_or_default().to_string());
    let declares_other = declaration.as_deref().is_some_and(|d| {
        d.split("encoding")
            .nth(1)
            .is_some_and(|rest| !rest.contains("utf-8") && !rest.contains("utf8"))
    });
    (!declares_other).then(|| String::from_utf8_lossy(body).into_owned().into_bytes())
}

fn describe_parse_error(body: &[u8], error: &feed_rs::parser::ParseFeedError) -> String {
    let head = String::from_utf8_lossy(&body[..body.len().min(512)]).to_ascii_lowercase();
    let starts_like_xml = head
        .trim_start_matches('\u{feff}')
        .trim_start()
        .starts_with('<');
    if head.contains("<html") || head.contains("<!doctype html") {
        "it is a web page, not an RSS or Atom feed".to_string()
    } else if body.iter().all(u8::is_ascii_whitespace) {
        "the server sent an empty response".to_string()
    } else if !starts_like_xml {
        "it is not XML: the server sent something else".to_string()
    } else {
        format!("it could not be read as RSS or Atom: {error}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url() -> Url {
        Url::parse("https://show.example/feed.xml").unwrap()
    }

    const FEED: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"
     xmlns:content="http://purl.org/rss/1.0/modules/content/">
  <channel>
    <title>The Test Show</title>
    <link>https://show.example/</link>
    <description>About &lt;b&gt;things&lt;/b&gt;</description>
    <itunes:author>Jo Host</itunes:author>
    <itunes:image href="/art.jpg"/>
    <itunes:category text="Technology"><itunes:category text="Software"/></itunes:category>
    <item>
      <title>Episode two</title>
      <guid isPermaLink="false">ep-2</guid>
      <pubDate>Tue, 10 Nov 2026 08:00:00 +0000</pubDate>
      <itunes:duration>1:02:21</itunes:duration>
      <enclosure url="https://cdn.example/2.mp3" length="1234" type="audio/mpeg"/>
      <description>short</description>
      <content:encoded><![CDATA[<p>Long <script>x()</script>notes</p>]]></content:encoded>
    </item>
    <item>
      <title>Episode one</title>
      <pubDate>Mon, 2 Nov 2026 08:00:00 GMT</pubDate>
      <itunes:duration>24:26</itunes:duration>
      <enclosure url="https://cdn.example/1.mp3" type="audio/mpeg"/>
    </item>
  </channel>
</rss>"#;

    #[test]
    fn show_and_episodes_are_read() {
        let feed = parse_feed(FEED.as_bytes(), &url()).unwrap();
        assert_eq!(feed.title, "The Test Show");
        assert_eq!(feed.author.as_deref(), Some("Jo Host"));
        assert_eq!(
            feed.artwork_url.as_deref(),
            Some("https://show.example/art.jpg")
        );
        assert_eq!(feed.categories, vec!["Technology".to_string()]);
        assert_eq!(feed.description_html, "About <b>things</b>");
        assert_eq!(feed.episodes.len(), 2);
        let two = &feed.episodes[0];
        assert_eq!(two.guid, "ep-2");
        assert_eq!(two.duration_secs, Some(3741.0));
        assert_eq!(
            two.enclosure_url.as_deref(),
            Some("https://cdn.example/2.mp3")
        );
        assert_eq!(two.enclosure_type.as_deref(), Some("audio/mpeg"));
        assert_eq!(two.enclosure_length, Some(1234));
        assert_eq!(sanitize_notes(&two.notes, None), "<p>Long notes</p>");
        assert_eq!(two.published_at, Some(1_794_297_600));
        assert_eq!(feed.episodes[1].duration_secs, Some(1466.0));
        assert!(!feed.episodes[1].guid.is_empty());
    }

    #[test]
    fn an_rss_without_a_version_is_read_as_rss_2() {
        let xml = b"<!-- a comment --><rss><channel><title>Old</title>\n<item><title>a</title>\
            <enclosure url=\"a.mp3\"/></item></channel></rss>";
        let feed = parse_feed(xml, &url()).unwrap();
        assert_eq!(feed.title, "Old");
        assert_eq!(
            feed.episodes[0].enclosure_url.as_deref(),
            Some("https://show.example/a.mp3")
        );
        assert_eq!(with_rss_version(FEED.as_bytes()), None);
        assert_eq!(with_rss_version(b"<feed><rss/></feed>"), None);
    }

    #[test]
    fn an_entry_without_a_guid_is_known_by_its_enclosure_then_title_and_date() {
        let xml = br#"<rss version="2.0"><channel><title>t</title>
            <item><title>a</title><link>https://show.example/a</link>
              <enclosure url="https://cdn.example/a.mp3"/></item>
            <item><title>b</title><pubDate>Mon, 2 Nov 2026 08:00:00 GMT</pubDate></item>
            <item><description>no title</description></item>
            <item><description>no title either</description></item>
        </channel></rss>"#;
        let guids = |feed: ParsedFeed| -> Vec<String> {
            feed.episodes.into_iter().map(|e| e.guid).collect()
        };
        let first = guids(parse_feed(xml, &url()).unwrap());
        assert_eq!(
            first,
            [
                "https://cdn.example/a.mp3",
                "b\u{1f}1793606400",
                "Untitled episode"
            ]
        );
        assert_eq!(guids(parse_feed(xml, &url()).unwrap()), first);
    }

    #[test]
    fn the_first_audio_enclosure_is_the_episodes_file() {
        let xml = br#"<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel>
            <title>t</title>
            <item><guid>1</guid>
              <enclosure url="https://cdn.example/cover.jpg" type="image/jpeg"/>
              <enclosure url="https://cdn.example/1.mp3"/>
              <enclosure url="https://cdn.example/1.ogg" type="audio/ogg"/></item>
            <item><guid>2</guid>
              <media:group><media:content url="https://cdn.example/2-group.mp3" type="audio/mpeg"/></media:group>
              <media:content url="https://cdn.example/2.mp3" type="audio/mpeg">
                <media:player url="https://show.example/player"/></media:content>
              <enclosure url="https://cdn.example/2.mp3" type="audio/mpeg"/></item>
            <item><guid>3</guid>
              <media:group><media:content url="https://cdn.example/3-group.mp3" type="audio/mpeg"/></media:group>
              <media:content url="https://cdn.example/3.mp3" type="audio/mpeg"/></item>
            <item><guid>4</guid>
              <enclosure url="https://cdn.example/4.mp4" type="video/mp4"/></item>
        </channel></rss>"#;
        let feed = parse_feed(xml, &url()).unwrap();
        let files: Vec<_> = feed
            .episodes
            .iter()
            .map(|e| e.enclosure_url.as_deref().unwrap())
            .collect();
        assert_eq!(
            files,
            [
                "https://cdn.example/1.mp3",
                "https://cdn.example/2.mp3",
                "https://cdn.example/3.mp3",
                "https://cdn.example/4.mp4"
            ]
        );
    }

    #[test]
    fn an_atom_enclosure_link_is_the_episodes_file() {
        let xml = br#"<feed xmlns="http://www.w3.org/2005/Atom" xmlns:media="http://search.yahoo.com/mrss/">
            <title>Atom show</title>
            <entry><id>1</id><title>One</title>
              <link rel="enclosure" href="/audio/1.mp3" type="audio/mpeg" length="4321"/>
              <link href="https://show.example/1"/></entry>
            <entry><id>2</id><title>Two</title>
              <link rel="alternate" href="https://show.example/2"/>
              <link rel="enclosure" href="https://cdn.example/2.jpg" type="image/jpeg"/>
              <link rel="enclosure" href="https://cdn.example/2.ogg"/></entry>
            <entry><id>3</id><title>Three</title>
              <media:content url="https://cdn.example/3.m4a" type="audio/mp4"/>
              <link rel="enclosure" href="https://cdn.example/3.mp3" type="audio/mpeg"/></entry>
            <entry><id>4</id><title>Four</title><link href="https://show.example/4"/></entry>
        </feed>"#;
        let feed = parse_feed(xml, &url()).unwrap();
        let one = &feed.episodes[0];
        assert_eq!(
            one.enclosure_url.as_deref(),
            Some("https://show.example/audio/1.mp3")
        );
        assert_eq!(one.enclosure_type.as_deref(), Some("audio/mpeg"));
        assert_eq!(one.enclosure_length, Some(4321));
        assert_eq!(one.link.as_deref(), Some("https://show.example/1"));
        // The audio one, its type from its extension.
        let two = &feed.episodes[1];
        assert_eq!(
            two.enclosure_url.as_deref(),
            Some("https://cdn.example/2.ogg")
        );
        assert_eq!(two.enclosure_type.as_deref(), Some("audio/ogg"));
        assert_eq!(two.link.as_deref(), Some("https://show.example/2"));
        // Other media comes first.
        assert_eq!(
            feed.episodes[2].enclosure_url.as_deref(),
            Some("https://cdn.example/3.m4a")
        );
        assert_eq!(feed.episodes[3].enclosure_url, None);
        assert_eq!(
            feed.episodes[3].link.as_deref(),
            Some("https://show.example/4")
        );
    }

    #[test]
    fn an_unsupported_text_type_in_one_entry_spoils_nothing() {
        // feed-rs refuses the whole document for `XHTML` (not `xhtml`) and for any type but
        // `plain` and `html` on a `media:` text.
        let xml = br#"<feed xmlns="http://www.w3.org/2005/Atom" xmlns:media="http://search.yahoo.com/mrss/">
            <title>Atom show</title>
            <entry><id>1</id><title>One</title>
              <content type="XHTML"><div xmlns="http://www.w3.org/1999/xhtml"><p>Inner <b>markup</b></p></div></content>
              <link rel="enclosure" href="https://cdn.example/1.mp3" type="audio/mpeg"/></entry>
            <entry><id>2</id><title type="text/plain">Two</title>
              <media:description type="xhtml">About two</media:description>
              <media:thumbnail url="https://cdn.example/2.jpg"/>
              <link rel="enclosure" href="https://cdn.example/2.mp3" type="audio/mpeg"/></entry>
            <entry><id>3</id><title>Three</title><content type="xhtml"><div>x</div></content></entry>
        </feed>"#;
        let feed = parse_feed(xml, &url()).unwrap();
        assert_eq!(feed.title, "Atom show");
        let titles: Vec<&str> = feed.episodes.iter().map(|e| e.title.as_str()).collect();
        assert_eq!(titles, ["One", "Two", "Three"]);
        let one = &feed.episodes[0];
        assert_eq!(
            sanitize_notes(&one.notes, None),
            "<div><p>Inner <b>markup</b></p></div>"
        );
        assert_eq!(
            one.enclosure_url.as_deref(),
            Some("https://cdn.example/1.mp3")
        );
        assert_eq!(feed.episodes[1].notes, "About two");
        assert_eq!(
            feed.episodes[1].enclosure_url.as_deref(),
            Some("https://cdn.example/2.mp3")
        );
    }

    #[test]
    fn what_cannot_be_read_of_an_entry_is_left_out_and_the_rest_kept() {
        // feed-rs takes `plain` or `html` on a `media:title`, not `text`. The items around it keep
        // their iTunes extras.
        let xml = br#"<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"
              xmlns:media="http://search.yahoo.com/mrss/"><channel><title>t</title>
            <item><guid>1</guid><itunes:duration>1:00</itunes:duration>
              <enclosure url="https://cdn.example/1.mp3" type="audio/mpeg"/></item>
            <item><guid>2</guid><itunes:duration>2:00</itunes:duration>
              <media:group><media:title type="text">Two</media:title>
                <media:content url="https://cdn.example/2.mp3" type="audio/mpeg"/></media:group>
              <enclosure url="https://cdn.example/2.mp3" type="audio/mpeg"/></item>
            <item><guid>3</guid><itunes:duration>3:00</itunes:duration><itunes:season>2</itunes:season>
              <enclosure url="https://cdn.example/3.mp3" type="audio/mpeg"/></item>
        </channel></rss>"#;
        let feed = parse_feed(xml, &url()).unwrap();
        let durations: Vec<_> = feed.episodes.iter().map(|e| e.duration_secs).collect();
        assert_eq!(durations, [Some(60.0), Some(120.0), Some(180.0)]);
        assert_eq!(feed.episodes[2].season, Some(2));
        assert_eq!(
            feed.episodes[1].enclosure_url.as_deref(),
            Some("https://cdn.example/2.mp3")
        );

        // An Atom `<content>` with both `src` and a body, refused whatever its type.
        let atom = br#"<feed xmlns="http://www.w3.org/2005/Atom"><title>a</title>
            <entry><id>1</id><title>One</title><summary>Short</summary>
              <content src="https://show.example/1.html">body</content></entry>
            <entry><id>2</id><title>Two</title></entry></feed>"#;
        let feed = parse_feed(atom, &url()).unwrap();
        assert_eq!(feed.episodes.len(), 2);
        assert_eq!(feed.episodes[0].notes, "Short");
    }

    #[test]
    fn xml_that_is_no_feed_or_is_broken_is_still_refused() {
        let err = parse_feed(b"<opml version=\"2.0\"><body/></opml>", &url()).unwrap_err();
        assert!(err.contains("could not be read"), "{err}");
        let cut = br#"<feed xmlns="http://www.w3.org/2005/Atom"><title>a</title>
            <entry><id>1</id><content type="XHTML"><div>x</div></content></entry><entry><id>2"#;
        assert!(parse_feed(cut, &url()).is_err());
    }

    #[test]
    fn itunes_image_is_the_show_artwork_before_the_rss_logo() {
        let xml = br#"<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd">
            <channel><title>t</title>
            <image><url>https://show.example/logo-144.png</url></image>
            <itunes:image href="https://show.example/square.jpg"></itunes:image>
        </channel></rss>"#;
        let feed = parse_feed(xml, &url()).unwrap();
        assert_eq!(
            feed.artwork_url.as_deref(),
            Some("https://show.example/square.jpg")
        );
    }

    #[test]
    fn broken_utf8_becomes_replacement_characters() {
        let mut body = FEED.as_bytes().to_vec();
        let at = FEED.find("Episode two").unwrap();
        body[at + 2] = 0xff;
        let feed = parse_feed(&body, &url()).unwrap();
        assert_eq!(feed.title, "The Test Show");
        assert_eq!(feed.episodes[0].title, "Ep\u{fffd}sode two");
        // A declared single-byte encoding is the parser's business.
        let latin = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><rss version=\"2.0\"><channel><title>Caf\xe9</title></channel></rss>";
        assert_eq!(repair_utf8(latin), None);
        assert_eq!(parse_feed(latin, &url()).unwrap().title, "Café");
    }

    #[test]
    fn binary_is_not_xml() {
        let err = parse_feed(b"\x89PNG\r\n binary", &url()).unwrap_err();
        assert!(err.contains("not XML"), "{err}");
    }

    #[test]
    fn a_web_page_is_not_a_feed() {
        let err = parse_feed(b"<!DOCTYPE html><html><body>hi</body></html>", &url()).unwrap_err();
        assert!(err.contains("web page"), "{err}");
    }

    #[test]
    fn garbage_is_not_a_feed() {
        assert!(parse_feed(b"\x00\x01 not xml at all", &url()).is_err());
        assert!(parse_feed(b"   ", &url()).unwrap_err().contains("empty"));
    }

    #[test]
    fn every_shared_real_feed_parses_without_panicking() {
        let dir =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/feeds");
        let mut count = 0;
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "xml" || e == "rss") {
                let body = std::fs::read(&path).unwrap();
                let _ = parse_feed(&body, &url());
                count += 1;
            }
        }
        assert!(
            count >= 5,
            "expected real-world fixtures in {}",
            dir.display()
        );
    }
}
