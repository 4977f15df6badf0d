//! PostgreSQL: the database a site often runs already, shared by every
//! instance. The sessions live in a schema of their own
//! ([`crate::StoreSettings::postgres_schema`]), which this store owns (see
//! [`crate::migrations`]).

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
    advice: "that PostgreSQL runs and accepts connections at that address from this machine, and the user, password and database in the store URL",
    open: |with| {
        Box::pin(async move {
            let store = Postgres::connect(&with.url, &with.postgres_schema).await?;
            Ok(Arc::new(store) as Arc<dyn Backend>)
        })
    },
    can_be_held_alone: false,
};

/// The schema when none is set ([`crate::StoreSettings::postgres_schema`]).
pub const DEFAULT_SCHEMA: &str = "tower_sessions_lossless";

/// Any fixed number works; it only has to be the same in every instance.
const MIGRATION_LOCK: i64 = 0x5E55_1045;

#[derive(Debug, Clone)]
pub struct Postgres {
    pool: PgPool,
    sql: Arc<Statements>,
}

/// The statements, each naming the table with its schema (the search path
/// is set too, for the migrations, but a pooler may not pass it on).
#[derive(Debug)]
struct Statements {
    insert: String,
    fetch: String,
    replace: String,
    remove: String,
    count_live: String,
    delete_expired: String,
}

impl Statements {
    fn in_schema(schema: &str) -> Self {
        let table = format!("{schema}.sessions");
        Self {
            insert: format!(
                "INSERT INTO {table} (id, data, expires_at) VALUES ($1, $2, $3)
                 ON CONFLICT (id) DO NOTHING"
            ),
            fetch: format!("SELECT data FROM {table} WHERE id = $1 AND expires_at > $2"),
            replace: format!(
                "UPDATE {table} SET data = $1, expires_at = $2
                 WHERE id = $3 AND expires_at > $4 AND data = $5"
            ),
            remove: format!("DELETE FROM {table} WHERE id = $1"),
            count_live: format!("SELECT COUNT(*) FROM {table} WHERE expires_at > $1"),
            delete_expired: format!("DELETE FROM {table} WHERE expires_at <= $1"),
        }
    }
}

/// A schema name this store writes into SQL as it is: a plain lower-case
/// identifier, which PostgreSQL takes without quotes.
fn check_schema(name: &str) -> Result<(), String> {
    let mut chars = name.chars();
    let plain = chars
        .next()
        .is_some_and(|first| first.is_ascii_lowercase() || first == '_')
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && name.len() <= 63;
    if plain {
        Ok(())
    } else {
        Err(format!(
            "the PostgreSQL schema {name:?} is not a plain name: use a-z, 0-9 and _, \
             not starting with a digit, at most 63 characters"
        ))
    }
}

fn failed(err: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> StoreError {
    StoreError::open(KIND.name, err)
}

impl Postgres {
    /// Connects to `url` and brings the schema up to date.
    ///
    /// # Errors
    /// [`StoreError`] when the server cannot be reached or the schema migrated.
    pub async fn connect(url: &str, schema: &str) -> Result<Self, StoreError> {
        check_schema(schema).map_err(|why| StoreError::explained(KIND.name, why))?;
        let options: PgConnectOptions = url.parse().map_err(failed)?;
        // First on every connection's search path, so that the migrations,
        // and sqlx's record of them, stay out of the database's other tables.
        let options = options.options([("search_path", schema)]);
        let pool = PgPoolOptions::new()
            .max_connections(8)
            // A stopped server turns into a 503 after this, not a hung request.
            .acquire_timeout(Duration::from_secs(2))
            .connect_with(options)
            .await
            .map_err(failed)?;
        migrate(&pool, schema).await?;
        Ok(Self {
            pool,
            sql: Arc::new(Statements::in_schema(schema)),
        })
    }
}

/// Instances that start together would race on `CREATE SCHEMA IF NOT
/// EXISTS`, which PostgreSQL does not make atomic; an advisory lock queues
/// them (sqlx's migrator takes its own lock only after that).
async fn migrate(pool: &PgPool, schema: &str) -> Result<(), StoreError> {
    let mut conn = pool.acquire().await.map_err(failed)?;
    sqlx::query("SELECT pg_advisory_lock($1)")
        .bind(MIGRATION_LOCK)
        .execute(&mut *conn)
        .await
        .map_err(failed)?;
    let migrated = async {
        sqlx::query(&format!("CREATE SCHEMA IF NOT EXISTS {schema}"))
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
        let done = sqlx::query(&self.sql.insert)
            .bind(id.to_string())
            .bind(bytes)
            .bind(expiry)
            .execute(&self.pool)
            .await
            .map_err(StoreFailure::backend)?;
        Ok(done.rows_affected() == 1)
    }

    async fn fetch(&self, id: &Id) -> Result<Option<Vec<u8>>, StoreFailure> {
        sqlx::query_scalar(&self.sql.fetch)
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
        let done = sqlx::query(&self.sql.replace)
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
        sqlx::query(&self.sql.remove)
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
        let live: i64 = sqlx::query_scalar(&self.sql.count_live)
            .bind(OffsetDateTime::now_utc())
            .fetch_one(&self.pool)
            .await
            .map_err(StoreFailure::backend)?;
        Ok(u64::try_from(live).unwrap_or(0))
    }

    async fn delete_expired(&self) -> Result<u64, StoreFailure> {
        sqlx::query(&self.sql.delete_expired)
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
