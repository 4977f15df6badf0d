//! PostgreSQL: the database a site often runs already, shared by every
//! instance. The sessions live in the schema `leptos_sessions`, which this
//! store owns (see [`crate::migrations`]).

use std::{sync::Arc, time::Duration};

use async_trait::async_trait;
use sqlx::{
    postgres::{PgConnectOptions, PgPool, PgPoolOptions},
    Connection,
};
use time::OffsetDateTime;

use crate::{backend::Backend, migrations, Id, Kind, StoreError, StoreFailure};

pub const KIND: Kind = Kind {
    name: "postgres",
    label: "PostgreSQL",
    schemes: &["postgres", "postgresql"],
    check: |text| {
        text.parse::<PgConnectOptions>()
            .map(drop)
            .map_err(|e| e.to_string())
    },
    advice: "that PostgreSQL runs and accepts connections at that address from this machine, and the user, password and database in SESSION_STORE",
    open: |url, _| {
        Box::pin(async move { Ok(Arc::new(Postgres::connect(&url).await?) as Arc<dyn Backend>) })
    },
    can_be_held_alone: false,
};

/// Our schema: first on every connection's search path, so that the
/// migrations, and sqlx's record of them, stay out of the database's other tables.
const SCHEMA: &str = "leptos_sessions";

/// Any fixed number works; it only has to be the same in every instance.
const MIGRATION_LOCK: i64 = 0x5E55_1045;

#[derive(Debug, Clone)]
pub struct Postgres {
    pool: PgPool,
}

fn failed(err: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> StoreError {
    StoreError::open(KIND.name, err)
}

impl Postgres {
    /// Connects to `url` and brings the schema up to date.
    ///
    /// # Errors
    /// [`StoreError`] when the server cannot be reached or the schema migrated.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let options: PgConnectOptions = url.parse().map_err(failed)?;
        let options = options.options([("search_path", SCHEMA)]);
        let pool = PgPoolOptions::new()
            .max_connections(8)
            // A stopped server turns into a 503 after this, not a hung request.
            .acquire_timeout(Duration::from_secs(2))
            .connect_with(options)
            .await
            .map_err(failed)?;
        migrate(&pool).await?;
        Ok(Self { pool })
    }
}

/// Instances that start together would race on `CREATE SCHEMA IF NOT
/// EXISTS`, which PostgreSQL does not make atomic; an advisory lock queues
/// them (sqlx's migrator takes its own lock only after that).
async fn migrate(pool: &PgPool) -> Result<(), StoreError> {
    let mut conn = pool.acquire().await.map_err(failed)?;
    sqlx::query("SELECT pg_advisory_lock($1)")
        .bind(MIGRATION_LOCK)
        .execute(&mut *conn)
        .await
        .map_err(failed)?;
    let migrated = async {
        sqlx::query(&format!("CREATE SCHEMA IF NOT EXISTS {SCHEMA}"))
            .execute(&mut *conn)
            .await
            .map_err(failed)?;
        migrations::migrator(migrations::POSTGRES)
            .await
            .map_err(failed)?
            .run_direct(&mut *conn)
            .await
            .map_err(failed)
    }
    .await;
    sqlx::query("SELECT pg_advisory_unlock($1)")
        .bind(MIGRATION_LOCK)
        .execute(&mut *conn)
        .await
        .map_err(failed)?;
    migrated
}

/// Update statements never insert, so a session that a concurrent pop deleted
/// is never brought back.
#[async_trait]
impl Backend for Postgres {
    fn kind(&self) -> &'static str {
        KIND.name
    }

    async fn insert(
        &self,
        id: &Id,
        bytes: &[u8],
        expiry: OffsetDateTime,
    ) -> Result<bool, StoreFailure> {
        let done = sqlx::query(
            "INSERT INTO leptos_sessions.sessions (id, data, expires_at) VALUES ($1, $2, $3)
             ON CONFLICT (id) DO NOTHING",
        )
        .bind(id.to_string())
        .bind(bytes)
        .bind(expiry)
        .execute(&self.pool)
        .await
        .map_err(StoreFailure::backend)?;
        Ok(done.rows_affected() == 1)
    }

    async fn fetch(&self, id: &Id) -> Result<Option<Vec<u8>>, StoreFailure> {
        sqlx::query_scalar(
            "SELECT data FROM leptos_sessions.sessions WHERE id = $1 AND expires_at > $2",
        )
        .bind(id.to_string())
        .bind(OffsetDateTime::now_utc())
        .fetch_optional(&self.pool)
        .await
        .map_err(StoreFailure::backend)
    }

    async fn replace(
        &self,
        id: &Id,
        expected: &[u8],
        bytes: &[u8],
        expiry: OffsetDateTime,
    ) -> Result<bool, StoreFailure> {
        let done = sqlx::query(
            "UPDATE leptos_sessions.sessions SET data = $1, expires_at = $2
             WHERE id = $3 AND expires_at > $4 AND data = $5",
        )
        .bind(bytes)
        .bind(expiry)
        .bind(id.to_string())
        .bind(OffsetDateTime::now_utc())
        .bind(expected)
        .execute(&self.pool)
        .await
        .map_err(StoreFailure::backend)?;
        Ok(done.rows_affected() == 1)
    }

    async fn remove(&self, id: &Id) -> Result<(), StoreFailure> {
        sqlx::query("DELETE FROM leptos_sessions.sessions WHERE id = $1")
            .bind(id.to_string())
            .execute(&self.pool)
            .await
            .map(drop)
            .map_err(StoreFailure::backend)
    }

    async fn ping(&self) -> Result<(), StoreFailure> {
        let mut conn = self.pool.acquire().await.map_err(StoreFailure::backend)?;
        conn.ping().await.map_err(StoreFailure::backend)
    }

    async fn count_live(&self) -> Result<u64, StoreFailure> {
        let live: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM leptos_sessions.sessions WHERE expires_at > $1",
        )
        .bind(OffsetDateTime::now_utc())
        .fetch_one(&self.pool)
        .await
        .map_err(StoreFailure::backend)?;
        Ok(u64::try_from(live).unwrap_or(0))
    }

    async fn delete_expired(&self) -> Result<u64, StoreFailure> {
        sqlx::query("DELETE FROM leptos_sessions.sessions WHERE expires_at <= $1")
            .bind(OffsetDateTime::now_utc())
            .execute(&self.pool)
            .await
            .map(|done| done.rows_affected())
            .map_err(StoreFailure::backend)
    }

    async fn close(&self) {
        self.pool.close().await;
    }
}
