//! Inside an episode, in the real app: an episode with chapters and a transcript plays; the seek
//! bar shows the chapters' marks, `]` moves to the next chapter (the player bar names it); the
//! transcript marks the sentence being spoken and follows the voice; a word only spoken (never
//! written in the feed) is found by the library search, and the hit starts the episode at that
//! sentence. Screenshots of the transcript and the chapters in both themes go to
//! `target/e2e-screenshots/`. The feed, chapters and transcript are `tests/fixtures/inside/`.
//!
//! It also prints what following the voice costs: the whole app's CPU on the transcript while
//! its episode plays, against the same page while another episode plays (`EARSHOT_INSIDE_SECS`
//! each, 10 s by default; the figure is over 60 s).

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::*;
use earshot_testkit::{FixtureServer, Route};
use fantoccini::key::Key;
use fantoccini::{Client, Locator};

fn fixture(base: &str, name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/inside")
        .join(name);
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .replace("{{BASE}}", base)
}

fn serve(server: &FixtureServer, media: &Path) {
    use earshot_player::fixtures::{ToneFormat, render_tone};
    let base = server.base();
    server.route(
        "/feed.xml",
        Route::ok("application/rss+xml", fixture(&base, "feed.xml")),
    );
    server.route(
        "/chapters/inside-002.json",
        Route::ok("application/json+chapters", fixture(&base, "chapters.json")),
    );
    server.route(
        "/transcripts/inside-002.vtt",
        Route::ok("text/vtt; charset=utf-8", fixture(&base, "transcript.vtt")),
    );
    server.route(
        "/transcripts/inside-001.vtt",
        Route::ok("text/vtt; charset=utf-8", fixture(&base, "trailer.vtt")),
    );
    let art =
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("icons/icon.png")).expect("icon");
    server.route("/artwork.png", Route::ok("image/png", art.clone()));
    server.route("/chapter-art.png", Route::ok("image/png", art));
    let tone = media.join("tone.mp3");
    render_tone(&tone, 150, ToneFormat::Mp3).expect("audio renders");
    let audio = std::fs::read(&tone).expect("audio");
    for name in ["inside-001", "inside-002"] {
        server.route(
            &format!("/audio/{name}.mp3"),
            Route::ok("audio/mpeg", audio.clone()),
        );
    }
}

/// The sentence the transcript marks as spoken, with its index.
async fn spoken(client: &Client) -> Option<(usize, String)> {
    let cues = client
        .find_all(Locator::Css("[data-testid=transcript-cue]"))
        .await
        .ok()?;
    for (index, cue) in cues.iter().enumerate() {
        if cue.attr("aria-current").await.ok().flatten().as_deref() == Some("true") {
            return Some((index, cue.text().await.ok()?));
        }
    }
    None
}

async fn press(client: &Client, key: &str) {
    client
        .find(Locator::Css("body"))
        .await
        .expect("the page")
        .send_keys(key)
        .await
        .expect("key pressed");
}

#[tokio::test(flavor = "multi_thread")]
async fn chapters_and_a_transcript_follow_the_voice_and_spoken_words_are_found() {
    let data = tempfile::tempdir().expect("data dir");
    let media = tempfile::tempdir().expect("media dir");
    let server = FixtureServer::start().await.expect("server");
    serve(&server, media.path());
    let (_xvfb, display) = display();
    // `EARSHOT_INSIDE_COMPOSITING=1` measures with WebKit's compositing on (the journeys turn
    // it off; under Xvfb it is Mesa's software GL).
    let compositing = std::env::var("EARSHOT_INSIDE_COMPOSITING").is_ok_and(|v| v == "1");
    let env: &[(&str, &str)] = if compositing {
        &[("WEBKIT_DISABLE_COMPOSITING_MODE", "0")]
    } else {
        &[]
    };
    let driver = start_driver_with(&display, data.path(), env);
    let client = launch(&driver).await;
    let title = subscribe_in_app(&client, &server.url("/feed.xml")).await;
    assert_eq!(title, "Inside Voices");
    // What the feed says beyond titles is drawn.
    let kinds = texts_of(&client, "[data-testid=episode-type]").await;
    assert_eq!(kinds, ["Trailer"], "the trailer is marked");
    let funding = texts_of(&client, "[data-testid=show-funding]").await;
    assert!(
        funding.iter().any(|f| f.contains("Support Inside Voices")),
        "{funding:?}"
    );

    // Play the episode with chapters: the seek bar shows where each begins.
    click(
        &client,
        "[data-testid=episode]:first-child [data-testid=play-episode]",
    )
    .await;
    wait_for_player_state(&client, "playing").await;
    let marks = eventually("the chapter marks", Duration::from_secs(20), || async {
        let marks = client
            .find_all(Locator::Css("[data-testid=chapter-mark]"))
            .await
            .ok()?;
        (marks.len() == 3).then_some(marks.len())
    })
    .await;
    assert_eq!(marks, 3, "a mark for each chapter after the first");
    let first = eventually(
        "the first chapter named",
        Duration::from_secs(10),
        || async { text_of(&client, "[data-testid=player-chapter]").await },
    )
    .await;
    assert!(first.contains("Cold open"), "{first}");

    // `]` moves to the next chapter (pressed once the bar has settled on its chapter).
    tokio::time::sleep(Duration::from_secs(1)).await;
    press(&client, "]").await;
    let (at, _) = eventually("the next chapter", Duration::from_secs(10), || async {
        let time = player_time(&client).await?;
        let chapter = text_of(&client, "[data-testid=player-chapter]").await?;
        (time.0 >= 15.0 && chapter.contains("The resolver stops answering")).then_some(time)
    })
    .await;
    assert!(at < 25.0, "landed at the chapter's start: {at}");

    // The transcript beside the notes follows the voice.
    click(&client, "[data-testid=open-now-playing]").await;
    shown(&client, "[data-testid=tab-transcript]").await;
    click(&client, "[data-testid=tab-transcript]").await;
    let (before, _) = eventually("a spoken sentence", Duration::from_secs(20), || async {
        spoken(&client).await
    })
    .await;
    let speakers = texts_of(&client, "[data-testid=transcript-speaker]").await;
    assert!(
        speakers.iter().any(|s| s.eq_ignore_ascii_case("Lee")),
        "speakers named: {speakers:?}"
    );
    let (later, _) = eventually(
        "the mark moving on with the voice",
        Duration::from_secs(15),
        || async { spoken(&client).await.filter(|(i, _)| *i > before) },
    )
    .await;
    // The clock is read just after the mark, so it may have moved into the next sentence.
    let (position, _) = player_time(&client).await.expect("the clock");
    let at = (position / 3.0).floor() as usize;
    assert!(
        later == at || later + 1 == at,
        "the marked sentence ({later}) is the one at {position} s"
    );

    // Screenshots: the transcript and the chapters, in both themes.
    click(&client, "[data-testid=player-toggle]").await;
    wait_for_player_state(&client, "paused").await;
    let mut saved = Vec::new();
    for theme in ["light", "dark"] {
        click(&client, "[data-testid=open-settings]").await;
        shown(&client, "[data-testid=settings-page]").await;
        click(&client, &format!("[data-testid=theme-{theme}]")).await;
        theme_is(&client, theme).await;
        click(&client, "[data-testid=open-now-playing]").await;
        shown(&client, "[data-testid=tab-transcript]").await;
        click(&client, "[data-testid=tab-transcript]").await;
        shown(&client, "[data-testid=transcript-cue]").await;
        saved.push(capture_display(&display, &format!("transcript-{theme}.png")).await);
        scroll_into_view(&client, "[data-testid=chapters]").await;
        saved.push(capture_display(&display, &format!("chapters-{theme}.png")).await);
    }
    assert_ne!(saved[0], saved[2], "the transcript differs between themes");

    // A word only spoken is found, and the hit starts the episode at its sentence.
    let search = client
        .find(Locator::Css("[data-testid=search-input]"))
        .await
        .expect("the search box");
    search.send_keys("quokkas").await.expect("typed");
    let said = eventually("a spoken hit", Duration::from_secs(20), || async {
        text_of(&client, "[data-testid=search-spoken]").await
    })
    .await;
    assert!(said.contains("0:21"), "the sentence's time: {said}");
    assert!(said.contains("quokkas"), "the sentence: {said}");
    search
        .send_keys(&Key::Enter.to_string())
        .await
        .expect("chose the hit");
    let (from, _) = playback_advances(&client, 0.5, Duration::from_secs(20)).await;
    assert!(
        (20.0..30.0).contains(&from),
        "started at the sentence, 0:21: {from}"
    );
    let (marked, text) = eventually("the sentence marked", Duration::from_secs(15), || async {
        spoken(&client).await
    })
    .await;
    assert!(marked >= 7, "{marked}: {text}");

    // What following the voice costs: the whole app's CPU on this page while its episode plays
    // (the spoken sentence marked and followed), then on the same page while another episode
    // plays (nothing marked). Printed, not asserted.
    let secs = setting("EARSHOT_INSIDE_SECS", 10) as u64;
    let app = Path::new(env!("CARGO_BIN_EXE_earshot"));
    if let Some(pid) = app_pid(data.path(), app) {
        let measure = |what: &'static str| async move {
            // What starting an episode costs is not counted.
            tokio::time::sleep(Duration::from_secs(3)).await;
            let from = cpu_secs(pid);
            let started = Instant::now();
            tokio::time::sleep(Duration::from_secs(secs)).await;
            let (used, by_process) = cpu_used(&from, &cpu_secs(pid));
            let share = used / started.elapsed().as_secs_f64() * 100.0;
            println!("{what} for {secs} s: whole app {share:.1} % of one core ({by_process})");
            share
        };
        // Both while the trailer plays (it has no chapters, so nothing else changes): first on
        // its own transcript, then on another episode's.
        let open_transcript = |row: &'static str| {
            let client = client.clone();
            async move {
                click(&client, ".shows .show").await;
                shown(&client, "[data-testid=show-page]").await;
                click(
                    &client,
                    &format!("[data-testid=episode]:{row} [data-testid=episode-title] button"),
                )
                .await;
                shown(&client, "[data-testid=tab-transcript]").await;
                click(&client, "[data-testid=tab-transcript]").await;
                shown(&client, "[data-testid=transcript-cue]").await;
            }
        };
        click(&client, ".shows .show").await;
        shown(&client, "[data-testid=show-page]").await;
        click(
            &client,
            "[data-testid=episode]:nth-child(2) [data-testid=play-episode]",
        )
        .await;
        wait_for_player_state(&client, "playing").await;
        open_transcript("nth-child(2)").await;
        eventually(
            "the trailer's sentence marked",
            Duration::from_secs(10),
            || async { spoken(&client).await },
        )
        .await;
        let following = measure("the transcript following its episode").await;
        open_transcript("first-child").await;
        assert!(
            spoken(&client).await.is_none(),
            "nothing marked on this page"
        );
        let still = measure("another episode's transcript, nothing marked").await;
        println!(
            "following the voice costs {:.1} % of one core",
            following - still
        );
    }
    let _ = client.close().await;
}
