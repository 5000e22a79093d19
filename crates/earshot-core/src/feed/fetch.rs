//! HTTP for feeds and artwork: one shared client, bounded bodies, errors a listener can read.

use std::time::Duration;

use url::Url;

use crate::error::{Error, Result};

/// A response body and the validators that let the next fetch be conditional.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// Where the body really came from, after redirects.
    pub final_url: Url,
    pub body: Vec<u8>,
    pub content_type: Option<String>,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

/// The answer to a conditional GET.
#[derive(Debug, Clone)]
pub enum Fetch {
    /// 304: what we have is current.
    NotModified,
    Fetched(Fetched),
}

/// The one HTTP client for feeds and artwork. Cheap to clone.
#[derive(Debug, Clone)]
pub struct FeedClient {
    http: reqwest::Client,
}

impl FeedClient {
    pub fn new(user_agent: &str) -> Result<Self> {
        let http = reqwest::Client::builder()
            .user_agent(user_agent)
            .connect_timeout(Duration::from_secs(20))
            .timeout(Duration::from_secs(120))
            .redirect(reqwest::redirect::Policy::limited(10))
            .build()
            .map_err(|e| Error::Unreachable {
                url: String::new(),
                detail: format!("could not start the HTTP client: {e}"),
            })?;
        Ok(Self { http })
    }

    /// GETs `url`, refusing bodies larger than `limit_bytes` and non-success statuses.
    pub async fn get(&self, url: &Url, limit_bytes: u64) -> Result<Fetched> {
        match self.get_if_changed(url, None, None, limit_bytes).await? {
            Fetch::Fetched(fetched) => Ok(fetched),
            Fetch::NotModified => Err(Error::HttpStatus {
                url: url.to_string(),
                status: 304,
                reason: "Not Modified".into(),
            }),
        }
    }

    /// A conditional GET: sends both validators when known (`If-None-Match`,
    /// `If-Modified-Since`), and answers [`Fetch::NotModified`] on 304.
    pub async fn get_if_changed(
        &self,
        url: &Url,
        etag: Option<&str>,
        last_modified: Option<&str>,
        limit_bytes: u64,
    ) -> Result<Fetch> {
        let mut request = self.http.get(url.clone());
        if let Some(etag) = etag {
            request = request.header(reqwest::header::IF_NONE_MATCH, etag);
        }
        if let Some(last_modified) = last_modified {
            request = request.header(reqwest::header::IF_MODIFIED_SINCE, last_modified);
        }
        let mut response = request.send().await.map_err(|e| unreachable(url, &e))?;
        let status = response.status();
        if status == reqwest::StatusCode::NOT_MODIFIED {
            return Ok(Fetch::NotModified);
        }
        if !status.is_success() {
            return Err(Error::HttpStatus {
                url: url.to_string(),
                status: status.as_u16(),
                reason: status.canonical_reason().unwrap_or("error").to_string(),
            });
        }
        let too_large = || Error::TooLarge {
            url: url.to_string(),
            limit_mb: limit_bytes / 1_000_000,
        };
        if response.content_length().is_some_and(|n| n > limit_bytes) {
            return Err(too_large());
        }
        let header = |name: reqwest::header::HeaderName| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let content_type = header(reqwest::header::CONTENT_TYPE);
        let etag = header(reqwest::header::ETAG);
        let last_modified = header(reqwest::header::LAST_MODIFIED);
        let final_url = response.url().clone();
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| unreachable(url, &e))? {
            if (body.len() + chunk.len()) as u64 > limit_bytes {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Fetch::Fetched(Fetched {
            final_url,
            body,
            content_type,
            etag,
            last_modified,
        }))
    }
}

fn unreachable(url: &Url, error: &reqwest::Error) -> Error {
    let detail = if error.is_timeout() {
        "the server took too long to answer".to_string()
    } else if error.is_connect() {
        format!("no connection could be made ({})", root_cause(error))
    } else if error.is_redirect() {
        "too many redirects".to_string()
    } else {
        root_cause(error)
    };
    Error::Unreachable {
        url: url.to_string(),
        detail,
    }
}

fn root_cause(error: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = error;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}

/// Turns what a listener pasted into an http(s) feed address: podcast link schemes (`feed:`,
/// `itpc:`, `pcast:`, `podcast:`) become https, and a bare `host/path` gets `https://`.
pub fn normalize_feed_url(input: &str) -> Result<Url> {
    let trimmed = input.trim();
    let invalid = || Error::InvalidUrl {
        input: trimmed.to_string(),
    };
    if trimmed.is_empty() || trimmed.chars().any(char::is_whitespace) {
        return Err(invalid());
    }
    let lower = trimmed.to_ascii_lowercase();
    let mut candidate = trimmed.to_string();
    for scheme in ["feed:", "itpc:", "pcast:", "podcast:"] {
        if lower.starts_with(scheme) {
            let rest = trimmed[scheme.len()..].trim_start_matches('/');
            let rest_lower = rest.to_ascii_lowercase();
            candidate = if rest_lower.starts_with("http:") || rest_lower.starts_with("https:") {
                rest.to_string()
            } else {
                format!("https://{rest}")
            };
            break;
        }
    }
    if !candidate.contains("://") {
        if has_other_scheme(&candidate) {
            return Err(invalid());
        }
        candidate = format!("https://{candidate}");
    }
    let url = Url::parse(&candidate).map_err(|_| invalid())?;
    let has_host = url.host_str().is_some_and(|h| !h.is_empty());
    if !matches!(url.scheme(), "http" | "https") || !has_host {
        return Err(invalid());
    }
    Ok(url)
}

/// `mailto:x@y`, `javascript:…`: a scheme that is not followed by `//` and is not `host:port`.
fn has_other_scheme(text: &str) -> bool {
    match text.split_once(':') {
        Some((scheme, rest)) => {
            !scheme.is_empty()
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c))
                && !scheme.contains('.')
                && !rest.starts_with(|c: char| c.is_ascii_digit())
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn podcast_schemes_become_https() {
        for (input, want) in [
            ("https://a.example/feed.xml", "https://a.example/feed.xml"),
            ("http://a.example/feed", "http://a.example/feed"),
            ("feed://a.example/rss", "https://a.example/rss"),
            ("feed:https://a.example/rss", "https://a.example/rss"),
            ("itpc://a.example/rss", "https://a.example/rss"),
            ("pcast://a.example/rss", "https://a.example/rss"),
            ("podcast://a.example/rss", "https://a.example/rss"),
            ("  a.example/rss  ", "https://a.example/rss"),
            ("FEED://a.example/rss", "https://a.example/rss"),
            ("localhost:8080/feed", "https://localhost:8080/feed"),
        ] {
            assert_eq!(normalize_feed_url(input).unwrap().as_str(), want, "{input}");
        }
    }

    #[test]
    fn nonsense_is_rejected_with_invalid_url() {
        for input in [
            "",
            "   ",
            "not a url",
            "ftp://a.example/x",
            "mailto:x@y.z",
            "javascript:alert(1)",
            "https://",
        ] {
            let err = normalize_feed_url(input).unwrap_err();
            assert_eq!(err.code(), crate::ErrorCode::InvalidUrl, "{input}");
        }
    }
}
