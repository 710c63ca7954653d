//! A WooCommerce stand-in: an axum app speaking the REST API v3 (orders,
//! refunds, notes, products) and the Shipment Tracking extension's endpoint,
//! with HTTP Basic consumer key and secret, over two orders shaped like the
//! API's. Used by `tests/stores.rs` and, as the `woocommerce_standin`
//! example, by the Playwright journeys (`tests/e2e/woocommerce.spec.ts`).

#![allow(dead_code)]

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use serde_json::{Value, json};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

/// The consumer key the stand-in accepts.
pub const WOO_KEY: &str = "ck_test_key";
/// Its consumer secret.
pub const WOO_SECRET: &str = "cs_test_secret";

/// What the stand-in store holds and how it misbehaves.
#[derive(Default)]
pub struct Woo {
    /// Orders as the REST API shows them.
    pub orders: Mutex<Vec<Value>>,
    /// (method, path, body) of every authenticated request.
    pub log: Mutex<Vec<(String, String, Value)>>,
    /// Answer this many requests with 502.
    pub fail: AtomicU32,
}

impl Woo {
    /// (path, body) of every `method` request whose path contains `path_contains`.
    pub fn calls(&self, method: &str, path_contains: &str) -> Vec<(String, Value)> {
        let log = self.log.lock().unwrap();
        log.iter()
            .filter(|(m, p, _)| m == method && p.contains(path_contains))
            .map(|(_, p, b)| (p.clone(), b.clone()))
            .collect()
    }
}

/// A `*_gmt` time `days_ago` days ago.
pub fn woo_gmt(days_ago: i64) -> String {
    let at = jiff::Timestamp::now() - jiff::SignedDuration::from_hours(24 * days_ago);
    at.strftime("%Y-%m-%dT%H:%M:%S").to_string()
}

/// Orders shaped like the REST API's.
pub fn woo_fixtures() -> Vec<Value> {
    let item = |id: u64, product: u64, sku: &str, name: &str, quantity: u32, price: f64| {
        json!({"id": id, "name": name, "product_id": product, "variation_id": 0, "quantity": quantity,
               "sku": sku, "price": price, "total": format!("{:.2}", price * f64::from(quantity))})
    };
    vec![
        json!({"id": 701, "number": "701", "status": "processing", "currency": "EUR", "total": "89.50",
               "date_created_gmt": woo_gmt(0), "date_completed_gmt": null,
               "billing": {"first_name": "Grace", "email": "grace@example.com"},
               "line_items": [item(1, 10, "BEANIE", "Wool Beanie", 2, 44.75)]}),
        json!({"id": 702, "number": "702", "status": "completed", "currency": "EUR", "total": "150.00",
               "date_created_gmt": woo_gmt(9), "date_completed_gmt": woo_gmt(6),
               "billing": {"first_name": "Alan", "email": "alan@example.com"},
               "line_items": [item(2, 20, "BOOTS-42", "Trail Boots", 1, 120.0), item(3, 30, "SOCKS", "Gift Socks", 1, 30.0)]}),
    ]
}

fn woo_error(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        Json(json!({"code": code, "message": message, "data": {"status": status.as_u16()}})),
    )
        .into_response()
}

/// Every `/wp-json/…` route.
pub async fn woo_api(
    State(woo): State<Arc<Woo>>,
    method: axum::http::Method,
    uri: axum::http::Uri,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    use base64::Engine;
    let expected = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{WOO_KEY}:{WOO_SECRET}"))
    );
    if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some(expected.as_str()) {
        return woo_error(
            StatusCode::UNAUTHORIZED,
            "woocommerce_rest_cannot_view",
            "Sorry, you cannot list resources.",
        );
    }
    let path = uri.path().to_owned();
    let query = uri.query().unwrap_or("").to_owned();
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    woo.log
        .lock()
        .unwrap()
        .push((method.to_string(), format!("{path}?{query}"), body.clone()));
    if woo.fail.load(Ordering::SeqCst) > 0 {
        woo.fail.fetch_sub(1, Ordering::SeqCst);
        return (StatusCode::BAD_GATEWAY, "Bad Gateway").into_response();
    }
    let mut orders = woo.orders.lock().unwrap();
    let segments: Vec<&str> = path.trim_start_matches("/wp-json/").split('/').collect();
    match (method.as_str(), segments.as_slice()) {
        ("GET", ["wc", "v3", "orders"]) => {
            let search = query.split('&').find_map(|p| p.strip_prefix("search=")).unwrap_or("");
            let search = search.replace("%40", "@");
            let found: Vec<Value> = orders
                .iter()
                .filter(|o| o["number"] == search || o["billing"]["email"] == search)
                .cloned()
                .collect();
            Json(Value::Array(found)).into_response()
        }
        ("GET", ["wc", "v3", "orders", id]) => match orders.iter().find(|o| id.parse::<u64>().ok() == o["id"].as_u64()) {
            Some(order) => Json(order.clone()).into_response(),
            None => woo_error(StatusCode::NOT_FOUND, "woocommerce_rest_shop_order_invalid_id", "Invalid ID."),
        },
        ("PUT", ["wc", "v3", "orders", id]) => match orders.iter_mut().find(|o| id.parse::<u64>().ok() == o["id"].as_u64()) {
            Some(order) => {
                if let Some(status) = body["status"].as_str() {
                    order["status"] = json!(status);
                }
                Json(order.clone()).into_response()
            }
            None => woo_error(StatusCode::NOT_FOUND, "woocommerce_rest_shop_order_invalid_id", "Invalid ID."),
        },
        ("POST", ["wc", "v3", "orders", _, "refunds"]) => {
            Json(json!({"id": 9001, "amount": body["amount"], "reason": body["reason"], "refunded_payment": true})).into_response()
        }
        ("POST", ["wc", "v3", "orders", _, "notes"]) => {
            (StatusCode::CREATED, Json(json!({"id": 501, "note": body["note"], "customer_note": false}))).into_response()
        }
        ("GET", ["wc-shipment-tracking", "v3", "orders", "702", "shipment-trackings"]) => Json(json!([{
            "tracking_id": "7f4978c390ee633c6294ae0f258656f9", "tracking_provider": "USPS",
            "tracking_link": "https://tools.usps.com/tracking/9400111899560000000000",
            "tracking_number": "9400111899560000000000", "date_shipped": "2026-11-18"
        }]))
        .into_response(),
        ("GET", ["wc-shipment-tracking", "v3", "orders", _, "shipment-trackings"]) => Json(json!([])).into_response(),
        ("GET", ["wc", "v3", "products"]) => Json(json!([
            {"id": 20, "name": "Trail Boots", "tags": []},
            {"id": 30, "name": "Gift Socks", "tags": [{"id": 5, "name": "Final sale", "slug": "final-sale"}]}
        ]))
        .into_response(),
        _ => woo_error(StatusCode::NOT_FOUND, "rest_no_route", "No route was found matching the URL and request method."),
    }
}

/// The stand-in's routes, and `GET /log` (what it was asked).
pub fn router(woo: Arc<Woo>) -> Router {
    let log = |State(woo): State<Arc<Woo>>| async move {
        let log = woo.log.lock().unwrap().clone();
        Json(json!(log))
    };
    Router::new()
        .route("/wp-json/{*rest}", axum::routing::any(woo_api))
        .route("/log", axum::routing::get(log))
        .with_state(woo)
}

/// Starts the stand-in on `listener`.
pub fn start(listener: tokio::net::TcpListener) -> Arc<Woo> {
    let woo = Arc::new(Woo {
        orders: Mutex::new(woo_fixtures()),
        ..Woo::default()
    });
    let app = router(woo.clone());
    tokio::spawn(async move { axum::serve(listener, app).await });
    woo
}
