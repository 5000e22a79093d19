//! The download benchmark (`earshot-bench --downloads`): one large episode file served from
//! memory over loopback, fetched whole-process by `earshot-cli download` and by `curl` in the
//! same run, alternately, several times. Reports MB/s and CPU time per MB for each.
//!
//! Two measures. Transfer throughput, as each tool reports it (curl's `speed_download`, Earshot's
//! average from the request to the last byte received and written): the same thing measured the
//! same way. And whole-process wall time: Earshot writes `<name>.part`, flushes it to disk
//! (`fdatasync`) and renames it, so a download it calls done survives a power cut; curl writes
//! and exits without flushing. The "curl + sync" line adds a `sync` after curl so those two can be
//! compared like for like as well.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::header::{self, HeaderValue};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

use crate::{Run, measure, median};

struct Files {
    feed: Bytes,
    audio: Bytes,
}

async fn answer(files: &Files, request: Request<Incoming>) -> Response<Full<Bytes>> {
    let (body, kind) = match request.uri().path() {
        "/feed.xml" => (files.feed.clone(), "application/rss+xml"),
        "/episode.mp3" => (files.audio.clone(), "audio/mpeg"),
        _ => {
            let mut response = Response::new(Full::new(Bytes::new()));
            *response.status_mut() = StatusCode::NOT_FOUND;
            return response;
        }
    };
    let mut response = Response::new(Full::new(body));
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    h.insert(header::ETAG, HeaderValue::from_static("\"bench-1\""));
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    response
}

/// [`measure`] with the wall time read here to the microsecond (GNU time rounds to 10 ms, a
/// tenth of a whole download here).
fn timed(command: Command, log: &Path) -> Result<Run, String> {
    let started = std::time::Instant::now();
    let run = measure(command, log)?;
    Ok(Run {
        secs: started.elapsed().as_secs_f64(),
        ..run
    })
}

pub async fn run(cli: &Path, work: &Path, megabytes: usize, runs: usize) -> Result<(), String> {
    let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .map_err(|e| e.to_string())?;
    let port = listener.local_addr().map_err(|e| e.to_string())?.port();
    let base = format!("http://127.0.0.1:{port}");
    let len = megabytes * 1_000_000;
    let audio = Bytes::from(earshot_testkit::noise_mp3(len, 2026));
    let feed = format!(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Download bench</title>\
         <link>{base}</link><description>One large episode</description>\
         <item><title>The big one</title><guid>bench-episode</guid>\
         <pubDate>Tue, 10 Nov 2026 08:00:00 GMT</pubDate>\
         <enclosure url=\"{base}/episode.mp3\" length=\"{len}\" type=\"audio/mpeg\"/></item>\
         </channel></rss>"
    );
    let files = Arc::new(Files {
        feed: Bytes::from(feed),
        audio: audio.clone(),
    });
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let files = files.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |request| {
                    let files = files.clone();
                    async move { Ok::<_, Infallible>(answer(&files, request).await) }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });

    let data = work.join("download-library");
    let folder = work.join("download-folder");
    let url = format!("{base}/episode.mp3");
    let subscribed = Command::new(cli)
        .arg("--data-dir")
        .arg(&data)
        .args(["subscribe", &format!("{base}/feed.xml")])
        .output()
        .map_err(|e| format!("earshot-cli did not start: {e}"))?;
    if !subscribed.status.success() {
        return Err(format!(
            "earshot-cli subscribe failed: {}",
            String::from_utf8_lossy(&subscribed.stderr)
        ));
    }
    println!(
        "Downloading a {megabytes} MB file over loopback, {runs} times each, alternately \
         (Earshot, curl, curl + sync)…"
    );
    let mut earshot: Vec<Run> = Vec::new();
    // As each tool measures its own transfer: from the request to the last byte received.
    let mut earshot_rates: Vec<f64> = Vec::new();
    let mut curl_rates: Vec<f64> = Vec::new();
    let mut curl: Vec<Run> = Vec::new();
    let mut curl_synced: Vec<f64> = Vec::new();
    let curl_file = work.join("curl-episode.mp3");
    for _ in 0..runs {
        // Earshot, whole process: open the library, fetch, flush, rename, record.
        let mut command = Command::new(cli);
        command
            .arg("--data-dir")
            .arg(&data)
            .arg("--download-dir")
            .arg(&folder)
            .args(["--json", "download", "bench-episode"]);
        earshot.push(timed(command, &work.join("earshot-download.log"))?);
        let log = std::fs::read_to_string(work.join("earshot-download.log")).unwrap_or_default();
        let path = log
            .lines()
            .find_map(|l| l.trim().strip_prefix("\"path\": \""))
            .and_then(|p| p.strip_suffix("\","))
            .map(str::to_string)
            .ok_or_else(|| format!("earshot-cli printed no path: {log}"))?;
        let rate = log
            .lines()
            .find_map(|l| l.trim().strip_prefix("\"bytes_per_sec\": "))
            .and_then(|r| r.trim_end_matches(',').parse::<f64>().ok())
            .ok_or_else(|| format!("earshot-cli printed no speed: {log}"))?;
        earshot_rates.push(rate / 1e6);
        let written = std::fs::read(&path).map_err(|e| format!("{path}: {e}"))?;
        if written != audio {
            return Err(format!("{path} differs from the served file"));
        }
        drop(written);
        let deleted = Command::new(cli)
            .arg("--data-dir")
            .arg(&data)
            .args(["delete-download", "bench-episode"])
            .output()
            .map_err(|e| e.to_string())?;
        if !deleted.status.success() {
            return Err("earshot-cli delete-download failed".into());
        }

        let mut command = Command::new("curl");
        command
            .args(["-sS", "--fail", "-w", "%{speed_download}\n", "-o"])
            .arg(&curl_file)
            .arg(&url);
        curl.push(timed(command, &work.join("curl.log"))?);
        let printed = std::fs::read_to_string(work.join("curl.log")).unwrap_or_default();
        let rate = printed
            .lines()
            .find_map(|l| l.trim().parse::<f64>().ok())
            .ok_or_else(|| format!("curl printed no speed: {printed}"))?;
        curl_rates.push(rate / 1e6);
        let started = std::time::Instant::now();
        let _ = Command::new("sync").status();
        let sync_secs = started.elapsed().as_secs_f64();
        curl_synced.push(curl.last().map_or(0.0, |r| r.secs) + sync_secs);
        let _ = std::fs::remove_file(&curl_file);
        let _ = Command::new("sync").status();
    }
    let mb = megabytes as f64;
    let rate = |runs: &[Run]| median(runs.iter().map(|r| mb / r.secs).collect());
    let cpu = |runs: &[Run]| median(runs.iter().map(|r| r.cpu_secs * 1000.0 / mb).collect());
    let earshot_rate = rate(&earshot);
    let curl_rate = rate(&curl);
    let synced_rate = median(curl_synced.iter().map(|s| mb / s).collect());
    let received = median(earshot_rates.clone());
    let curl_received = median(curl_rates.clone());
    println!();
    println!("Transfer (each tool's own measure, request to last byte):");
    println!(
        "  Earshot {received:.0} MB/s, curl {curl_received:.0} MB/s: Earshot {:.0} % of curl",
        received * 100.0 / curl_received
    );
    println!();
    println!("Whole process (start to exit; Earshot also flushes the file to disk):");
    println!("{:<28} {:>12} {:>16}", "", "median MB/s", "CPU ms per MB");
    println!(
        "{:<28} {:>12.0} {:>16.2}",
        "Earshot (earshot-cli)",
        earshot_rate,
        cpu(&earshot)
    );
    println!("{:<28} {:>12.0} {:>16.2}", "curl", curl_rate, cpu(&curl));
    println!("{:<28} {:>12.0} {:>16}", "curl + sync", synced_rate, "");
    println!(
        "Earshot: {:.0} % of curl's throughput ({:.0} % of curl + sync); runs: Earshot {:?} s, curl {:?} s",
        earshot_rate * 100.0 / curl_rate,
        earshot_rate * 100.0 / synced_rate,
        earshot
            .iter()
            .map(|r| (r.secs * 1000.0).round() / 1000.0)
            .collect::<Vec<_>>(),
        curl.iter()
            .map(|r| (r.secs * 1000.0).round() / 1000.0)
            .collect::<Vec<_>>(),
    );
    Ok(())
}
