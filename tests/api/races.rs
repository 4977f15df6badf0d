//! Races between requests of one session: a pop must never be undone by a
//! request that loaded the session before it and saves after it.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use futures::future::join_all;
use leptos_sessions::session::{lifetime::Lifetime, store::CachePolicy};
use reqwest::cookie::Jar;

use crate::{
    helpers::{client, settings, spawn_with, TestApp},
    store_tests,
    stores::Backing,
};

store_tests!([memory, sqlite, redis, postgres, redis_cluster, redis_sentinel] => [
    a_pop_racing_a_refreshing_read_is_never_undone,
]);

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

#[tokio::test]
async fn a_pop_racing_a_refreshing_read_is_never_undone_by_the_read_cache() {
    let ttl = CachePolicy::Ttl(Duration::from_secs(60));
    race_reads_against_pops(Backing::redis().await, Some(ttl)).await;
}

/// Long enough that no session can expire between its set and the end of
/// its race, even on a loaded machine: the race runs once the sessions are
/// half this old, and must be over before the first of them is this old.
const IDLE: Duration = Duration::from_secs(10);

async fn race_reads_against_pops(backing: Backing, cache: Option<CachePolicy>) {
    let mut settings = settings(&backing.url);
    if let Some(cache) = cache {
        settings.store.cache = cache;
    }
    let lifetime = Lifetime {
        idle: IDLE,
        absolute: Duration::from_secs(3600),
    };
    settings.lifetime = lifetime;
    let app = spawn_with(settings, Arc::new(Jar::default())).await;
    let first_set = Instant::now();
    let cookies = signed_in_cookies(&app).await;
    // From here, every read of these sessions writes (it pushes the idle
    // expiry ahead): the write that could undo a pop.
    tokio::time::sleep(lifetime.refresh_every() + Duration::from_millis(200)).await;

    let races = cookies.iter().map(|cookie| async {
        let (read, pop) = tokio::join!(
            app.get_with_cookie("/getsession", cookie),
            app.get_with_cookie("/popsession", cookie),
        );
        assert_eq!(read.status(), 200);
        assert_eq!(pop.status(), 200);
        assert_eq!(pop.text().await.unwrap(), "Session Deleted");
        read.text().await.unwrap() == "Welcome Admin"
    });
    let saw_user = join_all(races).await.into_iter().filter(|&saw| saw).count();
    // Otherwise sessions may have expired on their own, and a pop had
    // nothing to race.
    assert!(
        first_set.elapsed() < IDLE,
        "the race ended {:?} after the first set: too late to be a race",
        first_set.elapsed()
    );
    assert!(
        saw_user > 0,
        "no read loaded its session before the pop deleted it: nothing raced"
    );

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
        "popped sessions came back ({SESSIONS} raced, {saw_user} reads saw the user first)"
    );
    if let Some(count) = backing.count().await {
        assert_eq!(count, 0, "records left after every session was popped");
    }
}
