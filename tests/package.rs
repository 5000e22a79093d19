//! The Debian package, as a user gets it: `cargo xtask test` builds it (`tauri build --bundles
//! deb`) and then runs this test, which checks what the package declares (its dependencies on
//! WebKitGTK, GStreamer and its plugins, the tray library; the podcast link schemes in its
//! desktop entry), unpacks it with `dpkg-deb -x` into a temporary folder, starts the app from
//! there under Xvfb and subscribes to a feed in it.
//!
//! Ignored by a plain `cargo test` (there is no package yet); `EARSHOT_DEB` names the package,
//! else the one in `target/debug/bundle/deb/` is used.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;
use earshot_testkit::{FixtureServer, Route};

fn package() -> PathBuf {
    if let Some(deb) = std::env::var_os("EARSHOT_DEB") {
        return PathBuf::from(deb);
    }
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/debug/bundle/deb");
    std::fs::read_dir(&dir)
        .ok()
        .and_then(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .find(|p| p.extension().is_some_and(|e| e == "deb"))
        })
        .unwrap_or_else(|| {
            panic!(
                "no .deb in {}: run cargo xtask bundle --debug",
                dir.display()
            )
        })
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs the .deb: cargo xtask test builds it and runs this"]
async fn the_app_starts_from_the_unpacked_deb() {
    let deb = package();
    let info = Command::new("dpkg")
        .arg("-I")
        .arg(&deb)
        .output()
        .expect("dpkg");
    let info = String::from_utf8_lossy(&info.stdout).to_string();
    let depends = info
        .lines()
        .find_map(|l| l.trim().strip_prefix("Depends:"))
        .unwrap_or_else(|| panic!("no Depends in {info}"));
    for needed in [
        "libwebkit2gtk-4.1-0",
        "libgtk-3-0",
        "libgstreamer1.0-0",
        "gstreamer1.0-plugins-base",
        "gstreamer1.0-plugins-good",
        "gstreamer1.0-plugins-bad",
        "gstreamer1.0-libav",
        "libayatana-appindicator3-1",
    ] {
        assert!(depends.contains(needed), "{needed} missing from {depends}");
    }

    let root = tempfile::tempdir().expect("temp dir");
    let unpacked = Command::new("dpkg-deb")
        .arg("-x")
        .arg(&deb)
        .arg(root.path())
        .status()
        .expect("dpkg-deb");
    assert!(unpacked.success());
    let binary = root.path().join("usr/bin/earshot");
    assert!(binary.is_file(), "no usr/bin/earshot in the package");
    let desktop = std::fs::read_dir(root.path().join("usr/share/applications"))
        .expect("a desktop entry")
        .filter_map(Result::ok)
        .find(|e| e.path().extension().is_some_and(|x| x == "desktop"))
        .map(|e| std::fs::read_to_string(e.path()).expect("readable"))
        .expect("a .desktop file");
    assert!(desktop.contains("Exec=earshot %u"), "{desktop}");
    for scheme in ["feed", "itpc", "podcast", "pcast"] {
        assert!(
            desktop.contains(&format!("x-scheme-handler/{scheme};")),
            "{scheme} not registered: {desktop}"
        );
    }
    assert!(
        root.path()
            .join("usr/share/icons/hicolor/128x128/apps/earshot.png")
            .is_file()
    );

    // Start the unpacked app and use it.
    let server = FixtureServer::start().await.expect("server");
    server.route(
        "/feed.xml",
        Route::ok(
            "application/rss+xml; charset=utf-8",
            FEED_TEMPLATE.replace("{{BASE}}", &server.base()),
        ),
    );
    let data = tempfile::tempdir().expect("data dir");
    let (_xvfb, display) = display();
    let driver = start_driver(&display, data.path());
    let client = launch_binary(&driver, &binary).await;
    let title = subscribe_in_app(&client, &server.url("/feed.xml")).await;
    assert_eq!(title, "The Backend Hour");
    println!(
        "{} ({} MB) unpacked and running: subscribed to a show in it",
        deb.display(),
        std::fs::metadata(&deb).map_or(0, |m| m.len() / 1_000_000)
    );
    let _ = client.close().await;
}
