//! The in-process read cache in front of the store (see [`CachePolicy`]).
//!
//! Writes through this instance go to the store first; the cache only ever
//! holds what the store returned or accepted, and never what a fetch returned
//! before a write of the same session ended (see [`ReadCache::after_write`]).
//!
//! tower-sessions' `CachingSessionStore` with `tower-sessions-moka-store` was
//! the first choice, but it keeps an entry for the session's whole life even
//! in front of a shared store, and writes cache and store concurrently, so a
//! failed store write could leave the cache ahead of the store. This wraps
//! moka directly.

use std::{
    sync::{Arc, Mutex, PoisonError},
    time::{Duration, Instant},
};

use moka::{sync::Cache, Expiry};
use time::OffsetDateTime;

use crate::{Id, Record};

const CAPACITY: u64 = 100_000;
/// Writes of different sessions rarely share a stripe, so one session's
/// writes seldom cost another's cache fill.
const STRIPES: usize = 64;

/// What this instance may keep of the sessions it reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CachePolicy {
    /// Every read goes to the store.
    Off,
    /// Reads may be answered from memory for up to this long: a change made
    /// through another instance of a shared store is seen at most this late.
    Ttl(Duration),
    /// This instance is the store's only user (a SQLite file it holds an
    /// exclusive lock on), so everything written goes through it and an
    /// entry can live as long as its session.
    Sole,
}

impl std::fmt::Display for CachePolicy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Off => f.write_str("off"),
            Self::Ttl(ttl) => write!(f, "{}s", ttl.as_secs()),
            Self::Sole => f.write_str("sole user"),
        }
    }
}

/// Session records read recently, as stored (encoded).
#[derive(Clone)]
pub struct ReadCache {
    entries: Cache<Id, Entry>,
    /// Per stripe of ids, how many writes have ended.
    writes: Arc<[Mutex<u64>; STRIPES]>,
}

/// Not `Debug`, nor is the cache: its keys are session ids, its values
/// the visitors'.
#[derive(Clone)]
struct Entry {
    bytes: Vec<u8>,
    expiry: OffsetDateTime,
}

/// Taken before a fetch from the store; see [`ReadCache::put_fetched`].
pub struct Ticket {
    stripe: usize,
    writes: u64,
}

impl std::fmt::Debug for ReadCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ReadCache({} entries)", self.entries.entry_count())
    }
}

impl ReadCache {
    /// A cache whose entries live `ttl` (`None`: as long as their session).
    pub fn new(ttl: Option<Duration>) -> Self {
        Self {
            entries: Cache::builder()
                .max_capacity(CAPACITY)
                .expire_after(Lifetime(ttl))
                .build(),
            writes: Arc::new(std::array::from_fn(|_| Mutex::new(0))),
        }
    }

    pub fn get(&self, id: &Id) -> Option<Vec<u8>> {
        self.entries.get(id).map(|entry| entry.bytes)
    }

    /// Call before fetching `id` from the store.
    pub fn ticket(&self, id: &Id) -> Ticket {
        let stripe = stripe(id);
        Ticket {
            stripe,
            writes: *self.lock(stripe),
        }
    }

    /// Keeps what a fetch returned, unless a write of a session in the same
    /// stripe ended since its ticket: the fetch may then hold the old record,
    /// and keeping it would undo that write (a pop, say) for the entry's life.
    pub fn put_fetched(&self, ticket: Ticket, record: &Record, bytes: &[u8]) {
        let writes = self.lock(ticket.stripe);
        if *writes == ticket.writes {
            self.entries.insert(record.id, Entry::of(record, bytes));
        }
    }

    /// Keeps a record the store has just accepted under a new id.
    pub fn put_created(&self, record: &Record, bytes: &[u8]) {
        let _writes = self.lock(stripe(&record.id));
        self.entries.insert(record.id, Entry::of(record, bytes));
    }

    /// Call once a write of `id` to the store has ended, whatever its outcome.
    pub fn after_write(&self, id: &Id) {
        let mut writes = self.lock(stripe(id));
        *writes += 1;
        self.entries.invalidate(id);
    }

    fn lock(&self, stripe: usize) -> std::sync::MutexGuard<'_, u64> {
        // A counter cannot be left half-updated: a poisoned lock is still sound.
        self.writes[stripe]
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

fn stripe(id: &Id) -> usize {
    // Random bits: the low ones are as good as any.
    (id.0 as u64 % STRIPES as u64) as usize
}

impl Entry {
    fn of(record: &Record, bytes: &[u8]) -> Self {
        Self {
            bytes: bytes.to_vec(),
            expiry: record.expiry_date,
        }
    }
}

struct Lifetime(Option<Duration>);

impl Lifetime {
    fn of(&self, entry: &Entry) -> Duration {
        let left = entry.expiry - OffsetDateTime::now_utc();
        let left = Duration::try_from(left).unwrap_or(Duration::ZERO);
        self.0.map_or(left, |ttl| left.min(ttl))
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

#[cfg(test)]
mod tests {
    use super::*;

    fn record(id: Id) -> Record {
        Record {
            id,
            data: Default::default(),
            expiry_date: OffsetDateTime::now_utc() + time::Duration::hours(1),
        }
    }

    /// The interleaving behind a logged-out user served as logged in: a read
    /// fetched the session, a pop of it ended, then the read filled the cache.
    #[test]
    fn a_fetch_that_a_write_overtook_is_not_kept() {
        let cache = ReadCache::new(None);
        let id = Id::default();
        let ticket = cache.ticket(&id);
        cache.after_write(&id);
        cache.put_fetched(ticket, &record(id), b"before the pop");
        assert_eq!(cache.get(&id), None);

        let ticket = cache.ticket(&id);
        cache.put_fetched(ticket, &record(id), b"after the pop");
        assert_eq!(cache.get(&id).as_deref(), Some(&b"after the pop"[..]));
        cache.after_write(&id);
        assert_eq!(cache.get(&id), None, "a write drops the entry");
    }

    #[test]
    fn an_entry_lives_no_longer_than_its_session() {
        let cache = ReadCache::new(None);
        let mut ending = record(Id::default());
        ending.expiry_date = OffsetDateTime::now_utc() - time::Duration::seconds(1);
        cache.put_created(&ending, b"ended");
        assert_eq!(cache.get(&ending.id), None);
    }
}
