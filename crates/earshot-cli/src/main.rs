//! `earshot-cli`: Earshot's library from a terminal or a script, on the same core and the same
//! database as the desktop app. Every command takes `--json` for machine-readable output.
//!
//! Exit status: 0 when the command ran, even if some feeds failed (those are reported per feed);
//! 1 when the library cannot be used; 2 for bad arguments (an unknown show or episode, an address
//! that is not a web address, a file that cannot be read or is not OPML); 3 when a download
//! failed (running the same command again continues it).

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use earshot_core::download::Retention;
use earshot_core::preferences;
use earshot_core::{
    Core, CoreConfig, Download, DownloadState, EpisodeId, Error, ErrorCode, RefreshOutcome, ShowId,
    ShowRefreshed,
};
use serde_json::json;

/// The app's identifier: the CLI shares the desktop app's data folder.
const APP_IDENTIFIER: &str = "app.earshot.desktop";

#[derive(Debug, Parser)]
#[command(
    name = "earshot-cli",
    version,
    about = "Earshot's podcast library from the command line"
)]
struct Cli {
    /// The library folder (default: the desktop app's data folder).
    #[arg(long, global = true, env = "EARSHOT_DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// Print machine-readable JSON on stdout.
    #[arg(long, global = true)]
    json: bool,
    /// Where downloads go (default: `downloads` in the data folder).
    #[arg(long, global = true, env = "EARSHOT_DOWNLOAD_DIR")]
    download_dir: Option<PathBuf>,
    /// Log more to stderr (-v info, -vv debug).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Subscribe to a feed (also feed://, itpc://, podcast://, a bare host, or a web page that
    /// links its feed) and print the show.
    Subscribe { url: String },
    /// Add the subscriptions in an OPML file.
    Import {
        file: PathBuf,
        /// Also fetch the new subscriptions now.
        #[arg(long)]
        refresh: bool,
    },
    /// Write every subscription as OPML to FILE, or to stdout.
    Export { file: Option<PathBuf> },
    /// Refresh every show, or one (by id or feed address).
    Refresh { show: Option<String> },
    /// List the subscriptions.
    List,
    /// List a show's episodes, newest first (by show id or feed address).
    Episodes { show: String },
    /// Search show titles, episode titles and show notes.
    Search {
        #[arg(required = true, num_args = 1..)]
        text: Vec<String>,
    },
    /// Remove a show with its episodes and the progress in them.
    Unsubscribe { show: String },
    /// Download an episode (by id or feed guid) for offline listening, with progress on
    /// stderr. Interrupted, it continues where it stopped when run again.
    Download { episode: String },
    /// Keep a show's newest N unplayed episodes downloaded (0: none), as the app's show page
    /// does: they are fetched now and after each refresh.
    Keep { show: String, newest: u32 },
    /// List downloads, finished and not, and the space they take.
    Downloads,
    /// Delete an episode's download (by id or feed guid).
    DeleteDownload { episode: String },
}

/// Why the command could not run.
enum Fatal {
    /// The listener asked for something that cannot be: exit 2.
    Usage(String),
    /// The library is unusable: exit 1.
    Library(Error),
    /// A download failed; already reported: exit 3.
    Download,
}

impl From<Error> for Fatal {
    fn from(error: Error) -> Self {
        match error.code() {
            ErrorCode::InvalidUrl | ErrorCode::InvalidOpml | ErrorCode::NotFound => {
                Fatal::Usage(error.to_string())
            }
            _ => Fatal::Library(error),
        }
    }
}

/// jemalloc rather than the system allocator: a refresh of hundreds of feeds allocates from many
/// threads at once, which the system allocator answers with more memory held and more time spent.
/// On Linux it is SQLite's allocator too (see the workspace `Cargo.toml`).
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.verbose);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("earshot-cli: could not start: {error}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Fatal::Usage(message)) => {
            eprintln!("earshot-cli: {message}");
            ExitCode::from(2)
        }
        Err(Fatal::Library(error)) => {
            eprintln!("earshot-cli: {error}");
            ExitCode::from(1)
        }
        Err(Fatal::Download) => ExitCode::from(3),
    }
}

fn init_logging(verbose: u8) {
    let default = match verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}

fn data_dir(cli: &Cli) -> Result<PathBuf, Fatal> {
    match &cli.data_dir {
        Some(dir) => Ok(dir.clone()),
        None => dirs::data_dir()
            .map(|d| d.join(APP_IDENTIFIER))
            .ok_or_else(|| Fatal::Usage("no data folder known here; pass --data-dir".into())),
    }
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

async fn run(cli: Cli) -> Result<(), Fatal> {
    let data_dir = data_dir(&cli)?;
    let core = Core::open(CoreConfig::new(data_dir.clone()))
        .await
        .map_err(Fatal::Library)?;
    // The app's own settings, so the CLI keeps the same disk rules and folder.
    let settings = preferences::read_settings_file(&data_dir);
    let lookup = |key: &str| settings.get(key).cloned();
    let rules = preferences::retention(lookup);
    match (&cli.download_dir, preferences::download_folder(lookup)) {
        (Some(folder), _) => core.downloads().set_folder(folder.clone()),
        (None, Some(folder)) => core.downloads().set_folder(folder.into()),
        (None, None) => {}
    }
    if cli.verbose > 0 {
        // Each change to the library, one JSON object a line on stderr.
        let mut changes = core.changes();
        tokio::spawn(async move {
            while let Ok(change) = changes.recv().await {
                if let Ok(line) = serde_json::to_string(&change) {
                    eprintln!("changed: {line}");
                }
            }
        });
    }
    let result = command(&core, &cli, &rules).await;
    core.close().await;
    result
}

async fn command(core: &Core, cli: &Cli, rules: &Retention) -> Result<(), Fatal> {
    let json = cli.json;
    match &cli.command {
        Command::Subscribe { url } => match core.subscribe(url, now()).await {
            Ok(show) => {
                if json {
                    print_json(&show);
                } else {
                    println!(
                        "Subscribed to “{}” ({} episodes), show {}",
                        show.title, show.episode_count, show.id.0
                    );
                }
                Ok(())
            }
            Err(error) if error.code() == ErrorCode::InvalidUrl => Err(error.into()),
            Err(error @ (Error::Database(_) | Error::Migrate(_) | Error::Io(_))) => {
                Err(Fatal::Library(error))
            }
            // The feed's fault, not the command's: reported, not fatal.
            Err(error) => {
                if json {
                    print_json(
                        &json!({ "error": { "code": error.code(), "message": error.to_string() } }),
                    );
                } else {
                    eprintln!("Not subscribed: {error}");
                }
                Ok(())
            }
        },
        Command::Import { file, refresh } => {
            let body = std::fs::read(file)
                .map_err(|e| Fatal::Usage(format!("{} could not be read: {e}", file.display())))?;
            let report = core.import_opml(&body, now()).await?;
            if !json {
                println!(
                    "Imported {} new subscriptions ({} already subscribed)",
                    report.added.len(),
                    report.already_subscribed
                );
                for problem in &report.problems {
                    eprintln!("Skipped “{}”: {}", problem.entry, problem.reason);
                }
            }
            let refreshed = if *refresh && !report.added.is_empty() {
                Some(refresh_shows(core, Some(&report.added), json).await?)
            } else {
                None
            };
            let downloads = match &refreshed {
                Some(results) => Some(follow_refresh(core, results, rules, json).await),
                None => None,
            };
            if json {
                print_json(&json!({
                    "added": report.added,
                    "already_subscribed": report.already_subscribed,
                    "problems": report.problems,
                    "refresh": refreshed.as_deref().map(refresh_json),
                    "downloads": downloads,
                }));
            }
            Ok(())
        }
        Command::Export { file } => {
            let opml = core.export_opml().await?;
            match file {
                Some(path) => {
                    std::fs::write(path, &opml).map_err(|e| {
                        Fatal::Usage(format!("{} could not be written: {e}", path.display()))
                    })?;
                    let count = opml.matches("<outline ").count();
                    if json {
                        print_json(&json!({ "file": path, "shows": count }));
                    } else {
                        println!("Wrote {count} subscriptions to {}", path.display());
                    }
                }
                None => print!("{opml}"),
            }
            Ok(())
        }
        Command::Refresh { show } => {
            let only = match show {
                Some(show) => Some(vec![find_show(core, show).await?]),
                None => None,
            };
            let results = refresh_shows(core, only.as_deref(), json).await?;
            let downloads = follow_refresh(core, &results, rules, json).await;
            if json {
                print_json(&json!({ "shows": refresh_json(&results), "downloads": downloads }));
            }
            Ok(())
        }
        Command::List => {
            let shows = core.shows().await?;
            if json {
                let list: Vec<_> = shows
                    .iter()
                    .map(|s| {
                        json!({
                            "id": s.id,
                            "title": s.title,
                            "feed_url": s.feed_url,
                            "episode_count": s.episode_count,
                            "unplayed_count": s.unplayed_count,
                            "refreshed_at": s.refreshed_at.and_then(rfc3339),
                            "last_error": s.last_error,
                        })
                    })
                    .collect();
                print_json(&list);
            } else {
                for s in &shows {
                    let error = s
                        .last_error
                        .as_deref()
                        .map(|e| format!("  [last refresh failed: {e}]"))
                        .unwrap_or_default();
                    println!(
                        "{:>5}  {}  ({} episodes, {} unplayed)  {}{error}",
                        s.id.0, s.title, s.episode_count, s.unplayed_count, s.feed_url
                    );
                }
            }
            Ok(())
        }
        Command::Episodes { show } => {
            let id = find_show(core, show).await?;
            let page = core.show_page(id).await?;
            if json {
                let list: Vec<_> = page
                    .episodes
                    .iter()
                    .map(|e| {
                        json!({
                            "id": e.id,
                            "guid": e.guid,
                            "title": e.title,
                            "published": e.published_at.and_then(rfc3339),
                            "duration_secs": e.duration_secs,
                            "enclosure_url": e.enclosure_url,
                            "enclosure_type": e.enclosure_type,
                            "enclosure_length": e.enclosure_length,
                            "played": e.progress.played,
                            "position_secs": e.progress.position_secs,
                        })
                    })
                    .collect();
                print_json(&list);
            } else {
                for e in &page.episodes {
                    let date = e
                        .published_at
                        .and_then(|t| chrono::DateTime::from_timestamp(t, 0))
                        .map(|d| d.format("%Y-%m-%d").to_string())
                        .unwrap_or_else(|| "          ".into());
                    let length = e.duration_secs.map(clock).unwrap_or_default();
                    let played = if e.progress.played { "✓" } else { " " };
                    println!("{:>7}  {date}  {length:>8}  {played} {}", e.id.0, e.title);
                }
            }
            Ok(())
        }
        Command::Search { text } => {
            let results = core.search(&text.join(" "), 50).await?;
            if json {
                print_json(&results);
            } else {
                for show in &results.shows {
                    println!("show    {:>7}  {}", show.id.0, show.title);
                }
                for episode in &results.episodes {
                    println!(
                        "episode {:>7}  {} — {}",
                        episode.id.0, episode.show_title, episode.title
                    );
                }
                if results.shows.is_empty() && results.episodes.is_empty() {
                    eprintln!("Nothing found");
                }
            }
            Ok(())
        }
        Command::Unsubscribe { show } => {
            let id = find_show(core, show).await?;
            let title = core.show_page(id).await?.show.title;
            core.unsubscribe(id).await?;
            if json {
                print_json(&json!({ "unsubscribed": id, "title": title }));
            } else {
                println!("Unsubscribed from “{title}”");
            }
            Ok(())
        }
        Command::Download { episode } => {
            let id = find_episode(core, episode).await?;
            download(core, id, json).await
        }
        Command::Keep { show, newest } => {
            let id = find_show(core, show).await?;
            let queued = core.keep_downloaded(id, *newest, now()).await?;
            let fetched = fetch_queued(core, &queued, json).await;
            if json {
                print_json(&json!({ "show_id": id, "newest": newest, "fetched": fetched }));
            } else {
                println!("Keeping the newest {newest} unplayed episodes downloaded");
            }
            Ok(())
        }
        Command::Downloads => {
            let list = core.downloads().list().await?;
            let usage = core.downloads().usage().await?;
            if json {
                print_json(&json!({
                    "downloads": list.iter().map(download_json).collect::<Vec<_>>(),
                    "total_bytes": usage.total_bytes,
                    "shows": usage.shows,
                }));
            } else {
                for d in &list {
                    let state = match d.state {
                        DownloadState::Done => megabytes(d.bytes_done),
                        DownloadState::Failed => {
                            format!("failed: {}", d.error.as_deref().unwrap_or("unknown error"))
                        }
                        other => format!(
                            "{} ({} of {})",
                            other.as_str(),
                            megabytes(d.bytes_done),
                            d.bytes_total.map(megabytes).unwrap_or_else(|| "?".into())
                        ),
                    };
                    println!(
                        "{:>7}  {} — {}  {state}",
                        d.episode_id.0, d.show_title, d.episode_title
                    );
                }
                println!(
                    "{} in {} downloads",
                    megabytes(usage.total_bytes),
                    usage.shows.iter().map(|s| s.episodes).sum::<u32>()
                );
            }
            Ok(())
        }
        Command::DeleteDownload { episode } => {
            let id = find_episode(core, episode).await?;
            core.downloads().delete(id).await?;
            if json {
                print_json(&json!({ "deleted": id }));
            } else {
                println!("Deleted the download of episode {}", id.0);
            }
            Ok(())
        }
    }
}

/// What follows a refresh in the app follows here too (`Core::after_refresh`): the automatic
/// downloads, fetched before the command ends, and the disk rules. Returns its JSON report.
async fn follow_refresh(
    core: &Core,
    results: &[ShowRefreshed],
    rules: &Retention,
    json: bool,
) -> serde_json::Value {
    let after = core.after_refresh(results, rules, now()).await;
    let fetched = fetch_queued(core, &after.queued, json).await;
    if !json && !after.removed.is_empty() {
        println!(
            "Removed {} downloads, as the download settings ask",
            after.removed.len()
        );
    }
    json!({ "queued": after.queued, "fetched": fetched, "removed": after.removed })
}

/// Fetches what the automatic-download rules queued, one after another (the app's queue runs
/// them in the background; a command line waits for them). Returns the ones now on disk; a
/// failed one is reported and stays queued for the app or the next run.
async fn fetch_queued(core: &Core, queued: &[EpisodeId], json: bool) -> Vec<EpisodeId> {
    let mut fetched = Vec::new();
    for episode in queued {
        match core.downloads().fetch(*episode, now()).await {
            Ok(download) => {
                if !json {
                    println!(
                        "Downloaded “{}” ({})",
                        download.episode_title,
                        megabytes(download.bytes_done)
                    );
                }
                fetched.push(*episode);
            }
            Err(error) => eprintln!("earshot-cli: episode {} not downloaded: {error}", episode.0),
        }
    }
    fetched
}

/// An episode by its id or its feed guid.
async fn find_episode(core: &Core, text: &str) -> Result<EpisodeId, Fatal> {
    if let Ok(id) = text.trim().parse::<i64>()
        && core.library().episode(EpisodeId(id)).await.is_ok()
    {
        return Ok(EpisodeId(id));
    }
    match core
        .library()
        .episodes_with_guid(text.trim())
        .await?
        .as_slice()
    {
        [one] => Ok(*one),
        [] => Err(Fatal::Usage(format!("there is no episode {text}"))),
        several => Err(Fatal::Usage(format!(
            "{} episodes have the guid {text}; give an id: {}",
            several.len(),
            several
                .iter()
                .map(|e| e.0.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

async fn download(core: &Core, episode: EpisodeId, json: bool) -> Result<(), Fatal> {
    let downloads = core.downloads();
    let queued = downloads.enqueue(episode, false, now()).await?;
    let mut events = downloads.subscribe();
    let title = queued.episode_title.clone();
    let progress = tokio::spawn(async move {
        let terminal = std::io::stderr().is_terminal();
        while let Ok(event) = events.recv().await {
            if event.episode_id != episode || event.state != DownloadState::Downloading {
                continue;
            }
            let percent = event
                .bytes_total
                .filter(|t| *t > 0)
                .map(|t| format!("{:5.1}%", event.bytes_done as f64 * 100.0 / t as f64))
                .unwrap_or_default();
            let eta = event
                .eta_secs
                .map(|s| format!(", {} left", clock(s)))
                .unwrap_or_default();
            let line = format!(
                "{title}: {percent} {} of {} at {}/s{eta}",
                megabytes(event.bytes_done),
                event
                    .bytes_total
                    .map(megabytes)
                    .unwrap_or_else(|| "?".into()),
                megabytes(event.bytes_per_sec as u64),
            );
            if terminal {
                eprint!("\r\x1b[2K{line}");
            } else {
                eprintln!("{line}");
            }
            let _ = std::io::stderr().flush();
        }
    });
    let mut finals = downloads.subscribe();
    let result = downloads.fetch(episode, now()).await;
    progress.abort();
    // The finished download's last event carries the average speed it arrived at.
    let mut speed = None;
    loop {
        match finals.try_recv() {
            Ok(event) => {
                if event.episode_id == episode && event.state == DownloadState::Done {
                    speed = Some(event.bytes_per_sec).filter(|s| *s > 0.0);
                }
            }
            // A long download's progress overflows the channel: the oldest events are dropped,
            // and the last one (the finish) is still to come.
            Err(tokio::sync::broadcast::error::TryRecvError::Lagged(_)) => continue,
            Err(_) => break,
        }
    }
    if std::io::stderr().is_terminal() {
        eprintln!();
    }
    match result {
        Ok(done) => {
            if json {
                let mut shown = download_json(&done);
                shown["bytes_per_sec"] = json!(speed);
                print_json(&shown);
            } else {
                let rate = speed
                    .map(|s| format!(" ({}/s)", megabytes(s as u64)))
                    .unwrap_or_default();
                println!("Downloaded “{}” to {}{rate}", done.episode_title, done.path);
            }
            Ok(())
        }
        Err(error @ (Error::Database(_) | Error::Migrate(_))) => Err(Fatal::Library(error)),
        Err(error) => {
            if json {
                print_json(
                    &json!({ "episode_id": episode, "state": "failed", "error": { "code": error.code(), "message": error.to_string() } }),
                );
            }
            eprintln!("Download failed: {error}");
            Err(Fatal::Download)
        }
    }
}

fn download_json(d: &Download) -> serde_json::Value {
    json!({
        "episode_id": d.episode_id,
        "show_id": d.show_id,
        "show": d.show_title,
        "title": d.episode_title,
        "state": d.state,
        "path": d.path,
        "bytes_done": d.bytes_done,
        "bytes_total": d.bytes_total,
        "automatic": d.automatic,
        "completed": d.completed_at.and_then(rfc3339),
        "error": d.error,
    })
}

fn megabytes(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1_000_000.0)
}

/// A show by its id or its feed address (in any form `subscribe` accepts).
async fn find_show(core: &Core, text: &str) -> Result<ShowId, Fatal> {
    if let Ok(id) = text.trim().parse::<i64>() {
        return match core.library().show(ShowId(id)).await {
            Ok(show) => Ok(show.id),
            Err(_) => Err(Fatal::Usage(format!("there is no show {id}"))),
        };
    }
    let url = earshot_core::feed::normalize_feed_url(text)?;
    for candidate in [text.trim(), url.as_str()] {
        if let Some(id) = core.library().show_id_for_url(candidate).await? {
            return Ok(id);
        }
    }
    Err(Fatal::Usage(format!(
        "no subscription has the address {text}"
    )))
}

async fn refresh_shows(
    core: &Core,
    only: Option<&[ShowId]>,
    json: bool,
) -> Result<Vec<ShowRefreshed>, Fatal> {
    let show_progress = !json && std::io::stderr().is_terminal();
    let results = core
        .refresh_shows(only, now(), move |progress| {
            if show_progress && let Some(last) = &progress.last {
                eprint!(
                    "\r\x1b[2K[{}/{}] {}",
                    progress.done, progress.total, last.title
                );
                let _ = std::io::stderr().flush();
            }
        })
        .await?;
    if show_progress {
        eprintln!();
    }
    if !json {
        let mut failed = 0;
        for result in &results {
            let line = match &result.outcome {
                RefreshOutcome::NotModified | RefreshOutcome::Unchanged => "up to date".into(),
                RefreshOutcome::Updated { new_episodes } => {
                    format!("updated, {new_episodes} new")
                }
                RefreshOutcome::Failed { message, .. } => {
                    failed += 1;
                    format!("failed: {message}")
                }
                RefreshOutcome::Deferred { until } => {
                    format!(
                        "waiting until {} as the server asked",
                        rfc3339(*until).unwrap_or_default()
                    )
                }
            };
            println!("{}: {line}", result.title);
        }
        println!("Refreshed {} shows, {failed} failed", results.len());
    }
    Ok(results)
}

/// The `refresh --json` shape: one object per feed.
fn refresh_json(results: &[ShowRefreshed]) -> serde_json::Value {
    results
        .iter()
        .map(|r| {
            let (outcome, new_episodes, error) = match &r.outcome {
                RefreshOutcome::NotModified | RefreshOutcome::Unchanged => {
                    ("not_modified", 0, None)
                }
                RefreshOutcome::Updated { new_episodes } => ("updated", *new_episodes, None),
                RefreshOutcome::Failed { message, .. } => ("error", 0, Some(message.clone())),
                RefreshOutcome::Deferred { until } => (
                    "error",
                    0,
                    Some(format!(
                        "not fetched: the server asked to wait until {}",
                        rfc3339(*until).unwrap_or_default()
                    )),
                ),
            };
            json!({
                "show_id": r.show_id,
                "title": r.title,
                "feed_url": r.feed_url,
                "outcome": outcome,
                "new_episodes": new_episodes,
                "error": error,
            })
        })
        .collect()
}

fn rfc3339(time: i64) -> Option<String> {
    chrono::DateTime::from_timestamp(time, 0).map(|d| d.to_rfc3339())
}

fn clock(secs: f64) -> String {
    let secs = secs.round() as u64;
    if secs >= 3600 {
        format!("{}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60)
    } else {
        format!("{}:{:02}", secs / 60, secs % 60)
    }
}

fn print_json(value: &impl serde::Serialize) {
    match serde_json::to_string_pretty(value) {
        Ok(text) => println!("{text}"),
        Err(error) => eprintln!("earshot-cli: could not write JSON: {error}"),
    }
}
