//! Project automation, run as `cargo xtask <command>`:
//!
//! - `demo`  — install what is missing, build the widget and the agent console,
//!   start the demo store on :8080.
//! - `test`  — everything CI checks: fmt, clippy, native tests, wasm tests in
//!   headless Chromium, widget build + size budgets, console build, Playwright
//!   end-to-end tests.
//! - `build` — the widget bundle into `dist/widget/` and the agent console into
//!   `dist/console/` (fingerprinted, precompressed); `build widget` or
//!   `build console` for one of them.
//! - `size`  — sizes of the loader and the widget against the budgets in `docs/budgets.md`.
//! - `perf`  — what the widget snippet costs the demo product page by Lighthouse
//!   (mobile, 5 runs each) against the budgets in `docs/budgets.md`;
//!   `perf --assets DIR` measures another build.
//! - `bench` — campaign evaluation speed (criterion) against its budget, then
//!   the live-chat load generator (`crates/server/examples/chat_load.rs`):
//!   2,000 idle shopper connections and agents chatting on loopback, memory per
//!   connection against its budget; `bench --shoppers N` (and the example's
//!   other options) are passed on to it. Last, the order sources' latency
//!   (`crates/server/examples/store_latency.rs`): p50/p99 of an order lookup
//!   from the demo tables, pushed orders, and the Shopify and WooCommerce
//!   stand-ins, from the store and from the order cache.
//! - `bench --cluster` — the live-chat load on one node on SQLite, one node
//!   on PostgreSQL + NATS and three nodes on PostgreSQL + NATS, side by side
//!   (other options are passed on to each run).
//! - `chaos` — the live-chat chaos test (`crates/server/examples/chaos.rs`):
//!   shopper and agent converse while a seeded schedule drops sockets, types
//!   offline, navigates and SIGKILLs the server; fails on any lost, duplicated
//!   or reordered message. `chaos --cycles N --seed S`.
//! - `chaos --cluster` — the same promise on three nodes
//!   (`crates/server/examples/chaos_cluster.rs`): 100 shoppers and 4 agents
//!   while nodes are SIGKILLed and SIGSTOPped, a NATS server dies and
//!   PostgreSQL restarts; `--seconds N --seed S`.
//! - `cluster` — PostgreSQL, 3 NATS servers, 3 `aisle` nodes and HAProxy on
//!   loopback until Ctrl-C (`cluster --port 8090 --release`).
//! - `fuzz`  — every `cargo fuzz` target in `fuzz/` for `--seconds N` each
//!   (nightly toolchain), with executions per target.
//! - `modules` — each crate's module graph (which module names which) and
//!   any circle in it; `cargo test -p xtask` fails on a circle.
//! - `setup` — install the pinned tools (idempotent; checks versions first).

mod bundle;
mod cluster;
mod console;
mod modules;
mod perf;
mod tools;

use anyhow::{Context, Result, bail};
use clap::builder::PossibleValuesParser;
use clap::{Parser, Subcommand, ValueEnum};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Project automation for Aisle (`cargo xtask <command>`; the module's
/// header says what each command does).
#[derive(Parser)]
#[command(
    name = "cargo xtask",
    bin_name = "cargo xtask",
    about,
    disable_version_flag = true
)]
struct Xtask {
    #[command(subcommand)]
    task: Task,
}

/// One `cargo xtask` command.
#[derive(Subcommand)]
enum Task {
    /// Install what is missing, build the widget and the agent console,
    /// start the demo store on :8080.
    Demo,
    /// Everything CI checks: fmt, clippy, native and wasm tests, bundles and
    /// their size budgets, Lighthouse, chaos, Playwright.
    Test,
    /// The widget bundle into dist/widget/ and the agent console into
    /// dist/console/ (fingerprinted, precompressed).
    Build {
        /// Only this one.
        #[arg(value_enum)]
        bundle: Option<Bundle>,
    },
    /// Sizes of the loader and the widget against docs/budgets.md.
    Size,
    /// What the widget snippet costs the demo product page, by Lighthouse.
    Perf(perf::Options),
    /// Campaign evaluation, the live-chat load generator, order-source latency.
    Bench {
        /// One node on SQLite, one on PostgreSQL + NATS and three on
        /// PostgreSQL + NATS, side by side.
        #[arg(long)]
        cluster: bool,
        /// Passed on to the load generator (`--shoppers N`, …).
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        load: Vec<String>,
    },
    /// The live-chat chaos test (`--cycles N --seed S`).
    Chaos {
        /// Three nodes, with nodes, NATS and PostgreSQL killed
        /// (`--seconds N --seed S --short`).
        #[arg(long)]
        cluster: bool,
        /// Passed on to the chaos example.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        options: Vec<String>,
    },
    /// PostgreSQL, 3 NATS servers, 3 `aisle` nodes and HAProxy on loopback
    /// until Ctrl-C.
    Cluster(cluster::Options),
    /// Every `cargo fuzz` target (or those named) with the nightly toolchain.
    Fuzz {
        /// Seconds per target.
        #[arg(long, default_value_t = 60)]
        seconds: u64,
        /// Targets to run (default: all).
        #[arg(value_parser = PossibleValuesParser::new(FUZZ_TARGETS))]
        targets: Vec<String>,
    },
    /// Each crate's module graph and any circle in it.
    Modules,
    /// Install the pinned tools (idempotent).
    Setup,
}

/// `cargo xtask build`'s bundles.
#[derive(Clone, Copy, ValueEnum)]
enum Bundle {
    /// The shopper's widget (loader, glue, wasm, locale tables).
    Widget,
    /// The agent console.
    Console,
}

fn main() {
    if let Err(error) = dispatch(Xtask::parse().task) {
        eprintln!("\nxtask: {error:#}");
        std::process::exit(1);
    }
}

fn dispatch(task: Task) -> Result<()> {
    let root = project_root();
    std::env::set_current_dir(&root)?;
    match task {
        Task::Setup => tools::setup(&root, tools::Needs::All),
        Task::Build { bundle } => {
            tools::setup(&root, tools::Needs::Build)?;
            match bundle {
                None => {
                    bundle::build(&root)?;
                    console::build(&root)
                }
                Some(Bundle::Widget) => bundle::build(&root),
                Some(Bundle::Console) => console::build(&root),
            }
        }
        Task::Size => {
            tools::setup(&root, tools::Needs::Build)?;
            bundle::build(&root)?;
            bundle::size_report(&root)
        }
        Task::Perf(options) => {
            tools::setup(&root, tools::Needs::Build)?;
            run(cargo(&root).args(["build", "-p", "aisle-server", "--bin", "aisle"]))?;
            perf::perf(&root, options)
        }
        Task::Test => test(&root),
        Task::Bench {
            cluster: true,
            load,
        } => cluster::bench(&root, &load),
        Task::Bench { load, .. } => bench(&root, &load),
        Task::Chaos {
            cluster: true,
            options,
        } => chaos_cluster(&root, &options),
        Task::Chaos { options, .. } => chaos(&root, &options),
        Task::Cluster(options) => cluster::cluster(&root, options),
        Task::Fuzz { seconds, targets } => fuzz(&root, seconds, targets),
        Task::Demo => demo(&root),
        Task::Modules => modules::print(&root),
    }
}

/// The workspace root (the parent of `xtask/`).
fn project_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .to_path_buf()
}

/// Runs `command`, failing with its description when it fails.
pub fn run(command: &mut Command) -> Result<()> {
    let args: Vec<_> = command
        .get_args()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let description = format!(
        "{} {}",
        command.get_program().to_string_lossy(),
        args.join(" ")
    );
    eprintln!("\n$ {description}");
    let status = command
        .status()
        .with_context(|| format!("could not start {description}"))?;
    if !status.success() {
        bail!("{description} failed ({status})");
    }
    Ok(())
}

/// `cargo` with the project's tool directories on `PATH`.
pub fn cargo(root: &Path) -> Command {
    let mut command = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    command.env("PATH", tools::path_with_tools(root));
    command
}

fn test(root: &Path) -> Result<()> {
    tools::setup(root, tools::Needs::All)?;
    run(cargo(root).args(["fmt", "--all", "--check"]))?;
    run(cargo(root).args([
        "clippy",
        "-p",
        "aisle-core",
        "-p",
        "aisle-server",
        "-p",
        "xtask",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]))?;
    run(cargo(root).args([
        "test",
        "-p",
        "aisle-core",
        "-p",
        "aisle-server",
        "-p",
        "aisle-console",
        "-p",
        "xtask",
    ]))?;
    // The widget's pure modules (the live chat's reducer) natively.
    run(cargo(root).args(["test", "-p", "aisle-widget", "--lib"]))?;
    // The HTTP/WebSocket suites again with PostgreSQL as the store (a fresh
    // database per test on the throwaway cluster the harness starts; the
    // store conformance suite above already ran both backends). Skipped with
    // a loud message when PostgreSQL is not installed, unless CI=true.
    run(cargo(root)
        .args([
            "test",
            "-p",
            "aisle-server",
            "--test",
            "chat",
            "--test",
            "self_service",
            "--test",
            "team",
        ])
        .env("AISLE_TEST_DB", "postgres"))?;
    // The fuzz targets (their own workspace, run on nightly by `cargo xtask
    // fuzz`) still compile against today's code: checked on stable here so a
    // changed signature fails the suite instead of the next fuzzing session.
    run(cargo(root).args(["check", "--manifest-path", "fuzz/Cargo.toml", "--bins"]))?;
    run(cargo(root).args([
        "clippy",
        "-p",
        "aisle-widget",
        "-p",
        "aisle-console",
        "--target",
        "wasm32-unknown-unknown",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]))?;
    run(cargo(root)
        .args([
            "test",
            "-p",
            "aisle-widget",
            "--target",
            "wasm32-unknown-unknown",
        ])
        .env("CHROMEDRIVER", tools::CHROMEDRIVER)
        .env("WASM_BINDGEN_TEST_TIMEOUT", "120"))?;
    bundle::build(root)?;
    bundle::size_report(root)?;
    console::build(root)?;
    run(cargo(root).args(["build", "-p", "aisle-server", "--bin", "aisle"]))?;
    // What the snippet costs a store's page (Lighthouse, 5 runs each).
    perf::perf(root, perf::Options::default())?;
    // The Shopify and WooCommerce stand-ins of the Playwright journeys on
    // store-backed sites.
    run(cargo(root).args([
        "build",
        "-p",
        "aisle-server",
        "--example",
        "shopify_standin",
        "--example",
        "woocommerce_standin",
    ]))?;
    // A short chaos run (well under a minute): drops, offline typing,
    // navigation and server kills without losing or repeating a message.
    chaos(root, &["--cycles".into(), CHAOS_TEST_CYCLES.to_string()])?;
    // The same promise on three nodes with faults (under 90 s; skipped
    // loudly without PostgreSQL or nats-server, failed then with CI=true).
    chaos_cluster(root, &["--short".into()])?;
    let e2e_dir = root.join("target/e2e");
    if e2e_dir.exists() {
        std::fs::remove_dir_all(&e2e_dir)?;
    }
    std::fs::create_dir_all(&e2e_dir)?;
    run(Command::new(root.join("node_modules/.bin/playwright"))
        .arg("test")
        .env("PATH", tools::path_with_tools(root)))?;
    eprintln!("\nall tests passed");
    Ok(())
}

/// Chaos cycles in `cargo xtask test` (about 30 s on the 2-core dev machine).
const CHAOS_TEST_CYCLES: usize = 200;

/// The live-chat chaos test against the debug `aisle` binary; `args` are
/// passed on (`--cycles N`, `--seed S`, `--per-conversation N`, `--verbose`).
fn chaos(root: &Path, args: &[String]) -> Result<()> {
    run(cargo(root).args(["build", "-p", "aisle-server", "--bin", "aisle"]))?;
    run(cargo(root)
        .args(["run", "-p", "aisle-server", "--example", "chaos", "--"])
        .args(args))
    .context("the chaos test lost, repeated or reordered messages")
}

/// The three-node chaos test (`crates/server/examples/chaos_cluster.rs`)
/// against the debug `aisle` binary; `args` are passed on (`--seconds N`,
/// `--seed S`, `--short`).
fn chaos_cluster(root: &Path, args: &[String]) -> Result<()> {
    run(cargo(root).args(["build", "-p", "aisle-server", "--bin", "aisle"]))?;
    run(cargo(root)
        .args([
            "run",
            "-p",
            "aisle-server",
            "--example",
            "chaos_cluster",
            "--",
        ])
        .args(args))
    .context("the cluster chaos test found a violation")
}

/// The `cargo fuzz` targets in `fuzz/fuzz_targets/`.
const FUZZ_TARGETS: [&str; 5] = [
    "campaign_json",
    "site_file",
    "shopper_frame",
    "agent_frame",
    "assist_request",
];

/// Runs every fuzz target (or those in `targets`) for `seconds`
/// (default 60) each with the nightly toolchain, seeded from
/// `fuzz/seeds/TARGET/`, the corpus growing in `fuzz/corpus/TARGET/`;
/// prints executions per target and fails on a crash (the input is then in
/// `fuzz/artifacts/TARGET/`).
fn fuzz(root: &Path, seconds: u64, mut targets: Vec<String>) -> Result<()> {
    if targets.is_empty() {
        targets = FUZZ_TARGETS.map(String::from).to_vec();
    }
    let nightly = || {
        let mut command = Command::new("rustup");
        command.args(["run", "nightly", "cargo"]);
        command.env_remove("RUSTUP_TOOLCHAIN").env_remove("CARGO");
        command
    };
    let installed = nightly()
        .args(["fuzz", "--version"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !installed {
        run(nightly().args(["install", "cargo-fuzz", "--locked"]))?;
    }
    // The flags every build and run uses: no sanitizer (the code forbids
    // `unsafe`; a panic is what we look for, and it runs several times
    // faster), debug assertions on (integer overflow panics).
    let flags = ["--sanitizer", "none", "--debug-assertions"];
    run(nightly().args(["fuzz", "build"]).args(flags))?;
    let mut results = Vec::new();
    for target in &targets {
        let corpus = root.join("fuzz/corpus").join(target);
        std::fs::create_dir_all(&corpus)?;
        let mut command = nightly();
        command
            .args(["fuzz", "run"])
            .args(flags)
            .arg(target)
            .arg(&corpus)
            .arg(root.join("fuzz/seeds").join(target))
            .arg("--")
            .arg(format!("-max_total_time={seconds}"))
            .arg("-print_final_stats=1")
            .stdout(std::process::Stdio::inherit())
            .stderr(std::process::Stdio::piped());
        eprintln!(
            "
$ cargo +nightly fuzz run {target} (for {seconds} s)"
        );
        let mut child = command.spawn().context("starting cargo fuzz")?;
        let stderr = child.stderr.take().context("no stderr")?;
        let mut executions = None;
        let mut tail: std::collections::VecDeque<String> = std::collections::VecDeque::new();
        use std::io::BufRead;
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            if let Some(n) = line.strip_prefix("stat::number_of_executed_units:") {
                executions = n.trim().parse::<u64>().ok();
            }
            if line.starts_with("Done ") || line.contains("panicked") || line.contains("ERROR") {
                eprintln!("{line}");
            }
            tail.push_back(line);
            if tail.len() > 40 {
                tail.pop_front();
            }
        }
        let status = child.wait()?;
        if !status.success() {
            for line in &tail {
                eprintln!("{line}");
            }
        }
        results.push((target, executions, status.success()));
    }
    println!(
        "
fuzzing, {seconds} s per target:"
    );
    for (target, executions, ok) in &results {
        let executions = executions.map_or("?".to_owned(), |n| n.to_string());
        let verdict = if *ok { "0 crashes" } else { "CRASHED" };
        println!("  {target:<16} {executions:>12} executions  {verdict}");
    }
    if results.iter().any(|(_, _, ok)| !ok) {
        bail!("a fuzz target crashed; the input is in fuzz/artifacts/<target>/");
    }
    Ok(())
}

/// Campaign evaluation budget (`docs/budgets.md`): 200 campaigns, one visitor, native.
const EVALUATION_BUDGET_NS: f64 = 20_000.0;

/// Campaign evaluation, then the live-chat load generator with `load_args`
/// (`--shoppers N`, …); fails when either is over budget.
fn bench(root: &Path, load_args: &[String]) -> Result<()> {
    run(cargo(root).args(["bench", "-p", "aisle-core", "--bench", "campaigns"]))?;
    let estimates = root.join("target/criterion/evaluate 200 campaigns/new/estimates.json");
    let text = std::fs::read_to_string(&estimates)
        .with_context(|| format!("reading {}", estimates.display()))?;
    let json: serde_json::Value = serde_json::from_str(&text)?;
    let mean_ns = json["mean"]["point_estimate"]
        .as_f64()
        .context("no mean in criterion's estimates")?;
    println!(
        "\ncampaign evaluation, 200 campaigns, one visitor: {:.2} µs mean (budget {:.0} µs)",
        mean_ns / 1000.0,
        EVALUATION_BUDGET_NS / 1000.0
    );
    // The load generator starts the release server binary as a child process,
    // so memory is measured in the server alone.
    run(cargo(root).args(["build", "--release", "-p", "aisle-server", "--bin", "aisle"]))?;
    // `cargo run --release` of one of the server's examples with `args`.
    let example = |name: &str, args: &[&str]| {
        run(cargo(root)
            .args([
                "run",
                "--release",
                "-p",
                "aisle-server",
                "--example",
                name,
                "--",
            ])
            .args(args))
    };
    let load_args: Vec<&str> = load_args.iter().map(String::as_str).collect();
    let chat_load = example("chat_load", &load_args);
    // The same at 1,000 msg/s (unless the caller chose the load), and the
    // instructions per message under callgrind: stable where timings are not.
    let chat_fast = if load_args.is_empty() {
        println!("\nlive chat at 1,000 msg/s:");
        example("chat_load", &["--chatting", "1000", "--agents", "20"])
    } else {
        Ok(())
    };
    let callgrind = if Command::new("valgrind").arg("--version").output().is_ok() {
        println!("\ninstructions per message (callgrind; 200 shoppers, 20 chatting for 5 s):");
        example(
            "chat_load",
            &[
                "--callgrind",
                "--shoppers",
                "200",
                "--chatting",
                "20",
                "--agents",
                "2",
                "--seconds",
                "5",
            ],
        )
    } else {
        println!("\ninstructions per message: skipped (valgrind is not installed)");
        Ok(())
    };
    // What each order source adds to a shopper's lookup, and the cache's share.
    let stores = example("store_latency", &[]);
    if mean_ns > EVALUATION_BUDGET_NS {
        bail!("campaign evaluation is over budget");
    }
    chat_load.context("the live-chat load run failed or is over budget")?;
    chat_fast.context("the 1,000 msg/s live-chat run failed or is over budget")?;
    callgrind.context("the callgrind run failed")?;
    stores.context("the order-source latency run failed")
}

fn demo(root: &Path) -> Result<()> {
    tools::setup(root, tools::Needs::Build)?;
    bundle::build(root)?;
    console::build(root)?;
    run(cargo(root).args([
        "run",
        "-p",
        "aisle-server",
        "--bin",
        "aisle",
        "--",
        "serve",
        "--demo",
    ]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task(line: &str) -> Result<Task, clap::Error> {
        Xtask::try_parse_from(std::iter::once("xtask").chain(line.split_whitespace()))
            .map(|x| x.task)
    }

    #[test]
    fn the_documented_command_lines_parse_and_pass_their_options_on() {
        assert!(matches!(
            task("bench --shoppers 19000"),
            Ok(Task::Bench { cluster: false, load }) if load == ["--shoppers", "19000"]
        ));
        assert!(matches!(
            task("bench --cluster --shoppers 500 --seconds 5"),
            Ok(Task::Bench { cluster: true, load }) if load == ["--shoppers", "500", "--seconds", "5"]
        ));
        assert!(matches!(
            task("chaos --cycles 5 --seed 7"),
            Ok(Task::Chaos { cluster: false, options }) if options == ["--cycles", "5", "--seed", "7"]
        ));
        assert!(matches!(
            task("chaos --cluster --short"),
            Ok(Task::Chaos { cluster: true, options }) if options == ["--short"]
        ));
        assert!(matches!(
            task("build console"),
            Ok(Task::Build {
                bundle: Some(Bundle::Console)
            })
        ));
        assert!(matches!(
            task("fuzz --seconds 5 site_file"),
            Ok(Task::Fuzz { seconds: 5, targets }) if targets == ["site_file"]
        ));
        assert!(matches!(
            task("cluster --port 8091 --release"),
            Ok(Task::Cluster(_))
        ));
        assert!(matches!(
            task("perf --runs 3 --assets /tmp/x"),
            Ok(Task::Perf(_))
        ));
        assert!(matches!(task("test"), Ok(Task::Test)));
    }

    #[test]
    fn a_mistyped_command_line_is_refused_with_what_would_do() {
        for wrong in [
            "frob",
            "build wasm",
            "fuzz no_such_target",
            "perf --runs 0",
            "cluster --port x",
        ] {
            let error = task(wrong)
                .err()
                .unwrap_or_else(|| panic!("{wrong} parsed"));
            assert_eq!(error.exit_code(), 2, "{wrong}");
        }
        let error = task("build wasm").err().unwrap().to_string();
        assert!(
            error.contains("[possible values: widget, console]"),
            "{error}"
        );
    }
}
