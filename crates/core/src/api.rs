//! JSON bodies of Aisle's HTTP API, shared by the server and the widget.
//!
//! Every error the API returns has the same shape, [`ApiError`]: a stable
//! machine-readable [`ErrorCode`] the widget localizes, and an English message
//! for developers reading the network tab.

use serde::{Deserialize, Serialize};

/// `POST /api/sites/{site}/orders/lookup`: prove an order by number + email.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LookupRequest {
    /// The order number as typed (`"#1001"` or `"1001"`).
    pub order: String,
    /// The email the order was placed with (any case).
    pub email: String,
}

/// Stable error codes of the HTTP API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The order number is not a number.
    InvalidOrderNumber,
    /// The email is not an email address.
    InvalidEmail,
    /// No order with that number and email (the same answer for both cases).
    OrderNotFound,
    /// Too many failed attempts; retry later.
    RateLimited,
    /// The site id in the URL is not configured on this server.
    UnknownSite,
    /// The body is not the JSON this endpoint takes.
    BadRequest,
    /// The body is larger than the endpoint accepts.
    TooLarge,
    /// Something failed on the server; details are in its log.
    Internal,
}

/// The body of every non-2xx API answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    /// What went wrong, for programs.
    pub code: ErrorCode,
    /// What went wrong, in English, for developers.
    pub message: String,
    /// For [`ErrorCode::RateLimited`]: seconds until a retry can succeed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
}
