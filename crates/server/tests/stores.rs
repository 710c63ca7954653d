//! Orders from a merchant's Shopify store, end to end over real HTTP: a small
//! Shopify stand-in (an axum app speaking the Admin GraphQL API's documented
//! request and response shapes: `X-Shopify-Access-Token`, `orders` search,
//! `orderCancel` with its background `job`, `returnRequest`, `THROTTLED`
//! errors with `extensions.cost.throttleStatus`, 401 and 5xx answers) and the
//! real `aisle` binary serving a site whose `order_source` points at it.
//!
//! Run with `cargo test -p aisle-server --test stores`.

mod common;

use common::{said, skip_to as next};
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

const TOKEN_ENV: &str = "AISLE_TEST_SHOPIFY_TOKEN";
const HOOK_SECRET: &str = "whsec_test_secret";
const HOOK_SECRET_ENV: &str = "AISLE_TEST_SHOPIFY_HOOK_SECRET";

#[path = "support/shopify.rs"]
mod standin;
use standin::{API, Store, TOKEN, iso};

/// Starts the stand-in store; its GraphQL URL.
async fn shopify() -> (Arc<Store>, String) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    (standin::start(listener), format!("http://{addr}{API}"))
}

fn aisle() -> Command {
    let mut command = common::aisle();
    command
        .env(TOKEN_ENV, TOKEN)
        .env(WOO_KEY_ENV, WOO_KEY)
        .env(WOO_SECRET_ENV, WOO_SECRET)
        .env(HOOK_SECRET_ENV, HOOK_SECRET)
        .env(PUSH_SECRET_ENV, PUSH_SECRET);
    command
}

/// A database with the demo and a Shopify site "north" whose API is `api_url`.
fn database(dir: &tempfile::TempDir, api_url: &str, token_env: &str) -> String {
    database_with(
        dir,
        json!({
            "kind": "shopify", "shop": "northwind.myshopify.com", "token_env": token_env,
            "api_version": "2025-10", "final_sale_tag": "final-sale", "api_url": api_url
        }),
    )
}

/// A database with the demo and a site "north" whose orders come from `source`.
fn database_with(dir: &tempfile::TempDir, source: Value) -> String {
    let db = format!("sqlite://{}", dir.path().join("aisle.db").display());
    let site = json!({
        "site": "north",
        "name": "Northwind on Shopify",
        "allowed_origins": ["http://127.0.0.1:8080"],
        "policy": {"return_window_days": 30},
        "order_source": source,
    });
    common::import_site(aisle(), dir.path(), &db, &site);
    db
}

fn orders_test(db: &str, order: &str, email: &str) -> std::process::Output {
    aisle()
        .args([
            "orders", "test", "north", "--order", order, "--email", email, "--db", db,
        ])
        .output()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn orders_test_prints_what_the_shopper_would_see() {
    let (store, url) = shopify().await;
    let dir = tempfile::tempdir().unwrap();
    let db = database(&dir, &url, TOKEN_ENV);
    let out = tokio::task::spawn_blocking({
        let db = db.clone();
        move || orders_test(&db, "#2003", "ALAN@example.com")
    })
    .await
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let order: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(order["number"], 2003);
    assert_eq!(order["status"], "delivered");
    assert_eq!(order["cancelled"], false);
    assert!(order["delivered_at"].as_str().is_some(), "{order}");
    assert_eq!(
        order["items"][0],
        json!({"title": "Trail Boots", "quantity": 1, "final_sale": false})
    );
    assert_eq!(order["items"][1]["final_sale"], true, "tagged final-sale");
    assert_eq!(order["tracking"][0]["company"], "USPS");
    assert!(
        order["tracking"][0]["url"]
            .as_str()
            .unwrap()
            .starts_with("https://tools.usps.com/")
    );
    // The query Aisle sent: the order by its name, with the token.
    assert_eq!(
        store.variables_of("AisleOrderByName")[0]["query"],
        "name:#2003"
    );

    // Unknown order and wrong email: exit 1, the same line.
    let wrong_email = orders_test(&db, "2003", "eve@example.com");
    let unknown = orders_test(&db, "9999", "alan@example.com");
    assert_eq!(wrong_email.status.code(), Some(1));
    assert_eq!(unknown.status.code(), Some(1));
    let line = |o: &std::process::Output| {
        String::from_utf8_lossy(&o.stderr)
            .replace("#9999", "#N")
            .replace("#2003", "#N")
    };
    assert_eq!(line(&wrong_email), line(&unknown));
}

#[tokio::test(flavor = "multi_thread")]
async fn orders_test_names_a_refused_token_and_an_unreachable_store() {
    let (_store, url) = shopify().await;
    let dir = tempfile::tempdir().unwrap();
    let db = database(&dir, &url, TOKEN_ENV);
    let refused = tokio::task::spawn_blocking({
        let db = db.clone();
        move || {
            aisle()
                .env(TOKEN_ENV, "shpat_wrong")
                .args([
                    "orders",
                    "test",
                    "north",
                    "--order",
                    "2001",
                    "--email",
                    "ada@example.com",
                    "--db",
                    &db,
                ])
                .output()
                .unwrap()
        }
    })
    .await
    .unwrap();
    assert_eq!(refused.status.code(), Some(2));
    let why = String::from_utf8_lossy(&refused.stderr);
    assert!(
        why.contains("401 from the store") && why.contains("read_orders"),
        "{why}"
    );

    // Nothing listens there: exit 2 with the reason, after retries.
    let dir = tempfile::tempdir().unwrap();
    let dead = database(
        &dir,
        "http://127.0.0.1:9/admin/api/2025-10/graphql.json",
        TOKEN_ENV,
    );
    let down = orders_test(&dead, "2001", "ada@example.com");
    assert_eq!(down.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&down.stderr).contains("could not be reached"));
}

/// The real server, on a free port, with the Shopify site.
struct Server {
    _process: common::Process,
    addr: SocketAddr,
    db: String,
    _dir: tempfile::TempDir,
}

async fn serve(api_url: &str) -> Server {
    serve_with(json!({
        "kind": "shopify", "shop": "northwind.myshopify.com", "token_env": TOKEN_ENV,
        "api_version": "2025-10", "final_sale_tag": "final-sale", "api_url": api_url
    }))
    .await
}

async fn serve_with(source: Value) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let db = database_with(&dir, source);
    let (process, addr, _) = common::spawn_server(aisle(), false, &db, dir.path()).await;
    Server {
        _process: process,
        addr,
        db,
        _dir: dir,
    }
}

/// A shopper of the Shopify site, keeping the session like the widget does.
struct Shopper {
    http: reqwest::Client,
    url: String,
    session: Option<String>,
}

impl Shopper {
    fn new(server: &Server) -> Self {
        Shopper {
            http: reqwest::Client::new(),
            url: format!("http://{}/api/sites/north/assist", server.addr),
            session: None,
        }
    }

    async fn act(&mut self, action: &str, values: &[(&str, &str)]) -> Value {
        let body =
            json!({"session": self.session, "locale": "en", "action": action, "values": values});
        let response = self.http.post(&self.url).json(&body).send().await.unwrap();
        assert_eq!(response.status(), 200);
        let reply: Value = response.json().await.unwrap();
        self.session = reply["session"].as_str().map(String::from);
        reply
    }

    async fn prove(&mut self, flow: &str, order: &str, email: &str) -> Value {
        self.act(flow, &[]).await;
        self.act(
            &format!("identify:{flow}"),
            &[("order", order), ("email", email)],
        )
        .await
    }
}

/// The name of the form field whose label mentions `label` (an item to return).
fn field_named(fields: &[Value], label: &str) -> String {
    let field = fields
        .iter()
        .find(|f| f["label"].as_str().is_some_and(|l| l.contains(label)))
        .unwrap_or_else(|| panic!("{label} can be picked"));
    field["name"].as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn tracking_a_shopify_order_shows_its_carrier_and_link() {
    let (_store, url) = shopify().await;
    let server = serve(&url).await;
    let mut shopper = Shopper::new(&server);
    let reply = shopper.prove("track", "#2001", "ada@example.com").await;
    let card = reply["said"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|s| s.get("card").filter(|c| !c.is_null()))
        .cloned()
        .unwrap_or_else(|| panic!("a tracking card: {reply}"));
    let text = card.to_string();
    assert!(
        text.contains("UPS") && text.contains("1Z999AA10123456784"),
        "{card}"
    );
    assert!(
        text.contains("https://www.ups.com/track?tracknum=1Z999AA10123456784"),
        "{card}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn cancelling_sends_one_order_cancel_with_a_refund_and_waits_for_the_job() {
    let (store, url) = shopify().await;
    let server = serve(&url).await;
    let mut shopper = Shopper::new(&server);
    shopper.prove("cancel", "2002", "grace@example.com").await;
    let done = shopper.act("cancel-confirm:2002", &[]).await;
    assert!(said(&done).contains("#2002 is cancelled"), "{done}");
    let sent = store.variables_of("AisleOrderCancel");
    assert_eq!(sent.len(), 1);
    assert_eq!(
        sent[0],
        json!({
            "orderId": "gid://shopify/Order/5002",
            "refundMethod": {"originalPaymentMethodsRefund": true},
            "restock": true,
            "reason": "CUSTOMER",
            "notifyCustomer": true,
            "staffNote": aisle_server::stores::shopify::STAFF_NOTE,
        })
    );
    assert!(
        store.operations().contains(&"AisleJob".to_owned()),
        "the job was polled"
    );
    // A second click (a retry, another tab) cancels nothing more.
    let again = shopper.act("cancel-confirm:2002", &[]).await;
    assert_eq!(store.variables_of("AisleOrderCancel").len(), 1, "{again}");
    assert!(!said(&again).contains("couldn't"), "{again}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_return_reaches_shopify_with_the_chosen_items_and_reason() {
    let (store, url) = shopify().await;
    let server = serve(&url).await;
    let mut shopper = Shopper::new(&server);
    let form = shopper.prove("return", "2003", "alan@example.com").await;
    let fields = form["prompt"]["form"]["fields"].as_array().unwrap().clone();
    let name = field_named(&fields, "Trail Boots");
    assert!(
        !fields.iter().any(|f| f["label"]
            .as_str()
            .is_some_and(|l| l.contains("Gift Socks"))
            && f["kind"] == "quantity"),
        "final sale items cannot be picked: {form}"
    );
    let review = shopper
        .act(
            "return-items:2003",
            &[
                (&name, "1"),
                ("reason", "damaged"),
                ("comment", "Sole came off"),
            ],
        )
        .await;
    assert!(said(&review).contains("Trail Boots"), "{review}");
    let done = shopper.act("return-confirm:2003", &[]).await;
    assert!(said(&done).contains("R-"), "{done}");
    let sent = store.variables_of("AisleReturnRequest");
    assert_eq!(sent.len(), 1);
    assert_eq!(
        sent[0]["input"],
        json!({"orderId": "gid://shopify/Order/5003", "returnLineItems": [{
            "fulfillmentLineItemId": "gid://shopify/FulfillmentLineItem/31", "quantity": 1,
            "returnReason": "DEFECTIVE", "customerNote": "Sole came off"}]})
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_throttled_store_is_retried_then_answers() {
    let (store, url) = shopify().await;
    let server = serve(&url).await;
    store.throttle.store(2, Ordering::SeqCst);
    let mut shopper = Shopper::new(&server);
    let reply = shopper.prove("track", "2001", "ada@example.com").await;
    assert!(reply.to_string().contains("1Z999AA10123456784"), "{reply}");
    let lookups = store.variables_of("AisleOrderByName").len();
    assert_eq!(lookups, 3, "two throttled answers, then the order");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_store_that_is_down_gets_the_shopper_a_ticket_with_the_error() {
    let (store, url) = shopify().await;
    let server = serve(&url).await;
    store.fail.store(1000, Ordering::SeqCst);
    let mut shopper = Shopper::new(&server);
    let reply = shopper.prove("cancel", "2002", "grace@example.com").await;
    let text = said(&reply);
    assert!(text.contains("couldn't reach the store"), "{reply}");
    assert!(text.contains("grace@example.com"), "{reply}");
    let reference = text
        .split(|c: char| c.is_whitespace() || c == ')')
        .find(|w| w.starts_with("T-"))
        .unwrap_or_else(|| panic!("a ticket reference: {text}"))
        .to_owned();
    let db = sqlx::SqlitePool::connect(&server.db).await.unwrap();
    let (body, email): (String, String) =
        sqlx::query_as("SELECT body, email FROM tickets WHERE reference = $1")
            .bind(&reference)
            .fetch_one(&db)
            .await
            .unwrap();
    assert_eq!(email, "grace@example.com");
    assert!(
        body.contains("503 from the store"),
        "the agent sees the store's error: {body}"
    );
    assert!(
        store.variables_of("AisleOrderCancel").is_empty(),
        "nothing was claimed done"
    );
}

#[test]
fn the_site_file_block_is_checked_with_path_and_position() {
    let text = r#"{
  "site": "north",
  "name": "North",
  "order_source": {"kind": "shopify", "shop": "north wind", "token_env": "shpat_abc",
                   "api_url": "http://shop.example/graphql.json"}
}"#;
    let errors = aisle_server::site_file::parse_site_file(text).unwrap_err();
    let shown: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert!(
        shown
            .iter()
            .any(|e| e.starts_with("4:47: $.order_source.shop")),
        "{shown:?}"
    );
    assert!(
        shown
            .iter()
            .any(|e| e.contains("$.order_source.token_env") && e.contains("environment variable")),
        "{shown:?}"
    );
    assert!(
        shown
            .iter()
            .any(|e| e.contains("$.order_source.api_url") && e.contains("loopback")),
        "{shown:?}"
    );
    let unknown = aisle_server::site_file::parse_site_file(
        r#"{"site": "north", "name": "North", "order_source": {"kind": "magento"}}"#,
    )
    .unwrap_err();
    assert!(unknown[0].to_string().contains("magento"), "{unknown:?}");
}

// ---------------------------------------------------------------------------
// WooCommerce: a stand-in speaking the REST API v3 and the Shipment Tracking
// extension's endpoint, with HTTP Basic consumer key/secret.

const WOO_KEY_ENV: &str = "AISLE_TEST_WC_KEY";
const WOO_SECRET_ENV: &str = "AISLE_TEST_WC_SECRET";

#[path = "support/woocommerce.rs"]
mod woo_standin;
use woo_standin::{WOO_KEY, WOO_SECRET};

async fn woocommerce() -> (Arc<woo_standin::Woo>, String) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    (woo_standin::start(listener), format!("http://{addr}"))
}

fn woo_source(url: &str, refund_on_cancel: bool) -> Value {
    json!({"kind": "woocommerce", "url": url, "key_env": WOO_KEY_ENV, "secret_env": WOO_SECRET_ENV,
           "refund_on_cancel": refund_on_cancel, "final_sale_tag": "final-sale"})
}

#[tokio::test(flavor = "multi_thread")]
async fn woocommerce_orders_are_found_by_number_and_billing_email() {
    let (_woo, url) = woocommerce().await;
    let dir = tempfile::tempdir().unwrap();
    let db = database_with(&dir, woo_source(&url, false));
    let out = tokio::task::spawn_blocking({
        let db = db.clone();
        move || orders_test(&db, "702", "alan@example.com")
    })
    .await
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let order: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(order["status"], "delivered");
    assert_eq!(order["tracking"][0]["company"], "USPS");
    assert_eq!(
        order["items"][1],
        json!({"title": "Gift Socks", "quantity": 1, "final_sale": true})
    );
    let wrong = tokio::task::spawn_blocking(move || orders_test(&db, "702", "eve@example.com"))
        .await
        .unwrap();
    assert_eq!(wrong.status.code(), Some(1));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_woocommerce_cancel_refunds_then_cancels_once() {
    let (woo, url) = woocommerce().await;
    let server = serve_with(woo_source(&url, true)).await;
    let mut shopper = Shopper::new(&server);
    shopper.prove("cancel", "701", "grace@example.com").await;
    let done = shopper.act("cancel-confirm:701", &[]).await;
    assert!(said(&done).contains("#701 is cancelled"), "{done}");
    let refunds = woo.calls("POST", "/orders/701/refunds");
    assert_eq!(refunds.len(), 1);
    assert_eq!(refunds[0].1["amount"], "89.50");
    assert_eq!(refunds[0].1["api_refund"], true);
    assert_eq!(
        woo.calls("PUT", "/orders/701")[0].1,
        json!({"status": "cancelled"})
    );
    shopper.act("cancel-confirm:701", &[]).await;
    assert_eq!(
        woo.calls("POST", "/orders/701/refunds").len(),
        1,
        "one refund, however often asked"
    );
    assert_eq!(woo.calls("PUT", "/orders/701").len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_woocommerce_return_leaves_an_order_note_and_an_aisle_return() {
    let (woo, url) = woocommerce().await;
    let server = serve_with(woo_source(&url, false)).await;
    let mut shopper = Shopper::new(&server);
    let form = shopper.prove("return", "702", "alan@example.com").await;
    let fields = form["prompt"]["form"]["fields"].as_array().unwrap().clone();
    let name = field_named(&fields, "Trail Boots");
    shopper
        .act(
            "return-items:702",
            &[(&name, "1"), ("reason", "wrong_item"), ("comment", "")],
        )
        .await;
    let done = shopper.act("return-confirm:702", &[]).await;
    let text = said(&done);
    let reference = text
        .split_whitespace()
        .find(|w| w.starts_with("R-"))
        .unwrap_or_else(|| panic!("a reference: {done}"))
        .to_owned();
    let notes = woo.calls("POST", "/orders/702/notes");
    assert_eq!(notes.len(), 1);
    let note = notes[0].1["note"].as_str().unwrap();
    assert!(
        note.contains(&reference)
            && note.contains("1 × Trail Boots")
            && note.contains("wrong_item"),
        "{note}"
    );
    assert_eq!(notes[0].1["customer_note"], false);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_woocommerce_store_that_is_down_gets_the_shopper_a_ticket() {
    let (woo, url) = woocommerce().await;
    let server = serve_with(woo_source(&url, false)).await;
    woo.fail.store(1000, Ordering::SeqCst);
    let mut shopper = Shopper::new(&server);
    let reply = shopper.prove("track", "702", "alan@example.com").await;
    assert!(said(&reply).contains("couldn't reach the store"), "{reply}");
    let db = sqlx::SqlitePool::connect(&server.db).await.unwrap();
    let (body,): (String,) =
        sqlx::query_as("SELECT body FROM tickets ORDER BY created_at DESC LIMIT 1")
            .fetch_one(&db)
            .await
            .unwrap();
    assert!(
        body.contains("502 from the store") && body.contains("woocommerce"),
        "{body}"
    );
}

// ---------------------------------------------------------------------------
// The order cache and the stores' webhooks.

fn shopify_source(url: &str) -> Value {
    json!({
        "kind": "shopify", "shop": "northwind.myshopify.com", "token_env": TOKEN_ENV,
        "final_sale_tag": "final-sale", "api_url": url, "webhook_secret_env": HOOK_SECRET_ENV
    })
}

/// Posts an order webhook as Shopify does; the status.
async fn shopify_hook(
    server: &Server,
    delivery: &str,
    body: &Value,
    signature: Option<String>,
) -> u16 {
    let body = body.to_string();
    let signature =
        signature.unwrap_or_else(|| aisle_server::hooks::sign(HOOK_SECRET, body.as_bytes()));
    reqwest::Client::new()
        .post(format!("http://{}/hooks/shopify/north", server.addr))
        .header("X-Shopify-Topic", "orders/updated")
        .header("X-Shopify-Hmac-Sha256", signature)
        .header("X-Shopify-Shop-Domain", "northwind.myshopify.com")
        .header("X-Shopify-Webhook-Id", delivery)
        .header("Content-Type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// Ships order #2002 in the stand-in store with `tracking`.
fn ship_2002(store: &Store, tracking: &str) {
    let mut orders = store.orders.lock().unwrap();
    let order = orders.iter_mut().find(|o| o["name"] == "#2002").unwrap();
    order["displayFulfillmentStatus"] = json!("FULFILLED");
    order["fulfillments"] = json!([{
        "createdAt": iso(0), "deliveredAt": null, "estimatedDeliveryAt": null, "displayStatus": "IN_TRANSIT",
        "trackingInfo": [{"company": "UPS", "number": tracking, "url": format!("https://www.ups.com/track?tracknum={tracking}")}],
        "fulfillmentLineItems": {"nodes": [{"id": "gid://shopify/FulfillmentLineItem/21", "quantity": 2, "lineItem": {"id": "gid://shopify/LineItem/2"}}]}
    }]);
}

async fn track_2002(server: &Server) -> String {
    Shopper::new(server)
        .prove("track", "2002", "grace@example.com")
        .await
        .to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_signed_webhook_refreshes_what_shoppers_see_and_forged_or_replayed_ones_do_not() {
    let (store, url) = shopify().await;
    let server = serve_with(shopify_source(&url)).await;
    assert!(
        !track_2002(&server).await.contains("1Z111"),
        "not shipped yet"
    );
    let fetched = store.variables_of("AisleOrderByName").len();

    // Shipped in the store; within the cache's minute shoppers see the cached order…
    ship_2002(&store, "1Z111");
    assert!(!track_2002(&server).await.contains("1Z111"));
    assert_eq!(
        store.variables_of("AisleOrderByName").len(),
        fetched,
        "served from the cache"
    );

    // …a forged webhook changes nothing…
    let event =
        json!({"id": 5002, "name": "#2002", "order_number": 2002, "email": "grace@example.com"});
    let forged = aisle_server::hooks::sign("not the secret", event.to_string().as_bytes());
    assert_eq!(
        shopify_hook(&server, "d-1", &event, Some(forged)).await,
        401
    );
    assert_eq!(
        shopify_hook(&server, "d-1", &event, Some(String::new())).await,
        401
    );
    assert!(!track_2002(&server).await.contains("1Z111"));

    // …and the store's signed one shows the shipment at once.
    let started = std::time::Instant::now();
    assert_eq!(shopify_hook(&server, "d-1", &event, None).await, 200);
    assert!(track_2002(&server).await.contains("1Z111"));
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "within a second"
    );

    // A replay of that delivery is acknowledged and ignored.
    ship_2002(&store, "1Z222");
    assert_eq!(shopify_hook(&server, "d-1", &event, None).await, 200);
    assert!(
        track_2002(&server).await.contains("1Z111"),
        "the replay dropped nothing"
    );
    assert_eq!(shopify_hook(&server, "d-2", &event, None).await, 200);
    assert!(track_2002(&server).await.contains("1Z222"));
}

#[tokio::test(flavor = "multi_thread")]
async fn woocommerce_webhooks_are_checked_with_x_wc_webhook_signature() {
    let (_woo, url) = woocommerce().await;
    let mut source = woo_source(&url, false);
    source["webhook_secret_env"] = json!(HOOK_SECRET_ENV);
    let server = serve_with(source).await;
    let post = |signature: Option<&str>, delivery: &str, body: String| {
        let mut request = reqwest::Client::new()
            .post(format!("http://{}/hooks/woocommerce/north", server.addr))
            .header("X-WC-Webhook-Topic", "order.updated")
            .header("X-WC-Webhook-Delivery-ID", delivery)
            .body(body);
        if let Some(signature) = signature {
            request = request.header("X-WC-Webhook-Signature", signature);
        }
        async move { request.send().await.unwrap().status().as_u16() }
    };
    let body = json!({"id": 702, "number": "702", "status": "completed"}).to_string();
    let good = aisle_server::hooks::sign(HOOK_SECRET, body.as_bytes());
    assert_eq!(post(None, "1", body.clone()).await, 401);
    assert_eq!(post(Some("Zm9yZ2Vk"), "1", body.clone()).await, 401);
    assert_eq!(post(Some(&good), "1", body.clone()).await, 200);
    // WooCommerce's unsigned ping when the webhook is created.
    assert_eq!(post(None, "0", "webhook_id=15".into()).await, 200);
    // A webhook for another site's platform is not found.
    let wrong = reqwest::Client::new()
        .post(format!("http://{}/hooks/shopify/north", server.addr))
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 404);
}

/// Adds agent Kim to site "north" and logs her in; her session token.
async fn north_agent(server: &Server) -> String {
    let db = server.db.clone();
    let added = tokio::task::spawn_blocking(move || {
        aisle()
            .env("AISLE_AGENT_PASSWORD", "north-agent-pw")
            .args([
                "agents",
                "add",
                "kim@north.test",
                "--site",
                "north",
                "--name",
                "Kim",
                "--db",
                &db,
            ])
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );
    let login = common::http_log_in(
        &reqwest::Client::new(),
        server.addr,
        "kim@north.test",
        "north-agent-pw",
    )
    .await;
    login["token"].as_str().expect("logged in").to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn agents_see_the_stores_order_with_a_link_to_its_admin() {
    let (_store, url) = shopify().await;
    let server = serve(&url).await;
    let token = north_agent(&server).await;
    let http = reqwest::Client::new();
    let order = |n: u32| {
        http.get(format!("http://{}/api/agent/orders/{n}", server.addr))
            .bearer_auth(&token)
            .send()
    };
    let found: Value = order(2001).await.unwrap().json().await.unwrap();
    assert_eq!(found["email"], "ada@example.com");
    assert_eq!(found["state"], "in_transit");
    assert_eq!(found["tracking_number"], "1Z999AA10123456784");
    assert_eq!(
        found["admin_url"],
        "https://northwind.myshopify.com/admin/orders/5001"
    );
    assert_eq!(found["items"][0]["title"], "Alpine Parka");
    assert_eq!(order(9999).await.unwrap().status(), 404);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_live_chat_shows_the_agent_the_orders_proven_in_the_store() {
    let (_store, url) = shopify().await;
    let server = serve(&url).await;
    let token = north_agent(&server).await;
    // The shopper proves #2001 in self-service, then asks for a person.
    let mut shopper = Shopper::new(&server);
    shopper.prove("track", "2001", "ada@example.com").await;
    let session = shopper.session.clone().unwrap();
    let mut agent = common::agent_socket(server.addr, &token).await;
    common::send(&mut agent, json!({"type": "hello"})).await;
    next(&mut agent, "welcome").await;
    let mut chat = common::connect(
        format!("ws://{}/ws/v1?site=north", server.addr),
        &[("origin", "http://127.0.0.1:8080".to_owned())],
    )
    .await
    .unwrap();
    common::send(&mut chat, json!({"type": "hello"})).await;
    next(&mut chat, "welcome").await;
    let start = json!({"type": "start", "locale": "en", "context": {"assist_session": session}});
    common::send(&mut chat, start).await;
    next(&mut chat, "started").await;
    let summary = loop {
        let queue = next(&mut agent, "queue").await;
        if let Some(entry) = queue["waiting"].as_array().and_then(|w| w.first()) {
            break entry["summary"].clone();
        }
    };
    assert_eq!(summary["email"], "ada@example.com");
    assert_eq!(summary["email_verified"], true);
    assert_eq!(
        summary["verified_orders"],
        json!([2001]),
        "from the store, not the demo tables"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn with_auto_approval_a_return_is_created_approved_in_shopify() {
    let (store, url) = shopify().await;
    let mut source = shopify_source(&url);
    source["auto_approve_returns"] = json!(true);
    let server = serve_with(source).await;
    let mut shopper = Shopper::new(&server);
    let form = shopper.prove("return", "2003", "alan@example.com").await;
    let fields = form["prompt"]["form"]["fields"].as_array().unwrap().clone();
    let name = field_named(&fields, "Trail Boots");
    shopper
        .act(
            "return-items:2003",
            &[(&name, "1"), ("reason", "changed_mind"), ("comment", "")],
        )
        .await;
    let done = shopper.act("return-confirm:2003", &[]).await;
    assert!(said(&done).contains("R-"), "{done}");
    assert!(store.variables_of("AisleReturnRequest").is_empty());
    assert_eq!(
        store.variables_of("AisleReturnCreate"),
        [
            json!({"returnInput": {"orderId": "gid://shopify/Order/5003", "notifyCustomer": true, "returnLineItems": [{
            "fulfillmentLineItemId": "gid://shopify/FulfillmentLineItem/31", "quantity": 1,
            "returnReason": "UNWANTED", "returnReasonNote": ""}]}})
        ]
    );
}

// ---------------------------------------------------------------------------
// Any other platform: orders pushed to Aisle, requests sent back as signed
// webhooks to the merchant's endpoint (a small axum app here that checks the
// signature as a merchant would and answers as told).

const PUSH_SECRET_ENV: &str = "AISLE_TEST_PUSH_SECRET";
const PUSH_SECRET: &str = "push_test_secret";

/// What the merchant's endpoint received, and how it answers.
#[derive(Default)]
struct Merchant {
    /// (signature valid, idempotency key, body) of every request.
    received: std::sync::Mutex<Vec<(bool, String, Value)>>,
    /// 0: `{"status": "done"}`; 1: refused; 2: 500.
    mode: std::sync::atomic::AtomicU8,
}

/// Checks `t=…,v1=…` over "t." + body, as the README tells merchants to.
fn merchant_verifies(header: &str, body: &[u8]) -> bool {
    use hmac::{KeyInit, Mac};
    let mut t = None;
    let mut v1 = None;
    for part in header.split(',') {
        match part.split_once('=') {
            Some(("t", value)) => t = Some(value.to_owned()),
            Some(("v1", value)) => v1 = hex::decode(value).ok(),
            _ => {}
        }
    }
    let (Some(t), Some(v1)) = (t, v1) else {
        return false;
    };
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(PUSH_SECRET.as_bytes()).unwrap();
    mac.update(t.as_bytes());
    mac.update(b".");
    mac.update(body);
    mac.verify_slice(&v1).is_ok()
}

async fn merchant() -> (Arc<Merchant>, String) {
    use axum::http::{HeaderMap, StatusCode};
    let merchant = Arc::new(Merchant::default());
    let state = merchant.clone();
    let app = axum::Router::new().route(
        "/aisle",
        axum::routing::post(move |headers: HeaderMap, body: axum::body::Bytes| {
            let state = state.clone();
            async move {
                let signed = headers
                    .get("x-aisle-signature")
                    .and_then(|v| v.to_str().ok())
                    .is_some_and(|h| merchant_verifies(h, &body));
                let key = headers
                    .get("idempotency-key")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
                    .to_owned();
                let parsed: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                state.received.lock().unwrap().push((signed, key, parsed));
                if !signed {
                    return (StatusCode::UNAUTHORIZED, axum::Json(json!({})));
                }
                match state.mode.load(Ordering::SeqCst) {
                    0 => (StatusCode::OK, axum::Json(json!({"status": "done"}))),
                    1 => (
                        StatusCode::OK,
                        axum::Json(json!({"status": "refused", "reason": "already packed"})),
                    ),
                    _ => (StatusCode::INTERNAL_SERVER_ERROR, axum::Json(json!({}))),
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/aisle", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (merchant, url)
}

fn push_source(url: &str) -> Value {
    json!({"kind": "push", "webhook_url": url, "secret_env": PUSH_SECRET_ENV,
           "admin_url": "https://admin.north.test/orders/{number}"})
}

/// One pushed order as NDJSON (`status` and the first item's title vary).
fn pushed(number: u32, email: &str, status: &str, title: &str) -> String {
    json!({
        "number": number, "email": email, "status": status, "currency": "EUR",
        "total_minor": 8900, "placed_at": "2026-11-20T10:00:00Z",
        "delivered_at": if status == "delivered" { json!("2026-11-24T15:00:00Z") } else { Value::Null },
        "items": [
            {"sku": "TB-1", "title": title, "quantity": 1, "unit_price_minor": 7900},
            {"sku": "GS-1", "title": "Gift Socks", "quantity": 1, "unit_price_minor": 1000, "final_sale": true}
        ],
        "tracking": if status == "unfulfilled" { json!([]) } else {
            json!([{"company": "DHL", "number": "JD0146", "url": "https://dhl.example/JD0146"}])
        },
    })
    .to_string()
}

/// `aisle site token north` on the server's database.
async fn push_token(server: &Server) -> String {
    let db = server.db.clone();
    let out = tokio::task::spawn_blocking(move || {
        aisle()
            .args(["site", "token", "north", "--db", &db])
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

async fn push(server: &Server, token: &str, body: String) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(format!("http://{}/api/sites/north/orders", server.addr))
        .bearer_auth(token)
        .header("content-type", "application/x-ndjson")
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread")]
async fn pushed_orders_need_the_token_name_bad_lines_and_answer_shoppers() {
    let (_merchant, url) = merchant().await;
    let server = serve_with(push_source(&url)).await;
    let token = push_token(&server).await;
    let batch = format!(
        "{}\n{{\"number\": 802, \"email\": \"x@y.example\"}}\n{}\n",
        pushed(801, "ada@example.com", "in_transit", "Trail Boots"),
        pushed(803, "grace@example.com", "unfulfilled", "Rain Jacket"),
    );
    let (status, _) = push(&server, "aisle_push_wrong", batch.clone()).await;
    assert_eq!(status, 401, "a wrong token stores nothing");
    let (status, report) = push(&server, &token, batch).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["upserted"], 2, "{report}");
    assert_eq!(report["errors"][0]["line"], 2, "{report}");
    assert!(
        report["errors"][0]["error"]
            .as_str()
            .unwrap()
            .contains("missing field"),
        "{report}"
    );
    let mut shopper = Shopper::new(&server);
    let reply = shopper.prove("track", "#801", "ada@example.com").await;
    assert!(reply.to_string().contains("JD0146"), "{reply}");
    let mut stranger = Shopper::new(&server);
    let reply = stranger.prove("track", "#801", "eve@example.com").await;
    assert!(
        !reply.to_string().contains("JD0146"),
        "the email must match: {reply}"
    );
    // The same number again replaces the order.
    let (status, _) = push(
        &server,
        &token,
        pushed(801, "ada@example.com", "delivered", "Trail Boots"),
    )
    .await;
    assert_eq!(status, 200);
    let mut shopper = Shopper::new(&server);
    let reply = shopper.prove("track", "801", "ada@example.com").await;
    assert_eq!(reply["said"][0]["card"]["status"], "Delivered", "{reply}");
    // A new token ends the old one.
    let newer = push_token(&server).await;
    assert_ne!(newer, token);
    let (status, _) = push(
        &server,
        &token,
        pushed(804, "a@b.example", "unfulfilled", "Cap"),
    )
    .await;
    assert_eq!(status, 401);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cancel_reaches_the_merchant_signed_and_once() {
    let (merchant, url) = merchant().await;
    let server = serve_with(push_source(&url)).await;
    let token = push_token(&server).await;
    push(
        &server,
        &token,
        pushed(803, "grace@example.com", "unfulfilled", "Rain Jacket"),
    )
    .await;
    let mut shopper = Shopper::new(&server);
    shopper.prove("cancel", "803", "grace@example.com").await;
    let done = shopper.act("cancel-confirm:803", &[]).await;
    assert!(said(&done).contains("#803 is cancelled"), "{done}");
    let again = shopper.act("cancel-confirm:803", &[]).await;
    assert!(!said(&again).contains("couldn't"), "{again}");
    let received = merchant.received.lock().unwrap().clone();
    assert_eq!(received.len(), 1, "one request however often asked");
    let (signed, key, body) = &received[0];
    assert!(signed, "signed with the site's secret");
    assert!(!key.is_empty());
    assert_eq!(body["type"], "cancel");
    assert_eq!(body["order"], 803);
    assert_eq!(body["email"], "grace@example.com");
    assert_eq!(body["idempotency_key"], *key);
    let mut later = Shopper::new(&server);
    let reply = later.prove("track", "803", "grace@example.com").await;
    assert_eq!(reply["said"][0]["card"]["status"], "Cancelled", "{reply}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_return_reaches_the_merchant_with_items_and_reason_or_their_refusal() {
    let (merchant, url) = merchant().await;
    let server = serve_with(push_source(&url)).await;
    let token = push_token(&server).await;
    push(
        &server,
        &token,
        pushed(805, "alan@example.com", "delivered", "Trail Boots"),
    )
    .await;
    let mut shopper = Shopper::new(&server);
    let form = shopper.prove("return", "805", "alan@example.com").await;
    let fields = form["prompt"]["form"]["fields"].as_array().unwrap().clone();
    let name = field_named(&fields, "Trail Boots");
    shopper
        .act(
            "return-items:805",
            &[
                (&name, "1"),
                ("reason", "damaged"),
                ("comment", "Sole came off"),
            ],
        )
        .await;
    let done = shopper.act("return-confirm:805", &[]).await;
    assert!(said(&done).contains("R-"), "{done}");
    let received = merchant.received.lock().unwrap().clone();
    assert_eq!(received.len(), 1);
    let body = &received[0].2;
    assert_eq!(body["type"], "return");
    assert_eq!(
        body["items"],
        json!([{"sku": "TB-1", "title": "Trail Boots", "quantity": 1}])
    );
    assert_eq!(body["reason"], "damaged");
    assert_eq!(body["comment"], "Sole came off");
    // A merchant that says no: the shopper hears why, nothing is recorded as done.
    merchant.mode.store(1, Ordering::SeqCst);
    push(
        &server,
        &token,
        pushed(806, "alan@example.com", "unfulfilled", "Cap"),
    )
    .await;
    let mut shopper = Shopper::new(&server);
    shopper.prove("cancel", "806", "alan@example.com").await;
    let refused = shopper.act("cancel-confirm:806", &[]).await;
    assert!(!said(&refused).contains("is cancelled"), "{refused}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_undelivered_request_becomes_a_dead_letter_an_agent_can_send_again() {
    let (merchant, url) = merchant().await;
    let server = serve_with(push_source(&url)).await;
    let token = push_token(&server).await;
    push(
        &server,
        &token,
        pushed(807, "grace@example.com", "unfulfilled", "Rain Jacket"),
    )
    .await;
    merchant.mode.store(2, Ordering::SeqCst);
    let mut shopper = Shopper::new(&server);
    shopper.prove("cancel", "807", "grace@example.com").await;
    let reply = shopper.act("cancel-confirm:807", &[]).await;
    let text = said(&reply);
    assert!(text.contains("couldn't reach the store"), "{reply}");
    assert!(text.contains("T-"), "a ticket for a person: {reply}");
    assert_eq!(
        merchant.received.lock().unwrap().len(),
        aisle_server::stores::push::ATTEMPTS as usize,
        "retried, then given up"
    );
    let agent = north_agent(&server).await;
    let http = reqwest::Client::new();
    let list: Value = http
        .get(format!("http://{}/api/agent/store-requests", server.addr))
        .bearer_auth(&agent)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let dead = &list["requests"][0];
    assert_eq!(dead["kind"], "cancel", "{list}");
    assert_eq!(dead["order"], 807);
    assert!(dead["error"].as_str().unwrap().contains("500"), "{list}");
    // The merchant's system is back: the agent sends it again.
    merchant.mode.store(0, Ordering::SeqCst);
    let retried: Value = http
        .post(format!(
            "http://{}/api/agent/store-requests/{}/retry",
            server.addr, dead["id"]
        ))
        .bearer_auth(&agent)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(retried["status"], "done", "{retried}");
    let list: Value = http
        .get(format!("http://{}/api/agent/store-requests", server.addr))
        .bearer_auth(&agent)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["requests"], json!([]), "no dead letters left");
    let mut later = Shopper::new(&server);
    let reply = later.prove("track", "807", "grace@example.com").await;
    assert_eq!(reply["said"][0]["card"]["status"], "Cancelled", "{reply}");
}

#[test]
fn orders_import_reads_ndjson_and_csv_and_names_bad_lines() {
    let dir = tempfile::tempdir().unwrap();
    let db = database_with(&dir, push_source("https://merchant.example/aisle"));
    let ndjson = dir.path().join("orders.ndjson");
    std::fs::write(
        &ndjson,
        format!(
            "{}\n",
            pushed(901, "ada@example.com", "in_transit", "Trail Boots")
        ),
    )
    .unwrap();
    let out = common::succeeds(
        aisle()
            .args(["orders", "import"])
            .arg(&ndjson)
            .args(["--site", "north", "--db", &db]),
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["upserted"], 1);
    let csv = dir.path().join("orders.csv");
    std::fs::write(
        &csv,
        "number,email,status,currency,total_minor,placed_at,sku,title,quantity,unit_price_minor\n\
         902,grace@example.com,unfulfilled,EUR,2000,2026-11-20T10:00:00Z,A,Cap,1,2000\n\
         903,grace@example.com,unfulfilled,EUR,2000,2026-11-20T10:00:00Z,B,Hat,none,2000\n",
    )
    .unwrap();
    let out = aisle()
        .args(["orders", "import"])
        .arg(&csv)
        .args(["--site", "north", "--db", &db])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "a refused row exits 1");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("orders.csv:3: quantity"), "{stderr}");
    let found = orders_test(&db, "902", "grace@example.com");
    assert!(
        found.status.success(),
        "{}",
        String::from_utf8_lossy(&found.stderr)
    );
    let printed: Value = serde_json::from_slice(&found.stdout).unwrap();
    assert_eq!(printed["items"][0]["title"], "Cap");
    assert_eq!(printed["admin_url"], "https://admin.north.test/orders/902");
}

#[test]
fn the_push_block_is_checked_with_path_and_position() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("site.json");
    std::fs::write(
        &file,
        r#"{
  "site": "north",
  "name": "North",
  "allowed_origins": ["https://north.example"],
  "order_source": {
    "kind": "push",
    "webhook_url": "http://merchant.example/aisle",
    "secret_env": "lower case"
  }
}"#,
    )
    .unwrap();
    let db = format!("sqlite://{}", dir.path().join("aisle.db").display());
    let out = aisle()
        .args(["site", "import"])
        .arg(&file)
        .args(["--db", &db])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("order_source.webhook_url"), "{stderr}");
    assert!(stderr.contains("order_source.secret_env"), "{stderr}");
    assert!(stderr.contains(":7:"), "line of the bad URL: {stderr}");
}

#[tokio::test(flavor = "multi_thread")]
async fn token_guessing_is_limited_and_huge_pushes_are_refused() {
    let (_merchant, url) = merchant().await;
    let server = serve_with(push_source(&url)).await;
    let token = push_token(&server).await;
    let guesses = (0..200).map(|i| {
        let server_addr = server.addr;
        async move {
            reqwest::Client::new()
                .post(format!("http://{server_addr}/api/sites/north/orders"))
                .bearer_auth(format!("aisle_push_guess_{i}"))
                .body("{}")
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    });
    let statuses = futures_util::future::join_all(guesses).await;
    let unauthorized = statuses.iter().filter(|s| **s == 401).count();
    assert_eq!(
        unauthorized,
        aisle_server::stores::push::TOKEN_FAILURES,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| *s == 401 || *s == 429),
        "{statuses:?}"
    );
    let huge = "x".repeat(10 * 1024 * 1024);
    let response = reqwest::Client::new()
        .post(format!("http://{}/api/sites/north/orders", server.addr))
        .bearer_auth(&token)
        .body(huge)
        .send()
        .await;
    // 413, or the connection closed while the body was still being sent.
    if let Ok(response) = response {
        assert_eq!(response.status(), 413);
    }
}

/// Asks the server at `addr` for `visitor`'s code of campaign `leaving` on "north".
async fn ask_code(
    http: &reqwest::Client,
    addr: SocketAddr,
    visitor: &str,
) -> (reqwest::StatusCode, Value) {
    let body = json!({"campaign": "leaving", "visitor": visitor});
    common::http_call(
        http,
        addr,
        "POST",
        "/api/sites/north/campaigns/code",
        None,
        Some(body),
    )
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_shopify_campaign_creates_one_single_use_code_per_visitor_in_the_store() {
    let (store, url) = shopify().await;
    let dir = tempfile::tempdir().unwrap();
    let db = database(&dir, &url, TOKEN_ENV);
    let file = dir.path().join("campaigns.json");
    std::fs::write(
        &file,
        r#"{"version": 1, "campaigns": [{"id": "leaving", "message": "Take {{campaign.code}} with you",
            "codes": {"shopify": {"percent_off": 15, "valid_days": 3}}}]}"#,
    )
    .unwrap();
    common::succeeds(
        aisle()
            .args(["campaigns", "push"])
            .arg(&file)
            .args(["--site", "north", "--db", &db]),
    );
    let (_process, addr, http) = common::spawn_server(aisle(), false, &db, dir.path()).await;

    // The first ask creates the code in the store: single use, 15% off
    // everything, for every buyer, valid three days.
    let (status, body) = ask_code(&http, addr, "visitor-ada-0001").await;
    assert_eq!(status, reqwest::StatusCode::OK, "{body}");
    let code = body["code"].as_str().unwrap().to_owned();
    assert!(code.starts_with("AISLE-") && code.len() == 16, "{code}");
    let created = store.discounts.lock().unwrap().clone();
    assert_eq!(created.len(), 1);
    let discount = &created[0];
    assert_eq!(discount["code"], code.as_str());
    assert_eq!(discount["customerGets"]["value"]["percentage"], 0.15);
    assert_eq!(discount["customerGets"]["items"]["all"], true);
    assert_eq!(discount["usageLimit"], 1);
    assert_eq!(discount["appliesOncePerCustomer"], true);
    assert_eq!(discount["context"]["all"], "ALL");
    let at = |field: &str| {
        discount[field]
            .as_str()
            .unwrap()
            .parse::<jiff::Timestamp>()
            .unwrap()
            .as_second()
    };
    assert_eq!(at("endsAt") - at("startsAt"), 3 * 86_400);

    // Asking again: the same code, nothing new in the store.
    let (_, again) = ask_code(&http, addr, "visitor-ada-0001").await;
    assert_eq!(again["code"], code.as_str());
    assert_eq!(store.discounts.lock().unwrap().len(), 1);

    // One visitor asking 20 times at once: one code, created once.
    let asks: Vec<_> = (0..20)
        .map(|_| {
            let http = http.clone();
            tokio::spawn(async move { ask_code(&http, addr, "visitor-bob-0002").await })
        })
        .collect();
    let mut codes = Vec::new();
    for ask in asks {
        let (status, body) = ask.await.unwrap();
        assert_eq!(status, reqwest::StatusCode::OK, "{body}");
        codes.push(body["code"].as_str().unwrap().to_owned());
    }
    codes.dedup();
    assert_eq!(codes.len(), 1, "{codes:?}");
    assert_eq!(store.discounts.lock().unwrap().len(), 2);
    assert_ne!(codes[0], code);

    // The store down: a clear 503, and no code is held for the visitor, so
    // the next ask, once it is back, creates one.
    store.fail.store(100, Ordering::SeqCst);
    let (status, body) = ask_code(&http, addr, "visitor-cyd-0003").await;
    assert_eq!(status, reqwest::StatusCode::SERVICE_UNAVAILABLE, "{body}");
    store.fail.store(0, Ordering::SeqCst);
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    let later = loop {
        // The site's breaker may still be open for a few seconds.
        let (status, body) = ask_code(&http, addr, "visitor-cyd-0003").await;
        if status == reqwest::StatusCode::OK {
            break body["code"].as_str().unwrap().to_owned();
        }
        assert!(std::time::Instant::now() < deadline, "{body}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let created = store.discounts.lock().unwrap().clone();
    assert_eq!(created.len(), 3);
    assert_eq!(created[2]["code"], later.as_str());
}
