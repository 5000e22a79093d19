//! The library journey, in the real app over WebDriver: import an OPML file with three shows,
//! watch them arrive, find an episode by a word that appears only in its notes, check that a
//! feed's hostile show notes stay inert (a canary proves no script ran), see a feed that the
//! server has taken down (410) offered for unsubscribing, and unsubscribe; then choose the dark
//! theme and a skip length, restart, and find both kept.

mod common;

use std::time::{Duration, Instant};

use common::*;
use earshot_testkit::{FixtureServer, Route};
use fantoccini::{Client, Locator};

/// A word no other show or episode contains, only in one episode's notes.
const NOTES_ONLY_WORD: &str = "zyzzyvaquartz";

fn show_feed(base: &str, title: &str, guid: &str) -> String {
    FEED_TEMPLATE
        .replace("{{BASE}}", base)
        .replace(
            "<title>The Backend Hour</title>",
            &format!("<title>{title}</title>"),
        )
        .replace("4a6d3c2e-4c1b-5b0e-9a77-2d1c0f3e8b11", guid)
}

/// Show notes written to attack the page: scripts, handlers, `javascript:` links, frames, forms,
/// styles. Each would set `window.__pwned` or change the title if it ran.
fn hostile_feed(base: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel>
  <title>Hostile Notes</title>
  <link>{base}/</link>
  <description><![CDATA[<img src=x onerror="window.__pwned='show'">Trust us.]]></description>
  <item>
    <title>Perfectly normal episode</title>
    <guid>hostile-1</guid>
    <pubDate>Wed, 25 Nov 2026 09:00:00 +0000</pubDate>
    <enclosure url="{base}/audio/h1.mp3" type="audio/mpeg" length="1000"/>
    <content:encoded><![CDATA[
      <p>Today: the {NOTES_ONLY_WORD} saga.</p>
      <script>window.__pwned = 'script'; document.title = 'pwned';</script>
      <img src="x" onerror="window.__pwned = 'onerror'">
      <p onmouseover="window.__pwned = 'handler'">Hover me</p>
      <a href="javascript:window.__pwned='link'" data-testid="evil-link">Click for more</a>
      <iframe src="javascript:parent.__pwned='iframe'"></iframe>
      <form action="javascript:window.__pwned='form'"><button>Go</button></form>
      <style>body {{ display: none !important; }}</style>
      <svg><script>window.__pwned = 'svg'</script></svg>
      <a href="https://example.com/ok">a fine link</a>
    ]]></content:encoded>
  </item>
</channel>
</rss>"#
    )
}

/// Chooses `file` in the OPML file input, as picking it in the file dialog would (WebDriver
/// sets a file input's files from a path typed into it).
async fn choose_opml(client: &Client, file: &std::path::Path) {
    client
        .execute(
            "document.querySelector('[data-testid=opml-file]').hidden = false; return true;",
            vec![],
        )
        .await
        .expect("file input shown");
    let input = client
        .find(Locator::Css("[data-testid=opml-file]"))
        .await
        .expect("file input");
    input
        .send_keys(&file.to_string_lossy())
        .await
        .expect("file chosen");
}

async fn canary(client: &Client) -> serde_json::Value {
    client
        .execute(
            "return { pwned: window.__pwned ?? null, title: document.title };",
            vec![],
        )
        .await
        .expect("canary read")
}

#[tokio::test(flavor = "multi_thread")]
async fn import_search_hostile_notes_and_a_gone_feed() {
    let started = Instant::now();
    let data = tempfile::tempdir().expect("data dir");
    let server = FixtureServer::start().await.expect("server");
    let base = server.base();
    server.route(
        "/alpha.xml",
        Route::ok(
            "application/rss+xml",
            show_feed(&base, "Alpha Hour", "e2e-alpha"),
        ),
    );
    server.route(
        "/gone.xml",
        Route::ok(
            "application/rss+xml",
            show_feed(&base, "Soon Gone", "e2e-gone"),
        ),
    );
    let icon =
        std::fs::read(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("icons/icon.png"))
            .expect("icon");
    server.route("/artwork.png", Route::ok("image/png", icon));
    server.route(
        "/hostile.xml",
        Route::ok("application/rss+xml", hostile_feed(&base)),
    );
    let opml = format!(
        r#"<?xml version="1.0"?><opml version="2.0"><head><title>mine</title></head><body>
        <outline text="Podcasts">
          <outline type="rss" text="Alpha" xmlUrl="{base}/alpha.xml"/>
          <outline type="rss" text="Hostile" xmlUrl="{base}/hostile.xml"/>
          <outline type="rss" text="Gone" xmlUrl="{base}/gone.xml"/>
          <outline type="rss" text="Broken entry" xmlUrl="not a url at all"/>
        </outline></body></opml>"#
    );

    let (_xvfb, display) = display();
    let driver = start_driver(&display, data.path());
    let client = launch(&driver).await;
    eventually("the empty library", Duration::from_secs(30), || async {
        client
            .find(Locator::Css("[data-testid=add-podcast]"))
            .await
            .ok()
    })
    .await;
    let title_before = canary(&client).await["title"].clone();

    // Import: three shows arrive with their real titles; the broken entry is reported.
    let opml_file = data.path().join("subscriptions.opml");
    std::fs::write(&opml_file, &opml).expect("OPML written");
    choose_opml(&client, &opml_file).await;
    let notice = eventually("the import summary", Duration::from_secs(60), || async {
        text_of(&client, "[data-testid=notice]")
            .await
            .filter(|n| n.starts_with("Added"))
    })
    .await;
    assert!(notice.contains("Added 3 shows"), "{notice}");
    assert!(notice.contains("1 skipped"), "{notice}");
    // Each tile takes its show's real title when its first fetch is stored.
    let expected = vec!["Alpha Hour", "Hostile Notes", "Soon Gone"];
    let shows = eventually(
        "three shows in the sidebar, with their feeds' titles",
        Duration::from_secs(30),
        || async {
            let titles = texts_of(&client, "nav .shows button span").await;
            (titles == expected).then_some(titles)
        },
    )
    .await;
    assert_eq!(shows, expected);
    // Imported shows get their artwork on their first fetch (the hostile feed has none).
    let artwork = eventually(
        "the imported shows' artwork",
        Duration::from_secs(20),
        || async {
            let count = client
                .execute(
                    "return document.querySelectorAll('nav .shows img').length;",
                    vec![],
                )
                .await
                .ok()?
                .as_u64()?;
            (count == 2).then_some(count)
        },
    )
    .await;
    assert_eq!(artwork, 2);

    // Search by a word that is only in one episode's notes; Enter opens it.
    let search = client
        .find(Locator::Css("[data-testid=search-input]"))
        .await
        .expect("search box");
    search.click().await.expect("search focused");
    search
        .send_keys(&NOTES_ONLY_WORD[..7])
        .await
        .expect("typed");
    let hits = eventually("a search result", Duration::from_secs(10), || async {
        let hits = texts_of(&client, "[data-testid=search-episode]").await;
        (!hits.is_empty()).then_some(hits)
    })
    .await;
    assert_eq!(hits.len(), 1, "{hits:?}");
    assert!(hits[0].contains("Perfectly normal episode"), "{hits:?}");
    assert!(hits[0].contains("Hostile Notes"), "{hits:?}");
    screenshot(&client, "search.png").await;
    search.send_keys(ENTER).await.expect("Enter");
    eventually(
        "the hostile show's page",
        Duration::from_secs(10),
        || async {
            text_of(&client, "[data-testid=show-title]")
                .await
                .filter(|t| t == "Hostile Notes")
        },
    )
    .await;

    // The notes are open (search opened them) and inert.
    let notes = eventually("the episode's notes", Duration::from_secs(10), || async {
        client
            .execute(
                "const n = document.querySelector('[data-testid=episode] .notes, [data-testid=episode-notes]'); return n ? n.innerHTML : null;",
                vec![],
            )
            .await
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .filter(|html| html.contains(NOTES_ONLY_WORD))
    })
    .await;
    for banned in [
        "<script",
        "onerror",
        "onmouseover",
        "javascript:",
        "<iframe",
        "<form",
        "<style",
        "<svg",
    ] {
        assert!(!notes.contains(banned), "{banned} survived: {notes}");
    }
    assert!(notes.contains("https://example.com/ok"), "{notes}");
    // Hover and click what is left where the attacks were.
    if let Ok(link) = client.find(Locator::LinkText("Click for more")).await {
        let _ = link.click().await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let after = canary(&client).await;
    assert_eq!(
        after["pwned"],
        serde_json::Value::Null,
        "a script ran: {after}"
    );
    assert_eq!(after["title"], title_before, "the title changed: {after}");
    screenshot(&client, "hostile-notes.png").await;

    // The publisher takes a feed down: refresh says so and offers to unsubscribe.
    server.route("/gone.xml", Route::status(410));
    let gone_button = client
        .find(Locator::XPath("//nav//button[.//span[text()='Soon Gone']]"))
        .await
        .expect("the gone show in the sidebar");
    gone_button.click().await.expect("opened");
    eventually("the gone show's page", Duration::from_secs(10), || async {
        text_of(&client, "[data-testid=show-title]")
            .await
            .filter(|t| t == "Soon Gone")
    })
    .await;
    click(&client, "[data-testid=refresh-show]").await;
    let banner = eventually("the gone banner", Duration::from_secs(20), || async {
        text_of(&client, "[data-testid=show-gone]").await
    })
    .await;
    assert!(banner.contains("taken this feed down"), "{banner}");
    screenshot(&client, "gone-feed.png").await;
    client
        .execute("window.confirm = () => true; return true;", vec![])
        .await
        .expect("confirmation answered");
    click(&client, "[data-testid=show-gone] button").await;
    let remaining = eventually("two shows left", Duration::from_secs(10), || async {
        let titles = texts_of(&client, "nav .shows button span").await;
        (titles.len() == 2).then_some(titles)
    })
    .await;
    assert_eq!(remaining, vec!["Alpha Hour", "Hostile Notes"]);

    // A show with 5,000 episodes: the first rows appear quickly, more arrive on scrolling.
    server.route(
        "/long.xml",
        Route::ok(
            "application/rss+xml",
            numbered_feed(&base, "long", "Long Show", "Long episode", 5_000),
        ),
    );
    click(&client, "[data-testid=add-podcast]").await;
    add_podcast(&client, &server.url("/long.xml")).await;
    eventually("the long show's page", Duration::from_secs(60), || async {
        text_of(&client, "[data-testid=show-title]")
            .await
            .filter(|t| t == "Long Show")
    })
    .await;
    // Measured in the page: from the click on the show to its first rows on screen.
    client
        .find(Locator::XPath(
            "//nav//button[.//span[text()='Alpha Hour']]",
        ))
        .await
        .expect("another show")
        .click()
        .await
        .expect("opened");
    eventually("another show's page", Duration::from_secs(10), || async {
        text_of(&client, "[data-testid=show-title]")
            .await
            .filter(|t| t == "Alpha Hour")
    })
    .await;
    let first_rows_ms = client
        .execute_async(
            r#"const done = arguments[arguments.length - 1];
            const button = [...document.querySelectorAll('nav .shows button')]
                .find(b => b.textContent.includes('Long Show'));
            const start = performance.now();
            button.click();
            (function check() {
                const title = document.querySelector('[data-testid=show-title]');
                const row = document.querySelector('[data-testid=episode] [data-testid=episode-title]');
                if (title && title.textContent === 'Long Show' && row && row.textContent === 'Long episode 5000') {
                    done(performance.now() - start);
                } else {
                    requestAnimationFrame(check);
                }
            })();"#,
            vec![],
        )
        .await
        .expect("first rows timed")
        .as_f64()
        .expect("milliseconds");
    println!("e2e: first rows of a 5,000-episode show after {first_rows_ms:.0} ms");
    let count = text_of(&client, "[data-testid=episode-count]")
        .await
        .expect("count");
    // Shown of all, as the directory page Earshot is modelled on counts them.
    assert_eq!(count, "(100/5000)");
    let loaded = texts_of(&client, "[data-testid=episode]").await.len();
    assert!(loaded <= 200, "{loaded} rows rendered up front");
    client
        .execute(
            "document.querySelector('main.content').scrollTop = 1e9; return true;",
            vec![],
        )
        .await
        .expect("scrolled");
    let more = eventually(
        "more rows after scrolling",
        Duration::from_secs(10),
        || async {
            let rows = texts_of(&client, "[data-testid=episode]").await.len();
            (rows > loaded).then_some(rows)
        },
    )
    .await;
    assert!(more > loaded);
    screenshot(&client, "long-show.png").await;

    // Settings: the dark theme applies at once and survives a restart; so does a skip length.
    click(&client, "[data-testid=open-settings]").await;
    eventually("the settings page", Duration::from_secs(10), || async {
        client
            .find(Locator::Css("[data-testid=theme-dark]"))
            .await
            .ok()
    })
    .await;
    screenshot(&client, "settings-light.png").await;
    click(&client, "[data-testid=theme-dark]").await;
    // Typing into a number field is unreliable over WebKitWebDriver; set it as an edit would.
    client
        .execute(
            "const f = document.querySelector('[data-testid=setting-skip-forward]'); \
             f.value = '45'; f.dispatchEvent(new Event('change', { bubbles: true })); return true;",
            vec![],
        )
        .await
        .expect("skip length changed");
    let theme = || async {
        client
            .execute("return document.documentElement.dataset.theme;", vec![])
            .await
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
    };
    let now_dark = eventually("the dark theme", Duration::from_secs(5), || async {
        theme().await.filter(|t| t == "dark")
    })
    .await;
    assert_eq!(now_dark, "dark");
    eventually("the setting saved", Duration::from_secs(5), || async {
        text_of(&client, "[data-testid=settings-page] .saved")
            .await
            .filter(|t| t == "Saved")
    })
    .await;
    screenshot(&client, "settings-dark.png").await;
    client
        .find(Locator::XPath(
            "//nav//button[.//span[text()='Alpha Hour']]",
        ))
        .await
        .expect("a show in the sidebar")
        .click()
        .await
        .expect("opened");
    eventually("the show page", Duration::from_secs(10), || async {
        text_of(&client, "[data-testid=show-title]").await
    })
    .await;
    screenshot(&client, "show-page-dark.png").await;
    let _ = client.close().await;

    drop(driver);
    let driver = start_driver(&display, data.path());
    let client = launch(&driver).await;
    let restored = eventually(
        "the theme after a restart",
        Duration::from_secs(30),
        || async {
            client
                .execute("return document.documentElement.dataset.theme;", vec![])
                .await
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .filter(|t| t == "dark")
        },
    )
    .await;
    assert_eq!(restored, "dark");
    click(&client, "[data-testid=open-settings]").await;
    let kept = eventually(
        "the skip length after a restart",
        Duration::from_secs(10),
        || async {
            let field = client
                .find(Locator::Css("[data-testid=setting-skip-forward]"))
                .await
                .ok()?;
            field.prop("value").await.ok().flatten()
        },
    )
    .await;
    assert_eq!(kept, "45");
    let _ = client.close().await;
    println!(
        "e2e library journey wall time: {:.1} s",
        started.elapsed().as_secs_f64()
    );
}
