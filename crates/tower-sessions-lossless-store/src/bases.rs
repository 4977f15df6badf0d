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

use std::{sync::Arc, time::Duration};

use moka::{policy::EvictionPolicy, sync::Cache};
use serde_json::Value;
use tower_sessions_core::session::Id;

use crate::{scope, Data, Stored};

/// The key of the token in a record's data while tower-sessions holds it;
/// never stored.
pub const BASE_KEY: &str = "tower-sessions-lossless-store:base";

/// How long a base outlives its load when no scope layer releases it: a
/// request that saves later than this after its load gets an error.
pub const BASE_TTL: Duration = Duration::from_secs(120);

/// The most bases kept at once (least recently used go first).
const MAX_BASES: u64 = 200_000;

/// What one request's session was at its load or its last save.
#[derive(Debug)]
pub(crate) struct Base {
    pub id: Id,
    /// The values the request's session held then.
    pub seen: Data,
    /// What the store held then.
    pub held: Stored,
}

/// One store instance's bases, by token.
#[derive(Debug, Clone)]
pub(crate) struct Bases(Cache<u64, Arc<Base>>);

impl Bases {
    pub fn new() -> Self {
        Self(
            Cache::builder()
                // Least recently used: a new base must always be admitted,
                // which moka's default (TinyLFU) does not promise.
                .eviction_policy(EvictionPolicy::lru())
                .max_capacity(MAX_BASES)
                .time_to_live(BASE_TTL)
                .build(),
        )
    }

    /// Keeps `base` under a new token and puts the token in `data`.
    pub fn hand_out(&self, base: Base, data: &mut Data) {
        let token: u64 = rand::random();
        self.0.insert(token, Arc::new(base));
        data.insert(BASE_KEY.to_owned(), Value::from(token));
        scope::handed_out(self, token);
    }

    /// Takes the token out of `data`: `None` when it holds none; else the
    /// token and the base it names (`None` when that is gone).
    pub fn take(&self, data: &mut Data) -> Option<(u64, Option<Arc<Base>>)> {
        let token = data.remove(BASE_KEY)?.as_u64()?;
        Some((token, self.0.get(&token)))
    }

    /// The base `token` names, if it is still kept.
    pub fn get(&self, token: u64) -> Option<Arc<Base>> {
        self.0.get(&token)
    }

    /// After a save: the base of the request's next one.
    pub fn replace(&self, token: u64, base: Base) {
        self.0.insert(token, Arc::new(base));
    }

    /// The request that held `token` is done.
    pub fn release(&self, token: u64) {
        self.0.invalidate(&token);
    }
}
