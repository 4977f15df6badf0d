//! The embedded store: one SQLite file, nothing to install.

use std::{path::Path, sync::Arc, time::Duration};

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
}

impl Sqlite {
    /// Opens (creating if needed) the file at `path` and its table.
    ///
    /// # Errors
    /// [`StoreError`] when the folder or the database cannot be created or opened.
    pub async fn connect(path: &Path) -> Result<Self, StoreError> {
        let open = |e| StoreError::open("sqlite", e);
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| StoreError::open("sqlite", e))?;
        }
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
        })
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.pool
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
