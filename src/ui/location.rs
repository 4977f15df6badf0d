//! Where the page is: its path. Read from the request on the server and
//! from `window.location` in the browser, so both render the same page and
//! hydration agrees. (The query, the answer a no-JS redirect carries, is
//! read by the server alone: [`super::page_data`].)

/// The page's path, e.g. `/`.
pub fn path() -> String {
    imp::path().unwrap_or_default()
}

#[cfg(feature = "ssr")]
mod imp {
    use axum::http::request::Parts;
    use leptos::prelude::use_context;

    pub fn path() -> Option<String> {
        Some(use_context::<Parts>()?.uri.path().to_owned())
    }
}

#[cfg(all(feature = "hydrate", not(feature = "ssr")))]
mod imp {
    pub fn path() -> Option<String> {
        web_sys::window()?.location().pathname().ok()
    }
}

#[cfg(not(any(feature = "ssr", feature = "hydrate")))]
mod imp {
    pub fn path() -> Option<String> {
        None
    }
}
