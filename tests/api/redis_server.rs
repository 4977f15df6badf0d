//! A `redis-server` of one test's own, which the test can kill and start
//! again, and raw commands to any Redis on loopback.

use std::{
    io::{Read, Write},
    net::TcpStream,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use tempfile::TempDir;

/// A `redis-server` child process on a free port, with an append-only file in
/// its own folder so that its data outlives a stop and start. Killed on drop.
pub struct RedisServer {
    port: u16,
    dir: TempDir,
    child: Option<Child>,
}

impl RedisServer {
    /// `redis-server` can only be told a port, not handed a bound socket, so
    /// the port is one the OS found free a moment earlier. Another process
    /// may take it in between: then the server exits (it cannot bind), or
    /// another server answers there, and a new port is tried.
    pub fn start() -> Self {
        let mut server = Self {
            port: 0,
            dir: tempfile::tempdir().expect("temp dir"),
            child: None,
        };
        let mut tries = Vec::new();
        for _ in 0..10 {
            server.port = std::net::TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .expect("a free port")
                .port();
            match server.spawn() {
                Ok(()) => return server,
                Err(why) => tries.push(why),
            }
        }
        panic!("redis-server found no free port: {tries:?}");
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Starts the server again on the same port and data folder (the app
    /// knows only that port).
    pub fn resume(&mut self) {
        if let Err(why) = self.spawn() {
            panic!("redis-server could not start again: {why}");
        }
    }

    /// Starts `redis-server` on `self.port` and waits until it answers: it,
    /// not another server on that port (checked by its data folder).
    fn spawn(&mut self) -> Result<(), String> {
        let mut child = Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args([
                "--save",
                "",
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
            ])
            .arg("--dir")
            .arg(self.dir.path())
            .stdout(Stdio::null())
            .spawn()
            .expect("redis-server on PATH (make test installs it)");
        let dir = self.dir.path().canonicalize().expect("the data folder");
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(status) = child.try_wait().expect("redis-server's status") {
                return Err(format!("port {} taken: redis-server {status}", self.port));
            }
            if self.try_command("PING").as_deref() == Some("+PONG") {
                let config = self.try_command("CONFIG GET dir").unwrap_or_default();
                if config.lines().last() == dir.to_str() {
                    self.child = Some(child);
                    return Ok(());
                }
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("port {} taken by another Redis", self.port));
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!("redis-server did not start on port {}", self.port);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Stops the server the hard way, as a crash or a network cut would.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Sends one inline command and returns the reply's lines, joined by `\n`.
    pub fn command(&self, command: &str) -> String {
        self.try_command(command)
            .unwrap_or_else(|| panic!("redis did not answer {command}"))
    }

    fn try_command(&self, command: &str) -> Option<String> {
        redis_command(self.port, command)
    }
}

/// Sends one inline command to the Redis on `port` and returns the start of
/// its reply (enough for a status, an integer or a short array), its lines
/// joined by `\n`.
pub fn redis_command(port: u16, command: &str) -> Option<String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    stream.write_all(format!("{command}\r\n").as_bytes()).ok()?;
    let mut reply = [0u8; 256];
    let n = stream.read(&mut reply).ok()?;
    let text = String::from_utf8_lossy(&reply[..n]);
    Some(text.lines().collect::<Vec<_>>().join("\n"))
}

/// An integer reply, `:N`.
pub fn integer(reply: &str) -> i64 {
    reply
        .trim_start_matches(':')
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("not an integer reply: {reply}"))
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
    }
}
