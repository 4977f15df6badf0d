//! What the workbench shows of a visitor's session: what the browser holds
//! and what the server holds. Both builds: the server fills it in, the page
//! renders it.

use serde::{Deserialize, Serialize};

/// The key the seed's user name is kept under, among the visitor's keys.
pub const USERNAME: &str = "Username";
/// The key the note is kept under, among the visitor's keys.
pub const NOTE: &str = "Note";

/// Both sides of one session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inspection {
    pub browser: InBrowser,
    pub server: OnServer,
}

/// The session cookie, as the server sets it and the browser sent it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InBrowser {
    pub cookie: String,
    /// The attributes it is set with (`HttpOnly`, `SameSite=Strict`, …).
    pub attributes: Vec<String>,
    /// A short keyed hash of the id the request's cookie carried, if any:
    /// never the id, nor anything that lets someone rebuild it.
    pub fingerprint: Option<String>,
}

/// The store, and the session's record in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OnServer {
    /// "SQLite", "Redis", "PostgreSQL" or "memory".
    pub store: String,
    pub session: Option<Held>,
}

/// A session the store holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Held {
    /// The same keyed hash as [`InBrowser::fingerprint`], of the stored id.
    pub fingerprint: String,
    /// The visitor's keys and values, by key.
    pub entries: Vec<Entry>,
    /// When it began (the login, or its first key), Unix milliseconds.
    pub began_ms: Option<i64>,
    /// When it ends if left idle, Unix milliseconds.
    pub idle_end_ms: i64,
    /// When it ends at the latest, however much it is used.
    pub absolute_end_ms: Option<i64>,
}

/// One of the visitor's keys and its value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub key: String,
    /// The value as it is stored.
    pub value: String,
    /// The value indented, when it is a JSON object or array: what the
    /// panel shows. Indented on the server, so the browser's bundle carries
    /// no JSON formatter (5.3 KB of gzip).
    pub json: Option<String>,
}

#[cfg(feature = "ssr")]
impl Entry {
    pub fn new(key: String, value: String) -> Self {
        let json = match serde_json::from_str::<serde_json::Value>(&value) {
            Ok(json @ (serde_json::Value::Object(_) | serde_json::Value::Array(_))) => {
                serde_json::to_string_pretty(&json).ok()
            }
            _ => None,
        };
        Self { key, value, json }
    }
}

impl Held {
    /// The value of the visitor's `key`, if set.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.entries
            .iter()
            .find(|entry| entry.key == key)
            .map(|entry| entry.value.as_str())
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::Entry;

    #[test]
    fn json_objects_and_arrays_are_indented_and_other_text_is_kept() {
        let shown = |value: &str| Entry::new("k".into(), value.into()).json;
        assert_eq!(shown(r#"{"w":3}"#).as_deref(), Some("{\n  \"w\": 3\n}"));
        assert!(shown("[1,2]").is_some());
        assert_eq!(shown("42"), None);
        assert_eq!(shown("{not json"), None);
    }
}
