//! Responses that depend on a session are never stored by a cache, and say
//! that they vary with the cookie.

use std::sync::Arc;

use leptos_sessions::session::store::StoreUrl;
use reqwest::cookie::Jar;

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
