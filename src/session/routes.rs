//! The seed's own plain routes, for curl users: same session, same answers,
//! as `text/plain`.

use axum::{routing::get, Router};

use super::{op::Op, UserSession};

/// `GET /setsession`, `GET /getsession`, `GET /popsession`.
pub fn router<S: Clone + Send + Sync + 'static>() -> Router<S> {
    [Op::Set, Op::Get, Op::Pop]
        .into_iter()
        .fold(Router::new(), |router, op| {
            router.route(
                &format!("/{}session", op.as_str()),
                get(move |session: UserSession| async move { session.perform(op).await }),
            )
        })
}
