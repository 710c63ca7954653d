//! The `aisle` command: `aisle serve [--listen ADDR] [--db URL] [--demo]`,
//! `aisle campaigns check|push|simulate ...`, `aisle site import|export|secret|rotate-secret|sign ...`,
//! `aisle agents add EMAIL --site ID --name NAME [--role admin|agent] [--db URL]`,
//! `aisle orders test SITE --order N --email E [--db URL]`.
//!
//! Parses the command line, sets up logging and hands over to the library
//! (`aisle_server::run`). Try `cargo run -p aisle-server -- serve --demo`.

use aisle_server::{AppState, Config};
use clap::{Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;
use tracing_subscriber::EnvFilter;

/// Aisle: live chat and self-service for online stores.
#[derive(Debug, Parser)]
#[command(name = "aisle", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the HTTP + WebSocket server.
    Serve {
        /// Address to listen on.
        #[arg(long, env = "AISLE_LISTEN", default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        /// Database URL.
        #[arg(long, env = "AISLE_DB", default_value = "sqlite://aisle.db")]
        db: String,
        /// Seed and serve the demo store "Northwind Outfitters".
        #[arg(long)]
        demo: bool,
        /// Directory with the built widget (`widget/`), from `cargo xtask build`.
        #[arg(long, env = "AISLE_ASSETS", default_value = "dist")]
        assets: PathBuf,
        #[command(flatten)]
        network: NetworkArgs,
        /// Shopper chat sockets open at once from one client address (IPv6: per /64).
        #[arg(long, env = "AISLE_MAX_SOCKETS_PER_ADDRESS", default_value_t = 50)]
        max_sockets_per_address: u32,
        /// Open live conversations started from one client address.
        #[arg(long, env = "AISLE_MAX_OPEN_PER_ADDRESS", default_value_t = 10)]
        max_open_per_address: usize,
        /// Seconds after an agent's message to a shopper who left before the
        /// "here is the reply" email goes out (sites with an email block).
        #[arg(long, env = "AISLE_MISSED_REPLY_AFTER", default_value_t = 120,
              value_parser = clap::value_parser!(u64).range(1..=86_400))]
        missed_reply_after: u64,
        /// Seconds an agent may be gone (from their last disconnect) before
        /// their conversations go back to the queue; also how long a site may
        /// have no agent online before waiting shoppers get the message form.
        #[arg(long, env = "AISLE_AGENT_GRACE", default_value_t = 60,
              value_parser = clap::value_parser!(u64).range(1..=3600))]
        agent_grace: u64,
        /// Seconds a waiting shopper may be gone (from their last
        /// disconnect) before their conversation closes.
        #[arg(long, env = "AISLE_SHOPPER_GRACE", default_value_t = 120,
              value_parser = clap::value_parser!(u64).range(1..=3600))]
        shopper_grace: u64,
        /// Run as one of several nodes: the NATS servers of the bus that
        /// carries live events between them (`nats://host:4222`, several
        /// comma-separated). Needs `--db postgres://…` shared by every node.
        #[arg(long, env = "AISLE_BUS")]
        bus: Option<String>,
    },
    /// Check and simulate proactive campaign files.
    Campaigns {
        #[command(subcommand)]
        command: CampaignsCommand,
    },
    /// Manage the agents who answer live chats.
    Agents {
        #[command(subcommand)]
        command: AgentsCommand,
    },
    /// Check the site's order source (Shopify or the demo tables).
    Orders {
        #[command(subcommand)]
        command: OrdersCommand,
    },
    /// Import, export a site's settings (policies, quick responses, hours, origins).
    Site {
        #[command(subcommand)]
        command: SiteCommand,
    },
}

/// How `aisle serve` faces the internet (README: "Running Aisle in production").
#[derive(Debug, clap::Args)]
struct NetworkArgs {
    /// Proxies (CIDR networks or addresses, comma-separated) whose
    /// `Forwarded`/`X-Forwarded-For` headers name the client; without it those
    /// headers are ignored.
    #[arg(long, env = "AISLE_TRUSTED_PROXIES", default_value = "")]
    trusted_proxies: aisle_server::client::TrustedProxies,
    /// Mark agent session cookies `Secure` (`__Host-` prefix) even when no
    /// trusted proxy reports HTTPS.
    #[arg(long, env = "AISLE_SECURE_COOKIES")]
    secure_cookies: bool,
    /// The address agents reach this server at (`https://chat.example.com`):
    /// the start of invitation and password-reset links in emails. Without
    /// it, links name the host the request came to.
    #[arg(long, env = "AISLE_PUBLIC_URL")]
    public_url: Option<String>,
    /// Open connections at most; more wait in the listen backlog.
    #[arg(long, env = "AISLE_MAX_CONNECTIONS", default_value_t = 10_000)]
    max_connections: usize,
    /// Seconds a client has to send a request's headers (also closes idle
    /// keep-alive connections).
    #[arg(long, env = "AISLE_HEADER_TIMEOUT", default_value_t = 10)]
    header_timeout: u64,
    /// Seconds a connection may pass without a byte either way.
    #[arg(long, env = "AISLE_IDLE_TIMEOUT", default_value_t = 120)]
    idle_timeout: u64,
    /// Tickets and return requests per client address and site an hour.
    #[arg(long, env = "AISLE_TICKETS_PER_HOUR", default_value_t = 20)]
    tickets_per_hour: usize,
    /// New self-service sessions per client address and site an hour.
    #[arg(long, env = "AISLE_SESSIONS_PER_HOUR", default_value_t = 600)]
    sessions_per_hour: usize,
    /// "Did this help?" answers counted per client address and site an hour.
    #[arg(long, env = "AISLE_FEEDBACK_PER_HOUR", default_value_t = 60)]
    feedback_per_hour: usize,
    /// Campaign events counted per client address and site an hour.
    #[arg(long, env = "AISLE_CAMPAIGN_EVENTS_PER_HOUR", default_value_t = 600)]
    campaign_events_per_hour: usize,
    /// Purchases (`Aisle('purchase')`) recorded per client address and site an hour.
    #[arg(long, env = "AISLE_PURCHASES_PER_HOUR", default_value_t = 60)]
    purchases_per_hour: usize,
    /// Pooled discount codes handed out per client address and site an hour.
    #[arg(long, env = "AISLE_CAMPAIGN_CODES_PER_HOUR", default_value_t = 60)]
    campaign_codes_per_hour: usize,
}

#[derive(Debug, Subcommand)]
enum OrdersCommand {
    /// Look one order up through the site's source and print what the shopper
    /// would see (exit 1: not found or wrong email; exit 2: the store failed).
    Test {
        /// The site id.
        site: String,
        /// The order number (`#1001` or `1001`).
        #[arg(long)]
        order: String,
        /// The email the order was placed with.
        #[arg(long)]
        email: String,
        /// Database URL.
        #[arg(long, env = "AISLE_DB", default_value = "sqlite://aisle.db")]
        db: String,
    },
    /// Upsert orders of a site whose order_source is "push" from a file:
    /// NDJSON (one order per line) or CSV (one row per order line; by the
    /// `.csv` extension). Refused lines are listed; the others are stored.
    Import {
        /// The NDJSON or CSV file.
        file: PathBuf,
        /// The site id.
        #[arg(long)]
        site: String,
        /// Database URL.
        #[arg(long, env = "AISLE_DB", default_value = "sqlite://aisle.db")]
        db: String,
    },
}

#[derive(Debug, Subcommand)]
enum SiteCommand {
    /// Validate a site file and store it (every error with path and line:column; an invalid file changes nothing).
    Import {
        /// The site file (JSON, as `aisle site export` prints it).
        file: PathBuf,
        /// Database URL.
        #[arg(long, env = "AISLE_DB", default_value = "sqlite://aisle.db")]
        db: String,
    },
    /// Print a site's settings as a site file.
    Export {
        /// The site id.
        site: String,
        /// Database URL.
        #[arg(long, env = "AISLE_DB", default_value = "sqlite://aisle.db")]
        db: String,
    },
    /// Print the key the store signs logged-in customers' identities with (HMAC-SHA256).
    Secret {
        /// The site id.
        site: String,
        /// Database URL.
        #[arg(long, env = "AISLE_DB", default_value = "sqlite://aisle.db")]
        db: String,
    },
    /// Replace the identity secret and print the new one; the previous one keeps
    /// verifying during the grace period.
    RotateSecret {
        /// The site id.
        site: String,
        /// Hours the previous secret stays valid (0: stops at once; at most 720).
        #[arg(long, default_value_t = 24, value_parser = clap::value_parser!(u32).range(0..=720))]
        grace_hours: u32,
        /// Database URL.
        #[arg(long, env = "AISLE_DB", default_value = "sqlite://aisle.db")]
        db: String,
    },
    /// Make a new push token for the site (`POST /api/sites/{site}/orders`
    /// with `Authorization: Bearer TOKEN`) and print it once; the previous
    /// token stops working.
    Token {
        /// The site id.
        site: String,
        /// Database URL.
        #[arg(long, env = "AISLE_DB", default_value = "sqlite://aisle.db")]
        db: String,
    },
    /// Print a signed `data-customer` value for EMAIL, to test a store's setup.
    Sign {
        /// The site id.
        site: String,
        /// The customer's email, exactly as the store will send it.
        #[arg(long)]
        email: String,
        /// Hours until it expires (at most 168, the longest the server accepts).
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=168))]
        ttl_hours: u32,
        /// Database URL.
        #[arg(long, env = "AISLE_DB", default_value = "sqlite://aisle.db")]
        db: String,
    },
}

#[derive(Debug, Subcommand)]
enum CampaignsCommand {
    /// Validate a campaign file: a summary line and exit 0, or every error and exit 1.
    Check {
        /// The campaign file.
        file: PathBuf,
    },
    /// Validate a campaign file and make it the site's live version (an invalid file changes nothing).
    Push {
        /// The campaign file.
        file: PathBuf,
        /// The site id.
        #[arg(long)]
        site: String,
        /// Database URL.
        #[arg(long, env = "AISLE_DB", default_value = "sqlite://aisle.db")]
        db: String,
    },
    /// Print what a visitor would see: eligible campaigns, the one shown, and waiting times.
    Simulate(Box<aisle_server::campaigns_cli::SimulateArgs>),
    /// A campaign's pool of single-use discount codes.
    Codes {
        #[command(subcommand)]
        command: CodesCommand,
    },
}

#[derive(Debug, Subcommand)]
enum CodesCommand {
    /// Add codes (one a line) to the pool of a live campaign with `"codes": "pool"`;
    /// prints how many were added and how many were already there.
    Add {
        /// The site id.
        site: String,
        /// The campaign id.
        campaign: String,
        /// The codes, one a line (at most 100,000 per campaign).
        file: PathBuf,
        /// Database URL.
        #[arg(long, env = "AISLE_DB", default_value = "sqlite://aisle.db")]
        db: String,
    },
}

#[derive(Debug, Subcommand)]
enum AgentsCommand {
    /// Add an agent. The password comes from `AISLE_AGENT_PASSWORD` or is asked
    /// for on the terminal; it is never a command-line argument.
    Add {
        /// The agent's login email.
        email: String,
        /// The site they answer for.
        #[arg(long)]
        site: String,
        /// The name shoppers see.
        #[arg(long)]
        name: String,
        /// `admin` (also manages the team in the console) or `agent`.
        #[arg(long, default_value = "agent")]
        role: aisle_server::agents::Role,
        /// Database URL.
        #[arg(long, env = "AISLE_DB", default_value = "sqlite://aisle.db")]
        db: String,
    },
}

/// The new agent's password: `AISLE_AGENT_PASSWORD`, else typed twice on the
/// terminal (without echo where `stty` is available) or one line of stdin.
fn agent_password(email: &str) -> anyhow::Result<String> {
    use std::io::{BufRead, IsTerminal, Write};
    if let Ok(password) = std::env::var("AISLE_AGENT_PASSWORD") {
        return Ok(password);
    }
    let stdin = std::io::stdin();
    let interactive = stdin.is_terminal();
    let stty = |arg: &str| {
        let _ = std::process::Command::new("stty")
            .arg(arg)
            .stdin(std::process::Stdio::inherit())
            .status();
    };
    let read = |prompt: &str| -> anyhow::Result<String> {
        if interactive {
            eprint!("{prompt}");
            std::io::stderr().flush()?;
            stty("-echo");
        }
        let mut line = String::new();
        let result = stdin.lock().read_line(&mut line);
        if interactive {
            stty("echo");
            eprintln!();
        }
        result?;
        Ok(line.trim_end_matches(['\r', '\n']).to_owned())
    };
    let password = read(&format!("Password for {email}: "))?;
    if interactive && read("Repeat the password: ")? != password {
        anyhow::bail!("the passwords differ");
    }
    Ok(password)
}

/// `aisle agents add`.
fn add_agent(
    email: &str,
    site: &str,
    name: &str,
    role: aisle_server::agents::Role,
    db: &str,
) -> std::process::ExitCode {
    let result = agent_password(email).and_then(|password| {
        let runtime = tokio::runtime::Runtime::new()?;
        runtime.block_on(async {
            let pool = aisle_server::db::connect(db).await?;
            let added = aisle_server::agents::add(&pool, site, email, name, &password, role).await;
            pool.close().await;
            added
        })
    });
    match result {
        Ok(_) => {
            let admin = if role == aisle_server::agents::Role::Admin {
                " as an admin"
            } else {
                ""
            };
            println!(
                "Added agent {} ({}) to site {site}{admin}.",
                email.trim().to_ascii_lowercase(),
                name.trim()
            );
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn main() -> anyhow::Result<std::process::ExitCode> {
    let cli = Cli::parse();
    match cli.command {
        Command::Agents {
            command:
                AgentsCommand::Add {
                    email,
                    site,
                    name,
                    role,
                    db,
                },
        } => Ok(add_agent(&email, &site, &name, role, &db)),
        Command::Campaigns {
            command: CampaignsCommand::Check { file },
        } => Ok(aisle_server::campaigns_cli::check(&file)),
        Command::Campaigns {
            command: CampaignsCommand::Simulate(args),
        } => Ok(aisle_server::campaigns_cli::simulate(&args)),
        Command::Campaigns {
            command:
                CampaignsCommand::Codes {
                    command:
                        CodesCommand::Add {
                            site,
                            campaign,
                            file,
                            db,
                        },
                },
        } => {
            let runtime = tokio::runtime::Runtime::new()?;
            runtime.block_on(aisle_server::offers::add_codes_cli(
                &db, &site, &campaign, &file,
            ))
        }
        Command::Campaigns {
            command: CampaignsCommand::Push { file, site, db },
        } => {
            let runtime = tokio::runtime::Runtime::new()?;
            Ok(runtime.block_on(aisle_server::campaigns_cli::push(&file, &site, &db)))
        }
        Command::Orders {
            command:
                OrdersCommand::Test {
                    site,
                    order,
                    email,
                    db,
                },
        } => {
            let runtime = tokio::runtime::Runtime::new()?;
            Ok(runtime.block_on(aisle_server::stores::cli_test(&site, &order, &email, &db)))
        }
        Command::Orders {
            command: OrdersCommand::Import { file, site, db },
        } => {
            let runtime = tokio::runtime::Runtime::new()?;
            Ok(runtime.block_on(aisle_server::stores::push::cli_import(&file, &site, &db)))
        }
        Command::Site { command } => {
            let runtime = tokio::runtime::Runtime::new()?;
            Ok(runtime.block_on(async {
                match command {
                    SiteCommand::Import { file, db } => {
                        aisle_server::site_file::cli_import(&file, &db).await
                    }
                    SiteCommand::Export { site, db } => {
                        aisle_server::site_file::cli_export(&site, &db).await
                    }
                    SiteCommand::Secret { site, db } => {
                        aisle_server::site_file::cli_secret(&site, &db).await
                    }
                    SiteCommand::RotateSecret {
                        site,
                        grace_hours,
                        db,
                    } => aisle_server::site_file::cli_rotate_secret(&site, grace_hours, &db).await,
                    SiteCommand::Token { site, db } => {
                        aisle_server::stores::push::cli_token(&site, &db).await
                    }
                    SiteCommand::Sign {
                        site,
                        email,
                        ttl_hours,
                        db,
                    } => aisle_server::site_file::cli_sign(&site, &email, ttl_hours, &db).await,
                }
            }))
        }
        Command::Serve {
            listen,
            db,
            demo,
            assets,
            network,
            max_sockets_per_address,
            max_open_per_address,
            missed_reply_after,
            agent_grace,
            shopper_grace,
            bus,
        } => {
            init_logging();
            if bus.is_some()
                && aisle_server::db::backend_of(&db)? != aisle_server::db::Backend::Postgres
            {
                anyhow::bail!(
                    "--bus needs a database every node shares: --db postgres://USER@HOST/DATABASE"
                );
            }
            let runtime = tokio::runtime::Runtime::new()?;
            let limits = aisle_server::chat::hub::Limits {
                sockets_per_address: max_sockets_per_address,
                open_per_address: max_open_per_address,
                missed_reply_after: std::time::Duration::from_secs(missed_reply_after),
                agent_grace: std::time::Duration::from_secs(agent_grace),
                shopper_grace: std::time::Duration::from_secs(shopper_grace),
                ..Default::default()
            };
            runtime.block_on(serve(
                listen,
                Config {
                    db_url: db,
                    demo,
                    assets,
                    network: aisle_server::Network {
                        trusted_proxies: network.trusted_proxies,
                        secure_cookies: network.secure_cookies,
                        public_url: network
                            .public_url
                            .map(|u| u.trim_end_matches('/').to_owned()),
                        max_connections: network.max_connections,
                        header_timeout: std::time::Duration::from_secs(network.header_timeout),
                        idle_timeout: std::time::Duration::from_secs(network.idle_timeout),
                        writes: aisle_server::limits::WriteLimits {
                            tickets: network.tickets_per_hour,
                            sessions: network.sessions_per_hour,
                            feedback: network.feedback_per_hour,
                            campaign_events: network.campaign_events_per_hour,
                            purchases: network.purchases_per_hour,
                            campaign_codes: network.campaign_codes_per_hour,
                        },
                    },
                },
                limits,
                bus,
            ))?;
            Ok(std::process::ExitCode::SUCCESS)
        }
    }
}

fn init_logging() {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=info")),
        )
        .with_writer(std::io::stderr)
        .init();
}

async fn serve(
    listen: SocketAddr,
    config: Config,
    limits: aisle_server::chat::hub::Limits,
    bus: Option<String>,
) -> anyhow::Result<()> {
    if !config.assets.join("widget/aisle.js").is_file() {
        tracing::warn!(
            assets = %config.assets.display(),
            "widget assets not found: run `cargo xtask build` (or `cargo xtask demo`) first"
        );
    }
    let state = AppState::open(&config).await?;
    state.chat.set_limits(limits);
    if let Some(bus) = &bus {
        state.chat.join_bus(bus).await?;
        tracing::info!(bus, "joined the bus: one node of several");
    }
    let listener = tokio::net::TcpListener::bind(listen).await?;
    let addr = listener.local_addr()?;
    tracing::info!(%addr, db = config.db_url, "aisle listening");
    if config.demo {
        println!("Aisle demo store: http://{addr}/  (try order #1001 with ada@example.com)");
        println!(
            "Demo agent: {} / {}  (agent API: POST http://{addr}/api/agent/login)",
            aisle_server::demo::AGENT_EMAIL,
            aisle_server::demo::AGENT_PASSWORD
        );
    }
    let shutdown = state.shutdown.clone();
    tokio::spawn(async move {
        wait_for_signal().await;
        tracing::info!("shutting down");
        shutdown.cancel();
    });
    aisle_server::run(listener, state).await?;
    Ok(())
}

async fn wait_for_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => return std::future::pending().await,
            };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}
