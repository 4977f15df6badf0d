//! The server functions the page's buttons call (`POST /api/<name>`).
//!
//! With JavaScript on, the hydrated page calls them with `fetch` and shows the
//! returned answer. With JavaScript off, the browser posts the form; the
//! function then redirects back to `/?answer=<name>` (or `/?error=<code>`) so
//! the page can render the answer itself.

use leptos::prelude::*;

use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::{
    answer::Answer,
    session::{note, op::Op},
};

#[cfg(feature = "ssr")]
mod ssr;

/// Stores `Username = "Admin"`; answers "The session has been Set".
#[server(endpoint = "set_session")]
pub async fn set_session() -> Result<String, AppError> {
    ssr::respond(|session| async move { Op::Set.run(&session).await }).await
}

/// Answers "Welcome <name>" or "Welcome Anonymous".
#[server(endpoint = "get_session")]
pub async fn get_session() -> Result<String, AppError> {
    ssr::respond(|session| async move { Op::Get.run(&session).await }).await
}

/// Removes `Username` if present; answers "Session Deleted".
#[server(endpoint = "pop_session")]
pub async fn pop_session() -> Result<String, AppError> {
    ssr::respond(|session| async move { Op::Pop.run(&session).await }).await
}

/// Keeps the visitor's note (an empty one removes it); answers "Note saved"
/// or "Note cleared".
#[server(endpoint = "save_note")]
pub async fn save_note(note: String) -> Result<String, AppError> {
    ssr::respond(|session| async move {
        let note = note::parse(&note)?;
        session.set_note(note.as_deref()).await?;
        Ok(if note.is_some() {
            Answer::NoteSaved
        } else {
            Answer::NoteCleared
        })
    })
    .await
}

/// The visitor's note, if any; the page shows it in the note field.
#[server(endpoint = "get_note")]
pub async fn get_note() -> Result<Option<String>, AppError> {
    ssr::session().await?.note().await
}
