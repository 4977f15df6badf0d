//! Where the page is: its path, and the answer a no-JavaScript form post was
//! redirected back with (`?answer=` or `?error=`). Read from the request on
//! the server and from `window.location` in the browser, so both render the
//! same page and hydration agrees.

/// The page's path, e.g. `/`.
pub fn path() -> String {
    imp::path().unwrap_or_default()
}

/// The value of `name` in the page's query, if any (the first, when sent
/// more than once).
pub fn query(name: &str) -> Option<String> {
    imp::query(name)
}

#[cfg(feature = "ssr")]
mod imp {
    use axum::http::request::Parts;
    use leptos::prelude::use_context;

    pub fn path() -> Option<String> {
        Some(use_context::<Parts>()?.uri.path().to_owned())
    }

    pub fn query(name: &str) -> Option<String> {
        let parts = use_context::<Parts>()?;
        url::form_urlencoded::parse(parts.uri.query()?.as_bytes())
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.into_owned())
    }
}

#[cfg(all(feature = "hydrate", not(feature = "ssr")))]
mod imp {
    pub fn path() -> Option<String> {
        web_sys::window()?.location().pathname().ok()
    }

    pub fn query(name: &str) -> Option<String> {
        let search = web_sys::window()?.location().search().ok()?;
        web_sys::UrlSearchParams::new_with_str(&search)
            .ok()?
            .get(name)
    }
}

#[cfg(not(any(feature = "ssr", feature = "hydrate")))]
mod imp {
    pub fn path() -> Option<String> {
        None
    }

    pub fn query(_name: &str) -> Option<String> {
        None
    }
}
