//! Server-side conversions: causes are logged here and never reach the client.

use axum::{
    body::{to_bytes, Body},
    http::{header::RETRY_AFTER, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};

use tower_sessions_lossless_store::StoreFailure;

use super::AppError;
use crate::limits::STORE_FULL_RETRY_SECS;

impl AppError {
    /// The HTTP status this error is answered with.
    pub fn status_code(&self) -> StatusCode {
        match self {
            Self::StoreUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            Self::BadRequest(_)
            | Self::KeyMissing
            | Self::KeyTooLong
            | Self::KeyReserved
            | Self::KeyNotPlain => StatusCode::BAD_REQUEST,
            Self::NoteTooLong | Self::RequestTooLarge | Self::ValueTooLong => {
                StatusCode::PAYLOAD_TOO_LARGE
            }
            Self::NotAForm => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::TooManyKeys => StatusCode::UNPROCESSABLE_ENTITY,
            Self::TooManyNewSessions(_) => StatusCode::TOO_MANY_REQUESTS,
            Self::SessionStoreFull => StatusCode::SERVICE_UNAVAILABLE,
            Self::Unreachable => StatusCode::BAD_GATEWAY,
            Self::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The answer's `Retry-After`, in seconds, where the refusal says when
    /// to ask again (a store that is down gets the layer's default instead).
    pub fn retry_after_secs(&self) -> Option<u64> {
        match self {
            Self::TooManyNewSessions(Some(refusal)) => Some(refusal.retry_after_secs),
            Self::TooManyNewSessions(None) => Some(60),
            Self::SessionStoreFull => Some(STORE_FULL_RETRY_SECS),
            _ => None,
        }
    }
}

impl From<StoreFailure> for AppError {
    fn from(err: StoreFailure) -> Self {
        // Counted and logged (at most once a minute) by the store.
        if matches!(err, StoreFailure::Full) {
            return Self::SessionStoreFull;
        }
        // While the breaker is open every request is refused: it said so
        // once, when it opened.
        if matches!(err, StoreFailure::Down) {
            tracing::debug!(error = %err, "session store call refused");
        } else {
            tracing::error!(error = %err, "session store call failed");
        }
        Self::StoreUnavailable
    }
}

/// Gives a server function's error response the status its [`AppError`]
/// calls for.
///
/// Leptos answers every server-function error with a 500, including those
/// raised before our code runs (a body that does not parse is the client's
/// mistake, a 400). Error bodies are our small JSON `AppError`s.
pub async fn with_app_error_status(res: Response) -> Response {
    if res.status() != StatusCode::INTERNAL_SERVER_ERROR
        || !res.headers().contains_key("serverfnerror")
    {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let Ok(bytes) = to_bytes(body, 64 * 1024).await else {
        return (parts, Body::empty()).into_response();
    };
    if let Ok(err) = serde_json::from_slice::<AppError>(&bytes) {
        parts.status = err.status_code();
    }
    (parts, Body::from(bytes)).into_response()
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let mut res = (self.status_code(), self.to_string()).into_response();
        if let Some(secs) = self.retry_after_secs() {
            res.headers_mut()
                .insert(RETRY_AFTER, HeaderValue::from(secs));
        }
        res
    }
}

#[cfg(test)]
mod tests {
    use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};

    use super::*;

    #[test]
    fn client_mistakes_are_4xx_and_store_faults_are_503() {
        let bad = AppError::from_server_fn_error(ServerFnErrorErr::Args("x".into()));
        assert_eq!(bad.status_code(), StatusCode::BAD_REQUEST);
        assert_eq!(
            AppError::StoreUnavailable.status_code(),
            StatusCode::SERVICE_UNAVAILABLE
        );
    }
}
