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
//! - `size`  — sizes of the loader and the widget against PRODUCT.md's budgets.
//! - `bench` — campaign evaluation speed (criterion) against its budget, then
//!   the live-chat load generator (`crates/server/examples/chat_load.rs`):
//!   2,000 idle shopper connections and agents chatting on loopback, memory per
//!   connection against its budget; `bench --shoppers N` (and the example's
//!   other options) are passed on to it.
//! - `setup` — install the pinned tools (idempotent; checks versions first).

mod bundle;
mod console;
mod tools;

use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    if let Err(error) = dispatch() {
        eprintln!("\nxtask: {error:#}");
        std::process::exit(1);
    }
}

fn dispatch() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = project_root();
    std::env::set_current_dir(&root)?;
    match args.first().map(String::as_str) {
        Some("setup") => tools::setup(&root, tools::Needs::All),
        Some("build") => {
            tools::setup(&root, tools::Needs::Build)?;
            match args.get(1).map(String::as_str) {
                None => {
                    bundle::build(&root)?;
                    console::build(&root)
                }
                Some("widget") => bundle::build(&root),
                Some("console") => console::build(&root),
                Some(other) => bail!("unknown bundle {other:?}: widget or console"),
            }
        }
        Some("size") => {
            tools::setup(&root, tools::Needs::Build)?;
            bundle::build(&root)?;
            bundle::size_report(&root)
        }
        Some("test") => test(&root),
        Some("bench") => bench(&root, &args[1..]),
        Some("demo") => demo(&root),
        _ => {
            eprintln!("usage: cargo xtask <demo|test|build|size|bench|setup>");
            std::process::exit(2);
        }
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

/// Campaign evaluation budget (PRODUCT.md): 200 campaigns, one visitor, native.
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
    let chat_load = run(cargo(root)
        .args([
            "run",
            "--release",
            "-p",
            "aisle-server",
            "--example",
            "chat_load",
            "--",
        ])
        .args(load_args));
    if mean_ns > EVALUATION_BUDGET_NS {
        bail!("campaign evaluation is over budget");
    }
    chat_load.context("the live-chat load run failed or is over budget")
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
