//! The seed's own plain routes, for curl users: same session, same answers,
//! as `text/plain`.

use axum::{routing::get, Router};

use super::{op::Op, UserSession};
use crate::error::AppError;

/// `GET /setsession`, `GET /getsession`, `GET /popsession`.
pub fn router<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route("/setsession", get(set))
        .route("/getsession", get(get_))
        .route("/popsession", get(pop))
}

async fn set(session: UserSession) -> Result<String, AppError> {
    session.perform(Op::Set).await
}

async fn get_(session: UserSession) -> Result<String, AppError> {
    session.perform(Op::Get).await
}

async fn pop(session: UserSession) -> Result<String, AppError> {
    session.perform(Op::Pop).await
}
