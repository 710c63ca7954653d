//! Live-chat load generator, run by `cargo xtask bench`.
//!
//! Starts the release `aisle` binary (`serve --demo`) as a child process on a
//! free loopback port with a temporary SQLite file, so the memory measured is
//! the server's alone, then:
//!
//! 1. opens `--shoppers` connections (default 2,000) that say `hello` and stay
//!    idle, and reports the server's resident memory per idle shopper
//!    connection (growth of its `VmRSS` / N) against its budget (`docs/budgets.md`);
//! 2. brings `--agents` agents online (default 8: the demo agent and agents
//!    added with `aisle agents add`) and has `--chatting` of the shoppers
//!    (default 200) start conversations, which the agents accept round-robin;
//! 3. for `--seconds` (default 10) every chatting shopper sends one message a
//!    second (half the per-connection limit) and every agent replies once a
//!    second; reports the messages per second delivered to agents and the
//!    shopper→agent latency p50/p99/p999 (the send time travels in the text);
//! 4. pings every connection to check it is still held.
//!
//! Exits non-zero when a connection was refused or dropped, a message was not
//! acknowledged or not delivered, or idle connections exceed the budget.
//!
//! `--backend postgres` runs the node on a throwaway PostgreSQL with a NATS
//! bus (`--bus`, one `nats-server`); `--backend cluster` runs three nodes on
//! one PostgreSQL and a 3-server NATS cluster (`support/infra.rs`), with
//! connections spread over the nodes round robin and memory summed over
//! them. The p99 budget applies to the SQLite node only, the memory budget
//! to one node (SQLite or PostgreSQL). `--summary FILE`
//! appends the figures as one JSON line (`cargo xtask bench --cluster`
//! prints the three side by side).
//!
//! ```text
//! cargo build --release -p aisle-server --bin aisle
//! cargo run --release -p aisle-server --example chat_load -- --shoppers 2000
//! ```

#[path = "support/agent_login.rs"]
mod agent_login;
use agent_login::login;

use aisle_core::protocol::{
    AgentClientMessage, AgentServerMessage, ClientMessage, PROTOCOL_VERSION, Party, ServerMessage,
    agent_ws_path, ws_path,
};
use anyhow::{Context, Result, bail, ensure};
use clap::Parser;
use futures_util::{SinkExt, StreamExt};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{Semaphore, mpsc, watch};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

#[path = "support/infra.rs"]
mod infra;

/// `docs/budgets.md`: server memory per idle shopper connection.
const BUDGET_BYTES: u64 = 4 * 1024;
/// `docs/budgets.md`: shopper→agent p99 latency, in milliseconds, at up to
/// 1,000 msg/s on 2,000 connections.
const P99_BUDGET_MS: f64 = 5.0;
/// Each chatting shopper sends one message per this (the server allows 20 per 10 s).
const SEND_EVERY: Duration = Duration::from_secs(1);
/// Each agent replies once per this, to its conversations in turn.
const REPLY_EVERY: Duration = Duration::from_secs(1);
/// Time between two shoppers' `start`, so the queue fills like a busy store's.
const START_SPACING: Duration = Duration::from_millis(5);
/// Connection handshakes in flight at once (the listen backlog is finite).
const CONNECTING_AT_ONCE: usize = 64;
/// Connections opened and closed before the baseline, so one-time
/// allocations are not counted per connection.
const WARM_UP: usize = 8;
/// Pause before reading the server's memory.
const SETTLE: Duration = Duration::from_secs(1);
/// How long any phase may take before the run fails.
const PATIENCE: Duration = Duration::from_secs(120);
/// How long after the last send messages may still arrive.
const GRACE: Duration = Duration::from_secs(10);
/// Password of the agents added for the run.
const AGENT_PASSWORD: &str = "load-agent-password";

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Live-chat load generator: idle shopper connections, agents, messages.
#[derive(Debug, Parser)]
struct Args {
    /// Shopper connections to open and hold.
    #[arg(long, default_value_t = 2000)]
    shoppers: usize,
    /// Agents online (the demo agent plus agents added for the run).
    #[arg(long, default_value_t = 8)]
    agents: usize,
    /// Shoppers (of `--shoppers`) who start a conversation and send messages.
    #[arg(long, default_value_t = 200)]
    chatting: usize,
    /// How long the chatting shoppers send, in seconds.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// The `aisle` binary [default: `aisle` in the directory above this example's].
    #[arg(long)]
    server: Option<PathBuf>,
    /// Runs the server under `valgrind --tool=callgrind` and reports the
    /// instructions it spent per delivered message while chatting
    /// (instruction counts are stable on a noisy machine; timings and memory
    /// are not meaningful in this mode, and their budgets are not checked).
    #[arg(long)]
    callgrind: bool,
    /// Where the data lives: `sqlite` (one node), `postgres` (one node on
    /// PostgreSQL with a NATS bus) or `cluster` (three nodes, PostgreSQL, NATS).
    #[arg(long, value_enum, default_value_t = Backend::Sqlite)]
    backend: Backend,
    /// Appends the run's figures to this file as one JSON line.
    #[arg(long)]
    summary: Option<PathBuf>,
}

/// Where the server keeps its data, and how many nodes there are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Backend {
    /// One node on a SQLite file.
    Sqlite,
    /// One node on PostgreSQL, with a NATS bus.
    Postgres,
    /// Three nodes on one PostgreSQL and a 3-server NATS cluster.
    Cluster,
}

fn main() -> ExitCode {
    match run(&Args::parse()) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("chat load: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &Args) -> Result<bool> {
    ensure!(args.shoppers > 0, "--shoppers must be at least 1");
    ensure!(args.agents > 0, "--agents must be at least 1");
    ensure!(args.seconds > 0, "--seconds must be at least 1");
    ensure!(
        args.chatting <= args.shoppers,
        "--chatting must not exceed --shoppers"
    );
    // Both this process and the server (which inherits the limit) hold a
    // socket per connection, plus files, the listener and the database.
    raise_open_files((args.shoppers + args.agents + 256) as u64)?;
    let binary = server_binary(args.server.as_deref())?;
    if args.backend != Backend::Sqlite {
        ensure!(!args.callgrind, "--callgrind runs on --backend sqlite only");
        return run_on_postgres(args, &binary);
    }
    let dir = tempfile::tempdir()?;
    let server = if args.callgrind {
        Server::start_under_callgrind(&binary, dir.path())?
    } else {
        Server::start(&binary, dir.path())?
    };
    let logins = add_agents(args, &binary, &db_url(dir.path()))?;
    let runtime = tokio::runtime::Runtime::new()?;
    let report = runtime
        .block_on(load(args, &server, logins))
        .map_err(|e| server.with_log(e))?;
    let messages = report.delivered + report.replies_delivered;
    // Close the clients' sockets before the server goes.
    drop(runtime);
    let profile = server.callgrind_out.clone();
    server.stop();
    let ok = report.print(args)?;
    if let Some(profile) = profile {
        let instructions = callgrind_total(&profile)?;
        // `AISLE_CALLGRIND_KEEP=FILE` keeps the profile for `callgrind_annotate FILE`.
        if let Some(keep) = std::env::var_os("AISLE_CALLGRIND_KEEP") {
            std::fs::copy(&profile, &keep).context("keeping the callgrind profile")?;
        }
        println!(
            "CPU: {:.0} instructions per delivered message ({} instructions while chatting, {messages} messages delivered both ways; callgrind)",
            instructions as f64 / messages.max(1) as f64,
            instructions
        );
        return Ok(ok);
    }
    // A restart on the database the run filled: every failover waits this long.
    let restart = time_to_health(&binary, dir.path())?;
    println!(
        "restart: /healthz answered {:.0} ms after start on the existing database (budget {} ms)",
        restart.as_secs_f64() * 1000.0,
        RESTART_BUDGET.as_millis()
    );
    if restart > RESTART_BUDGET {
        println!("FAILED: the restart is over budget");
        return Ok(false);
    }
    Ok(ok)
}

/// The demo agent's login and `--agents - 1` more added to database `db`.
fn add_agents(args: &Args, binary: &Path, db: &str) -> Result<Vec<(String, String)>> {
    let mut logins = vec![(
        aisle_server::demo::AGENT_EMAIL.to_owned(),
        aisle_server::demo::AGENT_PASSWORD.to_owned(),
    )];
    for i in 1..args.agents {
        let email = format!("load{i}@demo.test");
        let out = Command::new(binary)
            .args(["agents", "add", &email, "--site", "demo", "--name"])
            .arg(format!("Load {i}"))
            .arg("--db")
            .arg(db)
            .env("AISLE_AGENT_PASSWORD", AGENT_PASSWORD)
            .stdin(Stdio::null())
            .output()
            .context("running aisle agents add")?;
        ensure!(
            out.status.success(),
            "aisle agents add {email} failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
        logins.push((email, AGENT_PASSWORD.to_owned()));
    }
    Ok(logins)
}

/// Nodes on PostgreSQL with a NATS bus: the processes, dropped nodes first.
struct Nodes {
    nodes: Vec<infra::Node>,
    _nats: infra::Nats,
    _pg: infra::Postgres,
    _dir: infra::TempDir,
}

/// What the load runs against: one node's process or several.
trait Target {
    /// The nodes' addresses (connections go to them round robin).
    fn addrs(&self) -> Vec<SocketAddr>;
    /// Resident memory of the server processes, summed.
    fn rss(&self) -> Result<u64>;
    /// Turns callgrind's counting on or off (one node only).
    fn instrument(&self, on: bool) -> Result<()>;
}

impl Target for Server {
    fn addrs(&self) -> Vec<SocketAddr> {
        vec![self.addr]
    }
    fn rss(&self) -> Result<u64> {
        Server::rss(self)
    }
    fn instrument(&self, on: bool) -> Result<()> {
        Server::instrument(self, on)
    }
}

impl Target for Nodes {
    fn addrs(&self) -> Vec<SocketAddr> {
        self.nodes.iter().map(|n| n.addr).collect()
    }
    fn rss(&self) -> Result<u64> {
        self.nodes
            .iter()
            .map(|n| {
                n.rss()
                    .context("reading a node's /proc status (this needs Linux)")
            })
            .sum()
    }
    fn instrument(&self, _on: bool) -> Result<()> {
        Ok(())
    }
}

/// `--backend postgres|cluster`: PostgreSQL, NATS and the nodes; the load.
fn run_on_postgres(args: &Args, binary: &Path) -> Result<bool> {
    let pg_bin = infra::postgres_bin()
        .context("PostgreSQL is not installed (apt-get install postgresql)")?;
    let nats_bin =
        infra::nats_bin().context("nats-server is not installed (apt-get install nats-server)")?;
    let count = if args.backend == Backend::Cluster {
        3
    } else {
        1
    };
    let dir = infra::TempDir::new("aisle-load-")?;
    let pg = infra::Postgres::start(&pg_bin).map_err(|e| anyhow::anyhow!(e))?;
    let nats = infra::Nats::start(&nats_bin, count).map_err(|e| anyhow::anyhow!(e))?;
    let config = infra::NodeConfig {
        binary: binary.to_path_buf(),
        db: pg.url(),
        bus: Some(nats.urls()),
        assets: dir.path().to_path_buf(),
        workers: None,
        extra: [
            "--max-sockets-per-address",
            "1000000",
            "--max-open-per-address",
            "1000000",
        ]
        .map(String::from)
        .to_vec(),
        log_filter: "warn".into(),
    };
    let mut nodes = Vec::new();
    for i in 0..count {
        let log = dir.path().join(format!("node{}.log", i + 1));
        nodes.push(infra::Node::start(config.clone(), log).map_err(|e| anyhow::anyhow!(e))?);
    }
    let target = Nodes {
        nodes,
        _nats: nats,
        _pg: pg,
        _dir: dir,
    };
    let logins = add_agents(args, binary, &target._pg.url())?;
    let runtime = tokio::runtime::Runtime::new()?;
    let report = runtime.block_on(load(args, &target, logins));
    drop(runtime);
    let report = report.map_err(|e| {
        let logs: Vec<String> = target
            .nodes
            .iter()
            .map(|n| std::fs::read_to_string(&n.log).unwrap_or_default())
            .collect();
        e.context(format!("node logs:\n{}", logs.join("\n---\n")))
    })?;
    drop(target);
    report.print(args)
}

/// The instructions callgrind counted (its `summary:`/`totals:` line).
fn callgrind_total(profile: &Path) -> Result<u64> {
    let text = std::fs::read_to_string(profile)
        .with_context(|| format!("reading {}", profile.display()))?;
    text.lines()
        .filter_map(|line| {
            line.strip_prefix("totals:")
                .or_else(|| line.strip_prefix("summary:"))
        })
        .filter_map(|rest| rest.split_whitespace().next()?.parse::<u64>().ok())
        .max()
        .context("no totals in the callgrind profile")
}

/// `docs/budgets.md`: from `aisle serve` starting to `/healthz` answering 200.
const RESTART_BUDGET: Duration = Duration::from_millis(100);

/// Starts the server on `dir`'s database and times it to its first `200` on
/// `/healthz` (polled every millisecond); stops it again. The best of 3.
fn time_to_health(binary: &Path, dir: &Path) -> Result<Duration> {
    let mut best = Duration::MAX;
    for _ in 0..3 {
        let started = std::time::Instant::now();
        let server = Server::start(binary, dir)?;
        loop {
            ensure!(started.elapsed() < PATIENCE, "/healthz never answered 200");
            if healthy(server.addr) {
                break;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        best = best.min(started.elapsed());
        server.stop();
    }
    Ok(best)
}

/// Whether `GET /healthz` answers 200.
fn healthy(addr: SocketAddr) -> bool {
    let Ok(mut stream) = std::net::TcpStream::connect(addr) else {
        return false;
    };
    let request = format!("GET /healthz HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    let mut response = String::new();
    stream.write_all(request.as_bytes()).is_ok()
        && stream.read_to_string(&mut response).is_ok()
        && response.starts_with("HTTP/1.1 200")
}

/// Raises this process's soft limit on open files to at least `needed`.
fn raise_open_files(needed: u64) -> Result<()> {
    use rustix::process::{Resource, getrlimit, setrlimit};
    let mut limit = getrlimit(Resource::Nofile);
    // `None` is unlimited.
    if limit.current.is_none_or(|current| current >= needed) {
        return Ok(());
    }
    if let Some(maximum) = limit.maximum {
        ensure!(
            maximum >= needed,
            "the open-files hard limit ({maximum}) is below the {needed} this run needs: \
             raise it (ulimit -Hn) or pass fewer --shoppers"
        );
    }
    limit.current = Some(needed);
    setrlimit(Resource::Nofile, limit).context("raising the open-files limit")
}

/// `--server`, or `aisle` built next to this example (`target/release/aisle`).
fn server_binary(given: Option<&Path>) -> Result<PathBuf> {
    let binary = match given {
        Some(path) => path.to_path_buf(),
        None => {
            let exe = std::env::current_exe()?;
            let profile_dir = exe
                .parent()
                .and_then(Path::parent)
                .context("the example is not in target/<profile>/examples")?;
            profile_dir.join("aisle")
        }
    };
    ensure!(
        binary.is_file(),
        "no server binary at {}: run `cargo build --release -p aisle-server --bin aisle` first",
        binary.display()
    );
    Ok(binary)
}

fn db_url(dir: &Path) -> String {
    format!("sqlite://{}", dir.join("aisle.db").display())
}

/// The `aisle serve --demo` child process.
struct Server {
    child: Child,
    addr: SocketAddr,
    log: PathBuf,
    /// Where callgrind writes its profile, when the server runs under it.
    callgrind_out: Option<PathBuf>,
}

impl Server {
    /// Starts the server on a free loopback port with its data in `dir`.
    fn start(binary: &Path, dir: &Path) -> Result<Server> {
        Self::spawn(Command::new(binary), binary, dir, None)
    }

    /// The same, under callgrind with instrumentation off until
    /// [`Server::instrument`] turns it on.
    fn start_under_callgrind(binary: &Path, dir: &Path) -> Result<Server> {
        let out = dir.join("callgrind.out");
        let mut command = Command::new("valgrind");
        command
            .args(["--tool=callgrind", "--instr-atstart=no"])
            .arg(format!("--callgrind-out-file={}", out.display()))
            .arg(binary);
        Self::spawn(command, binary, dir, Some(out))
    }

    fn spawn(
        mut command: Command,
        binary: &Path,
        dir: &Path,
        callgrind_out: Option<PathBuf>,
    ) -> Result<Server> {
        let log = dir.join("server.log");
        let patience = if callgrind_out.is_some() { 600 } else { 60 };
        let child = command
            .args(["serve", "--demo", "--listen", "127.0.0.1:0", "--db"])
            .arg(db_url(dir))
            .arg("--assets")
            .arg(dir)
            // Every simulated shopper comes from 127.0.0.1.
            .args(["--max-sockets-per-address", "1000000"])
            .args(["--max-open-per-address", "1000000"])
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log)?)
            .spawn()
            .with_context(|| format!("starting {}", binary.display()))?;
        let mut server = Server {
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            log,
            callgrind_out,
        };
        // The demo prints "Aisle demo store: http://ADDR/ …" once it listens;
        // keep reading stdout so later prints never hit a closed pipe.
        let stdout = server.child.stdout.take().context("no server stdout")?;
        let (lines, printed) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = lines.send(line);
            }
        });
        loop {
            let Ok(line) = printed.recv_timeout(Duration::from_secs(patience)) else {
                return Err(server.with_log(anyhow::anyhow!("the server did not start")));
            };
            if let Some(rest) = line.strip_prefix("Aisle demo store: http://") {
                let addr = rest.split('/').next().unwrap_or_default();
                server.addr = addr
                    .parse()
                    .with_context(|| format!("server address in {line:?}"))?;
                return Ok(server);
            }
        }
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Turns callgrind's instruction counting on or off (no-op otherwise).
    fn instrument(&self, on: bool) -> Result<()> {
        if self.callgrind_out.is_none() {
            return Ok(());
        }
        let status = Command::new("callgrind_control")
            .args(["-i", if on { "on" } else { "off" }])
            .arg(self.pid().to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .context("running callgrind_control (valgrind)")?;
        ensure!(status.success(), "callgrind_control failed: {status}");
        Ok(())
    }

    /// The server's resident memory in bytes (`VmRSS` of `/proc/PID/status`).
    fn rss(&self) -> Result<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid()))
            .context("reading the server's /proc status (this needs Linux)")?;
        let kb = status
            .lines()
            .find_map(|line| line.strip_prefix("VmRSS:"))
            .and_then(|rest| rest.split_whitespace().next())
            .context("no VmRSS in /proc status")?;
        Ok(kb.parse::<u64>()? * 1024)
    }

    /// `error` with the end of the server's log.
    fn with_log(&self, error: anyhow::Error) -> anyhow::Error {
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        let tail: Vec<&str> = log.lines().rev().take(20).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        error.context(format!(
            "server log ({}):\n{}",
            self.log.display(),
            tail.join("\n")
        ))
    }

    /// Stops the server as on SIGTERM (killing it if it takes too long).
    fn stop(mut self) {
        if let Some(pid) = rustix::process::Pid::from_raw(self.pid() as i32) {
            let _ = rustix::process::kill_process(pid, rustix::process::Signal::TERM);
        }
        let patience = if self.callgrind_out.is_some() {
            300
        } else {
            15
        };
        let deadline = std::time::Instant::now() + Duration::from_secs(patience);
        while std::time::Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        eprintln!("chat load: the server did not stop within 15 s; killing it");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Where the run is; every connection task follows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Connecting, then idle.
    Connect,
    /// Chatting shoppers ask for a person.
    Start,
    /// Chatting shoppers and agents send from the first instant until the second.
    Chat(Instant, Instant),
    /// Every connection pings the server once.
    Check,
    /// Close.
    Quit,
}

/// What the connection tasks count.
#[derive(Debug, Default)]
struct Counters {
    welcomed: AtomicUsize,
    refused: AtomicUsize,
    dropped: AtomicUsize,
    started: AtomicUsize,
    joined: AtomicUsize,
    sent: AtomicUsize,
    acked: AtomicUsize,
    delivered: AtomicUsize,
    replies: AtomicUsize,
    replies_acked: AtomicUsize,
    replies_delivered: AtomicUsize,
    agents_ready: AtomicUsize,
    agents_failed: AtomicUsize,
    accepted: AtomicUsize,
    shoppers_alive: AtomicUsize,
    agents_alive: AtomicUsize,
    errors: AtomicUsize,
    /// Microseconds from the epoch to the last message an agent received.
    last_delivery: AtomicU64,
    /// Shopper→agent latencies, µs.
    to_agent: Mutex<Vec<u64>>,
    /// Agent→shopper latencies, µs.
    to_shopper: Mutex<Vec<u64>>,
    /// The first few things that went wrong.
    problems: Mutex<Vec<String>>,
}

fn count(counter: &AtomicUsize) -> usize {
    counter.load(Ordering::Relaxed)
}

fn bump(counter: &AtomicUsize) {
    counter.fetch_add(1, Ordering::Relaxed);
}

/// What every connection task shares.
struct Ctx {
    /// The nodes; connection `i` goes to node `i % len`.
    addrs: Vec<SocketAddr>,
    epoch: Instant,
    chatting: usize,
    agents: usize,
    c: Counters,
}

impl Ctx {
    /// The node for connection `index`.
    fn addr(&self, index: usize) -> SocketAddr {
        self.addrs[index % self.addrs.len()]
    }

    /// Microseconds since the run began: the timestamp messages carry.
    fn micros(&self) -> u64 {
        self.epoch.elapsed().as_micros() as u64
    }

    /// The latency of a message whose text ends in `t=MICROS`.
    fn latency(&self, text: &str) -> Option<u64> {
        let sent: u64 = text.rsplit_once("t=")?.1.parse().ok()?;
        Some(self.micros().saturating_sub(sent))
    }

    fn problem(&self, what: String) {
        let mut problems = self.c.problems.lock().unwrap_or_else(|e| e.into_inner());
        if problems.len() < 5 {
            problems.push(what);
        }
    }
}

async fn send<T: Serialize>(socket: &mut Socket, message: &T) -> Result<()> {
    let text = serde_json::to_string(message)?;
    socket.send(Message::text(text)).await?;
    Ok(())
}

/// The next JSON frame, skipping pings and pongs.
async fn next<T: DeserializeOwned>(socket: &mut Socket) -> Result<T> {
    let frame = tokio::time::timeout(PATIENCE, async {
        loop {
            match socket.next().await {
                Some(Ok(Message::Text(text))) => return Ok(serde_json::from_str(&text)?),
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
                other => bail!("expected a text frame, got {other:?}"),
            }
        }
    })
    .await;
    frame.context("no frame in time")?
}

async fn connect(url: String, header: (&'static str, String)) -> Result<Socket> {
    let mut request = url.into_client_request()?;
    request.headers_mut().insert(header.0, header.1.parse()?);
    // Browsers set TCP_NODELAY on their sockets; so do we.
    let connecting = tokio_tungstenite::connect_async_with_config(request, None, true);
    let (socket, _) = tokio::time::timeout(PATIENCE, connecting)
        .await
        .context("connecting timed out")??;
    Ok(socket)
}

/// A shopper connection from a page of the server's own origin, welcomed.
async fn open_shopper(addr: SocketAddr) -> Result<Socket> {
    let url = format!("ws://{addr}{}?site=demo", ws_path(PROTOCOL_VERSION));
    let mut socket = connect(url, ("origin", format!("http://{addr}"))).await?;
    let hello = ClientMessage::Hello {
        resume: None,
        last_seq: 0,
    };
    send(&mut socket, &hello).await?;
    match next(&mut socket).await? {
        ServerMessage::Welcome { .. } => Ok(socket),
        other => bail!("expected welcome, got {other:?}"),
    }
}

/// An agent connection, welcomed and online.
async fn open_agent(addr: SocketAddr, token: &str) -> Result<Socket> {
    let url = format!("ws://{addr}{}", agent_ws_path(PROTOCOL_VERSION));
    let mut socket = connect(url, ("authorization", format!("Bearer {token}"))).await?;
    send(&mut socket, &AgentClientMessage::Hello).await?;
    match next(&mut socket).await? {
        AgentServerMessage::Welcome { .. } => {}
        other => bail!("expected welcome, got {other:?}"),
    }
    send(&mut socket, &AgentClientMessage::Presence { online: true }).await?;
    Ok(socket)
}

/// Sleeps until `at`, or forever without one.
async fn until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// One shopper: connects, says hello, idles; the first `chatting` also start
/// a conversation and send a message every [`SEND_EVERY`] while chatting.
async fn shopper(
    ctx: Arc<Ctx>,
    index: usize,
    mut phase: watch::Receiver<Phase>,
    started: mpsc::UnboundedSender<String>,
    gate: Arc<Semaphore>,
) {
    let chatter = index < ctx.chatting;
    let permit = gate.acquire_owned().await;
    let mut socket = match open_shopper(ctx.addr(index)).await {
        Ok(socket) => socket,
        Err(e) => {
            bump(&ctx.c.refused);
            ctx.problem(format!("shopper {index} could not connect: {e:#}"));
            return;
        }
    };
    drop(permit);
    bump(&ctx.c.welcomed);
    // The next send or `start`, and when sending stops.
    let mut next_send: Option<Instant> = None;
    let mut stop_at = Instant::now();
    let mut sent = 0u64;
    loop {
        let outgoing = tokio::select! {
            frame = socket.next() => {
                match frame {
                    Some(Ok(Message::Text(text))) => on_shopper_frame(&ctx, index, &text, &started),
                    Some(Ok(_)) => {}
                    _ => {
                        bump(&ctx.c.dropped);
                        ctx.problem(format!("shopper {index} lost its connection: {frame:?}"));
                        return;
                    }
                }
                None
            }
            () = until(next_send) => {
                if *phase.borrow() == Phase::Start {
                    next_send = None;
                    Some(ClientMessage::Start {
                        locale: "en".into(),
                        context: Default::default(),
                        resume: None,
                    })
                } else {
                    sent += 1;
                    bump(&ctx.c.sent);
                    next_send = next_send
                        .map(|at| at + SEND_EVERY)
                        .filter(|at| *at < stop_at);
                    Some(ClientMessage::Send {
                        client_id: format!("s{index}-{sent}"),
                        text: format!("Hi! Where is my order? t={}", ctx.micros()),
                    })
                }
            }
            changed = phase.changed() => {
                if changed.is_err() {
                    return;
                }
                let now = *phase.borrow_and_update();
                match now {
                    Phase::Start if chatter => {
                        next_send = Some(Instant::now() + START_SPACING * index as u32);
                        None
                    }
                    Phase::Chat(from, stop) if chatter => {
                        // Spread the shoppers over the interval for an even load.
                        let offset = SEND_EVERY.mul_f64(index as f64 / ctx.chatting as f64);
                        next_send = Some(from + offset);
                        stop_at = stop;
                        None
                    }
                    Phase::Check => {
                        next_send = None;
                        Some(ClientMessage::Ping { nonce: index as u64 })
                    }
                    Phase::Quit => {
                        let _ = socket.close(None).await;
                        return;
                    }
                    _ => None,
                }
            }
        };
        if let Some(message) = outgoing
            && let Err(e) = send(&mut socket, &message).await
        {
            bump(&ctx.c.dropped);
            ctx.problem(format!("shopper {index} could not send: {e:#}"));
            return;
        }
    }
}

fn on_shopper_frame(ctx: &Ctx, index: usize, text: &str, started: &mpsc::UnboundedSender<String>) {
    let message = match serde_json::from_str::<ServerMessage>(text) {
        Ok(message) => message,
        Err(e) => {
            bump(&ctx.c.errors);
            ctx.problem(format!("shopper {index} got an unreadable frame: {e}"));
            return;
        }
    };
    match message {
        ServerMessage::Started { conversation, .. } => {
            bump(&ctx.c.started);
            let _ = started.send(conversation);
        }
        ServerMessage::AgentJoined { .. } => bump(&ctx.c.joined),
        ServerMessage::Ack { .. } => bump(&ctx.c.acked),
        ServerMessage::Message(message) if message.author == Party::Agent => {
            bump(&ctx.c.replies_delivered);
            if let Some(latency) = ctx.latency(&message.text) {
                let mut all = ctx.c.to_shopper.lock().unwrap_or_else(|e| e.into_inner());
                all.push(latency);
            }
        }
        ServerMessage::Pong { .. } => bump(&ctx.c.shoppers_alive),
        ServerMessage::Offline { reason, .. } => {
            bump(&ctx.c.errors);
            ctx.problem(format!("shopper {index} was told offline: {reason:?}"));
        }
        ServerMessage::Error { code, message } => {
            bump(&ctx.c.errors);
            ctx.problem(format!("shopper {index} got error {code:?}: {message}"));
        }
        _ => {}
    }
}

/// One agent: online, accepts the conversations it is given, replies to them
/// in turn every [`REPLY_EVERY`] while chatting.
async fn agent(
    ctx: Arc<Ctx>,
    index: usize,
    token: String,
    mut assigned: mpsc::UnboundedReceiver<String>,
    mut phase: watch::Receiver<Phase>,
) {
    let mut socket = match open_agent(ctx.addr(index), &token).await {
        Ok(socket) => socket,
        Err(e) => {
            bump(&ctx.c.agents_failed);
            ctx.problem(format!("agent {index} could not connect: {e:#}"));
            return;
        }
    };
    bump(&ctx.c.agents_ready);
    let mut conversations: Vec<String> = Vec::new();
    let mut next_reply: Option<Instant> = None;
    let mut stop_at = Instant::now();
    let mut replies = 0usize;
    loop {
        let outgoing = tokio::select! {
            frame = socket.next() => {
                match frame {
                    Some(Ok(Message::Text(text))) => on_agent_frame(&ctx, index, &text, &mut conversations),
                    Some(Ok(_)) => {}
                    _ => {
                        bump(&ctx.c.agents_failed);
                        ctx.problem(format!("agent {index} lost its connection: {frame:?}"));
                        return;
                    }
                }
                None
            }
            Some(conversation) = assigned.recv() => Some(AgentClientMessage::Accept { conversation }),
            () = until(next_reply) => {
                next_reply = next_reply
                    .map(|at| at + REPLY_EVERY)
                    .filter(|at| *at < stop_at);
                if conversations.is_empty() {
                    None
                } else {
                    replies += 1;
                    bump(&ctx.c.replies);
                    Some(AgentClientMessage::Send {
                        conversation: conversations[replies % conversations.len()].clone(),
                        client_id: format!("a{index}-{replies}"),
                        text: format!("Let me check that for you. t={}", ctx.micros()),
                    })
                }
            }
            changed = phase.changed() => {
                if changed.is_err() {
                    return;
                }
                let now = *phase.borrow_and_update();
                match now {
                    Phase::Chat(from, stop) => {
                        let offset = REPLY_EVERY.mul_f64(index as f64 / ctx.agents as f64);
                        next_reply = Some(from + offset);
                        stop_at = stop;
                        None
                    }
                    Phase::Check => {
                        next_reply = None;
                        Some(AgentClientMessage::Ping { nonce: index as u64 })
                    }
                    Phase::Quit => {
                        let _ = socket.close(None).await;
                        return;
                    }
                    _ => None,
                }
            }
        };
        if let Some(message) = outgoing
            && let Err(e) = send(&mut socket, &message).await
        {
            bump(&ctx.c.agents_failed);
            ctx.problem(format!("agent {index} could not send: {e:#}"));
            return;
        }
    }
}

fn on_agent_frame(ctx: &Ctx, index: usize, text: &str, conversations: &mut Vec<String>) {
    let message = match serde_json::from_str::<AgentServerMessage>(text) {
        Ok(message) => message,
        Err(e) => {
            bump(&ctx.c.errors);
            ctx.problem(format!("agent {index} got an unreadable frame: {e}"));
            return;
        }
    };
    match message {
        AgentServerMessage::Message { message, .. } if message.author == Party::Shopper => {
            bump(&ctx.c.delivered);
            ctx.c
                .last_delivery
                .fetch_max(ctx.micros(), Ordering::Relaxed);
            if let Some(latency) = ctx.latency(&message.text) {
                let mut all = ctx.c.to_agent.lock().unwrap_or_else(|e| e.into_inner());
                all.push(latency);
            }
        }
        AgentServerMessage::Conversation { id, .. } => {
            bump(&ctx.c.accepted);
            conversations.push(id);
        }
        AgentServerMessage::Ack { .. } => bump(&ctx.c.replies_acked),
        AgentServerMessage::Pong { .. } => bump(&ctx.c.agents_alive),
        AgentServerMessage::Error { code, message } => {
            bump(&ctx.c.errors);
            ctx.problem(format!("agent {index} got error {code:?}: {message}"));
        }
        _ => {}
    }
}

/// Waits until `done` holds (checked every 20 ms) or `patience` runs out.
async fn wait_for(patience: Duration, done: impl Fn() -> bool) -> bool {
    let deadline = Instant::now() + patience;
    while !done() {
        if Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    true
}

/// The figures of one run.
#[derive(Debug)]
struct Report {
    shoppers: usize,
    welcomed: usize,
    refused: usize,
    held: usize,
    agents: usize,
    agents_held: usize,
    opened_in: Duration,
    rss_before: u64,
    rss_idle: u64,
    rss_logged_in: u64,
    rss_chatting: u64,
    sent: usize,
    acked: usize,
    delivered: usize,
    delivered_in: Duration,
    to_agent: Vec<u64>,
    replies: usize,
    replies_acked: usize,
    replies_delivered: usize,
    to_shopper: Vec<u64>,
    errors: usize,
    problems: Vec<String>,
}

async fn load(args: &Args, server: &dyn Target, logins: Vec<(String, String)>) -> Result<Report> {
    let addrs = server.addrs();
    let addr = addrs[0];
    for _ in 0..WARM_UP {
        let mut socket = open_shopper(addr).await.context("warm-up connection")?;
        let _ = socket.close(None).await;
    }
    tokio::time::sleep(SETTLE).await;
    let rss_before = server.rss()?;

    let ctx = Arc::new(Ctx {
        addrs,
        epoch: Instant::now(),
        chatting: args.chatting,
        agents: logins.len(),
        c: Counters::default(),
    });
    let c = &ctx.c;
    let (phase, phase_rx) = watch::channel(Phase::Connect);
    let (started_tx, mut started) = mpsc::unbounded_channel();
    let gate = Arc::new(Semaphore::new(CONNECTING_AT_ONCE));
    let opening = Instant::now();
    for index in 0..args.shoppers {
        let task = shopper(
            ctx.clone(),
            index,
            phase_rx.clone(),
            started_tx.clone(),
            gate.clone(),
        );
        tokio::spawn(task);
    }
    drop(started_tx);
    let all_in = wait_for(PATIENCE, || {
        count(&c.welcomed) + count(&c.refused) == args.shoppers
    })
    .await;
    ensure!(all_in, "shoppers still connecting after {PATIENCE:?}");
    let opened_in = opening.elapsed();
    tokio::time::sleep(SETTLE).await;
    let rss_idle = server.rss()?;

    // Agents, then conversations handed to them round-robin as they start.
    // Logging in hashes a password (Argon2, ~19 MB of memory each), so only
    // after the idle figure: freed memory the allocator keeps would skew it.
    let tokens = tokio::task::spawn_blocking(move || {
        logins
            .iter()
            .map(|(email, password)| login(addr, email, password))
            .collect::<Result<Vec<_>>>()
    })
    .await??;
    let rss_logged_in = server.rss()?;
    let mut assign = Vec::new();
    for (index, token) in tokens.into_iter().enumerate() {
        let (tx, rx) = mpsc::unbounded_channel();
        assign.push(tx);
        tokio::spawn(agent(ctx.clone(), index, token, rx, phase_rx.clone()));
    }
    let agents = assign.len();
    wait_for(PATIENCE, || {
        count(&c.agents_ready) + count(&c.agents_failed) >= agents
    })
    .await;
    ensure!(
        count(&c.agents_ready) == agents,
        "agents failed to connect: {:?}",
        c.problems.lock().unwrap_or_else(|e| e.into_inner())
    );
    tokio::spawn(async move {
        let mut next = 0;
        while let Some(conversation) = started.recv().await {
            let _ = assign[next % assign.len()].send(conversation);
            next += 1;
        }
    });
    phase.send(Phase::Start)?;
    let chatting = args.chatting;
    let joined = wait_for(PATIENCE, || count(&c.joined) == chatting).await;
    ensure!(
        joined,
        "{} of {chatting} conversations started, {} accepted, {} shoppers heard an agent join: {:?}",
        count(&c.started),
        count(&c.accepted),
        count(&c.joined),
        c.problems.lock().unwrap_or_else(|e| e.into_inner())
    );

    // Messages both ways.
    let chat_start = Instant::now();
    let chat_start_us = ctx.micros();
    let stop = chat_start + Duration::from_secs(args.seconds);
    server.instrument(true)?;
    phase.send(Phase::Chat(chat_start, stop))?;
    tokio::time::sleep_until(stop).await;
    let rss_chatting = server.rss()?;
    wait_for(GRACE, || {
        let sent = count(&c.sent);
        count(&c.acked) >= sent
            && count(&c.delivered) >= sent
            && count(&c.replies_delivered) >= count(&c.replies)
    })
    .await;
    server.instrument(false)?;
    let last = c.last_delivery.load(Ordering::Relaxed);
    let delivered_in = Duration::from_micros(last.saturating_sub(chat_start_us))
        .max(Duration::from_secs(args.seconds));

    // Is every connection still there?
    phase.send(Phase::Check)?;
    let welcomed = count(&c.welcomed);
    wait_for(Duration::from_secs(30), || {
        count(&c.shoppers_alive) + count(&c.dropped) >= welcomed
            && count(&c.agents_alive) + count(&c.agents_failed) >= agents
    })
    .await;
    let report = Report {
        shoppers: args.shoppers,
        welcomed,
        refused: count(&c.refused),
        held: count(&c.shoppers_alive),
        agents,
        agents_held: count(&c.agents_alive),
        opened_in,
        rss_before,
        rss_idle,
        rss_logged_in,
        rss_chatting,
        sent: count(&c.sent),
        acked: count(&c.acked),
        delivered: count(&c.delivered),
        delivered_in,
        to_agent: std::mem::take(&mut *c.to_agent.lock().unwrap_or_else(|e| e.into_inner())),
        replies: count(&c.replies),
        replies_acked: count(&c.replies_acked),
        replies_delivered: count(&c.replies_delivered),
        to_shopper: std::mem::take(&mut *c.to_shopper.lock().unwrap_or_else(|e| e.into_inner())),
        errors: count(&c.errors),
        problems: std::mem::take(&mut *c.problems.lock().unwrap_or_else(|e| e.into_inner())),
    };
    phase.send(Phase::Quit)?;
    // Let the tasks send their close frames.
    tokio::time::sleep(Duration::from_millis(500)).await;
    Ok(report)
}

/// The `q` quantile of `values` (sorted here), in milliseconds.
fn quantile_ms(values: &mut [u64], q: f64) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    values.sort_unstable();
    let at = ((values.len() - 1) as f64 * q).round() as usize;
    values[at] as f64 / 1000.0
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

impl Report {
    /// Prints the summary; whether the run passed.
    fn print(mut self, args: &Args) -> Result<bool> {
        let per_connection =
            self.rss_idle.saturating_sub(self.rss_before) / self.welcomed.max(1) as u64;
        let dropped = self.welcomed - self.held.min(self.welcomed);
        let seconds = self.delivered_in.as_secs_f64();
        println!();
        println!(
            "chat load: {} shopper connections held ({dropped} dropped, {} refused), {} agents; opened in {:.1} s",
            self.held,
            self.refused,
            self.agents_held,
            self.opened_in.as_secs_f64()
        );
        println!(
            "idle memory: {:.1} KB per shopper connection (budget {} KB); server RSS {:.1} MB before, {:.1} MB with {} idle shoppers",
            per_connection as f64 / 1024.0,
            BUDGET_BYTES / 1024,
            mb(self.rss_before),
            mb(self.rss_idle),
            self.welcomed,
        );
        println!(
            "server RSS after {} agent logins (Argon2 hashing) {:.1} MB, while chatting {:.1} MB",
            self.agents,
            mb(self.rss_logged_in),
            mb(self.rss_chatting)
        );
        println!(
            "messages: {} delivered in {seconds:.1} s = {:.0} msg/s ({} conversations, {} sent, {} acked); shopper→agent latency p50 {:.1} ms, p99 {:.1} ms, p999 {:.1} ms, max {:.1} ms",
            self.delivered,
            self.delivered as f64 / seconds,
            args.chatting,
            self.sent,
            self.acked,
            quantile_ms(&mut self.to_agent, 0.5),
            quantile_ms(&mut self.to_agent, 0.99),
            quantile_ms(&mut self.to_agent, 0.999),
            quantile_ms(&mut self.to_agent, 1.0),
        );
        println!(
            "replies: {} of {} agent replies delivered ({} acked); agent→shopper latency p50 {:.1} ms, p99 {:.1} ms, p999 {:.1} ms, max {:.1} ms",
            self.replies_delivered,
            self.replies,
            self.replies_acked,
            quantile_ms(&mut self.to_shopper, 0.5),
            quantile_ms(&mut self.to_shopper, 0.99),
            quantile_ms(&mut self.to_shopper, 0.999),
            quantile_ms(&mut self.to_shopper, 1.0),
        );
        let mut failures = Vec::new();
        let p99 = quantile_ms(&mut self.to_agent, 0.99);
        if let Some(file) = &args.summary {
            let line = serde_json::json!({
                "backend": format!("{:?}", args.backend).to_lowercase(),
                "nodes": if args.backend == Backend::Cluster { 3 } else { 1 },
                "connections": self.held,
                "shoppers": self.shoppers,
                "agents": self.agents_held,
                "bytes_per_idle_connection": per_connection,
                "rss_idle_mb": mb(self.rss_idle),
                "msg_per_s": self.delivered as f64 / seconds,
                "p50_ms": quantile_ms(&mut self.to_agent, 0.5),
                "p99_ms": p99,
                "p999_ms": quantile_ms(&mut self.to_agent, 0.999),
            });
            let mut out = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(file)
                .with_context(|| format!("opening {}", file.display()))?;
            writeln!(out, "{line}")?;
        }
        // The latency budget is one SQLite node's (docs/budgets.md).
        if p99 > P99_BUDGET_MS && !args.callgrind && args.backend == Backend::Sqlite {
            failures.push(format!(
                "shopper→agent p99 {p99:.1} ms is over the {P99_BUDGET_MS} ms budget (on a busy machine, run again)"
            ));
        }
        if self.refused > 0 || self.welcomed < self.shoppers {
            failures.push(format!("{} shopper connections refused", self.refused));
        }
        if dropped > 0 {
            failures.push(format!("{dropped} shopper connections dropped"));
        }
        if self.agents_held < self.agents {
            failures.push(format!(
                "{} agent connections dropped",
                self.agents - self.agents_held
            ));
        }
        // The memory budget is one node's: three nodes each hold a third of
        // the connections, so their fixed costs weigh three times as much.
        if per_connection > BUDGET_BYTES && !args.callgrind && args.backend != Backend::Cluster {
            failures.push("idle shopper connections are over the memory budget".into());
        }
        if self.acked < self.sent || self.delivered < self.sent {
            failures.push(format!(
                "{} messages sent, {} acked, {} delivered",
                self.sent, self.acked, self.delivered
            ));
        }
        if self.replies_acked < self.replies || self.replies_delivered < self.replies {
            failures.push(format!(
                "{} replies sent, {} acked, {} delivered",
                self.replies, self.replies_acked, self.replies_delivered
            ));
        }
        if self.errors > 0 {
            failures.push(format!("{} error frames", self.errors));
        }
        for problem in &self.problems {
            eprintln!("  {problem}");
        }
        if failures.is_empty() {
            return Ok(true);
        }
        println!("chat load FAILED: {}", failures.join("; "));
        Ok(false)
    }
}
