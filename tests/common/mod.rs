//! What the end-to-end journeys share: a display (Xvfb when there is none), tauri-driver, a
//! WebDriver session with the real app, and small helpers to wait, read and click.
#![allow(dead_code)]

pub mod tray;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;

pub const FEED_TEMPLATE: &str = include_str!("../fixtures/show/feed.xml");
pub const ENTER: &str = "\u{E007}";

/// A child process, started in its own process group, that is killed with everything it started
/// when the test ends, pass or fail: an app or a WebKitWebDriver left behind would keep the test's
/// output open and hold the whole run.
pub struct Killed(pub Child);

/// Starts `command` in a process group of its own, for [`Killed`] to end as a whole.
pub fn spawn_group(command: &mut Command) -> std::io::Result<Killed> {
    use std::os::unix::process::CommandExt;
    command.process_group(0).spawn().map(Killed)
}

impl Drop for Killed {
    fn drop(&mut self) {
        let group = format!("-{}", self.0.id());
        // SIGTERM first, so tauri-driver can stop the WebKitWebDriver it started.
        let _ = Command::new("kill").args(["-TERM", "--", &group]).status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.0.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        // Whatever is left of the group (the app, WebKitWebDriver), and the leader if it is
        // still there.
        let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// Starts Xvfb when there is no display (CI runs under `xvfb-run` already).
pub fn display() -> (Option<Killed>, String) {
    if let Some(display) = std::env::var("DISPLAY").ok().filter(|d| !d.is_empty()) {
        return (None, display);
    }
    let mut xvfb = spawn_group(
        Command::new("Xvfb")
            .args([
                "-displayfd",
                "1",
                "-screen",
                "0",
                "1280x860x24",
                "-nolisten",
                "tcp",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null()),
    )
    .expect("Xvfb is installed (cargo xtask test installs it)");
    let mut line = String::new();
    BufReader::new(xvfb.0.stdout.take().expect("piped"))
        .read_line(&mut line)
        .expect("Xvfb reports its display");
    (Some(xvfb), format!(":{}", line.trim()))
}

pub fn tauri_driver() -> PathBuf {
    if let Some(path) = std::env::var_os("TAURI_DRIVER") {
        return PathBuf::from(path);
    }
    let in_cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .map(|home| home.join("bin/tauri-driver"));
    match in_cargo_home {
        Some(path) if path.exists() => path,
        _ => PathBuf::from("tauri-driver"),
    }
}

pub struct Driver {
    _process: Killed,
    port: u16,
}

pub fn start_driver(display: &str, data_dir: &Path) -> Driver {
    start_driver_with(display, data_dir, &[])
}

/// [`start_driver`], with more environment for the app (e.g. where the directories live).
pub fn start_driver_with(display: &str, data_dir: &Path, env: &[(&str, &str)]) -> Driver {
    let port = free_port();
    let native_port = free_port();
    let process = spawn_group(
        Command::new(tauri_driver())
            .args([
                "--port",
                &port.to_string(),
                "--native-port",
                &native_port.to_string(),
            ])
            .env("DISPLAY", display)
            .env("EARSHOT_DATA_DIR", data_dir)
            .env("EARSHOT_AUDIO_SINK", "fakesink sync=true")
            .env("RUST_LOG", "info")
            .env("WEBKIT_DISABLE_COMPOSITING_MODE", "1")
            .envs(env.iter().copied())
            .stdout(Stdio::null()),
    )
    .expect("tauri-driver runs (cargo install tauri-driver --locked; cargo xtask test does this)");
    Driver {
        _process: process,
        port,
    }
}

pub async fn launch(driver: &Driver) -> Client {
    launch_binary(driver, Path::new(env!("CARGO_BIN_EXE_earshot"))).await
}

/// A WebDriver session with the app at `binary` (the one cargo built, or one from a package).
pub async fn launch_binary(driver: &Driver, binary: &Path) -> Client {
    let mut capabilities = serde_json::Map::new();
    capabilities.insert(
        "tauri:options".into(),
        serde_json::json!({ "application": binary }),
    );
    capabilities.insert("browserName".into(), "wry".into());
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let mut builder = ClientBuilder::new(HttpConnector::new());
        builder.capabilities(capabilities.clone());
        match builder
            .connect(&format!("http://127.0.0.1:{}", driver.port))
            .await
        {
            Ok(client) => return client,
            Err(error) if Instant::now() < deadline => {
                let _ = error;
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
            Err(error) => panic!("no WebDriver session with the app: {error}"),
        }
    }
}

/// Polls until `probe` returns `Some`, or panics saying what was awaited.
pub async fn eventually<T, F, Fut>(what: &str, timeout: Duration, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(value) = probe().await {
            return value;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The trimmed text content of every element matching `css`.
pub async fn texts_of(client: &Client, css: &str) -> Vec<String> {
    let script = "return Array.from(document.querySelectorAll(arguments[0])).map(e => e.textContent.trim());";
    let call = client.execute(script, vec![css.into()]);
    let value = match tokio::time::timeout(Duration::from_secs(5), call).await {
        Ok(Ok(value)) => value,
        Ok(Err(error)) => {
            eprintln!("script failed for {css}: {error}");
            serde_json::Value::Null
        }
        Err(_) => {
            eprintln!("script timed out for {css}");
            serde_json::Value::Null
        }
    };
    value
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

pub async fn text_of(client: &Client, css: &str) -> Option<String> {
    texts_of(client, css).await.into_iter().next()
}

pub async fn attr_of(client: &Client, css: &str, name: &str) -> Option<String> {
    let element = client.find(Locator::Css(css)).await.ok()?;
    element.attr(name).await.ok().flatten()
}

/// `12:04 / 24:26` → (724, 1466).
pub fn parse_time(text: &str) -> Option<(f64, f64)> {
    let clock = |t: &str| {
        t.trim().split(':').try_fold(0.0, |acc, part| {
            part.parse::<f64>().ok().map(|v| acc * 60.0 + v)
        })
    };
    let (position, duration) = text.split_once('/')?;
    Some((clock(position)?, clock(duration)?))
}

pub async fn player_time(client: &Client) -> Option<(f64, f64)> {
    parse_time(&text_of(client, "[data-testid=player-time]").await?)
}

/// Waits (up to `timeout`) for the player bar's position to move on by `by` seconds from where it
/// is now. Returns the position reached and the duration shown.
pub async fn playback_advances(client: &Client, by: f64, timeout: Duration) -> (f64, f64) {
    let (first, _) = player_time(client).await.expect("a clock");
    let (advanced, duration) = eventually("the position to advance", timeout, || async {
        player_time(client).await.filter(|(p, _)| *p >= first + by)
    })
    .await;
    assert!(advanced >= first + by);
    (advanced, duration)
}

/// Saves a PNG of the window; returns whether WebKitWebDriver produced one in time.
pub async fn screenshot(client: &Client, name: &str) -> bool {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/e2e-screenshots");
    let _ = std::fs::create_dir_all(&dir);
    match tokio::time::timeout(Duration::from_secs(10), client.screenshot()).await {
        Ok(Ok(png)) => {
            std::fs::write(dir.join(name), png).expect("screenshot saved");
            true
        }
        Ok(Err(error)) => {
            eprintln!("screenshot {name} failed: {error}");
            false
        }
        Err(_) => {
            eprintln!("screenshot {name} timed out");
            false
        }
    }
}

/// The feed's episode titles in order, read independently of the app's parser.
pub fn titles_in(feed: &str) -> Vec<String> {
    feed.split("<item>")
        .skip(1)
        .filter_map(|item| {
            let start = item.find("<title>")? + "<title>".len();
            let end = item.find("</title>")?;
            Some(item[start..end].replace("&amp;", "&"))
        })
        .collect()
}

pub async fn click(client: &Client, css: &str) {
    client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no {css}: {e}"))
        .click()
        .await
        .unwrap_or_else(|e| panic!("could not click {css}: {e}"));
}

pub async fn wait_for_player_state(client: &Client, state: &str) {
    eventually(
        &format!("the player to be {state}"),
        Duration::from_secs(30),
        || async {
            attr_of(client, "[data-testid=player-toggle]", "data-state")
                .await
                .filter(|s| s == state)
        },
    )
    .await;
}

pub async fn add_podcast(client: &Client, url: &str) {
    let input = eventually("the add-podcast field", Duration::from_secs(10), || async {
        client
            .find(Locator::Css("[data-testid=add-podcast-url]"))
            .await
            .ok()
    })
    .await;
    input.clear().await.expect("field cleared");
    input
        .send_keys(&format!("{url}{ENTER}"))
        .await
        .expect("typed the address");
}

pub async fn expect_add_error(client: &Client, url: &str, expected: &str) {
    add_podcast(client, url).await;
    let message = eventually(
        &format!("an error for {url}"),
        Duration::from_secs(30),
        || async {
            text_of(client, "[data-testid=add-podcast-error]")
                .await
                .filter(|m| m.contains(expected))
        },
    )
    .await;
    assert!(message.contains(expected), "{message}");
}

/// Serves the fixture show at `/feed.xml` with its artwork, and `seconds` of real MP3 (rendered
/// into `media`) for each of its 24 episodes. Returns the feed's XML and the audio's bytes.
pub fn serve_fixture_show(
    server: &earshot_testkit::FixtureServer,
    media: &Path,
    seconds: u32,
) -> (String, Vec<u8>) {
    use earshot_player::fixtures::{ToneFormat, render_tone};
    use earshot_testkit::Route;
    let feed = FEED_TEMPLATE.replace("{{BASE}}", &server.base());
    server.route(
        "/feed.xml",
        Route::ok("application/rss+xml; charset=utf-8", feed.clone()),
    );
    let artwork =
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("icons/icon.png")).expect("icon");
    server.route("/artwork.png", Route::ok("image/png", artwork));
    let tone = media.join("episode.mp3");
    render_tone(&tone, seconds, ToneFormat::Mp3).expect("audio renders");
    let audio = std::fs::read(&tone).expect("audio");
    for n in 1..=24 {
        server.route(
            &format!("/audio/episode-{n:03}.mp3"),
            Route::ok("audio/mpeg", audio.clone()).with_header("ETag", "\"tone\""),
        );
    }
    (feed, audio)
}

/// In a freshly started app: opens Add podcast, subscribes to `url`, and waits for the show's
/// page. Returns the show's title.
pub async fn subscribe_in_app(client: &Client, url: &str) -> String {
    open_add_podcast(client).await;
    add_podcast(client, url).await;
    eventually("the show page", Duration::from_secs(30), || async {
        text_of(client, "[data-testid=show-title]").await
    })
    .await
}

/// In a freshly started app: waits for the Add podcast button and opens the dialog.
pub async fn open_add_podcast(client: &Client) {
    let add = eventually(
        "the Add podcast button",
        Duration::from_secs(30),
        || async {
            client
                .find(Locator::Css("[data-testid=add-podcast]"))
                .await
                .ok()
        },
    )
    .await;
    add.click().await.expect("opened Add podcast");
}

/// A show of `count` episodes a day apart (`{episode_title} {n}`, guid and audio `{key}-{n}`),
/// newest first, each with a little HTML and a timecode in its notes.
pub fn numbered_feed(
    base: &str,
    key: &str,
    show_title: &str,
    episode_title: &str,
    count: usize,
) -> String {
    let mut xml = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"><channel>
<title>{show_title}</title><link>{base}/</link><description>{count} episodes.</description>
"#
    );
    for n in (1..=count).rev() {
        let day = 1_795_000_000 - (count - n) as i64 * 86_400;
        let date = chrono::DateTime::from_timestamp(day, 0)
            .map(|d| d.format("%d %b %Y 08:00:00 +0000").to_string())
            .expect("a date");
        xml.push_str(&format!(
            "<item><title>{episode_title} {n}</title><guid>{key}-{n}</guid><pubDate>{date}</pubDate>\
             <itunes:duration>31:{m:02}</itunes:duration>\
             <enclosure url=\"{base}/audio/{key}-{n}.mp3\" type=\"audio/mpeg\" length=\"1000\"/>\
             <description><![CDATA[<p>Episode {n}: <b>notes</b> at 1:{m:02} and more.</p>]]></description></item>\n",
            m = n % 60,
        ));
    }
    xml.push_str("</channel></rss>\n");
    xml
}

/// Scrolls the element `css` names to the middle of its scroll area, as a listener would
/// before clicking it.
pub async fn scroll_into_view(client: &Client, css: &str) {
    client
        .execute(
            "document.querySelector(arguments[0])\
             .scrollIntoView({ block: 'center', behavior: 'instant' }); return true;",
            vec![serde_json::Value::from(css)],
        )
        .await
        .unwrap_or_else(|e| panic!("could not scroll {css} into view: {e}"));
}

/// Waits until `css` matches something on the page.
pub async fn shown(client: &Client, css: &str) {
    eventually(css, Duration::from_secs(10), || async {
        client.find(Locator::Css(css)).await.ok()
    })
    .await;
}

/// Waits until the page has applied `theme` (`light` or `dark`).
pub async fn theme_is(client: &Client, theme: &str) {
    eventually(
        &format!("the {theme} theme"),
        Duration::from_secs(5),
        || async {
            client
                .execute("return document.documentElement.dataset.theme;", vec![])
                .await
                .ok()?
                .as_str()
                .filter(|t| *t == theme)
                .map(str::to_string)
        },
    )
    .await;
}

/// Saves the X display as `target/e2e-screenshots/<name>` once the page has settled, and
/// returns the PNG. Taken with GStreamer's `ximagesrc` rather than over WebDriver:
/// WebKitWebDriver's screenshot never returns on some views and takes the session down with it.
pub async fn capture_display(display: &str, name: &str) -> Vec<u8> {
    tokio::time::sleep(Duration::from_millis(400)).await;
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/e2e-screenshots");
    let _ = std::fs::create_dir_all(&dir);
    let path = dir.join(name);
    let status = std::process::Command::new("gst-launch-1.0")
        .args([
            "-q",
            "ximagesrc",
            &format!("display-name={display}"),
            "num-buffers=1",
            "use-damage=false",
            "!",
            "videoconvert",
            "!",
            "pngenc",
            "!",
            "filesink",
        ])
        .arg(format!("location={}", path.display()))
        .status()
        .expect("gst-launch-1.0 (package gstreamer1.0-tools) runs");
    assert!(status.success(), "{name} not captured");
    let png = std::fs::read(&path).expect("the picture");
    assert!(png.starts_with(b"\x89PNG"), "{name} is a PNG");
    png
}

/// A number from the environment, or `default`.
pub fn setting(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// CPU seconds (user + system) used so far by `pid` and every process it started, by process
/// name (the app, WebKit's web and network processes, …).
pub fn cpu_secs(pid: u32) -> std::collections::BTreeMap<String, f64> {
    let ticks_per_sec = 100.0; // USER_HZ on Linux
    let mut total = std::collections::BTreeMap::new();
    let mut family = vec![pid];
    let mut i = 0;
    while i < family.len() {
        let parent = family[i];
        if let Ok(entries) = std::fs::read_dir("/proc") {
            for entry in entries.flatten() {
                let Some(child) = entry
                    .file_name()
                    .to_str()
                    .and_then(|s| s.parse::<u32>().ok())
                else {
                    continue;
                };
                if stat_fields(child).is_some_and(|f| f.ppid == parent) && !family.contains(&child)
                {
                    family.push(child);
                }
            }
        }
        i += 1;
    }
    for member in family {
        if let Some(fields) = stat_fields(member) {
            *total.entry(fields.name).or_insert(0.0) += fields.ticks as f64 / ticks_per_sec;
        }
    }
    total
}

/// What each process used between two readings, and in all.
pub fn cpu_used(
    from: &std::collections::BTreeMap<String, f64>,
    to: &std::collections::BTreeMap<String, f64>,
) -> (f64, String) {
    let mut parts = Vec::new();
    let mut sum = 0.0;
    for (name, secs) in to {
        let used = secs - from.get(name).copied().unwrap_or(0.0);
        sum += used;
        parts.push(format!("{name} {used:.2} s"));
    }
    (sum, parts.join(", "))
}

pub struct Stat {
    pub name: String,
    pub ppid: u32,
    pub ticks: u64,
}

pub fn stat_fields(pid: u32) -> Option<Stat> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name is in parentheses and may hold spaces; fields count from after it.
    let name = text[text.find('(')? + 1..text.rfind(')')?].to_string();
    let rest = &text[text.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    Some(Stat {
        name,
        ppid: fields.get(1)?.parse().ok()?,
        ticks: fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?,
    })
}

/// The app's process: the `app` binary whose data folder is `data`.
pub fn app_pid(data: &Path, app: &Path) -> Option<u32> {
    let binary = std::fs::canonicalize(app).ok()?;
    let wanted = format!("EARSHOT_DATA_DIR={}", data.display());
    std::fs::read_dir("/proc")
        .ok()?
        .flatten()
        .find_map(|entry| {
            let pid = entry.file_name().to_str()?.parse::<u32>().ok()?;
            let exe = std::fs::read_link(format!("/proc/{pid}/exe")).ok()?;
            let environ = std::fs::read(format!("/proc/{pid}/environ")).ok()?;
            let ours = environ
                .split(|b| *b == 0)
                .any(|var| var == wanted.as_bytes());
            (exe == binary && ours).then_some(pid)
        })
}
