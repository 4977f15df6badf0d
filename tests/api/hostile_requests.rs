//! One test per class of refusal the hostile-request fuzzer
//! (`loadgen fuzz`) found answered wrongly: each was a 500 or a call that
//! ran on a body it could not have meant.

use reqwest::{header, StatusCode};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

use crate::helpers::{spawn_app, TestApp, SERVER_FUNCTIONS};

/// What the server sends back for `bytes` on a new connection, until it closes.
async fn raw(app: &TestApp, bytes: &[u8]) -> String {
    let mut stream = TcpStream::connect(app.addr).await.unwrap();
    stream.write_all(bytes).await.unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.unwrap();
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test]
async fn a_request_target_that_is_not_a_path_is_a_400_with_a_message() {
    let app = spawn_app().await;
    // `*` was answered with the page's 404 after a render that looked for
    // a session the fallback does not have (an error in the log each time).
    for target in ["*", "127.0.0.1:80"] {
        for method in ["GET", "POST", "OPTIONS"] {
            let req = format!(
                "{method} {target} HTTP/1.1\r\nHost: {}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                app.addr
            );
            let answer = raw(&app, req.as_bytes()).await;
            let first = answer.lines().next().unwrap_or_default();
            assert!(
                first.starts_with("HTTP/1.1 400"),
                "{method} {target}: {first}"
            );
            assert!(
                answer.contains("its target must be a path"),
                "{method} {target}: {answer}"
            );
        }
    }
    // The absolute form names a path, and is answered as that path.
    let req = format!(
        "GET http://{0}/getsession HTTP/1.1\r\nHost: {0}\r\nConnection: close\r\n\r\n",
        app.addr
    );
    let answer = raw(&app, req.as_bytes()).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.ends_with("Welcome Anonymous"), "{answer}");
}

#[tokio::test]
async fn a_body_that_is_not_a_form_is_a_415_for_every_server_function() {
    let app = spawn_app().await;
    app.get("/setsession").await;
    assert_eq!(
        app.call_with("set_key", "key=colour&value=blue")
            .await
            .status(),
        200
    );
    let bodies = [
        ("application/json", r#"{"key":"colour"}"#),
        ("text/plain", "key=colour"),
        ("multipart/form-data; boundary=x", "--x--\r\n"),
        ("application/cbor", "\u{1}"),
        ("", "key=colour"),
    ];
    for name in SERVER_FUNCTIONS {
        for (kind, body) in bodies {
            let mut req = app
                .client
                .post(app.url(&format!("/api/{name}")))
                .header(header::ACCEPT, "application/json");
            if !kind.is_empty() {
                req = req.header(header::CONTENT_TYPE, kind);
            }
            let res = req.body(body).send().await.unwrap();
            let status = res.status();
            let text = res.text().await.unwrap();
            assert_eq!(
                status,
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "{name} {kind:?}: {text}"
            );
            assert!(
                text.contains("application/x-www-form-urlencoded"),
                "{name} {kind:?}: {text}"
            );
        }
    }
    assert_eq!(
        app.get("/getsession").await.1,
        "Welcome Admin",
        "nothing ran"
    );
    let keys: serde_json::Value = app.call("list_keys").await.json().await.unwrap();
    assert!(
        keys.to_string().contains("colour"),
        "the key is still there: {keys}"
    );
    // An empty body says nothing about its type: a bodiless call still works.
    let res = app
        .client
        .post(app.url("/api/get_session"))
        .header(header::ACCEPT, "application/json")
        .header(header::CONTENT_TYPE, "text/plain")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn a_request_whose_client_hangs_up_still_finishes_and_its_write_lands() {
    use std::{sync::Arc, time::Duration};

    use crate::{
        helpers::spawn_on,
        stores::{Backing, TableLock},
    };

    let backing = Backing::postgres().await;
    let app = spawn_on(&backing, Arc::new(reqwest::cookie::Jar::default())).await;
    // Hold the session table so the set's write has to wait for us.
    let lock = TableLock::take(&backing).await;

    let mut stream = TcpStream::connect(app.addr).await.unwrap();
    let req = format!("GET /setsession HTTP/1.1\r\nHost: {}\r\n\r\n", app.addr);
    stream.write_all(req.as_bytes()).await.unwrap();
    lock.until_a_write_waits().await;
    // The visitor leaves: the server sees its side of the connection close.
    let ours = stream.local_addr().unwrap();
    stream.shutdown().await.unwrap();
    drop(stream);
    // Only once the server has closed the connection in turn has it seen
    // the hang-up (and dropped whatever it ties to it); before that, the
    // write could land before the close is even noticed.
    until_closed_by_the_server(ours, app.addr).await;
    lock.release().await;

    // The write lands all the same (before, hyper dropped the request and
    // its write with it; a page dropped so also kept its memory for good).
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while backing.count().await != 1 {
        assert!(
            std::time::Instant::now() < deadline,
            "the write never landed"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Waits until the kernel shows our side of the connection `ours` -> `server`
/// in `TIME_WAIT` (or gone): the state it enters once the server, having
/// read our close, closes its side too.
async fn until_closed_by_the_server(ours: std::net::SocketAddr, server: std::net::SocketAddr) {
    use std::time::{Duration, Instant};

    let hex = |addr: std::net::SocketAddr| match addr {
        std::net::SocketAddr::V4(v4) => format!(
            "{:08X}:{:04X}",
            u32::from_le_bytes(v4.ip().octets()),
            v4.port()
        ),
        std::net::SocketAddr::V6(_) => unreachable!("the tests bind IPv4 loopback"),
    };
    let (local, remote) = (hex(ours), hex(server));
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut seen = false;
    loop {
        let table = std::fs::read_to_string("/proc/net/tcp").expect("/proc/net/tcp");
        // Columns: slot, local address, remote address, state (06: TIME_WAIT).
        let state = table.lines().skip(1).find_map(|line| {
            let cols: Vec<_> = line.split_whitespace().collect();
            (cols.get(1) == Some(&local.as_str()) && cols.get(2) == Some(&remote.as_str()))
                .then(|| cols[3].to_owned())
        });
        match state.as_deref() {
            // Gone only after it was seen: a typo in the address must not pass.
            None if seen => return,
            None => panic!("our connection {local} -> {remote} is not in /proc/net/tcp"),
            Some("06") => return,
            Some(_) => seen = true,
        }
        assert!(
            Instant::now() < deadline,
            "the server never closed the connection its client hung up"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}
