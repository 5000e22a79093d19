//! `kill -9` in the middle of a refresh, again and again: the library must pass SQLite's
//! integrity check and FTS5's, and keep every subscription, episode, played mark and position.
//! The refresh is a real `earshot-cli refresh` process writing a real SQLite file.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use earshot_core::{Core, CoreConfig, EpisodeId, Progress, ShowId};
use earshot_testkit::{FixtureServer, Route};
use sqlx::Row;

const SHOWS: usize = 24;
const EPISODES: usize = 300;
const ROUNDS: u64 = 10;

/// A show whose every episode's notes change with `round`, so each refresh rewrites them all.
fn feed(base: &str, show: usize, round: u64) -> String {
    let mut xml = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"
     xmlns:podcast="https://podcastindex.org/namespace/1.0"><channel>
<title>Crash Show {show}</title><link>{base}/</link><description>Round {round}</description>
<podcast:guid>crash-{show}</podcast:guid>
"#
    );
    for episode in 0..EPISODES {
        xml.push_str(&format!(
            r#"<item><title>Show {show} episode {episode}</title><guid>s{show}-e{episode}</guid>
<pubDate>Mon, 02 Nov 2026 08:{m:02}:00 GMT</pubDate><itunes:duration>31:{m:02}</itunes:duration>
<enclosure url="{base}/audio/{show}/{episode}.mp3" length="1000" type="audio/mpeg"/>
<description><![CDATA[<p>Round {round}. In this episode we talk about <b>databases</b>, write-ahead logs,
crash safety and <a href="https://example.com/{episode}">links</a>.</p>
<p>12:26 Cost of fsync. 30:00 Questions. {filler}</p>]]></description></item>
"#,
            m = episode % 60,
            filler = "Lorem ipsum dolor sit amet, consectetur adipiscing elit. ".repeat(15),
        ));
    }
    xml.push_str("</channel></rss>\n");
    xml
}

fn serve_round(server: &FixtureServer, round: u64) {
    let base = server.base();
    for show in 0..SHOWS {
        server.route(
            &format!("/feed/{show}.xml"),
            Route::ok("application/rss+xml", feed(&base, show, round)),
        );
    }
}

fn cli(data: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_earshot-cli"));
    command
        .arg("--data-dir")
        .arg(data)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    command
}

/// A small deterministic generator, so a failure can be replayed.
fn next(seed: &mut u64) -> u64 {
    *seed ^= *seed << 13;
    *seed ^= *seed >> 7;
    *seed ^= *seed << 17;
    *seed
}

async fn check(data: &Path, saved: &[(EpisodeId, Progress)]) {
    let options = sqlx::sqlite::SqliteConnectOptions::new().filename(data.join("earshot.db"));
    let pool = sqlx::SqlitePool::connect_with(options)
        .await
        .expect("library opens");
    let integrity: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&pool)
        .await
        .expect("integrity check runs");
    assert_eq!(integrity, "ok");
    // The search index lives in its own file; check it as SQLite and as FTS5 sees it.
    let mut connection = pool.acquire().await.expect("connection");
    sqlx::query("ATTACH DATABASE ? AS search")
        .bind(
            data.join("earshot-search.db")
                .to_string_lossy()
                .into_owned(),
        )
        .execute(&mut *connection)
        .await
        .expect("search index attached");
    let integrity: String = sqlx::query_scalar("PRAGMA search.integrity_check")
        .fetch_one(&mut *connection)
        .await
        .expect("integrity check runs");
    assert_eq!(integrity, "ok");
    sqlx::query(
        "INSERT INTO search.episodes_fts (episodes_fts, rank) VALUES ('integrity-check', 1)",
    )
    .execute(&mut *connection)
    .await
    .expect("the search index is consistent");
    drop(connection);
    let shows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM shows")
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(shows, SHOWS as i64);
    let per_show = sqlx::query("SELECT show_id, COUNT(*) FROM episodes GROUP BY show_id")
        .fetch_all(&pool)
        .await
        .expect("counts");
    assert_eq!(per_show.len(), SHOWS);
    for row in per_show {
        assert_eq!(row.get::<i64, _>(1), EPISODES as i64);
    }
    for (episode, progress) in saved {
        let row = sqlx::query("SELECT position_secs, played FROM playback WHERE episode_id = ?")
            .bind(episode.0)
            .fetch_one(&pool)
            .await
            .expect("progress kept");
        assert_eq!(row.get::<f64, _>(0), progress.position_secs);
        assert_eq!(row.get::<bool, _>(1), progress.played);
    }
    pool.close().await;
}

async fn shows_at_round(data: &Path, round: u64) -> usize {
    let options = sqlx::sqlite::SqliteConnectOptions::new().filename(data.join("earshot.db"));
    let pool = sqlx::SqlitePool::connect_with(options)
        .await
        .expect("library opens");
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM shows WHERE description_html = ?")
        .bind(format!("<p>Round {round}</p>"))
        .fetch_one(&pool)
        .await
        .expect("count");
    pool.close().await;
    usize::try_from(count).expect("count")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_mid_refresh_loses_nothing() {
    let server = FixtureServer::start().await.expect("server");
    serve_round(&server, 0);
    let dir = tempfile::tempdir().expect("dir");
    let data = dir.path().join("library");

    // Subscribe to every show and keep a place in some episodes.
    let core = Core::open(CoreConfig::new(&data)).await.expect("core");
    for show in 0..SHOWS {
        core.subscribe(&server.url(&format!("/feed/{show}.xml")), 1_795_000_000)
            .await
            .expect("subscribed");
    }
    let mut saved = Vec::new();
    for show in [1, 5, 9, 17] {
        let page = core.show_page(ShowId(show)).await.expect("page");
        for (index, episode) in page.episodes.iter().take(5).enumerate() {
            let progress = Progress {
                position_secs: 100.0 * index as f64 + 0.5,
                played: index % 2 == 0,
            };
            core.save_progress(episode.id, progress, 1_795_000_100)
                .await
                .expect("saved");
            saved.push((episode.id, progress));
        }
    }
    core.close().await;
    check(&data, &saved).await;

    let mut seed = 0x5eed_u64;
    let mut killed_mid_refresh = 0;
    // Kills that landed after some feeds were written and before others.
    let mut torn = 0;
    for round in 1..=ROUNDS {
        serve_round(&server, round);
        let mut child = cli(&data).arg("refresh").spawn().expect("refresh starts");
        let delay = 150 + next(&mut seed) % 1200;
        tokio::time::sleep(Duration::from_millis(delay)).await;
        if child.try_wait().expect("status").is_none() {
            killed_mid_refresh += 1;
        }
        child.kill().expect("SIGKILL");
        child.wait().expect("reaped");
        check(&data, &saved).await;
        let updated = shows_at_round(&data, round).await;
        if updated > 0 && updated < SHOWS {
            torn += 1;
        }
    }
    println!(
        "{killed_mid_refresh} of {ROUNDS} kills landed during a refresh, {torn} between two feeds' writes"
    );
    assert!(torn >= 2, "too few kills landed among the writes");
    assert!(
        killed_mid_refresh >= ROUNDS / 2,
        "only {killed_mid_refresh} of {ROUNDS} kills landed during a refresh"
    );

    // A refresh left to finish brings everything to the latest round.
    let status = cli(&data).arg("refresh").status().expect("refresh runs");
    assert!(status.success());
    check(&data, &saved).await;
    let core = Core::open(CoreConfig::new(&data)).await.expect("core");
    for show in core.shows().await.expect("shows") {
        let page = core.show_page(show.id).await.expect("page");
        assert_eq!(page.show.description_html, format!("<p>Round {ROUNDS}</p>"));
        assert!(
            page.episodes
                .iter()
                .all(|e| e.notes_html.contains(&format!("Round {ROUNDS}.")))
        );
    }
    let hits = core.search("fsync", 5).await.expect("search");
    assert_eq!(hits.episodes.len(), 5);
    core.close().await;
}
