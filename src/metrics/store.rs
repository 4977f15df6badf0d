//! The session store's reports, recorded under the names and labels of
//! [`super::families`]: the app's [`Metrics`] are the store's observer.

use std::time::Duration;

use tower_sessions_lossless_store::{CallOutcome, Operation, SaveConflict, Store, StoreObserver};

use super::{
    labels::{ConflictLabels, OperationLabels, StoreErrorLabels},
    CreationRefusal, EndReason, Metrics,
};

impl StoreObserver for Metrics {
    fn is_enabled(&self) -> bool {
        self.0.is_some()
    }

    /// A refused call never reached the store: its time is not the
    /// store's, so it is left out of the latency histogram.
    fn store_call(&self, operation: Operation, outcome: CallOutcome, took: Duration) {
        let Some(f) = &self.0 else { return };
        let labels = OperationLabels::of(operation);
        f.store_calls.get_or_create(&labels).inc();
        if outcome != CallOutcome::Refused {
            f.store_call_seconds
                .get_or_create(&labels)
                .observe(took.as_secs_f64());
        }
        if outcome != CallOutcome::Answered {
            f.store_errors
                .get_or_create(&StoreErrorLabels::of(operation, outcome))
                .inc();
        }
    }

    fn save_conflict(&self, outcome: SaveConflict) {
        if let Some(f) = &self.0 {
            f.conflicts
                .get_or_create(&ConflictLabels::of(outcome))
                .inc();
        }
    }

    fn store_up(&self, up: bool) {
        if let Some(f) = &self.0 {
            f.store_up.set(i64::from(up));
        }
    }

    fn cache_lookup(&self, hit: bool) {
        if let Some(f) = &self.0 {
            if hit { &f.cache_hits } else { &f.cache_misses }.inc();
        }
    }

    /// The idle timeout is the record's own expiry: the sweep is where it
    /// is seen (see [`EndReason::HELP`]).
    fn sessions_expired(&self, count: u64) {
        self.sessions_ended(EndReason::ExpiredSweep, count);
    }

    fn creation_refused_full(&self) {
        self.creation_refused(CreationRefusal::StoreFull);
    }
}

/// The metrics a store records into.
pub trait StoreMetrics {
    /// The [`Metrics`] it was opened with; disabled ones when it was opened
    /// without (or with another observer).
    fn metrics(&self) -> &Metrics;
}

impl StoreMetrics for Store {
    fn metrics(&self) -> &Metrics {
        const DISABLED: &Metrics = &Metrics(None);
        self.observer::<Metrics>().unwrap_or(DISABLED)
    }
}
