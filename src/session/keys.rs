//! The rules for a visitor's own keys and values, as the workbench's form
//! sets them. Keys starting with `_` are the app's own bookkeeping: never
//! listed, never settable.

use crate::{
    error::AppError,
    limits::{KEY_MAX_CHARS, VALUE_MAX_BYTES},
};

/// Keys that start with this are the app's own bookkeeping (when the session
/// began, when it was last refreshed): never a visitor's, never listed.
pub const BOOKKEEPING_PREFIX: char = '_';

/// The key as it will be kept (without surrounding spaces), if allowed.
///
/// # Errors
/// [`AppError::KeyMissing`], [`AppError::KeyNotPlain`],
/// [`AppError::KeyReserved`] or [`AppError::KeyTooLong`].
pub fn key(text: &str) -> Result<&str, AppError> {
    let key = text.trim();
    if key.is_empty() {
        Err(AppError::KeyMissing)
    } else if key.chars().any(char::is_control) {
        Err(AppError::KeyNotPlain)
    } else if key.starts_with(BOOKKEEPING_PREFIX) {
        Err(AppError::KeyReserved)
    } else if key.chars().count() > KEY_MAX_CHARS {
        Err(AppError::KeyTooLong)
    } else {
        Ok(key)
    }
}

/// The value, if allowed: any text up to [`VALUE_MAX_BYTES`].
///
/// # Errors
/// [`AppError::ValueTooLong`].
pub fn value(text: &str) -> Result<&str, AppError> {
    if text.len() > VALUE_MAX_BYTES {
        Err(AppError::ValueTooLong)
    } else {
        Ok(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_named_plain_and_not_the_apps() {
        assert_eq!(key("  colour "), Ok("colour"));
        assert_eq!(key(""), Err(AppError::KeyMissing));
        assert_eq!(key("   "), Err(AppError::KeyMissing));
        assert_eq!(key("a\nb"), Err(AppError::KeyNotPlain));
        assert_eq!(key("tab\there"), Err(AppError::KeyNotPlain));
        assert_eq!(key("nul\u{0}"), Err(AppError::KeyNotPlain));
        assert_eq!(key("_created_at"), Err(AppError::KeyReserved));
        assert_eq!(key("Username"), Ok("Username"));
    }

    #[test]
    fn limits_hold_at_n_and_refuse_n_plus_one() {
        let longest = "é".repeat(KEY_MAX_CHARS);
        assert_eq!(key(&longest), Ok(longest.as_str()));
        assert_eq!(
            key(&"é".repeat(KEY_MAX_CHARS + 1)),
            Err(AppError::KeyTooLong)
        );
        let largest = "x".repeat(VALUE_MAX_BYTES);
        assert_eq!(value(&largest), Ok(largest.as_str()));
        assert_eq!(
            value(&"x".repeat(VALUE_MAX_BYTES + 1)),
            Err(AppError::ValueTooLong)
        );
        // Bytes, not characters: 4 KB of text whatever the script.
        assert_eq!(
            value(&"é".repeat(VALUE_MAX_BYTES / 2 + 1)),
            Err(AppError::ValueTooLong)
        );
    }
}
