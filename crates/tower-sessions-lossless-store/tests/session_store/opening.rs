//! What the settings choose when a store is opened.

use tower_sessions_core::SessionStore;
use tower_sessions_lossless_store::{CachePolicy, Store, StoreSettings};

use super::{
    backends::{own_database, server},
    record,
};

/// PostgreSQL keeps its sessions in the schema the settings name, and
/// creates no other; a name that is not plain is refused before anything
/// is written.
#[tokio::test]
async fn postgres_keeps_its_sessions_in_the_schema_it_is_given() {
    let Some(server) = server("postgres") else {
        return;
    };
    let url = own_database("postgres", &server).await;
    let mut settings = StoreSettings::new(url.parse().unwrap());
    settings.postgres_schema = "app_sessions".into();
    let store = Store::connect(&settings).await.unwrap();
    store
        .create(&mut record(&[("user", "Admin")]))
        .await
        .unwrap();

    let db = sqlx::PgPool::connect(&url).await.unwrap();
    let in_schema: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM app_sessions.sessions")
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(in_schema, 1);
    let schemas: Vec<String> = sqlx::query_scalar(
        "SELECT nspname::text FROM pg_namespace
         WHERE nspname NOT LIKE 'pg_%' AND nspname NOT IN ('public', 'information_schema')",
    )
    .fetch_all(&db)
    .await
    .unwrap();
    assert_eq!(schemas, ["app_sessions"]);

    settings.postgres_schema = "app; DROP SCHEMA app_sessions CASCADE".into();
    let err = Store::connect(&settings).await.unwrap_err().to_string();
    assert!(err.contains("is not a plain name"), "{err}");
    let kept: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM app_sessions.sessions")
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(kept, 1);
}

/// A SQLite file cached by its sole user refuses a second instance, and
/// the error says which file, for an app to say it in its own words.
#[tokio::test]
async fn a_sqlite_file_cached_by_its_sole_user_refuses_another_instance() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sessions.db");
    let url = format!("sqlite://{}", path.display());
    let mut settings = StoreSettings::new(url.parse().unwrap());
    assert_eq!(settings.cache, CachePolicy::Sole, "the default for a file");
    let _sole = Store::connect(&settings).await.unwrap();

    settings.cache = CachePolicy::Off;
    let err = Store::connect(&settings).await.unwrap_err();
    assert_eq!(err.file_in_use(), Some(path.as_path()));
    let message = err.to_string();
    assert!(message.starts_with(&format!("{url}: ")), "{message}");
    assert!(message.contains("CachePolicy::Off"), "{message}");

    let other = format!("sqlite://{}", dir.path().join("other.db").display());
    let free = Store::connect(&StoreSettings::new(other.parse().unwrap())).await;
    assert!(free.is_ok(), "another file is free");
}
