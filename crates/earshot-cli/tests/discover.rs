//! `earshot-cli discover` against the three directories served from a loopback server (the
//! fixtures in `tests/fixtures/directory/`): its `--json` shape, its notes and exit status.

use std::path::Path;
use std::process::{Command, Output};

use earshot_testkit::{FixtureServer, Route};
use serde_json::Value;

const KEY: &str = "CLIKEY";
const SECRET: &str = "CLISECRET";

fn fixture(base: &str, name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/directory")
        .join(name);
    std::fs::read_to_string(path)
        .expect("fixture")
        .replace("{{BASE}}", base)
}

async fn directories() -> FixtureServer {
    let server = FixtureServer::start().await.expect("server");
    let base = server.base();
    let apple = |name: &str| Route::ok("text/javascript; charset=utf-8", fixture(&base, name));
    let json = |name: &str| Route::ok("application/json", fixture(&base, name));
    server.route("/search?term=rust", apple("itunes-search-rust.json"));
    server.route(
        "/0.2/search/podcast?term=rust",
        json("fyyd-search-rust.json"),
    );
    server.route(
        "/search/byterm?q=rust",
        json("podcastindex-search-rust.json").requiring(|h| {
            h.get("x-auth-key").map(String::as_str) == Some(KEY)
                && h.get("x-auth-date").is_some_and(|d| {
                    h.get("authorization").map(String::as_str)
                        == Some(
                            earshot_core::directory::podcast_index_signature(
                                KEY,
                                SECRET,
                                d.parse().unwrap_or(0),
                            )
                            .as_str(),
                        )
                })
        }),
    );
    server.route(
        "/us/rss/toppodcasts/limit=50/genre=1318/json",
        apple("itunes-top-technology.json"),
    );
    server.route(
        "/lookup?id=1000000001,1000000002,1000000003,1000000099",
        apple("itunes-lookup-technology.json"),
    );
    server.route(
        "/podcasts/trending?cat=Technology",
        json("podcastindex-trending-technology.json"),
    );
    server.route(
        "/feeds/backend-hour.xml",
        Route::ok(
            "application/rss+xml",
            earshot_testkit::fixture_show(&base, "The Backend Hour", "cli-discover"),
        ),
    );
    server
}

fn cli(server: &FixtureServer, data: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_earshot-cli"))
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .env_remove("RUST_LOG")
        .env("EARSHOT_ITUNES_URL", server.base())
        .env("EARSHOT_FYYD_URL", server.base())
        .env("EARSHOT_PODCASTINDEX_URL", server.base())
        .env("EARSHOT_PODCASTINDEX_KEY", KEY)
        .env("EARSHOT_PODCASTINDEX_SECRET", SECRET)
        .env("EARSHOT_DIRECTORY_TIMEOUT_MS", "2000")
        .output()
        .expect("earshot-cli runs")
}

fn json(output: &Output) -> Value {
    assert!(
        output.status.success(),
        "failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("JSON on stdout")
}

fn library(dir: &Path) -> std::path::PathBuf {
    let data = dir.join("library");
    std::fs::create_dir_all(&data).expect("data dir");
    std::fs::write(
        data.join("settings.json"),
        r#"{ "discoverCountry": "us", "theme": "dark" }"#,
    )
    .expect("settings");
    data
}

const KEYS: [&str; 8] = [
    "title",
    "author",
    "feed_url",
    "artwork_url",
    "categories",
    "source",
    "episode_count",
    "subscribed",
];

#[tokio::test(flavor = "multi_thread")]
async fn discover_search_prints_the_merged_shows() {
    let server = directories().await;
    let dir = tempfile::tempdir().expect("dir");
    let data = library(dir.path());
    json(&cli(
        &server,
        &data,
        &[
            "--json",
            "subscribe",
            &server.url("/feeds/backend-hour.xml"),
        ],
    ));

    let shows = json(&cli(
        &server,
        &data,
        &["--json", "discover", "search", "rust"],
    ));
    let shows = shows.as_array().expect("an array");
    assert_eq!(shows.len(), 8);
    for show in shows {
        for key in KEYS {
            assert!(show.get(key).is_some(), "{key} missing in {show}");
        }
        assert!(show["categories"].is_array());
        assert!(
            ["itunes", "fyyd", "podcastindex"].contains(&show["source"].as_str().expect("source"))
        );
    }
    assert_eq!(shows[0]["title"], "Rustacean Station");
    assert_eq!(shows[0]["source"], "itunes");
    assert_eq!(shows[0]["episode_count"], 150);
    let by_title = |title: &str| {
        shows
            .iter()
            .find(|s| s["title"] == title)
            .unwrap_or_else(|| panic!("no {title}"))
    };
    assert_eq!(by_title("The Backend Hour")["subscribed"], true);
    assert_eq!(by_title("Rust in Production")["subscribed"], false);
    assert!(by_title("Rust Exclusive")["feed_url"].is_null());
    assert_eq!(by_title("Oxidised 🦀 Systems")["source"], "podcastindex");

    // As text: a numbered list; one directory down is a note, not a failure.
    server.route("/0.2/search/podcast?term=rust", Route::status(500));
    let text = cli(&server, &data, &["discover", "search", "rust"]);
    assert!(text.status.success());
    let stdout = String::from_utf8_lossy(&text.stdout);
    assert!(
        stdout.starts_with("1. Rustacean Station — Rustacean Station\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("https://rustacean-station.example/rss/ · iTunes"),
        "{stdout}"
    );
    assert!(stdout.contains(" · followed"), "{stdout}");
    let stderr = String::from_utf8_lossy(&text.stderr);
    assert!(
        stderr.contains("note: fyyd is not working right now (500 Internal Server Error)"),
        "{stderr}"
    );

    // Every directory down: exit 4, each named.
    server.route("/search?term=rust", Route::status(503));
    server.route("/search/byterm?q=rust", Route::stall());
    let failed = cli(&server, &data, &["--json", "discover", "search", "rust"]);
    assert_eq!(failed.status.code(), Some(4));
    let stderr = String::from_utf8_lossy(&failed.stderr);
    assert!(
        stderr.contains("iTunes is not working right now"),
        "{stderr}"
    );
    assert!(
        stderr.contains("Podcast Index did not answer within 2 s"),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn discover_top_prints_the_technology_chart_and_then_the_stored_one() {
    let server = directories().await;
    let dir = tempfile::tempdir().expect("dir");
    let data = library(dir.path());
    let chart = json(&cli(
        &server,
        &data,
        &["--json", "discover", "top", "--category", "Technology"],
    ));
    let shows = chart.as_array().expect("an array");
    let titles: Vec<&str> = shows
        .iter()
        .map(|s| s["title"].as_str().expect("title"))
        .collect();
    assert_eq!(
        titles,
        [
            "The Backend Hour",
            "Frontend Weekly",
            "Ops Stories",
            "Unlisted Show",
            "Trending Only"
        ]
    );
    for show in shows {
        for key in KEYS {
            assert!(show.get(key).is_some(), "{key} missing in {show}");
        }
    }
    assert_eq!(shows[0]["feed_url"], server.url("/feeds/backend-hour.xml"));
    assert!(shows[3]["feed_url"].is_null());
    assert_eq!(shows[4]["source"], "podcastindex");

    // Asked again the same day: from the disk, nobody asked.
    let before = server.requests().len();
    let again = json(&cli(
        &server,
        &data,
        &[
            "--json",
            "discover",
            "top",
            "--category",
            "1318",
            "--country",
            "US",
        ],
    ));
    assert_eq!(again, chart);
    assert_eq!(server.requests().len(), before);

    let unknown = cli(
        &server,
        &data,
        &["discover", "top", "--category", "Cooking"],
    );
    assert_eq!(unknown.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("Technology"));
    let bad_country = cli(&server, &data, &["discover", "top", "--country", "usa"]);
    assert_eq!(bad_country.status.code(), Some(2));
}
