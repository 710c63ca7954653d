//! Webhooks from merchants' stores: `POST /hooks/shopify/{site}` and
//! `POST /hooks/woocommerce/{site}`. A signed order event drops that order
//! from the order cache ([`crate::stores::cache`]), so the next thing a
//! shopper asks is answered from the store's fresh data.
//!
//! - The signature is checked over the raw body before anything else:
//!   `X-Shopify-Hmac-Sha256` and `X-WC-Webhook-Signature` are both the
//!   base64 HMAC-SHA256 of the body under the webhook secret, read from the
//!   environment variable the site file names (`webhook_secret_env`). A
//!   missing or wrong signature answers 401 and changes nothing.
//! - Each delivery id (`X-Shopify-Webhook-Id`, `X-WC-Webhook-Delivery-ID`)
//!   is handled once; a replay answers 200 and is ignored.

use crate::AppState;
use crate::stores::OrderSourceConfig;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use base64::Engine;
use hmac::{KeyInit, Mac};
use serde_json::Value;

/// Largest webhook body accepted (a big order is well under this).
const MAX_HOOK_BYTES: usize = 1024 * 1024;
/// How long delivery ids are kept to refuse replays, seconds.
pub const DELIVERY_KEEP: i64 = 7 * 24 * 3600;

/// The webhook routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/hooks/shopify/{site}", post(shopify))
        .route("/hooks/woocommerce/{site}", post(woocommerce))
        .layer(DefaultBodyLimit::max(MAX_HOOK_BYTES))
}

/// Whether `signature` (base64) is the HMAC-SHA256 of `body` under `secret`.
pub fn signed(secret: &str, body: &[u8], signature: &str) -> bool {
    let Ok(expected) = base64::engine::general_purpose::STANDARD.decode(signature.trim()) else {
        return false;
    };
    let Ok(mut mac) = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()) else {
        return false;
    };
    mac.update(body);
    mac.verify_slice(&expected).is_ok() // constant time
}

/// The base64 HMAC-SHA256 of `body` under `secret`, as stores sign webhooks.
pub fn sign(secret: &str, body: &[u8]) -> String {
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes())
        .expect("HMAC takes keys of any length");
    mac.update(body);
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

fn secret(env: Option<&String>) -> Option<String> {
    crate::stores::env_value(env?)
}

/// Records `delivery` for `site`; `false` if it was handled before (a replay).
async fn first_delivery(state: &AppState, site: &str, delivery: &str) -> Result<bool, StatusCode> {
    crate::stores::cache::first_delivery(&state.db, site, delivery, crate::db::now())
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "recording a webhook delivery failed");
            StatusCode::SERVICE_UNAVAILABLE
        })
}

/// The order number an order payload names (`order_number`, `number` or `name`).
fn order_number(order: &Value) -> Option<u32> {
    let text = match (&order["order_number"], &order["number"], &order["name"]) {
        (Value::Number(n), _, _) | (_, Value::Number(n), _) => n.to_string(),
        (_, Value::String(s), _) | (_, _, Value::String(s)) => s.clone(),
        _ => return None,
    };
    aisle_core::order::OrderNumber::parse(&text)
        .ok()
        .map(|n| n.0)
}

async fn handle(
    state: &AppState,
    site: &str,
    delivery: &str,
    body: &[u8],
    source: &str,
) -> StatusCode {
    match first_delivery(state, site, delivery).await {
        Err(status) => return status,
        Ok(false) => {
            tracing::info!(site, delivery, source, "webhook replayed; ignored");
            return StatusCode::OK;
        }
        Ok(true) => {}
    }
    let order: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    match order_number(&order) {
        Some(number) => {
            crate::stores::cache::forget(&state.db, site, number).await;
            state.stores.lists.forget_site(site);
            tracing::info!(site, order = number, source, "order changed in the store");
        }
        None => tracing::info!(
            site,
            source,
            "webhook without an order number; nothing to do"
        ),
    }
    StatusCode::OK
}

/// Checks that `site` takes webhooks from `platform` and that `signature`
/// signs `body` under the secret its site file names.
fn verify(
    state: &AppState,
    site: &str,
    platform: &str,
    signature: Option<&str>,
    body: &[u8],
) -> Result<(), StatusCode> {
    let entry = state.sites.get(site).ok_or(StatusCode::NOT_FOUND)?;
    let secret_env = match (&entry.config.order_source, platform) {
        (OrderSourceConfig::Shopify(c), "shopify") => c.webhook_secret_env.as_ref(),
        (OrderSourceConfig::Woocommerce(c), "woocommerce") => c.webhook_secret_env.as_ref(),
        _ => return Err(StatusCode::NOT_FOUND),
    };
    let Some(secret) = secret(secret_env) else {
        tracing::warn!(
            site,
            platform,
            "webhook refused: no webhook secret configured"
        );
        return Err(StatusCode::UNAUTHORIZED);
    };
    if !signed(&secret, body, signature.unwrap_or("")) {
        tracing::warn!(site, platform, "webhook refused: bad signature");
        return Err(StatusCode::UNAUTHORIZED);
    }
    Ok(())
}

/// `POST /hooks/shopify/{site}`.
async fn shopify(
    State(state): State<AppState>,
    Path(site): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let signature = header(&headers, "x-shopify-hmac-sha256");
    if let Err(status) = verify(&state, &site, "shopify", signature, &body) {
        return status;
    }
    let delivery =
        header(&headers, "x-shopify-webhook-id").or(header(&headers, "x-shopify-event-id"));
    let Some(delivery) = delivery else {
        return StatusCode::BAD_REQUEST;
    };
    handle(&state, &site, delivery, &body, "shopify").await
}

/// `POST /hooks/woocommerce/{site}`.
async fn woocommerce(
    State(state): State<AppState>,
    Path(site): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let signature = header(&headers, "x-wc-webhook-signature");
    // WooCommerce pings a new webhook once, unsigned, with `webhook_id=N`.
    if signature.is_none() && body.starts_with(b"webhook_id=") {
        let known = state.sites.get(&site).is_some_and(|entry| {
            matches!(entry.config.order_source, OrderSourceConfig::Woocommerce(_))
        });
        return if known {
            StatusCode::OK
        } else {
            StatusCode::NOT_FOUND
        };
    }
    if let Err(status) = verify(&state, &site, "woocommerce", signature, &body) {
        return status;
    }
    let Some(delivery) = header(&headers, "x-wc-webhook-delivery-id") else {
        return StatusCode::BAD_REQUEST;
    };
    handle(&state, &site, delivery, &body, "woocommerce").await
}

/// Deletes delivery ids older than [`DELIVERY_KEEP`]; how many.
pub async fn purge(db: &crate::db::Db, now: i64) -> anyhow::Result<u64> {
    Ok(crate::stores::cache::purge_deliveries(db, now - DELIVERY_KEEP).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_are_base64_hmac_sha256_of_the_raw_body() {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
        let body = b"what do ya want for nothing?";
        let signature = sign("Jefe", body);
        assert_eq!(signature, "W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM=");
        assert!(signed("Jefe", body, &signature));
        assert!(!signed("Jefe", b"what do ya want for nothing!", &signature));
        assert!(!signed("jefe", body, &signature));
        assert!(!signed("Jefe", body, "not base64!"));
        assert!(!signed("Jefe", body, ""));
    }

    #[test]
    fn order_numbers_come_from_either_platforms_payload() {
        assert_eq!(
            order_number(&serde_json::json!({"order_number": 1001, "name": "#1001"})),
            Some(1001)
        );
        assert_eq!(
            order_number(&serde_json::json!({"name": "#1002"})),
            Some(1002)
        );
        assert_eq!(
            order_number(&serde_json::json!({"id": 5, "number": "703"})),
            Some(703)
        );
        assert_eq!(order_number(&serde_json::json!({"number": "A-7"})), None);
    }
}
