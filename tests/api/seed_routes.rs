use crate::helpers::spawn_app;

#[tokio::test]
async fn plain_routes_answer_text_plain() {
    let app = spawn_app().await;
    let res = app.client.get(app.url("/getsession")).send().await.unwrap();
    let kind = res.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(kind.starts_with("text/plain"), "{kind}");
}

#[tokio::test]
async fn popping_an_empty_session_is_not_an_error() {
    let app = spawn_app().await;
    assert_eq!(
        app.get("/popsession").await,
        (200, "Session Deleted".into())
    );
    assert_eq!(
        app.get("/popsession").await,
        (200, "Session Deleted".into())
    );
    assert!(app.cookie().is_none(), "nothing to keep, so no cookie");
}

#[tokio::test]
async fn the_cookie_holds_only_an_opaque_signed_id_with_safe_attributes() {
    let app = spawn_app().await;
    let res = app.client.get(app.url("/setsession")).send().await.unwrap();
    let (value, line) = crate::helpers::set_cookie(&res).expect("a session cookie");
    assert!(
        !value.contains("Admin") && !value.contains("Username"),
        "{value}"
    );
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(line.contains(attribute), "{attribute} missing from {line}");
    }
}

#[tokio::test]
async fn pop_ends_the_session_and_removes_the_cookie() {
    let app = spawn_app().await;
    app.get("/setsession").await;
    assert!(app.cookie().is_some());
    let res = app.client.get(app.url("/popsession")).send().await.unwrap();
    let (_, line) = crate::helpers::set_cookie(&res).expect("a removal cookie");
    assert!(line.contains("Max-Age=0"), "{line}");
    assert!(app.cookie().is_none(), "the browser drops the cookie");
}

#[tokio::test]
async fn in_production_the_cookie_is_secure_and_host_only() {
    let app = crate::helpers::spawn_secure_app().await;
    let res = app.client.get(app.url("/setsession")).send().await.unwrap();
    let line = res.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(line.starts_with("__Host-session="), "{line}");
    assert!(
        line.contains("; Secure") && line.contains("Path=/"),
        "{line}"
    );
    assert!(
        !line.contains("Domain="),
        "a __Host- cookie must be host-only: {line}"
    );
}

#[tokio::test]
async fn pop_removes_the_cookie_with_the_attributes_it_was_set_with() {
    let app = crate::helpers::spawn_secure_app().await;
    let res = app.client.get(app.url("/setsession")).send().await.unwrap();
    let set = res.headers()["set-cookie"].to_str().unwrap().to_owned();
    let value = set.split(';').next().unwrap().to_owned();
    let res = app
        .client
        .get(app.url("/popsession"))
        .header("cookie", &value)
        .send()
        .await
        .unwrap();
    let removal = res.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(removal.starts_with("__Host-session="), "{removal}");
    assert!(removal.contains("Max-Age=0"), "{removal}");
    // A __Host- cookie is only replaced by one with the same attributes;
    // browsers ignore a removal without Secure.
    for attribute in ["Secure", "HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(
            removal.contains(attribute),
            "{attribute} missing from {removal}"
        );
    }
}
