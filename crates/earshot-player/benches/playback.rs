//! Playback figures (`cargo bench -p earshot-player`): CPU used while playing an MP3 in real
//! time, seek latency on a local file, and time from play on a loopback stream to the first
//! position update. Output goes to a fake sink that keeps real time, as in the tests.

use std::time::{Duration, Instant};

use earshot_player::fixtures::{ToneFormat, render_tone};
use earshot_player::{Player, PlayerConfig, PlayerHandle, PlayerState, Status, Track};
use earshot_testkit::{FixtureServer, Route};

fn track(uri: String) -> Track {
    Track {
        id: 1,
        group_id: 1,
        origin: earshot_player::Origin::Stream,
        title: "Bench".into(),
        artist: "Earshot".into(),
        uri,
        duration_hint_secs: None,
    }
}

async fn wait_for(handle: &PlayerHandle, done: impl Fn(&PlayerState) -> bool) {
    let mut rx = handle.subscribe();
    let waited = tokio::time::timeout(Duration::from_secs(30), rx.wait_for(|s| done(s))).await;
    assert!(
        matches!(waited, Ok(Ok(_))),
        "timed out; state {:?}",
        handle.state()
    );
}

/// User + system CPU seconds of this process so far, from /proc (Linux).
fn cpu_secs() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let after_name = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn percentile(mut values: Vec<f64>, p: f64) -> f64 {
    values.sort_by(f64::total_cmp);
    let index = ((values.len() as f64 - 1.0) * p).round() as usize;
    values[index]
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    // `cargo test --all-targets` runs bench binaries too; measuring belongs to `cargo bench`.
    if !std::env::args().any(|a| a == "--bench") {
        println!("playback benchmark: run it with `cargo bench -p earshot-player`");
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let mp3 = dir.path().join("bench.mp3");
    render_tone(&mp3, 120, ToneFormat::Mp3).expect("audio renders");
    let player = Player::spawn(PlayerConfig {
        audio_sink: Some("fakesink sync=true".into()),
        user_agent: "earshot-bench".into(),
        open_timeout: earshot_player::OPEN_TIMEOUT,
    })
    .expect("player");
    let handle = player.handle();
    let local = format!("file://{}", mp3.display());

    // 1. CPU while playing 30 s at 1x.
    handle.load(track(local.clone()), 0.0, true);
    wait_for(&handle, |s| s.status == Status::Playing).await;
    let (cpu_before, wall_before) = (cpu_secs(), Instant::now());
    tokio::time::sleep(Duration::from_secs(30)).await;
    let wall = wall_before.elapsed().as_secs_f64();
    match (cpu_before, cpu_secs()) {
        (Some(before), Some(after)) => println!(
            "playing MP3 at 1x for {wall:.1} s: {:.2} CPU s = {:.2}% of one core (goal <= 2%)",
            after - before,
            (after - before) / wall * 100.0
        ),
        _ => println!("CPU figures need Linux /proc"),
    }

    // 2. Seek latency on a local file (paused: from the command to the seek settling).
    handle.pause();
    wait_for(&handle, |s| s.status == Status::Paused).await;
    let mut seeks = Vec::new();
    for i in 0..40 {
        let target = 5.0 + f64::from((i * 37) % 100);
        let started = Instant::now();
        handle.seek_to(target);
        wait_for(&handle, |s| {
            !s.seeking && (s.position_secs - target).abs() < 0.5
        })
        .await;
        seeks.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    println!(
        "seek on a local MP3, {} seeks: median {:.1} ms, p90 {:.1} ms (goal median <= 100 ms)",
        seeks.len(),
        median(seeks.clone()),
        percentile(seeks, 0.9)
    );

    // 3. Play on a loopback stream to the first position update.
    let server = FixtureServer::start().await.expect("server");
    server.route(
        "/bench.mp3",
        Route::ok("audio/mpeg", std::fs::read(&mp3).expect("mp3")),
    );
    let mut starts = Vec::new();
    for _ in 0..10 {
        handle.stop();
        wait_for(&handle, |s| s.status == Status::Stopped).await;
        let started = Instant::now();
        handle.load(track(server.url("/bench.mp3")), 0.0, true);
        wait_for(&handle, |s| {
            s.status == Status::Playing && s.position_secs > 0.0
        })
        .await;
        starts.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    println!(
        "play on a loopback stream to the first position update, {} runs: median {:.0} ms, max {:.0} ms (goal <= 300 ms)",
        starts.len(),
        median(starts.clone()),
        starts.iter().copied().fold(0.0, f64::max)
    );
    player.shutdown();
}
