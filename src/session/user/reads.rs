//! What the typed session reads: the user, the note, the visitor's keys,
//! and the stored session as the inspector shows it.

use serde_json::Value;
use tower_sessions::session;

use super::{extract::failed, UserSession};
use crate::{
    error::AppError,
    session::{
        context::SessionContext,
        entries::{Entries, ENTRIES},
        inspect::{Entry, Held},
    },
};

impl UserSession {
    /// One of the bookkeeping times.
    pub(super) async fn stamp(&self, key: &str) -> Result<Option<i64>, AppError> {
        self.session.get(key).await.map_err(failed)
    }

    /// Whether the store holds this session (an id it does not know, or
    /// whose record expired, is none). Loads it first, reading one small
    /// value rather than the visitor's whole map.
    pub(super) async fn is_stored(&self) -> Result<bool, AppError> {
        self.stamp(Self::CREATED_AT).await?;
        Ok(self.session.id().is_some())
    }

    pub(super) async fn entries_map(&self) -> Result<Entries, AppError> {
        Ok(self
            .session
            .get(ENTRIES)
            .await
            .map_err(failed)?
            .unwrap_or_default())
    }

    /// The visitor's value under `key`, as [`Self::entries_map`] has it,
    /// without building the whole map again to take one value out.
    async fn entry(&self, key: &str) -> Result<Option<Value>, AppError> {
        match self.session.get_value(ENTRIES).await.map_err(failed)? {
            Some(Value::Object(mut entries)) => Ok(entries.remove(key)),
            None => Ok(None),
            Some(other) => serde_json::from_value::<Entries>(other)
                .map(|mut entries| entries.remove(key))
                .map_err(|err| failed(err.into())),
        }
    }

    /// The stored user name, if any.
    ///
    /// # Errors
    /// [`AppError::StoreUnavailable`] when the store cannot be read.
    pub async fn user(&self) -> Result<Option<String>, AppError> {
        Ok(self.entry(Self::USERNAME).await?.map(text))
    }

    /// The stored session as the inspector shows it, its id as
    /// `fingerprint` prints it; `None` when there is none.
    ///
    /// # Errors
    /// [`AppError::StoreUnavailable`] when the store cannot be read.
    pub async fn held(
        &self,
        fingerprint: impl Fn(&session::Id) -> String,
    ) -> Result<Option<Held>, AppError> {
        if !self.is_stored().await? {
            return Ok(None);
        }
        let (Some(id), Some(expires)) = (
            self.session.id(),
            self.context.store.stored_expiry(&self.session).await,
        ) else {
            return Ok(None);
        };
        let began_ms = self.stamp(Self::CREATED_AT).await?;
        let absolute =
            i64::try_from(self.context.lifetime.absolute.as_millis()).unwrap_or(i64::MAX);
        Ok(Some(Held {
            fingerprint: fingerprint(&id),
            entries: self
                .entries()
                .await?
                .into_iter()
                .map(|(key, value)| Entry::new(key, value))
                .collect(),
            began_ms,
            idle_end_ms: i64::try_from(expires.unix_timestamp_nanos() / 1_000_000)
                .unwrap_or(i64::MAX),
            absolute_end_ms: began_ms.map(|began| began.saturating_add(absolute)),
        }))
    }

    /// The store's name, as the page shows it.
    pub fn store_label(&self) -> &'static str {
        self.context.store.label()
    }

    /// What the request needs to show the cookie's side (the inspector).
    pub fn context(&self) -> &SessionContext {
        &self.context
    }

    /// The visitor's keys and values, by key; bookkeeping is never listed.
    ///
    /// # Errors
    /// [`AppError::StoreUnavailable`] when the store cannot be read.
    pub async fn entries(&self) -> Result<Vec<(String, String)>, AppError> {
        Ok(self
            .entries_map()
            .await?
            .into_iter()
            .map(|(key, value)| (key, text(value)))
            .collect())
    }

    /// The visitor's note, if any.
    ///
    /// # Errors
    /// [`AppError::StoreUnavailable`] when the store cannot be read.
    pub async fn note(&self) -> Result<Option<String>, AppError> {
        Ok(self.entry(Self::NOTE).await?.map(text))
    }
}

/// A stored value as the visitor set it: text as it is, anything else (a
/// value of an earlier version, say) as JSON.
pub(super) fn text(value: Value) -> String {
    match value {
        Value::String(text) => text,
        other => other.to_string(),
    }
}
