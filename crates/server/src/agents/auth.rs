//! Who an agent is: Argon2id password hashes (checked on a small pool of
//! workers with bounded memory), roles, adding agents, login (rate-limited)
//! and logout, bearer and cookie sessions stored as digests, and the
//! [`Agent`] extractor every agent route takes.

use super::store;
use crate::AppState;
use crate::client::ClientIp;
use crate::db::Db;
use crate::db::now;
use crate::error::{ApiJson, AppError};
use crate::ratelimit::Rule;
use aisle_core::agent_api::{AgentInfo, LoginAnswer};
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, SaltString};
use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use rand::Rng;
use serde::Serialize;
use std::net::SocketAddr;
/// How long a login lasts.
const SESSION_SECONDS: i64 = 12 * 3600;

/// Name of the session cookie set by login.
pub const SESSION_COOKIE: &str = "aisle_agent";

/// Login, logout and `me` under `/api/agent`.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/login", post(login))
        .route("/logout", post(logout))
        .route("/me", get(me))
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

/// Argon2 runs at once at most: each holds its memory (19 MiB by default)
/// and a core for tens of milliseconds; more would only queue on the CPU.
pub const PASSWORD_WORKERS: usize = 2;

/// Largest Argon2 memory a stored hash may ask for (64 MiB).
const MAX_PASSWORD_BLOCKS: usize = 64 * 1024;

/// Password checks, [`PASSWORD_WORKERS`] at a time, each on a memory buffer
/// that is kept and reused: a burst of logins queues here instead of asking
/// the blocking pool for hundreds of threads and gigabytes of buffers, and
/// the server's memory stays flat after it.
#[derive(Debug)]
pub struct PasswordPool {
    slots: tokio::sync::Semaphore,
    buffers: std::sync::Mutex<Vec<Vec<argon2::Block>>>,
}

impl PasswordPool {
    /// A pool running `workers` checks at a time.
    pub fn new(workers: usize) -> Self {
        PasswordPool {
            slots: tokio::sync::Semaphore::new(workers.max(1)),
            buffers: std::sync::Mutex::new(Vec::new()),
        }
    }

    /// Whether `password` matches the PHC string `hash`.
    pub async fn verify(&self, password: String, hash: String) -> anyhow::Result<bool> {
        let _slot = self.slots.acquire().await?;
        let mut buffer = self
            .buffers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .pop()
            .unwrap_or_default();
        let (ok, buffer) = tokio::task::spawn_blocking(move || {
            let ok = verify_with_memory(&password, &hash, &mut buffer);
            (ok, buffer)
        })
        .await?;
        self.buffers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(buffer);
        Ok(ok)
    }

    /// [`hash_password`] of `password`, in turn with the checks (an agent
    /// setting a password costs what a login does).
    pub async fn hash(&self, password: String) -> anyhow::Result<String> {
        let _slot = self.slots.acquire().await?;
        tokio::task::spawn_blocking(move || hash_password(&password)).await?
    }
}

/// Verifies `password` against the PHC string `hash`, computing in `memory`
/// (grown as needed and left allocated for the next check).
fn verify_with_memory(password: &str, hash: &str, memory: &mut Vec<argon2::Block>) -> bool {
    use argon2::{Algorithm, Params, Version};
    let Ok(parsed) = PasswordHash::new(hash) else {
        return false;
    };
    let (Some(expected), Some(salt)) = (parsed.hash, parsed.salt) else {
        return false;
    };
    let (Ok(algorithm), Ok(params)) = (
        Algorithm::try_from(parsed.algorithm),
        Params::try_from(&parsed),
    ) else {
        return false;
    };
    let version = parsed
        .version
        .map_or(Ok(Version::default()), Version::try_from);
    let Ok(version) = version else {
        return false;
    };
    let blocks = params.block_count();
    if blocks > MAX_PASSWORD_BLOCKS {
        return false;
    }
    let mut salt_bytes = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_bytes) else {
        return false;
    };
    if memory.len() < blocks {
        memory.resize(blocks, argon2::Block::default());
    }
    let mut out = vec![0u8; expected.len()];
    let computed = Argon2::new(algorithm, version, params).hash_password_into_with_memory(
        password.as_bytes(),
        salt,
        &mut out,
        &mut memory[..blocks],
    );
    // `Output`'s equality is constant-time.
    computed.is_ok()
        && argon2::password_hash::Output::new(&out).is_ok_and(|computed| computed == expected)
}

/// Adds an agent (role `agent`) unless one with this email exists
/// (idempotent seeding).
pub async fn ensure_agent(
    db: &Db,
    site: &str,
    email: &str,
    name: &str,
    password: &str,
) -> anyhow::Result<()> {
    if !store::email_taken(db, email).await? {
        store::insert_agent(
            db,
            site,
            email,
            name,
            &hash_password(password)?,
            None,
            now(),
        )
        .await?;
    }
    Ok(())
}

/// Shortest password `aisle agents add` accepts.
pub const MIN_PASSWORD_CHARS: usize = 8;

/// What an agent may do (`admin` or `agent`): the agent API's type.
pub use aisle_core::agent_api::Role;

/// Whether `email` looks like an email address (something@host.tld).
pub fn is_email(email: &str) -> bool {
    email
        .split_once('@')
        .is_some_and(|(user, host)| !user.is_empty() && host.contains('.') && !host.contains('@'))
}

/// Adds agent `email` (normalized: trimmed, lower-case) to `site` for
/// `aisle agents add`, with `role`; returns the new agent's id. Refuses an
/// unknown site, an email already in use, an empty name and a short password.
pub async fn add(
    db: &Db,
    site: &str,
    email: &str,
    name: &str,
    password: &str,
    role: Role,
) -> anyhow::Result<i64> {
    let email = email.trim().to_ascii_lowercase();
    let name = name.trim();
    anyhow::ensure!(is_email(&email), "{email:?} is not an email address");
    anyhow::ensure!(!name.is_empty(), "the agent needs a display name (--name)");
    anyhow::ensure!(
        password.chars().count() >= MIN_PASSWORD_CHARS,
        "the password must have at least {MIN_PASSWORD_CHARS} characters"
    );
    anyhow::ensure!(
        store::site_exists(db, site).await?,
        "no site {site:?} in this database"
    );
    anyhow::ensure!(
        !store::email_taken(db, &email).await?,
        "an agent with email {email} exists already"
    );
    let hash = hash_password(password)?;
    let id = store::insert_agent(db, site, &email, name, &hash, Some(role.name()), now()).await?;
    tracing::info!(agent = id, site, role = role.name(), "agent added");
    Ok(id)
}

/// `POST /api/agent/login` body.
pub use aisle_core::agent_api::LoginRequest as Login;

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
    /// What they may do.
    pub role: Role,
}

impl Agent {
    /// Whether they manage the team.
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    /// As the agent API shows them (`/me`, the login answer).
    pub fn info(&self) -> AgentInfo {
        AgentInfo {
            id: self.id,
            site: self.site.clone(),
            email: self.email.clone(),
            name: self.name.clone(),
            role: self.role,
        }
    }
}

pub(crate) fn unauthorized(message: &str) -> AppError {
    AppError::Unauthorized(message.to_owned())
}

/// Name of the session cookie when cookies are `Secure` (HTTPS): the
/// `__Host-` prefix makes the browser refuse it from plain HTTP, from another
/// path and from subdomains.
pub const SECURE_SESSION_COOKIE: &str = "__Host-aisle_agent";

/// The `Set-Cookie` value carrying `token` (empty with `max_age` 0: removal).
fn session_cookie(token: &str, max_age: i64, secure: bool) -> HeaderValue {
    let cookie = if secure {
        format!(
            "{SECURE_SESSION_COOKIE}={token}; Secure; HttpOnly; SameSite=Strict; Path=/; Max-Age={max_age}"
        )
    } else {
        format!("{SESSION_COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/; Max-Age={max_age}")
    };
    // Tokens are hex; the value is always a valid header.
    HeaderValue::from_str(&cookie).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// Whether this request's cookies should be `Secure`: `--secure-cookies`, or
/// a trusted proxy says the request came over HTTPS.
pub(crate) fn secure_cookies(
    state: &AppState,
    parts_peer: std::net::IpAddr,
    headers: &HeaderMap,
) -> bool {
    state.network.secure_cookies || state.network.trusted_proxies.is_https(parts_peer, headers)
}

/// The session token a request carries: `Authorization: Bearer`, else the
/// `__Host-aisle_agent` or `aisle_agent` cookie.
pub fn session_token(headers: &HeaderMap) -> Option<String> {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    let cookie = || {
        let pairs = || {
            headers
                .get_all(header::COOKIE)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(';'))
                .filter_map(|pair| pair.trim().split_once('='))
        };
        let named = |wanted: &str| {
            pairs()
                .find(|(name, value)| *name == wanted && !value.trim().is_empty())
                .map(|(_, value)| value.trim())
        };
        named(SECURE_SESSION_COOKIE).or_else(|| named(SESSION_COOKIE))
    };
    bearer
        .or_else(cookie)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
}

/// What the database keeps of a session token: its SHA-256, so a leaked
/// database (or backup) holds no usable sessions.
pub fn token_digest(token: &str) -> String {
    crate::db::digest(token)
}

/// The agent whose login session `token` is (not expired, not ended);
/// `None` otherwise. The one place sessions are looked up: the API, the
/// console socket's upgrade and its periodic re-check all use it.
pub async fn session_agent(db: &Db, token: &str) -> Result<Option<Agent>, sqlx::Error> {
    let row = store::session_agent(db, &token_digest(token), now()).await?;
    Ok(row.map(|(id, site, email, name, role)| Agent {
        id,
        site,
        email,
        name,
        role: Role::from_name(&role),
    }))
}

async fn login(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    ApiJson(login): ApiJson<Login>,
) -> Result<Response, AppError> {
    let email = login.email.trim().to_ascii_lowercase();
    // A slot is reserved before the password is checked, so parallel guesses
    // cannot overshoot the limit; it is given back when the login succeeds.
    // One address's misses count once against an account: a stranger cannot
    // lock an agent out alone.
    let client_key = format!("login-ip:{client}");
    let rules = [
        Rule::new(client_key.clone(), crate::LOGIN_FAILURES),
        Rule::per_client(format!("login:{email}"), crate::ACCOUNT_FAILURE_CLIENTS),
    ];
    let attempt = state
        .login_failures
        .attempt_shared(state.shared_limits(), &client_key, &rules)
        .await
        .map_err(AppError::RateLimited)?;
    let row = store::account_by_email(&state.db, &email).await?;
    // Verify against a real hash even for unknown emails, so timing does not
    // tell which emails are agents.
    let dummy = state.dummy_hash.as_str();
    // An invited agent has no password yet: the same work, the same answer.
    let hash = row
        .as_ref()
        .map(|r| r.password_hash.as_str())
        .filter(|h| !h.is_empty())
        .unwrap_or(dummy)
        .to_owned();
    let ok = state.passwords.verify(login.password, hash).await?;
    // Without a password of its own, the dummy's match is no match.
    let ok = ok && row.as_ref().is_some_and(|r| !r.password_hash.is_empty());
    let Some(store::Account {
        id,
        site,
        name,
        role,
        status,
        ..
    }) = row.filter(|_| ok)
    else {
        attempt.failed();
        tracing::info!(%client, "agent login failed");
        return Err(unauthorized("wrong email or password"));
    };
    attempt.succeeded().await;
    // Only someone who knows the password learns that the account is disabled.
    if status != "active" {
        tracing::info!(agent = id, status, "login to an account that is not active");
        return Err(AppError::Forbidden("This account is disabled".into()));
    }
    let role = Role::from_name(&role);
    let token = format!(
        "{:032x}{:032x}",
        rand::rng().random::<u128>(),
        rand::rng().random::<u128>()
    );
    let now = now();
    store::open_session(
        &state.db,
        &token_digest(&token),
        id,
        now,
        now + SESSION_SECONDS,
    )
    .await?;
    tracing::info!(agent = id, "agent logged in");
    let cookie = session_cookie(
        &token,
        SESSION_SECONDS,
        secure_cookies(&state, peer.ip(), &headers),
    );
    let body = Json(LoginAnswer {
        token,
        expires_at: now + SESSION_SECONDS,
        agent: AgentInfo {
            id,
            site,
            email,
            name,
            role,
        },
    });
    Ok(([(header::SET_COOKIE, cookie)], body).into_response())
}

/// `POST /api/agent/logout`: ends the session the request carries (if any),
/// closes its WebSocket connections and clears the cookie. Always 204.
async fn logout(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    if let Some(token) = session_token(&headers) {
        let ended = store::end_session(&state.db, &token_digest(&token)).await?;
        state.chat.logout(&token);
        if ended {
            tracing::info!("agent logged out");
        }
    }
    let secure = secure_cookies(&state, peer.ip(), &headers);
    Ok((
        StatusCode::NO_CONTENT,
        [(header::SET_COOKIE, session_cookie("", 0, secure))],
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

/// `GET /api/agent/me`: who is logged in, with their role.
async fn me(agent: Agent) -> Json<AgentInfo> {
    Json(agent.info())
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
        let cookie = session_cookie("abc", 60, false);
        let cookie = cookie.to_str().unwrap();
        for part in ["aisle_agent=abc", "HttpOnly", "SameSite=Strict", "Path=/"] {
            assert!(cookie.contains(part), "{cookie}");
        }
        assert!(!cookie.contains("Secure"), "{cookie}");
        // Over HTTPS: Secure, with the __Host- prefix, and read back.
        let cookie = session_cookie("abc", 60, true);
        let cookie = cookie.to_str().unwrap();
        assert!(
            cookie.starts_with("__Host-aisle_agent=abc; Secure;"),
            "{cookie}"
        );
        let mut secure = HeaderMap::new();
        secure.insert(
            header::COOKIE,
            HeaderValue::from_static("aisle_agent=; __Host-aisle_agent=xyz"),
        );
        assert_eq!(session_token(&secure).as_deref(), Some("xyz"));
    }

    #[test]
    fn passwords_are_salted_argon2id_and_verify() {
        let a = hash_password("demo-agent").unwrap();
        let b = hash_password("demo-agent").unwrap();
        assert!(a.starts_with("$argon2id$"));
        assert_ne!(a, b, "salted");
        let verify =
            |password: &str, hash: &str| verify_with_memory(password, hash, &mut Vec::new());
        assert!(verify("demo-agent", &a));
        assert!(!verify("demo-agent ", &a));
        assert!(!verify("demo-agent", "not a hash"));
        // The pooled check agrees, reusing one buffer across checks.
        let mut memory = Vec::new();
        assert!(verify_with_memory("demo-agent", &a, &mut memory));
        assert!(!verify_with_memory("wrong", &a, &mut memory));
        assert!(verify_with_memory("demo-agent", &b, &mut memory));
    }
}
