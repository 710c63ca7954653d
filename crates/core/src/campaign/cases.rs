//! The campaign semantics as one table of cases: a file, a visitor, and what
//! the evaluator must answer. The native tests (`crates/core/tests/campaigns.rs`)
//! and the widget's wasm tests (`tests/widget.rs`, in headless Chromium) both
//! run every case — the widget through its own feed decoder — so the browser
//! and `aisle campaigns simulate` are held to the same answers.

use super::eval::{decide, evaluate, split_url};
use super::time::parse_rfc3339;
use super::{CampaignFile, Seen, Visitor};

/// One case: a campaign file, a visitor, and the expected answer.
#[derive(Debug, Clone)]
pub struct Case {
    /// What it shows, for failure messages.
    pub name: String,
    /// The campaign file (JSON, as a marketer writes it).
    pub file: String,
    /// The visitor.
    pub visitor: Visitor,
    /// `Aisle('trigger', id)`, if any.
    pub trigger: Option<String>,
    /// The expected answer.
    pub expected: Outcome,
}

/// What the evaluator answers for one visitor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// Eligible now, in display order.
    pub eligible: Vec<String>,
    /// What the live path shows ([`decide`], `trigger` included).
    pub show: Option<String>,
    /// Waiting campaigns and milliseconds until each is eligible; `None` in an
    /// expectation: not checked by this case.
    pub waiting: Option<Vec<(String, u64)>>,
}

/// The outcome of `file` for `visitor`, as the live path computes it.
pub fn outcome(file: &CampaignFile, visitor: &Visitor, trigger: Option<&str>) -> Outcome {
    let result = evaluate(file, visitor);
    Outcome {
        eligible: result.eligible.iter().map(|s| s.to_string()).collect(),
        show: decide(file, visitor, trigger).show.map(|c| c.id.clone()),
        waiting: Some(
            result
                .waiting
                .iter()
                .map(|(id, ms)| (id.to_string(), *ms))
                .collect(),
        ),
    }
}

impl Case {
    /// `Err` naming the case and the difference when `found` is not what it expects.
    pub fn check(&self, found: &Outcome) -> Result<(), String> {
        let e = &self.expected;
        let waiting_ok = e.waiting.is_none() || e.waiting == found.waiting;
        if e.eligible == found.eligible && e.show == found.show && waiting_ok {
            Ok(())
        } else {
            Err(format!(
                "{}: expected {e:?}, found {found:?} (visitor {:?})",
                self.name, self.visitor
            ))
        }
    }
}

/// "Now" of the cases: Black Friday weekend, in New York.
pub const NOW: &str = "2026-11-28T12:00:00-05:00";

fn now() -> i64 {
    parse_rfc3339(NOW).unwrap_or_default()
}

/// One campaign `c` whose `when` is `condition` (JSON).
fn with_condition(condition: &str) -> String {
    format!(
        r#"{{"version": 1, "campaigns": [{{"id": "c", "message": "m", "when": {condition}}}]}}"#
    )
}

fn many(campaigns: &str) -> String {
    format!(r#"{{"version": 1, "campaigns": [{campaigns}]}}"#)
}

fn scheduled(from: &str, until: &str) -> String {
    format!(
        r#"{{"version": 1, "campaigns": [{{"id": "c", "message": "m",
            "schedule": {{"from": "{from}", "until": "{until}"}}}}]}}"#
    )
}

fn at(url: &str) -> impl Fn(&mut Visitor) {
    let url = url.to_owned();
    move |v| {
        let (path, query) = split_url(&url);
        v.path = path;
        v.query = query;
    }
}

fn ids(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

struct Table(Vec<Case>);

impl Table {
    fn push(
        &mut self,
        name: String,
        file: String,
        visitor: Visitor,
        eligible: &[&str],
        waiting: Option<&[(&str, u64)]>,
    ) {
        let eligible = ids(eligible);
        self.0.push(Case {
            name,
            file,
            visitor,
            trigger: None,
            expected: Outcome {
                show: eligible.first().cloned(),
                eligible,
                waiting: waiting.map(|w| w.iter().map(|(id, ms)| (id.to_string(), *ms)).collect()),
            },
        });
    }

    /// `condition` holds (or not) now for the visitor `adjust` makes of a first page view of `/`.
    fn holds(&mut self, condition: &str, adjust: impl Fn(&mut Visitor), holds: bool) {
        let mut v = Visitor::at("/", now());
        adjust(&mut v);
        let name = format!("{condition} holds {holds}");
        let eligible: &[&str] = if holds { &["c"] } else { &[] };
        self.push(name, with_condition(condition), v, eligible, None);
    }

    /// `condition`: eligible now or not, and the seconds until it will be if the visitor stays.
    fn waits(
        &mut self,
        condition: &str,
        adjust: impl Fn(&mut Visitor),
        now_eligible: bool,
        wait_seconds: Option<u64>,
    ) {
        let mut v = Visitor::at("/", now());
        adjust(&mut v);
        let name = format!("{condition} now {now_eligible}, wait {wait_seconds:?}");
        let eligible: &[&str] = if now_eligible { &["c"] } else { &[] };
        let waiting: Vec<(&str, u64)> = wait_seconds.map(|s| ("c", s * 1000)).into_iter().collect();
        self.push(name, with_condition(condition), v, eligible, Some(&waiting));
    }
}

/// Every case, in a stable order.
pub fn cases() -> Vec<Case> {
    let mut t = Table(Vec::new());
    // path operators see the normalised path only
    t.holds(r#"{"path": {"is": "/"}}"#, at("/"), true);
    t.holds(r#"{"path": {"is": "/"}}"#, at("/?utm_source=x"), true);
    t.holds(r#"{"path": {"is": "/"}}"#, at("https://shop.example"), true);
    t.holds(r#"{"path": {"is": "/cart"}}"#, at("/cart/"), true);
    t.holds(r#"{"path": {"is": "/cart/"}}"#, at("/cart"), true);
    t.holds(r#"{"path": {"is": "/cart"}}"#, at("/Cart"), true);
    t.holds(r#"{"path": {"is": "/cart"}}"#, at("/cart#top"), true);
    t.holds(r#"{"path": {"is_not": "/cart"}}"#, at("/cart/"), false);
    t.holds(r#"{"path": {"is_not": "/cart"}}"#, at("/"), true);
    t.holds(
        r#"{"path": {"starts_with": "/collections"}}"#,
        at("/collections/winter"),
        true,
    );
    t.holds(
        r#"{"path": {"starts_with": "/collections/"}}"#,
        at("/collections"),
        true,
    );
    t.holds(
        r#"{"path": {"starts_with": "/collections"}}"#,
        at("/products/x"),
        false,
    );
    t.holds(
        r#"{"path": {"ends_with": "/parka"}}"#,
        at("/products/alpine/parka/"),
        true,
    );
    t.holds(
        r#"{"path": {"contains": "/collections"}}"#,
        at("/en/collections/winter"),
        true,
    );
    t.holds(
        r#"{"path": {"contains": "utm"}}"#,
        at("/x?utm_source=1"),
        false,
    );
    t.holds(
        r#"{"path": {"not_contains": "/sale"}}"#,
        at("/collections/sale"),
        false,
    );
    t.holds(
        r#"{"path": {"not_contains": "/sale"}}"#,
        at("/collections/winter"),
        true,
    );
    t.holds(
        r#"{"path": {"matches": "/products/*"}}"#,
        at("/products/alpine-parka"),
        true,
    );
    t.holds(
        r#"{"path": {"matches": "/products/*"}}"#,
        at("/collections/x"),
        false,
    );
    t.holds(
        r#"{"path": {"matches": "/*/winter"}}"#,
        at("/collections/winter/"),
        true,
    );
    t.holds(
        r#"{"path": {"matches": "/*/winter"}}"#,
        at("/collections/winter/sale"),
        false,
    );
    t.holds(
        r#"{"path": {"matches": "*parka*"}}"#,
        at("/products/alpine-parka-red"),
        true,
    );
    t.holds(r#"{"path": {"matches": "/a*b*c"}}"#, at("/aXbYbZc"), true);
    t.holds(
        r#"{"path": {"starts_with": "/collections", "not_contains": "sale"}}"#,
        at("/collections/sale"),
        false,
    );
    // query tests decode values and count empty ones as present
    t.holds(
        r#"{"query": {"param": "utm_source", "is": "mail"}}"#,
        at("/?utm_source=mail"),
        true,
    );
    t.holds(
        r#"{"query": {"param": "utm_source", "is": "mail"}}"#,
        at("/?utm_source=Mail"),
        false,
    );
    t.holds(
        r#"{"query": {"param": "q", "is": "winter coat"}}"#,
        at("/?q=winter+coat"),
        true,
    );
    t.holds(
        r#"{"query": {"param": "q", "is": "a&b"}}"#,
        at("/?q=a%26b"),
        true,
    );
    t.holds(
        r#"{"query": {"param": "utm_source", "exists": true}}"#,
        at("/?utm_source="),
        true,
    );
    t.holds(
        r#"{"query": {"param": "utm_source", "exists": true}}"#,
        at("/?utm_source"),
        true,
    );
    t.holds(
        r#"{"query": {"param": "utm_source", "is": ""}}"#,
        at("/?utm_source="),
        true,
    );
    t.holds(
        r#"{"query": {"param": "utm_source", "exists": true}}"#,
        at("/?other=1"),
        false,
    );
    t.holds(
        r#"{"query": {"param": "utm_source", "exists": false}}"#,
        at("/"),
        true,
    );
    t.holds(
        r#"{"query": {"param": "tag", "is": "b"}}"#,
        at("/?tag=a&tag=b"),
        true,
    );
    // referrer tests need a referrer
    let from = |r: &'static str| move |v: &mut Visitor| v.referrer = Some(r.into());
    t.holds(
        r#"{"referrer": {"contains": "google"}}"#,
        from("https://www.Google.com/search?q=parka"),
        true,
    );
    t.holds(r#"{"referrer": {"contains": "google"}}"#, |_| {}, false);
    t.holds(
        r#"{"not": {"referrer": {"contains": "google"}}}"#,
        |_| {},
        true,
    );
    t.holds(
        r#"{"referrer": {"is": "www.google.com"}}"#,
        from("https://www.google.com/search"),
        true,
    );
    t.holds(
        r#"{"referrer": {"is": "google.com"}}"#,
        from("https://www.google.com/search"),
        false,
    );
    t.holds(
        r#"{"referrer": {"is": "news.example"}}"#,
        from("http://user@news.example:8080/a"),
        true,
    );
    // thresholds named at least are inclusive
    let on_page = |s: u64| move |v: &mut Visitor| v.on_page_ms = s * 1000;
    let on_site = |s: u64| move |v: &mut Visitor| v.on_site_ms = s * 1000;
    t.holds(r#"{"time_on_page": {"at_least": 15}}"#, on_page(15), true);
    t.holds(r#"{"time_on_page": {"at_least": 15}}"#, on_page(14), false);
    t.holds(r#"{"time_on_page": {"at_least": 0}}"#, on_page(0), true);
    t.holds(r#"{"time_on_site": {"at_least": 60}}"#, on_site(60), true);
    t.holds(r#"{"time_on_site": {"at_least": 60}}"#, on_site(59), false);
    t.holds(
        r#"{"scroll_depth": {"at_least": 50}}"#,
        |v| v.scroll_percent = 50,
        true,
    );
    t.holds(
        r#"{"scroll_depth": {"at_least": 50}}"#,
        |v| v.scroll_percent = 49,
        false,
    );
    t.holds(
        r#"{"pages_viewed": {"at_least": 3}}"#,
        |v| v.pages_viewed = 3,
        true,
    );
    t.holds(
        r#"{"pages_viewed": {"at_most": 3}}"#,
        |v| v.pages_viewed = 3,
        true,
    );
    t.holds(
        r#"{"pages_viewed": {"at_most": 3}}"#,
        |v| v.pages_viewed = 4,
        false,
    );
    t.holds(
        r#"{"visits": {"at_least": 2, "at_most": 5}}"#,
        |v| v.visits = 5,
        true,
    );
    t.holds(
        r#"{"visits": {"at_least": 2, "at_most": 5}}"#,
        |v| v.visits = 1,
        false,
    );
    // cart value includes at least and excludes below
    let cart = |cents: i64| move |v: &mut Visitor| v.cart_value_minor = cents;
    let nudge = r#"{"cart_value": {"at_least": 30, "below": 50}}"#;
    t.holds(nudge, cart(3000), true);
    t.holds(nudge, cart(2999), false);
    t.holds(nudge, cart(4999), true);
    t.holds(nudge, cart(5000), false);
    t.holds(r#"{"cart_value": {"at_least": 49.99}}"#, cart(4999), true);
    t.holds(
        r#"{"cart_contains": "NW-PARKA"}"#,
        |v| v.cart_items = vec!["NW-BEANIE".into(), "NW-PARKA".into()],
        true,
    );
    t.holds(
        r#"{"cart_contains": "NW-PARKA"}"#,
        |v| v.cart_items = vec!["NW-PARKA-2".into()],
        false,
    );
    // visitor device language and presence
    t.holds(r#"{"visitor": "new"}"#, |_| {}, true);
    t.holds(r#"{"visitor": "returning"}"#, |_| {}, false);
    t.holds(r#"{"visitor": "returning"}"#, |v| v.visits = 2, true);
    t.holds(r#"{"device": "desktop"}"#, |_| {}, true);
    t.holds(r#"{"device": "mobile"}"#, |_| {}, false);
    t.holds(
        r#"{"language": ["fr"]}"#,
        |v| v.language = "fr-CA".into(),
        true,
    );
    t.holds(
        r#"{"language": ["fr"]}"#,
        |v| v.language = "fri".into(),
        false,
    );
    t.holds(
        r#"{"language": ["zh-Hant"]}"#,
        |v| v.language = "zh-hant-TW".into(),
        true,
    );
    t.holds(
        r#"{"language": ["zh-Hant"]}"#,
        |v| v.language = "zh-Hans".into(),
        false,
    );
    t.holds(
        r#"{"language": ["en-GB"]}"#,
        |v| v.language = "en".into(),
        false,
    );
    t.holds(r#"{"agents_online": true}"#, |_| {}, true);
    t.holds(r#"{"agents_online": true}"#, |v| v.agents_online = 0, false);
    t.holds(r#"{"agents_online": false}"#, |v| v.agents_online = 0, true);
    t.holds(r#"{"business_hours": true}"#, |_| {}, true);
    t.holds(
        r#"{"business_hours": false}"#,
        |v| v.business_hours = false,
        true,
    );
    t.holds(r#"{"exit_intent": true}"#, |v| v.exit_intent = true, true);
    t.holds(r#"{"exit_intent": true}"#, |_| {}, false);
    t.holds(
        r#"{"customer_tag": "vip"}"#,
        |v| v.customer_tags = vec!["vip".into()],
        true,
    );
    t.holds(
        r#"{"customer_tag": "vip"}"#,
        |v| v.customer_tags = vec!["VIP".into()],
        false,
    );
    // compositions nest freely
    t.holds(
        r#"{"all": [{"path": {"is": "/"}}, {"device": "desktop"}]}"#,
        |_| {},
        true,
    );
    t.holds(
        r#"{"all": [{"path": {"is": "/"}}, {"device": "mobile"}]}"#,
        |_| {},
        false,
    );
    t.holds(
        r#"{"any": [{"path": {"is": "/x"}}, {"device": "desktop"}]}"#,
        |_| {},
        true,
    );
    t.holds(
        r#"{"any": [{"path": {"is": "/x"}}, {"device": "mobile"}]}"#,
        |_| {},
        false,
    );
    t.holds(r#"{"not": {"device": "mobile"}}"#, |_| {}, true);
    t.holds(r#"{"not": {"not": {"device": "mobile"}}}"#, |_| {}, false);
    t.holds(
        r#"{"all": [{"any": [{"device": "mobile"}, {"not": {"visitor": "returning"}}]}]}"#,
        |_| {},
        true,
    );

    // the visitor's path is normalised the same way for every operator
    for (url, path) in PATH_EXAMPLES {
        t.holds(&format!(r#"{{"path": {{"is": "{path}"}}}}"#), at(url), true);
    }
    for (operator, operand, matching, other) in OPERATOR_EXAMPLES {
        let condition = format!(r#"{{"path": {{"{operator}": "{operand}"}}}}"#);
        for url in *matching {
            t.holds(&condition, at(url), true);
        }
        for url in *other {
            t.holds(&condition, at(url), false);
        }
    }
    t.holds(
        r#"{"path": {"starts_with": "/collections/"}}"#,
        at("/collections-sale"),
        false,
    );
    t.holds(
        r#"{"path": {"starts_with": "/collections/"}}"#,
        at("/collections/winter"),
        true,
    );
    t.holds(
        r#"{"path": {"starts_with": "/collections"}}"#,
        at("/collections-sale"),
        true,
    );
    t.holds(r#"{"path": {"starts_with": "/"}}"#, at("/"), true);
    t.holds(
        r#"{"path": {"contains": "/winter/"}}"#,
        at("/collections/winter/"),
        true,
    );
    t.holds(
        r#"{"path": {"contains": "/winter/"}}"#,
        at("/collections/winter"),
        true,
    );
    t.holds(
        r#"{"path": {"contains": "/winter/"}}"#,
        at("/collections/winterwear"),
        false,
    );
    t.holds(
        r#"{"path": {"contains": "/Winter"}}"#,
        at("/COLLECTIONS/WINTER?x=1"),
        true,
    );
    t.holds(
        r#"{"path": {"contains": "parka"}}"#,
        at("/products/alpine-parka"),
        true,
    );
    t.holds(
        r#"{"path": {"not_contains": "/sale/"}}"#,
        at("/collections/sale"),
        false,
    );
    t.holds(
        r#"{"path": {"not_contains": "/sale/"}}"#,
        at("/collections/saleroom"),
        true,
    );
    t.holds(
        r#"{"path": {"ends_with": "/parka"}}"#,
        at("/products/alpine-parka"),
        false,
    );
    t.holds(
        r#"{"path": {"ends_with": "parka"}}"#,
        at("/products/alpine-parka"),
        true,
    );
    t.holds(
        r#"{"path": {"ends_with": "/parka/"}}"#,
        at("/products/parka"),
        true,
    );
    t.holds(
        r#"{"path": {"is": "/collections/été"}}"#,
        at("/collections/%C3%A9t%C3%A9/"),
        true,
    );
    t.holds(r#"{"path": {"is": "/a%2Fb"}}"#, at("/a/b"), false);
    t.holds(
        r#"{"path": {"matches": "/Products/*"}}"#,
        at("/products/parka"),
        true,
    );

    // time on site includes this page: never less than time on page
    t.holds(
        r#"{"time_on_site": {"at_least": 30}}"#,
        |v| {
            v.on_page_ms = 30_000;
            v.on_site_ms = 10_000;
        },
        true,
    );
    t.waits(
        r#"{"time_on_site": {"at_least": 30}}"#,
        |v| {
            v.on_page_ms = 20_000;
            v.on_site_ms = 0;
        },
        false,
        Some(10),
    );

    // waiting times say when staying makes a campaign eligible
    let page = |s: u64| move |v: &mut Visitor| v.on_page_ms = s * 1000;
    let fifteen = r#"{"time_on_page": {"at_least": 15}}"#;
    t.waits(fifteen, page(0), false, Some(15));
    t.waits(fifteen, page(10), false, Some(5));
    t.waits(fifteen, page(15), true, None);
    t.waits(
        r#"{"all": [{"path": {"is": "/cart"}}, {"time_on_page": {"at_least": 15}}]}"#,
        page(0),
        false,
        None,
    );
    let both =
        r#"{"all": [{"time_on_page": {"at_least": 15}}, {"time_on_site": {"at_least": 60}}]}"#;
    t.waits(
        both,
        |v| {
            v.on_page_ms = 5_000;
            v.on_site_ms = 30_000;
        },
        false,
        Some(30),
    );
    let either =
        r#"{"any": [{"time_on_page": {"at_least": 15}}, {"time_on_site": {"at_least": 60}}]}"#;
    t.waits(
        either,
        |v| {
            v.on_page_ms = 5_000;
            v.on_site_ms = 58_000;
        },
        false,
        Some(2),
    );
    t.waits(
        r#"{"not": {"time_on_page": {"at_least": 15}}}"#,
        page(3),
        true,
        None,
    );
    t.waits(
        r#"{"not": {"time_on_page": {"at_least": 15}}}"#,
        page(20),
        false,
        None,
    );
    let window = r#"{"all": [{"time_on_page": {"at_least": 10}}, {"not": {"time_on_page": {"at_least": 20}}}]}"#;
    t.waits(window, page(4), false, Some(6));
    t.waits(window, page(25), false, None);

    // schedules include from, exclude until, in any time zone
    let black_friday = scheduled("2026-11-27T00:00:00-05:00", "2026-12-01T00:00:00-05:00");
    for (at, now_eligible, wait) in [
        ("2026-11-27T00:00:00-05:00", true, None),
        ("2026-11-27T05:00:00Z", true, None),
        ("2026-11-27T06:00:00+01:00", true, None),
        ("2026-11-26T23:59:59-05:00", false, Some(1000)),
        ("2026-11-27T04:59:59Z", false, Some(1000)),
        ("2026-11-30T23:59:59-05:00", true, None),
        ("2026-12-01T00:00:00-05:00", false, None),
        ("2026-12-01T05:00:00Z", false, None),
    ] {
        let v = Visitor::at("/", parse_rfc3339(at).unwrap_or_default());
        let eligible: &[&str] = if now_eligible { &["c"] } else { &[] };
        let waiting: Vec<(&str, u64)> = wait.map(|ms| ("c", ms)).into_iter().collect();
        t.push(
            format!("Black Friday schedule at {at}"),
            black_friday.clone(),
            v,
            eligible,
            Some(&waiting),
        );
    }
    // US clocks fall back on 2026-11-01 at 02:00 EDT (-04:00) to 01:00 EST (-05:00).
    let fall_back = scheduled("2026-11-01T01:30:00-04:00", "2026-11-01T01:30:00-05:00");
    for (at, live) in [
        ("2026-11-01T05:30:00Z", true),
        ("2026-11-01T01:59:59-04:00", true),
        ("2026-11-01T01:00:00-05:00", true),
        ("2026-11-01T01:30:00-05:00", false),
    ] {
        let v = Visitor::at("/", parse_rfc3339(at).unwrap_or_default());
        let eligible: &[&str] = if live { &["c"] } else { &[] };
        t.push(
            format!("daylight saving schedule at {at}"),
            fall_back.clone(),
            v,
            eligible,
            None,
        );
    }

    // display order is priority, then file order; disabled campaigns never show
    t.push(
        "display order".into(),
        many(
            r#"{"id": "low", "message": "m"},
               {"id": "high", "message": "m", "priority": 10},
               {"id": "tie-first", "message": "m", "priority": 5},
               {"id": "tie-second", "message": "m", "priority": 5},
               {"id": "off", "message": "m", "priority": 99, "enabled": false},
               {"id": "negative", "message": "m", "priority": -1}"#,
        ),
        Visitor::at("/", now()),
        &["high", "tie-first", "tie-second", "low", "negative"],
        Some(&[]),
    );

    // frequency history hides what was seen in its scope
    let frequencies = many(
        r#"{"id": "always", "message": "m", "frequency": "always"},
           {"id": "page", "message": "m", "frequency": "once_per_page"},
           {"id": "session", "message": "m"},
           {"id": "visitor", "message": "m", "frequency": "once_per_visitor"}"#,
    );
    let on_this_page = Seen {
        shown_on_page: true,
        shown_in_session: true,
        shown_ever: true,
        dismissed_on_page: false,
    };
    let earlier_page = Seen {
        shown_in_session: true,
        shown_ever: true,
        ..Seen::default()
    };
    let earlier_session = Seen {
        shown_ever: true,
        ..Seen::default()
    };
    let dismissed_here = Seen {
        dismissed_on_page: true,
        ..on_this_page
    };
    for (name, seen, eligible) in [
        ("shown on this page", on_this_page, &["always"][..]),
        (
            "shown on an earlier page",
            earlier_page,
            &["always", "page"][..],
        ),
        (
            "shown in an earlier session",
            earlier_session,
            &["always", "page", "session"][..],
        ),
        ("dismissed on this page", dismissed_here, &[][..]),
    ] {
        let mut v = Visitor::at("/", now());
        v.history = ["always", "page", "session", "visitor"]
            .iter()
            .map(|id| (id.to_string(), seen))
            .collect();
        t.push(
            format!("frequency: {name}"),
            frequencies.clone(),
            v,
            eligible,
            None,
        );
    }

    // the demo store's campaigns
    let demo = include_str!("../../../server/demo/campaigns.json");
    for (url, seconds, cart, show) in [
        ("/", 15, 0, Some("bf-sitewide")),
        ("/", 14, 0, None),
        ("/collections/winter", 15, 0, Some("collections-vip")),
        ("/collections/winter/", 15, 0, Some("collections-vip")),
        ("/cart", 0, 3000, Some("free-shipping-nudge")),
        ("/cart", 0, 5000, None),
        ("/products/alpine-parka", 15, 0, Some("parka-quiz")),
    ] {
        let mut v = Visitor::at(url, now());
        v.on_page_ms = seconds * 1000;
        v.cart_value_minor = cart;
        let eligible: Vec<&str> = show.into_iter().collect();
        t.push(
            format!("demo: {url} after {seconds} s, cart {cart}"),
            demo.into(),
            v,
            &eligible,
            None,
        );
    }

    // Aisle('trigger', id) shows an enabled campaign whatever its conditions
    for (trigger, show) in [("parka-quiz", Some("parka-quiz")), ("no-such", None)] {
        let mut v = Visitor::at("/cart", now());
        v.cart_value_minor = 0;
        t.0.push(Case {
            name: format!("trigger {trigger}"),
            file: demo.into(),
            visitor: v,
            trigger: Some(trigger.into()),
            expected: Outcome {
                eligible: Vec::new(),
                show: show.map(str::to_owned),
                waiting: None,
            },
        });
    }
    t.0
}

/// The path normalisation table (also in the campaign-format documentation):
/// a visitor's URL and the path every operator sees.
pub const PATH_EXAMPLES: &[(&str, &str)] = &[
    ("/collections/winter/", "/collections/winter"),
    ("/Collections/Winter", "/collections/winter"),
    ("/collections/winter?utm_source=mail", "/collections/winter"),
    ("/collections/winter#reviews", "/collections/winter"),
    (
        "https://shop.example/collections/winter/?a=1#top",
        "/collections/winter",
    ),
    ("/collections//winter", "/collections/winter"),
    ("/collections/%C3%A9t%C3%A9", "/collections/été"),
    ("/collections/%57inter", "/collections/winter"),
    ("/a%2Fb", "/a%2fb"),
    ("https://shop.example", "/"),
    ("/?q=1", "/"),
];

/// The path operators' table in the campaign-format documentation: operator,
/// operand, paths it matches, paths it does not.
pub const OPERATOR_EXAMPLES: &[(&str, &str, &[&str], &[&str])] = &[
    (
        "is",
        "/cart",
        &["/cart", "/cart/", "/Cart?step=2"],
        &["/cart/items"],
    ),
    ("is_not", "/cart", &["/", "/cart/items"], &["/cart/"]),
    (
        "starts_with",
        "/collections/",
        &["/collections", "/collections/winter"],
        &["/collections-sale"],
    ),
    (
        "starts_with",
        "/collections",
        &["/collections/winter", "/collections-sale"],
        &["/en/collections"],
    ),
    (
        "ends_with",
        "/parka",
        &["/products/parka", "/products/parka/"],
        &["/products/alpine-parka"],
    ),
    (
        "ends_with",
        "parka",
        &["/products/alpine-parka"],
        &["/products/parka-red"],
    ),
    (
        "contains",
        "/winter/",
        &["/collections/winter", "/winter/sale"],
        &["/collections/winterwear"],
    ),
    (
        "contains",
        "parka",
        &["/products/alpine-parka-red"],
        &["/products/anorak"],
    ),
    (
        "not_contains",
        "/sale/",
        &["/collections/saleroom"],
        &["/collections/sale"],
    ),
    (
        "matches",
        "/products/*",
        &["/products/alpine-parka"],
        &["/collections/x"],
    ),
];
