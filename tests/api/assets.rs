//! `/pkg`: the precompressed file when the browser takes it, and cache
//! headers that match whether file names are hashed (hashed ones are served
//! from memory, the others from disk: both are checked).

use std::sync::Arc;

use reqwest::{cookie::Jar, header};
use tower_sessions_lossless_store::StoreUrl;

use crate::helpers::{settings, spawn_with, TestApp};

/// A site folder with one stylesheet, as plain text and precompressed
/// (the "compressed" bodies are markers: the test checks which file is sent).
fn site() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let pkg = dir.path().join("pkg");
    std::fs::create_dir_all(&pkg).unwrap();
    std::fs::write(pkg.join("app.css"), "body { color: red }").unwrap();
    std::fs::write(pkg.join("app.css.br"), "brotli bytes").unwrap();
    std::fs::write(pkg.join("app.css.gz"), "gzip bytes").unwrap();
    dir
}

async fn app_on(dir: &tempfile::TempDir, hashed: bool) -> TestApp {
    let mut settings = settings(&StoreUrl::memory());
    settings.leptos.site_root = dir.path().to_string_lossy().into();
    settings.leptos.hash_files = hashed;
    spawn_with(settings, Arc::new(Jar::default())).await
}

async fn get(app: &TestApp, path: &str, accept: &str) -> (reqwest::header::HeaderMap, String) {
    let res = reqwest::Client::new()
        .get(app.url(path))
        .header(header::ACCEPT_ENCODING, accept)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "{path}");
    let headers = res.headers().clone();
    (headers, res.text().await.unwrap())
}

async fn fetch(hashed: bool, accept: &str) -> (reqwest::header::HeaderMap, String) {
    let dir = site();
    get(&app_on(&dir, hashed).await, "/pkg/app.css", accept).await
}

#[tokio::test]
async fn the_precompressed_file_is_sent_to_browsers_that_take_it() {
    for hashed in [false, true] {
        let (headers, body) = fetch(hashed, "gzip, deflate, br").await;
        assert_eq!(headers[header::CONTENT_ENCODING], "br");
        assert_eq!(body, "brotli bytes");
        assert_eq!(headers[header::VARY], "accept-encoding");
        assert_eq!(headers[header::CONTENT_TYPE], "text/css");

        let (headers, body) = fetch(hashed, "gzip, br;q=0").await;
        assert_eq!(headers[header::CONTENT_ENCODING], "gzip");
        assert_eq!(body, "gzip bytes");

        let (headers, body) = fetch(hashed, "identity").await;
        assert!(headers.get(header::CONTENT_ENCODING).is_none());
        assert_eq!(body, "body { color: red }");
    }
}

/// `cargo leptos watch` writes new hashed files while the server runs.
#[tokio::test]
async fn a_file_built_after_start_up_is_served_and_a_missing_one_is_404() {
    let dir = site();
    let app = app_on(&dir, true).await;
    std::fs::write(dir.path().join("pkg/later.css"), "p { margin: 0 }").unwrap();
    let (_, body) = get(&app, "/pkg/later.css", "br").await;
    assert_eq!(body, "p { margin: 0 }");
    let res = app
        .client
        .get(app.url("/pkg/nothing.css"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    let res = app
        .client
        .post(app.url("/pkg/app.css"))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_client_error(), "{}", res.status());
}

#[tokio::test]
async fn hashed_names_are_cached_for_a_year_others_revalidated() {
    let (headers, _) = fetch(true, "br").await;
    assert_eq!(
        headers[header::CACHE_CONTROL],
        "public, max-age=31536000, immutable"
    );
    let (headers, _) = fetch(false, "br").await;
    assert_eq!(headers[header::CACHE_CONTROL], "no-cache");
}

/// A page fits in the first round trip anyway; compressing it on every
/// request halved page throughput (see `assets::worth_compressing`).
#[tokio::test]
async fn the_small_streamed_page_is_sent_uncompressed() {
    let app = crate::helpers::spawn_app().await;
    let res = app
        .client
        .get(app.url("/"))
        .header(header::ACCEPT_ENCODING, "br, gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers().get(header::CONTENT_ENCODING).is_none());
    assert!(res.text().await.unwrap().contains(">Set session</button>"));
}
