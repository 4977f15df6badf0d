//! Responses that depend on a session are never stored by a cache, and say
//! that they vary with the cookie.

use std::sync::Arc;

use reqwest::cookie::Jar;
use tower_sessions_lossless_store::StoreUrl;

use crate::helpers::{settings, spawn_app, spawn_with};

#[tokio::test]
async fn every_session_dependent_response_is_no_store_and_varies_by_cookie() {
    let app = spawn_app().await;
    app.get("/setsession").await;
    let responses = [
        app.client.get(app.url("/")).send().await.unwrap(),
        app.client
            .get(app.url("/?answer=get"))
            .send()
            .await
            .unwrap(),
        app.client.get(app.url("/getsession")).send().await.unwrap(),
        app.call("get_session").await,
        app.post_form("get_session").await,
        app.client.get(app.url("/popsession")).send().await.unwrap(),
    ];
    for res in responses {
        let url = res.url().clone();
        let headers = res.headers();
        assert_eq!(headers["cache-control"], "no-store", "{url}");
        let vary: Vec<_> = headers.get_all("vary").iter().collect();
        assert!(
            vary.iter().any(|v| v.to_str().unwrap().contains("Cookie")),
            "{url}: Vary {vary:?}"
        );
    }
}

/// A static file from the site root (`public/`, copied there by the build)
/// is outside the session layer: a visitor's cookie changes nothing about it,
/// so any cache may keep it (it carries its date; no Cache-Control).
#[tokio::test]
async fn static_files_stay_cacheable() {
    let public = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("public");
    let file = std::fs::read_to_string(public.join("robots.txt")).expect("public/robots.txt");
    let mut settings = settings(&StoreUrl::memory());
    settings.leptos.site_root = public.to_string_lossy().into();
    let app = spawn_with(settings, Arc::new(Jar::default())).await;
    app.get("/setsession").await;
    assert!(
        app.cookie().is_some(),
        "the request below carries a session"
    );

    let res = app.client.get(app.url("/robots.txt")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let headers = res.headers().clone();
    assert_eq!(res.text().await.unwrap(), file, "the file itself");
    assert!(headers.contains_key("last-modified"), "{headers:?}");
    if let Some(cache) = headers.get("cache-control") {
        let cache = cache.to_str().unwrap();
        assert!(
            !cache.contains("no-store") && !cache.contains("private"),
            "{cache}"
        );
    }
    let vary: Vec<_> = headers.get_all("vary").iter().collect();
    assert!(
        !vary
            .iter()
            .any(|v| v.to_str().unwrap().to_ascii_lowercase().contains("cookie")),
        "Vary {vary:?}"
    );
    assert!(!headers.contains_key("set-cookie"), "{headers:?}");
}

/// A first visit's page is rendered once and kept (`src/http/first_visit.rs`):
/// every first visit gets the same page with a nonce of its own, and
/// still the headers every session-dependent answer carries. A visitor
/// with a session, or with a redirect's answer to show, gets a render.
#[tokio::test]
async fn a_first_visit_gets_the_kept_page_with_a_fresh_nonce() {
    let app = spawn_app().await;
    let first = reqwest::get(app.url("/")).await.unwrap();
    assert_eq!(first.headers()["cache-control"], "no-store");
    let first = first.text().await.unwrap();
    let again = reqwest::get(app.url("/")).await.unwrap();
    assert_eq!(again.status(), 200);
    assert_eq!(again.headers()["content-type"], "text/html; charset=utf-8");
    assert_eq!(again.headers()["cache-control"], "no-store");
    assert!(again.headers().get("set-cookie").is_none());
    let again = again.text().await.unwrap();

    let nonce = |page: &str| {
        let start = page.find("nonce=\"").expect("a nonce") + 7;
        page[start..start + page[start..].find('"').unwrap()].to_owned()
    };
    assert_ne!(nonce(&first), nonce(&again), "each answer its own nonce");
    assert_eq!(
        first.replace(&nonce(&first), "N"),
        again.replace(&nonce(&again), "N"),
        "otherwise the same page"
    );
    assert!(again.contains("No session: the store holds nothing"));

    app.get("/setsession").await;
    let (status, page) = app.get("/").await;
    assert_eq!(status, 200);
    assert!(
        !page.contains("No session: the store holds nothing"),
        "{page}"
    );
    let (_, redirected) = app.get("/?answer=set").await;
    assert!(
        redirected.contains("The session has been Set"),
        "{redirected}"
    );
}
