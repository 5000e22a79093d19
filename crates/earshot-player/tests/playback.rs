//! Real pipelines into a fake sink that keeps real time (`sync=true`), on audio rendered here.

use std::path::{Path, PathBuf};
use std::time::Duration;

use earshot_player::fixtures::{ToneFormat, render_tone};
use earshot_player::{
    Origin, Player, PlayerConfig, PlayerErrorCode, PlayerHandle, PlayerState, RewindOnResume,
    SleepRequest, SleepTimer, Status, Track,
};
use earshot_testkit::{FixtureServer, Route};

fn player() -> Player {
    Player::spawn(PlayerConfig {
        audio_sink: Some("fakesink sync=true".into()),
        user_agent: "earshot-tests".into(),
        open_timeout: Duration::from_secs(5),
    })
    .expect("player starts")
}

/// A player on a fake sink, and a freshly rendered tone in a temporary folder that lives as long
/// as the returned `TempDir`.
fn with_tone(
    name: &str,
    seconds: u32,
    format: ToneFormat,
) -> (Player, PlayerHandle, PathBuf, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = tone(dir.path(), name, seconds, format);
    let player = player();
    let handle = player.handle();
    (player, handle, file, dir)
}

fn tone(dir: &Path, name: &str, seconds: u32, format: ToneFormat) -> PathBuf {
    let path = dir.join(name);
    render_tone(&path, seconds, format).expect("tone renders");
    path
}

fn track(path: &Path) -> Track {
    Track {
        id: 7,
        group_id: 1,
        origin: Origin::File,
        title: "Tone".into(),
        artist: "Tests".into(),
        uri: format!("file://{}", path.display()),
        duration_hint_secs: None,
    }
}

async fn wait_for(
    handle: &PlayerHandle,
    what: &str,
    mut done: impl FnMut(&PlayerState) -> bool,
) -> PlayerState {
    let mut rx = handle.subscribe();
    let waited = tokio::time::timeout(Duration::from_secs(20), async {
        rx.wait_for(|s| done(s)).await.map(|s| s.clone())
    })
    .await;
    match waited {
        Ok(Ok(state)) => state,
        _ => panic!(
            "timed out waiting for {what}; last state {:?}",
            handle.state()
        ),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn mp3_plays_in_real_time_pauses_and_seeks() {
    let (player, handle, file, _dir) = with_tone("tone.mp3", 30, ToneFormat::Mp3);

    handle.load(track(&file), 0.0, true);
    let playing = wait_for(&handle, "playing", |s| s.status == Status::Playing).await;
    let duration = playing.duration_secs.expect("duration known once playing");
    assert!((duration - 30.0).abs() < 1.0, "duration {duration}");

    let start = handle.state().position_secs;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let advanced = handle.state().position_secs - start;
    assert!(
        (1.4..=2.8).contains(&advanced),
        "advanced {advanced}s in 2s"
    );

    handle.pause();
    let paused = wait_for(&handle, "paused", |s| s.status == Status::Paused).await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert!((handle.state().position_secs - paused.position_secs).abs() < 0.3);

    handle.seek_to(20.0);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let state = handle.state();
    assert!((state.position_secs - 20.0).abs() < 0.5, "{state:?}");
    assert_eq!(state.status, Status::Paused);

    handle.seek_by(-30.0);
    wait_for(&handle, "skip back clamps at 0", |s| {
        s.position_secs.abs() < 0.5
    })
    .await;
    player.shutdown();
}

#[tokio::test(flavor = "multi_thread")]
async fn loading_paused_at_a_saved_place_resumes_there() {
    let (player, handle, file, dir) = with_tone("tone.ogg", 20, ToneFormat::OggOpus);

    handle.load(track(&dir.path().join("not-there-yet.ogg")), 5.0, false);
    let cued = wait_for(&handle, "cued", |s| s.status == Status::Paused).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(handle.state().error.is_none(), "a cued track is not opened");
    assert_eq!(cued.position_secs, 5.0);

    handle.load(track(&file), 12.0, false);
    let state = wait_for(&handle, "cued at 12 s", |s| {
        s.status == Status::Paused
            && s.track
                .as_ref()
                .is_some_and(|t| t.uri.ends_with("tone.ogg"))
    })
    .await;
    assert!((state.position_secs - 12.0).abs() < 0.5, "{state:?}");
    handle.seek_to(11.0);
    handle.play();
    let playing = wait_for(&handle, "playing from 11 s", |s| {
        s.status == Status::Playing
    })
    .await;
    assert!((playing.position_secs - 11.0).abs() < 0.6, "{playing:?}");
    wait_for(&handle, "playing past 11.5 s", |s| s.position_secs > 11.5).await;
    player.shutdown();
}

#[tokio::test(flavor = "multi_thread")]
async fn double_rate_advances_twice_as_fast() {
    let (player, handle, file, _dir) = with_tone("tone.ogg", 30, ToneFormat::OggVorbis);
    handle.set_rate(2.0);
    handle.load(track(&file), 0.0, true);
    wait_for(&handle, "playing", |s| s.status == Status::Playing).await;
    let start = handle.state().position_secs;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let advanced = handle.state().position_secs - start;
    assert!(
        (3.0..=5.0).contains(&advanced),
        "advanced {advanced}s in 2s at 2x"
    );
    assert_eq!(handle.state().rate, 2.0);
    player.shutdown();
}

#[tokio::test(flavor = "multi_thread")]
async fn the_end_is_reported_and_play_starts_over() {
    let (player, handle, file, _dir) = with_tone("short.mp3", 3, ToneFormat::Mp3);
    handle.load(track(&file), 1.5, true);
    wait_for(&handle, "ended", |s| s.status == Status::Ended).await;
    handle.play();
    wait_for(&handle, "playing again from the top", |s| {
        s.status == Status::Playing && s.position_secs < 1.0
    })
    .await;
    player.shutdown();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_or_bogus_file_is_an_error_and_the_player_stays_usable() {
    let dir = tempfile::tempdir().unwrap();
    let player = player();
    let handle = player.handle();

    handle.load(track(&dir.path().join("nope.mp3")), 0.0, true);
    let failed = wait_for(&handle, "an error", |s| s.error.is_some()).await;
    assert_eq!(failed.status, Status::Stopped);
    assert_eq!(failed.error.unwrap().code, PlayerErrorCode::NotFound);

    let text = dir.path().join("notes.mp3");
    std::fs::write(
        &text,
        "<html><body>Sorry, this page is not available</body></html>",
    )
    .unwrap();
    let bogus = track(&text);
    handle.load(bogus.clone(), 0.0, true);
    let failed = wait_for(&handle, "an error", |s| {
        s.track.as_ref() == Some(&bogus) && s.error.is_some()
    })
    .await;
    assert_eq!(failed.error.unwrap().code, PlayerErrorCode::NotAudio);

    let file = tone(dir.path(), "tone.mp3", 10, ToneFormat::Mp3);
    handle.load(track(&file), 0.0, true);
    let ok = wait_for(&handle, "playing after errors", |s| {
        s.status == Status::Playing
            && s.track
                .as_ref()
                .is_some_and(|t| t.uri.ends_with("tone.mp3"))
    })
    .await;
    assert!(ok.error.is_none());
    player.shutdown();
}

fn web_track(uri: String) -> Track {
    Track {
        id: 9,
        group_id: 1,
        origin: Origin::Stream,
        title: "Streamed".into(),
        artist: "Tests".into(),
        uri,
        duration_hint_secs: Some(1466.0),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn streams_over_http_with_ranges_and_reports_a_missing_stream() {
    let dir = tempfile::tempdir().unwrap();
    let file = tone(dir.path(), "tone.mp3", 40, ToneFormat::Mp3);
    let server = FixtureServer::start().await.unwrap();
    server.route(
        "/ep.mp3",
        Route::ok("audio/mpeg", std::fs::read(&file).unwrap()),
    );
    let player = player();
    let handle = player.handle();

    handle.load(web_track(server.url("/ep.mp3")), 0.0, true);
    let playing = wait_for(&handle, "streaming", |s| s.status == Status::Playing).await;
    let duration = playing.duration_secs.unwrap();
    assert!(
        (duration - 40.0).abs() < 1.5,
        "the stream's own duration replaces the hint: {duration}"
    );
    let start = handle.state().position_secs;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let advanced = handle.state().position_secs - start;
    assert!(
        (1.4..=2.8).contains(&advanced),
        "advanced {advanced}s in 2s"
    );

    handle.seek_to(30.0);
    wait_for(&handle, "playing near 30 s", |s| {
        s.status == Status::Playing && (30.0..31.5).contains(&s.position_secs)
    })
    .await;

    let missing = web_track(server.url("/gone.mp3"));
    handle.load(missing.clone(), 0.0, true);
    let failed = wait_for(&handle, "a not-found error", |s| {
        s.track.as_ref() == Some(&missing) && s.error.is_some()
    })
    .await;
    assert_eq!(failed.error.unwrap().code, PlayerErrorCode::NotFound);
    assert_eq!(failed.status, Status::Stopped);

    handle.load(web_track(server.url("/ep.mp3")), 10.0, true);
    let again = wait_for(&handle, "streaming again", |s| s.status == Status::Playing).await;
    assert!((again.position_secs - 10.0).abs() < 1.0, "{again:?}");
    player.shutdown();
}

#[tokio::test(flavor = "multi_thread")]
async fn the_sleep_timer_fades_out_and_pauses_and_can_wait_for_the_end() {
    let (player, handle, file, _dir) = with_tone("tone.mp3", 30, ToneFormat::Mp3);
    handle.load(track(&file), 0.0, true);
    wait_for(&handle, "playing", |s| s.status == Status::Playing).await;

    handle.set_sleep_timer(SleepRequest::After { seconds: 2 });
    let counting = wait_for(&handle, "a countdown", |s| s.sleep.is_some()).await;
    assert!(
        matches!(counting.sleep, Some(SleepTimer::After { remaining_secs }) if remaining_secs <= 2.0)
    );
    let slept = wait_for(&handle, "the timer to pause", |s| {
        s.status == Status::Paused
    })
    .await;
    assert_eq!(slept.sleep, None);
    assert!(
        (1.5..4.0).contains(&slept.position_secs),
        "{}",
        slept.position_secs
    );

    // Cancelled before it fires: playback goes on.
    handle.play();
    wait_for(&handle, "playing again", |s| s.status == Status::Playing).await;
    handle.set_sleep_timer(SleepRequest::After { seconds: 1 });
    handle.set_sleep_timer(SleepRequest::Off);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(handle.state().status, Status::Playing);

    // End of episode: the state still says so when it ends, so nothing else starts.
    handle.set_sleep_timer(SleepRequest::EndOfEpisode);
    handle.seek_to(28.5);
    let ended = wait_for(&handle, "the end", |s| s.status == Status::Ended).await;
    assert_eq!(ended.sleep, Some(SleepTimer::EndOfEpisode));
    player.shutdown();
}

#[tokio::test(flavor = "multi_thread")]
async fn aac_in_m4a_plays_and_a_truncated_one_is_an_error() {
    let (player, handle, file, dir) = with_tone("tone.m4a", 10, ToneFormat::M4a);
    handle.load(track(&file), 0.0, true);
    let playing = wait_for(&handle, "AAC playing", |s| s.status == Status::Playing).await;
    assert!((playing.duration_secs.unwrap() - 10.0).abs() < 0.5);

    let bytes = std::fs::read(&file).unwrap();
    let cut = dir.path().join("cut.m4a");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let truncated = track(&cut);
    handle.load(truncated.clone(), 0.0, true);
    let failed = wait_for(&handle, "an error for the truncated file", |s| {
        s.track.as_ref() == Some(&truncated) && s.error.is_some()
    })
    .await;
    assert_eq!(failed.status, Status::Stopped);
    // GStreamer usually says the file has no playable streams; now and then its demuxer waits
    // instead, and the open timeout turns that into an error too.
    let code = failed.error.unwrap().code;
    assert!(
        matches!(
            code,
            PlayerErrorCode::NotAudio | PlayerErrorCode::Unreadable
        ),
        "{code:?}"
    );

    handle.load(track(&file), 0.0, true);
    wait_for(&handle, "usable afterwards", |s| {
        s.status == Status::Playing && s.track.as_ref() != Some(&truncated)
    })
    .await;
    player.shutdown();
}

#[tokio::test(flavor = "multi_thread")]
async fn resuming_after_a_long_pause_goes_back_a_little() {
    let (player, handle, file, _dir) = with_tone("tone.ogg", 30, ToneFormat::OggVorbis);
    handle.set_rewind_on_resume(RewindOnResume {
        after_pause_secs: 1.0,
        rewind_secs: 5.0,
    });
    handle.load(track(&file), 20.0, true);
    wait_for(&handle, "playing", |s| s.status == Status::Playing).await;
    handle.pause();
    let paused = wait_for(&handle, "paused", |s| s.status == Status::Paused).await;
    tokio::time::sleep(Duration::from_millis(1200)).await;
    handle.play();
    let resumed = wait_for(&handle, "playing again", |s| s.status == Status::Playing).await;
    let back = paused.position_secs - resumed.position_secs;
    assert!((4.0..=5.6).contains(&back), "went back {back}s");
    player.shutdown();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_video_track_is_ignored_and_skips_stay_inside_the_episode() {
    let (player, handle, file, _dir) = with_tone("cover.webm", 10, ToneFormat::WebmWithVideo);
    handle.load(track(&file), 0.0, true);
    let playing = wait_for(&handle, "audio from a file with video", |s| {
        s.status == Status::Playing
    })
    .await;
    assert!(playing.error.is_none());
    assert!((playing.duration_secs.unwrap() - 10.0).abs() < 0.5);

    // Skipping past the end lands on the end, never beyond it.
    handle.seek_by(30.0);
    let ended = wait_for(&handle, "the end", |s| s.status == Status::Ended).await;
    assert!(
        ended.position_secs <= ended.duration_secs.unwrap() + 0.01,
        "{ended:?}"
    );
    handle.seek_by(-30.0);
    wait_for(&handle, "back at the start", |s| {
        s.position_secs.abs() < 0.5
    })
    .await;
    player.shutdown();
}
