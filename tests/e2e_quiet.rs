//! A large library stays quiet while an episode plays, in the real app over WebDriver: with
//! hundreds of shows followed and a 5,000-episode show's page scrolled past row 1,000, playing
//! makes no list fetch at all (every IPC call the page makes is counted), the loaded rows and
//! the scroll position stay exactly where the listener left them, and the row that plays shows
//! its progress moving. The whole app's CPU (the Rust process and every WebKit process) over the
//! playing stretch is measured and printed, never asserted: a figure for the closing note.
//!
//! The sizes default to what keeps CI quick; the issue's measurement uses
//! `EARSHOT_QUIET_SHOWS=500 EARSHOT_QUIET_SECS=60` (and `EARSHOT_QUIET_APP=<binary>` runs the
//! same journey against another build of the app, for a before-figure).

mod common;

use std::time::{Duration, Instant};

use common::*;
use earshot_core::{Core, CoreConfig};
use earshot_testkit::{FixtureServer, Route};

#[tokio::test(flavor = "multi_thread")]
async fn playing_in_a_large_library_fetches_no_lists_and_moves_nothing() {
    let shows = setting("EARSHOT_QUIET_SHOWS", 100);
    let episodes = setting("EARSHOT_QUIET_EPISODES", 20);
    let play_secs = setting("EARSHOT_QUIET_SECS", 15) as u64;
    let server = FixtureServer::start().await.expect("server");
    let base = server.base();
    let dir = tempfile::tempdir().expect("dir");
    let data = dir.path().join("library");

    // The library, written by the core before the app starts: `shows` small shows and the long one.
    let mut opml = String::from(r#"<?xml version="1.0"?><opml version="2.0"><body>"#);
    for n in 0..shows {
        let path = format!("/feeds/{n}.xml");
        server.route(
            &path,
            Route::ok(
                "application/rss+xml",
                numbered_feed(
                    &base,
                    &format!("s{n}"),
                    &format!("Show {n}"),
                    "Episode",
                    episodes,
                ),
            ),
        );
        opml.push_str(&format!(
            r#"<outline type="rss" text="Show {n}" xmlUrl="{}"/>"#,
            server.url(&path)
        ));
    }
    opml.push_str("</body></opml>");
    server.route(
        "/long.xml",
        Route::ok(
            "application/rss+xml",
            numbered_feed(&base, "long", "Long Show", "Long episode", 5_000),
        ),
    );
    let media = tempfile::tempdir().expect("media dir");
    let (_, audio) = serve_fixture_show(&server, media.path(), play_secs as u32 + 60);
    // The row played is row 1,001 of the newest-first list: episode 4,000.
    server.route(
        "/audio/long-4000.mp3",
        Route::ok("audio/mpeg", audio).with_header("ETag", "\"tone\""),
    );
    {
        let started = Instant::now();
        // Checked now, so the app's background refresh is not due during the measurement.
        let now = chrono::Utc::now().timestamp();
        let core = Core::open(CoreConfig::new(&data)).await.expect("library");
        let report = core
            .import_opml(opml.as_bytes(), now)
            .await
            .expect("imported");
        core.refresh_shows(Some(&report.added), now, |_| {})
            .await
            .expect("refreshed");
        core.subscribe(&server.url("/long.xml"), now)
            .await
            .expect("long show");
        core.close().await;
        println!(
            "e2e quiet: a library of {shows} shows × {episodes} episodes and a 5,000-episode show in {:.1} s",
            started.elapsed().as_secs_f64()
        );
    }

    let (_xvfb, display) = display();
    let driver = start_driver(&display, &data);
    // Another build of the app (an earlier version, for a before-figure) when asked for.
    let app = std::env::var_os("EARSHOT_QUIET_APP")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| env!("CARGO_BIN_EXE_earshot").into());
    let client = launch_binary(&driver, &app).await;
    let long = eventually(
        "the long show in the sidebar",
        Duration::from_secs(60),
        || async {
            client
                .find(fantoccini::Locator::XPath(
                    "//nav//button[.//span[text()='Long Show']]",
                ))
                .await
                .ok()
        },
    )
    .await;
    long.click().await.expect("opened the long show");
    eventually("the long show's rows", Duration::from_secs(30), || async {
        text_of(&client, "[data-testid=episode] [data-testid=episode-title]")
            .await
            .filter(|t| t == "Long episode 5000")
    })
    .await;

    // Scroll down until more than 1,100 rows are loaded, then bring row 1,001 into view.
    let rows_loaded = || async {
        client
            .execute(
                "return document.querySelectorAll('[data-testid=episode]').length;",
                vec![],
            )
            .await
            .ok()
            .and_then(|v| v.as_u64())
            .unwrap_or(0)
    };
    let deadline = Instant::now() + Duration::from_secs(120);
    while rows_loaded().await < 1_100 {
        assert!(Instant::now() < deadline, "rows stopped loading");
        client
            .execute(
                "document.querySelector('main.content').scrollTop = 1e9; return true;",
                vec![],
            )
            .await
            .expect("scrolled");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    // Let the last page settle, then place row 1,001 in the middle of the view.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let scroll_to_row = r#"
        const row = document.querySelectorAll('[data-testid=episode]')[1000];
        row.scrollIntoView({ block: 'center', behavior: 'instant' });
        return row.querySelector('[data-testid=episode-title]').textContent;"#;
    let title = client
        .execute(scroll_to_row, vec![])
        .await
        .expect("row 1,001 in view");
    assert_eq!(title.as_str(), Some("Long episode 4000"));

    // Count every IPC call from here on, by command.
    client
        .execute(
            // Commands travel as requests to `ipc://localhost/<command>` (or, where that fails,
            // as a message through the webview's IPC handler): both are counted.
            r#"window.__calls = {};
            const count = (cmd) => { window.__calls[cmd] = (window.__calls[cmd] || 0) + 1; };
            const fetch = window.fetch.bind(window);
            window.fetch = (input, init) => {
                const url = typeof input === 'string' ? input : input.url;
                const m = /^(?:ipc:\/\/localhost|http:\/\/ipc\.localhost)\/([^?]+)/.exec(url);
                if (m) count(decodeURIComponent(m[1]));
                return fetch(input, init);
            };
            const post = window.ipc && window.ipc.postMessage && window.ipc.postMessage.bind(window.ipc);
            if (post) {
                window.ipc.postMessage = (message) => {
                    try { count(JSON.parse(message).cmd); } catch (_) { count('?'); }
                    return post(message);
                };
            }
            return true;"#,
            vec![],
        )
        .await
        .expect("IPC counted");
    let place = || async {
        client
            .execute(
                "return [document.querySelector('main.content').scrollTop, \
                 document.querySelectorAll('[data-testid=episode]').length];",
                vec![],
            )
            .await
            .expect("place read")
    };
    let before = place().await;

    // Play row 1,001 from its own Play button.
    client
        .execute(
            "document.querySelectorAll('[data-testid=episode]')[1000] \
             .querySelector('[data-testid=play-episode]').click(); return true;",
            vec![],
        )
        .await
        .expect("play clicked");
    wait_for_player_state(&client, "playing").await;
    let pid = app_pid(&data, &app).expect("the app's process");
    // The place saver writes every 10 s and the position ticks: measure a stretch of playing.
    let cpu_before = cpu_secs(pid);
    let started = Instant::now();
    tokio::time::sleep(Duration::from_secs(play_secs)).await;
    let (cpu, by_process) = cpu_used(&cpu_before, &cpu_secs(pid));
    let wall = started.elapsed().as_secs_f64();
    println!(
        "e2e quiet: playing {wall:.0} s used {cpu:.2} s of CPU ({:.1} % of one core; {by_process})",
        cpu / wall * 100.0
    );
    let (position, _) = player_time(&client).await.expect("the player's clock");
    assert!(
        position >= play_secs as f64 - 3.0,
        "played to {position} s in {wall:.0} s"
    );
    let after = place().await;
    let calls = client
        .execute("return window.__calls;", vec![])
        .await
        .expect("calls read");
    println!(
        "e2e quiet: {} rows loaded before, {} after; scrolled to {} px before, {} px after; IPC calls while playing: {calls}",
        before[1], after[1], before[0], after[0]
    );
    // Pause: the place is saved once more, and shown in the row.
    click(&client, "[data-testid=player-toggle]").await;
    wait_for_player_state(&client, "paused").await;
    // The playing row shows the place saved on pause (an earlier build may have lost the row).
    let deadline = Instant::now() + Duration::from_secs(10);
    let progress = loop {
        let shown = client
            .execute(
                "const row = document.querySelectorAll('[data-testid=episode]')[1000]; \
                 const b = row && row.querySelector('[data-testid=episode-progress]'); \
                 return b ? b.textContent : null;",
                vec![],
            )
            .await
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned));
        if shown.is_some() || Instant::now() > deadline {
            break shown;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    // Saving the place on pause reloads nothing either: the list is as it was.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let paused_place = place().await;
    println!(
        "e2e quiet: after pausing, {} rows loaded, scrolled to {} px",
        paused_place[1], paused_place[0]
    );
    // The same stretch paused, for comparison.
    let idle_from = cpu_secs(pid);
    let idle_started = Instant::now();
    tokio::time::sleep(Duration::from_secs(play_secs.min(10))).await;
    let (idle, _) = cpu_used(&idle_from, &cpu_secs(pid));
    let idle_wall = idle_started.elapsed().as_secs_f64();
    println!(
        "e2e quiet: paused: {:.1} % of one core; the row shows {progress:?}",
        idle / idle_wall * 100.0
    );

    for list in [
        "get_episodes",
        "list_shows",
        "get_show",
        "get_episodes_by_id",
        "get_episode",
    ] {
        assert!(
            calls.get(list).is_none(),
            "playback caused {list} calls: {calls}"
        );
    }
    assert_eq!(before, after, "the list moved or shrank while playing");
    assert_eq!(before, paused_place, "the list moved or shrank on pausing");
    assert!(progress.is_some(), "the playing row shows no progress");
    let _ = client.close().await;
}
