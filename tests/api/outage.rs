//! A store that goes away mid-run: clear 503s, no hang, no crash, and the
//! app recovers by itself when the store is back.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use reqwest::cookie::Jar;

use tokio::io::{AsyncBufReadExt, BufReader};

use crate::{
    binary::{Server, START_UP},
    helpers::{client, settings_with, spawn_on, spawn_with, TestApp},
    redis_server::RedisServer,
    scrape::parse,
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
    // The page still renders, and its panels say why they are empty.
    let (status, page) = app.get("/").await;
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains(">The session store is unavailable right now."),
        "{page}"
    );
    // A no-JS Get session's page reads the greeting again: it cannot, and
    // answers with that error's status, as the server function did.
    let (status, page) = app.get("/?answer=get").await;
    assert_eq!(status, 503, "{page}");
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
    let settings = settings_with(&backing.url, &[("METRICS_ADDR", "127.0.0.1:0")]);
    let app = spawn_with(settings, Arc::new(Jar::default())).await;
    let store_up = || async {
        let addr = app.metrics_addr.expect("metrics on");
        let text = reqwest::get(format!("http://{addr}/metrics"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        parse(text).get("store_up", &[])
    };
    assert_eq!(app.get("/setsession").await.1, "The session has been Set");
    backing.redis.as_mut().unwrap().kill();

    // The first failures each wait for the store's timeout; three open the
    // breaker.
    for _ in 0..3 {
        assert_eq!(app.get("/getsession").await.0, 503);
    }
    // The very next one is refused without asking the store (its timeout
    // is 2 s; the first probe is 250 ms away).
    let started = Instant::now();
    assert_eq!(app.get("/getsession").await.0, 503);
    let took = started.elapsed();
    assert!(
        took < Duration::from_secs(1),
        "the fourth call took {took:?}"
    );
    assert_eq!(store_up().await, 0.0);
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
    assert_eq!(store_up().await, 1.0, "the gauge says the store is back");
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

/// What an operator's log shows of an outage: one line when the store goes
/// down, one when it answers again, and nothing per request either side.
#[tokio::test]
async fn the_log_says_once_that_the_store_is_down_and_once_that_it_is_back() {
    let mut redis = RedisServer::start();
    let mut server = Server::new().env("SESSION_STORE", redis.url());
    let mut child = server.spawn();
    // Read to its end, so the server never writes to a closed pipe.
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let (serving, serving_rx) = tokio::sync::oneshot::channel();
    let log = tokio::spawn(async move {
        let mut serving = Some(serving);
        let mut log = String::new();
        while let Some(line) = lines.next_line().await.unwrap() {
            if let Some(addr) = line.split("serving addr=").nth(1) {
                let addr = addr.split_whitespace().next().unwrap_or_default();
                if let Some(serving) = serving.take() {
                    let _ = serving.send(addr.to_owned());
                }
            }
            log.push_str(&line);
            log.push('\n');
        }
        log
    });
    let addr = tokio::time::timeout(START_UP, serving_rx)
        .await
        .expect("it serves")
        .expect("it logged the address");
    let url = |path: &str| format!("http://{addr}{path}");
    let user = client(&Arc::new(Jar::default()));
    let get = |path: &'static str| user.get(url(path)).send();
    assert_eq!(get("/setsession").await.unwrap().status(), 200);
    for _ in 0..5 {
        assert_eq!(get("/healthz").await.unwrap().status(), 200);
    }

    redis.kill();
    for _ in 0..4 {
        assert_eq!(get("/getsession").await.unwrap().status(), 503);
    }
    for _ in 0..4 {
        assert_eq!(get("/healthz").await.unwrap().status(), 503);
    }
    redis.resume();
    let deadline = Instant::now() + Duration::from_secs(15);
    while get("/healthz").await.unwrap().status() != 200 {
        assert!(Instant::now() < deadline, "the store never came back");
        tokio::time::sleep(Duration::from_millis(20)).await; // a probe's pace
    }
    for _ in 0..5 {
        let res = get("/getsession").await.unwrap();
        assert_eq!(res.text().await.unwrap(), "Welcome Admin");
    }

    child.start_kill().unwrap();
    child.wait().await.unwrap();
    let log = log.await.unwrap();
    let lines = |what: &str| log.lines().filter(|line| line.contains(what)).count();
    assert_eq!(lines("the session store is down: failing fast"), 1, "{log}");
    assert_eq!(lines("the session store answers again"), 1, "{log}");
    // Requests and health checks refused while it was down: no line each
    // (a readiness probe comes every few seconds for as long as the outage
    // lasts). A probe the breaker lets through may fail, and says so.
    assert_eq!(lines("not asked"), 0, "{log}");
}
