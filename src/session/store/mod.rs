//! The session store, chosen at start-up from one URL (`SESSION_STORE`): one
//! file per backend, one type ([`Store`]) for the session layer whichever it is.

/// Runs `$body` with `$store` bound to whichever backend `$backend` holds,
/// so a new backend is one line here rather than one per store method.
macro_rules! with_store {
    ($backend:expr, $store:ident => $body:expr) => {
        match $backend {
            Backend::Sqlite($store) => $body,
            Backend::Postgres($store) => $body,
            Backend::Redis($store) => $body,
            Backend::Memory($store) => $body,
        }
    };
}

mod cache;
mod memory;
mod merge;
mod postgres;
mod records;
mod redis;
mod session_store;
mod sqlite;
mod sweeper;
mod url;

use std::{sync::Arc, time::Duration};

use fred::interfaces::ClientLike;
use sqlx::Connection;

use self::cache::ReadCache;
pub use self::{
    cache::CachePolicy,
    sweeper::Sweeper,
    url::{BadStoreUrl, StoreUrl},
};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// How the store is opened and looked after.
#[derive(Debug, Clone)]
pub struct StoreSettings {
    pub url: StoreUrl,
    /// What this instance may keep in memory of the sessions it reads.
    pub cache: CachePolicy,
    /// How often the SQL stores delete expired sessions.
    pub sweep_every: Duration,
}

impl StoreSettings {
    /// `url` with the defaults: a sweep every five minutes; a read cache for
    /// SQLite, which this instance then holds alone, none for the stores that
    /// several instances share.
    pub fn new(url: StoreUrl) -> Self {
        let cache = match url {
            StoreUrl::Sqlite(_) => CachePolicy::Sole,
            _ => CachePolicy::Off,
        };
        Self {
            url,
            cache,
            sweep_every: Duration::from_secs(300),
        }
    }
}

fn kind(backend: &Backend) -> &'static str {
    match backend {
        Backend::Sqlite(_) => "sqlite",
        Backend::Postgres(_) => "postgres",
        Backend::Redis(_) => "redis",
        Backend::Memory(_) => "memory",
    }
}

/// The store could not be opened at start-up.
#[derive(Debug, thiserror::Error)]
#[error("could not open the {kind} session store: {source}")]
pub struct StoreError {
    kind: &'static str,
    source: BoxError,
}

impl StoreError {
    fn open(kind: &'static str, source: impl Into<BoxError>) -> Self {
        Self {
            kind,
            source: source.into(),
        }
    }
}

#[derive(Debug, Clone)]
enum Backend {
    Sqlite(sqlite::Sqlite),
    Postgres(postgres::Postgres),
    Redis(redis::Redis),
    Memory(memory::Memory),
}

/// The session store in use, with its optional read cache. The session
/// layer clones it for every request: one shared allocation.
#[derive(Debug, Clone)]
pub struct Store(Arc<Parts>);

#[derive(Debug)]
struct Parts {
    backend: Backend,
    cache: Option<ReadCache>,
}

impl Store {
    /// Opens the store `settings` names, creating its table if needed.
    ///
    /// # Errors
    /// [`StoreError`] when it cannot be created, reached or migrated.
    pub async fn connect(settings: &StoreSettings) -> Result<Self, StoreError> {
        let sole = settings.cache == CachePolicy::Sole;
        let backend = match &settings.url {
            StoreUrl::Memory => Backend::Memory(memory::Memory::default()),
            StoreUrl::Sqlite(path) => Backend::Sqlite(sqlite::Sqlite::connect(path, sole).await?),
            url @ StoreUrl::Postgres(_) => {
                Backend::Postgres(postgres::Postgres::connect(&url.expose()).await?)
            }
            url @ StoreUrl::Redis(_) => Backend::Redis(redis::Redis::connect(&url.expose()).await?),
        };
        let kind = kind(&backend);
        let cache = match (settings.cache, &backend) {
            (CachePolicy::Off, _) | (CachePolicy::Sole, Backend::Memory(_)) => None,
            (CachePolicy::Ttl(ttl), _) => Some(ReadCache::new(Some(ttl))),
            (CachePolicy::Sole, Backend::Sqlite(_)) => Some(ReadCache::new(None)),
            (CachePolicy::Sole, Backend::Postgres(_) | Backend::Redis(_)) => {
                return Err(StoreError::open(
                    kind,
                    "a cache that trusts this instance alone needs a store it can lock (SQLite)",
                ));
            }
        };
        Ok(Self(Arc::new(Parts { backend, cache })))
    }

    /// The backend's name, for `/healthz` and the logs.
    pub fn kind(&self) -> &'static str {
        kind(&self.0.backend)
    }

    /// Whether a read cache sits in front of the store.
    pub fn is_cached(&self) -> bool {
        self.0.cache.is_some()
    }

    /// Whether the store answers right now.
    ///
    /// # Errors
    /// The store's own error when it does not answer.
    pub async fn ping(&self) -> Result<(), BoxError> {
        match &self.0.backend {
            Backend::Sqlite(store) => Ok(store.pool().acquire().await?.ping().await?),
            Backend::Postgres(store) => Ok(store.pool().acquire().await?.ping().await?),
            Backend::Redis(store) => Ok(store.pool().ping::<()>(None).await?),
            Backend::Memory(_) => Ok(()),
        }
    }

    /// Starts deleting expired sessions every `every`; `None` for Redis,
    /// which expires them itself (key TTLs).
    pub fn spawn_sweeper(&self, every: Duration) -> Option<Sweeper> {
        match &self.0.backend {
            Backend::Sqlite(store) => Some(Sweeper::spawn(store.clone(), every, "sqlite")),
            Backend::Postgres(store) => Some(Sweeper::spawn(store.clone(), every, "postgres")),
            Backend::Memory(store) => Some(Sweeper::spawn(store.clone(), every, "memory")),
            Backend::Redis(_) => None,
        }
    }

    /// Lets pending writes land and closes connections; for shutdown.
    pub async fn close(&self) {
        match &self.0.backend {
            Backend::Sqlite(store) => store.pool().close().await,
            Backend::Postgres(store) => store.pool().close().await,
            Backend::Redis(store) => {
                if let Err(err) = store.pool().quit().await {
                    tracing::warn!(error = %err, "closing the Redis connections failed");
                }
            }
            Backend::Memory(_) => {}
        }
    }
}
