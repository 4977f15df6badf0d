//! Logs never carry a session id, a cookie or a session value: the server's
//! log of a whole session's life, at the most detailed level, is searched for
//! each of them.

use std::sync::{Arc, Mutex, OnceLock};

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use reqwest::cookie::Jar;
use tracing_subscriber::{fmt::MakeWriter, EnvFilter};

use crate::{cookies::forge_cookie, helpers::spawn_on, stores::Backing};

/// Everything the server side of this test binary logs, from the first app
/// started (every test's app starts through `helpers::spawn_with`).
#[derive(Clone, Default)]
pub struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Captured {
    type Writer = Self;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// Installs the capturing subscriber once per test binary, at `trace` for
/// every crate: the server's own, the HTTP stack's and the store clients'
/// (sqlx, fred), whose logs are the likeliest to carry a key or a cookie.
/// Only the test client's own crates are left out, as the server depends on
/// neither: reqwest, and its cookie jar (`cookie_store`), which logs every
/// cookie it keeps.
pub fn capture() -> &'static Captured {
    static CAPTURED: OnceLock<Captured> = OnceLock::new();
    CAPTURED.get_or_init(|| {
        let captured = Captured::default();
        tracing_subscriber::fmt()
            .with_env_filter(EnvFilter::new("trace,reqwest=off,cookie_store=off"))
            .with_writer(captured.clone())
            .with_ansi(false)
            .init();
        captured
    })
}

/// Runs a session's whole life on one store, checking each answer, and
/// returns the cookies it was given and the fingerprint the page showed.
async fn a_sessions_life(backing: &Backing) -> (Vec<String>, String) {
    let app = spawn_on(backing, Arc::new(Jar::default())).await;
    let kind = backing.url.kind().name;
    let mut cookies = Vec::new();
    let text = |res: reqwest::Response| async move {
        let status = res.status();
        (status.as_u16(), res.text().await.unwrap())
    };
    let anonymous = (200, "Welcome Anonymous".to_owned());

    let set = (200, "The session has been Set".to_owned());
    assert_eq!(app.get("/setsession").await, set, "{kind}");
    cookies.push(app.cookie().expect("a cookie"));
    assert_eq!(app.get("/setsession").await, set, "{kind}");
    cookies.push(app.cookie().expect("a cookie"));
    assert_ne!(cookies[0], cookies[1], "{kind}: a new id on set");
    let res = app.call("get_session").await;
    assert_eq!(res.status(), 200, "{kind}");
    assert_eq!(res.json::<String>().await.unwrap(), "Welcome Admin");
    let retired = app.get_with_cookie("/getsession", &cookies[0]).await;
    assert_eq!(text(retired).await, anonymous, "{kind}: the retired id");
    let planted = app
        .get_with_cookie("/getsession", &forge_cookie(PLANTED_ID))
        .await;
    assert_eq!(text(planted).await, anonymous, "{kind}: a planted id");
    let garbage = app.get_with_cookie("/getsession", NOT_A_COOKIE).await;
    assert_eq!(text(garbage).await, anonymous, "{kind}: garbage");

    let res = app.call_with("save_note", &format!("note={NOTE}")).await;
    assert_eq!(res.status(), 200, "{kind}");
    assert_eq!(res.json::<String>().await.unwrap(), "Note saved");
    let too_long = format!("note={}", LONG_NOTE.repeat(50));
    let (status, refusal) = text(app.call_with("save_note", &too_long).await).await;
    assert_eq!(status, 413, "{kind}: {refusal}");
    let res = app.call("inspect").await;
    assert_eq!(res.status(), 200, "{kind}");
    let inspected: serde_json::Value = res.json().await.unwrap();
    let fingerprint = inspected["browser"]["fingerprint"]
        .as_str()
        .expect("a fingerprint")
        .to_owned();
    let (status, panels) = app.get("/").await;
    assert_eq!(status, 200, "{kind}: {panels}");
    assert!(panels.contains(&fingerprint), "{kind}: the page's panels");
    assert!(panels.contains(NOTE), "{kind}: the note is read back");

    let res = app.post_form("pop_session").await;
    assert_eq!(res.status(), 303, "{kind}: the form's answer is a redirect");
    assert_eq!(app.get("/getsession").await, anonymous, "{kind}: popped");
    assert_eq!(
        app.cookie().as_ref(),
        cookies.last(),
        "{kind}: the note keeps it"
    );
    (cookies, fingerprint)
}

/// Every way a session cookie's value, or the id in it, can show in text: a
/// cookie's value is a signature followed by the id (22 characters of
/// base64); the id also shows as a number in `Debug` output, or as hex.
pub fn forms_of(cookie: &str) -> [String; 6] {
    let id = &cookie[cookie.len() - 22..];
    let bytes: [u8; 16] = URL_SAFE_NO_PAD
        .decode(id)
        .expect("an id")
        .try_into()
        .expect("16 bytes");
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    [
        cookie.to_owned(),
        cookie[..22].to_owned(),
        id.to_owned(),
        i128::from_le_bytes(bytes).to_string(),
        u128::from_le_bytes(bytes).to_string(),
        hex,
    ]
}

const PLANTED_ID: &str = "BBBBBBBBBBBBBBBBBBBBBB";
const NOT_A_COOKIE: &str = "not-a-cookie-value-at-all";
const NOTE: &str = "note-canary-4711";
const LONG_NOTE: &str = "long-canary-";

/// One test, not one per store, so that its name stays the one SECURITY.md
/// cites; each store's session leaves its own id, cookies and fingerprint.
#[tokio::test]
async fn no_session_id_cookie_or_value_reaches_the_log() {
    let log = capture();
    let mut cookies = Vec::new();
    let mut fingerprints = Vec::new();
    for backing in [
        Backing::memory().await,
        Backing::sqlite().await,
        Backing::redis().await,
        Backing::postgres().await,
    ] {
        let (issued, fingerprint) = a_sessions_life(&backing).await;
        cookies.extend(issued);
        fingerprints.push(fingerprint);
    }

    let text = log.text();
    // The server's HTTP layers and each store's client logged: the search
    // below covers them. (The app itself logs only what goes wrong.)
    assert!(text.contains(" TRACE "), "the capture is at trace level");
    for target in ["tower_http::trace", "axum::serve", "sqlx::query", "fred::"] {
        assert!(text.contains(target), "the capture has no {target} line");
    }
    for cookie in &cookies {
        for form in forms_of(cookie) {
            assert!(
                !text.contains(&form),
                "a session id or cookie in the log: {form}"
            );
        }
    }
    for needle in [PLANTED_ID, NOT_A_COOKIE, "Admin", NOTE, LONG_NOTE]
        .into_iter()
        .chain(fingerprints.iter().map(String::as_str))
    {
        assert!(!text.contains(needle), "{needle} in the log");
    }
}
