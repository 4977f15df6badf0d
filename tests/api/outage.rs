//! A store that goes away mid-run: clear 503s, no hang, no crash, and the
//! app recovers by itself when the store is back.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use reqwest::cookie::Jar;

use crate::{
    helpers::{client, spawn_on, TestApp},
    stores::Backing,
};

#[tokio::test]
async fn redis_stopped_mid_run_gives_503s_and_the_app_recovers_when_it_returns() {
    let mut backing = Backing::redis().await;
    let app = spawn_on(&backing, Arc::new(Jar::default())).await;
    assert_eq!(app.get("/setsession").await.1, "The session has been Set");

    backing.redis.as_mut().unwrap().kill();

    let started = Instant::now();
    let (status, body) = app.get("/getsession").await;
    assert_eq!(status, 503, "a visitor with a session: {body}");
    assert!(body.contains("unavailable"), "{body}");
    answered_quickly("get", started);

    let started = Instant::now();
    assert_eq!(app.get("/healthz").await.0, 503);
    answered_quickly("healthz", started);

    // A new visitor's first write fails too, and says why (not an empty 500).
    let started = Instant::now();
    let stranger = client(&Arc::new(Jar::default()));
    let res = stranger.get(app.url("/setsession")).send().await.unwrap();
    assert_eq!(res.status(), 503);
    assert!(res.text().await.unwrap().contains("unavailable"));
    answered_quickly("set", started);

    // The page's server functions and panels say the same: a 503, never a
    // 500 (their session extraction once turned the store's error into
    // "Internal").
    for name in ["get_session", "set_key", "inspect"] {
        let res = app.call_with(name, "key=k&value=v").await;
        assert_eq!(res.status(), 503, "{name}");
        let body: serde_json::Value = res.json().await.unwrap();
        assert_eq!(body["code"], "store_unavailable", "{name}");
        let message = body["message"].as_str().unwrap_or_default();
        assert!(message.contains("unavailable"), "{name}: {body}");
    }
    let (status, body) = app.get("/inspector/panels").await;
    assert_eq!(status, 503, "panels: {body}");
    // A visitor without a cookie needs no store: the page still renders.
    let res = stranger.get(app.url("/")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains("Set session"));

    backing.redis.as_mut().unwrap().resume();

    // fred reconnects on its own schedule (at most 2 s apart); until then
    // requests keep getting 503s.
    admin_again(&app).await;
    assert_eq!(app.get("/popsession").await.1, "Session Deleted");
}

/// Within the 2 s command timeout (plus slack), well before a browser or a
/// load balancer would give up.
fn answered_quickly(what: &str, since: Instant) {
    let took = since.elapsed();
    assert!(took < Duration::from_secs(5), "{what} took {took:?}");
}

#[tokio::test]
async fn after_a_few_failures_a_dead_store_is_refused_at_once_until_a_probe_finds_it_back() {
    let mut backing = Backing::redis().await;
    let app = spawn_on(&backing, Arc::new(Jar::default())).await;
    assert_eq!(app.get("/setsession").await.1, "The session has been Set");
    backing.redis.as_mut().unwrap().kill();

    // The first failures each wait for the store's timeout; three open the
    // breaker.
    for _ in 0..3 {
        assert_eq!(app.get("/getsession").await.0, 503);
    }
    // From then on a 503 comes at once, with when to try again. A probe (one
    // call every 250 ms) still waits for the store, so a few may be slow.
    let mut fast = 0;
    for _ in 0..40 {
        let started = Instant::now();
        let res = app.client.get(app.url("/getsession")).send().await.unwrap();
        assert_eq!(res.status(), 503);
        assert_eq!(res.headers()["retry-after"], "1");
        if started.elapsed() < Duration::from_millis(50) {
            fast += 1;
        }
    }
    assert!(fast >= 30, "only {fast} of 40 answered within 50 ms");
    let started = Instant::now();
    assert_eq!(app.get("/livez").await.0, 200, "what needs no store works");
    answered_quickly("livez", started);
    let (status, body) = app.get("/healthz").await;
    assert_eq!(status, 503, "{body}");

    backing.redis.as_mut().unwrap().resume();
    admin_again(&app).await;
}

/// Waits (at most 15 s) for the store to answer again: only 503s meanwhile,
/// then the session as it was before the outage, and a healthy `/healthz`.
async fn admin_again(app: &TestApp) {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let (status, body) = app.get("/getsession").await;
        if status == 200 {
            assert_eq!(body, "Welcome Admin", "the session outlived the outage");
            break;
        }
        assert_eq!(status, 503, "{body}");
        assert!(Instant::now() < deadline, "the app did not recover");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(app.get("/healthz").await.0, 200);
}
