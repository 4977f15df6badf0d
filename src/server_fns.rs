//! What every state-changing request to the session routes goes through:
//! server-function calls are POSTs. One middleware, so that page loads and
//! other GETs pay for one pass-through rather than one per concern.

use axum::{extract::Request, http::Method, middleware::Next, response::Response};

use crate::{cross_site, error};

/// Refuses cross-site calls, and gives server-function errors their status.
pub async fn guard(req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    if let Some(refused) = cross_site::refusal(&req) {
        return refused;
    }
    error::with_app_error_status(next.run(req).await).await
}
