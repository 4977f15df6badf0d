//! Runs a request to its end even when its client has gone.
//!
//! Leptos cleans up a page's reactive owner in the last item of the page's
//! body stream. When a client hangs up first, hyper drops the handler (or the
//! body) and that item never runs: the page's signals, resources and arena
//! slots are never freed (measured: about 6 KB leaked per abandoned page, RSS
//! 84 MB → 328 MB over 1,000,000 fuzzed requests with 37,000 abandoned), and
//! a closure may even run later against disposed signals. A session write
//! cut off halfway is no better. So the request runs in a task of its own,
//! which reads the body to its end; the client gets the finished answer, if
//! it is still there.
//!
//! A tower service, not axum's `from_fn`: that one clones and boxes
//! everything below it (tower-sessions' layers and the route) for every
//! request; this one calls the layer below at once and runs its future.

use std::{
    convert::Infallible,
    task::{Context, Poll},
};

use axum::{
    body::{to_bytes, Body},
    extract::Request,
    response::{IntoResponse, Response},
};
use tower::Service;

use crate::error::AppError;

/// The most a page or a server function answers with, by far; a body
/// larger than this is a fault, answered as one.
const MAX_ANSWER: usize = 4 * 1024 * 1024;

/// The request's handler and body, run to the end in their own task, around
/// the service `S` (a layer: `tower::layer::layer_fn(ToTheEnd)`).
#[derive(Clone)]
pub struct ToTheEnd<S>(pub S);

impl<S> Service<Request> for ToTheEnd<S>
where
    S: Service<Request, Response = Response, Error = Infallible>,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = super::Answering;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.0.poll_ready(cx)
    }

    fn call(&mut self, req: Request) -> Self::Future {
        let answer = self.0.call(req);
        let finished = tokio::spawn(async move {
            let (parts, body) = answer
                .await
                .unwrap_or_else(|never| match never {})
                .into_parts();
            to_bytes(body, MAX_ANSWER)
                .await
                .map(|bytes| Response::from_parts(parts, Body::from(bytes)))
        });
        Box::pin(async move {
            Ok(match finished.await {
                Ok(Ok(res)) => res,
                Ok(Err(err)) => {
                    tracing::error!(error = %err, "an answer's body could not be read to its end");
                    AppError::Internal.into_response()
                }
                Err(err) => {
                    tracing::error!(error = %err, "a request's task failed");
                    AppError::Internal.into_response()
                }
            })
        })
    }
}
