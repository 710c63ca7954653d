//! A Shopify stand-in: an axum app speaking the Admin GraphQL API's
//! documented request and response shapes (`X-Shopify-Access-Token`,
//! `orders` search, `orderCancel` with its background `job`, `job`,
//! `returnRequest`, `THROTTLED` errors with `extensions.cost.throttleStatus`,
//! 401 and 5xx answers) over three orders shaped like the API's `Order`
//! objects. Used by `tests/stores.rs` and, as the `shopify_standin` example,
//! by the Playwright journeys (`tests/e2e/shopify.spec.ts`).

#![allow(dead_code)]

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{Value, json};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

/// The token the stand-in accepts.
pub const TOKEN: &str = "shpat_test_token";
/// Its GraphQL path.
pub const API: &str = "/admin/api/2025-10/graphql.json";

/// What the stand-in store holds and how it misbehaves.
#[derive(Default)]
pub struct Store {
    pub orders: Mutex<Vec<Value>>,
    /// (operation name, variables) of every authenticated request.
    pub log: Mutex<Vec<(String, Value)>>,
    /// Answer this many requests with `THROTTLED`.
    pub throttle: AtomicU32,
    /// Answer this many requests with 503.
    pub fail: AtomicU32,
    /// Discounts created with `discountCodeBasicCreate`, as asked.
    pub discounts: Mutex<Vec<Value>>,
}

impl Store {
    /// Operation names of every authenticated request, in order.
    pub fn operations(&self) -> Vec<String> {
        self.log
            .lock()
            .unwrap()
            .iter()
            .map(|(op, _)| op.clone())
            .collect()
    }

    /// Variables of every `operation` request, in order.
    pub fn variables_of(&self, operation: &str) -> Vec<Value> {
        let log = self.log.lock().unwrap();
        log.iter()
            .filter(|(op, _)| op == operation)
            .map(|(_, v)| v.clone())
            .collect()
    }
}

/// RFC 3339 time `days_ago` days ago.
pub fn iso(days_ago: i64) -> String {
    let at = jiff::Timestamp::now() - jiff::SignedDuration::from_hours(24 * days_ago);
    at.to_string()
}

/// A line item node.
pub fn line(id: u64, sku: &str, title: &str, quantity: u32, price: &str, tags: &[&str]) -> Value {
    json!({
        "id": format!("gid://shopify/LineItem/{id}"),
        "sku": sku, "title": title, "quantity": quantity, "currentQuantity": quantity,
        "originalUnitPriceSet": {"shopMoney": {"amount": price, "currencyCode": "USD"}},
        "product": {"tags": tags},
    })
}

/// Orders shaped like the Admin API's `Order` objects.
pub fn fixtures() -> Vec<Value> {
    vec![
        json!({
            "id": "gid://shopify/Order/5001", "name": "#2001", "email": "Ada@Example.com",
            "createdAt": iso(3), "cancelledAt": null,
            "displayFinancialStatus": "PAID", "displayFulfillmentStatus": "FULFILLED",
            "totalPriceSet": {"shopMoney": {"amount": "249.00", "currencyCode": "USD"}},
            "lineItems": {"nodes": [line(1, "PARKA-M", "Alpine Parka", 1, "249.00", &[])]},
            "fulfillments": [{
                "createdAt": iso(2), "deliveredAt": null, "estimatedDeliveryAt": null,
                "displayStatus": "IN_TRANSIT",
                "trackingInfo": [{"company": "UPS", "number": "1Z999AA10123456784",
                                  "url": "https://www.ups.com/track?tracknum=1Z999AA10123456784"}],
                "fulfillmentLineItems": {"nodes": [{"id": "gid://shopify/FulfillmentLineItem/11", "quantity": 1, "lineItem": {"id": "gid://shopify/LineItem/1"}}]}
            }]
        }),
        json!({
            "id": "gid://shopify/Order/5002", "name": "#2002", "email": "grace@example.com",
            "createdAt": iso(0), "cancelledAt": null,
            "displayFinancialStatus": "PAID", "displayFulfillmentStatus": "UNFULFILLED",
            "totalPriceSet": {"shopMoney": {"amount": "89.50", "currencyCode": "USD"}},
            "lineItems": {"nodes": [line(2, "BEANIE", "Wool Beanie", 2, "44.75", &[])]},
            "fulfillments": []
        }),
        json!({
            "id": "gid://shopify/Order/5003", "name": "#2003", "email": "alan@example.com",
            "createdAt": iso(12), "cancelledAt": null,
            "displayFinancialStatus": "PAID", "displayFulfillmentStatus": "FULFILLED",
            "totalPriceSet": {"shopMoney": {"amount": "180.00", "currencyCode": "USD"}},
            "lineItems": {"nodes": [
                line(3, "BOOTS-42", "Trail Boots", 1, "120.00", &[]),
                line(4, "", "Gift Socks", 2, "30.00", &["final-sale"]),
            ]},
            "fulfillments": [{
                "createdAt": iso(11), "deliveredAt": iso(10), "estimatedDeliveryAt": null,
                "displayStatus": "DELIVERED",
                "trackingInfo": [{"company": "USPS", "number": "9400100000000000000000", "url": "https://tools.usps.com/go/TrackConfirmAction?tLabels=9400100000000000000000"}],
                "fulfillmentLineItems": {"nodes": [
                    {"id": "gid://shopify/FulfillmentLineItem/31", "quantity": 1, "lineItem": {"id": "gid://shopify/LineItem/3"}},
                    {"id": "gid://shopify/FulfillmentLineItem/41", "quantity": 2, "lineItem": {"id": "gid://shopify/LineItem/4"}}
                ]}
            }]
        }),
    ]
}

fn cost() -> Value {
    json!({"requestedQueryCost": 52, "actualQueryCost": 12,
           "throttleStatus": {"maximumAvailable": 2000.0, "currentlyAvailable": 1988, "restoreRate": 100.0}})
}

/// `POST /admin/api/2025-10/graphql.json`.
pub async fn graphql(
    State(store): State<Arc<Store>>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    if headers
        .get("x-shopify-access-token")
        .and_then(|v| v.to_str().ok())
        != Some(TOKEN)
    {
        // Shopify's answer to a bad token.
        let body = json!({"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"});
        return (StatusCode::UNAUTHORIZED, Json(body)).into_response();
    }
    let query = body["query"].as_str().unwrap_or_default().to_owned();
    let variables = body["variables"].clone();
    let operation = query
        .split_whitespace()
        .nth(1)
        .unwrap_or_default()
        .split('(')
        .next()
        .unwrap_or_default()
        .to_owned();
    store
        .log
        .lock()
        .unwrap()
        .push((operation.clone(), variables.clone()));
    if store.fail.load(Ordering::SeqCst) > 0 {
        store.fail.fetch_sub(1, Ordering::SeqCst);
        return (StatusCode::SERVICE_UNAVAILABLE, "Service Unavailable").into_response();
    }
    if store.throttle.load(Ordering::SeqCst) > 0 {
        store.throttle.fetch_sub(1, Ordering::SeqCst);
        return Json(json!({
            "errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED", "documentation": "https://shopify.dev/api/usage/rate-limits"}}],
            "extensions": {"cost": {"requestedQueryCost": 152, "actualQueryCost": null,
                "throttleStatus": {"maximumAvailable": 2000.0, "currentlyAvailable": 102, "restoreRate": 100.0}}}
        }))
        .into_response();
    }
    let mut orders = store.orders.lock().unwrap();
    let data = if query.contains("orders(") {
        let search = variables["query"].as_str().unwrap_or_default();
        let nodes: Vec<Value> = if let Some(name) = search.strip_prefix("name:") {
            orders
                .iter()
                .filter(|o| o["name"] == name)
                .cloned()
                .collect()
        } else if let Some(email) = search.strip_prefix("email:") {
            let email = email.trim_matches('"').to_lowercase();
            orders
                .iter()
                .filter(|o| o["email"].as_str().unwrap_or("").to_lowercase() == email)
                .cloned()
                .collect()
        } else {
            Vec::new()
        };
        json!({"orders": {"nodes": nodes}})
    } else if query.contains("orderCancel(") {
        let id = variables["orderId"].as_str().unwrap_or_default();
        match orders.iter_mut().find(|o| o["id"] == id) {
            None => {
                json!({"orderCancel": {"job": null, "orderCancelUserErrors": [{"field": ["orderId"], "message": "Order does not exist", "code": "NOT_FOUND"}]}})
            }
            Some(o) if !o["cancelledAt"].is_null() => {
                json!({"orderCancel": {"job": null, "orderCancelUserErrors": [{"field": ["orderId"], "message": "Order has already been cancelled", "code": "INVALID"}]}})
            }
            Some(o) => {
                o["cancelledAt"] = json!(iso(0));
                json!({"orderCancel": {"job": {"id": "gid://shopify/Job/8d2f", "done": false}, "orderCancelUserErrors": []}})
            }
        }
    } else if query.contains("job(") {
        json!({"job": {"id": variables["id"], "done": true}})
    } else if query.contains("returnRequest(") || query.contains("returnCreate(") {
        let create = query.contains("returnCreate(");
        let input = if create {
            &variables["returnInput"]
        } else {
            &variables["input"]
        };
        let order = orders.iter().find(|o| o["id"] == input["orderId"]);
        let known = |id: &Value| {
            order.is_some_and(|o| {
                o["fulfillments"].as_array().unwrap().iter().any(|f| {
                    f["fulfillmentLineItems"]["nodes"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|l| l["id"] == *id)
                })
            })
        };
        let lines = input["returnLineItems"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        if lines.is_empty() || !lines.iter().all(|l| known(&l["fulfillmentLineItemId"])) {
            let name = if create {
                "returnCreate"
            } else {
                "returnRequest"
            };
            json!({ name: {"return": null, "userErrors": [{"field": ["input", "returnLineItems"], "message": "Fulfillment line item not found"}]}})
        } else {
            let (name, status) = if create {
                ("returnCreate", "OPEN")
            } else {
                ("returnRequest", "REQUESTED")
            };
            json!({ name: {"return": {"id": "gid://shopify/Return/77", "status": status}, "userErrors": []}})
        }
    } else if query.contains("discountCodeBasicCreate(") {
        let input = &variables["basicCodeDiscount"];
        let mut discounts = store.discounts.lock().unwrap();
        let value = &input["customerGets"]["value"];
        let percentage = value["percentage"].as_f64();
        let amount = value["discountAmount"]["amount"].as_str();
        let mut errors = Vec::new();
        for field in ["code", "title", "startsAt"] {
            if !input[field].is_string() {
                errors.push(json!({"field": ["basicCodeDiscount", field], "message": format!("{field} can't be blank"), "code": "BLANK"}));
            }
        }
        if percentage.is_none_or(|p| !(0.0..=1.0).contains(&p)) && amount.is_none() {
            errors.push(json!({"field": ["basicCodeDiscount", "customerGets", "value"], "message": "Value must be a percentage between 0 and 1 or an amount", "code": "INVALID"}));
        }
        if input["context"]["all"] != "ALL" && input["customerSelection"]["all"] != true {
            errors.push(json!({"field": ["basicCodeDiscount", "context"], "message": "Context can't be blank", "code": "BLANK"}));
        }
        if discounts.iter().any(|d| d["code"] == input["code"]) {
            errors.push(json!({"field": ["basicCodeDiscount", "code"], "message": "Code must be unique. Please try a different code.", "code": "TAKEN"}));
        }
        if errors.is_empty() {
            discounts.push(input.clone());
            let id = format!("gid://shopify/DiscountCodeNode/{}", 900 + discounts.len());
            json!({"discountCodeBasicCreate": {"codeDiscountNode": {"id": id}, "userErrors": []}})
        } else {
            json!({"discountCodeBasicCreate": {"codeDiscountNode": null, "userErrors": errors}})
        }
    } else {
        return Json(json!({"errors": [{"message": format!("unknown operation {operation}")}]}))
            .into_response();
    };
    Json(json!({"data": data, "extensions": {"cost": cost()}})).into_response()
}

/// The stand-in's routes: the GraphQL endpoint, and `GET /log` (what it
/// was asked, for end-to-end tests in a browser).
pub fn router(store: Arc<Store>) -> Router {
    let log = |State(store): State<Arc<Store>>| async move {
        let log = store.log.lock().unwrap().clone();
        Json(json!(log))
    };
    Router::new()
        .route(API, post(graphql))
        .route("/log", axum::routing::get(log))
        .with_state(store)
}

/// Starts the stand-in store on `listener`.
pub fn start(listener: tokio::net::TcpListener) -> Arc<Store> {
    let store = Arc::new(Store {
        orders: Mutex::new(fixtures()),
        ..Store::default()
    });
    let app = router(store.clone());
    tokio::spawn(async move { axum::serve(listener, app).await });
    store
}
