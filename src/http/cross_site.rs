//! Refuses requests that change a session when they come from another site.
//!
//! The browser says where a request comes from in `Sec-Fetch-Site` (every
//! current browser) or, failing that, `Origin`. A request with neither is not
//! from a browser page (curl, scripts) and cannot ride a visitor's cookie, so
//! it passes. `SameSite=Strict` on the cookie is the second line: a cross-site
//! request that got through would arrive without the session anyway.

use axum::{
    extract::Request,
    http::{header, HeaderMap, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};

/// Why a request was refused, for the 403's text.
const REFUSED: &str = "Refused: this request to change your session came from another site. \
Use the page itself, or send the request without a browser's cross-site headers.\n";

/// Middleware for routes that change the session whatever their method
/// (the seed's `GET /setsession` and `GET /popsession`).
pub async fn same_site_only(req: Request, next: Next) -> Response {
    match refusal(&req) {
        Some(refused) => refused,
        None => next.run(req).await,
    }
}

/// The 403 for `req` when the browser says it comes from another site.
pub fn refusal(req: &Request) -> Option<Response> {
    cross_site(req.headers(), req.uri().authority().map(|a| a.as_str())).map(refuse)
}

fn refuse(why: &'static str) -> Response {
    tracing::warn!(why, "refused a cross-site request");
    (StatusCode::FORBIDDEN, REFUSED).into_response()
}

/// `Some(reason)` when the browser says the request comes from elsewhere.
fn cross_site(headers: &HeaderMap, authority: Option<&str>) -> Option<&'static str> {
    if let Some(site) = headers.get("sec-fetch-site") {
        // `none`: the user typed the address or used a bookmark.
        return match site.as_bytes() {
            b"same-origin" | b"none" => None,
            _ => Some("Sec-Fetch-Site"),
        };
    }
    let origin = headers.get(header::ORIGIN)?.to_str().ok();
    let host = authority.or_else(|| headers.get(header::HOST)?.to_str().ok());
    let origin_host = origin
        .and_then(|o| o.split_once("://"))
        .map(|(_, rest)| rest.trim_end_matches('/'));
    match (origin_host, host) {
        (Some(from), Some(host)) if from.eq_ignore_ascii_case(host) => None,
        _ => Some("Origin"),
    }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_static(value));
        }
        map
    }

    #[test]
    fn only_this_origin_or_no_browser_at_all_may_change_a_session() {
        let host = Some("app.example:3000");
        let ok = |pairs: &[(&'static str, &'static str)]| {
            assert_eq!(cross_site(&headers(pairs), host), None, "{pairs:?}")
        };
        let refused = |pairs: &[(&'static str, &'static str)]| {
            assert!(cross_site(&headers(pairs), host).is_some(), "{pairs:?}")
        };
        ok(&[]);
        ok(&[("sec-fetch-site", "same-origin")]);
        ok(&[("sec-fetch-site", "none")]);
        ok(&[("origin", "https://app.example:3000")]);
        refused(&[("sec-fetch-site", "cross-site")]);
        refused(&[("sec-fetch-site", "same-site")]);
        refused(&[
            ("sec-fetch-site", "cross-site"),
            ("origin", "https://app.example:3000"),
        ]);
        refused(&[("origin", "https://evil.example")]);
        refused(&[("origin", "https://app.example:3000.evil.example")]);
        refused(&[("origin", "null")]);
    }
}
