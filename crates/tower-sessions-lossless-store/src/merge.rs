//! Concurrent saves of one session, merged key by key.
//!
//! A request saves its session whole: one that loaded it, changed one key and
//! saved would put back every other key as it found them, undoing what a
//! concurrent request of the same visitor changed meanwhile (a pop in one tab,
//! a note saved in another). The race test measured 17 to 60 lost updates in
//! 60 sessions, depending on the store, before this.
//!
//! So a save names what its request loaded (the base: see
//! [`crate::bases`]) and replaces the stored record only if it still holds
//! that (compare-and-swap); otherwise it re-reads the record and applies to
//! it only the keys this request changed, then tries again.
//!
//! An app that keeps its values as one typed map under one key (as
//! tower-sessions' "strongly-typed" example does) changes one entry of that
//! map at a time: so where the base, ours and theirs are all maps, the merge
//! goes one level into them, and two requests that set different entries
//! both land.

use serde_json::{Map, Value};

use crate::Data;

/// `theirs` with the keys that `ours` changed from `base` changed the same
/// way, one level into values that are maps on all three sides.
pub fn merge(base: &Data, ours: &Data, mut theirs: Data) -> Data {
    // A map that neither the base nor this request had was new to both.
    let none = Map::new();
    for key in base.keys().chain(ours.keys()) {
        let (was, now) = (base.get(key), ours.get(key));
        if was == now {
            continue;
        }
        match (was, now, theirs.get_mut(key)) {
            (None, Some(Value::Object(now)), Some(Value::Object(theirs))) => {
                merge_entries(&none, now, theirs);
            }
            (Some(Value::Object(was)), Some(Value::Object(now)), Some(Value::Object(theirs))) => {
                merge_entries(was, now, theirs);
            }
            (_, Some(value), _) => {
                theirs.insert(key.clone(), value.clone());
            }
            (_, None, _) => {
                theirs.remove(key);
            }
        }
    }
    theirs
}

fn merge_entries(
    base: &Map<String, Value>,
    ours: &Map<String, Value>,
    theirs: &mut Map<String, Value>,
) {
    for key in base.keys().chain(ours.keys()) {
        match (base.get(key), ours.get(key)) {
            (was, now) if was == now => {}
            (_, Some(value)) => {
                theirs.insert(key.clone(), value.clone());
            }
            (_, None) => {
                theirs.remove(key);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use super::*;

    fn data(pairs: &[(&str, Value)]) -> Data {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect()
    }

    #[test]
    fn only_the_keys_a_request_changed_are_applied() {
        let base = data(&[("Username", json!("Admin")), ("Note", json!("first"))]);
        // This request popped the user; another one saved a new note meanwhile.
        let ours = data(&[("Note", json!("first"))]);
        let theirs = data(&[("Username", json!("Admin")), ("Note", json!("second"))]);
        assert_eq!(
            merge(&base, &ours, theirs),
            data(&[("Note", json!("second"))])
        );
    }

    #[test]
    fn a_key_both_requests_changed_takes_the_later_save() {
        let base = data(&[("Note", json!("a"))]);
        let ours = data(&[("Note", json!("ours"))]);
        let theirs = data(&[("Note", json!("theirs"))]);
        assert_eq!(merge(&base, &ours, theirs), ours);
    }

    /// Two tabs set different entries of one typed map, a third removed one.
    #[test]
    fn entries_of_a_map_under_one_key_merge_one_by_one() {
        let base = data(&[("visitor", json!({"a": "1", "gone": "x"}))]);
        let ours = data(&[("visitor", json!({"a": "1", "b": "2"}))]);
        let theirs = data(&[("visitor", json!({"a": "1", "c": "3", "gone": "x"}))]);
        assert_eq!(
            merge(&base, &ours, theirs),
            data(&[("visitor", json!({"a": "1", "b": "2", "c": "3"}))])
        );
    }

    /// Two requests each started the map: both entries land.
    #[test]
    fn a_map_two_requests_started_keeps_both_entries() {
        let ours = data(&[("visitor", json!({"b": "2"}))]);
        let theirs = data(&[("visitor", json!({"c": "3"}))]);
        assert_eq!(
            merge(&Data::new(), &ours, theirs),
            data(&[("visitor", json!({"b": "2", "c": "3"}))])
        );
    }

    /// Deeper than one level, or a map on one side only: the whole value.
    #[test]
    fn a_map_replaced_by_something_else_is_replaced_whole() {
        let base = data(&[("visitor", json!({"a": "1"}))]);
        let ours = data(&[("visitor", json!("text now"))]);
        let theirs = data(&[("visitor", json!({"a": "1", "c": "3"}))]);
        assert_eq!(merge(&base, &ours, theirs), ours);
        // Removed by ours: removed, whatever theirs added to it.
        let ours = Data::new();
        let theirs = data(&[("visitor", json!({"a": "1", "c": "3"}))]);
        assert_eq!(merge(&base, &ours, theirs), Data::new());
    }
}
