//! The workbench's inspector: what the browser and the server hold of a
//! session, as data (`inspect`) and as the panels the page renders.

use std::sync::Arc;

use leptos_sessions::session::inspect::Inspection;
use reqwest::cookie::Jar;

use crate::{
    helpers::{spawn_on, TestApp},
    store_tests,
    stores::Backing,
    workbench::{pairs, set},
};

store_tests!([memory, sqlite, redis, postgres, redis_cluster, redis_sentinel] => [
    the_inspector_shows_both_sides_and_a_new_id_after_set,
]);

async fn inspect(app: &TestApp) -> Inspection {
    let res = app.call("inspect").await;
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

async fn the_inspector_shows_both_sides_and_a_new_id_after_set(backing: Backing) {
    let app = spawn_on(&backing, Arc::new(Jar::default())).await;
    let empty = inspect(&app).await;
    assert_eq!(empty.browser.cookie, "session");
    assert_eq!(empty.browser.fingerprint, None);
    assert_eq!(empty.server.session, None);
    let label = match backing.url.kind().name {
        "sqlite" => "SQLite",
        "postgres" => "PostgreSQL",
        "redis" => "Redis",
        _ => "memory",
    };
    assert_eq!(empty.server.store, label);
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=1800"] {
        assert!(
            empty.browser.attributes.iter().any(|a| a == attribute),
            "{attribute}: {:?}",
            empty.browser.attributes
        );
    }

    set(&app, "colour", "blue").await;
    let first = inspect(&app).await;
    let held = first.server.session.clone().expect("a stored session");
    assert_eq!(
        first.browser.fingerprint.as_deref(),
        Some(held.fingerprint.as_str()),
        "the two sides match"
    );
    let entries: Vec<_> = held
        .entries
        .iter()
        .map(|entry| (entry.key.clone(), entry.value.clone()))
        .collect();
    assert_eq!(entries, pairs(&[("colour", "blue")]));
    let cookie = app.cookie().unwrap();
    assert!(!cookie.contains(&held.fingerprint.replace('-', "")));
    let began = held.began_ms.expect("when it began");
    assert!(held.idle_end_ms > began && held.idle_end_ms <= began + 1_800_000 + 5_000);
    assert_eq!(held.absolute_end_ms, Some(began + 12 * 3_600_000));

    app.call("set_session").await;
    let second = inspect(&app).await;
    let held_again = second.server.session.expect("a stored session");
    assert_ne!(
        held_again.fingerprint, held.fingerprint,
        "Set session cycled the id"
    );
    assert_eq!(
        second.browser.fingerprint,
        Some(held_again.fingerprint.clone())
    );
    assert_eq!(
        inspect(&app).await.browser.fingerprint,
        Some(held_again.fingerprint),
        "stable for one id"
    );

    app.call("clear_session").await;
    let after = inspect(&app).await;
    assert_eq!(after.browser.fingerprint, None, "the cookie is gone");
    assert_eq!(after.server.session, None);
}

#[tokio::test]
async fn the_page_renders_both_panels_escaped_private_and_without_the_id() {
    let backing = Backing::sqlite().await;
    let app = spawn_on(&backing, Arc::new(Jar::default())).await;
    let read = || async {
        let res = app.client.get(app.url("/")).send().await.unwrap();
        assert_eq!(res.status(), 200);
        assert_eq!(res.headers()["cache-control"], "no-store");
        let page = res.text().await.unwrap();
        // A signed cookie is the signature (44 characters) then the id (22).
        if let Some(cookie) = app.cookie() {
            let id = &cookie[cookie.len() - 22..];
            assert!(!page.contains(id), "the id itself never reaches the page");
        }
        // The panels as HTML, less the data the page carries for hydration.
        let body = &page[page.find("<body").expect("a body")..];
        let html = body.split("<script").next().unwrap_or_default().to_owned();
        let at = |heading: &str| {
            html.find(heading)
                .unwrap_or_else(|| panic!("{heading}: {html}"))
        };
        let (browser, server) = (at(">In your browser<"), at(">On the server<"));
        (html[browser..server].to_owned(), html[server..].to_owned())
    };
    let (browser, server) = read().await;
    assert!(browser.contains("None: this browser holds no session cookie."));
    assert!(server.contains("No session: the store holds nothing"));

    set(&app, "<i>", "</pre><script>alert(1)</script>").await;
    set(&app, "size", r#"{"w":3}"#).await;
    let (browser, server) = read().await;
    assert!(!server.contains("<script>"), "{server}");
    assert!(server.contains("&lt;/pre&gt;&lt;script&gt;"), "{server}");
    assert!(server.contains(r#"value="&lt;i&gt;""#), "{server}");
    assert!(
        server.contains("{\n  \"w\": 3\n}"),
        "JSON is indented: {server}"
    );
    let print = inspect(&app).await.browser.fingerprint.unwrap();
    assert_eq!(browser.matches(&print).count(), 1);
    assert_eq!(server.matches(&print).count(), 1);
    assert!(server.contains("the same id as the browser"));
}
