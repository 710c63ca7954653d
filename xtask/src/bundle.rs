//! The widget bundle: Trunk builds it into `target/trunk-dist/`; this module
//! minifies the JS (terser), fingerprints it into `dist/widget/`, writes the
//! loader with the bundle's names and the launcher's labels (from the
//! widget's locale tables) filled in, precompresses every file (brotli,
//! gzip) for the server, and reports sizes against the budgets in `docs/budgets.md`.

use crate::{run, tools};

/// The stylesheet minifier the widget's `build.rs` runs.
#[path = "../../style/minify.rs"]
mod css;
/// The widget's locale tables: all but English are written as files the
/// widget fetches for the shopper's language.
#[path = "../../src/i18n.rs"]
#[allow(dead_code)]
mod i18n;
use anyhow::{Context, Result, bail};
use i18n::LocaleStrings as _;
use std::io::Write;
use std::path::Path;
use std::process::Command;

/// Loader budget, raw bytes.
pub const LOADER_RAW_BUDGET: usize = 8 * 1024;
/// Loader budget, gzip bytes.
pub const LOADER_GZIP_BUDGET: usize = 3 * 1024;
/// Widget budget (wasm + JS glue + CSS), brotli bytes: 57 KB (56.5 KB
/// measured; it was 90 KB with Leptos, ARCHITECTURE.md "What the snippet costs").
pub const WIDGET_BROTLI_BUDGET: usize = 58_368;
/// Everything a shopper fetches before the widget's first answer, brotli
/// bytes: the loader, the widget and the largest locale table: 60 KB (issue #16).
pub const WIRE_BROTLI_BUDGET: usize = 61_440;

/// 64-bit FNV-1a of `bytes`, as 16 hex digits: a content fingerprint for file names.
pub fn fingerprint(bytes: &[u8]) -> String {
    let hash = bytes.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    });
    format!("{hash:016x}")
}

/// gzip -9 of `bytes`.
pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes).expect("writing to memory");
    encoder.finish().expect("writing to memory")
}

/// brotli quality 11 of `bytes`.
pub fn brotli(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let params = brotli::enc::BrotliEncoderParams {
        quality: 11,
        lgwin: 22,
        ..Default::default()
    };
    brotli::BrotliCompress(&mut &bytes[..], &mut out, &params).expect("writing to memory");
    out
}

/// `source` minified by terser (`module`: an ES module, else a classic script).
/// Comments starting `/*!` are kept.
fn minify(root: &Path, source: &[u8], module: bool) -> Result<Vec<u8>> {
    let input = root.join("target/minify-input.js");
    std::fs::write(&input, source)?;
    let mut command = Command::new(root.join("node_modules/.bin/terser"));
    command
        .arg(&input)
        .args(["--compress", "--mangle", "--ecma", "2020"]);
    if module {
        command.arg("--module");
    }
    let output = command.output().context("running terser")?;
    if !output.status.success() {
        bail!("terser failed: {}", String::from_utf8_lossy(&output.stderr));
    }
    Ok(output.stdout)
}

/// Writes `name` and its `.br` / `.gz` siblings into `dir`.
pub fn write_precompressed(dir: &Path, name: &str, bytes: &[u8]) -> Result<()> {
    std::fs::write(dir.join(name), bytes)?;
    std::fs::write(dir.join(format!("{name}.br")), brotli(bytes))?;
    std::fs::write(dir.join(format!("{name}.gz")), gzip(bytes))?;
    Ok(())
}

/// `RUSTFLAGS` for the widget's release build: the caller's, plus the crate
/// registry's directories remapped away, so the panic locations the bundle
/// carries read `hashbrown-0.17.1/src/raw.rs` rather than the builder's home
/// directory (-1.5 KB raw, -0.2 KB brotli, and no local paths shipped).
fn widget_rustflags() -> String {
    let mut flags = std::env::var("RUSTFLAGS").unwrap_or_default();
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cargo")));
    let registries = cargo_home
        .and_then(|home| std::fs::read_dir(home.join("registry/src")).ok())
        .into_iter()
        .flatten()
        .flatten();
    for registry in registries {
        let path = registry.path();
        // A path with spaces cannot go into RUSTFLAGS; it keeps its name.
        if let Some(path) = path.to_str().filter(|p| !p.contains(' ')) {
            flags.push_str(&format!(" --remap-path-prefix={path}/="));
        }
    }
    flags.trim().to_owned()
}

/// The module name wasm-bindgen gives the glue's imports.
const GLUE_MODULE: &str = "./aisle-widget_bg.js";

/// Reads an unsigned LEB128 number at `*at`, moving past it.
fn leb(bytes: &[u8], at: &mut usize) -> Result<u32> {
    let (mut value, mut shift) = (0u32, 0);
    loop {
        let byte = *bytes.get(*at).context("wasm ends inside a number")?;
        *at += 1;
        value |= u32::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Ok(value);
        }
        shift += 7;
        if shift > 28 {
            bail!("wasm number too long");
        }
    }
}

/// Appends `value` as unsigned LEB128.
fn push_leb(out: &mut Vec<u8>, mut value: u32) {
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// A short JS identifier for the `n`th import: `a`…`z`, `A`…`Z`, then two
/// or more letters.
fn short_name(mut n: usize) -> String {
    const LETTERS: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let mut name = vec![LETTERS[n % LETTERS.len()]];
    n /= LETTERS.len();
    while n > 0 {
        n -= 1;
        name.push(LETTERS[n % LETTERS.len()]);
        n /= LETTERS.len();
    }
    String::from_utf8(name).expect("ASCII")
}

/// Renames the glue's imports (and wasm-bindgen's exports, see
/// [`shorten_exports`]) in the wasm and in the (minified) glue to
/// short names: wasm-bindgen names each import like
/// `./aisle-widget_bg.js` / `__wbg_setAttribute_5a3fd8d3a8d1a2b3`, in both
/// files, and the hex suffixes do not compress (about 3 KB brotli of the
/// bundle, issue #16). Fails rather than guess when the glue does not hold
/// each name exactly once as a key of its import object.
pub fn shorten_imports(wasm: &[u8], glue: &str) -> Result<(Vec<u8>, String)> {
    if wasm.get(..8) != Some(b"\0asm\x01\0\0\0".as_slice()) {
        bail!("not a wasm module");
    }
    let mut out = wasm[..8].to_vec();
    let mut glue = glue.to_owned();
    let mut renamed: Vec<(String, String)> = Vec::new();
    let mut at = 8;
    while at < wasm.len() {
        let id = wasm[at];
        at += 1;
        let size = leb(wasm, &mut at)? as usize;
        let body = wasm
            .get(at..at + size)
            .context("wasm section past the end")?;
        at += size;
        if id == 7 {
            let (section, shortened) = shorten_exports(body, &glue)?;
            glue = shortened;
            out.push(7);
            push_leb(&mut out, section.len() as u32);
            out.extend(section);
            continue;
        }
        if id != 2 {
            out.push(id);
            push_leb(&mut out, size as u32);
            out.extend_from_slice(body);
            continue;
        }
        let mut section = Vec::new();
        let mut pos = 0;
        let count = leb(body, &mut pos)?;
        push_leb(&mut section, count);
        for _ in 0..count {
            let mut text = || -> Result<String> {
                let len = leb(body, &mut pos)? as usize;
                let bytes = body
                    .get(pos..pos + len)
                    .context("import name past the end")?;
                pos += len;
                Ok(String::from_utf8(bytes.to_vec())?)
            };
            let (module, name) = (text()?, text()?);
            let desc_start = pos;
            match body.get(pos).copied() {
                // A function or a tag: a kind (and attribute) byte, then a type index.
                Some(0) => {
                    pos += 1;
                    leb(body, &mut pos)?;
                }
                Some(4) => {
                    pos += 2;
                    leb(body, &mut pos)?;
                }
                // A table (element type, limits) or a memory (limits).
                Some(kind @ (1 | 2)) => {
                    pos += if kind == 1 { 2 } else { 1 };
                    let flags = *body.get(pos).context("limits past the end")?;
                    pos += 1;
                    leb(body, &mut pos)?;
                    if flags & 1 != 0 {
                        leb(body, &mut pos)?;
                    }
                }
                // A global: value type, mutability.
                Some(3) => pos += 3,
                _ => bail!("unknown import kind"),
            }
            let desc = &body[desc_start..pos];
            let (module, name) = if module == GLUE_MODULE {
                let short = match renamed.iter().find(|(old, _)| *old == name) {
                    Some((_, short)) => short.clone(),
                    None => {
                        let short = short_name(renamed.len());
                        let key = format!(",{name}:");
                        if glue.matches(&key).count() != 1 {
                            bail!("the glue does not name the import {name} exactly once");
                        }
                        glue = glue.replacen(&key, &format!(",{short}:"), 1);
                        renamed.push((name, short.clone()));
                        short
                    }
                };
                ("a".to_owned(), short)
            } else {
                (module, name)
            };
            for text in [module, name] {
                push_leb(&mut section, text.len() as u32);
                section.extend_from_slice(text.as_bytes());
            }
            section.extend_from_slice(desc);
        }
        if pos != body.len() {
            bail!("import section has trailing bytes");
        }
        out.push(2);
        push_leb(&mut out, section.len() as u32);
        out.extend(section);
    }
    let module_key = format!("\"{GLUE_MODULE}\":");
    if glue.matches(&module_key).count() != 1 {
        bail!("the glue does not name its import module exactly once");
    }
    Ok((out, glue.replacen(&module_key, "a:", 1)))
}

/// Whether `glue[at..]` starts with `name` as a whole identifier.
fn identifier_at(glue: &str, at: usize, name: &str) -> bool {
    let ident = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '$';
    glue[at..].starts_with(name) && !glue[at + name.len()..].starts_with(ident)
}

/// The export section `body` with wasm-bindgen's own exports
/// (`__wbindgen_malloc`, `wasm_bindgen__convert__closures_____invoke__h…`,
/// names with `__`) renamed `$a`, `$b`…, and `glue` with every `.name`
/// property access renamed alike. Others (`memory`) keep their names.
fn shorten_exports(body: &[u8], glue: &str) -> Result<(Vec<u8>, String)> {
    let mut glue = glue.to_owned();
    let mut section = Vec::new();
    let mut pos = 0;
    let count = leb(body, &mut pos)?;
    push_leb(&mut section, count);
    let mut renamed = 0;
    for _ in 0..count {
        let len = leb(body, &mut pos)? as usize;
        let name = std::str::from_utf8(body.get(pos..pos + len).context("export past the end")?)?;
        pos += len;
        let kind = *body.get(pos).context("export past the end")?;
        pos += 1;
        let index = leb(body, &mut pos)?;
        let accesses: Vec<usize> = glue
            .match_indices(&format!(".{name}"))
            .map(|(at, _)| at + 1)
            .filter(|at| identifier_at(&glue, *at, name))
            .collect();
        let name = if name.contains("__") && !accesses.is_empty() {
            let short = format!("${}", short_name(renamed));
            renamed += 1;
            for at in accesses.into_iter().rev() {
                glue.replace_range(at..at + name.len(), &short);
            }
            short
        } else {
            name.to_owned()
        };
        push_leb(&mut section, name.len() as u32);
        section.extend_from_slice(name.as_bytes());
        section.push(kind);
        push_leb(&mut section, index);
    }
    if pos != body.len() {
        bail!("export section has trailing bytes");
    }
    Ok((section, glue))
}

/// Builds the widget in release mode and lays out `dist/widget/`.
pub fn build(root: &Path) -> Result<()> {
    run(Command::new("trunk")
        .args(["build", "--release", "--offline"])
        .env("PATH", tools::path_with_tools(root))
        .env("RUSTFLAGS", widget_rustflags())
        .current_dir(root))?;
    let trunk_dist = root.join("target/trunk-dist");
    let glue = std::fs::read(trunk_dist.join("aisle-widget.js"))
        .context("Trunk produced no aisle-widget.js")?;
    let glue = minify(root, &glue, true)?;
    let wasm =
        std::fs::read(trunk_dist.join("aisle-widget_bg.wasm")).context("Trunk produced no wasm")?;
    let (wasm, glue) = shorten_imports(&wasm, &String::from_utf8(glue)?)?;
    let glue = glue.into_bytes();
    if trunk_dist.join("snippets").exists() {
        bail!(
            "the bundle gained wasm-bindgen JS snippets; copy target/trunk-dist/snippets into dist/widget"
        );
    }

    let out = root.join("dist/widget");
    if out.exists() {
        std::fs::remove_dir_all(&out)?;
    }
    std::fs::create_dir_all(&out)?;
    let glue_name = format!("aisle-widget.{}.js", fingerprint(&glue));
    let wasm_name = format!("aisle-widget.{}.wasm", fingerprint(&wasm));
    write_precompressed(&out, &glue_name, &glue)?;
    write_precompressed(&out, &wasm_name, &wasm)?;

    // Every locale table, English too (none is in the wasm), as a JSON list
    // of its strings, named by one fingerprint of them all.
    let tables: Vec<(&str, String)> = i18n::Locale::ALL
        .into_iter()
        .map(|l| Ok((l.tag(), serde_json::to_string(&l.built_in().fields())?)))
        .collect::<Result<_>>()?;
    let all: String = tables.iter().map(|(_, json)| json.as_str()).collect();
    let tables_name = format!("locale.{}", fingerprint(all.as_bytes()));
    for (tag, json) in &tables {
        write_precompressed(&out, &format!("{tables_name}.{tag}.json"), json.as_bytes())?;
    }

    let loader = std::fs::read_to_string(root.join("loader/aisle.js"))?;
    let loader = fill_loader(&loader, &glue_name, &wasm_name, &tables_name)?;
    let loader = minify(root, loader.as_bytes(), false)?;
    write_precompressed(&out, "aisle.js", &loader)?;
    eprintln!("widget bundle written to {}", out.display());
    Ok(())
}

/// The launcher's name in every language, as the loader's `labels` object
/// literal: `{"en":"Chat with us","fi":…,"zh-Hans":…}`, keyed by
/// [`i18n::Locale::tag`] as the locale tables' file names spell it, each the
/// `launcher` string of the widget's table for that locale (issue #13: the
/// loader keeps no words of its own).
pub fn loader_labels() -> Result<String> {
    let labels: serde_json::Map<String, serde_json::Value> = i18n::Locale::ALL
        .into_iter()
        .map(|l| (l.tag().to_owned(), l.built_in().launcher.into()))
        .collect();
    Ok(serde_json::to_string(&labels)?)
}

/// The loader's source `loader` with its placeholders filled in: the glue's
/// and the wasm's fingerprinted names, the locale tables' prefix and the
/// launcher's labels ([`loader_labels`]). Refuses a loader that lost one.
pub fn fill_loader(loader: &str, glue: &str, wasm: &str, tables: &str) -> Result<String> {
    let fills = [
        ("__AISLE_WIDGET_JS__", glue.to_owned()),
        ("__AISLE_WIDGET_WASM__", wasm.to_owned()),
        ("__AISLE_LOCALES__", tables.to_owned()),
        ("__AISLE_LABELS__", loader_labels()?),
    ];
    let mut out = loader.to_owned();
    for (placeholder, value) in fills {
        if !out.contains(placeholder) {
            bail!("loader/aisle.js lost its {placeholder} placeholder");
        }
        out = out.replace(placeholder, &value);
    }
    Ok(out)
}

/// One row of the size report.
struct Sizes {
    raw: usize,
    gzip: usize,
    brotli: usize,
}

fn sizes(bytes: &[u8]) -> Sizes {
    Sizes {
        raw: bytes.len(),
        gzip: gzip(bytes).len(),
        brotli: brotli(bytes).len(),
    }
}

/// Prints sizes of the built bundle and fails if a budget is exceeded.
pub fn size_report(root: &Path) -> Result<()> {
    let dir = root.join("dist/widget");
    let mut loader = None;
    let (mut glue, mut wasm) = (None, None);
    // The largest locale table the widget may fetch (it fetches one).
    let mut table: Option<Vec<u8>> = None;
    for entry in std::fs::read_dir(&dir).context("no dist/widget: run `cargo xtask build`")? {
        let name = entry?.file_name().to_string_lossy().into_owned();
        let bytes = || std::fs::read(dir.join(&name));
        match name.as_str() {
            "aisle.js" => loader = Some(bytes()?),
            n if n.starts_with("aisle-widget.") && n.ends_with(".js") => glue = Some(bytes()?),
            n if n.starts_with("aisle-widget.") && n.ends_with(".wasm") => wasm = Some(bytes()?),
            n if n.starts_with("locale.") && n.ends_with(".json") => {
                let json = bytes()?;
                if table
                    .as_ref()
                    .is_none_or(|t| brotli(t).len() < brotli(&json).len())
                {
                    table = Some(json);
                }
            }
            _ => {}
        }
    }
    let (Some(loader), Some(glue), Some(wasm)) = (loader, glue, wasm) else {
        bail!("dist/widget is incomplete: run `cargo xtask build`");
    };
    let css = css::minify(&std::fs::read_to_string(root.join("style/widget.css"))?).into_bytes();
    let (l, g, w, c) = (sizes(&loader), sizes(&glue), sizes(&wasm), sizes(&css));
    let kb = |n: usize| format!("{:.1} KB", n as f64 / 1024.0);
    println!(
        "\n{:<28} {:>10} {:>10} {:>10}",
        "asset", "raw", "gzip", "brotli"
    );
    for (name, s) in [
        ("loader aisle.js", &l),
        ("widget wasm", &w),
        ("widget JS glue", &g),
        ("widget CSS (minified, in wasm)", &c),
    ] {
        println!(
            "{name:<28} {:>10} {:>10} {:>10}",
            kb(s.raw),
            kb(s.gzip),
            kb(s.brotli)
        );
    }
    let widget_brotli = w.brotli + g.brotli;
    println!(
        "{:<28} {:>10} {:>10} {:>10}",
        "widget total (wasm + JS)",
        kb(w.raw + g.raw),
        kb(w.gzip + g.gzip),
        kb(widget_brotli)
    );
    let t = sizes(&table.unwrap_or_default());
    println!(
        "{:<28} {:>10} {:>10} {:>10}",
        "largest locale table",
        kb(t.raw),
        kb(t.gzip),
        kb(t.brotli)
    );
    println!(
        "{:<28} {:>10} {:>10} {:>10}   ({} bytes brotli)",
        "on the wire (all of these)",
        kb(l.raw + w.raw + g.raw + t.raw),
        kb(l.gzip + w.gzip + g.gzip + t.gzip),
        kb(l.brotli + widget_brotli + t.brotli),
        l.brotli + widget_brotli + t.brotli
    );
    let wire_brotli = l.brotli + widget_brotli + t.brotli;
    println!(
        "\nbudgets: loader ≤ {} raw ({}), ≤ {} gzip ({}); widget ≤ {} brotli ({}); \
         on the wire ≤ {} brotli ({})",
        kb(LOADER_RAW_BUDGET),
        kb(l.raw),
        kb(LOADER_GZIP_BUDGET),
        kb(l.gzip),
        kb(WIDGET_BROTLI_BUDGET),
        kb(widget_brotli),
        kb(WIRE_BROTLI_BUDGET),
        kb(wire_brotli)
    );
    let mut over = Vec::new();
    if l.raw > LOADER_RAW_BUDGET {
        over.push("loader raw");
    }
    if l.gzip > LOADER_GZIP_BUDGET {
        over.push("loader gzip");
    }
    if widget_brotli > WIDGET_BROTLI_BUDGET {
        over.push("widget brotli");
    }
    if wire_brotli > WIRE_BROTLI_BUDGET {
        over.push("on the wire brotli");
    }
    if !over.is_empty() {
        bail!("over budget: {}", over.join(", "));
    }
    println!("all within budget");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A wasm module with one type section and these function imports.
    fn module_importing(imports: &[(&str, &str)]) -> Vec<u8> {
        let mut section = Vec::new();
        push_leb(&mut section, imports.len() as u32);
        for (module, name) in imports {
            for text in [module, name] {
                push_leb(&mut section, text.len() as u32);
                section.extend_from_slice(text.as_bytes());
            }
            section.extend_from_slice(&[0, 0]);
        }
        let mut wasm = b"\0asm\x01\0\0\0".to_vec();
        wasm.extend_from_slice(&[1, 4, 1, 0x60, 0, 0]);
        wasm.push(2);
        push_leb(&mut wasm, section.len() as u32);
        wasm.extend(section);
        wasm
    }

    #[test]
    fn imports_get_short_names_in_the_wasm_and_the_glue_alike() {
        let wasm = module_importing(&[
            (GLUE_MODULE, "__wbg_focus_0123456789abcdef"),
            ("env", "kept"),
            (GLUE_MODULE, "__wbg_click_fedcba9876543210"),
        ]);
        let glue = "function i(){const n={__proto__:null,__wbg_focus_0123456789abcdef:function(n){n.focus()},\
                    __wbg_click_fedcba9876543210:function(n){n.click()}};return{__proto__:null,\"./aisle-widget_bg.js\":n}}";
        let (short, glue) = shorten_imports(&wasm, glue).unwrap();
        assert_eq!(
            short,
            module_importing(&[("a", "a"), ("env", "kept"), ("a", "b")])
        );
        assert_eq!(
            glue,
            "function i(){const n={__proto__:null,a:function(n){n.focus()},\
             b:function(n){n.click()}};return{__proto__:null,a:n}}"
        );
        assert_eq!(short_name(51), "Z");
        assert_eq!(short_name(52), "aa");
        // A glue that does not name an import once is refused, not guessed at.
        assert!(shorten_imports(&wasm, "return{\"./aisle-widget_bg.js\":n}").is_err());
    }

    #[test]
    fn wasm_bindgens_exports_get_short_names_where_the_glue_reads_them() {
        let mut body = Vec::new();
        push_leb(&mut body, 3);
        for name in ["memory", "__wbindgen_malloc", "__wbindgen_malloc_x"] {
            push_leb(&mut body, name.len() as u32);
            body.extend_from_slice(name.as_bytes());
            body.extend_from_slice(&[0, 0]);
        }
        let glue = "k.memory;k.__wbindgen_malloc(1);k.__wbindgen_malloc(2)";
        let (section, glue) = shorten_exports(&body, glue).unwrap();
        assert_eq!(glue, "k.memory;k.$a(1);k.$a(2)");
        let mut expected = Vec::new();
        push_leb(&mut expected, 3);
        for name in ["memory", "$a", "__wbindgen_malloc_x"] {
            push_leb(&mut expected, name.len() as u32);
            expected.extend_from_slice(name.as_bytes());
            expected.extend_from_slice(&[0, 0]);
        }
        assert_eq!(
            section, expected,
            "an export the glue never reads keeps its name"
        );
    }

    #[test]
    fn the_loader_names_the_launcher_in_every_language_from_the_widgets_tables() {
        let source = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../loader/aisle.js"),
        )
        .unwrap();
        let filled = fill_loader(&source, "g.js", "w.wasm", "locale.x").unwrap();
        let labels: serde_json::Value = serde_json::from_str(&loader_labels().unwrap()).unwrap();
        for locale in i18n::Locale::ALL {
            let launcher = locale.built_in().launcher;
            assert_eq!(labels[locale.tag()], launcher, "{locale}");
            assert!(filled.contains(launcher), "{locale}: {launcher}");
            // The words exist once: in the widget's table, not in the loader's source.
            assert!(
                !source.contains(launcher),
                "loader/aisle.js spells {launcher:?}"
            );
        }
        assert!(!filled.contains("__AISLE_"));
        assert!(fill_loader("var labels = __AISLE_LABELS__;", "g", "w", "l").is_err());
    }

    #[test]
    fn fingerprints_change_with_content_and_are_16_hex_digits() {
        let a = fingerprint(b"wasm one");
        assert_eq!(a.len(), 16);
        assert_ne!(a, fingerprint(b"wasm two"));
        assert_eq!(a, fingerprint(b"wasm one"));
    }

    #[test]
    fn the_stylesheet_keeps_its_meaning_when_minified() {
        let css = "/* note */ .a :focus-visible , .b > .c {\n  color : red ;\n  width: calc(100% - 2px);\n}\n\
                   @media (max-width: 480px) { .d { margin: 0 auto; } }";
        assert_eq!(
            css::minify(css),
            ".a :focus-visible,.b>.c{color :red;width:calc(100% - 2px)}\
             @media (max-width:480px){.d{margin:0 auto}}"
        );
    }

    #[test]
    fn compression_round_trips() {
        let text = "Aisle ".repeat(100);
        let mut decoded = String::new();
        std::io::Read::read_to_string(
            &mut flate2::read::GzDecoder::new(&gzip(text.as_bytes())[..]),
            &mut decoded,
        )
        .unwrap();
        assert_eq!(decoded, text);
        assert!(brotli(text.as_bytes()).len() < text.len() / 10);
    }
}
