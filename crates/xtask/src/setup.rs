//! Installs what is missing: Debian/Ubuntu system packages (with sudo when not root), the UI's
//! npm packages from the committed lockfile, tauri-driver for the end-to-end tests, and the
//! gpodder server the sync tests run (a Python virtual environment under `target/`).

use std::path::Path;
use std::process::Command;

use crate::{exec, step};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Run,
    Test,
}

/// Needed to build and play.
const BUILD_PACKAGES: &[&str] = &[
    "build-essential",
    "pkg-config",
    "libssl-dev",
    "libwebkit2gtk-4.1-dev",
    "libgtk-3-dev",
    "libsoup-3.0-dev",
    "libjavascriptcoregtk-4.1-dev",
    "libayatana-appindicator3-dev",
    "librsvg2-dev",
    "libdbus-1-dev",
    "libgstreamer1.0-dev",
    "libgstreamer-plugins-base1.0-dev",
    "gstreamer1.0-plugins-base",
    "gstreamer1.0-plugins-good",
    "gstreamer1.0-plugins-bad",
    "gstreamer1.0-plugins-ugly",
    "gstreamer1.0-libav",
    "nodejs",
    "npm",
];

/// Needed only by the tests: a virtual display, the WebKit WebDriver, a session bus, and the
/// MinGW-w64 C compiler and windres for the Windows check.
const TEST_PACKAGES: &[&str] = &[
    "xvfb",
    "xauth",
    "webkit2gtk-driver",
    "dbus-x11",
    "playerctl",
    "gstreamer1.0-tools",
    "gcc-mingw-w64-x86-64",
    // The sync tests' gpodder server runs in a virtual environment.
    "python3",
    "python3-venv",
];

pub fn ensure(root: &Path, purpose: Purpose) -> Result<(), String> {
    if cfg!(target_os = "linux") {
        system_packages(purpose)?;
    } else {
        print_other_os_help();
    }
    check_node()?;
    npm_packages(root)?;
    if purpose == Purpose::Test && cfg!(target_os = "linux") {
        tauri_driver()?;
    }
    if purpose == Purpose::Test {
        sync_server(root)?;
    }
    Ok(())
}

/// The pinned packages of the sync tests' gpodder server (gpodder-fastapi-router and uvicorn).
const SYNC_SERVER_REQUIREMENTS: &str = "crates/earshot-testkit/sync-server/requirements.txt";

/// Where the sync server's virtual environment goes: `target/sync-server/venv`, where
/// `earshot_testkit::GpodderServer` looks for it.
fn sync_server_venv(root: &Path) -> std::path::PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
        .join("sync-server/venv")
}

/// The sync server alone, for `cargo xtask bench --sync`.
pub fn ensure_sync_server(root: &Path) -> Result<(), String> {
    sync_server(root)
}

/// Makes the virtual environment and installs the pinned packages, unless it holds them already.
/// The package declares Python 3.12 and runs on Debian 12's 3.11, hence
/// `--ignore-requires-python`.
fn sync_server(root: &Path) -> Result<(), String> {
    let requirements = root.join(SYNC_SERVER_REQUIREMENTS);
    let wanted = std::fs::read_to_string(&requirements)
        .map_err(|e| format!("{}: {e}", requirements.display()))?;
    let venv = sync_server_venv(root);
    let stamp = venv.join("earshot-requirements.txt");
    if std::fs::read_to_string(&stamp).is_ok_and(|had| had == wanted) {
        return Ok(());
    }
    step("Installing the sync tests' gpodder server (gpodder-fastapi-router, uvicorn)");
    if !venv.join("bin/python").exists() {
        exec(Command::new("python3").arg("-m").arg("venv").arg(&venv))?;
    }
    exec(
        Command::new(venv.join("bin/pip"))
            .args(["install", "--quiet", "--ignore-requires-python", "-r"])
            .arg(&requirements),
    )?;
    std::fs::write(&stamp, wanted).map_err(|e| format!("{}: {e}", stamp.display()))
}

fn installed(package: &str) -> bool {
    Command::new("dpkg-query")
        .args(["-W", "-f=${Status}", package])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).contains("install ok installed"))
        .unwrap_or(false)
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

fn apt(args: &[&str]) -> Command {
    let mut command = if is_root() {
        Command::new("apt-get")
    } else {
        let mut sudo = Command::new("sudo");
        sudo.arg("apt-get");
        sudo
    };
    command.args(args).env("DEBIAN_FRONTEND", "noninteractive");
    command
}

fn system_packages(purpose: Purpose) -> Result<(), String> {
    if Command::new("dpkg-query")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!(
            "xtask: not a Debian/Ubuntu system; install WebKitGTK 4.1, GTK 3, libsoup 3, GStreamer (dev + base/good/bad/ugly/libav plugins), Node.js 20+ and, for tests, Xvfb and WebKitWebDriver with your package manager."
        );
        return Ok(());
    }
    let mut wanted: Vec<&str> = BUILD_PACKAGES.to_vec();
    if purpose == Purpose::Test {
        wanted.extend_from_slice(TEST_PACKAGES);
    }
    // Node.js may come from elsewhere (nvm, NodeSource); then Debian's is not needed.
    let have_node = Command::new("node").arg("--version").output().is_ok()
        && Command::new("npm").arg("--version").output().is_ok();
    let missing: Vec<&str> = wanted
        .into_iter()
        .filter(|p| !(have_node && matches!(*p, "nodejs" | "npm")))
        .filter(|p| !installed(p))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    step(&format!(
        "Installing system packages: {}",
        missing.join(" ")
    ));
    exec(&mut apt(&["update", "-qq"]))?;
    let mut install = apt(&["install", "-y", "-qq", "--no-install-recommends"]);
    install.args(&missing);
    exec(&mut install)
}

fn print_other_os_help() {
    if cfg!(target_os = "macos") {
        eprintln!(
            "xtask: on macOS install GStreamer's runtime and development packages (gstreamer.freedesktop.org, or `brew install gstreamer`) and Node.js 20+; Xcode command line tools provide the rest."
        );
    } else if cfg!(target_os = "windows") {
        eprintln!(
            "xtask: on Windows install the GStreamer MSVC runtime and development installers (gstreamer.freedesktop.org), add its bin folder to PATH and set PKG_CONFIG_PATH, and install Node.js 20+. WebView2 ships with Windows 10/11."
        );
    }
}

fn check_node() -> Result<(), String> {
    let output = Command::new("node")
        .arg("--version")
        .output()
        .map_err(|_| "Node.js 20.19 or newer is needed to build the UI".to_string())?;
    let version = String::from_utf8_lossy(&output.stdout);
    let mut parts = version.trim().trim_start_matches('v').split('.');
    let major: u32 = parts.next().and_then(|p| p.parse().ok()).unwrap_or(0);
    let minor: u32 = parts.next().and_then(|p| p.parse().ok()).unwrap_or(0);
    if major < 20 || (major == 20 && minor < 19) {
        return Err(format!(
            "Node.js {} is too old: Vite 7 needs 20.19 or newer",
            version.trim()
        ));
    }
    Ok(())
}

fn npm_packages(root: &Path) -> Result<(), String> {
    let ui = root.join("ui");
    let lock = ui.join("package-lock.json");
    let stamp = ui.join("node_modules/.package-lock.json");
    let fresh = match (std::fs::metadata(&lock), std::fs::metadata(&stamp)) {
        (Ok(lock), Ok(stamp)) => match (lock.modified(), stamp.modified()) {
            (Ok(lock), Ok(stamp)) => stamp >= lock,
            _ => false,
        },
        _ => false,
    };
    if fresh {
        return Ok(());
    }
    step("Installing the UI's npm packages (npm ci)");
    exec(
        Command::new("npm")
            .current_dir(&ui)
            .args(["ci", "--no-audit", "--no-fund"]),
    )
}

fn tauri_driver() -> Result<(), String> {
    let on_path = Command::new("tauri-driver").arg("--help").output().is_ok();
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| std::path::PathBuf::from(h).join(".cargo")));
    let in_cargo_home = cargo_home.is_some_and(|home| home.join("bin/tauri-driver").exists());
    if on_path || in_cargo_home {
        return Ok(());
    }
    step("Installing tauri-driver (WebDriver for the end-to-end tests)");
    exec(
        Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into())).args([
            "install",
            "tauri-driver",
            "--locked",
        ]),
    )
}

/// The peers the feed benchmark measures beside Earshot: gPodder's `gpo` (Debian's package) and
/// shellcaster 2.0.1 (from crates.io). Missing ones are installed; where that is impossible the
/// benchmark says so and measures Earshot alone.
pub fn ensure_bench_peers() -> Result<(), String> {
    if cfg!(target_os = "linux")
        && Command::new("dpkg-query").arg("--version").output().is_ok()
        && !installed("gpodder")
    {
        step("Installing gPodder (gpo) for the benchmark");
        exec(&mut apt(&["update", "-qq"]))?;
        exec(&mut apt(&["install", "-y", "-qq", "gpodder"]))?;
    }
    let home = std::env::var_os("HOME").map(std::path::PathBuf::from);
    let have_shellcaster = home
        .as_ref()
        .is_some_and(|h| h.join(".cargo/bin/shellcaster").exists());
    if !have_shellcaster {
        step("Installing shellcaster 2.0.1 for the benchmark");
        exec(
            Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into())).args([
                "install",
                "shellcaster",
                "--version",
                "2.0.1",
                "--locked",
            ]),
        )?;
    }
    Ok(())
}

/// curl, which the download benchmark compares with.
pub fn ensure_curl() -> Result<(), String> {
    if Command::new("curl").arg("--version").output().is_ok() {
        return Ok(());
    }
    step("Installing curl for the download benchmark");
    exec(&mut apt(&["update", "-qq"]))?;
    exec(&mut apt(&["install", "-y", "-qq", "curl"]))
}
