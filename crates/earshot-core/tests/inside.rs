//! Inside an episode, over loopback: chapters and transcripts fetched once and kept, read again
//! when the feed's address changes, bad input kept as a failure (so it is fetched, and logged,
//! once), the audio's head read with `Range` for its ID3 chapters (and a download read from
//! disk), transcripts found by library search with the time of their sentence, and the
//! background fetch after a refresh.

use std::path::Path;
use std::time::Duration;

use earshot_core::chapters::id3::write::{Chap, tag};
use earshot_core::library::KeptTranscript;
use earshot_core::transcript::RETRY_FAILED_SECS;
use earshot_core::{ChapterSource, Core, CoreConfig, EpisodeId, FetchOptions, ShowId};
use earshot_testkit::{FixtureServer, Route, noise_mp3};

const NOW: i64 = 1_800_000_000;
const DAY: i64 = 86_400;

const CHAPTERS_JSON: &str = include_str!("../../../tests/fixtures/chapters/chapters.json");
const VOICES_VTT: &str = include_str!("../../../tests/fixtures/transcripts/voices.vtt");
const WORDS_JSON: &str = include_str!("../../../tests/fixtures/transcripts/words.json");

/// One item of a feed: its guid (`ep-KEY`), what goes inside the `<item>` besides the title,
/// guid, date and enclosure.
struct Item<'a> {
    key: &'a str,
    extra: String,
    notes: &'a str,
}

fn feed(base: &str, items: &[Item<'_>]) -> String {
    let items: String = items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            format!(
                "<item><title>Episode {key}</title><guid>ep-{key}</guid><pubDate>{date}</pubDate>\
                 <itunes:duration>1:05:00</itunes:duration>\
                 <enclosure url=\"{base}/audio/{key}.mp3\" length=\"1\" type=\"audio/mpeg\"/>\
                 <description><![CDATA[{notes}]]></description>{extra}</item>",
                key = item.key,
                date = chrono::DateTime::from_timestamp(NOW - i as i64 * DAY, 0)
                    .map(|d| d.to_rfc2822())
                    .unwrap_or_default(),
                notes = item.notes,
                extra = item.extra,
            )
        })
        .collect();
    format!(
        "<?xml version=\"1.0\"?><rss version=\"2.0\" \
         xmlns:itunes=\"http://www.itunes.com/dtds/podcast-1.0.dtd\" \
         xmlns:podcast=\"https://podcastindex.org/namespace/1.0\"><channel><title>Inside</title>\
         <link>{base}</link><language>en</language><description>d</description>{items}\
         </channel></rss>"
    )
}

fn chapters_tag(base: &str) -> String {
    format!("<podcast:chapters url=\"{base}\" type=\"application/json+chapters\"/>")
}

fn transcript_tag(url: &str, mime: &str, language: Option<&str>) -> String {
    let language = language
        .map(|l| format!(" language=\"{l}\""))
        .unwrap_or_default();
    format!("<podcast:transcript url=\"{url}\" type=\"{mime}\"{language}/>")
}

/// An MP3: an ID3v2.4 tag with three chapters, then real MP3 frames.
fn mp3_with_chapters() -> Vec<u8> {
    let chapters = [
        Chap {
            id: "c0",
            start_ms: 0,
            end_ms: 60_000,
            title: "Cold open",
            url: None,
            picture: None,
        },
        Chap {
            id: "c1",
            start_ms: 60_000,
            end_ms: 1_800_000,
            title: "The interview",
            url: Some("https://example.com/guest"),
            picture: None,
        },
        Chap {
            id: "c2",
            start_ms: 1_800_000,
            end_ms: 3_900_000,
            title: "Listener mail",
            url: None,
            picture: None,
        },
    ];
    let mut file = tag(4, &chapters, 512);
    file.extend(noise_mp3(3 * 1024 * 1024, 7));
    file
}

async fn open(dir: &Path) -> Core {
    Core::open(CoreConfig {
        fetch: FetchOptions {
            connect_timeout: Duration::from_secs(2),
            read_timeout: Duration::from_secs(1),
            request_timeout: Duration::from_secs(5),
        },
        ..CoreConfig::new(dir)
    })
    .await
    .expect("core opens")
}

struct Setup {
    server: FixtureServer,
    _dir: tempfile::TempDir,
    core: Core,
    show: ShowId,
}

impl Setup {
    async fn new(items: impl Fn(&str) -> Vec<Item<'static>>) -> Self {
        let server = FixtureServer::start().await.expect("server");
        let base = server.base();
        server.route(
            "/feed.xml",
            Route::ok("application/rss+xml", feed(&base, &items(&base))),
        );
        let dir = tempfile::tempdir().expect("dir");
        let core = open(dir.path()).await;
        let show = core
            .subscribe(&server.url("/feed.xml"), NOW)
            .await
            .expect("subscribed")
            .id;
        Setup {
            server,
            _dir: dir,
            core,
            show,
        }
    }

    async fn episode(&self, key: &str) -> EpisodeId {
        let ids = self
            .core
            .library()
            .episodes_with_guid(&format!("ep-{key}"))
            .await
            .expect("read");
        ids[0]
    }

    /// How many requests for `path` the server has seen.
    fn asked(&self, path: &str) -> usize {
        self.server
            .requests()
            .iter()
            .filter(|r| r.split(' ').nth(1) == Some(path))
            .count()
    }
}

fn sources(chapters: &[earshot_core::Chapter]) -> Vec<ChapterSource> {
    chapters.iter().map(|c| c.source).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn chapters_come_from_the_best_source_and_are_fetched_once() {
    let setup = Setup::new(|base| {
        vec![
            Item {
                key: "json",
                extra: chapters_tag(&format!("{base}/chapters.json")),
                notes: "0:00 Notes intro 5:30 Notes middle",
            },
            Item {
                key: "id3",
                extra: String::new(),
                notes: "0:00 Not used 5:30 Either",
            },
            Item {
                key: "notes",
                extra: String::new(),
                notes: "<ul><li>0:00 Intro</li><li>5:30 How did Dynamo lose its DNS?</li></ul>",
            },
        ]
    })
    .await;
    let server = &setup.server;
    server.route(
        "/chapters.json",
        Route::ok("application/json+chapters", CHAPTERS_JSON),
    );
    server.route(
        "/audio/id3.mp3",
        Route::ok("audio/mpeg", mp3_with_chapters()),
    );
    server.route(
        "/audio/notes.mp3",
        Route::ok("audio/mpeg", noise_mp3(100_000, 3)),
    );
    let core = &setup.core;

    // The JSON document wins; the audio is never read for it.
    let json = setup.episode("json").await;
    let chapters = core.chapters_at(json, NOW).await.expect("chapters");
    let titles: Vec<&str> = chapters.iter().map(|c| c.title.as_str()).collect();
    assert_eq!(titles, ["Intro", "How did Dynamo lose its DNS?", "Wrap-up"]);
    assert_eq!(sources(&chapters), [ChapterSource::Podcast; 3]);
    assert_eq!(
        chapters[0].image.as_deref(),
        Some("https://example.com/intro.jpg")
    );
    // Kept: asked again, nothing is fetched.
    assert_eq!(core.chapters_at(json, NOW).await.expect("again"), chapters);
    assert_eq!(setup.asked("/chapters.json"), 1);
    assert_eq!(setup.asked("/audio/json.mp3"), 0);

    // ID3 chapters from the stream's head, read with a Range request and capped.
    let id3 = setup.episode("id3").await;
    let chapters = core.chapters_at(id3, NOW).await.expect("chapters");
    assert_eq!(sources(&chapters), [ChapterSource::Id3; 3]);
    assert_eq!(chapters[1].title, "The interview");
    assert_eq!(chapters[1].start_secs, 60.0);
    assert_eq!(
        chapters[1].url.as_deref(),
        Some("https://example.com/guest")
    );
    let asked: Vec<String> = server
        .requests()
        .into_iter()
        .filter(|r| r.contains("/audio/id3.mp3"))
        .collect();
    assert_eq!(asked, ["GET /audio/id3.mp3 bytes=0-2097151"]);
    core.chapters_at(id3, NOW).await.expect("again");
    assert_eq!(setup.asked("/audio/id3.mp3"), 1, "kept, not read again");

    // No chapters in the audio: the notes' timecodes.
    let notes = setup.episode("notes").await;
    let chapters = core.chapters_at(notes, NOW).await.expect("chapters");
    assert_eq!(sources(&chapters), [ChapterSource::Notes; 2]);
    assert_eq!(chapters[1].start_secs, 330.0);
    core.chapters_at(notes, NOW).await.expect("again");
    assert_eq!(setup.asked("/audio/notes.mp3"), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn podlove_chapters_kept_from_the_feed_come_before_the_audio_and_after_json() {
    let setup = Setup::new(|base| {
        vec![
            Item {
                key: "one-json",
                extra: chapters_tag(&format!("{base}/one.json")),
                notes: "",
            },
            Item {
                key: "tagged",
                extra: String::new(),
                notes: "",
            },
        ]
    })
    .await;
    let server = &setup.server;
    server.route(
        "/one.json",
        Route::ok(
            "application/json",
            r#"{"chapters": [{"startTime": 0, "title": "Only"}]}"#,
        ),
    );
    server.route(
        "/audio/tagged.mp3",
        Route::ok("audio/mpeg", mp3_with_chapters()),
    );
    let core = &setup.core;
    let psc = earshot_core::chapters::parse_psc(include_str!(
        "../../../tests/fixtures/chapters/psc_item.xml"
    ));
    let feed_url = server.url("/feed.xml");
    for key in ["one-json", "tagged"] {
        let id = setup.episode(key).await;
        core.library()
            .keep_feed_chapters(id, &feed_url, &psc, NOW)
            .await
            .expect("kept");
        let chapters = core.chapters_at(id, NOW).await.expect("chapters");
        assert_eq!(sources(&chapters), [ChapterSource::Psc; 3], "{key}");
    }
    // A JSON document of one chapter was read (and kept); the audio never was.
    assert_eq!(setup.asked("/one.json"), 1);
    assert_eq!(setup.asked("/audio/tagged.mp3"), 0);
    // The feed drops them: the audio's own chapters.
    let tagged = setup.episode("tagged").await;
    core.library()
        .keep_feed_chapters(tagged, &feed_url, &[], NOW)
        .await
        .expect("forgotten");
    let chapters = core.chapters_at(tagged, NOW).await.expect("chapters");
    assert_eq!(sources(&chapters), [ChapterSource::Id3; 3]);
}

#[tokio::test(flavor = "multi_thread")]
async fn podlove_chapters_written_in_the_feed_are_read_by_the_refresh_and_follow_it() {
    const PSC: &str = "<psc:chapters xmlns:psc=\"http://podlove.org/simple-chapters\" version=\"1.2\">\
        <psc:chapter start=\"00:00:00.000\" title=\"Welcome\"/>\
        <psc:chapter start=\"12:30\" title=\"The &amp; part\" href=\"https://show.example/12\"/>\
        <psc:chapter start=\"1800\" title=\"Goodbye\"/></psc:chapters>";
    let setup = Setup::new(|_| {
        vec![
            Item {
                key: "podlove",
                extra: PSC.to_string(),
                notes: "0:00 Notes intro 5:00 Notes middle",
            },
            Item {
                key: "plain",
                extra: String::new(),
                notes: "",
            },
        ]
    })
    .await;
    let core = &setup.core;
    let id = setup.episode("podlove").await;
    let chapters = core.chapters_at(id, NOW).await.expect("chapters");
    assert_eq!(sources(&chapters), [ChapterSource::Psc; 3]);
    let titles: Vec<&str> = chapters.iter().map(|c| c.title.as_str()).collect();
    assert_eq!(titles, ["Welcome", "The & part", "Goodbye"]);
    assert_eq!(chapters[1].start_secs, 750.0);
    assert_eq!(chapters[1].url.as_deref(), Some("https://show.example/12"));
    // Nothing was fetched for them: they came with the feed.
    assert_eq!(setup.server.requests().len(), 1, "only the feed");
    let plain = setup.episode("plain").await;
    assert!(core.chapters_at(plain, NOW).await.expect("none").is_empty());

    // The feed drops them: the refresh forgets them, and the notes' timecodes are next.
    let base = setup.server.base();
    setup.server.route(
        "/feed.xml",
        Route::ok(
            "application/rss+xml",
            feed(
                &base,
                &[
                    Item {
                        key: "podlove",
                        extra: String::new(),
                        notes: "0:00 Notes intro 5:00 Notes middle",
                    },
                    Item {
                        key: "plain",
                        extra: String::new(),
                        notes: "",
                    },
                ],
            ),
        ),
    );
    core.refresh_show(setup.show, NOW + 3600)
        .await
        .expect("refreshed");
    let chapters = core.chapters_at(id, NOW + 3600).await.expect("chapters");
    assert_eq!(sources(&chapters), [ChapterSource::Notes; 2]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_server_that_ignores_range_is_read_no_further_than_the_cap() {
    let setup = Setup::new(|_| {
        vec![Item {
            key: "big",
            extra: String::new(),
            notes: "",
        }]
    })
    .await;
    setup.server.route(
        "/audio/big.mp3",
        Route::ok("audio/mpeg", mp3_with_chapters()).ignoring_range(),
    );
    let id = setup.episode("big").await;
    let chapters = setup.core.chapters_at(id, NOW).await.expect("chapters");
    assert_eq!(sources(&chapters), [ChapterSource::Id3; 3]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_downloaded_episode_is_read_from_disk() {
    let setup = Setup::new(|_| {
        vec![Item {
            key: "disk",
            extra: String::new(),
            notes: "",
        }]
    })
    .await;
    setup.server.route(
        "/audio/disk.mp3",
        Route::ok("audio/mpeg", mp3_with_chapters()),
    );
    let id = setup.episode("disk").await;
    let downloads = setup.core.downloads();
    downloads.enqueue(id, false, NOW).await.expect("queued");
    downloads.fetch(id, NOW).await.expect("downloaded");
    let before = setup.asked("/audio/disk.mp3");
    let chapters = setup.core.chapters_at(id, NOW).await.expect("chapters");
    assert_eq!(sources(&chapters), [ChapterSource::Id3; 3]);
    assert_eq!(setup.asked("/audio/disk.mp3"), before, "read from the file");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_changed_address_is_fetched_again() {
    let items = |base: &str, chapters: &str, transcript: &str| {
        vec![Item {
            key: "moving",
            extra: format!(
                "{}{}",
                chapters_tag(&format!("{base}{chapters}")),
                transcript_tag(&format!("{base}{transcript}"), "text/vtt", None)
            ),
            notes: "",
        }]
    };
    let setup = Setup::new(|base| items(base, "/c1.json", "/t1.vtt")).await;
    let server = &setup.server;
    let base = server.base();
    server.route("/c1.json", Route::ok("application/json", CHAPTERS_JSON));
    server.route(
        "/c2.json",
        Route::ok(
            "application/json",
            r#"{"chapters": [{"startTime": 0, "title": "New one"}, {"startTime": 9, "title": "New two"}]}"#,
        ),
    );
    server.route("/t1.vtt", Route::ok("text/vtt", VOICES_VTT));
    server.route(
        "/t2.vtt",
        Route::ok(
            "text/vtt",
            "WEBVTT\n\n00:00.000 --> 00:02.000\nA new transcript\n",
        ),
    );
    let core = &setup.core;
    let id = setup.episode("moving").await;
    assert_eq!(core.chapters_at(id, NOW).await.expect("chapters").len(), 3);
    let first = core
        .transcript_at(id, NOW)
        .await
        .expect("read")
        .expect("a transcript");
    assert_eq!(first.cues.len(), 5);
    assert_eq!(first.language.as_deref(), Some("en"), "the show's language");

    server.route(
        "/feed.xml",
        Route::ok(
            "application/rss+xml",
            feed(&base, &items(&base, "/c2.json", "/t2.vtt")),
        ),
    );
    core.refresh_show(setup.show, NOW + 60)
        .await
        .expect("refreshed");
    let chapters = core.chapters_at(id, NOW + 60).await.expect("chapters");
    let titles: Vec<&str> = chapters.iter().map(|c| c.title.as_str()).collect();
    assert_eq!(titles, ["New one", "New two"]);
    let second = core
        .transcript_at(id, NOW + 60)
        .await
        .expect("read")
        .expect("a transcript");
    assert_eq!(second.cues[0].text, "A new transcript");
    assert!(second.url.ends_with("/t2.vtt"));
    for path in ["/c1.json", "/c2.json", "/t1.vtt", "/t2.vtt"] {
        assert_eq!(setup.asked(path), 1, "{path}");
    }
    // The old words left the index with the old transcript.
    let found = core.search("absolutely", 10).await.expect("search");
    assert!(found.episodes.is_empty());
    let found = core.search("new transcript", 10).await.expect("search");
    assert_eq!(found.episodes[0].transcript_secs, Some(0.0));
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_input_is_remembered_and_not_fetched_on_every_open() {
    let setup = Setup::new(|base| {
        let item = |key: &'static str, mime: &str| Item {
            key,
            extra: format!(
                "{}{}",
                chapters_tag(&format!("{base}/chapters/{key}")),
                transcript_tag(&format!("{base}/transcripts/{key}"), mime, None)
            ),
            notes: "0:00 Still here 10:00 From the notes",
        };
        vec![
            item("missing", "text/vtt"),
            item("page", "text/vtt"),
            item("stalled", "application/json"),
            item("huge", "text/vtt"),
            item("malformed", "application/json"),
            item("messy", "text/vtt"),
        ]
    })
    .await;
    let server = &setup.server;
    let page = "<!DOCTYPE html><html><body><p>Sign in to the Wi-Fi</p></body></html>";
    server.route("/chapters/missing", Route::status(404));
    server.route("/transcripts/missing", Route::status(404));
    server.route("/chapters/page", Route::ok("text/html", page));
    server.route("/transcripts/page", Route::ok("text/html", page));
    server.route("/chapters/stalled", Route::stall());
    server.route("/transcripts/stalled", Route::stall());
    server.route(
        "/chapters/huge",
        Route::ok("application/json", vec![b' '; 1_100_000]),
    );
    server.route(
        "/transcripts/huge",
        Route::ok("text/vtt", vec![b'x'; 10_100_000]),
    );
    server.route(
        "/chapters/malformed",
        Route::ok("application/json", "{\"chapters\": [{"),
    );
    server.route(
        "/transcripts/malformed",
        Route::ok("application/json", "{\"segments\": [1, "),
    );
    // Out of order, past the end, overlapping, an unknown voice: what is good is kept.
    server.route(
        "/transcripts/messy",
        Route::ok(
            "text/vtt",
            "WEBVTT\n\n00:10.000 --> 00:20.000\n<v>Second\n\n00:00.000 --> 00:15.000\n\
             <v Ana>First, overlapping\n\n10:00:00.000 --> 10:00:01.000\nPast the end\n",
        ),
    );
    server.route(
        "/chapters/messy",
        Route::ok("application/json", CHAPTERS_JSON),
    );
    let core = &setup.core;
    for key in ["missing", "page", "stalled", "huge", "malformed"] {
        let id = setup.episode(key).await;
        // The notes still give chapters, and there is simply no transcript.
        let chapters = core.chapters_at(id, NOW).await.expect("chapters");
        assert_eq!(sources(&chapters), [ChapterSource::Notes; 2], "{key}");
        assert_eq!(
            core.transcript_at(id, NOW).await.expect("read"),
            None,
            "{key}"
        );
        match core.library().kept_transcript(id).await.expect("kept") {
            Some(KeptTranscript::Failed { error, .. }) => assert!(!error.is_empty(), "{key}"),
            other => panic!("{key}: {other:?}"),
        }
        // Opened again: nothing fetched (and so nothing logged) again.
        core.chapters_at(id, NOW + 60).await.expect("chapters");
        core.transcript_at(id, NOW + 60).await.expect("read");
        assert_eq!(setup.asked(&format!("/chapters/{key}")), 1, "{key}");
        assert_eq!(setup.asked(&format!("/transcripts/{key}")), 1, "{key}");
    }
    // After a while, tried again.
    let missing = setup.episode("missing").await;
    server.route(
        "/transcripts/missing",
        Route::ok(
            "text/vtt",
            "WEBVTT\n\n00:01.000 --> 00:02.000\nBack at last\n",
        ),
    );
    let later = NOW + RETRY_FAILED_SECS + 1;
    let back = core
        .transcript_at(missing, later)
        .await
        .expect("read")
        .expect("now read");
    assert_eq!(back.cues[0].text, "Back at last");
    assert_eq!(setup.asked("/transcripts/missing"), 2);

    let messy = setup.episode("messy").await;
    let transcript = core
        .transcript_at(messy, NOW)
        .await
        .expect("read")
        .expect("kept");
    let cues: Vec<(f64, f64, Option<&str>, &str)> = transcript
        .cues
        .iter()
        .map(|c| {
            (
                c.start_secs,
                c.end_secs,
                c.speaker.as_deref(),
                c.text.as_str(),
            )
        })
        .collect();
    assert_eq!(
        cues,
        [
            (0.0, 10.0, Some("Ana"), "First, overlapping"),
            (10.0, 20.0, None, "Second")
        ]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn words_only_spoken_are_found_with_the_time_of_their_sentence() {
    let setup = Setup::new(|base| {
        vec![
            Item {
                key: "vtt",
                extra: transcript_tag(&format!("{base}/t.vtt"), "text/vtt", Some("en")),
                notes: "Nothing about it here",
            },
            Item {
                key: "json",
                extra: format!(
                    "{}{}",
                    transcript_tag(&format!("{base}/de.json"), "application/json", Some("xx")),
                    transcript_tag(&format!("{base}/en.json"), "application/json", Some("en"))
                ),
                notes: "Notes",
            },
        ]
    })
    .await;
    let server = &setup.server;
    server.route("/t.vtt", Route::ok("text/vtt", VOICES_VTT));
    server.route("/en.json", Route::ok("application/json", WORDS_JSON));
    server.route("/de.json", Route::status(500));
    let core = &setup.core;

    // Not fetched yet: not found.
    assert!(
        core.search("triggering", 10)
            .await
            .expect("search")
            .episodes
            .is_empty()
    );

    // In the background after a refresh: newest first, politely, once.
    let report = core.fetch_transcripts(NOW, 10).await.expect("fetched");
    assert_eq!(report.fetched.len(), 2);
    assert!(report.failed.is_empty());
    assert_eq!(setup.asked("/de.json"), 0, "the show's language was chosen");
    let again = core.fetch_transcripts(NOW, 10).await.expect("fetched");
    assert!(again.fetched.is_empty() && again.failed.is_empty());

    let vtt = setup.episode("vtt").await;
    let found = core.search("absolutely feat", 10).await.expect("search");
    assert_eq!(found.episodes.len(), 1);
    let hit = &found.episodes[0];
    assert_eq!(hit.id, vtt);
    assert_eq!(hit.transcript_secs, Some(5.0));
    assert_eq!(
        hit.transcript_text.as_deref(),
        Some("Yeah, absolutely. The new features & more.")
    );
    // Word-level JSON, merged: the sentence's start.
    let found = core.search("father", 10).await.expect("search");
    assert_eq!(found.episodes[0].transcript_secs, Some(0.5));
    assert_eq!(
        found.episodes[0].transcript_text.as_deref(),
        Some("I am your father.")
    );
    // A notes or title match carries no time.
    let found = core.search("nothing about", 10).await.expect("search");
    assert_eq!(found.episodes[0].transcript_secs, None);

    // Unsubscribed: gone from the index too.
    core.unsubscribe(setup.show).await.expect("unsubscribed");
    assert!(
        core.search("absolutely", 10)
            .await
            .expect("search")
            .episodes
            .is_empty()
    );
    core.search("anything", 10).await.expect("search");
    let search_file = setup._dir.path().join("earshot-search.db");
    let index = sqlx::SqlitePool::connect(&format!("sqlite:{}", search_file.display()))
        .await
        .expect("search file");
    let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM transcripts_fts_docsize")
        .fetch_one(&index)
        .await
        .expect("counted");
    assert_eq!(left, 0, "the transcripts' words left the index");
}
