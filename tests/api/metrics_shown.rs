//! What `/metrics` shows before anything happens and for files: every
//! metric the README lists has a series from the first scrape, and the
//! site folder's files are counted as `static`, never by their paths.

use std::sync::Arc;

use reqwest::cookie::Jar;
use tower_sessions_lossless_store::StoreUrl;

use crate::{
    helpers::{settings_with, spawn_with},
    metrics::{scrape, spawn_measured, MADE_UP_PATH},
    stores::Backing,
};

/// The metric names of the README's metrics table (its first column).
fn readme_metric_names() -> Vec<String> {
    let readme = include_str!("../../README.md");
    let table = readme
        .split("| metric | labels | what |")
        .nth(1)
        .expect("the README's metrics table");
    let names: Vec<String> = table
        .lines()
        .skip(2)
        .take_while(|line| line.starts_with('|'))
        .flat_map(|line| {
            line.split('|')
                .nth(1)
                .unwrap_or_default()
                .split(',')
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .map(|name| name.trim().trim_matches('`').to_owned())
        .collect();
    assert!(names.len() >= 10, "{names:?}");
    names
}

#[tokio::test]
async fn every_metric_in_the_readme_has_a_series_from_the_first_scrape() {
    let backing = Backing::sqlite().await;
    let app = spawn_measured(&backing).await;
    let first = scrape(app.metrics_addr.expect("a metrics listener")).await;
    for name in readme_metric_names() {
        let shown = first.samples.keys().any(|(sample, _)| {
            sample == &name
                || ["_bucket", "_count", "_sum"]
                    .iter()
                    .any(|s| *sample == format!("{name}{s}"))
        });
        assert!(
            shown,
            "{name} has no series before any request:\n{}",
            first.text
        );
    }
    // Where an alert looks first: at 0, not missing.
    for error in ["failed", "refused"] {
        let labels = vec![
            ("error".into(), error.into()),
            ("operation".into(), "fetch".into()),
        ];
        assert_eq!(
            first.samples.get(&("store_errors_total".into(), labels)),
            Some(&0.0)
        );
    }
    for route in ["/getsession", "/api/save_note", "/", "static"] {
        let labels = vec![
            ("route".into(), route.into()),
            ("status".into(), "200".into()),
        ];
        let key = ("http_requests_total".to_owned(), labels);
        assert_eq!(first.samples.get(&key), Some(&0.0), "{route}");
    }
}

#[tokio::test]
async fn files_of_the_site_folder_are_counted_as_static_not_unmatched() {
    let site = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(site.path().join("pkg")).unwrap();
    std::fs::write(site.path().join("pkg/app.css"), "body {}").unwrap();
    std::fs::write(site.path().join("robots.txt"), "User-agent: *\n").unwrap();
    for hashed in [false, true] {
        let memory = StoreUrl::memory();
        let mut settings = settings_with(&memory, &[("METRICS_ADDR", "127.0.0.1:0")]);
        settings.leptos.site_root = site.path().to_string_lossy().into();
        settings.leptos.hash_files = hashed;
        let app = spawn_with(settings, Arc::new(Jar::default())).await;
        assert_eq!(app.get("/pkg/app.css").await.0, 200);
        assert_eq!(app.get("/robots.txt").await.0, 200);
        assert_eq!(app.get("/pkg/gone.css").await.0, 404);
        assert_eq!(app.get(MADE_UP_PATH).await.0, 404);

        let after = scrape(app.metrics_addr.unwrap()).await;
        let requests = |route, status| {
            after.get(
                "http_requests_total",
                &[("route", route), ("status", status)],
            )
        };
        assert_eq!(requests("static", "200"), 2.0, "hashed: {hashed}");
        assert_eq!(
            requests("static", "404"),
            1.0,
            "a missing /pkg file is still an asset fetch"
        );
        assert_eq!(requests("unmatched", "404"), 1.0, "hashed: {hashed}");
        let timed = after.get(
            "http_request_duration_seconds_count",
            &[("route", "static")],
        );
        assert_eq!(timed, 3.0);
        assert!(!after.text.contains("app.css") && !after.text.contains("robots"));
    }
}
