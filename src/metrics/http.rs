//! The layer that counts and times every request the app answers.

use std::time::Instant;

use axum::{
    extract::{MatchedPath, Request, State},
    middleware::Next,
    response::Response,
};

use super::{Metrics, STATIC};

/// Marks a response as a file of the site folder (`/pkg/…`, `/robots.txt`),
/// which no route template names: [`record`] counts it under [`STATIC`].
#[derive(Debug, Clone, Copy)]
pub struct StaticFile;

/// Records the request under its route's template (axum's [`MatchedPath`],
/// set before the route's layers run), or [`STATIC`] for a file of the site
/// folder, and its response's status.
pub async fn record(State(metrics): State<Metrics>, req: Request, next: Next) -> Response {
    let route = req.extensions().get::<MatchedPath>().cloned();
    let started = Instant::now();
    let res = next.run(req).await;
    let route = if res.extensions().get::<StaticFile>().is_some() {
        Some(STATIC)
    } else {
        route.as_ref().map(MatchedPath::as_str)
    };
    metrics.request(route, res.status(), started.elapsed());
    res
}
