//! What podcasts carry beyond RSS and Atom, read straight from the XML in one quick-xml pass:
//! the iTunes tags feed-rs misreads or drops (`duration` as `MM:SS`, `season`, `episode`,
//! `episodeType`, `explicit`, `new-feed-url`, the show's `image`) and the Podcasting 2.0
//! namespace (`guid`, `locked`, `funding`, `chapters`, `transcript`, `person`), plus
//! `<redirect><newLocation>` and each item's `<enclosure>` URLs (feed-rs mixes them with
//! `media:content`).
//!
//! Elements are matched by local name with a prefix present, whatever the prefix is, so a feed
//! that binds the iTunes namespace to another prefix still works. Anything unreadable is simply
//! absent; the scan never fails a feed.

use crate::model::{Funding, Person, Transcript};
use quick_xml::events::{BytesStart, Event};

/// Channel-level extras.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChannelExtras {
    pub language: Option<String>,
    pub explicit: Option<bool>,
    pub podcast_guid: Option<String>,
    pub locked: Option<bool>,
    /// The show's artwork (`itunes:image href`, or a `podcast:image` meant as artwork).
    pub image: Option<String>,
    pub funding: Vec<Funding>,
    /// Where the publisher says the feed has moved (`itunes:new-feed-url`, `<redirect>`).
    pub new_feed_url: Option<String>,
}

/// Item-level extras, one per `<item>`/`<entry>` in document order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ItemExtras {
    /// The raw `itunes:duration`, parsed later by [`super::parse_duration`].
    pub duration: Option<String>,
    pub season: Option<i64>,
    pub episode: Option<i64>,
    /// `full`, `trailer` or `bonus`.
    pub episode_type: Option<String>,
    pub explicit: Option<bool>,
    pub image: Option<String>,
    /// The `url`s of the RSS `<enclosure>`s, in document order, unresolved.
    pub enclosures: Vec<String>,
    pub chapters_url: Option<String>,
    /// Podlove Simple Chapters (`psc:chapter`) written in the item itself.
    pub psc_chapters: Vec<crate::chapters::Chapter>,
    pub transcripts: Vec<Transcript>,
    pub persons: Vec<Person>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Extras {
    pub channel: ChannelExtras,
    pub items: Vec<ItemExtras>,
    /// False when the document could not be scanned to the end: the items may not line up with
    /// feed-rs's entries and must not be used.
    pub complete: bool,
}

/// Which field the text of the open element belongs to.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Target {
    Language,
    ChannelExplicit,
    PodcastGuid,
    Locked,
    Funding,
    NewFeedUrl,
    Duration,
    Season,
    Episode,
    EpisodeType,
    ItemExplicit,
    Person,
}

/// Scans `body` once. Never fails: what cannot be read is left out.
pub fn scan(body: &[u8]) -> Extras {
    let mut reader = quick_xml::Reader::from_reader(body);
    let mut buf = Vec::new();
    let mut extras = Extras::default();
    let mut item: Option<ItemExtras> = None;
    let mut target: Option<Target> = None;
    let mut text = String::new();
    let mut in_redirect = false;
    let mut pending_funding: Option<String> = None;
    let mut pending_person: Option<Person> = None;
    loop {
        let event = match reader.read_event_into(&mut buf) {
            Ok(event) => event,
            Err(_) => return extras,
        };
        match event {
            Event::Start(start) => {
                let local = start.local_name();
                let prefixed = start.name().prefix().is_some();
                match (local.as_ref(), prefixed) {
                    (b"item" | b"entry", false) => item = Some(ItemExtras::default()),
                    (b"redirect", false) => in_redirect = true,
                    (b"newLocation", false) if in_redirect => target = Some(Target::NewFeedUrl),
                    _ => {
                        target = start_element(&start, item.as_mut(), &mut extras.channel);
                        match target {
                            Some(Target::Funding) => pending_funding = attr(&start, b"url"),
                            Some(Target::Person) => pending_person = Some(person(&start)),
                            _ => {}
                        }
                    }
                }
                text.clear();
            }
            Event::Empty(start) => {
                // Attribute-only elements: images, chapters, transcripts.
                start_element(&start, item.as_mut(), &mut extras.channel);
            }
            Event::Text(t) if target.is_some() => {
                text.push_str(&String::from_utf8_lossy(&t));
            }
            Event::CData(t) if target.is_some() => {
                text.push_str(&String::from_utf8_lossy(&t));
            }
            Event::GeneralRef(r) if target.is_some() => {
                let resolved = match r.as_ref() {
                    b"amp" => Some('&'),
                    b"lt" => Some('<'),
                    b"gt" => Some('>'),
                    b"quot" => Some('"'),
                    b"apos" => Some('\''),
                    _ => r.resolve_char_ref().ok().flatten(),
                };
                if let Some(c) = resolved {
                    text.push(c);
                }
            }
            Event::End(end) => {
                let local = end.local_name();
                let prefixed = end.name().prefix().is_some();
                match (local.as_ref(), prefixed) {
                    (b"item" | b"entry", false) => {
                        if let Some(done) = item.take() {
                            extras.items.push(done);
                        }
                    }
                    (b"redirect", false) => in_redirect = false,
                    _ => {}
                }
                if let Some(t) = target.take() {
                    let value = text.trim();
                    commit(
                        t,
                        value,
                        item.as_mut(),
                        &mut extras.channel,
                        &mut pending_funding,
                        &mut pending_person,
                    );
                }
                text.clear();
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    extras.complete = true;
    extras
}

/// Handles the attributes of an element and says where its text goes.
fn start_element(
    start: &BytesStart<'_>,
    item: Option<&mut ItemExtras>,
    channel: &mut ChannelExtras,
) -> Option<Target> {
    if start.name().prefix().is_none() {
        match start.local_name().as_ref() {
            b"language" if item.is_none() => return Some(Target::Language),
            b"enclosure" => {
                if let (Some(item), Some(url)) = (item, attr(start, b"url")) {
                    item.enclosures.push(url);
                }
            }
            _ => {}
        }
        return None;
    }
    let local = start.local_name();
    match item {
        Some(item) => match local.as_ref() {
            b"duration" => Some(Target::Duration),
            b"season" => Some(Target::Season),
            b"episode" => Some(Target::Episode),
            b"episodeType" => Some(Target::EpisodeType),
            b"explicit" => Some(Target::ItemExplicit),
            b"person" => Some(Target::Person),
            b"image" => {
                if item.image.is_none() {
                    item.image = attr(start, b"href").or_else(|| attr(start, b"url"));
                }
                None
            }
            b"chapters" => {
                if item.chapters_url.is_none() {
                    item.chapters_url = attr(start, b"url");
                }
                None
            }
            // Podlove Simple Chapters: `<psc:chapter start="0:05:30" title="…"/>`.
            b"chapter" => {
                if let (Some(at), Some(title)) = (attr(start, b"start"), attr(start, b"title"))
                    && let Some(chapter) = crate::chapters::psc_chapter(
                        &at,
                        &title,
                        attr(start, b"href").as_deref(),
                        attr(start, b"image").as_deref(),
                    )
                {
                    item.psc_chapters.push(chapter);
                }
                None
            }
            b"transcript" => {
                if let (Some(url), Some(mime_type)) = (attr(start, b"url"), attr(start, b"type")) {
                    item.transcripts.push(Transcript {
                        url,
                        mime_type,
                        language: attr(start, b"language"),
                        rel: attr(start, b"rel"),
                    });
                }
                None
            }
            _ => None,
        },
        None => match local.as_ref() {
            b"explicit" => Some(Target::ChannelExplicit),
            b"guid" => Some(Target::PodcastGuid),
            b"locked" => Some(Target::Locked),
            b"funding" => Some(Target::Funding),
            b"new-feed-url" => Some(Target::NewFeedUrl),
            b"image" => {
                let artwork = attr(start, b"purpose").is_none_or(|p| p.contains("artwork"));
                if channel.image.is_none() && artwork {
                    channel.image = attr(start, b"href");
                }
                None
            }
            _ => None,
        },
    }
}

fn commit(
    target: Target,
    value: &str,
    item: Option<&mut ItemExtras>,
    channel: &mut ChannelExtras,
    pending_funding: &mut Option<String>,
    pending_person: &mut Option<Person>,
) {
    let owned = || Some(value.to_string()).filter(|v| !v.is_empty());
    match (target, item) {
        (Target::Language, None) => channel.language = channel.language.take().or_else(owned),
        (Target::ChannelExplicit, None) => channel.explicit = explicit(value),
        (Target::PodcastGuid, None) => {
            channel.podcast_guid = channel.podcast_guid.take().or_else(owned);
        }
        (Target::Locked, None) => channel.locked = yes_no(value),
        (Target::Funding, None) => {
            if let Some(url) = pending_funding.take() {
                channel.funding.push(Funding {
                    url,
                    label: value.to_string(),
                });
            }
        }
        (Target::NewFeedUrl, None) => {
            channel.new_feed_url = channel.new_feed_url.take().or_else(owned);
        }
        (Target::Duration, Some(item)) => item.duration = owned(),
        (Target::Season, Some(item)) => item.season = item.season.or_else(|| number(value)),
        (Target::Episode, Some(item)) => item.episode = item.episode.or_else(|| number(value)),
        (Target::EpisodeType, Some(item)) => {
            let kind = value.to_ascii_lowercase();
            if matches!(kind.as_str(), "full" | "trailer" | "bonus") {
                item.episode_type = Some(kind);
            }
        }
        (Target::ItemExplicit, Some(item)) => item.explicit = explicit(value),
        (Target::Person, Some(item)) => {
            if let Some(mut person) = pending_person.take()
                && !value.is_empty()
            {
                person.name = value.to_string();
                item.persons.push(person);
            }
        }
        _ => {}
    }
}

fn person(start: &BytesStart<'_>) -> Person {
    Person {
        name: String::new(),
        role: attr(start, b"role")
            .map(|r| r.to_ascii_lowercase())
            .unwrap_or_else(|| "host".to_string()),
        href: attr(start, b"href"),
        img: attr(start, b"img"),
    }
}

fn attr(start: &BytesStart<'_>, name: &[u8]) -> Option<String> {
    start
        .attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == name)
        .and_then(|a| attribute_text(&a.value))
}

/// An attribute's value, trimmed, with XML's own five entities and character references
/// decoded. Anything else (an entity a DOCTYPE declares) is left as written, never expanded.
/// `None` when empty.
pub(crate) fn attribute_text(raw: &[u8]) -> Option<String> {
    let raw = String::from_utf8_lossy(raw).into_owned();
    let value = match quick_xml::escape::unescape(&raw) {
        Ok(value) => value.trim().to_string(),
        Err(_) => raw.trim().to_string(),
    };
    (!value.is_empty()).then_some(value)
}

fn explicit(value: &str) -> Option<bool> {
    match value.to_ascii_lowercase().as_str() {
        "yes" | "true" | "explicit" => Some(true),
        "no" | "false" | "clean" => Some(false),
        _ => None,
    }
}

fn yes_no(value: &str) -> Option<bool> {
    match value.to_ascii_lowercase().as_str() {
        "yes" | "true" => Some(true),
        "no" | "false" => Some(false),
        _ => None,
    }
}

/// A season or episode number: a non-negative whole number (`3`, `03`, `3.0`); anything else is
/// unknown.
fn number(value: &str) -> Option<i64> {
    let parsed: f64 = value.trim().parse().ok()?;
    (parsed.is_finite() && parsed >= 0.0 && parsed.fract() == 0.0 && parsed < 1e9)
        .then_some(parsed as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FEED: &str = r#"<rss xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"
        xmlns:podcast="https://podcastindex.org/namespace/1.0"><channel>
        <language>en-GB</language>
        <itunes:explicit>no</itunes:explicit>
        <itunes:new-feed-url>https://new.example/feed?a=1&amp;b=2</itunes:new-feed-url>
        <podcast:guid>917393e3-1b1e-5cef-ace4-edaa54e1f810</podcast:guid>
        <podcast:locked owner="x@y.z">yes</podcast:locked>
        <podcast:funding url="https://give.example/">Support us</podcast:funding>
        <itunes:duration>9</itunes:duration>
        <item><title>a</title><itunes:duration>24:26</itunes:duration>
          <itunes:season>2</itunes:season><itunes:episode>05</itunes:episode>
          <itunes:episodeType>Trailer</itunes:episodeType><itunes:explicit>true</itunes:explicit>
          <itunes:image href="https://img.example/a.jpg"/>
          <podcast:chapters url="https://c.example/a.json" type="application/json+chapters"/>
          <podcast:transcript url="https://t.example/a.vtt" type="text/vtt" rel="captions"/>
          <podcast:transcript url="https://t.example/a.html" type="text/html" language="es"/>
          <podcast:person role="Guest" href="https://p.example/">Ada &amp; Co</podcast:person>
          <podcast:person>Jo Host</podcast:person>
        </item>
        <item><title>b</title><itunes:episode>x</itunes:episode></item>
        <item><itunes:duration><![CDATA[1:00]]></itunes:duration></item>
    </channel></rss>"#;

    #[test]
    fn channel_and_items_are_read() {
        let extras = scan(FEED.as_bytes());
        assert!(extras.complete);
        let channel = &extras.channel;
        assert_eq!(channel.language.as_deref(), Some("en-GB"));
        assert_eq!(channel.explicit, Some(false));
        assert_eq!(
            channel.new_feed_url.as_deref(),
            Some("https://new.example/feed?a=1&b=2")
        );
        assert_eq!(
            channel.podcast_guid.as_deref(),
            Some("917393e3-1b1e-5cef-ace4-edaa54e1f810")
        );
        assert_eq!(channel.locked, Some(true));
        assert_eq!(
            channel.funding,
            vec![Funding {
                url: "https://give.example/".into(),
                label: "Support us".into()
            }]
        );
        assert_eq!(extras.items.len(), 3);
        let a = &extras.items[0];
        assert_eq!(a.duration.as_deref(), Some("24:26"));
        assert_eq!((a.season, a.episode), (Some(2), Some(5)));
        assert_eq!(a.episode_type.as_deref(), Some("trailer"));
        assert_eq!(a.explicit, Some(true));
        assert_eq!(a.image.as_deref(), Some("https://img.example/a.jpg"));
        assert_eq!(a.chapters_url.as_deref(), Some("https://c.example/a.json"));
        assert_eq!(a.transcripts.len(), 2);
        assert_eq!(a.transcripts[0].rel.as_deref(), Some("captions"));
        assert_eq!(a.transcripts[1].language.as_deref(), Some("es"));
        assert_eq!(a.persons[0].name, "Ada & Co");
        assert_eq!(a.persons[0].role, "guest");
        assert_eq!(a.persons[1].role, "host");
        assert_eq!(extras.items[1].episode, None);
        assert_eq!(extras.items[1].duration, None);
        assert_eq!(extras.items[2].duration.as_deref(), Some("1:00"));
    }

    #[test]
    fn show_artwork_and_enclosures_are_read() {
        let xml = br#"<rss><channel><image><url>https://show.example/logo.png</url></image>
            <podcast:image href="https://show.example/banner.webp" purpose="banner"/>
            <podcast:image href="https://show.example/art.png" purpose="artwork social"/>
            <itunes:image href="https://show.example/itunes.jpg"/>
            <item><enclosure url=" a.mp3 "/><enclosure type="audio/ogg"/>
              <enclosure url="b.ogg"></enclosure></item>
            <podcast:liveItem><enclosure url="live.mp3"/></podcast:liveItem>
        </channel></rss>"#;
        let extras = scan(xml);
        assert_eq!(
            extras.channel.image.as_deref(),
            Some("https://show.example/art.png")
        );
        assert_eq!(extras.items.len(), 1);
        assert_eq!(extras.items[0].enclosures, ["a.mp3", "b.ogg"]);
    }

    #[test]
    fn redirect_new_location_moves_the_feed() {
        let xml = br#"<rss><channel><redirect><newLocation>https://moved.example/rss</newLocation></redirect>
            <title>t</title></channel></rss>"#;
        assert_eq!(
            scan(xml).channel.new_feed_url.as_deref(),
            Some("https://moved.example/rss")
        );
    }

    #[test]
    fn broken_xml_is_incomplete_not_an_error() {
        let extras = scan(b"<rss><channel><item><title>a</title></item><item></chan");
        assert!(!extras.complete);
    }
}
