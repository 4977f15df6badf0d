//! What every state-changing request to the session routes goes through:
//! server-function calls are POSTs. One middleware, so that page loads and
//! other GETs pay for one pass-through rather than one per concern.

use axum::{
    body::{to_bytes, Body},
    extract::Request,
    http::{header::CONTENT_LENGTH, Method},
    middleware::Next,
    response::{IntoResponse, Response},
};

use http_body_util::LengthLimitError;

use super::cross_site;
use crate::{error, error::AppError, limits::BODY_LIMIT};

/// Refuses cross-site calls and bodies over [`BODY_LIMIT`], and gives
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
    // Every form and server-function body is text (URL-encoded or JSON);
    // one that is not UTF-8 is refused here, once, for every route behind.
    if std::str::from_utf8(&bytes).is_err() {
        return Err(AppError::BadRequest(
            "the request body is not UTF-8 text".into(),
        ));
    }
    Ok(Request::from_parts(parts, Body::from(bytes)))
}
