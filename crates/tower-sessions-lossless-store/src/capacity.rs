//! The bound on how many live sessions the store holds
//! ([`crate::StoreSettings::max_sessions`]): past it a new session is
//! refused ([`StoreFailure::Full`]; an app answers it with a 503), and
//! every session already stored keeps being read and written.
//!
//! Counting costs no store call per creation. The store is counted every
//! [`Backend::count_every`] (SQL and memory: 5 s, a `COUNT(*)` over the
//! live rows; Redis: 1 s, `DBSIZE`), in a task of its own, never on a
//! request's path; between counts this instance adds the sessions it
//! creates and takes off those it deletes. So on one instance the estimate
//! is off only by the sessions that expired since the last count (it errs
//! high: a refusal, never an overshoot); instances sharing a store see
//! each other's creations only at their next count, so together they can
//! overshoot by what the others create in one interval. Creations already
//! past the check when the bound is reached all land: it can be passed by
//! as many as are in flight at once.

use std::{
    sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering},
    time::{Duration, Instant},
};

use crate::{backend::Backend, OncePerMinute, Store, StoreFailure};

/// The most live sessions the store may hold, unless
/// [`crate::StoreSettings::max_sessions`] says otherwise (on Redis the
/// default comes from its `maxmemory`).
pub const MAX_SESSIONS: u64 = 1_000_000;

/// What a backend knows of its own room for sessions, at start-up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Room {
    /// Nothing of its own bounds it (a file, a database, this process's
    /// memory): [`MAX_SESSIONS`] unless `max_sessions` is set.
    Unbounded,
    /// Its server says how much it may hold.
    Derived {
        /// This many sessions.
        sessions: u64,
        /// How that was worked out, for the log.
        how: String,
    },
    /// Its server may have a limit that could not be read, or has none: why,
    /// for the log; [`MAX_SESSIONS`] applies.
    Unknown(String),
}

/// The bound and the running estimate of the live sessions.
#[derive(Debug)]
pub struct Capacity {
    max: u64,
    /// The last count, less what `delta` was when it began.
    offset: AtomicI64,
    /// Sessions this instance created less those it deleted, ever.
    delta: AtomicI64,
    /// When the last count began, in ms since `started`.
    counted_ms: AtomicU64,
    counting: AtomicBool,
    every: Duration,
    started: Instant,
    log: OncePerMinute,
}

impl Capacity {
    /// The bound: `configured` (the settings' `max_sessions`) when set,
    /// else what the backend's `room` allows, else [`MAX_SESSIONS`]; logged
    /// with where it came from.
    pub(crate) fn new(configured: Option<u64>, room: Room, every: Duration) -> Self {
        let max = match (configured, room) {
            (Some(max), Room::Derived { sessions, how }) => {
                if max > sessions {
                    tracing::warn!(max_sessions = max, room = sessions, "max_sessions is more than the store has room for ({how}); a flood could fill it");
                } else {
                    tracing::info!(max_sessions = max, "session store bound: max_sessions, as set (the store has room for {sessions}: {how})");
                }
                max
            }
            (Some(max), _) => {
                tracing::info!(
                    max_sessions = max,
                    "session store bound: max_sessions, as set"
                );
                max
            }
            (None, Room::Derived { sessions, how }) => {
                tracing::info!(
                    max_sessions = sessions,
                    "session store bound: {how} (max_sessions unset)"
                );
                sessions
            }
            (None, Room::Unknown(why)) => {
                tracing::warn!(max_sessions = MAX_SESSIONS, "session store bound: the default, {MAX_SESSIONS}: {why}; set max_sessions to what the store can hold");
                MAX_SESSIONS
            }
            (None, Room::Unbounded) => {
                tracing::info!(
                    max_sessions = MAX_SESSIONS,
                    "session store bound: the default (max_sessions unset)"
                );
                MAX_SESSIONS
            }
        };
        Self {
            max,
            offset: AtomicI64::new(0),
            delta: AtomicI64::new(0),
            counted_ms: AtomicU64::new(0),
            counting: AtomicBool::new(false),
            every,
            started: Instant::now(),
            log: OncePerMinute::default(),
        }
    }

    /// The most live sessions the store may hold.
    pub fn max(&self) -> u64 {
        self.max
    }

    /// How many live sessions the store holds, as far as this instance knows.
    pub fn estimate(&self) -> i64 {
        self.offset.load(Ordering::Acquire) + self.delta.load(Ordering::Acquire)
    }

    fn is_full(&self) -> bool {
        self.estimate() >= i64::try_from(self.max).unwrap_or(i64::MAX)
    }

    fn created(&self) {
        self.delta.fetch_add(1, Ordering::AcqRel);
    }

    fn deleted(&self) {
        self.delta.fetch_sub(1, Ordering::AcqRel);
    }

    /// Counts the store now (start-up, and the tests).
    ///
    /// # Errors
    /// [`StoreFailure`] when the store cannot be counted.
    pub(crate) async fn count(&self, backend: &dyn Backend) -> Result<(), StoreFailure> {
        let since = self.delta.load(Ordering::Acquire);
        let now = self.now_ms();
        let live = backend.count_live().await?;
        let live = i64::try_from(live).unwrap_or(i64::MAX);
        self.offset.store(live - since, Ordering::Release);
        self.counted_ms.store(now, Ordering::Release);
        Ok(())
    }

    /// Whether a count is due, claiming it if so: one at a time.
    fn count_is_due(&self) -> bool {
        let since = self
            .now_ms()
            .saturating_sub(self.counted_ms.load(Ordering::Acquire));
        u128::from(since) >= self.every.as_millis() && !self.counting.swap(true, Ordering::AcqRel)
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX)
    }
}

impl Store {
    /// Refuses a new session when the store is full (counting it, and
    /// logging at most once a minute); starts a count when one is due.
    pub(crate) fn admit_new_session(&self) -> Result<(), StoreFailure> {
        let capacity = &self.0.capacity;
        if capacity.count_is_due() {
            let store = self.clone();
            tokio::spawn(async move {
                let capacity = &store.0.capacity;
                if let Err(err) = capacity.count(store.0.backend.as_ref()).await {
                    tracing::debug!(error = %err, "could not count the live sessions; will retry");
                }
                capacity.counting.store(false, Ordering::Release);
            });
        }
        if !capacity.is_full() {
            return Ok(());
        }
        self.0.observer.creation_refused_full();
        if let Some(left_out) = capacity.log.due() {
            tracing::warn!(
                max_sessions = capacity.max,
                live = capacity.estimate(),
                refused_before = left_out,
                "the session store is full: new sessions are refused (max_sessions); logged at most once a minute"
            );
        }
        Err(StoreFailure::Full)
    }

    /// A session was stored under a new id.
    pub(crate) fn session_stored(&self) {
        self.0.capacity.created();
    }

    /// A session was deleted.
    pub(crate) fn session_deleted(&self) {
        self.0.capacity.deleted();
    }

    /// The bound and the live sessions as this instance counts them.
    pub fn capacity(&self) -> &Capacity {
        &self.0.capacity
    }

    /// Counts the store now rather than at the next due count: for the
    /// tests, which must not wait out the interval between counts (5 s; 1 s
    /// on Redis).
    ///
    /// # Errors
    /// [`StoreFailure`] when the store cannot be counted.
    pub async fn recount(&self) -> Result<(), StoreFailure> {
        self.0.capacity.count(self.0.backend.as_ref()).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bound_is_the_setting_else_the_room_else_the_default() {
        let every = Duration::from_secs(5);
        let derived = || Room::Derived {
            sessions: 10,
            how: "test".into(),
        };
        assert_eq!(Capacity::new(Some(7), derived(), every).max(), 7);
        assert_eq!(Capacity::new(None, derived(), every).max(), 10);
        assert_eq!(
            Capacity::new(None, Room::Unknown("x".into()), every).max(),
            MAX_SESSIONS
        );
        assert_eq!(
            Capacity::new(None, Room::Unbounded, every).max(),
            MAX_SESSIONS
        );
    }

    #[test]
    fn creations_and_deletions_move_the_estimate_between_counts() {
        let capacity = Capacity::new(Some(2), Room::Unbounded, Duration::from_secs(5));
        capacity.created();
        assert!(!capacity.is_full());
        capacity.created();
        assert!(capacity.is_full());
        capacity.deleted();
        assert!(!capacity.is_full());
    }
}
