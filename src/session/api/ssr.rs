//! Server-only glue between the server functions and the typed session.

use std::future::Future;

use axum::http::{header::ACCEPT, request::Parts, Method, StatusCode};
use leptos::prelude::*;
use leptos_axum::ResponseOptions;

use crate::{
    error::AppError,
    session::{op::Op, UserSession},
};

/// The caller's session.
pub async fn session() -> Result<UserSession, AppError> {
    leptos_axum::extract::<UserSession>().await.map_err(|err| {
        tracing::error!(error = %err, "could not extract the session");
        AppError::Internal
    })
}

/// Runs one of the seed's operations, answered as [`respond`] does.
pub async fn perform(op: Op) -> Result<String, AppError> {
    respond(
        op.as_str(),
        |session| async move { session.perform(op).await },
    )
    .await
}

/// Runs `work` on the caller's session and shapes the answer for the caller:
/// a JSON value for the hydrated page, a redirect to `/?answer=<name>` for a
/// plain form post.
pub async fn respond<F, Fut>(name: &str, work: F) -> Result<String, AppError>
where
    F: FnOnce(UserSession) -> Fut,
    Fut: Future<Output = Result<String, AppError>>,
{
    let result = match session().await {
        Ok(session) => work(session).await,
        Err(err) => Err(err),
    };
    let Some(response) = use_context::<ResponseOptions>() else {
        return result;
    };
    if is_plain_form_post() {
        let target = match &result {
            Ok(_) => format!("/?answer={name}"),
            Err(err) => format!("/?error={}", err.code()),
        };
        leptos_axum::redirect(&target);
        // 303 so the browser follows with a GET and a reload does not re-post.
        response.set_status(StatusCode::SEE_OTHER);
    } else if let Err(err) = &result {
        response.set_status(err.status_code());
    }
    result
}

/// A browser posting the form itself (no JavaScript) asks for HTML; the
/// hydrated page's `fetch` asks for JSON. A server-side render of the page
/// (a GET) calls server functions in-process and must not be redirected.
fn is_plain_form_post() -> bool {
    use_context::<Parts>().is_some_and(|parts| {
        parts.method == Method::POST
            && parts
                .headers
                .get(ACCEPT)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.contains("text/html"))
    })
}
