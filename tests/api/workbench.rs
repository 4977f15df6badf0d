//! Any key and value (the workbench's form): the rules, each refusal with
//! its message and nothing changed, and the session rules kept for every key.

use std::sync::Arc;

use leptos_sessions::{
    error::AppError,
    limits::{KEY_MAX_CHARS, MAX_KEYS, VALUE_MAX_BYTES},
    session::inspect::Inspection,
};
use reqwest::{cookie::Jar, header::LOCATION};

use crate::{
    helpers::{set_cookie, spawn_on, TestApp},
    store_tests,
    stores::Backing,
};

store_tests!([memory, sqlite, redis, postgres, redis_cluster, redis_sentinel] => [
    any_key_is_set_listed_and_popped,
    a_session_with_only_custom_keys_ends_with_its_last_pop,
]);

pub fn form(pairs: &[(&str, &str)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

pub async fn set(app: &TestApp, key: &str, value: &str) -> reqwest::Response {
    app.call_with("set_key", &form(&[("key", key), ("value", value)]))
        .await
}

async fn inspect(app: &TestApp) -> Inspection {
    let res = app.call("inspect").await;
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

async fn entries(app: &TestApp) -> Vec<(String, String)> {
    let res = app.call("list_keys").await;
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

pub fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

async fn any_key_is_set_listed_and_popped(backing: Backing) {
    let app = spawn_on(&backing, Arc::new(Jar::default())).await;
    let res = set(&app, "colour", "blue").await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<String>().await.unwrap(), "The key was set");
    set(&app, "size", r#"{"w": 3}"#).await;
    app.call("set_session").await;
    app.call_with("save_note", "note=milk").await;
    // The seed's user and the note are keys like any other; bookkeeping is never listed.
    assert_eq!(
        entries(&app).await,
        pairs(&[
            ("Note", "milk"),
            ("Username", "Admin"),
            ("colour", "blue"),
            ("size", r#"{"w": 3}"#)
        ])
    );

    let res = app.call_with("pop_key", "key=colour").await;
    assert_eq!(res.json::<String>().await.unwrap(), "The key was popped");
    let res = app.call_with("pop_key", "key=never-set").await;
    assert_eq!(res.status(), 200, "popping an absent key is no error");
    assert_eq!(entries(&app).await.len(), 3);

    let res = app.call("clear_session").await;
    assert_eq!(
        res.json::<String>().await.unwrap(),
        "The session was cleared"
    );
    assert!(entries(&app).await.is_empty());
    assert_eq!(app.get("/getsession").await.1, "Welcome Anonymous");
    assert_eq!(backing.count().await, 0, "clear deletes the record");
}

async fn a_session_with_only_custom_keys_ends_with_its_last_pop(backing: Backing) {
    let app = spawn_on(&backing, Arc::new(Jar::default())).await;
    set(&app, "colour", "blue").await;
    set(&app, "shape", "round").await;
    let cookie = app.cookie().expect("a custom key starts a session");
    app.call_with("pop_key", "key=colour").await;
    assert_eq!(app.cookie(), Some(cookie), "one key left: same session");
    let last = app.call_with("pop_key", "key=shape").await;
    let (_, line) = set_cookie(&last).expect("a removal cookie");
    assert!(line.contains("Max-Age=0"), "{line}");
    assert_eq!(app.cookie(), None);
    assert_eq!(backing.count().await, 0, "the record is deleted");
}

#[tokio::test]
async fn each_rule_refuses_with_its_message_and_changes_nothing() {
    let backing = Backing::sqlite().await;
    let app = spawn_on(&backing, Arc::new(Jar::default())).await;
    set(&app, "colour", "blue").await;
    let before = entries(&app).await;
    let long_key = "k".repeat(KEY_MAX_CHARS + 1);
    let long_value = "v".repeat(VALUE_MAX_BYTES + 1);
    for (key, value, status, message) in [
        ("", "x", 400, "The key is empty"),
        ("  ", "x", 400, "The key is empty"),
        (long_key.as_str(), "x", 400, "at most 64 characters"),
        (
            "_created_at",
            "0",
            400,
            "Keys starting with _ are the app's own bookkeeping",
        ),
        ("_anything", "x", 400, "Keys starting with _"),
        ("line\nbreak", "x", 400, "control characters"),
        ("colour", long_value.as_str(), 413, "at most 4 KB"),
    ] {
        let res = set(&app, key, value).await;
        assert_eq!(res.status(), status, "{key:?}");
        // The page shows the error's words; the body names the error.
        let shown = res.json::<AppError>().await.unwrap().to_string();
        assert!(shown.contains(message), "{key:?}: {shown}");
        assert_eq!(entries(&app).await, before, "{key:?} changed nothing");
    }
    // At the limits: accepted.
    let longest_key = "k".repeat(KEY_MAX_CHARS);
    let largest_value = "v".repeat(VALUE_MAX_BYTES);
    assert_eq!(set(&app, &longest_key, &largest_value).await.status(), 200);
}

#[tokio::test]
async fn a_new_key_beyond_the_most_a_session_holds_is_refused() {
    let backing = Backing::sqlite().await;
    let app = spawn_on(&backing, Arc::new(Jar::default())).await;
    for i in 0..MAX_KEYS {
        assert_eq!(set(&app, &format!("k{i}"), "v").await.status(), 200);
    }
    let res = set(&app, "one-more", "v").await;
    assert_eq!(res.status(), 422);
    let shown = res.json::<AppError>().await.unwrap().to_string();
    assert!(shown.contains("pop one first"), "{shown}");
    assert_eq!(entries(&app).await.len(), MAX_KEYS);
    // Changing a key the session holds is still fine.
    assert_eq!(set(&app, "k0", "changed").await.status(), 200);
}

#[tokio::test]
async fn bookkeeping_keys_cannot_be_popped() {
    let backing = Backing::sqlite().await;
    let app = spawn_on(&backing, Arc::new(Jar::default())).await;
    app.call("set_session").await;
    let before = inspect(&app).await;
    let held = before.server.session.as_ref().expect("a session");
    assert!(held.began_ms.is_some() && held.absolute_end_ms.is_some());
    for key in ["_created_at", "_refreshed_at", "_anything", " _created_at"] {
        let res = app.call_with("pop_key", &form(&[("key", key)])).await;
        assert_eq!(res.status(), 400, "{key:?}");
        let refused = res.json::<AppError>().await.unwrap();
        assert_eq!(refused, AppError::KeyReserved, "{key:?}");
        assert!(refused.to_string().contains("bookkeeping"), "{refused}");
        // The login time is still there: the absolute lifetime still counts
        // from it, so a visitor cannot switch that timeout off.
        assert_eq!(inspect(&app).await, before, "{key:?} changed nothing");
    }
    let res = app.post_form_with("pop_key", "key=_created_at").await;
    assert_eq!(res.headers()[LOCATION], "/?error=key_reserved");
    assert_eq!(inspect(&app).await, before);
    assert_eq!(app.get("/getsession").await.1, "Welcome Admin");
}

#[tokio::test]
async fn setting_username_through_the_form_is_a_login_with_a_new_id() {
    let backing = Backing::sqlite().await;
    let app = spawn_on(&backing, Arc::new(Jar::default())).await;
    set(&app, "colour", "blue").await;
    let before = app.cookie().unwrap();
    set(&app, "Username", "Grace").await;
    let after = app.cookie().unwrap();
    assert_ne!(before, after, "a new id");
    assert_eq!(app.get("/getsession").await.1, "Welcome Grace");
    let old = app.get_with_cookie("/getsession", &before).await;
    assert_eq!(
        old.text().await.unwrap(),
        "Welcome Anonymous",
        "the old id is dead"
    );
}

#[tokio::test]
async fn without_javascript_the_form_redirects_back_with_the_answer_or_the_error() {
    let backing = Backing::sqlite().await;
    let app = spawn_on(&backing, Arc::new(Jar::default())).await;
    let res = app
        .post_form_with("set_key", &form(&[("key", "colour"), ("value", "blue")]))
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()[LOCATION], "/?answer=key-set");
    let res = app
        .post_form_with("set_key", &form(&[("key", "_x"), ("value", "blue")]))
        .await;
    assert_eq!(res.headers()[LOCATION], "/?error=key_reserved");
    let res = app.post_form_with("pop_key", "key=colour").await;
    assert_eq!(res.headers()[LOCATION], "/?answer=key-popped");
}

#[tokio::test]
async fn concurrent_sets_of_different_keys_all_land() {
    let backing = Backing::sqlite().await;
    let app = spawn_on(&backing, Arc::new(Jar::default())).await;
    set(&app, "start", "1").await;
    let cookie = app.cookie().unwrap();
    let sets = (0..16).map(|i| {
        let body = form(&[("key", &format!("k{i}")), ("value", "v")]);
        let app = &app;
        let cookie = cookie.clone();
        async move { app.call_with_cookie("set_key", &body, &cookie).await }
    });
    for res in futures::future::join_all(sets).await {
        assert_eq!(res.status(), 200);
    }
    assert_eq!(entries(&app).await.len(), 17, "no set lost another's key");
}
