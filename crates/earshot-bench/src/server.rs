//! The benchmark's feed server: HTTP/1.1 with keep-alive on many loopback addresses, a fixed
//! added latency per request, gzip when the client accepts it, and ETag/Last-Modified validators
//! answered with 304. Feed `n` lives on address `n % hosts`.

use std::convert::Infallible;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::header::{self, HeaderValue};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

pub struct Feed {
    pub plain: Bytes,
    pub gzip: Bytes,
    pub etag: String,
}

#[derive(Default)]
pub struct Counters {
    pub requests: AtomicU64,
    pub not_modified: AtomicU64,
    pub bytes_sent: AtomicU64,
}

pub struct Served {
    pub feeds: Vec<Feed>,
    pub latency: Duration,
    pub counters: Counters,
}

/// What every feed answers to `If-Modified-Since`.
pub const LAST_MODIFIED: &str = "Tue, 10 Nov 2026 08:00:00 GMT";

/// The address serving feed `n`.
pub fn host(n: usize, hosts: usize) -> Ipv4Addr {
    Ipv4Addr::new(127, 0, 0, 1 + (n % hosts) as u8)
}

/// Binds `hosts` loopback addresses on one port.
pub async fn bind(hosts: usize) -> std::io::Result<(u16, Vec<TcpListener>)> {
    let first = TcpListener::bind(SocketAddr::new(IpAddr::V4(host(0, hosts)), 0)).await?;
    let port = first.local_addr()?.port();
    let mut listeners = vec![first];
    for h in 1..hosts {
        listeners.push(TcpListener::bind(SocketAddr::new(IpAddr::V4(host(h, hosts)), port)).await?);
    }
    Ok((port, listeners))
}

/// Serves on `listeners` until the runtime stops or the returned tasks are aborted.
pub fn serve(served: Arc<Served>, listeners: Vec<TcpListener>) -> Vec<tokio::task::JoinHandle<()>> {
    let mut tasks = Vec::new();
    for listener in listeners {
        let served = served.clone();
        tasks.push(tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let served = served.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |request| {
                        let served = served.clone();
                        async move { Ok::<_, Infallible>(answer(&served, request).await) }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        }));
    }
    tasks
}

/// Every show's artwork: a small real PNG.
const ARTWORK: &[u8] = include_bytes!("../../../icons/128x128.png");

async fn answer(served: &Served, request: Request<Incoming>) -> Response<Full<Bytes>> {
    tokio::time::sleep(served.latency).await;
    served.counters.requests.fetch_add(1, Ordering::Relaxed);
    let path = request.uri().path();
    if path.starts_with("/art/") {
        let mut response = Response::new(Full::new(Bytes::from_static(ARTWORK)));
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static("image/png"));
        return response;
    }
    let feed = path
        .strip_prefix("/feeds/")
        .and_then(|rest| rest.strip_suffix(".xml"))
        .and_then(|n| n.parse::<usize>().ok())
        .and_then(|n| served.feeds.get(n));
    let Some(feed) = feed else {
        return status(StatusCode::NOT_FOUND);
    };
    let headers = request.headers();
    let etag_matches = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == feed.etag));
    let date_matches = headers
        .get(header::IF_MODIFIED_SINCE)
        .is_some_and(|v| v == LAST_MODIFIED);
    let has_etag = headers.contains_key(header::IF_NONE_MATCH);
    if etag_matches || (!has_etag && date_matches) {
        served.counters.not_modified.fetch_add(1, Ordering::Relaxed);
        let mut response = status(StatusCode::NOT_MODIFIED);
        validators(&mut response, feed);
        return response;
    }
    let gzip = headers
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("gzip"));
    let body = if gzip { &feed.gzip } else { &feed.plain };
    served
        .counters
        .bytes_sent
        .fetch_add(body.len() as u64, Ordering::Relaxed);
    let mut response = Response::new(Full::new(body.clone()));
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/rss+xml; charset=utf-8"),
    );
    if gzip {
        h.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    }
    h.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    validators(&mut response, feed);
    response
}

fn validators(response: &mut Response<Full<Bytes>>, feed: &Feed) {
    let h = response.headers_mut();
    if let Ok(etag) = HeaderValue::from_str(&feed.etag) {
        h.insert(header::ETAG, etag);
    }
    h.insert(
        header::LAST_MODIFIED,
        HeaderValue::from_static(LAST_MODIFIED),
    );
}

fn status(code: StatusCode) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::new()));
    *response.status_mut() = code;
    response
}
