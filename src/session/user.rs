//! The typed session: the only code that names session keys or touches a
//! [`Session`], and so the place for its security rules.

use axum::{extract::FromRequestParts, http::request::Parts};

use serde_json::Value;
use tower_sessions_lossless_store::Id;

use super::{
    handle::Session,
    inspect::Held,
    keys,
    lifetime::{self, Lifetime},
    new_sessions::Client,
};
use crate::{error::AppError, limits::MAX_KEYS, metrics::EndReason};

/// A visitor's server-side session, seen through the operations the app allows.
#[derive(Clone)]
pub struct UserSession {
    session: Session,
    /// Who the request comes from, for the limit on new sessions; `None`
    /// outside the layer that says (no limit then).
    client: Option<Client>,
}

impl UserSession {
    const USERNAME: &'static str = "Username";
    const NOTE: &'static str = "Note";
    /// When the session began (Unix milliseconds), for the absolute lifetime.
    const CREATED_AT: &'static str = "_created_at";
    /// When a read last pushed the idle expiry ahead (Unix milliseconds).
    const REFRESHED_AT: &'static str = "_refreshed_at";

    /// Wraps a session taken from the request, ending it first if it has
    /// outlived its absolute lifetime, and keeping it alive if it is in use.
    ///
    /// # Errors
    /// [`AppError::StoreUnavailable`] when the store cannot be read or written.
    pub async fn new(session: Session, client: Option<Client>) -> Result<Self, AppError> {
        let limits = session.lifetime();
        let this = Self { session, client };
        this.enforce(limits).await?;
        Ok(this)
    }

    async fn enforce(&self, limits: Lifetime) -> Result<(), AppError> {
        if self.session.id().await?.is_none() {
            return Ok(());
        }
        let now = lifetime::now_ms();
        // None as well when the id is unknown or its record has expired.
        let Some(created) = self.session.get::<i64>(Self::CREATED_AT).await? else {
            return Ok(());
        };
        let age = u128::try_from(now - created).unwrap_or(0);
        if age >= limits.absolute.as_millis() {
            self.session.end(EndReason::AbsoluteTimeout).await?;
            return Ok(());
        }
        let refreshed = self.session.get::<i64>(Self::REFRESHED_AT).await?;
        let since = u128::try_from(now - refreshed.unwrap_or(created)).unwrap_or(0);
        if since >= limits.refresh_every().as_millis() {
            self.session.insert(Self::REFRESHED_AT, now).await?;
            self.session.save().await?;
        }
        Ok(())
    }

    /// Stores the user name.
    ///
    /// Setting a user is a privilege change, so an existing session gets a new
    /// id and the old one stops working (no session fixation).
    ///
    /// # Errors
    /// [`AppError::StoreUnavailable`] when the store cannot be read or written.
    pub async fn set_user(&self, name: &str) -> Result<(), AppError> {
        let renewing = self.session.id().await?.is_some();
        if !renewing {
            self.start_session()?;
        }
        self.session.insert(Self::USERNAME, name).await?;
        // A new login starts a new lifetime.
        let now = lifetime::now_ms();
        self.session.insert(Self::CREATED_AT, now).await?;
        self.session.insert(Self::REFRESHED_AT, now).await?;
        if renewing {
            self.session.cycle_id().await?;
        }
        // Saved here, not only by the session layer after the handler: a
        // failed write then answers our 503 with its message (the layer
        // would answer an empty 500), and a 5xx makes the layer skip its save.
        self.session.save().await?;
        Ok(())
    }

    /// The stored user name, if any.
    ///
    /// # Errors
    /// [`AppError::StoreUnavailable`] when the store cannot be read.
    pub async fn user(&self) -> Result<Option<String>, AppError> {
        Ok(self.session.get(Self::USERNAME).await?)
    }

    /// Removes the user name (no error when absent) and returns it.
    ///
    /// A session left with nothing in it is deleted from the store, and the
    /// cookie is removed with it; one that still holds a note is kept.
    ///
    /// # Errors
    /// [`AppError::StoreUnavailable`] when the store cannot be read or written.
    pub async fn pop_user(&self) -> Result<Option<String>, AppError> {
        self.pop(Self::USERNAME).await
    }

    /// Keeps `note` in the session (a new one if there is none), or removes
    /// the note when it is `None`.
    ///
    /// Not a privilege change, so the id stays: a note saved while another
    /// request of the session changes something else keeps both changes.
    ///
    /// # Errors
    /// [`AppError::StoreUnavailable`] when the store cannot be read or written.
    pub async fn set_note(&self, note: Option<&str>) -> Result<(), AppError> {
        match note {
            Some(note) => self.keep(Self::NOTE, note).await,
            None => self.pop(Self::NOTE).await.map(drop),
        }
    }

    /// Sets the visitor's `key` to the text `value` (the workbench's form),
    /// after the rules of [`keys`]. `Username` is the user: setting it is a
    /// login, with a new id ([`Self::set_user`]).
    ///
    /// # Errors
    /// The rule's [`AppError`] (nothing changed), [`AppError::TooManyKeys`]
    /// for a new key beyond [`MAX_KEYS`], or [`AppError::StoreUnavailable`].
    pub async fn set(&self, key: &str, value: &str) -> Result<(), AppError> {
        let key = keys::key(key)?;
        let value = keys::value(value)?;
        let data = self.session.data().await?;
        let held = data.keys().filter(|k| keys::is_visitors(k)).count();
        if !data.contains_key(key) && held >= MAX_KEYS {
            return Err(AppError::TooManyKeys);
        }
        if key == Self::USERNAME {
            return self.set_user(value).await;
        }
        self.keep(key, value).await
    }

    /// Keeps `value` under `key`, in a new session if there is none. Not a
    /// privilege change, so the id stays: a value saved while another
    /// request of the session changes something else keeps both changes.
    async fn keep(&self, key: &str, value: &str) -> Result<(), AppError> {
        let new = self.session.id().await?.is_none();
        if new {
            self.start_session()?;
        }
        self.session.insert(key, value).await?;
        if new {
            self.session
                .insert(Self::CREATED_AT, lifetime::now_ms())
                .await?;
        }
        // Saved here for a clear 503, as in `set_user`.
        self.session.save().await?;
        Ok(())
    }

    /// Before anything is put in a session that is not stored yet: counts
    /// it against its client's limit on new sessions. Refused, nothing has
    /// been changed, so nothing is stored after the handler either.
    fn start_session(&self) -> Result<(), AppError> {
        self.client.as_ref().map_or(Ok(()), Client::start_session)
    }

    /// Removes the visitor's `key` (no error when absent) and returns its
    /// value. A session left with none of the visitor's keys is ended.
    ///
    /// # Errors
    /// The key rule's [`AppError`] (a bookkeeping key is
    /// [`AppError::KeyReserved`]: removing `_created_at` would switch off the
    /// absolute timeout), nothing changed; or [`AppError::StoreUnavailable`]
    /// when the store cannot be read or written.
    pub async fn pop(&self, key: &str) -> Result<Option<String>, AppError> {
        let key = keys::key(key)?;
        let old = self.session.remove(key).await?;
        if old.is_some() {
            self.keep_or_end().await?;
        }
        Ok(old.map(text))
    }

    /// Ends the session: the record is deleted, the cookie removed.
    ///
    /// # Errors
    /// [`AppError::StoreUnavailable`] when the store cannot be written.
    pub async fn clear(&self) -> Result<(), AppError> {
        Ok(self.session.end(EndReason::Clear).await?)
    }

    /// The stored session as the inspector shows it, its id as
    /// `fingerprint` prints it; `None` when there is none.
    ///
    /// # Errors
    /// [`AppError::StoreUnavailable`] when the store cannot be read.
    pub async fn held(
        &self,
        fingerprint: impl Fn(&Id) -> String,
    ) -> Result<Option<Held>, AppError> {
        let (Some(id), Some(expires)) =
            (self.session.id().await?, self.session.expires_at().await?)
        else {
            return Ok(None);
        };
        let began_ms = self.session.get::<i64>(Self::CREATED_AT).await?;
        let absolute =
            i64::try_from(self.session.lifetime().absolute.as_millis()).unwrap_or(i64::MAX);
        Ok(Some(Held {
            fingerprint: fingerprint(&id),
            entries: self.entries().await?,
            began_ms,
            idle_end_ms: i64::try_from(expires.unix_timestamp_nanos() / 1_000_000)
                .unwrap_or(i64::MAX),
            absolute_end_ms: began_ms.map(|began| began.saturating_add(absolute)),
        }))
    }

    /// The store's name, as the page shows it.
    pub fn store_label(&self) -> &'static str {
        self.session.store_label()
    }

    /// The visitor's keys and values, by key; bookkeeping is never listed.
    ///
    /// # Errors
    /// [`AppError::StoreUnavailable`] when the store cannot be read.
    pub async fn entries(&self) -> Result<Vec<(String, String)>, AppError> {
        let mut entries: Vec<_> = self
            .session
            .data()
            .await?
            .into_iter()
            .filter(|(key, _)| keys::is_visitors(key))
            .map(|(key, value)| (key, text(value)))
            .collect();
        entries.sort();
        Ok(entries)
    }

    /// The visitor's note, if any.
    ///
    /// # Errors
    /// [`AppError::StoreUnavailable`] when the store cannot be read.
    pub async fn note(&self) -> Result<Option<String>, AppError> {
        Ok(self.session.get(Self::NOTE).await?)
    }

    /// After a key was removed: ends a session left with nothing in it,
    /// saves one that still holds something.
    async fn keep_or_end(&self) -> Result<(), AppError> {
        if self.session.id().await?.is_none() {
            return Ok(());
        }
        if keys::holds_nothing(&self.session.data().await?) {
            self.session.end(EndReason::Pop).await?;
        } else {
            self.session.save().await?;
        }
        Ok(())
    }
}

/// A stored value as the visitor set it: text as it is, anything else (a
/// value of an earlier version, say) as JSON.
fn text(value: Value) -> String {
    match value {
        Value::String(text) => text,
        other => other.to_string(),
    }
}

impl<S: Send + Sync> FromRequestParts<S> for UserSession {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let Some(session) = parts.extensions.get::<Session>().cloned() else {
            tracing::error!("no session on the request: the route is outside the session layer");
            return Err(AppError::Internal);
        };
        let client = parts.extensions.get::<Client>().cloned();
        Self::new(session, client).await
    }
}
