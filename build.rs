//! Build script of the widget: minifies `style/widget.css` into `OUT_DIR`
//! (comments and layout whitespace dropped), which `app::STYLE` embeds. The
//! stylesheet ships inside the wasm bundle, so every byte counts against its
//! budget (`cargo xtask size`).

use std::path::Path;

/// `css` without comments and with whitespace only where CSS needs it: runs of
/// whitespace become one space, which goes entirely around `{ } ; , >` and
/// after `:` (never before it: `a :hover` and `a:hover` differ).
fn minify(css: &str) -> String {
    let mut out = String::with_capacity(css.len());
    let mut rest = css;
    let mut space = false;
    while let Some(c) = rest.chars().next() {
        if rest.starts_with("/*") {
            rest = rest[2..].split_once("*/").map_or("", |(_, after)| after);
            space = true;
            continue;
        }
        rest = &rest[c.len_utf8()..];
        if c.is_whitespace() {
            space = true;
            continue;
        }
        let tight = |ch: char| matches!(ch, '{' | '}' | ';' | ',' | '>');
        if space && !out.is_empty() && !tight(c) && !out.ends_with(|p: char| tight(p) || p == ':') {
            out.push(' ');
        }
        space = false;
        if c == '}' && out.ends_with(';') {
            out.pop();
        }
        out.push(c);
    }
    out
}

fn main() {
    let source = Path::new("style/widget.css");
    println!("cargo:rerun-if-changed={}", source.display());
    let css = std::fs::read_to_string(source).expect("reading style/widget.css");
    let out = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("widget.min.css");
    std::fs::write(out, minify(&css)).expect("writing the minified stylesheet");
}
