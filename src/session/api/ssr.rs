//! Server-only glue between the server functions and the typed session.

use std::future::Future;

use axum::{
    extract::FromRequestParts,
    http::{header::RETRY_AFTER, request::Parts, HeaderValue, Method, StatusCode},
    Extension,
};
use leptos::prelude::*;
use leptos_axum::ResponseOptions;
use tower_sessions::Session;

use crate::{
    answer::Answer,
    error::AppError,
    http::cookie::Incoming,
    session::{
        context::SessionContext,
        inspect::{InBrowser, Inspection, OnServer},
        new_sessions::Client,
        UserSession,
    },
};

/// The caller's session: tower-sessions' `Session`, extracted the Leptos
/// way, wrapped in the typed session (which answers a store that is down
/// with its 503).
pub async fn session() -> Result<UserSession, AppError> {
    type Extracted = (
        Session,
        Extension<SessionContext>,
        Option<Extension<Client>>,
    );
    let (session, Extension(context), client): Extracted =
        leptos_axum::extract().await.map_err(|err| {
            tracing::error!(error = %err, "no session for a server function: it is outside the session layers");
            AppError::Internal
        })?;
    UserSession::new(session, context, client.map(|Extension(client)| client)).await
}

/// The request a server function answers, from leptos's context.
fn request_parts() -> Result<Parts, AppError> {
    use_context::<Parts>().ok_or_else(|| {
        tracing::error!("no request parts in a server function's context");
        AppError::Internal
    })
}

/// The session of the request `parts` belong to.
pub async fn session_of(parts: &mut Parts) -> Result<UserSession, AppError> {
    UserSession::from_request_parts(parts, &()).await
}

/// Runs `work` on the caller's session and shapes the answer for the caller.
///
/// A function posted to its URL answers the way leptos_axum's `redirect`
/// tells apart: a plain form post (no JavaScript) is redirected to
/// `/?answer=<code>` or `/?error=<code>` for the page to show; the page's
/// `Action` gets the typed value (and a header saying where a form would
/// have gone, which leptos hands to a redirect hook: the page sets none,
/// having no router, and shows the answer in place). A call made while the
/// page renders (a GET) is answered in place, its error setting the page's
/// status.
pub async fn respond<F, Fut>(work: F) -> Result<String, AppError>
where
    F: FnOnce(UserSession) -> Fut,
    Fut: Future<Output = Result<Answer, AppError>>,
{
    let result = match session().await {
        Ok(session) => work(session).await,
        Err(err) => Err(err),
    };
    let Some(response) = use_context::<ResponseOptions>() else {
        return result.map(|answer| answer.to_string());
    };
    if let Err(err) = &result {
        response.set_status(err.status_code());
        if let Some(secs) = err.retry_after_secs() {
            response.insert_header(RETRY_AFTER, HeaderValue::from(secs));
        }
    }
    if use_context::<Parts>().is_some_and(|parts| parts.method == Method::POST) {
        let target = match &result {
            Ok(answer) => format!("/?answer={}", answer.code()),
            Err(err) => format!("/?error={}", err.code()),
        };
        leptos_axum::redirect(&target);
        // leptos_axum redirects a plain form with a 302; the answer to a POST
        // is a 303, which says the browser follows it with a GET (and a
        // reload does not post again).
        // A redirect is followed at once: `Retry-After` is for the script's
        // call, which gets the error's own status.
        let mut parts = response.0.write().unwrap_or_else(|e| e.into_inner());
        if parts.status == Some(StatusCode::FOUND) {
            parts.status = Some(StatusCode::SEE_OTHER);
            parts.headers.remove(RETRY_AFTER);
        }
    }
    result.map(|answer| answer.to_string())
}

/// Both sides of the caller's session, for the inspector.
pub async fn inspect() -> Result<Inspection, AppError> {
    let mut parts = request_parts()?;
    let session = session_of(&mut parts).await?;
    inspect_of(&session, &parts).await
}

/// Both sides of `session`, which the request `parts` belong to.
pub async fn inspect_of(session: &UserSession, parts: &Parts) -> Result<Inspection, AppError> {
    let policy = &session.context().cookie;
    let sent = match policy.read(&parts.headers) {
        Incoming::Id { id, .. } => Some(policy.fingerprint(&id)),
        Incoming::Absent | Incoming::NotAnId => None,
    };
    let held = session.held(|id| policy.fingerprint(id)).await?;
    Ok(Inspection {
        browser: InBrowser {
            cookie: policy.name().to_owned(),
            attributes: policy.attributes(),
            fingerprint: sent,
        },
        server: OnServer {
            store: session.store_label().to_owned(),
            session: held,
        },
    })
}
