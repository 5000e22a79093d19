//! A small HTTP/1.1 server on 127.0.0.1 for tests: serves fixture feeds, artwork and audio with
//! real `Content-Type`, `Content-Length`, `Accept-Ranges` and `Range` (206/416) handling, and
//! whatever status a test asks for. Nothing here reaches beyond loopback.
//!
//! It can also misbehave the way real servers do, on the wire rather than in a mock: reset the
//! connection part-way through a body ([`Route::reset_after`]), send the head and then nothing
//! ([`Route::stall`]), close without answering ([`Route::hang_up`]), answer gzip-encoded when
//! the client accepts it ([`Route::with_gzip`]), send a small gzip body that inflates to a huge
//! one ([`Route::gzip_bomb`]), use chunked transfer encoding so the size is only known by reading
//! ([`Route::chunked`]), ignore `Range` ([`Route::ignoring_range`]), and go away altogether
//! ([`FixtureServer::shutdown`]). `If-Range` is honoured: a range of a body whose `ETag` or
//! `Last-Modified` has changed is answered with the whole new body.
//!
//! Connections are kept alive between requests unless a request says `Connection: close`.
//!
//! For APIs rather than feeds: a route can be served for one query ([`FixtureServer::route`]
//! with `path?name=value`), answer after a delay ([`Route::delay`]) and check the request's
//! headers ([`Route::requiring`]); every request's headers are kept
//! ([`FixtureServer::requests_with_headers`]), and so is every request whose client went away
//! before the answer was complete ([`FixtureServer::abandoned`]).

pub mod sync;

use std::collections::HashMap;
use std::io::Write;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use flate2::Compression;
use flate2::write::GzEncoder;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::{JoinHandle, JoinSet};

/// Body bytes written per `write_all` (and per chunk, for chunked responses).
const WRITE_CHUNK: usize = 64 * 1024;

/// How long a resetting route waits, after writing what it will write, before it resets the
/// connection: long enough for a client on loopback to have read the head and those bytes, so
/// the failure really happens mid-body.
const BEFORE_RESET: Duration = Duration::from_millis(50);

/// A request's headers: names lowercased, the last value of a repeated header.
pub type Headers = HashMap<String, String>;

/// A request as the server saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    pub method: String,
    /// The path with its query string, as sent (`/search?term=rust`).
    pub target: String,
    pub headers: Headers,
}

impl Recorded {
    /// The value of the header `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(&name.to_ascii_lowercase())
            .map(String::as_str)
    }

    /// The query's decoded value for `name`.
    pub fn query(&self, name: &str) -> Option<String> {
        let query = self.target.split_once('?').map_or("", |(_, q)| q);
        query_pairs(query)
            .into_iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v)
    }
}

/// A check of a request's headers; a request that fails it is answered 401.
#[derive(Clone)]
struct Requirement(Arc<dyn Fn(&Headers) -> bool + Send + Sync>);

impl std::fmt::Debug for Requirement {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Requirement(..)")
    }
}

/// What the server answers at one path.
#[derive(Debug, Clone)]
pub struct Route {
    pub status: u16,
    pub content_type: String,
    pub body: Arc<Vec<u8>>,
    pub headers: Vec<(String, String)>,
    delivery: Delivery,
    /// The body gzip-encoded, sent instead when the request accepts gzip.
    gzip: Option<Arc<Vec<u8>>>,
    chunked: bool,
    /// The `Authorization` header this route demands; anything else gets 401.
    authorization: Option<String>,
    /// Answers every request with the whole body, as servers without range support do.
    ignores_range: bool,
    /// Waited before the head is sent.
    delay: Option<Duration>,
    requirement: Option<Requirement>,
}

/// How a response goes out: in full, or cut short in one of the ways real servers fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Delivery {
    Complete,
    /// The head (with the full length), this many body bytes, then a TCP reset.
    ResetAfter(usize),
    /// The head, this many body bytes, then nothing until the client gives up.
    StallAfter(usize),
    /// The request is read and the connection closed without a response.
    HangUp,
}

impl Route {
    fn new(status: u16, content_type: &str, body: Vec<u8>) -> Self {
        Self {
            status,
            content_type: content_type.to_string(),
            body: Arc::new(body),
            headers: Vec::new(),
            delivery: Delivery::Complete,
            gzip: None,
            chunked: false,
            authorization: None,
            ignores_range: false,
            delay: None,
            requirement: None,
        }
    }

    /// Waits `delay` before answering (a far-away server). A client that goes away meanwhile
    /// is recorded in [`FixtureServer::abandoned`].
    pub fn delay(mut self, delay: Duration) -> Self {
        self.delay = Some(delay);
        self
    }

    /// Answers `401` to requests whose headers fail `check` (names are lowercased).
    pub fn requiring(mut self, check: impl Fn(&Headers) -> bool + Send + Sync + 'static) -> Self {
        self.requirement = Some(Requirement(Arc::new(check)));
        self
    }

    /// Ignores `Range`: every answer is `200` with the whole body and no `Accept-Ranges`.
    pub fn ignoring_range(mut self) -> Self {
        self.ignores_range = true;
        self
    }

    /// Whether an `If-Range` value still names this body (its `ETag` or `Last-Modified`).
    fn current(&self, if_range: &str) -> bool {
        self.headers.iter().any(|(name, value)| {
            (name.eq_ignore_ascii_case("etag") || name.eq_ignore_ascii_case("last-modified"))
                && value == if_range
        })
    }

    /// Demands HTTP Basic credentials: without exactly these, the answer is 401.
    pub fn with_basic_auth(mut self, user: &str, password: &str) -> Self {
        self.authorization = Some(format!(
            "Basic {}",
            base64(format!("{user}:{password}").as_bytes())
        ));
        self
    }

    /// 200 with this body.
    pub fn ok(content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        Self::new(200, content_type, body.into())
    }

    /// This status with a small HTML page as its body.
    pub fn status(status: u16) -> Self {
        Self::new(
            status,
            "text/html; charset=utf-8",
            format!("<html><body><h1>{status}</h1></body></html>").into_bytes(),
        )
    }

    /// Adds a header (e.g. `ETag`, `Last-Modified`, `Retry-After`); conditional requests that
    /// match an `ETag` or `Last-Modified` header answer 304.
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

    /// `status` (301, 302, 307, 308…) with a `Location` header; `location` may be relative.
    pub fn redirect(status: u16, location: &str) -> Self {
        Self::status(status).with_header("Location", location)
    }

    /// Sends the head, with a `Content-Length` for the whole body, then only the first `bytes`
    /// bytes of the body, and then resets the connection (a TCP RST, not a clean close): the
    /// client sees the connection die mid-body. `bytes` should be less than the body's length.
    pub fn reset_after(mut self, bytes: usize) -> Self {
        self.delivery = Delivery::ResetAfter(bytes);
        self
    }

    /// Sends the head and the first `bytes` bytes of the body, then nothing more: the
    /// connection is held open, silent, until the client closes it (or the server stops).
    pub fn stall_after(mut self, bytes: usize) -> Self {
        self.delivery = Delivery::StallAfter(bytes);
        self
    }

    /// A server that stalls: a `200` feed whose head is sent and then nothing, ever; the
    /// connection stays open until the client gives up.
    pub fn stall() -> Self {
        Self::ok(
            "application/rss+xml",
            "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Never sent</title></channel></rss>",
        )
        .stall_after(0)
    }

    /// Reads the request, then closes the connection without sending a response.
    pub fn hang_up() -> Self {
        let mut route = Self::status(200);
        route.delivery = Delivery::HangUp;
        route
    }

    /// Answers requests that accept gzip (`Accept-Encoding`) with the body gzip-encoded
    /// (`Content-Encoding: gzip`), and others with the body as is; both get
    /// `Vary: Accept-Encoding`. Range requests are answered from the unencoded body. The body is
    /// compressed now, so call this once the body is final.
    pub fn with_gzip(mut self) -> Self {
        self.gzip = Some(Arc::new(gzip(&self.body)));
        self
    }

    /// A gzip bomb: a small gzip-encoded body (about 1 KB per MB) that inflates to
    /// `inflated_bytes` zero bytes. Sent with `Content-Encoding: gzip` whatever the request
    /// accepts, as a hostile server would; its `Content-Length` is the small compressed size.
    pub fn gzip_bomb(content_type: &str, inflated_bytes: usize) -> Self {
        Self::ok(content_type, gzip_zeros(inflated_bytes)).with_header("Content-Encoding", "gzip")
    }

    /// Sends the body with `Transfer-Encoding: chunked` and no `Content-Length`, so a client
    /// learns how big it is only by reading it.
    pub fn chunked(mut self) -> Self {
        self.chunked = true;
        self
    }
}

/// `len` bytes that look like an MP3 file to a sniffer (an ID3 header) and to nothing else:
/// deterministic noise from `seed`, which no compressor shrinks and no check mistakes for a web
/// page. What download tests and benchmarks serve as an episode.
pub fn noise_mp3(len: usize, seed: u64) -> Vec<u8> {
    let mut state = seed | 1;
    let mut out = Vec::with_capacity(len + 8);
    out.extend_from_slice(b"ID3\x04\x00\x00\x00\x00\x00\x00");
    while out.len() < len {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        out.extend_from_slice(&state.to_le_bytes());
    }
    out.truncate(len);
    out
}

/// `bytes` gzip-encoded (one gzip member, default compression).
pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
    // Writing into a Vec cannot fail.
    let _ = encoder.write_all(bytes);
    encoder.finish().unwrap_or_default()
}

/// `len` zero bytes gzip-encoded, without ever holding them all in memory.
fn gzip_zeros(len: usize) -> Vec<u8> {
    let zeros = vec![0u8; WRITE_CHUNK.min(len)];
    let mut encoder = GzEncoder::new(Vec::new(), Compression::best());
    let mut left = len;
    while left > 0 {
        let n = left.min(zeros.len());
        // Writing into a Vec cannot fail.
        let _ = encoder.write_all(&zeros[..n]);
        left -= n;
    }
    encoder.finish().unwrap_or_default()
}

type Routes = Arc<Mutex<HashMap<String, Route>>>;

/// What the server saw: request lines, requests with headers, and requests left unanswered.
#[derive(Debug, Default)]
struct Log {
    lines: Mutex<Vec<String>>,
    recorded: Mutex<Vec<Recorded>>,
    abandoned: Mutex<Vec<String>>,
}

impl Log {
    fn abandon(&self, target: &str) {
        self.abandoned
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(target.to_string());
    }
}

/// The route for `target`: among routes for this path with a query, the one whose every
/// `name=value` the request's query has (the one asking most, when several do; then the first
/// by its text); else the route for the bare path.
fn find_route(routes: &HashMap<String, Route>, target: &str) -> Option<Route> {
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let asked = query_pairs(query);
    routes
        .iter()
        .filter_map(|(key, route)| {
            let (route_path, route_query) = key.split_once('?')?;
            let wanted = query_pairs(route_query);
            (route_path == path && wanted.iter().all(|pair| asked.contains(pair))).then_some((
                wanted.len(),
                key,
                route,
            ))
        })
        .max_by(|a, b| a.0.cmp(&b.0).then_with(|| b.1.cmp(a.1)))
        .map(|(_, _, route)| route.clone())
        .or_else(|| routes.get(path).cloned())
}

/// A query string's `name=value` pairs, percent-decoded, `+` read as a space.
fn query_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(name), percent_decode(value))
        })
        .collect()
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                match std::str::from_utf8(&bytes[i + 1..i + 3])
                    .ok()
                    .and_then(|hex| u8::from_str_radix(hex, 16).ok())
                {
                    Some(byte) => {
                        out.push(byte);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            other => out.push(other),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A running server; stops when dropped, closing the connections it has open.
#[derive(Debug)]
pub struct FixtureServer {
    addr: SocketAddr,
    routes: Routes,
    log: Arc<Log>,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

impl FixtureServer {
    /// Binds an ephemeral port on 127.0.0.1. Must be called inside a tokio runtime.
    pub async fn start() -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let routes: Routes = Arc::default();
        let log: Arc<Log> = Arc::default();
        let (stop, stopped) = oneshot::channel();
        let task = tokio::spawn(run(listener, routes.clone(), log.clone(), stopped));
        Ok(Self {
            addr,
            routes,
            log,
            stop: Some(stop),
            task,
        })
    }

    /// `http://127.0.0.1:<port><path>`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// `http://127.0.0.1:<port>`.
    pub fn base(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Serves `route` at `path`, replacing what was there. Unknown paths answer 404. A bare path
    /// matches whatever the query; `path?name=value&…` matches requests to that path whose query
    /// has each of those pairs (decoded, in any order, among others), and is preferred to the
    /// bare path.
    pub fn route(&self, path: &str, route: Route) {
        self.routes
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(path.to_string(), route);
    }

    /// The request lines seen so far (`GET /feed.xml`), with the Range header when sent and
    /// `(conditional)` when validators were.
    pub fn requests(&self) -> Vec<String> {
        self.log
            .lines
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Every request seen so far with its headers, in order.
    pub fn requests_with_headers(&self) -> Vec<Recorded> {
        self.log
            .recorded
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The targets (path and query) of requests whose client closed the connection before the
    /// answer was complete: during a [`Route::delay`], or while a [`Route::stall`] held it.
    pub fn abandoned(&self) -> Vec<String> {
        self.log
            .abandoned
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Stops the server and waits until it has: the port is closed (new connections are
    /// refused) and every open connection, idle keep-alive ones included, has been closed.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = (&mut self.task).await;
    }
}

impl Drop for FixtureServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Accepts connections until told to stop. Connections live in a `JoinSet` owned here, so they
/// end with the server (an aborted task drops the set, which aborts them).
async fn run(
    listener: TcpListener,
    routes: Routes,
    log: Arc<Log>,
    mut stopped: oneshot::Receiver<()>,
) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            _ = &mut stopped => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    // The head and the body go out in separate writes: without this, Nagle's
                    // algorithm holds the body back for the client's delayed ACK (~40 ms).
                    let _ = stream.set_nodelay(true);
                    let routes = routes.clone();
                    let log = log.clone();
                    connections.spawn(async move {
                        let _ = serve(stream, routes, log).await;
                    });
                }
                Err(_) => {
                    // No more connections; keep serving the open ones.
                    drop(listener);
                    loop {
                        tokio::select! {
                            _ = &mut stopped => break,
                            next = connections.join_next() => if next.is_none() { break },
                        }
                    }
                    connections.shutdown().await;
                    return;
                }
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    drop(listener);
    connections.shutdown().await;
}

async fn serve(stream: TcpStream, routes: Routes, log: Arc<Log>) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream);
    loop {
        let mut request_line = String::new();
        if reader.read_line(&mut request_line).await? == 0 {
            return Ok(());
        }
        let mut range = None;
        let mut if_range = None;
        let mut validators = Vec::new();
        let mut gzip_ok = false;
        let mut close = false;
        let mut authorization = None;
        let mut headers = Headers::new();
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
                headers.insert(name.trim().to_ascii_lowercase(), value.trim().to_string());
                if name.eq_ignore_ascii_case("range") {
                    range = Some(value.trim().to_string());
                } else if name.eq_ignore_ascii_case("if-range") {
                    if_range = Some(value.trim().to_string());
                } else if name.eq_ignore_ascii_case("if-none-match")
                    || name.eq_ignore_ascii_case("if-modified-since")
                {
                    validators.push(value.trim().to_string());
                } else if name.eq_ignore_ascii_case("authorization") {
                    authorization = Some(value.trim().to_string());
                } else if name.eq_ignore_ascii_case("accept-encoding") {
                    gzip_ok = accepts_gzip(value);
                } else if name.eq_ignore_ascii_case("connection") {
                    close = value
                        .split(',')
                        .any(|option| option.trim().eq_ignore_ascii_case("close"));
                }
            }
        }
        let mut parts = request_line.split_whitespace();
        let method = parts.next().unwrap_or("").to_string();
        let path = parts.next().unwrap_or("/").to_string();
        log.recorded
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(Recorded {
                method: method.clone(),
                target: path.clone(),
                headers: headers.clone(),
            });
        log.lines
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(match (&range, validators.is_empty()) {
                (Some(r), _) => format!("{method} {path} {r}"),
                (None, false) => format!("{method} {path} (conditional)"),
                (None, true) => format!("{method} {path}"),
            });
        let found = find_route(
            &routes.lock().unwrap_or_else(PoisonError::into_inner),
            &path,
        );
        let mut route = found.unwrap_or_else(|| Route::status(404));
        if let Some(delay) = route.delay {
            let wait = tokio::time::sleep(delay);
            tokio::pin!(wait);
            let gone = tokio::select! {
                _ = &mut wait => false,
                // Not consumed: a pipelined request stays for the next turn of the loop.
                filled = reader.fill_buf() => filled.map_or(true, |bytes| bytes.is_empty()),
            };
            if gone {
                log.abandon(&path);
                return Ok(());
            }
            wait.await;
        }
        if route.authorization.is_some() && route.authorization != authorization {
            route = Route::status(401).with_header("WWW-Authenticate", "Basic realm=\"private\"");
        } else if route
            .requirement
            .as_ref()
            .is_some_and(|requirement| !(requirement.0)(&headers))
        {
            route = Route::status(401);
        }
        if route.delivery == Delivery::HangUp {
            return Ok(());
        }
        let response = if route.validated_by(&validators) {
            Response {
                head: "HTTP/1.1 304 Not Modified\r\nContent-Length: 0\r\n\r\n".to_string(),
                body: Arc::default(),
                range: 0..0,
                chunked: false,
            }
        } else {
            // A range of a body that has changed since (`If-Range` no longer matches) is
            // answered with the whole new body, as RFC 9110 says.
            let range = range
                .as_deref()
                .filter(|_| !route.ignores_range)
                .filter(|_| if_range.as_deref().is_none_or(|v| route.current(v)));
            respond(&route, range, gzip_ok)
        };
        let body = if method == "HEAD" {
            &[][..]
        } else {
            &response.body[response.range.clone()]
        };
        let stream = reader.get_mut();
        stream.write_all(response.head.as_bytes()).await?;
        match route.delivery {
            Delivery::Complete | Delivery::HangUp => {
                write_body(stream, body, response.chunked, true).await?;
                stream.flush().await?;
                if close {
                    return Ok(());
                }
            }
            Delivery::ResetAfter(bytes) => {
                write_body(
                    stream,
                    &body[..bytes.min(body.len())],
                    response.chunked,
                    false,
                )
                .await?;
                stream.flush().await?;
                tokio::time::sleep(BEFORE_RESET).await;
                // Closing with a zero linger time sends RST instead of FIN.
                stream.set_zero_linger()?;
                return Ok(());
            }
            Delivery::StallAfter(bytes) => {
                write_body(
                    stream,
                    &body[..bytes.min(body.len())],
                    response.chunked,
                    false,
                )
                .await?;
                stream.flush().await?;
                // Say nothing more; read (and ignore) until the client hangs up.
                let _ = tokio::io::copy(&mut reader, &mut tokio::io::sink()).await;
                log.abandon(&path);
                return Ok(());
            }
        }
    }
}

/// Writes `body`, chunk-encoded when `chunked` (with the closing empty chunk when `last`).
async fn write_body(
    stream: &mut TcpStream,
    body: &[u8],
    chunked: bool,
    last: bool,
) -> std::io::Result<()> {
    for piece in body.chunks(WRITE_CHUNK) {
        if chunked {
            stream
                .write_all(format!("{:x}\r\n", piece.len()).as_bytes())
                .await?;
            stream.write_all(piece).await?;
            stream.write_all(b"\r\n").await?;
        } else {
            stream.write_all(piece).await?;
        }
    }
    if chunked && last {
        stream.write_all(b"0\r\n\r\n").await?;
    }
    Ok(())
}

/// Whether an `Accept-Encoding` value allows gzip (`gzip`, `x-gzip` or `*`, not with `q=0`).
fn accepts_gzip(value: &str) -> bool {
    value.split(',').any(|item| {
        let mut parts = item.split(';');
        let coding = parts.next().unwrap_or("").trim();
        let refused = parts.any(|param| {
            param
                .trim()
                .strip_prefix("q=")
                .and_then(|q| q.trim().parse::<f32>().ok())
                .is_some_and(|q| q <= 0.0)
        });
        !refused
            && (coding.eq_ignore_ascii_case("gzip")
                || coding.eq_ignore_ascii_case("x-gzip")
                || coding == "*")
    })
}

struct Response {
    head: String,
    body: Arc<Vec<u8>>,
    range: std::ops::Range<usize>,
    chunked: bool,
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        206 => "Partial Content",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        410 => "Gone",
        416 => "Range Not Satisfiable",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Status",
    }
}

fn respond(route: &Route, range: Option<&str>, gzip_ok: bool) -> Response {
    let mut status = route.status;
    let mut extra = String::new();
    let encoded = route
        .gzip
        .as_ref()
        .filter(|_| gzip_ok && range.is_none() && status == 200);
    let body = encoded.unwrap_or(&route.body).clone();
    let len = body.len();
    let mut range_served = 0..len;
    if route.gzip.is_some() {
        extra.push_str("Vary: Accept-Encoding\r\n");
    }
    if encoded.is_some() {
        extra.push_str("Content-Encoding: gzip\r\n");
    }
    if status == 200 && !route.ignores_range {
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
                    range_served = r;
                }
                None => {
                    extra.push_str(&format!("Content-Range: bytes */{len}\r\n"));
                    status = 416;
                    range_served = 0..0;
                }
            }
        }
    }
    for (name, value) in &route.headers {
        extra.push_str(&format!("{name}: {value}\r\n"));
    }
    let framing = if route.chunked {
        "Transfer-Encoding: chunked".to_string()
    } else {
        format!("Content-Length: {}", range_served.len())
    };
    let head = format!(
        "HTTP/1.1 {status} {}\r\nContent-Type: {}\r\n{framing}\r\n{extra}\r\n",
        reason(status),
        route.content_type,
    );
    Response {
        head,
        body,
        range: range_served,
        chunked: route.chunked,
    }
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

/// The project's fixture show (`tests/fixtures/show/feed.xml`, 24 episodes) served from `base`,
/// renamed `title` and given its own `podcast:guid` (from `key`), so that several copies are
/// several shows rather than one show at several addresses.
/// One of the hand-written directory answers in `tests/fixtures/directory/`, with `{{BASE}}`
/// replaced by `base`, and artwork placed on the unreachable `artwork.example` moved to
/// `{base}/listed-art` (see [`serve_directories`]).
pub fn directory_fixture(base: &str, name: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/directory")
        .join(name);
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .replace("{{BASE}}", base)
        .replace("https://artwork.example", &format!("{base}/listed-art"))
}

/// Serves the three podcast directories from `tests/fixtures/directory/` at `server`'s base, as
/// its README lays out: iTunes (search, lookup, charts; as `text/javascript`, the way Apple
/// sends them), fyyd and Podcast Index (its routes demand `podcast_index_signed`), each answer
/// `latency` away; the listed feeds as real RSS ([`fixture_show`]) except The Backend Hour's,
/// which the caller serves (with audio, or not); and the listings' artwork.
pub fn serve_directories(
    server: &FixtureServer,
    latency: Duration,
    podcast_index_signed: impl Fn(&Headers) -> bool + Send + Sync + 'static,
) {
    let base = server.base();
    let signed: Arc<dyn Fn(&Headers) -> bool + Send + Sync> = Arc::new(podcast_index_signed);
    let apple = |name: &str| {
        Route::ok(
            "text/javascript; charset=utf-8",
            directory_fixture(&base, name),
        )
        .delay(latency)
    };
    let json = |name: &str| {
        let signed = signed.clone();
        Route::ok("application/json", directory_fixture(&base, name))
            .delay(latency)
            .requiring(move |headers| signed(headers))
    };
    let fyyd =
        |name: &str| Route::ok("application/json", directory_fixture(&base, name)).delay(latency);
    server.route("/search", apple("itunes-search-empty.json"));
    server.route("/search?term=rust", apple("itunes-search-rust.json"));
    server.route("/lookup", apple("itunes-lookup-empty.json"));
    server.route(
        "/lookup?id=1000000001",
        apple("itunes-lookup-backend-hour.json"),
    );
    server.route("/lookup?id=1000000014", apple("itunes-lookup-no-feed.json"));
    server.route(
        "/lookup?id=1000000001,1000000002,1000000003,1000000099",
        apple("itunes-lookup-technology.json"),
    );
    server.route(
        "/us/rss/toppodcasts/limit=50/genre=1318/json",
        apple("itunes-top-technology.json"),
    );
    server.route(
        "/us/rss/toppodcasts/limit=50/json",
        apple("itunes-top-all.json"),
    );
    server.route("/0.2/search/podcast", fyyd("fyyd-search-empty.json"));
    server.route(
        "/0.2/search/podcast?term=rust",
        fyyd("fyyd-search-rust.json"),
    );
    server.route("/search/byterm", json("podcastindex-search-empty.json"));
    server.route(
        "/search/byterm?q=rust",
        json("podcastindex-search-rust.json"),
    );
    server.route(
        "/podcasts/trending?cat=Technology",
        json("podcastindex-trending-technology.json"),
    );
    for (path, title) in [
        ("/feeds/frontend-weekly.xml", "Frontend Weekly"),
        ("/feeds/ops-stories.xml", "Ops Stories"),
        ("/feeds/trending-only.xml", "Trending Only"),
    ] {
        server.route(
            path,
            Route::ok("application/rss+xml", fixture_show(&base, title, path)),
        );
    }
    // Every artwork address the answers give, served as a real image.
    let art: &[u8] = include_bytes!("../../../icons/128x128.png");
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/directory");
    let mut paths = std::collections::BTreeSet::new();
    for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
        let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
        for (at, _) in text.match_indices("https://artwork.example/") {
            let rest = &text[at + "https://artwork.example".len()..];
            let end = rest.find(['"', '\\', ' ']).unwrap_or(rest.len());
            paths.insert(rest[..end].to_string());
        }
    }
    for path in paths {
        server.route(
            &format!("/listed-art{path}"),
            Route::ok("image/png", art.to_vec()),
        );
    }
}

pub fn fixture_show(base: &str, title: &str, key: &str) -> String {
    const FEED: &str = include_str!("../../../tests/fixtures/show/feed.xml");
    FEED.replace("{{BASE}}", base)
        .replace(
            "<title>The Backend Hour</title>",
            &format!("<title>{title}</title>"),
        )
        .replace(
            "<podcast:guid>4a6d3c2e-4c1b-5b0e-9a77-2d1c0f3e8b11</podcast:guid>",
            &format!("<podcast:guid>{key}</podcast:guid>"),
        )
}

/// Standard base64 with padding, for `Authorization: Basic`.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i)) as usize & 63]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use tokio::io::AsyncReadExt;

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

    #[test]
    fn accept_encoding() {
        assert!(accepts_gzip("gzip, br"));
        assert!(accepts_gzip("br;q=1.0, GZIP;q=0.5"));
        assert!(accepts_gzip("*"));
        assert!(!accepts_gzip("br"));
        assert!(!accepts_gzip("gzip;q=0, br"));
        assert!(!accepts_gzip("identity"));
    }

    fn gunzip(bytes: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(bytes)
            .read_to_end(&mut out)
            .expect("valid gzip");
        out
    }

    /// Sends one GET with `headers` on a fresh connection and reads what comes back until the
    /// server closes, resets, or `wait` passes without a byte.
    async fn get(server: &FixtureServer, path: &str, headers: &str, wait: Duration) -> Raw {
        let mut stream = TcpStream::connect(server.addr).await.expect("connect");
        stream
            .write_all(
                format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n{headers}\r\n")
                    .as_bytes(),
            )
            .await
            .expect("request");
        let mut raw = Raw::default();
        let mut buf = vec![0; 64 * 1024];
        loop {
            match tokio::time::timeout(wait, stream.read(&mut buf)).await {
                Err(_) => {
                    raw.stalled = true;
                    break;
                }
                Ok(Ok(0)) => break,
                Ok(Ok(n)) => raw.bytes.extend_from_slice(&buf[..n]),
                Ok(Err(e)) => {
                    raw.error = Some(e.kind());
                    break;
                }
            }
        }
        raw
    }

    #[derive(Debug, Default)]
    struct Raw {
        bytes: Vec<u8>,
        stalled: bool,
        error: Option<std::io::ErrorKind>,
    }

    impl Raw {
        fn split(&self) -> (String, &[u8]) {
            let end = self
                .bytes
                .windows(4)
                .position(|w| w == b"\r\n\r\n")
                .expect("a complete head");
            (
                String::from_utf8_lossy(&self.bytes[..end]).into_owned(),
                &self.bytes[end + 4..],
            )
        }
    }

    const WAIT: Duration = Duration::from_secs(5);

    #[tokio::test]
    async fn gzip_is_sent_only_to_clients_that_accept_it() {
        let server = FixtureServer::start().await.expect("server");
        let body = "<rss>hello hello hello hello hello</rss>".repeat(100);
        server.route(
            "/f",
            Route::ok("application/rss+xml", body.clone()).with_gzip(),
        );

        let raw = get(&server, "/f", "Accept-Encoding: gzip, br\r\n", WAIT).await;
        let (head, sent) = raw.split();
        assert!(head.contains("Content-Encoding: gzip"), "{head}");
        assert!(head.contains("Vary: Accept-Encoding"), "{head}");
        assert!(
            head.contains(&format!("Content-Length: {}", sent.len())),
            "{head}"
        );
        assert!(sent.len() < body.len());
        assert_eq!(gunzip(sent), body.as_bytes());

        let raw = get(&server, "/f", "", WAIT).await;
        let (head, sent) = raw.split();
        assert!(!head.contains("Content-Encoding"), "{head}");
        assert_eq!(sent, body.as_bytes());
    }

    #[tokio::test]
    async fn a_gzip_bomb_is_small_on_the_wire() {
        let server = FixtureServer::start().await.expect("server");
        server.route("/bomb", Route::gzip_bomb("application/rss+xml", 5_000_000));
        let raw = get(&server, "/bomb", "", WAIT).await;
        let (head, sent) = raw.split();
        assert!(head.contains("Content-Encoding: gzip"), "{head}");
        assert!(sent.len() < 20_000, "{} bytes on the wire", sent.len());
        let inflated = gunzip(sent);
        assert_eq!(inflated.len(), 5_000_000);
        assert!(inflated.iter().all(|b| *b == 0));
    }

    #[tokio::test]
    async fn reset_after_cuts_the_body_short() {
        let server = FixtureServer::start().await.expect("server");
        server.route(
            "/r",
            Route::ok("text/plain", vec![b'x'; 10_000]).reset_after(100),
        );
        let raw = get(&server, "/r", "", WAIT).await;
        assert!(!raw.stalled);
        assert_eq!(raw.error, Some(std::io::ErrorKind::ConnectionReset));
        // The head may or may not have been read before the reset; what was read is a prefix.
        if raw.bytes.windows(4).any(|w| w == b"\r\n\r\n") {
            let (head, sent) = raw.split();
            assert!(head.contains("Content-Length: 10000"), "{head}");
            assert!(sent.len() <= 100);
        }
    }

    #[tokio::test]
    async fn stall_sends_the_head_and_then_nothing() {
        let server = FixtureServer::start().await.expect("server");
        server.route("/s", Route::stall());
        let raw = get(&server, "/s", "", Duration::from_millis(300)).await;
        assert!(raw.stalled);
        let (head, sent) = raw.split();
        assert!(head.starts_with("HTTP/1.1 200 OK"), "{head}");
        assert!(sent.is_empty());
    }

    #[tokio::test]
    async fn hang_up_answers_nothing() {
        let server = FixtureServer::start().await.expect("server");
        server.route("/h", Route::hang_up());
        let raw = get(&server, "/h", "", WAIT).await;
        assert!(raw.bytes.is_empty());
        assert!(!raw.stalled);
        assert_eq!(server.requests(), vec!["GET /h".to_string()]);
    }

    #[tokio::test]
    async fn chunked_bodies_have_no_length() {
        let server = FixtureServer::start().await.expect("server");
        let body = vec![b'y'; WRITE_CHUNK + 10];
        server.route("/c", Route::ok("text/plain", body).chunked());
        let raw = get(&server, "/c", "", WAIT).await;
        let (head, sent) = raw.split();
        assert!(head.contains("Transfer-Encoding: chunked"), "{head}");
        assert!(!head.contains("Content-Length"), "{head}");
        let expected = format!(
            "{:x}\r\n{}\r\na\r\n{}\r\n0\r\n\r\n",
            WRITE_CHUNK,
            "y".repeat(WRITE_CHUNK),
            "y".repeat(10)
        );
        assert_eq!(sent, expected.as_bytes());
    }

    #[tokio::test]
    async fn redirects_and_statuses_carry_their_headers() {
        let server = FixtureServer::start().await.expect("server");
        server.route("/old", Route::redirect(308, "/new"));
        server.route(
            "/busy",
            Route::status(429).with_header("Retry-After", "3600"),
        );
        let (head, _) = get(&server, "/old", "", WAIT).await.split();
        assert!(
            head.starts_with("HTTP/1.1 308 Permanent Redirect"),
            "{head}"
        );
        assert!(head.contains("Location: /new"), "{head}");
        let (head, _) = get(&server, "/busy", "", WAIT).await.split();
        assert!(head.starts_with("HTTP/1.1 429 Too Many Requests"), "{head}");
        assert!(head.contains("Retry-After: 3600"), "{head}");
    }

    #[tokio::test]
    async fn routes_with_a_query_are_preferred_when_the_request_has_it() {
        let server = FixtureServer::start().await.expect("server");
        server.route("/search", Route::ok("text/plain", "any"));
        server.route("/search?term=rust", Route::ok("text/plain", "rust"));
        server.route(
            "/search?term=rust&country=gb",
            Route::ok("text/plain", "rust in gb"),
        );
        server.route(
            "/search?term=caf%C3%A9 au lait",
            Route::ok("text/plain", "café"),
        );
        let body = |path: &'static str| {
            let server = &server;
            async move { get(server, path, "", WAIT).await.split().1.to_vec() }
        };
        assert_eq!(body("/search?limit=5&term=rust").await, b"rust");
        assert_eq!(
            body("/search?country=gb&term=rust&x=1").await,
            b"rust in gb"
        );
        assert_eq!(body("/search?term=go").await, b"any");
        assert_eq!(body("/search").await, b"any");
        assert_eq!(
            body("/search?term=caf%c3%a9+au+lait").await,
            "café".as_bytes()
        );
        assert_eq!(
            query_pairs("a=1&b=%2x&c"),
            [
                ("a".into(), "1".into()),
                ("b".into(), "%2x".into()),
                ("c".into(), String::new())
            ]
        );
    }

    #[tokio::test]
    async fn headers_are_recorded_and_can_be_required() {
        let server = FixtureServer::start().await.expect("server");
        server.route(
            "/api",
            Route::ok("application/json", "{}")
                .requiring(|headers| headers.get("x-auth-key").is_some_and(|k| k == "good")),
        );
        let (head, _) = get(&server, "/api?q=1", "X-Auth-Key: bad\r\n", WAIT)
            .await
            .split();
        assert!(head.starts_with("HTTP/1.1 401"), "{head}");
        let (head, _) = get(&server, "/api", "X-Auth-Key: good\r\n", WAIT)
            .await
            .split();
        assert!(head.starts_with("HTTP/1.1 200"), "{head}");
        let seen = server.requests_with_headers();
        assert_eq!(seen.len(), 2);
        assert_eq!(seen[0].target, "/api?q=1");
        assert_eq!(seen[0].header("X-AUTH-KEY"), Some("bad"));
        assert_eq!(seen[0].query("q").as_deref(), Some("1"));
        assert_eq!(seen[1].header("host"), Some("x"));
    }

    #[tokio::test]
    async fn a_delayed_answer_comes_late_and_a_client_that_leaves_is_recorded() {
        let server = FixtureServer::start().await.expect("server");
        server.route(
            "/slow",
            Route::ok("text/plain", "late").delay(Duration::from_millis(200)),
        );
        let started = std::time::Instant::now();
        let raw = get(&server, "/slow", "", WAIT).await;
        assert_eq!(raw.split().1, b"late");
        assert!(started.elapsed() >= Duration::from_millis(200));
        assert!(server.abandoned().is_empty());

        // A client that gives up before the answer.
        let gave_up = get(&server, "/slow?again", "", Duration::from_millis(20)).await;
        assert!(gave_up.stalled);
        let mut waited = Duration::ZERO;
        while server.abandoned().is_empty() && waited < WAIT {
            tokio::time::sleep(Duration::from_millis(10)).await;
            waited += Duration::from_millis(10);
        }
        assert_eq!(server.abandoned(), ["/slow?again"]);
    }

    #[tokio::test]
    async fn shutdown_refuses_new_connections_and_closes_open_ones() {
        let server = FixtureServer::start().await.expect("server");
        server.route("/f", Route::ok("text/plain", "hi"));
        let addr = server.addr;
        // A kept-alive connection that has already been answered once.
        let mut open = TcpStream::connect(addr).await.expect("connect");
        open.write_all(b"GET /f HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .expect("request");
        let mut buf = [0; 1024];
        let n = open.read(&mut buf).await.expect("response");
        assert!(buf[..n].starts_with(b"HTTP/1.1 200 OK"));

        server.shutdown().await;
        let closed = tokio::time::timeout(WAIT, open.read(&mut buf))
            .await
            .expect("closed, not left hanging");
        assert!(matches!(closed, Ok(0) | Err(_)), "{closed:?}");
        let refused = TcpStream::connect(addr).await.expect_err("refused");
        assert_eq!(refused.kind(), std::io::ErrorKind::ConnectionRefused);
    }
}
