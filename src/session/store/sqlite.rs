//! The embedded store: one SQLite file, nothing to install.

use std::{path::Path, time::Duration};

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};
use tower_sessions_sqlx_store::SqliteStore;

use super::StoreError;

/// Opens (creating if needed) the file at `path` and its table.
///
/// # Errors
/// [`StoreError`] when the folder or the database cannot be created or opened.
pub async fn connect(path: &Path) -> Result<(SqliteStore, SqlitePool), StoreError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| StoreError::open("sqlite", e))?;
    }
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        // WAL lets readers go on while one request writes.
        .journal_mode(SqliteJournalMode::Wal)
        .busy_timeout(Duration::from_secs(5));
    let pool = SqlitePoolOptions::new()
        .max_connections(8)
        .acquire_timeout(Duration::from_secs(5))
        .connect_with(options)
        .await
        .map_err(|e| StoreError::open("sqlite", e))?;
    let store = SqliteStore::new(pool.clone());
    store
        .migrate()
        .await
        .map_err(|e| StoreError::open("sqlite", e))?;
    Ok((store, pool))
}
