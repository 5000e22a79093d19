//! A small HTTP/1.1 server on 127.0.0.1 for tests: serves fixture feeds, artwork and audio with
//! real `Content-Type`, `Content-Length`, `Accept-Ranges` and `Range` (206/416) handling, and
//! whatever status a test asks for. Nothing here reaches beyond loopback.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// What the server answers at one path.
#[derive(Debug, Clone)]
pub struct Route {
    pub status: u16,
    pub content_type: String,
    pub body: Arc<Vec<u8>>,
    pub headers: Vec<(String, String)>,
}

impl Route {
    pub fn ok(content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        Self {
            status: 200,
            content_type: content_type.to_string(),
            body: Arc::new(body.into()),
            headers: Vec::new(),
        }
    }

    pub fn status(status: u16) -> Self {
        Self {
            status,
            content_type: "text/html; charset=utf-8".to_string(),
            body: Arc::new(format!("<html><body><h1>{status}</h1></body></html>").into_bytes()),
            headers: Vec::new(),
        }
    }

    /// Adds a header (e.g. `ETag`, `Last-Modified`); conditional requests that match an `ETag`
    /// or `Last-Modified` header answer 304.
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    fn validated_by(&self, validators: &[String]) -> bool {
        self.status == 200
            && self.headers.iter().any(|(name, value)| {
                (name.eq_ignore_ascii_case("etag") || name.eq_ignore_ascii_case("last-modified"))
                    && validators.iter().any(|v| v == value)
            })
    }

    pub fn redirect(status: u16, location: &str) -> Self {
        let mut route = Self::status(status);
        route.headers.push(("Location".into(), location.into()));
        route
    }
}

type Routes = Arc<Mutex<HashMap<String, Route>>>;

/// A running server; stops when dropped.
#[derive(Debug)]
pub struct FixtureServer {
    addr: SocketAddr,
    routes: Routes,
    requests: Arc<Mutex<Vec<String>>>,
    task: JoinHandle<()>,
}

impl FixtureServer {
    /// Binds an ephemeral port on 127.0.0.1. Must be called inside a tokio runtime.
    pub async fn start() -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let routes: Routes = Arc::default();
        let requests: Arc<Mutex<Vec<String>>> = Arc::default();
        let task = {
            let routes = routes.clone();
            let requests = requests.clone();
            tokio::spawn(async move {
                while let Ok((stream, _)) = listener.accept().await {
                    let routes = routes.clone();
                    let requests = requests.clone();
                    tokio::spawn(async move {
                        let _ = serve(stream, routes, requests).await;
                    });
                }
            })
        };
        Ok(Self {
            addr,
            routes,
            requests,
            task,
        })
    }

    /// `http://127.0.0.1:<port><path>`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    pub fn base(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn route(&self, path: &str, route: Route) {
        self.routes
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(path.to_string(), route);
    }

    /// The request lines seen so far (`GET /feed.xml`), with the Range header when sent and
    /// `(conditional)` when validators were.
    pub fn requests(&self) -> Vec<String> {
        self.requests
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl Drop for FixtureServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve(
    stream: TcpStream,
    routes: Routes,
    requests: Arc<Mutex<Vec<String>>>,
) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream);
    loop {
        let mut request_line = String::new();
        if reader.read_line(&mut request_line).await? == 0 {
            return Ok(());
        }
        let mut range = None;
        let mut validators = Vec::new();
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).await? == 0 {
                return Ok(());
            }
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some((name, value)) = line.split_once(':') {
                if name.eq_ignore_ascii_case("range") {
                    range = Some(value.trim().to_string());
                } else if name.eq_ignore_ascii_case("if-none-match")
                    || name.eq_ignore_ascii_case("if-modified-since")
                {
                    validators.push(value.trim().to_string());
                }
            }
        }
        let mut parts = request_line.split_whitespace();
        let method = parts.next().unwrap_or("").to_string();
        let path = parts.next().unwrap_or("/").to_string();
        requests
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(match (&range, validators.is_empty()) {
                (Some(r), _) => format!("{method} {path} {r}"),
                (None, false) => format!("{method} {path} (conditional)"),
                (None, true) => format!("{method} {path}"),
            });
        let route = routes
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(path.split('?').next().unwrap_or(&path))
            .cloned()
            .unwrap_or_else(|| Route::status(404));
        let response = if route.validated_by(&validators) {
            Response {
                head: "HTTP/1.1 304 Not Modified\r\nContent-Length: 0\r\n\r\n".to_string(),
                body: 0..0,
            }
        } else {
            respond(&route, range.as_deref())
        };
        let stream = reader.get_mut();
        stream.write_all(response.head.as_bytes()).await?;
        if method != "HEAD" {
            stream.write_all(&route.body[response.body]).await?;
        }
        stream.flush().await?;
    }
}

struct Response {
    head: String,
    body: std::ops::Range<usize>,
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        206 => "Partial Content",
        301 => "Moved Permanently",
        302 => "Found",
        304 => "Not Modified",
        404 => "Not Found",
        410 => "Gone",
        416 => "Range Not Satisfiable",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Status",
    }
}

fn respond(route: &Route, range: Option<&str>) -> Response {
    let len = route.body.len();
    let mut status = route.status;
    let mut body = 0..len;
    let mut extra = String::new();
    if status == 200 {
        extra.push_str("Accept-Ranges: bytes\r\n");
        if let Some(range) = range {
            match parse_range(range, len) {
                Some(r) => {
                    extra.push_str(&format!(
                        "Content-Range: bytes {}-{}/{len}\r\n",
                        r.start,
                        r.end - 1
                    ));
                    status = 206;
                    body = r;
                }
                None => {
                    extra.push_str(&format!("Content-Range: bytes */{len}\r\n"));
                    status = 416;
                    body = 0..0;
                }
            }
        }
    }
    for (name, value) in &route.headers {
        extra.push_str(&format!("{name}: {value}\r\n"));
    }
    let head = format!(
        "HTTP/1.1 {status} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\n{extra}\r\n",
        reason(status),
        route.content_type,
        body.len()
    );
    Response { head, body }
}

/// `bytes=a-b`, `bytes=a-` or `bytes=-n` within `len`; `None` when unsatisfiable.
fn parse_range(header: &str, len: usize) -> Option<std::ops::Range<usize>> {
    let spec = header.strip_prefix("bytes=")?.split(',').next()?.trim();
    let (start, end) = spec.split_once('-')?;
    let (start, end) = if start.is_empty() {
        let suffix: usize = end.parse().ok()?;
        (len.checked_sub(suffix.min(len))?, len)
    } else {
        let start: usize = start.parse().ok()?;
        let end = if end.is_empty() {
            len
        } else {
            end.parse::<usize>().ok()?.saturating_add(1).min(len)
        };
        (start, end)
    };
    (start < end && start < len).then_some(start..end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        assert_eq!(parse_range("bytes=0-9", 100), Some(0..10));
        assert_eq!(parse_range("bytes=90-", 100), Some(90..100));
        assert_eq!(parse_range("bytes=-10", 100), Some(90..100));
        assert_eq!(parse_range("bytes=95-200", 100), Some(95..100));
        assert_eq!(parse_range("bytes=100-", 100), None);
        assert_eq!(parse_range("lines=1-2", 100), None);
    }
}
