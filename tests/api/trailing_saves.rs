//! What a request's saves do when another request of the same session acts
//! between its load and its last save, in the one order that matters, forced
//! by handlers of the test's own behind the app's real layers: the request
//! waits at a gate while the other runs.

use std::sync::Arc;

use axum::{extract::State, http::StatusCode, routing::get, Router};
use leptos_sessions::{
    http::around_sessions,
    session::{entries::ENTRIES, UserSession},
};
use reqwest::{cookie::Jar, header::SET_COOKIE};
use tokio::sync::Notify;
use tower_sessions::Session;

use crate::{
    helpers::{client, settings},
    store_tests,
    stores::Backing,
};

store_tests!([memory, sqlite, redis, postgres] => [
    a_save_that_finds_its_session_deleted_removes_the_cookie,
    a_trailing_save_does_not_undo_a_write_made_after_the_explicit_one,
    a_server_error_saves_nothing_and_leaves_the_cookie,
]);

/// Where the waiting request tells it has done its part, and waits to go on.
#[derive(Default)]
struct Gate {
    reached: Notify,
    go: Notify,
}

impl Gate {
    async fn wait(&self) {
        self.reached.notify_one();
        self.go.notified().await;
    }
}

fn answer(result: Result<(), leptos_sessions::error::AppError>) -> StatusCode {
    result.map_or_else(|err| err.status_code(), |()| StatusCode::OK)
}

/// The app's layers around handlers that change the session through the
/// typed session, as the app's own routes do; `/wait-then-set` loads the
/// session, waits, then sets `colour`; `/set-then-wait` sets it, waits,
/// then lets the session layer finish.
async fn serve(backing: &Backing, gate: Arc<Gate>) -> String {
    let settings = settings(&backing.url);
    let store = tower_sessions_lossless_store::Store::connect(&settings.store)
        .await
        .expect("the store opens");
    // Counted through this store when it is a map in this process.
    let _ = backing.memory.set(store.clone());
    let routes = Router::new()
        .route(
            "/login",
            get(|s: UserSession| async move { answer(s.set_user("Admin").await) }),
        )
        .route(
            "/logout",
            get(|s: UserSession| async move { answer(s.pop_user().await.map(drop)) }),
        )
        .route(
            "/red",
            get(|s: UserSession| async move { answer(s.set("colour", "red").await) }),
        )
        .route(
            "/colour",
            get(|s: UserSession| async move {
                s.entries()
                    .await
                    .map(|entries| format!("{entries:?}"))
                    .unwrap_or_default()
            }),
        )
        .route(
            "/wait-then-set",
            get(|State(gate): State<Arc<Gate>>, s: UserSession| async move {
                gate.wait().await;
                answer(s.set("colour", "blue").await)
            }),
        )
        .route(
            "/leave-unsaved",
            get(
                |State(gate): State<Arc<Gate>>, s: UserSession, raw: Session| async move {
                    // Loaded and changed, not saved: tower-sessions' layer
                    // saves it after the handler.
                    let loaded = s.user().await.map(drop);
                    let _ = raw.insert("unsaved", 1).await;
                    gate.wait().await;
                    answer(loaded)
                },
            ),
        )
        .route(
            "/change-then-fail",
            get(|s: UserSession, raw: Session| async move {
                let _ = s.user().await;
                let half = serde_json::json!({"Username": "Admin", "half": "done"});
                let _ = raw.insert(ENTRIES, half).await;
                StatusCode::INTERNAL_SERVER_ERROR
            }),
        )
        .route(
            "/set-then-wait",
            get(|State(gate): State<Arc<Gate>>, s: UserSession| async move {
                let set = s.set("colour", "blue").await;
                gate.wait().await;
                answer(set)
            }),
        )
        .with_state(gate);
    let app = around_sessions(routes, &settings, store);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}")
}

/// A tab's request loads the session; another tab logs out (the session,
/// left empty, is deleted); then the first saves. Nothing is written (the
/// logout stays), and its answer tells the browser to drop the cookie.
async fn a_save_that_finds_its_session_deleted_removes_the_cookie(backing: Backing) {
    let kind = backing.url.kind().name;
    let gate = Arc::new(Gate::default());
    let base = serve(&backing, gate.clone()).await;
    let browser = client(&Arc::new(Jar::default()));
    let get = |path: &str| browser.get(format!("{base}{path}")).send();
    assert_eq!(get("/login").await.unwrap().status(), 200, "{kind}");

    let waiting = tokio::spawn(get("/wait-then-set"));
    gate.reached.notified().await;
    assert_eq!(get("/logout").await.unwrap().status(), 200, "{kind}");
    assert_eq!(backing.count().await, 0, "{kind}: logged out");
    gate.go.notify_one();
    let res = waiting.await.unwrap().unwrap();

    assert_eq!(res.status(), 200, "{kind}");
    let cookies: Vec<_> = res
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    assert_eq!(cookies.len(), 1, "{kind}: {cookies:?}");
    assert!(
        cookies[0].starts_with("session=;") && cookies[0].contains("Max-Age=0"),
        "{kind}: the cookie is removed: {cookies:?}"
    );
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(cookies[0].contains(attribute), "{kind}: {cookies:?}");
    }
    assert_eq!(backing.count().await, 0, "{kind}: resurrected");
}

/// A request sets `colour` (an explicit save), then waits; another sets it
/// to red; then the first ends, and the session layer's trailing save runs.
/// Red stays: the trailing save compares with the first request's own
/// write, not with what it loaded.
async fn a_trailing_save_does_not_undo_a_write_made_after_the_explicit_one(backing: Backing) {
    let kind = backing.url.kind().name;
    let gate = Arc::new(Gate::default());
    let base = serve(&backing, gate.clone()).await;
    let browser = client(&Arc::new(Jar::default()));
    let get = |path: &str| browser.get(format!("{base}{path}")).send();
    assert_eq!(get("/login").await.unwrap().status(), 200, "{kind}");

    let waiting = tokio::spawn(get("/set-then-wait"));
    gate.reached.notified().await;
    assert_eq!(get("/red").await.unwrap().status(), 200, "{kind}");
    gate.go.notify_one();
    assert_eq!(waiting.await.unwrap().unwrap().status(), 200, "{kind}");

    let entries = get("/colour").await.unwrap().text().await.unwrap();
    assert!(
        entries.contains(r#"("colour", "red")"#),
        "{kind}: the later write was undone: {entries}"
    );
}

/// A handler leaves a change unsaved; the store goes down before
/// tower-sessions' layer saves it after the handler. That save fails: the
/// answer is the 503 with its message that every other store failure gets,
/// never tower-sessions' empty 500.
#[tokio::test]
async fn a_store_failure_in_the_trailing_save_is_a_503_with_its_message() {
    let mut backing = Backing::redis().await;
    let gate = Arc::new(Gate::default());
    let base = serve(&backing, gate.clone()).await;
    let browser = client(&Arc::new(Jar::default()));
    let get = |path: &str| browser.get(format!("{base}{path}")).send();
    assert_eq!(get("/login").await.unwrap().status(), 200);

    let waiting = tokio::spawn(get("/leave-unsaved"));
    gate.reached.notified().await;
    backing.redis.as_mut().expect("a Redis of its own").kill();
    gate.go.notify_one();
    let res = waiting.await.unwrap().unwrap();

    assert_eq!(res.status(), 503);
    assert!(res.headers().get(SET_COOKIE).is_none());
    let text = res.text().await.unwrap();
    assert!(text.contains("unavailable"), "{text:?}");
}

/// A handler that changed the session and then failed (a 5xx: its work may
/// be half done): nothing of it is saved, and the cookie is left alone.
async fn a_server_error_saves_nothing_and_leaves_the_cookie(backing: Backing) {
    let kind = backing.url.kind().name;
    let base = serve(&backing, Arc::new(Gate::default())).await;
    let browser = client(&Arc::new(Jar::default()));
    let get = |path: &str| browser.get(format!("{base}{path}")).send();
    assert_eq!(get("/login").await.unwrap().status(), 200, "{kind}");
    let res = get("/change-then-fail").await.unwrap();
    assert_eq!(res.status(), 500, "{kind}");
    assert!(res.headers().get(SET_COOKIE).is_none(), "{kind}");
    let entries = get("/colour").await.unwrap().text().await.unwrap();
    assert_eq!(entries, r#"[("Username", "Admin")]"#, "{kind}");
    let res = get("/colour").await.unwrap();
    assert!(res.headers().get(SET_COOKIE).is_none(), "{kind}");
}
