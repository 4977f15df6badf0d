//! The server binary as an operator runs it: a process of its own, with
//! only the environment it is given, on a site folder that holds the files
//! the page links (empty stand-ins: the tests never load them).

use std::{
    path::{Path, PathBuf},
    process::{Output, Stdio},
    time::Duration,
};

use tokio::{
    io::{AsyncBufReadExt, BufReader},
    process::{Child, Command},
};

use crate::helpers::SECRET;

/// How long a start-up (or its refusal) may take: a debug build, and the
/// store's own timeout (2 s) when it is unreachable.
pub const START_UP: Duration = Duration::from_secs(60);

/// The binary with production settings on a memory store, a free port, and
/// a site folder of its own; more variables with [`Server::env`].
pub struct Server {
    command: Command,
    /// The site folder and the data folder, removed with the server.
    pub dir: tempfile::TempDir,
}

/// The files the page links when names are not hashed: a plain `cargo
/// build` names the module `_bg.wasm`, cargo-leptos does not.
const PLAIN_SITE: [&str; 4] = [
    "pkg/leptos-sessions.css",
    "pkg/leptos-sessions.js",
    "pkg/leptos-sessions.wasm",
    "pkg/leptos-sessions_bg.wasm",
];

impl Server {
    pub fn new() -> Self {
        Self::at(Path::new(env!("CARGO_BIN_EXE_leptos-sessions")))
    }

    /// The binary at `exe` (a link to the built one, in a folder of its own).
    pub fn at(exe: &Path) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let site = dir.path().join("site");
        write_files(&site, &PLAIN_SITE);
        let mut command = Command::new(exe);
        command
            .env_clear()
            .env("LEPTOS_ENV", "PROD")
            .env("LEPTOS_OUTPUT_NAME", "leptos-sessions")
            .env("LEPTOS_SITE_ADDR", "127.0.0.1:0")
            .env("LEPTOS_SITE_ROOT", &site)
            .env("LEPTOS_HASH_FILES", "false")
            .env("SESSION_SECRET", SECRET)
            .env("SESSION_STORE", "memory")
            .env("DATA_DIR", dir.path().join("data"))
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        Self { command, dir }
    }

    /// The site folder ([`PLAIN_SITE`] in it).
    pub fn site(&self) -> PathBuf {
        self.dir.path().join("site")
    }

    pub fn env(mut self, name: &str, value: impl AsRef<std::ffi::OsStr>) -> Self {
        self.command.env(name, value);
        self
    }

    pub fn env_remove(mut self, name: &str) -> Self {
        self.command.env_remove(name);
        self
    }

    pub fn spawn(&mut self) -> Child {
        self.command.spawn().expect("the server binary starts")
    }

    /// Runs it expecting a refusal: it must exit by itself, unsuccessfully;
    /// returns its log.
    pub async fn refused(mut self) -> String {
        let child = self.spawn();
        let Output { status, stderr, .. } =
            tokio::time::timeout(START_UP, child.wait_with_output())
                .await
                .expect("the server stopped by itself")
                .unwrap();
        let log = String::from_utf8_lossy(&stderr).into_owned();
        assert!(!status.success(), "it started: {log}");
        assert!(
            log.contains("cannot start") || log.contains("server failed"),
            "{log}"
        );
        log
    }
}

/// Empty files at `names` under `dir`.
pub fn write_files(dir: &Path, names: &[&str]) {
    for name in names {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, "").unwrap();
    }
}

/// Reads `child`'s JSON log lines (`LOG_FORMAT=json`) until it says it is
/// serving; returns that line.
pub async fn serving(child: &mut Child) -> serde_json::Value {
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    tokio::time::timeout(START_UP, async {
        loop {
            let line = lines
                .next_line()
                .await
                .unwrap()
                .expect("the server logged 'serving' before it ended");
            let event: serde_json::Value = serde_json::from_str(&line)
                .unwrap_or_else(|err| panic!("not a JSON line ({err}): {line}"));
            assert!(event.is_object(), "{line}");
            for field in ["timestamp", "level", "target"] {
                assert!(event.get(field).is_some(), "no {field}: {line}");
            }
            if event["message"] == "serving" {
                break event;
            }
        }
    })
    .await
    .expect("the server started in time")
}
