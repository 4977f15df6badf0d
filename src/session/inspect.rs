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
    pub entries: Vec<(String, String)>,
    /// When it began (the login, or its first key), Unix milliseconds.
    pub began_ms: Option<i64>,
    /// When it ends if left idle, Unix milliseconds.
    pub idle_end_ms: i64,
    /// When it ends at the latest, however much it is used.
    pub absolute_end_ms: Option<i64>,
}

impl Held {
    /// The value of the visitor's `key`, if set.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.entries
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, value)| value.as_str())
    }
}
