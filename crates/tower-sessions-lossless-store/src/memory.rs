//! The throwaway store: a map in this process.
//!
//! Records are kept encoded, as in the other backends, so saves compare them
//! the same way.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, MutexGuard, PoisonError},
};

use async_trait::async_trait;
use time::OffsetDateTime;

use crate::{backend::Backend, Id, Kind, StoreFailure};

pub const KIND: Kind = Kind {
    name: "memory",
    label: "memory",
    schemes: &["memory"],
    check: |text| match text {
        "memory" => Ok(()),
        _ => Err("`memory` takes nothing after it".into()),
    },
    advice: "nothing: the memory store opens in this process",
    open: |_| Box::pin(async { Ok(Arc::new(Memory::default()) as Arc<dyn Backend>) }),
    can_be_held_alone: false,
};

struct Entry {
    bytes: Vec<u8>,
    expiry: OffsetDateTime,
}

impl Entry {
    fn live(&self) -> bool {
        self.expiry > OffsetDateTime::now_utc()
    }
}

#[derive(Clone, Default)]
pub struct Memory(Arc<Mutex<HashMap<Id, Entry>>>);

impl std::fmt::Debug for Memory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Memory")
    }
}

impl Memory {
    fn entries(&self) -> MutexGuard<'_, HashMap<Id, Entry>> {
        // No code path panics while holding the lock; if one ever does, the
        // map is still consistent (every change is one insert or remove).
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[async_trait]
impl Backend for Memory {
    fn kind(&self) -> &'static str {
        KIND.name
    }

    async fn insert(
        &self,
        id: &Id,
        bytes: &[u8],
        expiry: OffsetDateTime,
    ) -> Result<bool, StoreFailure> {
        let mut entries = self.entries();
        if entries.get(id).is_some_and(Entry::live) {
            return Ok(false);
        }
        let bytes = bytes.to_vec();
        entries.insert(*id, Entry { bytes, expiry });
        Ok(true)
    }

    async fn fetch(&self, id: &Id) -> Result<Option<Vec<u8>>, StoreFailure> {
        let entries = self.entries();
        Ok(entries
            .get(id)
            .filter(|e| e.live())
            .map(|e| e.bytes.clone()))
    }

    async fn replace(
        &self,
        id: &Id,
        expected: &[u8],
        bytes: &[u8],
        expiry: OffsetDateTime,
    ) -> Result<bool, StoreFailure> {
        let mut entries = self.entries();
        let Some(entry) = entries.get_mut(id).filter(|e| e.live()) else {
            return Ok(false);
        };
        if expected != entry.bytes {
            return Ok(false);
        }
        *entry = Entry {
            bytes: bytes.to_vec(),
            expiry,
        };
        Ok(true)
    }

    async fn remove(&self, id: &Id) -> Result<(), StoreFailure> {
        self.entries().remove(id);
        Ok(())
    }

    async fn ping(&self) -> Result<(), StoreFailure> {
        Ok(())
    }

    fn worth_caching(&self) -> bool {
        false
    }

    fn live_count(&self) -> Option<usize> {
        Some(self.entries().values().filter(|entry| entry.live()).count())
    }

    async fn count_live(&self) -> Result<u64, StoreFailure> {
        Ok(u64::try_from(self.live_count().unwrap_or(0)).unwrap_or(u64::MAX))
    }

    async fn delete_expired(&self) -> Result<u64, StoreFailure> {
        let mut entries = self.entries();
        let before = entries.len();
        entries.retain(|_, entry| entry.live());
        Ok(u64::try_from(before - entries.len()).unwrap_or(u64::MAX))
    }
}
