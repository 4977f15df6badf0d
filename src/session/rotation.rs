//! Rotating `SESSION_SECRET` without logging everyone out.
//!
//! Cookies signed with a key listed in `SESSION_PREVIOUS_SECRETS` are still
//! accepted: before the session layer sees the request, such a cookie is
//! re-signed with the current key, and the response hands the browser the
//! re-signed cookie. Once every visitor has been back (or the idle timeout has
//! passed), the old key can be dropped from the list.

use std::sync::Arc;

use axum::{
    extract::{Request, State},
    http::{
        header::{COOKIE, SET_COOKIE},
        HeaderValue,
    },
    middleware::Next,
    response::Response,
};
use tower_sessions::cookie::{time::Duration, Cookie, CookieJar, Key, SameSite};

/// The current key, the keys still accepted, and how the cookie is set.
#[derive(Clone)]
pub struct KeyRing(Arc<Ring>);

struct Ring {
    current: Key,
    previous: Vec<Key>,
    name: &'static str,
    secure: bool,
    max_age: Duration,
}

impl KeyRing {
    pub fn new(
        current: Key,
        previous: Vec<Key>,
        name: &'static str,
        secure: bool,
        max_age: Duration,
    ) -> Self {
        Self(Arc::new(Ring {
            current,
            previous,
            name,
            secure,
            max_age,
        }))
    }

    /// The plain value of `signed` under `key`, if `key` signed it.
    fn verify(&self, key: &Key, signed: &str) -> Option<String> {
        let cookie = Cookie::new(self.0.name, signed.to_owned());
        let jar = CookieJar::new();
        jar.signed(key).verify(cookie).map(|c| c.value().to_owned())
    }

    fn sign(&self, plain: String) -> String {
        let mut jar = CookieJar::new();
        jar.signed_mut(&self.0.current)
            .add(Cookie::new(self.0.name, plain));
        jar.get(self.0.name)
            .map(|c| c.value().to_owned())
            .unwrap_or_default()
    }

    /// Our cookie's value re-signed with the current key, when a previous key
    /// (and not the current one) signed it.
    fn resign(&self, value: &str) -> Option<String> {
        if self.verify(&self.0.current, value).is_some() {
            return None;
        }
        let plain = self
            .0
            .previous
            .iter()
            .find_map(|key| self.verify(key, value))?;
        Some(self.sign(plain))
    }

    fn set_cookie(&self, value: String) -> Option<HeaderValue> {
        let cookie = Cookie::build((self.0.name, value))
            .http_only(true)
            .same_site(SameSite::Strict)
            .secure(self.0.secure)
            .path("/")
            .max_age(self.0.max_age)
            .build();
        HeaderValue::from_str(&cookie.to_string()).ok()
    }
}

/// Middleware, outside the session layer.
pub async fn accept_previous_keys(
    State(ring): State<KeyRing>,
    mut req: Request,
    next: Next,
) -> Response {
    let Some(resigned) = find(&req, ring.0.name).and_then(|value| ring.resign(&value)) else {
        return next.run(req).await;
    };
    let headers = req.headers_mut();
    let lines: Vec<String> = headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .map(|line| replace(line, ring.0.name, &resigned))
        .collect();
    headers.remove(COOKIE);
    for line in lines {
        if let Ok(value) = HeaderValue::from_str(&line) {
            headers.append(COOKIE, value);
        }
    }
    let mut res = next.run(req).await;
    let prefix = format!("{}=", ring.0.name);
    let sets_ours = res
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .any(|v| v.as_bytes().starts_with(prefix.as_bytes()));
    if !sets_ours {
        if let Some(line) = ring.set_cookie(resigned) {
            res.headers_mut().append(SET_COOKIE, line);
        }
    }
    res
}

/// The first value of cookie `name` in the request.
fn find(req: &Request, name: &str) -> Option<String> {
    req.headers()
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|line| line.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v.to_owned())
}

fn replace(line: &str, name: &str, value: &str) -> String {
    line.split(';')
        .map(|pair| match pair.trim().split_once('=') {
            Some((n, _)) if n == name => format!("{name}={value}"),
            _ => pair.trim().to_owned(),
        })
        .collect::<Vec<_>>()
        .join("; ")
}
