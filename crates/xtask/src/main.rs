//! `cargo xtask run | test | bench | bundle`: the project's two commands, its benchmark, and its
//! packages. Each sets up what is missing on this
//! machine (system packages on Debian/Ubuntu, the UI's npm packages, tauri-driver for tests),
//! then starts the app or runs every check and test. On macOS and Windows it says what to
//! install instead of installing it.

mod setup;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use setup::Purpose;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = workspace_root();
    let result = match args.first().map(String::as_str) {
        Some("run") => run(&root, &args[1..]),
        Some("test") => test(&root),
        Some("setup") => setup::ensure(&root, Purpose::Test),
        Some("bench") => bench(&root, &args[1..]),
        Some("bundle") => bundle(&root, &args[1..]).map(|_| ()),
        _ => {
            eprintln!(
                "usage: cargo xtask <command>\n\n  run [--release]  set up what is missing, then start Earshot\n  test             set up what is missing, then run every check and test\n  setup            only set up (system packages, npm packages, tauri-driver, the sync\n                   tests' gpodder server)\n  bench [--shape standard|notes-heavy|both] [--no-peers | --peers gpodder|shellcaster]\n        [--baseline-cli PATH] [--feeds N] …\n                   the feed-engine benchmark, beside gPodder and shellcaster\n  bench --downloads [--download-mb MB]\n                   episode download throughput, beside curl\n  bench --app [--shows N] [--refreshes R] [--hidden-secs S]
                   the release app under Xvfb: start-up, memory of every process (idle, a
                   5,000-episode show, after refreshes in the tray), CPU playing hidden
  bench --discover  directory search: merge cost, first and all results over loopback\n  bench --sync [--shows N] [--episodes M]\n                   sync: a first sync of 500 shows and 150,000 actions each way, and one\n                   with nothing new, against the gpodder server on loopback\n  bundle [--debug]  the Linux packages: a .deb, and an AppImage where the bundler can fetch its tools"
            );
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

fn workspace_root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest
        .ancestors()
        .nth(2)
        .map(Path::to_path_buf)
        .unwrap_or(manifest)
}

pub(crate) fn step(title: &str) {
    eprintln!("\n==> {title}");
}

/// Runs `command` to completion; an error names it.
pub(crate) fn exec(command: &mut Command) -> Result<(), String> {
    let shown = format!("{command:?}");
    let status = command
        .status()
        .map_err(|e| format!("could not start {shown}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{shown} failed ({status})"))
    }
}

/// The Tauri CLI from the UI's npm packages.
fn tauri(root: &Path) -> Command {
    let mut command = Command::new(root.join("ui/node_modules/.bin/tauri"));
    command.current_dir(root);
    command
}

/// Builds the .deb (required) and the AppImage (best effort: the Tauri bundler downloads
/// linuxdeploy from GitHub for it, which a machine without internet access cannot). Returns the
/// .deb's path.
fn bundle(root: &Path, args: &[String]) -> Result<PathBuf, String> {
    setup::ensure(root, Purpose::Run)?;
    let debug = args.iter().any(|a| a == "--debug");
    let profile = if debug { "debug" } else { "release" };
    step(&format!("Building the .deb ({profile})"));
    let mut deb = tauri(root);
    deb.args(["build", "--bundles", "deb"]);
    if debug {
        deb.arg("--debug");
    }
    exec(&mut deb)?;
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let dir = target.join(profile).join("bundle/deb");
    let package = std::fs::read_dir(&dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "deb"))
        .ok_or_else(|| format!("no .deb in {}", dir.display()))?;
    eprintln!("Built {}", package.display());
    if cfg!(target_os = "linux") && !args.iter().any(|a| a == "--deb-only") {
        step("Building the AppImage");
        let mut appimage = tauri(root);
        appimage.args(["build", "--bundles", "appimage"]);
        if debug {
            appimage.arg("--debug");
        }
        if let Err(error) = exec(&mut appimage) {
            eprintln!(
                "The AppImage was not built ({error}). Tauri's bundler downloads linuxdeploy and \
                 its plugins from GitHub to make one; without internet access only the .deb can \
                 be built here."
            );
        }
    }
    Ok(package)
}

fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

fn npm(root: &Path) -> Command {
    let mut command = Command::new("npm");
    command.current_dir(root.join("ui"));
    command
}

/// Builds `earshot-cli` and the benchmark in release mode, installs the peers it compares with
/// (unless `--no-peers`), and runs it. Arguments go to `earshot-bench`.
fn bench(root: &Path, args: &[String]) -> Result<(), String> {
    if args.iter().any(|a| a == "--sync") {
        setup::ensure_sync_server(root)?;
        step("Running the sync benchmark (release)");
        let rest: Vec<&String> = args.iter().filter(|a| *a != "--sync").collect();
        return exec(
            cargo()
                .current_dir(root)
                .args(["bench", "-p", "earshot-core", "--bench", "sync", "--"])
                .args(rest),
        );
    }
    if args.iter().any(|a| a == "--app") {
        // Xvfb, tauri-driver and the UI's packages, as for the journeys.
        setup::ensure(root, Purpose::Test)?;
        step("Building the UI (the app embeds it)");
        exec(npm(root).args(["run", "build"]))?;
        step("Running the app benchmark (release build, under Xvfb, private session bus)");
        let rest: Vec<&String> = args.iter().filter(|a| *a != "--app").collect();
        return exec(
            Command::new("dbus-run-session")
                .current_dir(root)
                .arg("--")
                .arg(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
                .args(["bench", "-p", "earshot", "--bench", "app", "--"])
                .args(rest),
        );
    }
    if args.iter().any(|a| a == "--discover") {
        step("Running the directory-search benchmark (release)");
        return exec(cargo().current_dir(root).args([
            "bench",
            "-p",
            "earshot-core",
            "--bench",
            "discover",
        ]));
    }
    if args.iter().any(|a| a == "--downloads") {
        setup::ensure_curl()?;
    } else if !args.iter().any(|a| a == "--no-peers") {
        setup::ensure_bench_peers()?;
    }
    step("Building earshot-cli and earshot-bench (release)");
    exec(cargo().current_dir(root).args([
        "build",
        "--release",
        "-p",
        "earshot-cli",
        "-p",
        "earshot-bench",
    ]))?;
    step("Running the feed-engine benchmark");
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let release = target.join("release");
    exec(
        Command::new(release.join("earshot-bench"))
            .arg("--earshot-cli")
            .arg(release.join("earshot-cli"))
            .args(args),
    )
}

fn run(root: &Path, args: &[String]) -> Result<(), String> {
    setup::ensure(root, Purpose::Run)?;
    step("Building the UI");
    exec(npm(root).args(["run", "build"]))?;
    step("Starting Earshot");
    let mut command = cargo();
    command.current_dir(root).args(["run", "-p", "earshot"]);
    if args.iter().any(|a| a == "--release") {
        command.arg("--release");
    }
    exec(&mut command)
}

/// GLib's and GStreamer's libraries as `system-deps` takes them from the environment instead of
/// pkg-config: (the key of the -sys crate's `[package.metadata.system-deps]`, the library).
/// `check` and `clippy` link nothing, so naming each library is enough for a target whose
/// libraries are not on this machine. A new gstreamer-*-sys dependency adds its line here.
const GSTREAMER_LIBRARIES: &[(&str, &str)] = &[
    ("GLIB_2_0", "glib-2.0"),
    ("GOBJECT_2_0", "gobject-2.0"),
    ("GIO_2_0", "gio-2.0"),
    ("GSTREAMER_1_0", "gstreamer-1.0"),
];

fn without_pkg_config(command: &mut Command) -> &mut Command {
    for (name, library) in GSTREAMER_LIBRARIES {
        command
            .env(format!("SYSTEM_DEPS_{name}_NO_PKG_CONFIG"), "1")
            .env(format!("SYSTEM_DEPS_{name}_LIB"), library);
    }
    command
}

/// Clippy for the other desktops, whose code paths (`cfg(windows)`, `cfg(target_os = "macos")`)
/// this machine never builds otherwise.
fn cross_checks(root: &Path) -> Result<(), String> {
    if cfg!(target_os = "linux") {
        step("The whole app compiles for Windows (clippy for x86_64-pc-windows-gnu)");
        // The GNU target because its C compiler is a Debian package (mingw-w64, installed by the
        // set-up): the bundled SQLite, zstd, ring and jemalloc build scripts compile C, and
        // tauri-build compiles the icon resource with its windres. MSVC has no compiler here.
        exec(Command::new("rustup").args(["target", "add", "x86_64-pc-windows-gnu"]))?;
        let mut windows = cargo();
        windows
            .current_dir(root)
            .args([
                "clippy",
                "--target",
                "x86_64-pc-windows-gnu",
                "-p",
                "earshot",
                "--",
                "-D",
                "warnings",
            ])
            .env("CC_x86_64_pc_windows_gnu", "x86_64-w64-mingw32-gcc")
            .env("AR_x86_64_pc_windows_gnu", "x86_64-w64-mingw32-ar");
        exec(without_pkg_config(&mut windows))?;
    } else {
        eprintln!(
            "\nxtask: the Windows check runs on Linux, where the set-up installs MinGW-w64; skipped."
        );
    }
    step("The macOS media controls and player compile (clippy for aarch64-apple-darwin)");
    // Only the crates without a C build step: the app's (SQLite, zstd, ring, jemalloc, and the
    // Objective-C of objc2-exception-helper and mac-notification-sys) need Apple's SDK.
    exec(Command::new("rustup").args(["target", "add", "aarch64-apple-darwin"]))?;
    exec(without_pkg_config(cargo().current_dir(root).args([
        "clippy",
        "-p",
        "earshot-media",
        "-p",
        "earshot-player",
        "--target",
        "aarch64-apple-darwin",
        "--",
        "-D",
        "warnings",
    ])))
}

fn test(root: &Path) -> Result<(), String> {
    setup::ensure(root, Purpose::Test)?;
    step("Building the UI (the app embeds it)");
    exec(npm(root).args(["run", "build"]))?;

    step("cargo fmt --check");
    exec(cargo().current_dir(root).args(["fmt", "--all", "--check"]))?;
    step("cargo clippy -D warnings");
    exec(cargo().current_dir(root).args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]))?;
    cross_checks(root)?;
    step("UI type check");
    exec(npm(root).args(["run", "check"]))?;
    step("UI lint");
    exec(npm(root).args(["run", "lint"]))?;
    step("UI unit tests");
    exec(npm(root).args(["run", "test"]))?;

    step("Rust tests, including the end-to-end journeys in the real app");
    // A private session bus for the app (GTK and WebKit expect one); the e2e tests start their
    // own Xvfb when there is no display.
    let mut tests = Command::new("dbus-run-session");
    tests
        .current_dir(root)
        .arg("--")
        .arg(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
        .args(["test", "--workspace", "--all-targets"])
        .env("RUST_BACKTRACE", "1");
    if cfg!(target_os = "linux") {
        exec(&mut tests)?;
        step("The .deb: built, its dependencies declared, and the app started from its contents");
        let package = bundle(root, &["--debug".into(), "--deb-only".into()])?;
        exec(
            Command::new("dbus-run-session")
                .current_dir(root)
                .arg("--")
                .arg(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
                .args([
                    "test",
                    "-p",
                    "earshot",
                    "--test",
                    "package",
                    "--",
                    "--ignored",
                ])
                .env("EARSHOT_DEB", &package)
                .env("RUST_BACKTRACE", "1"),
        )
    } else {
        exec(
            cargo()
                .current_dir(root)
                .args(["test", "--workspace", "--all-targets"]),
        )
    }
}
