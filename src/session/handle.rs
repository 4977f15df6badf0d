//! One request's hold on its visitor's session: loaded from the store on
//! first use, changed in memory, and written back by [`Session::save`] (or
//! by the layer once the handler is done).
//!
//! Beside the values it keeps the record exactly as it was read (the base):
//! every save is a compare-and-swap against it, merged key by key when
//! another request of the same visitor saved meanwhile (see
//! [`Store::save`]). The base is never among the values, so
//! no key is hidden from a listing and no save can go without the check.

use std::{fmt, sync::Arc};

use serde::{de::DeserializeOwned, Serialize};
use serde_json::Value;
use time::OffsetDateTime;
use tokio::sync::{Mutex, MutexGuard};
use tower_sessions_lossless_store::{Creation, Data, Id, Record, Store, StoreFailure, Stored};

use super::lifetime::Lifetime;
use crate::metrics::{EndReason, StoreMetrics};

/// A cheap handle; clones share the same state.
#[derive(Clone)]
pub struct Session(Arc<Inner>);

struct Inner {
    store: Store,
    /// How long it may live; each save keeps the record `idle` longer.
    lifetime: Lifetime,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// The session's id: from the cookie until the store says it is unknown;
    /// `None` for a session not stored yet (or ended).
    id: Option<Id>,
    /// Whether the store was asked for the record yet.
    loaded: bool,
    data: Data,
    /// The record as stored under `id` when this request last read or
    /// wrote it.
    base: Option<Stored>,
    /// Values changed since the last save.
    modified: bool,
    /// Saved by this request: the response sets the cookie.
    saved: bool,
    /// The next save stores a session that had an id under a new one.
    renewing: bool,
}

/// What the response must do with the cookie once the handler is done.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Nothing to tell the browser.
    Unchanged,
    /// The session is stored under this id: set the cookie.
    Stored(Id),
    /// There is no session (it ended, or the cookie named none): drop the cookie.
    Gone,
}

impl fmt::Debug for Outcome {
    /// Never the id (its own `Debug` shows it).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Unchanged => "Unchanged",
            Self::Stored(_) => "Stored(<id>)",
            Self::Gone => "Gone",
        })
    }
}

impl Session {
    /// The session the cookie names (`None`: no cookie, or not an id).
    pub fn new(store: Store, lifetime: Lifetime, id: Option<Id>) -> Self {
        Self(Arc::new(Inner {
            store,
            lifetime,
            state: Mutex::new(State {
                id,
                ..State::default()
            }),
        }))
    }

    /// The limits its typed wrapper enforces.
    pub fn lifetime(&self) -> Lifetime {
        self.0.lifetime
    }

    /// The state, loaded from the store on first use.
    async fn loaded(&self) -> Result<MutexGuard<'_, State>, StoreFailure> {
        let mut state = self.0.state.lock().await;
        if !state.loaded {
            if let Some(id) = state.id {
                match self.0.store.load(&id).await? {
                    Some(stored) => {
                        state.data = stored.record.data.clone();
                        state.base = Some(stored);
                    }
                    // Unknown or expired: never adopted, a new one gets a new id.
                    None => state.id = None,
                }
            }
            state.loaded = true;
        }
        Ok(state)
    }

    /// The session's id once it is stored.
    ///
    /// # Errors
    /// [`StoreFailure`] when the store cannot be read.
    pub async fn id(&self) -> Result<Option<Id>, StoreFailure> {
        Ok(self.loaded().await?.id)
    }

    /// When the stored record ends if left idle (`None`: not stored).
    ///
    /// # Errors
    /// [`StoreFailure`] when the store cannot be read.
    pub async fn expires_at(&self) -> Result<Option<OffsetDateTime>, StoreFailure> {
        let state = self.loaded().await?;
        Ok(state.base.as_ref().map(|stored| stored.record.expiry_date))
    }

    /// The store's name, as the page shows it.
    pub fn store_label(&self) -> &'static str {
        self.0.store.label()
    }

    /// # Errors
    /// [`StoreFailure`] when the store cannot be read.
    pub async fn get<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, StoreFailure> {
        let state = self.loaded().await?;
        Ok(state
            .data
            .get(key)
            .and_then(|value| T::deserialize(value).ok()))
    }

    /// Every key and value, bookkeeping included.
    ///
    /// # Errors
    /// [`StoreFailure`] when the store cannot be read.
    pub async fn data(&self) -> Result<Data, StoreFailure> {
        Ok(self.loaded().await?.data.clone())
    }

    /// # Errors
    /// [`StoreFailure`] when the store cannot be read, or `value` is not
    /// representable as JSON.
    pub async fn insert(&self, key: &str, value: impl Serialize) -> Result<(), StoreFailure> {
        let value = serde_json::to_value(value)
            .map_err(|e| StoreFailure::backend(format!("a value could not be kept: {e}")))?;
        let mut state = self.loaded().await?;
        if state.data.get(key) != Some(&value) {
            state.data.insert(key.to_owned(), value);
            state.modified = true;
        }
        Ok(())
    }

    /// Removes `key`, returning its value.
    ///
    /// # Errors
    /// [`StoreFailure`] when the store cannot be read.
    pub async fn remove(&self, key: &str) -> Result<Option<Value>, StoreFailure> {
        let mut state = self.loaded().await?;
        let old = state.data.remove(key);
        state.modified |= old.is_some();
        Ok(old)
    }

    /// Gives the session a new id at its next save, and deletes the record
    /// under the old one now, so the old id stops working.
    ///
    /// # Errors
    /// [`StoreFailure`] when the store cannot be written.
    pub async fn cycle_id(&self) -> Result<(), StoreFailure> {
        let mut state = self.loaded().await?;
        if let Some(old) = state.id.take() {
            self.0.store.delete(&old).await?;
            state.renewing = true;
        }
        state.base = None;
        state.modified = true;
        Ok(())
    }

    /// Deletes the session, for `reason`: its record now, the cookie with
    /// the response.
    ///
    /// # Errors
    /// [`StoreFailure`] when the store cannot be written.
    pub async fn end(&self, reason: EndReason) -> Result<(), StoreFailure> {
        let mut state = self.loaded().await?;
        if let Some(id) = state.id.take() {
            self.0.store.delete(&id).await?;
            self.0.store.metrics().sessions_ended(reason, 1);
        }
        state.data.clear();
        state.base = None;
        state.modified = false;
        Ok(())
    }

    /// Writes the session to the store: a new record when it has no id yet,
    /// otherwise a merge into the stored one (see the module's comment).
    ///
    /// # Errors
    /// [`StoreFailure`] when the store cannot be written.
    pub async fn save(&self) -> Result<(), StoreFailure> {
        let mut state = self.loaded().await?;
        self.write(&mut state).await
    }

    async fn write(&self, state: &mut State) -> Result<(), StoreFailure> {
        let expiry_date = OffsetDateTime::now_utc()
            .checked_add(
                time::Duration::try_from(self.0.lifetime.idle).unwrap_or(time::Duration::MAX),
            )
            .unwrap_or(OffsetDateTime::now_utc());
        let stored = match (state.id, &state.base) {
            (Some(id), Some(base)) => {
                let ours = Record {
                    id,
                    data: state.data.clone(),
                    expiry_date,
                };
                self.0.store.save(&ours, base).await?
            }
            _ => {
                let record = Record {
                    id: Id::default(),
                    data: state.data.clone(),
                    expiry_date,
                };
                let creation = if state.renewing {
                    Creation::Renewal
                } else {
                    Creation::New
                };
                let created = self.0.store.create(record, creation).await?;
                state.renewing = false;
                let metrics = self.0.store.metrics();
                match creation {
                    Creation::Renewal => metrics.session_renewed(),
                    Creation::New => metrics.session_created(),
                }
                Some(created)
            }
        };
        match stored {
            Some(stored) => {
                state.id = Some(stored.record.id);
                state.data = stored.record.data.clone();
                state.base = Some(stored);
                state.saved = true;
            }
            // A concurrent request ended the session: it stays ended.
            None => {
                state.id = None;
                state.data.clear();
                state.base = None;
            }
        }
        state.modified = false;
        Ok(())
    }

    /// Saves what the handler left unsaved (unless the answer is a server
    /// error: its work may be half done) and says what the cookie needs.
    ///
    /// # Errors
    /// [`StoreFailure`] when the last save fails.
    pub async fn finish(&self, server_error: bool) -> Result<Outcome, StoreFailure> {
        let mut state = self.0.state.lock().await;
        if state.id.is_none() && state.data.is_empty() {
            return Ok(Outcome::Gone);
        }
        if state.modified && !server_error {
            self.write(&mut state).await?;
        }
        Ok(match state.id {
            Some(id) if state.saved => Outcome::Stored(id),
            None if state.data.is_empty() => Outcome::Gone,
            _ => Outcome::Unchanged,
        })
    }
}

#[cfg(test)]
mod tests;
