//! The base of each save: what a request's session was when it loaded it.
//!
//! tower-sessions hands [`SessionStore::save`](tower_sessions_core::SessionStore::save)
//! only the record it wants stored, nothing of what it loaded, and cannot
//! take anything back from it (`&Record`). A compare-and-swap needs both. So
//! `load` and `create` put a token in the record's data ([`BASE_KEY`]), and
//! the token points here: at what the store held when the request read the
//! session, and at the values the session held then (what its changes are
//! measured from). Each save replaces the entry with what it wrote, so a
//! request's second save (the session layer's trailing one after an
//! explicit save) compares with its own first write, never with an older
//! read that would undo what another request wrote in between.
//!
//! Entries are released when the request ends ([`crate::scope`]); those of
//! requests outside the scope layer expire after [`BASE_TTL`]. A save whose
//! entry is gone fails (closed: never a blind write).
//!
//! Every request that loads a session hands out one and releases it: a
//! plain map behind a lock per shard, not a cache with its own bookkeeping
//! (moka's insert, invalidation and housekeeping were a twentieth of a
//! Redis read's CPU time).

use std::{
    collections::HashMap,
    fmt,
    hash::{BuildHasherDefault, Hasher},
    sync::{Arc, Mutex, MutexGuard, PoisonError},
    time::{Duration, Instant},
};

use serde_json::Value;
use time::OffsetDateTime;
use tower_sessions_core::session::Id;

use crate::{scope, Data, Stored};

/// The key of the token in a record's data while tower-sessions holds it;
/// never stored.
pub const BASE_KEY: &str = "tower-sessions-lossless-store:base";

/// How long a base outlives its load when no scope layer releases it: a
/// request that saves later than this after its load gets an error.
pub const BASE_TTL: Duration = Duration::from_secs(120);

/// The most bases kept at once, a sixteenth in each shard (the least
/// recently used of a full shard goes first).
const MAX_BASES: usize = 200_000;

/// Tokens are random: any of their bits spread them evenly.
const SHARDS: usize = 16;

const PER_SHARD: usize = MAX_BASES / SHARDS;

/// What one request's session was at its load or its last save.
#[derive(Debug)]
pub(crate) struct Base {
    pub id: Id,
    /// The values the request's session held then; `None`: those the
    /// store held (a load or a create, where they are the same: not kept
    /// twice).
    pub seen: Option<Data>,
    /// What the store held then.
    pub held: Held,
}

/// What the store held at a request's load or last save.
#[derive(Debug)]
pub(crate) enum Held {
    /// The bytes a load read, decoded again only if the request saves:
    /// most requests only read, and the record they read is handed to
    /// tower-sessions without a copy.
    Read {
        bytes: Vec<u8>,
        expiry_date: OffsetDateTime,
    },
    /// What a create or a save wrote.
    Written(Stored),
}

impl Held {
    pub fn expiry_date(&self) -> OffsetDateTime {
        match self {
            Self::Read { expiry_date, .. } => *expiry_date,
            Self::Written(stored) => stored.record.expiry_date,
        }
    }
}

/// One store instance's bases, by token.
#[derive(Clone)]
pub(crate) struct Bases(Arc<[Mutex<Shard>; SHARDS]>);

#[derive(Default)]
struct Shard {
    slots: HashMap<u64, Slot, BuildHasherDefault<TokenHasher>>,
    /// Counts uses, to tell the least recently used slot.
    clock: u64,
    /// When expired slots were last dropped.
    swept: Option<Instant>,
}

struct Slot {
    base: Arc<Base>,
    expires: Instant,
    used: u64,
}

/// Not the bases: their values are the visitors'.
impl fmt::Debug for Bases {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kept: usize = self.0.iter().map(|shard| lock(shard).slots.len()).sum();
        write!(f, "Bases({kept} kept)")
    }
}

impl Bases {
    pub fn new() -> Self {
        Self(Arc::new(std::array::from_fn(|_| Mutex::default())))
    }

    /// Keeps `base` under a new token and puts the token in `data`.
    pub fn hand_out(&self, base: Base, data: &mut Data) {
        let token: u64 = rand::random();
        self.replace(token, base);
        data.insert(BASE_KEY.to_owned(), Value::from(token));
        scope::handed_out(self, token);
    }

    /// Takes the token out of `data`: `None` when it holds none; else the
    /// token and the base it names (`None` when that is gone).
    pub fn take(&self, data: &mut Data) -> Option<(u64, Option<Arc<Base>>)> {
        let token = data.remove(BASE_KEY)?.as_u64()?;
        Some((token, self.get(token)))
    }

    /// The base `token` names, if it is still kept.
    pub fn get(&self, token: u64) -> Option<Arc<Base>> {
        let mut shard = self.shard(token);
        let now = Instant::now();
        shard.clock += 1;
        let clock = shard.clock;
        match shard.slots.get_mut(&token) {
            Some(slot) if slot.expires > now => {
                slot.used = clock;
                Some(Arc::clone(&slot.base))
            }
            Some(_) => {
                shard.slots.remove(&token);
                None
            }
            None => None,
        }
    }

    /// Whether `token` still names a base that `current` accepts; if so it
    /// is kept as if a save had just replaced it with itself.
    pub fn keep_if(&self, token: u64, current: impl FnOnce(&Base) -> bool) -> bool {
        let mut shard = self.shard(token);
        let now = Instant::now();
        shard.clock += 1;
        let clock = shard.clock;
        match shard.slots.get_mut(&token) {
            Some(slot) if slot.expires > now && current(&slot.base) => {
                slot.expires = now + BASE_TTL;
                slot.used = clock;
                true
            }
            _ => false,
        }
    }

    /// After a save: the base of the request's next one. A new base is
    /// always admitted: when the bases are full, the least recently used
    /// makes room.
    pub fn replace(&self, token: u64, base: Base) {
        let mut shard = self.shard(token);
        let now = Instant::now();
        shard.sweep(now);
        if shard.slots.len() >= PER_SHARD && !shard.slots.contains_key(&token) {
            shard.evict_least_recently_used();
        }
        shard.clock += 1;
        let slot = Slot {
            base: Arc::new(base),
            expires: now + BASE_TTL,
            used: shard.clock,
        };
        shard.slots.insert(token, slot);
    }

    /// The request that held `token` is done.
    pub fn release(&self, token: u64) {
        self.shard(token).slots.remove(&token);
    }

    fn shard(&self, token: u64) -> MutexGuard<'_, Shard> {
        // Neither the low bits (the map's index) nor the top ones (its
        // tags): within a shard, both stay random.
        lock(&self.0[(token >> 32) as usize % SHARDS])
    }
}

impl Shard {
    /// Drops the expired slots, at most once per tenth of [`BASE_TTL`]:
    /// only bases of requests outside a scope are left to expire.
    fn sweep(&mut self, now: Instant) {
        if self
            .swept
            .is_some_and(|swept| now.duration_since(swept) < BASE_TTL / 10)
        {
            return;
        }
        self.swept = Some(now);
        self.slots.retain(|_, slot| slot.expires > now);
    }

    fn evict_least_recently_used(&mut self) {
        let oldest = self
            .slots
            .iter()
            .min_by_key(|(_, slot)| slot.used)
            .map(|(token, _)| *token);
        if let Some(token) = oldest {
            self.slots.remove(&token);
        }
    }
}

/// A token is its own hash: tokens are random, and only this module makes
/// the ones a map holds (a forged one is only ever looked up), so no
/// visitor can pick keys that collide.
#[derive(Default)]
struct TokenHasher(u64);

impl Hasher for TokenHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(byte);
        }
    }

    fn write_u64(&mut self, token: u64) {
        self.0 = token;
    }
}

/// A poisoned lock only means another thread panicked while changing a
/// map whose every state is valid.
fn lock(shard: &Mutex<Shard>) -> MutexGuard<'_, Shard> {
    shard.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Record;

    fn base() -> Base {
        let record = Record {
            id: Id::default(),
            data: Data::new(),
            expiry_date: OffsetDateTime::now_utc(),
        };
        Base {
            id: record.id,
            seen: None,
            held: Held::Written(Stored {
                record,
                bytes: Vec::new(),
            }),
        }
    }

    #[test]
    fn a_base_is_kept_until_released_and_its_token_taken_once() {
        let bases = Bases::new();
        let mut data = Data::new();
        bases.hand_out(base(), &mut data);
        let token = data[BASE_KEY].as_u64().unwrap();
        assert!(bases.get(token).is_some());
        let (taken, found) = bases.take(&mut data).unwrap();
        assert_eq!(taken, token);
        assert!(found.is_some());
        assert!(
            bases.take(&mut data).is_none(),
            "the token is out of the data"
        );
        bases.release(token);
        assert!(bases.get(token).is_none());
    }

    /// A full shard admits a new base in place of its least recently used.
    #[test]
    fn a_full_shard_makes_room_for_a_new_base() {
        let bases = Bases::new();
        // Tokens below 2^32 share a shard.
        let tokens: Vec<u64> = (0..PER_SHARD as u64).collect();
        for &token in &tokens {
            bases.replace(token, base());
        }
        assert!(bases.get(tokens[0]).is_some(), "used: now the most recent");
        let new = PER_SHARD as u64;
        bases.replace(new, base());
        assert!(bases.get(new).is_some());
        assert!(bases.get(tokens[0]).is_some());
        assert!(
            bases.get(tokens[1]).is_none(),
            "the least recently used went"
        );
    }
}
