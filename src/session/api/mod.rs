//! The server functions the page's buttons call (`POST /api/<name>`).
//!
//! With JavaScript on, the hydrated page calls them with `fetch` and shows the
//! returned answer. With JavaScript off, the browser posts the form; the
//! function then redirects back to `/?answer=<op>` (or `/?error=<code>`) so the
//! page can render the answer itself.

use leptos::prelude::*;

use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::session::op::Op;

#[cfg(feature = "ssr")]
mod ssr;

/// Stores `Username = "Admin"`; answers "The session has been Set".
#[server(endpoint = "set_session")]
pub async fn set_session() -> Result<String, AppError> {
    ssr::perform(Op::Set).await
}

/// Answers "Welcome <name>" or "Welcome Anonymous".
#[server(endpoint = "get_session")]
pub async fn get_session() -> Result<String, AppError> {
    ssr::perform(Op::Get).await
}

/// Removes `Username` if present; answers "Session Deleted".
#[server(endpoint = "pop_session")]
pub async fn pop_session() -> Result<String, AppError> {
    ssr::perform(Op::Pop).await
}
