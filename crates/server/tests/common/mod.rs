//! The one harness of the server's integration tests (`mod common;` in each
//! test file): the demo in a temporary directory, in process (the router
//! called with `oneshot`) or served on a loopback port, HTTP and WebSocket
//! helpers, agent login, the real `aisle` binary on a free port, and the SMTP
//! sink (`support/smtp_sink.py`, aiosmtpd with AUTH).
//!
//! Every test binary uses only a part of it, hence the `dead_code` allowance.
#![allow(dead_code)]

/// The finders and helpers the examples' throwaway clusters use too:
/// a free port, root or not, `CI=true`, where PostgreSQL and NATS live.
#[path = "../../examples/support/infra.rs"]
pub mod infra;
pub use infra::{as_postgres, free_port, in_ci, is_root, postgres_bin};

use aisle_server::{AppState, Config, Network, app};
use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Request, StatusCode, header};
use futures_util::{SinkExt, StreamExt};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tower::ServiceExt;

/// How long a test waits for a frame or an email before failing.
pub const PATIENCE: Duration = Duration::from_secs(10);

/// The demo agent Robin's email and password (an admin of site `demo`).
pub const ROBIN: (&str, &str) = ("agent@demo.test", "demo-agent");

// ---------------------------------------------------------------- in process

/// The demo's configuration with its database and assets in `dir`: a
/// SQLite file there, or with `AISLE_TEST_DB=postgres` a fresh database on
/// the test binary's PostgreSQL ([`postgres`]), so any suite can run on
/// either backend.
pub fn config(dir: &tempfile::TempDir, network: Network) -> Config {
    Config {
        db_url: test_db_url(dir.path()),
        demo: true,
        assets: dir.path().to_path_buf(),
        network,
    }
}

/// The database URL a test's demo uses: `sqlite://DIR/aisle.db`, or a fresh
/// PostgreSQL database when `AISLE_TEST_DB=postgres`.
pub fn test_db_url(dir: &Path) -> String {
    // Without PostgreSQL installed `postgres()` says so loudly (and fails
    // under CI=true); the test then runs on SQLite.
    let pg = std::env::var("AISLE_TEST_DB").is_ok_and(|v| v == "postgres");
    if pg && let Some(server) = postgres() {
        // The same database when the demo is reopened in `dir` (a restart).
        let remembered = dir.join("postgres-url");
        if let Ok(url) = std::fs::read_to_string(&remembered) {
            return url;
        }
        let url = server.fresh_database();
        std::fs::write(&remembered, &url).unwrap();
        url
    } else {
        format!("sqlite://{}", dir.join("aisle.db").display())
    }
}

/// The demo opened in a temporary directory, and its router.
pub struct Demo {
    pub state: AppState,
    pub router: Router,
    pub dir: tempfile::TempDir,
}

/// The demo with the default network settings.
pub async fn demo() -> Demo {
    demo_in(tempfile::tempdir().unwrap(), Network::default()).await
}

/// The demo with `network`.
pub async fn demo_with(network: Network) -> Demo {
    demo_in(tempfile::tempdir().unwrap(), network).await
}

/// The demo opened (or reopened) in `dir`.
pub async fn demo_in(dir: tempfile::TempDir, network: Network) -> Demo {
    let state = AppState::open(&config(&dir, network)).await.unwrap();
    Demo {
        router: app(state.clone()),
        state,
        dir,
    }
}

/// Sends `request` through `router` as if from `client`; status, headers and body bytes.
pub async fn oneshot(
    router: &Router,
    mut request: Request<Body>,
    client: [u8; 4],
) -> (StatusCode, HeaderMap, Vec<u8>) {
    request
        .extensions_mut()
        .insert(ConnectInfo(SocketAddr::from((client, 40000))));
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, headers, bytes.to_vec())
}

/// As [`oneshot`], with the body read as JSON (`Null` when it is not).
pub async fn oneshot_json(
    router: &Router,
    request: Request<Body>,
    client: [u8; 4],
) -> (StatusCode, HeaderMap, Value) {
    let (status, headers, bytes) = oneshot(router, request, client).await;
    (
        status,
        headers,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

/// A JSON request: `method` `path` with `body`, and the bearer `token` when given.
pub fn json_request(method: &str, path: &str, token: Option<&str>, body: String) -> Request<Body> {
    let mut request = Request::builder()
        .method(method)
        .uri(path)
        .header(header::CONTENT_TYPE, "application/json");
    if let Some(token) = token {
        request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    request.body(Body::from(body)).unwrap()
}

/// A JSON call through `router` from `client`; status and answer (`Null` when empty).
pub async fn call(
    router: &Router,
    client: [u8; 4],
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Value,
) -> (StatusCode, Value) {
    let request = json_request(method, path, token, body.to_string());
    let (status, _, answer) = oneshot_json(router, request, client).await;
    (status, answer)
}

/// Logs the demo agent Robin in through `router` from `client`; the bearer token.
pub async fn log_in(router: &Router, client: [u8; 4]) -> String {
    let body = json!({"email": ROBIN.0, "password": ROBIN.1});
    let (status, answer) = call(router, client, "POST", "/api/agent/login", None, body).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    answer["token"].as_str().unwrap().to_owned()
}

/// What the assistant said in a self-service reply, one line a bubble.
pub fn said(reply: &Value) -> String {
    reply["said"]
        .as_array()
        .map(|s| {
            s.iter()
                .filter_map(|s| s["text"].as_str())
                .collect::<Vec<_>>()
                .join("\n")
        })
        .unwrap_or_default()
}

// ------------------------------------------------------------ on a real port

/// Serves `state` on a free loopback port; its address and the task running it.
pub async fn serve(state: &AppState) -> (SocketAddr, tokio::task::JoinHandle<std::io::Result<()>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(aisle_server::run(listener, state.clone()));
    (addr, server)
}

// ---------------------------------------------------------------- WebSockets

/// A client WebSocket.
pub type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Opens a WebSocket to `url` with `headers`.
pub async fn connect(
    url: String,
    headers: &[(&'static str, String)],
) -> Result<Socket, tokio_tungstenite::tungstenite::Error> {
    let mut request = url.into_client_request().unwrap();
    for (name, value) in headers {
        request.headers_mut().insert(*name, value.parse().unwrap());
    }
    tokio_tungstenite::connect_async(request)
        .await
        .map(|(socket, _)| socket)
}

/// An agent's socket at `addr`, authenticated with a bearer token.
pub async fn agent_socket(addr: SocketAddr, token: &str) -> Socket {
    connect(
        format!("ws://{addr}/ws/v1/agent"),
        &[("authorization", format!("Bearer {token}"))],
    )
    .await
    .unwrap()
}

/// Sends one JSON frame.
pub async fn send(socket: &mut Socket, message: Value) {
    socket
        .send(Message::text(message.to_string()))
        .await
        .unwrap();
}

/// The next JSON frame (pings and pongs skipped); anything else fails the test.
pub async fn next(socket: &mut Socket) -> Value {
    tokio::time::timeout(PATIENCE, async {
        loop {
            match socket.next().await {
                Some(Ok(Message::Text(text))) => return serde_json::from_str(&text).unwrap(),
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
                other => panic!("expected a text frame, got {other:?}"),
            }
        }
    })
    .await
    .expect("a frame in time")
}

/// The next frame of `kind`, skipping frames of other kinds and any other message.
pub async fn skip_to(socket: &mut Socket, kind: &str) -> Value {
    tokio::time::timeout(PATIENCE, async {
        loop {
            match socket.next().await {
                Some(Ok(Message::Text(text))) => {
                    let frame: Value = serde_json::from_str(&text).unwrap();
                    if frame["type"] == kind {
                        return frame;
                    }
                }
                Some(Ok(_)) => {}
                other => panic!("expected a {kind} frame, got {other:?}"),
            }
        }
    })
    .await
    .unwrap_or_else(|_| panic!("a {kind} frame in time"))
}

/// The close frame's code and reason.
pub async fn close_frame(socket: &mut Socket) -> (CloseCode, String) {
    tokio::time::timeout(PATIENCE, async {
        loop {
            match socket.next().await {
                Some(Ok(Message::Close(Some(frame)))) => {
                    return (frame.code, frame.reason.to_string());
                }
                Some(Ok(_)) => continue,
                other => panic!("expected a close frame, got {other:?}"),
            }
        }
    })
    .await
    .expect("a close in time")
}

/// The close frame's code.
pub async fn close_code(socket: &mut Socket) -> CloseCode {
    close_frame(socket).await.0
}

// ------------------------------------------------------- the `aisle` binary

/// The `aisle` binary, logging warnings only; callers add their environment.
pub fn aisle() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_aisle"));
    command.env("RUST_LOG", "warn");
    command
}

/// A child process that is killed when dropped.
pub struct Process(pub Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Runs `aisle serve [--demo]` (from `command`) on a free port with the
/// database `db` and assets in `assets`, and waits until `/healthz` answers.
pub async fn spawn_server(
    mut command: Command,
    demo: bool,
    db: &str,
    assets: &Path,
) -> (Process, SocketAddr, reqwest::Client) {
    let addr: SocketAddr = ([127, 0, 0, 1], free_port()).into();
    command.arg("serve");
    if demo {
        command.arg("--demo");
    }
    let child = command
        .args(["--listen", &addr.to_string(), "--db", db, "--assets"])
        .arg(assets)
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let process = Process(child);
    let http = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while http
        .get(format!("http://{addr}/healthz"))
        .send()
        .await
        .is_err()
    {
        assert!(Instant::now() < deadline, "the server did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    (process, addr, http)
}

/// Runs `command` and fails the test, showing its stderr, unless it succeeds; its output.
pub fn succeeds(command: &mut Command) -> std::process::Output {
    let out = command.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// `aisle site import FILE --db DB` with `site` written to `dir`; fails the test if refused.
pub fn import_site(command: Command, dir: &Path, db: &str, site: &Value) {
    let mut command = command;
    let file = dir.join("site.json");
    std::fs::write(&file, serde_json::to_string_pretty(site).unwrap()).unwrap();
    succeeds(
        command
            .args(["site", "import"])
            .arg(&file)
            .args(["--db", db]),
    );
}

/// A JSON call to a server at `addr`; the status and the body (`Null` when empty).
pub async fn http_call(
    http: &reqwest::Client,
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (reqwest::StatusCode, Value) {
    http_call_with(http, addr, method, path, token, body, &[]).await
}

/// [`http_call`] with extra request `headers` (`accept-language`, …).
pub async fn http_call_with(
    http: &reqwest::Client,
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
    headers: &[(&str, &str)],
) -> (reqwest::StatusCode, Value) {
    let url = format!("http://{addr}{path}");
    let mut request = match method {
        "GET" => http.get(url),
        "PUT" => http.put(url),
        "DELETE" => http.delete(url),
        _ => http.post(url),
    };
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// Logs `email` in at the server at `addr`; the answer (token, agent).
pub async fn http_log_in(
    http: &reqwest::Client,
    addr: SocketAddr,
    email: &str,
    password: &str,
) -> Value {
    let body = json!({"email": email, "password": password});
    let (status, login) = http_call(http, addr, "POST", "/api/agent/login", None, Some(body)).await;
    assert_eq!(status, reqwest::StatusCode::OK, "{login}");
    login
}

// ------------------------------------------------------------- the SMTP sink

/// The environment variable naming the sink's SMTP password.
pub const SMTP_PASSWORD_ENV: &str = "AISLE_TEST_SMTP_PASSWORD";
/// The sink's SMTP user.
pub const SMTP_USER: &str = "northwind";
/// The sink's SMTP password.
pub const SMTP_PASSWORD: &str = "smtp-test-password";

/// The Python that has aiosmtpd.
fn python() -> PathBuf {
    if let Some(p) = std::env::var_os("AISLE_SMTP_PYTHON") {
        return p.into();
    }
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/smtp-venv/bin/python");
    assert!(
        venv.exists(),
        "no Python with aiosmtpd: run `cargo xtask setup` (it makes {}) or set AISLE_SMTP_PYTHON",
        venv.display()
    );
    venv
}

/// A running SMTP server; what it receives lands in `dir`.
pub struct Sink {
    child: Process,
    pub port: u16,
    dir: tempfile::TempDir,
}

impl Sink {
    /// Starts the server on `port` (0: any free port) and waits until it listens.
    pub fn start(port: u16) -> Sink {
        let dir = tempfile::tempdir().unwrap();
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/smtp_sink.py");
        let mut child = Command::new(python())
            .arg(script)
            .arg("--dir")
            .arg(dir.path())
            .args([
                "--port",
                &port.to_string(),
                "--user",
                SMTP_USER,
                "--password",
                SMTP_PASSWORD,
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start the SMTP server");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line
            .strip_prefix("listening ")
            .and_then(|p| p.trim().parse().ok())
            .unwrap_or_else(|| panic!("the SMTP server did not start: {line:?}"));
        Sink {
            child: Process(child),
            port,
            dir,
        }
    }

    /// The messages received so far, oldest first: (raw MIME, decoded summary).
    pub fn received(&self) -> Vec<(String, Value)> {
        let mut names: Vec<PathBuf> = std::fs::read_dir(self.dir.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        names.sort();
        names
            .iter()
            .map(|json| {
                let raw = std::fs::read_to_string(json.with_extension("eml")).unwrap();
                let summary =
                    serde_json::from_str(&std::fs::read_to_string(json).unwrap()).unwrap();
                (raw, summary)
            })
            .collect()
    }

    /// Waits until `n` messages have arrived (10 s at most, as promised to shoppers).
    pub async fn await_messages(&self, n: usize) -> Vec<(String, Value)> {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let got = self.received();
            if got.len() >= n {
                return got;
            }
            assert!(
                Instant::now() < deadline,
                "{} of {n} emails arrived within 10 s",
                got.len()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// The demo site file with an `email` block sending through 127.0.0.1:`smtp_port`
/// as the sink's user; `extra` adds keys to the block.
pub fn site_with_email(smtp_port: u16, extra: Value) -> Value {
    let mut site: Value = serde_json::from_str(include_str!("../../demo/site.json")).unwrap();
    let mut email = json!({
        "from": "Northwind Outfitters <help@northwind.example>",
        "smtp": {
            "host": "127.0.0.1", "port": smtp_port, "tls": "none",
            "username": SMTP_USER, "password_env": SMTP_PASSWORD_ENV
        }
    });
    if let (Some(email), Value::Object(extra)) = (email.as_object_mut(), extra) {
        email.extend(extra);
    }
    site["email"] = email;
    site
}

// ---------------------------------------------------------------- PostgreSQL

/// A throwaway PostgreSQL cluster, one per test binary: `initdb` in a
/// temporary directory (as the `postgres` user when the tests run as root,
/// since `initdb` refuses root), started with `fsync=off` on a free loopback
/// port. A watchdog process stops it and deletes the directory when the test
/// binary exits, however it exits (it waits for the end of a pipe only this
/// process holds).
pub struct Postgres {
    /// The server's port on 127.0.0.1.
    pub port: u16,
    /// Databases made so far (their names are `t1`, `t2`, …).
    made: std::sync::atomic::AtomicU32,
    /// The watchdog's stdin: closed when this process exits.
    _watchdog: std::sync::Mutex<Child>,
}

/// The test binary's PostgreSQL, started on first use; `None` (after a loud
/// message) when PostgreSQL is not installed — unless `CI=true`, where that
/// fails the test (`.ci/run` installs it).
pub fn postgres() -> Option<&'static Postgres> {
    static SERVER: std::sync::OnceLock<Option<Postgres>> = std::sync::OnceLock::new();
    SERVER
        .get_or_init(|| {
            let Some(bin) = postgres_bin() else {
                assert!(
                    !in_ci(),
                    "CI=true and PostgreSQL is missing: install Debian's postgresql (.ci/run does)"
                );
                eprintln!(
                    "\n!!!!!!!! PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): \
                     the PostgreSQL half of this test is SKIPPED. `apt-get install postgresql` to run it.\n"
                );
                return None;
            };
            Some(start_postgres(&bin))
        })
        .as_ref()
}

fn start_postgres(bin: &Path) -> Postgres {
    let dir = tempfile::Builder::new()
        .prefix("aisle-pg-")
        .tempdir()
        .unwrap()
        .keep();
    if is_root() {
        succeeds(Command::new("chown").arg("postgres").arg(&dir));
    }
    let data = dir.join("data");
    succeeds(
        as_postgres(&bin.join("initdb"))
            .arg("-D")
            .arg(&data)
            .args(["-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"])
            .stdout(Stdio::null()),
    );
    let port = free_port();
    let options = format!(
        "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off \
         -c synchronous_commit=off -c full_page_writes=off -c max_connections=400",
        dir.display()
    );
    succeeds(
        as_postgres(&bin.join("pg_ctl"))
            .arg("-D")
            .arg(&data)
            .arg("-l")
            .arg(dir.join("log"))
            .args(["-w", "-o", &options, "start"])
            .stdout(Stdio::null()),
    );
    // Stops the server and removes its files once this process is gone.
    let stop = format!(
        "cat >/dev/null; {} -D '{}' -m immediate stop >/dev/null 2>&1; rm -rf '{}'",
        if is_root() {
            format!("runuser -u postgres -- '{}'", bin.join("pg_ctl").display())
        } else {
            format!("'{}'", bin.join("pg_ctl").display())
        },
        data.display(),
        dir.display()
    );
    let watchdog = Command::new("sh")
        .args(["-c", &stop])
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    Postgres {
        port,
        made: std::sync::atomic::AtomicU32::new(0),
        _watchdog: std::sync::Mutex::new(watchdog),
    }
}

impl Postgres {
    /// The URL of database `name` on this server.
    pub fn url(&self, name: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{name}", self.port)
    }

    /// A new, empty database; its URL.
    pub fn fresh_database(&self) -> String {
        let n = self.made.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        let name = format!("t{n}");
        let port = self.port;
        let create = format!("CREATE DATABASE {name}");
        // Its own thread and runtime: callers may be inside a runtime or not.
        std::thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap()
                .block_on(async {
                    use sqlx::Connection;
                    let url = format!("postgres://postgres@127.0.0.1:{port}/postgres");
                    let mut admin = sqlx::PgConnection::connect(&url).await.unwrap();
                    sqlx::query(&create).execute(&mut admin).await.unwrap();
                    admin.close().await.unwrap();
                })
        })
        .join()
        .unwrap();
        self.url(&name)
    }
}
