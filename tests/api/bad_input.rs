//! Bad input gets a 4xx with a message, or a fresh anonymous session for a
//! bad cookie; never a 5xx, and no other session is touched.

use proptest::prelude::*;
use reqwest::{header, StatusCode};

use crate::helpers::{spawn_app, TestApp, SERVER_FUNCTIONS};

async fn still_admin(app: &TestApp) {
    assert_eq!(app.get("/getsession").await.1, "Welcome Admin");
}

#[tokio::test]
async fn oversized_and_duplicated_cookies_are_a_fresh_anonymous_session() {
    let app = spawn_app().await;
    app.get("/setsession").await;
    let good = app.cookie().unwrap();
    let huge = "A".repeat(5000);
    for header_value in [
        format!("session={huge}"),
        format!("session=junk; session={good}"),
        format!("session={good}; session=junk"),
        format!("session={good}; session={good}x"),
        format!("session={good}; session={good}"),
    ] {
        let res = reqwest::Client::new()
            .get(app.url("/getsession"))
            .header(header::COOKIE, &header_value)
            .send()
            .await
            .unwrap();
        let status = res.status();
        let body = res.text().await.unwrap();
        assert!(
            status == 200,
            "{status} {body} for {}",
            &header_value[..40.min(header_value.len())]
        );
        // Two of ours, in either order: neither is trusted.
        assert_eq!(
            body,
            "Welcome Anonymous",
            "for {}",
            &header_value[..40.min(header_value.len())]
        );
    }
    still_admin(&app).await;
}

/// What a session holds, as its visitor sees it: the cookie (a changed id
/// shows there), the answer, and every key with its value.
async fn snapshot(app: &TestApp) -> (Option<String>, String, serde_json::Value) {
    let keys = app.call("list_keys").await;
    assert_eq!(keys.status(), 200);
    let keys = keys.json().await.unwrap();
    (app.cookie(), app.get("/getsession").await.1, keys)
}

#[tokio::test]
async fn malformed_server_function_calls_are_4xx_with_a_message() {
    let app = spawn_app().await;
    app.get("/setsession").await;
    assert_eq!(app.call_with("save_note", "note=kept").await.status(), 200);
    let res = app.call_with("set_key", "key=colour&value=blue").await;
    assert_eq!(res.status(), 200);
    let before = snapshot(&app).await;
    assert_eq!(before.1, "Welcome Admin");

    let form = "application/x-www-form-urlencoded";
    // (function, Content-Type, body, what the message names)
    let not_a_form = "application/x-www-form-urlencoded, as the page's forms do";
    // (function, Content-Type, body, what the message names)
    let cases: [(&str, &str, String, &str); 13] = [
        (
            "set_session",
            form,
            "%%%=%%%&".repeat(2000),
            "Multiple values",
        ),
        ("pop_session", form, "a=1&a=2".into(), "Multiple values"),
        ("clear_session", form, "a=1&a=2".into(), "Multiple values"),
        ("set_key", form, "key".into(), "missing field `value`"),
        (
            "set_key",
            form,
            "key=a&key=b&value=c".into(),
            "Multiple values",
        ),
        ("save_note", form, "note=a&note=b".into(), "Multiple values"),
        // Leptos reads any body as a form: before the guard refused other
        // types, these were half-read and ran (a pop, a clear, a new id).
        ("set_key", "application/json", "{{{".into(), not_a_form),
        (
            "set_key",
            "application/json",
            r#"{"key":"a","value":"b"}"#.into(),
            not_a_form,
        ),
        ("save_note", "application/json", "{{{".into(), not_a_form),
        ("set_session", "application/json", "{{{".into(), not_a_form),
        ("pop_session", "text/plain", "hello".into(), not_a_form),
        (
            "clear_session",
            "application/cbor",
            "\u{1}".into(),
            not_a_form,
        ),
        (
            "pop_key",
            "multipart/form-data; boundary=x",
            "--x\r\nContent-Disposition: form-data; name=\"key\"\r\n\r\ncolour\r\n--x--\r\n".into(),
            not_a_form,
        ),
    ];
    for (name, kind, body, names) in cases {
        let res = app
            .client
            .post(app.url(&format!("/api/{name}")))
            .header(header::CONTENT_TYPE, kind)
            .body(body)
            .send()
            .await
            .unwrap();
        let status = res.status();
        let text = res.text().await.unwrap();
        assert!(status.is_client_error(), "{name} {kind}: {status} {text}");
        assert!(text.contains(names), "{name} {kind}: {status} {text}");
        assert_eq!(
            snapshot(&app).await,
            before,
            "{name} {kind}: the session changed"
        );
    }
    let res = app.call("no_such_function").await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert!(res.text().await.unwrap().contains("Page not found"));
    assert_eq!(snapshot(&app).await, before);
}

#[tokio::test]
async fn an_unparsable_form_is_a_400_naming_the_problem_not_a_500() {
    let app = spawn_app().await;
    let res = app
        .client
        .post(app.url("/api/set_session"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body("a=1&a=2")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(res.text().await.unwrap().contains("Multiple values"));
    assert!(app.cookie().is_none(), "nothing was set");
}

#[tokio::test]
async fn a_body_that_is_not_utf8_is_a_400_for_every_server_function_and_type() {
    let app = spawn_app().await;
    app.get("/setsession").await;
    let kinds = [
        "text/plain",
        "application/x-www-form-urlencoded",
        "application/json",
        "application/cbor",
        "multipart/form-data",
        "",
    ];
    let bodies: [&[u8]; 3] = [b"\xff\xfe", b"note=\xff", b"key=a&value=\xc3"];
    for name in SERVER_FUNCTIONS {
        for kind in kinds {
            for body in bodies {
                let mut req = app.client.post(app.url(&format!("/api/{name}")));
                if !kind.is_empty() {
                    req = req.header(header::CONTENT_TYPE, kind);
                }
                let res = req.body(body.to_vec()).send().await.unwrap();
                let status = res.status();
                let text = res.text().await.unwrap();
                assert_eq!(
                    status,
                    StatusCode::BAD_REQUEST,
                    "{name} {kind:?} {body:?}: {text}"
                );
                assert!(text.contains("not UTF-8"), "{name} {kind:?}: {text}");
            }
        }
    }
    // (Percent-encoded bytes that are not UTF-8 are text: the form
    // encoding decodes them to U+FFFD, as browsers do.)
    assert_eq!(
        app.get("/getsession").await.1,
        "Welcome Admin",
        "nothing changed"
    );
}

#[tokio::test]
async fn an_unparsable_query_to_the_panels_read_is_a_400_not_a_500() {
    let app = spawn_app().await;
    let (status, body) = app.get("/inspector/panels?a=1&a=2").await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("Multiple values"), "{body}");
}

/// Starts every made-up query text, so that any copy of one on the page,
/// raw or escaped (it is letters only, which no escaping changes), shows.
const MARK: &str = "qzxReflectedqzx";

/// What a client may put in `?answer=` or `?error=`: one of the app's own
/// codes (the page words it), or text of its own behind [`MARK`].
fn query_text() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "set",
            "get",
            "pop",
            "key-set",
            "key-popped",
            "cleared",
            "note-saved",
            "store_unavailable",
            "key_reserved",
            "note_too_long",
            "internal",
            "",
        ])
        .prop_map(str::to_owned),
        "[ -~]{0,40}".prop_map(|text| format!("{MARK}{text}")),
        "\\PC{0,20}".prop_map(|text| format!("{MARK}{text}")),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    /// Whatever a client puts in the cookie or the page's query, the answer is
    /// never a 5xx, and the page shows only text the app wrote.
    #[test]
    fn no_cookie_or_query_makes_a_5xx(cookie in "[ -~]{0,300}", answer in query_text(), error in query_text()) {
        let rt = runtime();
        rt.block_on(async {
            let app = app().await;
            let res = reqwest::Client::new()
                .get(app.url("/"))
                .query(&[("answer", &answer), ("error", &error)])
                .header(header::COOKIE, format!("session={cookie}"))
                .send()
                .await
                .unwrap();
            prop_assert!(res.status().as_u16() < 500, "{}", res.status());
            let page = res.text().await.unwrap();
            prop_assert!(!page.contains(MARK), "the query's text is on the page: {answer:?} {error:?}");
            Ok(())
        })?;
    }
}

fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: std::sync::OnceLock<tokio::runtime::Runtime> = std::sync::OnceLock::new();
    RT.get_or_init(|| tokio::runtime::Runtime::new().unwrap())
}

async fn app() -> &'static TestApp {
    static APP: tokio::sync::OnceCell<TestApp> = tokio::sync::OnceCell::const_new();
    APP.get_or_init(spawn_app).await
}
