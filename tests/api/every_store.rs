//! The same tests on every store: memory, SQLite, Redis (one server, a
//! Cluster, a Sentinel set-up) and PostgreSQL.

use std::sync::Arc;

use reqwest::cookie::Jar;

use crate::{
    cookies::forge_cookie,
    helpers::{set_cookie, spawn_on},
    store_tests,
    stores::Backing,
};

store_tests!([memory, sqlite, redis, postgres, redis_cluster, redis_sentinel] => [
    the_seed_flow_through_the_plain_routes,
    the_seed_flow_through_server_functions,
    set_keeps_one_record_and_pop_deletes_it,
    a_second_set_retires_the_old_id,
    an_unknown_signed_id_is_anonymous_and_not_adopted,
    healthz_names_the_store,
]);

async fn the_seed_flow_through_the_plain_routes(backing: Backing) {
    let app = spawn_on(&backing, Arc::new(Jar::default())).await;
    for (path, answer) in [
        ("/getsession", "Welcome Anonymous"),
        ("/setsession", "The session has been Set"),
        ("/getsession", "Welcome Admin"),
        ("/popsession", "Session Deleted"),
        ("/getsession", "Welcome Anonymous"),
    ] {
        assert_eq!(app.get(path).await, (200, answer.into()), "{path}");
    }
}

async fn the_seed_flow_through_server_functions(backing: Backing) {
    let app = spawn_on(&backing, Arc::new(Jar::default())).await;
    for (server_fn, answer) in [
        ("get_session", "Welcome Anonymous"),
        ("set_session", "The session has been Set"),
        ("get_session", "Welcome Admin"),
        ("pop_session", "Session Deleted"),
        ("get_session", "Welcome Anonymous"),
    ] {
        let res = app.call(server_fn).await;
        assert_eq!(res.status(), 200, "{server_fn}");
        assert_eq!(res.json::<String>().await.unwrap(), answer, "{server_fn}");
    }
}

async fn set_keeps_one_record_and_pop_deletes_it(backing: Backing) {
    let app = spawn_on(&backing, Arc::new(Jar::default())).await;
    let res = app.client.get(app.url("/setsession")).send().await.unwrap();
    let (value, _) = set_cookie(&res).expect("a session cookie");
    assert!(
        !value.contains("Admin"),
        "the cookie holds only an id: {value}"
    );
    assert_eq!(backing.count().await, 1, "the session lives in the store");

    let res = app.client.get(app.url("/popsession")).send().await.unwrap();
    let (_, line) = set_cookie(&res).expect("a removal cookie");
    assert!(line.contains("Max-Age=0"), "{line}");
    assert_eq!(
        backing.count().await,
        0,
        "pop deletes the record, not only the key"
    );
}

async fn a_second_set_retires_the_old_id(backing: Backing) {
    let app = spawn_on(&backing, Arc::new(Jar::default())).await;
    app.get("/setsession").await;
    let before = app.cookie().expect("a session cookie");
    app.get("/setsession").await;
    assert_ne!(Some(&before), app.cookie().as_ref(), "a new id on set");

    let res = app.get_with_cookie("/getsession", &before).await;
    assert_eq!(res.text().await.unwrap(), "Welcome Anonymous");
    assert_eq!(app.get("/getsession").await.1, "Welcome Admin");
    assert_eq!(backing.count().await, 1, "the old record is gone");
}

async fn an_unknown_signed_id_is_anonymous_and_not_adopted(backing: Backing) {
    let app = spawn_on(&backing, Arc::new(Jar::default())).await;
    let planted_id = "AAAAAAAAAAAAAAAAAAAAAA";
    let planted = forge_cookie(planted_id);
    let res = app.get_with_cookie("/getsession", &planted).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.text().await.unwrap(), "Welcome Anonymous");

    let res = app.get_with_cookie("/setsession", &planted).await;
    let (issued, _) = set_cookie(&res).expect("a fresh cookie");
    assert!(!issued.ends_with(planted_id), "the planted id was adopted");
    let res = app.get_with_cookie("/getsession", &planted).await;
    assert_eq!(res.text().await.unwrap(), "Welcome Anonymous");

    // Writes that keep a known session's id (a note, a key) must not keep
    // an unknown one either: each starts a session of its own.
    for (server_fn, body) in [
        ("save_note", "note=milk"),
        ("set_key", "key=colour&value=blue"),
    ] {
        let res = app.call_with_cookie(server_fn, body, &planted).await;
        assert_eq!(res.status(), 200, "{server_fn}");
        let (issued, _) = set_cookie(&res).expect("a fresh cookie");
        assert!(
            !issued.ends_with(planted_id),
            "{server_fn} adopted the planted id"
        );
        let listed = app.call_with_cookie("list_keys", "", &planted).await;
        let listed: Vec<(String, String)> = listed.json().await.unwrap();
        assert!(listed.is_empty(), "{server_fn} wrote under the planted id");
    }
    assert_eq!(
        backing.count().await,
        3,
        "one new session per write, none under the planted id"
    );
}

async fn healthz_names_the_store(backing: Backing) {
    let app = spawn_on(&backing, Arc::new(Jar::default())).await;
    let (status, body) = app.get("/healthz").await;
    assert_eq!(status, 200, "{body}");
    let kind = backing.url.to_string();
    let kind = kind.split([':', '-']).next().unwrap();
    assert!(
        body.contains(&format!("the {kind} session store")),
        "{body}"
    );
    // Only SQLite, held by this one instance, is cached by default.
    assert_eq!(body.contains("read cache on"), kind == "sqlite", "{body}");
}
