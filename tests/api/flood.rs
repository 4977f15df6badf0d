//! A flood of new sessions: the limit per client (429, nothing stored, and
//! its reset), which client a request comes from (a trusted proxy's header,
//! never anyone else's), requests that create nothing never limited, and the
//! store's bound on every store (503 for new sessions, existing ones keep
//! working).

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use leptos_sessions::{limits::MAX_SESSIONS, metrics::StoreMetrics};
use reqwest::{cookie::Jar, header, Client, Response};

use crate::{
    helpers::{client, settings_with, spawn_with, TestApp},
    logs::capture,
    scrape::parse,
    store_tests,
    stores::Backing,
};

/// A burst of 3, then one a second: quick to spend, quick to come back.
const SMALL_LIMIT: [(&str, &str); 2] = [
    ("SESSION_NEW_PER_CLIENT_BURST", "3"),
    ("SESSION_NEW_PER_CLIENT_PER_MINUTE", "60"),
];

async fn spawn_limited(backing: &Backing, more: &[(&'static str, &str)]) -> TestApp {
    let mut vars = SMALL_LIMIT.to_vec();
    vars.push(("METRICS_ADDR", "127.0.0.1:0"));
    vars.extend_from_slice(more);
    let app = spawn_with(settings_with(&backing.url, &vars), Arc::new(Jar::default())).await;
    backing.attach(&app);
    app
}

/// `GET /setsession` as a new visitor (no cookie), through `forwarded_for`
/// when given.
async fn new_visitor_sets(app: &TestApp, forwarded_for: Option<&str>) -> Response {
    let mut req = Client::new().get(app.url("/setsession"));
    if let Some(addr) = forwarded_for {
        req = req.header("x-forwarded-for", addr);
    }
    req.send().await.expect("GET /setsession")
}

fn refused(app: &TestApp, cause: &str) -> f64 {
    parse(app.store.metrics().render()).get("session_creations_refused_total", &[("cause", cause)])
}

fn sets_cookie(res: &Response) -> bool {
    res.headers().contains_key(header::SET_COOKIE)
}

#[tokio::test]
async fn a_client_over_its_limit_gets_a_429_and_no_session_until_its_quota_comes_back() {
    let backing = Backing::sqlite().await;
    let app = spawn_limited(&backing, &[]).await;
    for _ in 0..3 {
        let res = new_visitor_sets(&app, None).await;
        assert_eq!(res.status(), 200);
    }
    assert_eq!(backing.count().await, 3);

    // The plain route: 429, when to come back, the limit in the words.
    let res = new_visitor_sets(&app, None).await;
    assert_eq!(res.status(), 429);
    assert!(!sets_cookie(&res), "a refused request sets no cookie");
    assert_eq!(res.headers()[header::RETRY_AFTER], "1");
    let text = res.text().await.unwrap();
    assert!(
        text.contains("at most 3 at once, then 60 a minute"),
        "{text}"
    );
    // A server function: the same, as its JSON error body.
    let res = app.call_with("set_key", "key=colour&value=blue").await;
    assert_eq!(res.status(), 429);
    assert!(res.headers().contains_key(header::RETRY_AFTER));
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["code"], "too_many_new_sessions");
    let message = body["message"].as_str().unwrap();
    assert!(message.contains("at most 3 at once"), "{message}");
    // Without JavaScript: back to the page, which says why.
    let res = app.post_form("set_session").await;
    assert_eq!(res.status(), 303);
    assert!(
        !res.headers().contains_key(header::RETRY_AFTER),
        "a redirect is followed at once"
    );
    assert_eq!(
        res.headers()[header::LOCATION],
        "/?error=too_many_new_sessions"
    );
    let (status, page) = app.get("/?error=too_many_new_sessions").await;
    assert_eq!(status, 200);
    assert!(page.contains("Too many new sessions were started from your network"));
    assert_eq!(
        backing.count().await,
        3,
        "nothing stored for a refused request"
    );
    assert_eq!(refused(&app, "rate"), 3.0);
    assert_eq!(refused(&app, "store_full"), 0.0);

    // One a second comes back: within about a second, a new session again.
    let started = Instant::now();
    loop {
        let res = new_visitor_sets(&app, None).await;
        if res.status() == 200 {
            break;
        }
        assert_eq!(res.status(), 429);
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "the quota never came back"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(backing.count().await, 4);
    assert!(capture().text().contains("over the limit per client"));
}

#[tokio::test]
async fn existing_sessions_first_visits_and_pops_of_nothing_are_never_limited() {
    let backing = Backing::sqlite().await;
    let app = spawn_limited(
        &backing,
        &[
            ("SESSION_NEW_PER_CLIENT_BURST", "1"),
            ("SESSION_NEW_PER_CLIENT_PER_MINUTE", "1"),
        ],
    )
    .await;
    // The one new session the limit allows, in the app's jar.
    assert_eq!(app.get("/setsession").await.0, 200);
    for _ in 0..10 {
        // A visitor with no session who creates none.
        let stranger = client(&Arc::new(Jar::default()));
        for path in ["/", "/getsession", "/popsession", "/inspector/panels"] {
            let res = stranger.get(app.url(path)).send().await.unwrap();
            assert_eq!(res.status(), 200, "{path}");
            assert!(!sets_cookie(&res), "{path} created a session");
        }
        // The signed-in visitor: reads, writes and logins.
        assert_eq!(app.get("/getsession").await, (200, "Welcome Admin".into()));
        let res = app.call_with("save_note", "note=hello").await;
        assert_eq!(res.status(), 200);
        let res = app.call_with("set_key", "key=colour&value=blue").await;
        assert_eq!(res.status(), 200);
        assert_eq!(
            app.get("/setsession").await.0,
            200,
            "a login is no new session"
        );
    }
    assert_eq!(refused(&app, "rate"), 0.0);
    // The limit is spent all the same.
    assert_eq!(new_visitor_sets(&app, None).await.status(), 429);
}

#[tokio::test]
async fn a_trusted_proxys_header_names_the_client_and_anyone_elses_is_ignored() {
    let one_each = [
        ("SESSION_NEW_PER_CLIENT_BURST", "1"),
        ("SESSION_NEW_PER_CLIENT_PER_MINUTE", "1"),
    ];
    // Behind a proxy on this machine: each forwarded address is a client.
    let backing = Backing::memory().await;
    let mut trusting = one_each.to_vec();
    trusting.push(("SESSION_TRUSTED_PROXIES", "127.0.0.0/8"));
    let app = spawn_limited(&backing, &trusting).await;
    let status = |res: Response| res.status().as_u16();
    assert_eq!(
        status(new_visitor_sets(&app, Some("203.0.113.1")).await),
        200
    );
    assert_eq!(
        status(new_visitor_sets(&app, Some("203.0.113.1")).await),
        429
    );
    assert_eq!(
        status(new_visitor_sets(&app, Some("203.0.113.2")).await),
        200
    );
    // An address the client wrote in front of the proxy's is not read.
    let forged = "198.51.100.7, 203.0.113.1";
    assert_eq!(status(new_visitor_sets(&app, Some(forged)).await), 429);
    // No header from the proxy: the proxy itself is the client.
    assert_eq!(status(new_visitor_sets(&app, None).await), 200);
    assert_eq!(status(new_visitor_sets(&app, None).await), 429);

    // Trusting no proxy (the default): the header is the client's own words.
    let backing = Backing::memory().await;
    let app = spawn_limited(&backing, &one_each).await;
    assert_eq!(
        status(new_visitor_sets(&app, Some("203.0.113.1")).await),
        200
    );
    assert_eq!(
        status(new_visitor_sets(&app, Some("203.0.113.2")).await),
        429
    );
    assert_eq!(status(new_visitor_sets(&app, None).await), 429);
}

store_tests!([memory, sqlite, redis, postgres, redis_cluster, redis_sentinel] => [
    the_store_bound_refuses_new_sessions_and_keeps_the_existing_ones,
]);

async fn the_store_bound_refuses_new_sessions_and_keeps_the_existing_ones(backing: Backing) {
    let kind = backing.url.kind().name;
    let vars = [
        ("SESSION_MAX_SESSIONS", "3"),
        ("SESSION_NEW_PER_CLIENT_PER_MINUTE", "0"),
        ("METRICS_ADDR", "127.0.0.1:0"),
    ];
    let app = spawn_with(settings_with(&backing.url, &vars), Arc::new(Jar::default())).await;
    backing.attach(&app);
    assert_eq!(app.store.capacity().max(), 3, "{kind}");
    assert_eq!(app.get("/setsession").await.0, 200, "{kind}");
    let others = [Arc::new(Jar::default()), Arc::new(Jar::default())];
    for jar in &others {
        let res = client(jar)
            .get(app.url("/setsession"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{kind}");
    }
    let res = new_visitor_sets(&app, None).await;
    assert_eq!(res.status(), 503, "{kind}");
    assert!(!sets_cookie(&res), "{kind}");
    assert_eq!(res.headers()[header::RETRY_AFTER], "60", "{kind}");
    let text = res.text().await.unwrap();
    assert!(text.contains("The session store is full"), "{kind}: {text}");
    let res = app.call_with("save_note", "note=hi").await;
    assert_eq!(res.status(), 200, "{kind}: an existing session writes");
    let body = Client::new()
        .post(app.url("/api/save_note"))
        .header(header::ACCEPT, "application/json")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body("note=hi")
        .send()
        .await
        .unwrap();
    assert_eq!(body.status(), 503, "{kind}");
    let body: serde_json::Value = body.json().await.unwrap();
    assert_eq!(body["code"], "store_full", "{kind}");
    assert_eq!(
        backing.count().await,
        3,
        "{kind}: nothing stored past the bound"
    );

    // Existing sessions keep working: reads, and a login's new id.
    assert_eq!(
        app.get("/getsession").await,
        (200, "Welcome Admin".into()),
        "{kind}"
    );
    assert_eq!(
        app.get("/setsession").await.0,
        200,
        "{kind}: a login on a full store"
    );
    assert_eq!(refused(&app, "store_full"), 2.0, "{kind}");
    // A session that ends makes room for a new one.
    let gone = client(&others[0]).get(app.url("/popsession")).send().await;
    assert_eq!(gone.unwrap().status(), 200, "{kind}");
    assert_eq!(new_visitor_sets(&app, None).await.status(), 200, "{kind}");
    assert_eq!(backing.count().await, 3, "{kind}");
}

#[tokio::test]
async fn on_redis_the_bound_comes_from_maxmemory_and_is_logged() {
    let backing = Backing::redis().await;
    let redis = backing.redis.as_ref().expect("a Redis of the test's own");
    redis.command("CONFIG SET maxmemory 1048576");
    let app = spawn_with(settings_with(&backing.url, &[]), Arc::new(Jar::default())).await;
    // 3/4 of a MiB at 512 bytes a session.
    assert_eq!(app.store.capacity().max(), 1536);
    assert!(capture()
        .text()
        .contains("3/4 of Redis' maxmemory (1048576 bytes) at 512 bytes a session"));
    app.stop().await;

    // No maxmemory (Redis' default): said so, and the default bound.
    redis.command("CONFIG SET maxmemory 0");
    let app = spawn_with(settings_with(&backing.url, &[]), Arc::new(Jar::default())).await;
    assert_eq!(app.store.capacity().max(), MAX_SESSIONS);
    assert!(capture().text().contains("Redis has no maxmemory"));
    // SESSION_MAX_SESSIONS is taken as it is.
    let app = spawn_with(
        settings_with(&backing.url, &[("SESSION_MAX_SESSIONS", "10")]),
        Arc::new(Jar::default()),
    )
    .await;
    assert_eq!(app.store.capacity().max(), 10);
}
