//! Counts and times every call the sessions make on the store, in front of
//! the circuit breaker so that the calls it refuses are counted too. Only
//! installed when the store's observer records anything.

use std::{future::Future, sync::Arc, time::Instant};

use async_trait::async_trait;
use time::OffsetDateTime;

use crate::{backend::Backend, CallOutcome, Id, Operation, Room, StoreFailure, StoreObserver};

#[derive(Debug)]
pub struct Measured {
    inner: Arc<dyn Backend>,
    observer: Arc<dyn StoreObserver>,
}

impl Measured {
    pub fn new(inner: Arc<dyn Backend>, observer: Arc<dyn StoreObserver>) -> Self {
        Self { inner, observer }
    }

    async fn call<T>(
        &self,
        operation: Operation,
        call: impl Future<Output = Result<T, StoreFailure>>,
    ) -> Result<T, StoreFailure> {
        let started = Instant::now();
        let result = call.await;
        let outcome = match &result {
            Ok(_) => CallOutcome::Answered,
            Err(StoreFailure::Down) => CallOutcome::Refused,
            Err(_) => CallOutcome::Failed,
        };
        self.observer
            .store_call(operation, outcome, started.elapsed());
        result
    }
}

#[async_trait]
impl Backend for Measured {
    fn kind(&self) -> &'static str {
        self.inner.kind()
    }

    async fn insert(
        &self,
        id: &Id,
        bytes: &[u8],
        expiry: OffsetDateTime,
    ) -> Result<bool, StoreFailure> {
        self.call(Operation::Insert, self.inner.insert(id, bytes, expiry))
            .await
    }

    async fn fetch(&self, id: &Id) -> Result<Option<Vec<u8>>, StoreFailure> {
        self.call(Operation::Fetch, self.inner.fetch(id)).await
    }

    async fn replace(
        &self,
        id: &Id,
        expected: &[u8],
        bytes: &[u8],
        expiry: OffsetDateTime,
    ) -> Result<bool, StoreFailure> {
        let replace = self.inner.replace(id, expected, bytes, expiry);
        self.call(Operation::Replace, replace).await
    }

    async fn remove(&self, id: &Id) -> Result<(), StoreFailure> {
        self.call(Operation::Remove, self.inner.remove(id)).await
    }

    async fn ping(&self) -> Result<(), StoreFailure> {
        self.call(Operation::Ping, self.inner.ping()).await
    }

    fn needs_sweeping(&self) -> bool {
        self.inner.needs_sweeping()
    }

    async fn delete_expired(&self) -> Result<u64, StoreFailure> {
        self.call(Operation::DeleteExpired, self.inner.delete_expired())
            .await
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
        self.inner.count_live().await
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
