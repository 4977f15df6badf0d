//! "In your browser": the session cookie, as the server sets it and as this
//! request's browser sent it.

use leptos::{either::Either, prelude::*};

use crate::session::inspect::InBrowser;

#[component]
pub fn BrowserSide(browser: InBrowser) -> impl IntoView {
    let InBrowser {
        cookie,
        attributes,
        fingerprint,
    } = browser;
    let fingerprint = match fingerprint {
        Some(print) => Either::Left(view! { <code class="print">{print}</code> }),
        None => Either::Right(
            view! { <span class="none">"None: this browser holds no session cookie."</span> },
        ),
    };
    view! {
        <dl class="facts">
            <div>
                <dt>"Cookie"</dt>
                <dd>
                    <code>{cookie}</code>
                </dd>
            </div>
            <div>
                <dt>"Set with"</dt>
                <dd>
                    <ul class="chips">
                        {attributes.into_iter().map(|a| view! { <li>{a}</li> }).collect_view()}
                    </ul>
                </dd>
            </div>
            <div>
                <dt>"Its value"</dt>
                <dd>"A signed id, shown here only as its fingerprint: " {fingerprint}</dd>
            </div>
        </dl>
    }
}
