//! The app as a desktop citizen, for real: the OS media controls (MPRIS) and the tray menu, on
//! the session bus of the test (`dbus-run-session`), with the real app in a real window.
//!
//! `playerctl` reads the episode's metadata from the app and drives it: play-pause, position,
//! next (skip forward). The tray menu is published over D-Bus (`com.canonical.dbusmenu`) even
//! with no tray host, so `gdbus` can click Play/Pause in it; the player follows, and so does the
//! item's label. A second launch with a podcast link hands the link to the running window, which
//! asks before subscribing.

mod common;

use std::process::Command;
use std::time::Duration;

use common::tray::{click_tray, tray_items, tray_menu};
use common::*;
use earshot_testkit::{FixtureServer, Route};
use fantoccini::Locator;

fn playerctl(args: &[&str]) -> Option<String> {
    let output = Command::new("playerctl")
        .args(["--player", "earshot"])
        .args(args)
        .output()
        .expect("playerctl (package playerctl) runs");
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).trim().to_string())
}

#[tokio::test(flavor = "multi_thread")]
async fn media_keys_and_tray_drive_the_player() {
    let data = tempfile::tempdir().expect("data dir");
    let media = tempfile::tempdir().expect("media dir");
    let server = FixtureServer::start().await.expect("server");
    let (feed, _) = serve_fixture_show(&server, media.path(), 180);
    let episode_title = titles_in(&feed)[0].clone();

    let (_xvfb, display) = display();
    let driver = start_driver(&display, data.path());
    let client = launch(&driver).await;
    subscribe_in_app(&client, &server.url("/feed.xml")).await;
    eventually("the episodes", Duration::from_secs(30), || async {
        (!texts_of(&client, "[data-testid=episode-title]")
            .await
            .is_empty())
        .then_some(())
    })
    .await;
    click(
        &client,
        "[data-testid=episode]:first-child [data-testid=play-episode]",
    )
    .await;
    wait_for_player_state(&client, "playing").await;

    // MPRIS: what the desktop's media widget shows.
    let status = eventually("MPRIS to say Playing", Duration::from_secs(10), || async {
        playerctl(&["status"]).filter(|s| s == "Playing")
    })
    .await;
    assert_eq!(status, "Playing");
    assert_eq!(
        playerctl(&["metadata", "title"]).as_deref(),
        Some(episode_title.as_str())
    );
    // The chapter playing (from the timecodes in the episode's notes) goes before the show on
    // the artist line; the title stays the episode's.
    let artist = eventually("MPRIS's artist line", Duration::from_secs(10), || async {
        playerctl(&["metadata", "artist"]).filter(|a| a.ends_with("The Backend Hour"))
    })
    .await;
    assert_eq!(artist, "Intro · The Backend Hour");
    let art = playerctl(&["metadata", "mpris:artUrl"]).unwrap_or_default();
    assert!(
        art.starts_with("file://") && art.contains("artwork"),
        "{art}"
    );
    let length: f64 = eventually(
        "the length from the stream",
        Duration::from_secs(10),
        || async {
            playerctl(&["metadata", "mpris:length"])
                .and_then(|l| l.parse::<f64>().ok())
                .filter(|l| *l > 0.0)
        },
    )
    .await;
    assert!((length / 1e6 - 180.0).abs() < 2.0, "{length}");

    // The media keys drive the player, and the app's own player bar shows it.
    playerctl(&["play-pause"]).expect("play-pause");
    wait_for_player_state(&client, "paused").await;
    assert_eq!(playerctl(&["status"]).as_deref(), Some("Paused"));
    playerctl(&["position", "60"]).expect("position");
    let (at, _) = eventually("the player at 1:00", Duration::from_secs(10), || async {
        player_time(&client)
            .await
            .filter(|(at, _)| (*at - 60.0).abs() < 1.5)
    })
    .await;
    assert!((at - 60.0).abs() < 1.5);
    let reported: f64 = playerctl(&["position"])
        .and_then(|p| p.parse().ok())
        .unwrap_or_default();
    assert!((reported - 60.0).abs() < 1.5, "MPRIS position {reported}");
    // Next is skip forward (30 s by default).
    playerctl(&["next"]).expect("next");
    eventually("the player at 1:30", Duration::from_secs(10), || async {
        player_time(&client)
            .await
            .filter(|(at, _)| (*at - 90.0).abs() < 1.5)
    })
    .await;
    playerctl(&["previous"]).expect("previous");
    eventually("the player at 1:20", Duration::from_secs(10), || async {
        player_time(&client)
            .await
            .filter(|(at, _)| (*at - 80.0).abs() < 1.5)
    })
    .await;

    // The tray menu: paused, it offers Play; clicking it plays, and the label becomes Pause.
    let menu = eventually(
        "the tray menu on the bus",
        Duration::from_secs(10),
        || async { tray_menu() },
    )
    .await;
    let items = tray_items(&menu);
    let labels: Vec<&str> = items.iter().map(|(_, l)| l.as_str()).collect();
    assert!(
        labels.contains(&"Skip back")
            && labels.contains(&"Skip forward")
            && labels.contains(&"Quit Earshot"),
        "{labels:?}"
    );
    assert!(
        labels
            .iter()
            .any(|l| l.starts_with(&episode_title) && l.ends_with("The Backend Hour")),
        "now playing in the menu: {labels:?}"
    );
    // The chapter line and the chapter items.
    assert!(
        labels
            .iter()
            .any(|l| l.starts_with("Chapter 1 of ") && l.ends_with(": Intro")),
        "the chapter playing in the menu: {labels:?}"
    );
    assert!(
        labels.contains(&"Previous chapter") && labels.contains(&"Next chapter"),
        "{labels:?}"
    );
    let (play, _) = items
        .iter()
        .find(|(_, l)| l == "Play")
        .cloned()
        .unwrap_or_else(|| panic!("a Play item while paused: {labels:?}"));
    click_tray(&menu, play);
    wait_for_player_state(&client, "playing").await;
    let relabelled = eventually(
        "the item to read Pause",
        Duration::from_secs(10),
        || async {
            tray_items(&menu)
                .into_iter()
                .find(|(id, l)| *id == play && l == "Pause")
        },
    )
    .await;
    assert_eq!(relabelled.1, "Pause");
    click_tray(&menu, play);
    wait_for_player_state(&client, "paused").await;

    // Skip forward from the tray moves the player 30 s on.
    let (before, _) = player_time(&client).await.expect("time");
    let (forward, _) = items
        .iter()
        .find(|(_, l)| l == "Skip forward")
        .cloned()
        .expect("Skip forward");
    click_tray(&menu, forward);
    eventually("the player 30 s on", Duration::from_secs(10), || async {
        player_time(&client)
            .await
            .filter(|(at, _)| (*at - before - 30.0).abs() < 1.5)
    })
    .await;
    println!("MPRIS and the tray menu both drive the player; labels follow its state");

    // A second launch with a podcast link: it hands the link over and quits; the running window
    // asks, and subscribes on confirmation.
    server.route(
        "/second.xml",
        Route::ok(
            "application/rss+xml; charset=utf-8",
            earshot_testkit::fixture_show(&server.base(), "Second Show", "second-show-guid"),
        ),
    );
    let link = format!("feed:{}", server.url("/second.xml"));
    let mut second = Command::new(env!("CARGO_BIN_EXE_earshot"))
        .arg(&link)
        .env("DISPLAY", &display)
        .env("EARSHOT_DATA_DIR", data.path())
        .env("EARSHOT_AUDIO_SINK", "fakesink sync=true")
        .spawn()
        .expect("a second Earshot starts");
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let exited = loop {
        if let Some(status) = second.try_wait().expect("the second launch") {
            break status;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the second launch did not hand over and quit"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(
        exited.success(),
        "the second launch exits cleanly: {exited}"
    );
    let asked = eventually("the confirmation", Duration::from_secs(10), || async {
        text_of(&client, "[data-testid=subscribe-request]").await
    })
    .await;
    assert!(asked.contains("podcast link"), "{asked}");
    let field = client
        .find(Locator::Css("[data-testid=add-podcast-url]"))
        .await
        .expect("the address field");
    assert_eq!(
        field.prop("value").await.expect("value").as_deref(),
        Some(server.url("/second.xml").as_str())
    );
    click(&client, "[data-testid=add-podcast-submit]").await;
    let title = eventually("the new show's page", Duration::from_secs(30), || async {
        text_of(&client, "[data-testid=show-title]")
            .await
            .filter(|t| t == "Second Show")
    })
    .await;
    assert_eq!(title, "Second Show");
    println!("a second launch with {link} asked, then subscribed in the running window");
    let _ = client.close().await;
}
