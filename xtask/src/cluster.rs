//! `cargo xtask cluster`: Aisle as three nodes on loopback — a throwaway
//! PostgreSQL, a 3-server NATS cluster, three `aisle serve --demo --bus`
//! nodes with one worker thread each, and HAProxy in front (round robin, no
//! sticky sessions, WebSockets passed through) — until Ctrl-C, which stops
//! every process and removes every temporary directory.
//!
//! The processes are in `crates/server/examples/support/infra.rs`, shared with
//! the `chaos_cluster` and `chat_load` examples.

#[path = "../../crates/server/examples/support/infra.rs"]
mod infra;

use anyhow::{Context, Result, anyhow, bail};
use std::net::SocketAddr;
use std::path::Path;

/// Nodes, and NATS servers, in the cluster.
const NODES: usize = 3;

/// `cargo xtask cluster`'s options.
#[derive(clap::Args)]
pub struct Options {
    /// HAProxy's port, in front of the nodes.
    #[arg(long, default_value_t = 8090)]
    port: u16,
    /// Release builds of the nodes.
    #[arg(long)]
    release: bool,
}

/// `cargo xtask cluster [--port N] [--release]`.
pub fn cluster(root: &Path, options: Options) -> Result<()> {
    let Options { port, release } = options;
    let pg_bin =
        infra::postgres_bin().context("PostgreSQL is not installed: apt-get install postgresql")?;
    let nats_bin =
        infra::nats_bin().context("nats-server is not installed: apt-get install nats-server")?;
    let haproxy_bin =
        infra::haproxy_bin().context("haproxy is not installed: apt-get install haproxy")?;
    let mut build = crate::cargo(root);
    build.args(["build", "-p", "aisle-server", "--bin", "aisle"]);
    if release {
        build.arg("--release");
    }
    crate::run(&mut build)?;
    let binary = root
        .join("target")
        .join(if release { "release" } else { "debug" })
        .join("aisle");
    let assets = root.join("dist");
    if !assets.join("widget/aisle.js").is_file() {
        eprintln!(
            "note: no widget in dist/ — run `cargo xtask build` for the chat bubble on the store page"
        );
    }

    let logs = infra::TempDir::new("aisle-cluster-logs-")?;
    eprintln!("starting PostgreSQL…");
    let pg = infra::Postgres::start(&pg_bin).map_err(|e| anyhow!(e))?;
    eprintln!("starting {NODES} NATS servers…");
    let nats = infra::Nats::start(&nats_bin, NODES).map_err(|e| anyhow!(e))?;
    let config = infra::NodeConfig {
        binary,
        db: pg.url(),
        bus: Some(nats.urls()),
        assets,
        workers: Some(1),
        extra: Vec::new(),
        log_filter: "info,sqlx=warn,tower_http=warn".into(),
    };
    let mut nodes = Vec::new();
    for i in 1..=NODES {
        eprintln!("starting node {i}…");
        let log = logs.path().join(format!("node{i}.log"));
        nodes.push(infra::Node::start(config.clone(), log).map_err(|e| anyhow!(e))?);
    }
    let listen: SocketAddr = ([127, 0, 0, 1], port).into();
    let backends: Vec<SocketAddr> = nodes.iter().map(|n| n.addr).collect();
    let balancer =
        infra::Haproxy::start(&haproxy_bin, listen, &backends).map_err(|e| anyhow!(e))?;

    println!("\nAisle, {NODES} nodes behind HAProxy (round robin, no sticky sessions):");
    println!(
        "  demo store:  http://{}/  (try order #1001 with ada@example.com)",
        balancer.listen
    );
    println!(
        "  console:     http://{}/console/  ({} / {})",
        balancer.listen, DEMO_AGENT.0, DEMO_AGENT.1
    );
    for (i, node) in nodes.iter().enumerate() {
        println!(
            "  node {}:      http://{}/  (log {})",
            i + 1,
            node.addr,
            node.log.display()
        );
    }
    println!("  PostgreSQL:  {}", pg.url());
    println!("  NATS:        {}", nats.urls());
    println!("\nCtrl-C stops everything and removes the temporary files.");

    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?
        .block_on(tokio::signal::ctrl_c())?;
    eprintln!("\nstopping…");
    // Dropped in this order: the balancer, the nodes, NATS, PostgreSQL, logs.
    drop(balancer);
    drop(nodes);
    drop(nats);
    drop(pg);
    drop(logs);
    Ok(())
}

/// The demo agent's login (`aisle_server::demo`), printed for the console.
const DEMO_AGENT: (&str, &str) = ("agent@demo.test", "demo-agent");

/// `cargo xtask bench --cluster [chat_load options]`: the live-chat load on
/// one SQLite node, one node on PostgreSQL + NATS and three nodes on
/// PostgreSQL + a 3-server NATS cluster, then the figures side by side.
pub fn bench(root: &Path, load_args: &[String]) -> Result<()> {
    crate::run(crate::cargo(root).args([
        "build",
        "--release",
        "-p",
        "aisle-server",
        "--bin",
        "aisle",
    ]))?;
    let summary = root.join("target/bench-cluster.jsonl");
    let _ = std::fs::remove_file(&summary);
    let mut failed = Vec::new();
    for backend in ["sqlite", "postgres", "cluster"] {
        println!("\nlive chat, --backend {backend}:");
        let outcome = crate::run(
            crate::cargo(root)
                .args([
                    "run",
                    "--release",
                    "-p",
                    "aisle-server",
                    "--example",
                    "chat_load",
                    "--",
                ])
                .args(["--backend", backend, "--summary"])
                .arg(&summary)
                .args(load_args),
        );
        if let Err(e) = outcome {
            eprintln!("{e:#}");
            failed.push(backend);
        }
    }
    let text = std::fs::read_to_string(&summary).unwrap_or_default();
    println!(
        "\n| setup | connections held | memory per idle connection | msg/s | shopper→agent p50 / p99 / p999 |"
    );
    println!("|---|---|---|---|---|");
    for line in text.lines() {
        let row: serde_json::Value = serde_json::from_str(line)?;
        let setup = match row["backend"].as_str() {
            Some("sqlite") => "1 node, SQLite",
            Some("postgres") => "1 node, PostgreSQL + NATS",
            _ => "3 nodes, PostgreSQL + NATS",
        };
        println!(
            "| {setup} | {} | {:.1} KB | {:.0} | {:.1} / {:.1} / {:.1} ms |",
            row["connections"],
            row["bytes_per_idle_connection"].as_f64().unwrap_or(0.0) / 1024.0,
            row["msg_per_s"].as_f64().unwrap_or(0.0),
            row["p50_ms"].as_f64().unwrap_or(f64::NAN),
            row["p99_ms"].as_f64().unwrap_or(f64::NAN),
            row["p999_ms"].as_f64().unwrap_or(f64::NAN),
        );
    }
    if !failed.is_empty() {
        bail!("the load runs on {failed:?} failed or are over budget");
    }
    Ok(())
}
