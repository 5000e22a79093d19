//! Downloads against the loopback server: resumed after cuts at random offsets until the file
//! is byte-identical to the source, and each way a server or a disk can fail ending in the right
//! state with nothing half-written counted as done.

use std::path::{Path, PathBuf};
use std::time::Duration;

use earshot_core::download::{AfterPlayed, Timeouts, part_path};
use earshot_core::{
    Core, CoreConfig, DownloadState, EpisodeFilter, EpisodeId, EpisodeOrder, EpisodeQuery,
    ErrorCode, Progress, Retention, ShowId,
};
use earshot_testkit::{FixtureServer, Route, noise_mp3};
use sha2::{Digest, Sha256};

const NOW: i64 = 1_800_000_000;
const DAY: i64 = 86_400;

fn sha(bytes: &[u8]) -> String {
    format!("{:x}", Sha256::digest(bytes))
}

/// A feed whose episodes are `titles`, newest first, each with its own audio file.
fn feed(base: &str, show: &str, titles: &[&str]) -> String {
    let items: String = titles
        .iter()
        .enumerate()
        .map(|(i, title)| {
            let title = title
                .replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;");
            format!(
                "<item><title>{title}</title><guid>ep-{i}</guid>\
                 <pubDate>{}</pubDate>\
                 <enclosure url=\"{base}/audio/{i}.mp3\" length=\"1\" type=\"audio/mpeg\"/></item>",
                chrono::DateTime::from_timestamp(NOW - i as i64 * DAY, 0)
                    .map(|d| d.to_rfc2822())
                    .unwrap_or_default()
            )
        })
        .collect();
    format!(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>{show}</title>\
         <link>{base}</link><description>d</description>{items}</channel></rss>"
    )
}

struct Setup {
    server: FixtureServer,
    _dir: tempfile::TempDir,
    data: PathBuf,
    core: Core,
    show: ShowId,
    episodes: Vec<EpisodeId>,
}

async fn setup(show_title: &str, titles: &[&str]) -> Setup {
    let server = FixtureServer::start().await.expect("server");
    server.route(
        "/feed.xml",
        Route::ok(
            "application/rss+xml",
            feed(&server.base(), show_title, titles),
        ),
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().to_path_buf();
    let core = Core::open(CoreConfig {
        media: Timeouts {
            connect: Duration::from_secs(2),
            read: Duration::from_secs(1),
        },
        ..CoreConfig::new(&data)
    })
    .await
    .expect("core");
    let show = core
        .subscribe(&server.url("/feed.xml"), NOW)
        .await
        .expect("subscribed");
    let list = core
        .episodes(
            show.id,
            EpisodeQuery {
                filter: EpisodeFilter::All,
                order: EpisodeOrder::Newest,
                offset: 0,
                limit: 100,
            },
        )
        .await
        .expect("episodes");
    let episodes = list.episodes.iter().map(|e| e.id).collect();
    Setup {
        server,
        _dir: dir,
        data,
        core,
        show: show.id,
        episodes,
    }
}

fn seed() -> u64 {
    std::env::var("EARSHOT_TEST_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(7, |d| d.as_nanos() as u64)
        })
}

#[tokio::test]
async fn cut_at_random_offsets_it_resumes_to_the_exact_file() {
    let s = setup("Resumable", &["One"]).await;
    let body = noise_mp3(3_000_000, 42);
    let seed = seed();
    println!("seed {seed} (set EARSHOT_TEST_SEED to repeat)");
    // Twelve cut points spread over the whole file, each attempt dying at the next one.
    let mut rng = seed | 1;
    let mut cuts: Vec<u64> = (0..12)
        .map(|_| {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            1 + rng % (body.len() as u64 - 2)
        })
        .collect();
    cuts.sort_unstable();
    cuts.dedup();
    let episode = s.episodes[0];
    let downloads = s.core.downloads();
    let queued = downloads
        .enqueue(episode, false, NOW)
        .await
        .expect("queued");
    let path = PathBuf::from(&queued.path);
    let part = part_path(&path);
    let mut previous = 0;
    let mut offsets = Vec::new();
    for (attempt, at) in cuts.iter().enumerate() {
        let left = body.len() as u64 - previous;
        let cut = at.saturating_sub(previous).max(1) as usize;
        s.server.route(
            "/audio/0.mp3",
            Route::ok("audio/mpeg", body.clone())
                .with_header("ETag", "\"v1\"")
                .reset_after(cut),
        );
        let error = match downloads.fetch(episode, NOW).await {
            Err(error) => error,
            Ok(done) => panic!("attempt {attempt}: cut after {cut} of {left} left, yet {done:?}"),
        };
        assert_eq!(
            error.code(),
            ErrorCode::Network,
            "attempt {attempt}: {error}"
        );
        let state = downloads.get(episode).await.expect("read").expect("row");
        assert_eq!(state.state, DownloadState::Failed);
        assert!(
            !path.exists(),
            "a cut-off file is never given its final name"
        );
        let have = std::fs::metadata(&part).map_or(0, |m| m.len());
        assert!(have >= previous, "the partial file never shrinks");
        assert_eq!(state.bytes_done, have);
        offsets.push(have);
        previous = have;
    }
    s.server.route(
        "/audio/0.mp3",
        Route::ok("audio/mpeg", body.clone()).with_header("ETag", "\"v1\""),
    );
    let done = downloads.fetch(episode, NOW).await.expect("completes");
    assert_eq!(done.state, DownloadState::Done);
    assert_eq!(done.bytes_done, body.len() as u64);
    assert!(!part.exists());
    let written = std::fs::read(&path).expect("file");
    assert_eq!(sha(&written), sha(&body), "cut at {offsets:?}");
    // Every attempt after the first continued where the last stopped, naming the same body.
    let ranged: Vec<String> = s
        .server
        .requests()
        .into_iter()
        .filter(|r| r.starts_with("GET /audio/0.mp3 bytes="))
        .collect();
    assert!(ranged.len() >= cuts.len() - 1, "{ranged:?}");
    assert!(
        offsets
            .iter()
            .filter(|o| **o > 0)
            .all(|o| ranged.iter().any(|r| r.ends_with(&format!("bytes={o}-"))))
    );
    println!("cut after {offsets:?} bytes, then completed: SHA-256 matches");
    // Playback now uses the file.
    let play = s.core.play_request(episode).await.expect("play request");
    assert!(play.media_url.starts_with("file://"), "{}", play.media_url);
}

#[tokio::test]
async fn a_server_that_ignores_range_or_changed_the_file_restarts_cleanly() {
    let s = setup("Restarts", &["Ignored", "Changed"]).await;
    let downloads = s.core.downloads();
    let old = noise_mp3(1_000_000, 1);
    let new = noise_mp3(1_200_000, 2);

    // Ignores Range: the whole file comes again and is written from the start.
    let ignored = s.episodes[0];
    downloads
        .enqueue(ignored, false, NOW)
        .await
        .expect("queued");
    s.server.route(
        "/audio/0.mp3",
        Route::ok("audio/mpeg", old.clone())
            .with_header("ETag", "\"a\"")
            .reset_after(400_000),
    );
    downloads.fetch(ignored, NOW).await.expect_err("cut");
    s.server.route(
        "/audio/0.mp3",
        Route::ok("audio/mpeg", old.clone())
            .with_header("ETag", "\"a\"")
            .ignoring_range(),
    );
    let done = downloads.fetch(ignored, NOW).await.expect("done");
    assert_eq!(sha(&std::fs::read(&done.path).expect("file")), sha(&old));

    // Changed between attempts: If-Range no longer matches, so the new file comes whole.
    let changed = s.episodes[1];
    downloads
        .enqueue(changed, false, NOW)
        .await
        .expect("queued");
    s.server.route(
        "/audio/1.mp3",
        Route::ok("audio/mpeg", old.clone())
            .with_header("ETag", "\"old\"")
            .reset_after(500_000),
    );
    downloads.fetch(changed, NOW).await.expect_err("cut");
    s.server.route(
        "/audio/1.mp3",
        Route::ok("audio/mpeg", new.clone()).with_header("ETag", "\"new\""),
    );
    let done = downloads.fetch(changed, NOW).await.expect("done");
    let written = std::fs::read(&done.path).expect("file");
    assert_eq!(written.len(), new.len());
    assert_eq!(
        sha(&written),
        sha(&new),
        "not a splice of the old and new files"
    );
}

#[tokio::test]
async fn stalls_resets_404s_and_web_pages_fail_clearly_and_leave_nothing_done() {
    let s = setup(
        "Faults",
        &["Stall", "Reset", "Missing", "Portal", "Lying portal"],
    )
    .await;
    let downloads = s.core.downloads();
    let body = noise_mp3(200_000, 3);
    s.server.route(
        "/audio/0.mp3",
        Route::ok("audio/mpeg", body.clone()).stall_after(50_000),
    );
    s.server.route(
        "/audio/1.mp3",
        Route::ok("audio/mpeg", body.clone()).reset_after(70_000),
    );
    // /audio/2.mp3 is not served: 404.
    s.server.route(
        "/audio/3.mp3",
        Route::ok(
            "text/html; charset=utf-8",
            "<!DOCTYPE html><html><body>Sign in to the Wi-Fi</body></html>",
        ),
    );
    s.server.route(
        "/audio/4.mp3",
        Route::ok(
            "audio/mpeg",
            "<html><head><title>Log in</title></head><body>Accept the terms</body></html>",
        ),
    );
    let expected = [
        (ErrorCode::Network, true),
        (ErrorCode::Network, true),
        (ErrorCode::HttpStatus, false),
        (ErrorCode::NotMedia, false),
        (ErrorCode::NotMedia, false),
    ];
    for (episode, (code, keeps_part)) in s.episodes.iter().zip(expected) {
        let queued = downloads
            .enqueue(*episode, false, NOW)
            .await
            .expect("queued");
        let error = downloads.fetch(*episode, NOW).await.expect_err("fails");
        assert_eq!(error.code(), code, "{error}");
        let row = downloads.get(*episode).await.expect("read").expect("row");
        assert_eq!(row.state, DownloadState::Failed);
        assert_eq!(row.error.as_deref(), Some(error.to_string().as_str()));
        let path = PathBuf::from(&queued.path);
        assert!(!path.exists(), "{error}: nothing at the final name");
        assert_eq!(part_path(&path).exists(), keeps_part, "{error}");
        assert!(
            downloads
                .local_file(*episode)
                .await
                .expect("read")
                .is_none(),
            "{error}: never played from disk"
        );
        println!("{:?}: {error}", row.state);
    }
    let downloaded = s
        .core
        .episodes(
            s.show,
            EpisodeQuery {
                filter: EpisodeFilter::Downloaded,
                order: EpisodeOrder::Newest,
                offset: 0,
                limit: 10,
            },
        )
        .await
        .expect("list");
    assert_eq!(downloaded.total, 0);
}

/// A 1 MB tmpfs, unmounted when dropped.
struct SmallDisk(PathBuf);

impl SmallDisk {
    fn mount(at: &Path) -> Option<Self> {
        std::fs::create_dir_all(at).ok()?;
        let ok = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=1m", "tmpfs"])
            .arg(at)
            .status()
            .is_ok_and(|s| s.success());
        ok.then(|| Self(at.to_path_buf()))
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(&self.0)
            .status();
    }
}

#[tokio::test]
async fn a_full_disk_or_a_missing_folder_is_a_clear_error() {
    let s = setup("Disk", &["Too big", "Nowhere"]).await;
    let downloads = s.core.downloads();
    s.server.route(
        "/audio/0.mp3",
        Route::ok("audio/mpeg", noise_mp3(3_000_000, 4)),
    );
    s.server.route(
        "/audio/1.mp3",
        Route::ok("audio/mpeg", noise_mp3(10_000, 5)),
    );
    let small = s.data.join("small-disk");
    let Some(_disk) = SmallDisk::mount(&small) else {
        panic!("this test needs to mount a 1 MB tmpfs (run as root, as CI does)");
    };
    downloads.set_folder(small.clone());
    let queued = downloads
        .enqueue(s.episodes[0], false, NOW)
        .await
        .expect("queued");
    let error = downloads
        .fetch(s.episodes[0], NOW)
        .await
        .expect_err("disk full");
    assert_eq!(error.code(), ErrorCode::DiskFull, "{error}");
    assert!(error.to_string().contains("disk is full"), "{error}");
    let path = PathBuf::from(&queued.path);
    assert!(
        !path.exists() && !part_path(&path).exists(),
        "the partial file is removed"
    );
    let row = downloads
        .get(s.episodes[0])
        .await
        .expect("read")
        .expect("row");
    assert_eq!(row.state, DownloadState::Failed);

    // A folder that cannot be made (a file stands where a folder should be).
    let blocker = s.data.join("not-a-folder");
    std::fs::write(&blocker, b"x").expect("file");
    downloads.set_folder(blocker.join("downloads"));
    downloads
        .enqueue(s.episodes[1], false, NOW)
        .await
        .expect("queued");
    let error = downloads
        .fetch(s.episodes[1], NOW)
        .await
        .expect_err("no folder");
    assert_eq!(error.code(), ErrorCode::DownloadFolder, "{error}");
    assert!(
        downloads
            .local_file(s.episodes[1])
            .await
            .expect("read")
            .is_none()
    );
}

#[tokio::test]
async fn hostile_titles_stay_inside_the_download_folder() {
    let long = "x".repeat(300);
    let titles = [
        "../../etc/passwd",
        "CON",
        long.as_str(),
        "Ünïcödé: «quotes» / 🎧 \\ back",
        "..",
        "../../etc/passwd",
    ];
    let s = setup("../../../tmp/evil", &titles).await;
    let downloads = s.core.downloads();
    let folder = s.data.join("downloads");
    let mut paths = Vec::new();
    for (i, episode) in s.episodes.iter().enumerate() {
        s.server.route(
            &format!("/audio/{i}.mp3"),
            Route::ok("audio/mpeg", noise_mp3(5_000, i as u64)),
        );
        downloads
            .enqueue(*episode, false, NOW)
            .await
            .expect("queued");
        let done = downloads.fetch(*episode, NOW).await.expect("done");
        let path = PathBuf::from(&done.path);
        assert!(
            earshot_core::download::is_inside(&folder, &path),
            "{} escapes {}",
            path.display(),
            folder.display()
        );
        let canonical = path.canonicalize().expect("exists");
        assert!(canonical.starts_with(folder.canonicalize().expect("folder")));
        let name = path.file_name().and_then(|n| n.to_str()).expect("name");
        assert!(name.len() < 200, "{name}");
        assert!(!name.starts_with("CON."), "{name}");
        paths.push(path);
    }
    paths.sort();
    paths.dedup();
    assert_eq!(paths.len(), titles.len(), "every file has its own name");
    println!("{paths:#?}");
}

#[tokio::test]
async fn the_queue_runs_in_the_background_pauses_resumes_cancels_and_deletes() {
    let s = setup("Queue", &["A", "B", "C"]).await;
    let downloads = s.core.downloads();
    let bodies: Vec<Vec<u8>> = (0..3)
        .map(|i| noise_mp3(400_000 + i * 1000, i as u64))
        .collect();
    // A stalls part-way, so it can be paused while running.
    s.server.route(
        "/audio/0.mp3",
        Route::ok("audio/mpeg", bodies[0].clone())
            .with_header("ETag", "\"a\"")
            .stall_after(150_000),
    );
    for (i, body) in bodies.iter().enumerate().skip(1) {
        s.server.route(
            &format!("/audio/{i}.mp3"),
            Route::ok("audio/mpeg", body.clone()),
        );
    }
    downloads.set_concurrency(1);
    let mut events = downloads.subscribe();
    downloads.start().await.expect("started");
    for episode in &s.episodes {
        downloads
            .enqueue(*episode, false, NOW)
            .await
            .expect("queued");
    }
    // A is running (stalled); with one at a time, B and C wait.
    let running = wait_for(&mut events, |e| {
        e.episode_id == s.episodes[0] && e.state == DownloadState::Downloading && e.bytes_done > 0
    })
    .await;
    assert!(running.bytes_done > 0);
    let list = downloads.list().await.expect("list");
    assert_eq!(
        list.iter()
            .filter(|d| d.state == DownloadState::Downloading)
            .count(),
        1
    );
    let paused = downloads.pause(s.episodes[0]).await.expect("paused");
    assert_eq!(paused.state, DownloadState::Paused);
    assert!(paused.bytes_done > 0, "what arrived is kept");
    assert_eq!(
        std::fs::metadata(part_path(Path::new(&paused.path)))
            .map(|m| m.len())
            .ok(),
        Some(paused.bytes_done)
    );
    // With A paused, B and C run and finish.
    let mut pending: Vec<EpisodeId> = s.episodes[1..].to_vec();
    while !pending.is_empty() {
        let done = wait_for(&mut events, |e| {
            pending.contains(&e.episode_id) && e.state == DownloadState::Done
        })
        .await;
        pending.retain(|p| *p != done.episode_id);
    }
    // Resume A against a server that now sends the rest.
    s.server.route(
        "/audio/0.mp3",
        Route::ok("audio/mpeg", bodies[0].clone()).with_header("ETag", "\"a\""),
    );
    downloads.resume(s.episodes[0], NOW).await.expect("resumed");
    let done = wait_for(&mut events, |e| {
        e.episode_id == s.episodes[0] && e.state == DownloadState::Done
    })
    .await;
    assert_eq!(done.bytes_done, bodies[0].len() as u64);
    let a = downloads
        .get(s.episodes[0])
        .await
        .expect("read")
        .expect("row");
    assert_eq!(sha(&std::fs::read(&a.path).expect("file")), sha(&bodies[0]));
    assert!(
        s.server
            .requests()
            .iter()
            .any(|r| r.starts_with("GET /audio/0.mp3 bytes=")),
        "resumed with a range"
    );

    let usage = downloads.usage().await.expect("usage");
    let total: u64 = bodies.iter().map(|b| b.len() as u64).sum();
    assert_eq!(usage.total_bytes, total);
    assert_eq!(usage.shows.len(), 1);
    assert_eq!(usage.shows[0].episodes, 3);

    // Delete removes the file; the episode plays from the stream again.
    downloads.delete(s.episodes[1]).await.expect("deleted");
    let b = downloads
        .get(s.episodes[1])
        .await
        .expect("read")
        .expect("row");
    assert_eq!(b.state, DownloadState::Removed);
    assert!(!Path::new(&b.path).exists());
    let play = s.core.play_request(s.episodes[1]).await.expect("play");
    assert!(play.media_url.starts_with("http://"));

    // Cancel a queued one: forgotten.
    downloads.set_concurrency(1);
    s.server.route(
        "/audio/1.mp3",
        Route::ok("audio/mpeg", bodies[1].clone()).stall_after(10_000),
    );
    downloads
        .enqueue(s.episodes[1], false, NOW)
        .await
        .expect("queued");
    downloads.cancel(s.episodes[1]).await.expect("cancelled");
    assert!(downloads.get(s.episodes[1]).await.expect("read").is_none());
    assert_eq!(downloads.list().await.expect("list").len(), 2);

    // A finished file deleted behind Earshot's back is forgotten when the queue starts again.
    let c_path = downloads
        .get(s.episodes[2])
        .await
        .expect("read")
        .expect("row")
        .path;
    let copy = std::fs::read(&c_path).expect("file");
    std::fs::remove_file(&c_path).expect("removed by hand");
    let restarted = s.core.downloads().clone();
    restarted.start().await.expect("started again");
    let c = downloads
        .get(s.episodes[2])
        .await
        .expect("read")
        .expect("row");
    assert_eq!(c.state, DownloadState::Removed);
    assert!(
        downloads
            .local_file(s.episodes[2])
            .await
            .expect("read")
            .is_none()
    );
    std::fs::write(&c_path, copy).expect("put back");
    // Asked for again, the running queue fetches it (under a new name: the old one is taken).
    downloads
        .enqueue(s.episodes[2], false, NOW)
        .await
        .expect("queued again");
    wait_for(&mut events, |e| {
        e.episode_id == s.episodes[2] && e.state == DownloadState::Done
    })
    .await;

    // Unsubscribing takes the files with it.
    let c = downloads
        .get(s.episodes[2])
        .await
        .expect("read")
        .expect("row");
    s.core.unsubscribe(s.show).await.expect("unsubscribed");
    assert!(!Path::new(&c.path).exists());
    assert!(!Path::new(&a.path).exists());
}

#[track_caller]
fn wait_for(
    events: &mut tokio::sync::broadcast::Receiver<earshot_core::DownloadProgress>,
    matches: impl Fn(&earshot_core::DownloadProgress) -> bool,
) -> impl std::future::Future<Output = earshot_core::DownloadProgress> {
    let caller = std::panic::Location::caller();
    async move {
        let seen = std::sync::Mutex::new(Vec::new());
        tokio::time::timeout(Duration::from_secs(20), async {
            loop {
                match events.recv().await {
                    Ok(event) if matches(&event) => return event,
                    Ok(event) => {
                        if let Ok(mut seen) = seen.lock() {
                            seen.push((event.episode_id.0, event.state, event.bytes_done));
                        }
                    }
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                    Err(e) => panic!("events ended: {e}"),
                }
            }
        })
        .await
        .unwrap_or_else(|_| {
            panic!(
                "no matching event within 20 s; seen: {:?} {}",
                seen.lock().map(|s| s.clone()),
                caller
            )
        })
    }
}

#[tokio::test]
async fn automatic_downloads_and_retention_rules_follow_the_clock() {
    let s = setup("Rules", &["E0", "E1", "E2", "E3"]).await;
    let downloads = s.core.downloads();
    for i in 0..4 {
        s.server.route(
            &format!("/audio/{i}.mp3"),
            Route::ok("audio/mpeg", noise_mp3(100_000, i)),
        );
    }
    let library = s.core.library();
    // Off by default.
    assert!(
        downloads
            .queue_automatic(NOW)
            .await
            .expect("auto")
            .is_empty()
    );
    library.set_auto_download(s.show, 2).await.expect("set");
    // The newest two unplayed: E0 and E1 (E0 played first, so E1 and E2).
    library
        .save_progress(
            s.episodes[0],
            Progress {
                position_secs: 0.0,
                played: true,
            },
            NOW,
        )
        .await
        .expect("played");
    let queued = downloads.queue_automatic(NOW).await.expect("auto");
    assert_eq!(queued, [s.episodes[1], s.episodes[2]]);
    for episode in &queued {
        downloads.fetch(*episode, NOW).await.expect("done");
    }
    assert!(
        downloads
            .queue_automatic(NOW)
            .await
            .expect("again")
            .is_empty()
    );

    // E1 is played on day 1.
    library
        .save_progress(
            s.episodes[1],
            Progress {
                position_secs: 0.0,
                played: true,
            },
            NOW + DAY,
        )
        .await
        .expect("played");
    let rules = Retention {
        after_played: AfterPlayed::AfterDays(3),
        limit_bytes: None,
    };
    assert!(
        downloads
            .tidy(&rules, NOW + 3 * DAY)
            .await
            .expect("tidy")
            .is_empty()
    );
    assert_eq!(
        downloads.tidy(&rules, NOW + 4 * DAY).await.expect("tidy"),
        [s.episodes[1]]
    );
    assert!(
        downloads
            .local_file(s.episodes[1])
            .await
            .expect("read")
            .is_none()
    );
    // Deleted by a rule, it is not fetched again; the next unplayed one is.
    assert_eq!(
        downloads
            .queue_automatic(NOW + 4 * DAY)
            .await
            .expect("auto"),
        [s.episodes[3]]
    );
    downloads
        .fetch(s.episodes[3], NOW + 4 * DAY)
        .await
        .expect("done");

    // A limit smaller than what is held removes automatic unplayed ones, oldest first.
    let limit = Retention {
        after_played: AfterPlayed::Never,
        limit_bytes: Some(150_000),
    };
    assert_eq!(
        downloads.tidy(&limit, NOW + 5 * DAY).await.expect("tidy"),
        [s.episodes[2]]
    );
    assert_eq!(downloads.usage().await.expect("usage").total_bytes, 100_000);
}
