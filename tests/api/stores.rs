//! Real stores for one test each: a SQLite file in a temporary folder, a
//! `redis-server` of the test's own, a fresh database on the PostgreSQL
//! server that `make test` starts (`TEST_POSTGRES_URL`), or a turn on the
//! Redis Cluster or Sentinel set-up it starts ([`SharedRedis`]).

use std::{
    io::{Read, Write},
    net::TcpStream,
    process::{Child, Command, Stdio},
    sync::atomic::{AtomicUsize, Ordering},
    time::{Duration, Instant},
};

use leptos_sessions::session::store::StoreUrl;
use tempfile::TempDir;

pub use crate::redis_ha::SharedRedis;

/// The store behind one test, and a way to look inside it.
pub struct Backing {
    pub url: StoreUrl,
    pub redis: Option<RedisServer>,
    pub shared_redis: Option<SharedRedis>,
    _dir: Option<TempDir>,
}

impl Backing {
    pub async fn memory() -> Self {
        Self {
            url: StoreUrl::memory(),
            redis: None,
            shared_redis: None,
            _dir: None,
        }
    }

    pub async fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        Self {
            url: StoreUrl::sqlite(&dir.path().join("sessions.db")),
            redis: None,
            shared_redis: None,
            _dir: Some(dir),
        }
    }

    pub async fn redis() -> Self {
        let redis = RedisServer::start();
        Self {
            url: redis.url().parse().expect("redis url"),
            redis: Some(redis),
            shared_redis: None,
            _dir: None,
        }
    }

    pub async fn postgres() -> Self {
        Self {
            url: fresh_postgres_database()
                .await
                .parse()
                .expect("postgres url"),
            redis: None,
            shared_redis: None,
            _dir: None,
        }
    }

    pub async fn redis_cluster() -> Self {
        Self::shared(SharedRedis::cluster().await)
    }

    pub async fn redis_sentinel() -> Self {
        Self::shared(SharedRedis::sentinel().await)
    }

    fn shared(redis: SharedRedis) -> Self {
        Self {
            url: redis.url().parse().expect("redis url"),
            redis: None,
            shared_redis: Some(redis),
            _dir: None,
        }
    }

    /// How many sessions the store holds; `None` for the memory store, which
    /// cannot be looked into from outside.
    pub async fn count(&self) -> Option<i64> {
        match self.url.kind().name {
            "memory" => None,
            "sqlite" => {
                let path = self.url.sqlite_path().expect("a file");
                let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", path.display()))
                    .await
                    .expect("open the SQLite file");
                let n = sqlx::query_scalar("SELECT COUNT(*) FROM sessions")
                    .fetch_one(&pool)
                    .await
                    .expect("count rows");
                pool.close().await;
                Some(n)
            }
            "postgres" => {
                // Test servers have no password, so the shown URL is the real one.
                let pool = sqlx::PgPool::connect(&self.url.to_string())
                    .await
                    .expect("connect");
                let n = sqlx::query_scalar("SELECT COUNT(*) FROM leptos_sessions.sessions")
                    .fetch_one(&pool)
                    .await
                    .expect("count rows");
                pool.close().await;
                Some(n)
            }
            "redis" => Some(match (&self.redis, &self.shared_redis) {
                (Some(redis), _) => integer(&redis.command("DBSIZE")),
                (_, Some(shared)) => shared.count(),
                _ => unreachable!("a Redis backing has a server"),
            }),
            other => panic!("no way to count the sessions of a {other} store"),
        }
    }
}

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

/// A new, empty database on the test PostgreSQL server; its URL.
async fn fresh_postgres_database() -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let admin = std::env::var("TEST_POSTGRES_URL").unwrap_or_else(|_| {
        panic!(
            "TEST_POSTGRES_URL is not set: `make test` starts a PostgreSQL server for these \
             tests (scripts/services.sh); run through it"
        )
    });
    let name = format!(
        "test_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    let pool = sqlx::PgPool::connect(&admin)
        .await
        .expect("admin connection");
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&pool)
        .await
        .expect("create a test database");
    pool.close().await;
    let mut url: url::Url = admin.parse().expect("TEST_POSTGRES_URL");
    url.set_path(&name);
    url.to_string()
}

/// Generates one `#[tokio::test]` per store kind listed, each calling the
/// test body of the same name with a fresh [`Backing`] of that kind, like
/// tower-sessions' own `route_tests!`.
#[macro_export]
macro_rules! store_tests {
    ([$($kind:ident),+] => $tests:tt) => {
        $( $crate::store_tests!(@kind $kind $tests); )+
    };
    (@kind $kind:ident [$($test:ident),+ $(,)?]) => {
        mod $kind {
            $(
                #[tokio::test]
                async fn $test() {
                    super::$test($crate::stores::Backing::$kind().await).await;
                }
            )+
        }
    };
}

/// PostgreSQL's session table, locked, so that the app's next write waits
/// until [`TableLock::release`]: how the tests catch a request mid-write.
pub struct TableLock {
    pool: sqlx::PgPool,
    lock: sqlx::Transaction<'static, sqlx::Postgres>,
}

impl TableLock {
    pub async fn take(backing: &Backing) -> Self {
        let pool = sqlx::PgPool::connect(&backing.url.to_string())
            .await
            .expect("connect to PostgreSQL");
        let mut lock = pool.begin().await.expect("begin");
        sqlx::query("LOCK TABLE leptos_sessions.sessions IN ACCESS EXCLUSIVE MODE")
            .execute(&mut *lock)
            .await
            .expect("lock the session table");
        Self { pool, lock }
    }

    /// Readiness: returns once a write is queued behind the lock (10 s at most).
    pub async fn until_a_write_waits(&self) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            let waiting: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM pg_stat_activity \
                 WHERE datname = current_database() AND wait_event_type = 'Lock'",
            )
            .fetch_one(&self.pool)
            .await
            .expect("read pg_stat_activity");
            if waiting > 0 {
                return;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "no write reached the store"
            );
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }

    pub async fn release(self) {
        self.lock.rollback().await.expect("release the lock");
    }
}
