//! PostgreSQL: the database a site often runs already, shared by every
//! instance.

use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use tower_sessions_sqlx_store::PostgresStore;

use super::StoreError;

/// Any fixed number works; it only has to be the same in every instance.
const MIGRATION_LOCK: i64 = 0x5E55_1045;

/// Connects to `url` and creates the `tower_sessions.session` table if needed.
///
/// # Errors
/// [`StoreError`] when the server cannot be reached or the table created.
pub async fn connect(url: &str) -> Result<(PostgresStore, PgPool), StoreError> {
    let open = |e| StoreError::open("postgres", e);
    let options: PgConnectOptions = url.parse().map_err(open)?;
    let pool = PgPoolOptions::new()
        .max_connections(8)
        // A stopped server turns into a 503 after this, not a hung request.
        .acquire_timeout(Duration::from_secs(2))
        .connect_with(options)
        .await
        .map_err(open)?;
    let store = PostgresStore::new(pool.clone());
    migrate(&pool, &store).await.map_err(open)?;
    Ok((store, pool))
}

/// Instances that start together would race on `CREATE SCHEMA IF NOT
/// EXISTS`, which PostgreSQL does not make atomic; an advisory lock queues them.
async fn migrate(pool: &PgPool, store: &PostgresStore) -> Result<(), sqlx::Error> {
    let mut lock = pool.acquire().await?;
    sqlx::query("SELECT pg_advisory_lock($1)")
        .bind(MIGRATION_LOCK)
        .execute(&mut *lock)
        .await?;
    let migrated = store.migrate().await;
    sqlx::query("SELECT pg_advisory_unlock($1)")
        .bind(MIGRATION_LOCK)
        .execute(&mut *lock)
        .await?;
    migrated
}
