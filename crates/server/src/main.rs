//! The `aisle` command: `aisle serve [--listen ADDR] [--db URL] [--demo]`,
//! `aisle campaigns check FILE`, `aisle campaigns simulate FILE --url URL [...]`.
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
    },
    /// Check and simulate proactive campaign files.
    Campaigns {
        #[command(subcommand)]
        command: CampaignsCommand,
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
}

fn main() -> anyhow::Result<std::process::ExitCode> {
    let cli = Cli::parse();
    match cli.command {
        Command::Campaigns {
            command: CampaignsCommand::Check { file },
        } => Ok(aisle_server::campaigns_cli::check(&file)),
        Command::Campaigns {
            command: CampaignsCommand::Simulate(args),
        } => Ok(aisle_server::campaigns_cli::simulate(&args)),
        Command::Campaigns {
            command: CampaignsCommand::Push { file, site, db },
        } => {
            let runtime = tokio::runtime::Runtime::new()?;
            Ok(runtime.block_on(aisle_server::campaigns_cli::push(&file, &site, &db)))
        }
        Command::Serve {
            listen,
            db,
            demo,
            assets,
        } => {
            init_logging();
            let runtime = tokio::runtime::Runtime::new()?;
            runtime.block_on(serve(
                listen,
                Config {
                    db_url: db,
                    demo,
                    assets,
                },
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

async fn serve(listen: SocketAddr, config: Config) -> anyhow::Result<()> {
    if !config.assets.join("widget/aisle.js").is_file() {
        tracing::warn!(
            assets = %config.assets.display(),
            "widget assets not found: run `cargo xtask build` (or `cargo xtask demo`) first"
        );
    }
    let state = AppState::open(&config).await?;
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
