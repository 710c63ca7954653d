//! What an order source adds to a shopper's wait, and what the order cache
//! saves: the real `aisle` binary serves four sites — the demo tables, a
//! Shopify store and a WooCommerce store (the tests' stand-ins, real HTTP
//! on loopback) and pushed orders — and a shopper proves an order on each
//! (`identify:track`, the request that reads the order) many times.
//!
//! - **from the store**: before each timed lookup a signed order webhook
//!   drops the order from the cache, so every lookup calls the platform;
//! - **from the cache**: the same lookup repeated within the cache's minute;
//! - **added**: a source's p50/p99 minus the demo tables' (no network).
//!
//! One shopper repeats the lookup in one session, so each lookup also lists
//! the shopper's orders (`orders_of`, which always asks the store): the store
//! calls printed count every kind.
//!
//! The stand-ins answer at once, so "added" is Aisle's own cost of a
//! platform call (HTTP client, JSON, cache write), not the platform's: add
//! your store's API latency to it. Run by `cargo xtask bench`, or:
//!
//! ```text
//! cargo build -p aisle-server --bin aisle
//! cargo run -p aisle-server --example store_latency -- --lookups 200
//! ```

#[path = "../tests/support/shopify.rs"]
mod shopify;
#[path = "../tests/support/woocommerce.rs"]
mod woocommerce;

use anyhow::{Context, Result, ensure};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const SHOPIFY_TOKEN_ENV: &str = "AISLE_BENCH_SHOPIFY_TOKEN";
const SHOPIFY_HOOK_ENV: &str = "AISLE_BENCH_SHOPIFY_HOOK";
const WOO_KEY_ENV: &str = "AISLE_BENCH_WC_KEY";
const WOO_SECRET_ENV: &str = "AISLE_BENCH_WC_SECRET";
const WOO_HOOK_ENV: &str = "AISLE_BENCH_WC_HOOK";
const PUSH_SECRET_ENV: &str = "AISLE_BENCH_PUSH_SECRET";
const HOOK_SECRET: &str = "bench-hook-secret";

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn aisle(binary: &Path) -> Command {
    let mut command = Command::new(binary);
    command
        .env(SHOPIFY_TOKEN_ENV, shopify::TOKEN)
        .env(SHOPIFY_HOOK_ENV, HOOK_SECRET)
        .env(WOO_KEY_ENV, woocommerce::WOO_KEY)
        .env(WOO_SECRET_ENV, woocommerce::WOO_SECRET)
        .env(WOO_HOOK_ENV, HOOK_SECRET)
        .env(PUSH_SECRET_ENV, HOOK_SECRET)
        .env("RUST_LOG", "warn");
    command
}

fn checked(command: &mut Command) -> Result<String> {
    let out = command.output()?;
    ensure!(
        out.status.success(),
        "{command:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// `p` (0..=1) of sorted `values`, in ms.
fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

/// A webhook that drops an order from the cache: path, headers, body.
type Hook = (String, Vec<(String, String)>, String);

/// One site's timed lookups.
struct Series {
    source: &'static str,
    site: &'static str,
    order: &'static str,
    email: &'static str,
    /// `(path, headers, body)` of a webhook that drops the order from the cache.
    hook: Option<Hook>,
}

/// One timed lookup in self-service session `session` (one per series, as
/// one shopper checking again and again: sessions are rate-limited per address).
async fn lookup(
    http: &reqwest::Client,
    base: &str,
    series: &Series,
    session: &mut Option<String>,
) -> Result<Duration> {
    let url = format!("{base}/api/sites/{}/assist", series.site);
    let opened: Value = http
        .post(&url)
        .json(&json!({"session": session, "locale": "en", "action": "track", "values": []}))
        .send()
        .await?
        .json()
        .await?;
    let found = opened["session"].as_str().context("a session")?.to_owned();
    *session = Some(found.clone());
    let session = found;
    let body = json!({"session": session, "locale": "en", "action": "identify:track",
                      "values": [["order", series.order], ["email", series.email]]});
    let started = Instant::now();
    let reply: Value = http.post(&url).json(&body).send().await?.json().await?;
    let took = started.elapsed();
    ensure!(
        reply.to_string().contains("Order #"),
        "{}: the order was not found: {reply}",
        series.source
    );
    Ok(took)
}

fn server_binary() -> Result<PathBuf> {
    let exe = std::env::current_exe()?;
    let dir = exe
        .parent()
        .and_then(Path::parent)
        .context("no target directory")?;
    let binary = dir.join("aisle");
    ensure!(
        binary.exists(),
        "{} not found: cargo build -p aisle-server --bin aisle",
        binary.display()
    );
    Ok(binary)
}

/// What each order source adds to a shopper's order lookup.
#[derive(clap::Parser)]
struct Options {
    /// Lookups per source and path (from the store, from the cache).
    #[arg(long, default_value_t = 200)]
    lookups: usize,
}

#[tokio::main]
async fn main() -> Result<()> {
    let Options { lookups } = clap::Parser::parse();
    let binary = server_binary()?;
    let shopify_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let shopify_url = format!("http://{}{}", shopify_listener.local_addr()?, shopify::API);
    let shopify_store = shopify::start(shopify_listener);
    let woo_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let woo_url = format!("http://{}", woo_listener.local_addr()?);
    let woo_store = woocommerce::start(woo_listener);

    let dir = tempfile::tempdir()?;
    let db = format!("sqlite://{}", dir.path().join("bench.db").display());
    let sites = [
        json!({"site": "north", "name": "North", "allowed_origins": ["http://127.0.0.1:8080"],
               "order_source": {"kind": "shopify", "shop": "north.myshopify.com",
                                "token_env": SHOPIFY_TOKEN_ENV, "api_url": shopify_url,
                                "final_sale_tag": "final-sale", "webhook_secret_env": SHOPIFY_HOOK_ENV}}),
        json!({"site": "harbor", "name": "Harbor", "allowed_origins": ["http://127.0.0.1:8080"],
               "order_source": {"kind": "woocommerce", "url": woo_url, "key_env": WOO_KEY_ENV,
                                "secret_env": WOO_SECRET_ENV, "webhook_secret_env": WOO_HOOK_ENV}}),
        json!({"site": "pushy", "name": "Pushy", "allowed_origins": ["http://127.0.0.1:8080"],
               "order_source": {"kind": "push", "webhook_url": "https://merchant.example/aisle",
                                "secret_env": PUSH_SECRET_ENV}}),
    ];
    // The demo site first (`--demo` seeds it on the first start).
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let mut server = Server(
        aisle(&binary)
            .args(["serve", "--demo", "--listen", &format!("127.0.0.1:{port}")])
            .args(["--db", &db, "--assets"])
            .arg(dir.path())
            .stdout(Stdio::null())
            .spawn()?,
    );
    let http = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while http.get(format!("{base}/healthz")).send().await.is_err() {
        ensure!(Instant::now() < deadline, "the server did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    for site in &sites {
        let file = dir
            .path()
            .join(format!("{}.json", site["site"].as_str().unwrap_or("x")));
        std::fs::write(&file, site.to_string())?;
        checked(
            aisle(&binary)
                .args(["site", "import"])
                .arg(&file)
                .args(["--db", &db]),
        )?;
    }
    let pushed = dir.path().join("orders.ndjson");
    std::fs::write(
        &pushed,
        json!({"number": 3001, "email": "ada@example.com", "status": "in_transit", "currency": "EUR",
               "total_minor": 8900, "placed_at": "2026-11-20T10:00:00Z",
               "items": [{"sku": "TB-1", "title": "Trail Boots", "quantity": 1, "unit_price_minor": 8900}],
               "tracking": [{"company": "DHL", "number": "JD0146", "url": "https://dhl.example/JD0146"}]})
        .to_string(),
    )?;
    checked(
        aisle(&binary)
            .args(["orders", "import"])
            .arg(&pushed)
            .args(["--site", "pushy", "--db", &db]),
    )?;
    // Sites are loaded at start: restart on the same database.
    drop(server);
    server = Server(
        aisle(&binary)
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .args(["--db", &db, "--assets"])
            .arg(dir.path())
            .stdout(Stdio::null())
            .spawn()?,
    );
    let deadline = Instant::now() + Duration::from_secs(60);
    while http.get(format!("{base}/healthz")).send().await.is_err() {
        ensure!(Instant::now() < deadline, "the server did not restart");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let shopify_hook = json!({"id": 5001, "name": "#2001"}).to_string();
    let woo_hook = json!({"id": 702, "number": "702"}).to_string();
    let series = [
        Series {
            source: "demo tables",
            site: "demo",
            order: "1001",
            email: "ada@example.com",
            hook: None,
        },
        Series {
            source: "push",
            site: "pushy",
            order: "3001",
            email: "ada@example.com",
            hook: None,
        },
        Series {
            source: "shopify",
            site: "north",
            order: "2001",
            email: "ada@example.com",
            hook: Some((
                "/hooks/shopify/north".into(),
                vec![
                    ("x-shopify-topic".into(), "orders/updated".into()),
                    (
                        "x-shopify-hmac-sha256".into(),
                        aisle_server::hooks::sign(HOOK_SECRET, shopify_hook.as_bytes()),
                    ),
                ],
                shopify_hook.clone(),
            )),
        },
        Series {
            source: "woocommerce",
            site: "harbor",
            order: "702",
            email: "alan@example.com",
            hook: Some((
                "/hooks/woocommerce/harbor".into(),
                vec![
                    ("x-wc-webhook-topic".into(), "order.updated".into()),
                    (
                        "x-wc-webhook-signature".into(),
                        aisle_server::hooks::sign(HOOK_SECRET, woo_hook.as_bytes()),
                    ),
                ],
                woo_hook.clone(),
            )),
        },
    ];
    println!(
        "order lookups (identify:track), {lookups} each, p50 / p99 in ms, on {}:",
        std::env::consts::ARCH
    );
    let mut baseline = (0.0, 0.0);
    for s in &series {
        let mut session = None;
        // Warm up (connections, the first cache fill).
        lookup(&http, &base, s, &mut session).await?;
        let cached_before = store_calls(&shopify_store, &woo_store, s.source);
        let mut cached = Vec::with_capacity(lookups);
        for _ in 0..lookups {
            cached.push(lookup(&http, &base, s, &mut session).await?);
        }
        let cached_calls = store_calls(&shopify_store, &woo_store, s.source) - cached_before;
        cached.sort();
        let (p50, p99) = (percentile(&cached, 0.5), percentile(&cached, 0.99));
        if s.hook.is_none() {
            if s.source == "demo tables" {
                baseline = (p50, p99);
            }
            println!(
                "  {:<12} {p50:6.2} / {p99:6.2}   (local: added {:+.2} / {:+.2})",
                s.source,
                p50 - baseline.0,
                p99 - baseline.1
            );
            continue;
        }
        let calls_before = store_calls(&shopify_store, &woo_store, s.source);
        let mut fresh = Vec::with_capacity(lookups);
        for i in 0..lookups {
            let (path, headers, body) = s.hook.as_ref().context("hook")?;
            let mut request = http
                .post(format!("{base}{path}"))
                .header("content-type", "application/json")
                .header("x-shopify-webhook-id", format!("bench-{i}"))
                .header("x-wc-webhook-delivery-id", format!("bench-{i}"))
                .body(body.clone());
            for (name, value) in headers {
                request = request.header(name, value);
            }
            let status = request.send().await?.status();
            ensure!(
                status.is_success(),
                "{}: webhook answered {status}",
                s.source
            );
            fresh.push(lookup(&http, &base, s, &mut session).await?);
        }
        let calls = store_calls(&shopify_store, &woo_store, s.source) - calls_before;
        fresh.sort();
        let (f50, f99) = (percentile(&fresh, 0.5), percentile(&fresh, 0.99));
        println!(
            "  {:<12} from the store {f50:6.2} / {f99:6.2} (added {:+.2} / {:+.2}); from the cache {p50:6.2} / {p99:6.2} (added {:+.2} / {:+.2})",
            s.source,
            f50 - baseline.0,
            f99 - baseline.1,
            p50 - baseline.0,
            p99 - baseline.1
        );
        println!(
            "  {:<12} store calls: {cached_calls} for {lookups} lookups in the cache's minute, {calls} for {lookups} lookups each after a webhook",
            ""
        );
    }
    drop(server);
    Ok(())
}

/// Calls the stand-in of `source` has answered so far (every kind: the
/// order, its tracking, the shopper's order list).
fn store_calls(shopify: &shopify::Store, woo: &woocommerce::Woo, source: &str) -> usize {
    match source {
        "shopify" => shopify.operations().len(),
        "woocommerce" => woo.log.lock().map(|l| l.len()).unwrap_or(0),
        _ => 0,
    }
}
