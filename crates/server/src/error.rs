//! The API's one error type: every failure becomes an [`ApiError`] JSON body
//! with a fitting status; internal details go to the log, never to the client.

use aisle_core::api::{ApiError, ErrorCode};
use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::time::Duration;

/// Errors a request handler can answer with.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The client sent something invalid.
    #[error("{message}")]
    Invalid {
        /// Stable code.
        code: ErrorCode,
        /// English detail.
        message: String,
    },
    /// Nothing matches (deliberately vague for order lookups).
    #[error("{1}")]
    NotFound(ErrorCode, &'static str),
    /// The request body exceeds the limit.
    #[error("request body too large")]
    TooLarge,
    /// Not logged in, or wrong credentials.
    #[error("{0}")]
    Unauthorized(String),
    /// Logged in, but not allowed to see this.
    #[error("{0}")]
    Forbidden(String),
    /// Too many failures; retry after the duration.
    #[error("rate limited")]
    RateLimited(Duration),
    /// The merchant's store could not answer (503).
    #[error("{0}")]
    StoreUnavailable(String),
    /// A failure of ours.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl AppError {
    /// A 400 with `code`.
    pub fn invalid(code: ErrorCode, message: impl Into<String>) -> Self {
        AppError::Invalid {
            code,
            message: message.into(),
        }
    }
}

impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        AppError::Internal(e.into())
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, body) = match self {
            AppError::Invalid { code, message } => (
                StatusCode::BAD_REQUEST,
                ApiError {
                    code,
                    message,
                    retry_after: None,
                },
            ),
            AppError::NotFound(code, message) => (
                StatusCode::NOT_FOUND,
                ApiError {
                    code,
                    message: message.into(),
                    retry_after: None,
                },
            ),
            AppError::Unauthorized(message) => (
                StatusCode::UNAUTHORIZED,
                ApiError {
                    code: ErrorCode::Unauthorized,
                    message,
                    retry_after: None,
                },
            ),
            AppError::Forbidden(message) => (
                StatusCode::FORBIDDEN,
                ApiError {
                    code: ErrorCode::Forbidden,
                    message,
                    retry_after: None,
                },
            ),
            AppError::TooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                ApiError {
                    code: ErrorCode::TooLarge,
                    message: "request body too large".into(),
                    retry_after: None,
                },
            ),
            AppError::RateLimited(retry) => {
                let secs = retry.as_secs().max(1);
                let body = ApiError {
                    code: ErrorCode::RateLimited,
                    message: format!("too many failed attempts; retry in {secs} s"),
                    retry_after: Some(secs),
                };
                let mut response = (StatusCode::TOO_MANY_REQUESTS, Json(body)).into_response();
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(secs));
                return response;
            }
            AppError::StoreUnavailable(why) => {
                tracing::warn!(error = why, "the store could not answer");
                let body = ApiError {
                    code: ErrorCode::StoreUnavailable,
                    message: "the store could not be reached just now; try again later".into(),
                    retry_after: None,
                };
                (StatusCode::SERVICE_UNAVAILABLE, body)
            }
            AppError::Internal(e) => {
                tracing::error!(error = %e, "request failed");
                let body = ApiError {
                    code: ErrorCode::Internal,
                    message: "internal error; see the server log".into(),
                    retry_after: None,
                };
                (StatusCode::INTERNAL_SERVER_ERROR, body)
            }
        };
        (status, Json(body)).into_response()
    }
}
