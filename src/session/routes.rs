//! The seed's own plain routes, for curl users: same session, same answers,
//! as `text/plain`.
//!
//! The seed changes the session on GET. Kept, so curl and bookmarks work, but
//! a browser's cross-site request to a changing route gets a 403.

use axum::{middleware, routing::get, Router};

use super::{op::Op, UserSession};
use crate::http::cross_site;

/// `GET /setsession`, `GET /getsession`, `GET /popsession`.
pub fn router<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Op::ALL.into_iter().fold(Router::new(), |router, op| {
        let mut route = get(move |session: UserSession| async move {
            op.run(&session).await.map(|answer| answer.to_string())
        });
        if op.mutates() {
            route = route.layer(middleware::from_fn(cross_site::same_site_only));
        }
        router.route(&path(op), route)
    })
}

/// The routes' paths, as [`router`] registers them.
pub fn paths() -> impl Iterator<Item = String> {
    Op::ALL.into_iter().map(path)
}

fn path(op: Op) -> String {
    format!("/{}session", op.name())
}
