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
pub async fn flow_outcome_totals(db: &Db, site: &str) -> sqlx::Result<Vec<(String, String, i64)>> {
    sqlx::query_as(
        "SELECT flow, outcome, COUNT(*) FROM flow_outcomes WHERE site_id = $1 GROUP BY flow, outcome",
    )
    .bind(site)
    .fetch_all(db)
    .await
}

/// `site`'s FAQ feedback: (answer id, helpful votes, all votes).
pub async fn faq_feedback_totals(db: &Db, site: &str) -> sqlx::Result<Vec<(String, i64, i64)>> {
    sqlx::query_as(
        "SELECT faq_id, CAST(SUM(helpful) AS BIGINT), COUNT(*) FROM faq_feedback WHERE site_id = $1 GROUP BY faq_id",
    )
    .bind(site)
    .fetch_all(db)
    .await
}

/// A team member as the Team page lists them: (id, name, email, role, status).
pub type Member = (i64, String, String, String, String);

/// Agent `id` of `site`, if there is one.
pub async fn member(db: &Db, site: &str, id: i64) -> sqlx::Result<Option<Member>> {
    sqlx::query_as(
        "SELECT id, name, email, role, status FROM agents WHERE id = $1 AND site_id = $2",
    )
    .bind(id)
    .bind(site)
    .fetch_optional(db)
    .await
}

/// `site`'s agents by name (whatever the case), then id.
pub async fn team(db: &Db, site: &str) -> sqlx::Result<Vec<Member>> {
    sqlx::query_as(
        "SELECT id, name, email, role, status FROM agents WHERE site_id = $1 ORDER BY lower(name), id",
    )
    .bind(site)
    .fetch_all(db)
    .await
}

/// Stores link `digest` (`purpose`: `invite` or `reset`) for `agent` of
/// `site`, valid from `at` until `expires_at`, in place of the agent's
/// earlier links (one transaction).
pub async fn replace_link(
    db: &Db,
    digest: &str,
    agent: i64,
    site: &str,
    purpose: &str,
    at: i64,
    expires_at: i64,
) -> sqlx::Result<()> {
    let mut tx = db.begin().await?;
    sqlx::query("DELETE FROM agent_links WHERE agent_id = $1")
        .bind(agent)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO agent_links (token, agent_id, site_id, purpose, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(digest)
    .bind(agent)
    .bind(site)
    .bind(purpose)
    .bind(at)
    .bind(expires_at)
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

/// Invitations of `site` not used and not expired at `now`.
pub async fn open_invites(db: &Db, site: &str, now: i64) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM agent_links WHERE site_id = $1 AND purpose = 'invite' AND expires_at > $2",
    )
    .bind(site)
    .bind(now)
    .fetch_one(db)
    .await
}

/// Adds an invited agent (no password yet); the new id. A unique violation
/// means the email is taken (two admins inviting it at once: one wins).
pub async fn insert_invited(
    db: &Db,
    site: &str,
    email: &str,
    name: &str,
    role: &str,
    at: i64,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO agents (site_id, email, name, password_hash, created_at, role, status) \
         VALUES ($1, $2, $3, '', $4, $5, 'invited') RETURNING id",
    )
    .bind(site)
    .bind(email)
    .bind(name)
    .bind(at)
    .bind(role)
    .fetch_one(db)
    .await
}

/// Ends every login session of `agent`.
pub async fn end_sessions_of(db: &Db, agent: i64) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM agent_sessions WHERE agent_id = $1")
        .bind(agent)
        .execute(db)
        .await?;
    Ok(())
}

/// Disables agent `id` of `site` and drops their unused links.
pub async fn disable(db: &Db, site: &str, id: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE agents SET status = 'disabled' WHERE id = $1 AND site_id = $2")
        .bind(id)
        .bind(site)
        .execute(db)
        .await?;
    sqlx::query("DELETE FROM agent_links WHERE agent_id = $1")
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}

/// Enables disabled agent `id` of `site` again (`invited` when they never
/// set a password).
pub async fn enable(db: &Db, site: &str, id: i64) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE agents SET status = CASE WHEN password_hash = '' THEN 'invited' ELSE 'active' END \
         WHERE id = $1 AND site_id = $2 AND status = 'disabled'",
    )
    .bind(id)
    .bind(site)
    .execute(db)
    .await?;
    Ok(())
}

/// Gives agent `id` of `site` `role`, unless that would leave the site
/// without an active admin (one statement: two admins demoting each other at
/// once cannot both win); whether it changed.
pub async fn set_role(db: &Db, site: &str, id: i64, role: &str) -> sqlx::Result<bool> {
    let changed = sqlx::query(
        "UPDATE agents SET role = $1 WHERE id = $2 AND site_id = $3 AND ($1 = 'admin' OR \
         (SELECT COUNT(*) FROM agents WHERE site_id = $3 AND role = 'admin' AND status = 'active' AND id != $2) > 0)",
    )
    .bind(role)
    .bind(id)
    .bind(site)
    .execute(db)
    .await?
    .rows_affected();
    Ok(changed > 0)
}

/// The active agent with login `email`: (id, site, name).
pub async fn active_by_email(db: &Db, email: &str) -> sqlx::Result<Option<(i64, String, String)>> {
    sqlx::query_as("SELECT id, site_id, name FROM agents WHERE email = $1 AND status = 'active'")
        .bind(email)
        .fetch_optional(db)
        .await
}

/// The agent (id, site) link `digest` is for, if it is unexpired at `now`
/// and the agent not disabled.
pub async fn link_agent(db: &Db, digest: &str, now: i64) -> sqlx::Result<Option<(i64, String)>> {
    sqlx::query_as(
        "SELECT l.agent_id, l.site_id FROM agent_links l JOIN agents a ON a.id = l.agent_id \
         WHERE l.token = $1 AND l.expires_at > $2 AND a.status != 'disabled'",
    )
    .bind(digest)
    .bind(now)
    .fetch_optional(db)
    .await
}

/// Spends link `digest` of agent `id` and sets their password hash (the
/// account becomes active), in one transaction; `false` when the link was
/// spent already (of two tabs sending the form, one wins).
pub async fn spend_link(db: &Db, digest: &str, id: i64, hash: &str) -> sqlx::Result<bool> {
    let mut tx = db.begin().await?;
    let spent = sqlx::query("DELETE FROM agent_links WHERE token = $1 AND agent_id = $2")
        .bind(digest)
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if spent == 0 {
        return Ok(false);
    }
    sqlx::query(
        "UPDATE agents SET password_hash = $1, status = 'active' WHERE id = $2 AND status != 'disabled'",
    )
    .bind(hash)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(true)
}
