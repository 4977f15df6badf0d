//! What every state-changing request to the session routes goes through:
//! server-function calls are POSTs. One middleware, so that page loads and
//! other GETs pay for one pass-through rather than one per concern.

use axum::{
    body::{to_bytes, Body},
    extract::Request,
    http::{
        header::{CONTENT_LENGTH, CONTENT_TYPE},
        HeaderMap, Method, StatusCode,
    },
    middleware::Next,
    response::{IntoResponse, Response},
};

use http_body_util::LengthLimitError;

use super::cross_site;
use crate::{error, error::AppError, limits::BODY_LIMIT};

/// Refuses a request whose target is not a path (`*`, an authority): no
/// route of ours is meant for one, and the page would otherwise be rendered
/// for a path it cannot name. (`http://host/path` is a path, and stays.)
/// Wraps the whole app.
pub async fn paths_only(req: Request, next: Next) -> Response {
    if !req.uri().path().starts_with('/') {
        let why =
            "The request was not understood: its target must be a path such as /getsession.\n";
        return (StatusCode::BAD_REQUEST, why).into_response();
    }
    next.run(req).await
}

/// Refuses cross-site calls, bodies over [`BODY_LIMIT`] and bodies that are
/// not forms, and gives
/// server-function errors their status (GET ones too: the page's panels).
pub async fn guard(req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return error::with_app_error_status(next.run(req).await).await;
    }
    if let Some(refused) = cross_site::refusal(&req) {
        return refused;
    }
    let req = match within_limit(req).await {
        Ok(req) => req,
        Err(refused) => return refused.into_response(),
    };
    error::with_app_error_status(next.run(req).await).await
}

/// The request with its body read (at most [`BODY_LIMIT`] bytes; Leptos
/// reads it whole anyway), or the error to answer instead.
async fn within_limit(req: Request) -> Result<Request, AppError> {
    let declared = req
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<usize>().ok());
    if declared.is_some_and(|n| n > BODY_LIMIT) {
        return Err(AppError::RequestTooLarge);
    }
    let form = is_form(req.headers());
    let (parts, body) = req.into_parts();
    let bytes = to_bytes(body, BODY_LIMIT).await.map_err(|err| {
        let err = err.into_inner();
        if err.is::<LengthLimitError>() {
            AppError::RequestTooLarge
        } else {
            // A body that broke off: the client's doing, not the server's.
            AppError::BadRequest("the request body could not be read".into())
        }
    })?;
    // Every body we read is text; one that is not UTF-8 is refused here,
    // once, for every route behind.
    if std::str::from_utf8(&bytes).is_err() {
        return Err(AppError::BadRequest(
            "the request body is not UTF-8 text".into(),
        ));
    }
    // Leptos reads any body as a form, whatever it is labelled, so JSON or
    // plain text would be half-read into a call that then runs: refused.
    // An empty body says nothing, labelled or not.
    if !bytes.is_empty() && form != Some(true) {
        return Err(AppError::NotAForm);
    }
    Ok(Request::from_parts(parts, Body::from(bytes)))
}

/// Whether the body is labelled a URL-encoded form; `None` when unlabelled.
fn is_form(headers: &HeaderMap) -> Option<bool> {
    let value = headers.get(CONTENT_TYPE)?;
    let media = value.to_str().ok().and_then(|v| v.split(';').next());
    Some(media.is_some_and(|m| {
        m.trim()
            .eq_ignore_ascii_case("application/x-www-form-urlencoded")
    }))
}
