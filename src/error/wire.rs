//! An [`AppError`] as a server function's error body: its code, for the page
//! (and any client) to act on, and its message, the words the page shows,
//! limits included, for a client of the server functions that has no page:
//!
//! `{"code":"note_too_long","message":"The note is too long: at most 500 characters. Nothing was changed."}`
//!
//! The code is [`AppError::code`], the one a no-JS redirect carries too.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::AppError;
use crate::limits::NewSessionsRefusal;

#[derive(Serialize, Deserialize)]
struct Body {
    code: String,
    message: String,
    /// What was not understood, for [`AppError::BadRequest`] alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    detail: Option<String>,
    /// The limit a refused new session met, for
    /// [`AppError::TooManyNewSessions`] alone: numbers, never words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    limit: Option<NewSessionsRefusal>,
}

impl Serialize for AppError {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        Body {
            code: self.code().to_owned(),
            message: self.to_string(),
            detail: match self {
                Self::BadRequest(detail) => Some(detail.clone()),
                _ => None,
            },
            limit: match self {
                Self::TooManyNewSessions(limit) => *limit,
                _ => None,
            },
        }
        .serialize(serializer)
    }
}

/// From the code, never from the message: a body cannot put words of its
/// own on the page (an unknown code reads as [`AppError::Internal`]).
impl<'de> Deserialize<'de> for AppError {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let body = Body::deserialize(deserializer)?;
        Ok(match (Self::from_code(&body.code), body.detail) {
            (Self::BadRequest(_), Some(detail)) => Self::BadRequest(detail),
            (Self::TooManyNewSessions(_), _) => Self::TooManyNewSessions(body.limit),
            (err, _) => err,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_body_carries_the_code_and_the_message_with_the_limit() {
        let body = serde_json::to_value(AppError::NoteTooLong).unwrap();
        assert_eq!(body["code"], "note_too_long");
        let message = body["message"].as_str().unwrap();
        assert!(message.contains("at most 500 characters"), "{message}");
        assert_eq!(
            serde_json::from_value::<AppError>(body).unwrap(),
            AppError::NoteTooLong
        );
        let limited = AppError::TooManyNewSessions(Some(NewSessionsRefusal {
            burst: 200,
            per_minute: 300,
            retry_after_secs: 1,
        }));
        let body = serde_json::to_string(&limited).unwrap();
        assert!(body.contains(r#""code":"too_many_new_sessions""#), "{body}");
        assert_eq!(serde_json::from_str::<AppError>(&body).unwrap(), limited);
        let bad = AppError::BadRequest("missing field `value`".into());
        let body = serde_json::to_string(&bad).unwrap();
        assert_eq!(serde_json::from_str::<AppError>(&body).unwrap(), bad);
    }

    #[test]
    fn a_body_cannot_choose_the_words() {
        let forged = r#"{"code":"key_reserved","message":"<script>","detail":"<script>"}"#;
        let err: AppError = serde_json::from_str(forged).unwrap();
        assert_eq!(err, AppError::KeyReserved);
        let unknown = r#"{"code":"nope","message":"<script>"}"#;
        let err: AppError = serde_json::from_str(unknown).unwrap();
        assert_eq!(err, AppError::Internal);
    }
}
