//! PostgreSQL: the database a site often runs already, shared by every
//! instance.

use std::time::Duration;

use async_trait::async_trait;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use time::OffsetDateTime;
use tower_sessions::{
    session::{Id, Record},
    session_store::{self, Error, ExpiredDeletion, SessionStore},
};
use tower_sessions_sqlx_store::PostgresStore;

use super::StoreError;

/// Any fixed number works; it only has to be the same in every instance.
const MIGRATION_LOCK: i64 = 0x5E55_1045;

/// `PostgresStore`, with an update-only save.
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

#[async_trait]
impl SessionStore for Postgres {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        self.store.create(record).await
    }

    /// Update only: `PostgresStore::save` is an upsert, which would bring
    /// back a session that a concurrent pop deleted after this request loaded it.
    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let data = rmp_serde::to_vec(record).map_err(|e| Error::Encode(e.to_string()))?;
        sqlx::query(
            r#"UPDATE "tower_sessions"."session" SET data = $1, expiry_date = $2
               WHERE id = $3 AND expiry_date > $4"#,
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
        self.store.delete(id).await
    }
}

#[async_trait]
impl ExpiredDeletion for Postgres {
    async fn delete_expired(&self) -> session_store::Result<()> {
        self.store.delete_expired().await
    }
}
