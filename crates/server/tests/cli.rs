//! The `aisle` command line as marketers and merchants run it — `campaigns
//! check|simulate`, `site import|export|secret|rotate-secret|sign` — the real binary, real files,
//! a real SQLite database, exit codes and printed output.

use serde_json::{Value, json};
use std::process::{Command, Output};

const DEMO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/demo/campaigns.json");

fn aisle(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_aisle"))
        .args(args)
        .output()
        .expect("aisle runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn simulate(file: &str, flags: &[&str]) -> Value {
    let mut args = vec!["campaigns", "simulate", file];
    args.extend_from_slice(flags);
    let output = aisle(&args);
    assert!(
        output.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_str(stdout(&output).trim()).expect("one JSON object")
}

fn file(dir: &tempfile::TempDir, name: &str, text: &str) -> String {
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

#[test]
fn check_accepts_the_demo_campaigns_with_a_one_line_summary() {
    let output = aisle(&["campaigns", "check", DEMO]);
    assert_eq!(output.status.code(), Some(0));
    let text = stdout(&output);
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(text.contains("4 campaigns"), "{text}");
}

#[test]
fn check_reports_every_error_with_path_and_line_column() {
    let dir = tempfile::tempdir().unwrap();
    let bad = file(
        &dir,
        "bad.json",
        "{\n  \"version\": 1,\n  \"campaigns\": [\n    { \"id\": \"x\", \"mesage\": \"Hi\",\n      \"frequency\": \"weekly\" }\n  ]\n}\n",
    );
    let output = aisle(&["campaigns", "check", &bad]);
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    assert!(
        text.contains(&format!(
            "{bad}:4:5: $.campaigns[0]: missing field \"message\""
        )),
        "{text}"
    );
    assert!(
        text.contains(
            "4:18: $.campaigns[0].mesage: unknown field \"mesage\" (did you mean \"message\"?)"
        ),
        "{text}"
    );
    assert!(
        text.contains("5:20: $.campaigns[0].frequency: unknown frequency \"weekly\""),
        "{text}"
    );
    assert!(text.contains("3 errors"), "{text}");

    let broken = file(
        &dir,
        "broken.json",
        "{\"version\": 1,\n \"campaigns\": [,]}",
    );
    let output = aisle(&["campaigns", "check", &broken]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stdout(&output).contains(":2:16: $.campaigns[0]: invalid JSON"),
        "{}",
        stdout(&output)
    );

    // A key written twice is refused, naming where both are.
    let twice = file(
        &dir,
        "twice.json",
        "{\"version\": 1,\n \"campaigns\": [{\"id\": \"a\", \"message\": \"m\", \"id\": \"b\"}]}",
    );
    let output = aisle(&["campaigns", "check", &twice]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stdout(&output).contains(
            ":2:44: $.campaigns[0].id: invalid JSON: field \"id\" appears twice, at 2:17 and at 2:44"
        ),
        "{}",
        stdout(&output)
    );

    let output = aisle(&["campaigns", "check", "/nonexistent/campaigns.json"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stdout(&output).contains("cannot read"));
}

#[test]
fn simulate_with_defaults_lists_what_waiting_would_bring() {
    assert_eq!(
        simulate(DEMO, &["--url", "/"]),
        json!({"eligible": [], "show": null, "waiting": [{"id": "bf-sitewide", "in_seconds": 15}]})
    );
    assert_eq!(
        simulate(
            DEMO,
            &[
                "--url",
                "https://northwind.example/?utm_source=mail",
                "--seconds-on-page",
                "15"
            ]
        ),
        json!({"eligible": ["bf-sitewide"], "show": "bf-sitewide", "waiting": []})
    );
}

#[test]
fn simulate_honours_every_flag() {
    let dir = tempfile::tempdir().unwrap();
    let all_kinds = file(
        &dir,
        "kinds.json",
        r#"{"version": 1, "campaigns": [
            {"id": "site", "message": "m", "when": {"time_on_site": {"at_least": 100}}},
            {"id": "pages", "message": "m", "when": {"pages_viewed": {"at_least": 3}}},
            {"id": "returning", "message": "m", "when": {"visitor": "returning"}},
            {"id": "google", "message": "m", "when": {"referrer": {"is": "www.google.com"}}},
            {"id": "cart", "message": "m", "when": {"all": [{"cart_value": {"at_least": 30, "below": 50}}, {"cart_contains": "NW-BEANIE"}]}},
            {"id": "mobile", "message": "m", "when": {"device": "mobile"}},
            {"id": "french", "message": "m", "when": {"language": ["fr"]}},
            {"id": "nobody", "message": "m", "when": {"agents_online": false}},
            {"id": "closed", "message": "m", "when": {"business_hours": false}},
            {"id": "leaving", "message": "m", "when": {"exit_intent": true}},
            {"id": "scrolled", "message": "m", "when": {"scroll_depth": {"at_least": 75}}},
            {"id": "vip", "message": "m", "when": {"customer_tag": "vip"}},
            {"id": "bf", "message": "m", "schedule": {"from": "2026-11-27T00:00:00-05:00", "until": "2026-12-01T00:00:00-05:00"}}
        ]}"#,
    );
    let eligible = |flags: &[&str]| simulate(&all_kinds, flags)["eligible"].clone();
    let before_bf = ["--url", "/", "--at", "2026-11-20T00:00:00Z"];
    assert_eq!(eligible(&before_bf), json!([]));
    let with = |extra: &[&str]| {
        let mut flags = before_bf.to_vec();
        flags.extend_from_slice(extra);
        eligible(&flags)
    };
    assert_eq!(with(&["--seconds-on-site", "100"]), json!(["site"]));
    assert_eq!(
        with(&["--seconds-on-page", "100"]),
        json!(["site"]),
        "time on site defaults to time on page"
    );
    assert_eq!(with(&["--pages-viewed", "3"]), json!(["pages"]));
    assert_eq!(with(&["--visits", "2"]), json!(["returning"]));
    assert_eq!(
        with(&["--referrer", "https://www.google.com/search?q=parka"]),
        json!(["google"])
    );
    assert_eq!(
        with(&["--cart-value", "30", "--cart-items", "NW-PARKA,NW-BEANIE"]),
        json!(["cart"])
    );
    assert_eq!(
        with(&["--cart-value", "50", "--cart-items", "NW-BEANIE"]),
        json!([])
    );
    assert_eq!(with(&["--device", "mobile"]), json!(["mobile"]));
    assert_eq!(with(&["--locale", "fr-CA"]), json!(["french"]));
    assert_eq!(with(&["--agents-online", "0"]), json!(["nobody"]));
    assert_eq!(with(&["--business-hours", "false"]), json!(["closed"]));
    assert_eq!(with(&["--exit-intent"]), json!(["leaving"]));
    assert_eq!(with(&["--scroll-percent", "75"]), json!(["scrolled"]));
    assert_eq!(with(&["--customer-tag", "vip"]), json!(["vip"]));
    assert_eq!(
        eligible(&["--url", "/", "--at", "2026-11-27T05:00:00Z"]),
        json!(["bf"])
    );
    let waiting = simulate(
        &all_kinds,
        &["--url", "/", "--at", "2026-11-26T23:59:00-05:00"],
    )["waiting"]
        .clone();
    // Equal priorities: file order ("site" comes before "bf" in the file).
    assert_eq!(
        waiting,
        json!([{"id": "site", "in_seconds": 100}, {"id": "bf", "in_seconds": 60}])
    );
}

#[test]
fn simulate_refuses_bad_files_and_bad_flags() {
    let dir = tempfile::tempdir().unwrap();
    let bad = file(
        &dir,
        "bad.json",
        r#"{"version": 1, "campaigns": [{"id": "a"}]}"#,
    );
    let output = aisle(&["campaigns", "simulate", &bad, "--url", "/"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("missing field \"message\""));
    assert!(
        stdout(&output).is_empty(),
        "nothing that looks like an answer"
    );

    let output = aisle(&[
        "campaigns",
        "simulate",
        DEMO,
        "--url",
        "/",
        "--at",
        "yesterday",
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("RFC 3339"));
    let output = aisle(&[
        "campaigns",
        "simulate",
        DEMO,
        "--url",
        "/",
        "--device",
        "watch",
    ]);
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn push_stores_a_valid_file_and_refuses_an_invalid_one() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("aisle.db").display());
    // A demo database, as `aisle serve --demo` leaves it.
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let config = aisle_server::Config {
            db_url: db.clone(),
            demo: true,
            assets: dir.path().into(),
            ..aisle_server::Config::default()
        };
        aisle_server::AppState::open(&config)
            .await
            .unwrap()
            .db
            .close()
            .await;
    });
    let bad = file(
        &dir,
        "bad.json",
        r#"{"version": 1, "campaigns": [{"id": "x", "mesage": "hi"}]}"#,
    );
    let output = aisle(&["campaigns", "push", &bad, "--site", "demo", "--db", &db]);
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    assert!(text.contains("did you mean \"message\""), "{text}");
    assert!(text.contains("nothing was pushed"), "{text}");

    let output = aisle(&["campaigns", "push", DEMO, "--site", "demo", "--db", &db]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout(&output).contains("as version 2"),
        "the seeded file is version 1: {}",
        stdout(&output)
    );

    let output = aisle(&["campaigns", "push", DEMO, "--site", "nope", "--db", &db]);
    assert_eq!(output.status.code(), Some(1));
}

const SITE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/demo/site.json");

/// `aisle campaigns push FILE --site demo --db DB`, which must succeed.
fn pushed_to_demo(file: &str, db: &str) {
    let output = aisle(&["campaigns", "push", file, "--site", "demo", "--db", db]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn a_site_file_imports_exports_the_same_and_keeps_its_secret() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("aisle.db").display());
    let output = aisle(&["site", "import", SITE, "--db", &db]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stdout(&output).contains("imported site demo"),
        "{}",
        stdout(&output)
    );

    let output = aisle(&["site", "export", "demo", "--db", &db]);
    assert!(output.status.success(), "{}", stderr(&output));
    let exported: Value = serde_json::from_str(&stdout(&output)).unwrap();
    let original: Value = serde_json::from_str(&std::fs::read_to_string(SITE).unwrap()).unwrap();
    assert_eq!(exported, original, "export prints what import read");
    assert!(
        !stdout(&output).contains("secret"),
        "the secret is never exported"
    );

    let first = aisle(&["site", "secret", "demo", "--db", &db]);
    let secret = stdout(&first).trim().to_owned();
    assert_eq!(secret.len(), 64, "{secret}");
    // Re-importing keeps the key stores already sign with.
    assert!(
        aisle(&["site", "import", SITE, "--db", &db])
            .status
            .success()
    );
    let again = aisle(&["site", "secret", "demo", "--db", &db]);
    assert_eq!(stdout(&again).trim(), secret);

    let missing = aisle(&["site", "export", "nope", "--db", &db]);
    assert!(!missing.status.success());
    assert!(stderr(&missing).contains("no site \"nope\""));
}

#[test]
fn a_bad_site_file_lists_every_error_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("aisle.db").display());
    assert!(
        aisle(&["site", "import", SITE, "--db", &db])
            .status
            .success()
    );
    let bad = file(
        &dir,
        "site.json",
        r##"{
  "site": "demo",
  "name": "Renamed",
  "policy": { "return_window_days": 400, "return_reasons": ["changed_mind"] },
  "brand_color": "teal"
}"##,
    );
    let output = aisle(&["site", "import", &bad, "--db", &db]);
    assert_eq!(output.status.code(), Some(1));
    let errors = stderr(&output);
    assert!(
        errors.contains("site.json:4:37: $.policy.return_window_days: at most 365 days"),
        "{errors}"
    );
    assert!(
        errors.contains("site.json:5:18: $.brand_color:"),
        "{errors}"
    );
    assert!(errors.contains("2 error(s); nothing changed"), "{errors}");

    let typo = file(
        &dir,
        "typo.json",
        "{\"site\": \"demo\", \"name\": \"N\", \"faqs\": []}",
    );
    let output = aisle(&["site", "import", &typo, "--db", &db]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("unknown field `faqs`"),
        "{}",
        stderr(&output)
    );

    let output = aisle(&["site", "export", "demo", "--db", &db]);
    let kept: Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(
        kept["name"], "Northwind Outfitters",
        "an invalid file changed nothing"
    );
    assert_eq!(kept["policy"]["return_window_days"], 30);
}

/// Whether the site in `db` (as a restarted server would load it) vouches for
/// a `data-customer` value now.
fn verifies(db: &str, identity: &Value) -> bool {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let pool = aisle_server::db::connect(db).await.unwrap();
        let sites = aisle_server::sites::SiteRegistry::load(&pool)
            .await
            .unwrap();
        let site = sites.get("demo").unwrap();
        site.verify_identity(
            identity["email"].as_str().unwrap(),
            identity["exp"].as_i64(),
            identity["signature"].as_str().unwrap(),
            aisle_server::db::now(),
        )
        .is_ok()
    })
}

#[test]
fn rotating_the_secret_keeps_the_previous_one_for_the_grace_period() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("aisle.db").display());
    assert!(
        aisle(&["site", "import", SITE, "--db", &db])
            .status
            .success()
    );
    let old = stdout(&aisle(&["site", "secret", "demo", "--db", &db]))
        .trim()
        .to_owned();

    // A test identity, as a store's backend would make it.
    let sign = |ttl: &str| {
        let output = aisle(&[
            "site",
            "sign",
            "demo",
            "--email",
            "ada@example.com",
            "--ttl-hours",
            ttl,
            "--db",
            &db,
        ]);
        assert!(output.status.success(), "{}", stderr(&output));
        serde_json::from_str::<Value>(stdout(&output).trim()).expect("one JSON object")
    };
    let before = sign("2");
    assert_eq!(before["email"], "ada@example.com");
    let exp = before["exp"].as_i64().unwrap();
    assert!(
        (exp - aisle_server::db::now() - 7200).abs() < 60,
        "{before}"
    );
    assert_eq!(before["signature"].as_str().unwrap().len(), 64);
    assert!(verifies(&db, &before));
    let too_long = aisle(&[
        "site",
        "sign",
        "demo",
        "--email",
        "a@b.c",
        "--ttl-hours",
        "169",
        "--db",
        &db,
    ]);
    assert_eq!(
        too_long.status.code(),
        Some(2),
        "longer than the server accepts"
    );

    let rotated = aisle(&["site", "rotate-secret", "demo", "--db", &db]);
    assert!(rotated.status.success(), "{}", stderr(&rotated));
    let new = stdout(&rotated).trim().to_owned();
    assert_eq!(new.len(), 64, "{new}");
    assert_ne!(new, old);
    assert!(
        stderr(&rotated).contains("previous secret is accepted until")
            && stderr(&rotated).contains("(24 h)"),
        "{}",
        stderr(&rotated)
    );
    assert_eq!(
        stdout(&aisle(&["site", "secret", "demo", "--db", &db])).trim(),
        new,
        "the new secret is the site's secret"
    );
    assert!(verifies(&db, &before), "pages signed before still work");
    let after = sign("1");
    assert!(verifies(&db, &after));

    let at_once = aisle(&[
        "site",
        "rotate-secret",
        "demo",
        "--grace-hours",
        "0",
        "--db",
        &db,
    ]);
    assert!(at_once.status.success(), "{}", stderr(&at_once));
    assert!(
        stderr(&at_once).contains("no longer verifies"),
        "{}",
        stderr(&at_once)
    );
    assert!(!verifies(&db, &before));
    assert!(!verifies(&db, &after));
    assert!(verifies(&db, &sign("1")));

    let too_long = aisle(&[
        "site",
        "rotate-secret",
        "demo",
        "--grace-hours",
        "721",
        "--db",
        &db,
    ]);
    assert_eq!(too_long.status.code(), Some(2));
    let missing = aisle(&["site", "rotate-secret", "nope", "--db", &db]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(
        stderr(&missing).contains("no site \"nope\""),
        "{}",
        stderr(&missing)
    );
}

#[test]
fn codes_add_fills_a_pool_and_reports_added_and_duplicates() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("aisle.db").display());
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let config = aisle_server::Config {
            db_url: db.clone(),
            demo: true,
            assets: dir.path().into(),
            ..aisle_server::Config::default()
        };
        aisle_server::AppState::open(&config)
            .await
            .unwrap()
            .db
            .close()
            .await;
    });
    let campaigns = file(
        &dir,
        "offers.json",
        r#"{"version": 1, "campaigns": [
          {"id": "leaving", "message": "Take {{campaign.code}}", "codes": "pool"},
          {"id": "plain", "message": "Hello"}]}"#,
    );
    pushed_to_demo(&campaigns, &db);

    // `aisle campaigns codes add SITE CAMPAIGN FILE`.
    let add = |site: &str, campaign: &str, codes: &str| {
        aisle(&[
            "campaigns",
            "codes",
            "add",
            site,
            campaign,
            codes,
            "--db",
            &db,
        ])
    };
    let codes = file(
        &dir,
        "codes.txt",
        "SAVE-001\nSAVE-002\n\n  SAVE-003  \nSAVE-001\n",
    );
    let output = add("demo", "leaving", &codes);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(
        stdout(&output).trim(),
        "added 3 codes, 1 duplicates skipped (3 in the pool, 3 left)"
    );
    let more = file(&dir, "more.txt", "SAVE-003\nSAVE-004\n");
    let output = add("demo", "leaving", &more);
    assert_eq!(
        stdout(&output).trim(),
        "added 1 codes, 1 duplicates skipped (4 in the pool, 4 left)"
    );

    // A bad line, a campaign without a pool or an unknown site add nothing.
    // Among bad lines: a code that reads differently from what it is (a
    // right-to-left override turns "01FFO" into what looks like "OFF10"),
    // and one with a zero-width space a shopper could never type.
    let invisible = "a code has no invisible characters (bidi or zero-width formatting)";
    let refused = [
        (
            "demo",
            "leaving",
            format!("SAVE-005\n{}\n", "x".repeat(65)),
            "line 2: a code is at most 64 characters; nothing was added".to_owned(),
        ),
        (
            "demo",
            "leaving",
            "SAVE-006\n\n\u{202E}01FFO\n".to_owned(),
            format!("line 3: {invisible}; nothing was added"),
        ),
        (
            "demo",
            "leaving",
            "SAVE-006\nSAVE\u{200B}10\n".to_owned(),
            format!("line 2: {invisible}; nothing was added"),
        ),
        (
            "demo",
            "plain",
            "SAVE-006\n".to_owned(),
            "\"codes\": \"pool\"".to_owned(),
        ),
        (
            "nope",
            "leaving",
            "SAVE-006\n".to_owned(),
            "site".to_owned(),
        ),
    ];
    for (site, campaign, text, why) in refused {
        let output = add(site, campaign, &file(&dir, "refused.txt", &text));
        assert_eq!(output.status.code(), Some(1), "{text:?}");
        assert!(stderr(&output).contains(&why), "{}", stderr(&output));
    }
    let output = add("demo", "leaving", &more);
    assert!(stdout(&output).contains("added 0 codes, 2 duplicates skipped (4 in the pool"));
}

#[test]
fn simulate_with_a_visitor_id_names_the_variant_and_its_message() {
    let dir = tempfile::tempdir().unwrap();
    let ab = file(
        &dir,
        "ab.json",
        r#"{"version": 1, "campaigns": [{"id": "ab", "variants": [
          {"id": "a", "weight": 50, "message": "Variant A {{cart.value}}"},
          {"id": "b", "weight": 50, "message": "Variant B {{cart.value}}"}]}]}"#,
    );
    let mut seen = std::collections::BTreeSet::new();
    for i in 0..20 {
        let visitor = format!("visitor-{i:04}");
        let answer = simulate(
            &ab,
            &[
                "--url",
                "/",
                "--cart-value",
                "12.5",
                "--visitor-id",
                &visitor,
            ],
        );
        let variant = answer["variant"].as_str().unwrap().to_owned();
        assert_eq!(
            answer["message"],
            format!("Variant {} 12.50", variant.to_uppercase())
        );
        // The same visitor always reads the same variant.
        let again = simulate(&ab, &["--url", "/", "--visitor-id", &visitor]);
        assert_eq!(again["variant"], json!(variant));
        seen.insert(variant);
    }
    assert_eq!(seen.len(), 2, "both variants are shown to someone");
    assert!(simulate(&ab, &["--url", "/"]).get("variant").is_none());
}

#[test]
fn importing_a_site_that_can_no_longer_make_its_live_campaigns_codes_warns() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("aisle.db").display());
    let mut site: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(SITE).unwrap()).unwrap();
    site["order_source"] = serde_json::json!({"kind": "shopify",
        "shop": "northwind.myshopify.com", "token_env": "AISLE_SHOPIFY_TOKEN"});
    let shopify = file(&dir, "shopify.json", &site.to_string());
    let output = aisle(&["site", "import", &shopify, "--db", &db]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let campaigns = file(
        &dir,
        "offers.json",
        "{\"version\": 1, \"campaigns\": [\n  {\"id\": \"leaving\", \"message\": \"Take {{campaign.code}}\",\n   \"codes\": {\"shopify\": {\"percent_off\": 15}}}\n]}",
    );
    pushed_to_demo(&campaigns, &db);
    // The store moves to WooCommerce: the settings are taken, and the live
    // campaign that can no longer get codes is named.
    site["order_source"] = serde_json::json!({"kind": "woocommerce",
        "url": "https://shop.example", "key_env": "AISLE_WC_KEY", "secret_env": "AISLE_WC_SECRET"});
    let woo = file(&dir, "woo.json", &site.to_string());
    let output = aisle(&["site", "import", &woo, "--db", &db]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(
        stderr(&output).contains(
            "warning: live campaigns (version 1): 3:13: $.campaigns[0].codes: codes created in Shopify need a site whose orders come from Shopify, and this site's come from woocommerce"
        ),
        "{}",
        stderr(&output)
    );
    // Back on Shopify: nothing to say.
    let output = aisle(&["site", "import", &shopify, "--db", &db]);
    assert_eq!(output.status.code(), Some(0));
    assert!(!stderr(&output).contains("warning"), "{}", stderr(&output));
}
