//! Sessions stored by an earlier version are still there after an upgrade:
//! those in tower-sessions-sqlx-store's tables (the store's first migration
//! moves the live ones into its own table and drops the old one), and those
//! of the build before the typed map, whose keys were at the top level.

use std::sync::Arc;

use leptos_sessions::{config::store_settings, session::lifetime};
use reqwest::cookie::Jar;
use serde_json::Value;
use time::OffsetDateTime;
use tower_sessions::SessionStore;
use tower_sessions_lossless_store::{Data, Id, Record, RecordCodec, Store, BASE_KEY};

use crate::{cookies::forge_cookie, helpers::spawn_on, store_tests, stores::Backing};

store_tests!([sqlite, postgres] => [
    live_sessions_of_the_old_table_survive_the_upgrade,
]);

mod top_level_keys {
    use super::a_session_with_its_keys_at_the_top_level_is_read_into_the_map;
    use crate::store_tests;

    store_tests!([memory, sqlite, redis, postgres] => [
        a_session_with_its_keys_at_the_top_level_is_read_into_the_map,
    ]);
}

/// A session the build before the typed map stored (the visitor's keys
/// beside the bookkeeping), and its cookie: the visitor is still signed in
/// with every key; the next write stores the keys in the map, and the
/// record in tower-sessions' hands holds nothing else of the old layout.
async fn a_session_with_its_keys_at_the_top_level_is_read_into_the_map(backing: Backing) {
    let kind = backing.url.kind().name;
    let mut record = Record {
        id: Id::default(),
        data: Data::from([
            ("Username".to_owned(), Value::from("Admin")),
            ("colour".to_owned(), Value::from("blue")),
            ("_created_at".to_owned(), Value::from(lifetime::now_ms())),
        ]),
        expiry_date: OffsetDateTime::now_utc() + time::Duration::hours(1),
    };
    // Written as that build wrote it (this store reads no layout into
    // another); the memory store lives in the app, so it is written there.
    let settings = store_settings(backing.url.clone());
    let raw = || Store::connect(&settings);
    let app = if kind == "memory" {
        let app = spawn_on(&backing, Arc::new(Jar::default())).await;
        app.store.create(&mut record).await.unwrap();
        app
    } else {
        let store = raw().await.unwrap();
        store.create(&mut record).await.unwrap();
        store.close().await;
        spawn_on(&backing, Arc::new(Jar::default())).await
    };
    let cookie = forge_cookie(&record.id.to_string());

    let res = app.get_with_cookie("/getsession", &cookie).await;
    assert_eq!(res.text().await.unwrap(), "Welcome Admin", "{kind}");
    let listed = app.call_with_cookie("list_keys", "", &cookie).await;
    let listed: Vec<(String, String)> = listed.json().await.unwrap();
    let pairs = [("Username", "Admin"), ("colour", "blue")];
    let expected: Vec<_> = pairs.map(|(k, v)| (k.to_owned(), v.to_owned())).into();
    assert_eq!(listed, expected, "{kind}");

    let res = app
        .call_with_cookie("set_key", "key=size&value=L", &cookie)
        .await;
    assert_eq!(res.status(), 200, "{kind}");
    if kind == "memory" {
        // Gone with the app: only its own (reading) store could look.
        return;
    }
    app.stop().await;
    let store = raw().await.unwrap();
    let stored = store.load(&record.id).await.unwrap().expect("still there");
    let mut top: Vec<_> = stored
        .data
        .keys()
        .filter(|key| *key != BASE_KEY)
        .cloned()
        .collect();
    top.sort();
    assert_eq!(top, ["_created_at", "entries"], "{kind}");
    assert_eq!(
        stored.data["entries"],
        serde_json::json!({"Username": "Admin", "colour": "blue", "size": "L"}),
        "{kind}"
    );
}

/// A record as the earlier version stored it, expiring `expires_in` from now.
fn old_record(expires_in: time::Duration) -> (String, Vec<u8>, OffsetDateTime) {
    let record = Record {
        id: Id::default(),
        data: Data::from([("Username".to_owned(), Value::from("Admin"))]),
        expiry_date: OffsetDateTime::now_utc() + expires_in,
    };
    (
        record.id.to_string(),
        record.encode().unwrap(),
        record.expiry_date,
    )
}

async fn live_sessions_of_the_old_table_survive_the_upgrade(backing: Backing) {
    let live = old_record(time::Duration::hours(1));
    let expired = old_record(time::Duration::hours(-1));
    match backing.url.kind().name {
        "sqlite" => {
            let path = backing.url.sqlite_path().unwrap();
            let url = format!("sqlite://{}?mode=rwc", path.display());
            let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
            // tower-sessions-sqlx-store 0.15's table, as it created it.
            sqlx::query(
                "create table if not exists tower_sessions \
                 (id text primary key not null, data blob not null, expiry_date integer not null)",
            )
            .execute(&pool)
            .await
            .unwrap();
            for (id, data, expiry) in [&live, &expired] {
                sqlx::query("insert into tower_sessions (id, data, expiry_date) values (?, ?, ?)")
                    .bind(id)
                    .bind(data)
                    .bind(expiry)
                    .execute(&pool)
                    .await
                    .unwrap();
            }
            pool.close().await;
        }
        "postgres" => {
            let pool = sqlx::PgPool::connect(&backing.url.to_string())
                .await
                .unwrap();
            for statement in [
                r#"create schema if not exists "tower_sessions""#,
                r#"create table "tower_sessions"."session"
                   (id text primary key not null, data bytea not null, expiry_date timestamptz not null)"#,
            ] {
                sqlx::query(statement).execute(&pool).await.unwrap();
            }
            for (id, data, expiry) in [&live, &expired] {
                sqlx::query(
                    r#"insert into "tower_sessions"."session" (id, data, expiry_date) values ($1, $2, $3)"#,
                )
                .bind(id)
                .bind(data)
                .bind(expiry)
                .execute(&pool)
                .await
                .unwrap();
            }
            pool.close().await;
        }
        other => unreachable!("{other} has no old table"),
    }

    let app = spawn_on(&backing, Arc::new(Jar::default())).await;
    assert_eq!(
        backing.count().await,
        1,
        "the live session moved, the expired one did not"
    );
    let res = app
        .get_with_cookie("/getsession", &forge_cookie(&live.0))
        .await;
    assert_eq!(res.text().await.unwrap(), "Welcome Admin");
    let res = app
        .get_with_cookie("/getsession", &forge_cookie(&expired.0))
        .await;
    assert_eq!(res.text().await.unwrap(), "Welcome Anonymous");
    app.stop().await;

    // A second start finds the schema current and changes nothing.
    let again = spawn_on(&backing, Arc::new(Jar::default())).await;
    let res = again
        .get_with_cookie("/getsession", &forge_cookie(&live.0))
        .await;
    assert_eq!(res.text().await.unwrap(), "Welcome Admin");
}
