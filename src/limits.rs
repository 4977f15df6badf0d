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
