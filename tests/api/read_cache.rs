//! The optional read cache: what it costs (another instance's pop is seen
//! late) and its bound (never later than the TTL).

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use leptos_sessions::config::store_settings;
use reqwest::cookie::Jar;
use tower_sessions_lossless_store::{CachePolicy, Store, StoreUrl};

use crate::{
    helpers::{settings, spawn_on, spawn_with},
    stores::Backing,
};

/// Long enough that the steps between filling the cache and the stale read
/// below take a fraction of it, however loaded the machine.
const TTL: Duration = Duration::from_secs(4);
/// The cache's clock and ours may disagree by this much (both are the
/// process's monotonic clock, read at slightly different moments).
const CLOCK_SLACK: Duration = Duration::from_millis(100);

#[tokio::test]
async fn another_instances_pop_is_seen_once_the_cache_entry_is_older_than_the_ttl() {
    let backing = Backing::redis().await;
    let jar = Arc::new(Jar::default());
    let mut cached = settings(&backing.url);
    cached.store.cache = CachePolicy::Ttl(TTL);
    let a = spawn_with(cached, jar.clone()).await;
    let b = spawn_on(&backing, jar).await;
    assert!(a.get("/healthz").await.1.contains("read cache on"));

    // A caches the session it creates, during this request: the entry
    // expires between `set_sent + TTL` and `set_done + TTL`.
    let set_sent = Instant::now();
    assert_eq!(a.get("/setsession").await.1, "The session has been Set");
    let set_done = Instant::now();
    assert_eq!(a.get("/getsession").await.1, "Welcome Admin");
    // Whoever else holds this cookie (a stolen copy, say) keeps using it on A.
    let copy = a.cookie().expect("a session cookie");
    assert_eq!(b.get("/popsession").await.1, "Session Deleted");
    assert_eq!(backing.count().await, 0, "the store has forgotten it");

    let get_with_copy = || async {
        let res = a.get_with_cookie("/getsession", &copy).await;
        res.text().await.unwrap()
    };
    // The documented trade-off: A still answers from its cache...
    assert_eq!(
        get_with_copy().await,
        "Welcome Admin",
        "{:?} after the set, within the TTL",
        set_sent.elapsed()
    );
    // ...but only until the entry is TTL old: any read sent after that sees
    // the pop. Polled, as the first such read decides.
    let expired = set_done + TTL + CLOCK_SLACK;
    loop {
        let sent = Instant::now();
        if get_with_copy().await == "Welcome Anonymous" {
            break;
        }
        assert!(
            sent < expired,
            "a read sent {:?} after the set saw the popped session: the stale entry outlived the TTL",
            sent - set_sent
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn the_instances_own_pop_is_seen_at_once() {
    let backing = Backing::redis().await;
    let mut cached = settings(&backing.url);
    cached.store.cache = CachePolicy::Ttl(Duration::from_secs(3600));
    let a = spawn_with(cached, Arc::new(Jar::default())).await;

    a.get("/setsession").await;
    assert_eq!(a.get("/getsession").await.1, "Welcome Admin");
    let copy = a.cookie().expect("a session cookie");
    a.get("/popsession").await;
    let res = a.get_with_cookie("/getsession", &copy).await;
    assert_eq!(res.text().await.unwrap(), "Welcome Anonymous");
    assert_eq!(backing.count().await, 0);
}

/// A cache that trusts this instance alone is refused in front of a store
/// other instances share (it would serve their sessions as they were), and
/// in front of the memory store, which is memory already, none is kept.
#[tokio::test]
async fn a_cache_goes_only_where_it_can_be_trusted_and_saves_something() {
    let backing = Backing::redis().await;
    let mut sole = store_settings(backing.url.clone());
    sole.cache = CachePolicy::Sole;
    let refused = Store::connect(&sole)
        .await
        .expect_err("a sole cache on Redis");
    assert!(refused.to_string().contains("SQLite"), "{refused}");

    let mut memory = store_settings(StoreUrl::memory());
    memory.cache = CachePolicy::Ttl(TTL);
    let store = Store::connect(&memory).await.unwrap();
    assert!(!store.is_cached(), "a cache in front of the memory store");
}
