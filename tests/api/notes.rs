//! The visitor's note: a second key in the session, so a pop can leave
//! something behind, and a value whose size the server bounds.

use std::time::Duration;

use leptos_sessions::error::AppError;
use reqwest::header::{CONTENT_TYPE, LOCATION};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

use crate::{
    helpers::{set_cookie, spawn_app, spawn_on, TestApp},
    server_fns::status_line,
    stores::Backing,
};

async fn saved(app: &TestApp, note: &str) -> reqwest::Response {
    let body = format!("note={}", urlencode(note));
    app.call_with("save_note", &body).await
}

fn urlencode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

async fn note(app: &TestApp) -> Option<String> {
    app.call("get_note").await.json().await.unwrap()
}

#[tokio::test]
async fn a_pop_leaves_a_session_that_still_holds_a_note() {
    let backing = Backing::sqlite().await;
    let app = spawn_on(&backing, Default::default()).await;
    app.call("set_session").await;
    assert_eq!(
        saved(&app, "buy milk")
            .await
            .json::<String>()
            .await
            .unwrap(),
        "Note saved"
    );
    let cookie = app.cookie().expect("a session");

    let pop = app.call("pop_session").await;
    assert_eq!(pop.json::<String>().await.unwrap(), "Session Deleted");
    assert_eq!(app.get("/getsession").await.1, "Welcome Anonymous");
    assert_eq!(note(&app).await.as_deref(), Some("buy milk"));
    assert_eq!(backing.count().await, 1, "the session is kept");
    assert_eq!(app.cookie(), Some(cookie), "the cookie is kept");
}

#[tokio::test]
async fn clearing_the_note_of_a_session_without_a_user_ends_it() {
    let backing = Backing::sqlite().await;
    let app = spawn_on(&backing, Default::default()).await;
    saved(&app, "buy milk").await;
    assert_eq!(backing.count().await, 1, "a note starts a session");

    let cleared = saved(&app, "   ").await;
    let (_, line) = set_cookie(&cleared).expect("a removal cookie");
    assert!(line.contains("Max-Age=0"), "{line}");
    assert_eq!(cleared.json::<String>().await.unwrap(), "Note cleared");
    assert_eq!(backing.count().await, 0);
}

#[tokio::test]
async fn a_note_over_500_characters_is_refused_and_the_old_one_kept() {
    let app = spawn_app().await;
    saved(&app, "buy milk").await;
    let full = "é".repeat(500);
    assert_eq!(saved(&app, &full).await.status(), 200);

    let res = saved(&app, &"é".repeat(501)).await;
    assert_eq!(res.status(), 413);
    let refused = res.json::<AppError>().await.unwrap();
    assert_eq!(refused, AppError::NoteTooLong);
    // What the page shows for it names the limit.
    assert!(
        refused.to_string().contains("at most 500 characters"),
        "{refused}"
    );
    assert_eq!(note(&app).await, Some(full));
}

#[tokio::test]
async fn a_body_over_16_kb_is_refused_with_a_message_whether_or_not_it_says_its_length() {
    let app = spawn_app().await;
    saved(&app, "buy milk").await;
    let big = format!("note={}", "a".repeat(64 * 1024));
    let res = app.call_with("save_note", &big).await;
    assert_eq!(res.status(), 413);
    assert!(res.text().await.unwrap().contains("at most 16 KB"));

    let chunks = futures::stream::iter((0..64).map(|_| Ok::<_, std::io::Error>(vec![b'a'; 1024])));
    let res = app
        .client
        .post(app.url("/api/save_note"))
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(reqwest::Body::wrap_stream(chunks))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 413, "{}", res.text().await.unwrap());
    assert_eq!(note(&app).await.as_deref(), Some("buy milk"));
}

/// A client that announces a large upload is answered at once, before it
/// sends a byte of it: no waiting on, or reading of, what would be refused.
#[tokio::test]
async fn a_body_that_says_it_is_over_16_kb_is_refused_before_it_is_sent() {
    let app = spawn_app().await;
    let mut stream = TcpStream::connect(app.addr).await.unwrap();
    let head = format!(
        "POST /api/save_note HTTP/1.1\r\nHost: {}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        app.addr,
        16 * 1024 + 1
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    // The body never comes: an answer must not wait for it.
    let read = tokio::time::timeout(Duration::from_secs(10), async {
        let mut buf = [0; 4096];
        while !String::from_utf8_lossy(&answer).contains("at most 16 KB") {
            match stream.read(&mut buf).await.unwrap() {
                0 => break,
                n => answer.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    let answer = String::from_utf8_lossy(&answer);
    assert!(read.is_ok(), "no answer without the body: {answer:?}");
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("at most 16 KB"), "{answer}");

    // 16 KB itself is within the limit: read, and judged as a note.
    let exact = format!("note={}", "a".repeat(16 * 1024 - "note=".len()));
    let res = app.call_with("save_note", &exact).await;
    assert_eq!(res.status(), 413);
    let body = res.text().await.unwrap();
    assert_eq!(
        serde_json::from_str::<AppError>(&body).ok(),
        Some(AppError::NoteTooLong),
        "{body}"
    );
}

#[tokio::test]
async fn a_note_saved_without_javascript_is_shown_in_the_page_escaped() {
    let app = spawn_app().await;
    let res = app
        .client
        .post(app.url("/api/save_note"))
        .header("accept", "text/html")
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(format!("note={}", urlencode("<b>milk</b> & eggs")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let target = res.headers()[LOCATION].to_str().unwrap().to_owned();
    assert_eq!(target, "/?answer=note-saved");

    let (status, page) = app.get(&target).await;
    assert_eq!(status, 200);
    assert_eq!(status_line(&page), "Note saved");
    assert!(
        page.contains(r#"value="&lt;b&gt;milk&lt;/b&gt; &amp; eggs""#),
        "the field holds the note, escaped"
    );
    assert!(!page.contains("<b>milk"));
}
