//! The module graph of a crate: which top-level module names which (every
//! `crate::name` path outside comments and the `#[cfg(test)] mod tests`
//! block), and the circles in it. A test below keeps every crate of the
//! workspace free of them: a circle means two modules can only be
//! understood, changed and tested together.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Top-level module → the top-level modules it names.
pub type Graph = BTreeMap<String, BTreeSet<String>>;

/// The module graph of the crate whose sources are in `src` (`lib.rs` and
/// `main.rs` are the root, not modules).
pub fn graph(src: &Path) -> std::io::Result<Graph> {
    let mut graph = Graph::new();
    let mut files = Vec::new();
    walk(src, &mut files)?;
    for file in files {
        let relative = file.strip_prefix(src).unwrap_or(&file);
        let Some(first) = relative.components().next() else {
            continue;
        };
        let top = first
            .as_os_str()
            .to_string_lossy()
            .trim_end_matches(".rs")
            .to_owned();
        if top == "lib" || top == "main" {
            continue;
        }
        let text = std::fs::read_to_string(&file)?;
        let names = graph.entry(top.clone()).or_default();
        for name in named_modules(&text) {
            if name != top {
                names.insert(name);
            }
        }
    }
    // Only edges between the crate's own modules (not `crate::AppState`).
    let modules: BTreeSet<String> = graph.keys().cloned().collect();
    for names in graph.values_mut() {
        names.retain(|n| modules.contains(n));
    }
    Ok(graph)
}

fn walk(dir: &Path, out: &mut Vec<std::path::PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            walk(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    Ok(())
}

/// The modules `text` names as `crate::name` or `crate::{a, b::c}`, leaving
/// out comment lines and everything from `#[cfg(test)]` + `mod tests` on.
fn named_modules(text: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("#[cfg(test)]")
            && lines
                .peek()
                .is_some_and(|next| next.trim_start().starts_with("mod tests"))
        {
            break;
        }
        if trimmed.starts_with("//") {
            continue;
        }
        let mut rest = line;
        while let Some(at) = rest.find("crate::") {
            let before = rest[..at].chars().last();
            rest = &rest[at + "crate::".len()..];
            // `aisle_crate::x` is another crate's path.
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                continue;
            }
            if let Some(group) = rest.strip_prefix('{') {
                let end = group.find('}').unwrap_or(group.len());
                for item in group[..end].split(',') {
                    let name = ident(item.trim());
                    if !name.is_empty() {
                        names.insert(name.to_owned());
                    }
                }
            } else {
                let name = ident(rest);
                if !name.is_empty() {
                    names.insert(name.to_owned());
                }
            }
        }
    }
    names
}

/// The identifier at the start of `text`.
fn ident(text: &str) -> &str {
    let end = text
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(text.len());
    &text[..end]
}

/// The circles of `graph`: its strongly connected components of two or more
/// modules, each sorted.
pub fn circles(graph: &Graph) -> Vec<Vec<String>> {
    // Two modules are in one circle when each reaches the other.
    let reach = |from: &str| {
        let mut seen = BTreeSet::new();
        let mut stack = vec![from.to_owned()];
        while let Some(module) = stack.pop() {
            for next in graph.get(&module).into_iter().flatten() {
                if seen.insert(next.clone()) {
                    stack.push(next.clone());
                }
            }
        }
        seen
    };
    let reached: BTreeMap<&String, BTreeSet<String>> =
        graph.keys().map(|m| (m, reach(m))).collect();
    let mut circles: Vec<Vec<String>> = Vec::new();
    for (module, from_it) in &reached {
        if circles.iter().any(|c| c.contains(module)) {
            continue;
        }
        let circle: Vec<String> = from_it
            .iter()
            .filter(|other| reached.get(other).is_some_and(|r| r.contains(*module)))
            .cloned()
            .collect();
        if circle.len() >= 2 {
            circles.push(circle);
        }
    }
    circles
}

/// `cargo xtask modules`: each crate's module graph (who names whom) and
/// its circles, if any.
pub fn print(root: &Path) -> anyhow::Result<()> {
    let mut any = false;
    for src in CRATES {
        let graph = graph(&root.join(src))?;
        println!("{src}:");
        for (module, names) in &graph {
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            println!("  {module} -> {}", names.join(", "));
        }
        for circle in circles(&graph) {
            any = true;
            println!("  CIRCLE: {}", circle.join(" <-> "));
        }
    }
    if any {
        anyhow::bail!("module circles found");
    }
    Ok(())
}

/// The sources of the workspace's crates, from its root.
pub const CRATES: [&str; 5] = [
    "crates/core/src",
    "crates/server/src",
    "console/src",
    "src",
    "xtask/src",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_grouped_imports_and_comments_are_read_as_a_reader_would() {
        let text = "use crate::a::X;\nuse crate::{b, c::Y};\n// crate::d in a comment\nlet x = aisle_crate::e;\n#[cfg(test)]\nmod tests {\n    use crate::f;\n}\n";
        let names: Vec<String> = named_modules(text).into_iter().collect();
        assert_eq!(names, ["a", "b", "c"]);
    }

    #[test]
    fn a_circle_is_found_and_a_chain_is_not() {
        let mut graph = Graph::new();
        for (from, to) in [("a", "b"), ("b", "c"), ("c", "a"), ("c", "d"), ("d", "e")] {
            graph.entry(from.into()).or_default().insert(to.into());
            graph.entry(to.into()).or_default();
        }
        assert_eq!(circles(&graph), [["a", "b", "c"]]);
    }

    /// Every crate of the workspace: no module names a module that names it
    /// back, directly or through others.
    #[test]
    fn no_crate_of_the_workspace_has_a_module_circle() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        for src in CRATES {
            let graph = graph(&root.join(src)).unwrap();
            assert!(graph.len() > 3, "{src}: modules not found");
            assert_eq!(circles(&graph), Vec::<Vec<String>>::new(), "{src}");
        }
    }
}
