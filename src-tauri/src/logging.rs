//! Logs go to stderr and to a daily-rotated file in the app's log folder (a week is kept), which a
//! listener can attach to a bug report. Credentials are never logged.

use std::path::Path;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_appender::rolling::{RollingFileAppender, Rotation};
use tracing_subscriber::Layer as _;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, fmt};

/// Starts logging; keep the guard alive for as long as the app runs, so the file is flushed.
pub fn init(log_dir: &Path) -> Option<WorkerGuard> {
    let filter = || {
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,earshot=debug"))
    };
    let file = RollingFileAppender::builder()
        .rotation(Rotation::DAILY)
        .filename_prefix("earshot")
        .filename_suffix("log")
        .max_log_files(7)
        .build(log_dir);
    let stderr = fmt::layer()
        .with_writer(std::io::stderr)
        .with_filter(filter());
    match file {
        Ok(appender) => {
            let (writer, guard) = tracing_appender::non_blocking(appender);
            let to_file = fmt::layer()
                .with_ansi(false)
                .with_writer(writer)
                .with_filter(filter());
            let _ = tracing_subscriber::registry()
                .with(stderr)
                .with(to_file)
                .try_init();
            Some(guard)
        }
        Err(error) => {
            let _ = tracing_subscriber::registry().with(stderr).try_init();
            tracing::warn!(%error, dir = %log_dir.display(), "no log file");
            None
        }
    }
}
