//! `earshot-cli`: Earshot's library from a terminal or a script, on the same core and the same
//! database as the desktop app. Every command takes `--json` for machine-readable output.
//!
//! Exit status: 0 when the command ran, even if some feeds failed (those are reported per feed);
//! 1 when the library cannot be used; 2 for bad arguments (an unknown show or episode, an address
//! that is not a web address, a file that cannot be read or is not OPML); 3 when a download
//! failed (running the same command again continues it); 4 when no podcast directory answered
//! (`discover`); 5 when the sync server refused the password, could not be reached or failed
//! (`sync`, `sync login`: the changes wait in the library for the next sync).
//!
//! This file parses the command line, opens the library and hands the subcommand to its function
//! in [`commands`], which returns a report; [`report`] prints it as JSON or as text.

mod commands;
mod report;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use commands::discover;
use commands::downloads::{self, DownloadFailed};
use commands::subscriptions::{self, AfterImport};
use commands::sync::{self as sync_commands, Login, Mark};
use commands::{episodes, inside, refresh};
use earshot_core::directory::DirectorySettings;
use earshot_core::download::Retention;
use earshot_core::preferences;
use earshot_core::{Core, CoreConfig, Error, ErrorCode, SameGuid};
use report::{Format, print_json, print_report};

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

impl Cli {
    fn format(&self) -> Format {
        if self.json {
            Format::Json
        } else {
            Format::Text
        }
    }
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Subscribe to a feed (also feed://, itpc://, podcast://, a bare host, or a web page that
    /// links its feed) and print the show.
    Subscribe {
        url: String,
        /// Follow the feed as a show of its own even when it gives the podcast:guid of a show
        /// already followed (feeds made from a template often copy one).
        #[arg(long)]
        separately: bool,
    },
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
    /// Search show titles, episode titles, show notes and the transcripts kept.
    Search {
        #[arg(required = true, num_args = 1..)]
        text: Vec<String>,
    },
    /// Remove a show with its episodes and the progress in them.
    Unsubscribe { show: String },
    /// An episode's chapters (by id or feed guid), fetched when not yet in the library.
    Chapters { episode: String },
    /// An episode's transcript (by id or feed guid), fetched when not yet in the library.
    Transcript { episode: String },
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
    /// Find shows in the podcast directories (iTunes, fyyd, and Podcast Index with a key).
    Discover {
        #[command(subcommand)]
        what: Discover,
    },
    /// Sync subscriptions and places with a gpodder.net-compatible server or Nextcloud (sign in
    /// first with `sync login`); without a subcommand, sync now.
    Sync {
        #[command(subcommand)]
        what: Option<SyncCommand>,
    },
    /// Mark an episode (by id or feed guid) played, unplayed, or at a position, as the player
    /// would; the change is queued for sync.
    #[command(group(clap::ArgGroup::new("mark").required(true).args(["played", "unplayed", "position"])))]
    Mark {
        episode: String,
        #[arg(long)]
        played: bool,
        #[arg(long)]
        unplayed: bool,
        /// Seconds from the start.
        #[arg(long, value_name = "SECONDS")]
        position: Option<f64>,
    },
}

#[derive(Debug, Subcommand)]
enum SyncCommand {
    /// Sign in (the password from a prompt, `--password-stdin` or EARSHOT_SYNC_PASSWORD; kept
    /// in the system keyring).
    Login {
        /// The server's address.
        #[arg(long)]
        server: String,
        #[arg(long)]
        user: String,
        /// This computer's name on the server (default: the host name).
        #[arg(long)]
        device: Option<String>,
        /// The server is Nextcloud with the gPodder Sync app (use an app password).
        #[arg(long)]
        nextcloud: bool,
        /// Read the password from the first line of stdin.
        #[arg(long)]
        password_stdin: bool,
    },
    /// The account, the last sync, the changes waiting and the last error.
    Status,
    /// Sign out: forget the account, its password and the changes waiting for it.
    Logout,
}

#[derive(Debug, Subcommand)]
enum Discover {
    /// Search every directory turned on in the settings; best match first.
    Search {
        #[arg(required = true, num_args = 1..)]
        words: Vec<String>,
    },
    /// The top shows: Apple's chart (and Podcast Index's trending shows, with a key).
    Top {
        /// A category by name (`Technology`, `tv & film`) or Apple's id (`1318`); all when left out.
        #[arg(long)]
        category: Option<String>,
        /// The store's country, two letters (default: the settings', else the system's).
        #[arg(long)]
        country: Option<String>,
    },
}

/// Why the command could not run.
enum Fatal {
    /// The listener asked for something that cannot be: exit 2.
    Usage(String),
    /// The library is unusable: exit 1.
    Library(Error),
    /// A download asked for failed: exit 3, with its report (on stdout with `--json`, and as
    /// text on stderr).
    Download(DownloadFailed),
    /// No podcast directory answered: exit 4.
    Unanswered(String),
    /// The sync server refused or failed: exit 5 (a sync's report is printed first).
    Sync(String),
}

impl From<Error> for Fatal {
    fn from(error: Error) -> Self {
        match error.code() {
            ErrorCode::InvalidUrl | ErrorCode::InvalidOpml | ErrorCode::NotFound => {
                Fatal::Usage(error.to_string())
            }
            ErrorCode::Directory => Fatal::Unanswered(error.to_string()),
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
    let format = cli.format();
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
        Err(Fatal::Unanswered(message)) => {
            eprintln!("earshot-cli: {message}");
            ExitCode::from(4)
        }
        Err(Fatal::Sync(message)) => {
            eprintln!("earshot-cli: {message}");
            ExitCode::from(5)
        }
        Err(Fatal::Download(failed)) => {
            if format == Format::Json {
                print_json(&failed);
            }
            eprintln!("{failed}");
            ExitCode::from(3)
        }
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

async fn run(cli: Cli) -> Result<(), Fatal> {
    let data_dir = data_dir(&cli)?;
    let core = Core::open(CoreConfig::new(data_dir.clone()))
        .await
        .map_err(Fatal::Library)?;
    // The app's own settings, so the CLI keeps the same disk rules and folder.
    let settings = preferences::read_settings_file(&data_dir);
    let lookup = |key: &str| settings.get(key).cloned();
    let rules = preferences::retention(lookup);
    let directories = preferences::directories(lookup);
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
    let result = command(&core, &cli, &rules, &directories).await;
    core.close().await;
    result
}

/// Runs the subcommand's function and prints its report.
async fn command(
    core: &Core,
    cli: &Cli,
    rules: &Retention,
    directories: &DirectorySettings,
) -> Result<(), Fatal> {
    let format = cli.format();
    match &cli.command {
        Command::Subscribe { url, separately } => {
            let same_guid = if *separately {
                SameGuid::FollowSeparately
            } else {
                SameGuid::Refuse
            };
            print_report(
                &subscriptions::subscribe(core, url, same_guid).await?,
                format,
            )
        }
        Command::Import { file, refresh } => {
            let then = if *refresh {
                AfterImport::Refresh
            } else {
                AfterImport::Nothing
            };
            let report = subscriptions::import(core, file, then, rules, format).await?;
            print_report(&report, format);
        }
        Command::Export { file: Some(file) } => {
            print_report(&subscriptions::export(core, file).await?, format)
        }
        // The document itself is the output, with --json too.
        Command::Export { file: None } => print!("{}", subscriptions::opml(core).await?),
        Command::Refresh { show } => {
            let report = refresh::refresh(core, show.as_deref(), rules, format).await?;
            print_report(&report, format);
        }
        Command::List => print_report(&subscriptions::list(core).await?, format),
        Command::Episodes { show } => print_report(&episodes::episodes(core, show).await?, format),
        Command::Search { text } => print_report(&episodes::search(core, text).await?, format),
        Command::Unsubscribe { show } => {
            print_report(&subscriptions::unsubscribe(core, show).await?, format)
        }
        Command::Chapters { episode } => {
            print_report(&inside::chapters(core, episode).await?, format)
        }
        Command::Transcript { episode } => {
            print_report(&inside::transcript(core, episode).await?, format)
        }
        Command::Download { episode } => {
            print_report(&downloads::download(core, episode).await?, format)
        }
        Command::Keep { show, newest } => {
            print_report(&downloads::keep(core, show, *newest).await?, format)
        }
        Command::Downloads => print_report(&downloads::downloads(core).await?, format),
        Command::DeleteDownload { episode } => {
            print_report(&downloads::delete_download(core, episode).await?, format)
        }
        Command::Discover {
            what: Discover::Search { words },
        } => print_report(&discover::search(core, words, directories).await?, format),
        Command::Sync { what: None } => {
            let report = sync_commands::sync(core).await?;
            print_report(&report, format);
            if let Some(problem) = report.problem {
                return Err(Fatal::Sync(problem.message));
            }
        }
        Command::Sync {
            what:
                Some(SyncCommand::Login {
                    server,
                    user,
                    device,
                    nextcloud,
                    password_stdin,
                }),
        } => {
            let login = Login {
                server: server.clone(),
                user: user.clone(),
                device: device.clone(),
                nextcloud: *nextcloud,
                password_stdin: *password_stdin,
            };
            print_report(&sync_commands::login(core, &login).await?, format)
        }
        Command::Sync {
            what: Some(SyncCommand::Status),
        } => print_report(&sync_commands::status(core).await?, format),
        Command::Sync {
            what: Some(SyncCommand::Logout),
        } => print_report(&sync_commands::logout(core).await?, format),
        Command::Mark {
            episode,
            played,
            unplayed: _,
            position,
        } => {
            let what = match (played, position) {
                (true, _) => Mark::Played,
                (false, Some(secs)) => Mark::Position(*secs),
                (false, None) => Mark::Unplayed,
            };
            print_report(&sync_commands::mark(core, episode, what).await?, format)
        }
        Command::Discover {
            what: Discover::Top { category, country },
        } => print_report(
            &discover::top(core, category.as_deref(), country.as_deref(), directories).await?,
            format,
        ),
    }
    Ok(())
}
