//! Podcast directories over real HTTP: the three directories served from a loopback server
//! with the hand-written answers in `tests/fixtures/directory/`, failing the ways real services
//! do, into a real library.

use std::time::Duration;

use earshot_core::directory::{
    DirectoryEndpoints, DirectorySettings, chart_is_fresh, podcast_index_signature,
};
use earshot_core::{Core, CoreConfig, DirectorySearch, DirectoryShow, DirectorySource, ErrorCode};
use earshot_testkit::{FixtureServer, Headers, Route};
use tokio::sync::mpsc;

const NOW: i64 = 1_795_000_000;
const KEY: &str = "TESTKEY123";
const SECRET: &str = "test$secret^456";
const TECH_LOOKUP: &str = "/lookup?id=1000000001,1000000002,1000000003,1000000099";

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
        && headers.get("authorization") == Some(&podcast_index_signature(KEY, SECRET, date))
        && headers
            .get("user-agent")
            .is_some_and(|ua| ua.contains("Earshot"))
}

struct World {
    server: FixtureServer,
    core: Core,
    _dir: tempfile::TempDir,
}

impl World {
    async fn new(timeout: Duration) -> Self {
        let server = FixtureServer::start().await.expect("server");
        let base = server.base();
        earshot_testkit::serve_directories(&server, Duration::ZERO, signed);
        server.route(
            "/feeds/backend-hour.xml",
            Route::ok(
                "application/rss+xml",
                earshot_testkit::fixture_show(&base, "The Backend Hour", "/feeds/backend-hour.xml"),
            ),
        );
        let dir = tempfile::tempdir().expect("dir");
        let config = CoreConfig {
            user_agent: earshot_core::user_agent(),
            directories: DirectoryEndpoints::at(&base, timeout),
            ..CoreConfig::new(dir.path())
        };
        let core = Core::open(config).await.expect("core");
        Self {
            server,
            core,
            _dir: dir,
        }
    }

    fn url(&self, path: &str) -> String {
        self.server.url(path)
    }

    /// Requests to the directories (not to feeds or artwork).
    fn directory_requests(&self) -> Vec<String> {
        self.server
            .requests()
            .into_iter()
            .filter(|r| !r.contains("/feeds/") && !r.contains("/artwork"))
            .collect()
    }
}

fn settings() -> DirectorySettings {
    DirectorySettings {
        itunes: true,
        fyyd: true,
        podcast_index: true,
        podcast_index_key: Some(KEY.into()),
        podcast_index_secret: Some(SECRET.into()),
        country: "us".into(),
    }
}

/// Every update until the one marked done.
async fn updates(mut receiver: mpsc::Receiver<DirectorySearch>) -> Vec<DirectorySearch> {
    let mut all = Vec::new();
    loop {
        let update = tokio::time::timeout(Duration::from_secs(30), receiver.recv())
            .await
            .expect("the search ends")
            .expect("a done update before the channel closes");
        let done = update.done;
        all.push(update);
        if done {
            return all;
        }
    }
}

fn find<'a>(shows: &'a [DirectoryShow], title: &str) -> &'a DirectoryShow {
    shows
        .iter()
        .find(|s| s.title == title)
        .unwrap_or_else(|| panic!("no “{title}” in {:?}", titles(shows)))
}

fn titles(shows: &[DirectoryShow]) -> Vec<&str> {
    shows.iter().map(|s| s.title.as_str()).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_search_merges_the_three_directories_and_marks_followed_shows() {
    let world = World::new(Duration::from_secs(10)).await;
    world
        .core
        .subscribe(&world.url("/feeds/backend-hour.xml"), NOW)
        .await
        .expect("subscribed");
    let all = updates(world.core.search_directories("  rust ", &settings())).await;

    assert_eq!(all.len(), 3, "one update per directory");
    assert_eq!(all[0].pending.len(), 2);
    assert_eq!(all[1].pending.len(), 1);
    let last = all.last().expect("last");
    assert!(last.done && last.pending.is_empty());
    assert_eq!(last.query, "rust");
    assert!(last.failures.is_empty(), "{:?}", last.failures);
    let shows = &last.results;
    let mut unique = titles(shows);
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(
        unique.len(),
        shows.len(),
        "no duplicates: {:?}",
        titles(shows)
    );
    assert_eq!(shows.len(), 8, "{:?}", titles(shows));

    // Listed by all three (https://…/rss/, http://www.…/rss, https://…:443/rss): one entry,
    // Apple's, first, with what the others knew.
    assert_eq!(shows[0].title, "Rustacean Station");
    assert_eq!(shows[0].source, DirectorySource::Itunes);
    assert_eq!(
        shows[0].feed_url.as_deref(),
        Some("https://rustacean-station.example/rss/")
    );
    assert_eq!(shows[0].episode_count, Some(150));
    assert!(
        shows[0]
            .description
            .as_deref()
            .is_some_and(|d| d.contains("Rust programming language & its community"))
    );

    let backend = find(shows, "The Backend Hour");
    assert!(backend.subscribed, "followed, whatever the trailing slash");
    assert_eq!(
        backend.feed_url.as_deref(),
        Some(world.url("/feeds/backend-hour.xml").as_str())
    );
    assert!(!find(shows, "Rust in Production").subscribed);
    let cafe = find(shows, "Café Rust — Programmieren auf Deutsch");
    assert_eq!(cafe.source, DirectorySource::Itunes);
    assert_eq!(cafe.author.as_deref(), Some("Jana Müller"));
    assert_eq!(find(shows, "Rust Exclusive").feed_url, None);
    let japanese = find(shows, "日本語のRustラジオ");
    assert_eq!(japanese.source, DirectorySource::Fyyd);
    assert_eq!(japanese.episode_count, Some(20));
    let crab = find(shows, "Oxidised 🦀 Systems");
    assert_eq!(crab.source, DirectorySource::PodcastIndex);
    assert_eq!(crab.episode_count, Some(7));
    assert_eq!(crab.categories, ["Technology"]);

    // Every directory was asked once, with what the listener typed.
    let asked = world.server.requests_with_headers();
    let target = |prefix: &str| {
        asked
            .iter()
            .filter(|r| r.target.starts_with(prefix))
            .count()
    };
    assert_eq!(target("/search?"), 1);
    assert_eq!(target("/0.2/search/podcast?"), 1);
    assert_eq!(target("/search/byterm?"), 1);
    let itunes = asked
        .iter()
        .find(|r| r.target.starts_with("/search?"))
        .expect("iTunes asked");
    assert_eq!(itunes.query("media").as_deref(), Some("podcast"));
    assert_eq!(itunes.query("entity").as_deref(), Some("podcast"));
    assert_eq!(itunes.query("country").as_deref(), Some("us"));
    assert!(
        itunes
            .header("user-agent")
            .is_some_and(|ua| ua.starts_with("Earshot/"))
    );
    // The secret never travels.
    for request in &asked {
        assert!(
            !request.target.contains(SECRET)
                && !request.headers.values().any(|v| v.contains(SECRET)),
            "{request:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_directory_down_and_one_stalled_do_not_keep_the_others_results_back() {
    let world = World::new(Duration::from_secs(1)).await;
    world
        .server
        .route("/0.2/search/podcast?term=rust", Route::status(503));
    world.server.route(
        "/search/byterm?q=rust",
        Route::ok("application/json", "{\"status\":\"true\",\"feeds\":[").stall_after(5),
    );
    let all = updates(world.core.search_directories("rust", &settings())).await;
    let first = &all[0];
    assert!(!first.done);
    assert!(first.pending.contains(&DirectorySource::PodcastIndex));
    let last = all.last().expect("last");
    assert!(last.done);
    assert_eq!(
        last.results.len(),
        5,
        "iTunes's results: {:?}",
        titles(&last.results)
    );
    let messages: Vec<(DirectorySource, &str)> = last
        .failures
        .iter()
        .map(|f| (f.source, f.message.as_str()))
        .collect();
    assert_eq!(
        messages,
        [
            (
                DirectorySource::Fyyd,
                "fyyd is not working right now (503 Service Unavailable)"
            ),
            (
                DirectorySource::PodcastIndex,
                "Podcast Index did not answer within 1 s"
            ),
        ]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_web_page_a_busy_server_and_a_refused_key_are_named() {
    let world = World::new(Duration::from_secs(10)).await;
    world.server.route(
        "/search?term=rust",
        Route::ok(
            "text/html",
            "\n<!DOCTYPE html><html><body>Sign in to Wi-Fi</body></html>",
        ),
    );
    world.server.route(
        "/0.2/search/podcast?term=rust",
        Route::status(429).with_header("Retry-After", "120"),
    );
    let wrong = DirectorySettings {
        podcast_index_secret: Some("not the secret".into()),
        ..settings()
    };
    let last = updates(world.core.search_directories("rust", &wrong))
        .await
        .pop()
        .expect("last");
    assert!(last.results.is_empty());
    let messages: Vec<&str> = last.failures.iter().map(|f| f.message.as_str()).collect();
    assert_eq!(
        messages,
        [
            "iTunes sent a web page instead of results",
            "fyyd is busy (429 Too Many Requests): it asks to wait 120 s before trying again",
            "Podcast Index refused the key and secret (401). Check them in Settings",
        ]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn empty_answers_and_empty_queries() {
    let world = World::new(Duration::from_secs(10)).await;
    let last = updates(world.core.search_directories("zzzz", &settings()))
        .await
        .pop()
        .expect("last");
    assert!(last.done && last.results.is_empty() && last.failures.is_empty());
    let before = world.server.requests().len();

    let blank = updates(world.core.search_directories("   ", &settings())).await;
    assert_eq!(blank.len(), 1);
    assert!(blank[0].done && blank[0].results.is_empty() && blank[0].pending.is_empty());
    let off = DirectorySettings {
        itunes: false,
        fyyd: false,
        podcast_index: false,
        ..settings()
    };
    let nobody = updates(world.core.search_directories("rust", &off)).await;
    assert_eq!(nobody.len(), 1);
    assert!(nobody[0].done);
    assert_eq!(world.server.requests().len(), before, "nobody asked");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dropped_search_stops_its_requests() {
    let world = World::new(Duration::from_secs(30)).await;
    world.server.route(
        "/search/byterm?q=rust",
        Route::ok(
            "application/json",
            earshot_testkit::directory_fixture(
                &world.server.base(),
                "podcastindex-search-rust.json",
            ),
        )
        .delay(Duration::from_secs(20)),
    );
    let mut receiver = world.core.search_directories("rust", &settings());
    // iTunes and fyyd answer; Podcast Index is still thinking.
    for _ in 0..2 {
        let update = tokio::time::timeout(Duration::from_secs(10), receiver.recv())
            .await
            .expect("an update")
            .expect("open");
        assert!(!update.done);
    }
    drop(receiver);
    let mut waited = Duration::ZERO;
    while world.server.abandoned().is_empty() && waited < Duration::from_secs(10) {
        tokio::time::sleep(Duration::from_millis(20)).await;
        waited += Duration::from_millis(20);
    }
    let abandoned = world.server.abandoned();
    assert_eq!(abandoned.len(), 1, "{abandoned:?}");
    assert!(abandoned[0].starts_with("/search/byterm?"), "{abandoned:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_chart_is_resolved_by_one_lookup_merged_with_trending_and_kept() {
    let world = World::new(Duration::from_secs(10)).await;
    world
        .core
        .subscribe(&world.url("/feeds/frontend-weekly.xml"), NOW)
        .await
        .expect("subscribed");
    assert_eq!(world.core.cached_chart(Some(1318), "us").await, None);

    let chart = world
        .core
        .chart(Some(1318), &settings(), NOW)
        .await
        .expect("chart");
    assert_eq!(chart.genre, Some(1318));
    assert_eq!(chart.country, "us");
    assert_eq!(chart.fetched_at, NOW);
    assert!(chart.failures.is_empty(), "{:?}", chart.failures);
    assert_eq!(
        titles(&chart.shows),
        [
            "The Backend Hour",
            "Frontend Weekly",
            "Ops Stories",
            "Unlisted Show",
            "Trending Only"
        ]
    );
    let feeds: Vec<Option<String>> = chart.shows.iter().map(|s| s.feed_url.clone()).collect();
    assert_eq!(
        feeds,
        [
            Some(world.url("/feeds/backend-hour.xml")),
            Some(world.url("/feeds/frontend-weekly.xml")),
            Some(world.url("/feeds/ops-stories.xml")),
            None,
            Some(world.url("/feeds/trending-only.xml")),
        ]
    );
    let marks: Vec<bool> = chart.shows.iter().map(|s| s.subscribed).collect();
    assert_eq!(marks, [false, true, false, false, false]);
    let first = &chart.shows[0];
    assert_eq!(first.itunes_id, Some(1000000001));
    assert_eq!(first.categories, ["Technology"]);
    assert_eq!(first.episode_count, Some(24));
    assert_eq!(first.artwork_url, Some(world.url("/artwork.png")));
    assert_eq!(
        first.description.as_deref(),
        Some("Deep, unhurried conversations about how backend systems really work.")
    );
    let asked = world.directory_requests();
    assert_eq!(
        asked
            .iter()
            .filter(|r| r.starts_with("GET /lookup"))
            .count(),
        1,
        "one batched lookup: {asked:?}"
    );
    assert!(
        asked.contains(&format!("GET {TECH_LOOKUP}&entity=podcast&country=us")),
        "{asked:?}"
    );
    let trending = world
        .server
        .requests_with_headers()
        .into_iter()
        .find(|r| r.target.starts_with("/podcasts/trending"))
        .expect("trending asked");
    assert_eq!(trending.query("lang").as_deref(), Some("en"));
    assert_eq!(trending.query("cat").as_deref(), Some("Technology"));

    // The cache answers without asking anyone, with today's follows.
    world
        .core
        .subscribe(&world.url("/feeds/ops-stories.xml"), NOW)
        .await
        .expect("subscribed");
    let before = world.server.requests().len();
    let cached = world
        .core
        .cached_chart(Some(1318), "US")
        .await
        .expect("cached");
    assert_eq!(world.server.requests().len(), before);
    assert_eq!(titles(&cached.shows), titles(&chart.shows));
    let marks: Vec<bool> = cached.shows.iter().map(|s| s.subscribed).collect();
    assert_eq!(marks, [false, true, true, false, false]);
    assert!(chart_is_fresh(&cached, NOW + 3600));
    assert!(!chart_is_fresh(&cached, NOW + 2 * 86_400));
    assert_eq!(world.core.cached_chart(None, "us").await, None);
    assert_eq!(world.core.cached_chart(Some(1318), "gb").await, None);

    // Subscribing from the chart follows the feed it resolved to.
    let show = world
        .core
        .subscribe(chart.shows[0].feed_url.as_deref().expect("resolved"), NOW)
        .await
        .expect("subscribed");
    assert_eq!(show.title, "The Backend Hour");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_chart_of_one_entry_and_a_chart_nobody_gives() {
    let world = World::new(Duration::from_secs(1)).await;
    let apple_only = DirectorySettings {
        podcast_index_key: None,
        ..settings()
    };
    let chart = world
        .core
        .chart(None, &apple_only, NOW)
        .await
        .expect("chart");
    assert_eq!(titles(&chart.shows), ["The Backend Hour"]);
    assert_eq!(
        chart.shows[0].feed_url,
        Some(world.url("/feeds/backend-hour.xml"))
    );

    // The lookup fails: the chart is still shown, unresolved, and says why.
    world.server.route(TECH_LOOKUP, Route::status(500));
    let unresolved = world
        .core
        .chart(Some(1318), &apple_only, NOW)
        .await
        .expect("chart");
    assert_eq!(unresolved.shows.len(), 4);
    assert!(unresolved.shows.iter().all(|s| s.feed_url.is_none()));
    assert_eq!(unresolved.failures.len(), 1);
    assert!(
        unresolved.failures[0]
            .message
            .starts_with("iTunes is not working right now (500"),
        "{:?}",
        unresolved.failures
    );

    world.server.route(
        "/us/rss/toppodcasts/limit=50/genre=1318/json",
        Route::stall(),
    );
    world
        .server
        .route("/podcasts/trending?cat=Technology", Route::status(502));
    let error = world
        .core
        .chart(Some(1318), &settings(), NOW)
        .await
        .expect_err("nobody answered");
    assert_eq!(error.code(), ErrorCode::Directory);
    let message = error.to_string();
    assert!(
        message.contains("iTunes did not answer within 1 s"),
        "{message}"
    );
    assert!(
        message.contains("Podcast Index is not working right now (502 Bad Gateway)"),
        "{message}"
    );
    let off = DirectorySettings {
        itunes: false,
        podcast_index: false,
        ..settings()
    };
    let error = world
        .core
        .chart(None, &off, NOW)
        .await
        .expect_err("none on");
    assert_eq!(error.code(), ErrorCode::Directory);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_apple_podcasts_address_subscribes_to_the_show_s_feed() {
    let world = World::new(Duration::from_secs(10)).await;
    let show = world
        .core
        .subscribe(
            "https://podcasts.apple.com/us/podcast/the-backend-hour/id1000000001?i=1000650000000",
            NOW,
        )
        .await
        .expect("subscribed");
    assert_eq!(show.title, "The Backend Hour");
    assert_eq!(show.feed_url, world.url("/feeds/backend-hour.xml"));
    assert!(
        world
            .directory_requests()
            .contains(&"GET /lookup?id=1000000001&entity=podcast&country=us".to_string()),
        "{:?}",
        world.directory_requests()
    );

    let no_feed = world
        .core
        .subscribe("podcasts.apple.com/podcast/id1000000014", NOW)
        .await
        .expect_err("no feed");
    assert_eq!(no_feed.code(), ErrorCode::NotInDirectory);
    assert!(
        no_feed.to_string().contains("“Rust Exclusive”"),
        "{no_feed}"
    );
    let unknown = world
        .core
        .subscribe("itunes.apple.com/gb/podcast/id424242", NOW)
        .await
        .expect_err("unknown");
    assert_eq!(unknown.code(), ErrorCode::NotInDirectory);
    assert!(unknown.to_string().contains("424242"), "{unknown}");

    // Any other address goes straight to its feed: no directory hears of it.
    let before = world.directory_requests().len();
    world
        .core
        .subscribe(&world.url("/feeds/ops-stories.xml"), NOW)
        .await
        .expect("subscribed");
    assert_eq!(world.directory_requests().len(), before);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_show_without_an_address_is_resolved_by_id_or_by_a_clear_match() {
    let world = World::new(Duration::from_secs(10)).await;
    let settings = settings();
    let listed = |title: &str, author: Option<&str>, itunes_id: Option<u64>| DirectoryShow {
        title: title.into(),
        author: author.map(str::to_string),
        feed_url: None,
        artwork_url: None,
        categories: Vec::new(),
        source: DirectorySource::Itunes,
        episode_count: None,
        subscribed: false,
        description: None,
        itunes_id,
    };
    let with_feed = DirectoryShow {
        feed_url: Some("https://given.example/feed".into()),
        ..listed("Given", None, None)
    };
    assert_eq!(
        world
            .core
            .resolve_feed(&with_feed, &settings)
            .await
            .expect("given"),
        "https://given.example/feed"
    );
    assert!(
        world.directory_requests().is_empty(),
        "nobody asked for what was known"
    );

    let by_id = listed("The Backend Hour", None, Some(1000000001));
    assert_eq!(
        world
            .core
            .resolve_feed(&by_id, &settings)
            .await
            .expect("by id"),
        world.url("/feeds/backend-hour.xml")
    );

    // Searched by title: the same title (accents and case aside) and author.
    world
        .server
        .route("/search?term=Cafe Rust — programmieren auf deutsch", {
            Route::ok(
                "text/javascript",
                earshot_testkit::directory_fixture(&world.server.base(), "itunes-search-rust.json"),
            )
        });
    let by_title = listed(
        "Cafe Rust — programmieren auf deutsch",
        Some("JANA MULLER"),
        None,
    );
    assert_eq!(
        world
            .core
            .resolve_feed(&by_title, &settings)
            .await
            .expect("by title"),
        "https://cafe-rust.example/podcast"
    );
    let wrong_author = listed(
        "Cafe Rust — programmieren auf deutsch",
        Some("Someone Else"),
        None,
    );
    let error = world
        .core
        .resolve_feed(&wrong_author, &settings)
        .await
        .expect_err("not a clear match");
    assert_eq!(error.code(), ErrorCode::NotInDirectory);
    assert_eq!(
        error.to_string(),
        "“Cafe Rust — programmieren auf deutsch” is listed without a feed address, and no directory knows one"
    );
}
