//! "What lives where": the browser's side and the server's side of the
//! visitor's session, side by side, rendered from the typed
//! [`Inspection`] the `panels` server function reads: on the server with
//! the page, in the browser after each answer.

mod browser_side;
pub mod clock;
mod server_side;

use leptos::{html::H2, prelude::*};

use self::{browser_side::BrowserSide, server_side::ServerSide};
use crate::{error::AppError, session::inspect::Inspection, ui::answers::Calls};

/// The panels' data, as the page reads it.
pub type Inspected = Resource<Result<Inspection, AppError>, crate::ui::codec::Json>;

/// The two panels. Their pop and clear buttons are the page's actions'
/// forms, like its other buttons.
#[component]
pub fn Inspector(
    inspection: Inspected,
    calls: Calls,
    /// The server's panel heading, where the focus goes when the button that
    /// had it is gone.
    heading: NodeRef<H2>,
) -> impl IntoView {
    // `try_`: see the workbench. Each reads only its part of the
    // inspection, without copying the rest (leptos walks a transition's
    // children before it renders them, so each read runs twice a page).
    let failed = move || {
        inspection
            .try_with(|read| read.as_ref()?.as_ref().err().map(ToString::to_string))
            .flatten()
    };
    let cookie =
        Signal::derive(move || part(inspection, |i| i.browser.cookie.clone()).unwrap_or_default());
    view! {
        <div class="inspector">
            <section class="side" aria-labelledby="in-browser">
                <h2 id="in-browser">"In your browser"</h2>
                <p class="error">{failed}</p>
                {move || {
                    part(inspection, |i| i.browser.clone())
                        .map(|browser| view! { <BrowserSide browser /> })
                }}
                <ScriptsSee cookie inspection />
            </section>
            <section class="side" aria-labelledby="on-server">
                <h2 id="on-server" tabindex="-1" node_ref=heading>
                    "On the server"
                </h2>
                <p class="error">{failed}</p>
                {move || {
                    part(inspection, |i| (i.server.clone(), i.browser.fingerprint.clone()))
                        .map(|(server, sent)| view! { <ServerSide server sent calls /> })
                }}
            </section>
        </div>
    }
}

/// One part of the inspection, copied out of it, once it is read and
/// unless reading it failed.
pub fn part<T>(inspection: Inspected, of: impl FnOnce(&Inspection) -> T) -> Option<T> {
    inspection
        .try_with(|read| match read {
            Some(Ok(inspection)) => Some(of(inspection)),
            _ => None,
        })
        .flatten()
}

/// The line that shows this page's scripts cannot read the session cookie:
/// `document.cookie`, read after hydration and after each read of the
/// panels.
#[component]
fn ScriptsSee(cookie: Signal<String>, inspection: Inspected) -> impl IntoView {
    let seen = RwSignal::new(None::<String>);
    // Effects run only in the browser.
    Effect::new(move || {
        inspection.track();
        seen.set(Some(crate::ui::browser::document_cookie()));
    });
    let line = move || {
        let Some(cookies) = seen.try_get().flatten() else {
            return "With JavaScript on, this line shows what the page's own scripts can read of it."
                .to_owned();
        };
        let name = cookie.try_get().unwrap_or_default();
        let holds = cookies
            .split("; ")
            .any(|pair| pair.split('=').next() == Some(name.as_str()));
        let verdict = if holds {
            "it holds the session cookie: scripts can read the id!"
        } else {
            "no session cookie in it: HttpOnly keeps the id from this page's scripts."
        };
        format!("document.cookie is \"{cookies}\": {verdict}")
    };
    view! { <p class="scripts">{line}</p> }
}
