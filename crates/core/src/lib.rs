//! Aisle's shared model, compiled both to WebAssembly (the widget) and natively
//! (the server, the CLI).
//!
//! - [`order`]: orders as a shopper sees them, and the lookup that proves an
//!   order belongs to whoever asks (order number + email).
//! - [`protocol`]: the versioned WebSocket wire protocol between widget and server.
//! - [`api`]: JSON bodies of the HTTP API, including its error body.
//! - [`assist`]: the self-service conversation (generic prompts the widget renders).
//! - [`policy`]: the store's self-service rules (returns, cancels, reportable issues).
//! - [`campaign`]: the marketer's campaign model, validation and evaluator.
//! - [`attribution`]: purchases attributed to campaigns, and campaign figures.
//! - [`locale`]: the six languages, parsed from BCP 47 tags with fallbacks.
//! - [`agent_api`]: the bodies of the agent API (`/api/agent/*`) the server
//!   sends and the console reads.
//!
//! This crate has no browser, tokio or database dependencies: test it with
//! `cargo test -p aisle-core`.

pub mod agent_api;
pub mod api;
pub mod assist;
pub mod attribution;
pub mod campaign;
pub mod insights;
pub mod locale;
pub mod order;
pub mod policy;
pub mod protocol;
pub mod staffing;
