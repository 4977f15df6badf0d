//! The server functions the page's buttons call (`POST /api/<name>`).
//!
//! With JavaScript on, the hydrated page calls them with `fetch` and shows the
//! returned answer. With JavaScript off, the browser posts the form; the
//! function then redirects back to `/?answer=<name>` (or `/?error=<code>`) so
//! the page can render the answer itself.

use leptos::prelude::*;

use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::session::{note, op::Op};

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

/// Keeps the visitor's note (an empty one removes it); answers "Note saved"
/// or "Note cleared".
#[server(endpoint = "save_note")]
pub async fn save_note(note: String) -> Result<String, AppError> {
    let parsed = note::parse(&note);
    let name = match &parsed {
        Ok(Some(_)) => note::SAVED_NAME,
        _ => note::CLEARED_NAME,
    };
    ssr::respond(name, |session| async move {
        let note = parsed?;
        session.set_note(note.as_deref()).await?;
        Ok(note::answer(note.as_deref()).to_owned())
    })
    .await
}

/// The visitor's note, if any; the page shows it in the note field.
#[server(endpoint = "get_note")]
pub async fn get_note() -> Result<Option<String>, AppError> {
    ssr::session().await?.note().await
}
