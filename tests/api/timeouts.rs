//! Idle and absolute timeouts are the server's to enforce: a replayed cookie
//! after either has passed is anonymous, whatever the cookie itself says.
//! (These tests wait for real seconds to pass: that is the behaviour.)

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use leptos_sessions::session::lifetime::Lifetime;
use reqwest::cookie::Jar;

use crate::{
    helpers::{settings, spawn_with, TestApp},
    stores::Backing,
};

async fn app_with(backing: &Backing, idle: u64, absolute: u64) -> TestApp {
    let mut settings = settings(&backing.url);
    settings.lifetime = Lifetime {
        idle: Duration::from_secs(idle),
        absolute: Duration::from_secs(absolute),
    };
    spawn_with(settings, Arc::new(Jar::default())).await
}

async fn replay(app: &TestApp, cookie: &str) -> String {
    let res = app.get_with_cookie("/getsession", cookie).await;
    res.text().await.unwrap()
}

#[tokio::test]
async fn an_idle_session_ends_after_the_idle_timeout() {
    let backing = Backing::sqlite().await;
    let app = app_with(&backing, 2, 3600).await;
    let res = app.client.get(app.url("/setsession")).send().await.unwrap();
    let line = res.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(line.contains("Max-Age=2"), "the cookie says so too: {line}");
    let cookie = app.cookie().unwrap();
    assert_eq!(replay(&app, &cookie).await, "Welcome Admin");

    tokio::time::sleep(Duration::from_millis(3100)).await;
    assert_eq!(replay(&app, &cookie).await, "Welcome Anonymous");
}

#[tokio::test]
async fn a_session_in_use_outlives_the_idle_timeout() {
    let backing = Backing::sqlite().await;
    let app = app_with(&backing, 2, 3600).await;
    app.get("/setsession").await;
    let cookie = app.cookie().unwrap();
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(5) {
        assert_eq!(replay(&app, &cookie).await, "Welcome Admin");
        tokio::time::sleep(Duration::from_millis(400)).await;
    }
}

#[tokio::test]
async fn a_session_in_use_still_ends_at_the_absolute_lifetime() {
    let backing = Backing::redis().await;
    let app = app_with(&backing, 60, 2).await;
    app.get("/setsession").await;
    let cookie = app.cookie().unwrap();
    let started = Instant::now();
    loop {
        let answer = replay(&app, &cookie).await;
        if started.elapsed() < Duration::from_millis(1500) {
            assert_eq!(answer, "Welcome Admin");
        } else if answer == "Welcome Anonymous" {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(4),
            "still {answer} after the absolute lifetime"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(
        backing.count().await,
        Some(0),
        "the session was ended, not just hidden"
    );
}
