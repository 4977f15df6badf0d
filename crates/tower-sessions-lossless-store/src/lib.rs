//! A session store that loses no write: concurrent saves of one session are
//! merged key by key, and a deleted session is never brought back. One URL
//! chooses the backend (SQLite, PostgreSQL, Redis or memory: one file each);
//! [`Store`] is the one type for the sessions whichever it is.
//!
//! Sessions are tower-sessions' own [`Record`]s, stored as MessagePack in
//! the layout tower-sessions' stores use.

#![forbid(unsafe_code)]
#![warn(missing_docs, clippy::missing_errors_doc)]

mod backend;
mod bases;
mod breaker;
mod cache;
mod capacity;
mod error;
mod measured;
mod memory;
mod merge;
mod migrations;
mod observer;
mod once_per_minute;
mod postgres;
mod record;
mod redis;
pub mod scope;
mod session_store;
mod sessions;
mod sqlite;
mod sweeper;
mod url;

use std::{future::Future, pin::Pin, sync::Arc, time::Duration};

use self::{
    backend::Backend, bases::Bases, breaker::Breaker, cache::ReadCache, measured::Measured,
};
pub use self::{
    bases::{BASE_KEY, BASE_TTL},
    cache::CachePolicy,
    capacity::{Capacity, Room, MAX_SESSIONS},
    error::{StoreError, StoreFailure},
    observer::{CallOutcome, NoObserver, Operation, SaveConflict, StoreObserver},
    once_per_minute::OncePerMinute,
    record::{CodecError, Data, Id, Record, RecordCodec},
    sessions::{Creation, Stored},
    sweeper::Sweeper,
    url::{BadStoreUrl, StoreUrl},
};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A backend being opened.
type Opening = Pin<Box<dyn Future<Output = Result<Arc<dyn Backend>, StoreError>> + Send>>;

/// A kind of store: the URL schemes it answers to and how it opens.
pub struct Kind {
    /// As health checks and the logs name it.
    pub name: &'static str,
    /// As the page names it.
    pub label: &'static str,
    schemes: &'static [&'static str],
    /// Checks a URL of this kind at start-up, before anything connects.
    check: fn(&str) -> Result<(), String>,
    /// What an operator should check when it cannot be opened at start-up.
    advice: &'static str,
    /// Opens the store.
    open: fn(OpenWith) -> Opening,
    /// Whether this instance can be the store's only user (and so cache it
    /// by default): only for a file it can lock.
    can_be_held_alone: bool,
}

/// What a backend is opened with.
struct OpenWith {
    url: String,
    /// This instance must be the store's only user.
    sole: bool,
    postgres_schema: String,
}

/// How the store is opened and looked after.
#[derive(Debug, Clone)]
pub struct StoreSettings {
    /// Which store.
    pub url: StoreUrl,
    /// What this instance may keep in memory of the sessions it reads.
    pub cache: CachePolicy,
    /// How often the SQL stores delete expired sessions.
    pub sweep_every: Duration,
    /// The most live sessions it may hold; `None`: what the store has room
    /// for, else [`MAX_SESSIONS`].
    pub max_sessions: Option<u64>,
    /// Brings a record written by an earlier version of the app to the
    /// layout it has now, as it is read (the bytes stay as stored, for the
    /// compare-and-swap; the new layout is written with the next save).
    pub upgrade: Option<fn(&mut Data)>,
    /// PostgreSQL only: the schema that holds the sessions table and
    /// sqlx's record of its migrations, created if missing: a plain name
    /// (a-z, 0-9, _). Another app's tables in the database are not touched.
    pub postgres_schema: String,
}

impl StoreSettings {
    /// `url` with the defaults: a sweep every five minutes; a read cache for
    /// a store this instance then holds alone (SQLite), none for the stores
    /// that several instances share.
    pub fn new(url: StoreUrl) -> Self {
        let cache = if url.kind().can_be_held_alone {
            CachePolicy::Sole
        } else {
            CachePolicy::Off
        };
        Self {
            url,
            cache,
            sweep_every: Duration::from_secs(300),
            max_sessions: None,
            upgrade: None,
            postgres_schema: postgres::DEFAULT_SCHEMA.to_owned(),
        }
    }
}

/// The session store in use, with its optional read cache. Cloned for every
/// request that needs it: one shared allocation.
#[derive(Debug, Clone)]
pub struct Store(Arc<Parts>);

#[derive(Debug)]
struct Parts {
    backend: Arc<dyn Backend>,
    bases: Bases,
    upgrade: Option<fn(&mut Data)>,
    cache: Option<ReadCache>,
    capacity: Capacity,
    label: &'static str,
    observer: Arc<dyn StoreObserver>,
}

impl Store {
    /// Opens the store `settings` names, creating or upgrading its tables.
    ///
    /// # Errors
    /// [`StoreError`] when it cannot be created, reached or migrated.
    pub async fn connect(settings: &StoreSettings) -> Result<Self, StoreError> {
        Self::connect_measured(settings, NoObserver).await
    }

    /// [`Store::connect`], telling `observer` of its calls, its cache and
    /// its sessions' lives.
    ///
    /// # Errors
    /// [`StoreError`] when it cannot be created, reached or migrated.
    pub async fn connect_measured(
        settings: &StoreSettings,
        observer: impl StoreObserver,
    ) -> Result<Self, StoreError> {
        let observer: Arc<dyn StoreObserver> = Arc::new(observer);
        let kind = settings.url.kind();
        let sole = settings.cache == CachePolicy::Sole;
        let opened = (kind.open)(OpenWith {
            url: settings.url.expose().to_owned(),
            sole,
            postgres_schema: settings.postgres_schema.clone(),
        })
        .await
        .map_err(|err| err.at(&settings.url))?;
        let mut backend: Arc<dyn Backend> = Arc::new(Breaker::new(opened, observer.clone()));
        if observer.is_enabled() {
            backend = Arc::new(Measured::new(backend, observer.clone()));
        }
        let cache = match settings.cache {
            _ if !backend.worth_caching() => None,
            CachePolicy::Off => None,
            CachePolicy::Ttl(ttl) => Some(ReadCache::new(Some(ttl))),
            CachePolicy::Sole if backend.held_alone() => Some(ReadCache::new(None)),
            CachePolicy::Sole => {
                let err = StoreError::explained(
                    kind.name,
                    "a cache that trusts this instance alone needs a store it can lock (SQLite)",
                );
                return Err(err.at(&settings.url));
            }
        };
        let capacity = Capacity::new(
            settings.max_sessions,
            backend.room().await,
            backend.count_every(),
        );
        if let Err(err) = capacity.count(backend.as_ref()).await {
            tracing::warn!(error = %err, "could not count the live sessions at start-up; counting from 0 until the next count");
        }
        Ok(Self(Arc::new(Parts {
            backend,
            bases: Bases::new(),
            upgrade: settings.upgrade,
            cache,
            capacity,
            label: kind.label,
            observer,
        })))
    }

    /// The backend's name, for health checks and the logs.
    pub fn kind(&self) -> &'static str {
        self.0.backend.kind()
    }

    /// The store's name as the page shows it ("SQLite", "Redis", …).
    pub fn label(&self) -> &'static str {
        self.0.label
    }

    /// The observer it was opened with, if that is a `T`.
    pub fn observer<T: StoreObserver>(&self) -> Option<&T> {
        let observer: &dyn std::any::Any = self.0.observer.as_ref();
        observer.downcast_ref()
    }

    /// Whether a read cache sits in front of the store.
    pub fn is_cached(&self) -> bool {
        self.0.cache.is_some()
    }

    /// Whether the store answers right now.
    ///
    /// # Errors
    /// [`StoreFailure`] when it does not.
    pub async fn ping(&self) -> Result<(), StoreFailure> {
        self.0.backend.ping().await
    }

    /// Starts deleting expired sessions every `every`; `None` for a store
    /// that expires them itself (Redis, by key TTLs).
    pub fn spawn_sweeper(&self, every: Duration) -> Option<Sweeper> {
        let backend = &self.0.backend;
        backend
            .needs_sweeping()
            .then(|| Sweeper::spawn(Arc::clone(backend), every, Arc::clone(&self.0.observer)))
    }

    /// How many live sessions the store holds, where that is known without
    /// asking a server (the memory store); `None` for the others.
    pub fn live_count(&self) -> Option<usize> {
        self.0.backend.live_count()
    }

    /// Lets pending writes land and closes connections; for shutdown.
    pub async fn close(&self) {
        self.0.backend.close().await;
    }
}
