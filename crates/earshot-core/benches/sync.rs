//! Sync benchmark (`cargo xtask bench --sync`, or `cargo bench -p earshot-core --bench sync`):
//! two devices against the real gpodder server on loopback (gpodder-fastapi-router under
//! uvicorn with its deployed bcrypt cost, installed by `cargo xtask setup`), behind a counting
//! proxy.
//!
//! 1. Device A, 500 shows × 300 episodes with a place in every episode (150,000), signs in and
//!    syncs for the first time: 500 subscriptions and 150,000 episode actions uploaded.
//! 2. Device B, the same shows with no places, signs in and syncs for the first time: 150,000
//!    actions downloaded and applied.
//! 3. B syncs again with nothing new, five times: requests per endpoint and wall time (median).
//!
//! Each step reports wall time, this process's CPU time (the client's share; the server is
//! another process) and this process's peak resident memory during the step (`VmHWM`, reset
//! before it through `/proc/self/clear_refs`). `--shows N --episodes M` make it smaller.
//! Timings are printed, never asserted.

use std::path::Path;
use std::time::Instant;

use earshot_core::sync::{Keyring, MemoryKeyring, SyncConfig};
use earshot_core::{Core, CoreConfig, SyncAccount, SyncKind};
use earshot_testkit::sync::{FaultProxy, GpodderServer};
use sqlx::Connection;

const USER: &str = "bench";
const PASSWORD: &str = "a long enough password";
/// The actions' times are spread over the two years before this.
const NOW: i64 = 1_796_000_000;
const TWO_YEARS: i64 = 2 * 365 * 86_400;

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// This process's CPU seconds so far (user + system), from `/proc/self/stat`.
fn cpu_secs() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit(')').next().unwrap_or_default();
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are fields 14 and 15 (11 and 12 after the command name); 100 Hz.
    (ticks(11) + ticks(12)) / 100.0
}

fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

struct Step {
    wall: f64,
    cpu: f64,
    peak_mb: f64,
}

async fn measure<T>(work: impl std::future::Future<Output = T>) -> (T, Step) {
    reset_peak();
    let (started, cpu) = (Instant::now(), cpu_secs());
    let out = work.await;
    let step = Step {
        wall: started.elapsed().as_secs_f64(),
        cpu: cpu_secs() - cpu,
        peak_mb: peak_rss_mb(),
    };
    (out, step)
}

/// Writes `shows` × `episodes` into the library at `dir` (straight into SQLite: the benchmark
/// measures the sync, not feed parsing), with a place in every episode when `places`.
async fn fill(dir: &Path, shows: usize, episodes: usize, places: bool) {
    let db = dir.join("earshot.db");
    let mut connection = sqlx::SqliteConnection::connect(&format!("sqlite:{}", db.display()))
        .await
        .expect("library");
    let mut tx = connection.begin().await.expect("tx");
    let mut n = 0i64;
    for show in 0..shows {
        let feed = format!("http://127.0.0.1:9/feeds/{show}.xml");
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO shows (feed_url, title, subscribed_at, refreshed_at) VALUES (?, ?, ?, ?) RETURNING id",
        )
        .bind(&feed)
        .bind(format!("Show {show}"))
        .bind(NOW - TWO_YEARS)
        .bind(NOW)
        .fetch_one(&mut *tx)
        .await
        .expect("show");
        for episode in 0..episodes {
            n += 1;
            let episode_id: i64 = sqlx::query_scalar(
                "INSERT INTO episodes (show_id, guid, title, duration_secs, enclosure_url, feed_order) \
                 VALUES (?, ?, ?, 3600.0, ?, ?) RETURNING id",
            )
            .bind(id)
            .bind(format!("guid-{show}-{episode}"))
            .bind(format!("Episode {episode}"))
            .bind(format!("http://127.0.0.1:9/media/{show}/{episode}.mp3"))
            .bind(episode as i64)
            .fetch_one(&mut *tx)
            .await
            .expect("episode");
            if places {
                let played = n % 3 == 0;
                sqlx::query(
                    "INSERT INTO playback (episode_id, position_secs, played, updated_at) VALUES (?, ?, ?, ?)",
                )
                .bind(episode_id)
                .bind(if played { 0.0 } else { (n % 3500 + 1) as f64 })
                .bind(played)
                .bind(NOW - TWO_YEARS + (n * 7919) % TWO_YEARS)
                .execute(&mut *tx)
                .await
                .expect("place");
            }
        }
    }
    tx.commit().await.expect("commit");
}

async fn device(dir: &Path, keyring: &MemoryKeyring) -> Core {
    Core::open_with_sync(
        CoreConfig::new(dir),
        SyncConfig {
            keyring: Keyring::Memory(keyring.clone()),
            ..SyncConfig::default()
        },
    )
    .await
    .expect("core opens")
}

fn account(server: &str, device: &str) -> SyncAccount {
    SyncAccount {
        kind: SyncKind::Gpodder,
        server: server.to_string(),
        user: USER.to_string(),
        device: device.to_string(),
    }
}

fn print(what: &str, step: &Step) {
    println!(
        "{what:<58} {:>8.2} s wall {:>8.2} s CPU (client) {:>7.1} MB peak RSS",
        step.wall, step.cpu, step.peak_mb
    );
}

#[tokio::main]
async fn main() {
    // `cargo test --all-targets` runs bench binaries too; measuring belongs to `cargo bench`.
    if !std::env::args().any(|a| a == "--bench") {
        println!("sync benchmark: run it with `cargo bench -p earshot-core --bench sync`");
        return;
    }
    let shows = arg("--shows", 500);
    let episodes = arg("--episodes", 300);
    let server = GpodderServer::start_with_rounds(12).await;
    server.register(USER, PASSWORD).await;
    let proxy = FaultProxy::start(&server.addr()).await.expect("proxy");
    let dir = tempfile::tempdir().expect("dir");
    let (a_dir, b_dir) = (dir.path().join("a"), dir.path().join("b"));
    println!(
        "Sync benchmark: {shows} subscriptions, {} episode actions, gpodder-fastapi-router on loopback",
        shows * episodes
    );

    let a = device(&a_dir, &MemoryKeyring::default()).await;
    fill(&a_dir, shows, episodes, true).await;
    a.sync_login(account(&proxy.base(), "bench-a"), PASSWORD, NOW)
        .await
        .expect("A signs in");
    let (report, step) = measure(a.sync_now(NOW)).await;
    let report = report.expect("A syncs");
    assert_eq!(report.error, None, "{report:?}");
    print(
        &format!(
            "A first sync: {} subscriptions, {} actions up",
            report.subscriptions_uploaded, report.uploaded_actions
        ),
        &step,
    );

    let b_keyring = MemoryKeyring::default();
    let b = device(&b_dir, &b_keyring).await;
    fill(&b_dir, shows, episodes, false).await;
    b.sync_login(account(&proxy.base(), "bench-b"), PASSWORD, NOW)
        .await
        .expect("B signs in");
    let (report, step) = measure(b.sync_now(NOW)).await;
    let report = report.expect("B syncs");
    assert_eq!(report.error, None, "{report:?}");
    print(
        &format!(
            "B first sync: {} actions down, {} applied",
            report.downloaded_actions, report.applied_actions
        ),
        &step,
    );

    let mut walls = Vec::new();
    let mut most_per_endpoint = 0;
    let mut requests = Vec::new();
    for _ in 0..5 {
        proxy.clear();
        let (report, step) = measure(b.sync_now(NOW)).await;
        let report = report.expect("B syncs again");
        assert_eq!(report.error, None, "{report:?}");
        walls.push(step.wall);
        requests = proxy.requests();
        let mut sorted = requests.clone();
        sorted.sort();
        let mut per = std::collections::HashMap::new();
        for r in &sorted {
            *per.entry(r.clone()).or_insert(0) += 1;
        }
        most_per_endpoint = most_per_endpoint.max(per.values().copied().max().unwrap_or(0));
    }
    walls.sort_by(f64::total_cmp);
    println!(
        "B sync with nothing new (5 runs): median {:.0} ms, slowest {:.0} ms; {} requests, at most {} per endpoint: {:?}",
        walls[walls.len() / 2] * 1000.0,
        walls[walls.len() - 1] * 1000.0,
        requests.len(),
        most_per_endpoint,
        requests
    );
    // A new run of B (the CLI, or the app started again) signs in once more first.
    b.close().await;
    let b = device(&b_dir, &b_keyring).await;
    proxy.clear();
    let (report, step) = measure(b.sync_now(NOW)).await;
    assert_eq!(report.expect("B syncs").error, None);
    print(
        &format!(
            "B sync with nothing new, new run ({} requests)",
            proxy.requests().len()
        ),
        &step,
    );
    a.close().await;
    b.close().await;
}
