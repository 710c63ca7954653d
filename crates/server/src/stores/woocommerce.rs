//! Orders from a WooCommerce store, through its REST API (`/wp-json/wc/v3`),
//! authenticated with a consumer key and secret (HTTP Basic over HTTPS).
//!
//! - **Lookup**: `GET /orders/{number}` (WooCommerce's order number is its id
//!   unless a plugin renumbers orders; then `GET /orders?search=` finds it by
//!   `number`), and the billing email is compared here. Tracking comes from
//!   the Shipment Tracking extension
//!   (`/wp-json/wc-shipment-tracking/v3/orders/{id}/shipment-trackings`) when
//!   the store has it.
//! - **States**: `pending`, `processing`, `on-hold` are not shipped yet
//!   (in transit once a tracking item exists); `completed` is delivered, as
//!   of its completion date; `cancelled`, `refunded`, `failed` are cancelled.
//! - **Cancel**: `PUT /orders/{id}` with `status: cancelled`, after a refund
//!   through `POST /orders/{id}/refunds` (`api_refund: true`, through the
//!   payment gateway) when the site file sets `refund_on_cancel`.
//! - **Return**: WooCommerce has no return API: an order note for the
//!   merchant (`POST /orders/{id}/notes`) plus Aisle's own return request.
//! - 429, 5xx and timeouts are retried with jittered backoff; 401/403 name
//!   the credentials. Cancels and returns are idempotent ([`Actions`]).

use super::{Actions, Cancelled, OrderSource, Refs, Returned, StoreError, StoreOrder, Tracking};
use crate::db::Db;
use crate::records::{self, Pending};
pub use crate::sites::order_source::WooConfig;
use aisle_core::order::{
    OrderItem, OrderNumber, OrderState, OrderView, Shipment, TrackingEvent, TrackingEventKind,
};
use aisle_core::policy::ReturnReason;
use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// Calls made for one request at most (the first and the retries).
pub const MAX_ATTEMPTS: u32 = 3;

impl WooConfig {
    fn api(&self, path: &str) -> String {
        format!("{}/wp-json{path}", self.url.trim_end_matches('/'))
    }
}

/// WooCommerce ids of an order.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct OrderRefs {
    /// The order's id.
    pub id: u64,
    /// Its total, as the store writes it (`"89.50"`), for refunds.
    pub total: String,
}

/// One site's WooCommerce store.
#[derive(Debug, Clone)]
pub struct Woo {
    config: WooConfig,
    site: String,
    db: Db,
    http: reqwest::Client,
    breaker: std::sync::Arc<super::Breaker>,
}

/// What a call answered: status and JSON body.
type Answer = (reqwest::StatusCode, Value);

impl Woo {
    /// The store `config` describes, for `site`.
    pub fn new(config: &WooConfig, site: &str, db: &Db, client: &super::StoreClient) -> Self {
        Woo {
            config: config.clone(),
            site: site.to_owned(),
            db: db.clone(),
            http: client.http.clone(),
            breaker: client.breaker(site),
        }
    }

    fn actions(&self) -> Actions<'_> {
        Actions::new(&self.db, &self.site)
    }

    fn credentials(&self) -> Result<(String, String), StoreError> {
        let read = |name: &str| {
            super::env_value(name).ok_or_else(|| {
                StoreError::Credentials(format!(
                    "{name} is not set: put the WooCommerce REST API key in it"
                ))
            })
        };
        Ok((read(&self.config.key_env)?, read(&self.config.secret_env)?))
    }

    /// One REST call through the site's breaker; 404 comes back as an
    /// answer, other failures as errors.
    async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Answer, StoreError> {
        self.breaker.call(self.call_once(method, path, body)).await
    }

    /// One REST call, with its retries.
    async fn call_once(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Answer, StoreError> {
        let (key, secret) = self.credentials()?;
        let url = self.config.api(path);
        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut request = self
                .http
                .request(method.clone(), &url)
                .basic_auth(&key, Some(&secret));
            if let Some(body) = &body {
                request = request.json(body);
            }
            let hint = "check the REST API key and that it has read/write access";
            let Some(response) =
                super::send(request, attempt, MAX_ATTEMPTS, &self.site, hint).await?
            else {
                continue;
            };
            let status = response.status();
            let body: Value = response.json().await.unwrap_or(Value::Null);
            if !status.is_success() && status != reqwest::StatusCode::NOT_FOUND {
                let message = body["message"].as_str().unwrap_or("error");
                return Err(StoreError::Protocol(format!(
                    "{} from the store: {message}",
                    status.as_u16()
                )));
            }
            return Ok((status, body));
        }
    }

    /// The order whose number is `number`.
    async fn order(&self, number: OrderNumber) -> Result<Option<Value>, StoreError> {
        let wanted = number.0.to_string();
        let (status, order) = self
            .call(Method::GET, &format!("/wc/v3/orders/{}", number.0), None)
            .await?;
        if status.is_success() && order["number"].as_str() == Some(wanted.as_str()) {
            return Ok(Some(order));
        }
        // Renumbered stores: find it by its number.
        let (_, found) = self
            .call(
                Method::GET,
                &format!("/wc/v3/orders?search={}&per_page=20", number.0),
                None,
            )
            .await?;
        Ok(found
            .as_array()
            .and_then(|orders| {
                orders
                    .iter()
                    .find(|o| o["number"].as_str() == Some(wanted.as_str()))
            })
            .cloned())
    }

    async fn tracking(&self, id: u64) -> Result<Vec<(Tracking, Option<i64>)>, StoreError> {
        let path = format!("/wc-shipment-tracking/v3/orders/{id}/shipment-trackings");
        let (status, items) = self.call(Method::GET, &path, None).await?;
        if !status.is_success() {
            return Ok(Vec::new()); // the extension is not installed
        }
        Ok(items
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .map(|t| {
                let shipped = t["date_shipped"].as_str().and_then(day_start);
                let tracking = Tracking {
                    company: t["tracking_provider"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned(),
                    number: t["tracking_number"].as_str().unwrap_or_default().to_owned(),
                    url: t["tracking_link"].as_str().unwrap_or_default().to_owned(),
                };
                (tracking, shipped)
            })
            .collect())
    }

    /// Ids of the products among `ids` that carry the final-sale tag.
    async fn final_sale(&self, ids: &[u64]) -> Result<Vec<u64>, StoreError> {
        let Some(tag) = self.config.final_sale_tag.as_deref() else {
            return Ok(Vec::new());
        };
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let list: Vec<String> = ids.iter().map(u64::to_string).collect();
        let path = format!("/wc/v3/products?include={}&per_page=100", list.join(","));
        let (_, products) = self.call(Method::GET, &path, None).await?;
        Ok(products
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .filter(|p| {
                p["tags"].as_array().is_some_and(|tags| {
                    tags.iter().any(|t| {
                        t["name"]
                            .as_str()
                            .is_some_and(|n| n.eq_ignore_ascii_case(tag))
                            || t["slug"]
                                .as_str()
                                .is_some_and(|s| s.eq_ignore_ascii_case(tag))
                    })
                })
            })
            .filter_map(|p| p["id"].as_u64())
            .collect())
    }
}

impl Woo {
    /// The order `number` whose REST representation is `order`, with its
    /// tracking and final-sale items (two more calls).
    async fn complete(&self, order: &Value, number: OrderNumber) -> Result<StoreOrder, StoreError> {
        let id = order["id"]
            .as_u64()
            .ok_or_else(|| StoreError::Protocol("the order has no id".into()))?;
        let tracking = self.tracking(id).await?;
        let products: Vec<u64> = order["line_items"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .filter_map(|l| l["product_id"].as_u64())
            .collect();
        let final_sale = self.final_sale(&products).await?;
        parse_order(order, number, &tracking, &final_sale, &self.config.url)
    }
}

impl OrderSource for Woo {
    async fn find(
        &self,
        number: OrderNumber,
        email: &str,
    ) -> Result<Option<StoreOrder>, StoreError> {
        let Some(order) = self.order(number).await? else {
            return Ok(None);
        };
        // A wrong email answers exactly like an unknown order.
        let placed_with = order["billing"]["email"].as_str().unwrap_or("");
        if !placed_with.trim().eq_ignore_ascii_case(email) {
            return Ok(None);
        }
        self.complete(&order, number).await.map(Some)
    }

    async fn for_agent(
        &self,
        number: OrderNumber,
    ) -> Result<Option<(StoreOrder, String)>, StoreError> {
        let Some(order) = self.order(number).await? else {
            return Ok(None);
        };
        let email = order["billing"]["email"]
            .as_str()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        Ok(Some((self.complete(&order, number).await?, email)))
    }

    async fn orders_of(&self, email: &str) -> Result<Vec<(u32, String)>, StoreError> {
        let query: String = url::form_urlencoded::byte_serialize(email.as_bytes()).collect();
        let path = format!("/wc/v3/orders?search={query}&per_page=20&orderby=date&order=desc");
        let (_, orders) = self.call(Method::GET, &path, None).await?;
        Ok(orders
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .filter(|o| {
                o["billing"]["email"]
                    .as_str()
                    .is_some_and(|e| e.trim().eq_ignore_ascii_case(email))
            })
            .filter_map(|o| {
                let number = OrderNumber::parse(o["number"].as_str()?).ok()?;
                Some((number.0, order_state(o, false).as_str().to_owned()))
            })
            .collect())
    }

    async fn cancel(&self, order: &StoreOrder, key: &str) -> Result<Cancelled, StoreError> {
        let Refs::Woo(refs) = &order.refs else {
            return Err(StoreError::Protocol("not a WooCommerce order".into()));
        };
        let actions = self.actions();
        if let Some((status, detail)) = actions.claim(key, "cancel", order.view.number.0).await? {
            return Ok(match status.as_str() {
                "done" => Cancelled::Done,
                "refused" => Cancelled::Refused(detail),
                _ => Cancelled::Processing,
            });
        }
        let result: Result<Result<(), String>, StoreError> = async {
            if self.config.refund_on_cancel {
                let refund = json!({
                    "amount": refs.total,
                    "reason": "Cancelled by the customer through Aisle self-service.",
                    "api_refund": true,
                });
                let path = format!("/wc/v3/orders/{}/refunds", refs.id);
                let (status, body) = self.call(Method::POST, &path, Some(refund)).await?;
                if !status.is_success() {
                    let why = body["message"].as_str().unwrap_or("the refund was refused");
                    return Ok(Err(format!("refund: {why}")));
                }
            }
            let path = format!("/wc/v3/orders/{}", refs.id);
            let (status, body) = self
                .call(Method::PUT, &path, Some(json!({ "status": "cancelled" })))
                .await?;
            if !status.is_success() || body["status"].as_str() != Some("cancelled") {
                let why = body["message"]
                    .as_str()
                    .unwrap_or("the order was not cancelled");
                return Ok(Err(why.to_owned()));
            }
            Ok(Ok(()))
        }
        .await;
        match result {
            Ok(Ok(())) => {
                actions.settle(key, "done", "").await;
                Ok(Cancelled::Done)
            }
            Ok(Err(why)) => {
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
        let Refs::Woo(refs) = &order.refs else {
            return Err(StoreError::Protocol("not a WooCommerce order".into()));
        };
        let actions = self.actions();
        if let Some((status, detail)) = actions.claim(key, "return", order.view.number.0).await? {
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
        let reference = records::create_return(&self.db, &self.site, email, pending)
            .await
            .map_err(|e| StoreError::Unreachable(format!("database: {e}")))?;
        let reason = ReturnReason::from_name(reason)
            .map_or_else(|| reason.clone(), |r| r.as_str().to_owned());
        let lines: Vec<String> = items
            .iter()
            .map(|(sku, title, quantity)| format!("{quantity} × {title} ({sku})"))
            .collect();
        let note = format!(
            "Return {reference} requested by the customer through Aisle: {}. Reason: {reason}.{}",
            lines.join(", "),
            if comment.trim().is_empty() {
                String::new()
            } else {
                format!(" Comment: {}", comment.trim())
            }
        );
        let path = format!("/wc/v3/orders/{}/notes", refs.id);
        match self
            .call(
                Method::POST,
                &path,
                Some(json!({ "note": note, "customer_note": false })),
            )
            .await
        {
            Ok((status, _)) if status.is_success() => {
                actions.settle(key, "done", &reference).await;
                Ok(Returned::Requested { reference })
            }
            Ok((status, body)) => {
                // The return is recorded in Aisle; only the note is missing.
                let why = body["message"]
                    .as_str()
                    .unwrap_or("note refused")
                    .to_owned();
                tracing::warn!(
                    site = self.site,
                    reference,
                    status = status.as_u16(),
                    why,
                    "order note not added"
                );
                actions.settle(key, "done", &reference).await;
                Ok(Returned::Requested { reference })
            }
            Err(e) => {
                tracing::warn!(site = self.site, reference, error = %e, "order note not added");
                actions.settle(key, "done", &reference).await;
                Ok(Returned::Requested { reference })
            }
        }
    }
}

/// Unix seconds of WooCommerce's `*_gmt` times (`2026-11-20T10:00:00`, UTC).
fn gmt(value: &Value) -> Option<i64> {
    let text = value.as_str()?;
    let civil: jiff::civil::DateTime = text.parse().ok()?;
    civil
        .to_zoned(jiff::tz::TimeZone::UTC)
        .ok()
        .map(|z| z.timestamp().as_second())
}

/// Unix seconds of the start (UTC) of a `YYYY-MM-DD` day.
fn day_start(day: &str) -> Option<i64> {
    let date: jiff::civil::Date = day.parse().ok()?;
    date.to_zoned(jiff::tz::TimeZone::UTC)
        .ok()
        .map(|z| z.timestamp().as_second())
}

fn order_state(order: &Value, has_tracking: bool) -> OrderState {
    match order["status"].as_str().unwrap_or("") {
        "completed" => OrderState::Delivered,
        "cancelled" | "refunded" | "failed" | "trash" => OrderState::Cancelled,
        _ if has_tracking => OrderState::InTransit,
        _ => OrderState::Unfulfilled,
    }
}

fn parse_order(
    order: &Value,
    number: OrderNumber,
    tracking: &[(Tracking, Option<i64>)],
    final_sale: &[u64],
    store: &str,
) -> Result<StoreOrder, StoreError> {
    let id = order["id"]
        .as_u64()
        .ok_or_else(|| StoreError::Protocol("the order has no id".into()))?;
    let placed_at = gmt(&order["date_created_gmt"])
        .ok_or_else(|| StoreError::Protocol("the order has no date_created_gmt".into()))?;
    let currency = order["currency"].as_str().unwrap_or("USD").to_owned();
    let minor = |v: &Value| -> i64 {
        let text = v
            .as_str()
            .map(str::to_owned)
            .or_else(|| v.as_f64().map(|f| f.to_string()));
        text.and_then(|t| super::shopify::minor_units(&t, &currency))
            .unwrap_or(0)
    };
    let state = order_state(order, !tracking.is_empty());
    let delivered_at = (state == OrderState::Delivered)
        .then(|| gmt(&order["date_completed_gmt"]))
        .flatten();
    let items = order["line_items"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .filter_map(|l| {
            let quantity = u32::try_from(l["quantity"].as_u64()?).ok()?;
            let sku = l["sku"]
                .as_str()
                .filter(|s| !s.trim().is_empty())
                .map_or_else(|| format!("line-{}", l["id"]), str::to_owned);
            Some(OrderItem {
                sku,
                title: l["name"].as_str().unwrap_or_default().to_owned(),
                quantity,
                unit_price_minor: minor(&l["price"]),
                final_sale: l["product_id"]
                    .as_u64()
                    .is_some_and(|p| final_sale.contains(&p)),
            })
        })
        .collect();
    let mut timeline = vec![TrackingEvent {
        at: placed_at,
        kind: TrackingEventKind::Ordered,
        location: None,
    }];
    for (_, shipped) in tracking {
        if let Some(at) = shipped {
            timeline.push(TrackingEvent {
                at: *at,
                kind: TrackingEventKind::Shipped,
                location: None,
            });
        }
    }
    if let Some(at) = delivered_at {
        timeline.push(TrackingEvent {
            at,
            kind: TrackingEventKind::Delivered,
            location: None,
        });
    }
    timeline.sort_by_key(|e| e.at);
    let shipment = tracking.first().map(|(t, _)| Shipment {
        carrier: t.company.clone(),
        tracking_number: t.number.clone(),
        tracking_url: t.url.clone(),
        estimated_delivery: None,
    });
    Ok(StoreOrder {
        view: OrderView {
            number,
            state,
            placed_at,
            delivered_at,
            total_minor: minor(&order["total"]),
            currency,
            items,
            shipment,
            timeline,
        },
        tracking: tracking.iter().map(|(t, _)| t.clone()).collect(),
        admin_url: Some(format!(
            "{}/wp-admin/post.php?post={id}&action=edit",
            store.trim_end_matches('/')
        )),
        refs: Refs::Woo(OrderRefs {
            id,
            total: order["total"].as_str().unwrap_or("0").to_owned(),
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_and_states_read_like_woocommerce_writes_them() {
        assert_eq!(gmt(&json!("1970-01-02T00:00:00")), Some(86_400));
        assert_eq!(day_start("1970-01-03"), Some(172_800));
        let status = |s: &str| json!({ "status": s });
        assert_eq!(
            order_state(&status("processing"), false),
            OrderState::Unfulfilled
        );
        assert_eq!(
            order_state(&status("processing"), true),
            OrderState::InTransit
        );
        assert_eq!(
            order_state(&status("completed"), true),
            OrderState::Delivered
        );
        assert_eq!(
            order_state(&status("refunded"), false),
            OrderState::Cancelled
        );
    }

    #[test]
    fn the_block_is_checked_field_by_field() {
        let config = WooConfig {
            url: "http://shop.example".into(),
            key_env: "ck_123".into(),
            secret_env: "AISLE_WC_SECRET".into(),
            refund_on_cancel: false,
            final_sale_tag: None,
            webhook_secret_env: None,
        };
        let fields: Vec<_> = config.problems().into_iter().map(|(f, _)| f).collect();
        assert_eq!(fields, ["url", "key_env"]);
        assert_eq!(
            WooConfig {
                url: "https://shop.example/".into(),
                key_env: "K".into(),
                ..config
            }
            .api("/wc/v3/orders/1"),
            "https://shop.example/wp-json/wc/v3/orders/1"
        );
    }
}
