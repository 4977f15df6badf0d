//! The typed session: the only code that names session keys or touches
//! `tower_sessions::Session`, and so the place for its security rules.

use axum::{extract::FromRequestParts, http::request::Parts};
use tower_sessions::Session;

use super::{
    lifetime::{self, Lifetime},
    op::{self, Op},
};
use crate::error::AppError;

/// A visitor's server-side session, seen through the operations the app allows.
#[derive(Debug, Clone)]
pub struct UserSession {
    session: Session,
}

impl UserSession {
    const USERNAME: &'static str = "Username";
    const NOTE: &'static str = "Note";
    /// Every key of the visitor's data; a session holding none of them is ended.
    const KEYS: &'static [&'static str] = &[Self::USERNAME, Self::NOTE];
    /// When the session began (Unix milliseconds), for the absolute lifetime.
    const CREATED_AT: &'static str = "_created_at";
    /// When a read last pushed the idle expiry ahead (Unix milliseconds).
    const REFRESHED_AT: &'static str = "_refreshed_at";

    /// Wraps a session taken from the request, ending it first if it has
    /// outlived `limits.absolute`, and keeping it alive if it is in use.
    ///
    /// # Errors
    /// [`AppError::StoreUnavailable`] when the store cannot be read or written.
    pub async fn new(session: Session, limits: Lifetime) -> Result<Self, AppError> {
        let this = Self { session };
        this.enforce(limits).await?;
        Ok(this)
    }

    async fn enforce(&self, limits: Lifetime) -> Result<(), AppError> {
        if self.session.id().is_none() {
            return Ok(());
        }
        let now = lifetime::now_ms();
        // None as well when the id is unknown or its record has expired.
        let Some(created) = self.session.get::<i64>(Self::CREATED_AT).await? else {
            return Ok(());
        };
        let age = u128::try_from(now - created).unwrap_or(0);
        if age >= limits.absolute.as_millis() {
            self.session.flush().await?;
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
        self.session.insert(Self::USERNAME, name).await?;
        // A new login starts a new lifetime.
        let now = lifetime::now_ms();
        self.session.insert(Self::CREATED_AT, now).await?;
        self.session.insert(Self::REFRESHED_AT, now).await?;
        if self.session.id().is_some() {
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
        let user = self.session.remove::<String>(Self::USERNAME).await?;
        if user.is_some() {
            self.keep_or_end().await?;
        }
        Ok(user)
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
            Some(note) => {
                self.session.insert(Self::NOTE, note).await?;
                if self.session.id().is_none() {
                    self.session
                        .insert(Self::CREATED_AT, lifetime::now_ms())
                        .await?;
                }
                // Saved here for a clear 503, as in `set_user`.
                self.session.save().await?;
            }
            None => {
                if self.session.remove_value(Self::NOTE).await?.is_some() {
                    self.keep_or_end().await?;
                }
            }
        }
        Ok(())
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
        if self.session.id().is_none() {
            return Ok(());
        }
        if self.holds_nothing().await? {
            self.session.flush().await?;
        } else {
            self.session.save().await?;
        }
        Ok(())
    }

    /// Runs one of the seed's operations and returns the seed's answer.
    ///
    /// # Errors
    /// [`AppError::StoreUnavailable`] when the store fails.
    pub async fn perform(&self, op: Op) -> Result<String, AppError> {
        match op {
            Op::Set => {
                self.set_user(op::ADMIN).await?;
                Ok(op::SET_ANSWER.to_owned())
            }
            Op::Get => Ok(op::welcome(self.user().await?.as_deref())),
            Op::Pop => {
                self.pop_user().await?;
                Ok(op::POP_ANSWER.to_owned())
            }
        }
    }

    async fn holds_nothing(&self) -> Result<bool, AppError> {
        for key in Self::KEYS {
            if self.session.get_value(key).await?.is_some() {
                return Ok(false);
            }
        }
        Ok(true)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for UserSession {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let session = Session::from_request_parts(parts, state)
            .await
            .map_err(|(_, why)| {
                tracing::error!(why, "no session on the request");
                AppError::Internal
            })?;
        let limits = parts
            .extensions
            .get::<Lifetime>()
            .copied()
            .unwrap_or_default();
        Self::new(session, limits).await
    }
}
