//! What only a browser can do for the workbench: post a form to its server
//! function and read the answer, read `document.cookie`, tell the visitor's
//! other tabs about a change, notice the tab coming back, tick the idle
//! countdown, and keep the keyboard focus. The server build gets inert
//! stand-ins, since none of it runs during a render.

/// A form of the page's, as the browser would post it: where to, and the
/// URL-encoded fields.
#[derive(Clone, Debug)]
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
pub struct Submission {
    pub action: String,
    pub body: String,
    /// A button of the panels', which their next read replaces.
    pub from_panels: bool,
}

impl Submission {
    /// Whether posting it may have changed the session (the other tabs are
    /// told then).
    pub fn may_change(&self) -> bool {
        !self.action.ends_with("/get_session")
    }
}

#[cfg(feature = "hydrate")]
pub use imp::*;
#[cfg(not(feature = "hydrate"))]
pub use inert::*;

#[cfg(feature = "hydrate")]
mod imp {
    use std::{future::Future, time::Duration};

    use leptos::prelude::{document, request_animation_frame, set_interval, window};
    use send_wrapper::SendWrapper;
    use wasm_bindgen::{closure::Closure, JsCast, JsValue};
    use wasm_bindgen_futures::JsFuture;
    use web_sys::{
        BroadcastChannel, Element, FormData, Headers, HtmlDocument, HtmlElement, HtmlFormElement,
        RequestInit, Response, SubmitEvent, UrlSearchParams, VisibilityState,
    };

    use super::Submission;
    use crate::{error::AppError, ui::inspector::clock::time_left};

    /// The tabs of one browser share this channel (same origin only).
    const CHANNEL: &str = "leptos-sessions";

    /// What this page's scripts can read of the cookies.
    pub fn document_cookie() -> String {
        document()
            .dyn_into::<HtmlDocument>()
            .ok()
            .and_then(|d| d.cookie().ok())
            .unwrap_or_default()
    }

    /// Calls `reread` when another tab says it changed the session, or when
    /// this tab comes back to the foreground; returns how to tell the others
    /// about a change made here.
    pub fn keep_in_step(
        reread: impl Fn() + Clone + 'static,
    ) -> impl Fn() + Clone + Send + Sync + 'static {
        // The page's one thread is the only one there is in a browser.
        let channel = SendWrapper::new(BroadcastChannel::new(CHANNEL).ok());
        if let Some(channel) = channel.as_ref() {
            let on_message = Closure::<dyn Fn()>::new(reread.clone());
            channel.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
            // Lives as long as the page, like the channel.
            on_message.forget();
        }
        let on_visible = Closure::<dyn Fn()>::new(move || {
            if document().visibility_state() == VisibilityState::Visible {
                reread();
            }
        });
        let _ = document().add_event_listener_with_callback(
            "visibilitychange",
            on_visible.as_ref().unchecked_ref(),
        );
        on_visible.forget();
        move || {
            if let Some(channel) = channel.as_ref() {
                let _ = channel.post_message(&JsValue::from_str("changed"));
            }
        }
    }

    /// Once the page has drawn, moves the focus to the element `id` if the
    /// focus was lost (its element replaced), so a keyboard user goes on from
    /// there rather than from the top of the page.
    pub fn refocus_if_lost(id: &'static str) {
        request_animation_frame(move || {
            let document = document();
            let lost = document
                .active_element()
                .is_none_or(|el| el.tag_name().eq_ignore_ascii_case("body"));
            if let (true, Some(el)) = (lost, document.get_element_by_id(id)) {
                if let Ok(el) = el.dyn_into::<HtmlElement>() {
                    let _ = el.focus();
                }
            }
        });
    }

    /// Every second, rewrites each `data-ends` countdown the server rendered.
    pub fn tick_countdowns() {
        set_interval(
            || {
                let Ok(found) = document().query_selector_all("[data-ends]") else {
                    return;
                };
                let now = js_sys::Date::now() as i64;
                for i in 0..found.length() {
                    let Some(el) = found.item(i).and_then(|n| n.dyn_into::<Element>().ok()) else {
                        continue;
                    };
                    if let Some(end) = el
                        .get_attribute("data-ends")
                        .and_then(|v| v.parse::<i64>().ok())
                    {
                        el.set_text_content(Some(&time_left(end - now)));
                    }
                }
            },
            Duration::from_secs(1),
        );
    }

    /// The form a submit came from, read as the browser would post it.
    pub fn submission(ev: &SubmitEvent) -> Option<Submission> {
        let form = ev.target()?.dyn_into::<HtmlFormElement>().ok()?;
        let action = form.get_attribute("action")?;
        let fields = FormData::new_with_form(&form).ok()?;
        let body = UrlSearchParams::new_with_str_sequence_sequence(&fields).ok()?;
        Some(Submission {
            action,
            body: body.to_string().into(),
            from_panels: form.closest(".inspector").ok().flatten().is_some(),
        })
    }

    /// Posts `form` to its server function, asking for JSON rather than the
    /// redirect a plain form post gets: the answer, or the server's error.
    pub fn post(form: Submission) -> impl Future<Output = Result<String, AppError>> + Send {
        SendWrapper::new(send(form))
    }

    async fn send(form: Submission) -> Result<String, AppError> {
        let headers = Headers::new().map_err(|_| AppError::Internal)?;
        for (name, value) in [
            ("Accept", "application/json"),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ] {
            headers.set(name, value).map_err(|_| AppError::Internal)?;
        }
        let init = RequestInit::new();
        init.set_method("POST");
        init.set_headers(&headers);
        init.set_body(&JsValue::from_str(&form.body));
        let sent = window().fetch_with_str_and_init(&form.action, &init);
        let response: Response = JsFuture::from(sent)
            .await
            .ok()
            .and_then(|r| r.dyn_into().ok())
            .ok_or(AppError::Unreachable)?;
        let text = match response.text() {
            Ok(body) => JsFuture::from(body).await.ok().and_then(|t| t.as_string()),
            Err(_) => None,
        }
        .ok_or(AppError::Unreachable)?;
        if response.ok() {
            serde_json::from_str(&text).map_err(|_| AppError::Internal)
        } else {
            Err(serde_json::from_str(&text).unwrap_or(AppError::Internal))
        }
    }
}

#[cfg(not(feature = "hydrate"))]
mod inert {
    use leptos::ev::SubmitEvent;

    use super::Submission;
    use crate::error::AppError;

    pub fn document_cookie() -> String {
        String::new()
    }

    pub fn keep_in_step(
        _reread: impl Fn() + Clone + 'static,
    ) -> impl Fn() + Clone + Send + Sync + 'static {
        || {}
    }

    pub fn tick_countdowns() {}

    pub fn refocus_if_lost(_id: &'static str) {}

    pub fn submission(_ev: &SubmitEvent) -> Option<Submission> {
        None
    }

    pub async fn post(_form: Submission) -> Result<String, AppError> {
        Err(AppError::Internal)
    }
}
