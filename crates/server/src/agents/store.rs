//! What the agents' side reads and writes in the database, and nothing else
//! does it for them: agent accounts and login sessions, the desk's pages of
//! return requests and tickets, marking them done, and the totals behind the
//! stats. Handlers in [`super::auth`], [`super::api`] and [`super::stats`]
//! call these functions only; a second database backend replaces this file.

use sqlx::SqlitePool;

/// An agent's account as login reads it.
#[derive(Debug, Clone)]
pub struct Account {
    /// Row id.
    pub id: i64,
    /// The site they answer for.
    pub site: String,
    /// Display name.
    pub name: String,
    /// The Argon2id PHC string; empty for an invited agent without a password.
    pub password_hash: String,
    /// `agents.role`.
    pub role: String,
    /// `active` or `disabled`.
    pub status: String,
}

/// The account with login `email` (normalized), if any.
pub async fn account_by_email(db: &SqlitePool, email: &str) -> sqlx::Result<Option<Account>> {
    let row: Option<(i64, String, String, String, String, String)> = sqlx::query_as(
        "SELECT id, site_id, name, password_hash, role, status FROM agents WHERE email = ?",
    )
    .bind(email)
    .fetch_optional(db)
    .await?;
    Ok(
        row.map(|(id, site, name, password_hash, role, status)| Account {
            id,
            site,
            name,
            password_hash,
            role,
            status,
        }),
    )
}

/// Whether an agent has login `email`.
pub async fn email_taken(db: &SqlitePool, email: &str) -> sqlx::Result<bool> {
    let taken: Option<(i64,)> = sqlx::query_as("SELECT id FROM agents WHERE email = ?")
        .bind(email)
        .fetch_optional(db)
        .await?;
    Ok(taken.is_some())
}

/// Whether the database has site `site`.
pub async fn site_exists(db: &SqlitePool, site: &str) -> sqlx::Result<bool> {
    let found: Option<(String,)> = sqlx::query_as("SELECT id FROM sites WHERE id = ?")
        .bind(site)
        .fetch_optional(db)
        .await?;
    Ok(found.is_some())
}

/// Adds an agent to `site` (role `role`, or the table's default when `None`); the new id.
pub async fn insert_agent(
    db: &SqlitePool,
    site: &str,
    email: &str,
    name: &str,
    password_hash: &str,
    role: Option<&str>,
    at: i64,
) -> sqlx::Result<i64> {
    let (id,): (i64,) = match role {
        Some(role) => sqlx::query_as(
            "INSERT INTO agents (site_id, email, name, password_hash, created_at, role) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(site)
        .bind(email)
        .bind(name)
        .bind(password_hash)
        .bind(at)
        .bind(role)
        .fetch_one(db)
        .await?,
        None => sqlx::query_as(
            "INSERT INTO agents (site_id, email, name, password_hash, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(site)
        .bind(email)
        .bind(name)
        .bind(password_hash)
        .bind(at)
        .fetch_one(db)
        .await?,
    };
    Ok(id)
}

/// Stores a login session (the token's digest) for `agent` from `at` until `expires_at`.
pub async fn open_session(
    db: &SqlitePool,
    digest: &str,
    agent: i64,
    at: i64,
    expires_at: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO agent_sessions (token, agent_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
    )
    .bind(digest)
    .bind(agent)
    .bind(at)
    .bind(expires_at)
    .execute(db)
    .await?;
    Ok(())
}

/// Ends the session with token digest `digest`; whether there was one.
pub async fn end_session(db: &SqlitePool, digest: &str) -> sqlx::Result<bool> {
    let ended = sqlx::query("DELETE FROM agent_sessions WHERE token = ?")
        .bind(digest)
        .execute(db)
        .await?
        .rows_affected();
    Ok(ended > 0)
}

/// The active agent of the unexpired session with token digest `digest`:
/// (id, site, email, name, role).
pub async fn session_agent(
    db: &SqlitePool,
    digest: &str,
    now: i64,
) -> sqlx::Result<Option<(i64, String, String, String, String)>> {
    sqlx::query_as(
        "SELECT a.id, a.site_id, a.email, a.name, a.role FROM agent_sessions s JOIN agents a ON a.id = s.agent_id \
         WHERE s.token = ? AND s.expires_at > ? AND a.status = 'active'",
    )
    .bind(digest)
    .bind(now)
    .fetch_optional(db)
    .await
}

/// The `WHERE` clause after `site_id = ?` for a page of a newest-first list:
/// binds `before` (created_at twice, then rowid; NULLs on the first page)
/// and `limit + 1`.
const PAGE_SQL: &str = "AND (?2 IS NULL OR created_at < ?2 OR (created_at = ?2 AND rowid < ?3)) \
     ORDER BY created_at DESC, rowid DESC LIMIT ?4";

/// A return request as the desk lists it: rowid, reference, order, email,
/// items (JSON), reason, comment, status, created_at.
pub type ReturnRow = (
    i64,
    String,
    i64,
    String,
    String,
    String,
    String,
    String,
    i64,
);

/// A ticket as the desk lists it: rowid, reference, kind, order, email,
/// issue, body, context (JSON), status, created_at.
pub type TicketRow = (
    i64,
    String,
    String,
    Option<i64>,
    String,
    Option<String>,
    String,
    String,
    String,
    i64,
);

/// Up to `rows` of `site`'s return requests, newest first, strictly older
/// than `before` (created_at, rowid) when given.
pub async fn return_requests_page(
    db: &SqlitePool,
    site: &str,
    before: Option<(i64, i64)>,
    rows: i64,
) -> sqlx::Result<Vec<ReturnRow>> {
    sqlx::query_as(&format!(
        "SELECT rowid, reference, order_number, email, items, reason, comment, status, created_at \
         FROM return_requests WHERE site_id = ?1 {PAGE_SQL}"
    ))
    .bind(site)
    .bind(before.map(|(at, _)| at))
    .bind(before.map(|(_, row)| row))
    .bind(rows)
    .fetch_all(db)
    .await
}

/// Up to `rows` of `site`'s tickets, newest first, strictly older than
/// `before` (created_at, rowid) when given.
pub async fn tickets_page(
    db: &SqlitePool,
    site: &str,
    before: Option<(i64, i64)>,
    rows: i64,
) -> sqlx::Result<Vec<TicketRow>> {
    sqlx::query_as(&format!(
        "SELECT rowid, reference, kind, order_number, email, issue, body, context, status, created_at \
         FROM tickets WHERE site_id = ?1 {PAGE_SQL}"
    ))
    .bind(site)
    .bind(before.map(|(at, _)| at))
    .bind(before.map(|(_, row)| row))
    .bind(rows)
    .fetch_all(db)
    .await
}

/// What the desk marks done: a ticket or a return request.
#[derive(Debug, Clone, Copy)]
pub enum Record {
    /// A row of `tickets`.
    Ticket,
    /// A row of `return_requests`.
    Return,
}

impl Record {
    /// The table it lives in.
    pub fn table(self) -> &'static str {
        match self {
            Record::Ticket => "tickets",
            Record::Return => "return_requests",
        }
    }
}

/// Marks `site`'s `record` `reference` done by `agent` at `at`; whether the site has it.
pub async fn mark_done(
    db: &SqlitePool,
    record: Record,
    site: &str,
    reference: &str,
    agent: i64,
    at: i64,
) -> sqlx::Result<bool> {
    let sql = format!(
        "UPDATE {} SET status = 'done', done_by = ?, done_at = ? WHERE reference = ? AND site_id = ?",
        record.table()
    );
    let updated = sqlx::query(&sql)
        .bind(agent)
        .bind(at)
        .bind(reference)
        .bind(site)
        .execute(db)
        .await?
        .rows_affected();
    Ok(updated > 0)
}

/// `site`'s campaign events summed over all days: (campaign, kind, count).
pub async fn campaign_event_totals(
    db: &SqlitePool,
    site: &str,
) -> sqlx::Result<Vec<(String, String, i64)>> {
    sqlx::query_as(
        "SELECT campaign_id, kind, SUM(count) FROM campaign_events WHERE site_id = ? \
         GROUP BY campaign_id, kind ORDER BY campaign_id",
    )
    .bind(site)
    .fetch_all(db)
    .await
}

/// How `site`'s self-service flows ended: (flow, outcome, count).
pub async fn flow_outcome_totals(
    db: &SqlitePool,
    site: &str,
) -> sqlx::Result<Vec<(String, String, i64)>> {
    sqlx::query_as(
        "SELECT flow, outcome, COUNT(*) FROM flow_outcomes WHERE site_id = ? GROUP BY flow, outcome",
    )
    .bind(site)
    .fetch_all(db)
    .await
}

/// `site`'s FAQ feedback: (answer id, helpful votes, all votes).
pub async fn faq_feedback_totals(
    db: &SqlitePool,
    site: &str,
) -> sqlx::Result<Vec<(String, i64, i64)>> {
    sqlx::query_as(
        "SELECT faq_id, SUM(helpful), COUNT(*) FROM faq_feedback WHERE site_id = ? GROUP BY faq_id",
    )
    .bind(site)
    .fetch_all(db)
    .await
}
