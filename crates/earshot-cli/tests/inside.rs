//! `chapters`, `transcript` and transcript hits in `search`, through the real binary against a
//! loopback server: the JSON keys scripts read, fetching only what is not kept yet.

mod common;

use common::{cli, json};
use earshot_core::chapters::id3::write::{Chap, tag};
use earshot_testkit::{FixtureServer, Route, noise_mp3};
use serde_json::Value;

fn feed(base: &str) -> String {
    format!(
        r#"<?xml version="1.0"?><rss version="2.0" xmlns:podcast="https://podcastindex.org/namespace/1.0">
<channel><title>Inside Show</title><link>{base}</link><language>en</language><description>d</description>
<item><title>With everything</title><guid>inside-1</guid><pubDate>Tue, 24 Nov 2026 09:00:00 +0000</pubDate>
<enclosure url="{base}/audio/1.mp3" length="1" type="audio/mpeg"/>
<description>0:00 Notes intro 4:00 Notes end</description>
<podcast:chapters url="{base}/chapters.json" type="application/json+chapters"/>
<podcast:transcript url="{base}/t.srt" type="application/x-subrip" language="en"/>
</item>
<item><title>Tagged audio only</title><guid>inside-2</guid><pubDate>Mon, 23 Nov 2026 09:00:00 +0000</pubDate>
<enclosure url="{base}/audio/2.mp3" length="1" type="audio/mpeg"/><description>No times</description>
</item>
</channel></rss>"#
    )
}

const SRT: &str = "1\n00:00:00,000 --> 00:00:04,000\nSarah: Welcome to the show.\n\n\
                   2\n00:00:04,000 --> 00:00:09,500\nToday: sourdough fermentation, slowly.\n";

#[tokio::test(flavor = "multi_thread")]
async fn chapters_transcripts_and_spoken_search_hits() {
    let server = FixtureServer::start().await.expect("server");
    let base = server.base();
    server.route("/feed.xml", Route::ok("application/rss+xml", feed(&base)));
    server.route(
        "/chapters.json",
        Route::ok(
            "application/json+chapters",
            include_str!("../../../tests/fixtures/chapters/chapters.json"),
        ),
    );
    server.route("/t.srt", Route::ok("application/x-subrip", SRT));
    let chapters = [
        Chap {
            id: "a",
            start_ms: 0,
            end_ms: 30_000,
            title: "Tagged one",
            url: None,
            picture: None,
        },
        Chap {
            id: "b",
            start_ms: 30_000,
            end_ms: 60_000,
            title: "Tagged two",
            url: None,
            picture: None,
        },
    ];
    let mut mp3 = tag(3, &chapters, 0);
    mp3.extend(noise_mp3(200_000, 1));
    server.route("/audio/2.mp3", Route::ok("audio/mpeg", mp3));
    let dir = tempfile::tempdir().expect("dir");
    let data = dir.path().join("library");
    json(&data, &["subscribe", &server.url("/feed.xml")]);

    let listed = json(&data, &["chapters", "inside-1"]);
    let listed = listed.as_array().expect("an array");
    assert_eq!(listed.len(), 3);
    assert_eq!(listed[1]["title"], "How did Dynamo lose its DNS?");
    assert_eq!(listed[1]["start_secs"], 125.5);
    assert_eq!(listed[1]["source"], "podcast");
    let tagged = json(&data, &["chapters", "inside-2"]);
    assert_eq!(tagged[1]["title"], "Tagged two");
    assert_eq!(tagged[1]["start_secs"], 30.0);
    assert_eq!(tagged[1]["source"], "id3");

    let cues = json(&data, &["transcript", "inside-1"]);
    let cues = cues.as_array().expect("an array");
    assert_eq!(cues.len(), 2);
    assert_eq!(cues[0]["speaker"], "Sarah");
    assert_eq!(cues[0]["text"], "Welcome to the show.");
    assert_eq!(cues[1]["start_secs"], 4.0);
    assert_eq!(cues[1]["end_secs"], 9.5);
    assert_eq!(cues[1]["speaker"], "Sarah");
    // Nothing to read: an empty array, and a word on stderr.
    assert_eq!(
        json(&data, &["transcript", "inside-2"]),
        Value::Array(vec![])
    );
    let text = cli(&data, &["transcript", "inside-2"]);
    assert!(String::from_utf8_lossy(&text.stderr).contains("no transcript"));

    // Words only spoken.
    let found = json(&data, &["search", "sourdough"]);
    let hit = &found["episodes"][0];
    assert_eq!(hit["title"], "With everything");
    assert_eq!(hit["transcript_secs"], 4.0);
    assert_eq!(
        hit["transcript_text"],
        "Today: sourdough fermentation, slowly."
    );
    let notes = json(&data, &["search", "notes", "intro"]);
    assert!(notes["episodes"][0]["transcript_secs"].is_null());

    // Kept: asked again, nothing is fetched.
    let text = cli(&data, &["chapters", "inside-1"]);
    assert!(String::from_utf8_lossy(&text.stdout).contains("2:06  How did Dynamo lose its DNS?"));
    cli(&data, &["transcript", "inside-1"]);
    let asked = |path: &str| {
        server
            .requests()
            .iter()
            .filter(|r| r.split(' ').nth(1) == Some(path))
            .count()
    };
    assert_eq!(asked("/chapters.json"), 1);
    assert_eq!(asked("/t.srt"), 1);
    assert_eq!(asked("/audio/2.mp3"), 1);

    assert_eq!(cli(&data, &["chapters", "no-such"]).status.code(), Some(2));
}
