//! Campaign evaluation speed: 200 campaigns against one visitor state
//! (budget in `docs/budgets.md`: ≤ 20 µs native). Run with `cargo xtask bench`.

use aisle_core::campaign::time::parse_rfc3339;
use aisle_core::campaign::{Visitor, evaluate, parse_campaigns};
use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;

/// 200 campaigns of realistic shapes: path tests, time thresholds, cart
/// ranges, languages, nested compositions and schedules.
fn two_hundred_campaigns() -> String {
    let mut campaigns = Vec::new();
    for i in 0..200 {
        let when = match i % 5 {
            0 => format!(
                r#"{{"all": [{{"path": {{"starts_with": "/collections/c{i}"}}}}, {{"time_on_page": {{"at_least": {}}}}}]}}"#,
                i % 30
            ),
            1 => format!(
                r#"{{"any": [{{"path": {{"matches": "/products/*-{i}"}}}}, {{"query": {{"param": "utm_campaign", "is": "c{i}"}}}}]}}"#
            ),
            2 => format!(
                r#"{{"all": [{{"cart_value": {{"at_least": {}, "below": {}}}}}, {{"not": {{"cart_contains": "sku-{i}"}}}}]}}"#,
                i % 40,
                i % 40 + 20
            ),
            3 => format!(
                r#"{{"all": [{{"language": ["fr", "de"]}}, {{"visits": {{"at_least": 2}}}}, {{"time_on_site": {{"at_least": {i}}}}}]}}"#
            ),
            _ => r#"{"any": [{"all": [{"device": "mobile"}, {"scroll_depth": {"at_least": 50}}]}, {"referrer": {"contains": "google"}}]}"#
                .to_string(),
        };
        campaigns.push(format!(
            r#"{{"id": "c{i}", "message": "Campaign {i}", "when": {when}, "priority": {},
                "schedule": {{"from": "2026-11-27T00:00:00-05:00", "until": "2026-12-01T00:00:00-05:00"}}}}"#,
            i % 7
        ));
    }
    format!(
        r#"{{"version": 1, "campaigns": [{}]}}"#,
        campaigns.join(",")
    )
}

fn bench(c: &mut Criterion) {
    let file = parse_campaigns(&two_hundred_campaigns()).expect("valid benchmark campaigns");
    // Inside the campaigns' Black Friday schedule, so every condition is evaluated.
    let now = parse_rfc3339("2026-11-28T12:00:00-05:00").unwrap();
    let mut visitor = Visitor::at("/collections/c10?utm_campaign=c11", now);
    visitor.on_page_ms = 12_000;
    visitor.on_site_ms = 40_000;
    visitor.cart_value_minor = 3_500;
    visitor.cart_items = vec!["sku-3".into()];
    visitor.referrer = Some("https://www.google.com/search".into());
    c.bench_function("evaluate 200 campaigns", |b| {
        b.iter(|| evaluate(black_box(&file), black_box(&visitor)))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
