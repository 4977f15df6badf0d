//! The visitor's own keys and values: one typed map under one session key
//! (the way tower-sessions' "strongly-typed" example keeps an app's data),
//! so listing them is reading it, and the app's bookkeeping (`_created_at`,
//! `_refreshed_at`) sits beside the map, never among the visitor's keys.
//! The store merges concurrent saves one level into the map: two tabs that
//! set different keys both land.

use std::collections::BTreeMap;

use serde_json::Value;
use tower_sessions_lossless_store::{Data, BASE_KEY};

use super::keys::BOOKKEEPING_PREFIX;

/// The visitor's keys and their values, in key order.
pub type Entries = BTreeMap<String, Value>;

/// The session key the visitor's [`Entries`] are kept under.
pub const ENTRIES: &str = "entries";

/// Brings a record stored by an earlier version, which kept each of the
/// visitor's keys at the top level beside the bookkeeping, to this layout:
/// those keys move into the map (read through
/// `tower_sessions_lossless_store::StoreSettings::upgrade`, so sessions and
/// cookies issued before stay valid).
pub fn fold_into_entries(data: &mut Data) {
    let loose: Vec<String> = data
        .keys()
        .filter(|key| !key.starts_with(BOOKKEEPING_PREFIX) && *key != ENTRIES && *key != BASE_KEY)
        .cloned()
        .collect();
    if loose.is_empty() {
        return;
    }
    let mut entries = match data.remove(ENTRIES) {
        Some(Value::Object(map)) => map,
        _ => serde_json::Map::new(),
    };
    for key in loose {
        if let Some(value) = data.remove(&key) {
            entries.entry(key).or_insert(value);
        }
    }
    data.insert(ENTRIES.to_owned(), Value::Object(entries));
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn an_earlier_versions_keys_move_into_the_map_and_bookkeeping_stays() {
        let mut data = Data::from([
            ("Username".to_owned(), json!("Admin")),
            ("colour".to_owned(), json!("blue")),
            ("_created_at".to_owned(), json!(1)),
        ]);
        fold_into_entries(&mut data);
        assert_eq!(
            data,
            Data::from([
                (
                    ENTRIES.to_owned(),
                    json!({"Username": "Admin", "colour": "blue"})
                ),
                ("_created_at".to_owned(), json!(1)),
            ])
        );
        let folded = data.clone();
        fold_into_entries(&mut data);
        assert_eq!(data, folded, "a record of this version is left as it is");
    }
}
