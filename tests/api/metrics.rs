//! `/metrics` on its own listener (`METRICS_ADDR`): each count moves by
//! exactly what a visitor's requests did, no label carries a session id, a
//! cookie or a path a visitor made up, and without `METRICS_ADDR` there is
//! no listener and the app has no `/metrics`.

use std::{net::SocketAddr, sync::Arc};

use leptos_sessions::{config::store_settings, metrics::Metrics};
use reqwest::cookie::Jar;
use tower_sessions_lossless_store::{Store, StoreUrl};

use crate::{
    cookies::forge_cookie,
    helpers::{get_with_cookie, settings_with, spawn_app, spawn_router, spawn_with, TestApp},
    logs::forms_of,
    scrape::{parse, Scrape, PREFIX},
    stores::Backing,
};

/// A path no route has: it must never become a label.
pub const MADE_UP_PATH: &str = "/made-up-path-canary-9931";

pub async fn scrape(addr: SocketAddr) -> Scrape {
    let res = reqwest::get(format!("http://{addr}/metrics"))
        .await
        .expect("a scrape");
    assert_eq!(res.status(), 200);
    let kind = res.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(kind.starts_with("text/plain; version=0.0.4"), "{kind}");
    parse(res.text().await.unwrap())
}

/// An app on a fresh SQLite file (its read cache on, the default) with
/// metrics on a port of their own.
pub async fn spawn_measured(backing: &Backing) -> TestApp {
    let settings = settings_with(&backing.url, &[("METRICS_ADDR", "127.0.0.1:0")]);
    spawn_with(settings, Arc::new(Jar::default())).await
}

#[tokio::test]
async fn the_seed_flow_moves_each_count_by_exactly_what_it_did() {
    let backing = Backing::sqlite().await;
    let app = spawn_measured(&backing).await;
    let metrics_addr = app.metrics_addr.expect("a metrics listener");
    assert_ne!(metrics_addr, app.addr);
    let before = scrape(metrics_addr).await;

    // Created (one insert, no cache lookup: there was no cookie).
    let set = (200, "The session has been Set".to_owned());
    assert_eq!(app.get("/setsession").await, set);
    let cookie = app.cookie().expect("a session cookie");
    // Two reads answered by the cache.
    assert_eq!(app.get("/getsession").await, (200, "Welcome Admin".into()));
    let res = app.call("get_session").await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<String>().await.unwrap(), "Welcome Admin");
    // A cache hit, then the pop deletes the record: ended by a pop.
    assert_eq!(
        app.get("/popsession").await,
        (200, "Session Deleted".into())
    );
    // The retired cookie replayed: not in the cache, fetched, not found.
    let replayed = app.get_with_cookie("/getsession", &cookie).await;
    assert_eq!(replayed.text().await.unwrap(), "Welcome Anonymous");
    // No cookie left: no store call.
    let anonymous = (200, "Welcome Anonymous".to_owned());
    assert_eq!(app.get("/getsession").await, anonymous);
    assert_eq!(app.get("/healthz").await.0, 200);
    assert_eq!(app.get(MADE_UP_PATH).await.0, 404);
    // The app's own address has no /metrics.
    assert_eq!(app.get("/metrics").await.0, 404);

    let after = scrape(metrics_addr).await;
    let moved =
        |name: &str, labels: &[(&str, &str)]| after.get(name, labels) - before.get(name, labels);
    let requests = |route, status| {
        moved(
            "http_requests_total",
            &[("route", route), ("status", status)],
        )
    };
    assert_eq!(requests("/setsession", "200"), 1.0);
    assert_eq!(requests("/getsession", "200"), 3.0);
    assert_eq!(requests("/api/get_session", "200"), 1.0);
    assert_eq!(requests("/popsession", "200"), 1.0);
    assert_eq!(requests("/healthz", "200"), 1.0);
    assert_eq!(
        requests("unmatched", "404"),
        2.0,
        "the made-up path and /metrics"
    );
    let timed = |route| moved("http_request_duration_seconds_count", &[("route", route)]);
    assert_eq!(timed("/getsession"), 3.0);
    assert_eq!(timed("unmatched"), 2.0);

    for (operation, calls) in [
        ("insert", 1.0),
        ("fetch", 1.0),
        ("replace", 0.0),
        ("remove", 1.0),
        ("ping", 1.0),
        ("delete_expired", 0.0),
    ] {
        let labels = [("operation", operation)];
        assert_eq!(moved("store_calls_total", &labels), calls, "{operation}");
        let timed = moved("store_call_duration_seconds_count", &labels);
        assert_eq!(timed, calls, "{operation} timed");
    }
    let errors: f64 = after
        .samples
        .iter()
        .filter(|((name, _), _)| name == "store_errors_total")
        .map(|(_, value)| value)
        .sum();
    assert_eq!(errors, 0.0);
    assert_eq!(after.get("store_up", &[]), 1.0);

    assert_eq!(moved("read_cache_hits_total", &[]), 3.0);
    assert_eq!(moved("read_cache_misses_total", &[]), 1.0);
    assert_eq!(moved("sessions_created_total", &[]), 1.0);
    assert_eq!(moved("session_id_renewals_total", &[]), 0.0);
    for (reason, ended) in [
        ("pop", 1.0),
        ("clear", 0.0),
        ("absolute_timeout", 0.0),
        ("expired_sweep", 0.0),
    ] {
        let labels = [("reason", reason)];
        assert_eq!(moved("sessions_ended_total", &labels), ended, "{reason}");
        assert!(after.samples.contains_key(&(
            "sessions_ended_total".into(),
            vec![("reason".into(), reason.into())]
        )));
    }

    for secret in forms_of(&cookie)
        .iter()
        .map(String::as_str)
        .chain(["Admin", MADE_UP_PATH])
    {
        assert!(!after.text.contains(secret), "{secret} in the scrape");
    }
}

#[tokio::test]
async fn a_login_on_a_session_renews_its_id_and_clear_ends_it() {
    let backing = Backing::sqlite().await;
    let app = spawn_measured(&backing).await;
    let metrics_addr = app.metrics_addr.expect("a metrics listener");
    assert_eq!(app.get("/setsession").await.0, 200);
    assert_eq!(app.get("/setsession").await.0, 200);
    assert_eq!(app.call("clear_session").await.status(), 200);
    assert_eq!(app.call("clear_session").await.status(), 200);

    let after = scrape(metrics_addr).await;
    assert_eq!(after.get("sessions_created_total", &[]), 1.0);
    assert_eq!(after.get("session_id_renewals_total", &[]), 1.0);
    let ended = |reason| after.get("sessions_ended_total", &[("reason", reason)]);
    assert_eq!(ended("clear"), 1.0, "the second clear had no session");
    assert_eq!(ended("pop"), 0.0);
}

#[tokio::test]
async fn a_store_that_fails_is_counted_down_with_its_failed_and_refused_calls() {
    let dir = tempfile::tempdir().unwrap();
    let url = StoreUrl::sqlite(&dir.path().join("s.db"));
    let metrics = Metrics::new();
    let store = Store::connect_measured(&store_settings(url), metrics.clone())
        .await
        .unwrap();
    store.close().await;
    let addr = spawn_router(store).await;
    let cookie = forge_cookie("AAAAAAAAAAAAAAAAAAAAAA");
    const READS: f64 = 10.0;
    for _ in 0..READS as usize {
        let res = get_with_cookie(&format!("http://{addr}/getsession"), &cookie).await;
        assert_eq!(res.status(), 503);
    }

    let after = parse(metrics.render());
    let errors = |error| {
        after.get(
            "store_errors_total",
            &[("operation", "fetch"), ("error", error)],
        )
    };
    assert_eq!(
        after.get("store_calls_total", &[("operation", "fetch")]),
        READS
    );
    assert!(
        errors("failed") >= 3.0,
        "the breaker opens after 3 failures"
    );
    // A probe goes every 250 ms: the rest, sent at once, are refused.
    assert!(errors("refused") >= 1.0, "{}", after.text);
    assert_eq!(errors("failed") + errors("refused"), READS);
    assert_eq!(
        after.get(
            "store_call_duration_seconds_count",
            &[("operation", "fetch")]
        ),
        errors("failed"),
        "refused calls never reached the store"
    );
    assert_eq!(after.get("store_up", &[]), 0.0);
    let status = [("route", "/getsession"), ("status", "503")];
    assert_eq!(after.get("http_requests_total", &status), READS);
}

#[tokio::test]
async fn without_metrics_addr_there_is_no_metrics_listener_and_no_metrics_route() {
    let app = spawn_app().await;
    assert_eq!(app.metrics_addr, None);
    assert_eq!(app.get("/setsession").await.0, 200);
    let (status, body) = app.get("/metrics").await;
    assert_eq!(status, 404);
    assert!(!body.contains(PREFIX), "{body}");
}
