//! Expired sessions are deleted from the SQL stores in the background.

use std::time::{Duration, Instant};

use leptos_sessions::{config::store_settings, metrics::Metrics};
use time::OffsetDateTime;
use tower_sessions::SessionStore;
use tower_sessions_lossless_store::{Id, Record, Store};

use crate::{store_tests, stores::Backing};

store_tests!([sqlite, postgres] => [
    expired_sessions_are_deleted_and_live_ones_kept,
]);

store_tests!([redis, redis_cluster, redis_sentinel] => [
    redis_expires_sessions_itself_and_is_never_swept,
]);

/// Redis drops a key when its TTL runs out: a sweep would only cost calls
/// (and `delete_expired` in the metrics) for nothing.
async fn redis_expires_sessions_itself_and_is_never_swept(backing: Backing) {
    let store = Store::connect(&store_settings(backing.url.clone()))
        .await
        .unwrap();
    assert!(store.spawn_sweeper(Duration::from_millis(10)).is_none());
    store.close().await;
}

fn record(expires_in: time::Duration) -> Record {
    Record {
        id: Id::default(),
        data: Default::default(),
        expiry_date: OffsetDateTime::now_utc() + expires_in,
    }
}

async fn expired_sessions_are_deleted_and_live_ones_kept(backing: Backing) {
    let mut settings = store_settings(backing.url.clone());
    settings.sweep_every = Duration::from_millis(100);
    let metrics = Metrics::new();
    let store = Store::connect_measured(&settings, metrics.clone())
        .await
        .unwrap();
    store
        .create(&mut record(time::Duration::hours(-1)))
        .await
        .unwrap();
    let mut live = record(time::Duration::hours(1));
    store.create(&mut live).await.unwrap();
    assert_eq!(backing.count().await, 2);

    let sweeper = store
        .spawn_sweeper(settings.sweep_every)
        .expect("a sweeper");
    let deadline = Instant::now() + Duration::from_secs(10);
    // The count moves once the sweep's delete has returned.
    let swept = r#"leptos_sessions_sessions_ended_total{reason="expired_sweep"} 1"#;
    while backing.count().await != 1 || !metrics.render().contains(swept) {
        assert!(
            Instant::now() < deadline,
            "the expired session is still there, or its end was not counted"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(store.load(&live.id).await.unwrap().is_some());

    tokio::time::timeout(Duration::from_secs(5), sweeper.stop())
        .await
        .expect("the sweeper stops when asked");
    store.close().await;
}
