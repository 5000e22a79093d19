//! The crate's one public error, and the small code the UI branches on.

use serde::{Deserialize, Serialize};

/// What went wrong, in words a listener can act on.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(
        "“{input}” is not a web address. Paste the feed's address, like https://example.com/feed.xml"
    )]
    InvalidUrl { input: String },
    #[error("Could not reach {url}: {detail}")]
    Unreachable { url: String, detail: String },
    #[error("{url} answered “{status} {reason}”")]
    HttpStatus {
        url: String,
        status: u16,
        reason: String,
        /// How long the server asked us to wait (429/503 `Retry-After`).
        retry_after_secs: Option<u64>,
    },
    #[error("{url} is gone: the publisher has taken this feed down (410 Gone)")]
    Gone { url: String },
    #[error("{url} is not a podcast feed ({detail})")]
    NotAFeed { url: String, detail: String },
    #[error("{url} is larger than the {limit_mb} MB limit")]
    TooLarge { url: String, limit_mb: u64 },
    #[error("This file is not an OPML subscription list: {detail}")]
    InvalidOpml { detail: String },
    #[error(
        "{url} sent no audio ({detail}): perhaps a Wi-Fi sign-in page or an error page. Open a web page to check you are online, then try again"
    )]
    NotMedia { url: String, detail: String },
    #[error("The download from {url} was cut short: {detail}. Try again to continue it")]
    Incomplete { url: String, detail: String },
    #[error("The disk is full: {path} could not be written. Free some space, then try again")]
    DiskFull { path: String },
    #[error("The download folder {path} cannot be used: {detail}. Choose another in Settings")]
    DownloadFolder { path: String, detail: String },
    #[error(
        "{url} says it is “{title}”, which you already follow (both give the same podcast:guid). Follow it as a show of its own only if it is a different show"
    )]
    ClaimsFollowedShow {
        url: String,
        title: String,
        show: crate::model::ShowId,
    },
    #[error("{what} was not found in the library")]
    NotFound { what: String },
    /// No podcast directory could answer (each one's reason is in the message).
    #[error("{message}")]
    Directory { message: String },
    /// The directories answered, and none knows what was asked (a show's feed address).
    #[error("{what}")]
    NotInDirectory { what: String },
    #[error("Sign in to a sync server first (Settings → Sync, or `earshot-cli sync login`)")]
    NotSignedIn,
    /// Signing in to a sync server did not go through (the server's reason in words).
    #[error("{}", problem.message)]
    Sync { problem: crate::model::SyncProblem },
    #[error(
        "This library was written by a newer version of Earshot (schema {found}); this version knows up to {known}. Update Earshot to open it"
    )]
    NewerDatabase { found: i64, known: i64 },
    #[error("Library database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("Library migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("File error: {0}")]
    Io(#[from] std::io::Error),
}

/// A small, stable classification of [`Error`] that crosses to the UI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    InvalidUrl,
    Network,
    HttpStatus,
    Gone,
    NotAFeed,
    TooLarge,
    InvalidOpml,
    NotMedia,
    DiskFull,
    DownloadFolder,
    /// The feed gives the `podcast:guid` of a show already followed.
    ClaimsFollowedShow,
    NotFound,
    /// No podcast directory answered.
    Directory,
    /// The directories know no feed for the show.
    NotInDirectory,
    /// Sync needs an account first.
    NotSignedIn,
    /// The sync server refused the user name or password.
    SyncPasswordRefused,
    /// No password is kept for the sync account: sign in again.
    SyncNoPassword,
    /// The sync server answered with an error or an answer that cannot be read.
    SyncFailed,
    NewerDatabase,
    Database,
    Io,
}

impl Error {
    pub fn code(&self) -> ErrorCode {
        match self {
            Error::InvalidUrl { .. } => ErrorCode::InvalidUrl,
            Error::Unreachable { .. } => ErrorCode::Network,
            Error::HttpStatus { .. } => ErrorCode::HttpStatus,
            Error::Gone { .. } => ErrorCode::Gone,
            Error::NotAFeed { .. } => ErrorCode::NotAFeed,
            Error::TooLarge { .. } => ErrorCode::TooLarge,
            Error::InvalidOpml { .. } => ErrorCode::InvalidOpml,
            Error::NotMedia { .. } => ErrorCode::NotMedia,
            Error::Incomplete { .. } => ErrorCode::Network,
            Error::DiskFull { .. } => ErrorCode::DiskFull,
            Error::DownloadFolder { .. } => ErrorCode::DownloadFolder,
            Error::ClaimsFollowedShow { .. } => ErrorCode::ClaimsFollowedShow,
            Error::NotFound { .. } => ErrorCode::NotFound,
            Error::Directory { .. } => ErrorCode::Directory,
            Error::NotInDirectory { .. } => ErrorCode::NotInDirectory,
            Error::NotSignedIn => ErrorCode::NotSignedIn,
            Error::Sync { problem } => match problem.kind {
                crate::model::SyncProblemKind::PasswordRefused => ErrorCode::SyncPasswordRefused,
                crate::model::SyncProblemKind::Unreachable => ErrorCode::Network,
                crate::model::SyncProblemKind::NoPassword => ErrorCode::SyncNoPassword,
                crate::model::SyncProblemKind::ServerError
                | crate::model::SyncProblemKind::BadAnswer => ErrorCode::SyncFailed,
            },
            Error::NewerDatabase { .. } => ErrorCode::NewerDatabase,
            Error::Database(_) | Error::Migrate(_) => ErrorCode::Database,
            Error::Io(_) => ErrorCode::Io,
        }
    }

    pub(crate) fn not_found(what: impl Into<String>) -> Self {
        Error::NotFound { what: what.into() }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
