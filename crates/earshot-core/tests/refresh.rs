//! Refreshing over real HTTP into a real SQLite file: conditional GET, unchanged bodies, new
//! episodes, and one broken feed among good ones.

use std::path::Path;
use std::sync::{Arc, Mutex};

use earshot_core::{Core, CoreConfig, ErrorCode, Progress, RefreshOutcome};
use earshot_testkit::{FixtureServer, Route};

const NOW: i64 = 1_795_000_000;

fn feed(base: &str, title: &str) -> String {
    earshot_testkit::fixture_show(base, title, &format!("test-{title}"))
}

/// The same feed with one more episode at the top.
fn with_new_episode(feed: &str) -> String {
    feed.replacen(
        "    <item>",
        "    <item>\n      <title>Brand New</title>\n      <guid>new-1</guid>\n      <pubDate>Wed, 25 Nov 2026 09:00:00 +0000</pubDate>\n      <enclosure url=\"http://example.invalid/new.mp3\" type=\"audio/mpeg\"/>\n    </item>\n    <item>",
        1,
    )
}

async fn open(dir: &Path) -> Core {
    Core::open(CoreConfig {
        data_dir: dir.to_path_buf(),
        user_agent: "earshot-tests".into(),
        directories: earshot_core::directory::DirectoryEndpoints::from_env(),
        fetch: Default::default(),
        media: Default::default(),
    })
    .await
    .expect("core opens")
}

#[tokio::test]
async fn conditional_get_unchanged_and_new_episodes() {
    let server = FixtureServer::start().await.expect("server");
    let body = feed(&server.base(), "Validated");
    server.route(
        "/etag.xml",
        Route::ok("application/rss+xml", body).with_header("ETag", "\"v1\""),
    );
    let plain_body = feed(&server.base(), "Plain");
    server.route(
        "/plain.xml",
        Route::ok("application/rss+xml", plain_body.clone()),
    );
    let dir = tempfile::tempdir().expect("dir");
    let core = open(dir.path()).await;
    let validated = core
        .subscribe(&server.url("/etag.xml"), NOW)
        .await
        .expect("subscribed");
    let plain = core
        .subscribe(&server.url("/plain.xml"), NOW)
        .await
        .expect("subscribed");

    assert_eq!(
        core.refresh_show(validated.id, NOW + 60)
            .await
            .expect("refresh"),
        RefreshOutcome::NotModified
    );
    assert!(
        server
            .requests()
            .contains(&"GET /etag.xml (conditional)".to_string())
    );
    assert_eq!(
        core.refresh_show(plain.id, NOW + 60)
            .await
            .expect("refresh"),
        RefreshOutcome::Unchanged
    );
    assert_eq!(
        core.show_page(plain.id)
            .await
            .expect("page")
            .show
            .refreshed_at,
        Some(NOW + 60)
    );

    // The publisher adds an episode; the listener's place in an old one is kept.
    let old = core.show_page(plain.id).await.expect("page").episodes[2].id;
    let place = Progress {
        position_secs: 321.0,
        played: false,
    };
    core.save_progress(old, place, NOW).await.expect("saved");
    server.route(
        "/plain.xml",
        Route::ok("application/rss+xml", with_new_episode(&plain_body)),
    );
    assert_eq!(
        core.refresh_show(plain.id, NOW + 120)
            .await
            .expect("refresh"),
        RefreshOutcome::Updated { new_episodes: 1 }
    );
    let page = core.show_page(plain.id).await.expect("page");
    assert_eq!(page.episodes.len(), 25);
    assert_eq!(page.episodes[0].title, "Brand New");
    assert_eq!(core.episode(old).await.expect("episode").progress, place);
}

#[tokio::test]
async fn one_broken_feed_never_fails_the_others() {
    let server = FixtureServer::start().await.expect("server");
    for (path, title) in [
        ("/a.xml", "Show A"),
        ("/b.xml", "Show B"),
        ("/c.xml", "Show C"),
    ] {
        server.route(
            path,
            Route::ok("application/rss+xml", feed(&server.base(), title)),
        );
    }
    let dir = tempfile::tempdir().expect("dir");
    let core = open(dir.path()).await;
    let mut ids = Vec::new();
    for path in ["/a.xml", "/b.xml", "/c.xml"] {
        ids.push(
            core.subscribe(&server.url(path), NOW)
                .await
                .expect("subscribed")
                .id,
        );
    }
    let episodes_before = core.show_page(ids[1]).await.expect("page").episodes.len();

    // B starts failing, C turns into a web page.
    server.route("/b.xml", Route::status(500));
    server.route(
        "/c.xml",
        Route::ok(
            "text/html",
            "<!doctype html><html><body>moved</body></html>",
        ),
    );
    server.route(
        "/a.xml",
        Route::ok(
            "application/rss+xml",
            with_new_episode(&feed(&server.base(), "Show A")),
        ),
    );

    let seen = Arc::new(Mutex::new(Vec::new()));
    let recorder = seen.clone();
    let results = core
        .refresh_all(NOW + 60, move |p| {
            recorder.lock().unwrap().push((p.done, p.total))
        })
        .await
        .expect("refresh all");
    assert_eq!(results.len(), 3);
    let outcome = |id| {
        results
            .iter()
            .find(|r| r.show_id == id)
            .map(|r| r.outcome.clone())
            .unwrap()
    };
    assert_eq!(outcome(ids[0]), RefreshOutcome::Updated { new_episodes: 1 });
    assert!(matches!(
        outcome(ids[1]),
        RefreshOutcome::Failed {
            code: ErrorCode::HttpStatus,
            ..
        }
    ));
    assert!(matches!(
        outcome(ids[2]),
        RefreshOutcome::Failed {
            code: ErrorCode::NotAFeed,
            ..
        }
    ));
    let progress = seen.lock().unwrap().clone();
    assert_eq!(progress.first(), Some(&(0, 3)));
    assert_eq!(progress.last(), Some(&(3, 3)));

    // The broken show keeps its episodes and says what went wrong, and when.
    let broken = core.show_page(ids[1]).await.expect("page");
    assert_eq!(broken.episodes.len(), episodes_before);
    assert!(
        broken
            .show
            .last_error
            .as_deref()
            .unwrap_or_default()
            .contains("500")
    );
    assert_eq!(broken.show.last_error_at, Some(NOW + 60));
    assert_eq!(broken.show.refreshed_at, Some(NOW));

    // Fixed: the error clears.
    server.route(
        "/b.xml",
        Route::ok("application/rss+xml", feed(&server.base(), "Show B")),
    );
    assert_eq!(
        core.refresh_show(ids[1], NOW + 120).await.expect("refresh"),
        RefreshOutcome::Unchanged
    );
    let fixed = core.show_page(ids[1]).await.expect("page").show;
    assert_eq!(fixed.last_error, None);
    assert_eq!(fixed.last_error_at, None);
}

#[tokio::test]
async fn pending_migrations_back_the_library_up_first() {
    let dir = tempfile::tempdir().expect("dir");
    // A library written before the latest migration existed: every migration but the last.
    let db = dir.path().join("earshot.db");
    let options = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(&db)
        .create_if_missing(true);
    let pool = sqlx::SqlitePool::connect_with(options)
        .await
        .expect("raw connection");
    let mut older = sqlx::migrate!("./migrations");
    let mut versions: Vec<i64> = older.migrations.iter().map(|m| m.version).collect();
    versions.sort_unstable();
    let latest = versions.pop().expect("a migration");
    let previous = versions.pop().expect("two migrations");
    older.migrations = older
        .migrations
        .iter()
        .filter(|m| m.version != latest)
        .cloned()
        .collect::<Vec<_>>()
        .into();
    older.run(&pool).await.expect("older schema");
    pool.close().await;

    let core = open(dir.path()).await;
    assert!(
        dir.path()
            .join(format!("earshot.db.before-{previous}.bak"))
            .exists()
    );
    assert!(
        core.queue()
            .await
            .expect("the queue table is back")
            .is_empty()
    );
}

#[tokio::test]
async fn up_next_is_kept_in_order_across_restarts() {
    use earshot_core::{EpisodeId, Placement};
    let server = FixtureServer::start().await.expect("server");
    server.route(
        "/q.xml",
        Route::ok("application/rss+xml", feed(&server.base(), "Queued")),
    );
    let dir = tempfile::tempdir().expect("dir");
    let core = open(dir.path()).await;
    let show = core
        .subscribe(&server.url("/q.xml"), NOW)
        .await
        .expect("subscribed");
    let episodes: Vec<EpisodeId> = core
        .show_page(show.id)
        .await
        .expect("page")
        .episodes
        .iter()
        .map(|e| e.id)
        .collect();
    let (a, b, c, d) = (episodes[0], episodes[1], episodes[2], episodes[3]);
    core.enqueue(a, Placement::Last).await.expect("a");
    core.enqueue(b, Placement::Last).await.expect("b");
    core.enqueue(c, Placement::Next).await.expect("c");
    core.enqueue(d, Placement::Last).await.expect("d");
    core.move_in_queue(d, 1).await.expect("moved");
    core.dequeue(a).await.expect("removed");
    assert!(
        core.enqueue(EpisodeId(999_999), Placement::Last)
            .await
            .is_err()
    );
    core.close().await;

    let core = open(dir.path()).await;
    let order: Vec<EpisodeId> = core
        .queue()
        .await
        .expect("queue")
        .iter()
        .map(|e| e.id)
        .collect();
    assert_eq!(order, vec![c, d, b]);
    // When c ends, d is next and leaves the queue.
    assert_eq!(core.take_next(c).await.expect("next"), Some(d));
    let order: Vec<EpisodeId> = core
        .queue()
        .await
        .expect("queue")
        .iter()
        .map(|e| e.id)
        .collect();
    assert_eq!(order, vec![b]);
    core.clear_queue().await.expect("cleared");
    assert_eq!(core.take_next(b).await.expect("next"), None);
}
