//! The stylesheet minifier, shared by the widget's `build.rs` (which embeds
//! the minified `style/widget.css` in the wasm) and the xtask (which reports
//! its size and tests it).

/// `css` without comments and with whitespace only where CSS needs it: runs of
/// whitespace become one space, which goes entirely around `{ } ; , >` and
/// after `:` (never before it: `a :hover` and `a:hover` differ).
pub fn minify(css: &str) -> String {
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
