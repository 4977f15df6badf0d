//! The two panels, rendered on the server to HTML.
//!
//! The page shows them as they come: dates, JSON and the entry list are
//! formatted here, so none of that code ships in the browser's bundle. The
//! pop and clear buttons are plain forms, which work without JavaScript; the
//! hydrated page catches their submits like any of its forms'.

use leptos::{prelude::*, server_fn::ServerFn, tachys::view::RenderHtml};
use time::OffsetDateTime;

use super::clock::time_left;
use crate::session::{
    api::{ClearSession, PopKey},
    inspect::{Held, InBrowser, Inspection, OnServer, Panels},
};

/// Both panels of `inspection`, as seen at `now_ms`.
pub fn panels(inspection: &Inspection, now_ms: i64) -> Panels {
    let sent = inspection.browser.fingerprint.as_deref();
    Panels {
        cookie: inspection.browser.cookie.clone(),
        browser: browser(&inspection.browser).to_html(),
        server: server(&inspection.server, sent, now_ms).to_html(),
    }
}

fn browser(browser: &InBrowser) -> impl RenderHtml {
    let fingerprint = match &browser.fingerprint {
        Some(print) => view! { <code class="print">{print.clone()}</code> }.into_any(),
        None => view! { <span class="none">"None: this browser holds no session cookie."</span> }
            .into_any(),
    };
    view! {
        <dl class="facts">
            <div>
                <dt>"Cookie"</dt>
                <dd>
                    <code>{browser.cookie.clone()}</code>
                </dd>
            </div>
            <div>
                <dt>"Set with"</dt>
                <dd>
                    <ul class="chips">
                        {browser
                            .attributes
                            .iter()
                            .map(|a| view! { <li>{a.clone()}</li> })
                            .collect::<Vec<_>>()}
                    </ul>
                </dd>
            </div>
            <div>
                <dt>"Its value"</dt>
                <dd>
                    "A signed id, shown here only as its fingerprint: " {fingerprint}
                </dd>
            </div>
        </dl>
    }
}

fn server(server: &OnServer, sent: Option<&str>, now_ms: i64) -> impl RenderHtml {
    let store = view! {
        <div>
            <dt>"Store"</dt>
            <dd>{server.store.clone()}</dd>
        </div>
    };
    match &server.session {
        None => view! {
            <dl class="facts">{store}</dl>
            <p class="none">"No session: the store holds nothing for this browser."</p>
        }
        .into_any(),
        Some(held) => view! {
            <dl class="facts">{store} {record_facts(held, sent, now_ms)}</dl>
            <h3>"Keys and values"</h3>
            {entries(held)}
            <form method="post" action=ClearSession::PATH class="clear">
                <button type="submit" class="secondary">
                    "Clear session"
                </button>
            </form>
        }
        .into_any(),
    }
}

fn record_facts(held: &Held, sent: Option<&str>, now_ms: i64) -> impl RenderHtml {
    let matches = if sent == Some(held.fingerprint.as_str()) {
        "the same id as the browser's cookie"
    } else {
        "not the id this request's cookie carried"
    };
    view! {
        <div>
            <dt>"Id fingerprint"</dt>
            <dd>
                <code class="print">{held.fingerprint.clone()}</code>
                " "
                <span class="muted">{matches}</span>
            </dd>
        </div>
        <div>
            <dt>"Began"</dt>
            <dd>{held.began_ms.map_or_else(|| "Not recorded".to_owned(), when)}</dd>
        </div>
        <div>
            <dt>"Ends if idle"</dt>
            <dd>
                <span data-ends=held.idle_end_ms>{time_left(held.idle_end_ms - now_ms)}</span>
                ", at "
                {when(held.idle_end_ms)}
            </dd>
        </div>
        <div>
            <dt>"Ends at the latest"</dt>
            <dd>{held.absolute_end_ms.map_or_else(|| "Not recorded".to_owned(), when)}</dd>
        </div>
    }
}

fn entries(held: &Held) -> impl RenderHtml {
    if held.entries.is_empty() {
        return view! { <p class="none">"No keys of yours."</p> }.into_any();
    }
    let items = held
        .entries
        .iter()
        .map(|(key, value)| {
            let (shown, json) = formatted(value);
            view! {
                <li>
                    <div class="entry-head">
                        <code class="key">{key.clone()}</code>
                        {json.then(|| view! { <span class="tag">"JSON"</span> })}
                        <form method="post" action=PopKey::PATH>
                            <input type="hidden" name="key" value=key.clone() />
                            <button type="submit" class="secondary">
                                "Pop"
                                <span class="visually-hidden">" " {key.clone()}</span>
                            </button>
                        </form>
                    </div>
                    <pre class="value">{shown}</pre>
                </li>
            }
        })
        .collect::<Vec<_>>();
    view! { <ul class="entries">{items}</ul> }.into_any()
}

/// A value that parses as a JSON object or array, indented; any other as it is.
fn formatted(value: &str) -> (String, bool) {
    match serde_json::from_str::<serde_json::Value>(value) {
        Ok(json @ (serde_json::Value::Object(_) | serde_json::Value::Array(_))) => (
            serde_json::to_string_pretty(&json).unwrap_or_else(|_| value.to_owned()),
            true,
        ),
        _ => (value.to_owned(), false),
    }
}

/// Unix milliseconds as the page shows a moment: `2026-11-27 09:41:03 UTC`.
fn when(ms: i64) -> String {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000).map_or_else(
        |_| "Out of range".to_owned(),
        |t| {
            format!(
                "{} {:02}:{:02}:{:02} UTC",
                t.date(),
                t.hour(),
                t.minute(),
                t.second()
            )
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn held(entries: &[(&str, &str)]) -> Inspection {
        Inspection {
            browser: InBrowser {
                cookie: "session".into(),
                attributes: vec!["HttpOnly".into(), "SameSite=Strict".into()],
                fingerprint: Some("aaaa-bbbb-cccc".into()),
            },
            server: OnServer {
                store: "SQLite".into(),
                session: Some(Held {
                    fingerprint: "aaaa-bbbb-cccc".into(),
                    entries: entries
                        .iter()
                        .map(|(k, v)| ((*k).into(), (*v).into()))
                        .collect(),
                    began_ms: Some(1_764_236_463_000),
                    idle_end_ms: 1_764_238_263_000,
                    absolute_end_ms: None,
                }),
            },
        }
    }

    #[test]
    fn json_objects_and_arrays_are_indented_and_other_text_is_kept() {
        assert_eq!(formatted(r#"{"w":3}"#), ("{\n  \"w\": 3\n}".into(), true));
        assert!(formatted("[1,2]").1);
        assert_eq!(formatted("42"), ("42".into(), false));
        assert_eq!(formatted("{not json"), ("{not json".into(), false));
    }

    #[test]
    fn keys_and_values_are_escaped_and_each_pop_names_its_key() {
        let panels = panels(&held(&[("<b>", "</pre><script>x</script>")]), 0);
        assert!(!panels.server.contains("<script>"), "{}", panels.server);
        assert!(panels.server.contains("&lt;/pre&gt;&lt;script&gt;"));
        assert!(
            panels.server.contains(r#"value="&lt;b&gt;""#),
            "{}",
            panels.server
        );
        assert!(panels.server.contains("the same id as the browser"));
    }

    #[test]
    fn moments_read_in_utc_and_the_idle_end_counts_down() {
        assert_eq!(when(1_764_236_463_000), "2025-11-27 09:41:03 UTC");
        let panels = panels(&held(&[]), 1_764_238_263_000 - 90_000);
        assert!(panels.server.contains("in 1:30"), "{}", panels.server);
        assert!(panels.server.contains("No keys of yours."));
    }
}
