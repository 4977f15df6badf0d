//! tower-sessions' [`SessionStore`], on the [`Store`]: every save a
//! compare-and-swap against what the request loaded (see [`crate::bases`]),
//! merged key by key when another request of the session wrote meanwhile,
//! and never a write that brings back a session another request deleted.

use async_trait::async_trait;
use serde_json::Value;
use time::OffsetDateTime;
use tower_sessions_core::{
    session::{Id, Record},
    session_store::{self, ExpiredDeletion},
    Session, SessionStore,
};

use crate::{
    bases::{Base, Held, BASE_KEY},
    scope,
    sessions::EXPIRY_SLACK,
    Creation, Store, StoreFailure, Stored,
};

#[async_trait]
impl SessionStore for Store {
    /// Stores a new session under a fresh id (a new one if the record's is
    /// taken). A record that carries a base was loaded from this store and
    /// given a new id (`Session::cycle_id`, a login): its old record is
    /// deleted, so it is not held to the store's bound.
    ///
    /// # Errors
    /// The store is full (for a new session; see [`StoreFailure::Full`]),
    /// or cannot be written.
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        // Only a base this instance handed out and still keeps counts: a
        // token written into the data by anyone else is not a renewal.
        let renewal = matches!(self.0.bases.take(&mut record.data), Some((_, Some(_))));
        let creation = if renewal {
            Creation::Renewal
        } else {
            Creation::New
        };
        let stored = self
            .create_stored(record.clone(), creation)
            .await
            .map_err(failed)?;
        record.id = stored.record.id;
        self.0.bases.hand_out(
            Base {
                id: record.id,
                seen: None,
                held: Held::Written(stored),
            },
            &mut record.data,
        );
        Ok(())
    }

    /// Writes what the request changed since its load (or its last save)
    /// into what the store holds now. Nothing is written when nothing
    /// changed; nothing when another request deleted the session meanwhile
    /// (it stays deleted: see [`scope::SessionEnded`]).
    ///
    /// # Errors
    /// The store cannot be read or written; the record's base is gone (it
    /// was loaded longer than [`crate::bases::BASE_TTL`] ago, outside a
    /// [`scope::RequestScopeLayer`]); or the session kept changing under
    /// every attempt.
    async fn save(&self, record: &Record) -> session_store::Result<()> {
        // tower-sessions saves again after a handler that saved: when
        // nothing changed since, that is all the merge below would find,
        // without copying the record to find it.
        let token = record.data.get(BASE_KEY).and_then(Value::as_u64);
        if token.is_some_and(|token| self.0.bases.keep_if(token, |base| is_current(base, record))) {
            return Ok(());
        }
        let mut ours = record.clone();
        let saved = match self.0.bases.take(&mut ours.data) {
            Some((token, Some(base))) if base.id == ours.id => {
                self.save_on(&base, ours, token).await
            }
            Some(_) => Err(StoreFailure::NoBase),
            // The data was replaced whole (`Session::clear`): it is all ours.
            None => self.save_whole(&ours).await.map(|saved| saved.is_some()),
        };
        if !saved.map_err(failed)? {
            scope::session_ended();
        }
        Ok(())
    }

    /// The live session `id`, with a base for its saves.
    ///
    /// # Errors
    /// The store cannot be read, or holds something that is not a record.
    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let Some(Stored { mut record, bytes }) = self.load_stored(id).await.map_err(failed)? else {
            return Ok(None);
        };
        let held = Held::Read {
            bytes,
            expiry_date: record.expiry_date,
        };
        let base = Base {
            id: *id,
            seen: None,
            held,
        };
        self.0.bases.hand_out(base, &mut record.data);
        Ok(Some(record))
    }

    /// # Errors
    /// The store cannot be written.
    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        self.delete_stored(id).await.map_err(failed)
    }
}

impl Store {
    /// Saves `ours` against `base`, and keeps what it wrote as the base of
    /// the request's next save. `false`: the session was deleted meanwhile.
    async fn save_on(&self, base: &Base, ours: Record, token: u64) -> Result<bool, StoreFailure> {
        let read;
        let held = match &base.held {
            Held::Read { bytes, .. } => {
                read = self.decode(bytes.clone())?;
                &read
            }
            Held::Written(stored) => stored,
        };
        let seen = base.seen.as_ref().unwrap_or(&held.record.data);
        let Some(written) = self.save_merged(&ours, seen, held).await? else {
            return Ok(false);
        };
        let next = Base {
            id: ours.id,
            seen: Some(ours.data),
            held: Held::Written(written),
        };
        self.0.bases.replace(token, next);
        Ok(true)
    }

    /// When `session` ends if left idle, as the store holds it now (not
    /// when a save now would make it end, which is what tower-sessions'
    /// `Session::expiry_date` says); `None` when the store holds none for it.
    pub async fn stored_expiry(&self, session: &Session) -> Option<OffsetDateTime> {
        let token = session.get_value(BASE_KEY).await.ok()??.as_u64()?;
        Some(self.0.bases.get(token)?.held.expiry_date())
    }
}

#[async_trait]
impl ExpiredDeletion for Store {
    /// # Errors
    /// The store cannot be written.
    async fn delete_expired(&self) -> session_store::Result<()> {
        self.0
            .backend
            .delete_expired()
            .await
            .map(drop)
            .map_err(failed)
    }
}

/// Whether saving `record` against `base` would write nothing and find
/// nothing new: its values are those the base was written with (less the
/// token), and its expiry no later than [`EXPIRY_SLACK`] after the stored
/// one. Only a base a save wrote: one a load read would need decoding.
fn is_current(base: &Base, record: &Record) -> bool {
    let Held::Written(held) = &base.held else {
        return false;
    };
    let seen = base.seen.as_ref().unwrap_or(&held.record.data);
    base.id == record.id
        && held.record.expiry_date + EXPIRY_SLACK >= record.expiry_date
        && record.data.len() == seen.len() + 1
        && !seen.contains_key(BASE_KEY)
        && seen
            .iter()
            .all(|(key, value)| record.data.get(key) == Some(value))
}

/// As tower-sessions carries a store's errors: the message only, which
/// [`StoreFailure::of`] reads back; the failure itself goes to the request's
/// scope.
fn failed(failure: StoreFailure) -> session_store::Error {
    scope::call_failed(&failure);
    session_store::Error::Backend(failure.to_string())
}
