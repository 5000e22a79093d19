//! Library search with transcripts, measured (`cargo bench -p earshot-core --bench
//! transcript_search`): a library of 150,000 episodes (300 shows of 500) made through the
//! Library API, then 5,000 one-hour transcripts kept (and indexed) in it; the median and worst
//! time of library searches for words only spoken, words in titles and notes, common words and
//! prefixes, and how much the library's files grew per transcript hour. Figures are printed,
//! not asserted. `EARSHOT_BENCH_EPISODES` and `EARSHOT_BENCH_TRANSCRIPTS` make it smaller.

use std::path::Path;
use std::time::{Duration, Instant};

use earshot_core::library::{FeedMeta, Library, PreparedFeed};
use earshot_core::{EpisodeId, EpisodeTranscript, TranscriptCue};

const PER_SHOW: usize = 500;
const NOW: i64 = 1_800_000_000;

/// A xorshift generator: the same library every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A word from a vocabulary of about 20,000, common ones far more often (roughly Zipf).
    fn word(&mut self) -> String {
        let r = (self.next() % 1_000_000) as f64 / 1_000_000.0;
        let rank = (20_000f64.powf(r * r * r)) as u64;
        word(rank)
    }
}

/// The word of a rank: syllables from its number, so every rank spells one word.
fn word(rank: u64) -> String {
    const SYLLABLES: &[&str] = &[
        "ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "ber", "dan", "fel", "gor", "hin", "jul",
        "kem", "lis", "mor", "nat", "pel", "quo",
    ];
    let mut n = rank;
    let mut out = String::new();
    loop {
        out.push_str(SYLLABLES[(n % 20) as usize]);
        n /= 20;
        if n == 0 {
            break;
        }
    }
    out
}

fn sentence(rng: &mut Rng, words: usize) -> String {
    (0..words).map(|_| rng.word()).collect::<Vec<_>>().join(" ")
}

fn feed(rng: &mut Rng, show: usize) -> String {
    let mut items = String::new();
    for e in 0..PER_SHOW {
        let date = chrono::DateTime::from_timestamp(NOW - (e as i64 * 86_400) - show as i64, 0)
            .map(|d| d.to_rfc2822())
            .unwrap_or_default();
        items.push_str(&format!(
            "<item><title>{} {e}</title><guid>s{show}-e{e}</guid><pubDate>{date}</pubDate>\
             <enclosure url=\"https://host{show}.example/{e}.mp3\" length=\"1\" type=\"audio/mpeg\"/>\
             <description>{}</description>\
             <podcast:transcript url=\"https://host{show}.example/{e}.vtt\" type=\"text/vtt\"/></item>",
            sentence(rng, 5),
            sentence(rng, 40),
        ));
    }
    format!(
        "<?xml version=\"1.0\"?><rss version=\"2.0\" \
         xmlns:podcast=\"https://podcastindex.org/namespace/1.0\"><channel>\
         <title>Show {show} {}</title><link>https://host{show}.example/</link>\
         <description>{}</description>{items}</channel></rss>",
        sentence(rng, 2),
        sentence(rng, 20)
    )
}

/// One hour of speech: about 150 words a minute in cues of four seconds.
fn transcript(rng: &mut Rng, episode: EpisodeId, spoken_only: Option<&str>) -> EpisodeTranscript {
    let mut cues = Vec::with_capacity(900);
    for i in 0..900 {
        let mut text = sentence(rng, 10);
        if i == 450
            && let Some(word) = spoken_only
        {
            text.push(' ');
            text.push_str(word);
        }
        cues.push(TranscriptCue {
            start_secs: i as f64 * 4.0,
            end_secs: i as f64 * 4.0 + 4.0,
            speaker: Some(if i % 2 == 0 { "Sam" } else { "Ana" }.to_string()),
            text,
        });
    }
    EpisodeTranscript {
        episode_id: episode,
        url: format!("https://transcripts.example/{}.vtt", episode.0),
        mime_type: "text/vtt".to_string(),
        language: Some("en".to_string()),
        cues,
    }
}

/// The library's files together, and each one's size, once their write-ahead logs are folded
/// in (the library keeps its writer's connection open, so closing it leaves the logs).
async fn size(dir: &Path) -> (u64, Vec<(String, u64)>) {
    for name in ["earshot.db", "earshot-search.db"] {
        let url = format!("sqlite:{}", dir.join(name).display());
        if let Ok(pool) = sqlx::SqlitePool::connect(&url).await {
            let _ = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                .execute(&pool)
                .await;
            pool.close().await;
        }
    }
    let mut files: Vec<(String, u64)> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .filter_map(|e| {
                    Some((
                        e.file_name().to_string_lossy().into_owned(),
                        e.metadata().ok()?.len(),
                    ))
                })
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    (files.iter().map(|(_, n)| n).sum(), files)
}

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[tokio::main]
async fn main() {
    // `cargo test --all-targets` runs bench binaries too; measuring belongs to `cargo bench`.
    if !std::env::args().any(|a| a == "--bench") {
        println!(
            "transcript_search benchmark: run it with `cargo bench -p earshot-core --bench transcript_search`"
        );
        return;
    }
    let episodes = env("EARSHOT_BENCH_EPISODES", 150_000);
    let transcripts = env("EARSHOT_BENCH_TRANSCRIPTS", 5_000);
    let shows = episodes.div_ceil(PER_SHOW);
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("earshot.db");
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);

    let started = Instant::now();
    let library = Library::open(&path).await.expect("library");
    for show in 0..shows {
        let body = feed(&mut rng, show);
        let url = url::Url::parse(&format!("https://host{show}.example/feed.xml")).expect("url");
        let parsed = earshot_core::feed::parse_feed(body.as_bytes(), &url).expect("parses");
        library
            .store_feed(
                url.as_str(),
                &PreparedFeed::new(parsed),
                &FeedMeta::default(),
                None,
                NOW,
            )
            .await
            .expect("stored");
        if show % 20 == 19 {
            library.index_backlog().await.expect("indexed");
        }
    }
    library.index_backlog().await.expect("indexed");
    println!(
        "{episodes} episodes in {shows} shows stored and indexed in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let baseline: Vec<(String, &str)> = [3u64, 40, 400, 4_000, 15_000]
        .iter()
        .flat_map(|&rank| {
            [
                (word(rank), "one word"),
                (word(rank).chars().take(3).collect(), "prefix"),
                (format!("{} {}", word(rank), word(rank + 7)), "two words"),
            ]
        })
        .collect();
    println!("without transcripts:");
    time_searches(&library, &baseline, false).await;
    library.close().await;
    let (before, _) = size(dir.path()).await;

    // The newest episodes get transcripts, as the background fetch would give them.
    let library = Library::open(&path).await.expect("library");
    let ids = library
        .transcripts_due(0, u32::try_from(transcripts).unwrap_or(u32::MAX))
        .await
        .expect("episodes");
    let started = Instant::now();
    let spoken_words: Vec<String> = (0..20).map(|i| format!("zyxspoken{i}")).collect();
    for (i, id) in ids.iter().enumerate() {
        let only = (i % 250 == 0).then(|| spoken_words[(i / 250) % spoken_words.len()].as_str());
        let t = transcript(&mut rng, *id, only);
        library.keep_transcript(&t, None, NOW).await.expect("kept");
    }
    let kept_secs = started.elapsed().as_secs_f64();
    library.close().await;
    let (after, files) = size(dir.path()).await;
    println!(
        "{} one-hour transcripts kept and indexed in {kept_secs:.1} s ({:.1} ms each)",
        ids.len(),
        kept_secs * 1000.0 / ids.len().max(1) as f64
    );
    println!(
        "library files: {:.1} MB before, {:.1} MB after: {:.1} KB per transcript hour",
        before as f64 / 1e6,
        after as f64 / 1e6,
        (after.saturating_sub(before)) as f64 / 1000.0 / ids.len().max(1) as f64
    );
    for (name, bytes) in files {
        println!("  {name}: {:.1} MB", bytes as f64 / 1e6);
    }

    let library = Library::open(&path).await.expect("library");
    let used = ids.len().div_ceil(250).min(spoken_words.len());
    let mut queries: Vec<(String, &str)> = Vec::new();
    for w in &spoken_words[..used.min(5)] {
        queries.push((w.clone(), "spoken only"));
    }
    for rank in [3u64, 40, 400, 4_000, 15_000] {
        queries.push((word(rank), "one word"));
        queries.push((word(rank).chars().take(3).collect(), "prefix"));
        queries.push((format!("{} {}", word(rank), word(rank + 7)), "two words"));
    }
    println!("with {} transcripts:", ids.len());
    time_searches(&library, &queries, true).await;
    library.close().await;
}

/// Runs `queries` three times (after one warming run) and prints the median and worst time,
/// overall and per kind.
async fn time_searches(library: &Library, queries: &[(String, &str)], transcripts: bool) {
    for (q, _) in queries {
        library.search(q, 50).await.expect("search");
    }
    let mut times: Vec<(Duration, &str, usize, usize)> = Vec::new();
    for round in 0..3 {
        for (q, kind) in queries {
            let started = Instant::now();
            let found = library.search(q, 50).await.expect("search");
            let took = started.elapsed();
            let with_times = found
                .episodes
                .iter()
                .filter(|h| h.transcript_secs.is_some())
                .count();
            if transcripts && round == 0 && *kind == "spoken only" {
                assert!(with_times > 0, "{q} was spoken");
            }
            times.push((took, kind, found.episodes.len(), with_times));
        }
    }
    times.sort_by_key(|t| t.0);
    let median = times[times.len() / 2].0;
    let worst = times[times.len() - 1];
    println!(
        "  {} searches (limit 50): median {:.2} ms, worst {:.2} ms ({}, {} hits, {} in transcripts)",
        times.len(),
        median.as_secs_f64() * 1000.0,
        worst.0.as_secs_f64() * 1000.0,
        worst.1,
        worst.2,
        worst.3
    );
    for kind in ["spoken only", "one word", "prefix", "two words"] {
        let mut these: Vec<Duration> = times.iter().filter(|t| t.1 == kind).map(|t| t.0).collect();
        if these.is_empty() {
            continue;
        }
        these.sort();
        println!(
            "    {kind:<12} median {:>6.2} ms",
            these[these.len() / 2].as_secs_f64() * 1000.0
        );
    }
}
