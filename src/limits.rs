//! The numbers the server enforces, in one place: the checks use them and
//! so do the messages that explain a refusal (see [`crate::error::AppError`]).
//! Both builds: the page's inputs say the same limits.

/// The longest note kept, in characters.
pub const NOTE_MAX_CHARS: usize = 500;

/// The largest request body the server reads, in KiB (a note of 500
/// four-byte characters, form-encoded, is 6 KiB).
pub const BODY_LIMIT_KB: usize = 16;

/// [`BODY_LIMIT_KB`] in bytes.
pub const BODY_LIMIT: usize = BODY_LIMIT_KB * 1024;

/// The longest key a visitor may set, in characters.
pub const KEY_MAX_CHARS: usize = 64;

/// The largest value a visitor may set, in KiB of UTF-8.
pub const VALUE_MAX_KB: usize = 4;

/// [`VALUE_MAX_KB`] in bytes.
pub const VALUE_MAX_BYTES: usize = VALUE_MAX_KB * 1024;

/// The most keys one session holds (the app's bookkeeping not counted).
pub const MAX_KEYS: usize = 64;

/// The most new sessions one client may start at once (see
/// [`NEW_SESSIONS_PER_MINUTE`]): a hundred people behind one address
/// signing in within the same minute pass twice over.
pub const NEW_SESSIONS_BURST: u32 = 200;

/// How many new sessions a minute one client may start once its burst is
/// spent (five a second): a shared address's steady trickle of new
/// visitors passes, a flood from one machine (4,400 a second measured) is
/// cut to a thousandth of its rate.
pub const NEW_SESSIONS_PER_MINUTE: u32 = 300;

/// The most live sessions the store may hold, unless `SESSION_MAX_SESSIONS`
/// says otherwise (on Redis the default comes from its `maxmemory`): the
/// store crate's default bound.
#[cfg(feature = "ssr")]
pub use tower_sessions_lossless_store::MAX_SESSIONS;

/// When to ask again after [`crate::error::AppError::SessionStoreFull`]:
/// room comes back as sessions end, not within a second.
pub const STORE_FULL_RETRY_SECS: u64 = 60;

/// A refusal of a new session by the limit per client, with the numbers
/// its message quotes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct NewSessionsRefusal {
    /// The most new sessions at once.
    pub burst: u32,
    /// New sessions a minute after the burst.
    pub per_minute: u32,
    /// When one more will be let through, in whole seconds.
    pub retry_after_secs: u64,
}
