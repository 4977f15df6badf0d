//! Server-side conversions: causes are logged here and never reach the client.

use axum::{
    http::StatusCode,
    response::{IntoResponse, Response},
};

use super::AppError;

impl AppError {
    /// The HTTP status this error is answered with.
    pub fn status_code(&self) -> StatusCode {
        match self {
            Self::StoreUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Unreachable => StatusCode::BAD_GATEWAY,
            Self::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
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
