//! The MPRIS player on a private D-Bus daemon, driven and read by the real `playerctl`: every
//! command reaches the app's handler, and the metadata, status, position and rate it reports are
//! the ones the app gave.

#![cfg(target_os = "linux")]

use std::process::Command as Process;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use earshot_media::{Command, Config, MediaControls, NowPlaying, Status};

mod common;
use common::Bus;

impl Bus {
    fn playerctl(&self, args: &[&str]) -> String {
        let output = Process::new("playerctl")
            .args(["--player", "earshot-test"])
            .args(args)
            .env("DBUS_SESSION_BUS_ADDRESS", &self.address)
            .output()
            .expect("playerctl (package playerctl) runs");
        assert!(
            output.status.success(),
            "playerctl {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).trim().to_string()
    }
}

async fn received(log: &Mutex<Vec<Command>>, want: Command) {
    for _ in 0..100 {
        if log.lock().expect("log").contains(&want) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("{want:?} never arrived; got {:?}", log.lock().expect("log"));
}

#[tokio::test(flavor = "multi_thread")]
async fn playerctl_reads_what_the_app_shows_and_drives_it() {
    let bus = common::bus();
    let log: Arc<Mutex<Vec<Command>>> = Arc::default();
    let sink = log.clone();
    let controls = MediaControls::start(
        Config {
            bus_name: "earshot-test".into(),
            identity: "Earshot".into(),
            desktop_entry: "earshot".into(),
            window: None,
            bus_address: Some(bus.address.clone()),
        },
        move |command| sink.lock().expect("log").push(command),
    )
    .await
    .expect("on the bus");
    controls
        .update(NowPlaying {
            status: Status::Playing,
            track_id: Some(42),
            title: "Cost of HTTP/2".into(),
            artist: "The Backend Hour".into(),
            art_url: Some("file:///tmp/artwork/7".into()),
            length: Some(Duration::from_secs(1466)),
            position: Duration::from_secs(120),
            rate: 1.5,
            volume: 0.8,
        })
        .await;

    assert_eq!(bus.playerctl(&["status"]), "Playing");
    assert_eq!(bus.playerctl(&["metadata", "title"]), "Cost of HTTP/2");
    assert_eq!(bus.playerctl(&["metadata", "artist"]), "The Backend Hour");
    assert_eq!(
        bus.playerctl(&["metadata", "mpris:artUrl"]),
        "file:///tmp/artwork/7"
    );
    assert_eq!(bus.playerctl(&["metadata", "mpris:length"]), "1466000000");
    assert_eq!(
        bus.playerctl(&["metadata", "mpris:trackid"]),
        "'/app/earshot/episode/42'",
        "playerctl prints object paths quoted"
    );
    let position: f64 = bus.playerctl(&["position"]).parse().expect("seconds");
    assert!((120.0..125.0).contains(&position), "{position}");
    let volume: f64 = bus.playerctl(&["volume"]).parse().expect("volume");
    assert!((volume - 0.8).abs() < 1e-6);

    bus.playerctl(&["play-pause"]);
    received(&log, Command::PlayPause).await;
    bus.playerctl(&["pause"]);
    received(&log, Command::Pause).await;
    bus.playerctl(&["play"]);
    received(&log, Command::Play).await;
    bus.playerctl(&["next"]);
    received(&log, Command::Next).await;
    bus.playerctl(&["previous"]);
    received(&log, Command::Previous).await;
    bus.playerctl(&["position", "300"]);
    received(&log, Command::SetPosition(300.0)).await;
    bus.playerctl(&["position", "10+"]);
    received(&log, Command::SeekBy(10.0)).await;
    bus.playerctl(&["volume", "0.5"]);
    received(&log, Command::SetVolume(0.5)).await;
    bus.playerctl(&["stop"]);
    received(&log, Command::Stop).await;

    // Paused: the status follows and the position stands still.
    controls
        .update(NowPlaying {
            status: Status::Paused,
            track_id: Some(42),
            title: "Cost of HTTP/2".into(),
            artist: "The Backend Hour".into(),
            art_url: None,
            length: Some(Duration::from_secs(1466)),
            position: Duration::from_secs(300),
            rate: 1.5,
            volume: 0.5,
        })
        .await;
    assert_eq!(bus.playerctl(&["status"]), "Paused");
    let first: f64 = bus.playerctl(&["position"]).parse().expect("seconds");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let second: f64 = bus.playerctl(&["position"]).parse().expect("seconds");
    assert_eq!(first, 300.0);
    assert_eq!(second, 300.0);
}
