//! Directory search, measured (`cargo bench -p earshot-core --bench discover`, or
//! `cargo xtask bench --discover`): the cost of merging ~150 results from three directories,
//! and the time to the first and to the last update of a search over loopback with 150 ms
//! added to every directory's answer. Figures are printed, not asserted.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use earshot_core::directory::{DirectoryEndpoints, DirectorySettings, merge};
use earshot_core::{Core, CoreConfig, DirectoryShow, DirectorySource};
use earshot_testkit::{FixtureServer, Route};
use serde_json::json;

const PER_DIRECTORY: usize = 50;
const LATENCY: Duration = Duration::from_millis(150);
const MERGES: usize = 2000;
const SEARCHES: usize = 20;

/// The `i`th show's feed address as each directory spells it (a third are listed by all three).
fn address(source: DirectorySource, i: usize) -> String {
    let shared = i.is_multiple_of(3);
    let host = if shared {
        format!("show{i}.example")
    } else {
        format!("{source:?}-{i}.example").to_lowercase()
    };
    match source {
        DirectorySource::Itunes => format!("https://{host}/feed"),
        DirectorySource::Fyyd => format!("http://www.{host}/feed/"),
        DirectorySource::PodcastIndex => format!("https://{host}:443/feed"),
    }
}

fn shows(source: DirectorySource) -> Vec<DirectoryShow> {
    (0..PER_DIRECTORY)
        .map(|i| DirectoryShow {
            title: format!("Rust Show Number {i} — Café Édition"),
            author: Some(format!("Host {i}")),
            feed_url: Some(address(source, i)),
            artwork_url: (i % 2 == 0).then(|| format!("https://img.example/{i}.png")),
            categories: vec!["Technology".into()],
            source,
            episode_count: (i % 4 != 0).then_some(i as u32),
            subscribed: false,
            description: Some("A show about things.".into()),
            itunes_id: (source == DirectorySource::Itunes).then_some(1_000_000 + i as u64),
        })
        .collect()
}

fn median(mut values: Vec<Duration>) -> Duration {
    values.sort();
    values[values.len() / 2]
}

fn bench_merge() {
    let lists = [
        (DirectorySource::Itunes, shows(DirectorySource::Itunes)),
        (DirectorySource::Fyyd, shows(DirectorySource::Fyyd)),
        (
            DirectorySource::PodcastIndex,
            shows(DirectorySource::PodcastIndex),
        ),
    ];
    let borrowed: Vec<(DirectorySource, &[DirectoryShow])> =
        lists.iter().map(|(s, l)| (*s, l.as_slice())).collect();
    let subscribed: HashSet<String> = (0..200)
        .map(|i| merge::feed_key(&format!("https://followed{i}.example/feed")))
        .collect();
    let mut times = Vec::with_capacity(MERGES);
    let mut merged = 0;
    for _ in 0..MERGES {
        let started = Instant::now();
        let out = merge::merge_ranked("rust show", &borrowed, &subscribed);
        times.push(started.elapsed());
        merged = out.len();
    }
    let worst = times.iter().max().copied().unwrap_or_default();
    println!(
        "merge: {} results from 3 × {PER_DIRECTORY} → {merged} shows: median {:.0} µs, worst {:.0} µs ({MERGES} runs)",
        3 * PER_DIRECTORY,
        median(times).as_secs_f64() * 1e6,
        worst.as_secs_f64() * 1e6,
    );
}

fn itunes_answer() -> String {
    let results: Vec<_> = (0..PER_DIRECTORY)
        .map(|i| {
            json!({ "kind": "podcast", "collectionId": 1_000_000 + i, "collectionName": format!("Rust Show Number {i}"),
                    "artistName": format!("Host {i}"), "feedUrl": address(DirectorySource::Itunes, i),
                    "artworkUrl600": format!("https://img.example/{i}.png"), "trackCount": i,
                    "primaryGenreName": "Technology", "genres": ["Technology", "Podcasts"] })
        })
        .collect();
    format!(
        "\n\n\n{}",
        json!({ "resultCount": PER_DIRECTORY, "results": results })
    )
}

fn fyyd_answer() -> String {
    let data: Vec<_> = (0..PER_DIRECTORY)
        .map(|i| {
            json!({ "title": format!("Rust Show Number {i}"), "xmlURL": address(DirectorySource::Fyyd, i),
                    "imgURL": format!("http://img.example/f{i}.jpg"), "categories": [52], "episode_count": i,
                    "description": "<p>Talk about <b>Rust</b>.</p>" })
        })
        .collect();
    json!({ "status": 1, "msg": "ok", "data": data }).to_string()
}

fn podcast_index_answer() -> String {
    let feeds: Vec<_> = (0..PER_DIRECTORY)
        .map(|i| {
            json!({ "id": i, "title": format!("Rust Show Number {i}"), "url": address(DirectorySource::PodcastIndex, i),
                    "author": format!("Host {i}"), "artwork": format!("https://img.example/p{i}.png"),
                    "categories": { "102": "Technology" }, "episodeCount": i, "description": "Rust talk." })
        })
        .collect();
    json!({ "status": "true", "feeds": feeds, "count": PER_DIRECTORY }).to_string()
}

async fn bench_search() {
    let server = FixtureServer::start().await.expect("server");
    server.route(
        "/search",
        Route::ok("text/javascript; charset=utf-8", itunes_answer()).delay(LATENCY),
    );
    server.route(
        "/0.2/search/podcast",
        Route::ok("application/json", fyyd_answer()).delay(LATENCY),
    );
    server.route(
        "/search/byterm",
        Route::ok("application/json", podcast_index_answer()).delay(LATENCY),
    );
    let dir = tempfile::tempdir().expect("dir");
    let config = CoreConfig {
        directories: DirectoryEndpoints::at(&server.base(), Duration::from_secs(10)),
        ..CoreConfig::new(dir.path())
    };
    let core = Core::open(config).await.expect("core");
    let settings = DirectorySettings {
        podcast_index_key: Some("key".into()),
        podcast_index_secret: Some("secret".into()),
        country: "us".into(),
        ..DirectorySettings::default()
    };
    let mut first = Vec::new();
    let mut all = Vec::new();
    let mut results = 0;
    // One search first, not counted: it opens the connections a listener's first search would.
    for run in 0..=SEARCHES {
        let started = Instant::now();
        let mut updates = core.search_directories(&format!("rust {run}"), &settings);
        let mut first_at = None;
        while let Some(update) = updates.recv().await {
            first_at.get_or_insert_with(|| started.elapsed());
            if update.done {
                results = update.results.len();
                break;
            }
        }
        if run > 0 {
            first.push(first_at.unwrap_or_default());
            all.push(started.elapsed());
        }
    }
    println!(
        "search over loopback, {} ms added per directory, 3 × {PER_DIRECTORY} results → {results}: first update median {:.0} ms, all three median {:.0} ms ({SEARCHES} searches)",
        LATENCY.as_millis(),
        median(first).as_secs_f64() * 1e3,
        median(all).as_secs_f64() * 1e3,
    );
    core.close().await;
}

fn main() {
    // `cargo test --all-targets` runs bench binaries too; measuring belongs to `cargo bench`.
    if !std::env::args().any(|a| a == "--bench") {
        println!("discover benchmark: run it with `cargo bench -p earshot-core --bench discover`");
        return;
    }
    bench_merge();
    match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime.block_on(bench_search()),
        Err(error) => eprintln!("no runtime: {error}"),
    }
}
