//! The API's one error type: every failure becomes an [`ApiError`] JSON body
//! with a fitting status; internal details go to the log, never to the client.
//!
//! [`ApiJson`] is the one way a handler reads a JSON body, so every endpoint
//! rejects alike: `413 too_large` over the body limit, `400 bad_request`
//! naming the JSON path of the offending value otherwise.

use aisle_core::api::{ApiError, ErrorCode};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
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
        /// The JSON path of the offending value in the body, when known.
        field: Option<String>,
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
            field: None,
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
            AppError::Invalid {
                code,
                message,
                field,
            } => (
                StatusCode::BAD_REQUEST,
                ApiError {
                    code,
                    message,
                    field,
                    retry_after: None,
                },
            ),
            AppError::NotFound(code, message) => (
                StatusCode::NOT_FOUND,
                ApiError {
                    code,
                    message: message.into(),
                    field: None,
                    retry_after: None,
                },
            ),
            AppError::Unauthorized(message) => (
                StatusCode::UNAUTHORIZED,
                ApiError {
                    code: ErrorCode::Unauthorized,
                    message,
                    field: None,
                    retry_after: None,
                },
            ),
            AppError::Forbidden(message) => (
                StatusCode::FORBIDDEN,
                ApiError {
                    code: ErrorCode::Forbidden,
                    message,
                    field: None,
                    retry_after: None,
                },
            ),
            AppError::TooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                ApiError {
                    code: ErrorCode::TooLarge,
                    message: "request body too large".into(),
                    field: None,
                    retry_after: None,
                },
            ),
            AppError::RateLimited(retry) => {
                let secs = retry.as_secs().max(1);
                let body = ApiError {
                    code: ErrorCode::RateLimited,
                    message: format!("too many failed attempts; retry in {secs} s"),
                    field: None,
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
                    field: None,
                    retry_after: None,
                };
                (StatusCode::SERVICE_UNAVAILABLE, body)
            }
            AppError::Internal(e) => {
                tracing::error!(error = %e, "request failed");
                let body = ApiError {
                    code: ErrorCode::Internal,
                    message: "internal error; see the server log".into(),
                    field: None,
                    retry_after: None,
                };
                (StatusCode::INTERNAL_SERVER_ERROR, body)
            }
        };
        (status, Json(body)).into_response()
    }
}

/// A JSON request body of type `T`, read under the route's body limit
/// (`DefaultBodyLimit`; 16 KiB under `/api`).
///
/// Rejections are [`AppError`]s: a body over the limit is `413 too_large`; a
/// missing or other `Content-Type`, bytes that are not JSON, or JSON that is
/// not a `T` (wrong type, missing or unknown field, trailing data) is
/// `400 bad_request` whose `field` is the JSON path of the offending value
/// (`values[0]`, `identity.exp`), when there is one.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = AppError;

    async fn from_request(request: Request, state: &S) -> Result<Self, AppError> {
        if !is_json(request.headers()) {
            return Err(AppError::invalid(
                ErrorCode::BadRequest,
                "expected a JSON body (Content-Type: application/json)",
            ));
        }
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|e| match e.status() {
                StatusCode::PAYLOAD_TOO_LARGE => AppError::TooLarge,
                _ => AppError::invalid(ErrorCode::BadRequest, e.body_text()),
            })?;
        decode(&bytes).map(ApiJson)
    }
}

/// Whether the request says its body is JSON (`application/json`, or
/// `application/…+json`, any parameters), as axum's `Json` asks.
fn is_json(headers: &HeaderMap) -> bool {
    let Some(value) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = value.split(';').next().unwrap_or_default().trim();
    let Some((kind, subtype)) = essence.split_once('/') else {
        return false;
    };
    let subtype = subtype.to_ascii_lowercase();
    kind.eq_ignore_ascii_case("application") && (subtype == "json" || subtype.ends_with("+json"))
}

/// Reads `T` from `bytes`, or the 400 that names where it went wrong.
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let inner = e.inner();
        let path = e.path().to_string();
        // Only a value of the wrong shape has a field; a syntax error is
        // about the text (its line and column are in the message).
        let data = inner.classify() == serde_json::error::Category::Data;
        let at = (data && path != "." && path != "?").then_some(path);
        // serde names a missing or unknown key in its message, not in the
        // path (the path stops at the object that lacks or has it).
        let detail = inner.to_string();
        let named = ["missing field `", "unknown field `"]
            .iter()
            .find_map(|prefix| detail.strip_prefix(prefix))
            .and_then(|rest| rest.split_once('`'))
            .map(|(key, _)| key.to_owned());
        let field = match (at, named) {
            (Some(at), Some(key)) if !at.ends_with(&key) => Some(format!("{at}.{key}")),
            (Some(at), _) => Some(at),
            (None, key) => key.filter(|_| data),
        };
        let message = match &field {
            Some(field) => format!("{field}: {detail}"),
            None => detail,
        };
        AppError::Invalid {
            code: ErrorCode::BadRequest,
            message,
            field,
        }
    })?;
    // Trailing characters after the value.
    de.end()
        .map_err(|e| AppError::invalid(ErrorCode::BadRequest, e.to_string()))?;
    Ok(value)
}
