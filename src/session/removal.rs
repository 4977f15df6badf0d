//! The cookie that ends a session must carry the attributes the session
//! cookie was set with.
//!
//! tower-sessions removes the cookie with only its name, `Path` and `Domain`.
//! Browsers refuse a `__Host-` cookie without `Secure`, so in production that
//! removal would be ignored and the dead cookie kept. This completes it.

use axum::{
    http::{header::SET_COOKIE, HeaderValue},
    response::Response,
};
use tower_sessions::cookie::{Cookie, SameSite};

/// Rewrites the removal of the cookie `name` in `res` with the session
/// cookie's own attributes; other `Set-Cookie` lines pass unchanged.
pub fn complete_removal(mut res: Response, name: &str, secure: bool) -> Response {
    let lines: Vec<HeaderValue> = res.headers().get_all(SET_COOKIE).iter().cloned().collect();
    res.headers_mut().remove(SET_COOKIE);
    for line in lines {
        let completed = line
            .to_str()
            .ok()
            .and_then(|text| Cookie::parse(text).ok())
            .filter(|c| c.name() == name && c.max_age().is_some_and(|age| age.is_zero()))
            .and_then(|mut c| {
                c.set_http_only(true);
                c.set_same_site(SameSite::Strict);
                c.set_secure(secure);
                c.set_path("/");
                HeaderValue::from_str(&c.to_string()).ok()
            });
        res.headers_mut()
            .append(SET_COOKIE, completed.unwrap_or(line));
    }
    res
}
