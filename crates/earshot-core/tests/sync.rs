//! Sync between two libraries, as two devices of one listener, against a real gpodder.net-API
//! server on loopback (gpodder-fastapi-router under uvicorn, installed by `cargo xtask setup`)
//! and against a stand-in for Nextcloud's gPodder Sync app (`earshot_testkit::sync`), which
//! follows that app's documented requests and answers because Nextcloud cannot run here.

use std::path::Path;

use earshot_core::sync::{Keyring, MemoryKeyring, SyncConfig};
use earshot_core::{
    Change, Core, CoreConfig, EpisodeId, ErrorCode, Progress, ShowId, SyncAccount, SyncKind,
    SyncProblemKind,
};
use earshot_testkit::sync::{FaultProxy, GpodderServer, NextcloudServer};
use earshot_testkit::{FixtureServer, Route};

const USER: &str = "ada";
const PASSWORD: &str = "correct horse";

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// One device: its own library and keyring.
struct Device {
    dir: tempfile::TempDir,
    keyring: MemoryKeyring,
    core: Core,
    name: &'static str,
}

impl Device {
    async fn new(name: &'static str) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let keyring = MemoryKeyring::default();
        let core = open(
            dir.path(),
            SyncConfig {
                keyring: Keyring::Memory(keyring.clone()),
                ..SyncConfig::default()
            },
        )
        .await;
        Self {
            dir,
            keyring,
            core,
            name,
        }
    }

    fn config(&self) -> SyncConfig {
        SyncConfig {
            keyring: Keyring::Memory(self.keyring.clone()),
            ..SyncConfig::default()
        }
    }

    /// Quits and starts again on the same library and keyring.
    async fn restart(&mut self, config: SyncConfig) {
        self.core.close().await;
        self.core = open(self.dir.path(), config).await;
    }

    fn account(&self, kind: SyncKind, server: &str) -> SyncAccount {
        SyncAccount {
            kind,
            server: server.to_string(),
            user: USER.to_string(),
            device: self.name.to_string(),
        }
    }

    async fn sign_in(&self, kind: SyncKind, server: &str, password: &str) {
        self.core
            .sync_login(self.account(kind, server), password, now())
            .await
            .expect("signed in");
    }

    async fn sync(&self) -> earshot_core::SyncReport {
        let report = self.core.sync_now(now()).await.expect("sync ran");
        assert_eq!(report.error, None, "{}'s sync: {report:?}", self.name);
        report
    }

    async fn show(&self, feed: &str) -> Option<ShowId> {
        self.core
            .library()
            .show_id_for_url(feed)
            .await
            .expect("library")
            .filter(|_| true)
    }

    async fn episode(&self, feed: &str, guid: &str) -> EpisodeId {
        let show = self.show(feed).await.expect("the show is here");
        self.core
            .show_page(show)
            .await
            .expect("show page")
            .episodes
            .into_iter()
            .find(|e| e.guid == guid)
            .map(|e| e.id)
            .expect("the episode is here")
    }

    async fn place(&self, feed: &str, guid: &str) -> Progress {
        let id = self.episode(feed, guid).await;
        self.core.episode(id).await.expect("episode").progress
    }

    async fn play(&self, feed: &str, guid: &str, position_secs: f64, at: i64) {
        let id = self.episode(feed, guid).await;
        self.core
            .save_progress(
                id,
                Progress {
                    position_secs,
                    played: false,
                },
                at,
            )
            .await
            .expect("place saved");
    }
}

async fn open(dir: &Path, sync: SyncConfig) -> Core {
    Core::open_with_sync(CoreConfig::new(dir), sync)
        .await
        .expect("core opens")
}

/// Two shows' feeds on loopback.
async fn feeds() -> (FixtureServer, String, String) {
    let server = FixtureServer::start().await.expect("feed server");
    for (path, title) in [
        ("/backend.xml", "The Backend Hour"),
        ("/other.xml", "Other Show"),
    ] {
        let body = earshot_testkit::fixture_show(&server.base(), title, &format!("guid-{path}"));
        server.route(path, Route::ok("application/rss+xml", body));
    }
    let (a, b) = (server.url("/backend.xml"), server.url("/other.xml"));
    (server, a, b)
}

async fn gpodder() -> GpodderServer {
    let server = GpodderServer::start().await;
    server.register(USER, PASSWORD).await;
    server
}

/// The server's episode actions from every device, as another client reads them.
async fn server_actions(server: &GpodderServer) -> Vec<serde_json::Value> {
    let (status, body) = server
        .call(
            "GET",
            &format!("/api/2/episodes/{USER}.json?since=0"),
            Some((USER, PASSWORD)),
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    body["actions"].as_array().cloned().unwrap_or_default()
}

const EPISODE: &str = "backend-show-024";

#[tokio::test]
async fn a_place_set_on_one_device_resumes_on_the_other() {
    let server = gpodder().await;
    let (_feeds, feed, _) = feeds().await;
    let a = Device::new("desk").await;
    let b = Device::new("laptop").await;
    a.sign_in(SyncKind::Gpodder, &server.base(), PASSWORD).await;
    a.core.subscribe(&feed, now()).await.expect("subscribed");
    a.play(&feed, EPISODE, 754.0, now()).await;
    let sent = a.sync().await;
    assert_eq!((sent.subscriptions_uploaded, sent.uploaded_actions), (1, 1));

    b.sign_in(SyncKind::Gpodder, &server.base(), PASSWORD).await;
    let mut changes = b.core.changes();
    let got = b.sync().await;
    assert_eq!(got.subscriptions_added, 1);
    assert_eq!(got.applied_actions, 1);
    assert_eq!(
        b.place(&feed, EPISODE).await,
        Progress {
            position_secs: 754.0,
            played: false
        },
        "B resumes at 12:34"
    );
    let episode = b.episode(&feed, EPISODE).await;
    let play = b.core.play_request(episode).await.expect("play request");
    assert_eq!(play.start_at_secs, 754.0);
    let mut seen = Vec::new();
    while let Ok(change) = changes.try_recv() {
        seen.push(change);
    }
    assert!(
        seen.iter().any(|c| matches!(c, Change::ShowAdded { .. })),
        "{seen:?}"
    );
    assert!(
        seen.iter().any(|c| matches!(c,
            Change::ProgressSaved { episode_id, progress, .. }
                if *episode_id == episode && progress.position_secs == 754.0)),
        "{seen:?}"
    );
    // Nothing B applied is sent back, and A does not apply its own action again.
    assert_eq!(b.core.sync_status().await.unwrap().pending_changes, 0);
    let again = a.sync().await;
    assert_eq!(again.applied_actions, 0, "{again:?}");
    assert_eq!(server_actions(&server).await.len(), 1);
}

#[tokio::test]
async fn a_first_sync_merges_both_sides_and_removes_nothing() {
    let server = gpodder().await;
    let (_feeds, first, second) = feeds().await;
    let a = Device::new("desk").await;
    let b = Device::new("laptop").await;
    a.core.subscribe(&first, now()).await.expect("subscribed");
    b.core.subscribe(&second, now()).await.expect("subscribed");
    a.sign_in(SyncKind::Gpodder, &server.base(), PASSWORD).await;
    a.sync().await;
    b.sign_in(SyncKind::Gpodder, &server.base(), PASSWORD).await;
    b.sync().await;
    a.sync().await;
    for device in [&a, &b] {
        assert!(device.show(&first).await.is_some(), "{}", device.name);
        assert!(device.show(&second).await.is_some(), "{}", device.name);
    }
}

#[tokio::test]
async fn a_show_removed_on_one_device_goes_on_the_other() {
    let server = gpodder().await;
    let (_feeds, feed, _) = feeds().await;
    let a = Device::new("desk").await;
    let b = Device::new("laptop").await;
    a.sign_in(SyncKind::Gpodder, &server.base(), PASSWORD).await;
    a.core.subscribe(&feed, now()).await.expect("subscribed");
    a.sync().await;
    b.sign_in(SyncKind::Gpodder, &server.base(), PASSWORD).await;
    b.sync().await;
    let on_b = b.show(&feed).await.expect("followed on B");

    b.core.unsubscribe(on_b).await.expect("unsubscribed");
    b.sync().await;
    let mut changes = a.core.changes();
    let got = a.sync().await;
    assert_eq!(got.subscriptions_removed, 1, "{got:?}");
    assert_eq!(a.show(&feed).await, None, "A no longer has it");
    assert!(matches!(changes.try_recv(), Ok(Change::ShowRemoved { .. })));
    // And it stays gone: the removal is not sent back and forth.
    assert_eq!(a.core.sync_status().await.unwrap().pending_changes, 0);
    b.sync().await;
    assert_eq!(b.show(&feed).await, None);
}

#[tokio::test]
async fn both_play_offline_and_the_later_action_wins_on_both() {
    let server = gpodder().await;
    let (_feeds, feed, _) = feeds().await;
    let a = Device::new("desk").await;
    let b = Device::new("laptop").await;
    a.sign_in(SyncKind::Gpodder, &server.base(), PASSWORD).await;
    a.core.subscribe(&feed, now()).await.expect("subscribed");
    a.sync().await;
    b.sign_in(SyncKind::Gpodder, &server.base(), PASSWORD).await;
    b.sync().await;

    // Offline: B plays later than A, but A is the last to sync.
    let t = now();
    a.play(&feed, EPISODE, 100.0, t + 10).await;
    b.play(&feed, EPISODE, 200.0, t + 20).await;
    // Another episode, where A is later.
    a.play(&feed, "backend-show-023", 300.0, t + 40).await;
    b.play(&feed, "backend-show-023", 50.0, t + 30).await;
    b.sync().await;
    a.sync().await;
    b.sync().await;
    for device in [&a, &b] {
        assert_eq!(
            device.place(&feed, EPISODE).await.position_secs,
            200.0,
            "{} keeps B's later place",
            device.name
        );
        assert_eq!(
            device.place(&feed, "backend-show-023").await.position_secs,
            300.0,
            "{} keeps A's later place",
            device.name
        );
    }
}

#[tokio::test]
async fn a_remote_position_in_the_closing_stretch_marks_the_episode_played() {
    let server = gpodder().await;
    let (_feeds, feed, _) = feeds().await;
    let a = Device::new("desk").await;
    a.sign_in(SyncKind::Gpodder, &server.base(), PASSWORD).await;
    a.core.subscribe(&feed, now()).await.expect("subscribed");
    a.sync().await;
    // A phone, through the API: 24:26 long, stopped 10 s before the end; and one marked new.
    let at = chrono::DateTime::from_timestamp(now() + 5, 0)
        .unwrap()
        .format("%Y-%m-%dT%H:%M:%S")
        .to_string();
    let (status, body) = server
        .call(
            "POST",
            &format!("/api/2/episodes/{USER}.json"),
            Some((USER, PASSWORD)),
            Some(serde_json::json!([{
                "podcast": feed, "episode": "ignored-when-the-guid-matches",
                "guid": EPISODE, "device": "phone", "action": "play",
                "timestamp": at, "started": 0, "position": 1456, "total": 1466
            }])),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    a.sync().await;
    assert_eq!(
        a.place(&feed, EPISODE).await,
        Progress {
            position_secs: 0.0,
            played: true
        }
    );
}

#[tokio::test]
async fn actions_made_while_the_server_is_down_arrive_once_after_a_restart() {
    let mut server = gpodder().await;
    let (_feeds, feed, _) = feeds().await;
    let mut a = Device::new("desk").await;
    a.sign_in(SyncKind::Gpodder, &server.base(), PASSWORD).await;
    a.core.subscribe(&feed, now()).await.expect("subscribed");
    a.sync().await;

    server.stop();
    let t = now();
    a.play(&feed, EPISODE, 60.0, t).await;
    a.play(&feed, EPISODE, 120.0, t + 1).await;
    a.play(&feed, "backend-show-023", 30.0, t + 1).await;
    let episode = a.episode(&feed, "backend-show-022").await;
    a.core
        .set_played(episode, true, t + 2)
        .await
        .expect("played");
    let report = a.core.sync_now(now()).await.expect("sync ran");
    let problem = report.error.expect("the server is down");
    assert_eq!(problem.kind, SyncProblemKind::Unreachable);
    assert!(
        problem.message.contains("the server could not be reached")
            && problem.message.contains("3 changes will be sent later"),
        "{}",
        problem.message
    );
    let status = a.core.sync_status().await.unwrap();
    assert_eq!(status.pending_changes, 3);
    assert_eq!(
        status.last_error.map(|e| e.kind),
        Some(SyncProblemKind::Unreachable)
    );

    // A quits, starts again, the server comes back.
    let config = a.config();
    a.restart(config).await;
    server.restart().await;
    let report = a.sync().await;
    assert_eq!(report.uploaded_actions, 3);
    let actions = server_actions(&server).await;
    let of = |guid: &str| {
        actions
            .iter()
            .filter(|x| x["guid"] == guid && x["device"] == "desk")
            .count()
    };
    assert_eq!(
        (of(EPISODE), of("backend-show-023"), of("backend-show-022")),
        (1, 1, 1),
        "{actions:#?}"
    );
    let latest = actions.iter().find(|x| x["guid"] == EPISODE).unwrap();
    assert_eq!(latest["position"], 120, "the newest place of the episode");
    let played = actions
        .iter()
        .find(|x| x["guid"] == "backend-show-022")
        .unwrap();
    assert_eq!(
        (played["position"].clone(), played["total"].clone()),
        (2210.into(), 2210.into())
    );
    assert_eq!(a.core.sync_status().await.unwrap().pending_changes, 0);
}

#[tokio::test]
async fn a_wrong_password_is_said_in_words_and_drops_nothing() {
    let server = gpodder().await;
    let (_feeds, feed, _) = feeds().await;
    let mut a = Device::new("desk").await;
    let refused = a
        .core
        .sync_login(a.account(SyncKind::Gpodder, &server.base()), "wrong", now())
        .await
        .expect_err("refused");
    assert_eq!(refused.code(), ErrorCode::SyncPasswordRefused);
    assert!(
        refused.to_string().contains("refused the password"),
        "{refused}"
    );
    assert_eq!(a.core.sync_status().await.unwrap().account, None);

    a.sign_in(SyncKind::Gpodder, &server.base(), PASSWORD).await;
    a.core.subscribe(&feed, now()).await.expect("subscribed");
    a.play(&feed, EPISODE, 42.0, now()).await;
    // The password changes under it (EARSHOT_SYNC_PASSWORD of a script, say).
    a.restart(SyncConfig {
        password_from_env: Some("wrong".into()),
        ..a.config()
    })
    .await;
    let report = a.core.sync_now(now()).await.expect("sync ran");
    let problem = report.error.expect("refused");
    assert_eq!(problem.kind, SyncProblemKind::PasswordRefused);
    assert!(
        problem
            .message
            .starts_with("the server refused the password"),
        "{}",
        problem.message
    );
    assert!(
        problem.message.ends_with("2 changes will be sent later"),
        "{}",
        problem.message
    );
    assert_eq!(a.core.sync_status().await.unwrap().pending_changes, 2);

    let config = a.config();
    a.restart(config).await;
    let report = a.sync().await;
    assert_eq!(
        (report.subscriptions_uploaded, report.uploaded_actions),
        (1, 1)
    );
    assert_eq!(server_actions(&server).await.len(), 1);
}

#[tokio::test]
async fn a_500_in_the_middle_of_an_upload_is_retried_without_duplicates() {
    let server = gpodder().await;
    let proxy = FaultProxy::start(&server.addr()).await.expect("proxy");
    let (_feeds, feed, _) = feeds().await;
    let dir = tempfile::tempdir().unwrap();
    let keyring = MemoryKeyring::default();
    let core = open(
        dir.path(),
        SyncConfig {
            keyring: Keyring::Memory(keyring),
            batch_size: 2,
            ..SyncConfig::default()
        },
    )
    .await;
    let account = SyncAccount {
        kind: SyncKind::Gpodder,
        server: proxy.base(),
        user: USER.into(),
        device: "desk".into(),
    };
    core.sync_login(account, PASSWORD, now())
        .await
        .expect("signed in");
    let show = core.subscribe(&feed, now()).await.expect("subscribed");
    let episodes = core.show_page(show.id).await.unwrap().episodes;
    let t = now();
    for (i, episode) in episodes.iter().take(5).enumerate() {
        let progress = Progress {
            position_secs: 10.0 * (i as f64 + 1.0),
            played: false,
        };
        core.save_progress(episode.id, progress, t + i as i64)
            .await
            .unwrap();
    }
    // The second batch of actions fails once.
    proxy.fail("POST", &format!("/api/2/episodes/{USER}.json"), 1, 1, 500);
    let report = core.sync_now(now()).await.expect("sync ran");
    let problem = report.error.clone().expect("the 500");
    assert_eq!(problem.kind, SyncProblemKind::ServerError);
    assert!(problem.message.contains("500"), "{}", problem.message);
    assert!(
        problem.message.ends_with("3 changes will be sent later"),
        "{}",
        problem.message
    );
    assert_eq!(report.uploaded_actions, 2);

    let report = core.sync_now(now()).await.expect("sync ran");
    assert_eq!(report.error, None);
    assert_eq!(report.uploaded_actions, 3);
    let actions = server_actions(&server).await;
    assert_eq!(actions.len(), 5, "each action once: {actions:#?}");
    let mut guids: Vec<&str> = actions.iter().filter_map(|a| a["guid"].as_str()).collect();
    guids.sort();
    guids.dedup();
    assert_eq!(guids.len(), 5);
}

#[tokio::test]
async fn a_sync_with_nothing_new_asks_each_endpoint_once() {
    let server = gpodder().await;
    let proxy = FaultProxy::start(&server.addr()).await.expect("proxy");
    let (_feeds, feed, _) = feeds().await;
    let a = Device::new("desk").await;
    a.sign_in(SyncKind::Gpodder, &proxy.base(), PASSWORD).await;
    a.core.subscribe(&feed, now()).await.expect("subscribed");
    a.play(&feed, EPISODE, 5.0, now()).await;
    a.sync().await;
    proxy.clear();
    let report = a.sync().await;
    assert_eq!((report.uploaded_actions, report.applied_actions), (0, 0));
    let mut asked = proxy.requests();
    asked.sort();
    let before = asked.len();
    asked.dedup();
    assert_eq!(asked.len(), before, "one request per endpoint: {asked:?}");
    assert!(asked.iter().all(|r| r.starts_with("GET ")), "{asked:?}");
}

// Nextcloud: the play and subscription scenarios against the stand-in.

const APP_PASSWORD: &str = "app-pass-xyz";

async fn nextcloud() -> NextcloudServer {
    NextcloudServer::start(USER, APP_PASSWORD)
        .await
        .expect("stand-in")
}

#[tokio::test]
async fn nextcloud_login_flow_gives_an_app_password_to_sign_in_with() {
    let cloud = nextcloud().await;
    let a = Device::new("desk").await;
    let flow = a
        .core
        .nextcloud_login_start(&cloud.base())
        .await
        .expect("flow started");
    assert!(flow.login_url.starts_with(&cloud.base()), "{flow:?}");
    assert_eq!(a.core.nextcloud_login_poll(&flow).await.unwrap(), None);
    cloud.grant();
    let grant = a
        .core
        .nextcloud_login_poll(&flow)
        .await
        .unwrap()
        .expect("granted");
    assert_eq!(
        (grant.login_name.as_str(), grant.app_password.as_str()),
        (USER, APP_PASSWORD)
    );
    let status = a
        .core
        .sync_login(
            SyncAccount {
                kind: SyncKind::Nextcloud,
                server: grant.server,
                user: grant.login_name,
                device: "desk".into(),
            },
            &grant.app_password,
            now(),
        )
        .await
        .expect("signed in");
    assert_eq!(status.account.map(|a| a.kind), Some(SyncKind::Nextcloud));
    assert_eq!(status.password, earshot_core::PasswordKept::Keyring);
}

#[tokio::test]
async fn nextcloud_a_place_set_on_one_device_resumes_on_the_other() {
    let cloud = nextcloud().await;
    let (_feeds, feed, _) = feeds().await;
    let a = Device::new("desk").await;
    let b = Device::new("laptop").await;
    a.sign_in(SyncKind::Nextcloud, &cloud.base(), APP_PASSWORD)
        .await;
    a.core.subscribe(&feed, now()).await.expect("subscribed");
    a.play(&feed, EPISODE, 754.0, now()).await;
    a.sync().await;
    assert_eq!(cloud.subscriptions(), vec![feed.clone()]);
    assert_eq!(cloud.actions().len(), 1);

    b.sign_in(SyncKind::Nextcloud, &cloud.base(), APP_PASSWORD)
        .await;
    let got = b.sync().await;
    assert_eq!((got.subscriptions_added, got.applied_actions), (1, 1));
    assert_eq!(b.place(&feed, EPISODE).await.position_secs, 754.0);
    // Our own upload coming back changes nothing.
    assert_eq!(a.sync().await.applied_actions, 0);
    assert_eq!(b.core.sync_status().await.unwrap().pending_changes, 0);
    let wrong = Device::new("other").await;
    let refused = wrong
        .core
        .sync_login(
            wrong.account(SyncKind::Nextcloud, &cloud.base()),
            "nope",
            now(),
        )
        .await
        .expect_err("refused");
    assert_eq!(refused.code(), ErrorCode::SyncPasswordRefused);
}

#[tokio::test]
async fn nextcloud_a_show_removed_on_one_device_goes_on_the_other() {
    let cloud = nextcloud().await;
    let (_feeds, feed, _) = feeds().await;
    let a = Device::new("desk").await;
    let b = Device::new("laptop").await;
    a.sign_in(SyncKind::Nextcloud, &cloud.base(), APP_PASSWORD)
        .await;
    a.core.subscribe(&feed, now()).await.expect("subscribed");
    a.sync().await;
    b.sign_in(SyncKind::Nextcloud, &cloud.base(), APP_PASSWORD)
        .await;
    b.sync().await;
    let on_b = b.show(&feed).await.expect("followed on B");
    b.core.unsubscribe(on_b).await.unwrap();
    b.sync().await;
    assert!(cloud.subscriptions().is_empty());
    let got = a.sync().await;
    assert_eq!(got.subscriptions_removed, 1);
    assert_eq!(a.show(&feed).await, None);
}

#[tokio::test]
async fn nextcloud_both_play_offline_and_the_later_action_wins_on_both() {
    let cloud = nextcloud().await;
    let (_feeds, feed, _) = feeds().await;
    let a = Device::new("desk").await;
    let b = Device::new("laptop").await;
    a.sign_in(SyncKind::Nextcloud, &cloud.base(), APP_PASSWORD)
        .await;
    a.core.subscribe(&feed, now()).await.expect("subscribed");
    a.sync().await;
    b.sign_in(SyncKind::Nextcloud, &cloud.base(), APP_PASSWORD)
        .await;
    b.sync().await;
    let t = now();
    a.play(&feed, EPISODE, 100.0, t + 10).await;
    b.play(&feed, EPISODE, 200.0, t + 20).await;
    b.sync().await;
    // A's older place must not replace B's newer one on the server, which keeps one per episode.
    a.sync().await;
    b.sync().await;
    for device in [&a, &b] {
        assert_eq!(
            device.place(&feed, EPISODE).await.position_secs,
            200.0,
            "{}",
            device.name
        );
    }
    assert_eq!(cloud.actions()[0]["position"], 200);
}

#[tokio::test]
async fn every_local_change_waits_in_the_library_once_and_only_while_signed_in() {
    let cloud = nextcloud().await;
    let (_feeds, feed, other) = feeds().await;
    let a = Device::new("desk").await;
    let pending = || async { a.core.sync_status().await.unwrap().pending_changes };
    // Not signed in: nothing is queued.
    let show = a.core.subscribe(&feed, now()).await.expect("subscribed");
    a.play(&feed, EPISODE, 10.0, now()).await;
    assert_eq!(pending().await, 0);
    // Signing in queues what is here for the first sync: the show and the place.
    a.sign_in(SyncKind::Nextcloud, &cloud.base(), APP_PASSWORD)
        .await;
    assert_eq!(pending().await, 2);
    // A newer place of the same episode replaces the older one; a refresh queues nothing.
    a.play(&feed, EPISODE, 20.0, now()).await;
    a.play(&feed, EPISODE, 30.0, now()).await;
    a.core
        .refresh_show(show.id, now())
        .await
        .expect("refreshed");
    assert_eq!(pending().await, 2);
    // A preview is not a subscription; following it is.
    let preview = a.core.preview(&other, now()).await.expect("previewed");
    assert_eq!(pending().await, 2);
    a.core.subscribe(&other, now()).await.expect("followed");
    assert_eq!(pending().await, 3);
    // Unfollowing replaces the follow that was never sent.
    a.core.unsubscribe(preview.id).await.expect("unsubscribed");
    assert_eq!(pending().await, 3);
    a.sync().await;
    assert_eq!(pending().await, 0);
    assert_eq!(cloud.subscriptions(), vec![feed.clone()]);
    assert_eq!(cloud.actions()[0]["position"], 30);
    // Signing out forgets the account and what waited for it.
    a.core.sync_logout().await.expect("signed out");
    assert_eq!(a.core.sync_status().await.unwrap().account, None);
    a.play(&feed, EPISODE, 40.0, now()).await;
    assert_eq!(pending().await, 0);
}
