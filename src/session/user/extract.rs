//! The typed session taken from a request, and a store failure as the
//! visitor is told it.

use axum::{extract::FromRequestParts, http::request::Parts};
use tower_sessions::{session, Session};
use tower_sessions_lossless_store::StoreFailure;

use super::UserSession;
use crate::{
    error::AppError,
    session::{context::SessionContext, new_sessions::Client},
};

/// A store failure as the visitor is told it: a full store and a store out
/// of reach are each a 503 with their own message; the cause is logged by
/// [`AppError`]'s conversion.
pub(super) fn failed(err: session::Error) -> AppError {
    AppError::from(match &err {
        session::Error::Store(failure) => StoreFailure::from(failure),
        session::Error::SerdeJson(_) => StoreFailure::backend(err),
    })
}

impl<S: Send + Sync> FromRequestParts<S> for UserSession {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let (Some(session), Some(context)) = (
            parts.extensions.get::<Session>().cloned(),
            parts.extensions.get::<SessionContext>().cloned(),
        ) else {
            tracing::error!("no session on the request: the route is outside the session layers");
            return Err(AppError::Internal);
        };
        let client = parts.extensions.get::<Client>().cloned();
        Self::new(session, context, client).await
    }
}
