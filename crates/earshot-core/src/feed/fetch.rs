//! HTTP for feeds and artwork: one shared client, bounded bodies, redirects followed by hand so
//! that permanent moves can update a subscription, and errors a listener can read.

use std::collections::HashSet;
use std::time::{Duration, SystemTime};

use reqwest::StatusCode;
use reqwest::header::{self, HeaderMap, HeaderName};
use url::Url;

use crate::error::{Error, Result};

/// Redirects followed before giving up.
pub const MAX_REDIRECTS: usize = 10;

/// HTTP Basic credentials for a private feed. `Debug` never shows the password.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub user: String,
    pub password: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("user", &self.user)
            .field("password", &"<hidden>")
            .finish()
    }
}

/// Time limits for one fetch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FetchOptions {
    /// To open the connection.
    pub connect_timeout: Duration,
    /// Between two reads of the body: a server that stalls is given up on.
    pub read_timeout: Duration,
    /// For the whole request, body included.
    pub request_timeout: Duration,
}

impl Default for FetchOptions {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(20),
            read_timeout: Duration::from_secs(30),
            request_timeout: Duration::from_secs(120),
        }
    }
}

/// One GET: where, the validators of the last fetch, credentials, and the body limit (counted
/// after decompression, so a gzip bomb stops at the limit).
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    pub url: &'a Url,
    pub etag: Option<&'a str>,
    pub last_modified: Option<&'a str>,
    pub credentials: Option<&'a Credentials>,
    pub limit_bytes: u64,
}

impl<'a> Request<'a> {
    pub fn new(url: &'a Url, limit_bytes: u64) -> Self {
        Self {
            url,
            etag: None,
            last_modified: None,
            credentials: None,
            limit_bytes,
        }
    }
}

/// A response body and the validators that let the next fetch be conditional.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// Where the body really came from, after redirects.
    pub final_url: Url,
    /// Where the subscription should point from now on: the end of the leading run of permanent
    /// redirects (301, 308, or http to https on the same address). Temporary ones (302, 303,
    /// 307) do not move it.
    pub permanent_url: Url,
    pub body: Vec<u8>,
    pub content_type: Option<String>,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

/// The answer to a conditional GET.
#[derive(Debug, Clone)]
pub enum Fetch {
    /// 304: what we have is current.
    NotModified {
        permanent_url: Url,
    },
    Fetched(Fetched),
}

/// The one HTTP client for feeds and artwork. Cheap to clone.
#[derive(Debug, Clone)]
pub struct FeedClient {
    http: reqwest::Client,
}

impl FeedClient {
    pub fn new(user_agent: &str) -> Result<Self> {
        Self::with_options(user_agent, FetchOptions::default())
    }

    pub fn with_options(user_agent: &str, options: FetchOptions) -> Result<Self> {
        let http = reqwest::Client::builder()
            .user_agent(user_agent)
            .connect_timeout(options.connect_timeout)
            .read_timeout(options.read_timeout)
            .timeout(options.request_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| Error::Unreachable {
                url: String::new(),
                detail: format!("could not start the HTTP client: {e}"),
            })?;
        Ok(Self { http })
    }

    /// GETs `url`, refusing bodies larger than `limit_bytes` and non-success statuses.
    pub async fn get(&self, url: &Url, limit_bytes: u64) -> Result<Fetched> {
        self.get_with(Request::new(url, limit_bytes)).await
    }

    /// An unconditional GET with credentials and limits.
    pub async fn get_with(&self, request: Request<'_>) -> Result<Fetched> {
        let request = Request {
            etag: None,
            last_modified: None,
            ..request
        };
        match self.get_if_changed(request).await? {
            Fetch::Fetched(fetched) => Ok(fetched),
            Fetch::NotModified { .. } => Err(Error::HttpStatus {
                url: request.url.to_string(),
                status: 304,
                reason: "Not Modified".into(),
                retry_after_secs: None,
            }),
        }
    }

    /// A conditional GET: sends both validators when known (`If-None-Match`,
    /// `If-Modified-Since`), and answers [`Fetch::NotModified`] on 304. Redirects are followed
    /// up to [`MAX_REDIRECTS`]; a loop is an error. Credentials go only to the original host.
    pub async fn get_if_changed(&self, request: Request<'_>) -> Result<Fetch> {
        let original = request.url;
        let mut current = original.clone();
        let mut permanent_url = original.clone();
        let mut still_permanent = true;
        let mut visited = HashSet::from([current.clone()]);
        let mut hops = 0;
        let mut response = loop {
            let mut builder = self.http.get(current.clone());
            if let Some(etag) = request.etag {
                builder = builder.header(header::IF_NONE_MATCH, etag);
            }
            if let Some(last_modified) = request.last_modified {
                builder = builder.header(header::IF_MODIFIED_SINCE, last_modified);
            }
            if let Some(credentials) = request.credentials
                && current.host_str() == original.host_str()
            {
                builder = builder.basic_auth(&credentials.user, Some(&credentials.password));
            }
            let response = builder
                .send()
                .await
                .map_err(|e| unreachable(original, &e))?;
            let status = response.status();
            if !status.is_redirection() || status == StatusCode::NOT_MODIFIED {
                break response;
            }
            let next = response
                .headers()
                .get(header::LOCATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|location| current.join(location.trim()).ok())
                .filter(|u| matches!(u.scheme(), "http" | "https"))
                .ok_or_else(|| Error::Unreachable {
                    url: original.to_string(),
                    detail: format!("it redirects ({status}) to an unusable address"),
                })?;
            hops += 1;
            if hops > MAX_REDIRECTS {
                return Err(Error::Unreachable {
                    url: original.to_string(),
                    detail: format!("it redirects more than {MAX_REDIRECTS} times"),
                });
            }
            if !visited.insert(next.clone()) {
                return Err(Error::Unreachable {
                    url: original.to_string(),
                    detail: "it redirects in a loop".to_string(),
                });
            }
            let permanent = matches!(
                status,
                StatusCode::MOVED_PERMANENTLY | StatusCode::PERMANENT_REDIRECT
            ) || is_https_upgrade(&current, &next);
            still_permanent &= permanent;
            if still_permanent {
                permanent_url = next.clone();
            }
            current = next;
        };
        let status = response.status();
        if status == StatusCode::NOT_MODIFIED {
            return Ok(Fetch::NotModified { permanent_url });
        }
        if status == StatusCode::GONE {
            return Err(Error::Gone {
                url: original.to_string(),
            });
        }
        if !status.is_success() {
            let retry_after_secs = matches!(
                status,
                StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE
            )
            .then(|| retry_after(response.headers(), SystemTime::now()))
            .flatten();
            return Err(Error::HttpStatus {
                url: original.to_string(),
                status: status.as_u16(),
                reason: status.canonical_reason().unwrap_or("error").to_string(),
                retry_after_secs,
            });
        }
        let limit_bytes = request.limit_bytes;
        let too_large = || Error::TooLarge {
            url: original.to_string(),
            limit_mb: limit_bytes / 1_000_000,
        };
        // Content-Length is the size on the wire; the loop below counts what decompression makes.
        if response.content_length().is_some_and(|n| n > limit_bytes) {
            return Err(too_large());
        }
        let header = |name: HeaderName| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let content_type = header(header::CONTENT_TYPE);
        let etag = header(header::ETAG);
        let last_modified = header(header::LAST_MODIFIED);
        // The pieces are kept as they come and joined once, at their total size: a body grown
        // piece by piece is copied again each time it outgrows its room, and then holds spare
        // room while it waits for a parser.
        let mut pieces = Vec::new();
        let mut size = 0usize;
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| unreachable(original, &e))?
        {
            size += chunk.len();
            if size as u64 > limit_bytes {
                return Err(too_large());
            }
            pieces.push(chunk);
        }
        let mut body = Vec::with_capacity(size);
        for piece in pieces {
            body.extend_from_slice(&piece);
        }
        Ok(Fetch::Fetched(Fetched {
            final_url: current,
            permanent_url,
            body,
            content_type,
            etag,
            last_modified,
        }))
    }
}

/// `http://host/path` to `https://host/path`: as good as permanent, whatever the status said.
fn is_https_upgrade(from: &Url, to: &Url) -> bool {
    from.scheme() == "http"
        && to.scheme() == "https"
        && from.host_str() == to.host_str()
        && from.path() == to.path()
        && from.query() == to.query()
}

/// `Retry-After` as seconds from `now`: either a number of seconds or an HTTP date.
pub(crate) fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<u64> {
    let value = headers.get(header::RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(secs);
    }
    let at = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let at = SystemTime::UNIX_EPOCH + Duration::from_secs(u64::try_from(at.timestamp()).ok()?);
    Some(at.duration_since(now).map(|d| d.as_secs()).unwrap_or(0))
}

/// Takes `user:password@` out of an address, so credentials are stored apart from it (and never
/// shown or logged with it).
pub fn split_credentials(mut url: Url) -> (Url, Option<Credentials>) {
    if url.username().is_empty() {
        return (url, None);
    }
    let decode = |s: &str| {
        url::form_urlencoded::parse(format!("x={s}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    };
    let credentials = Credentials {
        user: decode(url.username()),
        password: decode(url.password().unwrap_or_default()),
    };
    let _ = url.set_username("");
    let _ = url.set_password(None);
    (url, Some(credentials))
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

pub(crate) fn root_cause(error: &(dyn std::error::Error + 'static)) -> String {
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

/// A podcast link among a program's arguments (`earshot feed://…`, a link the desktop opened
/// with Earshot): `feed:`, `itpc:`, `pcast:`, `podcast:` or an http(s) address, as the address to
/// subscribe to. Options (`--…`) and anything else are not links.
pub fn link_argument(argument: &str) -> Option<String> {
    let lower = argument.trim().to_ascii_lowercase();
    let linked = [
        "feed:", "itpc:", "pcast:", "podcast:", "http://", "https://",
    ]
    .iter()
    .any(|scheme| lower.starts_with(scheme));
    if !linked {
        return None;
    }
    normalize_feed_url(argument).ok().map(|url| url.to_string())
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
    #[test]
    fn links_among_arguments() {
        assert_eq!(
            link_argument("feed://example.com/rss").as_deref(),
            Some("https://example.com/rss")
        );
        assert_eq!(
            link_argument("itpc://example.com/a.xml").as_deref(),
            Some("https://example.com/a.xml")
        );
        assert_eq!(
            link_argument("podcast://http://example.com/feed").as_deref(),
            Some("http://example.com/feed")
        );
        assert_eq!(
            link_argument("https://example.com/feed.xml").as_deref(),
            Some("https://example.com/feed.xml")
        );
        assert_eq!(link_argument("--no-sandbox"), None);
        assert_eq!(link_argument("/usr/bin/earshot"), None);
        assert_eq!(link_argument("javascript:alert(1)"), None);
        assert_eq!(link_argument("feed:"), None);
    }

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
    fn credentials_are_taken_out_of_the_address() {
        let url = Url::parse("https://jo%40home:p%3Ass@private.example/feed").unwrap();
        let (url, credentials) = split_credentials(url);
        assert_eq!(url.as_str(), "https://private.example/feed");
        let credentials = credentials.unwrap();
        assert_eq!(credentials.user, "jo@home");
        assert_eq!(credentials.password, "p:ss");
        assert!(!format!("{credentials:?}").contains("p:ss"));
    }

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let mut headers = HeaderMap::new();
        headers.insert(header::RETRY_AFTER, "120".parse().unwrap());
        assert_eq!(retry_after(&headers, SystemTime::now()), Some(120));
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_794_297_600);
        headers.insert(
            header::RETRY_AFTER,
            "Tue, 10 Nov 2026 08:05:00 GMT".parse().unwrap(),
        );
        assert_eq!(retry_after(&headers, now), Some(300));
        headers.insert(header::RETRY_AFTER, "soon".parse().unwrap());
        assert_eq!(retry_after(&headers, now), None);
    }

    #[test]
    fn only_same_address_scheme_upgrades_count_as_permanent() {
        let http = Url::parse("http://a.example/feed").unwrap();
        assert!(is_https_upgrade(
            &http,
            &Url::parse("https://a.example/feed").unwrap()
        ));
        assert!(!is_https_upgrade(
            &http,
            &Url::parse("https://b.example/feed").unwrap()
        ));
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
