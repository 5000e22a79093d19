//! A private D-Bus session daemon for a test, stopped when the test ends.

use std::process::{Child, Command as Process, Stdio};

/// The daemon and its address.
pub struct Bus {
    daemon: Child,
    pub address: String,
}

impl Drop for Bus {
    fn drop(&mut self) {
        let _ = self.daemon.kill();
        let _ = self.daemon.wait();
    }
}

pub fn bus() -> Bus {
    let mut daemon = Process::new("dbus-daemon")
        .args(["--session", "--nofork", "--print-address=1"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("dbus-daemon (package dbus) runs");
    let mut line = String::new();
    let stdout = daemon.stdout.take().expect("stdout");
    std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout), &mut line).expect("address");
    Bus {
        daemon,
        address: line.trim().to_string(),
    }
}
