//! The session store, chosen at start-up from one URL (`SESSION_STORE`).

use std::{fmt, path::PathBuf, str::FromStr, time::Duration};

use async_trait::async_trait;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};
use tower_sessions::{
    session::{Id, Record},
    session_store::{self, SessionStore},
    MemoryStore,
};
use tower_sessions_sqlx_store::SqliteStore;

/// Where sessions live, as written in `SESSION_STORE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreUrl {
    /// `sqlite://PATH`: a file, created on first run.
    Sqlite(PathBuf),
    /// `memory`: gone when the process stops; for throwaway runs.
    Memory,
}

/// `SESSION_STORE` could not be read.
#[derive(Debug, thiserror::Error)]
#[error("SESSION_STORE={0:?} is not a store URL; use `sqlite://PATH` (e.g. sqlite://data/sessions.db) or `memory`")]
pub struct BadStoreUrl(String);

impl FromStr for StoreUrl {
    type Err = BadStoreUrl;

    fn from_str(url: &str) -> Result<Self, Self::Err> {
        match url.trim() {
            "memory" => Ok(Self::Memory),
            other => match other.strip_prefix("sqlite://") {
                Some(path) if !path.is_empty() => Ok(Self::Sqlite(PathBuf::from(path))),
                _ => Err(BadStoreUrl(url.to_owned())),
            },
        }
    }
}

impl fmt::Display for StoreUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Sqlite(path) => write!(f, "sqlite://{}", path.display()),
            Self::Memory => f.write_str("memory"),
        }
    }
}

/// The store could not be opened at start-up.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("could not create the folder for {path}: {source}")]
    Folder {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("could not open the session database {url}: {source}")]
    Open { url: String, source: sqlx::Error },
}

/// The session store in use: one type for the session layer, whatever the backend.
#[derive(Debug, Clone)]
pub enum SessionBackend {
    Sqlite {
        store: SqliteStore,
        pool: SqlitePool,
    },
    Memory(MemoryStore),
}

impl SessionBackend {
    /// Opens the store at `url`, creating the SQLite file and its table if needed.
    ///
    /// # Errors
    /// [`StoreError`] when the folder or the database cannot be created or opened.
    pub async fn connect(url: &StoreUrl) -> Result<Self, StoreError> {
        match url {
            StoreUrl::Memory => Ok(Self::Memory(MemoryStore::default())),
            StoreUrl::Sqlite(path) => {
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir).map_err(|source| StoreError::Folder {
                        path: path.clone(),
                        source,
                    })?;
                }
                let open = |source| StoreError::Open {
                    url: url.to_string(),
                    source,
                };
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
                    .map_err(open)?;
                let store = SqliteStore::new(pool.clone());
                store.migrate().await.map_err(open)?;
                Ok(Self::Sqlite { store, pool })
            }
        }
    }

    /// The backend's name, for `/healthz` and the logs.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Sqlite { .. } => "sqlite",
            Self::Memory(_) => "memory",
        }
    }

    /// Whether the store answers right now.
    ///
    /// # Errors
    /// The store's own error when it does not answer.
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        match self {
            Self::Sqlite { pool, .. } => sqlx::query("SELECT 1").execute(pool).await.map(drop),
            Self::Memory(_) => Ok(()),
        }
    }

    /// Lets pending writes land and closes connections; for shutdown.
    pub async fn close(&self) {
        if let Self::Sqlite { pool, .. } = self {
            pool.close().await;
        }
    }
}

/// Runs `$body` with `$store` bound to whichever backend `$backend` holds,
/// so a new backend is one line here rather than one per store method.
macro_rules! with_store {
    ($backend:expr, $store:ident => $body:expr) => {
        match $backend {
            SessionBackend::Sqlite { store: $store, .. } => $body,
            SessionBackend::Memory($store) => $body,
        }
    };
}

#[async_trait]
impl SessionStore for SessionBackend {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        with_store!(self, store => store.create(record).await)
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        with_store!(self, store => store.save(record).await)
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        with_store!(self, store => store.load(id).await)
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        with_store!(self, store => store.delete(id).await)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_urls_parse_and_bad_ones_name_the_accepted_forms() {
        assert_eq!(
            "sqlite://data/sessions.db".parse::<StoreUrl>().unwrap(),
            StoreUrl::Sqlite("data/sessions.db".into())
        );
        assert_eq!(
            "sqlite:///var/lib/s.db".parse::<StoreUrl>().unwrap(),
            StoreUrl::Sqlite("/var/lib/s.db".into())
        );
        assert_eq!("memory".parse::<StoreUrl>().unwrap(), StoreUrl::Memory);
        let err = "mysql://x".parse::<StoreUrl>().unwrap_err().to_string();
        assert!(
            err.contains("sqlite://PATH") && err.contains("memory"),
            "{err}"
        );
        assert!("sqlite://".parse::<StoreUrl>().is_err());
    }
}
