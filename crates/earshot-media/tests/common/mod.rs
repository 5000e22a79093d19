//! A private D-Bus session daemon for a test, stopped when the test ends.

#![allow(dead_code)]

use std::process::{Child, Command as Process, Stdio};

/// The daemon and its address.
pub struct Bus(Child, pub String);

impl Drop for Bus {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn bus() -> Bus {
    let mut daemon = Process::new("dbus-daemon")
        .args(["--session", "--nofork", "--print-address=1"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("dbus-daemon runs");
    let mut line = String::new();
    let stdout = daemon.stdout.take().expect("stdout");
    std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout), &mut line).expect("address");
    Bus(daemon, line.trim().to_string())
}
