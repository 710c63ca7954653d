//! A merchant who rewords the assistant again and again does not make the
//! server grow: every `aisle site import` with new `strings`, picked up by the
//! running server's reload and used to answer, frees the old wording with the
//! old site. (It used to be leaked: one `'static` copy per distinct sentence,
//! about 0.7 MB per import of the file below.)
//!
//! Measured as the process's resident memory (the workspace forbids the
//! `unsafe` a counting allocator needs), so the test has a binary of its own.
//! Run with `cargo test -p aisle-server --test reimport_memory`.

use aisle_server::site_file::{import, parse_site_file};
use aisle_server::sites::SiteRegistry;
use aisle_server::text::{Locale, Text, placeholders, table};
use serde_json::{Map, Value, json};

/// The process's resident memory, bytes (Linux: `/proc/self/statm`).
fn resident_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").expect("Linux /proc");
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .expect("statm's resident field");
    pages * 4096
}

/// A site file rewording every sentence without placeholders in all six
/// languages, each to 1,900 characters unique to `round`.
fn site_file(round: usize) -> String {
    let english = table(Locale::En);
    let keys: Vec<&str> = Text::KEYS
        .iter()
        .copied()
        .filter(|key| english.get(key).is_some_and(|s| placeholders(s).is_empty()))
        .collect();
    let mut strings = Map::new();
    for lang in Locale::ALL {
        let words: Map<String, Value> = keys
            .iter()
            .map(|key| {
                let text = format!("{round} {} {key} ", lang.tag());
                let text: String = text.chars().cycle().take(1900).collect();
                ((*key).to_owned(), Value::String(text))
            })
            .collect();
        strings.insert(lang.tag().to_owned(), Value::Object(words));
    }
    json!({"site": "demo", "name": "Northwind", "strings": strings}).to_string()
}

#[tokio::test(flavor = "current_thread")]
async fn importing_new_wording_again_and_again_does_not_grow_the_server() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("aisle.db").display());
    let db = aisle_server::db::connect(&url).await.unwrap();
    let sites = SiteRegistry::default();
    let round_trip = async |round: usize| {
        let file = parse_site_file(&site_file(round)).expect("a valid site file");
        import(&db, &file).await.unwrap();
        sites.reload(&db).await.unwrap();
        let site = sites.get("demo").unwrap();
        // The server answers with the new wording, in every language.
        for lang in Locale::ALL {
            let said = site.text(lang).talk_to_person;
            assert!(
                said.starts_with(&format!("{round} {} ", lang.tag())),
                "{said:.40}"
            );
        }
    };
    for round in 0..20 {
        round_trip(round).await;
    }
    let before = resident_bytes();
    for round in 20..120 {
        round_trip(round).await;
    }
    let grown = resident_bytes().saturating_sub(before);
    eprintln!("resident memory: +{} KB over 100 re-imports", grown / 1024);
    // 100 imports of ~0.7 MB of wording each: leaked, that is 70 MB.
    assert!(
        grown < 16 * 1024 * 1024,
        "resident memory grew {} KB over 100 re-imports",
        grown / 1024
    );
}
