//! What an operator meets when a setting or a file is wrong: the real
//! binary stops at start-up, and its last word names the variable, the
//! value's problem, the path or host, and what to check.

use crate::binary::{serving, write_files, Server};

#[tokio::test]
async fn leptos_variables_are_named_with_what_they_take() {
    let log = Server::new().env("LEPTOS_ENV", "staging").refused().await;
    assert!(
        log.contains(r#"LEPTOS_ENV="staging" is not understood; use DEV or PROD"#),
        "{log}"
    );
    let log = Server::new()
        .env("LEPTOS_SITE_ADDR", "nonsense")
        .refused()
        .await;
    assert!(
        log.contains(
            r#"LEPTOS_SITE_ADDR="nonsense" is not understood; use an IP address and a port"#
        ),
        "{log}"
    );
}

#[tokio::test]
async fn a_site_folder_that_is_not_there_stops_start_up_naming_it() {
    let log = Server::new()
        .env("LEPTOS_SITE_ROOT", "/nonexistent")
        .refused()
        .await;
    assert!(
        log.contains(r#"LEPTOS_SITE_ROOT="/nonexistent": there is no folder /nonexistent"#),
        "{log}"
    );
}

#[tokio::test]
async fn a_site_folder_without_a_file_the_page_links_stops_start_up_naming_it() {
    let server = Server::new();
    let stylesheet = server.site().join("pkg/leptos-sessions.css");
    std::fs::remove_file(&stylesheet).unwrap();
    let log = server.refused().await;
    assert!(
        log.contains(&format!(
            "the page links /pkg/leptos-sessions.css, but {} is missing",
            stylesheet.display()
        )),
        "{log}"
    );
}

/// A release build's file names carry hashes, listed in `hash.txt` beside
/// the binary: a binary copied without it links names the site does not have.
#[tokio::test]
async fn a_binary_without_its_hash_txt_stops_start_up_naming_it() {
    let bin = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let exe = bin.path().join("leptos-sessions");
    std::fs::hard_link(env!("CARGO_BIN_EXE_leptos-sessions"), &exe).unwrap();
    let hashed = [
        "pkg/leptos-sessions.Css1.css",
        "pkg/leptos-sessions.Js2.js",
        "pkg/leptos-sessions.Wasm3.wasm",
    ];
    let site = |server: Server| {
        let site = server.dir.path().join("hashed");
        write_files(&site, &hashed);
        server
            .env("LEPTOS_SITE_ROOT", site)
            .env_remove("LEPTOS_HASH_FILES")
    };

    let log = site(Server::at(&exe)).refused().await;
    let hashes = bin.path().join("hash.txt");
    assert!(
        log.contains(&format!(
            "listed in {} beside the server binary, which is missing",
            hashes.display()
        )),
        "{log}"
    );

    // With it, the same binary and folder serve a page that links them.
    std::fs::write(&hashes, "css: Css1\njs: Js2\nwasm: Wasm3\n").unwrap();
    let mut server = site(Server::at(&exe)).env("LOG_FORMAT", "json");
    let mut child = server.spawn();
    let addr = serving(&mut child).await["addr"]
        .as_str()
        .unwrap()
        .to_owned();
    let page = reqwest::get(format!("http://{addr}/")).await.unwrap();
    assert_eq!(page.status(), 200);
    let page = page.text().await.unwrap();
    assert!(page.contains("/pkg/leptos-sessions.Css1.css"), "{page}");
    child.kill().await.unwrap();
}

#[tokio::test]
async fn a_rust_log_that_does_not_parse_stops_start_up_naming_it() {
    let log = Server::new()
        .env("RUST_LOG", "info,sqlx=loud")
        .refused()
        .await;
    assert!(
        log.contains(r#"RUST_LOG="info,sqlx=loud" is not understood"#),
        "{log}"
    );
}

#[tokio::test]
async fn an_unreachable_store_names_session_store_its_host_and_what_to_check() {
    for (url, masked, kind) in [
        (
            "postgres://app:hunter2@127.0.0.1:1/app",
            "postgres://app:***@127.0.0.1:1/app",
            "PostgreSQL",
        ),
        (
            "redis://:hunter2@127.0.0.1:1/0",
            "redis://:***@127.0.0.1:1/0",
            "Redis",
        ),
    ] {
        let log = Server::new().env("SESSION_STORE", url).refused().await;
        assert!(log.contains(&format!("SESSION_STORE={masked}: ")), "{log}");
        assert!(log.contains("session store at 127.0.0.1:1: "), "{log}");
        assert!(
            log.contains(&format!("; check that {kind} runs and accepts connections")),
            "{log}"
        );
        assert!(!log.contains("hunter2"), "{log}");
    }
}

#[tokio::test]
async fn a_sqlite_folder_that_cannot_be_created_is_named() {
    let server = Server::new();
    let file = server.dir.path().join("a-file");
    std::fs::write(&file, "").unwrap();
    let folder = file.join("sessions");
    let log = server
        .env(
            "SESSION_STORE",
            format!("sqlite://{}/s.db", folder.display()),
        )
        .refused()
        .await;
    assert!(
        log.contains(&format!(
            "could not create the folder {}: ",
            folder.display()
        )),
        "{log}"
    );
    assert!(log.contains("SESSION_STORE=sqlite://"), "{log}");
}
