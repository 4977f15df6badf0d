//! "On the server": the store, the session's record in it, and the
//! visitor's keys, each with its pop button.

use leptos::{either::Either, prelude::*, server_fn::ServerFn};

use super::clock::{ticking, time_left, when};
use crate::{
    session::{
        api::{ClearSession, PopKey},
        inspect::{Entry, Held, OnServer},
    },
    ui::answers::{submit, Call, Calls},
};

#[component]
pub fn ServerSide(
    server: OnServer,
    /// The fingerprint of the id this request's cookie carried.
    sent: Option<String>,
    calls: Calls,
) -> impl IntoView {
    let store = view! {
        <div>
            <dt>"Store"</dt>
            <dd>{server.store}</dd>
        </div>
    };
    match server.session {
        None => Either::Left(view! {
            <dl class="facts">{store}</dl>
            <p class="none">"No session: the store holds nothing for this browser."</p>
        }),
        Some(mut held) => {
            let entries = std::mem::take(&mut held.entries);
            Either::Right(view! {
                <dl class="facts">{store} <Record held sent /></dl>
                <h3>"Keys and values"</h3>
                <Entries entries calls />
                <form
                    method="post"
                    action=ClearSession::PATH
                    class="clear"
                    on:submit=submit(calls, || Call::ClearSession(ClearSession {}))
                >
                    <button type="submit" class="secondary">
                        "Clear session"
                    </button>
                </form>
            })
        }
    }
}

/// The record's facts: its id's fingerprint, and when it began and ends.
#[component]
fn Record(held: Held, sent: Option<String>) -> impl IntoView {
    let matches = if sent.as_deref() == Some(held.fingerprint.as_str()) {
        "the same id as the browser's cookie"
    } else {
        "not the id this request's cookie carried"
    };
    let now = ticking();
    let ends = held.idle_end_ms;
    let not_recorded = |ms: Option<i64>| ms.map_or_else(|| "Not recorded".to_owned(), when);
    view! {
        <div>
            <dt>"Id fingerprint"</dt>
            <dd>
                <code class="print">{held.fingerprint}</code>
                " "
                <span class="muted">{matches}</span>
            </dd>
        </div>
        <div>
            <dt>"Began"</dt>
            <dd>{not_recorded(held.began_ms)}</dd>
        </div>
        <div>
            <dt>"Ends if idle"</dt>
            <dd>
                <span data-ends=ends>{move || now.try_get().map(|now| time_left(ends - now))}</span>
                ", at "
                {when(ends)}
            </dd>
        </div>
        <div>
            <dt>"Ends at the latest"</dt>
            <dd>{not_recorded(held.absolute_end_ms)}</dd>
        </div>
    }
}

/// The visitor's keys, each value shown formatted when it is JSON.
#[component]
fn Entries(entries: Vec<Entry>, calls: Calls) -> impl IntoView {
    if entries.is_empty() {
        return Either::Left(view! { <p class="none">"No keys of yours."</p> });
    }
    let items = entries
        .into_iter()
        .map(|Entry { key, value, json }| {
            let tagged = json.is_some();
            let shown = json.unwrap_or(value);
            let popped = key.clone();
            view! {
                <li>
                    <div class="entry-head">
                        <code class="key">{key.clone()}</code>
                        {tagged.then(|| view! { <span class="tag">"JSON"</span> })}
                        <form
                            method="post"
                            action=PopKey::PATH
                            on:submit=submit(calls, move || Call::PopKey(PopKey { key: popped.clone() }))
                        >
                            <input type="hidden" name="key" value=key.clone() />
                            <button type="submit" class="secondary">
                                "Pop"
                                <span class="visually-hidden">" " {key}</span>
                            </button>
                        </form>
                    </div>
                    <pre class="value">{shown}</pre>
                </li>
            }
        })
        .collect_view();
    Either::Right(view! { <ul class="entries">{items}</ul> })
}
