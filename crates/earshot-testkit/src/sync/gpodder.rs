//! The real gpodder.net-API server of the sync tests: gpodder-fastapi-router 0.1.3 under uvicorn
//! (see `sync-server/README.md`), one process and one SQLite file per test, on 127.0.0.1.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use super::wire::{self, Request};

const APP: &str = include_str!("../../sync-server/app.py");

/// How long the server may take to start listening.
const START_LIMIT: Duration = Duration::from_secs(30);

static NEXT_DIR: AtomicU32 = AtomicU32::new(0);

/// Where `cargo xtask setup` puts the server's virtual environment:
/// `$EARSHOT_SYNC_SERVER_VENV`, else `target/sync-server/venv` (under `$CARGO_TARGET_DIR` when
/// that is set).
pub fn sync_server_venv() -> PathBuf {
    if let Some(venv) = std::env::var_os("EARSHOT_SYNC_SERVER_VENV") {
        return venv.into();
    }
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"))
        .join("sync-server/venv")
}

/// A running gpodder server. Dropped, it is stopped and its files removed.
pub struct GpodderServer {
    child: Option<Child>,
    port: u16,
    dir: PathBuf,
    bcrypt_rounds: u32,
}

impl GpodderServer {
    /// Starts a server with an empty database, checking passwords with cheap bcrypt (4 rounds):
    /// the tests measure the client, not the server's hashing.
    pub async fn start() -> Self {
        Self::start_with_rounds(4).await
    }

    /// [`GpodderServer::start`] with the server's default bcrypt cost (12), as deployed.
    pub async fn start_with_rounds(bcrypt_rounds: u32) -> Self {
        let python = sync_server_venv().join("bin/python");
        assert!(
            python.exists(),
            "the sync tests' gpodder server is not installed ({} is missing): run `cargo xtask setup`",
            python.display()
        );
        let dir = std::env::temp_dir().join(format!(
            "earshot-gpodder-{}-{}",
            std::process::id(),
            NEXT_DIR.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).expect("server folder");
        std::fs::write(dir.join("app.py"), APP).expect("app file");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let mut server = Self {
            child: None,
            port,
            dir,
            bcrypt_rounds,
        };
        server.spawn().await;
        server
    }

    async fn spawn(&mut self) {
        let python = sync_server_venv().join("bin/python");
        let log = std::fs::File::create(self.dir.join("server.log")).expect("server log");
        let child = Command::new(python)
            .args([
                "-m",
                "uvicorn",
                "app:app",
                "--host",
                "127.0.0.1",
                "--log-level",
                "warning",
            ])
            .arg("--port")
            .arg(self.port.to_string())
            .arg("--app-dir")
            .arg(&self.dir)
            .current_dir(&self.dir)
            .env("GPODDER_DB", self.dir.join("gpodder.db"))
            .env("GPODDER_BCRYPT_ROUNDS", self.bcrypt_rounds.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("uvicorn starts");
        self.child = Some(child);
        let started = Instant::now();
        loop {
            if tokio::net::TcpStream::connect(self.addr()).await.is_ok() {
                return;
            }
            if let Some(child) = &mut self.child
                && let Ok(Some(status)) = child.try_wait()
            {
                let log = std::fs::read_to_string(self.dir.join("server.log")).unwrap_or_default();
                panic!("the gpodder server exited ({status}):\n{log}");
            }
            assert!(
                started.elapsed() < START_LIMIT,
                "the gpodder server did not start listening in {START_LIMIT:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// `127.0.0.1:port`.
    pub fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// `http://127.0.0.1:port`.
    pub fn base(&self) -> String {
        format!("http://{}", self.addr())
    }

    /// Stops the server (its data stays for [`GpodderServer::restart`]).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again on the same port with the same data.
    pub async fn restart(&mut self) {
        self.stop();
        self.spawn().await;
    }

    /// Creates a user (the package's `register.json` extension).
    pub async fn register(&self, user: &str, password: &str) {
        let (status, body) = self
            .call(
                "POST",
                &format!("/api/2/auth/{user}/register.json"),
                None,
                Some(serde_json::json!({ "password": password })),
            )
            .await;
        assert_eq!(status, 201, "registering {user}: {body}");
    }

    /// One API request as another client would send it, with Basic auth when given; the
    /// answer's status and JSON (null when it is not JSON).
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        auth: Option<(&str, &str)>,
        body: Option<serde_json::Value>,
    ) -> (u16, serde_json::Value) {
        call(&self.addr(), method, path, auth, body).await
    }
}

/// One JSON request to the server at `addr`.
pub async fn call(
    addr: &str,
    method: &str,
    path: &str,
    auth: Option<(&str, &str)>,
    body: Option<serde_json::Value>,
) -> (u16, serde_json::Value) {
    let mut headers = std::collections::HashMap::new();
    if let Some((user, password)) = auth {
        headers.insert(
            "authorization".to_string(),
            format!(
                "Basic {}",
                crate::base64(format!("{user}:{password}").as_bytes())
            ),
        );
    }
    if body.is_some() {
        headers.insert("content-type".to_string(), "application/json".to_string());
    }
    let request = Request {
        method: method.to_string(),
        target: path.to_string(),
        headers,
        body: body.map(|b| b.to_string().into_bytes()).unwrap_or_default(),
    };
    let (status, _, body) = wire::send(addr, &request)
        .await
        .expect("the server answers");
    (
        status,
        serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null),
    )
}

impl Drop for GpodderServer {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
