//! The desktop shell: builds the Tauri app, owns start-up and shutdown, and translates between
//! the UI and the crates (`earshot-core`, `earshot-player`). No SQL, HTTP or GStreamer here.

mod artwork;
mod changes;
mod chapters;
mod commands;
mod deep_links;
mod discovery;
mod downloads;
mod error;
mod events;
mod logging;
mod media_keys;
mod playback;
mod presence;
mod refresh;
mod settings;
mod sync;
mod tray;

use std::path::PathBuf;
use std::sync::Mutex;

use earshot_core::{Core, CoreConfig};
use earshot_player::{Player, PlayerConfig};
use tauri::{Manager, RunEvent};
use tauri_specta::{collect_commands, collect_events};

pub use error::CommandError;
pub use events::{
    ChangesMissed, ChaptersChanged, DownloadProgressed, LibraryChanged, PlaybackChanged,
    QueueChanged, RefreshProgressed, SubscribeRequested, SyncChanged,
};

use playback::{Begin, Playback};
use settings::Settings;

/// Overrides the data folder (library, settings, artwork); used by tests and the CLI.
pub const DATA_DIR_ENV: &str = "EARSHOT_DATA_DIR";
/// Overrides the audio output with a `gst-launch` sink description, e.g. `fakesink sync=true`.
pub const AUDIO_SINK_ENV: &str = "EARSHOT_AUDIO_SINK";

/// How long a preview (and a directory listing's artwork) is kept without being opened.
const PREVIEWS_KEPT_DAYS: i64 = 30;

/// Everything the commands need, handed to Tauri once. Each part does its own locking.
pub struct App {
    pub core: Core,
    pub playback: Playback,
    pub settings: Settings,
    pub refresher: refresh::Refresher,
    /// The directory search under way.
    pub discovery: discovery::Discovery,
    /// When the library syncs with the listener's other devices.
    pub syncer: sync::Syncer,
    /// The chapters of the episode in the player, and the one playing.
    pub chapters: tokio::sync::watch::Sender<chapters::NowChapters>,
    /// The library's folder (downloads go in `downloads` here unless the settings say otherwise).
    pub data_dir: PathBuf,
}

/// Owns the player thread so quitting can stop it cleanly.
struct PlayerOwner(Mutex<Option<Player>>);

/// Keeps the tray icon alive.
struct TrayKeeper(#[allow(dead_code)] tauri::tray::TrayIcon);

/// Keeps the log file writer alive.
struct LogGuard(#[allow(dead_code)] Option<tracing_appender::non_blocking::WorkerGuard>);

/// The typed command and event registry; also what generates the UI's bindings.
pub fn specta_builder() -> tauri_specta::Builder<tauri::Wry> {
    tauri_specta::Builder::<tauri::Wry>::new()
        .commands(collect_commands![
            commands::library::subscribe,
            commands::library::list_shows,
            commands::library::get_show,
            commands::library::get_episodes,
            commands::library::get_chapters,
            commands::library::get_transcript,
            commands::library::get_episode,
            commands::library::get_episodes_by_id,
            commands::library::set_episode_played,
            commands::library::refresh_show,
            commands::library::refresh_all,
            commands::library::unsubscribe,
            commands::library::search_library,
            commands::library::import_opml,
            commands::settings::get_settings,
            commands::settings::update_settings,
            commands::library::export_opml,
            commands::queue::get_queue,
            commands::queue::enqueue_episode,
            commands::queue::dequeue_episode,
            commands::queue::move_queued_episode,
            commands::queue::clear_queue,
            commands::player::play_episode,
            commands::player::play_episode_at,
            commands::links::open_link,
            commands::links::take_subscribe_requests,
            commands::player::toggle_playback,
            commands::player::pause_playback,
            commands::player::seek_playback,
            commands::player::get_player_state,
            commands::player::set_volume,
            commands::player::set_muted,
            commands::player::skip_playback,
            commands::player::set_playback_rate,
            commands::player::set_sleep_timer,
            commands::player::get_now_chapters,
            commands::player::skip_chapter,
            commands::downloads::download_episode,
            commands::downloads::pause_download,
            commands::downloads::resume_download,
            commands::downloads::cancel_download,
            commands::downloads::delete_download,
            commands::downloads::list_downloads,
            commands::downloads::get_disk_usage,
            commands::downloads::get_auto_download,
            commands::downloads::set_auto_download,
            commands::downloads::choose_download_folder,
            commands::discover::search_directories,
            commands::discover::cancel_directory_search,
            commands::discover::list_genres,
            commands::discover::cached_chart,
            commands::discover::get_chart,
            commands::discover::preview_listing,
            commands::discover::preview_show,
            commands::sync::sync_status,
            commands::sync::default_device_name,
            commands::sync::sync_login,
            commands::sync::sync_now,
            commands::sync::sync_logout,
            commands::sync::nextcloud_login_start,
            commands::sync::nextcloud_login_poll,
            commands::startup::ui_drawn,
        ])
        .events(collect_events![
            PlaybackChanged,
            LibraryChanged,
            ChangesMissed,
            RefreshProgressed,
            QueueChanged,
            DownloadProgressed,
            SubscribeRequested,
            ChaptersChanged,
            SyncChanged
        ])
        .dangerously_cast_bigints_to_number()
        .disable_serde_phases()
}

/// Writes the TypeScript bindings for the UI to `path`.
pub fn export_bindings(path: &std::path::Path) -> Result<(), String> {
    let language = specta_typescript::Typescript::default()
        .header("// Generated from the Rust commands and events by tauri-specta. Do not edit.\n// Regenerate: EARSHOT_UPDATE_BINDINGS=1 cargo test -p earshot --test bindings\n");
    specta_builder()
        .export(language, path)
        .map_err(|e| e.to_string())
}

fn data_dir(app: &tauri::AppHandle) -> tauri::Result<PathBuf> {
    match std::env::var_os(DATA_DIR_ENV) {
        Some(dir) if !dir.is_empty() => Ok(PathBuf::from(dir)),
        _ => app.path().app_data_dir(),
    }
}

fn setup(app: &mut tauri::App) -> Result<(), Box<dyn std::error::Error>> {
    let handle = app.handle().clone();
    app.manage(deep_links::PendingLinks::default());
    app.manage(presence::Presence::default());
    app.manage(WindowChanges::default());
    let data_dir = data_dir(&handle)?;
    let log_dir = match std::env::var_os(DATA_DIR_ENV) {
        Some(_) => data_dir.join("logs"),
        None => handle.path().app_log_dir()?,
    };
    let _ = std::fs::create_dir_all(&log_dir);
    app.manage(LogGuard(logging::init(&log_dir)));
    tracing::info!(version = env!("CARGO_PKG_VERSION"), data = %data_dir.display(), "Earshot starting");

    let core = tauri::async_runtime::block_on(Core::open(CoreConfig::new(data_dir.clone())))
        .inspect_err(|error| tracing::error!(%error, "the library could not be opened"))?;
    changes::forward(&core, &handle);
    let settings = Settings::open(&handle, &data_dir)?;
    downloads::configure(&core, &settings, &data_dir);

    let player = Player::spawn(PlayerConfig {
        audio_sink: std::env::var(AUDIO_SINK_ENV).ok().filter(|s| !s.is_empty()),
        user_agent: earshot_core::user_agent(),
        open_timeout: earshot_player::OPEN_TIMEOUT,
    })
    .inspect_err(|error| tracing::error!(%error, "playback is unavailable"));
    let handle_result = player.as_ref().map(Player::handle).map_err(Clone::clone);
    if let Ok(player) = &handle_result {
        player.set_volume(settings.volume());
        player.set_rate(settings.playback_rate());
        player.set_rewind_on_resume(earshot_player::RewindOnResume {
            rewind_secs: settings.rewind_on_resume_secs(),
            ..Default::default()
        });
    }
    let now_chapters = tokio::sync::watch::channel(chapters::NowChapters::default()).0;
    if let Ok(player) = &handle_result {
        chapters::follow(
            handle.clone(),
            core.clone(),
            player.clone(),
            now_chapters.clone(),
        );
        media_keys::start(
            &handle,
            core.clone(),
            player.clone(),
            now_chapters.subscribe(),
        );
    }
    let playback = Playback::new(handle_result);
    playback.observe(core.clone(), handle.clone());
    app.manage(PlayerOwner(Mutex::new(player.ok())));

    // Put the last unfinished episode back in the player, paused where it was left.
    let resume = tauri::async_runtime::block_on(async {
        match core.last_in_progress().await {
            Ok(Some(episode)) => playback.start(&core, episode, Begin::Cue).await,
            Ok(None) => Ok(()),
            Err(error) => Err(error.into()),
        }
    });
    if let Err(error) = resume {
        tracing::warn!(%error, "the last episode was not restored");
    }

    app.manage(App {
        core,
        playback,
        settings,
        refresher: refresh::Refresher::default(),
        discovery: discovery::Discovery::default(),
        chapters: now_chapters.clone(),
        syncer: sync::Syncer::default(),
        data_dir,
    });
    let tray_player = app
        .try_state::<App>()
        .and_then(|state| state.playback.player().ok().cloned());
    if let Some(tray) = tray::start(&handle, tray_player, now_chapters.subscribe()) {
        app.manage(TrayKeeper(tray));
        // Followed from now on, so closing the window knows at once whether the tray is shown.
        let tray_host = earshot_media::TrayHost::default();
        tauri::async_runtime::spawn(tray_host.clone().follow_session());
        app.manage(tray_host);
    }
    {
        use tauri_plugin_deep_link::DeepLinkExt;
        // An AppImage is not installed, so it registers its link schemes itself; packages
        // declare them in their desktop entry.
        if std::env::var_os("APPIMAGE").is_some()
            && let Err(error) = handle.deep_link().register_all()
        {
            tracing::warn!(%error, "podcast link schemes not registered");
        }
        let links = handle.clone();
        handle.deep_link().on_open_url(move |event| {
            deep_links::receive(&links, event.urls().into_iter().map(String::from));
        });
    }
    deep_links::receive(&handle, std::env::args().skip(1));
    let started = handle.clone();
    tauri::async_runtime::spawn(async move {
        if let Some(app) = started.try_state::<App>() {
            downloads::start(&app.core, &started).await;
            // Shows previewed from a directory and left alone for a month are forgotten.
            let month_ago = unix_now() - PREVIEWS_KEPT_DAYS * 86_400;
            if let Err(error) = app.core.forget_previews(month_ago).await {
                tracing::warn!(%error, "old previews not forgotten");
            }
            app.core
                .forget_listed_artwork(PREVIEWS_KEPT_DAYS as u64)
                .await;
        }
    });
    if let Some(state) = handle.try_state::<App>() {
        let player = state.playback.player().ok().cloned();
        if let Some(player) = &player {
            sync::follow_places(&state.core, player.clone());
        }
        state.syncer.start(handle.clone(), player);
    }
    refresh::schedule(handle);
    Ok(())
}

fn shutdown(handle: &tauri::AppHandle) {
    if let Some(app) = handle.try_state::<App>() {
        tauri::async_runtime::block_on(async {
            app.playback.save_now(&app.core).await;
            app.core.close().await;
        });
    }
    if let Some(owner) = handle.try_state::<PlayerOwner>() {
        let player = owner.0.lock().map(|mut p| p.take()).unwrap_or(None);
        if let Some(player) = player {
            player.shutdown();
        }
    }
    tracing::info!("Earshot stopped");
}

/// Builds and runs the app until the listener quits.
pub fn run() {
    let started = Started(std::time::Instant::now());
    let builder = specta_builder();
    // Window placement is kept beside the library when tests give Earshot its own data folder.
    let mut window_state = tauri_plugin_window_state::Builder::default();
    if let Some(dir) = std::env::var_os(DATA_DIR_ENV).filter(|d| !d.is_empty()) {
        window_state = window_state.with_filename(
            PathBuf::from(dir)
                .join("window-state.json")
                .to_string_lossy()
                .into_owned(),
        );
    }
    let app = tauri::Builder::default()
        .manage(started)
        // First, so a second launch hands over its links and quits before anything else starts.
        .plugin(tauri_plugin_single_instance::init(|app, argv, _cwd| {
            tracing::info!("a second launch: bringing the window forward");
            show_window(app);
            deep_links::receive(app, argv.into_iter().skip(1));
        }))
        .plugin(tauri_plugin_deep_link::init())
        .plugin(window_state.build())
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_store::Builder::default().build())
        .plugin(tauri_plugin_opener::init())
        .plugin(tauri_plugin_dialog::init())
        .invoke_handler(builder.invoke_handler())
        .register_asynchronous_uri_scheme_protocol("artwork", |context, request, responder| {
            let app = context.app_handle().clone();
            let path = request.uri().path().to_string();
            let query = request.uri().query().map(str::to_string);
            tauri::async_runtime::spawn(async move {
                responder.respond(artwork::respond(&app, &path, query.as_deref()).await);
            });
        })
        .setup(move |app| {
            builder.mount_events(app);
            setup(app)
        })
        .on_window_event(|window, event| {
            if matches!(
                event,
                tauri::WindowEvent::Resized(_) | tauri::WindowEvent::Moved(_)
            ) {
                save_window_state_soon(window.app_handle());
            }
            if let tauri::WindowEvent::CloseRequested { api, .. } = event {
                let app = window.app_handle();
                let keep = app
                    .try_state::<App>()
                    .is_some_and(|state| state.settings.close_to_tray());
                // Hidden with no tray to bring it back, the app would be lost: quit instead.
                let tray_shown = app
                    .try_state::<earshot_media::TrayHost>()
                    .is_some_and(|host| host.present());
                if keep && tray_shown {
                    api.prevent_close();
                    let _ = window.hide();
                    tray::window_visibility_changed(app);
                    tracing::info!("window closed to the tray; playback goes on");
                } else {
                    // Kept now: the process may be ended before it gets to exit cleanly.
                    save_window_state(app);
                }
            }
        })
        .build(tauri::generate_context!("tauri.conf.json"));
    let app = match app {
        Ok(app) => app,
        Err(error) => {
            eprintln!("Earshot could not start: {error}");
            std::process::exit(1);
        }
    };
    app.run(|handle, event| {
        if let RunEvent::Exit = event {
            shutdown(handle);
        }
    });
}

/// When the process started (as near as `run` can tell): start-up marks count from here.
pub(crate) struct Started(pub(crate) std::time::Instant);

/// Counts window moves and resizes, so only the last of a burst saves the window's state.
#[derive(Default)]
struct WindowChanges(std::sync::atomic::AtomicU64);

/// Saves the window's size and place half a second after it stops changing: the app may be
/// ended (logout, a killed process) without the clean exit that would save it.
fn save_window_state_soon(app: &tauri::AppHandle) {
    use std::sync::atomic::Ordering;
    let Some(changes) = app.try_state::<WindowChanges>() else {
        return;
    };
    let this = changes.0.fetch_add(1, Ordering::Relaxed) + 1;
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        let latest = app
            .try_state::<WindowChanges>()
            .map(|c| c.0.load(Ordering::Relaxed));
        if latest == Some(this) {
            save_window_state(&app);
        }
    });
}

fn save_window_state(app: &tauri::AppHandle) {
    use tauri_plugin_window_state::{AppHandleExt, StateFlags};
    if let Err(error) = app.save_window_state(StateFlags::all()) {
        tracing::warn!(%error, "window size and place not saved");
    }
}

/// Brings the main window to the front (from the tray, the media controls, a second launch).
pub(crate) fn show_window(app: &tauri::AppHandle) {
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
    }
    tray::window_visibility_changed(app);
}

/// Seconds since the Unix epoch, now.
pub(crate) fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}
