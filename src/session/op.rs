//! The seed's three operations, as its plain routes and the page's buttons
//! run them.

use super::UserSession;
use crate::{
    answer::{Answer, ADMIN},
    error::AppError,
};

/// One of the seed's operations on the session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Set,
    Get,
    Pop,
}

impl Op {
    pub const ALL: [Self; 3] = [Self::Set, Self::Get, Self::Pop];

    /// The seed's name for it: its route is `/<name>session`.
    pub fn name(self) -> &'static str {
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

    /// Runs the operation on `session`.
    ///
    /// # Errors
    /// [`AppError::StoreUnavailable`] when the store fails.
    pub async fn run(self, session: &UserSession) -> Result<Answer, AppError> {
        match self {
            Self::Set => {
                session.set_user(ADMIN).await?;
                Ok(Answer::Set)
            }
            Self::Get => Ok(Answer::Welcome(session.user().await?)),
            Self::Pop => {
                session.pop_user().await?;
                Ok(Answer::Deleted)
            }
        }
    }
}
