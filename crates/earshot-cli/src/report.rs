//! How a command's result reaches the terminal. Each subcommand returns one report: with `--json`
//! it is printed serialized on stdout, otherwise its `Display` text is, saying the same for a
//! person. Progress is not part of a report: commands draw it on stderr while they run.
//!
//! The JSON keys are an interface scripts read (`tests/cli.rs` checks them): a report's field is
//! named for its key, and a report holds what its text needs beyond the JSON in fields that are
//! not serialized, so the two views cannot disagree about the facts.

use std::fmt;

use earshot_core::{Error, ErrorCode, UnixTime};
use serde::{Serialize, Serializer};

/// What `--json` asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Text,
}

/// A subcommand's result, printable either way.
pub trait Report: Serialize + fmt::Display {
    /// Lines the text output puts on stderr rather than stdout: what was skipped, not found or
    /// not done. The JSON report carries the same facts.
    fn remarks(&self) -> Vec<String> {
        Vec::new()
    }
}

/// Prints `report` on stdout in `format` (and its remarks on stderr, as text).
pub fn print_report(report: &impl Report, format: Format) {
    match format {
        Format::Json => print_json(report),
        Format::Text => {
            print!("{report}");
            for remark in report.remarks() {
                eprintln!("{remark}");
            }
        }
    }
}

pub fn print_json(value: &impl Serialize) {
    match serde_json::to_string_pretty(value) {
        Ok(text) => println!("{text}"),
        Err(error) => eprintln!("earshot-cli: could not write JSON: {error}"),
    }
}

/// An error as a report shows it: `{ "code": "http_status", "message": "…" }`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ErrorReport {
    pub code: ErrorCode,
    pub message: String,
}

impl From<&Error> for ErrorReport {
    fn from(error: &Error) -> Self {
        ErrorReport {
            code: error.code(),
            message: error.to_string(),
        }
    }
}

pub fn megabytes(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1_000_000.0)
}

/// `12:05` or `1:02:03`.
pub fn clock(secs: f64) -> String {
    let secs = secs.round() as u64;
    if secs >= 3600 {
        format!("{}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60)
    } else {
        format!("{}:{:02}", secs / 60, secs % 60)
    }
}

pub fn rfc3339(time: UnixTime) -> Option<String> {
    chrono::DateTime::from_timestamp(time, 0).map(|d| d.to_rfc3339())
}

/// For `#[serde(serialize_with)]`: a time as RFC 3339 text, or null when there is none (or it
/// cannot be a date).
pub fn serialize_rfc3339<S: Serializer>(
    time: &Option<UnixTime>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    time.and_then(rfc3339).serialize(serializer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_shows_hours_only_when_there_are_some() {
        assert_eq!(clock(0.0), "0:00");
        assert_eq!(clock(725.4), "12:05");
        assert_eq!(clock(3723.0), "1:02:03");
    }

    #[test]
    fn megabytes_have_one_decimal() {
        assert_eq!(megabytes(2_000_000), "2.0 MB");
        assert_eq!(megabytes(50_000), "0.1 MB");
    }

    #[test]
    fn a_time_serializes_as_rfc3339_or_null() {
        #[derive(Serialize)]
        struct At {
            #[serde(serialize_with = "serialize_rfc3339")]
            at: Option<UnixTime>,
        }
        let json = |at| serde_json::to_value(At { at }).expect("json");
        assert_eq!(json(Some(0))["at"], "1970-01-01T00:00:00+00:00");
        assert!(json(None)["at"].is_null());
        assert!(json(Some(i64::MAX))["at"].is_null());
    }
}
