//! The stores under test, named on the command line by the URL the lossless
//! store is opened from: `memory`, `sqlite` (a file in a temporary folder)
//! or `sqlite://PATH`, `redis://…`, `postgres://…`.

use std::{path::Path, str::FromStr};

use anyhow::Context;
use tower_sessions::{MemoryStore, SessionStore};
use tower_sessions_lossless_store::StoreSettings;
use tower_sessions_redis_store::{
    fred::prelude::{ClientLike, Config, Pool},
    RedisStore,
};
use tower_sessions_sqlx_store::{
    sqlx::{postgres::PgPoolOptions, sqlite::SqliteConnectOptions, SqlitePool},
    PostgresStore, SqliteStore,
};

use crate::{
    race::{self, Settings},
    table::Row,
};

/// Connections in each store's pool (the app's default for Redis).
const POOL_SIZE: u32 = 8;

/// Where sessions are kept.
#[derive(Clone, Debug)]
pub enum Backend {
    Memory,
    /// `None`: a new file in a temporary folder for each store.
    Sqlite(Option<String>),
    Redis(String),
    Postgres(String),
}

impl FromStr for Backend {
    type Err = String;

    fn from_str(url: &str) -> Result<Self, Self::Err> {
        match url.split_once("://").map_or(url, |(scheme, _)| scheme) {
            "memory" => Ok(Self::Memory),
            "sqlite" if url == "sqlite" => Ok(Self::Sqlite(None)),
            "sqlite" => Ok(Self::Sqlite(Some(url.to_owned()))),
            "redis" | "rediss" => Ok(Self::Redis(url.to_owned())),
            "postgres" | "postgresql" => Ok(Self::Postgres(url.to_owned())),
            _ => Err(format!(
                "{url}: expected memory, sqlite, sqlite://PATH, redis://… or postgres://…"
            )),
        }
    }
}

impl Backend {
    /// The backend's column in the table.
    pub fn label(&self) -> &'static str {
        match self {
            Self::Memory => "memory (in process)",
            Self::Sqlite(_) => "SQLite (file)",
            Self::Redis(_) => "Redis",
            Self::Postgres(_) => "PostgreSQL",
        }
    }

    /// The URL a store opens, with a SQLite file of its own in `dir` unless
    /// one was given.
    fn url(&self, dir: &Path, file: &str) -> String {
        match self {
            Self::Memory => "memory".to_owned(),
            Self::Sqlite(None) => format!("sqlite://{}", dir.join(file).display()),
            Self::Sqlite(Some(url)) | Self::Redis(url) | Self::Postgres(url) => url.clone(),
        }
    }
}

/// Runs the races against every store on `backend`: a row each.
///
/// # Errors
/// When a store cannot be opened or its app cannot start.
pub async fn rows(backend: &Backend, settings: &Settings) -> anyhow::Result<Vec<Row>> {
    let dir = tempfile::tempdir()?;
    let url = backend.url(dir.path(), "published.db");
    let published = match backend {
        Backend::Memory => {
            let tally = race::measure(MemoryStore::default(), settings).await?;
            Row::new("tower-sessions 0.14 `MemoryStore`", backend, tally)
        }
        Backend::Sqlite(_) => {
            let tally = race::measure(sqlite(&url).await?, settings).await?;
            Row::new(
                "tower-sessions-sqlx-store 0.15 `SqliteStore`",
                backend,
                tally,
            )
        }
        Backend::Redis(_) => {
            let tally = race::measure(redis(&url).await?, settings).await?;
            Row::new(
                "tower-sessions-redis-store 0.16 `RedisStore`",
                backend,
                tally,
            )
        }
        Backend::Postgres(_) => {
            let tally = race::measure(postgres(&url).await?, settings).await?;
            Row::new(
                "tower-sessions-sqlx-store 0.15 `PostgresStore`",
                backend,
                tally,
            )
        }
    };
    let mut rows = vec![published];

    // The same races on crates/tower-sessions-lossless-store, on the same
    // backend (its own SQLite file).
    let url = backend.url(dir.path(), "lossless.db");
    let settings_of_store = StoreSettings::new(url.parse()?);
    let store = tower_sessions_lossless_store::Store::connect(&settings_of_store).await?;
    let tally = race::measure(store, settings).await?;
    rows.push(Row::new("tower-sessions-lossless-store", backend, tally));

    Ok(rows)
}

/// The published SQLite store on a new or existing file, its table created.
async fn sqlite(url: &str) -> anyhow::Result<impl SessionStore + Clone> {
    let options = SqliteConnectOptions::from_str(url)?.create_if_missing(true);
    let pool = SqlitePool::connect_with(options)
        .await
        .with_context(|| format!("opening {url}"))?;
    let store = SqliteStore::new(pool);
    store.migrate().await?;
    Ok(store)
}

/// The published Redis store on a pool of connections.
async fn redis(url: &str) -> anyhow::Result<impl SessionStore + Clone> {
    let pool = Pool::new(Config::from_url(url)?, None, None, None, POOL_SIZE as usize)?;
    pool.init()
        .await
        .with_context(|| format!("connecting to {url}"))?;
    Ok(RedisStore::new(pool))
}

/// The published PostgreSQL store, its schema and table created.
async fn postgres(url: &str) -> anyhow::Result<impl SessionStore + Clone> {
    let pool = PgPoolOptions::new()
        .max_connections(POOL_SIZE)
        .connect(url)
        .await
        .context("connecting to PostgreSQL")?;
    let store = PostgresStore::new(pool);
    store.migrate().await?;
    Ok(store)
}
