//! PostgreSQL: the database a site often runs already, shared by every
//! instance.

use std::time::Duration;

use async_trait::async_trait;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use time::OffsetDateTime;
use tower_sessions::{
    session::Id,
    session_store::{self, ExpiredDeletion, SessionStore},
};
use tower_sessions_sqlx_store::PostgresStore;

use super::{
    records::{Records, Sweep},
    StoreError,
};

/// Any fixed number works; it only has to be the same in every instance.
const MIGRATION_LOCK: i64 = 0x5E55_1045;

/// `PostgresStore` for its table and sweeping; records are read and written here.
#[derive(Debug, Clone)]
pub struct Postgres {
    store: PostgresStore,
    pool: PgPool,
}

impl Postgres {
    /// Connects to `url` and creates the `tower_sessions.session` table if needed.
    ///
    /// # Errors
    /// [`StoreError`] when the server cannot be reached or the table created.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
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
        Ok(Self { store, pool })
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
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

/// Update statements never insert: `PostgresStore::save` is an upsert, which
/// would bring back a session that a concurrent pop deleted.
#[async_trait]
impl Records for Postgres {
    async fn insert(
        &self,
        id: &Id,
        bytes: &[u8],
        expiry: OffsetDateTime,
    ) -> session_store::Result<bool> {
        let done = sqlx::query(
            r#"INSERT INTO "tower_sessions"."session" (id, data, expiry_date) VALUES ($1, $2, $3)
               ON CONFLICT (id) DO NOTHING"#,
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
        sqlx::query_scalar(
            r#"SELECT data FROM "tower_sessions"."session" WHERE id = $1 AND expiry_date > $2"#,
        )
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
        let done = sqlx::query(
            r#"UPDATE "tower_sessions"."session" SET data = $1, expiry_date = $2
               WHERE id = $3 AND expiry_date > $4 AND ($5::bytea IS NULL OR data = $5)"#,
        )
        .bind(bytes)
        .bind(expiry)
        .bind(id.to_string())
        .bind(OffsetDateTime::now_utc())
        .bind(expected)
        .execute(&self.pool)
        .await
        .map_err(backend)?;
        Ok(done.rows_affected() == 1)
    }

    async fn remove(&self, id: &Id) -> session_store::Result<()> {
        self.store.delete(id).await
    }
}

fn backend(err: sqlx::Error) -> session_store::Error {
    session_store::Error::Backend(err.to_string())
}

#[async_trait]
impl Sweep for Postgres {
    async fn delete_expired(&self) -> session_store::Result<()> {
        self.store.delete_expired().await
    }
}
