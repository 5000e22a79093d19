//! One GET to a directory, and every way it can fail turned into a [`DirectoryFailure`] that
//! names the directory in words: a stall past the time limit, a refused key, a busy server (with
//! how long it asked us to wait), an error status, a web page or anything else that is not JSON.
//! A directory's answer is JSON whatever its `Content-Type` says (iTunes sends `text/javascript`
//! with blank lines before it), so the type is not checked; the body is.

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde_json::Value;
use url::Url;

use super::Directories;
use crate::model::{DirectoryFailure, DirectorySource};

/// Answers larger than this are refused: a search or chart answer is tens of kilobytes.
const ANSWER_LIMIT_BYTES: usize = 8_000_000;

impl DirectorySource {
    /// The directory's name as a listener knows it.
    pub fn name(self) -> &'static str {
        match self {
            DirectorySource::Itunes => "iTunes",
            DirectorySource::Fyyd => "fyyd",
            DirectorySource::PodcastIndex => "Podcast Index",
        }
    }
}

pub(super) fn failure(source: DirectorySource, message: impl Into<String>) -> DirectoryFailure {
    DirectoryFailure {
        source,
        message: message.into(),
    }
}

/// `10 s`, `1.5 s`.
pub(super) fn seconds(duration: Duration) -> String {
    if duration.subsec_millis() == 0 {
        format!("{} s", duration.as_secs())
    } else {
        format!("{:.1} s", duration.as_secs_f64())
    }
}

impl Directories {
    /// GETs `url` from `source` with `headers` and reads the answer as JSON.
    pub(super) async fn get_json(
        &self,
        source: DirectorySource,
        url: Url,
        headers: HeaderMap,
    ) -> Result<Value, DirectoryFailure> {
        let name = source.name();
        let Some(http) = &self.http else {
            return Err(failure(
                source,
                format!("{name} could not be asked: Earshot's HTTP client did not start"),
            ));
        };
        tracing::debug!(directory = name, path = url.path(), "asking a directory");
        let timeout = self.endpoints.timeout;
        let sent = http.get(url).headers(headers).send().await;
        let mut response = sent.map_err(|e| transport(source, &e, timeout))?;
        let status = response.status();
        if !status.is_success() {
            return Err(failure(
                source,
                status_message(source, status, response.headers()),
            ));
        }
        if response
            .content_length()
            .is_some_and(|n| n > ANSWER_LIMIT_BYTES as u64)
        {
            return Err(too_large(source));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| transport(source, &e, timeout))?
        {
            if body.len() + chunk.len() > ANSWER_LIMIT_BYTES {
                return Err(too_large(source));
            }
            body.extend_from_slice(&chunk);
        }
        parse_answer(source, &body)
    }
}

fn too_large(source: DirectorySource) -> DirectoryFailure {
    failure(
        source,
        format!(
            "{} sent an answer larger than {} MB",
            source.name(),
            ANSWER_LIMIT_BYTES / 1_000_000
        ),
    )
}

/// The body as JSON, or why it is not results.
pub(super) fn parse_answer(
    source: DirectorySource,
    body: &[u8],
) -> Result<Value, DirectoryFailure> {
    let name = source.name();
    let text = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    let start = text
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(text.len());
    let text = &text[start..];
    if text.is_empty() {
        return Err(failure(source, format!("{name} sent an empty answer")));
    }
    if text.starts_with(b"<") {
        return Err(failure(
            source,
            format!("{name} sent a web page instead of results"),
        ));
    }
    serde_json::from_slice(text).map_err(|e| {
        failure(
            source,
            format!("{name} sent results Earshot cannot read ({e})"),
        )
    })
}

fn transport(
    source: DirectorySource,
    error: &reqwest::Error,
    timeout: Duration,
) -> DirectoryFailure {
    let name = source.name();
    if error.is_timeout() {
        return failure(
            source,
            format!("{name} did not answer within {}", seconds(timeout)),
        );
    }
    // The innermost cause says what happened ("Connection refused"); the outer ones repeat the
    // address, which holds what the listener searched for.
    let cause = crate::feed::fetch::root_cause(error);
    if error.is_connect() {
        failure(source, format!("{name} could not be reached ({cause})"))
    } else {
        failure(
            source,
            format!("{name} stopped answering part-way ({cause})"),
        )
    }
}

fn status_message(source: DirectorySource, status: StatusCode, headers: &HeaderMap) -> String {
    let name = source.name();
    let code = status.as_u16();
    let reason = status.canonical_reason().unwrap_or("");
    match code {
        401 | 403 if source == DirectorySource::PodcastIndex => {
            format!("{name} refused the key and secret ({code}). Check them in Settings")
        }
        429 => match crate::feed::fetch::retry_after(headers, std::time::SystemTime::now())
            .map(Duration::from_secs)
        {
            Some(wait) => format!(
                "{name} is busy ({code} {reason}): it asks to wait {} before trying again",
                seconds(wait)
            ),
            None => format!("{name} is busy ({code} {reason}): try again later"),
        },
        500..=599 => format!("{name} is not working right now ({code} {reason})"),
        _ => format!("{name} answered “{code} {reason}”"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leading_blank_lines_and_a_byte_order_mark_are_not_the_answer() {
        let v = parse_answer(
            DirectorySource::Itunes,
            b"\xEF\xBB\xBF\n\n\n {\"resultCount\":0}",
        )
        .expect("json");
        assert_eq!(v["resultCount"], 0);
    }

    #[test]
    fn a_web_page_or_nonsense_is_named() {
        let page = parse_answer(DirectorySource::Itunes, b"\n<!DOCTYPE html><html></html>")
            .expect_err("page");
        assert_eq!(page.message, "iTunes sent a web page instead of results");
        let junk = parse_answer(DirectorySource::Fyyd, b"{\"data\": [").expect_err("junk");
        assert!(
            junk.message
                .starts_with("fyyd sent results Earshot cannot read"),
            "{}",
            junk.message
        );
        let empty = parse_answer(DirectorySource::Fyyd, b"  ").expect_err("empty");
        assert_eq!(empty.message, "fyyd sent an empty answer");
    }

    #[test]
    fn statuses_read_as_sentences() {
        let mut headers = HeaderMap::new();
        assert_eq!(
            status_message(
                DirectorySource::PodcastIndex,
                StatusCode::UNAUTHORIZED,
                &headers
            ),
            "Podcast Index refused the key and secret (401). Check them in Settings"
        );
        assert_eq!(
            status_message(DirectorySource::Fyyd, StatusCode::BAD_GATEWAY, &headers),
            "fyyd is not working right now (502 Bad Gateway)"
        );
        headers.insert(reqwest::header::RETRY_AFTER, "120".parse().expect("header"));
        assert_eq!(
            status_message(
                DirectorySource::Itunes,
                StatusCode::TOO_MANY_REQUESTS,
                &headers
            ),
            "iTunes is busy (429 Too Many Requests): it asks to wait 120 s before trying again"
        );
    }

    #[test]
    fn seconds_are_whole_when_they_can_be() {
        assert_eq!(seconds(Duration::from_secs(10)), "10 s");
        assert_eq!(seconds(Duration::from_millis(1500)), "1.5 s");
    }
}
