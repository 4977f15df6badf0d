//! The visitor's note: a short text kept in the session next to the seed's
//! `Username`, so that a session can hold more than one thing.
//!
//! It is what makes two of the session rules visible: a pop that leaves the
//! note keeps the session, and a note saved while another request changes
//! the session is kept (the store merges the two).

use crate::{error::AppError, limits::NOTE_MAX_CHARS};

/// The note as it will be kept: trimmed, `None` when empty.
///
/// # Errors
/// [`AppError::NoteTooLong`] beyond [`NOTE_MAX_CHARS`].
pub fn parse(text: &str) -> Result<Option<String>, AppError> {
    let text = text.trim();
    if text.chars().count() > NOTE_MAX_CHARS {
        return Err(AppError::NoteTooLong);
    }
    Ok((!text.is_empty()).then(|| text.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_are_trimmed_and_bounded() {
        assert_eq!(parse("  milk \n").unwrap().as_deref(), Some("milk"));
        assert_eq!(parse("   ").unwrap(), None);
        let longest = "é".repeat(NOTE_MAX_CHARS);
        assert_eq!(parse(&longest).unwrap(), Some(longest));
        assert_eq!(
            parse(&"é".repeat(NOTE_MAX_CHARS + 1)),
            Err(AppError::NoteTooLong)
        );
    }
}
