//! What every state-changing request to the session routes goes through:
//! server-function calls are POSTs. One middleware, so that page loads and
//! other GETs pay for one pass-through rather than one per concern.

use std::{
    convert::Infallible,
    task::{Context, Poll},
};

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
use tower::Service;

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
/// not forms, and gives server-function errors their status (GET ones too:
/// the page's panels), in front of the service `S` (a layer:
/// `tower::layer::layer_fn(Guard)`).
///
/// A tower service, not axum's `from_fn`, which clones and boxes everything
/// below it (tower-sessions' layers and the route) for every request: this
/// one calls the layer below at once, and takes a copy of it only for a
/// body it must read first.
#[derive(Clone)]
pub struct Guard<S>(pub S);

impl<S> Service<Request> for Guard<S>
where
    S: Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = super::Answering;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.0.poll_ready(cx)
    }

    fn call(&mut self, req: Request) -> Self::Future {
        if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
            let answer = self.0.call(req);
            return Box::pin(async move { Ok(error::with_app_error_status(answer.await?).await) });
        }
        if let Some(refused) = cross_site::refusal(&req) {
            return Box::pin(async move { Ok(refused) });
        }
        // The one made ready is the one called (tower's rule); a copy
        // waits for the next request.
        let copy = self.0.clone();
        let mut ready = std::mem::replace(&mut self.0, copy);
        Box::pin(async move {
            let req = match within_limit(req).await {
                Ok(req) => req,
                Err(refused) => return Ok(refused.into_response()),
            };
            Ok(error::with_app_error_status(ready.call(req).await?).await)
        })
    }
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
