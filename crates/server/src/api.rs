//! The JSON API the widget calls: `POST /api/sites/{site}/orders/lookup`, and
//! the campaign routes of [`crate::campaigns`].
//!
//! Inputs are validated here with the parsers of `aisle-core`; policy (who may
//! see what) is decided here, never trusted from the browser.

use crate::AppState;
use crate::client::ClientIp;
use crate::error::AppError;
use crate::ratelimit::Rule;
use crate::stores::OrderSource;
use aisle_core::api::{ErrorCode, LookupRequest};
use aisle_core::order::{EmailError, OrderNumber, OrderNumberError, OrderView, normalize_email};
use axum::extract::rejection::JsonRejection;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use std::net::IpAddr;
use std::time::Instant;

/// Largest API request body accepted.
const MAX_BODY_BYTES: usize = 16 * 1024;

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
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
}

/// Proves an order by number + email and returns what the shopper may see of it.
async fn lookup_order(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    Path(site): Path<String>,
    body: Result<Json<LookupRequest>, JsonRejection>,
) -> Result<Json<OrderView>, AppError> {
    let Some(site_entry) = state.sites.get(&site) else {
        return Err(AppError::NotFound(ErrorCode::UnknownSite, "no such site"));
    };
    let Json(request) = body.map_err(|e| match e.status() {
        StatusCode::PAYLOAD_TOO_LARGE => AppError::TooLarge,
        _ => AppError::invalid(ErrorCode::BadRequest, e.body_text()),
    })?;
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

    let attempt = state
        .lookup_failures
        .attempt(
            &client.to_string(),
            &lookup_rules(&site, client, number),
            Instant::now(),
        )
        .map_err(AppError::RateLimited)?;
    let found = match crate::stores::of(&state, &site_entry)
        .find(number, &email)
        .await
    {
        Ok(found) => found,
        Err(e) => {
            // The store's failure, not the shopper's: the slot is given back.
            attempt.succeeded();
            return Err(AppError::StoreUnavailable(e.to_string()));
        }
    };
    match found {
        Some(order) => {
            attempt.succeeded();
            Ok(Json(order.view))
        }
        None => {
            attempt.failed();
            tracing::info!(site, order = number.0, %client, "order lookup failed");
            Err(AppError::NotFound(
                ErrorCode::OrderNotFound,
                "no order matches that order number and email",
            ))
        }
    }
}

/// The limits on proving an order: failures per client address, and distinct
/// failing addresses per order. So neither one client guessing many orders nor
/// many clients guessing one order's email gets far, while one stranger's
/// misses never lock the owner out of their order.
pub fn lookup_rules(site: &str, client: IpAddr, number: OrderNumber) -> [Rule; 2] {
    [
        Rule::new(format!("ip:{client}"), crate::LOOKUP_FAILURES),
        Rule::per_client(
            format!("order:{site}:{}", number.0),
            crate::ORDER_FAILURE_CLIENTS,
        ),
    ]
}

/// `GET /api/sites/{site}/widget`: what the widget shows of the merchant's
/// settings — brand colour, greetings by locale and the published reply time.
/// Public; cached a minute.
async fn widget_settings(
    State(state): State<AppState>,
    Path(site): Path<String>,
) -> Result<impl axum::response::IntoResponse, AppError> {
    let Some(site) = state.sites.get(&site) else {
        return Err(AppError::NotFound(ErrorCode::UnknownSite, "no such site"));
    };
    Ok((
        [(axum::http::header::CACHE_CONTROL, "public, max-age=60")],
        Json(serde_json::json!({
            "brand_color": site.config.brand_color,
            "greeting": site.config.greeting,
            "reply_promise_minutes": site.config.reply_promise_minutes,
        })),
    ))
}
