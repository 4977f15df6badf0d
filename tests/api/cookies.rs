//! Cookies the server did not issue are never trusted or adopted.

use leptos_sessions::config::SessionSecret;

use crate::helpers::{spawn_app, COOKIE as NAME, SECRET};

/// A cookie for `id` signed with the server's own key: what an attacker
/// would need to plant an id, and the only way to name an unknown one.
pub fn forge_cookie(id: &str) -> String {
    let key = SessionSecret::from_text(SECRET).unwrap();
    let mut jar = cookie::CookieJar::new();
    jar.signed_mut(key.key())
        .add(cookie::Cookie::new(NAME, id.to_owned()));
    jar.get(NAME).unwrap().value().to_owned()
}

#[tokio::test]
async fn a_tampered_cookie_is_a_new_anonymous_session() {
    let app = spawn_app().await;
    app.get("/setsession").await;
    let good = app.cookie().expect("a session cookie");
    // The value is the signature (base64 of an HMAC-SHA256: 44 characters)
    // and then the id. A changed signature in front of the real id is the
    // case that shows the signature is checked at all: a changed id would
    // name no session even unchecked.
    let (signature, id) = good.split_at(44);
    let flipped = |text: &str, at: usize| {
        let mut bytes = text.as_bytes().to_vec();
        bytes[at] = if bytes[at] == b'A' { b'B' } else { b'A' };
        String::from_utf8(bytes).unwrap()
    };
    for tampered in [
        format!("{}{id}", flipped(signature, 0)),
        format!("{}{id}", flipped(signature, 20)),
        format!("{signature}{}", flipped(id, id.len() - 1)),
        id.to_owned(),
    ] {
        let res = app.get_with_cookie("/getsession", &tampered).await;
        assert_eq!(res.status(), 200, "{tampered}");
        assert_eq!(res.text().await.unwrap(), "Welcome Anonymous", "{tampered}");
    }

    // The real cookie still works: a forgery touched no other session.
    assert_eq!(app.get("/getsession").await.1, "Welcome Admin");
}

#[tokio::test]
async fn garbage_cookies_are_ignored_not_errors() {
    let app = spawn_app().await;
    for value in ["", "x", "%%%", &"A".repeat(3000), "a.b.c;d"] {
        let res = app.get_with_cookie("/getsession", value).await;
        assert_eq!(res.status(), 200, "cookie {value:?}");
        assert_eq!(res.text().await.unwrap(), "Welcome Anonymous");
    }
}
