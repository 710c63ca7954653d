//! Campaign attribution, figures and the console's campaign editor, against
//! the real router and a real SQLite file: a purchase reported by a
//! thank-you page counts for the campaign the visitor last clicked within the
//! site's window, once per order; the stats and their CSV show it; the editor
//! checks, previews and publishes files as the command line does.

mod common;

use aisle_server::Network;
use aisle_server::limits::WriteLimits;
use axum::Router;
use axum::http::{StatusCode, header};
use common::{Demo, demo, demo_with};
use serde_json::{Value, json};

/// One request from client address `client`; the answer's status, headers and text.
async fn raw(
    router: &Router,
    client: [u8; 4],
    method: &str,
    path: &str,
    token: Option<&str>,
    body: String,
) -> (StatusCode, axum::http::HeaderMap, String) {
    let request = common::json_request(method, path, token, body);
    let (status, headers, bytes) = common::oneshot(router, request, client).await;
    (
        status,
        headers,
        String::from_utf8_lossy(&bytes).into_owned(),
    )
}

async fn call(
    demo: &Demo,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Value,
) -> (StatusCode, Value) {
    common::call(&demo.router, [10, 0, 0, 7], method, path, token, body).await
}

async fn login(demo: &Demo) -> String {
    common::log_in(&demo.router, [10, 0, 0, 7]).await
}

/// A campaign event from `visitor`, as the widget posts it.
async fn event(demo: &Demo, visitor: &str, campaign: &str, kind: &str) {
    let (status, body) = call(
        demo,
        "POST",
        "/api/sites/demo/campaigns/events",
        None,
        json!({"campaign": campaign, "kind": kind, "visitor": visitor}),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
}

/// `Aisle('purchase', …)` as the loader posts it.
async fn purchase(demo: &Demo, visitor: &str, order: &str, value: f64) -> Value {
    let (status, body) = call(
        demo,
        "POST",
        "/api/sites/demo/campaigns/purchase",
        None,
        json!({"visitor": visitor, "order": order, "value": value, "currency": "EUR"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

async fn stats(demo: &Demo, token: &str) -> Value {
    let (status, body) = call(
        demo,
        "GET",
        "/api/sites/demo/campaigns/stats",
        Some(token),
        json!(null),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

#[tokio::test]
async fn a_purchase_counts_for_the_campaign_last_clicked_and_the_figures_show_it() {
    let demo = demo().await;
    let token = login(&demo).await;
    // Ada saw and clicked the sitewide sale, then started a chat from the VIP one.
    event(&demo, "ada-visitor-1", "bf-sitewide", "shown").await;
    event(&demo, "ada-visitor-1", "bf-sitewide", "clicked").await;
    event(&demo, "ada-visitor-1", "collections-vip", "shown").await;
    event(
        &demo,
        "ada-visitor-1",
        "collections-vip",
        "conversation_started",
    )
    .await;
    // Then the quiz was shown to her, but she never touched it.
    event(&demo, "ada-visitor-1", "parka-quiz", "shown").await;
    // However many campaigns she touches, she is one row: the last touch.
    let (touches,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM campaign_touches WHERE visitor = 'ada-visitor-1'")
            .fetch_one(&demo.state.db)
            .await
            .unwrap();
    assert_eq!(touches, 1);
    let answer = purchase(&demo, "ada-visitor-1", "#1001", 129.9).await;
    assert_eq!(
        answer,
        json!({"counted": true, "campaign": "collections-vip"})
    );

    // Alan only saw a campaign and closed it: his order is no campaign's.
    event(&demo, "alan-visitor", "bf-sitewide", "shown").await;
    event(&demo, "alan-visitor", "bf-sitewide", "dismissed").await;
    let answer = purchase(&demo, "alan-visitor", "#1002", 50.0).await;
    assert_eq!(answer, json!({"counted": true, "campaign": null}));
    // Nor is the order of a visitor who did nothing with any campaign.
    let answer = purchase(&demo, "nobody-at-all", "#1003", 10.0).await;
    assert_eq!(answer["campaign"], Value::Null);

    let body = stats(&demo, &token).await;
    let vip = &body["campaigns"]["collections-vip"];
    assert_eq!(vip["total"]["conversions"], 1, "{body}");
    assert_eq!(vip["total"]["revenue"], json!({"EUR": "129.90"}));
    assert_eq!(vip["total"]["shown"], 1);
    assert_eq!(vip["total"]["conversation_started"], 1);
    let sale = &body["campaigns"]["bf-sitewide"];
    assert_eq!(sale["total"]["conversions"], 0, "{body}");
    assert_eq!(sale["total"]["shown"], 2);
    assert_eq!(sale["total"]["clicked"], 1);
    assert_eq!(sale["total"]["dismissed"], 1);
    assert_eq!(body["campaigns"]["parka-quiz"]["total"]["conversions"], 0);
    // A live campaign nobody saw is listed with zeros.
    assert_eq!(
        body["campaigns"]["free-shipping-nudge"]["total"]["shown"], 0,
        "{body}"
    );
    assert_eq!(body["attribution_days"], 7);
    // The last 30 days, oldest first; today holds the figures.
    let recent = vip["recent"].as_array().unwrap();
    assert_eq!(recent.len(), 30);
    let today = recent.last().unwrap();
    assert_eq!(today["conversions"], 1);
    assert_eq!(today["revenue"]["EUR"], "129.90");
    assert_eq!(recent[0]["shown"], 0);
    assert_eq!(
        vip["days"][today["day"].as_str().unwrap()]["conversions"],
        1
    );

    // The CSV says the same.
    let (status, headers, csv) = raw(
        &demo.router,
        [10, 0, 0, 7],
        "GET",
        "/api/sites/demo/campaigns/stats.csv",
        Some(&token),
        String::new(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{csv}");
    assert!(
        headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    assert!(
        headers[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .contains("aisle-campaigns-demo-")
    );
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "campaign,day,shown,clicked,dismissed,conversations,conversions,revenue_EUR,\
         variant,codes_handed_out,codes_left",
        "the variant and code columns come last, after the earlier ones"
    );
    let day = today["day"].as_str().unwrap();
    assert!(
        lines.contains(&format!("collections-vip,{day},1,0,0,1,1,129.90,,,").as_str()),
        "{csv}"
    );
    assert!(
        lines.contains(&"collections-vip,total,1,0,0,1,1,129.90,,,"),
        "{csv}"
    );
    assert!(
        lines.contains(&"bf-sitewide,total,2,1,1,0,0,0.00,,,"),
        "{csv}"
    );
    assert!(
        lines.contains(&"free-shipping-nudge,total,0,0,0,0,0,0.00,,,"),
        "{csv}"
    );

    // Figures are for agents only.
    let (status, _) = call(
        &demo,
        "GET",
        "/api/sites/demo/campaigns/stats",
        None,
        json!(null),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _, _) = raw(
        &demo.router,
        [10, 0, 0, 7],
        "GET",
        "/api/sites/demo/campaigns/stats.csv",
        None,
        String::new(),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_click_older_than_the_attribution_window_does_not_count() {
    let demo = demo().await;
    let token = login(&demo).await;
    event(&demo, "six-days-ago", "bf-sitewide", "clicked").await;
    event(&demo, "eight-days-ago", "bf-sitewide", "clicked").await;
    // Time passes: the clicks were six and eight days ago.
    for (visitor, days) in [("six-days-ago", 6), ("eight-days-ago", 8)] {
        sqlx::query("UPDATE campaign_touches SET at = at - $1 WHERE visitor = $2")
            .bind(days * 86_400)
            .bind(visitor)
            .execute(&demo.state.db)
            .await
            .unwrap();
    }
    let inside = purchase(&demo, "six-days-ago", "A-1", 20.0).await;
    assert_eq!(inside["campaign"], "bf-sitewide");
    let outside = purchase(&demo, "eight-days-ago", "A-2", 30.0).await;
    assert_eq!(
        outside["campaign"],
        Value::Null,
        "the default window is 7 days"
    );
    let body = stats(&demo, &token).await;
    assert_eq!(body["campaigns"]["bf-sitewide"]["total"]["conversions"], 1);
    assert_eq!(
        body["campaigns"]["bf-sitewide"]["total"]["revenue"],
        json!({"EUR": "20.00"})
    );

    // A merchant with a 10-day window counts the eight-day-old click.
    let mut file = aisle_server::site_file::parse_site_file(aisle_server::demo::SITE_FILE).unwrap();
    file.attribution_days = Some(10);
    aisle_server::site_file::import(&demo.state.db, &file)
        .await
        .unwrap();
    demo.state.sites.reload(&demo.state.db).await.unwrap();
    let later = purchase(&demo, "eight-days-ago", "A-3", 5.5).await;
    assert_eq!(later["campaign"], "bf-sitewide");
    assert_eq!(stats(&demo, &token).await["attribution_days"], 10);
}

#[tokio::test]
async fn a_site_file_window_outside_1_to_90_days_is_refused_with_its_path() {
    let text = aisle_server::demo::SITE_FILE.replacen('{', "{\n  \"attribution_days\": 91,", 1);
    let errors = aisle_server::site_file::parse_site_file(&text).unwrap_err();
    assert!(
        errors.iter().any(|e| e.path == "$.attribution_days"),
        "{errors:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_same_order_is_counted_once_even_fifty_times_at_once() {
    let demo = demo().await;
    let token = login(&demo).await;
    event(&demo, "eager-visitor", "bf-sitewide", "clicked").await;
    let first = purchase(&demo, "eager-visitor", "#2001", 99.0).await;
    assert_eq!(first["counted"], true);
    // The thank-you page reloaded: the same order again.
    let again = purchase(&demo, "eager-visitor", "#2001", 99.0).await;
    assert_eq!(again, json!({"counted": false, "campaign": null}));

    // Fifty reports of another order at once, from fifty addresses.
    let tasks: Vec<_> = (0..50u8)
        .map(|i| {
            let router = demo.router.clone();
            tokio::spawn(async move {
                let body = json!({"visitor": "eager-visitor", "order": "#2002",
                                  "value": 10.25, "currency": "eur"});
                let (status, _, text) = raw(
                    &router,
                    [10, 1, 0, i],
                    "POST",
                    "/api/sites/demo/campaigns/purchase",
                    None,
                    body.to_string(),
                )
                .await;
                assert_eq!(status, StatusCode::OK, "{text}");
                serde_json::from_str::<Value>(&text).unwrap()["counted"] == true
            })
        })
        .collect();
    let mut counted = 0;
    for task in tasks {
        counted += usize::from(task.await.unwrap());
    }
    assert_eq!(counted, 1, "exactly one of the fifty counted");
    let body = stats(&demo, &token).await;
    let total = &body["campaigns"]["bf-sitewide"]["total"];
    assert_eq!(total["conversions"], 2, "{body}");
    assert_eq!(total["revenue"], json!({"EUR": "109.25"}));
}

#[tokio::test]
async fn bad_purchase_fields_are_refused_naming_the_field() {
    let demo = demo().await;
    let good = json!({"visitor": "visitor-123", "order": "#1", "value": 1.5, "currency": "EUR"});
    let cases = [
        ("value", json!(-1)),
        ("value", json!("12.50")),
        ("value", json!(1e300)),
        ("currency", json!("EURO")),
        ("currency", json!("€")),
        ("currency", json!("E1R")),
        ("order", json!("x".repeat(65))),
        ("order", json!("")),
        ("visitor", json!("short")),
        ("visitor", json!("<img src=x onerror=alert(1)>")),
    ];
    for (field, value) in cases {
        let mut body = good.clone();
        body[field] = value.clone();
        let (status, answer) = call(
            &demo,
            "POST",
            "/api/sites/demo/campaigns/purchase",
            None,
            body,
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{field}={value}: {answer}");
        assert_eq!(answer["field"], field, "{field}={value}: {answer}");
        assert!(
            answer["message"].as_str().unwrap().contains(field),
            "{answer}"
        );
    }
    let mut missing = good.clone();
    missing.as_object_mut().unwrap().remove("currency");
    let (status, answer) = call(
        &demo,
        "POST",
        "/api/sites/demo/campaigns/purchase",
        None,
        missing,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        answer["message"].as_str().unwrap().contains("currency"),
        "{answer}"
    );
    // An event's visitor id is checked too.
    let (status, answer) = call(
        &demo,
        "POST",
        "/api/sites/demo/campaigns/events",
        None,
        json!({"campaign": "bf-sitewide", "kind": "clicked", "visitor": "a b"}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(answer["field"], "visitor");
    // Nothing of it was stored.
    let (rows,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM campaign_conversions")
        .fetch_one(&demo.state.db)
        .await
        .unwrap();
    assert_eq!(rows, 0);
}

#[tokio::test]
async fn purchases_past_the_hourly_limit_answer_429_and_are_not_recorded() {
    let demo = demo_with(Network {
        writes: WriteLimits {
            purchases: 3,
            ..WriteLimits::default()
        },
        ..Network::default()
    })
    .await;
    for i in 0..3 {
        purchase(&demo, "busy-visitor", &format!("L-{i}"), 1.0).await;
    }
    let (status, answer) = call(
        &demo,
        "POST",
        "/api/sites/demo/campaigns/purchase",
        None,
        json!({"visitor": "busy-visitor", "order": "L-3", "value": 1, "currency": "EUR"}),
    )
    .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{answer}");
    let (rows,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM campaign_conversions")
        .fetch_one(&demo.state.db)
        .await
        .unwrap();
    assert_eq!(rows, 3);
}

const FIXED: &str = r#"{
  "version": 1,
  "campaigns": [
    {
      "id": "winter-help",
      "name": "Winter help",
      "message": { "en": "Need a warmer coat?", "fr": "Besoin d'un manteau plus chaud ?" },
      "when": { "all": [ { "path": { "starts_with": "/collections" } },
                         { "time_on_page": { "at_least": 10 } } ] },
      "actions": [ { "label": "Ask us", "open_chat": true } ]
    }
  ]
}"#;

#[tokio::test]
async fn the_console_editor_checks_previews_and_publishes_like_the_command_line() {
    let demo = demo().await;
    let token = login(&demo).await;
    // An error: the line and column `aisle campaigns check` would print.
    let broken = FIXED.replace("\"at_least\": 10", "\"at_least\": \"ten\"");
    let (status, answer) = call(
        &demo,
        "POST",
        "/api/agent/campaigns/check",
        Some(&token),
        json!({"source": broken}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["valid"], false);
    let cli = aisle_core::campaign::parse_campaigns(&broken).unwrap_err();
    assert_eq!(answer["errors"][0]["text"], cli[0].to_string());
    assert_eq!(answer["errors"][0]["line"], 9, "{answer}");
    assert_eq!(answer["errors"][0]["column"], 58);
    assert!(
        answer["errors"][0]["path"]
            .as_str()
            .unwrap()
            .starts_with("$.campaigns[0].when")
    );
    let (_, answer) = call(
        &demo,
        "POST",
        "/api/agent/campaigns/check",
        Some(&token),
        json!({"source": FIXED}),
    )
    .await;
    assert_eq!(answer, json!({"valid": true, "campaigns": 1, "enabled": 1}));

    // Preview: the French visitor on a collection after 12 seconds sees it.
    let (status, answer) = call(
        &demo,
        "POST",
        "/api/agent/campaigns/preview",
        Some(&token),
        json!({"source": FIXED, "visitor": {"url": "/collections/winter", "seconds_on_page": 12, "locale": "fr"}}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["show"], "winter-help");
    assert_eq!(
        answer["message"]["message"],
        "Besoin d'un manteau plus chaud ?"
    );
    // After 4 seconds it would come 6 seconds later.
    let (_, answer) = call(
        &demo,
        "POST",
        "/api/agent/campaigns/preview",
        Some(&token),
        json!({"source": FIXED, "visitor": {"url": "/collections/winter", "seconds_on_page": 4}}),
    )
    .await;
    assert_eq!(answer["show"], Value::Null);
    assert_eq!(answer["message"], Value::Null);
    assert_eq!(answer["waiting"][0]["id"], "winter-help", "{answer}");
    let (status, answer) = call(
        &demo,
        "POST",
        "/api/agent/campaigns/preview",
        Some(&token),
        json!({"source": FIXED, "visitor": {"url": "/", "cart_value": -3}}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    assert_eq!(answer["field"], "visitor.cart_value");

    // Publish: refused with its errors when broken, live when fixed.
    let (status, answer) = call(
        &demo,
        "POST",
        "/api/agent/campaigns",
        Some(&token),
        json!({"source": broken}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    assert_eq!(answer["errors"][0]["text"], cli[0].to_string());
    let (status, answer) = call(
        &demo,
        "POST",
        "/api/agent/campaigns",
        Some(&token),
        json!({"source": FIXED}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    assert_eq!(answer["version"], 2, "the demo seeds version 1");
    // And one from the command line's path.
    aisle_server::campaigns::push(&demo.state.db, "demo", FIXED)
        .await
        .unwrap();
    let (status, history) = call(
        &demo,
        "GET",
        "/api/agent/campaigns",
        Some(&token),
        json!(null),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{history}");
    assert_eq!(history["live"]["version"], 3);
    assert_eq!(history["live"]["source"], FIXED);
    let versions = history["versions"].as_array().unwrap();
    let who: Vec<(i64, Value)> = versions
        .iter()
        .map(|v| (v["version"].as_i64().unwrap(), v["pushed_by"].clone()))
        .collect();
    assert_eq!(
        who,
        [(3, Value::Null), (2, json!("Robin")), (1, Value::Null)]
    );
    // The widget's feed serves what was published.
    let (text, _) = feed_of(&demo).await;
    assert!(text.contains("winter-help"), "{text}");

    // Logged out: nothing.
    for path in ["/api/agent/campaigns/check", "/api/agent/campaigns"] {
        let (status, _) = call(&demo, "POST", path, None, json!({"source": FIXED})).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{path}");
    }
}

#[tokio::test]
async fn a_campaign_file_over_256_kib_is_refused_with_413_saying_so() {
    let demo = demo().await;
    let token = login(&demo).await;
    // Just under the limit passes the size check (and is checked as usual).
    let padding = " ".repeat(256 * 1024 - FIXED.len());
    let (status, answer) = call(
        &demo,
        "POST",
        "/api/agent/campaigns/check",
        Some(&token),
        json!({"source": format!("{FIXED}{padding}")}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["valid"], true);
    for size in [256 * 1024 + 1, 600 * 1024] {
        let big = format!("{FIXED}{}", " ".repeat(size - FIXED.len()));
        for path in ["/api/agent/campaigns/check", "/api/agent/campaigns"] {
            let (status, answer) =
                call(&demo, "POST", path, Some(&token), json!({"source": big})).await;
            assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{path} {size}");
            assert_eq!(answer["code"], "too_large");
            assert!(
                answer["message"].as_str().unwrap().contains("256 KiB"),
                "{answer}"
            );
        }
    }
    let (_, history) = call(
        &demo,
        "GET",
        "/api/agent/campaigns",
        Some(&token),
        json!(null),
    )
    .await;
    assert_eq!(history["live"]["version"], 1, "nothing was published");
}

// --- What marketers can offer (issue #12): signed customer tags, discount
// codes, A/B variants, the free-shipping threshold.

/// A campaign file with a VIP pool, an A/B test and a fixed code, pushed live.
const OFFERS: &str = r#"{"version": 1, "campaigns": [
  {"id": "vip-code", "message": "Your code: {{campaign.code}}", "codes": "pool",
   "when": {"customer_tag": "vip"}},
  {"id": "leaving", "message": "Before you go: {{campaign.code}}", "codes": "pool"},
  {"id": "ab", "variants": [
    {"id": "a", "weight": 50, "message": "Hi {{customer.first_name|there}}"},
    {"id": "b", "weight": 50, "message": "{{cart.remaining_to_free_shipping}} to free shipping"}]},
  {"id": "fixed", "message": "Use {{campaign.code}}", "code": "WINTER10"}
]}"#;

/// The demo site's feed as the widget fetches it: its text, decoded (and
/// checked to be 200 with a feed the widget reads).
async fn feed_of(demo: &Demo) -> (String, aisle_core::campaign::feed::Feed) {
    let (status, body) = call(
        demo,
        "GET",
        "/api/sites/demo/campaigns/feed",
        None,
        json!(null),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let text = body["feed"].as_str().unwrap().to_owned();
    let feed = aisle_core::campaign::feed::decode(&text).expect("a feed the widget reads");
    (text, feed)
}

async fn offers_demo(network: Network) -> Demo {
    let demo = demo_with(network).await;
    aisle_server::campaigns::push(&demo.state.db, "demo", OFFERS)
        .await
        .unwrap();
    demo
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// `data-customer` as a store signs it: the email, and the tags and first
/// name with the second signature (`profile_signature`) when given.
fn signed(secret: &str, email: &str, tags: Option<&str>, first_name: Option<&str>) -> Value {
    use aisle_core::assist::Identity;
    let exp = now() + 3600;
    let signature = aisle_server::sites::sign(secret, &Identity::message("demo", email, exp));
    let mut identity = json!({"email": email, "exp": exp, "signature": signature});
    if tags.is_some() || first_name.is_some() {
        let message = Identity::profile_message(
            "demo",
            email,
            exp,
            tags.unwrap_or(""),
            first_name.unwrap_or(""),
        );
        identity["tags"] = json!(tags);
        identity["first_name"] = json!(first_name);
        identity["profile_signature"] = json!(aisle_server::sites::sign(secret, &message));
    }
    identity
}

async fn customer(demo: &Demo, identity: Value) -> Value {
    let (status, body) = call(
        demo,
        "POST",
        "/api/sites/demo/campaigns/customer",
        None,
        json!({ "identity": identity }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

async fn ask_code(
    demo: &Demo,
    campaign: &str,
    visitor: &str,
    identity: Option<Value>,
) -> (StatusCode, Value) {
    call(
        demo,
        "POST",
        "/api/sites/demo/campaigns/code",
        None,
        json!({"campaign": campaign, "visitor": visitor, "identity": identity}),
    )
    .await
}

#[tokio::test]
async fn only_tags_the_store_signed_reach_the_widget_and_unlock_a_vip_code() {
    let demo = offers_demo(Network::default()).await;
    let secret = aisle_server::site_file::identity_secret(&demo.state.db, "demo")
        .await
        .unwrap()
        .unwrap();
    let email = "ada@example.com";
    let vip = signed(&secret, email, Some("vip, wholesale"), Some("Ada"));
    assert_eq!(
        customer(&demo, vip.clone()).await,
        json!({"verified": true, "tags": ["vip", "wholesale"], "first_name": "Ada"})
    );
    // An identity signed before tags existed verifies as before, with none.
    assert_eq!(
        customer(&demo, signed(&secret, email, None, None)).await,
        json!({"verified": true, "tags": [], "first_name": null})
    );
    // Tags added by the page without the store's second signature: dropped.
    let mut unsigned = signed(&secret, email, None, None);
    unsigned["tags"] = json!("vip");
    assert_eq!(customer(&demo, unsigned.clone()).await["tags"], json!([]));
    // Tags changed after signing: dropped, the email still counts.
    let mut forged = vip.clone();
    forged["tags"] = json!("vip,staff");
    let answer = customer(&demo, forged.clone()).await;
    assert_eq!(
        (answer["verified"].clone(), answer["tags"].clone()),
        (json!(true), json!([]))
    );
    // Signed with another key: nothing is vouched for.
    let stranger = signed("not-the-secret", email, Some("vip"), Some("Ada"));
    assert_eq!(
        customer(&demo, stranger.clone()).await,
        json!({"verified": false, "tags": [], "first_name": null})
    );

    // The VIP campaign's pooled codes go to signed VIPs only.
    let (status, _) =
        aisle_server::offers::add_codes(&demo.state.db, "demo", "vip-code", "VIP-1\nVIP-2\n")
            .await
            .map(|a| (a.added, a.duplicates))
            .map(|added| (StatusCode::OK, added))
            .unwrap();
    assert_eq!(status, StatusCode::OK);
    for identity in [None, Some(unsigned), Some(forged), Some(stranger)] {
        let (status, body) = ask_code(&demo, "vip-code", "visitor-not-vip", identity).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    }
    let (status, body) = ask_code(&demo, "vip-code", "visitor-vip-ada", Some(vip)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["code"], "VIP-1");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_pooled_code_goes_to_one_visitor_even_with_500_asking_at_once() {
    let demo = offers_demo(Network {
        writes: WriteLimits {
            campaign_codes: 10_000,
            ..WriteLimits::default()
        },
        ..Network::default()
    })
    .await;
    let token = login(&demo).await;
    let codes: Vec<String> = (0..520).map(|i| format!("LEAVE-{i:04}")).collect();
    let added =
        aisle_server::offers::add_codes(&demo.state.db, "demo", "leaving", &codes.join("\n"))
            .await
            .unwrap();
    assert_eq!((added.added, added.duplicates), (520, 0));
    let asks = (0..500).map(|i| {
        let router = demo.router.clone();
        tokio::spawn(async move {
            let body = json!({"campaign": "leaving", "visitor": format!("visitor-{i:05}")});
            let (status, _, text) = raw(
                &router,
                [10, 1, (i / 250) as u8, (i % 250) as u8],
                "POST",
                "/api/sites/demo/campaigns/code",
                None,
                body.to_string(),
            )
            .await;
            assert_eq!(status, StatusCode::OK, "{text}");
            serde_json::from_str::<Value>(&text).unwrap()["code"]
                .as_str()
                .unwrap()
                .to_owned()
        })
    });
    let mut handed: Vec<String> = Vec::new();
    for ask in asks {
        handed.push(ask.await.unwrap());
    }
    let mut distinct = handed.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), 500, "no code went to two visitors");
    assert!(handed.iter().all(|c| codes.contains(c)));
    // Asking again, the same visitor gets the same code.
    let (status, again) = ask_code(&demo, "leaving", "visitor-00042", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(again["code"], handed[42]);
    // The console's figures: 500 handed out, 20 left.
    let body = stats(&demo, &token).await;
    assert_eq!(
        body["campaigns"]["leaving"]["codes"],
        json!({"left": 20, "handed_out": 500}),
        "{body}"
    );
    let (_, _, csv) = raw(
        &demo.router,
        [10, 0, 0, 7],
        "GET",
        "/api/sites/demo/campaigns/stats.csv",
        Some(&token),
        String::new(),
    )
    .await;
    assert!(csv.starts_with("campaign,day,shown,clicked,dismissed,conversations,conversions,"));
    assert!(
        csv.lines()
            .next()
            .unwrap()
            .ends_with(",variant,codes_handed_out,codes_left")
    );
    assert!(
        csv.lines()
            .any(|l| l.starts_with("leaving,total,") && l.ends_with(",,500,20")),
        "{csv}"
    );

    // Adding the same codes again adds none; an empty pool answers 404.
    let again =
        aisle_server::offers::add_codes(&demo.state.db, "demo", "leaving", &codes.join("\n"))
            .await
            .unwrap();
    assert_eq!((again.added, again.duplicates), (0, 520));
    for i in 0..20 {
        let (status, _) = ask_code(&demo, "leaving", &format!("late-visitor-{i}"), None).await;
        assert_eq!(status, StatusCode::OK);
    }
    let (status, body) = ask_code(&demo, "leaving", "one-too-many", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(body["message"], "no codes left");
    // Campaigns without a pool and bad visitor ids are refused by name.
    let (status, body) = ask_code(&demo, "fixed", "visitor-00001", None).await;
    assert_eq!(
        (status, body["field"].clone()),
        (StatusCode::BAD_REQUEST, json!("campaign"))
    );
    let (status, body) = ask_code(&demo, "leaving", "<b>x</b>", None).await;
    assert_eq!(
        (status, body["field"].clone()),
        (StatusCode::BAD_REQUEST, json!("visitor"))
    );
}

#[tokio::test]
async fn codes_past_the_hourly_limit_answer_429_and_hand_nothing_out_but_a_holder_gets_theirs() {
    let demo = offers_demo(Network {
        writes: WriteLimits {
            campaign_codes: 3,
            ..WriteLimits::default()
        },
        ..Network::default()
    })
    .await;
    aisle_server::offers::add_codes(&demo.state.db, "demo", "leaving", "A\nB\nC\nD\nE")
        .await
        .unwrap();
    let mut held = Vec::new();
    for i in 0..3 {
        let (status, body) = ask_code(&demo, "leaving", &format!("hungry-visitor-{i}"), None).await;
        assert_eq!(status, StatusCode::OK);
        held.push(body["code"].clone());
    }
    let (status, _) = ask_code(&demo, "leaving", "hungry-visitor-9", None).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    // Past the limit, a visitor who holds a code still gets it on every
    // page (what the limit counts is codes handed out, not asks).
    for _ in 0..10 {
        let (status, body) = ask_code(&demo, "leaving", "hungry-visitor-1", None).await;
        assert_eq!(
            (status, body["code"].clone()),
            (StatusCode::OK, held[1].clone())
        );
    }
    let counts = aisle_server::offers::code_counts(&demo.state.db, "demo")
        .await
        .unwrap();
    assert_eq!(counts["leaving"], (2, 3));
}

#[tokio::test]
async fn a_pool_holds_at_most_100000_codes_and_bad_lines_add_nothing() {
    let demo = offers_demo(Network::default()).await;
    use aisle_server::offers::{AddError, add_codes};
    let too_many: String = (0..100_001).map(|i| format!("C{i}\n")).collect();
    assert!(matches!(
        add_codes(&demo.state.db, "demo", "leaving", &too_many).await,
        Err(AddError::TooMany { .. })
    ));
    let bad = format!("OK-1\n{}\n", "x".repeat(65));
    assert!(matches!(
        add_codes(&demo.state.db, "demo", "leaving", &bad).await,
        Err(AddError::BadLine(2, _))
    ));
    assert!(matches!(
        add_codes(&demo.state.db, "demo", "fixed", "A").await,
        Err(AddError::NotPooled)
    ));
    let counts = aisle_server::offers::code_counts(&demo.state.db, "demo")
        .await
        .unwrap();
    assert!(counts.is_empty(), "nothing was added: {counts:?}");
}

#[tokio::test]
async fn events_and_purchases_are_counted_per_variant() {
    let demo = offers_demo(Network::default()).await;
    let token = login(&demo).await;
    let variant_event = |visitor: &'static str, kind: &'static str, variant: &'static str| {
        let demo = &demo;
        async move {
            let (status, body) = call(
                demo,
                "POST",
                "/api/sites/demo/campaigns/events",
                None,
                json!({"campaign": "ab", "kind": kind, "visitor": visitor, "variant": variant}),
            )
            .await;
            (status, body)
        }
    };
    for (visitor, variant) in [
        ("visitor-aaaa-1", "a"),
        ("visitor-aaaa-2", "a"),
        ("visitor-bbbb-1", "b"),
    ] {
        assert_eq!(
            variant_event(visitor, "shown", variant).await.0,
            StatusCode::NO_CONTENT
        );
    }
    assert_eq!(
        variant_event("visitor-bbbb-1", "clicked", "b").await.0,
        StatusCode::NO_CONTENT
    );
    let (status, body) = variant_event("visitor-cccc-1", "shown", "c").await;
    assert_eq!(
        (status, body["field"].clone()),
        (StatusCode::BAD_REQUEST, json!("variant"))
    );
    let answer = purchase(&demo, "visitor-bbbb-1", "#AB-1", 80.0).await;
    assert_eq!(answer["campaign"], "ab");
    let body = stats(&demo, &token).await;
    let ab = &body["campaigns"]["ab"];
    assert_eq!(ab["total"]["shown"], 3, "{body}");
    assert_eq!(ab["variants"]["a"]["shown"], 2);
    assert_eq!(ab["variants"]["a"]["conversions"], 0);
    assert_eq!(ab["variants"]["b"]["shown"], 1);
    assert_eq!(ab["variants"]["b"]["clicked"], 1);
    assert_eq!(ab["variants"]["b"]["conversions"], 1);
    assert_eq!(ab["variants"]["b"]["revenue"], json!({"EUR": "80.00"}));
    assert!(ab.get("codes").is_none(), "no pool, no code figures");
}

#[tokio::test]
async fn the_feed_carries_variants_raw_templates_fixed_codes_and_the_site_file_a_threshold() {
    let demo = offers_demo(Network::default()).await;
    let text = aisle_server::demo::SITE_FILE.replacen(
        '{',
        "{\n  \"free_shipping_threshold\": {\"amount\": 100, \"currency\": \"EUR\"},",
        1,
    );
    let file = aisle_server::site_file::parse_site_file(&text).unwrap();
    aisle_server::site_file::import(&demo.state.db, &file)
        .await
        .unwrap();
    demo.state.sites.reload(&demo.state.db).await.unwrap();
    let (text, feed) = feed_of(&demo).await;
    // The widget fills placeholders itself: the feed holds the templates as
    // written, the fixed code and the threshold; a pooled-code campaign
    // travels too, its code marked "ask the server" (never a code itself).
    assert!(text.contains("{{"), "{text}");
    let ids: Vec<&str> = feed.file.campaigns.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["vip-code", "leaving", "ab", "fixed"]);
    assert_eq!(
        feed.file.campaigns[1].code,
        Some(aisle_core::campaign::Code::Pool)
    );
    let fixed = &feed.file.campaigns[3];
    assert_eq!(
        fixed.message,
        aisle_core::campaign::Text::Plain("Use {{campaign.code}}".into())
    );
    assert_eq!(
        fixed.code,
        Some(aisle_core::campaign::Code::Fixed("WINTER10".into()))
    );
    assert_eq!(feed.free_shipping, Some((10_000, "EUR".into())));
    let ab = &feed.file.campaigns[2];
    assert_eq!(ab.variants.len(), 2, "the variants travel");
    assert_eq!(
        ab.message.for_locale("en"),
        "Hi {{customer.first_name|there}}"
    );

    // What a widget that fills placeholders shows, from the live file: a
    // visitor with €74.50 in the cart, in French, in their own variant.
    let live = aisle_core::campaign::parse_campaigns(OFFERS).unwrap();
    let ab = live.campaigns.iter().find(|c| c.id == "ab").unwrap();
    let values = aisle_core::campaign::template::Values {
        locale: "fr",
        cart_minor: 7_450,
        currency: Some("EUR"),
        free_shipping: demo
            .state
            .sites
            .get("demo")
            .unwrap()
            .config
            .free_shipping_threshold
            .as_ref()
            .map(|t| (t.minor().0, "EUR")),
        ..Default::default()
    };
    let mut seen = std::collections::BTreeMap::new();
    for i in 0..40 {
        let shown =
            aisle_core::api::ShownCampaign::for_visitor(ab, &format!("visitor-{i:04}"), &values);
        seen.insert(shown.variant.clone().unwrap(), shown.message);
    }
    assert_eq!(seen["a"], "Hi there");
    assert_eq!(seen["b"], "25,50\u{a0}€ to free shipping");

    // A threshold in lower-case currency is refused with its path.
    let bad = aisle_server::demo::SITE_FILE.replacen(
        '{',
        "{\n  \"free_shipping_threshold\": {\"amount\": -1, \"currency\": \"eur\"},",
        1,
    );
    let errors = aisle_server::site_file::parse_site_file(&bad).unwrap_err();
    let paths: Vec<&str> = errors.iter().map(|e| e.path.as_str()).collect();
    assert!(
        paths.contains(&"$.free_shipping_threshold.amount"),
        "{errors:?}"
    );
    assert!(
        paths.contains(&"$.free_shipping_threshold.currency"),
        "{errors:?}"
    );
}

#[tokio::test]
async fn campaign_links_carry_utm_parameters_unless_the_marketer_turns_them_off() {
    let demo = demo_with(Network::default()).await;
    let file = r##"{"version": 1, "campaigns": [
      {"id": "bf sale", "message": "25% off", "actions": [
        {"label": "Shop", "open_url": "/collections/winter?size=m#grid"},
        {"label": "Lookbook", "open_url": "https://lookbook.example/?utm_source=newsletter"},
        {"label": "Chat", "open_chat": true}],
       "products": [{"id": "gloves", "title": "Gloves", "url": "/products/gloves"}]},
      {"id": "quiet", "message": "Hi", "utm": false,
       "actions": [{"label": "Quiz", "open_url": "/quiz"}]}
    ]}"##;
    aisle_server::campaigns::push(&demo.state.db, "demo", file)
        .await
        .unwrap();
    let (_, feed) = feed_of(&demo).await;
    let urls = |id: &str| -> Vec<String> {
        let campaign = feed.file.campaigns.iter().find(|c| c.id == id).unwrap();
        campaign
            .actions
            .iter()
            .filter_map(|a| match &a.kind {
                aisle_core::campaign::ActionKind::OpenUrl(url) => Some(url.clone()),
                _ => None,
            })
            .collect()
    };
    assert_eq!(
        urls("bf sale"),
        [
            "/collections/winter?size=m&utm_source=aisle&utm_medium=chat&utm_campaign=bf%20sale#grid",
            // The marketer's own source stays.
            "https://lookbook.example/?utm_source=newsletter&utm_medium=chat&utm_campaign=bf%20sale",
        ]
    );
    assert_eq!(urls("quiet"), ["/quiz"]);
    let sale = feed
        .file
        .campaigns
        .iter()
        .find(|c| c.id == "bf sale")
        .unwrap();
    assert_eq!(
        sale.products[0].url,
        "/products/gloves?utm_source=aisle&utm_medium=chat&utm_campaign=bf%20sale"
    );
    // `utm` must be a boolean, reported with its place.
    let bad = r#"{"version": 1, "campaigns": [{"id": "x", "message": "m", "utm": "no"}]}"#;
    let errors = aisle_core::campaign::parse_campaigns(bad).unwrap_err();
    assert!(
        errors
            .iter()
            .any(|e| e.to_string().contains("$.campaigns[0].utm")),
        "{errors:?}"
    );
}

#[tokio::test]
async fn shopify_codes_are_refused_for_a_site_whose_orders_come_from_elsewhere() {
    let demo = demo().await;
    let token = login(&demo).await;
    // Valid as a file (`aisle campaigns check` knows no site), but the demo
    // site's orders are the demo tables: no shopper could ever get a code.
    let source = r#"{"version": 1, "campaigns": [
  {"id": "leaving", "message": "Take {{campaign.code}}",
   "codes": {"shopify": {"percent_off": 15}}}
]}"#;
    assert!(aisle_core::campaign::parse_campaigns(source).is_ok());
    let expected = "3:13: $.campaigns[0].codes: codes created in Shopify need a site whose orders come from Shopify, and this site's come from demo: use \"codes\": \"pool\" (with `aisle campaigns codes add`) or a fixed \"code\"";
    // The console's check says what publishing would.
    let (status, answer) = call(
        &demo,
        "POST",
        "/api/agent/campaigns/check",
        Some(&token),
        json!({"source": source}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["valid"], false);
    assert_eq!(answer["errors"][0]["text"], expected);
    assert_eq!(
        (&answer["errors"][0]["line"], &answer["errors"][0]["column"]),
        (&json!(3), &json!(13))
    );
    // Publishing from the console and pushing from the command line refuse it.
    let (status, answer) = call(
        &demo,
        "POST",
        "/api/agent/campaigns",
        Some(&token),
        json!({"source": source}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    assert_eq!(answer["errors"][0]["text"], expected);
    match aisle_server::campaigns::push(&demo.state.db, "demo", source).await {
        Err(aisle_server::campaigns::PushError::Invalid(errors)) => {
            assert_eq!(errors[0].to_string(), expected)
        }
        other => panic!("pushed: {other:?}"),
    }
    // The live file is still the demo's.
    let live = aisle_server::campaigns::live(&demo.state.db, "demo")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(live.0, 1);
}
