//! The page a first visit gets, rendered once.
//!
//! A visitor without a session cookie asking for `/` with no query gets the
//! same page as every other such visitor: no session, the store's name and
//! the cookie's attributes, all fixed while the process runs. So the first
//! render is kept and served again (measured: `bench/ANALYSIS.md`). Only its
//! CSP nonce differs from one answer to the next: the kept page is split
//! where leptos wrote its nonce, and each answer gets a fresh one, so a
//! Content-Security-Policy added later could trust it.
//!
//! It sits inside the session layer, so a kept page still passes every
//! layer a rendered one does (cookie policy, `Cache-Control`, `Vary`).

use std::sync::{Arc, OnceLock};

use axum::{
    body::{to_bytes, Body, Bytes},
    extract::{Request, State},
    http::{
        header::{CONTENT_TYPE, SET_COOKIE},
        HeaderValue, Method, StatusCode,
    },
    middleware::Next,
    response::{IntoResponse, Response},
};
use leptos::nonce::Nonce;

use crate::{error::AppError, session::context::SessionContext};

/// A page is a few kilobytes; one far larger is not kept.
const MAX_KEPT: usize = 256 * 1024;

/// The kept page of one app (each app its own: settings differ between them).
#[derive(Debug, Clone, Default)]
pub struct FirstVisit(Arc<OnceLock<Kept>>);

#[derive(Debug)]
struct Kept {
    content_type: HeaderValue,
    /// The page, cut where its nonce was.
    pieces: Vec<Bytes>,
}

/// Middleware for the page's route: serves the kept page to a first visit,
/// and keeps the first one rendered.
pub async fn first_visit(State(cache): State<FirstVisit>, req: Request, next: Next) -> Response {
    if !is_first_visit(&req) {
        return next.run(req).await;
    }
    if let Some(kept) = cache.0.get() {
        return kept.answer();
    }
    let (parts, body) = next.run(req).await.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_KEPT).await else {
        tracing::error!("a first visit's page was larger than {MAX_KEPT} bytes");
        return AppError::Internal.into_response();
    };
    let keepable = parts.status == StatusCode::OK && !parts.headers.contains_key(SET_COOKIE);
    if let (true, Some(content_type)) = (keepable, parts.headers.get(CONTENT_TYPE)) {
        if let Some(kept) = Kept::cut(content_type.clone(), &bytes) {
            let _ = cache.0.set(kept);
        }
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// `GET /`, no query, and no cookie of our name. A stranger's cookie under
/// our name gets a render, not the kept page: telling it from ours would
/// check its signature a second time on every page with a session.
fn is_first_visit(req: &Request) -> bool {
    req.method() == Method::GET
        && req.uri().path() == "/"
        && req.uri().query().is_none()
        && req
            .extensions()
            .get::<SessionContext>()
            .is_some_and(|context| !context.cookie.is_sent(req.headers()))
}

impl Kept {
    /// The page cut at each copy of its nonce; `None` when it has none
    /// (then it is not kept: nothing would tell where a fresh one goes).
    fn cut(content_type: HeaderValue, page: &Bytes) -> Option<Self> {
        let nonce = nonce_in(page)?;
        let mut pieces = Vec::new();
        let mut rest = 0;
        while let Some(at) = find(&page[rest..], nonce) {
            pieces.push(page.slice(rest..rest + at));
            rest += at + nonce.len();
        }
        pieces.push(page.slice(rest..));
        Some(Self {
            content_type,
            pieces,
        })
    }

    fn answer(&self) -> Response {
        let nonce = Nonce::new();
        let joined: Vec<u8> = self.pieces.join(nonce.as_bytes());
        ([(CONTENT_TYPE, self.content_type.clone())], joined).into_response()
    }
}

/// The value of the page's first `nonce="…"` attribute.
fn nonce_in(page: &[u8]) -> Option<&[u8]> {
    const ATTRIBUTE: &[u8] = b"nonce=\"";
    let start = find(page, ATTRIBUTE)? + ATTRIBUTE.len();
    let len = page[start..].iter().position(|&b| b == b'"')?;
    (len >= 16).then(|| &page[start..start + len])
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_copy_of_the_nonce_is_replaced_and_nothing_else() {
        let page = Bytes::from_static(
            b"<script nonce=\"abcdefghijklmnopqrstuv\">x</script><link crossorigin=\"abcdefghijklmnopqrstuv\">end",
        );
        let kept = Kept::cut(HeaderValue::from_static("text/html"), &page).unwrap();
        assert_eq!(kept.pieces.len(), 3);
        let first = kept.pieces.join(&b"NONCE"[..]);
        assert_eq!(
            first,
            b"<script nonce=\"NONCE\">x</script><link crossorigin=\"NONCE\">end"
        );
        assert!(Kept::cut(
            HeaderValue::from_static("text/html"),
            &Bytes::from_static(b"<p>no nonce</p>")
        )
        .is_none());
    }
}
