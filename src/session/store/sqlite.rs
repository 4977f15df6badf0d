//! The embedded store: one SQLite file, nothing to install.

use std::{path::Path, sync::Arc, time::Duration};

use async_trait::async_trait;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use time::OffsetDateTime;
use tokio::sync::Mutex;
use tower_sessions::{
    session::{Id, Record},
    session_store::{self, Error, ExpiredDeletion, SessionStore},
};
use tower_sessions_sqlx_store::SqliteStore;

use super::StoreError;

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

#[async_trait]
impl SessionStore for Sqlite {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        let _turn = self.writes.lock().await;
        self.store.create(record).await
    }

    /// Update only: `SqliteStore::save` is an upsert, which would bring back
    /// a session that a concurrent pop deleted after this request loaded it.
    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let data = rmp_serde::to_vec(record).map_err(|e| Error::Encode(e.to_string()))?;
        let _turn = self.writes.lock().await;
        sqlx::query(
            "UPDATE tower_sessions SET data = ?, expiry_date = ? WHERE id = ? AND expiry_date > ?",
        )
        .bind(data)
        .bind(record.expiry_date)
        .bind(record.id.to_string())
        .bind(OffsetDateTime::now_utc())
        .execute(&self.pool)
        .await
        .map_err(|e| Error::Backend(e.to_string()))?;
        Ok(())
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        self.store.load(id).await
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        let _turn = self.writes.lock().await;
        self.store.delete(id).await
    }
}

#[async_trait]
impl ExpiredDeletion for Sqlite {
    async fn delete_expired(&self) -> session_store::Result<()> {
        let _turn = self.writes.lock().await;
        self.store.delete_expired().await
    }
}
