//! Rotating SESSION_SECRET: cookies signed with a previous key keep working
//! and come back signed with the new one; without the old key listed they
//! are anonymous.

use std::sync::Arc;

use leptos_sessions::config::SessionSecret;
use reqwest::cookie::Jar;

use crate::{
    helpers::{set_cookie, settings, spawn_on, spawn_with, TestApp, SECRET},
    stores::Backing,
};

const NEW_SECRET: &str = "rotated-rotated-rotated-rotated-rotated-rotated-rotated-rotated-0001";

async fn app_with(backing: &Backing, current: &str, previous: &[&str]) -> TestApp {
    let mut settings = settings(&backing.url);
    settings.secret = SessionSecret::from_text(current).unwrap();
    settings.previous_secrets = previous
        .iter()
        .map(|s| SessionSecret::from_text(s).unwrap())
        .collect();
    spawn_with(settings, Arc::new(Jar::default())).await
}

#[tokio::test]
async fn a_cookie_signed_with_a_previous_key_is_accepted_and_re_signed() {
    let backing = Backing::sqlite().await;
    let before = spawn_on(&backing, Arc::new(Jar::default())).await;
    before.get("/setsession").await;
    let old_cookie = before.cookie().unwrap();
    // Rotating the key is a restart with new settings.
    before.stop().await;

    let rotated = app_with(&backing, NEW_SECRET, &[SECRET]).await;
    let res = rotated.get_with_cookie("/getsession", &old_cookie).await;
    let (new_cookie, line) = set_cookie(&res).expect("the re-signed cookie");
    assert_eq!(res.text().await.unwrap(), "Welcome Admin");
    assert_ne!(new_cookie, old_cookie);
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age="] {
        assert!(line.contains(attribute), "{attribute} missing from {line}");
    }

    // The re-signed cookie stands on its own once the old key is retired.
    rotated.stop().await;
    let retired = app_with(&backing, NEW_SECRET, &[]).await;
    let res = retired.get_with_cookie("/getsession", &new_cookie).await;
    assert_eq!(res.text().await.unwrap(), "Welcome Admin");
    let res = retired.get_with_cookie("/getsession", &old_cookie).await;
    assert_eq!(res.text().await.unwrap(), "Welcome Anonymous");
}

#[tokio::test]
async fn a_current_cookie_is_not_re_issued_on_every_request() {
    let backing = Backing::sqlite().await;
    let app = app_with(&backing, NEW_SECRET, &[SECRET]).await;
    let res = app.client.get(app.url("/setsession")).send().await.unwrap();
    let (cookie, _) = set_cookie(&res).unwrap();
    let res = app.get_with_cookie("/getsession", &cookie).await;
    assert!(
        set_cookie(&res).is_none(),
        "no Set-Cookie for a current cookie"
    );
    assert_eq!(res.text().await.unwrap(), "Welcome Admin");
}

#[tokio::test]
async fn a_cookie_signed_with_an_unknown_key_is_anonymous() {
    let backing = Backing::sqlite().await;
    let before = spawn_on(&backing, Arc::new(Jar::default())).await;
    before.get("/setsession").await;
    let old_cookie = before.cookie().unwrap();
    before.stop().await;
    let other = "other-other-other-other-other-other-other-other-other-other-other-01";
    let app = app_with(&backing, NEW_SECRET, &[other]).await;
    let res = app.get_with_cookie("/getsession", &old_cookie).await;
    assert_eq!(res.text().await.unwrap(), "Welcome Anonymous");
}
