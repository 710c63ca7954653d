//! Agents: login with an Argon2id-hashed password (rate-limited), bearer
//! session tokens, and what the agent console reads and does over the API:
//! return requests and tickets (and marking them done), macros, the facts
//! about an order that macros fill in, and the numbers on campaigns and
//! self-service.
//!
//! Routes under `/api/agent` (see [`routes`]); every route but `login` and
//! `logout` needs the session token, as `Authorization: Bearer <token>` or as
//! the `aisle_agent` cookie login sets (browsers cannot put headers on a
//! WebSocket), and only ever shows the agent's own site.

use crate::AppState;
use crate::db::now;
use crate::error::AppError;
use aisle_core::api::ErrorCode;
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::extract::rejection::JsonRejection;
use axum::extract::{ConnectInfo, FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use rand::Rng;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sqlx::SqlitePool;
use std::net::SocketAddr;
use std::time::Instant;

/// How long a login lasts.
const SESSION_SECONDS: i64 = 12 * 3600;

/// Name of the session cookie set by login.
pub const SESSION_COOKIE: &str = "aisle_agent";

/// Routes under `/api/agent`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/login", post(login))
        .route("/logout", post(logout))
        .route("/me", get(me))
        .route("/returns", get(returns))
        .route("/returns/{reference}/done", post(return_done))
        .route("/tickets", get(tickets))
        .route("/tickets/{reference}/done", post(ticket_done))
        .route("/orders/{number}", get(order_facts))
        .route("/macros", get(crate::macros::list))
        .route("/stats", get(stats))
}

/// Hashes `password` with Argon2id and a random salt (a PHC string).
pub fn hash_password(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::encode_b64(&rand::rng().random::<[u8; 16]>())
        .map_err(|e| anyhow::anyhow!("salt: {e}"))?;
    Ok(Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| anyhow::anyhow!("hash: {e}"))?
        .to_string())
}

fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// Adds an agent unless one with this email exists (idempotent seeding).
pub async fn ensure_agent(
    db: &SqlitePool,
    site: &str,
    email: &str,
    name: &str,
    password: &str,
) -> anyhow::Result<()> {
    let exists: Option<(i64,)> = sqlx::query_as("SELECT id FROM agents WHERE email = ?")
        .bind(email)
        .fetch_optional(db)
        .await?;
    if exists.is_none() {
        sqlx::query(
            "INSERT INTO agents (site_id, email, name, password_hash, created_at) VALUES (?, ?, ?, ?, ?)",
        )
        .bind(site)
        .bind(email)
        .bind(name)
        .bind(hash_password(password)?)
        .bind(now())
        .execute(db)
        .await?;
    }
    Ok(())
}

/// Shortest password `aisle agents add` accepts.
pub const MIN_PASSWORD_CHARS: usize = 8;

/// Adds agent `email` (normalized: trimmed, lower-case) to `site` for
/// `aisle agents add`; returns the new agent's id. Refuses an unknown site, an
/// email already in use, an empty name and a short password.
pub async fn add(
    db: &SqlitePool,
    site: &str,
    email: &str,
    name: &str,
    password: &str,
) -> anyhow::Result<i64> {
    let email = email.trim().to_ascii_lowercase();
    let name = name.trim();
    anyhow::ensure!(
        email
            .split_once('@')
            .is_some_and(|(user, host)| !user.is_empty() && host.contains('.')),
        "{email:?} is not an email address"
    );
    anyhow::ensure!(!name.is_empty(), "the agent needs a display name (--name)");
    anyhow::ensure!(
        password.chars().count() >= MIN_PASSWORD_CHARS,
        "the password must have at least {MIN_PASSWORD_CHARS} characters"
    );
    let site_exists: Option<(String,)> = sqlx::query_as("SELECT id FROM sites WHERE id = ?")
        .bind(site)
        .fetch_optional(db)
        .await?;
    anyhow::ensure!(site_exists.is_some(), "no site {site:?} in this database");
    let taken: Option<(i64,)> = sqlx::query_as("SELECT id FROM agents WHERE email = ?")
        .bind(&email)
        .fetch_optional(db)
        .await?;
    anyhow::ensure!(
        taken.is_none(),
        "an agent with email {email} exists already"
    );
    let hash = hash_password(password)?;
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO agents (site_id, email, name, password_hash, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(site)
    .bind(&email)
    .bind(name)
    .bind(hash)
    .bind(now())
    .fetch_one(db)
    .await?;
    tracing::info!(agent = id, site, "agent added");
    Ok(id)
}

/// `POST /api/agent/login` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Login {
    /// The agent's email.
    pub email: String,
    /// The agent's password.
    pub password: String,
}

/// An agent as the API shows them.
#[derive(Debug, Clone, Serialize)]
pub struct Agent {
    /// Row id.
    pub id: i64,
    /// The site they answer for.
    pub site: String,
    /// Login email.
    pub email: String,
    /// Display name (shoppers see it).
    pub name: String,
}

fn unauthorized(message: &str) -> AppError {
    AppError::Unauthorized(message.to_owned())
}

/// The `Set-Cookie` value carrying `token` (empty with `max_age` 0: removal).
fn session_cookie(token: &str, max_age: i64) -> HeaderValue {
    let cookie =
        format!("{SESSION_COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/; Max-Age={max_age}");
    // Tokens are hex; the value is always a valid header.
    HeaderValue::from_str(&cookie).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The session token a request carries: `Authorization: Bearer`, else the
/// `aisle_agent` cookie.
pub fn session_token(headers: &HeaderMap) -> Option<String> {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    let cookie = || {
        headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(name, _)| *name == SESSION_COOKIE)
            .map(|(_, value)| value.trim())
    };
    bearer
        .or_else(cookie)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
}

async fn login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    body: Result<Json<Login>, JsonRejection>,
) -> Result<Response, AppError> {
    let Json(login) = body.map_err(|e| match e.status() {
        StatusCode::PAYLOAD_TOO_LARGE => AppError::TooLarge,
        _ => AppError::invalid(ErrorCode::BadRequest, e.body_text()),
    })?;
    let email = login.email.trim().to_ascii_lowercase();
    let now_i = Instant::now();
    let client_key = format!("login-ip:{}", peer.ip());
    let account_key = format!("login:{email}");
    let limiter = &state.login_failures;
    limiter
        .check(&client_key, now_i)
        .and(limiter.check(&account_key, now_i))
        .map_err(AppError::RateLimited)?;
    let row: Option<(i64, String, String, String)> =
        sqlx::query_as("SELECT id, site_id, name, password_hash FROM agents WHERE email = ?")
            .bind(&email)
            .fetch_optional(&state.db)
            .await?;
    // Verify against a real hash even for unknown emails, so timing does not
    // tell which emails are agents.
    let dummy = state.dummy_hash.as_str();
    let hash = row.as_ref().map_or(dummy, |r| r.3.as_str());
    let password = login.password;
    let hash_owned = hash.to_owned();
    let ok = tokio::task::spawn_blocking(move || verify_password(&password, &hash_owned))
        .await
        .map_err(|e| anyhow::anyhow!(e))?;
    let Some((id, site, name, _)) = row.filter(|_| ok) else {
        limiter.record_failure(&client_key, now_i);
        limiter.record_failure(&account_key, now_i);
        tracing::info!(client = %peer.ip(), "agent login failed");
        return Err(unauthorized("wrong email or password"));
    };
    let token = format!(
        "{:032x}{:032x}",
        rand::rng().random::<u128>(),
        rand::rng().random::<u128>()
    );
    let now = now();
    sqlx::query(
        "INSERT INTO agent_sessions (token, agent_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
    )
    .bind(&token)
    .bind(id)
    .bind(now)
    .bind(now + SESSION_SECONDS)
    .execute(&state.db)
    .await?;
    tracing::info!(agent = id, "agent logged in");
    let cookie = session_cookie(&token, SESSION_SECONDS);
    let body = Json(json!({
        "token": token,
        "expires_at": now + SESSION_SECONDS,
        "agent": Agent { id, site, email, name },
    }));
    Ok(([(header::SET_COOKIE, cookie)], body).into_response())
}

/// `POST /api/agent/logout`: ends the session the request carries (if any),
/// closes its WebSocket connections and clears the cookie. Always 204.
async fn logout(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, AppError> {
    if let Some(token) = session_token(&headers) {
        let ended = sqlx::query("DELETE FROM agent_sessions WHERE token = ?")
            .bind(&token)
            .execute(&state.db)
            .await?
            .rows_affected();
        state.chat.logout(&token);
        if ended > 0 {
            tracing::info!("agent logged out");
        }
    }
    Ok((
        StatusCode::NO_CONTENT,
        [(header::SET_COOKIE, session_cookie("", 0))],
    )
        .into_response())
}

impl FromRequestParts<AppState> for Agent {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let token = session_token(&parts.headers).ok_or_else(|| {
            unauthorized("log in first: Authorization: Bearer <token> or the aisle_agent cookie")
        })?;
        session_agent(&state.db, &token)
            .await?
            .ok_or_else(|| unauthorized("session expired; log in again"))
    }
}

/// The agent whose login session `token` is (not expired, not ended);
/// `None` otherwise. The one place sessions are looked up: the API, the
/// console socket's upgrade and its periodic re-check all use it.
pub async fn session_agent(db: &SqlitePool, token: &str) -> anyhow::Result<Option<Agent>> {
    let row: Option<(i64, String, String, String)> = sqlx::query_as(
        "SELECT a.id, a.site_id, a.email, a.name FROM agent_sessions s JOIN agents a ON a.id = s.agent_id \
         WHERE s.token = ? AND s.expires_at > ?",
    )
    .bind(token)
    .bind(now())
    .fetch_optional(db)
    .await?;
    Ok(row.map(|(id, site, email, name)| Agent {
        id,
        site,
        email,
        name,
    }))
}

async fn me(agent: Agent) -> Json<Agent> {
    Json(agent)
}

/// `GET /api/agent/returns`: the site's return requests, newest first.
async fn returns(agent: Agent, State(state): State<AppState>) -> Result<Json<Value>, AppError> {
    type Row = (String, i64, String, String, String, String, String, i64);
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT reference, order_number, email, items, reason, comment, status, created_at \
         FROM return_requests WHERE site_id = ? ORDER BY created_at DESC, rowid DESC LIMIT 200",
    )
    .bind(&agent.site)
    .fetch_all(&state.db)
    .await?;
    let list: Vec<Value> = rows
        .into_iter()
        .map(
            |(reference, order, email, items, reason, comment, status, at)| {
                json!({
                    "reference": reference, "order": order, "email": email,
                    "items": serde_json::from_str::<Value>(&items).unwrap_or(Value::Null),
                    "reason": reason, "comment": comment, "status": status, "created_at": at,
                })
            },
        )
        .collect();
    Ok(Json(json!({ "returns": list })))
}

/// `GET /api/agent/tickets`: reported issues and messages, newest first, with
/// the self-service steps the shopper took before.
async fn tickets(agent: Agent, State(state): State<AppState>) -> Result<Json<Value>, AppError> {
    type Row = (
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
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT reference, kind, order_number, email, issue, body, context, status, created_at \
         FROM tickets WHERE site_id = ? ORDER BY created_at DESC, rowid DESC LIMIT 200",
    )
    .bind(&agent.site)
    .fetch_all(&state.db)
    .await?;
    let list: Vec<Value> = rows
        .into_iter()
        .map(
            |(reference, kind, order, email, issue, body, context, status, at)| {
                json!({
                    "reference": reference, "kind": kind, "order": order, "email": email,
                    "issue": issue, "body": body,
                    "steps": serde_json::from_str::<Value>(&context).unwrap_or(Value::Null),
                    "status": status, "created_at": at,
                })
            },
        )
        .collect();
    Ok(Json(json!({ "tickets": list })))
}

/// Marks the row `reference` of `table` done for the agent's site; 404 when
/// the site has no such row (another site's reference looks the same).
async fn mark_done(
    db: &SqlitePool,
    table: &'static str,
    agent: &Agent,
    reference: &str,
) -> Result<StatusCode, AppError> {
    let sql = format!(
        "UPDATE {table} SET status = 'done', done_by = ?, done_at = ? WHERE reference = ? AND site_id = ?"
    );
    let updated = sqlx::query(&sql)
        .bind(agent.id)
        .bind(now())
        .bind(reference)
        .bind(&agent.site)
        .execute(db)
        .await?
        .rows_affected();
    if updated == 0 {
        return Err(AppError::NotFound(
            ErrorCode::NotFound,
            "no such reference on this site",
        ));
    }
    tracing::info!(agent = agent.id, table, reference, "marked done");
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/agent/tickets/{reference}/done`: the agent dealt with the ticket.
async fn ticket_done(
    agent: Agent,
    State(state): State<AppState>,
    Path(reference): Path<String>,
) -> Result<StatusCode, AppError> {
    mark_done(&state.db, "tickets", &agent, &reference).await
}

/// `POST /api/agent/returns/{reference}/done`: the agent dealt with the return request.
async fn return_done(
    agent: Agent,
    State(state): State<AppState>,
    Path(reference): Path<String>,
) -> Result<StatusCode, AppError> {
    mark_done(&state.db, "return_requests", &agent, &reference).await
}

/// `GET /api/agent/orders/{number}`: what the console's macros fill in about
/// an order of the agent's site (`{{order.tracking_url}}`).
async fn order_facts(
    agent: Agent,
    State(state): State<AppState>,
    Path(number): Path<u32>,
) -> Result<Json<Value>, AppError> {
    type Row = (
        String,
        String,
        Option<String>,
        Option<String>,
        Option<String>,
    );
    let row: Option<Row> = sqlx::query_as(
        "SELECT email, state, carrier, tracking_number, tracking_url FROM orders \
         WHERE site_id = ? AND number = ?",
    )
    .bind(&agent.site)
    .bind(number)
    .fetch_optional(&state.db)
    .await?;
    let (email, order_state, carrier, tracking_number, tracking_url) = row.ok_or(
        AppError::NotFound(ErrorCode::NotFound, "no such order on this site"),
    )?;
    Ok(Json(json!({
        "number": number, "email": email, "state": order_state, "carrier": carrier,
        "tracking_number": tracking_number, "tracking_url": tracking_url,
    })))
}

/// Routes under `/api/sites/{site}` for agents of that site.
pub fn site_routes() -> Router<AppState> {
    Router::new()
        .route("/sites/{site}/stats", get(site_stats))
        .route("/sites/{site}/campaigns/stats", get(campaign_stats))
}

/// The agent's own site, or 403 for any other.
fn own_site(agent: &Agent, site: &str) -> Result<(), AppError> {
    if agent.site == site {
        Ok(())
    } else {
        Err(AppError::Forbidden("agents see only their own site".into()))
    }
}

/// `GET /api/sites/{site}/stats`: [`stats`] for a named site.
async fn site_stats(
    agent: Agent,
    state: State<AppState>,
    Path(site): Path<String>,
) -> Result<Json<Value>, AppError> {
    own_site(&agent, &site)?;
    stats(agent, state).await
}

/// `GET /api/sites/{site}/campaigns/stats`: per campaign, events by kind in
/// total and per UTC day.
async fn campaign_stats(
    agent: Agent,
    State(state): State<AppState>,
    Path(site): Path<String>,
) -> Result<Json<Value>, AppError> {
    own_site(&agent, &site)?;
    let rows: Vec<(String, String, String, i64)> = sqlx::query_as(
        "SELECT campaign_id, day, kind, count FROM campaign_events WHERE site_id = ? \
         ORDER BY campaign_id, day",
    )
    .bind(&site)
    .fetch_all(&state.db)
    .await?;
    let zero = || json!({ "shown": 0, "clicked": 0, "dismissed": 0, "conversation_started": 0 });
    let mut campaigns = serde_json::Map::new();
    for (id, day, kind, count) in rows {
        let entry = campaigns
            .entry(id)
            .or_insert_with(|| json!({ "total": zero(), "days": {} }));
        let total = entry["total"][kind.as_str()].as_i64().unwrap_or(0) + count;
        entry["total"][kind.as_str()] = json!(total);
        let days = &mut entry["days"];
        if days.get(&day).is_none() {
            days[&day] = zero();
        }
        days[&day][kind.as_str()] = json!(count);
    }
    Ok(Json(json!({ "campaigns": campaigns })))
}

/// `GET /api/agent/stats`: what each campaign did (events by kind, all days
/// summed), how self-service flows ended (deflection), and FAQ feedback.
async fn stats(agent: Agent, State(state): State<AppState>) -> Result<Json<Value>, AppError> {
    let events: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT campaign_id, kind, SUM(count) FROM campaign_events WHERE site_id = ? \
         GROUP BY campaign_id, kind ORDER BY campaign_id",
    )
    .bind(&agent.site)
    .fetch_all(&state.db)
    .await?;
    let mut campaigns = serde_json::Map::new();
    for (id, kind, count) in events {
        let entry = campaigns.entry(id).or_insert_with(
            || json!({ "shown": 0, "clicked": 0, "dismissed": 0, "conversation_started": 0 }),
        );
        entry[kind.as_str()] = json!(count);
    }
    let outcomes: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT flow, outcome, COUNT(*) FROM flow_outcomes WHERE site_id = ? GROUP BY flow, outcome",
    )
    .bind(&agent.site)
    .fetch_all(&state.db)
    .await?;
    let mut flows = serde_json::Map::new();
    let (mut resolved, mut total) = (0, 0);
    for (flow, outcome, count) in outcomes {
        let entry = flows
            .entry(flow)
            .or_insert_with(|| json!({ "started": 0, "resolved": 0, "handoff": 0 }));
        entry[outcome.as_str()] = json!(count);
        match outcome.as_str() {
            "started" => total += count,
            "resolved" => resolved += count,
            _ => {}
        }
    }
    let feedback: Vec<(String, i64, i64)> = sqlx::query_as(
        "SELECT faq_id, SUM(helpful), COUNT(*) FROM faq_feedback WHERE site_id = ? GROUP BY faq_id",
    )
    .bind(&agent.site)
    .fetch_all(&state.db)
    .await?;
    let faq: serde_json::Map<String, Value> = feedback
        .into_iter()
        .map(|(id, yes, all)| (id, json!({ "helpful": yes, "not_helpful": all - yes })))
        .collect();
    Ok(Json(json!({
        "campaigns": campaigns,
        "self_service": {
            "flows": flows,
            "started": total,
            "resolved": resolved,
            // Share of started flows that ended without an agent.
            "deflection": if total > 0 { resolved as f64 / total as f64 } else { 0.0 },
        },
        "faq": faq,
    })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_session_comes_from_the_bearer_header_or_the_cookie() {
        let mut headers = HeaderMap::new();
        assert_eq!(session_token(&headers), None);
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("theme=dark; aisle_agent=abc123; x=1"),
        );
        assert_eq!(session_token(&headers).as_deref(), Some("abc123"));
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer  def456 "),
        );
        assert_eq!(session_token(&headers).as_deref(), Some("def456"));
        let mut empty = HeaderMap::new();
        empty.insert(header::COOKIE, HeaderValue::from_static("aisle_agent="));
        assert_eq!(session_token(&empty), None);
        let cookie = session_cookie("abc", 60);
        let cookie = cookie.to_str().unwrap();
        for part in ["aisle_agent=abc", "HttpOnly", "SameSite=Strict", "Path=/"] {
            assert!(cookie.contains(part), "{cookie}");
        }
    }

    #[test]
    fn passwords_are_salted_argon2id_and_verify() {
        let a = hash_password("demo-agent").unwrap();
        let b = hash_password("demo-agent").unwrap();
        assert!(a.starts_with("$argon2id$"));
        assert_ne!(a, b, "salted");
        assert!(verify_password("demo-agent", &a));
        assert!(!verify_password("demo-agent ", &a));
        assert!(!verify_password("demo-agent", "not a hash"));
    }
}
