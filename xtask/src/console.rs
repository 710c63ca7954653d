//! The agent console bundle: Trunk builds `console` into
//! `target/console-dist/`; this module fingerprints the JS glue, wasm and CSS
//! into `dist/console/`, points `index.html` at the new names, pins its one
//! inline script with a Content-Security-Policy hash, and precompresses every
//! file (brotli, gzip) for the server, which serves it at `/console/`.

use crate::bundle::{fingerprint, write_precompressed};
use crate::{run, tools};
use anyhow::{Context, Result, bail};
use base64::Engine;
use sha2::{Digest, Sha256};
use std::path::Path;
use std::process::Command;

/// Where the server serves the console (Trunk's `public_url`).
const PUBLIC_URL: &str = "/console/";

/// `html` with a Content-Security-Policy `<meta>` that allows only this
/// origin's scripts, styles and sockets, wasm compilation, and the page's
/// one inline (Trunk's loader) script by hash.
pub fn with_csp(html: &str) -> Result<String> {
    const OPEN: &str = "<script type=\"module\">";
    let start = html
        .find(OPEN)
        .context("Trunk's index.html has no module script")?
        + OPEN.len();
    let end = start
        + html[start..]
            .find("</script>")
            .context("unterminated script in index.html")?;
    if html[end..].contains(OPEN) {
        bail!("index.html has more than one inline script; the CSP pins only one");
    }
    let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(&html[start..end]));
    let policy = format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval' 'sha256-{hash}'; \
         style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; \
         base-uri 'none'; form-action 'self'"
    );
    let meta = format!("<meta http-equiv=\"Content-Security-Policy\" content=\"{policy}\">");
    // Right after the charset declaration, which must come first.
    let at = match html.find("<meta charset=\"utf-8\">") {
        Some(charset) => charset + "<meta charset=\"utf-8\">".len(),
        None => html.find("<head>").context("index.html has no <head>")? + "<head>".len(),
    };
    Ok(format!("{}\n    {meta}{}", &html[..at], &html[at..]))
}

/// Builds the console in release mode and lays out `dist/console/`.
pub fn build(root: &Path) -> Result<()> {
    let crate_dir = root.join("console");
    run(Command::new("trunk")
        .args(["build", "--release", "--offline"])
        .env("PATH", tools::path_with_tools(root))
        .current_dir(&crate_dir))?;
    let trunk_dist = root.join("target/console-dist");
    if trunk_dist.join("snippets").exists() {
        bail!(
            "the console gained wasm-bindgen JS snippets; copy target/console-dist/snippets into dist/console"
        );
    }
    let read = |name: &str| {
        std::fs::read(trunk_dist.join(name)).with_context(|| format!("Trunk produced no {name}"))
    };
    let glue = read("aisle-console.js")?;
    let wasm = read("aisle-console_bg.wasm")?;
    let css = read("console.css")?;
    let mut html = String::from_utf8(read("index.html")?)?;

    let glue_name = format!("aisle-console.{}.js", fingerprint(&glue));
    let wasm_name = format!("aisle-console.{}.wasm", fingerprint(&wasm));
    let css_name = format!("console.{}.css", fingerprint(&css));
    for (from, to) in [
        ("aisle-console.js", &glue_name),
        ("aisle-console_bg.wasm", &wasm_name),
        ("console.css", &css_name),
    ] {
        let from = format!("{PUBLIC_URL}{from}");
        if !html.contains(&from) {
            bail!("Trunk's index.html does not mention {from}");
        }
        html = html.replace(&from, &format!("{PUBLIC_URL}{to}"));
    }
    let html = with_csp(&html)?;

    let out = root.join("dist/console");
    if out.exists() {
        std::fs::remove_dir_all(&out)?;
    }
    std::fs::create_dir_all(&out)?;
    write_precompressed(&out, &glue_name, &glue)?;
    write_precompressed(&out, &wasm_name, &wasm)?;
    write_precompressed(&out, &css_name, &css)?;
    write_precompressed(&out, "index.html", html.as_bytes())?;
    eprintln!("agent console written to {}", out.display());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::with_csp;

    #[test]
    fn the_csp_pins_the_inline_script_by_hash() {
        let html =
            "<html><head><title>x</title>\n<script type=\"module\">init();</script></head></html>";
        let out = with_csp(html).unwrap();
        assert!(out.starts_with("<html><head>\n    <meta http-equiv=\"Content-Security-Policy\""));
        // echo -n 'init();' | openssl dgst -sha256 -binary | base64
        assert!(
            out.contains("'sha256-GEnM5q1nYY/iACnyMTdov+tNp9OFcBnnDgNXUXaVNXc='"),
            "{out}"
        );
        assert!(out.contains("<script type=\"module\">init();</script>"));
    }

    #[test]
    fn pages_without_exactly_one_inline_script_are_refused() {
        assert!(with_csp("<html><head></head></html>").is_err());
        let two = "<head><script type=\"module\">a</script><script type=\"module\">b</script>";
        assert!(with_csp(two).is_err());
    }
}
