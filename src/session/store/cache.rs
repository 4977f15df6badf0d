//! An optional in-process read cache in front of a shared store.
//!
//! The trade-off: a hit skips the store, so a change made through another
//! instance (a pop, a new id) is seen here only once the entry is older than
//! the TTL. The TTL is therefore short and set on purpose
//! (`SESSION_CACHE_TTL_SECS`), and writes through this instance always go to
//! the store first, so the cache is never ahead of it.
//!
//! `tower_sessions::CachingSessionStore` with `tower-sessions-moka-store` was
//! the first choice, but it keeps an entry for the session's whole life (two
//! weeks by default) and writes cache and store concurrently, so a failed store
//! write could leave the cache ahead of the store. This wraps moka directly.

use std::time::{Duration, Instant};

use moka::{future::Cache, Expiry};
use time::OffsetDateTime;
use tower_sessions::session::{Id, Record};

const CAPACITY: u64 = 100_000;

/// Session records read recently, each kept for at most the TTL.
#[derive(Debug, Clone)]
pub struct ReadCache {
    entries: Cache<Id, Record>,
}

impl ReadCache {
    /// A cache whose entries live `ttl` (or less, if the session ends sooner).
    pub fn new(ttl: Duration) -> Self {
        Self {
            entries: Cache::builder()
                .max_capacity(CAPACITY)
                .expire_after(Lifetime(ttl))
                .build(),
        }
    }

    pub async fn get(&self, id: &Id) -> Option<Record> {
        self.entries.get(id).await
    }

    pub async fn put(&self, record: &Record) {
        self.entries.insert(record.id, record.clone()).await;
    }

    pub async fn forget(&self, id: &Id) {
        self.entries.invalidate(id).await;
    }
}

struct Lifetime(Duration);

impl Lifetime {
    fn of(&self, record: &Record) -> Duration {
        let left = record.expiry_date - OffsetDateTime::now_utc();
        let left = Duration::try_from(left).unwrap_or(Duration::ZERO);
        left.min(self.0)
    }
}

impl Expiry<Id, Record> for Lifetime {
    fn expire_after_create(&self, _: &Id, record: &Record, _: Instant) -> Option<Duration> {
        Some(self.of(record))
    }

    fn expire_after_update(
        &self,
        _: &Id,
        record: &Record,
        _: Instant,
        _: Option<Duration>,
    ) -> Option<Duration> {
        Some(self.of(record))
    }
}
