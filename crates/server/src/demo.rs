//! The demo store "Northwind Outfitters": its site, its five orders (the demo
//! table in README.md) and its storefront pages.
//!
//! Seeding is idempotent: rows are inserted only when absent, so restarting
//! `aisle serve --demo` keeps what shoppers changed (a cancelled order stays
//! cancelled). Dates are relative to the first seeding.

use crate::db::Db;
use crate::db::now;
use axum::Router;
use axum::extract::RawQuery;
use axum::response::Html;
use axum::routing::get;
use std::borrow::Cow;

/// The demo site's id (`data-site="demo"`).
pub const SITE_ID: &str = "demo";

const HOUR: i64 = 3600;
const DAY: i64 = 24 * HOUR;

struct DemoOrder {
    number: u32,
    email: &'static str,
    state: &'static str,
    placed_ago: i64,
    delivered_ago: Option<i64>,
    /// Carrier, tracking number, tracking URL.
    shipment: Option<(&'static str, &'static str, &'static str)>,
    /// Estimated delivery relative to now, while in transit.
    eta_in: Option<i64>,
    /// SKU, title, quantity, unit price in cents, final sale.
    items: &'static [(&'static str, &'static str, i64, i64, bool)],
    /// Seconds ago, kind, location.
    events: &'static [(i64, &'static str, Option<&'static str>)],
}

const ORDERS: &[DemoOrder] = &[
    DemoOrder {
        number: 1001,
        email: "ada@example.com",
        state: "in_transit",
        placed_ago: 3 * DAY,
        delivered_ago: None,
        shipment: Some((
            "UPS",
            "1Z999AA10123456784",
            "https://www.ups.com/track?tracknum=1Z999AA10123456784",
        )),
        eta_in: Some(2 * DAY),
        items: &[("NW-PARKA-ALP-M", "Alpine Parka, M", 1, 24900, false)],
        events: &[
            (3 * DAY, "ordered", None),
            (2 * DAY, "shipped", Some("Portland, OR")),
            (DAY, "in_transit", Some("Salt Lake City, UT")),
        ],
    },
    DemoOrder {
        number: 1002,
        email: "grace@example.com",
        state: "unfulfilled",
        placed_ago: HOUR,
        delivered_ago: None,
        shipment: None,
        eta_in: None,
        items: &[("NW-BEANIE-MER", "Merino Beanie", 2, 2900, false)],
        events: &[(HOUR, "ordered", None)],
    },
    DemoOrder {
        number: 1003,
        email: "alan@example.com",
        state: "delivered",
        placed_ago: 14 * DAY,
        delivered_ago: Some(10 * DAY),
        shipment: Some((
            "USPS",
            "9400111899223197428490",
            "https://tools.usps.com/go/TrackConfirmAction?tLabels=9400111899223197428490",
        )),
        eta_in: None,
        items: &[
            ("NW-FLEECE-TRL-L", "Trail Fleece, L", 1, 8900, false),
            ("NW-BOOT-SUM-43", "Summit Boots, EU 43", 1, 17900, false),
        ],
        events: &[
            (14 * DAY, "ordered", None),
            (13 * DAY, "shipped", Some("Portland, OR")),
            (11 * DAY, "in_transit", Some("Chicago, IL")),
            (10 * DAY + 4 * HOUR, "out_for_delivery", Some("Boston, MA")),
            (10 * DAY, "delivered", Some("Boston, MA")),
        ],
    },
    DemoOrder {
        number: 1004,
        email: "linus@example.com",
        state: "delivered",
        placed_ago: 50 * DAY,
        delivered_ago: Some(45 * DAY),
        shipment: Some((
            "FedEx",
            "612999AA10123456",
            "https://www.fedex.com/fedextrack/?trknbr=612999AA10123456",
        )),
        eta_in: None,
        items: &[("NW-SHELL-STM-M", "Storm Shell Jacket, M", 1, 19900, false)],
        events: &[
            (50 * DAY, "ordered", None),
            (49 * DAY, "shipped", Some("Portland, OR")),
            (45 * DAY, "delivered", Some("Seattle, WA")),
        ],
    },
    DemoOrder {
        number: 1005,
        email: "ada@example.com",
        state: "delivered",
        placed_ago: 7 * DAY,
        delivered_ago: Some(3 * DAY),
        shipment: Some((
            "UPS",
            "1Z999AA10123456795",
            "https://www.ups.com/track?tracknum=1Z999AA10123456795",
        )),
        eta_in: None,
        items: &[("NW-VEST-DWN-S", "Down Vest, S (final sale)", 1, 6900, true)],
        events: &[
            (7 * DAY, "ordered", None),
            (6 * DAY, "shipped", Some("Portland, OR")),
            (3 * DAY, "delivered", Some("Denver, CO")),
        ],
    },
];

/// Inserts the demo site and its orders where they are missing.
pub async fn seed(db: &Db, allowed_origins: &[String]) -> anyhow::Result<()> {
    let now = now();
    let mut tx = db.begin().await?;
    sqlx::query(
        "INSERT INTO sites (id, name, allowed_origins, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
    )
    .bind(SITE_ID)
    .bind("Northwind Outfitters")
    .bind(serde_json::to_string(allowed_origins)?)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    for order in ORDERS {
        let total: i64 = order
            .items
            .iter()
            .map(|(_, _, qty, price, _)| qty * price)
            .sum();
        let (carrier, tracking_number, tracking_url) = match order.shipment {
            Some((c, n, u)) => (Some(c), Some(n), Some(u)),
            None => (None, None, None),
        };
        let inserted = sqlx::query(
            "INSERT INTO orders (site_id, number, email, state, currency, total_minor, placed_at, \
             delivered_at, carrier, tracking_number, tracking_url, estimated_delivery) \
             VALUES ($1, $2, $3, $4, 'USD', $5, $6, $7, $8, $9, $10, $11) ON CONFLICT DO NOTHING",
        )
        .bind(SITE_ID)
        .bind(i64::from(order.number))
        .bind(order.email)
        .bind(order.state)
        .bind(total)
        .bind(now - order.placed_ago)
        .bind(order.delivered_ago.map(|ago| now - ago))
        .bind(carrier)
        .bind(tracking_number)
        .bind(tracking_url)
        .bind(order.eta_in.map(|in_| now + in_))
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if inserted == 0 {
            continue;
        }
        for (line, (sku, title, qty, price, final_sale)) in order.items.iter().enumerate() {
            sqlx::query(
                "INSERT INTO order_items (site_id, order_number, line, sku, title, quantity, unit_price_minor, \
                 final_sale) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(SITE_ID)
            .bind(i64::from(order.number))
            .bind(line as i64)
            .bind(sku)
            .bind(title)
            .bind(qty)
            .bind(price)
            .bind(i64::from(*final_sale))
            .execute(&mut *tx)
            .await?;
        }
        for (seq, (ago, kind, location)) in order.events.iter().enumerate() {
            sqlx::query(
                "INSERT INTO order_events (site_id, order_number, seq, at, kind, location) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(SITE_ID)
            .bind(i64::from(order.number))
            .bind(seq as i64)
            .bind(now - ago)
            .bind(kind)
            .bind(location)
            .execute(&mut *tx)
            .await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

/// The demo campaigns: a Black Friday banner on the home page, a VIP offer
/// on collections while agents are online, a parka quiz on the parka's page
/// and the free-shipping nudge on the cart.
pub const CAMPAIGNS: &str = include_str!("../demo/campaigns.json");

/// The demo agent's login (README.md; printed at start, never used outside the demo).
pub const AGENT_EMAIL: &str = "agent@demo.test";
/// The demo agent's password.
pub const AGENT_PASSWORD: &str = "demo-agent";

/// Adds the demo agent if missing.
pub async fn seed_agent(db: &Db) -> anyhow::Result<()> {
    crate::agents::ensure_agent(db, SITE_ID, AGENT_EMAIL, "Robin", AGENT_PASSWORD).await?;
    // The demo agent manages the team (and stays able to do everything).
    sqlx::query("UPDATE agents SET role = 'admin' WHERE email = $1")
        .bind(AGENT_EMAIL)
        .execute(db)
        .await?;
    Ok(())
}

/// Weeks of past conversations the demo seeds, so Insights has history.
pub const HISTORY_WEEKS: i64 = 6;

/// What past shoppers asked, and what the agent answered (the history's text).
const HISTORY_TALK: &[(&str, &str)] = &[
    (
        "Where is my order?",
        "It left our warehouse yesterday; here is the tracking link.",
    ),
    (
        "Do the Trail Boots run small?",
        "They run true to size; half sizes go up.",
    ),
    (
        "Can I change the delivery address?",
        "Done: the parcel goes to the new address.",
    ),
    (
        "Is the Alpine Parka waterproof?",
        "Yes, 20,000 mm with taped seams.",
    ),
    (
        "My discount code doesn't work.",
        "It was for orders over 50 €; I applied it by hand.",
    ),
    (
        "When will the scarf be back in stock?",
        "Next Tuesday; I added you to the waiting list.",
    ),
];

/// Seeds [`HISTORY_WEEKS`] weeks of closed conversations answered by the
/// demo agent, shaped like a real shop's (busier evenings and weekends,
/// answered within minutes, most rated 4 or 5), unless already there.
/// Deterministic: the same figures on every machine, relative to today.
pub async fn seed_history(db: &Db) -> anyhow::Result<()> {
    let seeded: (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM conversations WHERE id LIKE 'demo-history-%'")
            .fetch_one(db)
            .await?;
    if seeded.0 > 0 {
        return Ok(());
    }
    let agent: Option<(i64,)> = sqlx::query_as("SELECT id FROM agents WHERE email = $1")
        .bind(AGENT_EMAIL)
        .fetch_optional(db)
        .await?;
    let Some((agent,)) = agent else {
        return Ok(());
    };
    // A small linear congruential generator: plausible, repeatable noise.
    let mut state: u64 = 0x5eed_a151e;
    let mut next = move |below: u64| {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) % below.max(1)
    };
    let today = crate::db::now() / DAY * DAY;
    let mut tx = db.begin().await?;
    let mut n = 0u32;
    // Ending two days ago: older than the day of answers that predicts a
    // live shopper's wait, so the demo's queue behaves as on a new store.
    for day in (2..=HISTORY_WEEKS * 7 + 1).rev() {
        let midnight = today - day * DAY;
        // 1970-01-01 was a Thursday: 0 = Monday.
        let weekday = ((midnight / DAY) + 3) % 7;
        let weekend = weekday >= 5;
        for hour in 7..23i64 {
            // Busier at lunch and in the evening, and at weekends.
            let base: u64 = match hour {
                12..=13 => 3,
                19..=21 => 4,
                9..=18 => 2,
                _ => 1,
            } + u64::from(weekend);
            for _ in 0..next(base + 1) {
                n += 1;
                let created = midnight + hour * HOUR + next(3600) as i64;
                let accepted = created + 10 + next(170) as i64;
                let first = accepted + 5 + next(55) as i64;
                let closed = first + 120 + next(780) as i64;
                let csat = match next(10) {
                    0..=3 => None,
                    4 => Some(3),
                    5 | 6 => Some(4),
                    7 => Some(2 + next(2) as i64),
                    _ => Some(5),
                };
                let (asked, answer) = HISTORY_TALK[next(HISTORY_TALK.len() as u64) as usize];
                let id = format!("demo-history-{n:05}");
                sqlx::query(
                    "INSERT INTO conversations (id, site_id, resume_hash, state, agent_id, locale, context,                      priority, created_at, accepted_at, first_response_at, closed_at, closed_by, tags, csat, last_seq)                      VALUES ($1, $2, $3, 'closed', $4, 'en', '{}', 'normal', $5, $6, $7, $8, 'agent', '[]', $9, 2)",
                )
                .bind(&id)
                .bind(SITE_ID)
                .bind(format!("demo-history-{n:05}"))
                .bind(agent)
                .bind(created)
                .bind(accepted)
                .bind(first)
                .bind(closed)
                .bind(csat)
                .execute(&mut *tx)
                .await?;
                for (seq, (author, text, at)) in
                    [("shopper", asked, created), ("agent", answer, first)]
                        .into_iter()
                        .enumerate()
                {
                    sqlx::query(
                        "INSERT INTO messages (conversation_id, seq, client_id, author, agent_id, name, text, at)                          VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                    )
                    .bind(&id)
                    .bind(seq as i64 + 1)
                    .bind(format!("h{seq}"))
                    .bind(author)
                    .bind((author == "agent").then_some(agent))
                    .bind((author == "agent").then_some("Robin"))
                    .bind(text)
                    .bind(at)
                    .execute(&mut *tx)
                    .await?;
                }
            }
        }
    }
    tx.commit().await?;
    Ok(())
}

/// The demo site as a site file (`aisle site import` format): policies and quick responses.
pub const SITE_FILE: &str = include_str!("../demo/site.json");

/// Stores the demo's site settings unless the site has some already (a
/// merchant's later `aisle site import` stays), and its identity secret.
pub async fn seed_config(db: &Db) -> anyhow::Result<()> {
    // Validate before writing, so a broken file fails the start, not a shopper.
    let file = crate::site_file::parse_site_file(SITE_FILE).map_err(|errors| {
        anyhow::anyhow!(
            "demo/site.json: {}",
            errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ")
        )
    })?;
    crate::sites::store::settings_if_empty(db, SITE_ID, &serde_json::to_string(&file.config())?)
        .await?;
    crate::site_file::identity_secret(db, SITE_ID).await?;
    Ok(())
}

/// Pushes the demo campaigns if the demo site has none yet (a marketer's later push stays live).
pub async fn seed_campaigns(db: &Db) -> anyhow::Result<()> {
    if crate::campaigns::live(db, SITE_ID).await?.is_none() {
        crate::campaigns::push(db, SITE_ID, CAMPAIGNS)
            .await
            .map_err(|e| anyhow::anyhow!("seeding demo campaigns: {e:?}"))?;
    }
    Ok(())
}

/// The demo product page.
const PRODUCT_PAGE: &str = include_str!("../store/product-alpine-parka.html");

/// The merchant snippet as the demo pages carry it.
const SNIPPET: &str = "<script src=\"/widget/aisle.js\" data-site=\"demo\" async></script>\n";

/// `page`, without the snippet when the query has `widget=off`: the same page
/// as a store without Aisle, which `cargo xtask perf` measures against.
fn without_widget(page: &'static str, RawQuery(query): RawQuery) -> Cow<'static, str> {
    let off = query
        .as_deref()
        .is_some_and(|q| q.split('&').any(|pair| pair == "widget=off"));
    if off {
        Cow::Owned(page.replace(SNIPPET, ""))
    } else {
        Cow::Borrowed(page)
    }
}

/// The storefront pages of the demo store, each embedding the widget through
/// the merchant snippet (`/products/alpine-parka?widget=off`: without it).
pub fn storefront<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route(
            "/",
            get(|| async { Html(include_str!("../store/home.html")) }),
        )
        .route(
            "/collections/winter",
            get(|| async { Html(include_str!("../store/collection-winter.html")) }),
        )
        .route(
            "/products/alpine-parka",
            get(|query: RawQuery| async move { Html(without_widget(PRODUCT_PAGE, query)) }),
        )
        .route(
            "/cart",
            get(|| async { Html(include_str!("../store/cart.html")) }),
        )
        // The product photo of the parka's page: an `<img>`, as on real
        // product pages, where it is usually the largest paint.
        .route(
            "/store/alpine-parka.jpg",
            get(|| async {
                (
                    [("content-type", "image/jpeg")],
                    include_bytes!("../store/alpine-parka.jpg").as_slice(),
                )
            }),
        )
        // The pictures of the free-shipping nudge's product cards.
        .route(
            "/store/merino-beanie.svg",
            get(|| async {
                (
                    [("content-type", "image/svg+xml")],
                    include_str!("../store/merino-beanie.svg"),
                )
            }),
        )
        .route(
            "/store/trail-fleece.svg",
            get(|| async {
                (
                    [("content-type", "image/svg+xml")],
                    include_str!("../store/trail-fleece.svg"),
                )
            }),
        )
        .route(
            "/store/store.css",
            get(|| async {
                (
                    [("content-type", "text/css; charset=utf-8")],
                    include_str!("../store/store.css"),
                )
            }),
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_product_page_comes_without_the_widget_on_request() {
        assert!(PRODUCT_PAGE.contains(SNIPPET));
        let with = without_widget(PRODUCT_PAGE, RawQuery(None));
        assert!(with.contains("/widget/aisle.js"));
        let other = without_widget(PRODUCT_PAGE, RawQuery(Some("size=M".into())));
        assert!(other.contains("/widget/aisle.js"));
        let without = without_widget(PRODUCT_PAGE, RawQuery(Some("size=M&widget=off".into())));
        assert!(!without.contains("aisle.js"));
        assert!(without.contains("<h1>Alpine Parka</h1>"));
    }

    #[test]
    fn the_demo_file_is_valid() {
        let file = crate::site_file::parse_site_file(SITE_FILE).expect("demo site file");
        assert_eq!(file.site, "demo");
        assert!(file.faq.len() >= 4);
    }
}
