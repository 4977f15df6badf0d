//! Sessions stored by an earlier version, in tower-sessions-sqlx-store's
//! tables, are still there after an upgrade: the store's first migration
//! moves the live ones into its own table and drops the old one.

use std::sync::Arc;

use reqwest::cookie::Jar;
use serde_json::Value;
use time::OffsetDateTime;
use tower_sessions_lossless_store::{Data, Id, Record, RecordCodec};

use crate::{cookies::forge_cookie, helpers::spawn_on, store_tests, stores::Backing};

store_tests!([sqlite, postgres] => [
    live_sessions_of_the_old_table_survive_the_upgrade,
]);

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
