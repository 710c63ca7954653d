//! Chaos test of live chat on three nodes, run by `cargo xtask chaos --cluster`.
//!
//! Starts a throwaway PostgreSQL, a 3-server NATS cluster and three `aisle
//! serve --demo --bus` nodes (one worker thread each) on loopback
//! (`support/infra.rs`), logs in 4 agents and has 100 shoppers converse with
//! them — every shopper and every agent sends one message a second — each
//! client on a random node, moving to another random node whenever its
//! connection breaks or stalls (no frame for 3 s although it pings every
//! second). A shopper resumes with `hello {resume, last_seq}` and resends its
//! outbox (client ids, as the widget does); an agent reconnects, gets its
//! conversations' snapshots and resends its outbox (as the console does).
//! All four agents race to accept every waiting conversation.
//!
//! Meanwhile a seeded schedule, per 40 s round: SIGKILLs a random node every
//! 3±1 s and restarts it at once; SIGSTOPs a node for 20 s, then SIGCONT;
//! SIGKILLs one NATS server and restarts it 3 s later; `pg_ctl restart -m
//! immediate` once.
//!
//! Then it stops typing, waits until everything typed is acknowledged and
//! every client has caught up, and checks:
//!
//! - every conversation's stored sequence numbers are 1..=last_seq;
//! - every acknowledged `client_id` is stored once, at the acknowledged seq;
//! - every shopper, and every agent for each conversation it holds, received
//!   the store's log in order, without gaps and without duplicates (a
//!   sequence number at or below one already delivered on a connection
//!   counts as duplicated);
//! - one agent won each accept race (and the database names that agent);
//! - no conversation went back to the queue (`transferred`), although
//!   agents always had a live connection.
//!
//! Prints kill→reconnected and kill→first delivered message (message or ack)
//! p50/p99 over the clients on each killed node, the same for the stopped
//! node, and the lost/duplicated counts; exits non-zero on any violation.
//! Without PostgreSQL or `nats-server` it says so loudly and passes (with
//! `CI=true` it fails). Node logs: `target/chaos-cluster/`.
//!
//! ```text
//! cargo build -p aisle-server --bin aisle
//! cargo run -p aisle-server --example chaos_cluster -- --seconds 120 --seed 7
//! ```

#[path = "support/infra.rs"]
mod infra;

#[path = "support/agent_login.rs"]
mod agent_login;
#[path = "support/frames.rs"]
mod frames;
use agent_login::login;

use aisle_core::protocol::{
    AgentClientMessage, AgentServerMessage, ChatMessage, ClientMessage, PROTOCOL_VERSION, Party,
    ProtocolError, ServerMessage, agent_ws_path, ws_path,
};
use anyhow::{Context, Result, anyhow, bail, ensure};
use clap::Parser;
use frames::Frame;
use futures_util::{SinkExt, StreamExt};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{ExitCode, Stdio};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::sync::watch;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Nodes (and NATS servers).
const NODES: usize = 3;
/// A round of the fault schedule: one SIGSTOP, one NATS kill, one PostgreSQL restart.
const ROUND: Duration = Duration::from_secs(40);
/// How long the stopped node stays stopped.
const STOP_FOR: Duration = Duration::from_secs(20);
/// How long a NATS server stays dead.
const NATS_DOWN: Duration = Duration::from_secs(3);
/// A connection with no frame for this long (while pinging) counts as stalled.
const LIVENESS: Duration = Duration::from_secs(3);
/// Clients ping this often.
const PING_EVERY: Duration = Duration::from_secs(1);
/// Connecting and the welcome may take this long.
const HANDSHAKE: Duration = Duration::from_secs(3);
/// Unacknowledged messages are resent this long after they were last sent.
const RESEND_AFTER: Duration = Duration::from_secs(2);
/// Every client types one message per this.
const SAY_EVERY: Duration = Duration::from_secs(1);
/// An agent asks again for a conversation still waiting after this long.
const ACCEPT_AGAIN: Duration = Duration::from_secs(2);
/// Pause before connecting again after a broken connection.
const RETRY: Duration = Duration::from_millis(100);
/// Everything typed must be acknowledged and delivered within this after typing stops.
const SETTLE_PATIENCE: Duration = Duration::from_secs(40);
/// Agents added for the run share this password.
const AGENT_PASSWORD: &str = "chaos-agent-password";

/// Chaos test of live chat on three nodes: kills, stops, bus and database faults.
#[derive(Debug, Parser)]
struct Args {
    /// Seconds of chaos (whole 40 s rounds of the schedule, at least one).
    #[arg(long, default_value_t = 120)]
    seconds: u64,
    /// One round (40 s of chaos; about 70 s in all): what `cargo xtask test` runs.
    #[arg(long)]
    short: bool,
    /// Seed of the schedule [default: from the clock; printed].
    #[arg(long)]
    seed: Option<u64>,
    /// Shoppers conversing.
    #[arg(long, default_value_t = 100)]
    shoppers: usize,
    /// Agents answering (the demo agent and agents added for the run).
    #[arg(long, default_value_t = 4)]
    agents: usize,
    /// The `aisle` binary [default: `aisle` in the directory above this example's].
    #[arg(long)]
    server: Option<PathBuf>,
}

fn main() -> ExitCode {
    match run(&Args::parse()) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("chaos --cluster: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// `--server`, or `aisle` built next to this example (`target/<profile>/aisle`).
fn server_binary(given: Option<&Path>) -> Result<PathBuf> {
    let binary = match given {
        Some(path) => path.to_path_buf(),
        None => std::env::current_exe()?
            .parent()
            .and_then(Path::parent)
            .context("the example is not in target/<profile>/examples")?
            .join("aisle"),
    };
    ensure!(
        binary.is_file(),
        "no server binary at {}: run `cargo build -p aisle-server --bin aisle` first",
        binary.display()
    );
    Ok(binary)
}

/// The processes of the run.
struct Cluster {
    pg: infra::Postgres,
    nats: infra::Nats,
    nodes: Vec<infra::Node>,
}

fn run(args: &Args) -> Result<bool> {
    let started = std::time::Instant::now();
    let seconds = if args.short {
        ROUND.as_secs()
    } else {
        args.seconds
    };
    ensure!(
        seconds >= ROUND.as_secs(),
        "--seconds must be at least {}",
        ROUND.as_secs()
    );
    ensure!(
        args.agents >= 1 && args.shoppers >= 1,
        "--agents and --shoppers must be at least 1"
    );
    let Some(pg_bin) = infra::postgres_bin() else {
        infra::missing(
            "PostgreSQL (/usr/lib/postgresql/*/bin/initdb)",
            "postgresql",
        )
        .map_err(|e| anyhow!(e))?;
        return Ok(true);
    };
    let Some(nats_bin) = infra::nats_bin() else {
        infra::missing("nats-server", "nats-server").map_err(|e| anyhow!(e))?;
        return Ok(true);
    };
    let seed = args.seed.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(1)
    });
    println!(
        "chaos --cluster: seed {seed}, {seconds} s, {} shoppers, {} agents, {NODES} nodes (rerun with --seed {seed})",
        args.shoppers, args.agents
    );
    let binary = server_binary(args.server.as_deref())?;
    let logs = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/chaos-cluster");
    let _ = std::fs::remove_dir_all(&logs);
    std::fs::create_dir_all(&logs)?;
    let assets = infra::TempDir::new("aisle-chaos-assets-")?;

    let pg = infra::Postgres::start(&pg_bin).map_err(|e| anyhow!(e))?;
    let nats = infra::Nats::start(&nats_bin, NODES).map_err(|e| anyhow!(e))?;
    let config = infra::NodeConfig {
        binary: binary.clone(),
        db: pg.url(),
        bus: Some(nats.urls()),
        assets: assets.path().to_path_buf(),
        workers: Some(1),
        // Every simulated client comes from 127.0.0.1.
        extra: [
            "--max-sockets-per-address",
            "100000",
            "--max-open-per-address",
            "100000",
        ]
        .map(String::from)
        .to_vec(),
        log_filter: std::env::var("AISLE_CHAOS_LOG").unwrap_or_else(|_| "warn".into()),
    };
    let mut nodes = Vec::new();
    for i in 0..NODES {
        let log = logs.join(format!("node{}.log", i + 1));
        nodes.push(infra::Node::start(config.clone(), log).map_err(|e| anyhow!(e))?);
    }
    let mut cluster = Cluster { pg, nats, nodes };
    let addrs: Vec<SocketAddr> = cluster.nodes.iter().map(|n| n.addr).collect();

    // The agents: the demo agent and `--agents - 1` more (added in parallel).
    let mut emails = vec![aisle_server::demo::AGENT_EMAIL.to_owned()];
    let mut adding = Vec::new();
    for i in 1..args.agents {
        let email = format!("chaos{i}@demo.test");
        adding.push((
            email.clone(),
            std::process::Command::new(&binary)
                .args(["agents", "add", &email, "--site", "demo", "--name"])
                .arg(format!("Chaos {i}"))
                .args(["--db", &cluster.pg.url()])
                .env("AISLE_AGENT_PASSWORD", AGENT_PASSWORD)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()?,
        ));
        emails.push(email);
    }
    for (email, child) in adding {
        let out = child.wait_with_output()?;
        ensure!(
            out.status.success(),
            "aisle agents add {email}: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    let mut tokens = Vec::new();
    for (i, email) in emails.iter().enumerate() {
        let password = if i == 0 {
            aisle_server::demo::AGENT_PASSWORD
        } else {
            AGENT_PASSWORD
        };
        tokens.push(login(addrs[i % NODES], email, password)?);
    }
    println!(
        "started in {:.1} s: PostgreSQL on :{}, NATS {}, nodes {}",
        started.elapsed().as_secs_f64(),
        cluster.pg.port,
        cluster.nats.urls(),
        addrs
            .iter()
            .map(|a| a.to_string())
            .collect::<Vec<_>>()
            .join(" ")
    );

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let outcome = runtime.block_on(chaos(
        args,
        seed,
        seconds,
        &mut cluster,
        addrs,
        tokens,
        &emails,
    ));
    drop(runtime);
    let verdict = match outcome {
        Ok(figures) => figures.print(started.elapsed()),
        Err(e) => {
            eprintln!("chaos --cluster: {e:#}");
            false
        }
    };
    if !verdict {
        for node in &cluster.nodes {
            let log = std::fs::read_to_string(&node.log).unwrap_or_default();
            let tail: Vec<&str> = log.lines().rev().take(15).collect();
            let tail: Vec<&str> = tail.into_iter().rev().collect();
            eprintln!(
                "--- {} (last lines):\n{}",
                node.log.display(),
                tail.join("\n")
            );
        }
    }
    drop(cluster);
    Ok(verdict)
}

// ------------------------------------------------------------------ figures

/// What the run counts; any of `lost`, `duplicated`, `out_of_order`,
/// `mismatched`, `two_winners`, `requeued`, `gaps` fails it.
#[derive(Debug, Default)]
struct Figures {
    seconds: u64,
    conversations: usize,
    messages: usize,
    node_kills: usize,
    node_stops: usize,
    nats_kills: usize,
    pg_restarts: usize,
    cycles: usize,
    connections: usize,
    resends: usize,
    rate_limited: usize,
    internal_errors: usize,
    accept_races_lost: usize,
    frames_before_welcome: usize,
    lost: usize,
    duplicated: usize,
    out_of_order: usize,
    mismatched: usize,
    gaps: usize,
    two_winners: usize,
    requeued: usize,
    kill_reconnected: Vec<Duration>,
    kill_delivered: Vec<Duration>,
    stop_reconnected: Vec<Duration>,
    stop_delivered: Vec<Duration>,
    problems: Vec<String>,
}

impl Figures {
    fn problem(&mut self, text: String) {
        if self.problems.len() < 30 {
            self.problems.push(text);
        }
    }

    fn violations(&self) -> usize {
        self.lost
            + self.duplicated
            + self.out_of_order
            + self.mismatched
            + self.gaps
            + self.two_winners
            + self.requeued
    }

    /// Prints the report; whether the run passed.
    fn print(mut self, elapsed: std::time::Duration) -> bool {
        let pct = |v: &mut Vec<Duration>, q: f64| -> String {
            if v.is_empty() {
                return "-".into();
            }
            v.sort();
            let i = ((v.len() as f64 * q).ceil() as usize).clamp(1, v.len()) - 1;
            format!("{:.0} ms", v[i].as_secs_f64() * 1000.0)
        };
        let n_kill = self.kill_reconnected.len();
        let n_stop = self.stop_reconnected.len();
        println!(
            "\nchaos --cluster: {:.0} s in all, {} s of chaos",
            elapsed.as_secs_f64(),
            self.seconds
        );
        println!(
            "  cycles {} (kill/restart of a node), node kills {}, node stops {} (20 s), NATS kills {}, PostgreSQL restarts {}",
            self.cycles, self.node_kills, self.node_stops, self.nats_kills, self.pg_restarts
        );
        println!(
            "  conversations {}, messages stored {}, client connections {}, resends {}, rate_limited {}, internal errors {}, accept races lost {}, queue/accepted frames before an agent's welcome {}",
            self.conversations,
            self.messages,
            self.connections,
            self.resends,
            self.rate_limited,
            self.internal_errors,
            self.accept_races_lost,
            self.frames_before_welcome
        );
        println!(
            "  kill → reconnected p50 {} p99 {}; kill → first delivered message p50 {} p99 {} ({n_kill} clients moved)",
            pct(&mut self.kill_reconnected, 0.5),
            pct(&mut self.kill_reconnected, 0.99),
            pct(&mut self.kill_delivered, 0.5),
            pct(&mut self.kill_delivered, 0.99)
        );
        println!(
            "  stop → reconnected p50 {} p99 {}; stop → first delivered message p50 {} p99 {} ({n_stop} clients moved)",
            pct(&mut self.stop_reconnected, 0.5),
            pct(&mut self.stop_reconnected, 0.99),
            pct(&mut self.stop_delivered, 0.5),
            pct(&mut self.stop_delivered, 0.99)
        );
        println!(
            "  lost {}, duplicated {}, out of order {}, mismatched {}, sequence gaps {}, two winners {}, requeued {}",
            self.lost,
            self.duplicated,
            self.out_of_order,
            self.mismatched,
            self.gaps,
            self.two_winners,
            self.requeued
        );
        for p in &self.problems {
            println!("  ! {p}");
        }
        let ok = self.violations() == 0 && self.messages > 0;
        println!("{}", if ok { "PASSED" } else { "FAILED" });
        ok
    }
}

// ------------------------------------------------------------------ clients

/// Where the run is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// Typing one message a second.
    Chatting,
    /// No new messages; outboxes drain.
    Settling,
    /// Close and return.
    Done,
}

/// One connection of a client: the node, when it was welcomed, when it
/// ended, the first message or ack it delivered.
#[derive(Debug, Clone)]
struct Conn {
    node: usize,
    welcomed: Instant,
    ended: Option<Instant>,
    first_delivery: Option<Instant>,
}

/// What a client knows of one conversation.
#[derive(Debug, Default)]
struct View {
    /// seq → text, as delivered.
    by_seq: BTreeMap<u64, String>,
    /// Typed, not yet acknowledged (text = client id), in typing order,
    /// with when each was last sent.
    outbox: Vec<(String, Option<Instant>)>,
    /// Acknowledged: text → seq.
    acked: HashMap<String, u64>,
}

impl View {
    /// The outbox messages to send now: all of them after a reconnect
    /// (`all`), else those unsent or sent `RESEND_AFTER` ago; marks them sent.
    fn due(&mut self, all: bool) -> Vec<String> {
        let now = Instant::now();
        self.outbox
            .iter_mut()
            .filter(|(_, sent)| all || sent.is_none_or(|at| now.duration_since(at) >= RESEND_AFTER))
            .map(|(text, sent)| {
                *sent = Some(now);
                text.clone()
            })
            .collect()
    }

    fn has(&self, text: &str) -> bool {
        self.outbox.iter().any(|(t, _)| t == text)
    }

    /// Records a delivered message; a different text at a known seq is a mismatch.
    fn record(&mut self, who: &str, seq: u64, text: &str, figures: &mut Figures) {
        if let Some(before) = self.by_seq.insert(seq, text.to_owned())
            && before != text
        {
            figures.mismatched += 1;
            figures.problem(format!("{who}: seq {seq} was {before:?}, now {text:?}"));
        }
    }

    fn ack(&mut self, who: &str, client_id: &str, seq: u64, figures: &mut Figures) {
        self.record(who, seq, client_id, figures);
        self.outbox.retain(|(t, _)| t != client_id);
        if let Some(before) = self.acked.insert(client_id.to_owned(), seq)
            && before != seq
        {
            figures.duplicated += 1;
            figures.problem(format!(
                "{who}: {client_id:?} acknowledged as seq {before} and as seq {seq}"
            ));
        }
    }
}

/// A shopper's state.
#[derive(Debug, Default)]
struct Shopper {
    conversation: Option<String>,
    resume: Option<String>,
    last_seq: u64,
    view: View,
    conns: Vec<Conn>,
}

/// An agent's state.
#[derive(Debug, Default)]
struct Agent {
    /// Conversations won, in order.
    held: Vec<String>,
    views: HashMap<String, View>,
    conns: Vec<Conn>,
}

/// What every client shares.
struct Shared {
    addrs: Vec<SocketAddr>,
    figures: Mutex<Figures>,
    /// Conversation → the agent that won it.
    owners: Mutex<HashMap<String, usize>>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

impl Shared {
    fn figures(&self) -> MutexGuard<'_, Figures> {
        lock(&self.figures)
    }
}

async fn send_json<T: Serialize>(socket: &mut Socket, message: &T) -> bool {
    let text = serde_json::to_string(message).expect("frames serialize");
    socket.send(Message::text(text)).await.is_ok()
}

async fn connect(url: String, header: (&'static str, String)) -> Result<Socket> {
    let mut request = url.into_client_request()?;
    request.headers_mut().insert(header.0, header.1.parse()?);
    let (socket, _) =
        tokio::time::timeout(HANDSHAKE, tokio_tungstenite::connect_async(request)).await??;
    Ok(socket)
}

/// The next text frame within `patience` (pings and pongs skipped); `None`
/// when the socket ends or stalls.
async fn next_text(socket: &mut Socket, patience: Duration) -> Option<String> {
    tokio::time::timeout(patience, async {
        loop {
            match socket.next().await {
                Some(Ok(Message::Text(text))) => return Some(text.as_str().to_owned()),
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
                _ => return None,
            }
        }
    })
    .await
    .ok()
    .flatten()
}

/// Sleeps until `at`, or forever without one.
async fn until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// How a connection ended.
enum Exit {
    /// Closed, stalled or refused: connect again (elsewhere).
    Broken,
    /// The run is over.
    Done,
}

/// Counts an error frame; when to resend, if at all.
fn on_error(sh: &Shared, who: &str, code: ProtocolError, message: &str) -> Option<Duration> {
    let mut figures = sh.figures();
    match code {
        ProtocolError::RateLimited => {
            figures.rate_limited += 1;
            Some(Duration::from_millis(1000))
        }
        // The database restarting: the client retries.
        ProtocolError::Internal => {
            figures.internal_errors += 1;
            Some(Duration::from_millis(500))
        }
        ProtocolError::AlreadyTaken => {
            figures.accept_races_lost += 1;
            None
        }
        ProtocolError::AlreadyStarted => None,
        other => {
            figures.problem(format!("{who}: error {other:?}: {message}"));
            None
        }
    }
}

/// Marks the last connection ended now.
fn ended(conns: &mut [Conn]) {
    if let Some(conn) = conns.last_mut()
        && conn.ended.is_none()
    {
        conn.ended = Some(Instant::now());
    }
}

/// Marks a delivery on the current connection.
fn delivered(conns: &mut [Conn]) {
    if let Some(conn) = conns.last_mut()
        && conn.first_delivery.is_none()
    {
        conn.first_delivery = Some(Instant::now());
    }
}

/// A random node other than `last` (the one whose connection just broke),
/// as a load balancer that health-checks its nodes would pick.
fn pick_node(rng: &mut StdRng, nodes: usize, last: Option<usize>) -> usize {
    match last {
        Some(last) if nodes > 1 => (last + rng.random_range(1..nodes)) % nodes,
        _ => rng.random_range(0..nodes),
    }
}

/// A shopper: connects to random nodes until the run is done.
async fn shopper(
    sh: Arc<Shared>,
    me: usize,
    state: Arc<Mutex<Shopper>>,
    mut phase: watch::Receiver<Phase>,
    seed: u64,
) {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut said = 0usize;
    // Spread the first messages over the first second.
    let mut next_say = Instant::now() + Duration::from_millis(rng.random_range(0..1000));
    let mut last_node = None;
    loop {
        if *phase.borrow() == Phase::Done {
            return;
        }
        let node = pick_node(&mut rng, sh.addrs.len(), last_node);
        last_node = Some(node);
        let exit =
            shopper_connection(&sh, me, node, &state, &mut phase, &mut said, &mut next_say).await;
        ended(&mut lock(&state).conns);
        match exit {
            Exit::Done => return,
            Exit::Broken => tokio::time::sleep(RETRY).await,
        }
    }
}

/// Sends the shopper's unacknowledged messages, in typing order.
async fn shopper_resend(
    sh: &Shared,
    state: &Mutex<Shopper>,
    socket: &mut Socket,
    all: bool,
) -> bool {
    let outbox = {
        let mut s = lock(state);
        if s.conversation.is_none() {
            return true;
        }
        s.view.due(all)
    };
    sh.figures().resends += outbox.len();
    for text in outbox {
        let send = ClientMessage::Send {
            client_id: text.clone(),
            text,
        };
        if !send_json(socket, &send).await {
            return false;
        }
    }
    true
}

async fn send_start(socket: &mut Socket) -> bool {
    let start = ClientMessage::Start {
        locale: "en".into(),
        context: Default::default(),
        resume: None,
    };
    send_json(socket, &start).await
}

async fn shopper_connection(
    sh: &Shared,
    me: usize,
    node: usize,
    state: &Mutex<Shopper>,
    phase: &mut watch::Receiver<Phase>,
    said: &mut usize,
    next_say: &mut Instant,
) -> Exit {
    let who = format!("shopper {me}");
    let addr = sh.addrs[node];
    let url = format!("ws://{addr}{}?site=demo", ws_path(PROTOCOL_VERSION));
    let Ok(mut socket) = connect(url, ("origin", format!("http://{addr}"))).await else {
        return Exit::Broken;
    };
    let (resume, last_seq) = {
        let s = lock(state);
        (s.resume.clone(), s.last_seq)
    };
    let hello = ClientMessage::Hello {
        resume: resume.clone(),
        last_seq,
    };
    if !send_json(&mut socket, &hello).await {
        return Exit::Broken;
    }
    let Some(text) = next_text(&mut socket, HANDSHAKE).await else {
        return Exit::Broken;
    };
    match serde_json::from_str::<ServerMessage>(&text) {
        Ok(ServerMessage::Welcome { conversation, .. }) => {
            let known = lock(state).conversation.clone();
            match (known, conversation) {
                (Some(id), None) if resume.is_some() => {
                    let mut figures = sh.figures();
                    figures.lost += 1;
                    figures.problem(format!("{who}: resume of {id} refused"));
                    return Exit::Done;
                }
                (Some(id), Some(got)) if got.id != id => {
                    let mut figures = sh.figures();
                    figures.mismatched += 1;
                    figures.problem(format!("{who}: resumed {} instead of {id}", got.id));
                }
                _ => {}
            }
        }
        other => {
            sh.figures()
                .problem(format!("{who}: expected welcome, got {other:?}"));
            return Exit::Broken;
        }
    }
    sh.figures().connections += 1;
    lock(state).conns.push(Conn {
        node,
        welcomed: Instant::now(),
        ended: None,
        first_delivery: None,
    });
    let mut connection_max = last_seq;
    let mut start_again: Option<Instant> = None;
    if lock(state).conversation.is_none() {
        if !send_start(&mut socket).await {
            return Exit::Broken;
        }
    } else if !shopper_resend(sh, state, &mut socket, true).await {
        return Exit::Broken;
    }
    let mut resend_at = Some(Instant::now() + RESEND_AFTER);
    let mut next_ping = Instant::now() + PING_EVERY;
    let mut last_heard = Instant::now();
    let mut nonce = 0u64;
    loop {
        let chatting = *phase.borrow() == Phase::Chatting;
        tokio::select! {
            () = tokio::time::sleep_until(last_heard + LIVENESS) => return Exit::Broken,
            frame = socket.next() => {
                last_heard = Instant::now();
                let unreadable = |text: &str, e| sh.figures().problem(format!("{who}: unreadable frame {text}: {e}"));
                let message: ServerMessage = match frames::read(frame, unreadable) {
                    Frame::Read(message) => message,
                    Frame::Skip => continue,
                    Frame::Broken => return Exit::Broken,
                };
                match message {
                    ServerMessage::Message(ChatMessage { seq, client_id, author, text, .. }) => {
                        let mut s = lock(state);
                        let mut figures = sh.figures();
                        if seq <= connection_max {
                            figures.duplicated += 1;
                            figures.problem(format!("{who}: seq {seq} delivered after seq {connection_max} on one connection"));
                        }
                        connection_max = connection_max.max(seq);
                        s.view.record(&who, seq, &text, &mut figures);
                        s.last_seq = s.last_seq.max(seq);
                        if author == Party::Shopper {
                            if client_id.as_deref() != Some(text.as_str()) {
                                figures.mismatched += 1;
                                figures.problem(format!("{who}: own {text:?} came back with client_id {client_id:?}"));
                            }
                            s.view.ack(&who, &text, seq, &mut figures);
                        }
                        delivered(&mut s.conns);
                    }
                    ServerMessage::Ack { client_id, seq } => {
                        let mut s = lock(state);
                        let mut figures = sh.figures();
                        connection_max = connection_max.max(seq);
                        s.view.ack(&who, &client_id, seq, &mut figures);
                        s.last_seq = s.last_seq.max(seq);
                        delivered(&mut s.conns);
                    }
                    ServerMessage::Started { conversation, resume } => {
                        {
                            let mut s = lock(state);
                            s.conversation = Some(conversation);
                            s.resume = Some(resume);
                        }
                        if !shopper_resend(sh, state, &mut socket, true).await {
                            return Exit::Broken;
                        }
                    }
                    // No agent online yet (they are still connecting).
                    ServerMessage::Offline { .. } => {
                        start_again = Some(Instant::now() + Duration::from_millis(500));
                    }
                    ServerMessage::Closed { .. } => {
                        sh.figures().problem(format!("{who}: the conversation was closed"));
                    }
                    ServerMessage::Error { code, message } => {
                        if let Some(after) = on_error(sh, &who, code, &message) {
                            resend_at = Some(Instant::now() + after);
                            if lock(state).conversation.is_none() {
                                start_again = Some(Instant::now() + after);
                            }
                        }
                    }
                    _ => {}
                }
            }
            () = tokio::time::sleep_until(next_ping) => {
                next_ping = Instant::now() + PING_EVERY;
                nonce += 1;
                if !send_json(&mut socket, &ClientMessage::Ping { nonce }).await {
                    return Exit::Broken;
                }
            }
            () = tokio::time::sleep_until(*next_say), if chatting => {
                *next_say += SAY_EVERY;
                if *next_say < Instant::now() {
                    *next_say = Instant::now() + SAY_EVERY;
                }
                *said += 1;
                let text = format!("s{me}-{said}");
                let live = {
                    let mut s = lock(state);
                    let live = s.conversation.is_some();
                    s.view.outbox.push((text.clone(), live.then(Instant::now)));
                    live
                };
                resend_at.get_or_insert(Instant::now() + RESEND_AFTER);
                if live && !send_json(&mut socket, &ClientMessage::Send { client_id: text.clone(), text }).await {
                    return Exit::Broken;
                }
            }
            () = until(resend_at) => {
                resend_at = Some(Instant::now() + Duration::from_millis(500));
                if !lock(state).view.outbox.is_empty() && !shopper_resend(sh, state, &mut socket, false).await {
                    return Exit::Broken;
                }
            }
            () = until(start_again) => {
                start_again = None;
                if lock(state).conversation.is_none() && !send_start(&mut socket).await {
                    return Exit::Broken;
                }
            }
            changed = phase.changed() => {
                if changed.is_err() || *phase.borrow() == Phase::Done {
                    let _ = socket.close(None).await;
                    return Exit::Done;
                }
            }
        }
    }
}

/// An agent: connects to random nodes until the run is done.
async fn agent(
    sh: Arc<Shared>,
    me: usize,
    token: String,
    state: Arc<Mutex<Agent>>,
    mut phase: watch::Receiver<Phase>,
    seed: u64,
) {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut said = 0usize;
    let mut next_say = Instant::now() + SAY_EVERY;
    let mut last_node = None;
    loop {
        if *phase.borrow() == Phase::Done {
            return;
        }
        let node = pick_node(&mut rng, sh.addrs.len(), last_node);
        last_node = Some(node);
        let exit = agent_connection(
            &sh,
            me,
            node,
            &token,
            &state,
            &mut phase,
            &mut said,
            &mut next_say,
        )
        .await;
        ended(&mut lock(&state).conns);
        match exit {
            Exit::Done => return,
            Exit::Broken => tokio::time::sleep(RETRY).await,
        }
    }
}

/// Sends the agent's unacknowledged replies, per conversation in typing order.
async fn agent_resend(sh: &Shared, state: &Mutex<Agent>, socket: &mut Socket, all: bool) -> bool {
    let sends: Vec<AgentClientMessage> = {
        let mut s = lock(state);
        let held = s.held.clone();
        held.iter()
            .flat_map(|id| {
                s.views
                    .get_mut(id)
                    .expect("held")
                    .due(all)
                    .into_iter()
                    .map(|text| AgentClientMessage::Send {
                        conversation: id.clone(),
                        client_id: text.clone(),
                        text,
                    })
            })
            .collect()
    };
    sh.figures().resends += sends.len();
    for send in sends {
        if !send_json(socket, &send).await {
            return false;
        }
    }
    true
}

#[allow(clippy::too_many_arguments)]
async fn agent_connection(
    sh: &Shared,
    me: usize,
    node: usize,
    token: &str,
    state: &Mutex<Agent>,
    phase: &mut watch::Receiver<Phase>,
    said: &mut usize,
    next_say: &mut Instant,
) -> Exit {
    let who = format!("agent {me}");
    let addr = sh.addrs[node];
    let url = format!("ws://{addr}{}", agent_ws_path(PROTOCOL_VERSION));
    let Ok(mut socket) = connect(url, ("authorization", format!("Bearer {token}"))).await else {
        return Exit::Broken;
    };
    if !send_json(&mut socket, &AgentClientMessage::Hello).await {
        return Exit::Broken;
    }
    // The welcome (a queue update or another agent's accept may come first:
    // they are pushed to the agent's connections as soon as the server
    // registers this one).
    let handshake = Instant::now() + HANDSHAKE;
    loop {
        let patience = handshake.saturating_duration_since(Instant::now());
        match next_text(&mut socket, patience)
            .await
            .map(|text| serde_json::from_str::<AgentServerMessage>(&text))
        {
            Some(Ok(AgentServerMessage::Welcome { .. })) => break,
            Some(Ok(AgentServerMessage::Queue { .. } | AgentServerMessage::Accepted { .. })) => {
                sh.figures().frames_before_welcome += 1
            }
            None => return Exit::Broken,
            other => {
                sh.figures()
                    .problem(format!("{who}: expected welcome, got {other:?}"));
                return Exit::Broken;
            }
        }
    }
    if !send_json(&mut socket, &AgentClientMessage::Presence { online: true }).await {
        return Exit::Broken;
    }
    sh.figures().connections += 1;
    lock(state).conns.push(Conn {
        node,
        welcomed: Instant::now(),
        ended: None,
        first_delivery: None,
    });
    // Per conversation, the highest seq delivered on this connection.
    let mut connection_max: HashMap<String, u64> = HashMap::new();
    // Accepts asked for, and when.
    let mut accepting: HashMap<String, Instant> = HashMap::new();
    let mut resend_at = Some(Instant::now() + RESEND_AFTER);
    let mut next_ping = Instant::now() + PING_EVERY;
    let mut last_heard = Instant::now();
    let mut nonce = 0u64;
    loop {
        let chatting = *phase.borrow() == Phase::Chatting;
        tokio::select! {
            () = tokio::time::sleep_until(last_heard + LIVENESS) => return Exit::Broken,
            frame = socket.next() => {
                last_heard = Instant::now();
                let unreadable = |_: &str, e| sh.figures().problem(format!("{who}: unreadable frame: {e}"));
                let message: AgentServerMessage = match frames::read(frame, unreadable) {
                    Frame::Read(message) => message,
                    Frame::Skip => continue,
                    Frame::Broken => return Exit::Broken,
                };
                match message {
                    AgentServerMessage::Queue { waiting, .. } => {
                        // Every agent races for every waiting conversation.
                        for entry in waiting {
                            let id = entry.conversation;
                            if lock(state).views.contains_key(&id) {
                                continue;
                            }
                            if accepting.get(&id).is_some_and(|at| at.elapsed() < ACCEPT_AGAIN) {
                                continue;
                            }
                            accepting.insert(id.clone(), Instant::now());
                            if !send_json(&mut socket, &AgentClientMessage::Accept { conversation: id }).await {
                                return Exit::Broken;
                            }
                        }
                    }
                    AgentServerMessage::Conversation { id, messages, more, .. } => {
                        {
                            let mut owners = lock(&sh.owners);
                            match owners.get(&id) {
                                Some(&other) if other != me => {
                                    let mut figures = sh.figures();
                                    figures.two_winners += 1;
                                    figures.problem(format!("{who}: got conversation {id}, already won by agent {other}"));
                                }
                                Some(_) => {}
                                None => {
                                    owners.insert(id.clone(), me);
                                }
                            }
                        }
                        {
                        let mut s = lock(state);
                        if !s.views.contains_key(&id) {
                            s.held.push(id.clone());
                            s.views.insert(id.clone(), View::default());
                        }
                        let mut figures = sh.figures();
                        let view = s.views.get_mut(&id).expect("inserted above");
                        // The snapshot is the latest page (all of it unless
                        // `more`): nothing seen from there on may be missing.
                        let from = if more { messages.first().map_or(0, |m| m.seq) } else { 0 };
                        let missing: Vec<u64> = view
                            .by_seq
                            .keys()
                            .filter(|seq| **seq >= from && !messages.iter().any(|m| m.seq == **seq))
                            .copied()
                            .collect();
                        if !missing.is_empty() {
                            figures.lost += missing.len();
                            figures.problem(format!("{who}: snapshot of {id} lacks seqs {missing:?} seen before"));
                        }
                        let mut previous = 0;
                        for m in &messages {
                            if m.seq <= previous {
                                figures.out_of_order += 1;
                                figures.problem(format!("{who}: snapshot of {id} has seq {} after {previous}", m.seq));
                            }
                            previous = m.seq;
                            view.record(&who, m.seq, &m.text, &mut figures);
                            if m.author == Party::Agent && view.has(&m.text) {
                                view.ack(&who, &m.text.clone(), m.seq, &mut figures);
                            }
                        }
                        connection_max.insert(id, previous);
                        }
                        if !agent_resend(sh, state, &mut socket, true).await {
                            return Exit::Broken;
                        }
                    }
                    AgentServerMessage::Message { conversation, message } => {
                        let mut s = lock(state);
                        if let Some(view) = s.views.get_mut(&conversation) {
                            let mut figures = sh.figures();
                            let max = connection_max.entry(conversation.clone()).or_default();
                            if message.seq <= *max {
                                figures.duplicated += 1;
                                figures.problem(format!("{who}: {conversation} seq {} delivered after seq {max} on one connection", message.seq));
                            }
                            *max = (*max).max(message.seq);
                            view.record(&who, message.seq, &message.text, &mut figures);
                            drop(figures);
                            delivered(&mut s.conns);
                        }
                    }
                    AgentServerMessage::Ack { conversation, client_id, seq } => {
                        let mut s = lock(state);
                        if let Some(view) = s.views.get_mut(&conversation) {
                            let mut figures = sh.figures();
                            let max = connection_max.entry(conversation.clone()).or_default();
                            *max = (*max).max(seq);
                            view.ack(&who, &client_id, seq, &mut figures);
                            drop(figures);
                            delivered(&mut s.conns);
                        }
                    }
                    AgentServerMessage::Transferred { conversation } => {
                        let mut figures = sh.figures();
                        figures.requeued += 1;
                        figures.problem(format!("{who}: {conversation} went back to the queue while the agent was connected"));
                    }
                    AgentServerMessage::Closed { conversation, .. } => {
                        sh.figures().problem(format!("{who}: {conversation} was closed"));
                    }
                    AgentServerMessage::Error { code, message } => {
                        if let Some(after) = on_error(sh, &who, code, &message) {
                            resend_at = Some(Instant::now() + after);
                        }
                    }
                    _ => {}
                }
            }
            () = tokio::time::sleep_until(next_ping) => {
                next_ping = Instant::now() + PING_EVERY;
                nonce += 1;
                if !send_json(&mut socket, &AgentClientMessage::Ping { nonce }).await {
                    return Exit::Broken;
                }
            }
            () = tokio::time::sleep_until(*next_say), if chatting => {
                *next_say += SAY_EVERY;
                if *next_say < Instant::now() {
                    *next_say = Instant::now() + SAY_EVERY;
                }
                // One reply a second, to the agent's conversations in turn.
                let send = {
                    let mut s = lock(state);
                    if s.held.is_empty() {
                        None
                    } else {
                        *said += 1;
                        let id = s.held[*said % s.held.len()].clone();
                        let text = format!("a{me}-{said}");
                        s.views.get_mut(&id).expect("held").outbox.push((text.clone(), Some(Instant::now())));
                        Some(AgentClientMessage::Send { conversation: id, client_id: text.clone(), text })
                    }
                };
                resend_at.get_or_insert(Instant::now() + RESEND_AFTER);
                if let Some(send) = send && !send_json(&mut socket, &send).await {
                    return Exit::Broken;
                }
            }
            () = until(resend_at) => {
                resend_at = Some(Instant::now() + Duration::from_millis(500));
                let waiting = lock(state).views.values().any(|v| !v.outbox.is_empty());
                if waiting && !agent_resend(sh, state, &mut socket, false).await {
                    return Exit::Broken;
                }
            }
            changed = phase.changed() => {
                if changed.is_err() || *phase.borrow() == Phase::Done {
                    let _ = socket.close(None).await;
                    return Exit::Done;
                }
            }
        }
    }
}

// ------------------------------------------------------------------- faults

/// A fault, when it happened (for the reconnect figures).
#[derive(Debug, Clone, Copy)]
enum Fault {
    Kill { node: usize, at: Instant },
    Stop { node: usize, at: Instant },
}

/// What the schedule does at one moment.
#[derive(Debug, Clone, Copy)]
enum Step {
    KillNode,
    StopNode,
    ContNode,
    KillNats,
    RestartNats,
    RestartPostgres,
}

/// The seeded schedule over `seconds`: offsets from the start and steps.
fn schedule(rng: &mut StdRng, seconds: u64) -> Vec<(Duration, Step)> {
    let mut steps = Vec::new();
    let end = Duration::from_secs(seconds);
    let mut at = Duration::from_millis(rng.random_range(1000..3000));
    while at < end {
        steps.push((at, Step::KillNode));
        at += Duration::from_millis(rng.random_range(2000..=4000));
    }
    let rounds = seconds / ROUND.as_secs();
    for r in 0..rounds {
        let base = ROUND * r as u32;
        let stop = base + Duration::from_millis(rng.random_range(2000..6000));
        steps.push((stop, Step::StopNode));
        steps.push((stop + STOP_FOR, Step::ContNode));
        let nats = base + Duration::from_millis(rng.random_range(6000..12000));
        steps.push((nats, Step::KillNats));
        steps.push((nats + NATS_DOWN, Step::RestartNats));
        let pg = base + Duration::from_millis(rng.random_range(14000..34000));
        steps.push((pg, Step::RestartPostgres));
    }
    steps.sort_by_key(|(at, _)| *at);
    steps
}

/// Runs the schedule on `cluster` (blocking; on its own thread); the faults
/// that moved clients, and the counts.
fn faults(
    cluster: &mut Cluster,
    seed: u64,
    seconds: u64,
    start: std::time::Instant,
) -> Result<(Vec<Fault>, [usize; 5])> {
    let mut rng = StdRng::seed_from_u64(seed);
    let steps = schedule(&mut rng, seconds);
    let mut faults = Vec::new();
    let mut stopped: Option<usize> = None;
    let mut nats_down: Option<usize> = None;
    let (mut kills, mut stops, mut nats_kills, mut pg_restarts, mut cycles) = (0, 0, 0, 0, 0);
    for (at, step) in steps {
        if let Some(wait) = (start + at).checked_duration_since(std::time::Instant::now()) {
            std::thread::sleep(wait);
        }
        match step {
            Step::KillNode => {
                let candidates: Vec<usize> = (0..NODES).filter(|n| Some(*n) != stopped).collect();
                let node = candidates[rng.random_range(0..candidates.len())];
                cluster.nodes[node].kill();
                faults.push(Fault::Kill {
                    node,
                    at: Instant::now(),
                });
                kills += 1;
                cluster.nodes[node]
                    .restart()
                    .map_err(|e| anyhow!("restarting node {}: {e}", node + 1))?;
                cycles += 1;
            }
            Step::StopNode => {
                let node = rng.random_range(0..NODES);
                let pid = cluster.nodes[node].pid().context("the node runs")?;
                infra::signal(pid, "STOP").map_err(|e| anyhow!(e))?;
                faults.push(Fault::Stop {
                    node,
                    at: Instant::now(),
                });
                stopped = Some(node);
                stops += 1;
            }
            Step::ContNode => {
                if let Some(node) = stopped.take()
                    && let Some(pid) = cluster.nodes[node].pid()
                {
                    infra::signal(pid, "CONT").map_err(|e| anyhow!(e))?;
                }
            }
            Step::KillNats => {
                let server = rng.random_range(0..NODES);
                cluster.nats.kill(server);
                nats_down = Some(server);
                nats_kills += 1;
            }
            Step::RestartNats => {
                if let Some(server) = nats_down.take() {
                    cluster.nats.restart(server).map_err(|e| anyhow!(e))?;
                }
            }
            Step::RestartPostgres => {
                cluster.pg.restart_immediate().map_err(|e| anyhow!(e))?;
                pg_restarts += 1;
            }
        }
    }
    Ok((faults, [kills, stops, nats_kills, pg_restarts, cycles]))
}

// -------------------------------------------------------------------- a run

#[allow(clippy::too_many_arguments)]
async fn chaos(
    args: &Args,
    seed: u64,
    seconds: u64,
    cluster: &mut Cluster,
    addrs: Vec<SocketAddr>,
    tokens: Vec<String>,
    emails: &[String],
) -> Result<Figures> {
    let sh = Arc::new(Shared {
        addrs,
        figures: Mutex::new(Figures::default()),
        owners: Mutex::new(HashMap::new()),
    });
    let (phase_tx, phase) = watch::channel(Phase::Chatting);
    let mut tasks = Vec::new();
    let mut agents = Vec::new();
    for (i, token) in tokens.into_iter().enumerate() {
        let state = Arc::new(Mutex::new(Agent::default()));
        agents.push(state.clone());
        tasks.push(tokio::spawn(agent(
            sh.clone(),
            i,
            token,
            state,
            phase.clone(),
            seed ^ (0xA6E0 + i as u64),
        )));
    }
    let mut shoppers = Vec::new();
    for i in 0..args.shoppers {
        let state = Arc::new(Mutex::new(Shopper::default()));
        shoppers.push(state.clone());
        tasks.push(tokio::spawn(shopper(
            sh.clone(),
            i,
            state,
            phase.clone(),
            seed ^ ((0x5409 + i as u64) << 16),
        )));
        // Shoppers arrive over about a second.
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    let start = std::time::Instant::now();
    // The schedule blocks (processes); the clients move to the other worker.
    let (faults, counts) = tokio::task::block_in_place(|| faults(cluster, seed, seconds, start))?;
    if let Some(rest) = Duration::from_secs(seconds).checked_sub(start.elapsed()) {
        tokio::time::sleep(rest).await;
    }

    // Settle: no new messages; everything typed acknowledged; every client
    // caught up with the store.
    phase_tx.send(Phase::Settling)?;
    let db = sqlx::postgres::PgPoolOptions::new()
        .max_connections(2)
        .connect(&cluster.pg.url())
        .await?;
    let deadline = Instant::now() + SETTLE_PATIENCE;
    let mut last_seqs: HashMap<String, u64>;
    loop {
        last_seqs = sqlx::query_as::<_, (String, i64)>(
            "SELECT id, last_seq FROM conversations WHERE site_id = 'demo' AND state <> 'closed'",
        )
        .fetch_all(&db)
        .await?
        .into_iter()
        .map(|(id, seq)| (id, seq as u64))
        .collect();
        let shoppers_done = shoppers.iter().all(|s| {
            let s = lock(s);
            s.view.outbox.is_empty()
                && s.conversation.as_ref().is_some_and(|id| {
                    last_seqs
                        .get(id)
                        .is_some_and(|last| s.view.by_seq.keys().next_back() == Some(last))
                })
        });
        let agents_done = agents.iter().all(|a| {
            let a = lock(a);
            a.views.iter().all(|(id, v)| {
                v.outbox.is_empty()
                    && last_seqs
                        .get(id)
                        .is_some_and(|last| v.by_seq.keys().next_back() == Some(last))
            })
        });
        if shoppers_done && agents_done {
            break;
        }
        if Instant::now() > deadline {
            sh.figures().problem(
                "not settled in time: some messages were never acknowledged or delivered".into(),
            );
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    phase_tx.send(Phase::Done)?;
    for task in tasks {
        task.await?;
    }

    // The store's log of every conversation of the run.
    let ours: Vec<String> = shoppers
        .iter()
        .filter_map(|s| lock(s).conversation.clone())
        .collect();
    let rows: Vec<(String, i64, String, String)> = sqlx::query_as(
        "SELECT conversation_id, seq, client_id, text FROM messages \
         WHERE conversation_id = ANY($1) ORDER BY conversation_id, seq",
    )
    .bind(&ours)
    .fetch_all(&db)
    .await?;
    let mut logs: HashMap<String, BTreeMap<u64, (String, String)>> = HashMap::new();
    for (conversation, seq, client_id, text) in rows {
        logs.entry(conversation)
            .or_default()
            .insert(seq as u64, (client_id, text));
    }
    let agent_ids: HashMap<i64, String> =
        sqlx::query_as::<_, (i64, String)>("SELECT id, email FROM agents WHERE site_id = 'demo'")
            .fetch_all(&db)
            .await?
            .into_iter()
            .collect();
    let assigned: HashMap<String, (String, Option<i64>)> =
        sqlx::query_as::<_, (String, String, Option<i64>)>(
            "SELECT id, state, agent_id FROM conversations WHERE id = ANY($1)",
        )
        .bind(&ours)
        .fetch_all(&db)
        .await?
        .into_iter()
        .map(|(id, state, agent)| (id, (state, agent)))
        .collect();
    db.close().await;

    let mut figures = std::mem::take(&mut *sh.figures());
    figures.seconds = seconds;
    [
        figures.node_kills,
        figures.node_stops,
        figures.nats_kills,
        figures.pg_restarts,
        figures.cycles,
    ] = counts;
    figures.conversations = ours.len();
    figures.messages = logs.values().map(BTreeMap::len).sum();
    if ours.len() < args.shoppers {
        figures.lost += args.shoppers - ours.len();
        figures.problem(format!(
            "{} shoppers never got a conversation",
            args.shoppers - ours.len()
        ));
    }
    let owners = lock(&sh.owners).clone();
    for id in &ours {
        let log = logs.get(id).cloned().unwrap_or_default();
        let last = last_seqs.get(id).copied().unwrap_or(0);
        // Contiguous sequence numbers, up to the conversation's counter.
        let seqs: Vec<u64> = log.keys().copied().collect();
        if seqs != (1..=last).collect::<Vec<_>>() {
            figures.gaps += 1;
            figures.problem(format!("{id}: stored seqs are not 1..={last}"));
        }
        // A text (= client id) stored twice.
        let mut texts = HashSet::new();
        for (client_id, text) in log.values() {
            if !client_id.is_empty() && !texts.insert(text.clone()) {
                figures.duplicated += 1;
                figures.problem(format!("{id}: {text:?} stored twice"));
            }
        }
        // One winner, and it is the one the database names; still active.
        match (owners.get(id), assigned.get(id)) {
            (Some(&agent), Some((state, Some(agent_id)))) => {
                if agent_ids.get(agent_id) != Some(&emails[agent]) {
                    figures.two_winners += 1;
                    figures.problem(format!(
                        "{id}: won by {} but the database names agent #{agent_id}",
                        emails[agent]
                    ));
                }
                if state != "active" {
                    figures.requeued += 1;
                    figures.problem(format!("{id}: {state} at the end"));
                }
            }
            (owner, row) => {
                figures.lost += 1;
                figures.problem(format!(
                    "{id}: never accepted (owner {owner:?}, row {row:?})"
                ));
            }
        }
    }
    // Every acknowledged message stored once, at its seq; every client's
    // view is the store's log (from the first message it saw).
    let check = |who: &str, id: &str, view: &View, from_start: bool, figures: &mut Figures| {
        let log = logs.get(id).cloned().unwrap_or_default();
        for (client_id, seq) in &view.acked {
            match log.get(seq) {
                Some((stored, _)) if stored == client_id => {}
                other => {
                    figures.lost += 1;
                    figures.problem(format!(
                        "{who}: {client_id:?} acknowledged as {id} seq {seq}, stored: {other:?}"
                    ));
                }
            }
        }
        let first = if from_start {
            1
        } else {
            view.by_seq.keys().next().copied().unwrap_or(1)
        };
        for (seq, (_, text)) in log.range(first..) {
            match view.by_seq.get(seq) {
                Some(seen) if seen == text => {}
                Some(seen) => {
                    figures.mismatched += 1;
                    figures.problem(format!(
                        "{who}: {id} seq {seq} seen as {seen:?}, stored {text:?}"
                    ));
                }
                None => {
                    figures.lost += 1;
                    figures.problem(format!("{who}: {id} seq {seq} ({text:?}) never delivered"));
                }
            }
        }
    };
    for (i, s) in shoppers.iter().enumerate() {
        let s = lock(s);
        if let Some(id) = &s.conversation {
            check(&format!("shopper {i}"), id, &s.view, true, &mut figures);
        }
    }
    for (i, a) in agents.iter().enumerate() {
        let a = lock(a);
        for (id, view) in &a.views {
            check(&format!("agent {i}"), id, view, false, &mut figures);
        }
    }

    // Kill/stop → reconnected, → first delivery, per client on that node.
    let mut all_conns: Vec<Vec<Conn>> = shoppers.iter().map(|s| lock(s).conns.clone()).collect();
    all_conns.extend(agents.iter().map(|a| lock(a).conns.clone()));
    for fault in &faults {
        let (node, at, stop) = match *fault {
            Fault::Kill { node, at } => (node, at, false),
            Fault::Stop { node, at } => (node, at, true),
        };
        for conns in &all_conns {
            let Some(i) = conns.iter().position(|c| {
                c.node == node && c.welcomed <= at && c.ended.is_none_or(|e| e >= at)
            }) else {
                continue;
            };
            let Some(next) = conns.get(i + 1) else {
                continue;
            };
            let reconnected = next.welcomed.duration_since(at);
            let delivered = conns[i + 1..]
                .iter()
                .find_map(|c| c.first_delivery)
                .map(|d| d.duration_since(at));
            if stop {
                figures.stop_reconnected.push(reconnected);
                figures.stop_delivered.extend(delivered);
            } else {
                figures.kill_reconnected.push(reconnected);
                figures.kill_delivered.extend(delivered);
            }
        }
    }
    if figures.messages == 0 {
        bail!("no message was stored");
    }
    Ok(figures)
}
