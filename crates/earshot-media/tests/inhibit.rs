//! Sleep inhibition against a real D-Bus daemon: a screen-saver service (the desktop's side of
//! the protocol) counts inhibitions; ours takes one while playing and gives it back.

#![cfg(target_os = "linux")]

use std::sync::{Arc, Mutex};

use earshot_media::inhibit::{Buses, Inhibition, inhibit};

mod common;
use common::bus;

/// The desktop's screen saver, as far as inhibition goes.
struct ScreenSaver {
    held: Arc<Mutex<Vec<(u32, String, String)>>>,
    next: u32,
}

#[zbus::interface(name = "org.freedesktop.ScreenSaver")]
impl ScreenSaver {
    fn inhibit(&mut self, application: String, reason: String) -> u32 {
        self.next += 1;
        if let Ok(mut held) = self.held.lock() {
            held.push((self.next, application, reason));
        }
        self.next
    }

    fn un_inhibit(&mut self, cookie: u32) {
        if let Ok(mut held) = self.held.lock() {
            held.retain(|(c, _, _)| *c != cookie);
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn playing_holds_an_inhibition_and_pausing_gives_it_back() {
    let bus = bus();
    let held: Arc<Mutex<Vec<(u32, String, String)>>> = Arc::default();
    let _desktop = zbus::connection::Builder::address(bus.address.as_str())
        .expect("address")
        .name("org.freedesktop.ScreenSaver")
        .expect("name")
        .serve_at(
            "/org/freedesktop/ScreenSaver",
            ScreenSaver {
                held: held.clone(),
                next: 0,
            },
        )
        .expect("served")
        .build()
        .await
        .expect("the desktop side is on the bus");
    let buses = Buses {
        system: None,
        session: Some(bus.address.clone()),
        without_logind: true,
    };
    let inhibition = inhibit(&buses, "Playing an episode")
        .await
        .expect("inhibited");
    assert!(matches!(inhibition, Inhibition::ScreenSaver { .. }));
    assert_eq!(
        held.lock().expect("held").clone(),
        [(1, "Earshot".to_string(), "Playing an episode".to_string())]
    );
    inhibition.release().await;
    assert!(held.lock().expect("held").is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn no_service_is_a_clear_error_not_a_hang() {
    let bus = bus();
    let buses = Buses {
        system: Some(bus.address.clone()),
        session: Some(bus.address.clone()),
        without_logind: false,
    };
    let error = inhibit(&buses, "Playing")
        .await
        .expect_err("nobody answers");
    assert!(error.to_string().contains("could not start"), "{error}");
}
