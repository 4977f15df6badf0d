use leptos_sessions::config::store_settings;
use tower_sessions_lossless_store::{Store, StoreUrl};

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
    let url = StoreUrl::sqlite(&dir.path().join("s.db"));
    let store = Store::connect(&store_settings(url)).await.unwrap();
    store.close().await;
    let addr = crate::helpers::spawn_router(store).await;
    let client = reqwest::Client::new();

    let res = client
        .get(format!("http://{addr}/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 503);
    // The process itself still serves: an orchestrator should not restart it.
    let res = client
        .get(format!("http://{addr}/livez"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);

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

#[tokio::test]
async fn a_store_that_is_down_at_start_up_stops_it_with_a_message_naming_the_store() {
    // A port bound but not listening: connections to it are refused, and
    // no other process can take it (this socket does not allow address
    // reuse) while the test runs.
    let held = tokio::net::TcpSocket::new_v4().unwrap();
    held.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let closed_port = held.local_addr().unwrap().port();
    for (kind, url) in [
        ("redis", format!("redis://127.0.0.1:{closed_port}")),
        (
            "postgres",
            format!("postgres://app:hunter2@127.0.0.1:{closed_port}/app"),
        ),
    ] {
        let settings = crate::helpers::settings(&url.parse().unwrap());
        let started = std::time::Instant::now();
        let err = match leptos_sessions::startup::Application::build(&settings).await {
            Ok(_) => panic!("{kind}: started without its store"),
            Err(err) => err.to_string(),
        };
        assert!(err.contains(&format!("the {kind} session store")), "{err}");
        assert!(!err.contains("hunter2"), "{err}");
        assert!(
            started.elapsed().as_secs() < 15,
            "{kind}: gave up too slowly"
        );
    }
    drop(held);
}
