//! Races between requests of one session: a pop must never be undone by a
//! request that loaded the session before it and saves after it.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use futures::future::join_all;
use leptos_sessions::{
    config::store_settings,
    metrics::{Metrics, StoreMetrics},
    session::lifetime::Lifetime,
};
use reqwest::cookie::Jar;
use serde_json::Value;
use time::OffsetDateTime;
use tower_sessions::SessionStore;
use tower_sessions_lossless_store::{CachePolicy, Data, Id, Record, Store, BASE_KEY};

use crate::{
    helpers::{client, settings_with, spawn_with, TestApp},
    scrape::parse,
    store_tests,
    stores::Backing,
};

/// The one order of a read, a pop and the read's save that could resurrect
/// a session, forced on each store.
mod forced {
    use super::{
        a_save_after_a_delete_of_its_session_writes_nothing, two_saves_from_one_read_both_land,
    };
    use crate::store_tests;

    store_tests!([memory, sqlite, redis, postgres, redis_cluster, redis_sentinel] => [
        a_save_after_a_delete_of_its_session_writes_nothing,
        two_saves_from_one_read_both_land,
    ]);
}

// Not on memory: its read and its save are one map access each, no I/O
// between, so over HTTP a pop never lands between them (none did in 6 rounds
// of 60 on two threads). The forced order above covers it.
store_tests!(multi_thread [sqlite, redis, postgres, redis_cluster, redis_sentinel] => [
    a_pop_racing_a_refreshing_read_is_never_undone,
]);

async fn measured_store(backing: &Backing) -> Store {
    Store::connect_measured(&store_settings(backing.url.clone()), Metrics::new())
        .await
        .expect("the store opens")
}

/// A session of the signed-in Admin, stored for five minutes: its id and expiry.
async fn signed_in(store: &Store) -> (Id, OffsetDateTime) {
    let expiry = OffsetDateTime::now_utc() + time::Duration::minutes(5);
    let mut record = Record {
        id: Id::default(),
        data: Data::from([("Username".to_owned(), Value::from("Admin"))]),
        expiry_date: expiry,
    };
    store.create(&mut record).await.expect("created");
    (record.id, expiry)
}

fn conflicts(store: &Store, outcome: &str) -> f64 {
    parse(store.metrics().render()).get("session_save_conflicts_total", &[("outcome", outcome)])
}

/// The session's keys as stored (without the token that points a loaded
/// record at its base).
fn keys(record: &Record) -> Vec<String> {
    let mut keys: Vec<_> = record
        .data
        .keys()
        .filter(|key| *key != BASE_KEY)
        .cloned()
        .collect();
    keys.sort();
    keys
}

/// Two requests read the same session, then each saves a different key:
/// the second save finds the first's write, merges into it, and both keys
/// land (the lost update of SECURITY.md row 5, in the order that loses it).
async fn two_saves_from_one_read_both_land(backing: Backing) {
    let store = measured_store(&backing).await;
    let (id, _) = signed_in(&store).await;
    let first = store.load(&id).await.expect("loads").expect("is there");
    let second = store.load(&id).await.expect("loads").expect("is there");
    // The first lands as it is; only the second finds another's write.
    for (read, key, merged) in [(&first, "colour", 0.0), (&second, "size", 1.0)] {
        let mut ours = read.clone();
        ours.data.insert(key.to_owned(), Value::from("set"));
        store.save(&ours).await.expect("saved");
        assert_eq!(conflicts(&store, "merged"), merged, "after {key}");
    }
    let stored = store.load(&id).await.expect("loads").expect("is there");
    assert_eq!(
        keys(&stored),
        ["Username", "colour", "size"],
        "a save lost another's key"
    );
    assert_eq!(conflicts(&store, "merged"), 1.0, "the second save merged");
    assert_eq!(conflicts(&store, "ended"), 0.0);

    // A save of what is stored (the same values, an expiry within a second
    // of the stored one) costs no write: a request that changed nothing, or
    // set a value to what it was, leaves the store alone.
    let replaces =
        || parse(store.metrics().render()).get("store_calls_total", &[("operation", "replace")]);
    let before = replaces();
    let mut same = stored.clone();
    same.expiry_date += time::Duration::milliseconds(500);
    store.save(&same).await.expect("saved");
    assert_eq!(replaces(), before, "an unchanged save wrote");
    same.expiry_date += time::Duration::seconds(5);
    store.save(&same).await.expect("saved");
    assert_eq!(replaces(), before + 1.0, "a later expiry is written");
}

/// The race above with its steps forced into the one order that could
/// resurrect a session, on the store itself: a request reads the session, a
/// pop deletes it, then the request saves (a refresh) from what it read.
async fn a_save_after_a_delete_of_its_session_writes_nothing(backing: Backing) {
    let store = measured_store(&backing).await;
    let (id, expiry) = signed_in(&store).await;
    let read = store.load(&id).await.expect("loads").expect("is there");
    store.delete(&id).await.expect("the pop");
    let mut refreshed = read.clone();
    refreshed.expiry_date = expiry + time::Duration::minutes(5);
    refreshed
        .data
        .insert("_refreshed_at".to_owned(), Value::from(1));
    store.save(&refreshed).await.expect("the save answers");
    assert!(
        store.load(&id).await.expect("loads").is_none(),
        "resurrected"
    );
    assert_eq!(
        conflicts(&store, "ended"),
        1.0,
        "counted as a save that found its session ended"
    );
    match store.live_count() {
        Some(live) => assert_eq!(live, 0),
        None => assert_eq!(backing.count().await, 0, "a record came back"),
    }
}

const SESSIONS: usize = 60;

async fn signed_in_cookies(app: &TestApp) -> Vec<String> {
    let sets = (0..SESSIONS).map(|_| async {
        let jar = Arc::new(Jar::default());
        let res = client(&jar)
            .get(app.url("/setsession"))
            .send()
            .await
            .unwrap();
        crate::helpers::set_cookie(&res).expect("a cookie").0
    });
    join_all(sets).await
}

async fn a_pop_racing_a_refreshing_read_is_never_undone(backing: Backing) {
    race_reads_against_pops(backing, None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pop_racing_a_refreshing_read_is_never_undone_by_the_read_cache() {
    let ttl = CachePolicy::Ttl(Duration::from_secs(60));
    race_reads_against_pops(Backing::redis().await, Some(ttl)).await;
}

/// Long enough that no session can expire between its set and the end of
/// its race, even on a loaded machine: the race runs once the sessions are
/// half this old, and must be over before the first of them is this old.
const IDLE: Duration = Duration::from_secs(10);

const LIFETIME: Lifetime = Lifetime {
    idle: IDLE,
    absolute: Duration::from_secs(3600),
};

/// Rounds of [`SESSIONS`] races tried until one of them really raced.
const ROUNDS: usize = 6;

/// Races a refreshing read against a pop, [`SESSIONS`] at a time, until a
/// round has at least one read whose refresh reached the store after the
/// pop had ended its session (the store counts it as a save conflict
/// `ended`): the interleaving that could resurrect a session. A run in
/// which that never happened proves nothing, and fails.
async fn race_reads_against_pops(backing: Backing, cache: Option<CachePolicy>) {
    // Up to 360 new sessions from one address, more than the limit per
    // client lets through in a few seconds: not what this test is about.
    let vars = [
        ("METRICS_ADDR", "127.0.0.1:0"),
        ("SESSION_NEW_PER_CLIENT_PER_MINUTE", "0"),
    ];
    let mut settings = settings_with(&backing.url, &vars);
    if let Some(cache) = cache {
        settings.store.cache = cache;
    }
    settings.lifetime = LIFETIME;
    let app = spawn_with(settings, Arc::new(Jar::default())).await;
    backing.attach(&app);
    for round in 1..=ROUNDS {
        let raced = race_round(&app, &backing).await;
        if raced > 0.0 {
            eprintln!(
                "{}: {raced} of {SESSIONS} raced in round {round}",
                backing.url
            );
            return;
        }
    }
    panic!(
        "in {ROUNDS} rounds of {SESSIONS}, no read's refresh reached the store after its pop: \
         nothing raced, so nothing was shown"
    );
}

/// One round; how many reads' refreshes found their session ended.
async fn race_round(app: &TestApp, backing: &Backing) -> f64 {
    let ended = || {
        parse(app.store.metrics().render())
            .get("session_save_conflicts_total", &[("outcome", "ended")])
    };
    let before = ended();
    let first_set = Instant::now();
    let cookies = signed_in_cookies(app).await;
    // From here, every read of these sessions writes (it pushes the idle
    // expiry ahead): the write that could undo a pop.
    tokio::time::sleep(LIFETIME.refresh_every() + Duration::from_millis(200)).await;

    let races = cookies.iter().map(|cookie| async {
        let (read, pop) = tokio::join!(
            app.get_with_cookie("/getsession", cookie),
            app.get_with_cookie("/popsession", cookie),
        );
        assert_eq!(read.status(), 200);
        assert_eq!(pop.status(), 200);
        assert_eq!(pop.text().await.unwrap(), "Session Deleted");
    });
    join_all(races).await;
    // Otherwise sessions may have expired on their own, and a pop had
    // nothing to race.
    assert!(
        first_set.elapsed() < IDLE,
        "the race ended {:?} after the first set: too late to be a race",
        first_set.elapsed()
    );
    let raced = ended() - before;

    let replays = cookies.iter().map(|cookie| async {
        let res = app.get_with_cookie("/getsession", cookie).await;
        res.text().await.unwrap()
    });
    let resurrected = join_all(replays)
        .await
        .into_iter()
        .filter(|answer| answer == "Welcome Admin")
        .count();
    assert_eq!(
        resurrected, 0,
        "popped sessions came back ({SESSIONS} raced, {raced} refreshes came after their pop)"
    );
    assert_eq!(
        backing.count().await,
        0,
        "records left after every session was popped"
    );
    raced
}
