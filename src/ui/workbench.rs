//! The page: the seed's three buttons and note, any key and value, the
//! answer line, and what lives where.

use leptos::{prelude::*, server_fn::ServerFn};

use super::{
    browser,
    inspector::Inspector,
    key_form::KeyForm,
    note_form::NoteForm,
    page_data::{PageData, Shown},
};
use crate::session::api::{panels, GetSession, PopSession, SetSession};

/// A workbench for the visitor's server-side session.
///
/// Every button is a plain form that posts to its server function. With
/// JavaScript off the server redirects back with `?answer=` (or `?error=`),
/// which this component renders on the server. With it on, one handler
/// catches every form's submit, posts it asking for JSON, and shows the
/// answer in place; the panels are then read again, and the visitor's other
/// tabs are told to read theirs. One generic path rather than a typed action
/// per server function: each of those costs the bundle its own code.
#[component]
pub fn Workbench() -> impl IntoView {
    // Each answer comes with whether its form may have changed the session.
    let sent = Action::new(|form: &browser::Submission| {
        let (answer, changes) = (browser::post(form.clone()), form.may_change());
        async move { (answer.await, changes) }
    });

    let PageData {
        note,
        redirected,
        panels: first_panels,
    } = PageData::shared();

    // The panels as the server rendered them, then as each re-read brings
    // them; a re-read answered after a later one is dropped.
    let shown_panels = RwSignal::new(first_panels);
    let rereads = StoredValue::new(0_u32);
    let reread = move || {
        rereads.update_value(|n| *n = n.wrapping_add(1));
        let asked = rereads.get_value();
        leptos::task::spawn_local(async move {
            let fresh = panels().await;
            if rereads.try_get_value() == Some(asked) {
                shown_panels.try_set(fresh);
            }
        });
    };
    let tell_other_tabs = StoredValue::new(browser::keep_in_step(reread));

    let latest = RwSignal::new(None::<Shown>);
    Effect::new(move || {
        let Some((answer, changes)) = sent.value().get() else {
            return;
        };
        if changes && answer.is_ok() {
            tell_other_tabs.with_value(|tell| tell());
        }
        latest.set(Some(answer));
        reread();
    });
    // A pop or clear button is gone once the panels are read again: the
    // focus then goes to the server's panel, not back to the page's top.
    let refocus = StoredValue::new(false);
    Effect::new(move || {
        shown_panels.track();
        if refocus.get_value() {
            refocus.set_value(false);
            browser::refocus_if_lost("on-server");
        }
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        if let Some(form) = browser::submission(&ev) {
            ev.prevent_default();
            refocus.set_value(form.from_panels);
            sent.dispatch(form);
        }
    };

    let redirected = StoredValue::new(redirected);
    let shown = move || {
        latest
            .try_get()
            .flatten()
            .or_else(|| redirected.try_get_value().flatten())
    };
    let refused = Signal::derive(move || shown().and_then(Result::err));

    // Effects run only in the browser, so this flips once hydration is done;
    // the end-to-end tests wait for it before clicking.
    let hydrated = RwSignal::new(false);
    Effect::new(move || {
        hydrated.set(true);
        browser::tick_countdowns();
    });

    // Every read in the view is a `try_` one: when a visitor leaves while
    // the page streams, leptos may run a closure once more after the page's
    // signals are gone, and a plain `get` would panic a server thread.
    view! {
        <section
            class="panel"
            data-hydrated=move || hydrated.try_get().unwrap_or_default().then_some("true")
            aria-busy=move || sent.pending().try_get().unwrap_or_default().to_string()
            on:submit=on_submit
        >
            <h1>"Server-side sessions"</h1>
            <p class="lede">
                "Your browser holds only a signed, opaque session id; the data lives in the server's store."
            </p>
            <div class="tools">
                <section aria-labelledby="seed">
                    <h2 id="seed">"The tutorial's session"</h2>
                    <div class="actions">
                        <form method="post" action=SetSession::PATH>
                            <button type="submit">"Set session"</button>
                        </form>
                        <form method="post" action=GetSession::PATH>
                            <button type="submit">"Get session"</button>
                        </form>
                        <form method="post" action=PopSession::PATH>
                            <button type="submit">"Pop session"</button>
                        </form>
                    </div>
                    <NoteForm note />
                </section>
                <section aria-labelledby="any-key">
                    <h2 id="any-key">"Any key"</h2>
                    <KeyForm refused />
                </section>
            </div>
            <p role="status" class="answer">
                <span class=move || match shown() {
                    Some(Ok(_)) => "ok",
                    _ => "error",
                }>{move || status_line(shown())}</span>
            </p>
            <Inspector panels=shown_panels />
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

/// What the status line says: the answer, or an error that is not about a
/// field of the key form (those are shown beside their field).
fn status_line(shown: Option<Shown>) -> String {
    match shown {
        Some(Ok(text)) => text,
        Some(Err(err)) if err.field().is_none() => err.to_string(),
        _ => String::new(),
    }
}
