//! The page's buttons as one leptos action around their server functions,
//! and the answer the status line shows: the latest call's, or the one a
//! no-JavaScript form post was redirected back with.

use leptos::prelude::*;

use crate::{
    answer::Answer,
    error::AppError,
    session::{
        api::{
            clear_session, get_session, pop_key, pop_session, save_note, set_key, set_session,
            Button, ClearSession, GetSession, PopKey, PopSession, SaveNote, SetKey, SetSession,
        },
        inspect::{Inspection, USERNAME},
    },
    ui::{inspector::Inspected, location},
};

/// An answer as the page shows it.
pub type Shown = Result<String, AppError>;

/// A button's call: its server function, with the typed input.
#[derive(Clone, Debug)]
pub enum Call {
    SetSession(SetSession),
    GetSession(GetSession),
    PopSession(PopSession),
    SaveNote(SaveNote),
    SetKey(SetKey),
    PopKey(PopKey),
    ClearSession(ClearSession),
}

impl Call {
    /// Calls the server function (leptos's client: a `POST` of the input,
    /// the answer or the error decoded).
    async fn send(self) -> Shown {
        match self {
            Self::SetSession(SetSession {}) => set_session().await,
            Self::GetSession(GetSession {}) => get_session().await,
            Self::PopSession(PopSession {}) => pop_session().await,
            Self::SaveNote(SaveNote { note }) => save_note(note).await,
            Self::SetKey(SetKey { key, value }) => set_key(key, value).await,
            Self::PopKey(PopKey { key }) => pop_key(key).await,
            Self::ClearSession(ClearSession {}) => clear_session().await,
        }
    }

    fn changes_session(&self) -> bool {
        match self {
            Self::SetSession(_) => SetSession::CHANGES_SESSION,
            Self::GetSession(_) => GetSession::CHANGES_SESSION,
            Self::PopSession(_) => PopSession::CHANGES_SESSION,
            Self::SaveNote(_) => SaveNote::CHANGES_SESSION,
            Self::SetKey(_) => SetKey::CHANGES_SESSION,
            Self::PopKey(_) => PopKey::CHANGES_SESSION,
            Self::ClearSession(_) => ClearSession::CHANGES_SESSION,
        }
    }
}

/// What an answer arriving tells the page.
#[derive(Clone, Debug)]
pub struct Answered {
    pub shown: Shown,
    /// Its function may change the session, and it succeeded.
    pub changed: bool,
    /// It came from a button of the panels (pop, clear), which the next
    /// read of the panels replaces.
    pub from_panels: bool,
}

/// The page's buttons: one leptos `Action` around their typed server
/// functions. One action rather than a `ServerAction` each: the answers go
/// to one status line, and each action is generic code of its own in the
/// bundle (7.7 KB of gzip for seven).
pub type Calls = Action<Call, Answered>;

pub fn calls() -> Calls {
    Action::new(|call: &Call| {
        let call = call.clone();
        async move {
            let changes = call.changes_session();
            let from_panels = matches!(call, Call::PopKey(_) | Call::ClearSession(_));
            let shown = call.send().await;
            Answered {
                changed: changes && shown.is_ok(),
                shown,
                from_panels,
            }
        }
    })
}

/// A button form's submit handler. Without JavaScript the browser posts the
/// form to the function's URL; with it, the post is left undone and the
/// call is dispatched with the typed input `call` builds from what the
/// form holds.
///
/// Leptos's `ActionForm` does the same by reading the form's fields into
/// the input with `serde_qs`, per function; building the input here keeps
/// that parser out of the bundle (36 KB of the 237 KB gzip it weighed with
/// `ActionForm`s).
pub fn submit(
    calls: Calls,
    call: impl Fn() -> Call + 'static,
) -> impl FnMut(leptos::ev::SubmitEvent) + 'static {
    move |ev| {
        ev.prevent_default();
        calls.dispatch(call());
    }
}

/// The answer a no-JavaScript redirect carries.
#[derive(Clone, Debug)]
pub enum Redirected {
    /// An answer or an error, by its code.
    Fixed(Shown),
    /// The greeting, which is read from the session again (the page's
    /// inspection) rather than trusted from the URL.
    Greeting,
}

/// What the page's query says it was redirected back with; `None` when it
/// was not (or the code is not one of ours).
pub fn redirected() -> Option<Redirected> {
    if let Some(code) = location::query("error") {
        return Some(Redirected::Fixed(Err(AppError::from_code(&code))));
    }
    match Answer::from_code(&location::query("answer")?) {
        Ok(Some(answer)) => Some(Redirected::Fixed(Ok(answer.to_string()))),
        Ok(None) => Some(Redirected::Greeting),
        Err(_) => None,
    }
}

/// The greeting, from the page's read of the session, once it is in.
pub fn greeting(inspection: Inspected) -> Option<Shown> {
    inspection
        .try_with(|read| {
            let read = read.as_ref()?;
            answered_with_status(read);
            Some(match read {
                Ok(inspection) => {
                    let user = inspection
                        .server
                        .session
                        .as_ref()
                        .and_then(|held| held.get(USERNAME));
                    Ok(Answer::Welcome(user.map(str::to_owned)).to_string())
                }
                Err(err) => Err(err.clone()),
            })
        })
        .flatten()
}

/// A greeting that could not be read answers the page with the error's
/// status, as the server function it stands for would.
fn answered_with_status(read: &Result<Inspection, AppError>) {
    #[cfg(feature = "ssr")]
    if let (Err(err), Some(response)) = (read, use_context::<leptos_axum::ResponseOptions>()) {
        response.set_status(err.status_code());
    }
    #[cfg(not(feature = "ssr"))]
    let _ = read;
}
