//! Following the desktop's tray host on a real D-Bus daemon: the answer the window's close
//! handler reads changes as a StatusNotifier watcher comes and goes.

#![cfg(target_os = "linux")]

use std::time::Duration;

use earshot_media::TrayHost;

mod common;

async fn connect(address: &str) -> zbus::Connection {
    zbus::connection::Builder::address(address)
        .expect("address")
        .build()
        .await
        .expect("connected")
}

/// Waits (up to five seconds) for the watcher to report `expected`.
async fn reports(host: &TrayHost, expected: bool) -> bool {
    for _ in 0..100 {
        if host.present() == expected {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

#[tokio::test(flavor = "multi_thread")]
async fn the_tray_host_is_followed_as_it_comes_and_goes() {
    let bus = common::bus();
    let host = TrayHost::default();
    assert!(!host.present(), "no answer yet means no tray");
    let ours = connect(&bus.address).await;
    let following = tokio::spawn(host.clone().follow(ours.clone()));
    // No watcher on the bus: no tray.
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(!host.present());

    // A desktop with a tray starts its watcher.
    let desktop = connect(&bus.address).await;
    desktop
        .request_name("org.kde.StatusNotifierWatcher")
        .await
        .expect("name taken");
    assert!(reports(&host, true).await, "the watcher was seen");

    // The tray goes away (the panel restarts, or the desktop is changed).
    drop(desktop);
    assert!(reports(&host, false).await, "the watcher's going was seen");
    following.abort();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_watcher_already_there_is_found_at_once() {
    let bus = common::bus();
    let desktop = connect(&bus.address).await;
    desktop
        .request_name("org.kde.StatusNotifierWatcher")
        .await
        .expect("name taken");
    let host = TrayHost::default();
    let ours = connect(&bus.address).await;
    let following = tokio::spawn(host.clone().follow(ours));
    assert!(reports(&host, true).await);
    following.abort();
}
