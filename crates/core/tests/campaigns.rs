//! Campaign semantics, table-driven: every condition kind and operator with
//! its edge cases, schedules across time zones, frequency history, display
//! order, waiting times; then property tests of the evaluator.
//!
//! Run with `cargo test -p aisle-core --test campaigns`.

use aisle_core::campaign::eval::{Times, holds, split_url};
use aisle_core::campaign::time::parse_rfc3339;
use aisle_core::campaign::{CampaignFile, Condition, Seen, Visitor, evaluate, parse_campaigns};
use proptest::prelude::*;

const NOW: &str = "2026-11-28T12:00:00-05:00";

fn now() -> i64 {
    parse_rfc3339(NOW).unwrap()
}

/// One campaign whose `when` is `condition` (JSON).
fn file_with(condition: &str) -> CampaignFile {
    let text = format!(
        r#"{{"version": 1, "campaigns": [{{"id": "c", "message": "m", "when": {condition}}}]}}"#
    );
    parse_campaigns(&text).unwrap_or_else(|e| panic!("{condition}: {e:?}"))
}

fn condition(json: &str) -> Condition {
    file_with(json).campaigns[0].when.clone().unwrap()
}

fn visitor(url: &str) -> Visitor {
    Visitor::at(url, now())
}

type Adjust<'a> = &'a dyn Fn(&mut Visitor);

/// Each row: condition, visitor adjustment, expected.
fn check_table(rows: &[(&str, Adjust, bool)]) {
    for (json, adjust, expected) in rows {
        let mut v = visitor("/");
        adjust(&mut v);
        assert_eq!(holds(&condition(json), &v), *expected, "{json} for {v:?}");
    }
}

fn at(url: &str) -> impl Fn(&mut Visitor) {
    let url = url.to_owned();
    move |v| {
        let (path, query) = split_url(&url);
        v.path = path;
        v.query = query;
    }
}

#[test]
fn path_operators_see_the_path_only_and_ignore_a_trailing_slash() {
    check_table(&[
        (r#"{"path": {"is": "/"}}"#, &at("/"), true),
        (r#"{"path": {"is": "/"}}"#, &at("/?utm_source=x"), true),
        (
            r#"{"path": {"is": "/"}}"#,
            &at("https://shop.example"),
            true,
        ),
        (r#"{"path": {"is": "/cart"}}"#, &at("/cart/"), true),
        (r#"{"path": {"is": "/cart/"}}"#, &at("/cart"), true),
        (r#"{"path": {"is": "/cart"}}"#, &at("/Cart"), false),
        (r#"{"path": {"is": "/cart"}}"#, &at("/cart#top"), true),
        (r#"{"path": {"is_not": "/cart"}}"#, &at("/cart/"), false),
        (r#"{"path": {"is_not": "/cart"}}"#, &at("/"), true),
        (
            r#"{"path": {"starts_with": "/collections"}}"#,
            &at("/collections/winter"),
            true,
        ),
        (
            r#"{"path": {"starts_with": "/collections/"}}"#,
            &at("/collections"),
            true,
        ),
        (
            r#"{"path": {"starts_with": "/collections"}}"#,
            &at("/products/x"),
            false,
        ),
        (
            r#"{"path": {"ends_with": "/parka"}}"#,
            &at("/products/alpine/parka/"),
            true,
        ),
        (
            r#"{"path": {"contains": "/collections"}}"#,
            &at("/en/collections/winter"),
            true,
        ),
        (
            r#"{"path": {"contains": "utm"}}"#,
            &at("/x?utm_source=1"),
            false,
        ),
        (
            r#"{"path": {"not_contains": "/sale"}}"#,
            &at("/collections/sale"),
            false,
        ),
        (
            r#"{"path": {"not_contains": "/sale"}}"#,
            &at("/collections/winter"),
            true,
        ),
        (
            r#"{"path": {"matches": "/products/*"}}"#,
            &at("/products/alpine-parka"),
            true,
        ),
        (
            r#"{"path": {"matches": "/products/*"}}"#,
            &at("/collections/x"),
            false,
        ),
        (
            r#"{"path": {"matches": "/*/winter"}}"#,
            &at("/collections/winter/"),
            true,
        ),
        (
            r#"{"path": {"matches": "/*/winter"}}"#,
            &at("/collections/winter/sale"),
            false,
        ),
        (
            r#"{"path": {"matches": "*parka*"}}"#,
            &at("/products/alpine-parka-red"),
            true,
        ),
        (r#"{"path": {"matches": "/a*b*c"}}"#, &at("/aXbYbZc"), true),
        (
            r#"{"path": {"starts_with": "/collections", "not_contains": "sale"}}"#,
            &at("/collections/sale"),
            false,
        ),
    ]);
}

#[test]
fn query_tests_decode_values_and_count_empty_ones_as_present() {
    check_table(&[
        (
            r#"{"query": {"param": "utm_source", "is": "mail"}}"#,
            &at("/?utm_source=mail"),
            true,
        ),
        (
            r#"{"query": {"param": "utm_source", "is": "mail"}}"#,
            &at("/?utm_source=Mail"),
            false,
        ),
        (
            r#"{"query": {"param": "q", "is": "winter coat"}}"#,
            &at("/?q=winter+coat"),
            true,
        ),
        (
            r#"{"query": {"param": "q", "is": "a&b"}}"#,
            &at("/?q=a%26b"),
            true,
        ),
        (
            r#"{"query": {"param": "utm_source", "exists": true}}"#,
            &at("/?utm_source="),
            true,
        ),
        (
            r#"{"query": {"param": "utm_source", "exists": true}}"#,
            &at("/?utm_source"),
            true,
        ),
        (
            r#"{"query": {"param": "utm_source", "is": ""}}"#,
            &at("/?utm_source="),
            true,
        ),
        (
            r#"{"query": {"param": "utm_source", "exists": true}}"#,
            &at("/?other=1"),
            false,
        ),
        (
            r#"{"query": {"param": "utm_source", "exists": false}}"#,
            &at("/"),
            true,
        ),
        (
            r#"{"query": {"param": "tag", "is": "b"}}"#,
            &at("/?tag=a&tag=b"),
            true,
        ),
    ]);
}

#[test]
fn referrer_tests_need_a_referrer() {
    let from = |r: &'static str| move |v: &mut Visitor| v.referrer = Some(r.into());
    check_table(&[
        (
            r#"{"referrer": {"contains": "google"}}"#,
            &from("https://www.Google.com/search?q=parka"),
            true,
        ),
        (r#"{"referrer": {"contains": "google"}}"#, &|_| {}, false),
        (
            r#"{"not": {"referrer": {"contains": "google"}}}"#,
            &|_| {},
            true,
        ),
        (
            r#"{"referrer": {"is": "www.google.com"}}"#,
            &from("https://www.google.com/search"),
            true,
        ),
        (
            r#"{"referrer": {"is": "google.com"}}"#,
            &from("https://www.google.com/search"),
            false,
        ),
        (
            r#"{"referrer": {"is": "news.example"}}"#,
            &from("http://user@news.example:8080/a"),
            true,
        ),
    ]);
}

#[test]
fn thresholds_named_at_least_are_inclusive() {
    let on_page = |s: u64| move |v: &mut Visitor| v.on_page_ms = s * 1000;
    let on_site = |s: u64| move |v: &mut Visitor| v.on_site_ms = s * 1000;
    check_table(&[
        (r#"{"time_on_page": {"at_least": 15}}"#, &on_page(15), true),
        (r#"{"time_on_page": {"at_least": 15}}"#, &on_page(14), false),
        (r#"{"time_on_page": {"at_least": 0}}"#, &on_page(0), true),
        (r#"{"time_on_site": {"at_least": 60}}"#, &on_site(60), true),
        (r#"{"time_on_site": {"at_least": 60}}"#, &on_site(59), false),
        (
            r#"{"scroll_depth": {"at_least": 50}}"#,
            &|v| v.scroll_percent = 50,
            true,
        ),
        (
            r#"{"scroll_depth": {"at_least": 50}}"#,
            &|v| v.scroll_percent = 49,
            false,
        ),
        (
            r#"{"pages_viewed": {"at_least": 3}}"#,
            &|v| v.pages_viewed = 3,
            true,
        ),
        (
            r#"{"pages_viewed": {"at_most": 3}}"#,
            &|v| v.pages_viewed = 3,
            true,
        ),
        (
            r#"{"pages_viewed": {"at_most": 3}}"#,
            &|v| v.pages_viewed = 4,
            false,
        ),
        (
            r#"{"visits": {"at_least": 2, "at_most": 5}}"#,
            &|v| v.visits = 5,
            true,
        ),
        (
            r#"{"visits": {"at_least": 2, "at_most": 5}}"#,
            &|v| v.visits = 1,
            false,
        ),
    ]);
}

#[test]
fn cart_value_includes_at_least_and_excludes_below() {
    let cart = |cents: i64| move |v: &mut Visitor| v.cart_value_minor = cents;
    let nudge = r#"{"cart_value": {"at_least": 30, "below": 50}}"#;
    check_table(&[
        (nudge, &cart(3000), true),
        (nudge, &cart(2999), false),
        (nudge, &cart(4999), true),
        (nudge, &cart(5000), false),
        (r#"{"cart_value": {"at_least": 49.99}}"#, &cart(4999), true),
        (
            r#"{"cart_contains": "NW-PARKA"}"#,
            &|v| v.cart_items = vec!["NW-BEANIE".into(), "NW-PARKA".into()],
            true,
        ),
        (
            r#"{"cart_contains": "NW-PARKA"}"#,
            &|v| v.cart_items = vec!["NW-PARKA-2".into()],
            false,
        ),
    ]);
}

#[test]
fn visitor_device_language_and_presence() {
    check_table(&[
        (r#"{"visitor": "new"}"#, &|_| {}, true),
        (r#"{"visitor": "returning"}"#, &|_| {}, false),
        (r#"{"visitor": "returning"}"#, &|v| v.visits = 2, true),
        (r#"{"device": "desktop"}"#, &|_| {}, true),
        (r#"{"device": "mobile"}"#, &|_| {}, false),
        (
            r#"{"language": ["fr"]}"#,
            &|v| v.language = "fr-CA".into(),
            true,
        ),
        (
            r#"{"language": ["fr"]}"#,
            &|v| v.language = "fri".into(),
            false,
        ),
        (
            r#"{"language": ["zh-Hant"]}"#,
            &|v| v.language = "zh-hant-TW".into(),
            true,
        ),
        (
            r#"{"language": ["zh-Hant"]}"#,
            &|v| v.language = "zh-Hans".into(),
            false,
        ),
        (
            r#"{"language": ["en-GB"]}"#,
            &|v| v.language = "en".into(),
            false,
        ),
        (r#"{"agents_online": true}"#, &|_| {}, true),
        (
            r#"{"agents_online": true}"#,
            &|v| v.agents_online = 0,
            false,
        ),
        (
            r#"{"agents_online": false}"#,
            &|v| v.agents_online = 0,
            true,
        ),
        (r#"{"business_hours": true}"#, &|_| {}, true),
        (
            r#"{"business_hours": false}"#,
            &|v| v.business_hours = false,
            true,
        ),
        (r#"{"exit_intent": true}"#, &|v| v.exit_intent = true, true),
        (r#"{"exit_intent": true}"#, &|_| {}, false),
        (
            r#"{"customer_tag": "vip"}"#,
            &|v| v.customer_tags = vec!["vip".into()],
            true,
        ),
        (
            r#"{"customer_tag": "vip"}"#,
            &|v| v.customer_tags = vec!["VIP".into()],
            false,
        ),
    ]);
}

#[test]
fn compositions_nest_freely() {
    check_table(&[
        (
            r#"{"all": [{"path": {"is": "/"}}, {"device": "desktop"}]}"#,
            &|_| {},
            true,
        ),
        (
            r#"{"all": [{"path": {"is": "/"}}, {"device": "mobile"}]}"#,
            &|_| {},
            false,
        ),
        (
            r#"{"any": [{"path": {"is": "/x"}}, {"device": "desktop"}]}"#,
            &|_| {},
            true,
        ),
        (
            r#"{"any": [{"path": {"is": "/x"}}, {"device": "mobile"}]}"#,
            &|_| {},
            false,
        ),
        (r#"{"not": {"device": "mobile"}}"#, &|_| {}, true),
        (r#"{"not": {"not": {"device": "mobile"}}}"#, &|_| {}, false),
        (
            r#"{"all": [{"any": [{"device": "mobile"}, {"not": {"visitor": "returning"}}]}]}"#,
            &|_| {},
            true,
        ),
    ]);
}

/// The one-campaign file, evaluated: (eligible now, waiting seconds).
fn outcome(json: &str, adjust: impl Fn(&mut Visitor)) -> (bool, Option<u64>) {
    let file = file_with(json);
    let mut v = visitor("/");
    adjust(&mut v);
    let result = evaluate(&file, &v);
    (
        result.show == Some("c"),
        result.waiting.first().map(|(_, ms)| ms.div_ceil(1000)),
    )
}

#[test]
fn waiting_times_say_when_staying_makes_a_campaign_eligible() {
    let page = |s: u64| move |v: &mut Visitor| v.on_page_ms = s * 1000;
    let fifteen = r#"{"time_on_page": {"at_least": 15}}"#;
    assert_eq!(outcome(fifteen, page(0)), (false, Some(15)));
    assert_eq!(outcome(fifteen, page(10)), (false, Some(5)));
    assert_eq!(outcome(fifteen, page(15)), (true, None));
    // A wrong page never becomes eligible by waiting.
    let cart_only = r#"{"all": [{"path": {"is": "/cart"}}, {"time_on_page": {"at_least": 15}}]}"#;
    assert_eq!(outcome(cart_only, page(0)), (false, None));
    // The later of two thresholds decides.
    let both =
        r#"{"all": [{"time_on_page": {"at_least": 15}}, {"time_on_site": {"at_least": 60}}]}"#;
    let mid_visit = |v: &mut Visitor| {
        v.on_page_ms = 5_000;
        v.on_site_ms = 30_000;
    };
    assert_eq!(outcome(both, mid_visit), (false, Some(30)));
    // The earlier of two alternatives decides.
    let either =
        r#"{"any": [{"time_on_page": {"at_least": 15}}, {"time_on_site": {"at_least": 60}}]}"#;
    let near_a_minute = |v: &mut Visitor| {
        v.on_page_ms = 5_000;
        v.on_site_ms = 58_000;
    };
    assert_eq!(outcome(either, near_a_minute), (false, Some(2)));
    // "Not yet 15 s" holds now and never again later: eligible, nothing to wait for.
    assert_eq!(
        outcome(r#"{"not": {"time_on_page": {"at_least": 15}}}"#, page(3)),
        (true, None)
    );
    assert_eq!(
        outcome(r#"{"not": {"time_on_page": {"at_least": 15}}}"#, page(20)),
        (false, None)
    );
    // A window: between 10 and 20 s on the page.
    let window = r#"{"all": [{"time_on_page": {"at_least": 10}}, {"not": {"time_on_page": {"at_least": 20}}}]}"#;
    assert_eq!(outcome(window, page(4)), (false, Some(6)));
    assert_eq!(outcome(window, page(25)), (false, None));
}

fn scheduled(from: &str, until: &str) -> CampaignFile {
    let text = format!(
        r#"{{"version": 1, "campaigns": [{{"id": "c", "message": "m",
            "schedule": {{"from": "{from}", "until": "{until}"}}}}]}}"#
    );
    parse_campaigns(&text).unwrap()
}

#[test]
fn schedules_include_from_exclude_until_in_any_time_zone() {
    let file = scheduled("2026-11-27T00:00:00-05:00", "2026-12-01T00:00:00-05:00");
    let at = |t: &str| {
        let v = Visitor::at("/", parse_rfc3339(t).unwrap());
        let r = evaluate(&file, &v);
        (r.show.is_some(), r.waiting.first().map(|(_, ms)| *ms))
    };
    assert_eq!(
        at("2026-11-27T00:00:00-05:00"),
        (true, None),
        "from is inclusive"
    );
    assert_eq!(
        at("2026-11-27T05:00:00Z"),
        (true, None),
        "the same instant in UTC"
    );
    assert_eq!(
        at("2026-11-27T06:00:00+01:00"),
        (true, None),
        "and in Paris"
    );
    assert_eq!(
        at("2026-11-26T23:59:59-05:00"),
        (false, Some(1000)),
        "one second early: wait one second"
    );
    assert_eq!(at("2026-11-27T04:59:59Z"), (false, Some(1000)));
    assert_eq!(at("2026-11-30T23:59:59-05:00"), (true, None));
    assert_eq!(
        at("2026-12-01T00:00:00-05:00"),
        (false, None),
        "until is exclusive, and it never comes back"
    );
    assert_eq!(at("2026-12-01T05:00:00Z"), (false, None));
}

#[test]
fn schedules_across_a_daylight_saving_change_follow_their_offsets() {
    // US clocks fall back on 2026-11-01 at 02:00 EDT (-04:00) to 01:00 EST (-05:00).
    let file = scheduled("2026-11-01T01:30:00-04:00", "2026-11-01T01:30:00-05:00");
    let at = |t: &str| {
        evaluate(&file, &Visitor::at("/", parse_rfc3339(t).unwrap()))
            .show
            .is_some()
    };
    assert!(at("2026-11-01T05:30:00Z"), "01:30 EDT");
    assert!(at("2026-11-01T01:59:59-04:00"));
    assert!(
        at("2026-11-01T01:00:00-05:00"),
        "the repeated hour, second time round"
    );
    assert!(
        !at("2026-11-01T01:30:00-05:00"),
        "01:30 EST is one hour after 01:30 EDT: the end"
    );
}

fn many(campaigns: &str) -> CampaignFile {
    parse_campaigns(&format!(r#"{{"version": 1, "campaigns": [{campaigns}]}}"#)).unwrap()
}

#[test]
fn display_order_is_priority_then_file_order_and_disabled_never_show() {
    let file = many(
        r#"{"id": "low", "message": "m"},
           {"id": "high", "message": "m", "priority": 10},
           {"id": "tie-first", "message": "m", "priority": 5},
           {"id": "tie-second", "message": "m", "priority": 5},
           {"id": "off", "message": "m", "priority": 99, "enabled": false},
           {"id": "negative", "message": "m", "priority": -1}"#,
    );
    let result = evaluate(&file, &visitor("/"));
    assert_eq!(
        result.eligible,
        ["high", "tie-first", "tie-second", "low", "negative"]
    );
    assert_eq!(result.show, Some("high"));
}

#[test]
fn frequency_history_hides_what_was_seen_in_its_scope() {
    let file = many(
        r#"{"id": "always", "message": "m", "frequency": "always"},
           {"id": "page", "message": "m", "frequency": "once_per_page"},
           {"id": "session", "message": "m"},
           {"id": "visitor", "message": "m", "frequency": "once_per_visitor"}"#,
    );
    let with = |seen: Seen| {
        let mut v = visitor("/");
        v.history = ["always", "page", "session", "visitor"]
            .iter()
            .map(|id| (id.to_string(), seen))
            .collect();
        evaluate(&file, &v)
            .eligible
            .into_iter()
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    let on_this_page = Seen {
        shown_on_page: true,
        shown_in_session: true,
        shown_ever: true,
        dismissed_on_page: false,
    };
    assert_eq!(with(on_this_page), ["always"]);
    let earlier_page = Seen {
        shown_in_session: true,
        shown_ever: true,
        ..Seen::default()
    };
    assert_eq!(with(earlier_page), ["always", "page"]);
    let earlier_session = Seen {
        shown_ever: true,
        ..Seen::default()
    };
    assert_eq!(with(earlier_session), ["always", "page", "session"]);
    let dismissed_here = Seen {
        dismissed_on_page: true,
        ..on_this_page
    };
    assert!(
        with(dismissed_here).is_empty(),
        "a dismissed campaign stays dismissed, even 'always'"
    );
}

#[test]
fn the_demo_campaigns_behave_as_the_store_expects() {
    let file = parse_campaigns(include_str!("../../server/demo/campaigns.json")).unwrap();
    let show = |url: &str, seconds: u64, cart: i64| {
        let mut v = visitor(url);
        v.on_page_ms = seconds * 1000;
        v.cart_value_minor = cart;
        evaluate(&file, &v).show.map(str::to_owned)
    };
    assert_eq!(show("/", 15, 0).as_deref(), Some("bf-sitewide"));
    assert_eq!(show("/", 14, 0), None);
    assert_eq!(
        show("/collections/winter", 15, 0).as_deref(),
        Some("collections-vip")
    );
    assert_eq!(
        show("/cart", 0, 3000).as_deref(),
        Some("free-shipping-nudge")
    );
    assert_eq!(show("/cart", 0, 5000), None);
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
