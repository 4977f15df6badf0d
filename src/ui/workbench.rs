//! The page: the seed's three buttons and note, any key and value, the
//! answer line, and what lives where.

use leptos::{html::H2, prelude::*, server_fn::ServerFn};

use super::{
    answers::{self, submit, Call, Calls, Redirected, Shown},
    browser,
    inspector::{self, Inspected, Inspector},
    key_form::KeyForm,
    note_form::NoteForm,
};
use crate::session::{
    api::{panels, GetSession, PopSession, SetSession},
    inspect::NOTE,
};

/// A workbench for the visitor's server-side session.
///
/// Every button is a form that posts to its server function. With
/// JavaScript off the browser posts it and the server redirects back with
/// `?answer=` (or `?error=`), which this component renders on the server.
/// With it on, the form's submit dispatches the page's `Action` with the
/// typed input and the page shows the answer in place; the panels are then
/// read again, and, when the function may have changed the session, the
/// visitor's other tabs are told to read theirs.
#[component]
pub fn Workbench() -> impl IntoView {
    let calls = answers::calls();
    // Leptos maps the action's value anew on each `value()`: once here.
    let answered = calls.value();

    // The panels' data: read with the page (its value travels in the page
    // for hydration), then again after every answer, when another tab says
    // it changed the session, and when this tab comes back.
    let reads = RwSignal::new(0_u32);
    let inspection: Inspected =
        Resource::new_with_options(move || reads.get(), |_| panels(), false);
    let reread = move || reads.update(|n| *n = n.wrapping_add(1));
    browser::keep_in_step(reread);

    let heading = NodeRef::<H2>::new();
    // A pop or clear button is gone once the panels are read again: the
    // focus then goes to the server's panel, not back to the page's top.
    let refocus = StoredValue::new(false);
    // Effects run only in the browser, where the calls are made.
    Effect::new(move || {
        let Some(answered) = answered.get() else {
            return;
        };
        if answered.changed {
            browser::tell_other_tabs();
        }
        refocus.set_value(answered.from_panels);
        reread();
    });
    Effect::new(move || {
        inspection.track();
        if refocus.get_value() {
            refocus.set_value(false);
            browser::refocus_if_lost(heading);
        }
    });

    let redirected = StoredValue::new(answers::redirected());
    let fixed = move || match redirected.try_get_value().flatten()? {
        Redirected::Fixed(shown) => Some(shown),
        Redirected::Greeting => None,
    };
    // The stored note, for the note field.
    let note = Signal::derive(move || {
        inspector::part(inspection, |i| {
            i.server.session.as_ref()?.get(NOTE).map(str::to_owned)
        })
        .flatten()
    });
    // Every read in the view is a `try_` one: when a visitor leaves while
    // the page renders, leptos may run a closure once more after the page's
    // signals are gone, and a plain `get` would panic a server thread.
    let latest = move || answered.try_get().flatten().map(|answered| answered.shown);
    let shown = move || {
        latest().or_else(|| match redirected.try_get_value().flatten()? {
            Redirected::Fixed(shown) => Some(shown),
            Redirected::Greeting => answers::greeting(inspection),
        })
    };
    // A refusal about a field is an answer's, or a redirect's by its code:
    // never the greeting's, so this reads no session.
    let refused = Signal::derive(move || latest().or_else(fixed).and_then(Result::err));

    // Effects run only in the browser, so this flips once hydration is done;
    // the end-to-end tests wait for it before clicking.
    let hydrated = RwSignal::new(false);
    Effect::new(move || hydrated.set(true));

    view! {
        <section
            class="panel"
            data-hydrated=move || hydrated.try_get().unwrap_or_default().then_some("true")
            aria-busy=move || calls.pending().try_get().unwrap_or_default().to_string()
        >
            <h1>"Server-side sessions"</h1>
            <p class="lede">
                "Your browser holds only a signed, opaque session id; the data lives in the server's store."
            </p>
            // Every read of the session is inside one transition: the server's
            // render waits for it, and a re-read keeps what is shown until the
            // new one is in. One boundary, not one per read: leptos walks a
            // boundary's children before it renders them (twice the work),
            // and two boundaries sharing a resource have hung SSR responses
            // (leptos-rs/leptos#4851).
            <Transition>
                <div class="tools">
                    <section aria-labelledby="seed">
                        <h2 id="seed">"The tutorial's session"</h2>
                        <div class="actions">
                            <SeedButton calls path=SetSession::PATH label="Set session"
                                call=|| Call::SetSession(SetSession {}) />
                            <SeedButton calls path=GetSession::PATH label="Get session"
                                call=|| Call::GetSession(GetSession {}) />
                            <SeedButton calls path=PopSession::PATH label="Pop session"
                                call=|| Call::PopSession(PopSession {}) />
                        </div>
                        <NoteForm calls note />
                    </section>
                    <section aria-labelledby="any-key">
                        <h2 id="any-key">"Any key"</h2>
                        <KeyForm calls refused />
                    </section>
                </div>
                <p role="status" class="answer">
                    <span class=move || match shown() {
                        Some(Ok(_)) => "ok",
                        _ => "error",
                    }>{move || status_line(shown())}</span>
                </p>
                <Inspector inspection calls heading />
            </Transition>
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

/// One of the seed's buttons: a form that posts to `path`, or, with
/// JavaScript, dispatches `call`.
#[component]
fn SeedButton(
    calls: Calls,
    path: &'static str,
    label: &'static str,
    call: fn() -> Call,
) -> impl IntoView {
    view! {
        <form method="post" action=path on:submit=submit(calls, call)>
            <button type="submit">{label}</button>
        </form>
    }
}

/// What the status line says: the answer, or an error that is not about a
/// field of the key form (those are shown beside their field).
fn status_line(shown: Option<Shown>) -> String {
    match shown {
        Some(Ok(text)) => text,
        Some(Err(err)) if err.field().is_none() => err.to_string(),
        _ => String::new(),
    }
}
