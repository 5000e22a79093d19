//! `earshot-cli sync` and `mark` end to end: two library folders as two devices against the real
//! gpodder.net-API server on loopback (installed by `cargo xtask setup`). The password comes from
//! `EARSHOT_SYNC_PASSWORD` (never stored) and the session bus is removed, so no keyring is asked.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use earshot_testkit::sync::GpodderServer;
use earshot_testkit::{FixtureServer, Route};
use serde_json::Value;

const PASSWORD: &str = "correct horse";

fn cli(data: &Path, password: &str, args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_earshot-cli"))
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .env_remove("RUST_LOG")
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .env("EARSHOT_SYNC_PASSWORD", password)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("earshot-cli runs");
    if let Some(text) = stdin
        && let Some(mut input) = child.stdin.take()
    {
        input.write_all(text.as_bytes()).expect("stdin");
    }
    child.wait_with_output().expect("earshot-cli ends")
}

fn json(data: &Path, args: &[&str]) -> Value {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    let output = cli(data, PASSWORD, &all, None);
    assert!(
        output.status.success(),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "{args:?} printed no JSON ({e}): {}",
            String::from_utf8_lossy(&output.stdout)
        )
    })
}

fn episode<'a>(episodes: &'a Value, guid: &str) -> &'a Value {
    episodes
        .as_array()
        .and_then(|list| list.iter().find(|e| e["guid"] == guid))
        .expect("the episode is listed")
}

#[tokio::test(flavor = "multi_thread")]
async fn two_devices_sync_places_and_played_marks_from_the_command_line() {
    let server = GpodderServer::start().await;
    server.register("ada", PASSWORD).await;
    let feeds = FixtureServer::start().await.expect("feeds");
    let body = earshot_testkit::fixture_show(&feeds.base(), "CLI Sync", "cli-sync");
    feeds.route("/feed.xml", Route::ok("application/rss+xml", body));
    let feed = feeds.url("/feed.xml");
    let dir = tempfile::tempdir().expect("dir");
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));

    let status = json(&a, &["sync", "status"]);
    assert_eq!(status["signed_in"], false);
    let status = json(
        &a,
        &[
            "sync",
            "login",
            "--server",
            &server.base(),
            "--user",
            "ada",
            "--device",
            "desk",
        ],
    );
    assert_eq!(status["signed_in"], true);
    assert_eq!(status["password"], "environment");
    json(&a, &["subscribe", &feed]);
    let marked = json(&a, &["mark", "backend-show-024", "--position", "754"]);
    assert_eq!(marked["position_secs"], 754.0);
    assert_eq!(json(&a, &["sync", "status"])["pending_changes"], 2);
    let report = json(&a, &["sync"]);
    assert_eq!(report["uploaded_actions"], 1, "{report}");
    assert_eq!(report["error"], Value::Null);
    for key in [
        "downloaded_actions",
        "subscriptions_added",
        "subscriptions_removed",
    ] {
        assert!(report.get(key).is_some(), "{key} in {report}");
    }

    // B signs in with the password on stdin.
    let output = cli(
        &b,
        PASSWORD,
        &[
            "sync",
            "login",
            "--server",
            &server.base(),
            "--user",
            "ada",
            "--device",
            "laptop",
            "--password-stdin",
        ],
        Some(&format!("{PASSWORD}\n")),
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report = json(&b, &["sync"]);
    assert_eq!(report["subscriptions_added"], 1, "{report}");
    assert_eq!(report["downloaded_actions"], 1, "{report}");
    let episodes = json(&b, &["episodes", &feed]);
    assert_eq!(
        episode(&episodes, "backend-show-024")["position_secs"],
        754.0
    );
    assert_eq!(episode(&episodes, "backend-show-024")["played"], false);

    // Played on B reaches A.
    json(&b, &["mark", "backend-show-024", "--played"]);
    json(&b, &["sync"]);
    json(&a, &["sync"]);
    let episodes = json(&a, &["episodes", &feed]);
    assert_eq!(episode(&episodes, "backend-show-024")["played"], true);

    // A wrong password: exit 5, in words, and the change waits.
    json(&a, &["mark", "backend-show-024", "--unplayed"]);
    let output = cli(&a, "wrong", &["sync"], None);
    assert_eq!(output.status.code(), Some(5));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("refused the password"), "{stderr}");
    assert!(stderr.contains("1 change will be sent later"), "{stderr}");
    assert_eq!(json(&a, &["sync", "status"])["pending_changes"], 1);
    assert_eq!(json(&a, &["sync"])["uploaded_actions"], 1);

    // `mark` needs one of its flags.
    let output = cli(&a, PASSWORD, &["mark", "backend-show-024"], None);
    assert_eq!(output.status.code(), Some(2));
    let status = json(&a, &["sync", "logout"]);
    assert_eq!(status["signed_in"], false);
    let output = cli(&a, PASSWORD, &["sync"], None);
    assert_eq!(output.status.code(), Some(2), "not signed in");
}
