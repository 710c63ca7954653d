//! Agents' macros: canned replies per site, listed by `GET /api/agent/macros`.
//!
//! A macro's body may hold `{{customer.first_name}}`, `{{customer.email}}`,
//! `{{order.number}}`, `{{order.tracking_url}}` and `{{agent.name}}`; the
//! console fills them from the conversation it is inserted into (and shows
//! the agent any it could not fill), so the server stores them as written.

use crate::AppState;
use crate::agents::Agent;
use crate::db::now;
use crate::error::AppError;
use axum::Json;
use axum::extract::State;
use serde::Serialize;
use serde_json::{Value, json};
use sqlx::SqlitePool;

/// A macro as the console lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Macro {
    /// Stable id within the site.
    pub id: String,
    /// Short name for the picker.
    pub title: String,
    /// The text, with `{{variables}}`.
    pub body: String,
}

/// The demo store's macros: `(id, title, body)`.
pub const DEMO_MACROS: [(&str, &str, &str); 3] = [
    (
        "greeting",
        "Greeting",
        "Hi {{customer.first_name}}, thanks for waiting! I'm {{agent.name}} from Northwind Outfitters. How can I help?",
    ),
    (
        "tracking-link",
        "Tracking link",
        "Your order {{order.number}} is on its way. You can follow it on the carrier's site: {{order.tracking_url}}",
    ),
    (
        "return-instructions",
        "Return instructions",
        "To return items from order {{order.number}}: choose \"Return order\" in this chat, pick the items and a reason, and we'll email you a prepaid label. Unworn items can be returned within 30 days of delivery; final-sale items can't be returned.",
    ),
];

/// Adds the demo macros to `site` unless they are there (idempotent seeding;
/// a merchant's edits to them stay).
pub async fn seed_demo(db: &SqlitePool, site: &str) -> anyhow::Result<()> {
    for (position, (id, title, body)) in DEMO_MACROS.iter().enumerate() {
        sqlx::query(
            "INSERT OR IGNORE INTO macros (site_id, id, title, body, position, created_at) \
             VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(site)
        .bind(id)
        .bind(title)
        .bind(body)
        .bind(position as i64)
        .bind(now())
        .execute(db)
        .await?;
    }
    Ok(())
}

/// `site`'s macros in picker order.
pub async fn of_site(db: &SqlitePool, site: &str) -> anyhow::Result<Vec<Macro>> {
    let rows: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT id, title, body FROM macros WHERE site_id = ? ORDER BY position, title",
    )
    .bind(site)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, title, body)| Macro { id, title, body })
        .collect())
}

/// `GET /api/agent/macros`: the agent's site's macros.
pub async fn list(agent: Agent, State(state): State<AppState>) -> Result<Json<Value>, AppError> {
    let macros = of_site(&state.db, &agent.site).await?;
    Ok(Json(json!({ "macros": macros })))
}
