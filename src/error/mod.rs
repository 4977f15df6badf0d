//! The one error type the page, the server functions and the plain routes share.
//!
//! Its messages are written for the person at the browser: each says what went
//! wrong from their side and never carries internals (store errors are logged
//! on the server and replaced by an opaque variant).

use leptos::server_fn::{
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};

use crate::limits::{
    NewSessionsRefusal, BODY_LIMIT_KB, KEY_MAX_CHARS, MAX_KEYS, NOTE_MAX_CHARS, VALUE_MAX_KB,
};

#[cfg(feature = "ssr")]
mod ssr;
mod wire;
#[cfg(feature = "ssr")]
pub use ssr::with_app_error_status;

/// What went wrong, as a user may see it.
///
/// As a server function's error body it is its code and its message (see
/// `wire.rs`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AppError {
    /// The session store did not answer; nothing was changed.
    #[error("The session store is unavailable right now. Nothing was changed; please try again in a moment.")]
    StoreUnavailable,
    /// The request itself was malformed (bad form body, unknown field, …).
    #[error("The request was not understood: {0}")]
    BadRequest(String),
    /// A body that is not a URL-encoded form, the one encoding every server
    /// function reads; nothing was changed.
    #[error("The request was not understood: send the fields as application/x-www-form-urlencoded, as the page's forms do. Nothing was changed.")]
    NotAForm,
    /// A note longer than [`NOTE_MAX_CHARS`]; nothing was changed.
    #[error("The note is too long: at most {NOTE_MAX_CHARS} characters. Nothing was changed.")]
    NoteTooLong,
    /// A request body over [`crate::limits::BODY_LIMIT`]; it was not read.
    #[error("The request is too large: at most {BODY_LIMIT_KB} KB. Nothing was changed.")]
    RequestTooLarge,
    /// A key with no name; nothing was changed.
    #[error("The key is empty: give it a name. Nothing was changed.")]
    KeyMissing,
    /// A key longer than [`KEY_MAX_CHARS`]; nothing was changed.
    #[error("The key is too long: at most {KEY_MAX_CHARS} characters. Nothing was changed.")]
    KeyTooLong,
    /// A key starting with `_`: those are the app's own bookkeeping.
    #[error("Keys starting with _ are the app's own bookkeeping: choose another name. Nothing was changed.")]
    KeyReserved,
    /// A key with control characters (line breaks, tabs, …).
    #[error("The key has control characters (such as a line break or a tab): use plain text. Nothing was changed.")]
    KeyNotPlain,
    /// A value over [`VALUE_MAX_KB`]; nothing was changed.
    #[error("The value is too long: at most {VALUE_MAX_KB} KB. Nothing was changed.")]
    ValueTooLong,
    /// A new key when the session holds [`MAX_KEYS`] already.
    #[error("The session holds {MAX_KEYS} keys already: pop one first. Nothing was changed.")]
    TooManyKeys,
    /// A new session beyond the limit per client; nothing was stored. The
    /// numbers are there when the server said them (a no-JS redirect
    /// carries the code alone).
    #[error("{}", too_many_new_sessions(.0.as_ref()))]
    TooManyNewSessions(Option<NewSessionsRefusal>),
    /// A new session when the store holds the most it may; sessions
    /// already started keep working.
    #[error("The session store is full, so no new session can be started right now; sessions already started keep working. Nothing was changed; please try again later.")]
    SessionStoreFull,
    /// The browser could not reach the server at all.
    #[error("Could not reach the server. Check the connection and try again.")]
    Unreachable,
    /// A fault on the server that the user cannot fix; the cause is in the server log.
    #[error("Something went wrong on the server. Please try again.")]
    Internal,
}

impl AppError {
    /// A short stable name, used to carry the error through a no-JS redirect.
    pub fn code(&self) -> &'static str {
        match self {
            Self::StoreUnavailable => "store_unavailable",
            Self::BadRequest(_) => "bad_request",
            Self::NotAForm => "not_a_form",
            Self::NoteTooLong => "note_too_long",
            Self::RequestTooLarge => "request_too_large",
            Self::KeyMissing => "key_missing",
            Self::KeyTooLong => "key_too_long",
            Self::KeyReserved => "key_reserved",
            Self::KeyNotPlain => "key_not_plain",
            Self::ValueTooLong => "value_too_long",
            Self::TooManyKeys => "too_many_keys",
            Self::TooManyNewSessions(_) => "too_many_new_sessions",
            Self::SessionStoreFull => "store_full",
            Self::Unreachable => "unreachable",
            Self::Internal => "internal",
        }
    }

    /// Which field of the key/value form the error is about, for the page to
    /// show it beside that field.
    pub fn field(&self) -> Option<Field> {
        match self {
            Self::KeyMissing
            | Self::KeyTooLong
            | Self::KeyReserved
            | Self::KeyNotPlain
            | Self::TooManyKeys => Some(Field::Key),
            Self::ValueTooLong => Some(Field::Value),
            _ => None,
        }
    }

    /// The inverse of [`AppError::code`]; unknown codes read as [`AppError::Internal`]
    /// so a hand-edited URL cannot put arbitrary text on the page.
    pub fn from_code(code: &str) -> Self {
        match code {
            "store_unavailable" => Self::StoreUnavailable,
            "bad_request" => Self::BadRequest("the form could not be read".into()),
            "not_a_form" => Self::NotAForm,
            "note_too_long" => Self::NoteTooLong,
            "request_too_large" => Self::RequestTooLarge,
            "key_missing" => Self::KeyMissing,
            "key_too_long" => Self::KeyTooLong,
            "key_reserved" => Self::KeyReserved,
            "key_not_plain" => Self::KeyNotPlain,
            "value_too_long" => Self::ValueTooLong,
            "too_many_keys" => Self::TooManyKeys,
            "too_many_new_sessions" => Self::TooManyNewSessions(None),
            "store_full" => Self::SessionStoreFull,
            "unreachable" => Self::Unreachable,
            _ => Self::Internal,
        }
    }
}

/// The words of [`AppError::TooManyNewSessions`]: the limit and when to
/// try again, when known.
fn too_many_new_sessions(refusal: Option<&NewSessionsRefusal>) -> String {
    const START: &str = "Too many new sessions were started from your network";
    match refusal {
        Some(r) => format!(
            "{START} (at most {} at once, then {} a minute). Nothing was changed; try again in {} s.",
            r.burst, r.per_minute, r.retry_after_secs
        ),
        None => format!("{START}. Nothing was changed; try again in a minute."),
    }
}

/// A field of the key/value form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Key,
    Value,
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Args(msg)
            | ServerFnErrorErr::MissingArg(msg)
            | ServerFnErrorErr::UnsupportedRequestMethod(msg) => Self::BadRequest(msg),
            // On the server, a request whose body does not decode (bad
            // UTF-8, bad JSON): the client's mistake. In the browser, an
            // answer that does not decode: not the visitor's.
            #[cfg(feature = "ssr")]
            ServerFnErrorErr::Deserialization(msg) => Self::BadRequest(msg),
            ServerFnErrorErr::Request(_) => Self::Unreachable,
            _ => Self::Internal,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_unknown_codes_stay_opaque() {
        for e in [
            AppError::StoreUnavailable,
            AppError::NotAForm,
            AppError::NoteTooLong,
            AppError::RequestTooLarge,
            AppError::KeyMissing,
            AppError::KeyTooLong,
            AppError::KeyReserved,
            AppError::KeyNotPlain,
            AppError::ValueTooLong,
            AppError::TooManyKeys,
            AppError::TooManyNewSessions(None),
            AppError::SessionStoreFull,
            AppError::Unreachable,
            AppError::Internal,
        ] {
            assert_eq!(AppError::from_code(e.code()), e);
        }
        assert_eq!(AppError::from_code("<script>"), AppError::Internal);
    }

    #[test]
    fn size_messages_quote_the_limits() {
        let max = format!("at most {NOTE_MAX_CHARS} characters");
        assert!(AppError::NoteTooLong.to_string().contains(&max));
        let max = format!("at most {BODY_LIMIT_KB} KB");
        assert!(AppError::RequestTooLarge.to_string().contains(&max));
        let max = format!("at most {KEY_MAX_CHARS} characters");
        assert!(AppError::KeyTooLong.to_string().contains(&max));
        let max = format!("at most {VALUE_MAX_KB} KB");
        assert!(AppError::ValueTooLong.to_string().contains(&max));
        assert!(AppError::TooManyKeys
            .to_string()
            .contains(&MAX_KEYS.to_string()));
        let refused = AppError::TooManyNewSessions(Some(NewSessionsRefusal {
            burst: 3,
            per_minute: 60,
            retry_after_secs: 2,
        }));
        let message = refused.to_string();
        assert!(
            message.contains("at most 3 at once, then 60 a minute"),
            "{message}"
        );
        assert!(message.contains("try again in 2 s"), "{message}");
    }

    #[test]
    #[cfg(feature = "ssr")]
    fn a_request_that_does_not_decode_is_the_clients_mistake() {
        let err = AppError::from_server_fn_error(ServerFnErrorErr::Deserialization(
            "invalid utf-8".into(),
        ));
        assert_eq!(err, AppError::BadRequest("invalid utf-8".into()));
    }

    #[test]
    fn server_fn_errors_never_leak_internals() {
        let internal = AppError::from_server_fn_error(ServerFnErrorErr::ServerError("db".into()));
        assert!(
            !internal.to_string().contains("db"),
            "internals must not leak"
        );
    }
}
