//! Sync in the real app, against the real gpodder.net-API server the sync tests use
//! (gpodder-fastapi-router under uvicorn, installed by `cargo xtask setup`): sign in through
//! Settings, see the status, and a position another device sets through the API appears in the
//! player after "Sync now".

mod common;

use std::time::Duration;

use common::*;
use earshot_testkit::FixtureServer;
use earshot_testkit::sync::GpodderServer;
use fantoccini::{Client, Locator};

const USER: &str = "sam";
const PASSWORD: &str = "correct horse";

async fn fill(client: &Client, css: &str, text: &str) {
    let field = eventually(css, Duration::from_secs(10), || async {
        client.find(Locator::Css(css)).await.ok()
    })
    .await;
    field.clear().await.expect("cleared");
    field.send_keys(text).await.expect("typed");
}

#[tokio::test(flavor = "multi_thread")]
async fn sign_in_see_the_status_and_take_another_device_s_place() {
    let gpodder = GpodderServer::start().await;
    gpodder.register(USER, PASSWORD).await;
    let data = tempfile::tempdir().expect("data dir");
    let media = tempfile::tempdir().expect("media dir");
    let feeds = FixtureServer::start().await.expect("server");
    let (feed, _) = serve_fixture_show(&feeds, media.path(), 60);
    let feed_url = feeds.url("/feed.xml");
    let newest_audio = feed
        .split("<enclosure url=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the newest episode's audio")
        .to_string();

    let (_xvfb, display) = display();
    let driver = start_driver(&display, data.path());
    let client = launch(&driver).await;
    subscribe_in_app(&client, &feed_url).await;
    // The newest episode in the player, paused near its start.
    click(
        &client,
        "[data-testid=episode]:first-child [data-testid=play-episode]",
    )
    .await;
    wait_for_player_state(&client, "playing").await;
    playback_advances(&client, 1.0, Duration::from_secs(20)).await;
    click(&client, "[data-testid=player-toggle]").await;
    wait_for_player_state(&client, "paused").await;

    // Sign in through Settings (the sidebar's entry leads there).
    let entry = text_of(&client, "[data-testid=sidebar-sync]").await;
    assert_eq!(entry.as_deref(), Some("Sign in"));
    click(&client, "[data-testid=sidebar-sync]").await;
    shown(&client, "[data-testid=settings-sync]").await;
    fill(&client, "[data-testid=sync-server]", &gpodder.base()).await;
    fill(&client, "[data-testid=sync-user]", USER).await;
    fill(&client, "[data-testid=sync-password]", PASSWORD).await;
    fill(&client, "[data-testid=sync-device]", "desk").await;
    click(&client, "[data-testid=sync-sign-in]").await;
    let account = eventually("signed in", Duration::from_secs(20), || async {
        text_of(&client, "[data-testid=sync-account]").await
    })
    .await;
    assert!(
        account.contains(USER) && account.contains("desk"),
        "{account}"
    );
    let status = eventually("the first sync", Duration::from_secs(30), || async {
        text_of(&client, "[data-testid=sync-status]")
            .await
            .filter(|s| s.starts_with("Synced"))
    })
    .await;
    println!("sync status: {status}");
    // The show followed here reached the server.
    let (code, subscriptions) = gpodder
        .call(
            "GET",
            &format!("/api/2/subscriptions/{USER}/desk.json?since=0"),
            Some((USER, PASSWORD)),
            None,
        )
        .await;
    assert_eq!(code, 200, "{subscriptions}");
    assert!(
        subscriptions.to_string().contains("/feed.xml"),
        "the server has this device's show: {subscriptions}"
    );

    // Another device, later, is 42 s into the same episode.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let timestamp = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S").to_string();
    let (code, answer) = gpodder
        .call(
            "POST",
            &format!("/api/2/episodes/{USER}.json"),
            Some((USER, PASSWORD)),
            Some(serde_json::json!([{
                "podcast": feed_url,
                "episode": newest_audio,
                "guid": "backend-show-024",
                "device": "phone",
                "action": "play",
                "started": 0,
                "position": 42,
                "total": 60,
                "timestamp": timestamp,
            }])),
        )
        .await;
    assert_eq!(code, 200, "{answer}");
    click(&client, "[data-testid=sync-now]").await;
    let (at, _) = eventually(
        "the other device's place in the player",
        Duration::from_secs(20),
        || async {
            player_time(&client)
                .await
                .filter(|(at, _)| (*at - 42.0).abs() <= 1.0)
        },
    )
    .await;
    println!("the player took the phone's place: {at} s");
    let sidebar = text_of(&client, "[data-testid=sidebar-sync]").await;
    assert_eq!(sidebar.as_deref(), Some("Synced"));

    let _ = client.close().await;
}
