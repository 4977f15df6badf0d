//! The seed's three operations and the exact answers it gives.
//!
//! Shared by both builds: the server computes the answers, the page parses the
//! `?answer=` a no-JS redirect carries.

/// The user name the seed's `/setsession` stores.
pub const ADMIN: &str = "Admin";
/// The answer to a set.
pub const SET_ANSWER: &str = "The session has been Set";
/// The answer to a pop.
pub const POP_ANSWER: &str = "Session Deleted";

/// One of the seed's operations on the session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Set,
    Get,
    Pop,
}

impl Op {
    /// The name used in URLs (`?answer=set`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Set => "set",
            Self::Get => "get",
            Self::Pop => "pop",
        }
    }

    /// Whether the operation changes the session.
    pub fn mutates(self) -> bool {
        matches!(self, Self::Set | Self::Pop)
    }

    /// Reads a name written by [`Op::as_str`]; anything else is `None`.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "set" => Some(Self::Set),
            "get" => Some(Self::Get),
            "pop" => Some(Self::Pop),
            _ => None,
        }
    }
}

/// The answer to a get: the stored name, or the seed's anonymous greeting.
pub fn welcome(user: Option<&str>) -> String {
    format!("Welcome {}", user.unwrap_or("Anonymous"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn welcome_uses_the_stored_name() {
        assert_eq!(welcome(Some(ADMIN)), "Welcome Admin");
        assert_eq!(welcome(Some("Grace")), "Welcome Grace");
        assert_eq!(welcome(None), "Welcome Anonymous");
    }

    #[test]
    fn names_round_trip() {
        for op in [Op::Set, Op::Get, Op::Pop] {
            assert_eq!(Op::parse(op.as_str()), Some(op));
        }
        assert_eq!(Op::parse("drop"), None);
    }
}
