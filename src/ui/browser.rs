//! What only a browser can do for the workbench: read `document.cookie`,
//! tell the visitor's other tabs about a change, notice the tab coming
//! back, and keep the keyboard focus. The server build gets inert
//! stand-ins, since none of it runs during a render.

#[cfg(feature = "hydrate")]
pub use imp::*;
#[cfg(not(feature = "hydrate"))]
pub use inert::*;

#[cfg(feature = "hydrate")]
mod imp {
    use leptos::{
        html::H2,
        prelude::{document, request_animation_frame, Get, NodeRef},
    };
    use wasm_bindgen::{closure::Closure, JsCast, JsValue};
    use web_sys::{BroadcastChannel, HtmlDocument, VisibilityState};

    /// The tabs of one browser share this channel (same origin only).
    const CHANNEL: &str = "leptos-sessions";

    thread_local! {
        /// This page's end of the channel: it hears the others, never itself.
        static TABS: Option<BroadcastChannel> = BroadcastChannel::new(CHANNEL).ok();
    }

    /// What this page's scripts can read of the cookies.
    pub fn document_cookie() -> String {
        document()
            .dyn_into::<HtmlDocument>()
            .ok()
            .and_then(|d| d.cookie().ok())
            .unwrap_or_default()
    }

    /// Calls `reread` when another tab says it changed the session, or when
    /// this tab comes back to the foreground.
    pub fn keep_in_step(reread: impl Fn() + Clone + 'static) {
        TABS.with(|tabs| {
            if let Some(channel) = tabs {
                let on_message = Closure::<dyn Fn()>::new(reread.clone());
                channel.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
                // Lives as long as the page, like the channel.
                on_message.forget();
            }
        });
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
    }

    /// Tells the visitor's other tabs that this one changed the session.
    pub fn tell_other_tabs() {
        TABS.with(|tabs| {
            if let Some(channel) = tabs {
                let _ = channel.post_message(&JsValue::from_str("changed"));
            }
        });
    }

    /// Once the page has drawn, moves the focus to `to` if the focus was
    /// lost (its element replaced), so a keyboard user goes on from there
    /// rather than from the top of the page.
    pub fn refocus_if_lost(to: NodeRef<H2>) {
        request_animation_frame(move || {
            let lost = document()
                .active_element()
                .is_none_or(|el| el.tag_name().eq_ignore_ascii_case("body"));
            if let (true, Some(heading)) = (lost, to.get()) {
                let _ = heading.focus();
            }
        });
    }
}

#[cfg(not(feature = "hydrate"))]
mod inert {
    use leptos::{html::H2, prelude::NodeRef};

    pub fn document_cookie() -> String {
        String::new()
    }

    pub fn keep_in_step(_reread: impl Fn() + Clone + 'static) {}

    pub fn tell_other_tabs() {}

    pub fn refocus_if_lost(_to: NodeRef<H2>) {}
}
