//! The three buttons, the note field and the answer line.

use leptos::{form::ActionForm, prelude::*};
use leptos_router::hooks::use_query_map;

use crate::{
    answer::Answer,
    error::AppError,
    limits::NOTE_MAX_CHARS,
    session::api::{get_note, get_session, GetSession, PopSession, SaveNote, SetSession},
};

type Shown = Result<String, AppError>;

/// Set, get and pop the visitor's server-side session.
///
/// With JavaScript on, each button calls its server function and the answer
/// replaces the status line in place. With it off, the form posts and the
/// server redirects back with `?answer=` (or `?error=`), which this component
/// renders on the server.
#[component]
pub fn SessionPanel() -> impl IntoView {
    let set = ServerAction::<SetSession>::new();
    let get = ServerAction::<GetSession>::new();
    let pop = ServerAction::<PopSession>::new();
    let save_note = ServerAction::<SaveNote>::new();

    let latest = RwSignal::new(None::<Shown>);
    for value in [set.value(), get.value(), pop.value(), save_note.value()] {
        Effect::new(move || {
            if let Some(answer) = value.get() {
                latest.set(Some(answer));
            }
        });
    }

    let query = use_query_map();
    let redirected = Resource::new(
        move || {
            let query = query.read();
            (query.get("answer"), query.get("error"))
        },
        |(answer, error)| async move { answer_from_redirect(answer, error).await },
    );

    // Effects run only in the browser, so this flips once hydration is done;
    // the end-to-end tests wait for it before clicking.
    let hydrated = RwSignal::new(false);
    Effect::new(move || hydrated.set(true));

    // Read once: afterwards the field itself holds what the visitor typed.
    let stored_note = Resource::new(|| (), |()| get_note());

    let busy = move || {
        set.pending().get()
            || get.pending().get()
            || pop.pending().get()
            || save_note.pending().get()
    };

    view! {
        <section class="panel" data-hydrated=move || hydrated.get().then_some("true")>
            <h1>"Server-side sessions"</h1>
            <p class="lede">
                "Your browser holds only a signed, opaque session id; the data lives in the server's store."
            </p>
            <div class="actions" aria-busy=move || busy().to_string()>
                <ActionForm action=set>
                    <button type="submit">"Set session"</button>
                </ActionForm>
                <ActionForm action=get>
                    <button type="submit">"Get session"</button>
                </ActionForm>
                <ActionForm action=pop>
                    <button type="submit">"Pop session"</button>
                </ActionForm>
            </div>
            <Suspense>
                <ActionForm action=save_note attr:class="note">
                    <label for="note">"Note, kept in the session next to the user"</label>
                    <div class="note-row">
                        <input
                            id="note"
                            name="note"
                            type="text"
                            maxlength=NOTE_MAX_CHARS
                            autocomplete="off"
                            value=move || {
                                stored_note.get().and_then(Result::ok).flatten().unwrap_or_default()
                            }
                        />
                        <button type="submit">"Save note"</button>
                    </div>
                </ActionForm>
            </Suspense>
            <p role="status" class="answer">
                <Transition>
                    {move || {
                        let answer = latest.get().or_else(|| redirected.get().flatten());
                        answer.map(|answer| match answer {
                            Ok(text) => view! { <span class="ok">{text}</span> }.into_any(),
                            Err(err) => {
                                view! { <span class="error">{err.to_string()}</span> }.into_any()
                            }
                        })
                    }}
                </Transition>
            </p>
            <p class="routes">
                "The same session as plain text, for curl: "
                <code>"/setsession"</code>
                ", "
                <code>"/getsession"</code>
                ", "
                <code>"/popsession"</code>
            </p>
        </section>
    }
}

/// The answer a no-JS form post was redirected with, if any.
async fn answer_from_redirect(answer: Option<String>, error: Option<String>) -> Option<Shown> {
    if let Some(code) = error {
        return Some(Err(AppError::from_code(&code)));
    }
    match Answer::from_code(&answer?) {
        Ok(Some(answer)) => Some(Ok(answer.to_string())),
        // The greeting: read the session again rather than trust the URL.
        Ok(None) => Some(get_session().await),
        Err(_) => None,
    }
}
