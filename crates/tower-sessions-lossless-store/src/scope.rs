//! One request's saves, seen from around tower-sessions' layer.
//!
//! [`RequestScopeLayer`] goes in front of `SessionManagerLayer`. While the
//! request runs it notes the bases the store hands out (see
//! [`crate::BASE_KEY`]) and releases them when the request is done, so the
//! store keeps only those of requests in flight. And it tells the layers in
//! front of it, through the response's extensions, what tower-sessions
//! cannot: that a save found its session deleted by another request
//! ([`SessionEnded`]: the cookie should go), or that a call on the store
//! failed ([`StoreCallFailed`]: when that was tower-sessions' own save after
//! the handler, it answers an empty 500).

use std::{
    future::Future,
    pin::Pin,
    sync::{Arc, Mutex},
    task::{Context, Poll},
};

use http::{Request, Response};
use tower_layer::Layer;
use tower_service::Service;

use crate::{bases::Bases, StoreFailure};

tokio::task_local! {
    static SCOPE: Arc<Scope>;
}

#[derive(Default)]
struct Scope {
    handed_out: Mutex<Vec<(Bases, u64)>>,
    ended: Mutex<bool>,
    failed: Mutex<Option<StoreFailure>>,
}

/// In the response's extensions: a save in this request found its session
/// deleted by another (a logout in another tab); nothing was written, and
/// the session stays deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionEnded;

/// In the response's extensions: a call on the store in this request
/// failed, with the failure. tower-sessions answers a save that fails after
/// the handler with an empty 500; this says why, for a layer in front to
/// answer better.
#[derive(Debug, Clone)]
pub struct StoreCallFailed(pub StoreFailure);

pub(crate) fn handed_out(bases: &Bases, token: u64) {
    let _ = SCOPE.try_with(|scope| lock(&scope.handed_out).push((bases.clone(), token)));
}

pub(crate) fn session_ended() {
    let _ = SCOPE.try_with(|scope| *lock(&scope.ended) = true);
}

pub(crate) fn call_failed(failure: &StoreFailure) {
    let _ = SCOPE.try_with(|scope| *lock(&scope.failed) = Some(failure.clone()));
}

/// A poisoned lock only means another thread panicked while pushing to a
/// list: what it holds is still good.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Wraps each request in a scope of its own; see the module's comment.
#[derive(Debug, Clone, Copy, Default)]
pub struct RequestScopeLayer;

impl<S> Layer<S> for RequestScopeLayer {
    type Service = RequestScope<S>;

    fn layer(&self, inner: S) -> Self::Service {
        RequestScope { inner }
    }
}

/// The service [`RequestScopeLayer`] makes.
#[derive(Debug, Clone)]
pub struct RequestScope<S> {
    inner: S,
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for RequestScope<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    S::Future: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<ReqBody>) -> Self::Future {
        let scope = Arc::new(Scope::default());
        let call = SCOPE.scope(Arc::clone(&scope), self.inner.call(req));
        Box::pin(async move {
            let result = call.await;
            for (bases, token) in lock(&scope.handed_out).drain(..) {
                bases.release(token);
            }
            let mut res = result?;
            if *lock(&scope.ended) {
                res.extensions_mut().insert(SessionEnded);
            }
            if let Some(failure) = lock(&scope.failed).take() {
                res.extensions_mut().insert(StoreCallFailed(failure));
            }
            Ok(res)
        })
    }
}
