//! Requests of one session that change different keys at the same time:
//! each change is kept (OWASP's "lost update" between a visitor's tabs).

use std::{sync::Arc, time::Duration};

use futures::future::join_all;
use leptos_sessions::session::lifetime::Lifetime;
use tower_sessions_lossless_store::CachePolicy;

use crate::{
    helpers::{settings, spawn_with, TestApp},
    store_tests,
    stores::Backing,
};

store_tests!([memory, sqlite, redis, postgres, redis_cluster, redis_sentinel] => [
    a_note_a_pop_and_a_refresh_at_once_all_land,
]);

mod across_instances {
    use super::*;

    store_tests!([sqlite, redis, postgres, redis_cluster, redis_sentinel] => [
        the_same_race_across_two_instances_loses_nothing,
    ]);
}

const SESSIONS: usize = 60;

/// A session holding `Username` and a first note; returns its cookie.
async fn session_with_user_and_note(app: &TestApp) -> String {
    let res = app.get_with_cookie("/setsession", "").await;
    let cookie = crate::helpers::set_cookie(&res).expect("a cookie").0;
    let res = app
        .call_with_cookie("save_note", "note=first", &cookie)
        .await;
    assert_eq!(res.status(), 200);
    cookie
}

async fn note(app: &TestApp, cookie: &str) -> Option<String> {
    let res = app.call_with_cookie("get_note", "", cookie).await;
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

async fn a_note_a_pop_and_a_refresh_at_once_all_land(backing: Backing) {
    race(backing, 1).await;
}

/// The merge is the store's compare-and-swap, so it holds for instances
/// sharing the store: each request of a race goes to a different one.
async fn the_same_race_across_two_instances_loses_nothing(backing: Backing) {
    race(backing, 2).await;
}

async fn race(backing: Backing, instances: usize) {
    let mut settings = settings(&backing.url);
    // Reads write (to push the idle expiry ahead) once a session is 3 s old,
    // so the racing read below is a third writer; 6 s idle leaves the
    // sessions made first alive however long making the others takes.
    settings.lifetime = Lifetime {
        idle: Duration::from_secs(6),
        absolute: Duration::from_secs(3600),
    };
    if instances > 1 {
        // Instances sharing one SQLite file must not cache it.
        settings.store.cache = CachePolicy::Off;
    }
    let apps = join_all((0..instances).map(|_| spawn_with(settings.clone(), Arc::default()))).await;
    let (app, other) = (&apps[0], &apps[instances - 1]);
    let cookies = join_all((0..SESSIONS).map(|_| session_with_user_and_note(app))).await;
    tokio::time::sleep(Duration::from_millis(3100)).await;

    let races = cookies.iter().map(|cookie| async {
        let (pop, saved, read) = tokio::join!(
            app.get_with_cookie("/popsession", cookie),
            other.call_with_cookie("save_note", "note=second", cookie),
            app.get_with_cookie("/getsession", cookie),
        );
        assert_eq!(pop.status(), 200);
        assert_eq!(saved.status(), 200);
        assert_eq!(read.status(), 200);
    });
    join_all(races).await;

    let outcomes = cookies.iter().map(|cookie| async {
        let user = app.get_with_cookie("/getsession", cookie).await;
        let user = user.text().await.unwrap();
        (user, note(app, cookie).await)
    });
    let outcomes = join_all(outcomes).await;
    let pops_undone = outcomes
        .iter()
        .filter(|(user, _)| user != "Welcome Anonymous")
        .count();
    let notes_lost = outcomes
        .iter()
        .filter(|(_, note)| note.as_deref() != Some("second"))
        .count();
    assert_eq!(
        (pops_undone, notes_lost),
        (0, 0),
        "lost updates in {SESSIONS} sessions on {instances} instance(s): (pops undone, notes lost)"
    );
}
