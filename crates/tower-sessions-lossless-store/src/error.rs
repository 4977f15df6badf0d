//! The store's errors: one at start-up, when it cannot be opened
//! ([`StoreError`]), and one per failed call while serving ([`StoreFailure`]).

use std::{
    fmt,
    path::{Path, PathBuf},
};

use crate::{BoxError, CodecError, StoreUrl};

/// The store could not be opened at start-up. Once `StoreError::at` has
/// said where, its message starts with the store URL (password masked), so
/// an app can put the name of the setting it came from in front, and names
/// the host or file it reaches, and what to check.
#[derive(Debug)]
pub struct StoreError {
    kind: &'static str,
    source: BoxError,
    /// The message already says what to do: no general advice after it.
    explained: bool,
    in_use: Option<PathBuf>,
    at: Option<Box<Place>>,
}

#[derive(Debug)]
struct Place {
    url: String,
    place: String,
    /// The source's text, any password in it masked.
    cause: String,
    advice: &'static str,
}

impl StoreError {
    pub(crate) fn open(kind: &'static str, source: impl Into<BoxError>) -> Self {
        Self {
            kind,
            source: source.into(),
            explained: false,
            in_use: None,
            at: None,
        }
    }

    /// An error whose message says what to do already.
    pub(crate) fn explained(kind: &'static str, message: impl Into<BoxError>) -> Self {
        Self {
            explained: true,
            ..Self::open(kind, message)
        }
    }

    /// File `path`, which another instance holds in a way that rules this
    /// one out.
    pub(crate) fn in_use(kind: &'static str, path: &Path, message: String) -> Self {
        Self {
            in_use: Some(path.to_owned()),
            ..Self::explained(kind, message)
        }
    }

    /// The store's file, when another running instance holds it and one of
    /// the two was opened with [`crate::CachePolicy::Sole`]. The message
    /// says what to do in this crate's terms; an app can say it in its own
    /// settings' words instead.
    pub fn file_in_use(&self) -> Option<&Path> {
        self.in_use.as_deref()
    }

    /// Says which store URL it was, and what it reaches.
    pub(crate) fn at(mut self, url: &StoreUrl) -> Self {
        self.at = Some(Box::new(Place {
            url: url.to_string(),
            place: url.place(),
            cause: url.mask_in(&self.source.to_string()),
            advice: url.kind().advice,
        }));
        self
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = self.kind;
        let Some(at) = &self.at else {
            return write!(
                f,
                "could not open the {kind} session store: {}",
                self.source
            );
        };
        write!(
            f,
            "{}: could not open the {kind} session store at {}: {}",
            at.url, at.place, at.cause
        )?;
        if !self.explained {
            write!(f, "; check {}", at.advice)?;
        }
        Ok(())
    }
}

impl std::error::Error for StoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(self.source.as_ref())
    }
}

/// A store call failed while serving; the request that needed it gets a 503.
#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreFailure {
    /// The store answered with an error, or did not answer in time: its
    /// message.
    #[error("the session store failed: {0}")]
    Backend(String),
    /// A record could not be encoded, or what the store holds decoded.
    #[error(transparent)]
    Codec(#[from] CodecError),
    /// A save found its session changed by another request every time it
    /// tried: this many times.
    #[error("the session changed on every one of {0} attempts to save it")]
    Contended(usize),
    /// Not asked: the store failed just before, and the breaker is open.
    #[error("the session store is down (not asked: failing fast until a probe answers)")]
    Down,
    /// Not asked: a new session when the store holds its bound
    /// ([`crate::StoreSettings::max_sessions`]).
    #[error("the session store is full (max_sessions): no new session stored")]
    Full,
    /// A save whose record's base (what its request loaded) is no longer
    /// kept: saving without it could undo another request's write, so
    /// nothing is saved (see [`crate::BASE_KEY`]).
    #[error(
        "the session was loaded too long ago to be saved safely (its base is gone); nothing saved"
    )]
    NoBase,
}

impl StoreFailure {
    /// The backend's own error, as text (never with an id or a value in it).
    pub fn backend(err: impl std::fmt::Display) -> Self {
        Self::Backend(err.to_string())
    }
}

impl From<&tower_sessions_core::session_store::Error> for StoreFailure {
    /// The failure this crate's `SessionStore` returned, read back from the
    /// message tower-sessions carries it as (it carries nothing else), so
    /// that a caller can tell a full store or an open breaker from the rest.
    fn from(err: &tower_sessions_core::session_store::Error) -> Self {
        use tower_sessions_core::session_store::Error;
        let message = match err {
            Error::Backend(message) | Error::Encode(message) | Error::Decode(message) => message,
        };
        [Self::Full, Self::Down, Self::NoBase]
            .into_iter()
            .find(|failure| failure.to_string() == *message)
            .unwrap_or_else(|| {
                let prefix = Self::Backend(String::new()).to_string();
                Self::Backend(message.strip_prefix(&prefix).unwrap_or(message).to_owned())
            })
    }
}
