//! The typed session: the only code that names session keys or touches a
//! [`Session`], and so the place for its security rules.

use axum::{extract::FromRequestParts, http::request::Parts};

use super::{
    handle::Session,
    lifetime::{self, Lifetime},
    record::Record,
};
use crate::error::AppError;

/// A visitor's server-side session, seen through the operations the app allows.
#[derive(Clone)]
pub struct UserSession {
    session: Session,
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
    pub async fn new(session: Session) -> Result<Self, AppError> {
        let limits = session.lifetime();
        let this = Self { session };
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
            self.session.end().await?;
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
        if self.session.id().await?.is_some() {
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
        let user = self.session.remove(Self::USERNAME).await?;
        if user.is_some() {
            self.keep_or_end().await?;
        }
        Ok(user.and_then(|name| name.as_str().map(str::to_owned)))
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
                if self.session.id().await?.is_none() {
                    self.session
                        .insert(Self::CREATED_AT, lifetime::now_ms())
                        .await?;
                }
                // Saved here for a clear 503, as in `set_user`.
                self.session.save().await?;
            }
            None => {
                if self.session.remove(Self::NOTE).await?.is_some() {
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
        if self.session.id().await?.is_none() {
            return Ok(());
        }
        if Record::holds_nothing(&self.session.data().await?) {
            self.session.end().await?;
        } else {
            self.session.save().await?;
        }
        Ok(())
    }
}

impl<S: Send + Sync> FromRequestParts<S> for UserSession {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let Some(session) = parts.extensions.get::<Session>().cloned() else {
            tracing::error!("no session on the request: the route is outside the session layer");
            return Err(AppError::Internal);
        };
        Self::new(session).await
    }
}
