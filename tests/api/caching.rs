//! Responses that depend on a session are never stored by a cache, and say
//! that they vary with the cookie.

use crate::helpers::spawn_app;

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

#[tokio::test]
async fn static_files_stay_cacheable() {
    let app = spawn_app().await;
    let res = app.client.get(app.url("/robots.txt")).send().await.unwrap();
    assert_ne!(
        res.headers()
            .get("cache-control")
            .map(|v| v.to_str().unwrap()),
        Some("no-store")
    );
}
