//! The Aisle server: HTTP API, WebSocket hub, widget assets, demo store.
//!
//! `main.rs` only parses the command line; everything runs from here so the
//! integration tests in `tests/` can start the real server on port 0:
//! [`AppState::open`] → [`app`] → [`run`].

pub mod agents;
pub mod api;
pub mod assets;
pub mod assist;
pub mod attribution;
pub mod campaign_editor;
pub mod campaigns;
pub mod campaigns_cli;
pub mod chat;
pub mod client;
pub mod customers;
pub mod db;
pub mod demo;
pub mod desk;
pub mod email;
pub mod error;
pub mod hooks;
pub mod hours;
pub mod insights;
pub mod limits;
pub mod macros;
pub mod offers;
pub mod orders;
pub mod proof;
pub mod ratelimit;
pub mod records;
pub mod site_file;
pub mod sites;
pub mod stores;
pub mod tags;
pub mod team;
pub mod text;
pub mod transport;
pub mod ws;

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderValue, StatusCode};
use axum::routing::get;
use client::TrustedProxies;
use ratelimit::FailureLimiter;
use sites::SiteRegistry;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::trace::TraceLayer;

/// How the server is set up.
#[derive(Debug, Clone)]
pub struct Config {
    /// sqlx database URL (`sqlite://aisle.db`).
    pub db_url: String,
    /// Seed and serve the demo store.
    pub demo: bool,
    /// Directory holding `widget/` and `console/` as built by `cargo xtask build`.
    pub assets: PathBuf,
    /// How the server faces the network: proxies, cookies, connection limits.
    pub network: Network,
}

impl Default for Config {
    /// `sqlite://aisle.db`, no demo, assets in `dist/`, [`Network::default`].
    fn default() -> Self {
        Config {
            db_url: "sqlite://aisle.db".into(),
            demo: false,
            assets: PathBuf::from("dist"),
            network: Network::default(),
        }
    }
}

/// How the server faces the internet; every limit here is a flag of `aisle
/// serve` (README, "Running Aisle in production").
#[derive(Debug, Clone)]
pub struct Network {
    /// Proxies whose `Forwarded`/`X-Forwarded-For` headers name the client.
    pub trusted_proxies: TrustedProxies,
    /// Mark session cookies `Secure` (with the `__Host-` prefix) even when no
    /// trusted proxy says the request came over HTTPS.
    pub secure_cookies: bool,
    /// Where agents reach the server (`https://chat.example.com`, no trailing
    /// slash): the start of links in invitation and password-reset emails.
    /// `None`: the `Host` the request came to.
    pub public_url: Option<String>,
    /// Open TCP connections at most; further ones wait in the kernel's backlog.
    pub max_connections: usize,
    /// Time a client has to send a request's headers.
    pub header_timeout: Duration,
    /// A connection with no byte either way for this long is closed.
    pub idle_timeout: Duration,
    /// Anonymous writes per client address and site an hour.
    pub writes: limits::WriteLimits,
}

impl Default for Network {
    fn default() -> Self {
        Network {
            trusted_proxies: TrustedProxies::default(),
            secure_cookies: false,
            public_url: None,
            max_connections: 10_000,
            header_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(120),
            writes: limits::WriteLimits::default(),
        }
    }
}

/// Failed order lookups allowed per client address in [`LOOKUP_WINDOW`].
pub const LOOKUP_FAILURES: usize = 5;
/// Distinct client addresses that may fail on one order in [`LOOKUP_WINDOW`]
/// before it is locked (one address counts once, so a stranger alone cannot
/// lock the owner out).
pub const ORDER_FAILURE_CLIENTS: usize = 10;
/// Failed agent logins allowed per client address in [`LOOKUP_WINDOW`].
pub const LOGIN_FAILURES: usize = 10;
/// Distinct client addresses that may fail to log in to one account in
/// [`LOOKUP_WINDOW`] before it is locked.
pub const ACCOUNT_FAILURE_CLIENTS: usize = 10;
/// How often the server re-reads site settings from the database.
pub const SITE_RELOAD: Duration = Duration::from_secs(10);
/// How often stale self-service sessions are purged (at start, then hourly).
pub const SESSION_PURGE: Duration = Duration::from_secs(3600);
/// Window of [`LOOKUP_FAILURES`] and [`LOGIN_FAILURES`].
pub const LOOKUP_WINDOW: Duration = Duration::from_secs(15 * 60);

/// Everything a request handler can reach.
#[derive(Clone)]
pub struct AppState {
    /// The database.
    pub db: db::Db,
    /// Sites served here.
    pub sites: SiteRegistry,
    /// Failed order lookups per client and per order.
    pub lookup_failures: Arc<FailureLimiter>,
    /// Failed agent logins per client and per account.
    pub login_failures: Arc<FailureLimiter>,
    /// Anonymous writes (tickets, assist sessions, feedback, campaign events)
    /// per client and site, see [`limits`].
    pub writes: Arc<FailureLimiter>,
    /// Argon2 runs, a few at a time with reused memory.
    pub passwords: Arc<agents::PasswordPool>,
    /// How the server faces the network.
    pub network: Arc<Network>,
    /// Calls to merchants' stores: rustls, timeouts, no redirects, and a
    /// circuit breaker per site.
    pub stores: stores::StoreClient,
    /// A hash to verify against when the email is unknown, so login timing
    /// does not reveal which emails are agents.
    pub dummy_hash: Arc<String>,
    /// Cancelled when the server is asked to stop.
    pub shutdown: CancellationToken,
    /// WebSocket connection tasks, awaited on shutdown.
    pub tasks: TaskTracker,
    /// Live handoff: chat connections, agents' presence, fan-out.
    pub chat: chat::Hub,
    /// Where widget assets are read from.
    pub assets: PathBuf,
    /// Whether the demo storefront is served.
    pub demo: bool,
    /// Wakes the email worker when a message is queued.
    pub outbox: email::Outbox,
}

impl AppState {
    /// Opens the database, applies migrations, seeds the demo when asked and loads the sites.
    pub async fn open(config: &Config) -> anyhow::Result<Self> {
        let db = db::connect(&config.db_url).await?;
        if config.demo {
            let origins = ["http://127.0.0.1:8080", "http://localhost:8080"].map(String::from);
            // Nodes starting together on one PostgreSQL seed one at a time:
            // each step inserts only what is missing, so all see the same data.
            db::exclusive(&db, db::DEMO_SEED_LOCK, async {
                demo::seed(&db, &origins).await?;
                demo::seed_campaigns(&db).await?;
                demo::seed_config(&db).await?;
                demo::seed_agent(&db).await?;
                demo::seed_history(&db).await?;
                macros::seed_demo(&db, demo::SITE_ID).await?;
                Ok(())
            })
            .await?;
        }
        let sites = SiteRegistry::load(&db).await?;
        let shutdown = CancellationToken::new();
        let hub = chat::Hub::new(db.clone(), shutdown.clone());
        Ok(AppState {
            db,
            sites,
            lookup_failures: Arc::new(FailureLimiter::new(LOOKUP_WINDOW)),
            login_failures: Arc::new(FailureLimiter::new(LOOKUP_WINDOW)),
            writes: Arc::new(FailureLimiter::new(limits::WRITE_WINDOW)),
            passwords: Arc::new(agents::PasswordPool::new(agents::PASSWORD_WORKERS)),
            network: Arc::new(config.network.clone()),
            stores: stores::StoreClient::new(),
            dummy_hash: Arc::new(agents::hash_password("not an agent's password")?),
            shutdown,
            tasks: TaskTracker::new(),
            chat: hub,
            assets: config.assets.clone(),
            demo: config.demo,
            outbox: email::Outbox::default(),
        })
    }
}

impl AppState {
    /// The database when failure limits are counted there too (PostgreSQL,
    /// which several nodes may share); `None` on SQLite (one node: the
    /// in-process count is the whole truth).
    pub fn shared_limits(&self) -> Option<&db::Db> {
        db::is_postgres(&self.db).then_some(&self.db)
    }
}

/// The whole HTTP application.
pub fn app(state: AppState) -> Router {
    let sites = state.sites.clone();
    let cors = CorsLayer::new()
        .allow_origin(AllowOrigin::predicate(move |origin: &HeaderValue, _| {
            origin.to_str().is_ok_and(|o| sites.any_allows(o))
        }))
        .allow_methods([axum::http::Method::GET, axum::http::Method::POST])
        .allow_headers([
            axum::http::header::CONTENT_TYPE,
            axum::http::header::IF_NONE_MATCH,
        ])
        // The widget compares the campaign feed's ETag with its stored copy's.
        .expose_headers([axum::http::header::ETAG])
        // Browsers may reuse a preflight this long (Chromium caps it at 2 h).
        .max_age(std::time::Duration::from_secs(7200));
    let mut router = Router::new()
        .route("/healthz", get(healthz))
        .route(
            &aisle_core::protocol::ws_path(aisle_core::protocol::PROTOCOL_VERSION),
            get(ws::upgrade),
        )
        .route(
            &aisle_core::protocol::agent_ws_path(aisle_core::protocol::PROTOCOL_VERSION),
            get(chat::agent::upgrade),
        )
        .nest(
            "/api",
            api::routes()
                .layer(cors)
                .merge(agents::site_routes())
                .merge(attribution::agent_routes())
                .nest(
                    "/agent",
                    agents::routes()
                        .merge(desk::routes())
                        .route("/macros", get(macros::list).post(macros::create))
                        .route(
                            "/macros/{id}",
                            axum::routing::put(macros::update).delete(macros::delete),
                        )
                        .merge(email::replies::agent_routes())
                        .merge(team::routes())
                        .merge(tags::routes())
                        .merge(hours::routes())
                        .merge(insights::routes())
                        .merge(customers::routes()),
                )
                .layer(DefaultBodyLimit::max(api::MAX_BODY_BYTES))
                // Pushed orders come in batches: their own, larger limit.
                .merge(stores::push::routes())
                // Campaign files from the console: 256 KiB.
                .merge(campaign_editor::routes()),
        )
        .merge(hooks::routes())
        .merge(email::replies::hook_routes())
        .nest_service("/widget", assets::routes(&state.assets.join("widget")))
        .nest_service(
            "/console",
            assets::console_routes(&state.assets.join("console")),
        );
    if state.demo {
        router = router.merge(demo::storefront());
    }
    router.layer(TraceLayer::new_for_http()).with_state(state)
}

/// `GET /healthz`: 200 when the database answers.
async fn healthz(State(state): State<AppState>) -> (StatusCode, &'static str) {
    match db::ping(&state.db).await {
        Ok(()) => (StatusCode::OK, "ok"),
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
    }
}

/// How often chats left unanswered are looked for (sites' `auto_close_minutes`).
pub const AUTO_CLOSE_EVERY: std::time::Duration = std::time::Duration::from_secs(60);

/// Serves `state` on `listener` until `state.shutdown` is cancelled, then closes
/// WebSocket connections and waits (up to 10 s) for their tasks to finish.
pub async fn run(listener: TcpListener, state: AppState) -> std::io::Result<()> {
    let shutdown = state.shutdown.clone();
    let tasks = state.tasks.clone();
    let db = state.db.clone();
    // `aisle site import` writes the database; pick its changes up without a restart.
    let (sites, sites_db, stop) = (state.sites.clone(), db.clone(), shutdown.clone());
    let hub = state.chat.clone();
    if db::is_postgres(&db) {
        // Other nodes' changes within a round trip; the re-read below is the backstop.
        tokio::spawn(
            state
                .sites
                .clone()
                .follow_changes(db.clone(), shutdown.clone()),
        );
    }
    tokio::spawn(async move {
        let mut every = tokio::time::interval(SITE_RELOAD);
        every.tick().await;
        let mut purge = tokio::time::interval(SESSION_PURGE);
        let mut auto_close = tokio::time::interval(AUTO_CLOSE_EVERY);
        loop {
            tokio::select! {
                _ = stop.cancelled() => break,
                _ = every.tick() => {
                    if let Err(e) = sites.reload(&sites_db).await {
                        tracing::warn!(error = %e, "reloading sites failed; keeping the previous settings");
                    }
                }
                _ = auto_close.tick() => {
                    if let Err(e) = hub.close_unanswered(&sites, db::now()).await {
                        tracing::warn!(error = %e, "closing unanswered chats failed");
                    }
                }
                _ = purge.tick() => {
                    match records::purge_sessions(&sites_db, db::now()).await {
                        Ok(0) => {}
                        Ok(n) => tracing::info!(sessions = n, "stale self-service sessions purged"),
                        Err(e) => tracing::warn!(error = %e, "purging self-service sessions failed"),
                    }
                    if let Err(e) = hooks::purge(&sites_db, db::now()).await {
                        tracing::warn!(error = %e, "purging webhook deliveries failed");
                    }
                    if let Err(e) = email::purge(&sites_db, db::now()).await {
                        tracing::warn!(error = %e, "purging sent emails failed");
                    }
                }
            }
        }
    });
    // Emails to shoppers: sent from the outbox until shutdown.
    tasks.spawn(email::run_worker(
        db.clone(),
        state.sites.clone(),
        state.outbox.clone(),
        shutdown.clone(),
    ));
    if let Err(e) = state.chat.watch_waiting().await {
        tracing::warn!(error = %e, "could not schedule the expiry of waiting conversations");
    }
    let network = state.network.clone();
    transport::serve(listener, app(state), &network, shutdown.clone()).await?;
    tasks.close();
    if tokio::time::timeout(Duration::from_secs(10), tasks.wait())
        .await
        .is_err()
    {
        tracing::warn!("some connections did not close within 10 s");
    }
    db.close().await;
    Ok(())
}
