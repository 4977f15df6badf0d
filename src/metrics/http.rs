//! The layer that counts and times every request the app answers.

use std::time::Instant;

use axum::{
    extract::{MatchedPath, Request, State},
    middleware::Next,
    response::Response,
};

use super::Metrics;

/// Records the request under its route's template (axum's [`MatchedPath`],
/// set before the route's layers run) and its response's status.
pub async fn record(State(metrics): State<Metrics>, req: Request, next: Next) -> Response {
    let route = req.extensions().get::<MatchedPath>().cloned();
    let started = Instant::now();
    let res = next.run(req).await;
    metrics.request(
        route.as_ref().map(MatchedPath::as_str),
        res.status(),
        started.elapsed(),
    );
    res
}
