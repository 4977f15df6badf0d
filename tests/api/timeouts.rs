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

/// Stores keep expiry times to the millisecond and compare them with the
/// same clock as this test; this covers the moments between our reading of
/// the clock and the store's.
const CLOCK_SLACK: Duration = Duration::from_millis(100);

/// Replaying the cookie to see whether the session has ended would keep it
/// alive (a read pushes the idle expiry ahead), so the test waits for the
/// moment after which it must have ended, computed from its last use: no
/// write of the session can have happened after that use returned.
#[tokio::test]
async fn an_idle_session_ends_after_the_idle_timeout() {
    let backing = Backing::sqlite().await;
    let app = app_with(&backing, 3, 3600).await;
    let res = app.client.get(app.url("/setsession")).send().await.unwrap();
    let line = res.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(line.contains("Max-Age=3"), "the cookie says so too: {line}");
    let cookie = app.cookie().unwrap();
    assert_eq!(replay(&app, &cookie).await, "Welcome Admin");
    let last_use = Instant::now();

    tokio::time::sleep_until((last_use + Duration::from_secs(3) + CLOCK_SLACK).into()).await;
    assert_eq!(replay(&app, &cookie).await, "Welcome Anonymous");
}

/// Replays every 250 ms keep the session alive past twice the idle timeout.
/// A read refreshes it once its last refresh is half the idle timeout old,
/// so a replay may stall for most of the other half (about 1.7 s) and still
/// find it.
#[tokio::test]
async fn a_session_in_use_outlives_the_idle_timeout() {
    let backing = Backing::sqlite().await;
    let idle = Duration::from_secs(4);
    let app = app_with(&backing, idle.as_secs(), 3600).await;
    app.get("/setsession").await;
    let cookie = app.cookie().unwrap();
    let started = Instant::now();
    while started.elapsed() < 2 * idle + Duration::from_secs(1) {
        assert_eq!(
            replay(&app, &cookie).await,
            "Welcome Admin",
            "{:?} after the set",
            started.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// A replay answered before the absolute lifetime can have passed is the
/// user's; one sent after it has passed for sure is anonymous; polled until
/// then, with a deadline.
#[tokio::test]
async fn a_session_in_use_still_ends_at_the_absolute_lifetime() {
    let backing = Backing::redis().await;
    let absolute = Duration::from_secs(2);
    let app = app_with(&backing, 60, absolute.as_secs()).await;
    let set_sent = Instant::now();
    app.get("/setsession").await;
    let set_done = Instant::now();
    let cookie = app.cookie().unwrap();
    let mut seen_in_use = 0;
    loop {
        let sent = Instant::now();
        let answer = replay(&app, &cookie).await;
        if set_sent.elapsed() < absolute {
            assert_eq!(
                answer,
                "Welcome Admin",
                "{:?} after the set",
                sent - set_sent
            );
            seen_in_use += 1;
        } else if answer == "Welcome Anonymous" {
            break;
        }
        assert!(
            sent < set_done + absolute + CLOCK_SLACK,
            "still {answer} {:?} after the set: past the absolute lifetime",
            sent - set_sent
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        seen_in_use > 0,
        "no replay was answered before the lifetime ended"
    );
    assert_eq!(
        backing.count().await,
        0,
        "the session was ended, not just hidden"
    );
}
