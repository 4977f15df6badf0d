//! The embedded store: one SQLite file, nothing to install.

use std::{
    fs::{File, TryLockError},
    path::Path,
    sync::Arc,
    time::Duration,
};

use async_trait::async_trait;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use time::OffsetDateTime;
use tokio::sync::Mutex;
use tower_sessions::{
    session::Id,
    session_store::{self, ExpiredDeletion, SessionStore},
};
use tower_sessions_sqlx_store::SqliteStore;

use super::{
    records::{Records, Sweep},
    StoreError,
};

/// `SqliteStore`, with this process's writes taken one at a time.
///
/// SQLite allows one writer per file. Left to collide, concurrent writers
/// wait in SQLite's busy handler, which sleeps in steps of up to 100 ms: under
/// four concurrent `/setsession` clients that put p99 at about 150 ms. Queued
/// on an async mutex they wait only for each other's write.
#[derive(Debug, Clone)]
pub struct Sqlite {
    store: SqliteStore,
    pool: SqlitePool,
    writes: Arc<Mutex<()>>,
    /// Held while the store is open; see [`lock`].
    _lock: Arc<File>,
}

impl Sqlite {
    /// Opens (creating if needed) the file at `path` and its table; `sole`
    /// when this instance must be the file's only user.
    ///
    /// # Errors
    /// [`StoreError`] when the folder or the database cannot be created or
    /// opened, or another instance's use of the file conflicts with `sole`.
    pub async fn connect(path: &Path, sole: bool) -> Result<Self, StoreError> {
        let open = |e| StoreError::open("sqlite", e);
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| StoreError::open("sqlite", e))?;
        }
        let lock = lock(path, sole)?;
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            // WAL lets readers go on while one request writes; with WAL,
            // NORMAL never corrupts the file, and only a power cut (not a
            // crash of this process) can lose the last moments of writes.
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            // Other processes on the same file still wait their turn.
            .busy_timeout(Duration::from_secs(5));
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(5))
            .connect_with(options)
            .await
            .map_err(open)?;
        let store = SqliteStore::new(pool.clone());
        store.migrate().await.map_err(open)?;
        Ok(Self {
            store,
            pool,
            writes: Arc::default(),
            _lock: Arc::new(lock),
        })
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }
}

/// Locks the file next to the database, `<path>-lock`: exclusively when
/// this instance caches every session it reads (only coherent if all writes go
/// through it), shared otherwise, so a caching instance and any other on the
/// same file refuse to run together instead of serving stale sessions. The
/// operating system releases the lock when the process ends, however it ends.
fn lock(path: &Path, sole: bool) -> Result<File, StoreError> {
    let mut name = path.as_os_str().to_owned();
    name.push("-lock");
    let file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&name)
        .map_err(|e| StoreError::open("sqlite", e))?;
    let taken = if sole {
        file.try_lock()
    } else {
        file.try_lock_shared()
    };
    match taken {
        Ok(()) => Ok(file),
        Err(TryLockError::WouldBlock) => Err(StoreError::open(
            "sqlite",
            format!(
                "{} is in use by another instance, and one of the two keeps every session \
                 it reads in memory (SESSION_CACHE_TTL_SECS unset), which is only safe for \
                 the file's only user; to share the file, set SESSION_CACHE_TTL_SECS=0 (or a \
                 few seconds) on every instance",
                path.display()
            ),
        )),
        Err(TryLockError::Error(err)) => Err(StoreError::open("sqlite", err)),
    }
}

/// Update statements never insert: `SqliteStore::save` is an upsert, which
/// would bring back a session that a concurrent pop deleted.
#[async_trait]
impl Records for Sqlite {
    async fn insert(
        &self,
        id: &Id,
        bytes: &[u8],
        expiry: OffsetDateTime,
    ) -> session_store::Result<bool> {
        let _turn = self.writes.lock().await;
        let done = sqlx::query(
            "INSERT INTO tower_sessions (id, data, expiry_date) VALUES (?, ?, ?)
             ON CONFLICT (id) DO NOTHING",
        )
        .bind(id.to_string())
        .bind(bytes)
        .bind(expiry)
        .execute(&self.pool)
        .await
        .map_err(backend)?;
        Ok(done.rows_affected() == 1)
    }

    async fn fetch(&self, id: &Id) -> session_store::Result<Option<Vec<u8>>> {
        sqlx::query_scalar("SELECT data FROM tower_sessions WHERE id = ? AND expiry_date > ?")
            .bind(id.to_string())
            .bind(OffsetDateTime::now_utc())
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)
    }

    async fn replace(
        &self,
        id: &Id,
        expected: Option<&[u8]>,
        bytes: &[u8],
        expiry: OffsetDateTime,
    ) -> session_store::Result<bool> {
        let _turn = self.writes.lock().await;
        let done = sqlx::query(
            "UPDATE tower_sessions SET data = ?, expiry_date = ?
             WHERE id = ? AND expiry_date > ? AND (? IS NULL OR data = ?)",
        )
        .bind(bytes)
        .bind(expiry)
        .bind(id.to_string())
        .bind(OffsetDateTime::now_utc())
        .bind(expected)
        .bind(expected)
        .execute(&self.pool)
        .await
        .map_err(backend)?;
        Ok(done.rows_affected() == 1)
    }

    async fn remove(&self, id: &Id) -> session_store::Result<()> {
        let _turn = self.writes.lock().await;
        self.store.delete(id).await
    }
}

fn backend(err: sqlx::Error) -> session_store::Error {
    session_store::Error::Backend(err.to_string())
}

#[async_trait]
impl Sweep for Sqlite {
    async fn delete_expired(&self) -> session_store::Result<()> {
        let _turn = self.writes.lock().await;
        self.store.delete_expired().await
    }
}
