//! Server-side conversions: causes are logged here and never reach the client.

use axum::{
    http::StatusCode,
    response::{IntoResponse, Response},
};

use super::AppError;

impl AppError {
    /// [`AppError::status`] as an HTTP status code.
    pub fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }
}

impl From<tower_sessions::session::Error> for AppError {
    fn from(err: tower_sessions::session::Error) -> Self {
        tracing::error!(error = %err, "session store call failed");
        Self::StoreUnavailable
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        (self.status_code(), self.to_string()).into_response()
    }
}
