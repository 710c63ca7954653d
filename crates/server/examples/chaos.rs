//! Chaos test of live chat's delivery promise, run by `cargo xtask chaos`.
//!
//! Starts the real `aisle serve --demo` binary on a loopback port with a
//! SQLite file in a temporary directory, logs the demo agent in, and has one
//! shopper and that agent converse while a seeded schedule
//!
//! - drops either socket abruptly (no close frame; half of the time with a
//!   TCP reset),
//! - has either side type messages while disconnected (they wait in the
//!   client's outbox and go out on reconnect),
//! - navigates the shopper's page (the socket closes as on unload and a new
//!   connection starts from the saved state: resume token, last sequence
//!   number seen, outbox) or reloads the agent's console,
//! - SIGKILLs the server and restarts it on the same database and port.
//!
//! Both clients follow the protocol as the widget and the console do: every
//! message has a `client_id`, is kept until acknowledged and resent after a
//! reconnect, a `rate_limited` or an `internal` error; the shopper resumes
//! with `hello {resume, last_seq}`, the agent from the full `conversation`
//! snapshot. Every `--per-conversation` cycles the run settles (everything
//! typed acknowledged, both sides caught up) and checks the conversation: the
//! shopper's view, the agent's view and the database hold the same messages
//! in the same order, every acknowledged message exactly once, no sequence
//! gaps, and every connection saw sequence numbers only rise. The shopper
//! then ends the conversation and starts the next.
//!
//! Exits non-zero when any message is lost, duplicated or out of order.
//! The server logs to `server.log` at `warn`; set `AISLE_CHAOS_LOG=info` (any
//! `RUST_LOG` filter) to see more of it in a failure's report.
//!
//! ```text
//! cargo build -p aisle-server --bin aisle
//! cargo run -p aisle-server --example chaos -- --cycles 1000 --seed 7
//! ```

#[path = "support/agent_login.rs"]
mod agent_login;
#[path = "support/frames.rs"]
mod frames;
use agent_login::login;

use aisle_core::protocol::{
    AgentClientMessage, AgentServerMessage, ChatMessage, ClientMessage, PROTOCOL_VERSION, Party,
    ProtocolError, ServerMessage, agent_ws_path, ws_path,
};
use anyhow::{Context, Result, bail, ensure};
use clap::Parser;
use frames::Frame;
use futures_util::{SinkExt, StreamExt};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// How long settling a conversation may take before what is missing counts as lost.
const SETTLE_PATIENCE: Duration = Duration::from_secs(60);
/// Pause between connection attempts while the server is down.
const RETRY: Duration = Duration::from_millis(50);
/// Unacknowledged messages are resent this long after they were last sent.
const RESEND_AFTER: Duration = Duration::from_secs(2);
/// Wait before resending after `rate_limited`.
const RATE_LIMITED_WAIT: Duration = Duration::from_millis(1000);
/// Longest a single frame may take to arrive while connecting.
const HANDSHAKE: Duration = Duration::from_secs(20);

/// Chaos test of live chat: drops, offline typing, navigation, server kills.
#[derive(Debug, Parser)]
struct Args {
    /// Schedule steps to run.
    #[arg(long, default_value_t = 1000)]
    cycles: usize,
    /// Seed of the schedule [default: from the clock; printed].
    #[arg(long)]
    seed: Option<u64>,
    /// Cycles per conversation (then it is checked and a new one starts).
    #[arg(long, default_value_t = 100)]
    per_conversation: usize,
    /// The `aisle` binary [default: `aisle` in the directory above this example's].
    #[arg(long)]
    server: Option<PathBuf>,
    /// Print every step.
    #[arg(long)]
    verbose: bool,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("chaos: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &Args) -> Result<bool> {
    ensure!(args.cycles > 0, "--cycles must be at least 1");
    ensure!(
        args.per_conversation > 0,
        "--per-conversation must be at least 1"
    );
    let seed = args.seed.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(1)
    });
    println!(
        "chaos: seed {seed}, {} cycles (rerun with --seed {seed})",
        args.cycles
    );
    let binary = server_binary(args.server.as_deref())?;
    let dir = tempfile::tempdir()?;
    let mut server = Server::new(binary, dir.path())?;
    server.start()?;
    let token = login(
        server.addr,
        aisle_server::demo::AGENT_EMAIL,
        aisle_server::demo::AGENT_PASSWORD,
    )?;
    let runtime = tokio::runtime::Runtime::new()?;
    let started = std::time::Instant::now();
    let outcome = runtime.block_on(chaos(args, seed, server, token));
    let (figures, server) = match outcome {
        Ok(done) => done,
        Err(e) => {
            let log = std::fs::read_to_string(dir.path().join("server.log")).unwrap_or_default();
            let tail: Vec<&str> = log.lines().rev().take(30).collect();
            let tail: Vec<&str> = tail.into_iter().rev().collect();
            bail!("{e:#}\nserver log (last lines):\n{}", tail.join("\n"));
        }
    };
    drop(runtime);
    drop(server);
    Ok(figures.print(started.elapsed()))
}

/// `--server`, or `aisle` built next to this example (`target/<profile>/aisle`).
fn server_binary(given: Option<&Path>) -> Result<PathBuf> {
    let binary = match given {
        Some(path) => path.to_path_buf(),
        None => {
            let exe = std::env::current_exe()?;
            exe.parent()
                .and_then(Path::parent)
                .context("the example is not in target/<profile>/examples")?
                .join("aisle")
        }
    };
    ensure!(
        binary.is_file(),
        "no server binary at {}: run `cargo build -p aisle-server --bin aisle` first",
        binary.display()
    );
    Ok(binary)
}

/// The `aisle serve --demo` child process, restartable on the same port and database.
struct Server {
    binary: PathBuf,
    dir: PathBuf,
    addr: SocketAddr,
    child: Option<Child>,
}

impl Server {
    /// A server for `dir` on a free loopback port (not started).
    fn new(binary: PathBuf, dir: &Path) -> Result<Server> {
        // The port stays the same across restarts, as a real deployment's does.
        let addr = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?;
        Ok(Server {
            binary,
            dir: dir.to_path_buf(),
            addr,
            child: None,
        })
    }

    fn db_path(&self) -> PathBuf {
        self.dir.join("chaos.db")
    }

    /// Starts the server and waits until it listens.
    fn start(&mut self) -> Result<()> {
        let mut last_error = None;
        // A restart right after a kill may find the port briefly taken.
        for _ in 0..20 {
            match self.try_start() {
                Ok(child) => {
                    self.child = Some(child);
                    return Ok(());
                }
                Err(e) => {
                    last_error = Some(e);
                    std::thread::sleep(Duration::from_millis(200));
                }
            }
        }
        Err(last_error.unwrap_or_else(|| anyhow::anyhow!("the server did not start")))
    }

    fn try_start(&self) -> Result<Child> {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join("server.log"))?;
        let mut child = Command::new(&self.binary)
            .args(["serve", "--demo", "--listen"])
            .arg(self.addr.to_string())
            .arg("--db")
            .arg(format!("sqlite://{}", self.db_path().display()))
            .arg("--assets")
            .arg(&self.dir)
            .env(
                "RUST_LOG",
                std::env::var("AISLE_CHAOS_LOG").unwrap_or_else(|_| "warn".into()),
            )
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .with_context(|| format!("starting {}", self.binary.display()))?;
        let stdout = child.stdout.take().context("no server stdout")?;
        let (lines, printed) = std::sync::mpsc::channel();
        // Keep reading so later prints never hit a closed pipe.
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = lines.send(line);
            }
        });
        loop {
            match printed.recv_timeout(Duration::from_secs(60)) {
                Ok(line) if line.starts_with("Aisle demo store: ") => return Ok(child),
                Ok(_) => {}
                Err(_) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    bail!("the server did not start (see server.log)");
                }
            }
        }
    }

    /// SIGKILL: no graceful shutdown, no close frames, whatever was in flight is cut.
    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// What the run counts; the verdict comes from `lost`, `duplicated`,
/// `out_of_order` and `mismatched`.
#[derive(Debug, Default)]
struct Figures {
    conversations: usize,
    cycles: usize,
    typed_by_shopper: usize,
    typed_by_agent: usize,
    typed_offline: usize,
    /// Acknowledged messages checked (both sides).
    acknowledged: usize,
    /// Acknowledged messages missing from a view or the database.
    lost: usize,
    /// Messages stored or delivered more than once.
    duplicated: usize,
    /// Sequence numbers that did not rise on a connection.
    out_of_order: usize,
    /// Views that disagree with the database about a sequence number.
    mismatched: usize,
    shopper_drops: usize,
    agent_drops: usize,
    navigations: usize,
    console_reloads: usize,
    restarts: usize,
    /// Drops and navigations that cut a live connection (the others hit a
    /// client that was offline already).
    cut_live: usize,
    shopper_connections: usize,
    agent_connections: usize,
    resends: usize,
    rate_limited: usize,
    internal_errors: usize,
    problems: Vec<String>,
}

impl Figures {
    fn problem(&mut self, what: String) {
        if self.problems.len() < 30 {
            self.problems.push(what);
        }
    }

    /// Prints the figures; whether the run passed.
    fn print(&self, took: Duration) -> bool {
        println!();
        println!(
            "chaos: {} cycles, {} conversations in {:.1} s",
            self.cycles,
            self.conversations,
            took.as_secs_f64()
        );
        println!(
            "  typed: {} by the shopper, {} by the agent ({} while disconnected); {} acknowledged and checked on both sides and in the database",
            self.typed_by_shopper, self.typed_by_agent, self.typed_offline, self.acknowledged
        );
        println!(
            "  chaos: {} shopper drops, {} agent drops, {} page navigations, {} console reloads ({} of these cut a live connection), {} server kills + restarts",
            self.shopper_drops,
            self.agent_drops,
            self.navigations,
            self.console_reloads,
            self.cut_live,
            self.restarts
        );
        println!(
            "  clients: {} shopper and {} agent connections, {} messages resent, {} rate_limited, {} internal errors",
            self.shopper_connections,
            self.agent_connections,
            self.resends,
            self.rate_limited,
            self.internal_errors
        );
        println!(
            "  lost {}, duplicated {}, out of order {}, mismatched {}",
            self.lost, self.duplicated, self.out_of_order, self.mismatched
        );
        for problem in &self.problems {
            println!("  problem: {problem}");
        }
        let passed = self.lost == 0
            && self.duplicated == 0
            && self.out_of_order == 0
            && self.mismatched == 0
            && self.acknowledged > 0;
        if passed {
            println!("chaos: passed");
        } else {
            println!("chaos FAILED");
        }
        passed
    }
}

/// One side's view of the current conversation: which message (its text,
/// which is also its `client_id`) it holds at which sequence number.
#[derive(Debug, Default)]
struct View {
    by_seq: BTreeMap<u64, String>,
}

impl View {
    fn max_seq(&self) -> u64 {
        self.by_seq.keys().next_back().copied().unwrap_or(0)
    }

    /// Records `text` at `seq`; counts a different message at the same seq or
    /// the same message at another seq.
    fn record(&mut self, side: &str, seq: u64, text: &str, figures: &mut Figures) {
        match self.by_seq.get(&seq) {
            Some(known) if known == text => {}
            Some(known) => {
                figures.mismatched += 1;
                figures.problem(format!("{side}: seq {seq} was {known:?} and now {text:?}"));
            }
            None => {
                if let Some((other, _)) = self.by_seq.iter().find(|(_, t)| *t == text) {
                    figures.duplicated += 1;
                    figures.problem(format!(
                        "{side}: {text:?} delivered as seq {other} and again as seq {seq}"
                    ));
                }
                self.by_seq.insert(seq, text.to_owned());
            }
        }
    }
}

/// One client's state: what the widget keeps in `sessionStorage` (or the
/// console in memory) plus whether it is connected.
#[derive(Debug, Default)]
struct Side {
    /// Welcomed on a live connection.
    connected: bool,
    /// Welcomed and (for the agent) holding the conversation on a live connection.
    ready: bool,
    /// The conversation being checked.
    conversation: Option<String>,
    /// Shopper: the resume token.
    resume: Option<String>,
    /// Shopper: the highest sequence number seen (messages and acks).
    last_seq: u64,
    view: View,
    /// Typed, not acknowledged yet, in typing order.
    outbox: Vec<String>,
    /// Acknowledged: text → seq.
    acked: HashMap<String, u64>,
    /// The conversation was closed.
    closed: bool,
    /// Texts sent at least once (a second send is a resend).
    sent: std::collections::HashSet<String>,
}

impl Side {
    /// Notes that `text` goes out; whether it went out before.
    fn sending(&mut self, text: &str) -> bool {
        !self.sent.insert(text.to_owned())
    }
}

/// What the tasks share.
struct Shared {
    addr: SocketAddr,
    token: String,
    shopper: Mutex<Side>,
    agent: Mutex<Side>,
    figures: Mutex<Figures>,
    verbose: bool,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

impl Shared {
    fn figures(&self) -> MutexGuard<'_, Figures> {
        lock(&self.figures)
    }

    fn problem(&self, what: String) {
        if self.verbose {
            eprintln!("chaos: {what}");
        }
        self.figures().problem(what);
    }
}

/// What the schedule tells a client to do.
#[derive(Debug, Clone)]
enum Cmd {
    /// Type a message (its text is also its `client_id`).
    Say(String),
    /// Drop the socket without a close frame and stay offline this long.
    Drop(Duration),
    /// Shopper: leave the page (close 1001) and reconnect from the saved state.
    Navigate,
    /// Shopper: ask for a person (a new conversation).
    Start,
    /// Shopper: end the conversation.
    End,
    /// Reconnect now if offline.
    Wake,
}

/// Why a connection ended.
enum Exit {
    /// The socket broke (server killed, or closed by the server).
    Broken,
    /// The schedule dropped it; reconnect after this long.
    Dropped(Duration),
    /// The shopper navigated: reconnect at once.
    Navigated,
    /// The run is over.
    Quit,
}

async fn send_json<T: Serialize>(socket: &mut Socket, message: &T) -> bool {
    let Ok(text) = serde_json::to_string(message) else {
        return false;
    };
    socket.send(Message::text(text)).await.is_ok()
}

async fn connect(url: String, header: (&'static str, String)) -> Result<Socket> {
    let mut request = url.into_client_request()?;
    request.headers_mut().insert(header.0, header.1.parse()?);
    let (socket, _) =
        tokio::time::timeout(HANDSHAKE, tokio_tungstenite::connect_async(request)).await??;
    Ok(socket)
}

/// Drops a socket abruptly: no close frame, and half of the time a TCP reset.
fn drop_abruptly(socket: Socket, reset: bool) {
    if reset && let tokio_tungstenite::MaybeTlsStream::Plain(tcp) = socket.get_ref() {
        let _ = tcp.set_zero_linger();
    }
    drop(socket);
}

/// The next text frame within `patience` (pings and pongs skipped); `None` when the socket ends.
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

/// Offline: keeps what is typed in the outbox until `down_until` (or a `Wake`).
/// `false` when the run is over.
async fn offline(
    sh: &Shared,
    side: &Mutex<Side>,
    cmds: &mut mpsc::UnboundedReceiver<Cmd>,
    down_until: &mut Instant,
    pending: &mut Vec<Cmd>,
) -> bool {
    while Instant::now() < *down_until {
        tokio::select! {
            cmd = cmds.recv() => match cmd {
                None => return false,
                Some(Cmd::Say(text)) => {
                    sh.figures().typed_offline += 1;
                    lock(side).outbox.push(text);
                }
                Some(Cmd::Drop(d)) => *down_until = (*down_until).max(Instant::now() + d),
                Some(Cmd::Wake) => *down_until = Instant::now(),
                Some(Cmd::Navigate) => {}
                Some(other) => pending.push(other),
            },
            () = tokio::time::sleep_until(*down_until) => {}
        }
    }
    true
}

/// The shopper: the widget's live-chat client.
async fn shopper(sh: Arc<Shared>, mut cmds: mpsc::UnboundedReceiver<Cmd>) {
    let mut down_until = Instant::now();
    // Start/End given while offline, done once connected.
    let mut pending: Vec<Cmd> = Vec::new();
    loop {
        if !offline(&sh, &sh.shopper, &mut cmds, &mut down_until, &mut pending).await {
            return;
        }
        let url = format!("ws://{}{}?site=demo", sh.addr, ws_path(PROTOCOL_VERSION));
        let socket = match connect(url, ("origin", format!("http://{}", sh.addr))).await {
            Ok(socket) => socket,
            Err(_) => {
                down_until = Instant::now() + RETRY;
                continue;
            }
        };
        sh.figures().shopper_connections += 1;
        let exit = shopper_connection(&sh, socket, &mut cmds, &mut pending).await;
        lock(&sh.shopper).ready = false;
        match exit {
            Exit::Quit => return,
            Exit::Broken => down_until = Instant::now() + RETRY,
            Exit::Dropped(d) => down_until = Instant::now() + d,
            Exit::Navigated => down_until = Instant::now(),
        }
    }
}

/// Sends every unacknowledged message of the shopper, in typing order.
async fn shopper_resend(sh: &Shared, socket: &mut Socket) -> bool {
    let outbox = {
        let mut side = lock(&sh.shopper);
        if side.conversation.is_none() || side.closed {
            return true;
        }
        let outbox = side.outbox.clone();
        let resent = outbox.iter().filter(|t| side.sending(t)).count();
        sh.figures().resends += resent;
        outbox
    };
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

async fn shopper_connection(
    sh: &Shared,
    mut socket: Socket,
    cmds: &mut mpsc::UnboundedReceiver<Cmd>,
    pending: &mut Vec<Cmd>,
) -> Exit {
    let (resume, last_seq) = {
        let side = lock(&sh.shopper);
        (side.resume.clone(), side.last_seq)
    };
    if !send_json(
        &mut socket,
        &ClientMessage::Hello {
            resume: resume.clone(),
            last_seq,
        },
    )
    .await
    {
        return Exit::Broken;
    }
    let Some(text) = next_text(&mut socket, HANDSHAKE).await else {
        return Exit::Broken;
    };
    match serde_json::from_str::<ServerMessage>(&text) {
        Ok(ServerMessage::Welcome { conversation, .. }) => {
            let known = lock(&sh.shopper).conversation.clone();
            match (known, conversation) {
                (Some(id), None) if resume.is_some() => {
                    let mut figures = sh.figures();
                    figures.lost += 1;
                    figures.problem(format!(
                        "shopper: the server no longer knows conversation {id} (resume refused)"
                    ));
                    return Exit::Quit;
                }
                (Some(id), Some(state)) if id != state.id => {
                    let mut figures = sh.figures();
                    figures.mismatched += 1;
                    figures.problem(format!(
                        "shopper: resumed conversation {} instead of {id}",
                        state.id
                    ));
                }
                _ => {}
            }
            lock(&sh.shopper).ready = true;
        }
        other => {
            sh.problem(format!("shopper: expected welcome, got {other:?}"));
            return Exit::Broken;
        }
    }
    // Sequence numbers on this connection must rise above what was seen.
    let mut connection_max = last_seq;
    // A `start` sent and not yet answered: one refused by the server's frame
    // limit (`rate_limited`) is asked again, as the widget does.
    let mut starting = false;
    for cmd in pending.drain(..) {
        let ok = match cmd {
            Cmd::Start => {
                starting = true;
                send_start(&mut socket).await
            }
            Cmd::End => send_json(&mut socket, &ClientMessage::End).await,
            _ => true,
        };
        if !ok {
            return Exit::Broken;
        }
    }
    if !shopper_resend(sh, &mut socket).await {
        return Exit::Broken;
    }
    let mut resend_at = Some(Instant::now() + RESEND_AFTER);
    let mut start_again: Option<Instant> = None;
    loop {
        tokio::select! {
            frame = socket.next() => {
                let unreadable = |text: &str, e| sh.problem(format!("shopper: unreadable frame {text}: {e}"));
                let message: ServerMessage = match frames::read(frame, unreadable) {
                    Frame::Read(message) => message,
                    Frame::Skip => continue,
                    Frame::Broken => return Exit::Broken,
                };
                if matches!(message, ServerMessage::Started { .. } | ServerMessage::Offline { .. }) {
                    starting = false;
                }
                match on_shopper_frame(sh, message, &mut connection_max) {
                    Reaction::Nothing => {}
                    Reaction::Resend(after) => {
                        resend_at = Some(Instant::now() + after);
                        if starting {
                            start_again = Some(Instant::now() + after);
                        }
                    }
                    Reaction::StartAgain => start_again = Some(Instant::now() + Duration::from_millis(200)),
                    Reaction::SendOutbox => {
                        if !shopper_resend(sh, &mut socket).await {
                            return Exit::Broken;
                        }
                    }
                }
            }
            cmd = cmds.recv() => {
                let ok = match cmd {
                    None => {
                        let _ = socket.close(None).await;
                        return Exit::Quit;
                    }
                    Some(Cmd::Say(text)) => {
                        let live = {
                            let mut side = lock(&sh.shopper);
                            side.outbox.push(text.clone());
                            let live = side.conversation.is_some() && !side.closed;
                            if live {
                                side.sending(&text);
                            }
                            live
                        };
                        resend_at.get_or_insert(Instant::now() + RESEND_AFTER);
                        !live || send_json(&mut socket, &ClientMessage::Send { client_id: text.clone(), text }).await
                    }
                    Some(Cmd::Drop(d)) => {
                        sh.figures().cut_live += 1;
                        drop_abruptly(socket, d.as_millis() % 2 == 0);
                        return Exit::Dropped(d);
                    }
                    Some(Cmd::Navigate) => {
                        sh.figures().cut_live += 1;
                        let _ = socket
                            .close(Some(CloseFrame { code: CloseCode::Away, reason: "".into() }))
                            .await;
                        return Exit::Navigated;
                    }
                    Some(Cmd::Start) => {
                        starting = true;
                        send_start(&mut socket).await
                    }
                    Some(Cmd::End) => send_json(&mut socket, &ClientMessage::End).await,
                    Some(Cmd::Wake) => true,
                };
                if !ok {
                    return Exit::Broken;
                }
            }
            () = until(resend_at) => {
                let waiting = !lock(&sh.shopper).outbox.is_empty();
                resend_at = None;
                if waiting {
                    if !shopper_resend(sh, &mut socket).await {
                        return Exit::Broken;
                    }
                    resend_at = Some(Instant::now() + RESEND_AFTER);
                }
            }
            () = until(start_again) => {
                start_again = None;
                starting = true;
                if !send_start(&mut socket).await {
                    return Exit::Broken;
                }
            }
        }
    }
}

async fn send_start(socket: &mut Socket) -> bool {
    let start = ClientMessage::Start {
        locale: "en".into(),
        context: Default::default(),
        resume: None,
    };
    send_json(socket, &start).await
}

/// What a client does after a frame.
enum Reaction {
    Nothing,
    /// Resend the outbox after this long.
    Resend(Duration),
    /// Ask for a person again shortly (nobody was online).
    StartAgain,
    /// A conversation began: send what is waiting.
    SendOutbox,
}

/// Counts an error frame; the reaction the protocol asks for.
fn on_error(sh: &Shared, who: &str, code: ProtocolError, message: &str) -> Reaction {
    match code {
        ProtocolError::RateLimited => {
            sh.figures().rate_limited += 1;
            Reaction::Resend(RATE_LIMITED_WAIT)
        }
        ProtocolError::Internal => {
            sh.figures().internal_errors += 1;
            sh.problem(format!("{who}: internal error: {message}"));
            Reaction::Resend(Duration::from_millis(500))
        }
        // Racing accepts after a reconnect: the conversation is ours already.
        ProtocolError::AlreadyTaken => Reaction::Nothing,
        other => {
            sh.problem(format!("{who}: error {other:?}: {message}"));
            Reaction::Nothing
        }
    }
}

/// Checks that sequence numbers rise on a connection.
fn rising(sh: &Shared, who: &str, seq: u64, connection_max: &mut u64) {
    if seq <= *connection_max {
        let mut figures = sh.figures();
        figures.out_of_order += 1;
        figures.problem(format!(
            "{who}: message seq {seq} after seq {connection_max} on one connection"
        ));
    }
    *connection_max = (*connection_max).max(seq);
}

fn on_shopper_frame(sh: &Shared, message: ServerMessage, connection_max: &mut u64) -> Reaction {
    match message {
        ServerMessage::Message(ChatMessage {
            seq,
            client_id,
            author,
            text,
            ..
        }) => {
            rising(sh, "shopper", seq, connection_max);
            let mut side = lock(&sh.shopper);
            let mut figures = sh.figures();
            side.view.record("shopper", seq, &text, &mut figures);
            side.last_seq = side.last_seq.max(seq);
            // Its own message from a replay: the ack it may have missed.
            if author == Party::Shopper {
                if client_id.as_deref() != Some(text.as_str()) {
                    figures.mismatched += 1;
                    figures.problem(format!(
                        "shopper: own message {text:?} came back with client_id {client_id:?}"
                    ));
                }
                side.outbox.retain(|t| *t != text);
                side.acked.insert(text, seq);
            }
            Reaction::Nothing
        }
        ServerMessage::Ack { client_id, seq } => {
            // Everything before a new message's ack was delivered before it.
            *connection_max = (*connection_max).max(seq);
            let mut side = lock(&sh.shopper);
            let mut figures = sh.figures();
            side.view.record("shopper", seq, &client_id, &mut figures);
            side.last_seq = side.last_seq.max(seq);
            side.outbox.retain(|t| *t != client_id);
            if let Some(before) = side.acked.insert(client_id.clone(), seq)
                && before != seq
            {
                figures.duplicated += 1;
                figures.problem(format!(
                    "shopper: {client_id:?} acknowledged as seq {before} and as seq {seq}"
                ));
            }
            Reaction::Nothing
        }
        ServerMessage::Started {
            conversation,
            resume,
        } => {
            let mut side = lock(&sh.shopper);
            side.conversation = Some(conversation);
            side.resume = Some(resume);
            side.last_seq = 0;
            side.view = View::default();
            side.acked.clear();
            side.closed = false;
            *connection_max = 0;
            Reaction::SendOutbox
        }
        ServerMessage::Offline { .. } => Reaction::StartAgain,
        ServerMessage::Closed { .. } => {
            lock(&sh.shopper).closed = true;
            Reaction::Nothing
        }
        ServerMessage::Error { code, message } => {
            if code == ProtocolError::AlreadyStarted {
                // A `start` resent after a reconnect that had resumed it.
                return Reaction::Nothing;
            }
            on_error(sh, "shopper", code, &message)
        }
        _ => Reaction::Nothing,
    }
}

/// The agent: the console's client.
async fn agent(sh: Arc<Shared>, mut cmds: mpsc::UnboundedReceiver<Cmd>) {
    let mut down_until = Instant::now();
    let mut pending = Vec::new();
    loop {
        if !offline(&sh, &sh.agent, &mut cmds, &mut down_until, &mut pending).await {
            return;
        }
        pending.clear();
        let url = format!("ws://{}{}", sh.addr, agent_ws_path(PROTOCOL_VERSION));
        let socket = match connect(url, ("authorization", format!("Bearer {}", sh.token))).await {
            Ok(socket) => socket,
            Err(_) => {
                down_until = Instant::now() + RETRY;
                continue;
            }
        };
        sh.figures().agent_connections += 1;
        let exit = agent_connection(&sh, socket, &mut cmds).await;
        {
            let mut side = lock(&sh.agent);
            side.ready = false;
            side.connected = false;
        }
        match exit {
            Exit::Quit => return,
            Exit::Broken | Exit::Navigated => down_until = Instant::now() + RETRY,
            Exit::Dropped(d) => down_until = Instant::now() + d,
        }
    }
}

/// Sends every unacknowledged reply of the agent, in typing order.
async fn agent_resend(sh: &Shared, socket: &mut Socket) -> bool {
    let (conversation, outbox) = {
        let mut side = lock(&sh.agent);
        let Some(id) = side
            .conversation
            .clone()
            .filter(|_| side.ready && !side.closed)
        else {
            return true;
        };
        let outbox = side.outbox.clone();
        let resent = outbox.iter().filter(|t| side.sending(t)).count();
        sh.figures().resends += resent;
        (id, outbox)
    };
    for text in outbox {
        let send = AgentClientMessage::Send {
            conversation: conversation.clone(),
            client_id: text.clone(),
            text,
        };
        if !send_json(socket, &send).await {
            return false;
        }
    }
    true
}

async fn agent_connection(
    sh: &Shared,
    mut socket: Socket,
    cmds: &mut mpsc::UnboundedReceiver<Cmd>,
) -> Exit {
    if !send_json(&mut socket, &AgentClientMessage::Hello).await {
        return Exit::Broken;
    }
    match next_text(&mut socket, HANDSHAKE)
        .await
        .map(|text| serde_json::from_str::<AgentServerMessage>(&text))
    {
        Some(Ok(AgentServerMessage::Welcome { .. })) => lock(&sh.agent).connected = true,
        None => return Exit::Broken,
        other => {
            sh.problem(format!("agent: expected welcome, got {other:?}"));
            return Exit::Broken;
        }
    }
    let mut connection_max = 0u64;
    let mut accepting: Option<String> = None;
    let mut resend_at: Option<Instant> = None;
    loop {
        tokio::select! {
            frame = socket.next() => {
                let unreadable = |_: &str, e| sh.problem(format!("agent: unreadable frame: {e}"));
                let message: AgentServerMessage = match frames::read(frame, unreadable) {
                    Frame::Read(message) => message,
                    Frame::Skip => continue,
                    Frame::Broken => return Exit::Broken,
                };
                let reaction = match message {
                    AgentServerMessage::Queue { waiting, .. } => {
                        // Take the first waiting conversation (ours is the only one).
                        match waiting.first() {
                            Some(entry) if accepting.as_deref() != Some(entry.conversation.as_str()) => {
                                accepting = Some(entry.conversation.clone());
                                let accept = AgentClientMessage::Accept { conversation: entry.conversation.clone() };
                                if !send_json(&mut socket, &accept).await {
                                    return Exit::Broken;
                                }
                            }
                            _ => {}
                        }
                        Reaction::Nothing
                    }
                    other => on_agent_frame(sh, other, &mut connection_max),
                };
                match reaction {
                    Reaction::Nothing | Reaction::StartAgain => {}
                    Reaction::Resend(after) => resend_at = Some(Instant::now() + after),
                    Reaction::SendOutbox => {
                        if !agent_resend(sh, &mut socket).await {
                            return Exit::Broken;
                        }
                        resend_at = Some(Instant::now() + RESEND_AFTER);
                    }
                }
            }
            cmd = cmds.recv() => {
                let ok = match cmd {
                    None => {
                        let _ = socket.close(None).await;
                        return Exit::Quit;
                    }
                    Some(Cmd::Say(text)) => {
                        let live = {
                            let mut side = lock(&sh.agent);
                            side.outbox.push(text.clone());
                            let live = side.conversation.clone().filter(|_| side.ready && !side.closed);
                            if live.is_some() {
                                side.sending(&text);
                            }
                            live
                        };
                        resend_at.get_or_insert(Instant::now() + RESEND_AFTER);
                        match live {
                            Some(conversation) => {
                                let send = AgentClientMessage::Send { conversation, client_id: text.clone(), text };
                                send_json(&mut socket, &send).await
                            }
                            None => true,
                        }
                    }
                    Some(Cmd::Drop(d)) => {
                        sh.figures().cut_live += 1;
                        drop_abruptly(socket, d.as_millis() % 2 == 1);
                        return Exit::Dropped(d);
                    }
                    Some(Cmd::Navigate) => {
                        // A console reload.
                        sh.figures().cut_live += 1;
                        let _ = socket
                            .close(Some(CloseFrame { code: CloseCode::Away, reason: "".into() }))
                            .await;
                        return Exit::Navigated;
                    }
                    Some(_) => true,
                };
                if !ok {
                    return Exit::Broken;
                }
            }
            () = until(resend_at) => {
                let waiting = !lock(&sh.agent).outbox.is_empty();
                resend_at = None;
                if waiting {
                    if !agent_resend(sh, &mut socket).await {
                        return Exit::Broken;
                    }
                    resend_at = Some(Instant::now() + RESEND_AFTER);
                }
            }
        }
    }
}

fn on_agent_frame(sh: &Shared, message: AgentServerMessage, connection_max: &mut u64) -> Reaction {
    match message {
        AgentServerMessage::Conversation {
            id, messages, more, ..
        } => {
            let mut side = lock(&sh.agent);
            if side.conversation.as_deref() != Some(id.as_str()) {
                if side.conversation.is_some() && !side.closed {
                    drop(side);
                    sh.problem(format!(
                        "agent: got conversation {id} while the current one is open"
                    ));
                    return Reaction::Nothing;
                }
                // Accepted a new conversation.
                side.conversation = Some(id.clone());
                side.view = View::default();
                side.acked.clear();
                side.closed = false;
            }
            let mut figures = sh.figures();
            // The snapshot is the conversation's latest page (all of it unless
            // `more`): nothing known from there on may be missing. Earlier
            // pages are the console's "Load earlier messages".
            let from = if more {
                messages.first().map_or(0, |m| m.seq)
            } else {
                0
            };
            let missing: Vec<u64> = side
                .view
                .by_seq
                .keys()
                .filter(|seq| **seq >= from && !messages.iter().any(|m| m.seq == **seq))
                .copied()
                .collect();
            if !missing.is_empty() {
                figures.lost += missing.len();
                figures.problem(format!(
                    "agent: conversation snapshot lacks seqs {missing:?} seen before"
                ));
            }
            let mut previous = 0;
            for m in &messages {
                if m.seq <= previous {
                    figures.out_of_order += 1;
                    figures.problem(format!(
                        "agent: snapshot has seq {} after {previous}",
                        m.seq
                    ));
                }
                previous = m.seq;
                side.view.record("agent", m.seq, &m.text, &mut figures);
                if m.author == Party::Agent {
                    side.outbox.retain(|t| *t != m.text);
                    side.acked.insert(m.text.clone(), m.seq);
                }
            }
            *connection_max = previous;
            side.ready = true;
            Reaction::SendOutbox
        }
        AgentServerMessage::Message {
            conversation,
            message,
        } => {
            let side = lock(&sh.agent);
            if side.conversation.as_deref() == Some(conversation.as_str()) {
                drop(side);
                rising(sh, "agent", message.seq, connection_max);
                let mut side = lock(&sh.agent);
                let mut figures = sh.figures();
                side.view
                    .record("agent", message.seq, &message.text, &mut figures);
            }
            Reaction::Nothing
        }
        AgentServerMessage::Ack {
            conversation,
            client_id,
            seq,
        } => {
            let mut side = lock(&sh.agent);
            if side.conversation.as_deref() == Some(conversation.as_str()) {
                *connection_max = (*connection_max).max(seq);
                let mut figures = sh.figures();
                side.view.record("agent", seq, &client_id, &mut figures);
                side.outbox.retain(|t| *t != client_id);
                if let Some(before) = side.acked.insert(client_id.clone(), seq)
                    && before != seq
                {
                    figures.duplicated += 1;
                    figures.problem(format!(
                        "agent: {client_id:?} acknowledged as seq {before} and as seq {seq}"
                    ));
                }
            }
            Reaction::Nothing
        }
        AgentServerMessage::Closed { conversation, .. } => {
            let mut side = lock(&sh.agent);
            if side.conversation.as_deref() == Some(conversation.as_str()) {
                side.closed = true;
            }
            Reaction::Nothing
        }
        AgentServerMessage::Transferred { conversation } => {
            sh.problem(format!(
                "agent: conversation {conversation} went back to the queue"
            ));
            Reaction::Nothing
        }
        AgentServerMessage::Error { code, message } => on_error(sh, "agent", code, &message),
        _ => Reaction::Nothing,
    }
}

/// The messages the database holds for `conversation`: seq → text.
async fn stored(db: &sqlx::SqlitePool, conversation: &str) -> Result<BTreeMap<u64, String>> {
    let rows: Vec<(i64, String, String)> = sqlx::query_as(
        "SELECT seq, client_id, text FROM messages WHERE conversation_id = $1 ORDER BY seq",
    )
    .bind(conversation)
    .fetch_all(db)
    .await?;
    let mut out = BTreeMap::new();
    for (seq, client_id, text) in rows {
        ensure!(
            client_id == text,
            "message {seq} stored with client_id {client_id:?} and text {text:?}"
        );
        out.insert(u64::try_from(seq)?, text);
    }
    Ok(out)
}

/// Waits until `done` holds (checked every 20 ms) or `patience` runs out.
async fn wait_for(patience: Duration, mut done: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + patience;
    while !done() {
        if Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    true
}

/// The schedule's steps.
#[derive(Debug, Clone, Copy)]
enum Step {
    ShopperSays,
    AgentSays,
    DropShopper,
    DropAgent,
    ShopperTypesOffline,
    AgentTypesOffline,
    Navigate,
    ReloadConsole,
    KillServer,
    Pause,
}

/// Steps and their weights.
const STEPS: [(Step, u32); 10] = [
    (Step::ShopperSays, 30),
    (Step::AgentSays, 30),
    (Step::DropShopper, 7),
    (Step::DropAgent, 6),
    (Step::ShopperTypesOffline, 6),
    (Step::AgentTypesOffline, 4),
    (Step::Navigate, 8),
    (Step::ReloadConsole, 3),
    (Step::KillServer, 3),
    (Step::Pause, 6),
];

fn pick(rng: &mut StdRng) -> Step {
    let total: u32 = STEPS.iter().map(|(_, w)| w).sum();
    let mut roll = rng.random_range(0..total);
    for (step, weight) in STEPS {
        if roll < weight {
            return step;
        }
        roll -= weight;
    }
    Step::Pause
}

/// Restarts a killed server off the async threads.
async fn restart(server: Server, down: Duration) -> Result<Server> {
    tokio::task::spawn_blocking(move || {
        let mut server = server;
        server.kill();
        std::thread::sleep(down);
        server.start().map(|()| server)
    })
    .await?
}

async fn chaos(args: &Args, seed: u64, server: Server, token: String) -> Result<(Figures, Server)> {
    let mut server = server;
    let mut rng = StdRng::seed_from_u64(seed);
    let sh = Arc::new(Shared {
        addr: server.addr,
        token,
        shopper: Mutex::new(Side::default()),
        agent: Mutex::new(Side::default()),
        figures: Mutex::new(Figures::default()),
        verbose: args.verbose,
    });
    let db = sqlx::sqlite::SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(
            sqlx::sqlite::SqliteConnectOptions::new()
                .filename(server.db_path())
                .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
                .busy_timeout(Duration::from_secs(10)),
        )
        .await
        .context("opening the server's database for checking")?;
    let (to_shopper, shopper_cmds) = mpsc::unbounded_channel();
    let (to_agent, agent_cmds) = mpsc::unbounded_channel();
    let shopper_task = tokio::spawn(shopper(sh.clone(), shopper_cmds));
    let agent_task = tokio::spawn(agent(sh.clone(), agent_cmds));
    let mut said = 0usize;
    let mut cycle = 0usize;
    while cycle < args.cycles {
        // A conversation: the agent is there, the shopper asks for a person,
        // the agent accepts.
        let online = wait_for(SETTLE_PATIENCE, || lock(&sh.agent).connected).await;
        ensure!(online, "the agent did not connect");
        to_shopper.send(Cmd::Start)?;
        let began = wait_for(SETTLE_PATIENCE, || {
            let shopper = lock(&sh.shopper);
            let agent = lock(&sh.agent);
            shopper.conversation.is_some()
                && !shopper.closed
                && agent.ready
                && agent.conversation == shopper.conversation
                && !agent.closed
        })
        .await;
        ensure!(
            began,
            "the conversation did not start: {:?}",
            sh.figures().problems
        );
        sh.figures().conversations += 1;
        let conversation = lock(&sh.shopper).conversation.clone().unwrap_or_default();
        let end = (cycle + args.per_conversation).min(args.cycles);
        while cycle < end {
            cycle += 1;
            let step = pick(&mut rng);
            if args.verbose {
                eprintln!("chaos: cycle {cycle}: {step:?}");
            }
            match step {
                Step::ShopperSays | Step::AgentSays => {
                    for _ in 0..rng.random_range(1..=2) {
                        said += 1;
                        let (who, to) = match step {
                            Step::ShopperSays => ("s", &to_shopper),
                            _ => ("a", &to_agent),
                        };
                        {
                            let mut figures = sh.figures();
                            if who == "s" {
                                figures.typed_by_shopper += 1;
                            } else {
                                figures.typed_by_agent += 1;
                            }
                        }
                        to.send(Cmd::Say(format!("{who}{said} seed {seed}")))?;
                    }
                }
                Step::DropShopper => {
                    sh.figures().shopper_drops += 1;
                    let down = Duration::from_millis(rng.random_range(0..200));
                    to_shopper.send(Cmd::Drop(down))?;
                }
                Step::DropAgent => {
                    sh.figures().agent_drops += 1;
                    let down = Duration::from_millis(rng.random_range(0..200));
                    to_agent.send(Cmd::Drop(down))?;
                }
                Step::ShopperTypesOffline | Step::AgentTypesOffline => {
                    let (who, to) = match step {
                        Step::ShopperTypesOffline => ("s", &to_shopper),
                        _ => ("a", &to_agent),
                    };
                    {
                        let mut figures = sh.figures();
                        if who == "s" {
                            figures.shopper_drops += 1;
                        } else {
                            figures.agent_drops += 1;
                        }
                    }
                    to.send(Cmd::Drop(Duration::from_millis(rng.random_range(100..500))))?;
                    for _ in 0..rng.random_range(1..=3) {
                        said += 1;
                        {
                            let mut figures = sh.figures();
                            if who == "s" {
                                figures.typed_by_shopper += 1;
                            } else {
                                figures.typed_by_agent += 1;
                            }
                        }
                        to.send(Cmd::Say(format!("{who}{said} seed {seed}")))?;
                        tokio::time::sleep(Duration::from_millis(rng.random_range(0..100))).await;
                    }
                }
                Step::Navigate => {
                    sh.figures().navigations += 1;
                    to_shopper.send(Cmd::Navigate)?;
                }
                Step::ReloadConsole => {
                    sh.figures().console_reloads += 1;
                    to_agent.send(Cmd::Navigate)?;
                }
                Step::KillServer => {
                    sh.figures().restarts += 1;
                    let down = Duration::from_millis(rng.random_range(0..300));
                    server = restart(server, down).await?;
                }
                Step::Pause => {
                    tokio::time::sleep(Duration::from_millis(rng.random_range(50..300))).await;
                }
            }
            tokio::time::sleep(Duration::from_millis(rng.random_range(0..40))).await;
        }
        sh.figures().cycles = cycle;
        settle_and_check(&sh, &db, &conversation, &to_shopper, &to_agent).await?;
        // The shopper ends it; both sides hear so.
        to_shopper.send(Cmd::End)?;
        let ended = wait_for(SETTLE_PATIENCE, || {
            lock(&sh.shopper).closed && lock(&sh.agent).closed
        })
        .await;
        ensure!(ended, "the conversation did not end");
    }
    drop(to_shopper);
    drop(to_agent);
    let _ = tokio::time::timeout(Duration::from_secs(5), shopper_task).await;
    let _ = tokio::time::timeout(Duration::from_secs(5), agent_task).await;
    let figures = std::mem::take(&mut *sh.figures());
    Ok((figures, server))
}

/// Lets both sides catch up, then compares their views with the database.
async fn settle_and_check(
    sh: &Shared,
    db: &sqlx::SqlitePool,
    conversation: &str,
    to_shopper: &mpsc::UnboundedSender<Cmd>,
    to_agent: &mpsc::UnboundedSender<Cmd>,
) -> Result<()> {
    to_shopper.send(Cmd::Wake)?;
    to_agent.send(Cmd::Wake)?;
    let deadline = Instant::now() + SETTLE_PATIENCE;
    let (settled, truth) = loop {
        let truth = stored(db, conversation).await?;
        let stored_max = truth.keys().next_back().copied().unwrap_or(0);
        let caught_up = {
            let shopper = lock(&sh.shopper);
            let agent = lock(&sh.agent);
            shopper.ready
                && agent.ready
                && shopper.outbox.is_empty()
                && agent.outbox.is_empty()
                && shopper.view.max_seq() == stored_max
                && agent.view.max_seq() == stored_max
        };
        if caught_up {
            break (true, truth);
        }
        if Instant::now() >= deadline {
            break (false, truth);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let shopper = lock(&sh.shopper);
    let agent = lock(&sh.agent);
    let mut figures = sh.figures();
    if !settled {
        figures.problem(format!(
            "conversation {conversation} did not settle: shopper outbox {:?}, agent outbox {:?}, \
             shopper seq {}, agent seq {}, stored {}",
            shopper.outbox,
            agent.outbox,
            shopper.view.max_seq(),
            agent.view.max_seq(),
            truth.len()
        ));
        figures.lost += shopper.outbox.len() + agent.outbox.len();
    }
    // The database: sequence numbers 1..n, each message once.
    let mut seen: HashMap<&str, u64> = HashMap::new();
    for (index, (seq, text)) in truth.iter().enumerate() {
        if *seq != index as u64 + 1 {
            figures.mismatched += 1;
            figures.problem(format!("stored seq {seq} at position {}: a gap", index + 1));
        }
        if let Some(first) = seen.insert(text, *seq) {
            figures.duplicated += 1;
            figures.problem(format!("{text:?} stored as seq {first} and seq {seq}"));
        }
    }
    // Every acknowledged message is stored at its acknowledged seq and both
    // sides have it there.
    for (side_name, acked) in [("shopper", &shopper.acked), ("agent", &agent.acked)] {
        for (text, seq) in acked {
            figures.acknowledged += 1;
            if truth.get(seq) != Some(text) {
                figures.lost += 1;
                figures.problem(format!(
                    "{side_name}'s {text:?} acknowledged as seq {seq}, stored: {:?}",
                    truth.get(seq)
                ));
                continue;
            }
            for (viewer, view) in [("shopper", &shopper.view), ("agent", &agent.view)] {
                if view.by_seq.get(seq) != Some(text) {
                    figures.lost += 1;
                    figures.problem(format!(
                        "{side_name}'s {text:?} (seq {seq}) never reached the {viewer}"
                    ));
                }
            }
        }
    }
    // Both views are the database, in order.
    for (viewer, view) in [("shopper", &shopper.view), ("agent", &agent.view)] {
        if view.by_seq != truth {
            let differing = truth
                .iter()
                .filter(|(seq, text)| view.by_seq.get(seq) != Some(text))
                .count()
                + view
                    .by_seq
                    .keys()
                    .filter(|seq| !truth.contains_key(seq))
                    .count();
            figures.mismatched += differing;
            figures.problem(format!(
                "the {viewer}'s view differs from the database at {differing} seqs"
            ));
        }
    }
    Ok(())
}
