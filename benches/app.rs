//! The whole app as a listener's machine sees it (`cargo xtask bench --app`, or
//! `dbus-run-session -- cargo bench -p earshot --bench app`): the release build, a library of 500
//! shows (one of 5,000 episodes, the rest of 300) with artwork, made over loopback by the core,
//! and the app started under Xvfb, as the journeys do (software rendering:
//! `WEBKIT_DISABLE_COMPOSITING_MODE=1`).
//!
//! Printed, not asserted:
//! - start-up: from the process's start to the first frame (`first-paint`) and to the library
//!   drawn with the artwork in view (`library`), as the UI reports them in the log
//!   (`commands::startup`), for the first start (thumbnails made), a cold start (the page cache
//!   dropped, where this machine allows it) and warm starts (median);
//! - memory: the proportional set size (PSS, `/proc/<pid>/smaps_rollup`) of each Earshot process
//!   (the app, WebKit's web and network processes) idle on the library, with the 5,000-episode
//!   show open and scrolled to its 1,000th episode, and after refreshes with the window in the
//!   tray (a day in the tray, hourly refreshes, made quick);
//! - playing with the window hidden in the tray: the CPU each process used over a minute.
//!
//! Options after `--`: `--shows N`, `--episodes M` (per show), `--big E` (the big show's
//! episodes), `--refreshes R`, `--hidden-secs S`, `--warm-starts W`.

#[path = "../tests/common/mod.rs"]
mod common;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::tray::{click_tray, tray_items, tray_menu};
use common::*;
use earshot_core::{Core, CoreConfig};
use earshot_testkit::{FixtureServer, Route};

struct Options {
    shows: usize,
    episodes: usize,
    big: usize,
    refreshes: usize,
    hidden_secs: u64,
    warm_starts: usize,
}

impl Options {
    fn from_args() -> Self {
        let args: Vec<String> = std::env::args().collect();
        let value = |name: &str, default: usize| {
            args.iter()
                .position(|a| a == name)
                .and_then(|i| args.get(i + 1))
                .and_then(|v| v.parse().ok())
                .unwrap_or(default)
        };
        Self {
            shows: value("--shows", 500).max(2),
            episodes: value("--episodes", 300),
            big: value("--big", 5000),
            refreshes: value("--refreshes", 8),
            hidden_secs: value("--hidden-secs", 60) as u64,
            warm_starts: value("--warm-starts", 5).max(1),
        }
    }
}

const WORDS: &[&str] = &[
    "latency",
    "kernel",
    "design",
    "history",
    "garden",
    "market",
    "science",
    "music",
    "football",
    "cooking",
    "startup",
    "climate",
    "poetry",
    "privacy",
    "compilers",
    "travel",
    "health",
];

/// A show's feed: `count` episodes, newest first, with artwork and a paragraph of notes each.
fn feed(base: &str, show: usize, count: usize, audio: Option<&str>) -> String {
    let word = WORDS[show % WORDS.len()];
    let mut xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <rss version=\"2.0\" xmlns:itunes=\"http://www.itunes.com/dtds/podcast-1.0.dtd\"><channel>\
         <title>Show {show:03}: The {word} hour</title><link>{base}/shows/{show}</link>\
         <description>A weekly show about {word}, number {show} of the bench's library.</description>\
         <itunes:author>Host {show}</itunes:author>\
         <itunes:image href=\"{base}/art/{show}.jpg\"/>\n"
    );
    for n in (1..=count).rev() {
        let published = 1_795_000_000 - (count - n) as i64 * 86_400 - show as i64 * 600;
        let date = chrono::DateTime::from_timestamp(published, 0)
            .map(|d| d.format("%a, %d %b %Y %H:%M:%S +0000").to_string())
            .unwrap_or_default();
        let enclosure = match audio {
            Some(path) if n == count => format!("{base}{path}"),
            _ => format!("{base}/audio/{show}-{n}.mp3"),
        };
        xml.push_str(&format!(
            "<item><title>Episode {n}: more on {word}</title><guid>show-{show}-{n}</guid>\
             <pubDate>{date}</pubDate><itunes:duration>{m}:{s:02}</itunes:duration>\
             <enclosure url=\"{enclosure}\" type=\"audio/mpeg\" length=\"4800000\"/>\
             <description><![CDATA[<p>In episode {n} we talk about {word} with a guest who has \
             spent years on it: where it came from, what people get wrong, and what to read \
             next.</p><ul><li>0:00 Welcome</li><li>12:30 The interview</li><li>41:05 \
             Listener questions</li></ul><p>Links: <a href=\"https://example.com/{show}/{n}\">\
             show notes</a>.</p>]]></description></item>\n",
            m = 30 + n % 40,
            s = n % 60,
        ));
    }
    xml.push_str("</channel></rss>\n");
    xml
}

/// A show's artwork: a 1000×1000 JPEG in a colour of its own (real artwork is 1400–3000 px; the
/// app draws thumbnails it makes once).
fn artwork(show: usize) -> Vec<u8> {
    let hue = (show * 47 % 360) as f32;
    let image = image::RgbImage::from_fn(1000, 1000, |x, y| {
        let shade = ((x + y) as f32 / 2000.0 * 80.0) as u8;
        let (r, g, b) = hsv(hue, 0.6, 0.8);
        image::Rgb([
            r.saturating_sub(shade),
            g.saturating_sub(shade),
            b.saturating_sub(shade),
        ])
    });
    let mut bytes = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, 85)
        .encode_image(&image)
        .expect("the artwork encodes");
    bytes
}

fn hsv(hue: f32, s: f32, v: f32) -> (u8, u8, u8) {
    let c = v * s;
    let x = c * (1.0 - ((hue / 60.0) % 2.0 - 1.0).abs());
    let (r, g, b) = match (hue / 60.0) as u32 {
        0 => (c, x, 0.0),
        1 => (x, c, 0.0),
        2 => (0.0, c, x),
        3 => (0.0, x, c),
        4 => (x, 0.0, c),
        _ => (c, 0.0, x),
    };
    let m = v - c;
    let byte = |f: f32| ((f + m) * 255.0) as u8;
    (byte(r), byte(g), byte(b))
}

/// Serves the library's feeds, artwork and one playable episode; makes the library in `data`.
async fn make_library(options: &Options, data: &Path, media: &Path) -> FixtureServer {
    let server = FixtureServer::start().await.expect("a loopback server");
    let base = server.base();
    let tone = media.join("episode.mp3");
    earshot_player::fixtures::render_tone(&tone, 600, earshot_player::fixtures::ToneFormat::Mp3)
        .expect("audio renders");
    server.route(
        "/audio/playing.mp3",
        Route::ok("audio/mpeg", std::fs::read(&tone).expect("audio")),
    );
    let mut opml = String::from(
        "<?xml version=\"1.0\"?><opml version=\"2.0\"><head><title>Bench</title></head><body>",
    );
    for show in 0..options.shows {
        let count = if show == 0 {
            options.big
        } else {
            options.episodes
        };
        let audio = (show == 1).then_some("/audio/playing.mp3");
        server.route(
            &format!("/feeds/{show}.xml"),
            Route::ok("application/rss+xml", feed(&base, show, count, audio)),
        );
        server.route(
            &format!("/art/{show}.jpg"),
            Route::ok("image/jpeg", artwork(show)),
        );
        opml.push_str(&format!(
            "<outline type=\"rss\" text=\"Show {show}\" xmlUrl=\"{base}/feeds/{show}.xml\"/>"
        ));
    }
    opml.push_str("</body></opml>");
    let started = Instant::now();
    let core = Core::open(CoreConfig::new(data))
        .await
        .expect("the library opens");
    let now = chrono::Utc::now().timestamp();
    core.import_opml(opml.as_bytes(), now)
        .await
        .expect("the OPML imports");
    core.refresh_all(now, |_| {})
        .await
        .expect("the shows refresh");
    let shows = core.shows().await.expect("shows").len();
    core.close().await;
    println!(
        "library: {shows} shows ({} × {} episodes and one of {}), made in {:.1} s",
        options.shows - 1,
        options.episodes,
        options.big,
        started.elapsed().as_secs_f64()
    );
    server
}

/// The environment the app runs in, as the journeys give it.
fn app_env(display: &str, data: &Path) -> Vec<(String, String)> {
    vec![
        ("DISPLAY".into(), display.into()),
        ("EARSHOT_DATA_DIR".into(), data.display().to_string()),
        ("EARSHOT_AUDIO_SINK".into(), "fakesink sync=true".into()),
        ("RUST_LOG".into(), "info".into()),
        ("NO_COLOR".into(), "1".into()),
        ("WEBKIT_DISABLE_COMPOSITING_MODE".into(), "1".into()),
    ]
}

/// Milliseconds since the process started, as the app logged them for each start-up mark.
struct StartUp {
    first_paint_ms: f64,
    library_ms: f64,
}

/// Starts the app, reads its start-up marks from its log, and quits it.
fn start_once(display: &str, data: &Path) -> Option<StartUp> {
    let mut command = Command::new(env!("CARGO_BIN_EXE_earshot"));
    command
        .envs(app_env(display, data))
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut app = spawn_group(&mut command).expect("the app starts");
    let stderr = app.0.stderr.take()?;
    let (sender, marks) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let line = without_colours(&line);
            if line.contains("earshot::startup") {
                let field = |name: &str| {
                    line.split_once(&format!("{name}="))
                        .map(|(_, rest)| {
                            rest.trim_start_matches('"')
                                .split(['"', ' '])
                                .next()
                                .unwrap_or("")
                                .to_string()
                        })
                        .unwrap_or_default()
                };
                let _ = sender.send((
                    field("mark"),
                    field("ms").parse::<f64>().unwrap_or(f64::NAN),
                ));
            }
        }
    });
    let mut seen = BTreeMap::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while seen.len() < 2 && Instant::now() < deadline {
        if let Ok((mark, ms)) = marks.recv_timeout(Duration::from_millis(200)) {
            seen.insert(mark, ms);
        }
    }
    // A clean quit, so the next start is a start and not a hand-over to this one.
    let _ = Command::new("kill")
        .args(["-TERM", &app.0.id().to_string()])
        .status();
    let _ = app.0.wait();
    drop(app);
    std::thread::sleep(Duration::from_millis(500));
    Some(StartUp {
        first_paint_ms: *seen.get("first-paint")?,
        library_ms: *seen.get("library")?,
    })
}

/// `line` without the terminal colour codes the log may carry.
fn without_colours(line: &str) -> String {
    let mut plain = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            // An escape sequence runs to its final letter (`m` for colours).
            for end in chars.by_ref() {
                if end.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            plain.push(c);
        }
    }
    plain
}

/// Empties the page cache, so the next start reads its files from disk; false where this machine
/// does not allow it (a container).
fn drop_page_cache() -> bool {
    let _ = Command::new("sync").status();
    std::fs::write("/proc/sys/vm/drop_caches", "3").is_ok()
}

fn start_up(display: &str, data: &Path, options: &Options) {
    let row = |name: &str, s: &StartUp| {
        println!(
            "  {name:<28} first paint {:>6.0} ms   library drawn {:>6.0} ms",
            s.first_paint_ms, s.library_ms
        );
    };
    println!("start-up (from the process's start; 500 shows):");
    match start_once(display, data) {
        Some(first) => row("first (thumbnails made)", &first),
        None => println!("  first start: no start-up marks in the log"),
    }
    if drop_page_cache() {
        match start_once(display, data) {
            Some(cold) => row("cold (page cache dropped)", &cold),
            None => println!("  cold start: no start-up marks in the log"),
        }
    } else {
        println!(
            "  cold start: not measured (this machine does not let the page cache be dropped)"
        );
    }
    let mut warm: Vec<StartUp> = (0..options.warm_starts)
        .filter_map(|_| start_once(display, data))
        .collect();
    if warm.is_empty() {
        println!("  warm starts: no start-up marks in the log");
        return;
    }
    warm.sort_by(|a, b| a.library_ms.total_cmp(&b.library_ms));
    let median = &warm[warm.len() / 2];
    row(&format!("warm (median of {})", warm.len()), median);
}

/// The app and every process it started: (pid, name).
fn family(pid: u32) -> Vec<(u32, String)> {
    let mut members = vec![pid];
    let mut i = 0;
    while i < members.len() {
        let parent = members[i];
        for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
            let Some(child) = entry
                .file_name()
                .to_str()
                .and_then(|s| s.parse::<u32>().ok())
            else {
                continue;
            };
            if stat_fields(child).is_some_and(|f| f.ppid == parent) && !members.contains(&child) {
                members.push(child);
            }
        }
        i += 1;
    }
    members
        .into_iter()
        .filter_map(|pid| stat_fields(pid).map(|f| (pid, f.name)))
        .collect()
}

/// Proportional set size of `pid`, in MB.
fn pss_mb(pid: u32) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup"))
        .ok()
        .and_then(|text| {
            text.lines()
                .find(|l| l.starts_with("Pss:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

/// Each process's PSS and the total, printed under `what`; returns the total.
fn memory(what: &str, pid: u32) -> f64 {
    let mut by_name: BTreeMap<String, f64> = BTreeMap::new();
    for (member, name) in family(pid) {
        *by_name.entry(name).or_default() += pss_mb(member);
    }
    let total: f64 = by_name.values().sum();
    let parts: Vec<String> = by_name
        .iter()
        .filter(|(_, mb)| **mb >= 0.5)
        .map(|(name, mb)| format!("{name} {mb:.0}"))
        .collect();
    println!("  {what:<44} total {total:>4.0} MB  ({})", parts.join(", "));
    total
}

async fn eval(client: &fantoccini::Client, script: &str) -> serde_json::Value {
    client
        .execute(script, vec![])
        .await
        .unwrap_or(serde_json::Value::Null)
}

async fn settle(secs: u64) {
    tokio::time::sleep(Duration::from_secs(secs)).await;
}

/// Asks the app for a refresh of everything and waits for it to end.
async fn refresh_all(client: &fantoccini::Client) {
    let _ = client
        .execute_async(
            "const done = arguments[arguments.length - 1];\
             window.__TAURI_INTERNALS__.invoke('refresh_all').then(() => done(true), () => done(false));",
            vec![],
        )
        .await;
}

async fn in_the_app(display: &str, data: &Path, options: &Options) {
    let env = app_env(display, data);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let driver = start_driver_with(display, data, &env);
    let client = launch_binary(&driver, Path::new(env!("CARGO_BIN_EXE_earshot"))).await;
    eventually("the library's shows", Duration::from_secs(60), || async {
        (!texts_of(&client, "[data-testid=library-show]")
            .await
            .is_empty())
        .then_some(())
    })
    .await;
    let pid = app_pid(data, Path::new(env!("CARGO_BIN_EXE_earshot"))).expect("the app's process");
    println!("memory (PSS of every Earshot process):");
    settle(10).await;
    let idle = memory("idle, library open, nothing playing", pid);

    // The big show, scrolled down to its 1,000th episode.
    let rows = "[data-testid=episode]";
    let _ = eval(
        &client,
        "for (const b of document.querySelectorAll('[data-testid=library-show], .sidebar .shows button')) \
         { if (b.textContent.includes('Show 000:')) { b.click(); break; } }",
    )
    .await;
    eventually("the big show's page", Duration::from_secs(30), || async {
        text_of(&client, "[data-testid=show-title]")
            .await
            .filter(|t| t.starts_with("Show 000:"))
    })
    .await;
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut reached = 0;
    while Instant::now() < deadline {
        let value = eval(
            &client,
            &format!(
                "const main = document.querySelector('main');\
                 const rows = document.querySelectorAll('{rows}');\
                 const last = rows[rows.length - 1];\
                 const index = last ? Number(last.getAttribute('aria-posinset') || rows.length) : 0;\
                 if (index < 1000) {{ main.scrollTop = main.scrollHeight; }}\
                 else {{ for (const r of rows) {{ if (Number(r.getAttribute('aria-posinset') || 0) === 1000) {{ r.scrollIntoView(); break; }} }} \
                        if (rows.length >= 1000 && !rows[0].hasAttribute('aria-posinset')) rows[999].scrollIntoView(); }}\
                 return index;"
            ),
        )
        .await;
        reached = value.as_u64().unwrap_or(0);
        if reached >= 1000 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    settle(10).await;
    let show_page = memory(
        &format!("the 5,000-episode show at row {}", reached.min(1000)),
        pid,
    );

    // Back to the library, then a day in the tray: refreshes with the window hidden.
    click(&client, ".library-row .nav").await;
    settle(3).await;
    let menu = eventually(
        "the tray menu on the bus",
        Duration::from_secs(20),
        || async { tray_menu() },
    )
    .await;
    let item = |label: &str| {
        tray_items(&menu)
            .into_iter()
            .find(|(_, l)| l == label)
            .map(|(id, _)| id)
    };
    if let Some(hide) = item("Hide Earshot") {
        click_tray(&menu, hide);
    }
    for _ in 0..options.refreshes {
        refresh_all(&client).await;
    }
    if let Some(show) = item("Show Earshot") {
        click_tray(&menu, show);
    }
    settle(10).await;
    let after = memory(
        &format!(
            "idle again after {} refreshes in the tray",
            options.refreshes
        ),
        pid,
    );
    println!(
        "  growth after the refreshes: {:+.1} % (show page: {:+.0} MB over idle)",
        (after / idle - 1.0) * 100.0,
        show_page - idle
    );

    // Playing with the window hidden in the tray.
    let _ = eval(
        &client,
        "for (const b of document.querySelectorAll('.sidebar .shows button')) \
         { if (b.textContent.includes('Show 001:')) { b.click(); break; } }",
    )
    .await;
    eventually(
        "the playable show's page",
        Duration::from_secs(30),
        || async {
            text_of(&client, "[data-testid=show-title]")
                .await
                .filter(|t| t.starts_with("Show 001:"))
        },
    )
    .await;
    click(&client, "[data-testid=play-episode]").await;
    playback_advances(&client, 2.0, Duration::from_secs(30)).await;
    if let Some(hide) = item("Hide Earshot") {
        click_tray(&menu, hide);
    }
    settle(5).await;
    let from = cpu_secs(pid);
    let started = Instant::now();
    settle(options.hidden_secs).await;
    let to = cpu_secs(pid);
    let (used, parts) = cpu_used(&from, &to);
    let secs = started.elapsed().as_secs_f64();
    println!(
        "playing, window hidden in the tray, {secs:.0} s: {:.2} % of a core ({parts})",
        used / secs * 100.0
    );
    if let Some(show) = item("Show Earshot") {
        click_tray(&menu, show);
    }
    let _ = client.close().await;
}

#[tokio::main]
async fn main() {
    // `cargo test --all-targets` runs bench binaries too; measuring belongs to `cargo bench`.
    if !std::env::args().any(|a| a == "--bench") {
        println!("app benchmark: run it with `cargo xtask bench --app`");
        return;
    }
    let options = Options::from_args();
    let folder = tempfile::tempdir().expect("a temporary folder");
    let data: PathBuf = folder.path().join("data");
    let media = folder.path().join("media");
    std::fs::create_dir_all(&media).expect("a media folder");
    let _server = make_library(&options, &data, &media).await;
    let (_xvfb, display) = display();
    start_up(&display, &data, &options);
    in_the_app(&display, &data, &options).await;
}
