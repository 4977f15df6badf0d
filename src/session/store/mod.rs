//! The session store, chosen at start-up from one URL (`SESSION_STORE`): one
//! file per backend, one type ([`Store`]) for the session layer whichever it is.

mod cache;
mod memory;
mod merge;
mod postgres;
mod records;
mod redis;
mod sqlite;
mod sweeper;
mod url;

use std::time::Duration;

use async_trait::async_trait;
use fred::interfaces::ClientLike;
use sqlx::Connection;
use time::OffsetDateTime;
use tower_sessions::{
    session::{Id, Record},
    session_store::{self, SessionStore},
};

use self::{cache::ReadCache, records::Records};
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
    Redis(redis::Redis),
    Memory(memory::Memory),
}

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
            url @ StoreUrl::Redis(_) => Backend::Redis(redis::Redis::connect(&url.expose()).await?),
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
            Backend::Redis(_) => "redis",
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
            Backend::Redis(store) => Ok(store.pool().ping::<()>(None).await?),
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
            Backend::Redis(_) => None,
        }
    }

    /// Lets pending writes land and closes connections; for shutdown.
    pub async fn close(&self) {
        match &self.backend {
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

/// How often a save re-reads and merges before giving up (a 503): only
/// requests of the same session, all changing it at once, can make it retry.
const SAVE_ATTEMPTS: usize = 16;

/// A merged record differing from the stored one only by less than this in
/// expiry is not written again.
const EXPIRY_SLACK: time::Duration = time::Duration::seconds(1);

/// Every write goes to the store first; the cache only ever holds what the
/// store returned or accepted. See [`merge`] for how concurrent saves of one
/// session keep each other's changes.
#[async_trait]
impl SessionStore for Store {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        // A new id for a loaded session (`cycle_id`) arrives still marked.
        merge::forget(record);
        let bytes = loop {
            let bytes = merge::encode(record)?;
            let inserted = with_store!(&self.backend, store =>
                store.insert(&record.id, &bytes, record.expiry_date).await)?;
            if inserted {
                break bytes;
            }
            record.id = Id::default();
        };
        if let Some(cache) = &self.cache {
            cache.put(record, &bytes).await;
        }
        // The session layer saves again after the handler: from these bytes.
        merge::remember(record, &bytes);
        Ok(())
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let saved = self.merge_into_store(record).await;
        if let Some(cache) = &self.cache {
            cache.forget(&record.id).await;
        }
        saved
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let cached = match &self.cache {
            Some(cache) => cache.get(id).await,
            None => None,
        };
        let (bytes, from_store) = match cached {
            Some(bytes) => (bytes, false),
            None => match with_store!(&self.backend, store => store.fetch(id).await)? {
                Some(bytes) => (bytes, true),
                None => return Ok(None),
            },
        };
        let mut record = merge::decode(&bytes)?;
        if record.expiry_date <= OffsetDateTime::now_utc() {
            return Ok(None);
        }
        // Only what came from the store: a hit must not restart its own TTL.
        if let (Some(cache), true) = (&self.cache, from_store) {
            cache.put(&record, &bytes).await;
        }
        merge::remember(&mut record, &bytes);
        Ok(Some(record))
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        if let Some(cache) = &self.cache {
            cache.forget(id).await;
        }
        with_store!(&self.backend, store => store.remove(id).await)
    }
}

impl Store {
    /// Writes `record` over the stored one if nobody changed that since it
    /// was loaded; otherwise applies this request's changes to what is
    /// stored now. A record deleted meanwhile stays deleted.
    async fn merge_into_store(&self, record: &Record) -> session_store::Result<()> {
        let mut ours = record.clone();
        let Some(mut expected) = merge::forget(&mut ours) else {
            // Not loaded through this store: update only, as it stands.
            let bytes = merge::encode(&ours)?;
            with_store!(&self.backend, store =>
                store.replace(&ours.id, None, &bytes, ours.expiry_date).await)?;
            return Ok(());
        };
        let base = merge::decode(&expected)?.data;
        let mut next = ours.clone();
        for _ in 0..SAVE_ATTEMPTS {
            let bytes = merge::encode(&next)?;
            let replaced = with_store!(&self.backend, store =>
                store.replace(&ours.id, Some(&expected), &bytes, ours.expiry_date).await)?;
            if replaced {
                return Ok(());
            }
            let Some(current) = with_store!(&self.backend, store => store.fetch(&ours.id).await)?
            else {
                return Ok(());
            };
            let stored = merge::decode(&current)?;
            let merged = merge::merge(&base, &ours.data, stored.data.clone());
            if merged == stored.data && stored.expiry_date + EXPIRY_SLACK >= ours.expiry_date {
                return Ok(());
            }
            next.data = merged;
            expected = current;
        }
        Err(session_store::Error::Backend(format!(
            "the session changed on every one of {SAVE_ATTEMPTS} attempts to save it"
        )))
    }
}
