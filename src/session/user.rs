//! The typed session: the only code that names session keys or touches a
//! [`tower_sessions::Session`], and so the place for its security rules.
//! The visitor's keys are one typed map (`entries.rs`). What it changes is
//! here; what it reads, in `user/reads.rs`; how a request gets one, in
//! `user/extract.rs`.

mod extract;
mod reads;

use serde_json::Value;
use tower_sessions::Session;

use self::{extract::failed, reads::text};
use super::{
    context::SessionContext,
    entries::{Entries, ENTRIES},
    keys, lifetime,
    new_sessions::Client,
};
use crate::{error::AppError, limits::MAX_KEYS, metrics::EndReason};

/// A visitor's server-side session, seen through the operations the app allows.
#[derive(Clone)]
pub struct UserSession {
    session: Session,
    context: SessionContext,
    /// Who the request comes from, for the limit on new sessions; `None`
    /// outside the layer that says (no limit then).
    client: Option<Client>,
}

impl UserSession {
    const USERNAME: &'static str = super::inspect::USERNAME;
    const NOTE: &'static str = super::inspect::NOTE;
    /// When the session began (Unix milliseconds), for the absolute lifetime.
    const CREATED_AT: &'static str = "_created_at";
    /// When a read last pushed the idle expiry ahead (Unix milliseconds).
    const REFRESHED_AT: &'static str = "_refreshed_at";

    /// Wraps a session taken from the request, ending it first if it has
    /// outlived its absolute lifetime, and keeping it alive if it is in use.
    ///
    /// # Errors
    /// [`AppError::StoreUnavailable`] when the store cannot be read or written.
    pub async fn new(
        session: Session,
        context: SessionContext,
        client: Option<Client>,
    ) -> Result<Self, AppError> {
        let this = Self {
            session,
            context,
            client,
        };
        this.enforce().await?;
        Ok(this)
    }

    async fn enforce(&self) -> Result<(), AppError> {
        let limits = self.context.lifetime;
        // None as well when the id is unknown or its record has expired.
        let Some(created) = self.stamp(Self::CREATED_AT).await? else {
            return Ok(());
        };
        let now = lifetime::now_ms();
        let age = u128::try_from(now - created).unwrap_or(0);
        if age >= limits.absolute.as_millis() {
            return self.end(EndReason::AbsoluteTimeout).await;
        }
        let refreshed = self.stamp(Self::REFRESHED_AT).await?;
        let since = u128::try_from(now - refreshed.unwrap_or(created)).unwrap_or(0);
        if since >= limits.refresh_every().as_millis() {
            self.put(Self::REFRESHED_AT, now).await?;
            self.save().await?;
        }
        Ok(())
    }

    async fn put(&self, key: &str, value: impl serde::Serialize) -> Result<(), AppError> {
        self.session.insert(key, value).await.map_err(failed)
    }

    /// Writes the session now, not only in tower-sessions' layer after the
    /// handler: a failed write then answers our 503 with its message (that
    /// layer would answer an empty 500), and a 5xx makes it skip its save.
    async fn save(&self) -> Result<(), AppError> {
        self.session.save().await.map_err(failed)
    }

    /// Deletes the session, for `reason`: its record now, the cookie with
    /// the response.
    async fn end(&self, reason: EndReason) -> Result<(), AppError> {
        let stored = self.is_stored().await?;
        self.session.flush().await.map_err(failed)?;
        if stored {
            self.context.metrics.sessions_ended(reason, 1);
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
        let renewing = self.is_stored().await?;
        if !renewing {
            self.start_session()?;
        }
        let mut entries = self.entries_map().await?;
        entries.insert(Self::USERNAME.to_owned(), Value::from(name));
        self.put(ENTRIES, &entries).await?;
        // A new login starts a new lifetime.
        let now = lifetime::now_ms();
        self.put(Self::CREATED_AT, now).await?;
        self.put(Self::REFRESHED_AT, now).await?;
        if renewing {
            self.session.cycle_id().await.map_err(failed)?;
        }
        self.save().await?;
        let metrics = &self.context.metrics;
        if renewing {
            metrics.session_renewed();
        } else {
            metrics.session_created();
        }
        Ok(())
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
        let entries = self.entries_map().await?;
        if !entries.contains_key(key) && entries.len() >= MAX_KEYS {
            return Err(AppError::TooManyKeys);
        }
        if key == Self::USERNAME {
            return self.set_user(value).await;
        }
        self.keep_in(entries, key, value).await
    }

    /// Keeps `value` under `key`, in a new session if there is none. Not a
    /// privilege change, so the id stays: a value saved while another
    /// request of the session changes something else keeps both changes.
    async fn keep(&self, key: &str, value: &str) -> Result<(), AppError> {
        let entries = self.entries_map().await?;
        self.keep_in(entries, key, value).await
    }

    /// [`Self::keep`], given the visitor's keys as the caller just read them.
    async fn keep_in(&self, mut entries: Entries, key: &str, value: &str) -> Result<(), AppError> {
        let new = !self.is_stored().await?;
        if new {
            self.start_session()?;
        }
        entries.insert(key.to_owned(), Value::from(value));
        self.put(ENTRIES, &entries).await?;
        if new {
            self.put(Self::CREATED_AT, lifetime::now_ms()).await?;
        }
        // Saved here for a clear 503, as in `set_user`.
        self.save().await?;
        if new {
            self.context.metrics.session_created();
        }
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
    /// [`AppError::KeyReserved`]), nothing changed; or
    /// [`AppError::StoreUnavailable`] when the store cannot be read or
    /// written.
    pub async fn pop(&self, key: &str) -> Result<Option<String>, AppError> {
        let key = keys::key(key)?;
        let mut entries = self.entries_map().await?;
        let Some(old) = entries.remove(key) else {
            return Ok(None);
        };
        if entries.is_empty() {
            self.end(EndReason::Pop).await?;
        } else {
            self.put(ENTRIES, &entries).await?;
            self.save().await?;
        }
        Ok(Some(text(old)))
    }

    /// Ends the session: the record is deleted, the cookie removed.
    ///
    /// # Errors
    /// [`AppError::StoreUnavailable`] when the store cannot be written.
    pub async fn clear(&self) -> Result<(), AppError> {
        self.end(EndReason::Clear).await
    }
}
