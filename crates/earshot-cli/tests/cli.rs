//! The real `earshot-cli` binary against a loopback server and a real library folder: every
//! command, its `--json` shape and its exit status.

use std::path::Path;

mod common;

use common::{cli, json};
use earshot_testkit::{FixtureServer, Route, noise_mp3};
use serde_json::Value;

fn fixture_feed(base: &str, title: &str) -> String {
    earshot_testkit::fixture_show(base, title, &format!("cli-{title}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn every_command_end_to_end() {
    let server = FixtureServer::start().await.expect("server");
    let base = server.base();
    server.route(
        "/a.xml",
        Route::ok("application/rss+xml", fixture_feed(&base, "Alpha Show")),
    );
    server.route(
        "/b.xml",
        Route::ok("application/rss+xml", fixture_feed(&base, "Beta Show")),
    );
    server.route("/gone.xml", Route::status(404));
    let dir = tempfile::tempdir().expect("dir");
    let data = dir.path().join("library");

    // subscribe
    let show = json(&data, &["subscribe", &server.url("/a.xml")]);
    assert_eq!(show["title"], "Alpha Show");
    assert_eq!(show["episodeCount"], 24);
    let alpha_id = show["id"].as_i64().expect("id");

    // A bad address is a bad argument; a dead feed is reported, not fatal.
    assert_eq!(
        cli(&data, &["subscribe", "not a url"]).status.code(),
        Some(2)
    );
    let dead = json(&data, &["subscribe", &server.url("/gone.xml")]);
    assert_eq!(dead["error"]["code"], "http_status");

    // import: one new, one already there, one broken entry; --refresh fetches the new one.
    let opml = dir.path().join("in.opml");
    std::fs::write(
        &opml,
        format!(
            r#"<?xml version="1.0"?><opml version="2.0"><body><outline text="Podcasts">
            <outline type="rss" text="Beta (from OPML)" xmlUrl="{b}"/>
            <outline type="rss" text="Alpha again" xmlUrl="{a}"/>
            <outline type="rss" text="Nonsense" xmlUrl="mailto:x@y.z"/>
            </outline></body></opml>"#,
            a = server.url("/a.xml"),
            b = server.url("/b.xml")
        ),
    )
    .expect("opml written");
    let imported = json(
        &data,
        &["import", opml.to_str().expect("path"), "--refresh"],
    );
    assert_eq!(imported["added"].as_array().map(Vec::len), Some(1));
    assert_eq!(imported["already_subscribed"], 1);
    assert_eq!(imported["problems"][0]["entry"], "Nonsense");
    assert_eq!(imported["refresh"][0]["outcome"], "updated");
    assert_eq!(imported["refresh"][0]["new_episodes"], 24);

    // list
    let list = json(&data, &["list"]);
    let titles: Vec<&str> = list
        .as_array()
        .expect("array")
        .iter()
        .map(|s| s["title"].as_str().expect("title"))
        .collect();
    assert_eq!(titles, vec!["Alpha Show", "Beta Show"]);
    for show in list.as_array().expect("array") {
        assert_eq!(show["episode_count"], 24);
        assert!(show["last_error"].is_null());
        assert!(show["feed_url"].as_str().expect("url").starts_with(&base));
    }

    // episodes, by id and by address
    let episodes = json(&data, &["episodes", &alpha_id.to_string()]);
    let by_url = json(&data, &["episodes", &server.url("/a.xml")]);
    assert_eq!(episodes, by_url);
    let first = &episodes[0];
    assert_eq!(first["guid"], "backend-show-024");
    assert!(first["published"].as_str().expect("date").starts_with("20"));
    assert!(first["duration_secs"].as_f64().expect("duration") > 0.0);
    assert!(
        first["enclosure_url"]
            .as_str()
            .expect("url")
            .starts_with(&base)
    );
    assert_eq!(first["enclosure_type"], "audio/mpeg");
    assert_eq!(episodes.as_array().map(Vec::len), Some(24));
    assert_eq!(cli(&data, &["episodes", "999"]).status.code(), Some(2));

    // search
    let found = json(&data, &["search", "beta"]);
    assert_eq!(found["shows"][0]["title"], "Beta Show");

    // refresh: one feed breaks; the others are fine; exit status 0.
    server.route("/b.xml", Route::status(500));
    let refreshed = json(&data, &["refresh"]);
    let refreshed = &refreshed["shows"];
    let outcomes: Vec<(&str, &str)> = refreshed
        .as_array()
        .expect("array")
        .iter()
        .map(|r| {
            (
                r["feed_url"].as_str().expect("url"),
                r["outcome"].as_str().expect("outcome"),
            )
        })
        .collect();
    assert!(outcomes.contains(&(server.url("/a.xml").as_str(), "not_modified")));
    assert!(outcomes.contains(&(server.url("/b.xml").as_str(), "error")));
    let failed = refreshed
        .as_array()
        .expect("array")
        .iter()
        .find(|r| r["outcome"] == "error")
        .expect("the failure");
    assert!(failed["error"].as_str().expect("message").contains("500"));
    let list = json(&data, &["list"]);
    assert!(
        list.as_array()
            .expect("array")
            .iter()
            .any(|s| s["last_error"].as_str().is_some_and(|e| e.contains("500")))
    );
    // One show by address.
    let one = json(&data, &["refresh", &server.url("/a.xml")]);
    assert_eq!(one["shows"].as_array().map(Vec::len), Some(1));

    // export, then import into a fresh library: same subscriptions.
    let out = dir.path().join("out.opml");
    let exported = json(&data, &["export", out.to_str().expect("path")]);
    assert_eq!(exported["shows"], 2);
    let stdout = cli(&data, &["export"]);
    assert!(String::from_utf8_lossy(&stdout.stdout).contains("<opml version=\"2.0\">"));
    let other = dir.path().join("other");
    let again = json(&other, &["import", out.to_str().expect("path")]);
    assert_eq!(again["added"].as_array().map(Vec::len), Some(2));

    // unsubscribe
    let gone = json(&data, &["unsubscribe", &alpha_id.to_string()]);
    assert_eq!(gone["title"], "Alpha Show");
    assert_eq!(json(&data, &["list"]).as_array().map(Vec::len), Some(1));
    assert_eq!(
        json(&data, &["search", "alpha"])["episodes"]
            .as_array()
            .map(Vec::len),
        Some(0)
    );

    // Human output works too.
    let human = cli(&data, &["list"]);
    assert!(human.status.success());
    assert!(String::from_utf8_lossy(&human.stdout).contains("Beta Show"));
}

#[test]
fn an_unusable_library_is_fatal() {
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("not-a-folder");
    std::fs::write(&file, "x").expect("file");
    let output = cli(&file, &["list"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(!output.stderr.is_empty());
}

#[test]
fn bad_arguments_exit_2() {
    let dir = tempfile::tempdir().expect("dir");
    assert_eq!(cli(dir.path(), &["frobnicate"]).status.code(), Some(2));
    assert_eq!(
        cli(dir.path(), &["import", "/no/such/file.opml"])
            .status
            .code(),
        Some(2)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn download_resumes_lists_and_deletes() {
    let server = FixtureServer::start().await.expect("server");
    let base = server.base();
    server.route(
        "/feed.xml",
        Route::ok("application/rss+xml", fixture_feed(&base, "Offline Show")),
    );
    let body = noise_mp3(2_000_000, 7);
    server.route(
        "/audio/episode-024.mp3",
        Route::ok("audio/mpeg", body.clone())
            .with_header("ETag", "\"e24\"")
            .reset_after(700_000),
    );
    let dir = tempfile::tempdir().expect("dir");
    let data = dir.path().join("library");
    let folder = dir.path().join("My Downloads");
    json(&data, &["subscribe", &server.url("/feed.xml")]);
    let folder_arg = folder.to_string_lossy().into_owned();

    // Cut off part-way: exit 3, a clear message, and the part kept for next time.
    let cut = cli(
        &data,
        &[
            "--download-dir",
            &folder_arg,
            "download",
            "backend-show-024",
        ],
    );
    let stderr = String::from_utf8_lossy(&cut.stderr);
    assert_eq!(cut.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("Download failed"), "{stderr}");
    assert!(stderr.contains("continue"), "{stderr}");
    let listed = json(&data, &["downloads"]);
    assert_eq!(listed["downloads"][0]["state"], "failed");
    let partial = listed["downloads"][0]["bytes_done"]
        .as_u64()
        .expect("bytes");
    assert!(partial > 0, "{listed}");

    // Run again: it continues from where it stopped and the file is whole.
    server.route(
        "/audio/episode-024.mp3",
        Route::ok("audio/mpeg", body.clone()).with_header("ETag", "\"e24\""),
    );
    let output = cli(
        &data,
        &[
            "--json",
            "--download-dir",
            &folder_arg,
            "download",
            "backend-show-024",
        ],
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let progress = String::from_utf8_lossy(&output.stderr);
    assert!(progress.contains("%"), "progress on stderr: {progress}");
    let done: Value = serde_json::from_slice(&output.stdout).expect("json");
    assert_eq!(done["state"], "done");
    let path = done["path"].as_str().expect("path").to_string();
    assert!(path.starts_with(&folder_arg), "{path}");
    assert!(
        path.contains("Offline Show") && path.ends_with(".mp3"),
        "{path}"
    );
    assert_eq!(std::fs::read(&path).expect("file"), body);
    assert!(
        server
            .requests()
            .iter()
            .any(|r| r == &format!("GET /audio/episode-024.mp3 bytes={partial}-")),
        "{:?}",
        server.requests()
    );

    // Listed with the space it takes; deleted by id.
    let listed = json(&data, &["downloads"]);
    assert_eq!(listed["total_bytes"], 2_000_000);
    assert_eq!(listed["shows"][0]["showTitle"], "Offline Show");
    let id = listed["downloads"][0]["episode_id"].as_i64().expect("id");
    let deleted = json(&data, &["delete-download", &id.to_string()]);
    assert_eq!(deleted["deleted"], id);
    assert!(!Path::new(&path).exists());
    assert_eq!(
        json(&data, &["downloads"])["downloads"],
        Value::Array(vec![])
    );

    // An unknown episode is a bad argument; a web page instead of audio is a failed download.
    assert_eq!(
        cli(&data, &["download", "no-such-guid"]).status.code(),
        Some(2)
    );
    server.route(
        "/audio/episode-023.mp3",
        Route::ok("text/html", "<html><body>Log in to the Wi-Fi</body></html>"),
    );
    let portal = cli(&data, &["download", "backend-show-023"]);
    assert_eq!(portal.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&portal.stderr).contains("sent no audio"));
    // Without --download-dir, files go to <data dir>/downloads.
    server.route(
        "/audio/episode-022.mp3",
        Route::ok("audio/mpeg", noise_mp3(50_000, 7)),
    );
    let default = json(&data, &["download", "backend-show-022"]);
    assert!(
        default["path"]
            .as_str()
            .expect("path")
            .starts_with(&data.join("downloads").to_string_lossy().into_owned())
    );
}

/// The fixture show with one more episode on top, as a publisher's next release.
fn with_new_episode(feed: &str, base: &str) -> String {
    let item = format!(
        "<item>\n      <title>25: A new one</title>\n      <guid isPermaLink=\"false\">backend-show-025</guid>\n      \
         <pubDate>Wed, 25 Nov 2026 09:00:00 +0000</pubDate>\n      \
         <enclosure url=\"{base}/audio/episode-025.mp3\" length=\"50000\" type=\"audio/mpeg\"/>\n    </item>\n    <item>"
    );
    feed.replacen("<item>", &item, 1)
}

#[tokio::test(flavor = "multi_thread")]
async fn refresh_follows_with_the_app_s_downloads_and_disk_rules() {
    let server = FixtureServer::start().await.expect("server");
    let base = server.base();
    let feed = fixture_feed(&base, "Kept Show");
    server.route("/feed.xml", Route::ok("application/rss+xml", feed.clone()));
    for (n, seed) in [(23, 1), (24, 2), (25, 3)] {
        server.route(
            &format!("/audio/episode-0{n}.mp3"),
            Route::ok("audio/mpeg", noise_mp3(50_000, seed)),
        );
    }
    let dir = tempfile::tempdir().expect("dir");
    let data = dir.path().join("library");
    let show = json(&data, &["subscribe", &server.url("/feed.xml")]);
    let show_id = show["id"].to_string();

    // "Keep the newest 1": the newest episode is fetched at once.
    let kept = json(&data, &["keep", &show_id, "1"]);
    assert_eq!(kept["fetched"].as_array().map(Vec::len), Some(1), "{kept}");

    // A new episode comes out: the refresh fetches it, as the app's would.
    server.route(
        "/feed.xml",
        Route::ok("application/rss+xml", with_new_episode(&feed, &base)),
    );
    let refreshed = json(&data, &["refresh"]);
    assert_eq!(refreshed["shows"][0]["new_episodes"], 1, "{refreshed}");
    let fetched = refreshed["downloads"]["fetched"]
        .as_array()
        .expect("fetched");
    assert_eq!(fetched.len(), 1, "{refreshed}");
    let listed = json(&data, &["downloads"]);
    let titles: Vec<&str> = listed["downloads"]
        .as_array()
        .expect("downloads")
        .iter()
        .filter(|d| d["state"] == "done")
        .map(|d| d["title"].as_str().expect("title"))
        .collect();
    assert_eq!(titles.len(), 2, "{listed}");
    assert!(titles.iter().any(|t| t.contains("A new one")), "{listed}");

    // The app's storage limit (in its settings file) applies to a CLI refresh too: 60 kB
    // holds one 50 kB episode, so the older automatic download goes.
    std::fs::write(
        data.join("settings.json"),
        r#"{ "storageLimitGb": 0.00006, "theme": "dark" }"#,
    )
    .expect("settings");
    let tidied = json(&data, &["refresh"]);
    assert_eq!(
        tidied["downloads"]["removed"].as_array().map(Vec::len),
        Some(1),
        "{tidied}"
    );
    let listed = json(&data, &["downloads"]);
    let done: Vec<&Value> = listed["downloads"]
        .as_array()
        .expect("downloads")
        .iter()
        .filter(|d| d["state"] == "done")
        .collect();
    assert_eq!(done.len(), 1, "{listed}");
    assert!(
        done[0]["title"]
            .as_str()
            .is_some_and(|t| t.contains("A new one")),
        "{listed}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_feed_claiming_a_followed_show_is_named_and_can_be_followed_separately() {
    let server = FixtureServer::start().await.expect("server");
    let base = server.base();
    // Two addresses, two titles, one podcast:guid (copied from a template).
    server.route(
        "/one.xml",
        Route::ok("application/rss+xml", fixture_feed(&base, "One Show")),
    );
    server.route(
        "/two.xml",
        Route::ok(
            "application/rss+xml",
            fixture_feed(&base, "Two Show").replace("cli-Two Show", "cli-One Show"),
        ),
    );
    let dir = tempfile::tempdir().expect("dir");
    let data = dir.path().join("library");
    json(&data, &["subscribe", &server.url("/one.xml")]);
    let refused = json(&data, &["subscribe", &server.url("/two.xml")]);
    assert_eq!(
        refused["error"]["code"], "claims_followed_show",
        "{refused}"
    );
    assert!(
        refused["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("“One Show”")),
        "{refused}"
    );
    let text = cli(&data, &["subscribe", &server.url("/two.xml")]);
    assert!(
        String::from_utf8_lossy(&text.stderr).contains("already follow"),
        "{}",
        String::from_utf8_lossy(&text.stderr)
    );
    let separate = json(
        &data,
        &["subscribe", "--separately", &server.url("/two.xml")],
    );
    assert_eq!(separate["title"], "Two Show", "{separate}");
    assert_eq!(json(&data, &["list"]).as_array().map(Vec::len), Some(2));
}
