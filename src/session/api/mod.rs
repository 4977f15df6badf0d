//! The server functions the page's buttons call (`POST /api/<name>`).
//!
//! Each button is a form that posts to its function. With JavaScript on,
//! the page's leptos `Action` calls the function with the typed input
//! instead and shows the typed answer; with it off, the browser posts the
//! form and the function redirects back to `/?answer=<name>` (or
//! `/?error=<code>`) so the page can render the answer itself.

use leptos::prelude::*;

use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::{
    answer::Answer,
    session::{note, op::Op},
};

#[cfg(feature = "ssr")]
pub(crate) mod ssr;

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

/// Sets `session[key] = value` for any key of the visitor's (the
/// workbench's form); answers "The key was set".
#[server(endpoint = "set_key")]
pub async fn set_key(key: String, value: String) -> Result<String, AppError> {
    ssr::respond(|session| async move {
        session.set(&key, &value).await?;
        Ok(Answer::KeySet)
    })
    .await
}

/// `session.pop(key)`: no error when the key is absent; a session left with
/// none of the visitor's keys is ended. Answers "The key was popped".
#[server(endpoint = "pop_key")]
pub async fn pop_key(key: String) -> Result<String, AppError> {
    ssr::respond(|session| async move {
        session.pop(&key).await?;
        Ok(Answer::KeyPopped)
    })
    .await
}

/// Ends the session: record deleted, cookie removed. Answers "The session
/// was cleared".
#[server(endpoint = "clear_session")]
pub async fn clear_session() -> Result<String, AppError> {
    ssr::respond(|session| async move {
        session.clear().await?;
        Ok(Answer::Cleared)
    })
    .await
}

/// What the browser and the server hold of the visitor's session (the
/// workbench's two panels).
#[server(endpoint = "inspect")]
pub async fn inspect() -> Result<crate::session::inspect::Inspection, AppError> {
    ssr::inspect().await
}

/// The same, as the page reads it for its panels: a read of the page's own
/// view, not a session operation, so it lives outside `/api/`:
/// `GET /inspector/panels`.
#[server(prefix = "/inspector", endpoint = "panels", input = leptos::server_fn::codec::GetUrl)]
pub async fn panels() -> Result<crate::session::inspect::Inspection, AppError> {
    ssr::inspect().await
}

/// The visitor's keys and values, by key (the app's bookkeeping never
/// appears).
#[server(endpoint = "list_keys")]
pub async fn list_keys() -> Result<Vec<(String, String)>, AppError> {
    ssr::session().await?.entries().await
}

/// What the page knows of a button's server function from its type alone.
pub trait Button {
    /// Whether a successful call may have changed the session: the
    /// visitor's other tabs are told to read theirs again.
    const CHANGES_SESSION: bool;
}

macro_rules! buttons {
    ($($function:ty => $changes:expr),* $(,)?) => {
        $(impl Button for $function {
            const CHANGES_SESSION: bool = $changes;
        })*
    };
}

buttons! {
    SetSession => true,
    GetSession => false,
    PopSession => true,
    SaveNote => true,
    SetKey => true,
    PopKey => true,
    ClearSession => true,
}
