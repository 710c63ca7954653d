//! Build script of the widget: minifies `style/widget.css` into `OUT_DIR`
//! (comments and layout whitespace dropped), which `app::STYLE` embeds. The
//! stylesheet ships inside the wasm bundle, so every byte counts against its
//! budget (`cargo xtask size`).

use std::path::Path;

#[path = "style/minify.rs"]
mod minify;

fn main() {
    let source = Path::new("style/widget.css");
    println!("cargo:rerun-if-changed={}", source.display());
    println!("cargo:rerun-if-changed=style/minify.rs");
    let css = std::fs::read_to_string(source).expect("reading style/widget.css");
    let out = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("widget.min.css");
    std::fs::write(out, minify::minify(&css)).expect("writing the minified stylesheet");
}
