//! Orders from any other platform ("push"): the merchant's system sends its
//! orders to Aisle, and Aisle sends cancel and return requests back to it as
//! signed webhooks.
//!
//! - **Orders in.** `POST /api/sites/{site}/orders` (NDJSON, one order per
//!   line, `Authorization: Bearer` a token from `aisle site token SITE`) and
//!   `aisle orders import FILE` (NDJSON or CSV) upsert orders in the shape of
//!   [`PushedOrder`]. A bad line is reported with its number and loses
//!   nothing else.
//! - **Requests out.** A shopper's cancel or return is POSTed as JSON to the
//!   site's `webhook_url`, signed `X-Aisle-Signature: t=<unix>,v1=<hex
//!   HMAC-SHA256 of "<unix>." + body>` under the secret in `secret_env`. The
//!   merchant answers `{"status": "done" | "refused" | "processing",
//!   "reason": …}`. Failed sends are retried with backoff; a request still
//!   undelivered after that is kept as a dead letter (`push_deliveries`),
//!   listed in the console, where an agent can send it again.

use super::pushed;
pub use super::pushed::{new_token, token_ok, upsert};
use super::{
    Actions, Cancelled, OrderSource, Refs, Returned, StoreClient, StoreError, StoreOrder, Tracking,
};
use crate::db::Db;
use crate::error::AppError;
use crate::records::{self, Pending};
pub use crate::sites::order_source::PushConfig;
use crate::{AppState, client::ClientIp};
use aisle_core::api::ErrorCode;
use aisle_core::order::{
    OrderItem, OrderNumber, OrderState, OrderView, Shipment, TrackingEvent, TrackingEventKind,
};
use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use hmac::{KeyInit, Mac};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// Orders one push (request body or file) may carry.
pub const MAX_ORDERS_PER_PUSH: usize = 5_000;
/// Largest push request body, bytes.
pub const MAX_PUSH_BYTES: usize = 8 * 1024 * 1024;
/// Lines one order may have.
pub const MAX_ITEMS: usize = 250;
/// Parcels, and timeline events, one order may have.
pub const MAX_PARCELS: usize = 20;
/// Timeline events one order may have.
pub const MAX_EVENTS: usize = 100;
/// Longest text field of a pushed order, characters.
pub const MAX_TEXT: usize = 500;
/// Dead letters listed for agents.
pub const DEAD_LETTERS_SHOWN: i64 = 200;

/// One order as the merchant's system sends it (documented in the README,
/// "Connect your store"). Times are RFC 3339 (`2026-11-20T10:00:00Z`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PushedOrder {
    /// Order number (`1001` or `"#1001"`).
    pub number: Value,
    /// The email the order was placed with.
    pub email: String,
    /// `unfulfilled`, `in_transit`, `delivered` or `cancelled`.
    pub status: String,
    /// ISO 4217 code (`EUR`).
    pub currency: String,
    /// Order total in minor units (cents).
    pub total_minor: i64,
    /// When it was placed.
    pub placed_at: String,
    /// When it was delivered, once delivered.
    #[serde(default)]
    pub delivered_at: Option<String>,
    /// The carrier's estimated delivery.
    #[serde(default)]
    pub estimated_delivery: Option<String>,
    /// The lines.
    pub items: Vec<PushedItem>,
    /// Parcels, first one shown to the shopper.
    #[serde(default)]
    pub tracking: Vec<Tracking>,
    /// Tracking timeline, any order.
    #[serde(default)]
    pub events: Vec<PushedEvent>,
    /// The order in the merchant's admin (else the site's `admin_url`).
    #[serde(default)]
    pub admin_url: Option<String>,
}

/// One line of a pushed order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PushedItem {
    /// Stock-keeping unit.
    pub sku: String,
    /// Product title as sold.
    pub title: String,
    /// Units ordered.
    pub quantity: u32,
    /// Price of one unit, minor units.
    pub unit_price_minor: i64,
    /// Final sale: never returnable.
    #[serde(default)]
    pub final_sale: bool,
}

/// One tracking event of a pushed order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PushedEvent {
    /// When (RFC 3339).
    pub at: String,
    /// `ordered`, `shipped`, `in_transit`, `out_for_delivery`, `delivered`, `cancelled`.
    pub kind: String,
    /// Where, when known.
    #[serde(default)]
    pub location: Option<String>,
}

fn time(field: &str, value: &str) -> Result<i64, String> {
    value
        .trim()
        .parse::<jiff::Timestamp>()
        .map(|t| t.as_second())
        .map_err(|_| {
            format!("{field}: \"{value}\" is not an RFC 3339 time like 2026-11-20T10:00:00Z")
        })
}

fn text(field: &str, value: &str) -> Result<(), String> {
    if value.trim().is_empty() {
        return Err(format!("{field}: must not be empty"));
    }
    if value.chars().count() > MAX_TEXT {
        return Err(format!("{field}: at most {MAX_TEXT} characters"));
    }
    Ok(())
}

impl PushedOrder {
    /// Checks the order and turns it into what self-service reads, with the
    /// normalized email it was placed with.
    pub fn into_store_order(self) -> Result<(StoreOrder, String), String> {
        let number = match &self.number {
            Value::Number(n) => n
                .as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .filter(|n| *n > 0)
                .map(OrderNumber)
                .ok_or_else(|| format!("number: {n} is not an order number"))?,
            Value::String(s) => OrderNumber::parse(s)
                .map_err(|_| format!("number: \"{s}\" is not an order number"))?,
            other => return Err(format!("number: {other} is not an order number")),
        };
        let email = aisle_core::order::normalize_email(&self.email)
            .map_err(|_| format!("email: \"{}\" is not an email address", self.email))?;
        let state = OrderState::from_name(&self.status).ok_or_else(|| {
            format!(
                "status: \"{}\" is not one of unfulfilled, in_transit, delivered, cancelled",
                self.status
            )
        })?;
        if self.currency.len() != 3 || !self.currency.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(format!(
                "currency: \"{}\" is not an ISO 4217 code like EUR",
                self.currency
            ));
        }
        if self.total_minor < 0 {
            return Err("total_minor: must not be negative".into());
        }
        let placed_at = time("placed_at", &self.placed_at)?;
        let delivered_at = self
            .delivered_at
            .as_deref()
            .map(|t| time("delivered_at", t))
            .transpose()?;
        let estimated_delivery = self
            .estimated_delivery
            .as_deref()
            .map(|t| time("estimated_delivery", t))
            .transpose()?;
        if self.items.is_empty() || self.items.len() > MAX_ITEMS {
            return Err(format!("items: 1 to {MAX_ITEMS} lines"));
        }
        for (i, item) in self.items.iter().enumerate() {
            text(&format!("items[{i}].sku"), &item.sku)?;
            text(&format!("items[{i}].title"), &item.title)?;
            if item.quantity == 0 {
                return Err(format!("items[{i}].quantity: at least 1"));
            }
            if item.unit_price_minor < 0 {
                return Err(format!("items[{i}].unit_price_minor: must not be negative"));
            }
        }
        if self.tracking.len() > MAX_PARCELS {
            return Err(format!("tracking: at most {MAX_PARCELS} parcels"));
        }
        for (i, parcel) in self.tracking.iter().enumerate() {
            text(&format!("tracking[{i}].company"), &parcel.company)?;
            text(&format!("tracking[{i}].number"), &parcel.number)?;
            if !parcel.url.starts_with("https://") || parcel.url.len() > 2000 {
                return Err(format!("tracking[{i}].url: an https:// address"));
            }
        }
        if self.events.len() > MAX_EVENTS {
            return Err(format!("events: at most {MAX_EVENTS}"));
        }
        let mut timeline = Vec::with_capacity(self.events.len());
        for (i, event) in self.events.iter().enumerate() {
            let kind = TrackingEventKind::from_name(&event.kind).ok_or_else(|| {
                format!(
                    "events[{i}].kind: \"{}\" is not a tracking event",
                    event.kind
                )
            })?;
            if let Some(place) = &event.location {
                text(&format!("events[{i}].location"), place)?;
            }
            timeline.push(TrackingEvent {
                at: time(&format!("events[{i}].at"), &event.at)?,
                kind,
                location: event.location.clone(),
            });
        }
        timeline.sort_by_key(|e| e.at);
        if let Some(url) = &self.admin_url {
            super::check_api_url(url).map_err(|why| format!("admin_url: {why}"))?;
        }
        let shipment = self.tracking.first().map(|t| Shipment {
            carrier: t.company.clone(),
            tracking_number: t.number.clone(),
            tracking_url: t.url.clone(),
            estimated_delivery,
        });
        let view = OrderView {
            number,
            state,
            placed_at,
            delivered_at,
            currency: self.currency,
            total_minor: self.total_minor,
            items: self
                .items
                .into_iter()
                .map(|i| OrderItem {
                    sku: i.sku.trim().to_owned(),
                    title: i.title.trim().to_owned(),
                    quantity: i.quantity,
                    unit_price_minor: i.unit_price_minor,
                    final_sale: i.final_sale,
                })
                .collect(),
            shipment,
            timeline,
        };
        Ok((
            StoreOrder {
                view,
                tracking: self.tracking,
                admin_url: self.admin_url,
                refs: Refs::None,
            },
            email,
        ))
    }
}

/// What one push did: orders stored, and each refused line with why.
#[derive(Debug, Default, Serialize, PartialEq, Eq)]
pub struct PushReport {
    /// Orders inserted or updated.
    pub upserted: usize,
    /// (line number from 1, reason) of every line refused.
    pub errors: Vec<LineError>,
}

/// A refused line of a push.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct LineError {
    /// Line (NDJSON) or row (CSV, counting the header as 1), from 1.
    pub line: usize,
    /// What is wrong, naming the field.
    pub error: String,
}

/// Parses NDJSON: one order per non-blank line.
pub fn parse_ndjson(text: &str) -> (Vec<(StoreOrder, String)>, Vec<LineError>) {
    let mut orders = Vec::new();
    let mut errors = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let parsed = serde_json::from_str::<PushedOrder>(line)
            .map_err(|e| e.to_string())
            .and_then(PushedOrder::into_store_order);
        match parsed {
            Ok(order) => orders.push(order),
            Err(error) => errors.push(LineError { line: i + 1, error }),
        }
    }
    (orders, errors)
}

/// The CSV columns `aisle orders import` reads: one row per order line;
/// rows with the same `number` make one order (order fields from its first row).
pub const CSV_COLUMNS: &[&str] = &[
    "number",
    "email",
    "status",
    "currency",
    "total_minor",
    "placed_at",
    "delivered_at",
    "sku",
    "title",
    "quantity",
    "unit_price_minor",
    "final_sale",
    "tracking_company",
    "tracking_number",
    "tracking_url",
];

/// Parses CSV with a header row naming at least the required columns of
/// [`CSV_COLUMNS`] (`delivered_at`, `final_sale` and the tracking ones may be
/// left out or empty).
pub fn parse_csv(text: &str) -> (Vec<(StoreOrder, String)>, Vec<LineError>) {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(false)
        .from_reader(text.as_bytes());
    let mut errors = Vec::new();
    let headers = match reader.headers() {
        Ok(h) => h.clone(),
        Err(e) => {
            errors.push(LineError {
                line: 1,
                error: format!("header: {e}"),
            });
            return (Vec::new(), errors);
        }
    };
    let column = |name: &str| headers.iter().position(|h| h.eq_ignore_ascii_case(name));
    let optional = [
        "delivered_at",
        "final_sale",
        "tracking_company",
        "tracking_number",
        "tracking_url",
    ];
    let missing: Vec<&str> = CSV_COLUMNS
        .iter()
        .copied()
        .filter(|c| !optional.contains(c) && column(c).is_none())
        .collect();
    if !missing.is_empty() {
        errors.push(LineError {
            line: 1,
            error: format!("header: missing column(s) {}", missing.join(", ")),
        });
        return (Vec::new(), errors);
    }
    // Orders by number, in the order first seen, with the first row's line.
    let mut grouped: Vec<(String, usize, PushedOrder)> = Vec::new();
    let mut failed: std::collections::HashSet<String> = Default::default();
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                errors.push(LineError {
                    line,
                    error: e.to_string(),
                });
                continue;
            }
        };
        let get = |name: &str| {
            column(name)
                .and_then(|c| record.get(c))
                .unwrap_or("")
                .to_owned()
        };
        let number = get("number");
        if failed.contains(&number) {
            continue;
        }
        let row = (|| -> Result<(PushedItem, Option<Tracking>), String> {
            let quantity = get("quantity")
                .parse::<u32>()
                .map_err(|_| format!("quantity: \"{}\" is not a whole number", get("quantity")))?;
            let unit_price_minor = get("unit_price_minor").parse::<i64>().map_err(|_| {
                format!(
                    "unit_price_minor: \"{}\" is not a whole number",
                    get("unit_price_minor")
                )
            })?;
            let final_sale = match get("final_sale").to_ascii_lowercase().as_str() {
                "" | "false" | "0" | "no" => false,
                "true" | "1" | "yes" => true,
                other => return Err(format!("final_sale: \"{other}\" is not true or false")),
            };
            let tracking = (!get("tracking_number").is_empty()).then(|| Tracking {
                company: get("tracking_company"),
                number: get("tracking_number"),
                url: get("tracking_url"),
            });
            Ok((
                PushedItem {
                    sku: get("sku"),
                    title: get("title"),
                    quantity,
                    unit_price_minor,
                    final_sale,
                },
                tracking,
            ))
        })();
        let (item, tracking) = match row {
            Ok(row) => row,
            Err(error) => {
                errors.push(LineError { line, error });
                failed.insert(number.clone());
                grouped.retain(|(n, ..)| *n != number);
                continue;
            }
        };
        match grouped.iter_mut().find(|(n, ..)| *n == number) {
            Some((.., order)) => {
                order.items.push(item);
                if let Some(t) = tracking
                    && !order.tracking.contains(&t)
                {
                    order.tracking.push(t);
                }
            }
            None => {
                let total_minor = match get("total_minor").parse::<i64>() {
                    Ok(t) => t,
                    Err(_) => {
                        errors.push(LineError {
                            line,
                            error: format!(
                                "total_minor: \"{}\" is not a whole number",
                                get("total_minor")
                            ),
                        });
                        failed.insert(number);
                        continue;
                    }
                };
                let delivered = get("delivered_at");
                grouped.push((
                    number.clone(),
                    line,
                    PushedOrder {
                        number: Value::String(number),
                        email: get("email"),
                        status: get("status"),
                        currency: get("currency"),
                        total_minor,
                        placed_at: get("placed_at"),
                        delivered_at: (!delivered.is_empty()).then_some(delivered),
                        estimated_delivery: None,
                        items: vec![item],
                        tracking: tracking.into_iter().collect(),
                        events: Vec::new(),
                        admin_url: None,
                    },
                ));
            }
        }
    }
    let mut orders = Vec::new();
    for (_, line, order) in grouped {
        match order.into_store_order() {
            Ok(order) => orders.push(order),
            Err(error) => errors.push(LineError { line, error }),
        }
    }
    errors.sort_by_key(|e| e.line);
    (orders, errors)
}

/// Failed bearer tokens one client may present per window.
pub const TOKEN_FAILURES: usize = 10;

/// The push route: `POST /api/sites/{site}/orders`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/sites/{site}/orders", post(receive))
        .layer(DefaultBodyLimit::max(MAX_PUSH_BYTES))
}

/// `POST /api/sites/{site}/orders`: NDJSON orders from the merchant's system.
/// 200 with a [`PushReport`] (lines refused are listed, the others stored);
/// 400 when no line could be stored; 401 for a wrong token; 413 too large.
async fn receive(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    Path(site): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, Json<PushReport>), AppError> {
    use crate::ratelimit::Rule;
    let key = format!("push-token:{client}");
    let attempt = state
        .login_failures
        .attempt_shared(
            state.shared_limits(),
            &key,
            &[Rule::new(key.clone(), TOKEN_FAILURES)],
        )
        .await
        .map_err(AppError::RateLimited)?;
    let token = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .unwrap_or("");
    let known = state.sites.get(&site).is_some();
    if !known || token.is_empty() || !token_ok(&state.db, &site, token).await? {
        attempt.failed();
        return Err(AppError::Unauthorized(
            "a push token for this site is needed: Authorization: Bearer <token from `aisle site token SITE`>".into(),
        ));
    }
    attempt.succeeded().await;
    let site_config = state.sites.known(&site)?;
    if !matches!(
        site_config.config.order_source,
        super::OrderSourceConfig::Push(_)
    ) {
        return Err(AppError::invalid(
            ErrorCode::BadRequest,
            "this site's order_source is not \"push\"; set it in the site file first",
        ));
    }
    let text = std::str::from_utf8(&body)
        .map_err(|_| AppError::invalid(ErrorCode::BadRequest, "the body is not UTF-8"))?;
    let lines = text.lines().filter(|l| !l.trim().is_empty()).count();
    if lines > MAX_ORDERS_PER_PUSH {
        return Err(AppError::invalid(
            ErrorCode::BadRequest,
            format!(
                "at most {MAX_ORDERS_PER_PUSH} orders per request (got {lines}); send them in batches"
            ),
        ));
    }
    let (orders, errors) = parse_ndjson(text);
    let upserted = upsert(&state.db, &site, &orders).await?;
    for (order, _) in &orders {
        super::cache::forget(&state.db, &site, order.view.number.0).await;
    }
    tracing::info!(site, upserted, refused = errors.len(), "orders pushed");
    let status = if upserted == 0 && !errors.is_empty() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    Ok((status, Json(PushReport { upserted, errors })))
}

/// The signature header of `body` sent at `at` (Unix seconds) under `secret`:
/// `t=<at>,v1=<hex HMAC-SHA256 of "<at>." + body>`.
pub fn signature(secret: &str, at: i64, body: &[u8]) -> String {
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes())
        .expect("HMAC takes keys of any length");
    mac.update(at.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("t={at},v1={}", hex::encode(mac.finalize().into_bytes()))
}

/// A site whose orders are pushed.
#[derive(Debug, Clone)]
pub struct Push {
    config: PushConfig,
    site: String,
    db: Db,
    client: StoreClient,
}

/// Sends to the merchant's webhook: attempts per delivery (with backoff between).
pub const ATTEMPTS: u32 = 3;

/// How a delivery was answered.
enum Answer {
    Done,
    Refused(String),
    Processing,
}

impl Push {
    /// The push source `config` names for `site`.
    pub fn new(config: &PushConfig, site: &str, db: &Db, client: &StoreClient) -> Self {
        Push {
            config: config.clone(),
            site: site.to_owned(),
            db: db.clone(),
            client: client.clone(),
        }
    }

    fn db_error(e: sqlx::Error) -> StoreError {
        StoreError::Unreachable(format!("database: {e}"))
    }

    fn admin_url(&self, order: &mut StoreOrder) {
        if order.admin_url.is_none() {
            order.admin_url = self
                .config
                .admin_url
                .as_ref()
                .map(|u| u.replace("{number}", &order.view.number.0.to_string()));
        }
    }

    async fn load(&self, number: OrderNumber) -> Result<Option<(StoreOrder, String)>, StoreError> {
        let row = pushed::order(&self.db, &self.site, number.0)
            .await
            .map_err(Self::db_error)?;
        let Some((email, payload)) = row else {
            return Ok(None);
        };
        let mut order: StoreOrder = serde_json::from_str(&payload)
            .map_err(|e| StoreError::Protocol(format!("stored order: {e}")))?;
        self.admin_url(&mut order);
        Ok(Some((order, email)))
    }

    /// Records a delivery, sends it, and keeps it as a dead letter when it
    /// could not be delivered.
    async fn deliver(
        &self,
        kind: &str,
        order: u32,
        key: &str,
        body: Value,
    ) -> Result<Answer, StoreError> {
        let body = body.to_string();
        let id = pushed::open_delivery(
            &self.db,
            &self.site,
            key,
            kind,
            order,
            &body,
            crate::db::now(),
        )
        .await
        .map_err(Self::db_error)?;
        send_delivery(
            &self.db,
            &self.client,
            &self.site,
            &self.config,
            id,
            key,
            &body,
        )
        .await
    }
}

/// Sends delivery `id` (up to [`ATTEMPTS`] times) and records the outcome:
/// `done`, `refused`, `processing`, or `failed` (a dead letter) with the error.
async fn send_delivery(
    db: &Db,
    client: &StoreClient,
    site: &str,
    config: &PushConfig,
    id: i64,
    key: &str,
    body: &str,
) -> Result<Answer, StoreError> {
    let breaker = client.breaker(site);
    let result = breaker
        .call(async {
            let secret = super::env_value(&config.secret_env).ok_or_else(|| {
                StoreError::Credentials(format!(
                    "the signing secret is not set: set the environment variable {}",
                    config.secret_env
                ))
            })?;
            let mut attempt = 1;
            loop {
                let at = crate::db::now();
                let request = client
                    .http
                    .post(&config.webhook_url)
                    .header("content-type", "application/json")
                    .header("x-aisle-signature", signature(&secret, at, body.as_bytes()))
                    .header("x-aisle-delivery", id.to_string())
                    .header("idempotency-key", key)
                    .body(body.to_owned());
                let _ = pushed::count_attempt(db, id).await;
                let hint = "the merchant's endpoint refused Aisle's signature: check secret_env";
                if let Some(response) = super::send(request, attempt, ATTEMPTS, site, hint).await? {
                    let status = response.status();
                    let answer: Value = response.json().await.unwrap_or(Value::Null);
                    if !status.is_success() {
                        return Err(StoreError::Protocol(format!(
                            "{} from the merchant's endpoint",
                            status.as_u16()
                        )));
                    }
                    let reason = answer["reason"].as_str().unwrap_or("").chars().take(500).collect::<String>();
                    return match answer["status"].as_str() {
                        Some("done") => Ok(Answer::Done),
                        Some("processing") => Ok(Answer::Processing),
                        Some("refused") => Ok(Answer::Refused(if reason.is_empty() {
                            "the store refused".into()
                        } else {
                            reason
                        })),
                        _ => Err(StoreError::Protocol(
                            "the merchant's endpoint answered without {\"status\": \"done\" | \"refused\" | \"processing\"}".into(),
                        )),
                    };
                }
                attempt += 1;
            }
        })
        .await;
    let (status, error) = match &result {
        Ok(Answer::Done) => ("done", String::new()),
        Ok(Answer::Processing) => ("processing", String::new()),
        Ok(Answer::Refused(why)) => ("refused", why.clone()),
        Err(e) => ("failed", e.to_string()),
    };
    let recorded = pushed::settle_delivery(db, id, status, &error, crate::db::now()).await;
    if let Err(e) = recorded {
        tracing::error!(site, id, error = %e, "recording a delivery failed");
    }
    if status == "failed" {
        tracing::warn!(
            site,
            id,
            error,
            "request to the merchant not delivered: kept as a dead letter"
        );
    }
    result
}

impl OrderSource for Push {
    async fn find(
        &self,
        number: OrderNumber,
        email: &str,
    ) -> Result<Option<StoreOrder>, StoreError> {
        Ok(self
            .load(number)
            .await?
            .filter(|(_, placed_with)| placed_with.eq_ignore_ascii_case(email))
            .map(|(order, _)| order))
    }

    async fn for_agent(
        &self,
        number: OrderNumber,
    ) -> Result<Option<(StoreOrder, String)>, StoreError> {
        self.load(number).await
    }

    async fn orders_of(&self, email: &str) -> Result<Vec<(u32, String)>, StoreError> {
        pushed::orders_of(&self.db, &self.site, email, 20)
            .await
            .map_err(Self::db_error)
    }

    async fn cancel(&self, order: &StoreOrder, key: &str) -> Result<Cancelled, StoreError> {
        let number = order.view.number.0;
        let actions = Actions::new(&self.db, &self.site);
        if let Some((status, detail)) = actions.claim(key, "cancel", number).await? {
            return Ok(match status.as_str() {
                "done" => Cancelled::Done,
                "refused" => Cancelled::Refused(detail),
                _ => Cancelled::Processing,
            });
        }
        let email = pushed::email_of(&self.db, &self.site, number)
            .await
            .map_err(Self::db_error)?;
        let body = json!({
            "type": "cancel",
            "site": self.site,
            "order": number,
            "email": email,
            "reason": "customer",
            "refund": "original_payment_method",
            "restock": true,
            "idempotency_key": key,
        });
        let answer = self.deliver("cancel", number, key, body).await;
        match answer {
            Ok(Answer::Done) => {
                mark_cancelled(&self.db, &self.site, number).await;
                actions.settle(key, "done", "").await;
                Ok(Cancelled::Done)
            }
            Ok(Answer::Processing) => {
                actions.settle(key, "processing", "").await;
                Ok(Cancelled::Processing)
            }
            Ok(Answer::Refused(why)) => {
                actions.settle(key, "refused", &why).await;
                Ok(Cancelled::Refused(why))
            }
            Err(e) => {
                actions.settle(key, "failed", &e.to_string()).await;
                Err(e)
            }
        }
    }

    async fn request_return(
        &self,
        order: &StoreOrder,
        email: &str,
        pending: &Pending,
        key: &str,
    ) -> Result<Returned, StoreError> {
        let number = order.view.number.0;
        let actions = Actions::new(&self.db, &self.site);
        if let Some((status, detail)) = actions.claim(key, "return", number).await? {
            return Ok(match status.as_str() {
                "done" => Returned::Requested { reference: detail },
                "refused" => Returned::Refused(detail),
                _ => Returned::Refused("this return is already being requested".into()),
            });
        }
        let Pending::Return {
            items,
            reason,
            comment,
            ..
        } = pending;
        let body = json!({
            "type": "return",
            "site": self.site,
            "order": number,
            "email": email,
            "items": items.iter().map(|(sku, title, quantity)| json!({
                "sku": sku, "title": title, "quantity": quantity,
            })).collect::<Vec<_>>(),
            "reason": reason,
            "comment": comment,
            "idempotency_key": key,
        });
        match self.deliver("return", number, key, body).await {
            Ok(Answer::Done | Answer::Processing) => {
                let reference = records::create_return(&self.db, &self.site, email, pending)
                    .await
                    .map_err(|e| StoreError::Unreachable(format!("database: {e}")))?;
                actions.settle(key, "done", &reference).await;
                Ok(Returned::Requested { reference })
            }
            Ok(Answer::Refused(why)) => {
                actions.settle(key, "refused", &why).await;
                Ok(Returned::Refused(why))
            }
            Err(e) => {
                actions.settle(key, "failed", &e.to_string()).await;
                Err(e)
            }
        }
    }
}

/// Marks pushed order `number` cancelled (the merchant said it is done).
async fn mark_cancelled(db: &Db, site: &str, number: u32) {
    let row = pushed::order(db, site, number).await.ok().flatten();
    let Some(mut order) = row.and_then(|(_, p)| serde_json::from_str::<StoreOrder>(&p).ok()) else {
        return;
    };
    order.view.state = OrderState::Cancelled;
    let Ok(payload) = serde_json::to_string(&order) else {
        return;
    };
    let result = pushed::mark_cancelled(db, site, number, &payload, crate::db::now()).await;
    if let Err(e) = result {
        tracing::error!(site, number, error = %e, "marking a pushed order cancelled failed");
    }
}

/// Requests to the merchant's system that were not delivered (dead letters)
/// or are still being sent, newest first, for agents of `site`.
pub async fn dead_letters(
    db: &Db,
    site: &str,
) -> Result<Vec<aisle_core::agent_api::StoreRequest>, sqlx::Error> {
    let rows = pushed::dead_letters(db, site, DEAD_LETTERS_SHOWN).await?;
    Ok(rows
        .into_iter()
        .map(
            |(id, kind, order, status, attempts, error, created_at, updated_at)| {
                aisle_core::agent_api::StoreRequest {
                    id,
                    kind,
                    order,
                    status,
                    attempts,
                    error,
                    created_at,
                    updated_at,
                }
            },
        )
        .collect())
}

/// Sends dead letter `id` of `site` again, as an agent asked; applies what
/// the merchant answers (a cancel done marks the order cancelled, a return
/// done records the return). `None` when there is no such dead letter.
pub async fn resend(
    state: &AppState,
    site: &crate::sites::Site,
    id: i64,
) -> Result<Option<aisle_core::agent_api::Resent>, AppError> {
    let super::OrderSourceConfig::Push(config) = &site.config.order_source else {
        return Ok(None);
    };
    let row = pushed::retake_dead_letter(&state.db, &site.id, id, crate::db::now()).await?;
    let Some((key, kind, order, body)) = row else {
        return Ok(None);
    };
    let actions = Actions::new(&state.db, &site.id);
    let answer = send_delivery(&state.db, &state.stores, &site.id, config, id, &key, &body).await;
    let (status, detail) = match answer {
        Ok(Answer::Done) if kind == "cancel" => {
            mark_cancelled(&state.db, &site.id, order as u32).await;
            actions.settle(&key, "done", "").await;
            ("done", String::new())
        }
        Ok(Answer::Done | Answer::Processing) if kind == "return" => {
            let sent: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
            let pending = Pending::Return {
                order: order as u32,
                items: sent["items"]
                    .as_array()
                    .map(|items| {
                        items
                            .iter()
                            .map(|i| {
                                (
                                    i["sku"].as_str().unwrap_or("").to_owned(),
                                    i["title"].as_str().unwrap_or("").to_owned(),
                                    i["quantity"].as_u64().unwrap_or(1) as u32,
                                )
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
                reason: sent["reason"].as_str().unwrap_or("").to_owned(),
                comment: sent["comment"].as_str().unwrap_or("").to_owned(),
            };
            let email = sent["email"].as_str().unwrap_or("");
            let reference = records::create_return(&state.db, &site.id, email, &pending)
                .await
                .map_err(AppError::Internal)?;
            actions.settle(&key, "done", &reference).await;
            ("done", reference)
        }
        Ok(Answer::Processing) => {
            actions.settle(&key, "processing", "").await;
            ("processing", String::new())
        }
        Ok(Answer::Refused(why)) => {
            actions.settle(&key, "refused", &why).await;
            ("refused", why)
        }
        Ok(Answer::Done) => ("done", String::new()),
        Err(e) => ("failed", e.to_string()),
    };
    super::cache::forget(&state.db, &site.id, order as u32).await;
    Ok(Some(aisle_core::agent_api::Resent {
        id,
        status: status.to_owned(),
        detail,
    }))
}

/// `aisle site token SITE`: prints a new push token (exit 2 for an unknown site).
pub async fn cli_token(site: &str, db_url: &str) -> std::process::ExitCode {
    use std::process::ExitCode;
    let made = async {
        let db = crate::db::connect(db_url).await?;
        let sites = crate::sites::SiteRegistry::load(&db).await?;
        anyhow::ensure!(
            sites.get(site).is_some(),
            "no site {site:?} in this database"
        );
        new_token(&db, site).await
    };
    match made.await {
        Ok(token) => {
            println!("{token}");
            eprintln!(
                "push orders with: curl -X POST -H 'Authorization: Bearer {token}' \\
  -H 'Content-Type: application/x-ndjson' --data-binary @orders.ndjson \\
  https://YOUR-AISLE/api/sites/{site}/orders\n(the previous token, if any, no longer works)"
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// `aisle orders import FILE --site SITE`: upserts the file's orders and
/// prints a [`PushReport`] as JSON. Exit 0 when every line was stored, 1 when
/// some were refused (each listed with its line), 2 when nothing could be
/// read or the site is not a push site.
pub async fn cli_import(
    file: &std::path::Path,
    site: &str,
    db_url: &str,
) -> std::process::ExitCode {
    use std::process::ExitCode;
    let done = async {
        let meta =
            std::fs::metadata(file).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
        anyhow::ensure!(
            meta.len() as usize <= MAX_PUSH_BYTES * 8,
            "{}: larger than {} MB; split it",
            file.display(),
            MAX_PUSH_BYTES * 8 / (1024 * 1024)
        );
        let text = std::fs::read_to_string(file)
            .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
        let db = crate::db::connect(db_url).await?;
        let sites = crate::sites::SiteRegistry::load(&db).await?;
        let Some(entry) = sites.get(site) else {
            anyhow::bail!("no site {site:?} in this database");
        };
        anyhow::ensure!(
            matches!(entry.config.order_source, super::OrderSourceConfig::Push(_)),
            "site {site:?} does not take pushed orders: set \"order_source\": {{\"kind\": \"push\", …}} in its site file"
        );
        let csv = file
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
        let (orders, errors) = if csv {
            parse_csv(&text)
        } else {
            parse_ndjson(&text)
        };
        let upserted = upsert(&db, site, &orders).await?;
        for (order, _) in &orders {
            super::cache::forget(&db, site, order.view.number.0).await;
        }
        anyhow::Ok(PushReport { upserted, errors })
    };
    match done.await {
        Ok(report) => {
            println!("{}", serde_json::to_string(&report).unwrap_or_default());
            for e in &report.errors {
                eprintln!("{}:{}: {}", file.display(), e.line, e.error);
            }
            if report.errors.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(extra: &str) -> String {
        format!(
            r##"{{"number": "#2001", "email": " Ana@Example.com ", "status": "in_transit", "currency": "EUR", "total_minor": 4500, "placed_at": "2026-11-20T10:00:00Z", "items": [{{"sku": "S-1", "title": "Wool scarf", "quantity": 1, "unit_price_minor": 4500}}]{extra}}}"##
        )
    }

    #[test]
    fn a_pushed_order_becomes_what_self_service_reads() {
        let (orders, errors) = parse_ndjson(&format!(
            "{}\n",
            line(
                r#", "tracking": [{"company": "UPS", "number": "1Z9", "url": "https://ups.example/1Z9"}]"#
            )
        ));
        assert!(errors.is_empty(), "{errors:?}");
        let (order, email) = &orders[0];
        assert_eq!(email, "ana@example.com");
        assert_eq!(order.view.number, OrderNumber(2001));
        assert_eq!(order.view.state, OrderState::InTransit);
        assert_eq!(order.view.shipment.as_ref().unwrap().carrier, "UPS");
    }

    #[test]
    fn a_bad_line_is_named_and_the_others_are_kept() {
        let text = format!(
            "{}\nnot json\n\n{}\n",
            line(""),
            line(r#", "admin_url": "ftp://x""#).replace("in_transit", "shipped")
        );
        let (orders, errors) = parse_ndjson(&text);
        assert_eq!(orders.len(), 1);
        assert_eq!(errors.len(), 2);
        assert_eq!(errors[0].line, 2);
        assert_eq!(errors[1].line, 4);
        assert!(
            errors[1].error.starts_with("status:"),
            "{}",
            errors[1].error
        );
    }

    #[test]
    fn csv_rows_of_one_number_make_one_order() {
        let csv = "number,email,status,currency,total_minor,placed_at,sku,title,quantity,unit_price_minor,final_sale\n\
                   3001,a@b.example,unfulfilled,EUR,3000,2026-11-20T10:00:00Z,A,\"Socks, wool\",2,1000,false\n\
                   3001,a@b.example,unfulfilled,EUR,3000,2026-11-20T10:00:00Z,B,Hat,1,1000,true\n\
                   3002,c@d.example,unfulfilled,EUR,10,yesterday,C,Cap,1,10,\n";
        let (orders, errors) = parse_csv(csv);
        assert_eq!(orders.len(), 1);
        assert_eq!(orders[0].0.view.items.len(), 2);
        assert_eq!(orders[0].0.view.items[0].title, "Socks, wool");
        assert!(orders[0].0.view.items[1].final_sale);
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].line, 4);
        assert!(errors[0].error.starts_with("placed_at:"));
    }

    #[test]
    fn the_signature_covers_the_time_and_the_body() {
        let a = signature("s3cret", 1_700_000_000, b"{}");
        assert!(a.starts_with("t=1700000000,v1="));
        assert_ne!(a, signature("s3cret", 1_700_000_001, b"{}"));
        assert_ne!(a, signature("s3cret", 1_700_000_000, b"{ }"));
    }
}
