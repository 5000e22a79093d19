//! The library's change stream over a real SQLite file and real HTTP: each write announces
//! exactly what it changed (which show, which episodes, how), and nothing more, so the app can
//! update one row instead of reloading every list.

use std::path::Path;

use earshot_core::{
    AtEnd, Change, Core, CoreConfig, EpisodeFilter, EpisodeId, EpisodeOrder, EpisodeQuery,
    Placement, Progress, RefreshOutcome, Retention,
};
use earshot_testkit::{FixtureServer, Route};
use tokio::sync::broadcast::Receiver;
use tokio::sync::broadcast::error::TryRecvError;

const NOW: i64 = 1_795_000_000;

async fn open(dir: &Path) -> Core {
    Core::open(CoreConfig::new(dir)).await.expect("core opens")
}

/// Every change announced so far.
fn drain(changes: &mut Receiver<Change>) -> Vec<Change> {
    let mut seen = Vec::new();
    loop {
        match changes.try_recv() {
            Ok(change) => seen.push(change),
            Err(TryRecvError::Empty | TryRecvError::Closed) => return seen,
            Err(TryRecvError::Lagged(n)) => panic!("missed {n} changes"),
        }
    }
}

fn with_new_episode(feed: &str) -> String {
    feed.replacen(
        "    <item>",
        "    <item>\n      <title>Brand New</title>\n      <guid>new-1</guid>\n      <pubDate>Wed, 25 Nov 2026 09:00:00 +0000</pubDate>\n      <enclosure url=\"http://example.invalid/new.mp3\" type=\"audio/mpeg\"/>\n    </item>\n    <item>",
        1,
    )
}

async fn first_episodes(core: &Core, show: earshot_core::ShowId, n: u32) -> Vec<EpisodeId> {
    core.episodes(
        show,
        EpisodeQuery {
            filter: EpisodeFilter::All,
            order: EpisodeOrder::Newest,
            offset: 0,
            limit: n,
        },
    )
    .await
    .expect("episodes")
    .episodes
    .iter()
    .map(|e| e.id)
    .collect()
}

#[tokio::test]
async fn each_write_announces_what_it_changed() {
    let server = FixtureServer::start().await.expect("server");
    let body = earshot_testkit::fixture_show(&server.base(), "Changes", "changes-guid");
    server.route("/feed.xml", Route::ok("application/rss+xml", body.clone()));
    let dir = tempfile::tempdir().expect("dir");
    let core = open(dir.path()).await;
    let mut changes = core.changes();

    // Subscribing: the feed stored with its 24 episodes, then the show announced as added.
    let show = core
        .subscribe(&server.url("/feed.xml"), NOW)
        .await
        .expect("subscribed");
    let seen = drain(&mut changes);
    let Some(Change::ShowRefreshed {
        show_id,
        new_episodes,
        changed_episodes,
    }) = seen.first()
    else {
        panic!("the feed's storing comes first: {seen:?}");
    };
    assert_eq!(*show_id, show.id);
    assert_eq!(new_episodes.len(), 24);
    assert!(changed_episodes.is_empty());
    assert!(seen.contains(&Change::ShowAdded { show_id: show.id }));
    assert!(seen.iter().all(|c| c.show() == Some(show.id)), "{seen:?}");

    // A place saved while playing: that episode's progress, and nothing else.
    let episodes = first_episodes(&core, show.id, 2).await;
    let place = Progress {
        position_secs: 42.0,
        played: false,
    };
    for second in [10.0, 20.0, 42.0] {
        core.save_progress(
            episodes[0],
            Progress {
                position_secs: second,
                ..place
            },
            NOW,
        )
        .await
        .expect("saved");
    }
    let seen = drain(&mut changes);
    assert_eq!(seen.len(), 3, "{seen:?}");
    assert_eq!(
        seen.last(),
        Some(&Change::ProgressSaved {
            show_id: show.id,
            episode_id: episodes[0],
            progress: place,
        })
    );

    // Played by hand: its row, and the show's unplayed count.
    core.set_played(episodes[1], true, NOW)
        .await
        .expect("played");
    let seen = drain(&mut changes);
    assert_eq!(
        seen,
        vec![
            Change::ProgressSaved {
                show_id: show.id,
                episode_id: episodes[1],
                progress: Progress {
                    position_secs: 0.0,
                    played: true
                },
            },
            Change::ShowUpdated { show_id: show.id },
        ]
    );

    // A refresh with one new episode names it; a nothing-changed refresh changes no rows.
    server.route(
        "/feed.xml",
        Route::ok("application/rss+xml", with_new_episode(&body)),
    );
    let outcome = core.refresh_show(show.id, NOW + 60).await.expect("refresh");
    assert_eq!(outcome, RefreshOutcome::Updated { new_episodes: 1 });
    let newest = first_episodes(&core, show.id, 1).await;
    let seen = drain(&mut changes);
    assert!(
        seen.contains(&Change::ShowRefreshed {
            show_id: show.id,
            new_episodes: newest.clone(),
            changed_episodes: Vec::new(),
        }),
        "{seen:?}"
    );
    core.refresh_show(show.id, NOW + 120)
        .await
        .expect("refresh");
    let seen = drain(&mut changes);
    assert_eq!(
        seen,
        vec![Change::ShowChecked {
            show_id: show.id,
            refreshed_at: NOW + 120
        }]
    );
    // A failure is shown on the show; the next good check clears it, and says so.
    server.route("/feed.xml", Route::status(500));
    core.refresh_show(show.id, NOW + 180)
        .await
        .expect("refresh");
    assert_eq!(
        drain(&mut changes),
        vec![Change::ShowUpdated { show_id: show.id }]
    );
    server.route(
        "/feed.xml",
        Route::ok("application/rss+xml", with_new_episode(&body)),
    );
    core.refresh_show(show.id, NOW + 240)
        .await
        .expect("refresh");
    assert!(drain(&mut changes).contains(&Change::ShowUpdated { show_id: show.id }));

    // Up Next: a change is announced; asking for the order it already has is not.
    core.enqueue(episodes[0], Placement::Last)
        .await
        .expect("queued");
    core.dequeue(newest[0]).await.expect("not queued anyway");
    assert_eq!(drain(&mut changes), vec![Change::QueueChanged]);

    // The end of an episode: Up Next moves on (and says so).
    let finished = core
        .episode_finished(newest[0], AtEnd::Continue, &Retention::default(), NOW)
        .await;
    assert_eq!(finished.next, Some(episodes[0]));
    assert_eq!(drain(&mut changes), vec![Change::QueueChanged]);
    let stopped = core
        .episode_finished(episodes[1], AtEnd::Stop, &Retention::default(), NOW)
        .await;
    assert_eq!(stopped.next, None);

    // Unsubscribing: the show goes, and Up Next with it.
    core.enqueue(episodes[1], Placement::Next)
        .await
        .expect("queued");
    drain(&mut changes);
    core.unsubscribe(show.id).await.expect("unsubscribed");
    let seen = drain(&mut changes);
    assert!(seen.contains(&Change::ShowRemoved { show_id: show.id }));
    assert!(seen.contains(&Change::QueueChanged));
}

#[tokio::test]
async fn episodes_by_id_come_back_in_the_order_asked() {
    let server = FixtureServer::start().await.expect("server");
    let body = earshot_testkit::fixture_show(&server.base(), "Rows", "rows-guid");
    server.route("/feed.xml", Route::ok("application/rss+xml", body));
    let dir = tempfile::tempdir().expect("dir");
    let core = open(dir.path()).await;
    let show = core
        .subscribe(&server.url("/feed.xml"), NOW)
        .await
        .expect("subscribed");
    // Checked just now: the next refresh of everything waits for its hour.
    assert_eq!(core.next_refresh_in(3600, 60, NOW + 600).await, 3000);
    core.import_opml(
        br#"<opml version="2.0"><body><outline xmlUrl="http://127.0.0.1:9/never.xml"/></body></opml>"#,
        NOW,
    )
    .await
    .expect("imported");
    // A show never checked is due a minute after start.
    assert_eq!(core.next_refresh_in(3600, 60, NOW + 600).await, 60);
    let mut ids = first_episodes(&core, show.id, 5).await;
    ids.reverse();
    ids.push(EpisodeId(999_999));
    let found = core.episodes_by_id(&ids).await.expect("episodes");
    assert_eq!(
        found.iter().map(|e| e.id).collect::<Vec<_>>(),
        ids[..5].to_vec()
    );
}
