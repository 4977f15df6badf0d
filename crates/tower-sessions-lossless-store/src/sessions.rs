//! A session's life in the store: load, create, save (merged), delete; with
//! the read cache in front, and every write going to the store first.

use std::fmt;

use time::OffsetDateTime;

use crate::{merge, Data, Id, Record, RecordCodec, SaveConflict, Store, StoreFailure};

/// How often a save re-reads and merges before giving up (a 503): only
/// requests of the same session, all changing it at once, can make it retry.
const SAVE_ATTEMPTS: usize = 16;

/// A record differing from the stored one only by less than this in expiry
/// is not written again.
pub(crate) const EXPIRY_SLACK: time::Duration = time::Duration::seconds(1);

/// Whether a record stored under a new id is a new session, or an existing
/// one's new id (a login: the old record was just deleted, so the store
/// does not grow, and the visitor must not be turned away by the bound).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Creation {
    /// A visitor's first session: refused when the store is full.
    New,
    /// A stored session's new id.
    Renewal,
}

/// A record as the store holds it, with the exact bytes it was read from:
/// the base of the next save's compare-and-swap.
#[derive(Clone)]
pub struct Stored {
    /// The session.
    pub record: Record,
    /// The record as stored.
    pub bytes: Vec<u8>,
}

impl fmt::Debug for Stored {
    /// Keys only: values are the visitor's, and the id must not reach a log.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Stored")
            .field("keys", &self.record.data.keys().collect::<Vec<_>>())
            .field("expiry_date", &self.record.expiry_date)
            .field("bytes", &self.bytes.len())
            .finish()
    }
}

impl Stored {
    fn is_live(&self) -> bool {
        self.record.expiry_date > OffsetDateTime::now_utc()
    }
}

impl Store {
    /// The record `bytes` hold, brought to the app's current layout (see
    /// [`crate::StoreSettings::upgrade`]); the bytes stay as stored, for the
    /// compare-and-swap.
    pub(crate) fn decode(&self, bytes: Vec<u8>) -> Result<Stored, StoreFailure> {
        let mut record = Record::decode(&bytes)?;
        if let Some(upgrade) = self.0.upgrade {
            upgrade(&mut record.data);
        }
        Ok(Stored { record, bytes })
    }

    /// The live session `id`, if any.
    pub(crate) async fn load_stored(&self, id: &Id) -> Result<Option<Stored>, StoreFailure> {
        if let Some(cache) = &self.0.cache {
            let cached = cache.get(id);
            self.0.observer.cache_lookup(cached.is_some());
            if let Some(bytes) = cached {
                return Ok(Some(self.decode(bytes)?).filter(Stored::is_live));
            }
        }
        let ticket = self.0.cache.as_ref().map(|cache| cache.ticket(id));
        let Some(bytes) = self.0.backend.fetch(id).await? else {
            return Ok(None);
        };
        let stored = Some(self.decode(bytes)?).filter(Stored::is_live);
        // Only what came from the store: a hit must not restart its own TTL.
        if let (Some(cache), Some(ticket), Some(stored)) = (&self.0.cache, ticket, &stored) {
            cache.put_fetched(ticket, &stored.record, &stored.bytes);
        }
        Ok(stored)
    }

    /// Stores `record` under a new id (a fresh one if its own is taken):
    /// a new session, unless the store is full, or a renewed one.
    pub(crate) async fn create_stored(
        &self,
        mut record: Record,
        creation: Creation,
    ) -> Result<Stored, StoreFailure> {
        if creation == Creation::New {
            self.admit_new_session()?;
        }
        loop {
            let bytes = record.encode()?;
            if self
                .0
                .backend
                .insert(&record.id, &bytes, record.expiry_date)
                .await?
            {
                if let Some(cache) = &self.0.cache {
                    cache.put_created(&record, &bytes);
                }
                self.session_stored();
                return Ok(Stored { record, bytes });
            }
            record.id = Id::default();
        }
    }

    /// Writes into the store what `ours` changed from `seen`, compared with
    /// and swapped for `held` (what the store held when this request last
    /// read or wrote the session); re-read and merged again while other
    /// requests write in between. Returns what the store holds afterwards;
    /// `None` when the session was deleted meanwhile (it stays deleted).
    pub(crate) async fn save_merged(
        &self,
        ours: &Record,
        seen: &Data,
        held: &Stored,
    ) -> Result<Option<Stored>, StoreFailure> {
        let next = merged(seen, ours, &held.record);
        if unchanged(&held.record, &next) {
            // Nothing this request changed since its last read or write:
            // no call, and the read cache keeps what it holds.
            return Ok(Some(held.clone()));
        }
        let saved = self.merge_into_store(ours, seen, held, next).await;
        if let Some(cache) = &self.0.cache {
            cache.after_write(&ours.id);
        }
        saved
    }

    /// Writes `ours` whole over what the store holds, if it still holds the
    /// session; never creates one. For a record whose values were replaced
    /// wholesale (`Session::clear`): every key of it is this request's.
    pub(crate) async fn save_whole(&self, ours: &Record) -> Result<Option<Stored>, StoreFailure> {
        let saved = self.replace_whole(ours).await;
        if let Some(cache) = &self.0.cache {
            cache.after_write(&ours.id);
        }
        saved
    }

    async fn replace_whole(&self, ours: &Record) -> Result<Option<Stored>, StoreFailure> {
        let bytes = ours.encode()?;
        for _ in 0..SAVE_ATTEMPTS {
            let backend = &self.0.backend;
            let Some(current) = backend.fetch(&ours.id).await? else {
                self.0.observer.save_conflict(SaveConflict::Ended);
                return Ok(None);
            };
            if backend
                .replace(&ours.id, &current, &bytes, ours.expiry_date)
                .await?
            {
                return Ok(Some(Stored {
                    record: ours.clone(),
                    bytes,
                }));
            }
        }
        Err(StoreFailure::Contended(SAVE_ATTEMPTS))
    }

    /// Deletes session `id`, if it exists.
    pub(crate) async fn delete_stored(&self, id: &Id) -> Result<(), StoreFailure> {
        let removed = self.0.backend.remove(id).await;
        if let Some(cache) = &self.0.cache {
            cache.after_write(id);
        }
        if removed.is_ok() {
            self.session_deleted();
        }
        removed
    }

    /// `next`: what `ours` makes of `held`, the first attempt's write.
    async fn merge_into_store(
        &self,
        ours: &Record,
        seen: &Data,
        held: &Stored,
        mut next: Record,
    ) -> Result<Option<Stored>, StoreFailure> {
        let mut expected = held.bytes.clone();
        for attempt in 0..SAVE_ATTEMPTS {
            let bytes = next.encode()?;
            let backend = &self.0.backend;
            if backend
                .replace(&ours.id, &expected, &bytes, ours.expiry_date)
                .await?
            {
                if attempt > 0 {
                    self.0.observer.save_conflict(SaveConflict::Merged);
                }
                return Ok(Some(Stored {
                    record: next,
                    bytes,
                }));
            }
            let Some(current) = backend.fetch(&ours.id).await? else {
                self.0.observer.save_conflict(SaveConflict::Ended);
                return Ok(None);
            };
            let stored = self.decode(current)?;
            next = merged(seen, ours, &stored.record);
            if unchanged(&stored.record, &next) {
                // What this request would write is there already.
                self.0.observer.save_conflict(SaveConflict::Merged);
                return Ok(Some(stored));
            }
            expected = stored.bytes;
        }
        Err(StoreFailure::Contended(SAVE_ATTEMPTS))
    }
}

/// `ours`, with its values as they would be merged into `theirs`: what
/// `ours` changed since `seen`, applied to what `theirs` holds.
fn merged(seen: &Data, ours: &Record, theirs: &Record) -> Record {
    Record {
        id: ours.id,
        data: merge::merge(seen, &ours.data, theirs.data.clone()),
        expiry_date: ours.expiry_date,
    }
}

/// Whether writing `next` over `stored` would change nothing that matters.
fn unchanged(stored: &Record, next: &Record) -> bool {
    stored.data == next.data && stored.expiry_date + EXPIRY_SLACK >= next.expiry_date
}
