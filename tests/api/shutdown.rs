//! Graceful shutdown: a request already in flight finishes, and its session
//! write lands, before the server stops.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use reqwest::cookie::Jar;

use crate::{
    helpers::spawn_on,
    stores::{Backing, TableLock},
};

#[tokio::test]
async fn a_set_in_flight_at_shutdown_finishes_and_its_write_lands() {
    let backing = Backing::postgres().await;
    let jar = Arc::new(Jar::default());
    let mut app = spawn_on(&backing, jar.clone()).await;

    // Hold the session table so the set's write has to wait for us.
    let lock = TableLock::take(&backing).await;

    let request = tokio::spawn({
        let client = app.client.clone();
        let set = app.url("/setsession");
        async move { client.get(set).send().await }
    });

    lock.until_a_write_waits().await;

    app.begin_stop();
    lock.release().await;

    let res = request.await.unwrap().expect("the request was answered");
    assert_eq!(res.status(), 200);
    assert_eq!(res.text().await.unwrap(), "The session has been Set");
    tokio::time::timeout(Duration::from_secs(10), app.stopped())
        .await
        .expect("the server stops once the request is done");
    assert_eq!(backing.count().await, 1, "the write landed");

    let restarted = spawn_on(&backing, jar).await;
    assert_eq!(restarted.get("/getsession").await.1, "Welcome Admin");
}

#[tokio::test]
async fn a_stalled_upload_does_not_hold_shutdown_past_the_grace() {
    use leptos_sessions::startup::SHUTDOWN_GRACE;
    use tokio::io::AsyncWriteExt;

    let mut app = crate::helpers::spawn_app().await;
    // A request whose body never comes: the server is reading it.
    let mut stalled = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    let head = format!(
        "POST /api/save_note HTTP/1.1\r\nHost: {}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nnote=",
        app.addr
    );
    stalled.write_all(head.as_bytes()).await.unwrap();
    // Readiness: the app answers others meanwhile, so it has read ours too.
    assert_eq!(app.get("/livez").await.0, 200);

    let started = Instant::now();
    app.begin_stop();
    tokio::time::timeout(SHUTDOWN_GRACE + Duration::from_secs(5), app.stopped())
        .await
        .expect("the server stops at the end of the grace");
    let took = started.elapsed();
    assert!(
        took >= SHUTDOWN_GRACE - Duration::from_millis(100),
        "the stalled request was given its grace: {took:?}"
    );
    drop(stalled);
}
