//! The throwaway store: a map in this process.
//!
//! Ours rather than tower-sessions' `MemoryStore`, whose `save` inserts: a
//! request that loaded a session before a pop would put it back. Records are
//! kept encoded, as in the other backends, so saves compare them the same way.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, MutexGuard, PoisonError},
};

use async_trait::async_trait;
use time::OffsetDateTime;
use tower_sessions::{session::Id, session_store};

use super::records::{Records, Sweep};

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
impl Records for Memory {
    async fn insert(
        &self,
        id: &Id,
        bytes: &[u8],
        expiry: OffsetDateTime,
    ) -> session_store::Result<bool> {
        let mut entries = self.entries();
        if entries.get(id).is_some_and(Entry::live) {
            return Ok(false);
        }
        let bytes = bytes.to_vec();
        entries.insert(*id, Entry { bytes, expiry });
        Ok(true)
    }

    async fn fetch(&self, id: &Id) -> session_store::Result<Option<Vec<u8>>> {
        let entries = self.entries();
        Ok(entries
            .get(id)
            .filter(|e| e.live())
            .map(|e| e.bytes.clone()))
    }

    async fn replace(
        &self,
        id: &Id,
        expected: Option<&[u8]>,
        bytes: &[u8],
        expiry: OffsetDateTime,
    ) -> session_store::Result<bool> {
        let mut entries = self.entries();
        let Some(entry) = entries.get_mut(id).filter(|e| e.live()) else {
            return Ok(false);
        };
        if expected.is_some_and(|expected| expected != entry.bytes) {
            return Ok(false);
        }
        *entry = Entry {
            bytes: bytes.to_vec(),
            expiry,
        };
        Ok(true)
    }

    async fn remove(&self, id: &Id) -> session_store::Result<()> {
        self.entries().remove(id);
        Ok(())
    }
}

#[async_trait]
impl Sweep for Memory {
    async fn delete_expired(&self) -> session_store::Result<()> {
        self.entries().retain(|_, entry| entry.live());
        Ok(())
    }
}
