//! Another site cannot change a visitor's session: its requests get a 403
//! and the session is left as it was.

use reqwest::RequestBuilder;

use crate::helpers::{spawn_app, TestApp};

async fn refused(app: &TestApp, request: RequestBuilder) {
    let res = request.send().await.unwrap();
    assert_eq!(res.status(), 403);
    assert!(res.headers().get("set-cookie").is_none());
    assert!(res.text().await.unwrap().contains("came from another site"));
    assert_eq!(app.get("/getsession").await.1, "Welcome Admin", "untouched");
}

fn server_fn(app: &TestApp, name: &str) -> RequestBuilder {
    app.client
        .post(app.url(&format!("/api/{name}")))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("")
}

#[tokio::test]
async fn a_cross_site_server_function_call_is_refused() {
    let app = spawn_app().await;
    app.get("/setsession").await;
    for name in ["pop_session", "set_session"] {
        refused(
            &app,
            server_fn(&app, name).header("sec-fetch-site", "cross-site"),
        )
        .await;
        refused(
            &app,
            server_fn(&app, name).header("sec-fetch-site", "same-site"),
        )
        .await;
        // Browsers without Sec-Fetch-Site still send Origin on a POST.
        refused(
            &app,
            server_fn(&app, name).header("origin", "https://evil.example"),
        )
        .await;
    }
}

#[tokio::test]
async fn a_cross_site_link_to_a_changing_plain_route_is_refused() {
    let app = spawn_app().await;
    app.get("/setsession").await;
    for path in ["/popsession", "/setsession"] {
        let request = app
            .client
            .get(app.url(path))
            .header("sec-fetch-site", "cross-site");
        refused(&app, request).await;
    }
}

#[tokio::test]
async fn same_origin_typed_and_non_browser_requests_pass() {
    let app = spawn_app().await;
    let origin = app.url("");
    let res = server_fn(&app, "set_session")
        .header("sec-fetch-site", "same-origin")
        .header("origin", &origin)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let res = server_fn(&app, "get_session")
        .header("origin", &origin)
        .send()
        .await
        .unwrap();
    assert_eq!(res.json::<String>().await.unwrap(), "Welcome Admin");
    // A typed address or a bookmark.
    let res = app
        .client
        .get(app.url("/popsession"))
        .header("sec-fetch-site", "none")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    // Reading is not changing: another site may link to /getsession.
    let res = app
        .client
        .get(app.url("/getsession"))
        .header("sec-fetch-site", "cross-site")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
}
