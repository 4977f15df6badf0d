//! Real stores for one test each: a SQLite file in a temporary folder, a
//! `redis-server` of the test's own, a fresh database on the PostgreSQL
//! server that `make test` starts (`TEST_POSTGRES_URL`), or a turn on the
//! Redis Cluster or Sentinel set-up it starts ([`SharedRedis`]).

use std::sync::{
    atomic::{AtomicUsize, Ordering},
    OnceLock,
};

use tempfile::TempDir;
use tower_sessions_lossless_store::{Store, StoreUrl};

pub use crate::{
    redis_ha::SharedRedis,
    redis_server::{integer, redis_command, RedisServer},
};

/// The store behind one test, and a way to look inside it.
pub struct Backing {
    pub url: StoreUrl,
    pub redis: Option<RedisServer>,
    pub shared_redis: Option<SharedRedis>,
    /// The memory store of the app spawned on this backing (see
    /// [`crate::helpers::spawn_on`]): a map inside that app, counted there.
    pub memory: OnceLock<Store>,
    _dir: Option<TempDir>,
}

impl Backing {
    pub async fn memory() -> Self {
        Self {
            url: StoreUrl::memory(),
            redis: None,
            shared_redis: None,
            memory: OnceLock::new(),
            _dir: None,
        }
    }

    pub async fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        Self {
            url: StoreUrl::sqlite(&dir.path().join("sessions.db")),
            redis: None,
            shared_redis: None,
            memory: OnceLock::new(),
            _dir: Some(dir),
        }
    }

    pub async fn redis() -> Self {
        let redis = RedisServer::start();
        Self {
            url: redis.url().parse().expect("redis url"),
            redis: Some(redis),
            shared_redis: None,
            memory: OnceLock::new(),
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
            memory: OnceLock::new(),
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
            memory: OnceLock::new(),
            _dir: None,
        }
    }

    /// Lets [`Backing::count`] look into `app`'s store when it is a map in
    /// that app (the memory store); the first app spawned on it counts.
    pub fn attach(&self, app: &crate::helpers::TestApp) {
        if self.url.kind().name == "memory" {
            let _ = self.memory.set(app.store.clone());
        }
    }

    /// How many live sessions the store holds.
    pub async fn count(&self) -> i64 {
        match self.url.kind().name {
            "memory" => {
                let store = self
                    .memory
                    .get()
                    .expect("the memory store is counted through its app: spawn it with spawn_on");
                let live = store.live_count().expect("the memory store counts itself");
                i64::try_from(live).expect("a count")
            }
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
                n
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
                n
            }
            "redis" => match (&self.redis, &self.shared_redis) {
                (Some(redis), _) => integer(&redis.command("DBSIZE")),
                (_, Some(shared)) => shared.count(),
                _ => unreachable!("a Redis backing has a server"),
            },
            other => panic!("no way to count the sessions of a {other} store"),
        }
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
        $( $crate::store_tests!(@kind $kind $tests #[tokio::test]); )+
    };
    // For races: requests of the test's app run on two threads at once.
    (multi_thread [$($kind:ident),+] => $tests:tt) => {
        $( $crate::store_tests!(@kind $kind $tests
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]); )+
    };
    (@kind $kind:ident [$($test:ident),+ $(,)?] #[$runtime:meta]) => {
        mod $kind {
            $(
                #[$runtime]
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
