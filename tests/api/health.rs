use leptos_sessions::session::store::{Store, StoreSettings, StoreUrl};

use crate::helpers::{get_with_cookie, spawn_app};

#[tokio::test]
async fn healthz_answers_200_while_the_store_answers() {
    let app = spawn_app().await;
    let (status, body) = app.get("/healthz").await;
    assert_eq!(status, 200);
    assert!(body.contains("sqlite"), "{body}");
}

#[tokio::test]
async fn a_store_that_is_down_gives_503_not_500() {
    let dir = tempfile::tempdir().unwrap();
    let url = StoreUrl::Sqlite(dir.path().join("s.db"));
    let store = Store::connect(&StoreSettings::new(url)).await.unwrap();
    store.close().await;
    let addr = crate::helpers::spawn_router(store).await;
    let client = reqwest::Client::new();

    let res = client
        .get(format!("http://{addr}/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 503);

    // A visitor with a cookie makes the app read the store.
    let cookie = crate::cookies::forge_cookie("AAAAAAAAAAAAAAAAAAAAAA");
    let res = get_with_cookie(&format!("http://{addr}/getsession"), &cookie).await;
    assert_eq!(res.status(), 503);
    assert!(res.text().await.unwrap().contains("unavailable"));

    // A new visitor's first write fails with the same message, not an empty 500.
    let res = client
        .get(format!("http://{addr}/setsession"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 503);
    assert!(res.text().await.unwrap().contains("unavailable"));
}
