//! The session cookie: the one place that says how it is named, signed, set,
//! re-signed after a key rotation and removed. Every attribute is set here.
//!
//! The cookie holds a signed, opaque session id and nothing else. It is
//! `HttpOnly` (no script reads it), `SameSite=Strict` (no other site's page
//! sends it), `Path=/`, and `Secure` in production, where its name takes the
//! `__Host-` prefix: browsers then refuse it unless it is `Secure`,
//! host-only and `Path=/`, which is how it is set. `Max-Age` is the idle
//! timeout, renewed with every save.

use std::{fmt, sync::Arc};

use axum::http::{
    header::{COOKIE, SET_COOKIE},
    HeaderMap, HeaderValue,
};
use cookie::{Cookie, CookieJar, Key, SameSite};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use tower_sessions::{service::SignedCookie, Expiry, SessionManagerLayer, SessionStore};
use tower_sessions_lossless_store::Id;

use crate::config::Settings;

const SAME_SITE: SameSite = SameSite::Strict;
/// A signed cookie's value: its HMAC-SHA256 in base64, then the value signed.
const SIGNATURE_LEN: usize = 44;
const PATH: &str = "/";

/// The cookie's name: with `Secure`, the `__Host-` prefix.
pub fn cookie_name(secure: bool) -> &'static str {
    if secure {
        "__Host-session"
    } else {
        "session"
    }
}

/// How the session cookie is written and read.
#[derive(Clone)]
pub struct CookiePolicy(Arc<Policy>);

struct Policy {
    name: &'static str,
    secure: bool,
    max_age: cookie::time::Duration,
    /// Signs every cookie set.
    current: Key,
    /// Still accepted when reading (`SESSION_PREVIOUS_SECRETS`).
    previous: Vec<Key>,
}

/// What the request's cookie says.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Incoming {
    /// No cookie of ours, or one no key of ours signed: a stranger's.
    Absent,
    /// Signed by us but not an id, or our cookie sent more than once: it
    /// names no session anyone can trust (the request goes on without it).
    NotAnId,
    /// A session id; `stale` when a previous key signed it, so the response
    /// hands the browser the same id signed with the current key.
    Id { id: Id, stale: bool },
}

impl fmt::Debug for Incoming {
    /// Never the id (its own `Debug` shows it).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Absent => f.write_str("Absent"),
            Self::NotAnId => f.write_str("NotAnId"),
            Self::Id { stale, .. } => write!(f, "Id {{ stale: {stale} }}"),
        }
    }
}

impl CookiePolicy {
    pub fn new(settings: &Settings) -> Self {
        let idle = cookie::time::Duration::try_from(settings.lifetime.idle)
            .unwrap_or(cookie::time::Duration::MAX);
        Self(Arc::new(Policy {
            name: cookie_name(settings.cookie_secure),
            secure: settings.cookie_secure,
            max_age: idle,
            current: settings.secret.key().clone(),
            previous: settings
                .previous_secrets
                .iter()
                .map(|secret| secret.key().clone())
                .collect(),
        }))
    }

    pub fn name(&self) -> &'static str {
        self.0.name
    }

    /// Reads the session cookie. A request that carries it more than once
    /// is anonymous, whatever the order: picking one would let a cookie
    /// planted beside the visitor's (from a sibling subdomain, or under
    /// another path) choose the session.
    pub fn read(&self, headers: &HeaderMap) -> Incoming {
        self.sole(headers)
            .map_or_else(|incoming| incoming, |c| self.verified(c))
    }

    /// [`Self::read`] for the layer in front of tower-sessions, which acts
    /// only on `NotAnId` and a stale `Id`. With no previous key, a single
    /// cookie whose value is an id can be neither, whoever signed it: it
    /// reads `Absent` unchecked, and tower-sessions checks its signature
    /// (one HMAC per request, not two).
    pub fn read_in_front(&self, headers: &HeaderMap) -> Incoming {
        let cookie = match self.sole(headers) {
            Ok(cookie) => cookie,
            Err(incoming) => return incoming,
        };
        let names_an_id = || {
            cookie
                .value()
                .get(SIGNATURE_LEN..)
                .is_some_and(|id| id.parse::<Id>().is_ok())
        };
        if self.0.previous.is_empty() && names_an_id() {
            return Incoming::Absent;
        }
        self.verified(cookie)
    }

    /// Our one cookie; else what its absence or its repetition means.
    fn sole<'h>(&self, headers: &'h HeaderMap) -> Result<Cookie<'h>, Incoming> {
        let mut ours = self.ours(headers);
        let cookie = ours.next().ok_or(Incoming::Absent)?;
        match ours.next() {
            Some(_) => Err(Incoming::NotAnId),
            None => Ok(cookie),
        }
    }

    fn verified(&self, cookie: Cookie<'_>) -> Incoming {
        let cookie = cookie.into_owned();
        let verify = |key: &Key| CookieJar::new().signed(key).verify(cookie.clone());
        let (verified, stale) = match verify(&self.0.current) {
            Some(verified) => (verified, false),
            None => match self.0.previous.iter().find_map(verify) {
                Some(verified) => (verified, true),
                None => return Incoming::Absent,
            },
        };
        match verified.value().parse() {
            Ok(id) => Incoming::Id { id, stale },
            Err(_) => Incoming::NotAnId,
        }
    }

    /// Whether the request carries a cookie of our name at all, signed or
    /// not: no signature is checked (the session layers have done that).
    pub fn is_sent(&self, headers: &HeaderMap) -> bool {
        self.ours(headers).next().is_some()
    }

    fn ours<'h>(&self, headers: &'h HeaderMap) -> impl Iterator<Item = Cookie<'h>> + 'h {
        let name = self.0.name;
        headers
            .get_all(COOKIE)
            .iter()
            .filter_map(|line| std::str::from_utf8(line.as_bytes()).ok())
            .flat_map(|line| line.split(';'))
            .filter_map(|pair| parse(pair.trim()))
            .filter(move |cookie| cookie.name() == name)
    }

    /// The attributes the cookie is set with, as `Set-Cookie` writes them.
    pub fn attributes(&self) -> Vec<String> {
        let mut attributes = vec![
            "HttpOnly".to_owned(),
            format!("SameSite={SAME_SITE}"),
            format!("Path={PATH}"),
            format!("Max-Age={}", self.0.max_age.whole_seconds()),
        ];
        if self.0.secure {
            attributes.insert(2, "Secure".to_owned());
        }
        attributes
    }

    /// A short keyed hash of `id`, for the page to show: the same id gives
    /// the same fingerprint, and without the server's key it says nothing
    /// about the id (HMAC-SHA256 under a key derived from the signing key,
    /// first 48 bits).
    pub fn fingerprint(&self, id: &Id) -> String {
        let mut mac = <Hmac<Sha256>>::new_from_slice(self.0.current.signing())
            .expect("HMAC takes a key of any length");
        mac.update(b"leptos-sessions fingerprint\0");
        mac.update(id.to_string().as_bytes());
        let digest = mac.finalize().into_bytes();
        digest[..6]
            .chunks(2)
            .map(|pair| format!("{:02x}{:02x}", pair[0], pair[1]))
            .collect::<Vec<_>>()
            .join("-")
    }

    /// tower-sessions' layer over `store`, with every attribute the cookie
    /// has: the one place they are set for the cookies it writes.
    pub fn session_layer<S: SessionStore + Clone>(
        &self,
        store: S,
    ) -> SessionManagerLayer<S, SignedCookie> {
        SessionManagerLayer::new(store)
            .with_name(self.0.name)
            .with_http_only(true)
            .with_same_site(SAME_SITE)
            .with_secure(self.0.secure)
            .with_path(PATH)
            .with_expiry(Expiry::OnInactivity(self.0.max_age))
            .with_signed(self.0.current.clone())
    }

    /// The cookie's name and `id` signed with the current key, as a
    /// browser sends it back.
    pub fn signed(&self, id: &Id) -> Cookie<'static> {
        let mut jar = CookieJar::new();
        jar.signed_mut(&self.0.current)
            .add(Cookie::new(self.0.name, id.to_string()));
        jar.get(self.0.name)
            .cloned()
            .unwrap_or_else(|| Cookie::new(self.0.name, ""))
    }

    /// Adds the `Set-Cookie` that gives the browser `id`, signed with the
    /// current key, for the idle timeout.
    pub fn set(&self, headers: &mut HeaderMap, id: &Id) {
        let signed = self.signed(id);
        let cookie = self.with_attributes(Cookie::build((self.0.name, signed.value().to_owned())));
        append(headers, &cookie);
    }

    /// Adds the `Set-Cookie` that makes the browser drop the cookie: with
    /// the attributes it was set with, or browsers ignore a `__Host-` one.
    pub fn remove(&self, headers: &mut HeaderMap) {
        let mut cookie = self.with_attributes(Cookie::build((self.0.name, "")));
        cookie.make_removal();
        append(headers, &cookie);
    }

    fn with_attributes(&self, cookie: cookie::CookieBuilder<'static>) -> Cookie<'static> {
        cookie
            .http_only(true)
            .same_site(SAME_SITE)
            .secure(self.0.secure)
            .path(PATH)
            .max_age(self.0.max_age)
            .build()
    }
}

/// A `Cookie` header's pair, percent-decoded as browsers may encode it
/// (a pair without `%` reads the same undecoded, without a copy).
fn parse(pair: &str) -> Option<Cookie<'_>> {
    if pair.contains('%') {
        Cookie::parse_encoded(pair).ok()
    } else {
        Cookie::parse(pair).ok()
    }
}

fn append(headers: &mut HeaderMap, cookie: &Cookie<'_>) {
    // A cookie made of an id and our attributes is always a valid header value.
    if let Ok(value) = HeaderValue::from_str(&cookie.to_string()) {
        headers.append(SET_COOKIE, value);
    }
}

#[cfg(test)]
mod tests;
