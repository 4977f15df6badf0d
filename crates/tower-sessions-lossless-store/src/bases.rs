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
//! Every request that loads a session hands out one and releases it, so
//! the map is quick_cache's: a sharded map with a bound and little
//! bookkeeping (moka's insert, invalidation and housekeeping, here before,
//! were a twentieth of a Redis read's CPU time). It has no expiry of its
//! own: a base past [`BASE_TTL`] is gone when looked up, and the bound
//! evicts those never released.

use std::{
    fmt,
    sync::Arc,
    time::{Duration, Instant},
};

use quick_cache::sync::Cache;

use serde_json::Value;
use time::OffsetDateTime;
use tower_sessions_core::session::Id;

use crate::{scope, Data, Stored};

/// The key of the token in a record's data while tower-sessions holds it;
/// never stored. `load` and `create` put it there; it points at the
/// record's base, what the store held when the request read the session,
/// which this store instance keeps (for [`BASE_TTL`] at most, or until
/// [`crate::scope::RequestScopeLayer`] releases it). A save compares the
/// store with its base and replaces the base with what it wrote.
pub const BASE_KEY: &str = "tower-sessions-lossless-store:base";

/// How long a base outlives its load when no scope layer releases it: a
/// request that saves later than this after its load gets an error.
pub const BASE_TTL: Duration = Duration::from_secs(120);

/// The most bases kept at once. A new one is always admitted: when the
/// map is full, one of those least used makes room.
const MAX_BASES: usize = 200_000;

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
pub(crate) struct Bases(Arc<Cache<u64, Slot>>);

#[derive(Clone)]
struct Slot {
    base: Arc<Base>,
    expires: Instant,
}

impl Slot {
    fn new(base: Arc<Base>) -> Self {
        Self {
            base,
            expires: Instant::now() + BASE_TTL,
        }
    }

    fn live(&self) -> bool {
        self.expires > Instant::now()
    }
}

/// Not the bases: their values are the visitors'.
impl fmt::Debug for Bases {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Bases({} kept)", self.0.len())
    }
}

impl Bases {
    pub fn new() -> Self {
        Self(Arc::new(Cache::new(MAX_BASES)))
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
        let slot = self.0.get(&token)?;
        if slot.live() {
            Some(slot.base)
        } else {
            self.0.remove(&token);
            None
        }
    }

    /// Whether `token` still names a base that `current` accepts; if so it
    /// is kept as if a save had just replaced it with itself.
    pub fn keep_if(&self, token: u64, current: impl FnOnce(&Base) -> bool) -> bool {
        match self.0.get(&token) {
            // `replace`, not `insert`: a base released meanwhile stays gone.
            Some(slot) if slot.live() && current(&slot.base) => {
                self.0.replace(token, Slot::new(slot.base), false).is_ok()
            }
            _ => false,
        }
    }

    /// After a save: the base of the request's next one.
    pub fn replace(&self, token: u64, base: Base) {
        self.0.insert(token, Slot::new(Arc::new(base)));
    }

    /// The request that held `token` is done.
    pub fn release(&self, token: u64) {
        self.0.remove(&token);
    }
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

    /// Bases with one handed out: the data that carries its token, and the token.
    fn one_handed_out() -> (Bases, Data, u64) {
        let bases = Bases::new();
        let mut data = Data::new();
        bases.hand_out(base(), &mut data);
        let token = data[BASE_KEY].as_u64().unwrap();
        (bases, data, token)
    }

    #[test]
    fn a_base_is_kept_until_released_and_its_token_taken_once() {
        let (bases, mut data, token) = one_handed_out();
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

    /// A full map admits a new base.
    #[test]
    fn a_full_map_makes_room_for_a_new_base() {
        let bases = Bases::new();
        for token in 0..=MAX_BASES as u64 {
            bases.replace(token, base());
        }
        assert!(bases.get(MAX_BASES as u64).is_some());
        assert!(bases.0.len() <= MAX_BASES);
    }

    /// A base older than `BASE_TTL` is gone: a save that needs it is
    /// refused rather than compared with a base nothing released.
    #[test]
    fn a_base_past_its_ttl_is_gone() {
        let (bases, mut data, token) = one_handed_out();
        let slot = bases.0.get(&token).unwrap();
        let past = Instant::now()
            .checked_sub(Duration::from_millis(1))
            .unwrap();
        bases.0.insert(
            token,
            Slot {
                expires: past,
                ..slot
            },
        );
        assert!(!bases.keep_if(token, |_| true), "kept past its TTL");
        assert!(
            bases.take(&mut data).unwrap().1.is_none(),
            "found past its TTL"
        );
        assert!(
            bases.0.get(&token).is_none(),
            "not dropped once found stale"
        );
    }
}
