//! What self-service reads and writes in the database: shopper sessions,
//! cancellations, return requests, tickets, FAQ feedback and flow outcomes.

use crate::db::Db;
use crate::db::now;
use rand::Rng;
use serde::{Deserialize, Serialize};

/// A step awaiting the shopper's confirmation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Pending {
    /// A return reviewed but not yet confirmed.
    Return {
        /// Order number.
        order: u32,
        /// (SKU, title, quantity) to return.
        items: Vec<(String, String, u32)>,
        /// `ReturnReason` name.
        reason: String,
        /// The shopper's comment.
        comment: String,
    },
}

/// A shopper's self-service session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// Opaque token the widget sends back.
    pub token: String,
    /// The email the shopper proved with an order number, if any.
    pub email: Option<String>,
    /// A step awaiting confirmation.
    pub pending: Option<Pending>,
    /// Actions taken, oldest first (shown to agents with tickets).
    pub steps: Vec<String>,
    /// Made for this request (not stored yet).
    pub is_new: bool,
}

/// Steps kept per session.
const MAX_STEPS: usize = 50;

impl Session {
    /// Remembers that the shopper did `action` (without the values typed).
    pub fn step(&mut self, action: &str) {
        if self.steps.len() >= MAX_STEPS {
            self.steps.remove(0);
        }
        self.steps.push(action.chars().take(64).collect());
    }
}

/// The session for `token` on `site`, or a new one.
pub async fn load_session(db: &Db, site: &str, token: Option<&str>) -> anyhow::Result<Session> {
    if let Some(token) = token {
        let row: Option<(Option<String>, Option<String>, String)> = sqlx::query_as(
            "SELECT email, pending, steps FROM assist_sessions WHERE token = $1 AND site_id = $2",
        )
        .bind(token)
        .bind(site)
        .fetch_optional(db)
        .await?;
        if let Some((email, pending, steps)) = row {
            return Ok(Session {
                token: token.to_owned(),
                email,
                // A pending step from an older release is dropped, not fatal.
                pending: pending.and_then(|p| serde_json::from_str(&p).ok()),
                steps: serde_json::from_str(&steps).unwrap_or_default(),
                is_new: false,
            });
        }
    }
    Ok(Session {
        token: format!("{:032x}", rand::rng().random::<u128>()),
        email: None,
        pending: None,
        steps: Vec::new(),
        is_new: true,
    })
}

/// Saves `session` (insert or update).
pub async fn save_session(db: &Db, site: &str, session: &Session) -> anyhow::Result<()> {
    let now = now();
    let pending = session
        .pending
        .as_ref()
        .map(serde_json::to_string)
        .transpose()?;
    sqlx::query(
        "INSERT INTO assist_sessions (token, site_id, email, pending, steps, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT(token) DO UPDATE SET \
         email = excluded.email, pending = excluded.pending, steps = excluded.steps, \
         updated_at = excluded.updated_at",
    )
    .bind(&session.token)
    .bind(site)
    .bind(&session.email)
    .bind(pending)
    .bind(serde_json::to_string(&session.steps)?)
    .bind(now)
    .bind(now)
    .execute(db)
    .await?;
    Ok(())
}

/// Sessions untouched for this long are deleted ([`purge_sessions`]).
pub const SESSION_IDLE: i64 = 7 * 24 * 3600;

/// Deletes self-service sessions untouched for [`SESSION_IDLE`]; returns how many.
pub async fn purge_sessions(db: &Db, now: i64) -> anyhow::Result<u64> {
    Ok(
        sqlx::query("DELETE FROM assist_sessions WHERE updated_at < $1")
            .bind(now - SESSION_IDLE)
            .execute(db)
            .await?
            .rows_affected(),
    )
}

/// The orders placed with `email` on `site`, newest first: (number, state).
pub async fn orders_of(db: &Db, site: &str, email: &str) -> anyhow::Result<Vec<(u32, String)>> {
    let rows: Vec<(i64, String)> = sqlx::query_as(
        "SELECT number, state FROM orders WHERE site_id = $1 AND email = $2 ORDER BY placed_at DESC",
    )
    .bind(site)
    .bind(email)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(number, state)| Some((u32::try_from(number).ok()?, state)))
        .collect())
}

/// A short reference shoppers can read out: `prefix` + 6 unambiguous characters.
pub fn reference(prefix: char) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    let mut out = String::with_capacity(8);
    out.push(prefix);
    out.push('-');
    for _ in 0..6 {
        out.push(char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]));
    }
    out
}

/// Cancels order `number` if it is still unfulfilled; `false` if it was not.
/// One statement decides, so two shoppers cannot both cancel.
pub async fn cancel_order(db: &Db, site: &str, number: u32) -> anyhow::Result<bool> {
    let mut tx = db.begin().await?;
    let done = sqlx::query(
        "UPDATE orders SET state = 'cancelled' WHERE site_id = $1 AND number = $2 AND state = 'unfulfilled'",
    )
    .bind(site)
    .bind(i64::from(number))
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1;
    if done {
        sqlx::query(
            "INSERT INTO order_events (site_id, order_number, seq, at, kind) VALUES ($1, $2, \
             (SELECT COALESCE(MAX(seq), 0) + 1 FROM order_events WHERE site_id = $3 AND order_number = $4), $5, 'cancelled')",
        )
        .bind(site)
        .bind(i64::from(number))
        .bind(site)
        .bind(i64::from(number))
        .bind(now())
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(done)
}

/// Stores a return request and returns its reference.
pub async fn create_return(
    db: &Db,
    site: &str,
    email: &str,
    pending: &Pending,
) -> anyhow::Result<String> {
    let Pending::Return {
        order,
        items,
        reason,
        comment,
    } = pending;
    let items: Vec<serde_json::Value> = items
        .iter()
        .map(|(sku, title, quantity)| {
            serde_json::json!({ "sku": sku, "title": title, "quantity": quantity })
        })
        .collect();
    let reference = reference('R');
    sqlx::query(
        "INSERT INTO return_requests (reference, site_id, order_number, email, items, reason, comment, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&reference)
    .bind(site)
    .bind(i64::from(*order))
    .bind(email)
    .bind(serde_json::to_string(&items)?)
    .bind(reason)
    .bind(comment)
    .bind(now())
    .execute(db)
    .await?;
    Ok(reference)
}

/// A ticket for the team.
#[derive(Debug, Clone)]
pub struct NewTicket<'a> {
    /// `issue` or `message`.
    pub kind: &'a str,
    /// The order it is about.
    pub order: Option<u32>,
    /// Where to reply.
    pub email: &'a str,
    /// `IssueKind` name for issues.
    pub issue: Option<&'a str>,
    /// What the shopper wrote.
    pub body: &'a str,
    /// Self-service steps taken before.
    pub steps: &'a [String],
}

/// Stores a ticket and returns its reference.
pub async fn create_ticket(db: &Db, site: &str, t: &NewTicket<'_>) -> anyhow::Result<String> {
    let reference = reference('T');
    sqlx::query(
        "INSERT INTO tickets (reference, site_id, kind, order_number, email, issue, body, context, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&reference)
    .bind(site)
    .bind(t.kind)
    .bind(t.order.map(i64::from))
    .bind(t.email)
    .bind(t.issue)
    .bind(t.body)
    .bind(serde_json::to_string(t.steps)?)
    .bind(now())
    .execute(db)
    .await?;
    Ok(reference)
}

/// Records a "Did this help?" answer.
pub async fn faq_feedback(db: &Db, site: &str, faq: &str, helpful: bool) -> anyhow::Result<()> {
    sqlx::query("INSERT INTO faq_feedback (site_id, faq_id, helpful, at) VALUES ($1, $2, $3, $4)")
        .bind(site)
        .bind(faq)
        .bind(i64::from(helpful))
        .bind(now())
        .execute(db)
        .await?;
    Ok(())
}

/// Counts how a flow ended: `resolved` (deflected) or `handoff`.
pub async fn outcome(db: &Db, site: &str, flow: &str, outcome: &str) -> anyhow::Result<()> {
    sqlx::query("INSERT INTO flow_outcomes (site_id, flow, outcome, at) VALUES ($1, $2, $3, $4)")
        .bind(site)
        .bind(flow)
        .bind(outcome)
        .bind(now())
        .execute(db)
        .await?;
    Ok(())
}

/// `site`'s tickets from `email`, newest first, at most `limit`: reference,
/// created_at, status, order number and the first 400 characters.
pub async fn tickets_of(
    db: &Db,
    site: &str,
    email: &str,
    limit: i64,
) -> anyhow::Result<Vec<(String, i64, String, Option<i64>, String)>> {
    Ok(sqlx::query_as(
        "SELECT reference, created_at, status, order_number, substr(body, 1, 400) FROM tickets \
         WHERE site_id = $1 AND email = $2 ORDER BY created_at DESC LIMIT $3",
    )
    .bind(site)
    .bind(email)
    .bind(limit)
    .fetch_all(db)
    .await?)
}

/// How `site`'s self-service flows ended in [`start`, `end`): (flow, outcome, count).
pub async fn outcomes_between(
    db: &Db,
    site: &str,
    start: i64,
    end: i64,
) -> anyhow::Result<Vec<(String, String, i64)>> {
    Ok(sqlx::query_as(
        "SELECT flow, outcome, COUNT(*) FROM flow_outcomes WHERE site_id = $1 AND at >= $2 AND at < $3 \
         GROUP BY flow, outcome ORDER BY flow",
    )
    .bind(site)
    .bind(start)
    .bind(end)
    .fetch_all(db)
    .await?)
}

/// How many self-service sessions `site` started in [`start`, `end`).
pub async fn sessions_between(db: &Db, site: &str, start: i64, end: i64) -> anyhow::Result<i64> {
    let (count,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM assist_sessions WHERE site_id = $1 AND created_at >= $2 AND created_at < $3",
    )
    .bind(site)
    .bind(start)
    .bind(end)
    .fetch_one(db)
    .await?;
    Ok(count)
}
