//! The middleware that gives each request its [`Session`] and tells the
//! browser afterwards what became of it, through the one cookie policy.

use axum::{
    extract::{Request, State},
    middleware::Next,
    response::{IntoResponse, Response},
};
use tower_sessions_lossless_store::Store;

use super::{
    handle::{Outcome, Session},
    lifetime::Lifetime,
};
use crate::{
    error::AppError,
    http::cookie::{CookiePolicy, Incoming},
};

/// What the middleware needs: where sessions live, how long they may last,
/// and how the cookie is written.
#[derive(Clone)]
pub struct Sessions {
    pub store: Store,
    pub lifetime: Lifetime,
    pub cookie: CookiePolicy,
}

/// Puts the request's [`Session`] in its extensions; once the handler is
/// done, saves what it left unsaved and sets, renews or removes the cookie.
pub async fn sessions(State(sessions): State<Sessions>, mut req: Request, next: Next) -> Response {
    let incoming = sessions.cookie.read(req.headers());
    let id = match incoming {
        Incoming::Id { id, .. } => Some(id),
        Incoming::Absent | Incoming::NotAnId => None,
    };
    let session = Session::new(sessions.store.clone(), sessions.lifetime, id);
    req.extensions_mut().insert(session.clone());
    // For the workbench's inspector: how the cookie is set, and its fingerprint.
    req.extensions_mut().insert(sessions.cookie.clone());
    let mut res = next.run(req).await;

    let outcome = match session.finish(res.status().is_server_error()).await {
        Ok(outcome) => outcome,
        Err(err) => return AppError::from(err).into_response(),
    };
    let headers = res.headers_mut();
    match (outcome, incoming) {
        (Outcome::Stored(id), _) | (Outcome::Unchanged, Incoming::Id { id, stale: true }) => {
            sessions.cookie.set(headers, &id);
        }
        (Outcome::Gone, Incoming::Id { .. } | Incoming::NotAnId) => {
            sessions.cookie.remove(headers);
        }
        _ => {}
    }
    res
}
