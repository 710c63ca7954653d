//! Throwaway infrastructure for several `aisle serve` nodes on loopback: a
//! PostgreSQL cluster (`initdb` in a temporary directory, as `postgres` when
//! root, `fsync=off`), a NATS cluster (`nats-server --cluster --routes`), the
//! nodes themselves and an HAProxy in front of them.
//!
//! Standard library only: `cargo xtask cluster` includes this file too
//! (`#[path]`), as do the `chaos_cluster` and `chat_load` examples and the
//! server's test harness (`tests/common`, for its finders and helpers: its
//! own PostgreSQL runs one server per test binary with a watchdog). Every
//! process is killed, and every directory removed, when its handle drops,
//! so a failing caller leaves nothing behind.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// A free loopback port (bound and released).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// Whether this process runs as root (`initdb` refuses root).
pub fn is_root() -> bool {
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

/// Whether `CI` is `true` (or `1`): missing tools fail instead of skipping.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// A directory removed (with its contents) when dropped.
pub struct TempDir(pub PathBuf);

impl TempDir {
    /// A new, empty directory under the system's temporary directory.
    pub fn new(prefix: &str) -> std::io::Result<TempDir> {
        static MADE: AtomicU32 = AtomicU32::new(0);
        let n = MADE.fetch_add(1, Ordering::Relaxed);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let path = std::env::temp_dir().join(format!("{prefix}{}-{n}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&path)?;
        Ok(TempDir(path))
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A child process killed (SIGKILL) and reaped when dropped.
pub struct Guard(pub Option<Child>);

impl Guard {
    /// The process id, while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.0.as_ref().map(Child::id)
    }

    /// SIGKILL now and reap.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.0.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Sends `signal` (`STOP`, `CONT`, `TERM`, …) to `pid` with `kill(1)`.
pub fn signal(pid: u32, signal: &str) -> Result<(), String> {
    let status = Command::new("kill")
        .arg(format!("-{signal}"))
        .arg(pid.to_string())
        .status()
        .map_err(|e| format!("kill -{signal} {pid}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("kill -{signal} {pid} failed"))
    }
}

/// Waits until `addr` accepts TCP connections, for up to `patience`.
pub fn wait_for_port(addr: SocketAddr, patience: Duration) -> bool {
    let deadline = Instant::now() + patience;
    while Instant::now() < deadline {
        if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

/// Says loudly that `what` is missing and the run is skipped; with `CI=true`
/// that is an error instead.
pub fn missing(what: &str, install: &str) -> Result<(), String> {
    if in_ci() {
        return Err(format!(
            "CI=true and {what} is missing: `apt-get install {install}` (.ci/run does)"
        ));
    }
    eprintln!(
        "\n!!!!!!!! {what} is not installed: this cluster run is SKIPPED. \
         `apt-get install {install}` to run it.\n"
    );
    Ok(())
}

// ---------------------------------------------------------------- PostgreSQL

/// The server binaries of the newest PostgreSQL installed
/// (`/usr/lib/postgresql/*/bin`, Debian's layout), if any.
pub fn postgres_bin() -> Option<PathBuf> {
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let version = e.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .collect();
    found.sort();
    found.pop().map(|(_, bin)| bin)
}

/// `program` run as the `postgres` user when this process is root.
pub fn as_postgres(program: &Path) -> Command {
    if is_root() {
        let mut command = Command::new("runuser");
        command.args(["-u", "postgres", "--"]).arg(program);
        command
    } else {
        Command::new(program)
    }
}

fn succeeds(command: &mut Command, what: &str) -> Result<(), String> {
    let out = command
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("{what}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{what} failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// A throwaway PostgreSQL server on a free loopback port; stopped
/// (`-m immediate`) and its files removed when dropped.
pub struct Postgres {
    /// The server's port on 127.0.0.1.
    pub port: u16,
    bin: PathBuf,
    data: PathBuf,
    options: String,
    dir: TempDir,
}

impl Postgres {
    /// `initdb` and start; `max_connections` sized for `nodes` nodes.
    pub fn start(bin: &Path) -> Result<Postgres, String> {
        let dir = TempDir::new("aisle-pg-").map_err(|e| e.to_string())?;
        if is_root() {
            succeeds(
                Command::new("chown").arg("postgres").arg(dir.path()),
                "chown postgres",
            )?;
        }
        let data = dir.path().join("data");
        succeeds(
            as_postgres(&bin.join("initdb")).arg("-D").arg(&data).args([
                "-A",
                "trust",
                "-U",
                "postgres",
                "--no-sync",
                "-E",
                "UTF8",
            ]),
            "initdb",
        )?;
        let port = free_port();
        // `fsync=off` loses data on an operating-system crash only; commits
        // stay synchronous, so `restart_immediate` (a process crash) keeps
        // every commit a node was told of, as a real failover must.
        let options = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off \
             -c synchronous_commit=on -c max_connections=200",
            dir.path().display()
        );
        let postgres = Postgres {
            port,
            bin: bin.to_path_buf(),
            data,
            options,
            dir,
        };
        postgres.pg_ctl(&["-w", "start"])?;
        Ok(postgres)
    }

    fn pg_ctl(&self, args: &[&str]) -> Result<(), String> {
        succeeds(
            as_postgres(&self.bin.join("pg_ctl"))
                .arg("-D")
                .arg(&self.data)
                .arg("-l")
                .arg(self.dir.path().join("log"))
                .args(["-o", &self.options])
                .args(args),
            &format!("pg_ctl {}", args.join(" ")),
        )
    }

    /// The URL of the cluster's `postgres` database (the nodes' database).
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// `pg_ctl restart -m immediate`: a crash and recovery, as a failover
    /// to a standby looks to the nodes.
    pub fn restart_immediate(&self) -> Result<(), String> {
        self.pg_ctl(&["-w", "-m", "immediate", "restart"])
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let _ = self.pg_ctl(&["-m", "immediate", "stop"]);
    }
}

// ---------------------------------------------------------------------- NATS

/// Debian's `nats-server`, if installed.
pub fn nats_bin() -> Option<PathBuf> {
    ["/usr/sbin/nats-server", "/usr/bin/nats-server"]
        .into_iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
}

/// A NATS cluster of `nats-server`s routed to each other on loopback.
pub struct Nats {
    bin: PathBuf,
    /// Client ports, one per server.
    pub ports: Vec<u16>,
    /// Cluster (route) ports, one per server.
    routes: Vec<u16>,
    servers: Vec<Guard>,
}

impl Nats {
    /// `n` servers, each accepting clients once started.
    pub fn start(bin: &Path, n: usize) -> Result<Nats, String> {
        let mut nats = Nats {
            bin: bin.to_path_buf(),
            ports: (0..n).map(|_| free_port()).collect(),
            routes: (0..n).map(|_| free_port()).collect(),
            servers: Vec::new(),
        };
        for i in 0..n {
            let server = nats.spawn(i)?;
            nats.servers.push(server);
        }
        for &port in &nats.ports {
            if !wait_for_port(([127, 0, 0, 1], port).into(), Duration::from_secs(10)) {
                return Err(format!("nats-server on port {port} did not start"));
            }
        }
        Ok(nats)
    }

    fn spawn(&self, i: usize) -> Result<Guard, String> {
        let routes: Vec<String> = self
            .routes
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != i)
            .map(|(_, p)| format!("nats://127.0.0.1:{p}"))
            .collect();
        let mut command = Command::new(&self.bin);
        command
            .args(["-a", "127.0.0.1", "-p", &self.ports[i].to_string()])
            .args(["--cluster_name", "aisle"])
            .arg("--cluster")
            .arg(format!("nats://127.0.0.1:{}", self.routes[i]));
        if !routes.is_empty() {
            command.arg("--routes").arg(routes.join(","));
        }
        let child = command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("starting nats-server: {e}"))?;
        Ok(Guard(Some(child)))
    }

    /// The `--bus` value naming every server.
    pub fn urls(&self) -> String {
        self.ports
            .iter()
            .map(|p| format!("nats://127.0.0.1:{p}"))
            .collect::<Vec<_>>()
            .join(",")
    }

    /// SIGKILLs server `i`.
    pub fn kill(&mut self, i: usize) {
        self.servers[i].kill();
    }

    /// Starts server `i` again on its ports.
    pub fn restart(&mut self, i: usize) -> Result<(), String> {
        self.servers[i] = self.spawn(i)?;
        if wait_for_port(
            ([127, 0, 0, 1], self.ports[i]).into(),
            Duration::from_secs(10),
        ) {
            Ok(())
        } else {
            Err("nats-server did not restart".into())
        }
    }
}

// --------------------------------------------------------------- aisle nodes

/// How one node is started.
#[derive(Clone, Debug)]
pub struct NodeConfig {
    /// The `aisle` binary.
    pub binary: PathBuf,
    /// `--db`.
    pub db: String,
    /// `--bus`, if any.
    pub bus: Option<String>,
    /// `--assets`.
    pub assets: PathBuf,
    /// Tokio worker threads (`TOKIO_WORKER_THREADS`); `None`: one per core.
    pub workers: Option<usize>,
    /// Further arguments to `serve`.
    pub extra: Vec<String>,
    /// `RUST_LOG`.
    pub log_filter: String,
}

/// One `aisle serve --demo` node on a fixed loopback port (kept across
/// restarts), logging to `log`.
pub struct Node {
    /// Its address.
    pub addr: SocketAddr,
    /// Its log file (appended to across restarts).
    pub log: PathBuf,
    config: NodeConfig,
    process: Guard,
}

impl Node {
    /// Starts the node on a free port and waits until it listens.
    pub fn start(config: NodeConfig, log: PathBuf) -> Result<Node, String> {
        let addr: SocketAddr = ([127, 0, 0, 1], free_port()).into();
        let mut node = Node {
            addr,
            log,
            config,
            process: Guard(None),
        };
        node.restart()?;
        Ok(node)
    }

    /// The process id, while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.process.pid()
    }

    /// Whether the process runs (it may be stopped).
    pub fn running(&self) -> bool {
        self.process.0.is_some()
    }

    /// SIGKILL.
    pub fn kill(&mut self) {
        self.process.kill();
    }

    /// Starts it (again) on its address; waits for the demo's "listening"
    /// line (so the database and the bus are joined).
    pub fn restart(&mut self) -> Result<(), String> {
        self.process.kill();
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .map_err(|e| format!("{}: {e}", self.log.display()))?;
        let mut command = Command::new(&self.config.binary);
        command
            .args(["serve", "--demo", "--listen", &self.addr.to_string()])
            .args(["--db", &self.config.db])
            .arg("--assets")
            .arg(&self.config.assets)
            .args(&self.config.extra)
            .env("RUST_LOG", &self.config.log_filter)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log);
        if let Some(bus) = &self.config.bus {
            command.args(["--bus", bus]);
        }
        if let Some(workers) = self.config.workers {
            command.env("TOKIO_WORKER_THREADS", workers.to_string());
        }
        let mut child = command
            .spawn()
            .map_err(|e| format!("starting {}: {e}", self.config.binary.display()))?;
        let stdout = child.stdout.take().expect("piped stdout");
        self.process = Guard(Some(child));
        // The demo prints "Aisle demo store: http://ADDR/ …" once it listens;
        // keep reading so later prints never hit a closed pipe.
        let (lines, printed) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = lines.send(line);
            }
        });
        loop {
            match printed.recv_timeout(Duration::from_secs(120)) {
                Ok(line) if line.starts_with("Aisle demo store:") => return Ok(()),
                Ok(_) => {}
                Err(_) => {
                    self.process.kill();
                    return Err(format!(
                        "node {} did not start; its log: {}",
                        self.addr,
                        self.log.display()
                    ));
                }
            }
        }
    }

    /// Resident memory in bytes (`VmRSS`), while it runs.
    pub fn rss(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid()?)).ok()?;
        let kb = status
            .lines()
            .find_map(|line| line.strip_prefix("VmRSS:"))?
            .split_whitespace()
            .next()?
            .parse::<u64>()
            .ok()?;
        Some(kb * 1024)
    }
}

// ------------------------------------------------------------------- HAProxy

/// Debian's `haproxy`, if installed.
pub fn haproxy_bin() -> Option<PathBuf> {
    [
        "/usr/sbin/haproxy",
        "/usr/bin/haproxy",
        "/usr/local/sbin/haproxy",
    ]
    .into_iter()
    .map(PathBuf::from)
    .find(|p| p.exists())
}

/// The HAProxy configuration for `backends` behind `listen`: round robin
/// without stickiness; WebSocket upgrades pass through (HAProxy handles
/// `Connection: Upgrade` itself), `timeout tunnel` keeps an upgraded
/// connection open for 1 h of silence (the server pings every 30 s),
/// `X-Forwarded-For` and `X-Forwarded-Proto` name the client. Its
/// connection limit follows the open-files limit.
pub fn haproxy_config(listen: SocketAddr, backends: &[SocketAddr]) -> String {
    let mut config = format!(
        "defaults\n\
         \x20   mode http\n\
         \x20   option forwardfor\n\
         \x20   option http-server-close\n\
         \x20   timeout connect 2s\n\
         \x20   timeout client 120s\n\
         \x20   timeout server 120s\n\
         \x20   timeout http-request 10s\n\
         \x20   timeout tunnel 1h\n\
         \x20   timeout client-fin 5s\n\
         \x20   retries 2\n\
         \x20   option redispatch\n\
         frontend aisle\n\
         \x20   bind {listen}\n\
         \x20   http-request set-header X-Forwarded-Proto http\n\
         \x20   default_backend nodes\n\
         backend nodes\n\
         \x20   balance roundrobin\n\
         \x20   option httpchk GET /healthz\n"
    );
    for (i, addr) in backends.iter().enumerate() {
        config.push_str(&format!(
            "    server node{} {addr} check inter 1s fall 2 rise 1\n",
            i + 1
        ));
    }
    config
}

/// An HAProxy in front of the nodes.
pub struct Haproxy {
    /// Where it listens.
    pub listen: SocketAddr,
    process: Guard,
    _dir: TempDir,
}

impl Haproxy {
    /// Writes the configuration and starts HAProxy in the foreground (`-db`).
    pub fn start(
        bin: &Path,
        listen: SocketAddr,
        backends: &[SocketAddr],
    ) -> Result<Haproxy, String> {
        let dir = TempDir::new("aisle-haproxy-").map_err(|e| e.to_string())?;
        let file = dir.path().join("haproxy.cfg");
        std::fs::write(&file, haproxy_config(listen, backends)).map_err(|e| e.to_string())?;
        let child = Command::new(bin)
            .arg("-db")
            .arg("-f")
            .arg(&file)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("starting haproxy: {e}"))?;
        let haproxy = Haproxy {
            listen,
            process: Guard(Some(child)),
            _dir: dir,
        };
        if !wait_for_port(listen, Duration::from_secs(10)) {
            return Err(format!("haproxy did not listen on {listen}"));
        }
        Ok(haproxy)
    }
}
