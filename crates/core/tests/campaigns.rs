//! Campaign semantics: the shared case table (every condition kind and
//! operator with its edge cases, path normalisation, schedules across time
//! zones, frequency history, display order, waiting times), positioned
//! errors, then property tests of the evaluator and the feed.
//!
//! Run with `cargo test -p aisle-core --test campaigns`.

use aisle_core::campaign::cases::{PATH_EXAMPLES, cases, outcome};
use aisle_core::campaign::eval::{Times, normalize_path, split_url};
use aisle_core::campaign::feed::{self, Feed};
use aisle_core::campaign::{CampaignFile, Visitor, evaluate, parse_campaigns};
use proptest::prelude::*;

/// One campaign whose `when` is `condition` (JSON).
fn file_with(condition: &str) -> CampaignFile {
    let text = format!(
        r#"{{"version": 1, "campaigns": [{{"id": "c", "message": "m", "when": {condition}}}]}}"#
    );
    parse_campaigns(&text).unwrap_or_else(|e| panic!("{condition}: {e:?}"))
}

fn visitor(url: &str) -> Visitor {
    Visitor::at(url, 0)
}

/// Every case of the shared table (`aisle_core::campaign::cases`, also run in
/// wasm by the widget's tests), evaluated straight from the parsed file and
/// again after the feed's round trip, as the widget receives it.
#[test]
fn every_case_of_the_shared_table_answers_as_expected() {
    let all = cases();
    assert!(all.len() > 150, "the table has {} cases", all.len());
    let mut failures = Vec::new();
    for case in &all {
        let file = parse_campaigns(&case.file).unwrap_or_else(|e| panic!("{}: {e:?}", case.name));
        let trigger = case.trigger.as_deref();
        let direct = outcome(&file, &case.visitor, trigger);
        let fed = feed::decode(&feed::encode(&Feed {
            file: file.clone(),
            agents_online: 1,
            open: None,
            free_shipping: None,
        }))
        .expect("the feed decodes");
        assert_eq!(
            fed.file, file,
            "{}: the feed round trip changes nothing",
            case.name
        );
        let through_feed = outcome(&fed.file, &case.visitor, trigger);
        assert_eq!(direct, through_feed, "{}", case.name);
        if let Err(why) = case.check(&direct) {
            failures.push(why);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_documented_path_table_is_what_operators_see() {
    for (url, path) in PATH_EXAMPLES {
        assert_eq!(normalize_path(&split_url(url).0), *path, "{url}");
    }
    let readme = include_str!("../../../README.md");
    for (url, path) in PATH_EXAMPLES {
        let row = format!("| `{url}` | `{path}` |");
        assert!(readme.contains(&row), "README.md documents {row}");
    }
}

#[test]
fn a_duplicate_key_names_its_path_and_both_positions() {
    let text = r#"{
  "version": 1,
  "campaigns": [
    { "id": "a", "message": "m",
      "when": { "path": { "is": "/" }, "path": { "is": "/cart" } } }
  ]
}"#;
    assert_eq!(
        errors(text),
        [
            r#"5:40: $.campaigns[0].when.path: invalid JSON: field "path" appears twice, at 5:17 and at 5:40"#
        ]
    );
}

/// Every error of a file, as `line:col: path: message`.
fn errors(text: &str) -> Vec<String> {
    parse_campaigns(text)
        .unwrap_err()
        .iter()
        .map(ToString::to_string)
        .collect()
}

#[test]
fn every_error_is_reported_with_path_position_and_hint() {
    let text = r#"{
  "version": 1,
  "campaigns": [
    { "id": "a", "mesage": "Hi",
      "when": { "all": [ { "path": { "startswith": "/" } },
                         { "time_on_page": { "at_least": "15" } } ] },
      "frequency": "once_per_sesion" },
    { "id": "a", "message": "dup", "when": { "timeOnPage": { "at_least": 1 } } }
  ]
}"#;
    assert_eq!(
        errors(text),
        [
            r#"4:5: $.campaigns[0]: missing field "message""#,
            r#"4:18: $.campaigns[0].mesage: unknown field "mesage" (did you mean "message"?)"#,
            r#"5:38: $.campaigns[0].when.all[0].path.startswith: unknown path operator "startswith" (did you mean "starts_with"?)"#,
            r#"6:58: $.campaigns[0].when.all[1].time_on_page.at_least: expected a number, found a string"#,
            r#"7:20: $.campaigns[0].frequency: unknown frequency "once_per_sesion" (did you mean "once_per_session"?)"#,
            r#"8:13: $.campaigns[1].id: duplicate id "a" (first used at 4:13)"#,
            r#"8:46: $.campaigns[1].when.timeOnPage: unknown condition "timeOnPage" (did you mean "time_on_page"?)"#,
        ]
    );
}

#[test]
fn bad_files_are_refused_with_a_reason() {
    let campaign = |body: &str| {
        format!(r#"{{"version": 1, "campaigns": [{{"id": "a", "message": "m", {body}}}]}}"#)
    };
    let cases: Vec<(String, &str)> = vec![
        ("".into(), "invalid JSON"),
        (r#"{"version": 1, "campaigns": [}"#.into(), "invalid JSON"),
        (
            "[]".into(),
            "expected a campaign file (an object), found an array",
        ),
        (r#"{"campaigns": []}"#.into(), r#"missing field "version""#),
        (
            r#"{"version": 2, "campaigns": []}"#.into(),
            "unsupported version 2",
        ),
        (r#"{"version": 1}"#.into(), r#"missing field "campaigns""#),
        (
            r#"{"version": 1, "campaigns": {}}"#.into(),
            "expected a list of campaigns",
        ),
        (
            r#"{"version": 1, "campaigns": [{"id": "", "message": "m"}]}"#.into(),
            "must not be empty",
        ),
        (
            r#"{"version": 1, "campaigns": [{"id": "a", "message": {}}]}"#.into(),
            "a string or an object",
        ),
        (
            r#"{"version": 1, "campaigns": [{"id": "a", "message": {"english": "x"}}]}"#.into(),
            "not a language tag",
        ),
        (campaign(r#""when": {}"#), "empty condition"),
        (campaign(r#""when": {"all": []}"#), "at least one condition"),
        (campaign(r#""when": {"path": {}}"#), "needs one of"),
        (
            campaign(r#""when": {"visits": {"at_least": 5, "at_most": 2}}"#),
            "more than at_most",
        ),
        (
            campaign(r#""when": {"time_on_page": {"at_least": -1}}"#),
            "between 0",
        ),
        (
            campaign(r#""when": {"scroll_depth": {"at_least": 150}}"#),
            "between 0 and 100",
        ),
        (campaign(r#""when": {"device": "phone"}"#), "unknown device"),
        (
            campaign(r#""when": {"language": "fr"}"#),
            "a list of language tags",
        ),
        (
            campaign(r#""when": {"query": {"param": "x"}}"#),
            "exactly one of",
        ),
        (
            campaign(r#""when": {"cart_value": {"at_least": 50, "below": 30}}"#),
            "less than below",
        ),
        (
            campaign(r#""schedule": {"from": "2026-11-27T00:00:00"}"#),
            "RFC 3339",
        ),
        (
            campaign(
                r#""schedule": {"from": "2026-11-27T00:00:00Z", "until": "2026-11-26T00:00:00Z"}"#,
            ),
            "later than",
        ),
        (
            campaign(r#""actions": [{"label": "x"}]"#),
            "exactly one of \"open_url\" or \"open_chat\"",
        ),
        (
            campaign(r#""actions": [{"label": "x", "open_url": "javascript:alert(1)"}]"#),
            "path (/quiz) or an http(s) URL",
        ),
    ];
    for (text, expected) in &cases {
        let found = errors(text);
        assert!(
            found.iter().any(|e| e.contains(expected)),
            "{text}\nexpected {expected:?} in {found:?}"
        );
    }
}

// ---- property tests ----

fn leaf() -> impl Strategy<Value = String> {
    prop_oneof![
        (0u32..40).prop_map(|s| format!(r#"{{"time_on_page": {{"at_least": {s}}}}}"#)),
        (0u32..90).prop_map(|s| format!(r#"{{"time_on_site": {{"at_least": {s}}}}}"#)),
        prop_oneof![Just("/"), Just("/cart"), Just("/collections")]
            .prop_map(|p| format!(r#"{{"path": {{"starts_with": "{p}"}}}}"#)),
        any::<bool>().prop_map(|b| format!(r#"{{"agents_online": {b}}}"#)),
        (0u32..60, 1u32..60).prop_map(|(a, d)| format!(
            r#"{{"cart_value": {{"at_least": {a}, "below": {}}}}}"#,
            a + d
        )),
    ]
}

fn compose(inner: impl Strategy<Value = String> + Clone) -> impl Strategy<Value = String> {
    prop_oneof![
        prop::collection::vec(inner.clone(), 1..4)
            .prop_map(|v| format!(r#"{{"all": [{}]}}"#, v.join(","))),
        prop::collection::vec(inner.clone(), 1..4)
            .prop_map(|v| format!(r#"{{"any": [{}]}}"#, v.join(","))),
        inner.prop_map(|c| format!(r#"{{"not": {c}}}"#)),
    ]
}

fn condition_json() -> impl Strategy<Value = String> {
    leaf().prop_recursive(4, 24, 4, compose)
}

/// Compositions of time-only conditions (the ones that change by waiting).
fn time_condition() -> impl Strategy<Value = String> {
    prop_oneof![
        (0u32..40).prop_map(|s| format!(r#"{{"time_on_page": {{"at_least": {s}}}}}"#)),
        (0u32..90).prop_map(|s| format!(r#"{{"time_on_site": {{"at_least": {s}}}}}"#)),
    ]
    .prop_recursive(3, 16, 3, compose)
}

fn any_visitor() -> impl Strategy<Value = Visitor> {
    let paths = prop_oneof![Just("/"), Just("/cart"), Just("/collections/x")];
    (0u64..50_000, 0u64..100_000, paths, 0u32..3, 0i64..8000).prop_map(
        |(page, site, path, agents, cart)| {
            let mut v = Visitor::at(path, 0);
            v.on_page_ms = page;
            v.on_site_ms = site.max(page);
            v.agents_online = agents;
            v.cart_value_minor = cart;
            v
        },
    )
}

proptest! {
    #[test]
    fn double_negation_changes_nothing(c in condition_json(), v in any_visitor()) {
        let plain = file_with(&c);
        let twice = file_with(&format!(r#"{{"not": {{"not": {c}}}}}"#));
        prop_assert_eq!(evaluate(&plain, &v), evaluate(&twice, &v));
    }

    #[test]
    fn all_or_any_of_one_condition_is_that_condition(c in condition_json(), v in any_visitor()) {
        let (plain, all, any) = (
            file_with(&c),
            file_with(&format!(r#"{{"all": [{c}]}}"#)),
            file_with(&format!(r#"{{"any": [{c}]}}"#)),
        );
        prop_assert_eq!(evaluate(&plain, &v), evaluate(&all, &v));
        prop_assert_eq!(evaluate(&plain, &v), evaluate(&any, &v));
    }

    #[test]
    fn waiting_the_announced_time_makes_a_time_only_campaign_eligible(c in time_condition(), v in any_visitor()) {
        let file = file_with(&c);
        let result = evaluate(&file, &v);
        if let Some((_, wait)) = result.waiting.first() {
            prop_assert!(*wait > 0, "waiting time 0 would mean eligible now");
            let mut later = v.clone();
            later.on_page_ms += wait;
            later.on_site_ms += wait;
            prop_assert_eq!(evaluate(&file, &later).show, Some("c"), "eligible after exactly the wait");
            let mut earlier = v.clone();
            earlier.on_page_ms += wait - 1;
            earlier.on_site_ms += wait - 1;
            prop_assert_eq!(evaluate(&file, &earlier).show, None, "and not a millisecond sooner");
        } else if result.show.is_none() {
            let mut much_later = v.clone();
            much_later.on_page_ms += 1_000_000;
            much_later.on_site_ms += 1_000_000;
            prop_assert_eq!(evaluate(&file, &much_later).show, None, "nothing to wait for means never");
        }
    }

    #[test]
    fn union_intersection_and_complement_agree_with_membership(a in 0i64..100, b in 0i64..100, t in 0u64..120) {
        let x = Times::from(a);
        let y = Times::from(b).complement();
        let contains = |s: &Times| s.intersect(&Times::from(t as i64)).first_instant() == Some(t);
        prop_assert_eq!(contains(&x.union(&y)), contains(&x) || contains(&y));
        prop_assert_eq!(contains(&x.intersect(&y)), contains(&x) && contains(&y));
        prop_assert_eq!(contains(&x.complement()), !contains(&x));
    }

    #[test]
    fn the_feed_gives_the_widget_the_file_the_checker_built(c in condition_json(), agents in 0u32..5, open in prop::option::of(prop::collection::vec((0i64..1_000_000, 1i64..1_000_000), 0..4))) {
        let open = open.map(|spans| spans.into_iter().map(|(from, length)| (from, from + length)).collect());
        let fed = Feed { file: file_with(&c), agents_online: agents, open, free_shipping: None };
        prop_assert_eq!(feed::decode(&feed::encode(&fed)), Some(fed));
    }

    #[test]
    fn decide_is_evaluate_as_the_widget_acts_on_it(a in condition_json(), b in time_condition(), v in any_visitor()) {
        let text = format!(
            r#"{{"version": 1, "campaigns": [{{"id": "a", "message": "m", "when": {a}}},
                {{"id": "b", "message": "m", "priority": 1, "when": {b}}}]}}"#
        );
        let file = parse_campaigns(&text).unwrap();
        let result = evaluate(&file, &v);
        let decision = aisle_core::campaign::decide(&file, &v, None);
        prop_assert_eq!(decision.show.map(|c| c.id.as_str()), result.show);
        prop_assert_eq!(decision.next_in_ms, result.waiting.iter().map(|(_, ms)| *ms).min());
    }

    #[test]
    fn parsing_never_panics_on_any_text(text in ".{0,200}") {
        let _ = parse_campaigns(&text);
    }

    #[test]
    fn evaluation_never_panics_on_any_parsed_file(c in condition_json(), v in any_visitor(), url in "[ -~]{0,40}") {
        let file = file_with(&c);
        let mut v = v;
        let (path, query) = split_url(&url);
        v.path = path;
        v.query = query;
        let _ = evaluate(&file, &v);
    }
}

#[test]
fn extreme_times_saturate_instead_of_overflowing() {
    let file = file_with(
        r#"{"all": [{"time_on_page": {"at_least": 15}}, {"time_on_site": {"at_least": 60}}]}"#,
    );
    for spent in [u64::MAX, 1 << 63, i64::MAX as u64, 0] {
        let mut v = visitor("/");
        v.on_page_ms = spent;
        v.on_site_ms = spent;
        let result = evaluate(&file, &v);
        let shown = result.show.is_some();
        assert_eq!(shown, spent > 60_000, "spent {spent} ms");
    }
}

#[test]
fn product_cards_are_checked_with_their_places() {
    let text = r#"{"version": 1, "campaigns": [
  {"id": "a", "message": "m", "products": [
    {"id": "gloves", "titel": "Gloves", "url": "/products/gloves"},
    {"id": "hat", "title": "Hat", "url": "javascript:alert(1)", "image": "http://cdn.example/hat.jpg"}]},
  {"id": "b", "message": "m", "products": [
    {"id": "1", "title": "1", "url": "/1"}, {"id": "2", "title": "2", "url": "/2"},
    {"id": "3", "title": "3", "url": "/3"}, {"id": "4", "title": "4", "url": "/4"}]}
]}"#;
    assert_eq!(
        errors(text),
        [
            r#"3:5: $.campaigns[0].products[0]: missing field "title""#,
            r#"3:22: $.campaigns[0].products[0].titel: unknown field "titel" (did you mean "title"?)"#,
            r#"4:42: $.campaigns[0].products[1].url: must be a path (/products/gloves) or an http(s) URL"#,
            r#"4:74: $.campaigns[0].products[1].image: must be a path (/images/gloves.jpg) or an https:// URL"#,
            r#"5:43: $.campaigns[1].products: list 1 to 3 products, found 4"#,
        ]
    );
}
