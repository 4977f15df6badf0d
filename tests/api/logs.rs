//! Logs never carry a session id, a cookie or a session value: the server's
//! log of a whole session's life, at the most detailed level, is searched for
//! each of them.

use std::sync::{Arc, Mutex, OnceLock};

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use tracing_subscriber::{fmt::MakeWriter, EnvFilter};

use crate::{cookies::forge_cookie, helpers::spawn_app};

/// Everything the server side of this test binary logs, from the first app
/// started (every test's app starts through `helpers::spawn_with`).
#[derive(Clone, Default)]
pub struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    fn text(&self) -> String {
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

/// Installs the capturing subscriber once per test binary. The test client
/// (reqwest, hyper's client side) is left out: it is not the server's log.
pub fn capture() -> &'static Captured {
    static CAPTURED: OnceLock<Captured> = OnceLock::new();
    CAPTURED.get_or_init(|| {
        let captured = Captured::default();
        let filter = EnvFilter::new(
            "info,leptos_sessions=trace,tower_http=trace,axum=trace,leptos_axum=trace",
        );
        tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(captured.clone())
            .with_ansi(false)
            .init();
        captured
    })
}

#[tokio::test]
async fn no_session_id_cookie_or_value_reaches_the_log() {
    let log = capture();
    let app = spawn_app().await;
    let mut secrets = Vec::new();

    app.get("/setsession").await;
    secrets.push(app.cookie().expect("a cookie"));
    app.get("/setsession").await; // a new id
    secrets.push(app.cookie().expect("a cookie"));
    app.call("get_session").await;
    app.get_with_cookie("/getsession", &secrets[0]).await; // a retired id
    let planted = forge_cookie("BBBBBBBBBBBBBBBBBBBBBB");
    app.get_with_cookie("/getsession", &planted).await;
    app.get_with_cookie("/getsession", "not-a-cookie-value-at-all")
        .await;
    app.call_with("save_note", "note=note-canary-4711").await;
    let too_long = format!("note={}", "long-canary-".repeat(50));
    app.call_with("save_note", &too_long).await;
    let inspected: serde_json::Value = app.call("inspect").await.json().await.unwrap();
    let fingerprint = inspected["browser"]["fingerprint"]
        .as_str()
        .expect("a fingerprint")
        .to_owned();
    let (status, panels) = app.get("/inspector/panels").await;
    assert!(
        status == 200 && panels.contains(&fingerprint),
        "the page's panels were read"
    );
    app.post_form("pop_session").await;

    let text = log.text();
    assert!(
        text.contains("started processing request") && text.contains("/setsession"),
        "the capture works"
    );
    // A cookie's value is a signature followed by the id (22 characters of
    // base64); the id also shows as a number in `Debug` output.
    for cookie in &secrets {
        let id = &cookie[cookie.len() - 22..];
        let bytes: [u8; 16] = URL_SAFE_NO_PAD
            .decode(id)
            .expect("an id")
            .try_into()
            .expect("16 bytes");
        let forms = [
            cookie.clone(),
            cookie[..22].to_owned(),
            id.to_owned(),
            i128::from_le_bytes(bytes).to_string(),
        ];
        for form in forms {
            assert!(
                !text.contains(&form),
                "a session id or cookie in the log: {form}"
            );
        }
    }
    for needle in [
        "BBBBBBBBBBBBBBBBBBBBBB",
        "not-a-cookie-value-at-all",
        "Admin",
        "note-canary-4711",
        "long-canary-",
        &fingerprint,
    ] {
        assert!(!text.contains(needle), "{needle} in the log");
    }
}
