//! The session store, chosen at start-up from one URL (`SESSION_STORE`): one
//! file per backend, one type ([`Store`]) for the session layer whichever it is.

mod cache;
mod memory;
mod postgres;
mod redis;
mod sqlite;
mod sweeper;
mod url;

use std::time::Duration;

use async_trait::async_trait;
use fred::{clients::Pool as RedisPool, interfaces::ClientLike};
use sqlx::Connection;
use tower_sessions::{
    session::{Id, Record},
    session_store::{self, SessionStore},
};
use tower_sessions_redis_store::RedisStore;

use self::cache::ReadCache;
pub use self::{
    sweeper::Sweeper,
    url::{BadStoreUrl, StoreUrl},
};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// How the store is opened and looked after.
#[derive(Debug, Clone)]
pub struct StoreSettings {
    pub url: StoreUrl,
    /// `Some(ttl)` puts a read cache in front of the store (off by default).
    pub cache_ttl: Option<Duration>,
    /// How often the SQL stores delete expired sessions.
    pub sweep_every: Duration,
}

impl StoreSettings {
    /// `url` with the defaults: no cache, a sweep every five minutes.
    pub fn new(url: StoreUrl) -> Self {
        Self {
            url,
            cache_ttl: None,
            sweep_every: Duration::from_secs(300),
        }
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
    Redis {
        store: RedisStore<RedisPool>,
        pool: RedisPool,
    },
    Memory(memory::Memory),
}

/// Runs `$body` with `$store` bound to whichever backend `$backend` holds,
/// so a new backend is one line here rather than one per store method.
macro_rules! with_store {
    ($backend:expr, $store:ident => $body:expr) => {
        match $backend {
            Backend::Sqlite($store) => $body,
            Backend::Postgres($store) => $body,
            Backend::Redis { store: $store, .. } => $body,
            Backend::Memory($store) => $body,
        }
    };
}

/// The session store in use, with its optional read cache.
#[derive(Debug, Clone)]
pub struct Store {
    backend: Backend,
    cache: Option<ReadCache>,
}

impl Store {
    /// Opens the store `settings` names, creating its table if needed.
    ///
    /// # Errors
    /// [`StoreError`] when it cannot be created, reached or migrated.
    pub async fn connect(settings: &StoreSettings) -> Result<Self, StoreError> {
        let backend = match &settings.url {
            StoreUrl::Memory => Backend::Memory(memory::Memory::default()),
            StoreUrl::Sqlite(path) => Backend::Sqlite(sqlite::Sqlite::connect(path).await?),
            url @ StoreUrl::Postgres(_) => {
                Backend::Postgres(postgres::Postgres::connect(&url.expose()).await?)
            }
            url @ StoreUrl::Redis(_) => {
                let (store, pool) = redis::connect(&url.expose()).await?;
                Backend::Redis { store, pool }
            }
        };
        Ok(Self {
            backend,
            cache: settings.cache_ttl.map(ReadCache::new),
        })
    }

    /// The backend's name, for `/healthz` and the logs.
    pub fn kind(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite(_) => "sqlite",
            Backend::Postgres(_) => "postgres",
            Backend::Redis { .. } => "redis",
            Backend::Memory(_) => "memory",
        }
    }

    /// Whether a read cache sits in front of the store.
    pub fn is_cached(&self) -> bool {
        self.cache.is_some()
    }

    /// Whether the store answers right now.
    ///
    /// # Errors
    /// The store's own error when it does not answer.
    pub async fn ping(&self) -> Result<(), BoxError> {
        match &self.backend {
            Backend::Sqlite(store) => Ok(store.pool().acquire().await?.ping().await?),
            Backend::Postgres(store) => Ok(store.pool().acquire().await?.ping().await?),
            Backend::Redis { pool, .. } => Ok(pool.ping::<()>(None).await?),
            Backend::Memory(_) => Ok(()),
        }
    }

    /// Starts deleting expired sessions every `every`; `None` for Redis,
    /// which expires them itself (key TTLs).
    pub fn spawn_sweeper(&self, every: Duration) -> Option<Sweeper> {
        match &self.backend {
            Backend::Sqlite(store) => Some(Sweeper::spawn(store.clone(), every, "sqlite")),
            Backend::Postgres(store) => Some(Sweeper::spawn(store.clone(), every, "postgres")),
            Backend::Memory(store) => Some(Sweeper::spawn(store.clone(), every, "memory")),
            Backend::Redis { .. } => None,
        }
    }

    /// Lets pending writes land and closes connections; for shutdown.
    pub async fn close(&self) {
        match &self.backend {
            Backend::Sqlite(store) => store.pool().close().await,
            Backend::Postgres(store) => store.pool().close().await,
            Backend::Redis { pool, .. } => {
                if let Err(err) = pool.quit().await {
                    tracing::warn!(error = %err, "closing the Redis connections failed");
                }
            }
            Backend::Memory(_) => {}
        }
    }
}

/// Every write goes to the store first; the cache only ever holds what the
/// store returned or accepted.
#[async_trait]
impl SessionStore for Store {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        with_store!(&self.backend, store => store.create(record).await)?;
        if let Some(cache) = &self.cache {
            cache.put(record).await;
        }
        Ok(())
    }

    /// Saves only update (a popped session stays popped), so whether the
    /// record is still there is the store's to say: the next read asks it.
    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let saved = with_store!(&self.backend, store => store.save(record).await);
        if let Some(cache) = &self.cache {
            cache.forget(&record.id).await;
        }
        saved
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        if let Some(record) = match &self.cache {
            Some(cache) => cache.get(id).await,
            None => None,
        } {
            return Ok(Some(record));
        }
        let record = with_store!(&self.backend, store => store.load(id).await)?;
        if let (Some(cache), Some(record)) = (&self.cache, &record) {
            cache.put(record).await;
        }
        Ok(record)
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        if let Some(cache) = &self.cache {
            cache.forget(id).await;
        }
        with_store!(&self.backend, store => store.delete(id).await)
    }
}
