//! Fail fast while the store is down: a circuit breaker around the backend.
//!
//! A dead store costs every request the full command timeout before its 503,
//! and each waiting request holds a connection and memory meanwhile. After
//! [`OPENS_AFTER`] failures in a row the breaker opens: calls fail at once,
//! without asking the store. Every [`PROBE_EVERY`] one call is let through as
//! a probe; its success closes the breaker, its failure keeps it open. Only
//! the store's own failures count (an error or a timeout): a record that does
//! not decode, or a contended save, says nothing about the store being up.
//!
//! The breaker never answers in the store's place: a refused call is an
//! error, so no session is lost, and none resurrected, by it.

use std::{
    sync::{
        atomic::{AtomicU32, AtomicU64, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

use async_trait::async_trait;
use time::OffsetDateTime;

use crate::{backend::Backend, Id, Room, StoreFailure, StoreObserver};

/// Failures in a row that open the breaker.
pub const OPENS_AFTER: u32 = 3;
/// How often an open breaker lets one call through to see if the store is back.
pub const PROBE_EVERY: Duration = Duration::from_millis(250);

/// A backend behind a breaker.
#[derive(Debug)]
pub struct Breaker {
    inner: Arc<dyn Backend>,
    born: Instant,
    failures: AtomicU32,
    /// While open: when the next probe may go, in ms since `born`; 0 when closed.
    next_probe_ms: AtomicU64,
    /// Told when the breaker opens or closes.
    observer: Arc<dyn StoreObserver>,
}

impl Breaker {
    pub fn new(inner: Arc<dyn Backend>, observer: Arc<dyn StoreObserver>) -> Self {
        Self {
            inner,
            born: Instant::now(),
            failures: AtomicU32::new(0),
            next_probe_ms: AtomicU64::new(0),
            observer,
        }
    }

    /// Whether the store is taken to be down (calls fail without asking it).
    pub fn is_open(&self) -> bool {
        self.next_probe_ms.load(Ordering::Acquire) != 0
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.born.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// Never 0 (which means "closed"): at least [`PROBE_EVERY`] from `born`.
    fn probe_later(&self) -> u64 {
        self.now_ms()
            .saturating_add(u64::try_from(PROBE_EVERY.as_millis()).unwrap_or(u64::MAX))
    }

    /// Whether a call may go to the store: always while closed; while open,
    /// one call per [`PROBE_EVERY`] (whoever moves the next probe's time on).
    fn admit(&self) -> bool {
        let due = self.next_probe_ms.load(Ordering::Acquire);
        if due == 0 {
            return true;
        }
        due <= self.now_ms()
            && self
                .next_probe_ms
                .compare_exchange(due, self.probe_later(), Ordering::AcqRel, Ordering::Acquire)
                .is_ok()
    }

    fn record<T>(&self, result: &Result<T, StoreFailure>) {
        match result {
            Err(StoreFailure::Backend(_)) => {
                let failures = self.failures.fetch_add(1, Ordering::AcqRel) + 1;
                if failures >= OPENS_AFTER && !self.is_open() {
                    tracing::warn!(
                        failures,
                        "the session store is down: failing fast, probing it every {PROBE_EVERY:?}"
                    );
                    self.next_probe_ms
                        .store(self.probe_later(), Ordering::Release);
                    // The state as it is now, not as this call left it: a
                    // success may have closed the breaker since.
                    self.observer.store_up(!self.is_open());
                }
            }
            _ => {
                self.failures.store(0, Ordering::Release);
                if self.next_probe_ms.swap(0, Ordering::AcqRel) != 0 {
                    tracing::info!("the session store answers again");
                    self.observer.store_up(!self.is_open());
                }
            }
        }
    }

    async fn call<T>(
        &self,
        call: impl std::future::Future<Output = Result<T, StoreFailure>>,
    ) -> Result<T, StoreFailure> {
        if !self.admit() {
            return Err(StoreFailure::Down);
        }
        let result = call.await;
        self.record(&result);
        result
    }
}

#[async_trait]
impl Backend for Breaker {
    fn kind(&self) -> &'static str {
        self.inner.kind()
    }

    async fn insert(
        &self,
        id: &Id,
        bytes: &[u8],
        expiry: OffsetDateTime,
    ) -> Result<bool, StoreFailure> {
        self.call(self.inner.insert(id, bytes, expiry)).await
    }

    async fn fetch(&self, id: &Id) -> Result<Option<Vec<u8>>, StoreFailure> {
        self.call(self.inner.fetch(id)).await
    }

    async fn replace(
        &self,
        id: &Id,
        expected: &[u8],
        bytes: &[u8],
        expiry: OffsetDateTime,
    ) -> Result<bool, StoreFailure> {
        self.call(self.inner.replace(id, expected, bytes, expiry))
            .await
    }

    async fn remove(&self, id: &Id) -> Result<(), StoreFailure> {
        self.call(self.inner.remove(id)).await
    }

    async fn ping(&self) -> Result<(), StoreFailure> {
        self.call(self.inner.ping()).await
    }

    fn needs_sweeping(&self) -> bool {
        self.inner.needs_sweeping()
    }

    async fn delete_expired(&self) -> Result<u64, StoreFailure> {
        self.call(self.inner.delete_expired()).await
    }

    fn held_alone(&self) -> bool {
        self.inner.held_alone()
    }

    fn worth_caching(&self) -> bool {
        self.inner.worth_caching()
    }

    fn live_count(&self) -> Option<usize> {
        self.inner.live_count()
    }

    async fn count_live(&self) -> Result<u64, StoreFailure> {
        self.call(self.inner.count_live()).await
    }

    fn count_every(&self) -> std::time::Duration {
        self.inner.count_every()
    }

    async fn room(&self) -> Room {
        self.inner.room().await
    }

    async fn close(&self) {
        self.inner.close().await;
    }
}
