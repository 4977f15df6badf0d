//! The session layer's four calls (create, load, save, delete) on top of a
//! backend's records: the read cache, and merged saves (see [`super::merge`]).

use async_trait::async_trait;
use time::OffsetDateTime;
use tower_sessions::{
    session::{Id, Record},
    session_store::{self, SessionStore},
};

use super::{merge, records::Records, Backend, Store};

/// How often a save re-reads and merges before giving up (a 503): only
/// requests of the same session, all changing it at once, can make it retry.
const SAVE_ATTEMPTS: usize = 16;

/// A merged record differing from the stored one only by less than this in
/// expiry is not written again.
const EXPIRY_SLACK: time::Duration = time::Duration::seconds(1);

/// Every write goes to the store first; the cache only ever holds what the
/// store returned or accepted. See [`super::merge`] for how concurrent saves of one
/// session keep each other's changes.
#[async_trait]
impl SessionStore for Store {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        // A new id for a loaded session (`cycle_id`) arrives still marked.
        merge::forget(record);
        let bytes = loop {
            let bytes = merge::encode(record)?;
            let inserted = with_store!(&self.0.backend, store =>
                store.insert(&record.id, &bytes, record.expiry_date).await)?;
            if inserted {
                break bytes;
            }
            record.id = Id::default();
        };
        if let Some(cache) = &self.0.cache {
            cache.put_created(record, &bytes);
        }
        // The session layer saves again after the handler: from these bytes.
        merge::remember(record, &bytes);
        Ok(())
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let saved = self.merge_into_store(record).await;
        if let Some(cache) = &self.0.cache {
            cache.after_write(&record.id);
        }
        saved
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        if let Some(bytes) = self.0.cache.as_ref().and_then(|cache| cache.get(id)) {
            return live(&bytes);
        }
        let ticket = self.0.cache.as_ref().map(|cache| cache.ticket(id));
        let Some(bytes) = with_store!(&self.0.backend, store => store.fetch(id).await)? else {
            return Ok(None);
        };
        let record = live(&bytes)?;
        // Only what came from the store: a hit must not restart its own TTL.
        if let (Some(cache), Some(ticket), Some(record)) = (&self.0.cache, ticket, &record) {
            cache.put_fetched(ticket, record, &bytes);
        }
        Ok(record)
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        let removed = with_store!(&self.0.backend, store => store.remove(id).await);
        if let Some(cache) = &self.0.cache {
            cache.after_write(id);
        }
        removed
    }
}

/// The record `bytes` hold, marked as loaded from them; `None` once expired.
fn live(bytes: &[u8]) -> session_store::Result<Option<Record>> {
    let mut record = merge::decode(bytes)?;
    if record.expiry_date <= OffsetDateTime::now_utc() {
        return Ok(None);
    }
    merge::remember(&mut record, bytes);
    Ok(Some(record))
}

impl Store {
    /// Writes `record` over the stored one if nobody changed that since it
    /// was loaded; otherwise applies this request's changes to what is
    /// stored now. A record deleted meanwhile stays deleted.
    async fn merge_into_store(&self, record: &Record) -> session_store::Result<()> {
        let mut ours = record.clone();
        let Some(mut expected) = merge::forget(&mut ours) else {
            // Not loaded through this store: update only, as it stands.
            let bytes = merge::encode(&ours)?;
            with_store!(&self.0.backend, store =>
                store.replace(&ours.id, None, &bytes, ours.expiry_date).await)?;
            return Ok(());
        };
        let loaded = merge::decode(&expected)?;
        // The layer saves after the handler even when the handler has just
        // saved (or created) this very record: nothing to write then.
        if loaded.data == ours.data && loaded.expiry_date + EXPIRY_SLACK >= ours.expiry_date {
            return Ok(());
        }
        let base = loaded.data;
        let mut next = ours.clone();
        for _ in 0..SAVE_ATTEMPTS {
            let bytes = merge::encode(&next)?;
            let replaced = with_store!(&self.0.backend, store =>
                store.replace(&ours.id, Some(&expected), &bytes, ours.expiry_date).await)?;
            if replaced {
                return Ok(());
            }
            let Some(current) = with_store!(&self.0.backend, store => store.fetch(&ours.id).await)?
            else {
                return Ok(());
            };
            let stored = merge::decode(&current)?;
            let merged = merge::merge(&base, &ours.data, stored.data.clone());
            if merged == stored.data && stored.expiry_date + EXPIRY_SLACK >= ours.expiry_date {
                return Ok(());
            }
            next.data = merged;
            expected = current;
        }
        Err(session_store::Error::Backend(format!(
            "the session changed on every one of {SAVE_ATTEMPTS} attempts to save it"
        )))
    }
}
