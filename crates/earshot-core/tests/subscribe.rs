//! Subscribing over real HTTP (a loopback server with real headers) into a real SQLite file.

use std::path::Path;

use earshot_core::{Core, CoreConfig, ErrorCode, Progress, SameGuid};
use earshot_testkit::{FixtureServer, Route};

const NOW: i64 = 1_795_000_000;

fn fixture_feed(base: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/show/feed.xml");
    std::fs::read_to_string(path)
        .expect("fixture feed")
        .replace("{{BASE}}", base)
}

fn config(dir: &Path) -> CoreConfig {
    CoreConfig {
        data_dir: dir.to_path_buf(),
        user_agent: "earshot-tests".into(),
        fetch: Default::default(),
        media: Default::default(),
        directories: earshot_core::directory::DirectoryEndpoints::from_env(),
    }
}

async fn setup() -> (FixtureServer, tempfile::TempDir, Core) {
    let server = FixtureServer::start().await.expect("server");
    server.route(
        "/feed.xml",
        Route::ok("application/rss+xml", fixture_feed(&server.base())),
    );
    let icon = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../icons/128x128.png");
    server.route(
        "/artwork.png",
        Route::ok("image/png", std::fs::read(icon).expect("icon")),
    );
    server.route(
        "/page.html",
        Route::ok("text/html", "<!doctype html><html><body>hi</body></html>"),
    );
    server.route("/moved", Route::redirect(301, "/feed.xml"));
    let dir = tempfile::tempdir().expect("temp dir");
    let core = Core::open(config(dir.path())).await.expect("core opens");
    (server, dir, core)
}

#[tokio::test]
async fn subscribing_stores_the_show_its_episodes_and_artwork() {
    let (server, _dir, core) = setup().await;
    let show = core
        .subscribe(&server.url("/feed.xml"), NOW)
        .await
        .expect("subscribed");
    assert_eq!(show.title, "The Backend Hour");
    assert_eq!(show.author.as_deref(), Some("Sam Rivera"));
    assert_eq!(show.episode_count, 24);
    assert!(show.has_artwork);
    assert_eq!(show.categories, vec!["Technology".to_string()]);
    assert!(
        core.artwork(show.id, None)
            .await
            .is_some_and(|a| a.mime == "image/png")
    );

    let page = core.show_page(show.id).await.expect("page");
    assert_eq!(page.episodes.len(), 24);
    let newest = &page.episodes[0];
    assert_eq!(newest.title, "The Cost of HTTP/2 Streams");
    assert_eq!(newest.duration_secs, Some(1466.0));
    assert!(!newest.notes_html.contains("script"));
    assert!(newest.notes_html.contains("12:26 Cost of HTTP/2"));
    let dates: Vec<_> = page.episodes.iter().map(|e| e.published_at).collect();
    assert!(dates.windows(2).all(|w| w[0] >= w[1]), "newest first");
    assert_eq!(page.episodes[1].duration_secs, Some(3741.0));

    // The same feed again, or through a redirect, is the same subscription.
    let again = core
        .subscribe(&server.url("/feed.xml"), NOW)
        .await
        .expect("again");
    assert_eq!(again.id, show.id);
    let moved = core
        .subscribe(&server.url("/moved"), NOW)
        .await
        .expect("redirected");
    assert_eq!(moved.id, show.id);
    assert_eq!(core.shows().await.expect("shows").len(), 1);
}

#[tokio::test]
async fn bad_addresses_give_clear_errors_and_leave_the_library_untouched() {
    let (server, _dir, core) = setup().await;
    let closed_port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("port");
        listener.local_addr().expect("addr").port()
    };
    let cases = [
        (server.url("/missing.xml"), ErrorCode::HttpStatus, "404"),
        (server.url("/page.html"), ErrorCode::NotAFeed, "web page"),
        (
            format!("http://127.0.0.1:{closed_port}/feed.xml"),
            ErrorCode::Network,
            "Could not reach",
        ),
        (
            "not a url at all".to_string(),
            ErrorCode::InvalidUrl,
            "not a web address",
        ),
    ];
    for (url, code, words) in cases {
        let error = core.subscribe(&url, NOW).await.expect_err(&url);
        assert_eq!(error.code(), code, "{url}: {error}");
        assert!(error.to_string().contains(words), "{url}: {error}");
    }
    assert!(core.shows().await.expect("shows").is_empty());
}

#[tokio::test]
async fn the_place_survives_a_refresh_and_a_restart() {
    let (server, dir, core) = setup().await;
    let show = core
        .subscribe(&server.url("/feed.xml"), NOW)
        .await
        .expect("subscribed");
    let episode = core.show_page(show.id).await.expect("page").episodes[3].clone();
    let place = Progress {
        position_secs: 754.5,
        played: false,
    };
    core.save_progress(episode.id, place, NOW)
        .await
        .expect("saved");
    assert_eq!(
        core.last_in_progress().await.expect("last"),
        Some(episode.id)
    );

    // The publisher edits the feed; the episode keeps its identity and the listener's place.
    let edited = fixture_feed(&server.base()).replace(&episode.title, "A Better Title");
    let parsed = earshot_core::feed::parse_feed(
        edited.as_bytes(),
        &url::Url::parse(&server.url("/feed.xml")).expect("url"),
    )
    .expect("parses");
    let prepared = earshot_core::library::PreparedFeed::new(parsed);
    core.library()
        .store_feed(
            &show.feed_url,
            &prepared,
            &Default::default(),
            None,
            NOW + 60,
        )
        .await
        .expect("refreshed");
    let after = core.episode(episode.id).await.expect("episode");
    assert_eq!(after.title, "A Better Title");
    assert_eq!(after.progress, place);
    // Marked by hand: played starts from the top; unplayed clears the badge too.
    let other = core.show_page(show.id).await.expect("page").episodes[5].id;
    assert_eq!(
        core.set_played(other, true, NOW).await.expect("marked"),
        show.id
    );
    let marked = core.episode(other).await.expect("episode");
    assert!(marked.progress.played);
    assert_eq!(
        core.play_request(other)
            .await
            .expect("request")
            .start_at_secs,
        0.0
    );
    core.set_played(other, false, NOW).await.expect("unmarked");
    assert!(!core.episode(other).await.expect("episode").progress.played);
    assert!(
        core.set_played(earshot_core::EpisodeId(9999), true, NOW)
            .await
            .is_err()
    );
    core.close().await;

    let reopened = Core::open(config(dir.path())).await.expect("reopens");
    let request = reopened.play_request(episode.id).await.expect("request");
    assert_eq!(request.start_at_secs, 754.5);
    assert_eq!(request.show_title, "The Backend Hour");
}

/// The library file opened directly, as another program (or an older Earshot) would.
async fn raw_pool(db: &Path) -> sqlx::SqlitePool {
    sqlx::SqlitePool::connect(&format!("sqlite:{}", db.display()))
        .await
        .expect("raw connection")
}

#[tokio::test]
async fn a_library_from_a_newer_version_is_refused_untouched() {
    let dir = tempfile::tempdir().expect("temp dir");
    let core = Core::open(config(dir.path())).await.expect("opens");
    core.close().await;
    // A future Earshot recorded a migration this one does not know.
    let db = dir.path().join("earshot.db");
    let pool = raw_pool(&db).await;
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES (99990101000000, 'from the future', 1, x'00', 0)",
    )
    .execute(&pool)
    .await
    .expect("recorded");
    pool.close().await;
    let before = std::fs::read(&db).expect("db bytes");
    let error = Core::open(config(dir.path())).await.expect_err("refused");
    assert_eq!(error.code(), ErrorCode::NewerDatabase);
    assert!(error.to_string().contains("newer version"), "{error}");
    assert_eq!(
        std::fs::read(&db).expect("db bytes"),
        before,
        "the file is not touched"
    );
}

#[tokio::test]
async fn notes_are_stored_packed_and_older_raw_ones_are_packed_on_opening() {
    let (server, dir, core) = setup().await;
    let show = core
        .subscribe(&server.url("/feed.xml"), NOW)
        .await
        .expect("subscribed");
    let episode = core.show_page(show.id).await.expect("page").episodes[0].clone();
    let notes_html = episode.notes_html.clone();
    assert!(!notes_html.is_empty());
    core.close().await;
    let db = dir.path().join("earshot.db");
    let pool = raw_pool(&db).await;
    let (raw, packed): (i64, i64) = sqlx::query_as(
        "SELECT COUNT(*) FILTER (WHERE notes_raw != ''), \
                COUNT(*) FILTER (WHERE substr(notes, 1, 4) = x'28b52ffd') FROM episodes",
    )
    .fetch_one(&pool)
    .await
    .expect("counted");
    assert_eq!((raw, packed), (0, 24), "every episode's notes are packed");
    // A row as an Earshot from before packing left it.
    sqlx::query("UPDATE episodes SET notes = NULL, notes_raw = ? WHERE id = ?")
        .bind("<p>Old notes about <b>zebras</b></p>")
        .bind(episode.id.0)
        .execute(&pool)
        .await
        .expect("unpacked");
    pool.close().await;

    let reopened = Core::open(config(dir.path())).await.expect("reopens");
    let old = reopened.episode(episode.id).await.expect("episode");
    assert_eq!(old.notes_html, "<p>Old notes about <b>zebras</b></p>");
    reopened.close().await;
    let pool = raw_pool(&db).await;
    let raw: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM episodes WHERE notes_raw != ''")
        .fetch_one(&pool)
        .await
        .expect("counted");
    assert_eq!(raw, 0, "packed when the library opened");
    pool.close().await;
}

#[tokio::test]
async fn the_same_show_by_another_road_is_recognised() {
    let (server, _dir, core) = setup().await;
    let show = core
        .subscribe(&server.url("/feed.xml"), NOW)
        .await
        .expect("subscribed");
    // Through a permanent redirect to the same feed.
    let again = core
        .subscribe(&server.url("/moved"), NOW)
        .await
        .expect("recognised");
    assert_eq!(again.id, show.id);
    assert_eq!(core.shows().await.expect("shows").len(), 1);
}

#[tokio::test]
async fn a_feed_claiming_a_followed_show_s_guid_is_named_and_can_be_followed_anyway() {
    let (server, _dir, core) = setup().await;
    let show = core
        .subscribe(&server.url("/feed.xml"), NOW)
        .await
        .expect("subscribed");
    // Another address whose feed copies the followed show's podcast:guid.
    server.route(
        "/copy.xml",
        Route::ok(
            "application/rss+xml",
            fixture_feed(&server.base()).replace("The Backend Hour", "A Different Show"),
        ),
    );
    let error = core
        .subscribe(&server.url("/copy.xml"), NOW)
        .await
        .expect_err("the claim is named, not silently merged");
    assert_eq!(error.code(), ErrorCode::ClaimsFollowedShow);
    let message = error.to_string();
    assert!(message.contains("“The Backend Hour”"), "{message}");
    assert!(message.contains("already follow"), "{message}");
    assert_eq!(core.shows().await.expect("shows").len(), 1);
    let separate = core
        .subscribe_with(&server.url("/copy.xml"), SameGuid::FollowSeparately, NOW)
        .await
        .expect("followed as its own show");
    assert_ne!(separate.id, show.id);
    assert_eq!(separate.title, "A Different Show");
    assert_eq!(core.shows().await.expect("shows").len(), 2);
}

#[tokio::test]
async fn a_web_page_leads_to_its_feed() {
    let (server, _dir, core) = setup().await;
    server.route(
        "/show/",
        Route::ok(
            "text/html; charset=utf-8",
            r#"<!doctype html><html><head><title>The show</title>
            <link rel="alternate" type="application/rss+xml" title="Feed" href="/feed.xml">
            </head><body>Listen!</body></html>"#,
        ),
    );
    let show = core
        .subscribe(&server.url("/show/"), NOW)
        .await
        .expect("subscribed through the page");
    assert_eq!(show.title, "The Backend Hour");
    assert_eq!(show.feed_url, server.url("/feed.xml"));
    // A page without a feed link is still a clear error.
    let error = core
        .subscribe(&server.url("/page.html"), NOW)
        .await
        .expect_err("no feed there");
    assert_eq!(error.code(), ErrorCode::NotAFeed);
}

#[tokio::test]
async fn a_private_feed_is_fetched_with_its_credentials_which_are_kept_apart() {
    let (server, dir, core) = setup().await;
    server.route(
        "/private.xml",
        Route::ok("application/rss+xml", fixture_feed(&server.base()))
            .with_basic_auth("listener", "s3cret:pass"),
    );
    let without = core
        .subscribe(&server.url("/private.xml"), NOW)
        .await
        .expect_err("401 without credentials");
    assert!(without.to_string().contains("401"), "{without}");

    let base = server.base();
    let with = format!(
        "{}://listener:s3cret%3Apass@{}/private.xml",
        &base[..base.find("://").expect("scheme")],
        &base[base.find("://").expect("scheme") + 3..]
    );
    let show = core.subscribe(&with, NOW).await.expect("subscribed");
    assert_eq!(show.feed_url, server.url("/private.xml"));
    assert!(!show.feed_url.contains("s3cret"));
    // A refresh sends them again.
    server.route(
        "/private.xml",
        Route::ok("application/rss+xml", fixture_feed(&server.base()))
            .with_header("ETag", "\"p1\"")
            .with_basic_auth("listener", "s3cret:pass"),
    );
    let outcome = core.refresh_show(show.id, NOW + 60).await.expect("refresh");
    assert!(
        !matches!(outcome, earshot_core::RefreshOutcome::Failed { .. }),
        "{outcome:?}"
    );
    // Never in what is shown: a failure's message names the address without them.
    server.route("/private.xml", Route::status(500));
    core.refresh_show(show.id, NOW + 120)
        .await
        .expect("refresh");
    let failed = core.show_page(show.id).await.expect("page").show;
    let message = failed.last_error.expect("the failure is recorded");
    assert!(message.contains("500"), "{message}");
    assert!(!message.contains("s3cret"), "{message}");
    drop(dir);
}

#[tokio::test]
async fn episode_lists_page_filter_and_order() {
    use earshot_core::{EpisodeFilter, EpisodeOrder, EpisodeQuery};
    let (server, _dir, core) = setup().await;
    let show = core
        .subscribe(&server.url("/feed.xml"), NOW)
        .await
        .expect("subscribed");
    let query = |filter, order, offset, limit| EpisodeQuery {
        filter,
        order,
        offset,
        limit,
    };
    let all = core
        .episodes(
            show.id,
            query(EpisodeFilter::All, EpisodeOrder::Newest, 0, 500),
        )
        .await
        .expect("list");
    assert_eq!((all.total, all.episodes.len()), (24, 24));
    let newest: Vec<_> = all.episodes.iter().map(|e| e.id).collect();

    // Pages line up with the whole list.
    let second = core
        .episodes(
            show.id,
            query(EpisodeFilter::All, EpisodeOrder::Newest, 10, 10),
        )
        .await
        .expect("page");
    assert_eq!(second.total, 24);
    let ids: Vec<_> = second.episodes.iter().map(|e| e.id).collect();
    assert_eq!(ids, newest[10..20]);

    // Oldest first is the reverse (every fixture episode is dated).
    let oldest = core
        .episodes(
            show.id,
            query(EpisodeFilter::All, EpisodeOrder::Oldest, 0, 500),
        )
        .await
        .expect("list");
    let mut reversed = newest.clone();
    reversed.reverse();
    assert_eq!(
        oldest.episodes.iter().map(|e| e.id).collect::<Vec<_>>(),
        reversed
    );

    // One played, one started: the filters see it.
    core.set_played(newest[0], true, NOW).await.expect("played");
    core.save_progress(
        newest[3],
        Progress {
            position_secs: 90.0,
            played: false,
        },
        NOW,
    )
    .await
    .expect("started");
    let unplayed = core
        .episodes(
            show.id,
            query(EpisodeFilter::Unplayed, EpisodeOrder::Newest, 0, 5),
        )
        .await
        .expect("unplayed");
    assert_eq!(unplayed.total, 23);
    assert_eq!(unplayed.episodes[0].id, newest[1]);
    let started = core
        .episodes(
            show.id,
            query(EpisodeFilter::InProgress, EpisodeOrder::Newest, 0, 50),
        )
        .await
        .expect("in progress");
    assert_eq!(started.total, 1);
    assert_eq!(started.episodes[0].id, newest[3]);
    assert_eq!(core.show(show.id).await.expect("show").unplayed_count, 23);
}

#[tokio::test]
async fn chapters_are_fetched_when_asked_for() {
    let (server, _dir, core) = setup().await;
    let base = server.base();
    server.route(
        "/chaptered.xml",
        Route::ok(
            "application/rss+xml",
            format!(
                r#"<?xml version="1.0"?><rss version="2.0" xmlns:podcast="https://podcastindex.org/namespace/1.0"><channel>
                <title>Chaptered</title>
                <item><title>With chapters</title><guid>c1</guid>
                  <enclosure url="{base}/a.mp3" type="audio/mpeg"/>
                  <podcast:chapters url="{base}/chapters.json" type="application/json+chapters"/></item>
                <item><title>Broken chapters</title><guid>c2</guid>
                  <enclosure url="{base}/b.mp3" type="audio/mpeg"/>
                  <podcast:chapters url="{base}/missing.json" type="application/json+chapters"/></item>
                <item><title>No chapters</title><guid>c3</guid>
                  <enclosure url="{base}/c.mp3" type="audio/mpeg"/></item>
                </channel></rss>"#
            ),
        ),
    );
    server.route(
        "/chapters.json",
        Route::ok(
            "application/json+chapters",
            r#"{"version":"1.2.0","chapters":[{"startTime":0,"title":"Intro"},{"startTime":746,"title":"Cost of HTTP/2"}]}"#,
        ),
    );
    let show = core
        .subscribe(&server.url("/chaptered.xml"), NOW)
        .await
        .expect("subscribed");
    let episodes = core.show_page(show.id).await.expect("page").episodes;
    let by_title = |title: &str| {
        episodes
            .iter()
            .find(|e| e.title == title)
            .map(|e| e.id)
            .expect("episode")
    };
    let chapters = core
        .chapters(by_title("With chapters"))
        .await
        .expect("chapters");
    let read: Vec<(f64, &str)> = chapters
        .iter()
        .map(|c| (c.start_secs, c.title.as_str()))
        .collect();
    assert_eq!(read, vec![(0.0, "Intro"), (746.0, "Cost of HTTP/2")]);
    assert!(
        core.chapters(by_title("Broken chapters"))
            .await
            .expect("no error")
            .is_empty()
    );
    assert!(
        core.chapters(by_title("No chapters"))
            .await
            .expect("no error")
            .is_empty()
    );
}

#[tokio::test]
async fn a_preview_stays_out_of_the_library_until_followed_and_keeps_its_place() {
    let (server, _dir, core) = setup().await;
    let mut changes = core.changes();
    let preview = core
        .preview(&server.url("/feed.xml"), NOW)
        .await
        .expect("previewed");
    assert!(!preview.followed);
    assert_eq!(preview.title, "The Backend Hour");
    assert!(preview.has_artwork, "a preview shows its artwork");
    let page = core.show_page(preview.id).await.expect("page");
    assert_eq!(page.episodes.len(), 24);

    // Not in the library's lists, its search or its export.
    assert!(core.shows().await.expect("shows").is_empty());
    let found = core.search("HTTP/2", 20).await.expect("search");
    assert!(found.shows.is_empty() && found.episodes.is_empty());
    assert!(!core.export_opml().await.expect("opml").contains("feed.xml"));
    assert!(
        std::iter::from_fn(|| changes.try_recv().ok())
            .all(|c| !matches!(c, earshot_core::Change::ShowAdded { .. })),
        "the library's grid hears nothing of a preview"
    );

    // A place saved while previewing survives subscribing.
    let episode = page.episodes[3].id;
    let place = Progress {
        position_secs: 321.0,
        played: false,
    };
    core.save_progress(episode, place, NOW + 5)
        .await
        .expect("saved");
    // Opening it again is the same show, not fetched again within the hour.
    let fetches = server.requests().len();
    let again = core
        .preview(&server.url("/feed.xml"), NOW + 60)
        .await
        .expect("again");
    assert_eq!(again.id, preview.id);
    assert_eq!(server.requests().len(), fetches);

    let followed = core
        .subscribe(&server.url("/feed.xml"), NOW + 120)
        .await
        .expect("subscribed");
    assert_eq!(followed.id, preview.id);
    assert!(followed.followed);
    assert!(std::iter::from_fn(|| changes.try_recv().ok()).any(|c| c
        == earshot_core::Change::ShowAdded {
            show_id: preview.id
        }));
    assert_eq!(core.shows().await.expect("shows").len(), 1);
    assert_eq!(
        core.episode(episode).await.expect("episode").progress,
        place
    );
    assert!(
        !core
            .search("HTTP/2", 20)
            .await
            .expect("search")
            .episodes
            .is_empty()
    );
    // A followed show is never forgotten as a preview.
    assert_eq!(
        core.forget_previews(NOW + 10_000_000)
            .await
            .expect("forget"),
        0
    );
    // Previewing a followed show gives it as it is.
    assert!(
        core.preview(&server.url("/feed.xml"), NOW)
            .await
            .expect("followed")
            .followed
    );
}

#[tokio::test]
async fn previews_left_alone_are_forgotten_unless_queued() {
    let (server, _dir, core) = setup().await;
    let old = core
        .preview(&server.url("/feed.xml"), NOW)
        .await
        .expect("previewed");
    assert_eq!(core.forget_previews(NOW).await.expect("forget"), 0);
    let episode = core.show_page(old.id).await.expect("page").episodes[0].id;
    core.enqueue(episode, earshot_core::Placement::Last)
        .await
        .expect("queued");
    assert_eq!(
        core.forget_previews(NOW + 100).await.expect("forget"),
        0,
        "its episode waits in Up Next"
    );
    core.dequeue(episode).await.expect("dequeued");
    assert_eq!(core.forget_previews(NOW + 100).await.expect("forget"), 1);
    assert!(core.show(old.id).await.is_err());
    assert!(core.artwork(old.id, None).await.is_none());
}
