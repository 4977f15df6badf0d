//! `/pkg`: the precompressed file when the browser takes it, and cache
//! headers that match whether file names are hashed.

use std::sync::Arc;

use reqwest::{cookie::Jar, header};

use crate::helpers::{settings, spawn_with};
use leptos_sessions::session::store::StoreUrl;

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

async fn fetch(hashed: bool, accept: &str) -> (reqwest::header::HeaderMap, String) {
    let dir = site();
    let mut settings = settings(&StoreUrl::Memory);
    settings.leptos.site_root = dir.path().to_string_lossy().into();
    settings.leptos.hash_files = hashed;
    let app = spawn_with(settings, Arc::new(Jar::default())).await;
    let res = reqwest::Client::new()
        .get(app.url("/pkg/app.css"))
        .header(header::ACCEPT_ENCODING, accept)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let headers = res.headers().clone();
    (headers, res.text().await.unwrap())
}

#[tokio::test]
async fn the_precompressed_file_is_sent_to_browsers_that_take_it() {
    let (headers, body) = fetch(false, "gzip, deflate, br").await;
    assert_eq!(headers[header::CONTENT_ENCODING], "br");
    assert_eq!(body, "brotli bytes");

    let (headers, body) = fetch(false, "gzip").await;
    assert_eq!(headers[header::CONTENT_ENCODING], "gzip");
    assert_eq!(body, "gzip bytes");

    let (headers, body) = fetch(false, "identity").await;
    assert!(headers.get(header::CONTENT_ENCODING).is_none());
    assert_eq!(body, "body { color: red }");
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
