//! `earshot-bench` (run by `cargo xtask bench`): the feed engine measured whole-process, beside
//! the peers, on the same generated feeds in the same run.
//!
//! It generates N shows × M episodes of realistic feeds in each shape asked for (`--shape`: the
//! standard notes, notes-heavy ones as tech shows write them, or both, the default), serves them
//! gzip-capable with ETag and Last-Modified from many loopback addresses with added latency, and
//! times, per shape and per tool:
//! - the first refresh of everything into an empty library (`earshot-cli refresh`), its CPU time,
//!   CPU per stored episode and peak RSS, and the same for `gpo` (gPodder) and `shellcaster` when
//!   installed;
//! - the time until the notes are searchable: the refresh, plus a first `earshot-cli search` for a
//!   word found only in notes, which indexes whatever the refresh left to index (the peers have no
//!   index: theirs is the refresh);
//! - the library's size on disk;
//! - a refresh with nothing changed;
//! - parsing one 5,000-episode feed (MB/s);
//! - library search over everything (median of one- and two-word queries);
//! - opening a 5,000-episode show's first page from the database (median).
//!
//! With `--downloads`, it measures episode downloads against curl instead (see `downloads`).
//!
//! Figures are printed, not asserted: a benchmark reports, a test decides.

mod downloads;
mod generate;
mod server;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use earshot_core::{Core, CoreConfig};
use generate::Shape;
use url::Url;

struct Options {
    shapes: Vec<Shape>,
    feeds: usize,
    episodes: usize,
    hosts: usize,
    latency: Duration,
    earshot_cli: PathBuf,
    /// Another build of `earshot-cli`, measured in the same run on the same feeds (before the
    /// new one, on every shape): a before-and-after comparison without the drift between runs.
    baseline_cli: Option<PathBuf>,
    /// gPodder, and shellcaster, measured beside Earshot.
    gpodder: bool,
    shellcaster: bool,
    seed: u64,
    /// Only serve the feeds (and write the OPML) until killed: for profiling a tool by hand.
    serve_only: bool,
    /// Run the download benchmark (a file of this many MB) instead of the feed benchmark.
    download_mb: Option<usize>,
}

fn usage() -> ! {
    eprintln!(
        "usage: earshot-bench [--shape standard|notes-heavy|both] [--feeds N] [--episodes M] \
         [--hosts H] [--latency-ms L] [--earshot-cli PATH] [--baseline-cli PATH] [--no-peers | --peers gpodder|shellcaster] [--serve-only] [--seed S] \
         [--downloads [--download-mb MB]]"
    );
    std::process::exit(2)
}

fn options() -> Options {
    let own = std::env::current_exe().unwrap_or_default();
    let mut options = Options {
        shapes: vec![Shape::Standard, Shape::NotesHeavy],
        feeds: 500,
        episodes: 300,
        hosts: 25,
        latency: Duration::from_millis(50),
        earshot_cli: own.with_file_name("earshot-cli"),
        baseline_cli: None,
        gpodder: true,
        shellcaster: true,
        seed: 2026,
        serve_only: false,
        download_mb: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().unwrap_or_else(|| usage());
        match arg.as_str() {
            "--shape" => {
                options.shapes = match value().as_str() {
                    "standard" => vec![Shape::Standard],
                    "notes-heavy" => vec![Shape::NotesHeavy],
                    "both" => vec![Shape::Standard, Shape::NotesHeavy],
                    _ => usage(),
                }
            }
            "--feeds" => options.feeds = value().parse().unwrap_or_else(|_| usage()),
            "--episodes" => options.episodes = value().parse().unwrap_or_else(|_| usage()),
            "--hosts" => options.hosts = value().parse().unwrap_or_else(|_| usage()),
            "--latency-ms" => {
                options.latency =
                    Duration::from_millis(value().parse().unwrap_or_else(|_| usage()));
            }
            "--earshot-cli" => options.earshot_cli = PathBuf::from(value()),
            "--baseline-cli" => options.baseline_cli = Some(PathBuf::from(value())),
            "--no-peers" => (options.gpodder, options.shellcaster) = (false, false),
            "--peers" => {
                (options.gpodder, options.shellcaster) = match value().as_str() {
                    "gpodder" => (true, false),
                    "shellcaster" => (false, true),
                    "both" => (true, true),
                    _ => usage(),
                }
            }
            "--serve-only" => options.serve_only = true,
            "--downloads" => options.download_mb = Some(options.download_mb.unwrap_or(200)),
            "--download-mb" => {
                options.download_mb = Some(value().parse().unwrap_or_else(|_| usage()));
            }
            "--seed" => options.seed = value().parse().unwrap_or_else(|_| usage()),
            // `cargo bench` passes --bench; nothing else is known.
            "--bench" => {}
            _ => usage(),
        }
    }
    if options.hosts == 0 || options.hosts > 250 {
        usage();
    }
    options
}

/// Wall time and peak RSS of one whole process.
#[derive(Debug, Clone, Copy)]
struct Run {
    secs: f64,
    cpu_secs: f64,
    peak_rss_mb: f64,
}

/// One tool's figures for one shape.
#[derive(Debug, Clone, Copy)]
struct Figures {
    first: Run,
    again: Run,
    /// Episodes the tool stored, counted from its own database.
    stored: usize,
    /// From the start of the first refresh until a notes word is found.
    searchable_secs: f64,
    /// CPU time until then: the refresh's and the first search's.
    searchable_cpu_secs: f64,
    /// The library's files (the database, its WAL and the search index).
    disk_bytes: u64,
}

impl Figures {
    fn cpu_per_episode_us(&self) -> f64 {
        self.first.cpu_secs / self.stored.max(1) as f64 * 1e6
    }
}

/// A tool's figures, or why they were not measured.
type Measured = Result<Figures, String>;

/// Runs `command` under GNU time for its wall clock and peak RSS. Output goes to `log`.
fn measure(command: Command, log: &Path) -> Result<Run, String> {
    let timing = log.with_extension("time");
    let program = command.get_program().to_owned();
    let args: Vec<_> = command.get_args().map(ToOwned::to_owned).collect();
    let mut timed = Command::new("/usr/bin/time");
    timed
        .arg("-o")
        .arg(&timing)
        .arg("-f")
        .arg("%e %M %U %S")
        .arg(&program)
        .args(&args);
    for (key, value) in command.get_envs() {
        match value {
            Some(value) => timed.env(key, value),
            None => timed.env_remove(key),
        };
    }
    if let Some(dir) = command.get_current_dir() {
        timed.current_dir(dir);
    }
    let out = std::fs::File::create(log).map_err(|e| e.to_string())?;
    let err = out.try_clone().map_err(|e| e.to_string())?;
    let status = timed
        .stdout(out)
        .stderr(err)
        .stdin(std::process::Stdio::null())
        .status()
        .map_err(|e| format!("{} did not start: {e}", program.to_string_lossy()))?;
    let text = std::fs::read_to_string(&timing).map_err(|e| e.to_string())?;
    let last = text.lines().last().unwrap_or_default();
    let mut parts = last.split_whitespace();
    let secs: f64 = parts.next().and_then(|s| s.parse().ok()).ok_or("no time")?;
    let kb: f64 = parts.next().and_then(|s| s.parse().ok()).ok_or("no rss")?;
    let user: f64 = parts.next().and_then(|s| s.parse().ok()).unwrap_or(0.0);
    let system: f64 = parts.next().and_then(|s| s.parse().ok()).unwrap_or(0.0);
    if !status.success() {
        return Err(format!(
            "{} exited with {status}; see {}",
            program.to_string_lossy(),
            log.display()
        ));
    }
    Ok(Run {
        secs,
        cpu_secs: user + system,
        peak_rss_mb: kb / 1024.0,
    })
}

fn median(mut samples: Vec<f64>) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples.get(samples.len() / 2).copied().unwrap_or(f64::NAN)
}

fn main() {
    let options = options();
    let work = match tempfile::Builder::new().prefix("earshot-bench-").tempdir() {
        Ok(dir) => dir,
        Err(error) => {
            eprintln!("earshot-bench: no temporary folder: {error}");
            std::process::exit(1)
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("earshot-bench: no runtime: {error}");
            std::process::exit(1)
        }
    };
    if let Err(error) = runtime.block_on(run(&options, work.path())) {
        eprintln!("earshot-bench: {error}");
        std::process::exit(1);
    }
}

async fn run(options: &Options, work: &Path) -> Result<(), String> {
    if let Some(megabytes) = options.download_mb {
        return downloads::run(&options.earshot_cli, work, megabytes, 5).await;
    }
    let mut reports = Vec::new();
    for shape in &options.shapes {
        let dir = work.join(shape.name());
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        let Some(report) = bench_shape(options, *shape, &dir).await? else {
            return Ok(());
        };
        print_report(&report);
        reports.push(report);
    }
    if reports.len() > 1 {
        println!("\nAll shapes, from this run:");
        for report in &reports {
            print_report(report);
        }
    }
    let library = work.join(options.shapes.first().map_or("standard", |s| s.name()));
    micro(options, &library.join("earshot")).await
}

/// Every tool's figures on one shape of feeds.
struct ShapeReport {
    shape: Shape,
    xml_bytes: usize,
    table: Vec<(String, Measured)>,
    requests: u64,
    not_modified: u64,
    bytes_sent: u64,
}

/// Generates and serves one shape of feeds and measures every tool on them; `None` with
/// `--serve-only` (which serves until killed).
async fn bench_shape(
    options: &Options,
    shape: Shape,
    work: &Path,
) -> Result<Option<ShapeReport>, String> {
    println!(
        "\n=== {} feeds: generating {} × {} episodes (seed {})…",
        shape.name(),
        options.feeds,
        options.episodes,
        options.seed
    );
    let started = Instant::now();
    // Bind first: the feeds name their own server (artwork, enclosures) by address and port.
    let (port, listeners) = server::bind(options.hosts)
        .await
        .map_err(|e| format!("the feed server could not bind: {e}"))?;
    let feeds = generate_all(options, shape, port);
    let xml_bytes: usize = feeds.iter().map(|f| f.plain.len()).sum();
    let gzip_bytes: usize = feeds.iter().map(|f| f.gzip.len()).sum();
    println!(
        "  {:.0} MB of XML ({:.0} MB gzipped) in {:.1} s",
        xml_bytes as f64 / 1e6,
        gzip_bytes as f64 / 1e6,
        started.elapsed().as_secs_f64()
    );
    let served = Arc::new(server::Served {
        feeds,
        latency: options.latency,
        counters: server::Counters::default(),
    });
    let serving = server::serve(served.clone(), listeners);
    let urls: Vec<String> = (0..options.feeds)
        .map(|n| {
            format!(
                "http://{}:{port}/feeds/{n}.xml",
                server::host(n, options.hosts)
            )
        })
        .collect();
    let opml = work.join("feeds.opml");
    std::fs::write(&opml, opml_for(&urls)).map_err(|e| e.to_string())?;
    println!(
        "Serving from {} loopback addresses on port {port}, {} ms added per request",
        options.hosts,
        options.latency.as_millis()
    );

    if options.serve_only {
        let kept = std::env::temp_dir().join(format!("earshot-bench-{}.opml", shape.name()));
        std::fs::copy(&opml, &kept).map_err(|e| e.to_string())?;
        println!(
            "Serving; subscriptions in {} (Ctrl+C to stop)",
            kept.display()
        );
        loop {
            tokio::time::sleep(Duration::from_secs(3600)).await;
        }
    }
    let expected = options.feeds * options.episodes;
    let mut table: Vec<(String, Measured)> = Vec::new();
    if let Some(baseline) = &options.baseline_cli {
        let earshot = bench_earshot(options, baseline, shape, &work.join("baseline"), &opml).await;
        table.push(("Earshot, baseline".into(), earshot));
    }
    let earshot = bench_earshot(options, &options.earshot_cli, shape, work, &opml).await;
    table.push(("Earshot (earshot-cli)".into(), earshot));
    if options.gpodder {
        table.push((
            "gPodder (gpo)".into(),
            bench_gpo(work, &opml, options.episodes, expected).await,
        ));
    }
    if options.shellcaster {
        table.push((
            "shellcaster".into(),
            bench_shellcaster(work, &opml, expected).await,
        ));
    }
    for task in serving {
        task.abort();
    }
    let count = |c: &std::sync::atomic::AtomicU64| c.load(std::sync::atomic::Ordering::Relaxed);
    Ok(Some(ShapeReport {
        shape,
        xml_bytes,
        table,
        requests: count(&served.counters.requests),
        not_modified: count(&served.counters.not_modified),
        bytes_sent: count(&served.counters.bytes_sent),
    }))
}

fn print_report(report: &ShapeReport) {
    println!(
        "\n{} feeds ({:.0} MB of XML):",
        report.shape.name(),
        report.xml_bytes as f64 / 1e6
    );
    println!(
        "{:<22} {:>9} {:>8} {:>9} {:>8} {:>11} {:>8} | {:>15} {:>7} {:>8}",
        "first refresh:",
        "wall",
        "CPU",
        "CPU/ep.",
        "peak RSS",
        "searchable",
        "on disk",
        "nothing changed",
        "CPU",
        "peak RSS"
    );
    for (name, result) in &report.table {
        match result {
            Ok(f) => println!(
                "{name:<22} {:>7.2} s {:>6.2} s {:>6.0} µs {:>5.0} MB {:>9.2} s {:>5.0} MB | \
                 {:>13.2} s {:>5.2} s {:>5.0} MB",
                f.first.secs,
                f.first.cpu_secs,
                f.cpu_per_episode_us(),
                f.first.peak_rss_mb,
                f.searchable_secs,
                f.disk_bytes as f64 / 1e6,
                f.again.secs,
                f.again.cpu_secs,
                f.again.peak_rss_mb
            ),
            Err(error) => println!("{name:<22} not measured: {error}"),
        }
    }
    let earshot = report
        .table
        .iter()
        .find(|(name, _)| name.starts_with("Earshot ("))
        .and_then(|(_, result)| result.as_ref().ok());
    if let Some(earshot) = earshot {
        println!(
            "Earshot: CPU until searchable {:.2} s ({:.0} µs per episode); searchable {:.2}× the \
             refresh's wall time",
            earshot.searchable_cpu_secs,
            earshot.searchable_cpu_secs / earshot.stored.max(1) as f64 * 1e6,
            earshot.searchable_secs / earshot.first.secs
        );
        for (name, result) in report.table.iter() {
            if name.starts_with("Earshot (") {
                continue;
            }
            if let Ok(peer) = result {
                println!(
                    "Earshot vs {name}: first refresh {:.2}× faster, searchable {:.2}× sooner, \
                     CPU per episode {:.2}× the peer's, nothing changed {:.1}× faster",
                    peer.first.secs / earshot.first.secs,
                    peer.searchable_secs / earshot.searchable_secs,
                    earshot.cpu_per_episode_us() / peer.cpu_per_episode_us(),
                    peer.again.secs / earshot.again.secs
                );
            }
        }
    }
    println!(
        "Server: {} requests, {} answered 304, {:.0} MB sent",
        report.requests,
        report.not_modified,
        report.bytes_sent as f64 / 1e6
    );
}

/// Moves a database's write-ahead log into it, so that its size on disk is the library's.
async fn checkpoint(database: &Path) {
    let options = sqlx::sqlite::SqliteConnectOptions::new().filename(database);
    let done = async {
        let mut connection = sqlx::ConnectOptions::connect(&options).await?;
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(&mut connection)
            .await?;
        sqlx::Connection::close(connection).await
    };
    if let Err(error) = done.await {
        println!("  {} not checkpointed: {error}", database.display());
    }
}

/// The size of the files in `dir` (not below it), or of the file `path`.
fn disk_size(path: &Path) -> u64 {
    if path.is_file() {
        return path.metadata().map_or(0, |m| m.len());
    }
    std::fs::read_dir(path)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter_map(|e| e.metadata().ok())
                .filter(std::fs::Metadata::is_file)
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}

fn generate_all(options: &Options, shape: Shape, port: u16) -> Vec<server::Feed> {
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2);
    let chunk = options.feeds.div_ceil(threads).max(1);
    let indices: Vec<usize> = (0..options.feeds).collect();
    let mut feeds: Vec<server::Feed> = Vec::with_capacity(options.feeds);
    std::thread::scope(|scope| {
        let handles: Vec<_> = indices
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .map(|&n| {
                            let base = format!("http://{}:{port}", server::host(n, options.hosts));
                            let xml =
                                generate::feed(options.seed, n, options.episodes, &base, shape);
                            let gzip = gzip(xml.as_bytes());
                            server::Feed {
                                etag: format!("\"{}-{n}\"", options.seed),
                                plain: xml.into(),
                                gzip: gzip.into(),
                            }
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        for handle in handles {
            if let Ok(part) = handle.join() {
                feeds.extend(part);
            }
        }
    });
    feeds
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let _ = encoder.write_all(bytes);
    encoder.finish().unwrap_or_default()
}

fn opml_for(urls: &[String]) -> String {
    let mut opml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<opml version=\"2.0\"><head><title>bench</title></head><body>\n",
    );
    for (n, url) in urls.iter().enumerate() {
        opml.push_str(&format!(
            "<outline type=\"rss\" text=\"Bench Show {n}\" xmlUrl=\"{url}\"/>\n"
        ));
    }
    opml.push_str("</body></opml>\n");
    opml
}

async fn bench_earshot(
    options: &Options,
    binary: &Path,
    shape: Shape,
    work: &Path,
    opml: &Path,
) -> Measured {
    std::fs::create_dir_all(work).map_err(|e| e.to_string())?;
    let data = work.join("earshot");
    let cli = |args: &[&str]| {
        let mut command = Command::new(binary);
        command.arg("--data-dir").arg(&data).args(args);
        command
    };
    let opml = opml.to_string_lossy().into_owned();
    measure(cli(&["import", &opml]), &work.join("earshot-import.log"))?;
    println!("Earshot: first refresh of {} feeds…", options.feeds);
    let first = measure(cli(&["refresh"]), &work.join("earshot-first.log"))?;
    // The first search indexes whatever the refresh left to index.
    let word = shape.notes_word();
    let log = work.join("earshot-search.log");
    let search = measure(cli(&["search", word]), &log)?;
    let found = std::fs::read_to_string(&log)
        .unwrap_or_default()
        .lines()
        .filter(|l| l.starts_with("episode"))
        .count();
    println!(
        "  searchable {:.2} s after the refresh began (“{word}”: {found} episodes found)",
        first.secs + search.secs
    );
    if found == 0 {
        return Err(format!("searching the notes for “{word}” found nothing"));
    }
    println!("Earshot: refresh with nothing changed…");
    let again = measure(cli(&["refresh"]), &work.join("earshot-again.log"))?;
    // Sanity: everything arrived.
    let core = Core::open(CoreConfig::new(&data))
        .await
        .map_err(|e| e.to_string())?;
    let shows = core.shows().await.map_err(|e| e.to_string())?;
    let episodes: u32 = shows.iter().map(|s| s.episode_count).sum();
    let failed = shows.iter().filter(|s| s.last_error.is_some()).count();
    core.close().await;
    checkpoint(&data.join("earshot.db")).await;
    checkpoint(&data.join("earshot-search.db")).await;
    println!(
        "  stored {} shows, {episodes} episodes, {failed} failures; on disk: library {:.0} MB, \
         search index {:.0} MB",
        shows.len(),
        disk_size(&data.join("earshot.db")) as f64 / 1e6,
        disk_size(&data.join("earshot-search.db")) as f64 / 1e6
    );
    if failed > 0 || episodes as usize != options.feeds * options.episodes {
        return Err(format!(
            "only {episodes} episodes stored, {failed} feeds failed"
        ));
    }
    Ok(Figures {
        first,
        again,
        stored: episodes as usize,
        searchable_secs: first.secs + search.secs,
        searchable_cpu_secs: first.cpu_secs + search.cpu_secs,
        // The library's own files: not a backup an Earshot newer than the one measured made
        // before migrating it (as when the baseline's library is opened here).
        disk_bytes: [
            "earshot.db",
            "earshot.db-wal",
            "earshot-search.db",
            "earshot-search.db-wal",
        ]
        .iter()
        .map(|name| disk_size(&data.join(name)))
        .sum(),
    })
}

async fn bench_gpo(work: &Path, opml: &Path, episodes: usize, expected: usize) -> Measured {
    if !Path::new("/usr/bin/gpo").exists() {
        return Err("gpo is not installed (apt install gpodder)".into());
    }
    let home = work.join("gpodder");
    std::fs::create_dir_all(&home).map_err(|e| e.to_string())?;
    let gpo = |args: &[&str]| {
        let mut command = Command::new("/usr/bin/gpo");
        command
            .args(args)
            .env("GPODDER_HOME", &home)
            .env("GPODDER_DOWNLOAD_DIR", home.join("downloads"));
        command
    };
    // gPodder keeps 200 episodes per show unless told otherwise; the same work as the others
    // means keeping every episode.
    measure(
        gpo(&["set", "limit.episodes", &episodes.to_string()]),
        &work.join("gpo-set.log"),
    )?;
    println!("gPodder: first fetch (gpo import)…");
    let first = measure(
        gpo(&["import", &opml.to_string_lossy()]),
        &work.join("gpo-first.log"),
    )?;
    let stored = report_stored(&home.join("Database"), "episode", expected).await;
    println!("gPodder: update with nothing changed…");
    let again = measure(gpo(&["update"]), &work.join("gpo-again.log"))?;
    Ok(Figures {
        first,
        again,
        stored,
        searchable_secs: first.secs,
        searchable_cpu_secs: first.cpu_secs,
        disk_bytes: disk_size(&home.join("Database")),
    })
}

/// Prints and returns how many episodes a peer stored, from its own SQLite file: its times
/// compare with Earshot's only when it stored them all.
async fn report_stored(database: &Path, table: &str, expected: usize) -> usize {
    let counted = async {
        let options = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(database)
            .read_only(true);
        let mut connection = sqlx::ConnectOptions::connect(&options).await?;
        let count: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(&mut connection)
            .await?;
        Ok::<i64, sqlx::Error>(count)
    };
    match counted.await {
        Ok(count) => {
            let count = usize::try_from(count).unwrap_or(0);
            if count == expected {
                println!("  stored {count} episodes, all of them");
            } else {
                println!("  stored {count} episodes of {expected}: not the same work");
            }
            count
        }
        Err(error) => {
            println!(
                "  could not count its episodes ({}): {error}",
                database.display()
            );
            0
        }
    }
}

fn shellcaster_binary() -> Option<PathBuf> {
    let home = std::env::var_os("HOME").map(PathBuf::from)?;
    let path = home.join(".cargo/bin/shellcaster");
    path.exists().then_some(path)
}

async fn bench_shellcaster(work: &Path, opml: &Path, expected: usize) -> Measured {
    let binary = shellcaster_binary().ok_or(
        "shellcaster is not installed (cargo install shellcaster --version 2.0.1 --locked)",
    )?;
    let dir = work.join("shellcaster");
    std::fs::create_dir_all(dir.join("downloads")).map_err(|e| e.to_string())?;
    let config = dir.join("config.toml");
    std::fs::write(
        &config,
        format!(
            "download_path = \"{}\"\nsimultaneous_downloads = 3\nmax_retries = 1\n",
            dir.join("downloads").display()
        ),
    )
    .map_err(|e| e.to_string())?;
    let shellcaster = |args: &[&str]| {
        let mut command = Command::new(&binary);
        command
            .arg("-c")
            .arg(&config)
            .args(args)
            .env("XDG_DATA_HOME", dir.join("data"))
            .env("HOME", &dir);
        command
    };
    println!("shellcaster: first fetch (import)…");
    let first = measure(
        shellcaster(&["import", "-f", &opml.to_string_lossy()]),
        &work.join("shellcaster-first.log"),
    )?;
    // shellcaster keeps its database beside its configuration file.
    let stored = report_stored(&dir.join("data.db"), "episodes", expected).await;
    println!("shellcaster: sync with nothing changed…");
    let again = measure(shellcaster(&["sync"]), &work.join("shellcaster-again.log"))?;
    Ok(Figures {
        first,
        again,
        stored,
        searchable_secs: first.secs,
        searchable_cpu_secs: first.cpu_secs,
        disk_bytes: disk_size(&dir.join("data.db")),
    })
}

/// In-process figures: parsing speed, search latency, first page of a long show, over the
/// library in `data`.
async fn micro(options: &Options, data: &Path) -> Result<(), String> {
    println!();
    let url = Url::parse("http://media.bench.invalid/feed.xml").map_err(|e| e.to_string())?;
    let mut parsed = None;
    for shape in &options.shapes {
        let xml = generate::feed(
            options.seed,
            99_999,
            5_000,
            "http://media.bench.invalid",
            *shape,
        );
        let mut secs = Vec::new();
        for _ in 0..5 {
            let started = Instant::now();
            let feed = earshot_core::feed::parse_feed(xml.as_bytes(), &url)?;
            secs.push(started.elapsed().as_secs_f64());
            parsed.get_or_insert(feed);
        }
        let parse_median = median(secs);
        println!(
            "Parse + normalise one 5,000-episode {} feed ({:.1} MB): {:.0} ms median, {:.0} MB/s",
            shape.name(),
            xml.len() as f64 / 1e6,
            parse_median * 1e3,
            xml.len() as f64 / 1e6 / parse_median
        );
    }
    let parsed = parsed.ok_or("nothing parsed")?;

    let core = Core::open(CoreConfig::new(data))
        .await
        .map_err(|e| e.to_string())?;
    for query in [
        "kubernetes",
        "database replication",
        "snapshot isolation",
        "cof",
    ] {
        let mut samples = Vec::new();
        let mut hits = 0;
        for _ in 0..41 {
            let started = Instant::now();
            let results = core.search(query, 30).await.map_err(|e| e.to_string())?;
            samples.push(started.elapsed().as_secs_f64());
            hits = results.episodes.len() + results.shows.len();
        }
        println!(
            "Search “{query}” over the library: {:.2} ms median ({hits} results shown)",
            median(samples) * 1e3
        );
    }

    let meta = earshot_core::library::FeedMeta::default();
    let stored = core
        .library()
        .store_feed(
            url.as_str(),
            &earshot_core::library::PreparedFeed::new(parsed),
            &meta,
            None,
            1_795_000_000,
        )
        .await
        .map_err(|e| e.to_string())?;
    let mut samples = Vec::new();
    for _ in 0..101 {
        let started = Instant::now();
        let page = core
            .episodes(
                stored.show,
                earshot_core::EpisodeQuery {
                    filter: earshot_core::EpisodeFilter::All,
                    order: earshot_core::EpisodeOrder::Newest,
                    offset: 0,
                    limit: 50,
                },
            )
            .await
            .map_err(|e| e.to_string())?;
        samples.push(started.elapsed().as_secs_f64());
        if page.episodes.len() != 50 || page.total != 5_000 {
            return Err("the first page is short".into());
        }
    }
    println!(
        "First page (50 rows) of a 5,000-episode show from the database: {:.2} ms median",
        median(samples) * 1e3
    );
    core.close().await;
    Ok(())
}
