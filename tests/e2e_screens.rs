//! Every screen, in the light and the dark theme, saved as PNG under `target/e2e-screenshots/`
//! (`<screen>-<theme>.png`) from the real app: the library, a show page, an episode page, the
//! now-playing view, the downloads view and the settings. Each screen is checked to be the one
//! asked for, and the theme to be the one applied, before its picture is taken.
//!
//! The pictures are taken from the X display with GStreamer's `ximagesrc` rather than over
//! WebDriver: WebKitWebDriver's screenshot never returns on some views (the downloads view, a
//! playing episode's page), and takes the session down with it.

mod common;

use std::time::Duration;

use common::*;
use earshot_testkit::FixtureServer;
use fantoccini::{Client, Locator};

async fn open_library(client: &Client) {
    client
        .find(Locator::XPath("//button[normalize-space()='Library']"))
        .await
        .expect("the Library button")
        .click()
        .await
        .expect("clicked Library");
    eventually("the library grid", Duration::from_secs(10), || async {
        (!texts_of(client, "[data-testid=library-show]")
            .await
            .is_empty())
        .then_some(())
    })
    .await;
}

/// Saves the display as `target/e2e-screenshots/<name>` once the page has settled.
async fn take(display: &str, name: &str, saved: &mut Vec<(String, Vec<u8>)>) {
    let png = capture_display(display, name).await;
    saved.push((name.to_string(), png));
}

#[tokio::test(flavor = "multi_thread")]
async fn every_screen_in_both_themes() {
    let data = tempfile::tempdir().expect("data dir");
    let media = tempfile::tempdir().expect("media dir");
    let server = FixtureServer::start().await.expect("server");
    serve_fixture_show(&server, media.path(), 60);

    let (_xvfb, display) = display();
    let driver = start_driver(&display, data.path());
    let client = launch(&driver).await;
    subscribe_in_app(&client, &server.url("/feed.xml")).await;
    // An episode in the player (paused: screenshots during playback can stall the driver) and
    // one downloaded, so those screens have something to show.
    click(
        &client,
        "[data-testid=episode]:first-child [data-testid=play-episode]",
    )
    .await;
    wait_for_player_state(&client, "playing").await;
    click(&client, "[data-testid=player-toggle]").await;
    wait_for_player_state(&client, "paused").await;
    let download = client
        .find(Locator::Css(
            "[data-testid=episode]:nth-child(2) [data-testid=download-episode]",
        ))
        .await;
    if let Ok(button) = download {
        button.click().await.expect("download clicked");
    }

    let mut saved: Vec<(String, Vec<u8>)> = Vec::new();
    for theme in ["light", "dark"] {
        click(&client, "[data-testid=open-settings]").await;
        shown(&client, "[data-testid=settings-page]").await;
        click(&client, &format!("[data-testid=theme-{theme}]")).await;
        theme_is(&client, theme).await;
        take(&display, &format!("settings-{theme}.png"), &mut saved).await;

        open_library(&client).await;
        take(&display, &format!("library-{theme}.png"), &mut saved).await;

        click(&client, "[data-testid=library-show]").await;
        shown(&client, "[data-testid=show-page]").await;
        take(&display, &format!("show-page-{theme}.png"), &mut saved).await;

        // The third row may be below the fold: bring it into view as a listener would.
        scroll_into_view(&client, "[data-testid=episode]:nth-child(3)").await;
        click(
            &client,
            "[data-testid=episode]:nth-child(3) [data-testid=episode-title] button",
        )
        .await;
        shown(&client, "[data-testid=episode-page]").await;
        take(&display, &format!("episode-page-{theme}.png"), &mut saved).await;

        click(&client, "[data-testid=open-now-playing]").await;
        shown(&client, "[data-testid=now-playing]").await;
        take(&display, &format!("now-playing-{theme}.png"), &mut saved).await;

        click(&client, "[data-testid=open-downloads]").await;
        shown(&client, "[data-testid=downloads-page]").await;
        take(&display, &format!("downloads-{theme}.png"), &mut saved).await;
    }
    let names: Vec<&str> = saved.iter().map(|(n, _)| n.as_str()).collect();
    println!("screenshots in target/e2e-screenshots: {names:?}");
    assert_eq!(saved.len(), 12, "every screen in both themes");
    // Each screen looks different in the two themes.
    for (name, png) in &saved {
        if let Some(light) = name.strip_suffix("-dark.png") {
            let other = saved
                .iter()
                .find(|(n, _)| *n == format!("{light}-light.png"))
                .map(|(_, p)| p);
            assert_ne!(other, Some(png), "{light} looks the same in both themes");
        }
    }
    let _ = client.close().await;
}
