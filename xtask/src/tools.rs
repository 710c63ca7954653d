//! Installing the pinned tools, idempotently: each is checked by version first
//! and installed only when missing or different (see shared TOOLCHAIN notes in
//! README.md). Works on a brand-new machine and costs seconds on a set-up one.

use crate::run;
use anyhow::{Context, Result, bail};
use std::path::Path;
use std::process::Command;

/// Trunk version (0.22 needs a newer rustc than the pinned 1.95).
pub const TRUNK_VERSION: &str = "0.21.14";
/// Debian's ChromeDriver, matching Debian's Chromium.
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// Debian's Chromium.
pub const CHROMIUM: &str = "/usr/bin/chromium";
/// aiosmtpd (PyPI), the real SMTP server of the email tests.
pub const AIOSMTPD_VERSION: &str = "1.4.6";
/// Where the email tests' Python with aiosmtpd lives (crates/server/tests/email.rs).
pub const SMTP_VENV: &str = "target/smtp-venv";

/// Which tools a command needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Needs {
    /// Building the widget: wasm target, Trunk, wasm-bindgen, wasm-opt.
    Build,
    /// Everything, including Chromium and Playwright for the tests.
    All,
}

/// `PATH` with `~/.cargo/bin` and `node_modules/.bin` (wasm-opt, playwright) first.
pub fn path_with_tools(root: &Path) -> String {
    let mut dirs = vec![root.join("node_modules/.bin")];
    if let Some(home) = std::env::var_os("CARGO_HOME") {
        dirs.push(Path::new(&home).join("bin"));
    } else if let Some(home) = std::env::var_os("HOME") {
        dirs.push(Path::new(&home).join(".cargo/bin"));
    }
    let current = std::env::var_os("PATH").unwrap_or_default();
    let joined = std::env::join_paths(dirs.into_iter().chain(std::env::split_paths(&current)));
    joined
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The first line a tool prints for `--version`, if it runs.
fn version_of(root: &Path, program: &str) -> Option<String> {
    let output = Command::new(program)
        .arg("--version")
        .env("PATH", path_with_tools(root))
        .output()
        .ok()?;
    output.status.success().then(|| {
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .next()
            .unwrap_or("")
            .to_owned()
    })
}

/// The version of `package` recorded in Cargo.lock.
pub fn locked_version(root: &Path, package: &str) -> Result<String> {
    let lock = std::fs::read_to_string(root.join("Cargo.lock")).context("reading Cargo.lock")?;
    let needle = format!("name = \"{package}\"\nversion = \"");
    let start = lock
        .find(&needle)
        .with_context(|| format!("{package} is not in Cargo.lock"))?
        + needle.len();
    Ok(lock[start..]
        .split('"')
        .next()
        .unwrap_or_default()
        .to_owned())
}

fn cargo_install(root: &Path, krate: &str, version: &str, locked: bool) -> Result<()> {
    let mut command = crate::cargo(root);
    command.args(["install", &format!("{krate}@{version}")]);
    if locked {
        command.arg("--locked");
    }
    run(&mut command)
}

/// Installs whatever `needs` requires and is missing.
pub fn setup(root: &Path, needs: Needs) -> Result<()> {
    // rustup installs the pinned toolchain and the wasm target from rust-toolchain.toml
    // on first use; `rustup target add` is a no-op when present.
    let targets = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output();
    let has_wasm =
        targets.map(|o| String::from_utf8_lossy(&o.stdout).contains("wasm32-unknown-unknown"));
    if !has_wasm.unwrap_or(false) {
        run(Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]))?;
    }

    if !version_of(root, "trunk").is_some_and(|v| v.ends_with(TRUNK_VERSION)) {
        cargo_install(root, "trunk", TRUNK_VERSION, true)?;
    }
    let bindgen = locked_version(root, "wasm-bindgen")?;
    if !version_of(root, "wasm-bindgen").is_some_and(|v| v.ends_with(&bindgen)) {
        // `--locked` fails for this release (a pinned dependency left the registry).
        cargo_install(root, "wasm-bindgen-cli", &bindgen, false)?;
    }

    // npm packages: wasm-opt (binaryen) and terser for the build, Playwright for the
    // tests, Lighthouse for `cargo xtask perf`.
    let npm_ready = root.join("node_modules/.bin/wasm-opt").exists()
        && root.join("node_modules/.bin/terser").exists()
        && root.join("node_modules/.bin/playwright").exists()
        && root.join("node_modules/axe-core").exists()
        && root.join("node_modules/.bin/lighthouse").exists();
    if !npm_ready {
        run(Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(root))?;
    }

    if needs == Needs::All && !(Path::new(CHROMIUM).exists() && Path::new(CHROMEDRIVER).exists()) {
        install_chromium()?;
    }
    if needs == Needs::All {
        smtp_server(root)?;
    }
    Ok(())
}

/// A Python venv in [`SMTP_VENV`] with aiosmtpd, for the email tests.
fn smtp_server(root: &Path) -> Result<()> {
    let venv = root.join(SMTP_VENV);
    let python = venv.join("bin/python");
    let wanted = format!("aiosmtpd=={AIOSMTPD_VERSION}");
    let ready = Command::new(&python)
        .args([
            "-c",
            &format!(
                "import aiosmtpd, sys; sys.exit(aiosmtpd.__version__ != '{AIOSMTPD_VERSION}')"
            ),
        ])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ready {
        run(Command::new("python3").args(["-m", "venv"]).arg(&venv))
            .context("python3 -m venv (Debian: apt-get install python3-venv)")?;
        run(Command::new(&python).args(["-m", "pip", "install", "--quiet", &wanted]))?;
    }
    Ok(())
}

/// Debian's Chromium and ChromeDriver (Playwright's own browser download cannot work here).
fn install_chromium() -> Result<()> {
    let is_root = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout.starts_with(b"0"))
        .unwrap_or(false);
    let apt = |args: &[&str]| {
        let mut command = if is_root {
            Command::new("apt-get")
        } else {
            Command::new("sudo")
        };
        if !is_root {
            command.arg("apt-get");
        }
        command.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        command
    };
    run(&mut apt(&["update", "-qq"]))?;
    run(&mut apt(&[
        "install",
        "-y",
        "-qq",
        "chromium",
        "chromium-driver",
    ]))?;
    if !Path::new(CHROMIUM).exists() {
        bail!("{CHROMIUM} is still missing after apt-get install");
    }
    Ok(())
}
