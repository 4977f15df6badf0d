//! tower-sessions' `SessionStore` on each backend, one body per behaviour
//! run against every store (like tower-sessions' own `route_tests!`):
//! memory and a SQLite file always; Redis, PostgreSQL, a Redis Cluster and
//! a Sentinel set-up at `TEST_REDIS_URL`, `TEST_POSTGRES_URL`,
//! `TEST_REDIS_CLUSTER_URL` and `TEST_REDIS_SENTINEL_URL` (the
//! repository's `scripts/with-services.sh` starts them all; under `CI` they
//! must be set).

mod backends;
mod opening;

use serde_json::Value;
use time::OffsetDateTime;
use tower_sessions_core::{
    session::{Id, Record},
    SessionStore,
};
use tower_sessions_lossless_store::{Data, Store, StoreFailure, BASE_KEY};

use self::backends::open;

macro_rules! every_store {
    ($($test:ident),+ $(,)?) => {
        $(mod $test {
            #[tokio::test]
            async fn memory() { super::$test("memory").await }
            #[tokio::test]
            async fn sqlite() { super::$test("sqlite").await }
            #[tokio::test]
            async fn redis() { super::$test("redis").await }
            #[tokio::test]
            async fn postgres() { super::$test("postgres").await }
            #[tokio::test]
            async fn redis_cluster() { super::$test("redis_cluster").await }
            #[tokio::test]
            async fn redis_sentinel() { super::$test("redis_sentinel").await }
        })+
    };
}

every_store!(
    two_saves_from_one_load_both_land,
    a_save_after_a_delete_writes_nothing,
    a_second_save_compares_with_its_own_first_write,
    a_new_id_after_a_load_is_not_held_to_the_bound,
    a_save_whose_base_is_gone_writes_nothing,
    changes_after_a_save_are_saved_too,
);

fn record(pairs: &[(&str, &str)]) -> Record {
    Record {
        id: Id::default(),
        data: pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), Value::from(*v)))
            .collect(),
        expiry_date: OffsetDateTime::now_utc() + time::Duration::minutes(5),
    }
}

/// The stored values, without the token a loaded record carries.
async fn stored(store: &Store, id: &Id) -> Option<Data> {
    let mut record = store.load(id).await.unwrap()?;
    record.data.remove(BASE_KEY);
    Some(record.data)
}

fn with(mut record: Record, key: &str, value: &str) -> Record {
    record.data.insert(key.to_owned(), Value::from(value));
    record
}

async fn two_saves_from_one_load_both_land(kind: &str) {
    let Some((store, _kept)) = open(kind, None).await else {
        return;
    };
    let mut created = record(&[("user", "Admin")]);
    store.create(&mut created).await.unwrap();
    let first = store.load(&created.id).await.unwrap().unwrap();
    let second = store.load(&created.id).await.unwrap().unwrap();
    store.save(&with(first, "colour", "blue")).await.unwrap();
    store.save(&with(second, "size", "L")).await.unwrap();
    let data = stored(&store, &created.id).await.unwrap();
    assert_eq!(data.len(), 3, "{kind}: {:?}", data.keys());
}

async fn a_save_after_a_delete_writes_nothing(kind: &str) {
    let Some((store, _kept)) = open(kind, None).await else {
        return;
    };
    let mut created = record(&[("user", "Admin")]);
    store.create(&mut created).await.unwrap();
    let loaded = store.load(&created.id).await.unwrap().unwrap();
    store.delete(&created.id).await.unwrap();
    store.save(&with(loaded, "colour", "blue")).await.unwrap();
    assert_eq!(
        stored(&store, &created.id).await,
        None,
        "{kind}: resurrected"
    );
}

/// A request saves, another writes the same key, then the first saves again
/// what it had (tower-sessions' save after the handler): the other's write
/// stays.
async fn a_second_save_compares_with_its_own_first_write(kind: &str) {
    let Some((store, _kept)) = open(kind, None).await else {
        return;
    };
    let mut created = record(&[("user", "Admin")]);
    store.create(&mut created).await.unwrap();
    let ours = with(
        store.load(&created.id).await.unwrap().unwrap(),
        "colour",
        "blue",
    );
    store.save(&ours).await.unwrap();
    let theirs = store.load(&created.id).await.unwrap().unwrap();
    store.save(&with(theirs, "colour", "red")).await.unwrap();
    store.save(&ours).await.unwrap();
    let data = stored(&store, &created.id).await.unwrap();
    assert_eq!(data["colour"], Value::from("red"), "{kind}: undone");
}

/// A full store refuses a new session, not a stored one's new id (its old
/// record is deleted first, as `Session::cycle_id` does).
async fn a_new_id_after_a_load_is_not_held_to_the_bound(kind: &str) {
    let Some((store, _kept)) = open(kind, Some(1)).await else {
        return;
    };
    let mut created = record(&[("user", "Admin")]);
    store.create(&mut created).await.unwrap();
    let mut renewed = store.load(&created.id).await.unwrap().unwrap();
    store.delete(&created.id).await.unwrap();
    renewed.id = Id::default();
    store.create(&mut renewed).await.unwrap();
    assert!(stored(&store, &renewed.id).await.is_some(), "{kind}");
    let refused = store.create(&mut record(&[("user", "Eve")])).await;
    let err = refused.expect_err("a new session on a full store");
    assert!(
        matches!(StoreFailure::from(&err), StoreFailure::Full),
        "{kind}: {err}"
    );
}

/// A request that saves, changes its session again and saves once more
/// (tower-sessions' trailing save after an explicit one) stores the second
/// change too: a value changed, a key added. Only a save with nothing new
/// since the last one is skipped.
async fn changes_after_a_save_are_saved_too(kind: &str) {
    let Some((store, _kept)) = open(kind, None).await else {
        return;
    };
    let mut created = record(&[("colour", "blue")]);
    store.create(&mut created).await.unwrap();
    let saved = with(created, "colour", "red");
    store.save(&saved).await.unwrap();
    let data = stored(&store, &saved.id).await.unwrap();
    assert_eq!(data["colour"], Value::from("red"), "{kind}: after a create");
    store.save(&saved).await.unwrap();
    let changed = with(saved, "colour", "green");
    store.save(&changed).await.unwrap();
    let added = with(changed, "size", "L");
    store.save(&added).await.unwrap();
    let data = stored(&store, &added.id).await.unwrap();
    assert_eq!(
        data["colour"],
        Value::from("green"),
        "{kind}: a changed value"
    );
    assert_eq!(data["size"], Value::from("L"), "{kind}: an added key");
}

/// A save whose base is gone (a forged token, or one past its time), or is
/// another session's, fails and writes nothing.
async fn a_save_whose_base_is_gone_writes_nothing(kind: &str) {
    let Some((store, _kept)) = open(kind, None).await else {
        return;
    };
    let mut created = record(&[("user", "Admin")]);
    store.create(&mut created).await.unwrap();
    let mut forged = with(created.clone(), "colour", "blue");
    forged.data.insert(BASE_KEY.to_owned(), Value::from(42_u64));
    let err = store.save(&forged).await.expect_err("no base, no save");
    assert!(
        matches!(StoreFailure::from(&err), StoreFailure::NoBase),
        "{kind}: {err}"
    );
    assert!(!stored(&store, &created.id)
        .await
        .unwrap()
        .contains_key("colour"));
    // A token that names another session's base is no base for this one:
    // never a merge of one session's changes into another's record.
    let mut other = record(&[("user", "Eve")]);
    store.create(&mut other).await.unwrap();
    let mut crossed = store.load(&created.id).await.unwrap().unwrap();
    crossed.id = other.id;
    let err = store
        .save(&with(crossed, "colour", "red"))
        .await
        .expect_err("another session's base, no save");
    assert!(
        matches!(StoreFailure::from(&err), StoreFailure::NoBase),
        "{kind}: {err}"
    );
    let theirs = stored(&store, &other.id).await.unwrap();
    assert_eq!(theirs.get("user"), Some(&Value::from("Eve")), "{kind}");
    assert!(!theirs.contains_key("colour"), "{kind}");
}
