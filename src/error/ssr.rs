//! Server-side conversions: causes are logged here and never reach the client.

use axum::{
    body::{to_bytes, Body},
    http::StatusCode,
    response::{IntoResponse, Response},
};

use super::AppError;

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
            Self::Unreachable => StatusCode::BAD_GATEWAY,
            Self::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl From<crate::session::store::StoreFailure> for AppError {
    fn from(err: crate::session::store::StoreFailure) -> Self {
        // While the breaker is open every request is refused: it said so
        // once, when it opened.
        if matches!(err, crate::session::store::StoreFailure::Down) {
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
        (self.status_code(), self.to_string()).into_response()
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
