//! `LOG_FORMAT`, through the real binary: its logging is set up once per
//! process, so these tests run the server as a process of its own.

use crate::binary::{serving, Server};

#[tokio::test]
async fn log_format_json_writes_one_json_object_per_line() {
    let mut server = Server::new().env("LOG_FORMAT", "json");
    let mut child = server.spawn();
    let serving = serving(&mut child).await;

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
    let log = Server::new().env("LOG_FORMAT", "xml").refused().await;
    assert!(
        log.contains("LOG_FORMAT=\"xml\" is not understood; use text (the default) or json"),
        "{log}"
    );
}
