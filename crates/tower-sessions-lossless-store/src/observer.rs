//! What the store tells whoever watches it (an app's metrics, say): its
//! calls, its circuit breaker, its read cache, the sessions it sweeps and
//! those it refuses. Every label is a closed set named here; no session id
//! or value is ever passed.

use std::{any::Any, fmt, time::Duration};

/// Told what the store does. Every method does nothing unless implemented.
pub trait StoreObserver: Any + fmt::Debug + Send + Sync {
    /// Whether it records anything at all: when not, the store does not
    /// time its calls (no measuring wrapper is installed).
    fn is_enabled(&self) -> bool {
        true
    }

    /// One call made on the store, how it ended and how long it took
    /// (a [`CallOutcome::Refused`] call never reached the store).
    fn store_call(&self, _operation: Operation, _outcome: CallOutcome, _took: Duration) {}

    /// A save found its session written by another request since it read it.
    fn save_conflict(&self, _outcome: SaveConflict) {}

    /// The circuit breaker closed (`true`: calls go to the store) or opened.
    fn store_up(&self, _up: bool) {}

    /// A read answered from the read cache (`true`) or not found in it.
    fn cache_lookup(&self, _hit: bool) {}

    /// The sweep deleted `count` sessions past their expiry.
    fn sessions_expired(&self, _count: u64) {}

    /// A new session was refused, nothing stored: the store holds its most
    /// sessions already.
    fn creation_refused_full(&self) {}
}

/// Watches nothing; a store opened by [`crate::Store::connect`] has it.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoObserver;

impl StoreObserver for NoObserver {
    fn is_enabled(&self) -> bool {
        false
    }
}

/// A call on the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operation {
    /// Stores a record under a new id.
    Insert,
    /// Reads a record.
    Fetch,
    /// Replaces a record if it is unchanged since it was read.
    Replace,
    /// Deletes a record.
    Remove,
    /// Asks whether the store answers.
    Ping,
    /// The sweep: deletes every expired record.
    DeleteExpired,
}

impl Operation {
    /// Every operation.
    pub const ALL: [Self; 6] = [
        Self::Insert,
        Self::Fetch,
        Self::Replace,
        Self::Remove,
        Self::Ping,
        Self::DeleteExpired,
    ];

    /// Its name, as a label.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Insert => "insert",
            Self::Fetch => "fetch",
            Self::Replace => "replace",
            Self::Remove => "remove",
            Self::Ping => "ping",
            Self::DeleteExpired => "delete_expired",
        }
    }
}

/// How a store call ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CallOutcome {
    /// The store answered ("no such session" is an answer).
    Answered,
    /// The store answered with an error, or did not answer in time.
    Failed,
    /// Not asked: the circuit breaker is open.
    Refused,
}

impl CallOutcome {
    /// The outcomes that are errors.
    pub const ERRORS: [Self; 2] = [Self::Failed, Self::Refused];

    /// Its name, as a label.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Answered => "answered",
            Self::Failed => "failed",
            Self::Refused => "refused",
        }
    }
}

/// What a save did on finding that another request had written its
/// session since this one read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SaveConflict {
    /// Applied this request's changes to what is stored now.
    Merged,
    /// The session had been ended meanwhile: it stays ended, nothing written.
    Ended,
}

impl SaveConflict {
    /// Every outcome.
    pub const ALL: [Self; 2] = [Self::Merged, Self::Ended];

    /// Its name, as a label.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Merged => "merged",
            Self::Ended => "ended",
        }
    }
}
