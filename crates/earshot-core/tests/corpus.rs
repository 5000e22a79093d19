//! The fixture corpus in `tests/fixtures/feeds/`: real feeds and other projects' quirk feeds (see
//! the README there), each with what its XML says, read by hand from the file rather than taken
//! from the parser, so a parser bug shows up as a failure here.
//!
//! Every expectation is exact: `None` (or an empty list) means no episode of the feed has the
//! thing at all. Episodes are counted in document order, after dropping an entry whose identity
//! (guid, else enclosure URL, else title and date) repeats an earlier one.

use std::collections::{BTreeSet, HashSet};
use std::path::PathBuf;

use earshot_core::feed::{ParsedFeed, parse_feed, sanitize_notes};
use url::Url;

/// What one fixture must parse to.
struct Expect {
    file: &'static str,
    /// Not a feed at all: `parse_feed` must refuse it (with a reason, not a panic).
    rejected: bool,
    episodes: usize,
    first_enclosure: Option<&'static str>,
    last_enclosure: Option<&'static str>,
    /// (episode index, seconds).
    duration: Option<(usize, f64)>,
    artwork: Option<&'static str>,
    language: Option<&'static str>,
    podcast_guid: Option<&'static str>,
    new_feed_url: Option<&'static str>,
    locked: Option<bool>,
    /// Funding URLs, in order.
    funding: &'static [&'static str],
    /// (episode index, season, episode number).
    numbering: Option<(usize, Option<i64>, Option<i64>)>,
    /// (episode index, chapters URL).
    chapters: Option<(usize, &'static str)>,
    /// (episode index, how many transcripts).
    transcripts: Option<(usize, usize)>,
    /// (episode index, names of the people in it, in order).
    persons: Option<(usize, &'static [&'static str])>,
}

const NONE: Expect = Expect {
    file: "",
    rejected: false,
    episodes: 0,
    first_enclosure: None,
    last_enclosure: None,
    duration: None,
    artwork: None,
    language: None,
    podcast_guid: None,
    new_feed_url: None,
    locked: None,
    funding: &[],
    numbering: None,
    chapters: None,
    transcripts: None,
    persons: None,
};

/// One episode, the same file first and last.
const fn one(file: &'static str, enclosure: Option<&'static str>) -> Expect {
    Expect {
        file,
        episodes: 1,
        first_enclosure: enclosure,
        last_enclosure: enclosure,
        ..NONE
    }
}

const BASE: &str = "https://fixtures.example/feed.xml";

const CORPUS: &[Expect] = &[
    // feed-rs's real feeds, each trimmed to one item.
    Expect {
        artwork: Some("https://www.golem.de/staticrl/images/golem-rss.png"),
        ..one("rss_1.0_iso8859.xml", None)
    },
    Expect {
        duration: Some((0, 2227.0)), // 00:37:07
        artwork: Some(
            "https://d3t3ozftmdmh3i.cloudfront.net/production/podcast_uploaded/23591441/23591441-1649013735716-25c2d16df92e8.jpg",
        ),
        language: Some("en"),
        numbering: Some((0, Some(1), Some(7))),
        ..one(
            "rss_2.0_anchorfm.xml",
            Some(
                "https://anchor.fm/s/8d364524/podcast/play/58581931/https%3A%2F%2Fd3ctxlq1ktw2nl.cloudfront.net%2Fproduction%2Fexports%2F8d364524%2F58581931%2Fa48be9475fbbb5c00427f7e733079b03.m4a",
            ),
        )
    },
    Expect {
        duration: Some((0, 3156.0)),
        artwork: Some("http://ichef.bbci.co.uk/images/ic/3000x3000/p087hyhs.jpg"),
        language: Some("en"),
        new_feed_url: Some("https://podcasts.files.bbci.co.uk/b006qykl.rss"),
        ..one(
            "rss_2.0_bbc.xml",
            Some(
                "http://open.live.bbc.co.uk/mediaselector/6/redir/version/2.0/mediaset/audio-nondrm-download/proto/http/vpid/p097wt5b.mp3",
            ),
        )
    },
    // The `<enclosure>` is an MP4 video; the `media:group` offers the same episode as MP3, and a
    // podcast player takes the audio.
    Expect {
        duration: Some((0, 867.0)),
        // `itunes:image`, not the different `<image><url>` logo.
        artwork: Some("https://f.ch9.ms/thumbnail/2b039019-ee4b-4838-a5c3-4436541806df.png"),
        language: Some("en"),
        ..one(
            "rss_2.0_ch9.xml",
            Some("https://sec.ch9.ms/ch9/075d/6e61e6c6-3890-4172-a617-fa0c4b38075d/azfr663.mp3"),
        )
    },
    // A newsletter whose only enclosure is a JPEG.
    Expect {
        artwork: Some(
            "https://cdn.substack.com/image/fetch/w_256,c_limit,f_auto,q_auto:good,fl_progressive:steep/https%3A%2F%2Fbucketeer-e05bbc84-baa3-437e-9518-adb32be77984.s3.amazonaws.com%2Fpublic%2Fimages%2F928206cb-1a2b-47e8-810a-ca99585c7422_60x60.png",
        ),
        language: Some("en"),
        ..one(
            "rss_2.0_heated.xml",
            Some(
                "https://cdn.substack.com/image/fetch/h_600,c_limit,f_auto,q_auto:good,fl_progressive:steep/https%3A%2F%2Fbucketeer-e05bbc84-baa3-437e-9518-adb32be77984.s3.amazonaws.com%2Fpublic%2Fimages%2Fc3a98cc3-73ff-48f8-a8bb-7b71d3211fb6_3024x4032.jpeg",
            ),
        )
    },
    // Cut off mid-element.
    Expect {
        file: "rss_2.0_invalid_1.xml",
        rejected: true,
        ..NONE
    },
    Expect {
        duration: Some((0, 1613.0)), // 26:53
        artwork: Some(
            "https://f.prxu.org/126/images/1f749c5d-c83a-4db9-8112-a3245da49c54/nightvalelogo-web4.jpg",
        ),
        language: Some("en"),
        ..one(
            "rss_2.0_nightvale.xml",
            Some(
                "https://www.podtrac.com/pts/redirect.mp3/dovetail.prxu.org/_/126/c6d43512-3eb0-41bc-9092-393412cae641/nv221_intro.mp3",
            ),
        )
    },
    Expect {
        duration: Some((0, 312.0)),
        artwork: Some(
            "https://www.omnycontent.com/d/programs/5ac1e950-45c7-4eb7-87c0-aa0f018441b8/bb17ca27-51f4-4349-bc1e-abc00102c975/image.jpg?t=1589902935&size=Large",
        ),
        language: Some("de"),
        new_feed_url: Some(
            "https://www.omnycontent.com/d/playlist/5ac1e950-45c7-4eb7-87c0-aa0f018441b8/bb17ca27-51f4-4349-bc1e-abc00102c975/4c18e072-24d2-4d60-9a42-abc00102c97e/podcast.rss",
        ),
        ..one(
            "rss_2.0_spiegel.xml",
            Some(
                "https://traffic.omny.fm/d/clips/5ac1e950-45c7-4eb7-87c0-aa0f018441b8/bb17ca27-51f4-4349-bc1e-abc00102c975/c7e3cca2-665e-4bc4-bcac-acc6011b9fa2/audio.mp3?utm_source=Podcast&in_playlist=4c18e072-24d2-4d60-9a42-abc00102c97e&t=1612652510",
            ),
        )
    },
    Expect {
        duration: Some((0, 3079.0)),
        artwork: Some(
            "https://d3wo5wojvuv7l.cloudfront.net/t_rss_itunes_square_1400/images.spreaker.com/original/0dcd53afca70854beb456079fa25d3f1.jpg",
        ),
        language: Some("pl"),
        ..one(
            "rss_2.0_spreaker.xml",
            Some(
                "https://api.spreaker.com/download/episode/46395247/09_05_dopo_8_10_lwowska_fala.mp3",
            ),
        )
    },
    // The Podcasting 2.0 example feed: three items and a `podcast:liveItem` (not an episode).
    Expect {
        file: "podcast-namespace_example.xml",
        episodes: 3,
        first_enclosure: Some("https://example.com/file-03.mp3"),
        last_enclosure: Some("https://example.com/file-01.mp3"),
        artwork: Some("https://example.com/images/pci_avatar-massive.jpg"),
        language: Some("en-US"),
        podcast_guid: Some("y0ur-gu1d-g035-h3r3"),
        locked: Some(true),
        funding: &["https://example.com/donate"],
        numbering: Some((0, Some(1), Some(3))),
        chapters: Some((0, "https://example.com/ep3_chapters.json")),
        transcripts: Some((0, 2)),
        persons: Some((0, &["Adam Curry", "Dave Jones", "Becky Smith"])),
        ..NONE
    },
    // The namespace's XSD test wrapper: podcast tags under `<test-wrapper>`, no RSS at all.
    Expect {
        file: "podcast-namespace_podcast-example.xml",
        rejected: true,
        ..NONE
    },
    // gPodder's podcastparser quirk feeds; almost all have an `<rss>` without a version.
    Expect {
        duration: Some((0, 3600.0)),
        ..one("podcastparser_duration.rss", None)
    },
    // `itunes:` used while the namespace is bound to `it:`.
    Expect {
        duration: Some((0, 1200.0)),
        ..one("podcastparser_itunes_duration.rss", None)
    },
    Expect {
        duration: Some((0, 1200.0)),
        ..one("podcastparser_itunes_no_xmlns.rss", None)
    },
    // Podlove Simple Chapters inline: not a `podcast:chapters` URL.
    Expect {
        duration: Some((0, 3600.0)),
        ..one("podcastparser_chapters.rss", None)
    },
    one(
        "podcastparser_no_guid.rss",
        Some("http://example.com/test.ogg"),
    ),
    one(
        "podcastparser_no_title.rss",
        Some("http://example.com/test.ogg"),
    ),
    one(
        "podcastparser_multi_enclosures.rss",
        Some("http://cdn.example.org/foo.mp3"),
    ),
    // Two audio enclosures: the first.
    one(
        "podcastparser_no_title_multi_enclosure.rss",
        Some("http://example.com/test.mp3"),
    ),
    // An image enclosure before the audio one.
    one(
        "podcastparser_image_and_audio.rss",
        Some("http://example.net/audio.mp3"),
    ),
    // A loose `media:content` before a `media:group`.
    one(
        "podcastparser_mediarss.rss",
        Some("http://example.org/example.mp3"),
    ),
    Expect {
        file: "podcastparser_new_feed_url.rss",
        new_feed_url: Some("http://newlocation.com/example.rss"),
        ..NONE
    },
    Expect {
        chapters: Some((0, "https://example.com/1/chapters.json")),
        ..one(
            "podcastparser_episode_podcast_chapters.rss",
            Some("http://example.org/example.mp3"),
        )
    },
    Expect {
        persons: Some((0, &["John Doe", "Stephanie Smith"])),
        ..one(
            "podcastparser_episode_podcast_person.rss",
            Some("http://example.org/example.mp3"),
        )
    },
    Expect {
        transcripts: Some((0, 1)),
        ..one(
            "podcastparser_episode_podcast_transcript.rss",
            Some("http://example.org/example.mp3"),
        )
    },
    Expect {
        numbering: Some((0, Some(1), None)),
        ..one(
            "podcastparser_episode_season.rss",
            Some("http://example.org/example.mp3"),
        )
    },
    Expect {
        numbering: Some((0, None, Some(1))),
        ..one(
            "podcastparser_episode_number.rss",
            Some("http://example.org/example.mp3"),
        )
    },
    // `itunes:episode` is -1: no number.
    one(
        "podcastparser_episode_number_invalid.rss",
        Some("http://example.org/example.mp3"),
    ),
    one(
        "podcastparser_relative.rss",
        Some("https://fixtures.example/example.mp3"),
    ),
    Expect {
        file: "podcastparser_no_enclosure.rss",
        episodes: 3,
        first_enclosure: Some("https://fixtures.example/test.mp3"),
        last_enclosure: Some("https://fixtures.example/test2.ogg"),
        ..NONE
    },
    one(
        "podcastparser_leading_space_url.rss",
        Some("http://example.com/example.mp3"),
    ),
    one("podcastparser_itunes_episode_image.rss", None),
    Expect {
        file: "podcastparser_itunes_type.rss",
        episodes: 2,
        first_enclosure: Some("http://example.org/example2.mp3"),
        last_enclosure: Some("http://example.org/example1.mp3"),
        ..NONE
    },
    one("podcastparser_atom_content_encoded.rss", None),
    Expect {
        file: "podcastparser_paged_feed.rss",
        ..NONE
    },
    one(
        "podcastparser_simple.rss",
        Some("http://example.org/example.mp3"),
    ),
    // castero's feeds: three items, some without a title, enclosure or guid.
    Expect {
        file: "castero_valid_basic.xml",
        episodes: 3,
        first_enclosure: Some("http://example.com/myfeed_item1_title.mp3"),
        last_enclosure: Some("http://example.com/myfeed_item3_title.mp3"),
        ..NONE
    },
    Expect {
        file: "castero_valid_complete.xml",
        episodes: 3,
        first_enclosure: Some("http://example.com/myfeed_item1_title.mp3"),
        last_enclosure: Some("http://example.com/myfeed_item3_title.mp3"),
        ..NONE
    },
    Expect {
        file: "castero_valid_mixed_enclosures.xml",
        episodes: 3,
        first_enclosure: Some("http://example.com/myfeed_item1_title.mp3"),
        last_enclosure: Some("http://example.com/myfeed_item3_title.mp3"),
        ..NONE
    },
    // A second `<channel>` is not read.
    Expect {
        file: "castero_valid_two_channels.xml",
        episodes: 2,
        first_enclosure: Some("http://example.com/myfeed_item1_title.mp3"),
        last_enclosure: Some("http://example.com/myfeed_item2_title.mp3"),
        ..NONE
    },
    Expect {
        file: "castero_broken_no_version.xml",
        episodes: 3,
        ..NONE
    },
    Expect {
        file: "castero_broken_channel_children.xml",
        episodes: 3,
        ..NONE
    },
    // The second and third items have no title, guid, enclosure or date: the same identity, so
    // the third is dropped.
    Expect {
        file: "castero_broken_item_title.xml",
        episodes: 2,
        ..NONE
    },
    // Written for Earshot: an Atom podcast whose audio is in `<link rel="enclosure">`, one entry
    // with `<content type="XHTML">`, which feed-rs refuses (the whole document with it).
    Expect {
        file: "earshot_atom_enclosure_links.xml",
        episodes: 3,
        first_enclosure: Some("https://media.atom-radio.example/ep3.mp3"),
        last_enclosure: Some("https://media.atom-radio.example/ep1.ogg"),
        artwork: Some("https://atom-radio.example/logo.png"),
        ..NONE
    },
];

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/feeds")
}

fn base() -> Url {
    Url::parse(BASE).expect("base URL")
}

fn parse(file: &str) -> Result<ParsedFeed, String> {
    let body = std::fs::read(dir().join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
    parse_feed(&body, &base())
}

/// Checks one fixture; returns what is wrong with it.
fn check(expect: &Expect) -> Vec<String> {
    let file = expect.file;
    let mut wrong = Vec::new();
    let mut same = |what: &str, got: String, want: String| {
        if got != want {
            wrong.push(format!("{file}: {what}: got {got}, want {want}"));
        }
    };
    let feed = match (parse(file), expect.rejected) {
        (Err(reason), true) => {
            same(
                "refusal reason",
                reason.is_empty().to_string(),
                "false".into(),
            );
            return wrong;
        }
        (Ok(_), true) => {
            same("outcome", "parsed".into(), "refused".into());
            return wrong;
        }
        (Err(reason), false) => {
            same("outcome", format!("refused ({reason})"), "parsed".into());
            return wrong;
        }
        (Ok(feed), false) => feed,
    };
    let episodes = &feed.episodes;
    same(
        "episode count",
        episodes.len().to_string(),
        expect.episodes.to_string(),
    );
    let enclosure = |index: Option<usize>| {
        index
            .and_then(|i| episodes.get(i))
            .and_then(|e| e.enclosure_url.clone())
    };
    same(
        "first enclosure",
        format!("{:?}", enclosure(Some(0))),
        format!("{:?}", expect.first_enclosure),
    );
    same(
        "last enclosure",
        format!("{:?}", enclosure(episodes.len().checked_sub(1))),
        format!("{:?}", expect.last_enclosure),
    );
    same(
        "artwork",
        format!("{:?}", feed.artwork_url),
        format!("{:?}", expect.artwork),
    );
    same(
        "language",
        format!("{:?}", feed.language),
        format!("{:?}", expect.language),
    );
    same(
        "podcast:guid",
        format!("{:?}", feed.podcast_guid),
        format!("{:?}", expect.podcast_guid),
    );
    same(
        "new-feed URL",
        format!("{:?}", feed.new_feed_url),
        format!("{:?}", expect.new_feed_url),
    );
    same(
        "locked",
        format!("{:?}", feed.locked),
        format!("{:?}", expect.locked),
    );
    same(
        "funding",
        format!(
            "{:?}",
            feed.funding
                .iter()
                .map(|f| f.url.as_str())
                .collect::<Vec<_>>()
        ),
        format!("{:?}", expect.funding),
    );

    // Per-episode values: the named episode has exactly this; with `None`, no episode has any.
    let mut per_episode =
        |what: &str, at: Option<usize>, want: String, value: &dyn Fn(usize) -> Option<String>| {
            match at {
                Some(index) => same(
                    &format!("{what} of episode {index}"),
                    format!("{:?}", value(index)),
                    want,
                ),
                None => {
                    let some: Vec<usize> = (0..episodes.len())
                        .filter(|i| value(*i).is_some())
                        .collect();
                    same(
                        &format!("episodes with a {what}"),
                        format!("{some:?}"),
                        "[]".into(),
                    );
                }
            }
        };
    let duration = expect.duration;
    per_episode(
        "duration",
        duration.map(|d| d.0),
        format!("{:?}", duration.map(|d| d.1.to_string())),
        &|i| episodes[i].duration_secs.map(|d| d.to_string()),
    );
    let numbering = expect.numbering;
    per_episode(
        "season/episode",
        numbering.map(|n| n.0),
        format!("{:?}", numbering.map(|n| format!("{:?}", (n.1, n.2)))),
        &|i| {
            let e = &episodes[i];
            (e.season.is_some() || e.episode_number.is_some())
                .then(|| format!("{:?}", (e.season, e.episode_number)))
        },
    );
    let chapters = expect.chapters;
    per_episode(
        "chapters URL",
        chapters.map(|c| c.0),
        format!("{:?}", chapters.map(|c| c.1.to_string())),
        &|i| episodes[i].chapters_url.clone(),
    );
    let transcripts = expect.transcripts;
    per_episode(
        "transcript count",
        transcripts.map(|t| t.0),
        format!("{:?}", transcripts.map(|t| t.1.to_string())),
        &|i| {
            let count = episodes[i].transcripts.len();
            (count > 0).then(|| count.to_string())
        },
    );
    let persons = expect.persons;
    per_episode(
        "people",
        persons.map(|p| p.0),
        format!("{:?}", persons.map(|p| format!("{:?}", p.1))),
        &|i| {
            let names: Vec<&str> = episodes[i]
                .persons
                .iter()
                .map(|p| p.name.as_str())
                .collect();
            (!names.is_empty()).then(|| format!("{names:?}"))
        },
    );

    // Identity: unique within the feed, and the same on every read.
    let guids: Vec<&str> = episodes.iter().map(|e| e.guid.as_str()).collect();
    let unique: HashSet<&str> = guids.iter().copied().collect();
    same(
        "distinct identities",
        unique.len().to_string(),
        guids.len().to_string(),
    );
    if let Ok(again) = parse(file) {
        let again: Vec<&str> = again.episodes.iter().map(|e| e.guid.as_str()).collect();
        same(
            "identities on a second read",
            format!("{again:?}"),
            format!("{guids:?}"),
        );
    }
    wrong
}

#[test]
fn every_fixture_parses_to_what_its_xml_says() {
    let wrong: Vec<String> = CORPUS.iter().flat_map(check).collect();
    assert!(wrong.is_empty(), "\n{}", wrong.join("\n"));
}

#[test]
fn every_fixture_has_expectations() {
    let listed: BTreeSet<&str> = CORPUS.iter().map(|e| e.file).collect();
    assert_eq!(listed.len(), CORPUS.len(), "a fixture is listed twice");
    let mut files = BTreeSet::new();
    for entry in std::fs::read_dir(dir()).expect("fixture folder") {
        let path = entry.expect("fixture entry").path();
        if path.extension().is_some_and(|e| e == "xml" || e == "rss") {
            let name = path.file_name().and_then(|n| n.to_str()).expect("name");
            files.insert(name.to_string());
        }
    }
    let untested: Vec<&String> = files
        .iter()
        .filter(|f| !listed.contains(f.as_str()))
        .collect();
    assert!(
        untested.is_empty(),
        "fixtures without expectations: {untested:?}"
    );
    let missing: Vec<&&str> = listed.iter().filter(|f| !files.contains(**f)).collect();
    assert!(
        missing.is_empty(),
        "expectations without a fixture: {missing:?}"
    );
    assert!(files.len() >= 25, "only {} fixtures", files.len());
}

#[test]
fn a_feed_without_guids_is_identified_by_its_enclosures() {
    let feed = parse("podcastparser_no_enclosure.rss").expect("parses");
    let guids: Vec<&str> = feed.episodes.iter().map(|e| e.guid.as_str()).collect();
    // The middle item has neither guid nor enclosure nor date: its title.
    assert_eq!(
        guids,
        [
            "https://fixtures.example/test.mp3",
            "B",
            "https://fixtures.example/test2.ogg"
        ]
    );
}

#[test]
fn an_atom_podcast_plays_its_enclosure_links_and_keeps_its_xhtml_notes() {
    let feed = parse("earshot_atom_enclosure_links.xml").expect("parses");
    let files: Vec<_> = feed
        .episodes
        .iter()
        .map(|e| {
            (
                e.enclosure_url.as_deref(),
                e.enclosure_type.as_deref(),
                e.enclosure_length,
                e.link.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        files,
        [
            (
                Some("https://media.atom-radio.example/ep3.mp3"),
                Some("audio/mpeg"),
                Some(31_337_000),
                Some("https://atom-radio.example/3")
            ),
            (
                Some("https://media.atom-radio.example/ep2.m4a"),
                Some("audio/mp4"),
                Some(20_480_000),
                Some("https://atom-radio.example/2")
            ),
            (
                Some("https://media.atom-radio.example/ep1.ogg"),
                Some("audio/ogg"),
                None,
                Some("https://atom-radio.example/1")
            ),
        ]
    );
    let notes: Vec<String> = feed
        .episodes
        .iter()
        .map(|e| sanitize_notes(&e.notes, None))
        .collect();
    assert_eq!(
        notes,
        [
            "<div><p>Notes with <em>inline</em> markup.</p></div>",
            "<p>A relative enclosure under xml:base.</p>",
            "<p>Show notes: <a href=\"https://atom-radio.example/1/links\" \
             rel=\"noopener noreferrer nofollow\">https://atom-radio.example/1/links</a></p>",
        ]
    );
}
