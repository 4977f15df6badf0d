//! What a store that outlives the process, or is shared by several, must do.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use leptos_sessions::{session::lifetime::Lifetime, startup::Application};
use reqwest::{cookie::Jar, Client};
use tower_sessions_lossless_store::CachePolicy;

use crate::{
    helpers::{settings, settings_with, spawn_on, spawn_with, TestApp},
    store_tests,
    stores::Backing,
};

store_tests!([sqlite, redis, postgres, redis_cluster, redis_sentinel] => [
    a_session_survives_a_restart,
    two_instances_share_every_session,
    two_instances_fill_one_bound,
]);

async fn a_session_survives_a_restart(backing: Backing) {
    let jar = Arc::new(Jar::default());
    let first = spawn_on(&backing, jar.clone()).await;
    assert_eq!(first.get("/setsession").await.1, "The session has been Set");
    first.stop().await;

    let second = spawn_on(&backing, jar).await;
    assert_eq!(second.get("/getsession").await.1, "Welcome Admin");
}

/// Two app instances behind one load balancer: one browser (one cookie jar)
/// lands on either. On SQLite that takes turning the read cache off, as the
/// README says (the default is refused: see below).
async fn two_instances_share_every_session(backing: Backing) {
    let jar = Arc::new(Jar::default());
    let mut shared = settings(&backing.url);
    shared.store.cache = CachePolicy::Off;
    let a = spawn_with(shared.clone(), jar.clone()).await;
    let b = spawn_with(shared, jar).await;

    assert_eq!(a.get("/setsession").await.1, "The session has been Set");
    assert_eq!(b.get("/getsession").await.1, "Welcome Admin");
    assert_eq!(b.get("/popsession").await.1, "Session Deleted");
    assert_eq!(a.get("/getsession").await.1, "Welcome Anonymous");
}

/// Each instance counts the whole store (on a cluster, every primary), so
/// the sessions one creates fill the other's bound at its next count.
async fn two_instances_fill_one_bound(backing: Backing) {
    let kind = backing.url.kind().name;
    let mut shared = settings_with(
        &backing.url,
        &[
            ("SESSION_MAX_SESSIONS", "6"),
            ("SESSION_NEW_PER_CLIENT_PER_MINUTE", "0"),
        ],
    );
    shared.store.cache = CachePolicy::Off;
    let a = spawn_with(shared.clone(), Arc::new(Jar::default())).await;
    let b = spawn_with(shared, Arc::new(Jar::default())).await;
    let new_visitor_sets = |app: &TestApp| Client::new().get(app.url("/setsession")).send();
    for _ in 0..6 {
        assert_eq!(new_visitor_sets(&a).await.unwrap().status(), 200, "{kind}");
    }
    b.store.recount().await.expect("count the store");
    assert_eq!(b.store.capacity().estimate(), 6, "{kind}");
    assert_eq!(new_visitor_sets(&b).await.unwrap().status(), 503, "{kind}");
    assert_eq!(backing.count().await, 6, "{kind}");
}

/// The default SQLite instance caches every session it reads, which is only
/// right while it is the file's one user: a second instance on the file must
/// refuse to start (saying how to share it), whichever of the two caches.
#[tokio::test]
async fn a_sqlite_file_is_cached_only_by_its_sole_user() {
    let backing = Backing::sqlite().await;
    let mut uncached = settings(&backing.url);
    uncached.store.cache = CachePolicy::Off;
    let start = |settings| async move {
        match Application::build(&settings).await {
            Ok(_) => panic!("a second instance started on the file"),
            Err(err) => err.to_string(),
        }
    };

    let sole = spawn_on(&backing, Arc::new(Jar::default())).await;
    assert_eq!(sole.get("/setsession").await.1, "The session has been Set");
    for second in [settings(&backing.url), uncached.clone()] {
        let err = start(second).await;
        assert!(err.contains("SESSION_CACHE_TTL_SECS=0"), "{err}");
        assert!(err.contains("sessions.db"), "{err}");
    }
    assert_eq!(sole.get("/getsession").await.1, "Welcome Admin");
    sole.stop().await;

    let plain = spawn_with(uncached.clone(), Arc::new(Jar::default())).await;
    let err = start(settings(&backing.url)).await;
    assert!(err.contains("SESSION_CACHE_TTL_SECS=0"), "{err}");
    let another = spawn_with(uncached, Arc::new(Jar::default())).await;
    assert_eq!(
        another.get("/setsession").await.1,
        "The session has been Set"
    );
    assert_eq!(plain.get("/livez").await.0, 200);
}

#[tokio::test]
async fn redis_expires_each_session_by_itself() {
    let backing = Backing::redis().await;
    let app = spawn_on(&backing, Arc::new(Jar::default())).await;
    app.get("/setsession").await;
    let redis = backing.redis.as_ref().unwrap();
    // A bulk reply: `$LEN` then the key.
    let key = redis.command("RANDOMKEY");
    let key = key.lines().nth(1).expect("one session key");
    let ttl: i64 = redis.command(&format!("TTL {key}"))[1..].parse().unwrap();
    // The default idle timeout, 30 minutes: Redis drops an idle session itself.
    assert!(
        (1800 - 60..=1800).contains(&ttl),
        "the key expires with the session: TTL {ttl}"
    );
}

mod redis_expiry {
    use super::*;

    store_tests!([redis, redis_cluster, redis_sentinel] => [
        redis_deletes_an_idle_session_when_its_idle_timeout_passes,
    ]);
}

/// No sweeper runs on Redis: the key's own expiry must end the session, on
/// whichever node holds it. Polls the store, so it sees the deletion itself
/// (a request would refresh the session).
async fn redis_deletes_an_idle_session_when_its_idle_timeout_passes(backing: Backing) {
    let idle = Duration::from_secs(2);
    let mut settings = settings(&backing.url);
    settings.lifetime = Lifetime {
        idle,
        absolute: Duration::from_secs(3600),
    };
    let app = spawn_with(settings, Arc::new(Jar::default())).await;
    let set = Instant::now();
    assert_eq!(app.get("/setsession").await.1, "The session has been Set");
    let written = Instant::now();
    assert_eq!(backing.count().await, 1);
    while backing.count().await != 0 {
        assert!(
            written.elapsed() < idle + Duration::from_secs(3),
            "the session's key outlived its idle timeout"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Millisecond expiry (PXAT), not whole seconds: never early.
    assert!(
        set.elapsed() >= idle,
        "deleted {:?} after the set",
        set.elapsed()
    );
}
