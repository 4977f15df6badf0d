//! The visitor's note: a short text kept in the session next to the seed's
//! `Username`, so that a session can hold more than one thing.
//!
//! It is what makes two of the session rules visible: a pop that leaves the
//! note keeps the session, and a note saved while another request changes
//! the session is kept (the store merges the two).

use crate::error::AppError;

/// The longest note kept, in characters; the page's input says the same.
pub const MAX_CHARS: usize = 500;
/// The answer to a saved note.
pub const SAVED_ANSWER: &str = "Note saved";
/// The answer to saving an empty note.
pub const CLEARED_ANSWER: &str = "Note cleared";

/// The note as it will be kept: trimmed, `None` when empty.
///
/// # Errors
/// [`AppError::NoteTooLong`] beyond [`MAX_CHARS`].
pub fn parse(text: &str) -> Result<Option<String>, AppError> {
    let text = text.trim();
    if text.chars().count() > MAX_CHARS {
        return Err(AppError::NoteTooLong);
    }
    Ok((!text.is_empty()).then(|| text.to_owned()))
}

/// The names a no-JS redirect carries (`/?answer=note-saved`).
pub const SAVED_NAME: &str = "note-saved";
pub const CLEARED_NAME: &str = "note-cleared";

/// The answer a redirect name stands for, if it is a note's.
pub fn answer_named(name: &str) -> Option<&'static str> {
    match name {
        SAVED_NAME => Some(SAVED_ANSWER),
        CLEARED_NAME => Some(CLEARED_ANSWER),
        _ => None,
    }
}

/// The answer to saving `note`.
pub fn answer(note: Option<&str>) -> &'static str {
    if note.is_some() {
        SAVED_ANSWER
    } else {
        CLEARED_ANSWER
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_are_trimmed_and_bounded() {
        assert_eq!(parse("  milk \n").unwrap().as_deref(), Some("milk"));
        assert_eq!(parse("   ").unwrap(), None);
        assert_eq!(
            parse(&"é".repeat(MAX_CHARS))
                .unwrap()
                .unwrap()
                .chars()
                .count(),
            MAX_CHARS
        );
        assert_eq!(
            parse(&"é".repeat(MAX_CHARS + 1)),
            Err(AppError::NoteTooLong)
        );
    }
}
