//! `LOG_FORMAT`, through the real binary: its logging is set up once per
//! process, so these tests run the server as a process of its own.

use std::{process::Stdio, time::Duration};

use tokio::{
    io::{AsyncBufReadExt, BufReader},
    process::{Child, Command},
};

use crate::helpers::SECRET;

const START_UP: Duration = Duration::from_secs(60);

/// The server binary on a memory store, a free port and production settings,
/// with `LOG_FORMAT=format`; its stderr piped.
fn server(format: &str, data_dir: &std::path::Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_leptos-sessions"))
        .env_clear()
        .env("LOG_FORMAT", format)
        .env("LEPTOS_ENV", "PROD")
        .env("LEPTOS_OUTPUT_NAME", "leptos-sessions")
        .env("LEPTOS_SITE_ADDR", "127.0.0.1:0")
        .env("SESSION_SECRET", SECRET)
        .env("SESSION_STORE", "memory")
        .env("DATA_DIR", data_dir)
        .env("RUST_LOG", "info")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("the server binary starts")
}

#[tokio::test]
async fn log_format_json_writes_one_json_object_per_line() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = server("json", dir.path());
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let serving = tokio::time::timeout(START_UP, async {
        loop {
            let line = lines
                .next_line()
                .await
                .unwrap()
                .expect("the server logged 'serving' before it ended");
            let event: serde_json::Value = serde_json::from_str(&line)
                .unwrap_or_else(|err| panic!("not a JSON line ({err}): {line}"));
            assert!(event.is_object(), "{line}");
            for field in ["timestamp", "level", "target"] {
                assert!(event.get(field).is_some(), "no {field}: {line}");
            }
            if event["message"] == "serving" {
                break event;
            }
        }
    })
    .await
    .expect("the server started in time");

    // The event's own fields sit at the top level, where a shipper finds them.
    assert_eq!(serving["level"], "INFO");
    assert_eq!(serving["store"], "memory");
    assert_eq!(serving["metrics"], "off");
    let addr = serving["addr"].as_str().expect("the address it serves on");
    let res = reqwest::get(format!("http://{addr}/livez")).await.unwrap();
    assert_eq!(res.status(), 200, "the logged address is the served one");
    child.kill().await.unwrap();
}

#[tokio::test]
async fn an_unknown_log_format_stops_start_up_naming_the_accepted_ones() {
    let dir = tempfile::tempdir().unwrap();
    let child = server("xml", dir.path());
    let out = tokio::time::timeout(START_UP, child.wait_with_output())
        .await
        .expect("the server stopped by itself")
        .unwrap();
    assert!(!out.status.success());
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(
        log.contains("LOG_FORMAT=\"xml\" is not understood; use text (the default) or json"),
        "{log}"
    );
}
