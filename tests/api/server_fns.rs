use reqwest::header::LOCATION;

use crate::helpers::spawn_app;

/// The text of the page's `role="status"` element as the HTML has it, so a
/// browser without JavaScript shows it (not streamed in for a script to place).
pub fn status_line(page: &str) -> String {
    let start = page.find("role=\"status\"").expect("a status element");
    let inner = &page[start..];
    let inner = &inner[inner.find('>').unwrap() + 1..inner.find("</p>").unwrap()];
    let mut text = String::new();
    let mut in_tag = false;
    for c in inner.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    text.trim().to_owned()
}

#[tokio::test]
async fn a_form_post_without_javascript_redirects_back_with_the_answer() {
    let app = spawn_app().await;
    for (name, op, answer) in [
        ("set_session", "set", "The session has been Set"),
        ("get_session", "get", "Welcome Admin"),
        ("pop_session", "pop", "Session Deleted"),
        ("get_session", "get", "Welcome Anonymous"),
    ] {
        let res = app.post_form(name).await;
        assert_eq!(res.status(), 303, "{name}");
        let target = res.headers()[LOCATION].to_str().unwrap().to_owned();
        assert_eq!(target, format!("/?answer={op}"));
        let (status, page) = app.get(&target).await;
        assert_eq!(status, 200);
        assert_eq!(status_line(&page), answer, "{name}");
    }
}

#[tokio::test]
async fn page_and_plain_routes_share_one_session() {
    let app = spawn_app().await;
    app.call("set_session").await;
    assert_eq!(app.get("/getsession").await.1, "Welcome Admin");
    app.get("/popsession").await;
    let res = app.call("get_session").await;
    assert_eq!(res.json::<String>().await.unwrap(), "Welcome Anonymous");
}

#[tokio::test]
async fn the_page_renders_the_three_buttons_and_a_status_line() {
    let app = spawn_app().await;
    let (status, page) = app.get("/").await;
    assert_eq!(status, 200);
    for name in ["Set session", "Get session", "Pop session"] {
        assert!(
            page.contains(&format!(">{name}</button>")),
            "missing button {name}"
        );
    }
    assert!(page.contains("role=\"status\""));
    assert!(
        page.contains("action=\"/api/set_session\""),
        "forms post to the server fn"
    );
}

#[tokio::test]
async fn a_hand_written_answer_in_the_url_cannot_put_text_on_the_page() {
    let app = spawn_app().await;
    let (status, page) = app.get("/?answer=Welcome%20Mallory&error=%3Cb%3E").await;
    assert_eq!(status, 200);
    assert!(!page.contains("Mallory") && !page.contains("<b>"));
}

#[tokio::test]
async fn unknown_pages_and_server_functions_are_4xx() {
    let app = spawn_app().await;
    assert_eq!(app.get("/no-such-page").await.0, 404);
    let res = app.call("no_such_fn").await;
    assert!(res.status().is_client_error(), "{}", res.status());
}

/// A client of the server functions without the page (curl, a script) reads
/// what was refused and why from the body: the code the page acts on, and
/// the page's own words, with the limit.
#[tokio::test]
async fn a_refusal_reaches_an_api_client_with_its_code_and_a_message_naming_the_limit() {
    let app = spawn_app().await;
    let long_key = "k".repeat(65);
    let long_value = format!("key=colour&value={}", "v".repeat(4097));
    let long_note = format!("note={}", "n".repeat(501));
    let key = format!("key={long_key}&value=v");
    for (server_fn, body, status, code, says) in [
        (
            "save_note",
            long_note.as_str(),
            413,
            "note_too_long",
            "at most 500 characters",
        ),
        (
            "set_key",
            key.as_str(),
            400,
            "key_too_long",
            "at most 64 characters",
        ),
        (
            "set_key",
            long_value.as_str(),
            413,
            "value_too_long",
            "at most 4 KB",
        ),
        (
            "set_key",
            "key=_mine&value=v",
            400,
            "key_reserved",
            "bookkeeping",
        ),
        (
            "pop_key",
            "key=_created_at",
            400,
            "key_reserved",
            "bookkeeping",
        ),
    ] {
        let res = app.call_with(server_fn, body).await;
        assert_eq!(res.status(), status, "{server_fn} {code}");
        let body: serde_json::Value = res.json().await.unwrap();
        assert_eq!(body["code"], code, "{body}");
        let message = body["message"].as_str().unwrap_or_default();
        assert!(message.contains(says), "{code}: {body}");
    }
}
