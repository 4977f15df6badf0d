//! The page's buttons as leptos server actions, and the answer the status
//! line shows: the latest action's, or the one a no-JavaScript form post was
//! redirected back with.

use leptos::{prelude::*, server_fn::ServerFn};

use crate::{
    answer::Answer,
    error::AppError,
    session::api::{
        get_session, Button, ClearSession, GetSession, PopKey, PopSession, SaveNote, SetKey,
        SetSession,
    },
    ui::location,
};

/// An answer as the page shows it.
pub type Shown = Result<String, AppError>;

/// One `ServerAction` per button's server function.
#[derive(Clone, Copy)]
pub struct Actions {
    pub set_session: ServerAction<SetSession>,
    pub get_session: ServerAction<GetSession>,
    pub pop_session: ServerAction<PopSession>,
    pub save_note: ServerAction<SaveNote>,
    pub set_key: ServerAction<SetKey>,
    pub pop_key: ServerAction<PopKey>,
    pub clear_session: ServerAction<ClearSession>,
}

/// A button form's submit handler. Without JavaScript the browser posts the
/// form to the function's URL; with it, the post is left undone and the
/// action is dispatched with the typed input `input` builds from what the
/// form holds.
///
/// Leptos's `ActionForm` does the same by reading the form's fields into
/// the input with `serde_qs`, per function; building the input here keeps
/// that parser out of the bundle (36 KB of the 237 KB gzip it weighed with
/// `ActionForm`s).
pub fn submit<S>(
    action: ServerAction<S>,
    input: impl Fn() -> S + 'static,
) -> impl FnMut(leptos::ev::SubmitEvent) + 'static
where
    S: ServerFn<Output = String, Error = AppError> + Clone + Send + Sync + 'static,
{
    move |ev| {
        ev.prevent_default();
        action.dispatch(input());
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

impl Actions {
    pub fn new() -> Self {
        Self {
            set_session: ServerAction::new(),
            get_session: ServerAction::new(),
            pop_session: ServerAction::new(),
            save_note: ServerAction::new(),
            set_key: ServerAction::new(),
            pop_key: ServerAction::new(),
            clear_session: ServerAction::new(),
        }
    }

    /// Calls `on_answer` with each answer, as it arrives.
    pub fn on_answer(self, on_answer: impl Fn(Answered) + Clone + Send + Sync + 'static) {
        follow(self.set_session, false, on_answer.clone());
        follow(self.get_session, false, on_answer.clone());
        follow(self.pop_session, false, on_answer.clone());
        follow(self.save_note, false, on_answer.clone());
        follow(self.set_key, false, on_answer.clone());
        follow(self.pop_key, true, on_answer.clone());
        follow(self.clear_session, true, on_answer);
    }

    /// Whether any call is on its way.
    pub fn pending(self) -> bool {
        [
            self.set_session.pending(),
            self.get_session.pending(),
            self.pop_session.pending(),
            self.save_note.pending(),
            self.set_key.pending(),
            self.pop_key.pending(),
            self.clear_session.pending(),
        ]
        .iter()
        .any(|pending| pending.try_get().unwrap_or_default())
    }
}

fn follow<S>(
    action: ServerAction<S>,
    from_panels: bool,
    on_answer: impl Fn(Answered) + Send + Sync + 'static,
) where
    S: ServerFn<Output = String, Error = AppError> + Button + Clone + Send + Sync + 'static,
{
    let value = action.value();
    Effect::new(move || {
        if let Some(shown) = value.get() {
            let changed = S::CHANGES_SESSION && shown.is_ok();
            on_answer(Answered {
                shown,
                changed,
                from_panels,
            });
        }
    });
}

/// The answer a no-JavaScript redirect carries: an error or an answer by its
/// code, or the greeting, which is read from the session again rather than
/// trusted from the URL. `None` when the page was not redirected (or the
/// code is not one of ours).
pub fn redirected() -> Option<Signal<Option<Shown>>> {
    if let Some(code) = location::query("error") {
        return Some(Signal::stored(Some(Err(AppError::from_code(&code)))));
    }
    match Answer::from_code(&location::query("answer")?) {
        Ok(Some(answer)) => Some(Signal::stored(Some(Ok(answer.to_string())))),
        // Read while the page renders; its error sets the page's status.
        Ok(None) => {
            let greeting = Resource::new(|| (), |()| get_session());
            Some(Signal::derive(move || greeting.try_get().flatten()))
        }
        Err(_) => None,
    }
}
