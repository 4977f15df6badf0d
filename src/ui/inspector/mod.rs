//! "What lives where": the browser's side and the server's side of the
//! visitor's session, side by side.
//!
//! The server renders both panels ([`render`]); the page only places them and
//! re-reads them after a change, so the bundle carries no formatting code.

pub mod clock;
#[cfg(feature = "ssr")]
pub mod render;

use leptos::prelude::*;

use crate::{error::AppError, session::inspect::Panels, ui::browser};

/// The two panels. Their pop and clear buttons are forms like the page's
/// others: they post without JavaScript, and with it the page's one submit
/// handler sends them.
#[component]
pub fn Inspector(panels: RwSignal<Result<Panels, AppError>>) -> impl IntoView {
    // The server's HTML as it is; none when it could not be read. In the
    // browser the first value is empty and left unwritten: hydration keeps
    // the HTML the server rendered, and a re-read replaces it.
    let side =
        move |pick: fn(Panels) -> String| move || panels.try_get().and_then(Result::ok).map(pick);
    let failed = move || {
        panels
            .try_get()
            .and_then(Result::err)
            .map(|err| err.to_string())
    };
    view! {
        <div class="inspector">
            <section class="side" aria-labelledby="in-browser">
                <h2 id="in-browser">"In your browser"</h2>
                <p class="error">{failed}</p>
                <div inner_html=side(|p| p.browser)></div>
                <p class="scripts">{scripts_see(panels)}</p>
            </section>
            <section class="side" aria-labelledby="on-server">
                <h2 id="on-server" tabindex="-1">
                    "On the server"
                </h2>
                <p class="error">{failed}</p>
                <div inner_html=side(|p| p.server)></div>
            </section>
        </div>
    }
}

/// The line that shows this page's scripts cannot read the session cookie.
fn scripts_see(panels: RwSignal<Result<Panels, AppError>>) -> impl Fn() -> String {
    // Filled in by the browser after hydration, and again after each re-read.
    let seen = RwSignal::new(None::<String>);
    Effect::new(move || {
        panels.track();
        seen.set(Some(browser::document_cookie()));
    });
    move || {
        let Some(cookies) = seen.try_get().flatten() else {
            return "With JavaScript on, this line shows what the page's own scripts can read of it."
                .to_owned();
        };
        let name = panels
            .try_get()
            .and_then(Result::ok)
            .map_or_else(|| "session".to_owned(), |p| p.cookie);
        let holds = cookies
            .split("; ")
            .any(|pair| pair.split('=').next() == Some(name.as_str()));
        let verdict = if holds {
            "it holds the session cookie: scripts can read the id!"
        } else {
            "no session cookie in it: HttpOnly keeps the id from this page's scripts."
        };
        format!("document.cookie is \"{cookies}\": {verdict}")
    }
}
