//! Finding a show the listener does not know, in the real app: Discover's Explore opens Apple's
//! Technology chart (resolved to feeds by one lookup), a show opens as a preview, an episode
//! plays from it, Subscribe follows it with that episode's place kept; a search merges three
//! directories; an Apple Podcasts page address in Add resolves to its feed. The directories are
//! served on loopback from the hand-written answers in `tests/fixtures/directory/`, each
//! directory 150 ms slow, as Podcast Index checks its signed headers.
//!
//! It prints (never asserts) how long answers take to be drawn: from the last keystroke to the
//! first and to all merged results, and Explore opening from its kept chart. Screenshots of
//! Explore and of search results in both themes go to `target/e2e-screenshots/`.
//! `EARSHOT_DISCOVER_RUNS` sets how many searches are timed (3 by default).

mod common;

use std::path::Path;
use std::time::Duration;

use common::*;
use earshot_testkit::{FixtureServer, Headers, Route};
use fantoccini::{Client, Locator};

const KEY: &str = "E2EKEY";
const SECRET: &str = "e2e-secret";
/// What each directory's answer takes to arrive.
const LATENCY: Duration = Duration::from_millis(150);

/// Podcast Index's documented signature, with a date within a minute of now.
fn signed(headers: &Headers) -> bool {
    let Some(date) = headers
        .get("x-auth-date")
        .and_then(|d| d.parse::<i64>().ok())
    else {
        return false;
    };
    let now = chrono::Utc::now().timestamp();
    headers.get("x-auth-key").map(String::as_str) == Some(KEY)
        && (now - date).abs() <= 60
        && headers.get("authorization")
            == Some(&earshot_core::directory::podcast_index_signature(
                KEY, SECRET, date,
            ))
}

/// The three directories, slow as real ones, and the shows they list: The Backend Hour with
/// real audio.
fn serve_directories(server: &FixtureServer, media: &Path) {
    earshot_testkit::serve_directories(server, LATENCY, signed);
    let (feed, _) = serve_fixture_show(server, media, 60);
    server.route(
        "/feeds/backend-hour.xml",
        Route::ok("application/rss+xml", feed),
    );
}

/// Requests that went to a directory (not to feeds, audio or artwork).
fn directory_requests(server: &FixtureServer) -> Vec<String> {
    server
        .requests()
        .into_iter()
        .filter(|r| {
            ["/search", "/lookup", "/rss/", "/0.2/", "/podcasts/"]
                .iter()
                .any(|p| r.contains(p))
        })
        .collect()
}

async fn listing_titles(client: &Client) -> Vec<String> {
    texts_of(client, "[data-testid=listing-title]").await
}

async fn wait_for_listings(client: &Client, wanted: &[&str]) -> Vec<String> {
    eventually(
        &format!("listings {wanted:?}"),
        Duration::from_secs(20),
        || async {
            let titles = listing_titles(client).await;
            wanted
                .iter()
                .all(|w| titles.iter().any(|t| t == w))
                .then_some(titles)
        },
    )
    .await
}

async fn click_listing(client: &Client, title: &str) {
    let button = client
        .find(Locator::XPath(&format!(
            "//button[@data-testid='listing'][.//*[@data-testid='listing-title'][normalize-space()='{title}']]"
        )))
        .await
        .expect("the listing");
    button.click().await.expect("listing clicked");
}

async fn open_genre(client: &Client, name: &str) {
    let chip = eventually(
        &format!("the {name} chip"),
        Duration::from_secs(10),
        || async {
            client
                .find(Locator::XPath(&format!(
                    "//button[@data-testid='genre'][normalize-space()='{name}']"
                )))
                .await
                .ok()
        },
    )
    .await;
    chip.click().await.expect("genre chosen");
}

/// A data attribute's number, once it has one.
async fn measured(client: &Client, css: &str, attribute: &str) -> f64 {
    eventually(
        &format!("{css} {attribute}"),
        Duration::from_secs(20),
        || async {
            attr_of(client, css, attribute)
                .await
                .and_then(|v| v.parse::<f64>().ok())
        },
    )
    .await
}

async fn type_query(client: &Client, text: &str) {
    let field = client
        .find(Locator::Css("[data-testid=discover-query]"))
        .await
        .expect("the search field");
    field.clear().await.expect("cleared");
    field.send_keys(text).await.expect("typed");
}

async fn clear_query(client: &Client) {
    if let Ok(clear) = client
        .find(Locator::Css("[data-testid=discover-clear]"))
        .await
    {
        clear.click().await.expect("cleared");
    }
    shown(client, "[data-testid=explore]").await;
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

#[tokio::test(flavor = "multi_thread")]
async fn discover_a_show_preview_it_play_it_and_subscribe_keeping_the_place() {
    let data = tempfile::tempdir().expect("data dir");
    let media = tempfile::tempdir().expect("media dir");
    std::fs::write(
        data.path().join("settings.json"),
        r#"{ "discoverCountry": "us" }"#,
    )
    .expect("settings");
    let server = FixtureServer::start().await.expect("server");
    serve_directories(&server, media.path());
    let base = server.base();

    let (_xvfb, display) = display();
    let driver = start_driver_with(
        &display,
        data.path(),
        &[
            ("EARSHOT_ITUNES_URL", &base),
            ("EARSHOT_FYYD_URL", &base),
            ("EARSHOT_PODCASTINDEX_URL", &base),
            ("EARSHOT_PODCASTINDEX_KEY", KEY),
            ("EARSHOT_PODCASTINDEX_SECRET", SECRET),
        ],
    );
    let client = launch(&driver).await;
    shown(&client, "[data-testid=open-discover]").await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(
        directory_requests(&server).is_empty(),
        "no directory is asked before Discover is opened: {:?}",
        directory_requests(&server)
    );

    // Explore: the Technology chart, resolved to feeds by one lookup, with Podcast Index's
    // trending shows after Apple's.
    click(&client, "[data-testid=open-discover]").await;
    shown(&client, "[data-testid=explore]").await;
    open_genre(&client, "Technology").await;
    let chart = wait_for_listings(
        &client,
        &["The Backend Hour", "Frontend Weekly", "Ops Stories"],
    )
    .await;
    assert!(
        chart.iter().any(|t| t == "Trending Only"),
        "Podcast Index's trending joins the chart: {chart:?}"
    );
    let lookups: Vec<String> = directory_requests(&server)
        .into_iter()
        .filter(|r| r.contains("/lookup") && r.contains("1000000002"))
        .collect();
    assert_eq!(
        lookups.len(),
        1,
        "the Technology chart is resolved by one lookup: {lookups:?}"
    );

    // Preview: the show's page, not followed, an episode played from it.
    click_listing(&client, "The Backend Hour").await;
    shown(&client, "[data-testid=preview-bar]").await;
    let title = text_of(&client, "[data-testid=show-title]").await;
    assert_eq!(title.as_deref(), Some("The Backend Hour"));
    let sidebar = texts_of(&client, ".shows .show span").await;
    assert!(
        sidebar.is_empty(),
        "a preview is not in the library: {sidebar:?}"
    );
    click(
        &client,
        "[data-testid=episode]:first-child [data-testid=play-episode]",
    )
    .await;
    wait_for_player_state(&client, "playing").await;
    let (at, _) = playback_advances(&client, 3.0, Duration::from_secs(20)).await;
    click(&client, "[data-testid=player-toggle]").await;
    wait_for_player_state(&client, "paused").await;
    assert!(at >= 3.0, "played from the preview: {at}");

    // Subscribe: followed, in the library, the place kept.
    click(&client, "[data-testid=preview-subscribe]").await;
    eventually("the show followed", Duration::from_secs(10), || async {
        client
            .find(Locator::Css("[data-testid=unsubscribe]"))
            .await
            .ok()
    })
    .await;
    assert!(
        client
            .find(Locator::Css("[data-testid=preview-bar]"))
            .await
            .is_err(),
        "no longer a preview"
    );
    eventually(
        "the show in the sidebar",
        Duration::from_secs(10),
        || async {
            texts_of(&client, ".shows .show span")
                .await
                .iter()
                .any(|t| t == "The Backend Hour")
                .then_some(())
        },
    )
    .await;
    let progress = eventually("the episode's place", Duration::from_secs(10), || async {
        text_of(
            &client,
            "[data-testid=episode]:first-child [data-testid=episode-progress]",
        )
        .await
    })
    .await;
    assert!(progress.contains("left"), "the place is kept: {progress}");

    // Back in Discover the chart marks it followed; Explore opens from the kept chart.
    click(&client, "[data-testid=open-discover]").await;
    shown(&client, "[data-testid=explore]").await;
    let cache_ms = measured(&client, "[data-testid=explore]", "data-cache-ms").await;
    eventually("the followed mark", Duration::from_secs(10), || async {
        client
            .find(Locator::Css("[data-testid=listing-following]"))
            .await
            .ok()
    })
    .await;

    // Search: three directories merged, duplicates once, as they answer.
    let runs: usize = std::env::var("EARSHOT_DISCOVER_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    let (mut sent, mut first, mut all) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..runs.max(1) {
        clear_query(&client).await;
        type_query(&client, "rust").await;
        let css = "[data-testid=discover-results][data-done=true]";
        all.push(measured(&client, css, "data-all-ms").await);
        first.push(measured(&client, css, "data-first-ms").await);
        sent.push(measured(&client, css, "data-sent-ms").await);
    }
    let results = listing_titles(&client).await;
    for wanted in ["Rustacean Station", "The Backend Hour"] {
        assert_eq!(
            results.iter().filter(|t| *t == wanted).count(),
            1,
            "{wanted} listed once across directories: {results:?}"
        );
    }
    let failures = text_of(&client, "[data-testid=discover-failures]").await;
    assert!(failures.is_none(), "every directory answered: {failures:?}");
    let searches = server
        .requests()
        .into_iter()
        .filter(|r| r.contains("term=rust") || r.contains("q=rust"))
        .count();
    assert_eq!(
        searches,
        3 * runs.max(1),
        "one request per directory per query, not one per key"
    );

    // Screenshots: search results and Explore, in both themes.
    let mut saved = Vec::new();
    for theme in ["light", "dark"] {
        click(&client, "[data-testid=open-settings]").await;
        shown(&client, "[data-testid=settings-discover]").await;
        click(&client, &format!("[data-testid=theme-{theme}]")).await;
        theme_is(&client, theme).await;
        click(&client, "[data-testid=open-discover]").await;
        shown(&client, "[data-testid=discover-results]").await;
        saved.push(capture_display(&display, &format!("discover-search-{theme}.png")).await);
        clear_query(&client).await;
        wait_for_listings(&client, &["The Backend Hour"]).await;
        saved.push(capture_display(&display, &format!("discover-explore-{theme}.png")).await);
        type_query(&client, "rust").await;
        shown(&client, "[data-testid=discover-results][data-done=true]").await;
    }
    assert_ne!(saved[0], saved[2], "search results differ between themes");
    assert_ne!(saved[1], saved[3], "Explore differs between themes");

    // An Apple Podcasts page address in Add resolves through the lookup.
    open_add_podcast(&client).await;
    add_podcast(
        &client,
        "https://podcasts.apple.com/us/podcast/the-backend-hour/id1000000001",
    )
    .await;
    eventually("the show page", Duration::from_secs(20), || async {
        text_of(&client, "[data-testid=show-title]")
            .await
            .filter(|t| t == "The Backend Hour")
    })
    .await;
    assert!(
        server
            .requests()
            .iter()
            .any(|r| r.contains("/lookup?id=1000000001")),
        "the Apple address was looked up"
    );

    println!(
        "discover timings (ms after the last keystroke, {} runs, each directory {} ms away): \
         query sent {:.0} (the typing pause), first results drawn {:.0}, all merged drawn {:.0}; \
         Explore from its kept chart drawn in {:.0} ms",
        runs.max(1),
        LATENCY.as_millis(),
        median(&mut sent),
        median(&mut first),
        median(&mut all),
        cache_ms
    );
    let _ = client.close().await;
}
