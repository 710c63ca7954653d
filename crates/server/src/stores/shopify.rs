//! Orders from a Shopify store, through the Admin GraphQL API (version pinned
//! in the site file, default [`DEFAULT_API_VERSION`]).
//!
//! - **Lookup**: `orders(query: "name:#1001")`, then the email is compared
//!   here; a wrong email answers exactly like an unknown order.
//! - **Cancel**: `orderCancel` with a refund to the original payment method,
//!   restock, reason `CUSTOMER` and a staff note naming Aisle. Shopify cancels
//!   in a background job: the job is polled, and the shopper is told "done"
//!   only once it is.
//! - **Return**: `returnRequest` with the chosen fulfillment line items,
//!   quantities and reasons (mapped to Shopify's `ReturnReason`).
//! - **Discount codes**: `discountCodeBasicCreate`, one single-use code per
//!   visitor for campaigns with `"codes": {"shopify": …}` (`crate::offers`).
//! - **Throttling and failures**: a `THROTTLED` answer waits as long as
//!   `extensions.cost.throttleStatus` says the bucket needs to refill, 429 and
//!   5xx answers and timeouts are retried with jittered backoff, up to
//!   [`MAX_ATTEMPTS`] in all; then the store counts as unreachable.
//! - **Idempotency**: cancels and returns are claimed in `store_actions`
//!   under a key first, so a double click or a retry never makes two.
//!
//! The access token is read from the environment variable the site file
//! names (`token_env`) and sent as `X-Shopify-Access-Token`.

use super::{
    Actions, Cancelled, OrderSource, Refs, Returned, StoreError, StoreOrder, Tracking, seconds,
};
use crate::records::{self, Pending};
pub use crate::sites::order_source::{DEFAULT_API_VERSION, ShopifyConfig};

use crate::db::Db;
use aisle_core::campaign::DiscountOff;
use aisle_core::order::{
    OrderItem, OrderNumber, OrderState, OrderView, Shipment, TrackingEvent, TrackingEventKind,
};
use aisle_core::policy::ReturnReason;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::time::Duration;

/// Calls made for one request at most (the first and the retries).
pub const MAX_ATTEMPTS: u32 = 4;
/// How long a cancel's background job is polled before the shopper is told
/// it is being processed.
const JOB_POLLS: u32 = 8;

/// Shopify ids of an order, kept to act on it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct OrderRefs {
    /// `gid://shopify/Order/…`.
    pub order_id: String,
    /// Per line (by the SKU self-service uses): its fulfillment line items
    /// and their quantities.
    pub lines: Vec<(String, Vec<(String, u32)>)>,
}

/// One site's Shopify store.
#[derive(Debug, Clone)]
pub struct Shopify {
    config: ShopifyConfig,
    site: String,
    db: Db,
    http: reqwest::Client,
    breaker: std::sync::Arc<super::Breaker>,
}

/// `orders(query: "name:#1001")`, with everything self-service shows and acts on.
const ORDER_BY_NAME: &str = r#"query AisleOrderByName($query: String!) {
  orders(first: 5, query: $query) { nodes {
      id name email createdAt cancelledAt
      displayFinancialStatus displayFulfillmentStatus
      totalPriceSet { shopMoney { amount currencyCode } }
      lineItems(first: 100) { nodes {
        id sku title quantity currentQuantity
        originalUnitPriceSet { shopMoney { amount currencyCode } }
        product { tags }
      } }
      fulfillments(first: 20) {
        createdAt deliveredAt estimatedDeliveryAt displayStatus
        trackingInfo(first: 5) { company number url }
        fulfillmentLineItems(first: 100) { nodes { id quantity lineItem { id } } }
      }
  } }
}"#;

const ORDERS_OF: &str = r#"query AisleOrdersOfEmail($query: String!) {
  orders(first: 20, query: $query, sortKey: CREATED_AT, reverse: true) { nodes {
    name email cancelledAt displayFulfillmentStatus
    fulfillments(first: 20) { deliveredAt displayStatus }
  } }
}"#;

const ORDER_CANCEL: &str = r#"mutation AisleOrderCancel($orderId: ID!, $refundMethod: OrderCancelRefundMethodInput!, $restock: Boolean!, $reason: OrderCancelReason!, $notifyCustomer: Boolean, $staffNote: String) {
  orderCancel(orderId: $orderId, refundMethod: $refundMethod, restock: $restock, reason: $reason, notifyCustomer: $notifyCustomer, staffNote: $staffNote) {
    job { id done }
    orderCancelUserErrors { field message code }
  }
}"#;

const JOB: &str = r#"query AisleJob($id: ID!) {
  job(id: $id) { id done }
}"#;

const RETURN_CREATE: &str = r#"mutation AisleReturnCreate($returnInput: ReturnInput!) {
  returnCreate(returnInput: $returnInput) {
    return { id status }
    userErrors { field message }
  }
}"#;

const RETURN_REQUEST: &str = r#"mutation AisleReturnRequest($input: ReturnRequestInput!) {
  returnRequest(input: $input) {
    return { id status }
    userErrors { field message }
  }
}"#;

const DISCOUNT_CREATE: &str = r#"mutation AisleDiscountCreate($basicCodeDiscount: DiscountCodeBasicInput!) {
  discountCodeBasicCreate(basicCodeDiscount: $basicCodeDiscount) {
    codeDiscountNode { id }
    userErrors { field message code }
  }
}"#;

/// The first Admin API version whose discounts take `context` (older ones
/// take `customerSelection`).
const DISCOUNT_CONTEXT_SINCE: &str = "2025-04";

/// Why a discount code was not created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DiscountError {
    /// The store already has a discount with that code: try another.
    Taken,
    /// The store refused it (`userErrors`), with its message.
    Refused(String),
    /// The store could not be asked.
    Store(StoreError),
}

/// The staff note on cancels Aisle makes.
pub const STAFF_NOTE: &str = "Cancelled by the customer through Aisle self-service.";

impl Shopify {
    /// The store `config` describes, for `site`.
    pub fn new(config: &ShopifyConfig, site: &str, db: &Db, client: &super::StoreClient) -> Self {
        Shopify {
            config: config.clone(),
            site: site.to_owned(),
            db: db.clone(),
            http: client.http.clone(),
            breaker: client.breaker(site),
        }
    }

    /// Creates `code` in the store: a single-use discount of `off` on every
    /// item, for every buyer, valid from `now` (Unix seconds) for `days`
    /// days, titled `title` in the admin (`discountCodeBasicCreate`). The
    /// id of the new discount.
    pub async fn create_discount(
        &self,
        code: &str,
        title: &str,
        off: DiscountOff,
        days: u32,
        now: i64,
    ) -> Result<String, DiscountError> {
        let at = |t: i64| {
            jiff::Timestamp::from_second(t)
                .map(|t| t.to_string())
                .unwrap_or_default()
        };
        let value = match off {
            DiscountOff::Percent(p) => json!({ "percentage": f64::from(p) / 100.0 }),
            DiscountOff::Amount(minor) => json!({ "discountAmount": {
                "amount": format!("{}.{:02}", minor / 100, minor % 100),
                "appliesOnEachItem": false,
            }}),
        };
        let mut input = json!({
            "title": title,
            "code": code,
            "startsAt": at(now),
            "endsAt": at(now + i64::from(days) * 86_400),
            "usageLimit": 1,
            "appliesOncePerCustomer": true,
            "customerGets": { "value": value, "items": { "all": true } },
        });
        if self.config.api_version.as_str() >= DISCOUNT_CONTEXT_SINCE {
            input["context"] = json!({ "all": "ALL" });
        } else {
            input["customerSelection"] = json!({ "all": true });
        }
        let data = self
            .graphql(DISCOUNT_CREATE, json!({ "basicCodeDiscount": input }))
            .await
            .map_err(DiscountError::Store)?;
        let payload = &data["discountCodeBasicCreate"];
        if let Some(errors) = payload["userErrors"].as_array()
            && let Some(first) = errors.first()
        {
            if errors.iter().any(|e| e["code"] == "TAKEN") {
                return Err(DiscountError::Taken);
            }
            let message = first["message"].as_str().unwrap_or("refused");
            return Err(DiscountError::Refused(message.to_owned()));
        }
        payload["codeDiscountNode"]["id"]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| {
                DiscountError::Store(StoreError::Protocol("no discount in the answer".into()))
            })
    }

    /// Runs one GraphQL operation through the site's breaker; its `data`.
    async fn graphql(&self, query: &str, variables: Value) -> Result<Value, StoreError> {
        self.breaker.call(self.graphql_once(query, variables)).await
    }

    /// One GraphQL operation, with its retries.
    async fn graphql_once(&self, query: &str, variables: Value) -> Result<Value, StoreError> {
        let token = super::env_value(&self.config.token_env).ok_or_else(|| {
            StoreError::Credentials(format!(
                "{} is not set: put the store's Admin API access token in it",
                self.config.token_env
            ))
        })?;
        let body = json!({ "query": query, "variables": variables });
        let endpoint = self.config.endpoint();
        let mut attempt = 0;
        loop {
            attempt += 1;
            let last = attempt >= MAX_ATTEMPTS;
            let request = self
                .http
                .post(&endpoint)
                .header("X-Shopify-Access-Token", &token)
                .json(&body);
            let hint = "check the token and its read_orders scope";
            let Some(response) =
                super::send(request, attempt, MAX_ATTEMPTS, &self.site, hint).await?
            else {
                continue;
            };
            let status = response.status();
            if !status.is_success() {
                return Err(StoreError::Protocol(format!(
                    "{} from the store",
                    status.as_u16()
                )));
            }
            let answer: Value = response
                .json()
                .await
                .map_err(|e| StoreError::Protocol(format!("not JSON: {e}")))?;
            let errors = answer["errors"].as_array().cloned().unwrap_or_default();
            let code = |e: &Value| e["extensions"]["code"].as_str().unwrap_or("").to_owned();
            if errors.iter().any(|e| code(e) == "THROTTLED") {
                if last {
                    return Err(StoreError::Unreachable(
                        "the store is throttling our requests".into(),
                    ));
                }
                let wait = throttle_wait(&answer["extensions"]["cost"]);
                tracing::info!(
                    site = self.site,
                    attempt,
                    wait_ms = wait.as_millis() as u64,
                    "throttled by the store; waiting"
                );
                tokio::time::sleep(wait).await;
                continue;
            }
            if let Some(error) = errors.first() {
                let message = error["message"].as_str().unwrap_or("error").to_owned();
                return Err(if code(error) == "ACCESS_DENIED" {
                    StoreError::Credentials(format!(
                        "the store refused: {message} (check the token's scopes)"
                    ))
                } else {
                    StoreError::Protocol(message)
                });
            }
            return Ok(answer["data"].clone());
        }
    }

    async fn poll_job(&self, id: &str) -> Result<bool, StoreError> {
        for poll in 0..JOB_POLLS {
            let data = self.graphql(JOB, json!({ "id": id })).await?;
            if data["job"]["done"].as_bool() == Some(true) {
                return Ok(true);
            }
            tokio::time::sleep(Duration::from_millis(150 * u64::from(poll + 1))).await;
        }
        Ok(false)
    }

    /// The order named `number` (`#1001`) as the store has it, whatever its email.
    async fn node(&self, number: OrderNumber) -> Result<Option<Value>, StoreError> {
        let query = json!({ "query": format!("name:#{}", number.0) });
        let data = self.graphql(ORDER_BY_NAME, query).await?;
        let nodes = data["orders"]["nodes"]
            .as_array()
            .ok_or_else(|| StoreError::Protocol("no orders in the answer".into()))?;
        let name = number.to_string();
        Ok(nodes
            .iter()
            .find(|n| n["name"].as_str() == Some(name.as_str()))
            .cloned())
    }

    fn actions(&self) -> Actions<'_> {
        Actions::new(&self.db, &self.site)
    }
}

impl OrderSource for Shopify {
    async fn find(
        &self,
        number: OrderNumber,
        email: &str,
    ) -> Result<Option<StoreOrder>, StoreError> {
        let Some(node) = self.node(number).await? else {
            return Ok(None);
        };
        let node = &node;
        // A wrong email answers exactly like an unknown order.
        let placed_with = node["email"].as_str().unwrap_or("");
        if !placed_with.trim().eq_ignore_ascii_case(email) {
            return Ok(None);
        }
        parse_order(node, number, &self.config).map(Some)
    }

    async fn for_agent(
        &self,
        number: OrderNumber,
    ) -> Result<Option<(StoreOrder, String)>, StoreError> {
        let Some(node) = self.node(number).await? else {
            return Ok(None);
        };
        let email = node["email"]
            .as_str()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        Ok(Some((parse_order(&node, number, &self.config)?, email)))
    }

    async fn orders_of(&self, email: &str) -> Result<Vec<(u32, String)>, StoreError> {
        let escaped = email.replace('\\', "\\\\").replace('"', "\\\"");
        let data = self
            .graphql(
                ORDERS_OF,
                json!({ "query": format!("email:\"{escaped}\"") }),
            )
            .await?;
        let nodes = data["orders"]["nodes"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        Ok(nodes
            .iter()
            .filter(|n| {
                n["email"]
                    .as_str()
                    .is_some_and(|e| e.trim().eq_ignore_ascii_case(email))
            })
            .filter_map(|n| {
                let number = OrderNumber::parse(n["name"].as_str()?).ok()?;
                Some((number.0, order_state(n).0.as_str().to_owned()))
            })
            .collect())
    }

    async fn cancel(&self, order: &StoreOrder, key: &str) -> Result<Cancelled, StoreError> {
        let Refs::Shopify(refs) = &order.refs else {
            return Err(StoreError::Protocol("not a Shopify order".into()));
        };
        if let Some((status, detail)) = self
            .actions()
            .claim(key, "cancel", order.view.number.0)
            .await?
        {
            return Ok(match status.as_str() {
                "done" => Cancelled::Done,
                "refused" => Cancelled::Refused(detail),
                "processing" if self.poll_job(&detail).await? => {
                    self.actions().settle(key, "done", &detail).await;
                    Cancelled::Done
                }
                _ => Cancelled::Processing,
            });
        }
        let variables = json!({
            "orderId": refs.order_id,
            "refundMethod": { "originalPaymentMethodsRefund": true },
            "restock": true,
            "reason": "CUSTOMER",
            "notifyCustomer": true,
            "staffNote": STAFF_NOTE,
        });
        let data = match self.graphql(ORDER_CANCEL, variables).await {
            Ok(data) => data,
            Err(e) => {
                self.actions().settle(key, "failed", &e.to_string()).await;
                return Err(e);
            }
        };
        let payload = &data["orderCancel"];
        if let Some(error) = payload["orderCancelUserErrors"]
            .as_array()
            .and_then(|errors| errors.first())
        {
            let message = error["message"].as_str().unwrap_or("refused").to_owned();
            self.actions().settle(key, "refused", &message).await;
            return Ok(Cancelled::Refused(message));
        }
        let job = payload["job"]["id"].as_str().unwrap_or_default().to_owned();
        let done = payload["job"]["done"].as_bool() == Some(true)
            || (!job.is_empty() && self.poll_job(&job).await?);
        if done {
            self.actions().settle(key, "done", &job).await;
            Ok(Cancelled::Done)
        } else {
            self.actions().settle(key, "processing", &job).await;
            Ok(Cancelled::Processing)
        }
    }

    async fn request_return(
        &self,
        order: &StoreOrder,
        email: &str,
        pending: &Pending,
        key: &str,
    ) -> Result<Returned, StoreError> {
        let Refs::Shopify(refs) = &order.refs else {
            return Err(StoreError::Protocol("not a Shopify order".into()));
        };
        let Pending::Return {
            items,
            reason,
            comment,
            ..
        } = pending;
        if let Some((status, detail)) = self
            .actions()
            .claim(key, "return", order.view.number.0)
            .await?
        {
            return Ok(match status.as_str() {
                "done" => Returned::Requested { reference: detail },
                "refused" => Returned::Refused(detail),
                _ => Returned::Refused("this return is already being requested".into()),
            });
        }
        let reason = ReturnReason::from_name(reason).unwrap_or(ReturnReason::Other);
        let note: String = comment.chars().take(300).collect();
        let mut lines = Vec::new();
        for (sku, _, quantity) in items {
            let mut left = *quantity;
            let shipped = refs
                .lines
                .iter()
                .find(|(s, _)| s == sku)
                .map(|(_, f)| f.as_slice())
                .unwrap_or_default();
            for (id, available) in shipped {
                if left == 0 {
                    break;
                }
                let take = left.min(*available);
                if take > 0 {
                    // An approved return (`returnCreate`) carries the note as
                    // the reason's note (255 characters); a request as the
                    // customer's note (300).
                    let line = if self.config.auto_approve_returns {
                        json!({
                            "fulfillmentLineItemId": id,
                            "quantity": take,
                            "returnReason": shopify_reason(reason),
                            "returnReasonNote": note.chars().take(255).collect::<String>(),
                        })
                    } else {
                        json!({
                            "fulfillmentLineItemId": id,
                            "quantity": take,
                            "returnReason": shopify_reason(reason),
                            "customerNote": note,
                        })
                    };
                    lines.push(line);
                    left -= take;
                }
            }
            if left > 0 {
                let why = format!("{sku} has not been shipped in that quantity");
                self.actions().settle(key, "refused", &why).await;
                return Ok(Returned::Refused(why));
            }
        }
        let (mutation, variables, answer) = if self.config.auto_approve_returns {
            let input = json!({ "orderId": refs.order_id, "returnLineItems": lines, "notifyCustomer": true });
            (
                RETURN_CREATE,
                json!({ "returnInput": input }),
                "returnCreate",
            )
        } else {
            let input = json!({ "orderId": refs.order_id, "returnLineItems": lines });
            (RETURN_REQUEST, json!({ "input": input }), "returnRequest")
        };
        let data = match self.graphql(mutation, variables).await {
            Ok(data) => data,
            Err(e) => {
                self.actions().settle(key, "failed", &e.to_string()).await;
                return Err(e);
            }
        };
        let payload = &data[answer];
        if let Some(error) = payload["userErrors"].as_array().and_then(|e| e.first()) {
            let message = error["message"].as_str().unwrap_or("refused").to_owned();
            self.actions().settle(key, "refused", &message).await;
            return Ok(Returned::Refused(message));
        }
        let Some(id) = payload["return"]["id"].as_str() else {
            self.actions()
                .settle(key, "failed", "no return in the answer")
                .await;
            return Err(StoreError::Protocol("no return in the answer".into()));
        };
        // Agents see it in the console like any return, with the store's id.
        let reference = records::create_return(&self.db, &self.site, email, pending)
            .await
            .map_err(|e| StoreError::Unreachable(format!("database: {e}")))?;
        tracing::info!(
            site = self.site,
            reference,
            shopify_return = id,
            "return requested in Shopify"
        );
        self.actions().settle(key, "done", &reference).await;
        Ok(Returned::Requested { reference })
    }
}

/// Shopify's `ReturnReason` for ours.
pub fn shopify_reason(reason: ReturnReason) -> &'static str {
    match reason {
        ReturnReason::NotAsDescribed => "NOT_AS_DESCRIBED",
        ReturnReason::WrongItem => "WRONG_ITEM",
        ReturnReason::Damaged => "DEFECTIVE",
        ReturnReason::ChangedMind => "UNWANTED",
        ReturnReason::TooLate | ReturnReason::Other => "OTHER",
    }
}

/// How long until the cost bucket holds the query's cost again.
fn throttle_wait(cost: &Value) -> Duration {
    let requested = cost["requestedQueryCost"].as_f64().unwrap_or(100.0);
    let status = &cost["throttleStatus"];
    let available = status["currentlyAvailable"].as_f64().unwrap_or(0.0);
    let rate = status["restoreRate"]
        .as_f64()
        .filter(|r| *r > 0.0)
        .unwrap_or(50.0);
    seconds(((requested - available) / rate).max(0.1))
}

/// Unix seconds of an RFC 3339 time.
fn unix(value: &Value) -> Option<i64> {
    value
        .as_str()?
        .parse::<jiff::Timestamp>()
        .ok()
        .map(|t| t.as_second())
}

/// Minor units of a decimal amount (`"12.50"` USD → 1250; `"1200"` JPY → 1200).
pub fn minor_units(amount: &str, currency: &str) -> Option<i64> {
    let decimals = match currency {
        "BIF" | "CLP" | "DJF" | "GNF" | "ISK" | "JPY" | "KMF" | "KRW" | "PYG" | "RWF" | "UGX"
        | "VND" | "VUV" | "XAF" | "XOF" | "XPF" => 0,
        "BHD" | "IQD" | "JOD" | "KWD" | "LYD" | "OMR" | "TND" => 3,
        _ => 2,
    };
    let (whole, fraction) = amount.trim().split_once('.').unwrap_or((amount.trim(), ""));
    let negative = whole.starts_with('-');
    let whole: i64 = whole.trim_start_matches('-').parse().ok()?;
    let mut fraction: String = fraction.chars().take(decimals).collect();
    while fraction.len() < decimals {
        fraction.push('0');
    }
    let fraction: i64 = if fraction.is_empty() {
        0
    } else {
        fraction.parse().ok()?
    };
    let value = whole
        .checked_mul(10i64.pow(decimals as u32))?
        .checked_add(fraction)?;
    Some(if negative { -value } else { value })
}

/// State and delivery time of an order node.
fn order_state(node: &Value) -> (OrderState, Option<i64>) {
    if !node["cancelledAt"].is_null() {
        return (OrderState::Cancelled, None);
    }
    let fulfillments = node["fulfillments"].as_array().cloned().unwrap_or_default();
    let delivered = fulfillments
        .iter()
        .filter(|f| f["displayStatus"].as_str() == Some("DELIVERED") || !f["deliveredAt"].is_null())
        .filter_map(|f| unix(&f["deliveredAt"]).or(Some(0)))
        .max();
    if let Some(at) = delivered {
        return (OrderState::Delivered, (at > 0).then_some(at));
    }
    let shipped = !fulfillments.is_empty()
        || matches!(
            node["displayFulfillmentStatus"].as_str(),
            Some("FULFILLED" | "PARTIALLY_FULFILLED")
        );
    if shipped {
        (OrderState::InTransit, None)
    } else {
        (OrderState::Unfulfilled, None)
    }
}

/// The order a `orders` node describes.
fn parse_order(
    node: &Value,
    number: OrderNumber,
    config: &ShopifyConfig,
) -> Result<StoreOrder, StoreError> {
    let missing = |what: &str| StoreError::Protocol(format!("the order has no {what}"));
    let order_id = node["id"].as_str().ok_or_else(|| missing("id"))?.to_owned();
    let placed_at = unix(&node["createdAt"]).ok_or_else(|| missing("createdAt"))?;
    let money = &node["totalPriceSet"]["shopMoney"];
    let currency = money["currencyCode"].as_str().unwrap_or("USD").to_owned();
    let total_minor = money["amount"]
        .as_str()
        .and_then(|a| minor_units(a, &currency))
        .unwrap_or(0);
    let (state, delivered_at) = order_state(node);
    let final_sale_tag = config.final_sale_tag.as_deref();
    let mut items = Vec::new();
    let mut line_skus = Vec::new();
    for line in node["lineItems"]["nodes"]
        .as_array()
        .cloned()
        .unwrap_or_default()
    {
        let id = line["id"].as_str().unwrap_or_default().to_owned();
        let sku = line["sku"]
            .as_str()
            .filter(|s| !s.trim().is_empty())
            .map_or_else(
                || format!("line-{}", id.rsplit('/').next().unwrap_or("")),
                str::to_owned,
            );
        let quantity = line["currentQuantity"]
            .as_u64()
            .or_else(|| line["quantity"].as_u64())
            .and_then(|q| u32::try_from(q).ok())
            .unwrap_or(0);
        let unit = &line["originalUnitPriceSet"]["shopMoney"];
        let unit_price_minor = unit["amount"]
            .as_str()
            .and_then(|a| minor_units(a, unit["currencyCode"].as_str().unwrap_or(&currency)))
            .unwrap_or(0);
        let final_sale = final_sale_tag.is_some_and(|tag| {
            line["product"]["tags"].as_array().is_some_and(|tags| {
                tags.iter()
                    .any(|t| t.as_str().is_some_and(|t| t.eq_ignore_ascii_case(tag)))
            })
        });
        line_skus.push((id, sku.clone()));
        if quantity > 0 {
            items.push(OrderItem {
                sku,
                title: line["title"].as_str().unwrap_or_default().to_owned(),
                quantity,
                unit_price_minor,
                final_sale,
            });
        }
    }
    let fulfillments = node["fulfillments"].as_array().cloned().unwrap_or_default();
    let mut timeline = vec![TrackingEvent {
        at: placed_at,
        kind: TrackingEventKind::Ordered,
        location: None,
    }];
    let mut tracking = Vec::new();
    let mut lines: Vec<(String, Vec<(String, u32)>)> = Vec::new();
    let mut estimated_delivery = None;
    for f in &fulfillments {
        if let Some(at) = unix(&f["createdAt"]) {
            timeline.push(TrackingEvent {
                at,
                kind: TrackingEventKind::Shipped,
                location: None,
            });
        }
        if let Some(at) = unix(&f["deliveredAt"]) {
            timeline.push(TrackingEvent {
                at,
                kind: TrackingEventKind::Delivered,
                location: None,
            });
        }
        estimated_delivery = estimated_delivery.or_else(|| unix(&f["estimatedDeliveryAt"]));
        for t in f["trackingInfo"].as_array().cloned().unwrap_or_default() {
            tracking.push(Tracking {
                company: t["company"].as_str().unwrap_or_default().to_owned(),
                number: t["number"].as_str().unwrap_or_default().to_owned(),
                url: t["url"].as_str().unwrap_or_default().to_owned(),
            });
        }
        for fl in f["fulfillmentLineItems"]["nodes"]
            .as_array()
            .cloned()
            .unwrap_or_default()
        {
            let line_id = fl["lineItem"]["id"].as_str().unwrap_or_default();
            let Some((_, sku)) = line_skus.iter().find(|(id, _)| id == line_id) else {
                continue;
            };
            let entry = (
                fl["id"].as_str().unwrap_or_default().to_owned(),
                fl["quantity"]
                    .as_u64()
                    .and_then(|q| u32::try_from(q).ok())
                    .unwrap_or(0),
            );
            match lines.iter_mut().find(|(s, _)| s == sku) {
                Some((_, list)) => list.push(entry),
                None => lines.push((sku.clone(), vec![entry])),
            }
        }
    }
    if let Some(at) = unix(&node["cancelledAt"]) {
        timeline.push(TrackingEvent {
            at,
            kind: TrackingEventKind::Cancelled,
            location: None,
        });
    }
    timeline.sort_by_key(|e| e.at);
    let shipment = tracking
        .iter()
        .find(|t| !t.number.is_empty())
        .map(|t| Shipment {
            carrier: t.company.clone(),
            tracking_number: t.number.clone(),
            tracking_url: t.url.clone(),
            estimated_delivery,
        });
    let admin_url = order_id
        .rsplit('/')
        .next()
        .filter(|id| !id.is_empty())
        .map(|id| format!("https://{}/admin/orders/{id}", config.shop));
    Ok(StoreOrder {
        view: OrderView {
            number,
            state,
            placed_at,
            delivered_at,
            currency,
            total_minor,
            items,
            shipment,
            timeline,
        },
        tracking,
        admin_url,
        refs: Refs::Shopify(OrderRefs { order_id, lines }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> ShopifyConfig {
        ShopifyConfig {
            shop: "northwind.myshopify.com".into(),
            token_env: "AISLE_SHOPIFY_TOKEN".into(),
            api_version: DEFAULT_API_VERSION.into(),
            final_sale_tag: Some("final-sale".into()),
            api_url: None,
            webhook_secret_env: None,
            auto_approve_returns: false,
        }
    }

    #[test]
    fn amounts_become_minor_units_by_currency() {
        assert_eq!(minor_units("12.50", "USD"), Some(1250));
        assert_eq!(minor_units("12.5", "EUR"), Some(1250));
        assert_eq!(minor_units("12", "USD"), Some(1200));
        assert_eq!(minor_units("1200", "JPY"), Some(1200));
        assert_eq!(minor_units("1.234", "KWD"), Some(1234));
        assert_eq!(minor_units("-3.10", "USD"), Some(-310));
        assert_eq!(minor_units("abc", "USD"), None);
        assert_eq!(minor_units("99999999999999999999", "USD"), None);
    }

    #[test]
    fn the_block_is_checked_field_by_field() {
        assert!(config().problems().is_empty());
        assert_eq!(
            config().endpoint(),
            "https://northwind.myshopify.com/admin/api/2025-10/graphql.json"
        );
        let bad = ShopifyConfig {
            shop: "north wind".into(),
            token_env: "shpat_123abc".into(),
            api_version: "latest".into(),
            final_sale_tag: Some(" ".into()),
            api_url: Some("http://example.com/graphql".into()),
            webhook_secret_env: Some("lower-case".into()),
            auto_approve_returns: false,
        };
        let fields: Vec<_> = bad.problems().into_iter().map(|(f, _)| f).collect();
        assert_eq!(
            fields,
            [
                "shop",
                "token_env",
                "api_version",
                "final_sale_tag",
                "webhook_secret_env",
                "api_url"
            ]
        );
        for ok in [
            "http://127.0.0.1:9/graphql.json",
            "http://localhost/x",
            "http://[::1]:8/x",
            "https://proxy.example/x",
        ] {
            assert!(crate::stores::check_api_url(ok).is_ok(), "{ok}");
        }
        assert!(crate::stores::check_api_url("ftp://127.0.0.1/x").is_err());
    }

    #[test]
    fn throttling_waits_for_the_bucket_to_refill() {
        let cost = json!({"requestedQueryCost": 202, "throttleStatus": {"maximumAvailable": 2000.0, "currentlyAvailable": 2, "restoreRate": 100.0}});
        assert_eq!(throttle_wait(&cost), Duration::from_secs(2));
        let full = json!({"requestedQueryCost": 10, "throttleStatus": {"currentlyAvailable": 1000, "restoreRate": 100.0}});
        assert_eq!(throttle_wait(&full), Duration::from_millis(100));
    }

    #[test]
    fn every_reason_maps_to_shopifys_enum() {
        for reason in ReturnReason::ALL {
            assert!(!shopify_reason(reason).is_empty());
        }
        assert_eq!(shopify_reason(ReturnReason::Damaged), "DEFECTIVE");
    }
}
