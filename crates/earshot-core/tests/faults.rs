//! The fault matrix: every way a feed server can misbehave, against the real test server, in
//! ONE refresh of everything. Each broken feed gets its own clear outcome, recorded on its show
//! with its episodes kept; the healthy feeds in the same refresh are stored as if nothing
//! happened.
//!
//! Not covered: an http→https upgrade (it needs TLS, and the test server is plain loopback).

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use earshot_core::{
    Core, CoreConfig, EpisodeId, ErrorCode, FetchOptions, RefreshOutcome, ShowId, ShowRefreshed,
};
use earshot_testkit::{FixtureServer, Route};

/// When every show is subscribed.
const NOW: i64 = 1_795_000_000;
/// When the refresh under test runs.
const THEN: i64 = NOW + 60;
const RSS: &str = "application/rss+xml";
/// Episodes in the fixture feed.
const EPISODES: usize = 24;
/// `FEED_LIMIT_BYTES`, 50 MB.
const LIMIT: usize = 50_000_000;

/// The fixture show as show `key`: its own title and its own `podcast:guid`, so that it is a
/// show of its own and not the same show under another address.
fn feed(base: &str, key: &str) -> String {
    earshot_testkit::fixture_show(base, &title(key), &format!("faults-{key}"))
}

fn title(key: &str) -> String {
    format!("Faults {key}")
}

fn path(key: &str) -> String {
    format!("/{key}.xml")
}

/// The same feed with one more episode, `episode`, at the top.
fn with_new_episode(feed: &str, episode: &str) -> String {
    feed.replacen(
        "    <item>",
        &format!(
            "    <item>\n      <title>{episode}</title>\n      <guid>new-1</guid>\n      <pubDate>Wed, 25 Nov 2026 09:00:00 +0000</pubDate>\n      <enclosure url=\"http://example.invalid/new.mp3\" type=\"audio/mpeg\"/>\n    </item>\n    <item>"
        ),
        1,
    )
}

/// `text` as ISO-8859-1 bytes (every character must be in Latin-1).
fn latin1(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| u8::try_from(u32::from(c)).expect("a Latin-1 character"))
        .collect()
}

/// Show `key` in a feed that says it is UTF-8 but is not: bytes that are not UTF-8 in the show's
/// title, in an old episode's title ("Why Postgres Vacuums") and in a new episode's.
fn invalid_utf8_titles(base: &str, key: &str) -> Vec<u8> {
    let text = with_new_episode(&feed(base, key), "Bad BYTES episode")
        .replace(
            &format!("<title>{}</title>", title(key)),
            "<title>Bad BYTES show</title>",
        )
        .replace(
            "<title>Why Postgres Vacuums</title>",
            "<title>Why Postgres BYTES Vacuums</title>",
        );
    replace_bytes(text.as_bytes(), b"BYTES", b"\xff\xfe")
}

/// A chain of `hops` permanent redirects from `/{key}.xml` to `/{key}-{hops}.xml`, which serves
/// `body`. Returns the address at the end of the chain.
fn chain(server: &FixtureServer, key: &str, hops: usize, body: &str) -> String {
    for hop in 0..hops {
        let from = if hop == 0 {
            path(key)
        } else {
            format!("/{key}-{hop}.xml")
        };
        // Both permanent kinds.
        let status = if hop % 2 == 0 { 301 } else { 308 };
        server.route(
            &from,
            Route::redirect(status, &format!("/{key}-{}.xml", hop + 1)),
        );
    }
    let end = format!("/{key}-{hops}.xml");
    server.route(&end, Route::ok(RSS, body));
    server.url(&end)
}

async fn open(dir: &Path) -> Core {
    Core::open(CoreConfig {
        data_dir: dir.to_path_buf(),
        user_agent: "earshot-tests".into(),
        directories: earshot_core::directory::DirectoryEndpoints::from_env(),
        // Short, so that the stalled server is given up on quickly.
        fetch: FetchOptions {
            connect_timeout: Duration::from_secs(2),
            read_timeout: Duration::from_secs(2),
            request_timeout: Duration::from_secs(5),
        },
        media: Default::default(),
    })
    .await
    .expect("core opens")
}

/// What one show's refresh must come to.
#[derive(Debug, Clone)]
enum Expect {
    Unchanged,
    /// One new episode, with this title, now first.
    Updated(&'static str),
    /// Failed with this code and a message containing this.
    Failed(ErrorCode, &'static str),
    /// Either of the two acceptable ways with undecodable bytes: parsed (one new episode) or
    /// refused as not a feed.
    UpdatedOrNotAFeed,
}

/// Checks one show's outcome and what the library now holds for it against `expect`, given the
/// episodes it had before the refresh; returns what was wrong.
async fn check(
    core: &Core,
    results: &[ShowRefreshed],
    (key, id): (&str, ShowId),
    expect: &Expect,
    before: &[EpisodeId],
) -> Vec<String> {
    let mut wrong = Vec::new();
    let mut fail = |what: String| wrong.push(format!("{key}: {what}"));
    let found: Vec<&ShowRefreshed> = results.iter().filter(|r| r.show_id == id).collect();
    let [refreshed] = found[..] else {
        fail(format!("{} outcomes in the refresh, not one", found.len()));
        return wrong;
    };
    let outcome = &refreshed.outcome;
    let page = core.show_page(id).await.expect("show page");
    let show = &page.show;
    let after: Vec<EpisodeId> = page.episodes.iter().map(|e| e.id).collect();
    let lost = before.iter().filter(|id| !after.contains(id)).count();
    if lost > 0 {
        fail(format!("{lost} of its {} episodes were lost", before.len()));
    }
    let expect = match (expect, outcome) {
        (Expect::UpdatedOrNotAFeed, RefreshOutcome::Updated { .. }) => &Expect::Updated(""),
        (Expect::UpdatedOrNotAFeed, _) => &Expect::Failed(ErrorCode::NotAFeed, ""),
        (expect, _) => expect,
    };
    match expect {
        Expect::Unchanged | Expect::Updated(_) | Expect::UpdatedOrNotAFeed => {
            let (want, new) = match expect {
                Expect::Updated(_) => (RefreshOutcome::Updated { new_episodes: 1 }, 1),
                _ => (RefreshOutcome::Unchanged, 0),
            };
            if *outcome != want {
                fail(format!("expected {want:?}, got {outcome:?}"));
            }
            if after.len() != before.len() + new {
                fail(format!(
                    "{} episodes stored, expected {}",
                    after.len(),
                    before.len() + new
                ));
            }
            if let Expect::Updated(episode) = expect
                && !episode.is_empty()
                && page.episodes.first().map(|e| e.title.as_str()) != Some(*episode)
            {
                fail(format!(
                    "the first episode is {:?}, expected {episode:?}",
                    page.episodes.first().map(|e| &e.title)
                ));
            }
            if show.last_error.is_some() || show.last_error_at.is_some() {
                fail(format!("an error is recorded: {:?}", show.last_error));
            }
            if show.refreshed_at != Some(THEN) {
                fail(format!("refreshed_at is {:?}", show.refreshed_at));
            }
        }
        Expect::Failed(code, needle) => {
            let RefreshOutcome::Failed { code: got, message } = outcome else {
                fail(format!("expected Failed({code:?}), got {outcome:?}"));
                return wrong;
            };
            if got != code {
                fail(format!("expected {code:?}, got {got:?}: {message}"));
            }
            if !message.contains(needle) {
                fail(format!("the message {message:?} does not say {needle:?}"));
            }
            // Recorded on the show, and nothing else touched.
            if show.last_error.as_deref() != Some(message.as_str()) {
                fail(format!("last_error is {:?}", show.last_error));
            }
            if show.last_error_at != Some(THEN) {
                fail(format!("last_error_at is {:?}", show.last_error_at));
            }
            if show.refreshed_at != Some(NOW) {
                fail(format!("refreshed_at moved to {:?}", show.refreshed_at));
            }
            if after != before {
                fail(format!(
                    "its episodes changed: {} before, {} after",
                    before.len(),
                    after.len()
                ));
            }
            if show.title != title(key) {
                fail(format!("the title became {:?}", show.title));
            }
        }
    }
    let gone = matches!(
        outcome,
        RefreshOutcome::Failed {
            code: ErrorCode::Gone,
            ..
        }
    );
    if !gone && show.gone_at.is_some() {
        fail(format!("gone_at is set ({:?}) without a 410", show.gone_at));
    }
    wrong
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_fault_gets_its_outcome_and_the_other_feeds_are_stored() {
    let server = FixtureServer::start().await.expect("server");
    // A second server, on its own port, that will be gone when the refresh runs.
    let lost = FixtureServer::start().await.expect("second server");
    let base = server.base();
    let dir = tempfile::tempdir().expect("dir");
    let core = open(dir.path()).await;

    // Every show is healthy when subscribed.
    let keys = [
        // Healthy in the refresh.
        "steady",
        "growing",
        "gzipped",
        "latin1",
        // Broken in the refresh.
        "reset",
        "hangup",
        "stall",
        "error500",
        "missing404",
        "gone410",
        "busy429",
        "huge",
        "huge-chunked",
        "bomb",
        "webpage",
        "garbage",
        "empty",
        "bad-utf8",
        // Redirected in the refresh.
        "moved301",
        "temporary302",
        "chain3",
        "mixed",
        "chain10",
        "chain11",
        "loop",
    ];
    let mut ids: HashMap<&str, ShowId> = HashMap::new();
    for key in keys {
        server.route(&path(key), Route::ok(RSS, feed(&base, key)));
        let show = core
            .subscribe(&server.url(&path(key)), NOW)
            .await
            .unwrap_or_else(|e| panic!("subscribing to {key}: {e}"));
        assert_eq!(show.episode_count as usize, EPISODES, "{key}");
        ids.insert(key, show.id);
    }
    lost.route(
        "/refused.xml",
        Route::ok(RSS, feed(&lost.base(), "refused")),
    );
    let refused = core
        .subscribe(&lost.url("/refused.xml"), NOW)
        .await
        .expect("subscribing to refused");
    ids.insert("refused", refused.id);
    assert_eq!(core.shows().await.expect("shows").len(), keys.len() + 1);
    let mut before: HashMap<&str, Vec<EpisodeId>> = HashMap::new();
    for (key, id) in &ids {
        let page = core.show_page(*id).await.expect("show page");
        assert_eq!(page.episodes.len(), EPISODES, "{key}");
        before.insert(key, page.episodes.iter().map(|e| e.id).collect());
    }

    // Now each turns into its case.
    let mut expect: HashMap<&str, Expect> = HashMap::new();
    use ErrorCode::*;
    use Expect::{Failed, Unchanged, Updated};

    expect.insert("steady", Unchanged);
    let grown = |key: &str, episode: &str| with_new_episode(&feed(&base, key), episode);
    server.route(
        "/growing.xml",
        Route::ok(RSS, grown("growing", "Brand New")),
    );
    expect.insert("growing", Updated("Brand New"));
    server.route(
        "/gzipped.xml",
        Route::ok(RSS, grown("gzipped", "Sent Gzipped")).with_gzip(),
    );
    expect.insert("gzipped", Updated("Sent Gzipped"));
    let western = grown("latin1", "Crème brûlée")
        .replace(
            r#"<?xml version="1.0" encoding="UTF-8"?>"#,
            r#"<?xml version="1.0" encoding="ISO-8859-1"?>"#,
        )
        .replace(
            &format!("<title>{}</title>", title("latin1")),
            "<title>Café Olé</title>",
        );
    server.route("/latin1.xml", Route::ok(RSS, latin1(&western)));
    expect.insert("latin1", Updated("Crème brûlée"));

    lost.shutdown().await;
    expect.insert("refused", Failed(Network, "no connection could be made"));
    server.route(
        "/reset.xml",
        Route::ok(RSS, grown("reset", "Never Arrives")).reset_after(1_000),
    );
    expect.insert("reset", Failed(Network, "Could not reach"));
    server.route("/hangup.xml", Route::hang_up());
    expect.insert("hangup", Failed(Network, "Could not reach"));
    server.route("/stall.xml", Route::stall());
    expect.insert("stall", Failed(Network, "took too long"));
    server.route("/error500.xml", Route::status(500));
    expect.insert("error500", Failed(HttpStatus, "500 Internal Server Error"));
    server.route("/missing404.xml", Route::status(404));
    expect.insert("missing404", Failed(HttpStatus, "404 Not Found"));
    server.route("/gone410.xml", Route::status(410));
    expect.insert("gone410", Failed(Gone, "410 Gone"));
    server.route(
        "/busy429.xml",
        Route::status(429).with_header("Retry-After", "3600"),
    );
    expect.insert("busy429", Failed(HttpStatus, "429 Too Many Requests"));
    // A real feed, padded past the limit: only its size is wrong. Once with a Content-Length,
    // once chunked, so that the limit is found by counting.
    let mut huge = feed(&base, "huge").into_bytes();
    huge.resize(LIMIT + 1_000_000, b' ');
    let huge = Route::ok(RSS, huge);
    server.route("/huge.xml", huge.clone());
    expect.insert("huge", Failed(TooLarge, "larger than the 50 MB limit"));
    server.route("/huge-chunked.xml", huge.chunked());
    expect.insert(
        "huge-chunked",
        Failed(TooLarge, "larger than the 50 MB limit"),
    );
    let bomb = Route::gzip_bomb(RSS, LIMIT + 10_000_000);
    assert!(bomb.body.len() < 200_000, "{} bytes", bomb.body.len());
    server.route("/bomb.xml", bomb);
    expect.insert("bomb", Failed(TooLarge, "larger than the 50 MB limit"));
    server.route(
        "/webpage.xml",
        Route::ok(
            "text/html; charset=utf-8",
            "<!doctype html><html><head><title>Moved</title></head><body>Our podcast has a new home</body></html>",
        ),
    );
    expect.insert("webpage", Failed(NotAFeed, "it is a web page"));
    let garbage: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    server.route("/garbage.xml", Route::ok(RSS, garbage));
    expect.insert("garbage", Failed(NotAFeed, "it is not XML"));
    server.route("/empty.xml", Route::ok(RSS, ""));
    expect.insert("empty", Failed(NotAFeed, "empty response"));
    // Invalid UTF-8 in a feed that says it is UTF-8, in titles: parsed or refused, either is
    // fine here, as long as nothing is lost and nothing else is disturbed. What becomes of the
    // titles is `invalid_utf8_in_titles_keeps_them_readable`, below.
    server.route(
        "/bad-utf8.xml",
        Route::ok(RSS, invalid_utf8_titles(&base, "bad-utf8")),
    );
    expect.insert("bad-utf8", Expect::UpdatedOrNotAFeed);

    // Redirects.
    server.route("/moved301.xml", Route::redirect(301, "/moved301-new.xml"));
    server.route("/moved301-new.xml", Route::ok(RSS, feed(&base, "moved301")));
    expect.insert("moved301", Unchanged);
    server.route(
        "/temporary302.xml",
        Route::redirect(302, "/temporary302-elsewhere.xml"),
    );
    server.route(
        "/temporary302-elsewhere.xml",
        Route::ok(RSS, grown("temporary302", "Temporarily Elsewhere")),
    );
    expect.insert("temporary302", Updated("Temporarily Elsewhere"));
    let chain3_end = chain(&server, "chain3", 3, &feed(&base, "chain3"));
    expect.insert("chain3", Unchanged);
    // Permanent, then temporary: the subscription follows only the permanent part.
    server.route("/mixed.xml", Route::redirect(301, "/mixed-1.xml"));
    server.route("/mixed-1.xml", Route::redirect(307, "/mixed-2.xml"));
    server.route(
        "/mixed-2.xml",
        Route::ok(RSS, grown("mixed", "Mixed Signals")),
    );
    expect.insert("mixed", Updated("Mixed Signals"));
    let chain10_end = chain(&server, "chain10", 10, &feed(&base, "chain10"));
    expect.insert("chain10", Unchanged);
    chain(&server, "chain11", 11, &feed(&base, "chain11"));
    expect.insert(
        "chain11",
        Failed(Network, "it redirects more than 10 times"),
    );
    server.route("/loop.xml", Route::redirect(302, "/loop-2.xml"));
    server.route("/loop-2.xml", Route::redirect(307, "/loop.xml"));
    expect.insert("loop", Failed(Network, "it redirects in a loop"));
    assert_eq!(expect.len(), ids.len());

    // ONE refresh of everything.
    let progress = Arc::new(Mutex::new(Vec::new()));
    let recorder = progress.clone();
    let started = Instant::now();
    let results = core
        .refresh_all(THEN, move |p| {
            recorder.lock().expect("progress").push((p.done, p.total))
        })
        .await
        .expect("refresh all");
    let took = started.elapsed();
    assert_eq!(results.len(), ids.len());
    let total = u32::try_from(ids.len()).expect("a small number");
    assert_eq!(
        progress.lock().expect("progress").last(),
        Some(&(total, total))
    );
    // The stalled server is given up on after its read timeout; it does not hold the refresh.
    assert!(took < Duration::from_secs(30), "the refresh took {took:?}");

    let mut wrong = Vec::new();
    let mut keys: Vec<&str> = ids.keys().copied().collect();
    keys.sort_unstable();
    for key in keys {
        wrong.extend(check(&core, &results, (key, ids[key]), &expect[key], &before[key]).await);
    }

    // Case by case, beyond the outcome.
    let show = |key: &'static str| {
        let core = core.clone();
        let id = ids[key];
        async move { core.show_page(id).await.expect("show page").show }
    };
    let latin = show("latin1").await;
    if latin.title != "Café Olé" {
        wrong.push(format!("latin1: the title is {:?}", latin.title));
    }
    let gone = show("gone410").await;
    if gone.gone_at != Some(THEN) {
        wrong.push(format!("gone410: gone_at is {:?}", gone.gone_at));
    }
    let feed_urls = [
        // A 301 moves the subscription; so does a chain of permanent redirects, to its end.
        ("moved301", server.url("/moved301-new.xml")),
        ("chain3", chain3_end),
        ("chain10", chain10_end),
        ("mixed", server.url("/mixed-1.xml")),
        // A 302 does not; nor does a failed fetch.
        ("temporary302", server.url("/temporary302.xml")),
        ("chain11", server.url("/chain11.xml")),
        ("loop", server.url("/loop.xml")),
        ("gone410", server.url("/gone410.xml")),
    ];
    for (key, want) in feed_urls {
        let got = show(key).await.feed_url;
        if got != want {
            wrong.push(format!("{key}: feed_url is {got}, expected {want}"));
        }
    }
    assert!(
        wrong.is_empty(),
        "the fault matrix found {} problem(s):\n  {}",
        wrong.len(),
        wrong.join("\n  ")
    );

    // The 429 asked for an hour: the next refresh does not even ask.
    let busy = ids["busy429"];
    let asked = |server: &FixtureServer| {
        server
            .requests()
            .iter()
            .filter(|r| r.starts_with("GET /busy429.xml"))
            .count()
    };
    let before = asked(&server);
    assert_eq!(
        core.refresh_show(busy, THEN + 60).await.expect("refresh"),
        RefreshOutcome::Deferred { until: THEN + 3600 }
    );
    assert_eq!(asked(&server), before, "a deferred feed was fetched");
    let page = core.show_page(busy).await.expect("page");
    assert_eq!(page.episodes.len(), EPISODES);
    assert!(page.show.last_error.is_some());
    // After the hour, it is fetched again; the server has recovered.
    server.route("/busy429.xml", Route::ok(RSS, feed(&base, "busy429")));
    assert_eq!(
        core.refresh_show(busy, THEN + 3600).await.expect("refresh"),
        RefreshOutcome::Unchanged
    );
    assert_eq!(asked(&server), before + 1);
    let show = core.show_page(busy).await.expect("page").show;
    assert_eq!(show.last_error, None);
    assert_eq!(show.refreshed_at, Some(THEN + 3600));
}

fn replace_bytes(haystack: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(haystack.len());
    let mut rest = haystack;
    while let Some(at) = rest.windows(from.len()).position(|w| w == from) {
        out.extend_from_slice(&rest[..at]);
        out.extend_from_slice(to);
        rest = &rest[at + from.len()..];
    }
    out.extend_from_slice(rest);
    out
}

/// A feed that declares UTF-8 but has undecodable bytes in a `<title>`: feed-rs alone would drop
/// the title, and the refresh would rename the show to its host and episodes to "Untitled
/// episode". Either outcome below is acceptable; losing the titles is not.
#[tokio::test]
async fn invalid_utf8_in_titles_keeps_them_readable() {
    let server = FixtureServer::start().await.expect("server");
    let base = server.base();
    let dir = tempfile::tempdir().expect("dir");
    let core = open(dir.path()).await;
    let key = "bad-utf8";
    server.route(&path(key), Route::ok(RSS, feed(&base, key)));
    let id = core
        .subscribe(&server.url(&path(key)), NOW)
        .await
        .expect("subscribed")
        .id;
    server.route(&path(key), Route::ok(RSS, invalid_utf8_titles(&base, key)));
    let outcome = core.refresh_show(id, THEN).await.expect("refresh");
    let page = core.show_page(id).await.expect("page");
    let titles: Vec<&str> = page.episodes.iter().map(|e| e.title.as_str()).collect();
    match outcome {
        RefreshOutcome::Failed {
            code: ErrorCode::NotAFeed,
            ..
        } => {
            assert_eq!(page.show.title, title(key));
            assert!(titles.contains(&"Why Postgres Vacuums"), "{titles:?}");
        }
        RefreshOutcome::Updated { new_episodes: 1 } => {
            let readable = |t: &str, start: &str| t.starts_with(start) && t.contains('\u{FFFD}');
            assert!(
                readable(&page.show.title, "Bad "),
                "the show is now called {:?}",
                page.show.title
            );
            assert!(readable(titles[0], "Bad "), "{titles:?}");
            assert!(
                titles.iter().any(|t| readable(t, "Why Postgres ")),
                "{titles:?}"
            );
            assert!(!titles.contains(&"Untitled episode"), "{titles:?}");
        }
        other => panic!("neither parsed nor refused as not a feed: {other:?}"),
    }
}
