//! The request's session against the memory store: what the layer's
//! trailing save and an explicit save each leave behind.

use super::*;
use tower_sessions_lossless_store::{StoreSettings, StoreUrl};

async fn memory() -> Store {
    Store::connect(&StoreSettings::new(StoreUrl::memory()))
        .await
        .unwrap()
}

/// A handler that removes a key and leaves the saving to the layer (as
/// tower-sessions lets it) has the removal saved once it is done.
#[tokio::test]
async fn a_removal_left_unsaved_is_saved_when_the_request_finishes() {
    let store = memory().await;
    let first = Session::new(store.clone(), Lifetime::default(), None);
    first.insert("colour", "blue").await.unwrap();
    first.insert("Username", "Admin").await.unwrap();
    let Outcome::Stored(id) = first.finish(false).await.unwrap() else {
        panic!("a new session with values is stored");
    };

    let second = Session::new(store.clone(), Lifetime::default(), Some(id));
    assert_eq!(second.remove("colour").await.unwrap(), Some("blue".into()));
    assert_eq!(second.finish(false).await.unwrap(), Outcome::Stored(id));

    let third = Session::new(store, Lifetime::default(), Some(id));
    assert_eq!(third.get::<String>("colour").await.unwrap(), None);
    assert_eq!(
        third.get::<String>("Username").await.unwrap().as_deref(),
        Some("Admin")
    );
}

/// An explicit save writes now, not when the request ends: another
/// request reads it meanwhile, and a store error is the handler's.
#[tokio::test]
async fn a_save_writes_at_once() {
    let store = memory().await;
    let ours = Session::new(store.clone(), Lifetime::default(), None);
    ours.insert("Username", "Admin").await.unwrap();
    ours.save().await.unwrap();
    let id = ours.id().await.unwrap().expect("stored by the save");
    let other = Session::new(store, Lifetime::default(), Some(id));
    assert_eq!(
        other.get::<String>("Username").await.unwrap().as_deref(),
        Some("Admin")
    );
}

/// A server error's changes may be half made: none is saved, and the
/// cookie is left as it was.
#[tokio::test]
async fn a_server_error_saves_nothing_and_leaves_the_cookie() {
    let store = memory().await;
    let ours = Session::new(store.clone(), Lifetime::default(), None);
    ours.insert("Username", "Admin").await.unwrap();
    assert_eq!(ours.finish(true).await.unwrap(), Outcome::Unchanged);
    assert_eq!(store.live_count(), Some(0));
}

/// A request whose session another request ended meanwhile does not
/// bring it back, and tells the browser to drop its cookie.
#[tokio::test]
async fn a_save_that_finds_its_session_ended_drops_the_cookie() {
    let store = memory().await;
    let first = Session::new(store.clone(), Lifetime::default(), None);
    first.insert("Username", "Admin").await.unwrap();
    first.save().await.unwrap();
    let id = first.id().await.unwrap().unwrap();

    let ours = Session::new(store.clone(), Lifetime::default(), Some(id));
    ours.insert("colour", "blue").await.unwrap();
    let theirs = Session::new(store.clone(), Lifetime::default(), Some(id));
    theirs.end(EndReason::Pop).await.unwrap();

    assert_eq!(ours.finish(false).await.unwrap(), Outcome::Gone);
    assert_eq!(store.live_count(), Some(0));
}
