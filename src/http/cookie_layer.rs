//! The layer in front of tower-sessions' own (`SessionManagerLayer`, set up
//! by [`CookiePolicy::session_layer`]): what tower-sessions does not do for
//! the cookie, done the way its design allows and nowhere else.
//! - A cookie signed with a previous key (`SESSION_PREVIOUS_SECRETS`) is
//!   re-signed with the current one in the request, so tower-sessions reads
//!   it, and in the answer, so the browser keeps the same session.
//! - Our cookie sent more than once, or signed by us but not an id, names no
//!   session (picking one would let a cookie planted beside the visitor's
//!   choose it): the request goes on without it, and the answer removes it.
//! - Every removal carries the attributes the cookie was set with:
//!   tower-sessions' has neither `SameSite` nor `Secure`, and a browser
//!   ignores the removal of a `__Host-` cookie without `Secure`.
//! - A save that found its session deleted by another request removes the
//!   cookie; a save that failed after the handler (tower-sessions answers
//!   an empty 500) answers our 503 with its message.
//!
//! It also puts the [`SessionContext`] on the request for the typed session
//! (and for the kept first page, which asks its cookie policy whether a
//! cookie was sent).
//!
//! [`CookiePolicy::session_layer`]: super::cookie::CookiePolicy::session_layer

use std::{
    future::Future,
    pin::Pin,
    task::{Context, Poll},
};

use axum::{
    body::HttpBody,
    extract::Request,
    http::{
        header::{COOKIE, SET_COOKIE},
        HeaderMap, HeaderValue, StatusCode,
    },
    response::{IntoResponse, Response},
};
use tower::{Layer, Service};
use tower_sessions_lossless_store::scope::{SessionEnded, StoreCallFailed};

use super::cookie::{CookiePolicy, Incoming};
use crate::{error::AppError, session::context::SessionContext};

/// The layer: see the module's comment. A service of its own, not axum's
/// `from_fn`, which clones everything below it (tower-sessions' layers and
/// the route) for every request.
#[derive(Clone)]
pub struct InFrontLayer(pub SessionContext);

impl<S> Layer<S> for InFrontLayer {
    type Service = InFront<S>;

    fn layer(&self, inner: S) -> Self::Service {
        InFront {
            inner,
            context: self.0.clone(),
        }
    }
}

/// The service [`InFrontLayer`] makes.
#[derive(Clone)]
pub struct InFront<S> {
    inner: S,
    context: SessionContext,
}

impl<S> Service<Request> for InFront<S>
where
    S: Service<Request, Response = Response>,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Response, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request) -> Self::Future {
        let policy = self.context.cookie.clone();
        let incoming = before(&policy, &mut req);
        req.extensions_mut().insert(self.context.clone());
        let answer = self.inner.call(req);
        Box::pin(async move { Ok(after(&policy, incoming, answer.await?)) })
    }
}

/// The request as tower-sessions must see it, and what its cookie said.
fn before(policy: &CookiePolicy, req: &mut Request) -> Incoming {
    let incoming = policy.read_in_front(req.headers());
    match incoming {
        Incoming::NotAnId => drop_ours(req.headers_mut(), policy.name()),
        Incoming::Id { id, stale: true } => {
            drop_ours(req.headers_mut(), policy.name());
            let signed = policy.signed(&id).to_string();
            if let Ok(value) = HeaderValue::from_str(&signed) {
                req.headers_mut().append(COOKIE, value);
            }
        }
        Incoming::Absent | Incoming::Id { stale: false, .. } => {}
    }
    incoming
}

/// The answer with our cookie set, renewed or removed as the module's
/// comment says.
fn after(policy: &CookiePolicy, incoming: Incoming, mut res: Response) -> Response {
    if is_a_failed_save(&res) {
        if let Some(StoreCallFailed(failure)) = res.extensions().get().cloned() {
            return AppError::from(failure).into_response();
        }
    }
    let ended = res.extensions().get::<SessionEnded>().is_some();
    let headers = res.headers_mut();
    let (set, removed) = take_ours(headers, policy.name());
    if ended || removed {
        policy.remove(headers);
    } else if let Some(line) = set {
        headers.append(SET_COOKIE, line);
    } else {
        match incoming {
            Incoming::NotAnId => policy.remove(headers),
            Incoming::Id { id, stale: true } => policy.set(headers, &id),
            Incoming::Absent | Incoming::Id { stale: false, .. } => {}
        }
    }
    res
}

/// tower-sessions' answer when its save after the handler fails: an empty
/// 500 (a server function's own errors are 500s too, with a body, which
/// the guard in front gives their status).
fn is_a_failed_save(res: &Response) -> bool {
    res.status() == StatusCode::INTERNAL_SERVER_ERROR && res.body().size_hint().exact() == Some(0)
}

/// Takes every cookie of ours out of the request's `Cookie` headers.
fn drop_ours(headers: &mut HeaderMap, name: &str) {
    let lines: Vec<String> = headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|line| line.to_str().ok())
        .map(|line| {
            line.split(';')
                .map(str::trim)
                .filter(|pair| pair.split('=').next() != Some(name))
                .collect::<Vec<_>>()
                .join("; ")
        })
        .filter(|line| !line.is_empty())
        .collect();
    headers.remove(COOKIE);
    for line in lines {
        if let Ok(value) = HeaderValue::from_str(&line) {
            headers.append(COOKIE, value);
        }
    }
}

/// Takes the `Set-Cookie` lines of our cookie out of the answer: the last
/// one that sets it, and whether any removes it.
fn take_ours(headers: &mut HeaderMap, name: &str) -> (Option<HeaderValue>, bool) {
    let mut ours = Vec::new();
    let mut theirs = Vec::new();
    for line in headers.get_all(SET_COOKIE) {
        match removes_ours(line, name) {
            Some(removes) => ours.push((line.clone(), removes)),
            None => theirs.push(line.clone()),
        }
    }
    if ours.is_empty() {
        return (None, false);
    }
    headers.remove(SET_COOKIE);
    for line in theirs {
        headers.append(SET_COOKIE, line);
    }
    let removed = ours.iter().any(|&(_, removes)| removes);
    let set = ours.into_iter().rev().find(|&(_, removes)| !removes);
    (set.map(|(line, _)| line), removed)
}

/// `None` when `line` does not set our cookie; else whether it removes it:
/// its value is empty, or its `Max-Age` zero, read as the cookie crate's
/// parser reads them (the test below holds the two together) without
/// parsing the rest (`Expires` dates and all: 5k instructions a line).
fn removes_ours(line: &HeaderValue, name: &str) -> Option<bool> {
    let mut parts = line.to_str().ok()?.split(';');
    let (key, value) = parts.next()?.split_once('=')?;
    if key.trim() != name {
        return None;
    }
    let mut max_age_zero = false;
    for attribute in parts {
        if let Some((key, value)) = attribute.split_once('=') {
            if key.trim().eq_ignore_ascii_case("max-age") {
                // The last one it can read counts; one it cannot is skipped.
                max_age_zero = zero_max_age(value.trim()).unwrap_or(max_age_zero);
            }
        }
    }
    Some(value.trim().is_empty() || max_age_zero)
}

/// Whether a `Max-Age` value is zero; `None` when the cookie crate skips
/// it. A negative one means zero; digits too many for an `i64` the longest.
fn zero_max_age(value: &str) -> Option<bool> {
    let (negative, digits) = match value.strip_prefix('-') {
        Some(digits) => (true, digits),
        None => (false, value),
    };
    if !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    Some(negative || digits.parse::<i64>() == Ok(0))
}

#[cfg(test)]
mod tests {
    use cookie::Cookie;

    use super::*;

    /// What the cookie crate's parser says of a line, as `removes_ours` must.
    fn parsed(line: &str, name: &str) -> Option<bool> {
        let cookie = Cookie::parse(line).ok().filter(|c| c.name() == name)?;
        Some(cookie.value().is_empty() || cookie.max_age().is_some_and(|age| age.is_zero()))
    }

    #[test]
    fn a_line_of_ours_reads_as_the_cookie_parser_reads_it() {
        let lines = [
            "session=abc; HttpOnly; SameSite=Strict; Path=/; Max-Age=1800",
            "session=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT",
            "session=abc; Max-Age=0",
            "session=abc; max-AGE = 00 ",
            "session=abc; Max-Age=-5",
            "session=abc; Max-Age=-",
            "session=abc; Max-Age=",
            "session=abc; Max-Age=0x",
            "session=abc; Max-Age=0; Max-Age=60",
            "session=abc; Max-Age=60; Max-Age=zero",
            "session=abc; Max-Age=99999999999999999999",
            "session=abc; Max-Age",
            " session = ; Path=/",
            "session=\"\"",
            "session",
            "session;x=y",
            "sessions=abc",
            "other=; Max-Age=0",
            "=abc",
            "",
        ];
        for line in lines {
            let value = HeaderValue::from_str(line).unwrap();
            assert_eq!(
                removes_ours(&value, "session"),
                parsed(line, "session"),
                "{line}"
            );
        }
    }
}
