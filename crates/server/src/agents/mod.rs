//! Agents: who they are and what they see of the numbers.
//! - [`auth`]: Argon2id passwords, roles, adding agents, login (rate-limited)
//!   and logout, bearer and cookie sessions, and the [`Agent`] extractor;
//! - [`stats`]: the numbers on campaigns and self-service;
//! - [`store`]: their SQL (the repository: the handlers call it only).
//!
//! Routes under `/api/agent` (see [`routes`]; the app adds the desk's, the
//! team's, macros', tags', hours' and email replies' routes beside them);
//! every route but `login` and `logout` needs the session token, as
//! `Authorization: Bearer <token>` or as the `aisle_agent` cookie login sets
//! (browsers cannot put headers on a WebSocket), and only ever shows the
//! agent's own site.

pub mod auth;
pub mod stats;
pub mod store;

use crate::AppState;
use axum::Router;
use axum::routing::get;

pub(crate) use auth::secure_cookies;
pub use auth::{
    Agent, Login, MIN_PASSWORD_CHARS, PASSWORD_WORKERS, PasswordPool, Role, SECURE_SESSION_COOKIE,
    SESSION_COOKIE, add, ensure_agent, hash_password, is_email, session_agent, session_token,
    token_digest,
};
pub use stats::site_routes;

/// The agents' own routes under `/api/agent`: login, logout, `me` and stats.
pub fn routes() -> Router<AppState> {
    auth::routes().route("/stats", get(stats::stats))
}
