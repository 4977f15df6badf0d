//! Races between requests of one session: a pop must never be undone by a
//! request that loaded the session before it and saves after it.

use std::{sync::Arc, time::Duration};

use futures::future::join_all;
use leptos_sessions::session::{lifetime::Lifetime, store::CachePolicy};
use reqwest::cookie::Jar;

use crate::{
    helpers::{client, settings, spawn_with, TestApp},
    store_tests,
    stores::Backing,
};

store_tests!([memory, sqlite, redis, postgres] => [
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

async fn race_reads_against_pops(backing: Backing, cache: Option<CachePolicy>) {
    let mut settings = settings(&backing.url);
    if let Some(cache) = cache {
        settings.store.cache = cache;
    }
    // Reads write (to push the idle expiry ahead) once a session is 1 s old.
    settings.lifetime = Lifetime {
        idle: Duration::from_secs(2),
        absolute: Duration::from_secs(3600),
    };
    let app = spawn_with(settings, Arc::new(Jar::default())).await;
    let cookies = signed_in_cookies(&app).await;
    tokio::time::sleep(Duration::from_millis(1100)).await;

    let races = cookies.iter().map(|cookie| async {
        let (read, pop) = tokio::join!(
            app.get_with_cookie("/getsession", cookie),
            app.get_with_cookie("/popsession", cookie),
        );
        assert_eq!(read.status(), 200);
        assert_eq!(pop.status(), 200);
    });
    join_all(races).await;

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
        "popped sessions came back ({SESSIONS} raced)"
    );
    if let Some(count) = backing.count().await {
        assert_eq!(count, 0, "records left after every session was popped");
    }
}
