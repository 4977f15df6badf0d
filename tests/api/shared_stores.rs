//! What a store that outlives the process, or is shared by several, must do.

use std::sync::Arc;

use reqwest::cookie::Jar;

use crate::{helpers::spawn_on, store_tests, stores::Backing};

store_tests!([sqlite, redis, postgres] => [
    a_session_survives_a_restart,
    two_instances_share_every_session,
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
/// lands on either.
async fn two_instances_share_every_session(backing: Backing) {
    let jar = Arc::new(Jar::default());
    let a = spawn_on(&backing, jar.clone()).await;
    let b = spawn_on(&backing, jar).await;

    assert_eq!(a.get("/setsession").await.1, "The session has been Set");
    assert_eq!(b.get("/getsession").await.1, "Welcome Admin");
    assert_eq!(b.get("/popsession").await.1, "Session Deleted");
    assert_eq!(a.get("/getsession").await.1, "Welcome Anonymous");
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
