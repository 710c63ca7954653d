//! Where a site's orders come from, and where cancels and returns go: the
//! seeded demo tables, the merchant's Shopify store (Admin GraphQL API), their
//! WooCommerce store (REST API v3), or their own system ("push": orders sent
//! to Aisle, requests sent back as signed webhooks).
//!
//! Self-service asks an [`OrderSource`] and never touches a platform itself;
//! policy (can this be cancelled, which items can go back) stays in
//! `aisle_core::policy`, the same for every source. A source that cannot be
//! reached says so ([`StoreError`]): callers tell the shopper and hand the
//! request to a person, never claim something happened that did not.
//!
//! The site file picks the source (`"order_source": {"kind": "shopify", …}`);
//! credentials are read from the environment variable it names, never stored.

mod actions;
pub mod cache;
pub mod push;
pub mod pushed;
pub mod shopify;
pub mod woocommerce;

pub use actions::Actions;

use crate::db::Db;
use crate::records::{self, Pending};
pub use crate::sites::order_source::OrderSourceConfig;
pub(crate) use crate::sites::order_source::check_api_url;
use aisle_core::order::{OrderNumber, OrderView};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::future::Future;
use std::time::Duration;

/// Why a store could not answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreError {
    /// Down, timing out, failing (5xx) or throttling past our retries.
    Unreachable(String),
    /// It refused our credentials, or they are not configured.
    Credentials(String),
    /// It answered something we could not make sense of.
    Protocol(String),
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::Unreachable(why) | StoreError::Credentials(why) => f.write_str(why),
            StoreError::Protocol(why) => write!(f, "unexpected answer from the store: {why}"),
        }
    }
}

impl std::error::Error for StoreError {}

/// A parcel's tracking as the store has it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tracking {
    /// Carrier (`UPS`).
    pub company: String,
    /// Tracking number.
    pub number: String,
    /// Carrier's tracking page.
    pub url: String,
}

/// An order as a source found it: what the shopper may see, plus what the
/// source needs to act on it later.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreOrder {
    /// What self-service shows and decides on.
    pub view: OrderView,
    /// Every parcel's tracking (the view shows the first).
    pub tracking: Vec<Tracking>,
    /// The order in the store's admin, for agents.
    pub admin_url: Option<String>,
    /// Platform ids (Shopify: order and line-item ids).
    pub refs: Refs,
}

/// Platform ids of an order.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Refs {
    /// The demo tables need none.
    #[default]
    None,
    /// Shopify global ids.
    Shopify(shopify::OrderRefs),
    /// WooCommerce ids.
    Woo(woocommerce::OrderRefs),
}

/// What became of a cancel request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cancelled {
    /// The order is cancelled (and refunded, where the store does that).
    Done,
    /// The store accepted it and is still working on it.
    Processing,
    /// The store said no, and why.
    Refused(String),
}

/// What became of a return request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Returned {
    /// Recorded, with the reference the shopper gets.
    Requested {
        /// Aisle's reference (`R-…`).
        reference: String,
    },
    /// The store said no, and why.
    Refused(String),
}

/// A place orders come from.
pub trait OrderSource {
    /// The order `number` if it was placed with `email` (normalized); `None`
    /// for an unknown order and a wrong email alike.
    fn find(
        &self,
        number: OrderNumber,
        email: &str,
    ) -> impl Future<Output = Result<Option<StoreOrder>, StoreError>> + Send;

    /// The order `number` whatever its email, with that email: for agents,
    /// who are logged in to the site, never for shoppers.
    fn for_agent(
        &self,
        number: OrderNumber,
    ) -> impl Future<Output = Result<Option<(StoreOrder, String)>, StoreError>> + Send;

    /// The orders placed with `email`, newest first: (number, state name).
    fn orders_of(
        &self,
        email: &str,
    ) -> impl Future<Output = Result<Vec<(u32, String)>, StoreError>> + Send;

    /// Cancels `order` (refund to the original payment, restock). Repeating a
    /// call with the same `key` never cancels twice.
    fn cancel(
        &self,
        order: &StoreOrder,
        key: &str,
    ) -> impl Future<Output = Result<Cancelled, StoreError>> + Send;

    /// Asks for a return of `pending`'s items. Repeating a call with the same
    /// `key` never makes two.
    fn request_return(
        &self,
        order: &StoreOrder,
        email: &str,
        pending: &Pending,
        key: &str,
    ) -> impl Future<Output = Result<Returned, StoreError>> + Send;
}

/// The demo tables of one site.
#[derive(Debug, Clone)]
pub struct Demo {
    db: Db,
    site: String,
}

impl OrderSource for Demo {
    async fn find(
        &self,
        number: OrderNumber,
        email: &str,
    ) -> Result<Option<StoreOrder>, StoreError> {
        let view = crate::orders::find_for_shopper(&self.db, &self.site, number, email)
            .await
            .map_err(|e| StoreError::Unreachable(format!("database: {e}")))?;
        Ok(view.map(|view| StoreOrder {
            tracking: view
                .shipment
                .iter()
                .map(|s| Tracking {
                    company: s.carrier.clone(),
                    number: s.tracking_number.clone(),
                    url: s.tracking_url.clone(),
                })
                .collect(),
            view,
            admin_url: None,
            refs: Refs::None,
        }))
    }

    async fn for_agent(
        &self,
        number: OrderNumber,
    ) -> Result<Option<(StoreOrder, String)>, StoreError> {
        let email = crate::orders::email_of(&self.db, &self.site, number)
            .await
            .map_err(|e| StoreError::Unreachable(format!("database: {e}")))?;
        let Some(email) = email else {
            return Ok(None);
        };
        Ok(self.find(number, &email).await?.map(|order| (order, email)))
    }

    async fn orders_of(&self, email: &str) -> Result<Vec<(u32, String)>, StoreError> {
        records::orders_of(&self.db, &self.site, email)
            .await
            .map_err(|e| StoreError::Unreachable(format!("database: {e}")))
    }

    async fn cancel(&self, order: &StoreOrder, _key: &str) -> Result<Cancelled, StoreError> {
        // One conditional UPDATE decides, so a double click cancels once.
        let done = records::cancel_order(&self.db, &self.site, order.view.number.0)
            .await
            .map_err(|e| StoreError::Unreachable(format!("database: {e}")))?;
        Ok(if done {
            Cancelled::Done
        } else {
            Cancelled::Refused("the order is no longer unfulfilled".into())
        })
    }

    async fn request_return(
        &self,
        _order: &StoreOrder,
        email: &str,
        pending: &Pending,
        _key: &str,
    ) -> Result<Returned, StoreError> {
        let reference = records::create_return(&self.db, &self.site, email, pending)
            .await
            .map_err(|e| StoreError::Unreachable(format!("database: {e}")))?;
        Ok(Returned::Requested { reference })
    }
}

/// The trimmed value of environment variable `name`, unless unset or blank:
/// where store credentials and webhook secrets come from.
pub fn env_value(name: &str) -> Option<String> {
    std::env::var(name)
        .ok()
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

/// Failed requests in a row (each after its retries) that open a site's breaker.
pub const BREAKER_FAILURES: u32 = 3;
/// How long an open breaker answers "unreachable" without calling the store.
pub const BREAKER_OPEN: Duration = Duration::from_secs(30);

/// A circuit breaker for one store: after [`BREAKER_FAILURES`] failed
/// requests in a row it stays open for [`BREAKER_OPEN`], and requests fail at
/// once instead of each making a shopper wait through timeouts and retries.
/// The first request after that tries the store again.
#[derive(Debug, Default)]
pub struct Breaker {
    state: std::sync::Mutex<(u32, Option<std::time::Instant>)>,
}

impl Breaker {
    fn lock(&self) -> std::sync::MutexGuard<'_, (u32, Option<std::time::Instant>)> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// `Err` while open.
    pub fn allow(&self) -> Result<(), StoreError> {
        let (_, open_until) = *self.lock();
        match open_until {
            Some(until) if std::time::Instant::now() < until => {
                let left = until.saturating_duration_since(std::time::Instant::now());
                Err(StoreError::Unreachable(format!(
                    "the store failed {BREAKER_FAILURES} times in a row; not calling it for another {} s",
                    left.as_secs().max(1)
                )))
            }
            _ => Ok(()),
        }
    }

    /// Records how a request ended: only failures to reach the store count.
    pub fn record<T>(&self, result: &Result<T, StoreError>) {
        let mut state = self.lock();
        match result {
            Ok(_) => *state = (0, None),
            Err(StoreError::Unreachable(_)) => {
                state.0 += 1;
                if state.0 >= BREAKER_FAILURES {
                    state.1 = Some(std::time::Instant::now() + BREAKER_OPEN);
                }
            }
            Err(_) => {}
        }
    }

    /// Runs `request` through the breaker.
    pub async fn call<T>(
        &self,
        request: impl Future<Output = Result<T, StoreError>>,
    ) -> Result<T, StoreError> {
        self.allow()?;
        let result = request.await;
        self.record(&result);
        result
    }
}

/// Calls to merchants' stores: one HTTP client (see [`http_client`]) and a
/// circuit breaker per site.
#[derive(Debug, Clone, Default)]
pub struct StoreClient {
    /// The HTTP client.
    pub http: reqwest::Client,
    /// Lookups served from the order cache and from stores.
    pub counts: std::sync::Arc<cache::CacheCounts>,
    /// Shoppers' order lists, kept a minute.
    pub lists: std::sync::Arc<cache::OrderLists>,
    breakers: std::sync::Arc<
        std::sync::Mutex<std::collections::HashMap<String, std::sync::Arc<Breaker>>>,
    >,
}

impl StoreClient {
    /// A client with fresh breakers.
    pub fn new() -> Self {
        StoreClient {
            http: http_client(),
            breakers: Default::default(),
            counts: Default::default(),
            lists: Default::default(),
        }
    }

    /// The breaker of `site`.
    pub fn breaker(&self, site: &str) -> std::sync::Arc<Breaker> {
        let mut breakers = self.breakers.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(breaker) = breakers.get(site) {
            return breaker.clone();
        }
        breakers.entry(site.to_owned()).or_default().clone()
    }
}

/// Longest single wait between attempts at a store call.
pub const MAX_WAIT: Duration = Duration::from_secs(4);

/// Backoff before attempt `attempt + 1`: 250 ms doubling, with full jitter.
pub fn backoff(attempt: u32) -> Duration {
    use rand::Rng;
    let ceiling = 250u64.saturating_mul(1 << attempt.min(5));
    Duration::from_millis(rand::rng().random_range(ceiling / 2..=ceiling)).min(MAX_WAIT)
}

/// `s` seconds, at most [`MAX_WAIT`].
pub fn seconds(s: f64) -> Duration {
    Duration::from_secs_f64(s.clamp(0.0, MAX_WAIT.as_secs_f64()))
}

/// Sends one attempt (number `attempt`, from 1, of `attempts`) of a store
/// call. `Some(response)`: an answer to read (any status but those below).
/// `None`: a timeout, a connection error, 429 or 5xx, after waiting for the
/// next attempt (`Retry-After` when the store sent one, else jittered
/// backoff). `Err`: 401/403 (`Credentials`, with `credentials_hint`), or the
/// last attempt failed (`Unreachable`).
pub async fn send(
    request: reqwest::RequestBuilder,
    attempt: u32,
    attempts: u32,
    site: &str,
    credentials_hint: &str,
) -> Result<Option<reqwest::Response>, StoreError> {
    let (why, wait) = match request.send().await {
        Err(e) if e.is_timeout() => (
            "the store did not answer in time".to_owned(),
            backoff(attempt),
        ),
        Err(e) => (
            format!("the store could not be reached: {e}"),
            backoff(attempt),
        ),
        Ok(response) => {
            let status = response.status();
            if status == reqwest::StatusCode::UNAUTHORIZED
                || status == reqwest::StatusCode::FORBIDDEN
            {
                return Err(StoreError::Credentials(format!(
                    "{} from the store: {credentials_hint}",
                    status.as_u16()
                )));
            }
            if status != reqwest::StatusCode::TOO_MANY_REQUESTS && !status.is_server_error() {
                return Ok(Some(response));
            }
            let wait = response
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<f64>().ok())
                .map_or_else(|| backoff(attempt), seconds);
            (format!("{} from the store", status.as_u16()), wait)
        }
    };
    if attempt >= attempts {
        return Err(StoreError::Unreachable(why));
    }
    tracing::info!(site, attempt, why, "retrying the store");
    tokio::time::sleep(wait).await;
    Ok(None)
}

/// How long any one call to a store may take.
pub const STORE_TIMEOUT: Duration = Duration::from_secs(10);

/// The HTTP client every store call goes through: rustls, timeouts on
/// connecting and on the whole call, no redirects (an API that redirects
/// is misconfigured, and credentials must not follow).
pub fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(5))
        .timeout(STORE_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("Aisle/", env!("CARGO_PKG_VERSION")))
        .build()
        .unwrap_or_default()
}

/// A site's source, ready to ask.
#[derive(Debug, Clone)]
pub enum Source {
    /// The demo tables.
    Demo(Demo),
    /// A Shopify store.
    Shopify(shopify::Shopify),
    /// A WooCommerce store.
    Woo(woocommerce::Woo),
    /// Orders pushed by the merchant's system.
    Push(push::Push),
}

impl Source {
    /// The source `config` names for `site`. Credentials are read from the
    /// environment now, so a restart is not needed after setting them.
    pub fn new(config: &OrderSourceConfig, site: &str, db: &Db, client: &StoreClient) -> Source {
        match config {
            OrderSourceConfig::Demo => Source::Demo(Demo {
                db: db.clone(),
                site: site.to_owned(),
            }),
            OrderSourceConfig::Shopify(shopify) => {
                Source::Shopify(shopify::Shopify::new(shopify, site, db, client))
            }
            OrderSourceConfig::Woocommerce(woo) => {
                Source::Woo(woocommerce::Woo::new(woo, site, db, client))
            }
            OrderSourceConfig::Push(push) => Source::Push(push::Push::new(push, site, db, client)),
        }
    }
}

impl OrderSource for Source {
    async fn find(
        &self,
        number: OrderNumber,
        email: &str,
    ) -> Result<Option<StoreOrder>, StoreError> {
        match self {
            Source::Demo(s) => s.find(number, email).await,
            Source::Shopify(s) => s.find(number, email).await,
            Source::Woo(s) => s.find(number, email).await,
            Source::Push(s) => s.find(number, email).await,
        }
    }

    async fn for_agent(
        &self,
        number: OrderNumber,
    ) -> Result<Option<(StoreOrder, String)>, StoreError> {
        match self {
            Source::Demo(s) => s.for_agent(number).await,
            Source::Shopify(s) => s.for_agent(number).await,
            Source::Woo(s) => s.for_agent(number).await,
            Source::Push(s) => s.for_agent(number).await,
        }
    }

    async fn orders_of(&self, email: &str) -> Result<Vec<(u32, String)>, StoreError> {
        match self {
            Source::Demo(s) => s.orders_of(email).await,
            Source::Shopify(s) => s.orders_of(email).await,
            Source::Woo(s) => s.orders_of(email).await,
            Source::Push(s) => s.orders_of(email).await,
        }
    }

    async fn cancel(&self, order: &StoreOrder, key: &str) -> Result<Cancelled, StoreError> {
        match self {
            Source::Demo(s) => s.cancel(order, key).await,
            Source::Shopify(s) => s.cancel(order, key).await,
            Source::Woo(s) => s.cancel(order, key).await,
            Source::Push(s) => s.cancel(order, key).await,
        }
    }

    async fn request_return(
        &self,
        order: &StoreOrder,
        email: &str,
        pending: &Pending,
        key: &str,
    ) -> Result<Returned, StoreError> {
        match self {
            Source::Demo(s) => s.request_return(order, email, pending, key).await,
            Source::Shopify(s) => s.request_return(order, email, pending, key).await,
            Source::Woo(s) => s.request_return(order, email, pending, key).await,
            Source::Push(s) => s.request_return(order, email, pending, key).await,
        }
    }
}

/// `aisle orders test SITE --order N --email E`: one real lookup through the
/// site's source, printed as the shopper would see it (one JSON object). Exit
/// 0 when found; 1 with one line when not found or the email does not match
/// (the same line for both); 2 with the store's error when it cannot be
/// reached or refuses the credentials (and for an unknown site).
pub async fn cli_test(
    site: &str,
    order: &str,
    email: &str,
    db_url: &str,
) -> std::process::ExitCode {
    use std::process::ExitCode;
    let (Ok(number), Ok(email)) = (
        OrderNumber::parse(order),
        aisle_core::order::normalize_email(email),
    ) else {
        eprintln!("error: give an order number (#1001) and an email address");
        return ExitCode::from(2);
    };
    let found = async {
        let db = crate::db::connect(db_url).await?;
        let sites = crate::sites::SiteRegistry::load(&db).await?;
        let Some(site) = sites.get(site) else {
            anyhow::bail!("no site {site:?} in this database");
        };
        let source = Source::new(
            &site.config.order_source,
            &site.id,
            &db,
            &StoreClient::new(),
        );
        anyhow::Ok(source.find(number, &email).await?)
    };
    match found.await {
        Ok(Some(order)) => {
            let view = &order.view;
            let printed = serde_json::json!({
                "number": view.number.0,
                "status": view.state.as_str(),
                "items": view.items.iter().map(|i| serde_json::json!({
                    "title": i.title,
                    "quantity": i.quantity,
                    "final_sale": i.final_sale,
                })).collect::<Vec<_>>(),
                "tracking": order.tracking,
                "delivered_at": view.delivered_at.and_then(|at| jiff::Timestamp::from_second(at).ok()).map(|at| at.to_string()),
                "cancelled": view.state == aisle_core::order::OrderState::Cancelled,
                "admin_url": order.admin_url,
            });
            println!("{printed}");
            ExitCode::SUCCESS
        }
        Ok(None) => {
            eprintln!("no order {number} with that email");
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

/// The source of `site` in a running server, behind the order cache.
pub fn of(state: &crate::AppState, site: &crate::sites::Site) -> Cached {
    Cached {
        source: Source::new(
            &site.config.order_source,
            &site.id,
            &state.db,
            &state.stores,
        ),
        db: state.db.clone(),
        site: site.id.clone(),
        counts: state.stores.counts.clone(),
        lists: state.stores.lists.clone(),
    }
}

/// A source whose lookups go through the order cache ([`cache`]); the demo
/// tables are read directly.
#[derive(Debug, Clone)]
pub struct Cached {
    source: Source,
    db: Db,
    site: String,
    counts: std::sync::Arc<cache::CacheCounts>,
    lists: std::sync::Arc<cache::OrderLists>,
}

impl Cached {
    fn cached(&self) -> bool {
        // The demo tables and pushed orders are local already.
        !matches!(self.source, Source::Demo(_) | Source::Push(_))
    }
}

impl OrderSource for Cached {
    async fn find(
        &self,
        number: OrderNumber,
        email: &str,
    ) -> Result<Option<StoreOrder>, StoreError> {
        use std::sync::atomic::Ordering::Relaxed;
        if !self.cached() {
            return self.source.find(number, email).await;
        }
        let now = crate::db::now();
        if let Some(order) = cache::get(&self.db, &self.site, number.0, email, now).await {
            self.counts.hits.fetch_add(1, Relaxed);
            return Ok(Some(order));
        }
        self.counts.misses.fetch_add(1, Relaxed);
        let found = self.source.find(number, email).await?;
        if let Some(order) = &found {
            cache::put(&self.db, &self.site, email, order, now).await;
        }
        Ok(found)
    }

    async fn for_agent(
        &self,
        number: OrderNumber,
    ) -> Result<Option<(StoreOrder, String)>, StoreError> {
        // Agents always see the store's current data.
        self.source.for_agent(number).await
    }

    async fn orders_of(&self, email: &str) -> Result<Vec<(u32, String)>, StoreError> {
        if !self.cached() {
            return self.source.orders_of(email).await;
        }
        if let Some(list) = self.lists.get(&self.site, email) {
            return Ok(list);
        }
        let list = self.source.orders_of(email).await?;
        self.lists.put(&self.site, email, list.clone());
        Ok(list)
    }

    async fn cancel(&self, order: &StoreOrder, key: &str) -> Result<Cancelled, StoreError> {
        let result = self.source.cancel(order, key).await;
        if self.cached() {
            cache::forget(&self.db, &self.site, order.view.number.0).await;
            self.lists.forget_order(&self.site, order.view.number.0);
        }
        result
    }

    async fn request_return(
        &self,
        order: &StoreOrder,
        email: &str,
        pending: &Pending,
        key: &str,
    ) -> Result<Returned, StoreError> {
        let result = self.source.request_return(order, email, pending, key).await;
        if self.cached() {
            cache::forget(&self.db, &self.site, order.view.number.0).await;
            self.lists.forget_order(&self.site, order.view.number.0);
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_breaker_opens_after_failures_in_a_row_and_closes_on_success() {
        let breaker = Breaker::default();
        let down: Result<(), StoreError> = Err(StoreError::Unreachable("503".into()));
        let refused: Result<(), StoreError> = Err(StoreError::Credentials("401".into()));
        breaker.record(&down);
        breaker.record(&down);
        breaker.record(&Ok(()));
        breaker.record(&down);
        breaker.record(&refused);
        assert!(
            breaker.allow().is_ok(),
            "a success resets; refusals do not count"
        );
        breaker.record(&down);
        breaker.record(&down);
        let error = breaker.allow().unwrap_err();
        assert!(error.to_string().contains("not calling it"), "{error}");
    }
}
