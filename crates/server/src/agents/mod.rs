//! Agents: login with an Argon2id-hashed password (rate-limited), bearer
//! session tokens, and what the agent console reads and does over the API.
//! - [`auth`]: passwords, roles, adding agents, login and logout, sessions
//!   and the [`Agent`] extractor;
//! - [`api`]: return requests and tickets (a page at a time, marking them
//!   done), the facts about an order that macros fill in, and the requests
//!   the merchant's system never received;
//! - [`stats`]: the numbers on campaigns and self-service;
//! - [`store`]: their SQL (the repository: handlers call it only).
//!
//! Routes under `/api/agent` (see [`routes`]; the app adds the team, macros,
//! tags, hours and email-reply routes beside them); every route but `login`
//! and `logout` needs the session token, as `Authorization: Bearer <token>` or
//! as the `aisle_agent` cookie login sets (browsers cannot put headers on a
//! WebSocket), and only ever shows the agent's own site.

pub mod api;
pub mod auth;
pub mod stats;
pub mod store;

use crate::AppState;
use axum::Router;
use axum::routing::get;

pub use api::{PAGE_DEFAULT, PAGE_MAX};
pub(crate) use auth::secure_cookies;
pub use auth::{
    Agent, Login, MIN_PASSWORD_CHARS, PASSWORD_WORKERS, PasswordPool, Role, SECURE_SESSION_COOKIE,
    SESSION_COOKIE, add, ensure_agent, hash_password, is_email, session_agent, session_token,
    token_digest,
};
pub use stats::site_routes;

/// The agents' own routes under `/api/agent`: login, logout, `me`, return
/// requests, tickets, orders, store requests and stats.
pub fn routes() -> Router<AppState> {
    auth::routes()
        .merge(api::routes())
        .route("/stats", get(stats::stats))
}
