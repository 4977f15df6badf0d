//! Every answer a session operation gives, worded once. The seed's answers
//! are kept word for word.
//!
//! Like [`crate::error::AppError`], each has a short stable [`Answer::code`]
//! that a no-JavaScript redirect carries (`/?answer=set`) and the page reads
//! back with [`Answer::from_code`].

use std::fmt;

/// The user name the seed's set stores.
pub const ADMIN: &str = "Admin";

/// What an operation did, as the visitor is told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// "The session has been Set"
    Set,
    /// "Welcome <name>", or "Welcome Anonymous" without a user.
    Welcome(Option<String>),
    /// "Session Deleted"
    Deleted,
    /// "Note saved"
    NoteSaved,
    /// "Note cleared"
    NoteCleared,
    /// "The key was set"
    KeySet,
    /// "The key was popped"
    KeyPopped,
    /// "The session was cleared"
    Cleared,
}

impl fmt::Display for Answer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Set => f.write_str("The session has been Set"),
            Self::Welcome(user) => write!(f, "Welcome {}", user.as_deref().unwrap_or("Anonymous")),
            Self::Deleted => f.write_str("Session Deleted"),
            Self::NoteSaved => f.write_str("Note saved"),
            Self::NoteCleared => f.write_str("Note cleared"),
            Self::KeySet => f.write_str("The key was set"),
            Self::KeyPopped => f.write_str("The key was popped"),
            Self::Cleared => f.write_str("The session was cleared"),
        }
    }
}

impl Answer {
    /// The short stable name a redirect carries.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Set => "set",
            Self::Welcome(_) => "get",
            Self::Deleted => "pop",
            Self::NoteSaved => "note-saved",
            Self::NoteCleared => "note-cleared",
            Self::KeySet => "key-set",
            Self::KeyPopped => "key-popped",
            Self::Cleared => "cleared",
        }
    }

    /// The answer a redirect's code stands for: `Ok(None)` for the greeting,
    /// which the caller reads from the session; `Err` for an unknown code.
    pub fn from_code(code: &str) -> Result<Option<Self>, UnknownCode> {
        match code {
            "set" => Ok(Some(Self::Set)),
            "get" => Ok(None),
            "pop" => Ok(Some(Self::Deleted)),
            "note-saved" => Ok(Some(Self::NoteSaved)),
            "note-cleared" => Ok(Some(Self::NoteCleared)),
            "key-set" => Ok(Some(Self::KeySet)),
            "key-popped" => Ok(Some(Self::KeyPopped)),
            "cleared" => Ok(Some(Self::Cleared)),
            _ => Err(UnknownCode),
        }
    }
}

/// A redirect code no answer has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnknownCode;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seed_answers_word_for_word() {
        assert_eq!(Answer::Set.to_string(), "The session has been Set");
        assert_eq!(
            Answer::Welcome(Some(ADMIN.into())).to_string(),
            "Welcome Admin"
        );
        assert_eq!(Answer::Welcome(None).to_string(), "Welcome Anonymous");
        assert_eq!(Answer::Deleted.to_string(), "Session Deleted");
    }

    #[test]
    fn codes_round_trip_and_the_greeting_is_read_again() {
        for answer in [
            Answer::Set,
            Answer::Deleted,
            Answer::NoteSaved,
            Answer::NoteCleared,
            Answer::KeySet,
            Answer::KeyPopped,
            Answer::Cleared,
        ] {
            assert_eq!(Answer::from_code(answer.code()), Ok(Some(answer)));
        }
        let greeting = Answer::Welcome(Some("Mallory".into()));
        assert_eq!(Answer::from_code(greeting.code()), Ok(None));
        assert_eq!(Answer::from_code("drop"), Err(UnknownCode));
    }
}
