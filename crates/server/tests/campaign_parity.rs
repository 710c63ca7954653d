//! `aisle campaigns simulate` and the live path (the widget, and `POST
//! …/campaigns/evaluate`) agree on every input: generated visitors are given
//! to `simulate` as command-line flags and to the live path as the
//! `VisitorState` the widget builds, over a file using every condition kind.
//!
//! Run with `cargo test -p aisle-server --test campaign_parity`.

use aisle_core::api::VisitorState;
use aisle_core::campaign::time::parse_rfc3339;
use aisle_core::campaign::{CampaignFile, decide, evaluate, parse_campaigns};
use aisle_server::campaigns_cli::{SimulateArgs, simulation, visitor};
use clap::Parser;
use proptest::prelude::*;
use serde_json::{Value, json};

/// `simulate`'s flags, as the `aisle` binary parses them.
#[derive(Parser)]
struct Cli {
    #[command(flatten)]
    args: SimulateArgs,
}

/// The demo campaigns and one campaign per other condition kind, all of the
/// same priority so the eligible list compares in file order.
fn file() -> CampaignFile {
    let kinds = [
        r#"{"time_on_site": {"at_least": 40}}"#,
        r#"{"all": [{"time_on_page": {"at_least": 5}}, {"not": {"time_on_site": {"at_least": 70}}}]}"#,
        r#"{"scroll_depth": {"at_least": 50}}"#,
        r#"{"exit_intent": true}"#,
        r#"{"referrer": {"contains": "google"}}"#,
        r#"{"query": {"param": "utm_source", "is": "mail"}}"#,
        r#"{"device": "mobile"}"#,
        r#"{"language": ["fr"]}"#,
        r#"{"visits": {"at_least": 2}}"#,
        r#"{"pages_viewed": {"at_least": 3, "at_most": 4}}"#,
        r#"{"cart_contains": "NW-PARKA"}"#,
        r#"{"business_hours": false}"#,
        r#"{"agents_online": false}"#,
        r#"{"visitor": "returning"}"#,
        r#"{"path": {"starts_with": "/collections/"}}"#,
        r#"{"path": {"contains": "/winter/"}}"#,
    ];
    let mut campaigns: Vec<Value> = kinds
        .iter()
        .enumerate()
        .map(|(i, when)| {
            let when: Value = serde_json::from_str(when).unwrap();
            json!({"id": format!("k{i}"), "message": "m", "when": when})
        })
        .collect();
    let demo: Value =
        serde_json::from_str(include_str!("../demo/campaigns.json")).expect("demo file");
    for mut c in demo["campaigns"].as_array().unwrap().clone() {
        c["priority"] = json!(0);
        campaigns.push(c);
    }
    let text = json!({"version": 1, "campaigns": campaigns}).to_string();
    parse_campaigns(&text).expect("a valid file")
}

/// One visitor, in the units each side takes.
#[derive(Debug, Clone)]
struct Input {
    url: &'static str,
    on_page_ms: u64,
    on_site_ms: Option<u64>,
    pages: u32,
    visits: u32,
    referrer: Option<&'static str>,
    cart_minor: i64,
    items: Vec<&'static str>,
    device: &'static str,
    locale: &'static str,
    at: &'static str,
    agents: u32,
    hours: bool,
    exit: bool,
    scroll: u8,
}

fn any_input() -> impl Strategy<Value = Input> {
    let urls = prop::sample::select(vec![
        "/",
        "/cart",
        "/Cart/",
        "/collections/winter",
        "/collections/winter/?utm_source=mail",
        "/collections-sale",
        "/products/alpine-parka#reviews",
        "https://shop.example/collections/%57inter",
    ]);
    let referrers = prop::option::of(prop::sample::select(vec![
        "https://www.google.com/search?q=parka",
        "https://news.example/",
        "",
    ]));
    let items = prop::sample::subsequence(vec!["NW-PARKA", "NW-BEANIE", " NW-PARKA "], 0..3);
    let times = prop::sample::select(vec![
        "2026-11-28T12:00:00-05:00",
        "2026-11-26T23:59:59-05:00",
        "2026-12-01T00:00:00-05:00",
    ]);
    (
        (
            urls,
            0u64..100_000,
            prop::option::of(0u64..200_000),
            1u32..6,
            1u32..4,
        ),
        (referrers, 0i64..10_000, items),
        (
            prop::sample::select(vec!["mobile", "tablet", "desktop"]),
            prop::sample::select(vec!["en", "fr-CA", "fi"]),
            times,
        ),
        (0u32..3, any::<bool>(), any::<bool>(), 0u8..=100),
    )
        .prop_map(
            |(
                (url, on_page_ms, on_site_ms, pages, visits),
                (referrer, cart_minor, items),
                (device, locale, at),
                (agents, hours, exit, scroll),
            )| Input {
                url,
                on_page_ms,
                on_site_ms,
                pages,
                visits,
                referrer,
                cart_minor,
                items,
                device,
                locale,
                at,
                agents,
                hours,
                exit,
                scroll,
            },
        )
}

/// `aisle campaigns simulate campaigns.json …` for `input`.
fn simulate_args(input: &Input) -> SimulateArgs {
    let mut argv: Vec<String> = vec!["simulate".into(), "campaigns.json".into()];
    let mut flag = |name: &str, value: String| {
        argv.push(format!("--{name}"));
        argv.push(value);
    };
    flag("url", input.url.into());
    flag(
        "seconds-on-page",
        (input.on_page_ms as f64 / 1000.0).to_string(),
    );
    if let Some(ms) = input.on_site_ms {
        flag("seconds-on-site", (ms as f64 / 1000.0).to_string());
    }
    flag("pages-viewed", input.pages.to_string());
    flag("visits", input.visits.to_string());
    if let Some(referrer) = input.referrer {
        flag("referrer", referrer.into());
    }
    flag("cart-value", (input.cart_minor as f64 / 100.0).to_string());
    if !input.items.is_empty() {
        flag("cart-items", input.items.join(","));
    }
    flag("device", input.device.into());
    flag("locale", input.locale.into());
    flag("at", input.at.into());
    flag("agents-online", input.agents.to_string());
    flag("business-hours", input.hours.to_string());
    flag("scroll-percent", input.scroll.to_string());
    if input.exit {
        argv.push("--exit-intent".into());
    }
    Cli::try_parse_from(argv).expect("valid flags").args
}

/// The `VisitorState` the widget builds for `input`.
fn live_state(input: &Input) -> VisitorState {
    VisitorState {
        url: input.url.into(),
        referrer: input.referrer.map(str::to_owned),
        on_page_ms: input.on_page_ms,
        // The widget's time on site is never missing; "not given" to
        // `simulate` means the same as this page's time.
        on_site_ms: input.on_site_ms.unwrap_or(input.on_page_ms),
        pages_viewed: input.pages,
        visits: input.visits,
        cart_value_minor: input.cart_minor,
        cart_items: input.items.iter().map(|s| s.to_string()).collect(),
        device: Some(input.device.into()),
        language: Some(input.locale.into()),
        exit_intent: input.exit,
        scroll_percent: input.scroll,
        ..VisitorState::default()
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn simulate_and_the_live_path_agree_on_every_input(input in any_input()) {
        let file = file();
        let simulated = simulation(&file, &visitor(&simulate_args(&input)).expect("a visitor"));
        let now_ms = parse_rfc3339(input.at).unwrap();
        let live = live_state(&input).visitor(now_ms, input.agents, input.hours);
        let evaluation = evaluate(&file, &live);
        let decision = decide(&file, &live, None);
        prop_assert_eq!(&simulated["eligible"], &json!(evaluation.eligible));
        prop_assert_eq!(
            simulated["show"].as_str(),
            decision.show.map(|c| c.id.as_str())
        );
        let waiting: Vec<(String, u64)> = evaluation
            .waiting
            .iter()
            .map(|(id, ms)| (id.to_string(), ms.div_ceil(1000)))
            .collect();
        let simulated_waiting: Vec<(String, u64)> = simulated["waiting"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| (w["id"].as_str().unwrap().to_owned(), w["in_seconds"].as_u64().unwrap()))
            .collect();
        prop_assert_eq!(&simulated_waiting, &waiting);
        prop_assert_eq!(
            decision.next_in_ms.map(|ms| ms.div_ceil(1000)),
            simulated_waiting.iter().map(|(_, s)| *s).min()
        );
    }
}

#[test]
fn time_on_site_below_time_on_page_means_the_same_on_both_paths() {
    // Before, `simulate --seconds-on-page 30 --seconds-on-site 10` said 10 s on
    // the site while the live path counted 30.
    let file = parse_campaigns(
        r#"{"version": 1, "campaigns": [{"id": "c", "message": "m",
            "when": {"time_on_site": {"at_least": 20}}}]}"#,
    )
    .unwrap();
    let args = Cli::try_parse_from([
        "simulate",
        "campaigns.json",
        "--url",
        "/",
        "--seconds-on-page",
        "30",
        "--seconds-on-site",
        "10",
    ])
    .unwrap()
    .args;
    assert_eq!(simulation(&file, &visitor(&args).unwrap())["show"], "c");
}
