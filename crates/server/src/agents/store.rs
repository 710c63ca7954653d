//! What the agents' side reads and writes in the database: agent accounts
//! and login sessions, and the totals behind the stats. Handlers in
//! [`super::auth`] and [`super::stats`] call these functions only; a second
//! database backend replaces this file.

use crate::db::Db;

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
pub async fn account_by_email(db: &Db, email: &str) -> sqlx::Result<Option<Account>> {
    let row: Option<(i64, String, String, String, String, String)> = sqlx::query_as(
        "SELECT id, site_id, name, password_hash, role, status FROM agents WHERE email = $1",
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
pub async fn email_taken(db: &Db, email: &str) -> sqlx::Result<bool> {
    let taken: Option<(i64,)> = sqlx::query_as("SELECT id FROM agents WHERE email = $1")
        .bind(email)
        .fetch_optional(db)
        .await?;
    Ok(taken.is_some())
}

/// Whether the database has site `site`.
pub async fn site_exists(db: &Db, site: &str) -> sqlx::Result<bool> {
    let found: Option<(String,)> = sqlx::query_as("SELECT id FROM sites WHERE id = $1")
        .bind(site)
        .fetch_optional(db)
        .await?;
    Ok(found.is_some())
}

/// Adds an agent to `site` (role `role`, or the table's default when `None`); the new id.
pub async fn insert_agent(
    db: &Db,
    site: &str,
    email: &str,
    name: &str,
    password_hash: &str,
    role: Option<&str>,
    at: i64,
) -> sqlx::Result<i64> {
    let (id,): (i64,) = match role {
        Some(role) => sqlx::query_as(
            "INSERT INTO agents (site_id, email, name, password_hash, created_at, role) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
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
            "INSERT INTO agents (site_id, email, name, password_hash, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
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
    db: &Db,
    digest: &str,
    agent: i64,
    at: i64,
    expires_at: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO agent_sessions (token, agent_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
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
pub async fn end_session(db: &Db, digest: &str) -> sqlx::Result<bool> {
    let ended = sqlx::query("DELETE FROM agent_sessions WHERE token = $1")
        .bind(digest)
        .execute(db)
        .await?
        .rows_affected();
    Ok(ended > 0)
}

/// The active agent of the unexpired session with token digest `digest`:
/// (id, site, email, name, role).
pub async fn session_agent(
    db: &Db,
    digest: &str,
    now: i64,
) -> sqlx::Result<Option<(i64, String, String, String, String)>> {
    sqlx::query_as(
        "SELECT a.id, a.site_id, a.email, a.name, a.role FROM agent_sessions s JOIN agents a ON a.id = s.agent_id \
         WHERE s.token = $1 AND s.expires_at > $2 AND a.status = 'active'",
    )
    .bind(digest)
    .bind(now)
    .fetch_optional(db)
    .await
}

/// `site`'s campaign events summed over all days: (campaign, kind, count).
pub async fn campaign_event_totals(
    db: &Db,
    site: &str,
) -> sqlx::Result<Vec<(String, String, i64)>> {
    sqlx::query_as(
        "SELECT campaign_id, kind, CAST(SUM(count) AS BIGINT) FROM campaign_events WHERE site_id = $1 \
         GROUP BY campaign_id, kind ORDER BY campaign_id",
    )
    .bind(site)
    .fetch_all(db)
    .await
}

/// How `site`'s self-service flows ended: (flow, outcome, count).
pub async fn flow_outcome_totals(
    db: &Db,
    site: &str,
) -> sqlx::Result<Vec<(String, String, i64)>> {
    sqlx::query_as(
        "SELECT flow, outcome, COUNT(*) FROM flow_outcomes WHERE site_id = $1 GROUP BY flow, outcome",
    )
    .bind(site)
    .fetch_all(db)
    .await
}

/// `site`'s FAQ feedback: (answer id, helpful votes, all votes).
pub async fn faq_feedback_totals(
    db: &Db,
    site: &str,
) -> sqlx::Result<Vec<(String, i64, i64)>> {
    sqlx::query_as(
        "SELECT faq_id, CAST(SUM(helpful) AS BIGINT), COUNT(*) FROM faq_feedback WHERE site_id = $1 GROUP BY faq_id",
    )
    .bind(site)
    .fetch_all(db)
    .await
}
