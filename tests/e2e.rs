//! The end-to-end journey, in the real app: the built `earshot` binary in a real WebKitGTK window
//! (under Xvfb when there is no display), driven over WebDriver (tauri-driver + WebKitWebDriver),
//! against a loopback server that serves a fixture feed, artwork and real MP3 audio.
//!
//! Subscribe (after three bad addresses that must leave the library untouched), see the show,
//! play, watch the position advance, pause, seek by clicking the bar, quit, start again and find
//! the subscription and the place. Screenshots go to `target/e2e-screenshots/`.

mod common;

use std::time::{Duration, Instant};

use common::*;
use earshot_testkit::{FixtureServer, Route};
use fantoccini::Locator;

/// From an episode's page (or now playing), back to its show through the show's name.
async fn back_to_show(client: &fantoccini::Client, view: &str) {
    click(client, &format!("[data-testid={view}] button.show")).await;
    eventually("the show page again", Duration::from_secs(10), || async {
        client
            .find(Locator::Css("[data-testid=show-page]"))
            .await
            .ok()
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn subscribe_play_pause_seek_and_resume_after_restart() {
    let started = Instant::now();
    let data = tempfile::tempdir().expect("data dir");
    let media = tempfile::tempdir().expect("media dir");

    // Loopback server: the feed, its artwork, 120 s of real MP3 per episode, and bad answers.
    let server = FixtureServer::start().await.expect("server");
    let (feed, _) = serve_fixture_show(&server, media.path(), 120);
    server.route(
        "/about.html",
        Route::ok(
            "text/html",
            "<!doctype html><html><body>Our show!</body></html>",
        ),
    );
    let expected_titles = titles_in(&feed);
    assert_eq!(expected_titles.len(), 24);

    let (_xvfb, display) = display();
    let driver = start_driver(&display, data.path());

    // First run. (WebKitWebDriver answers screenshots only once the window has had input, so
    // every screenshot below comes after a click.)
    let client = launch(&driver).await;
    open_add_podcast(&client).await;

    expect_add_error(&client, &server.url("/missing.xml"), "404").await;
    expect_add_error(&client, &server.url("/about.html"), "not a podcast feed").await;
    let closed = format!("http://127.0.0.1:{}/feed.xml", free_port());
    expect_add_error(&client, &closed, "Could not reach").await;
    assert!(
        texts_of(&client, "[data-testid=library-show]")
            .await
            .is_empty(),
        "bad addresses must leave the library empty"
    );

    add_podcast(&client, &server.url("/feed.xml")).await;
    let title = eventually("the show page", Duration::from_secs(30), || async {
        text_of(&client, "[data-testid=show-title]").await
    })
    .await;
    assert_eq!(title, "The Backend Hour");
    assert_eq!(
        text_of(&client, "[data-testid=show-author]")
            .await
            .as_deref(),
        Some("Sam Rivera")
    );
    let shown_titles = eventually("all episodes listed", Duration::from_secs(10), || async {
        let titles = texts_of(&client, "[data-testid=episode-title]").await;
        (titles.len() == expected_titles.len()).then_some(titles)
    })
    .await;
    assert_eq!(shown_titles, expected_titles);
    let durations = texts_of(&client, "[data-testid=episode-duration]").await;
    assert_eq!(
        durations.first().map(String::as_str),
        Some("24 minutes 26 seconds")
    );
    let artwork_loaded = eventually("the artwork from the artwork: protocol", Duration::from_secs(10), || async {
        let loaded = client
            .execute(
                "const img = document.querySelector('[data-testid=show-page] [data-testid=artwork]'); \
                 return !!img && img.complete && img.naturalWidth > 0;",
                vec![],
            )
            .await
            .ok()?;
        loaded.as_bool().filter(|l| *l)
    })
    .await;
    assert!(artwork_loaded);
    let notes_html: String = client
        .execute(
            "return document.querySelector('[data-testid=show-page]').innerHTML;",
            vec![],
        )
        .await
        .expect("page html")
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        !notes_html.contains("<script"),
        "show notes must be sanitized"
    );
    assert!(screenshot(&client, "show-page.png").await);

    // The publisher adds an episode; Refresh brings it in at the top.
    let updated = feed.replacen(
        "    <item>",
        "    <item>\n      <title>Breaking: A New Episode</title>\n      <guid>new-1</guid>\n      <pubDate>Wed, 25 Nov 2026 09:00:00 +0000</pubDate>\n      <enclosure url=\"{{BASE}}/audio/episode-001.mp3\" type=\"audio/mpeg\"/>\n    </item>\n    <item>",
        1,
    ).replace("{{BASE}}", &server.base());
    server.route(
        "/feed.xml",
        Route::ok("application/rss+xml; charset=utf-8", updated),
    );
    click(&client, "[data-testid=refresh-show]").await;
    let refreshed = eventually(
        "the new episode after Refresh",
        Duration::from_secs(20),
        || async {
            let titles = texts_of(&client, "[data-testid=episode-title]").await;
            (titles.len() == expected_titles.len() + 1).then_some(titles)
        },
    )
    .await;
    assert_eq!(refreshed[0], "Breaking: A New Episode");
    assert_eq!(&refreshed[1..], &expected_titles[..]);

    // Play the newest episode and watch the clock.
    click(
        &client,
        "[data-testid=episode]:nth-child(2) [data-testid=play-episode]",
    )
    .await;
    wait_for_player_state(&client, "playing").await;
    assert_eq!(
        text_of(&client, "[data-testid=player-title]")
            .await
            .as_deref(),
        Some(expected_titles[0].as_str())
    );
    let (_, duration) = playback_advances(&client, 2.0, Duration::from_secs(5)).await;
    assert!(
        (duration - 120.0).abs() <= 2.0,
        "the bar shows the real duration: {duration}"
    );
    assert!(screenshot(&client, "playing.png").await);

    // The player bar opens the now-playing view of the same episode, notes and all.
    let playing_title = text_of(&client, "[data-testid=player-title]")
        .await
        .expect("player title");
    click(&client, "[data-testid=open-now-playing]").await;
    let now_playing = eventually("the now-playing view", Duration::from_secs(10), || async {
        text_of(&client, "[data-testid=now-playing-title]").await
    })
    .await;
    assert_eq!(now_playing, playing_title);
    eventually(
        "the notes in now playing",
        Duration::from_secs(10),
        || async {
            text_of(&client, "[data-testid=now-playing] .notes")
                .await
                .filter(|notes| !notes.is_empty())
        },
    )
    .await;
    screenshot(&client, "now-playing.png").await;
    // Back to the show, through the show's name in the view.
    back_to_show(&client, "now-playing").await;

    click(&client, "[data-testid=player-toggle]").await;
    wait_for_player_state(&client, "paused").await;

    // Seek by clicking the middle of the bar: 60 s of 120 s.
    click(&client, "[data-testid=player-seek]").await;
    let (saved, _) = eventually(
        "the seek to land near 1:00",
        Duration::from_secs(10),
        || async {
            player_time(&client)
                .await
                .filter(|(p, _)| (*p - 60.0).abs() <= 3.0)
        },
    )
    .await;
    // The saver writes on seek; give the write a moment before quitting.
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert!(screenshot(&client, "paused-after-seek.png").await);
    client.close().await.expect("app closed");

    // Second run against the same data folder.
    // A fresh driver too: WebKitWebDriver's second session on one process can stop answering.
    drop(driver);
    let driver = start_driver(&display, data.path());
    let client = launch(&driver).await;
    let restored_show = eventually(
        "the subscription after restart",
        Duration::from_secs(30),
        || async {
            let shows = texts_of(&client, "[data-testid=library-show]").await;
            (!shows.is_empty()).then_some(shows)
        },
    )
    .await;
    click(&client, "[data-testid=library-show]").await;
    let progress = eventually(
        "the episode's progress on the show page",
        Duration::from_secs(20),
        || async { text_of(&client, "[data-testid=episode-progress]").await },
    )
    .await;
    assert!(progress.contains("min left"), "{progress}");
    assert_eq!(restored_show.len(), 1);
    assert!(
        restored_show[0].contains("The Backend Hour"),
        "{restored_show:?}"
    );
    eventually(
        "the episode back in the player",
        Duration::from_secs(20),
        || async {
            text_of(&client, "[data-testid=player-title]")
                .await
                .filter(|t| t == &expected_titles[0])
        },
    )
    .await;
    let (resumed, _) = eventually("the saved place", Duration::from_secs(20), || async {
        player_time(&client)
            .await
            .filter(|(p, _)| (*p - saved).abs() <= 2.0)
    })
    .await;
    assert!(
        (resumed - saved).abs() <= 2.0,
        "resumed at {resumed}, saved {saved}"
    );
    assert!(screenshot(&client, "restored.png").await);

    // Playing on continues from there.
    click(&client, "[data-testid=player-toggle]").await;
    eventually(
        "playback from the saved place",
        Duration::from_secs(20),
        || async {
            player_time(&client)
                .await
                .filter(|(p, _)| *p > saved + 0.5 && *p < saved + 10.0)
        },
    )
    .await;

    // The playing episode's own page: its title in the list opens it, and a timecode in its
    // notes jumps there.
    let row_title = text_of(
        &client,
        "[data-testid=episode]:nth-child(2) [data-testid=episode-title]",
    )
    .await
    .expect("the playing episode's row");
    click(
        &client,
        "[data-testid=episode]:nth-child(2) [data-testid=episode-title] button",
    )
    .await;
    let page_title = eventually("the episode page", Duration::from_secs(10), || async {
        text_of(&client, "[data-testid=episode-page-title]").await
    })
    .await;
    assert_eq!(page_title, row_title);
    let clicked = client
        .execute(
            "const page = document.querySelector('[data-testid=episode-page]'); \
             const code = Array.from(page.querySelectorAll('[data-testid=timecode]')) \
                 .find(b => b.textContent === '1:30'); \
             if (code) code.click(); return !!code;",
            vec![],
        )
        .await
        .expect("clicked a timecode");
    assert_eq!(
        clicked,
        serde_json::Value::Bool(true),
        "the 1:30 timecode is a link"
    );
    eventually("the jump to 1:30", Duration::from_secs(10), || async {
        player_time(&client)
            .await
            .filter(|(p, _)| (89.0..=95.0).contains(p))
    })
    .await;
    // (No screenshot here: WebKitWebDriver's screenshots can hang while playback redraws the
    // page, and take the session down with them.)
    back_to_show(&client, "episode-page").await;

    // Skip back goes 10 s back.
    let (before_skip, _) = player_time(&client).await.expect("a clock");
    click(&client, "[data-testid=player-skip-back]").await;
    eventually("a 10 s skip back", Duration::from_secs(10), || async {
        player_time(&client)
            .await
            .filter(|(p, _)| *p >= before_skip - 11.0 && *p <= before_skip - 6.0)
    })
    .await;

    // Up Next: queue an episode to play next, go to the end, and it starts by itself.
    scroll_into_view(&client, "[data-testid=episode]:nth-child(3)").await;
    click(
        &client,
        "[data-testid=episode]:nth-child(3) [data-testid=episode-play-next]",
    )
    .await;
    click(&client, "[data-testid=up-next-toggle]").await;
    let queued = eventually(
        "the episode in Up Next",
        Duration::from_secs(10),
        || async {
            let items = texts_of(&client, "[data-testid=up-next-item]").await;
            (!items.is_empty()).then_some(items)
        },
    )
    .await;
    assert_eq!(queued.len(), 1);
    assert!(queued[0].contains(&expected_titles[1]), "{queued:?}");
    // Drag the bar to its end (as the UI sees it: the range's value changes, then `change`).
    client
        .execute(
            "const bar = document.querySelector('[data-testid=player-seek]'); \
             bar.value = bar.max; \
             bar.dispatchEvent(new Event('input', { bubbles: true })); \
             bar.dispatchEvent(new Event('change', { bubbles: true }));",
            vec![],
        )
        .await
        .expect("moved the bar to the end");
    eventually(
        "the queued episode to start",
        Duration::from_secs(30),
        || async {
            text_of(&client, "[data-testid=player-title]")
                .await
                .filter(|t| t == &expected_titles[1])
        },
    )
    .await;
    wait_for_player_state(&client, "playing").await;
    assert!(
        texts_of(&client, "[data-testid=up-next-item]")
            .await
            .is_empty()
    );
    eventually(
        "the finished episode marked played",
        Duration::from_secs(10),
        || async {
            text_of(&client, "[data-testid=episode]:nth-child(2)")
                .await
                .filter(|row| row.contains("Played") && !row.contains("min left"))
        },
    )
    .await;
    assert!(screenshot(&client, "up-next.png").await);
    client.close().await.expect("app closed");

    eprintln!(
        "e2e journey wall time: {:.1} s",
        started.elapsed().as_secs_f64()
    );
}
