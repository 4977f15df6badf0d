//! The throwaway store: a map in this process.
//!
//! Ours rather than tower-sessions' `MemoryStore`, whose `save` inserts: a
//! request that loaded a session before a pop would put it back. Here, as in
//! every backend, `save` only updates a record that is still there.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, PoisonError},
};

use async_trait::async_trait;
use time::OffsetDateTime;
use tower_sessions::{
    session::{Id, Record},
    session_store::{self, ExpiredDeletion, SessionStore},
};

#[derive(Debug, Clone, Default)]
pub struct Memory(Arc<Mutex<HashMap<Id, Record>>>);

impl Memory {
    fn records(&self) -> std::sync::MutexGuard<'_, HashMap<Id, Record>> {
        // No code path panics while holding the lock; if one ever does, the
        // map is still consistent (every change is one insert or remove).
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

fn live(record: &Record) -> bool {
    record.expiry_date > OffsetDateTime::now_utc()
}

#[async_trait]
impl SessionStore for Memory {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        let mut records = self.records();
        while records.contains_key(&record.id) {
            record.id = Id::default();
        }
        records.insert(record.id, record.clone());
        Ok(())
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        if let Some(stored) = self.records().get_mut(&record.id).filter(|r| live(r)) {
            stored.clone_from(record);
        }
        Ok(())
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        Ok(self.records().get(id).filter(|r| live(r)).cloned())
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        self.records().remove(id);
        Ok(())
    }
}

#[async_trait]
impl ExpiredDeletion for Memory {
    async fn delete_expired(&self) -> session_store::Result<()> {
        self.records().retain(|_, record| live(record));
        Ok(())
    }
}
