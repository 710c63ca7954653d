//! The JSON API the widget calls: `POST /api/sites/{site}/orders/lookup`, and
//! the campaign routes of [`crate::campaigns`].
//!
//! Inputs are validated here with the parsers of `aisle-core`; policy (who may
//! see what) is decided here, never trusted from the browser.

use crate::AppState;
use crate::client::ClientIp;
use crate::error::{ApiJson, AppError};
use crate::proof::Proof;
use crate::sites::KnownSite;
use aisle_core::api::{ErrorCode, LookupRequest};
use aisle_core::order::{EmailError, OrderNumber, OrderNumberError, OrderView, normalize_email};
use axum::extract::{DefaultBodyLimit, State};
use axum::routing::post;
use axum::{Json, Router};

/// Largest API request body accepted (every route under `/api`).
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// Routes under `/api`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/sites/{site}/orders/lookup", post(lookup_order))
        .route(
            "/sites/{site}/campaigns",
            axum::routing::get(crate::campaigns::feed),
        )
        .route("/sites/{site}/assist", post(crate::assist::assist))
        .route("/sites/{site}/widget", axum::routing::get(widget_settings))
        .route(
            "/sites/{site}/campaigns/feed",
            axum::routing::get(crate::campaigns::campaign_feed),
        )
        .route(
            "/sites/{site}/campaigns/evaluate",
            post(crate::campaigns::evaluate),
        )
        .route(
            "/sites/{site}/campaigns/events",
            post(crate::campaigns::record_event),
        )
        .route(
            "/sites/{site}/campaigns/purchase",
            post(crate::attribution::purchase),
        )
        .route("/sites/{site}/campaigns/code", post(crate::offers::code))
        .route(
            "/sites/{site}/campaigns/customer",
            post(crate::offers::customer),
        )
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
}

/// Proves an order by number + email ([`crate::proof::prove`], the limits
/// self-service's lookup shares) and returns what the shopper may see of it.
async fn lookup_order(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    site: KnownSite,
    ApiJson(request): ApiJson<LookupRequest>,
) -> Result<Json<OrderView>, AppError> {
    let number = OrderNumber::parse(&request.order).map_err(|e| {
        let why = match e {
            OrderNumberError::Empty => "order number is empty",
            OrderNumberError::NotDigits => "order number must be digits, optionally after '#'",
            OrderNumberError::TooLong => "order number is too long",
        };
        AppError::invalid(ErrorCode::InvalidOrderNumber, why)
    })?;
    let email = normalize_email(&request.email).map_err(|e| {
        let why = match e {
            EmailError::Empty => "email is empty",
            EmailError::Malformed => "email is not an email address",
            EmailError::TooLong => "email is too long",
        };
        AppError::invalid(ErrorCode::InvalidEmail, why)
    })?;

    match crate::proof::prove(&state, &site, client, number, &email).await {
        Proof::Proven(order) => Ok(Json(order.view)),
        Proof::NotFound => Err(AppError::NotFound(
            ErrorCode::OrderNotFound,
            "no order matches that order number and email",
        )),
        Proof::Limited(wait) => Err(AppError::RateLimited(wait)),
        Proof::Unreachable(e) => Err(AppError::StoreUnavailable(e.to_string())),
    }
}

/// `GET /api/sites/{site}/widget`: what the widget shows of the merchant's
/// settings — brand colour, greetings by locale and the published reply time.
/// Public; cached a minute.
async fn widget_settings(site: KnownSite) -> impl axum::response::IntoResponse {
    (
        [(axum::http::header::CACHE_CONTROL, "public, max-age=60")],
        Json(serde_json::json!({
            "brand_color": site.config.brand_color,
            "greeting": site.config.greeting,
            "reply_promise_minutes": site.config.reply_promise_minutes,
        })),
    )
}
