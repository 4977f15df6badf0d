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

/// Session records read recently, as stored (encoded), each kept for at
/// most the TTL or until the session's own expiry, whichever comes first.
#[derive(Debug, Clone)]
pub struct ReadCache {
    entries: Cache<Id, Entry>,
}

#[derive(Debug, Clone)]
struct Entry {
    bytes: Vec<u8>,
    expiry: OffsetDateTime,
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

    pub async fn get(&self, id: &Id) -> Option<Vec<u8>> {
        self.entries.get(id).await.map(|entry| entry.bytes)
    }

    /// Keeps `bytes`, the stored form of `record`.
    pub async fn put(&self, record: &Record, bytes: &[u8]) {
        let entry = Entry {
            bytes: bytes.to_vec(),
            expiry: record.expiry_date,
        };
        self.entries.insert(record.id, entry).await;
    }

    pub async fn forget(&self, id: &Id) {
        self.entries.invalidate(id).await;
    }
}

struct Lifetime(Duration);

impl Lifetime {
    fn of(&self, entry: &Entry) -> Duration {
        let left = entry.expiry - OffsetDateTime::now_utc();
        let left = Duration::try_from(left).unwrap_or(Duration::ZERO);
        left.min(self.0)
    }
}

impl Expiry<Id, Entry> for Lifetime {
    fn expire_after_create(&self, _: &Id, entry: &Entry, _: Instant) -> Option<Duration> {
        Some(self.of(entry))
    }

    fn expire_after_update(
        &self,
        _: &Id,
        entry: &Entry,
        _: Instant,
        _: Option<Duration>,
    ) -> Option<Duration> {
        Some(self.of(entry))
    }
}
