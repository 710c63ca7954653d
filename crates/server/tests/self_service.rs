//! Self-service through `POST /api/sites/demo/assist`, one test per row of
//! README.md's demo table and per flow, against the real router and a real
//! SQLite file: what a shopper is told, what they are asked next, and what is
//! stored for agents.

mod common;

use aisle_server::{AppState, Network};
use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::{Demo, demo, said};
use serde_json::{Value, json};

/// The demo's configuration in `dir`.
fn config(dir: &tempfile::TempDir) -> aisle_server::Config {
    common::config(dir, Network::default())
}

/// One shopper's conversation: keeps the session token like the widget does.
struct Shopper<'a> {
    router: &'a Router,
    session: Option<String>,
    locale: &'static str,
    client: [u8; 4],
}

impl<'a> Shopper<'a> {
    fn new(demo: &'a Demo) -> Self {
        Shopper {
            router: &demo.router,
            session: None,
            locale: "en",
            client: [10, 0, 0, 7],
        }
    }

    async fn raw(&self, body: String) -> (StatusCode, Value) {
        let request = Request::post("/api/sites/demo/assist")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body))
            .unwrap();
        let (status, _, bytes) = common::oneshot(self.router, request, self.client).await;
        (status, serde_json::from_slice(&bytes).unwrap())
    }

    async fn act(&mut self, action: &str, values: &[(&str, &str)]) -> Value {
        let body = json!({
            "session": self.session,
            "locale": self.locale,
            "action": action,
            "values": values,
        });
        let (status, reply) = self.raw(body.to_string()).await;
        assert_eq!(status, StatusCode::OK, "{reply}");
        self.session = reply["session"].as_str().map(String::from);
        reply
    }

    async fn prove(&mut self, flow: &str, order: &str, email: &str) -> Value {
        let asked = self.act(flow, &[]).await;
        assert_eq!(
            asked["prompt"]["form"]["action"],
            format!("identify:{flow}"),
            "{asked}"
        );
        self.act(
            &format!("identify:{flow}"),
            &[("order", order), ("email", email)],
        )
        .await
    }
}

fn choices(reply: &Value) -> Vec<String> {
    reply["prompt"]["choices"]
        .as_array()
        .map(|c| {
            c.iter()
                .map(|c| c["action"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

fn field<'v>(reply: &'v Value, name: &str) -> &'v Value {
    reply["prompt"]["form"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == name)
        .unwrap_or_else(|| panic!("no field {name} in {reply}"))
}

#[tokio::test]
async fn track_1001_shows_state_carrier_link_and_timeline_on_a_card() {
    let demo = demo().await;
    let mut shopper = Shopper::new(&demo);
    let reply = shopper.prove("track", "#1001", "Ada@Example.com").await;
    assert_eq!(reply["echo"], "#1001 · Ada@Example.com");
    let card = &reply["said"][0]["card"];
    assert_eq!(card["title"], "Order #1001");
    assert_eq!(card["status"], "In transit");
    assert_eq!(card["facts"][0]["value"], "UPS");
    assert_eq!(card["facts"][1]["value"], "1Z999AA10123456784");
    assert_eq!(card["facts"][2]["label"], "Estimated delivery");
    assert_eq!(
        card["link"]["url"],
        "https://www.ups.com/track?tracknum=1Z999AA10123456784"
    );
    assert_eq!(card["list"].as_array().unwrap().len(), 3);
    assert_eq!(
        card["list"][0]["value"], "Salt Lake City, UT",
        "newest first"
    );
    assert!(choices(&reply).contains(&"report:1001".to_owned()));
    assert!(choices(&reply).contains(&"human".to_owned()));
}

#[tokio::test]
async fn invalid_input_comes_back_on_the_field_and_wrong_pairs_look_unknown() {
    let demo = demo().await;
    let mut shopper = Shopper::new(&demo);
    shopper.act("track", &[]).await;
    let reply = shopper
        .act("identify:track", &[("order", "abc"), ("email", "nope")])
        .await;
    assert_eq!(
        field(&reply, "order")["error"],
        "Order numbers are digits, like #1001."
    );
    assert_eq!(
        field(&reply, "order")["value"],
        "abc",
        "what was typed stays"
    );
    assert_eq!(
        field(&reply, "email")["error"],
        "Enter an email like name@example.com."
    );
    assert!(reply["echo"].is_null());

    let wrong = shopper
        .act(
            "identify:track",
            &[("order", "1001"), ("email", "grace@example.com")],
        )
        .await;
    let unknown = shopper
        .act(
            "identify:track",
            &[("order", "9999"), ("email", "grace@example.com")],
        )
        .await;
    assert_eq!(said(&wrong), said(&unknown));
    assert!(said(&wrong).contains("couldn't find"));
    assert!(wrong["said"][0]["card"].is_null());
}

#[tokio::test]
async fn repeated_failed_lookups_are_rate_limited() {
    let demo = demo().await;
    let mut shopper = Shopper::new(&demo);
    shopper.act("track", &[]).await;
    for n in 0..5 {
        let order = format!("{}", 5000 + n);
        let reply = shopper
            .act(
                "identify:track",
                &[("order", &order), ("email", "x@example.com")],
            )
            .await;
        assert!(said(&reply).contains("couldn't find"));
    }
    let reply = shopper
        .act(
            "identify:track",
            &[("order", "1001"), ("email", "ada@example.com")],
        )
        .await;
    assert!(said(&reply).contains("Too many attempts"), "{reply}");
    assert!(
        reply["said"][0]["card"].is_null(),
        "even the right pair waits"
    );
}

#[tokio::test]
async fn cancel_1002_after_confirmation_stays_cancelled_after_restart() {
    let demo = demo().await;
    let mut shopper = Shopper::new(&demo);
    let reply = shopper.prove("cancel", "1002", "grace@example.com").await;
    assert!(said(&reply).contains("Cancel order #1002?"), "{reply}");
    assert_eq!(choices(&reply), ["cancel-confirm:1002", "cancel-keep:1002"]);
    let done = shopper.act("cancel-confirm:1002", &[]).await;
    assert!(said(&done).contains("#1002 is cancelled"), "{done}");
    assert!(done["prompt"].is_null(), "back to the menu");

    // A restarted server (same database file) still says cancelled.
    let state = AppState::open(&config(&demo.dir)).await.unwrap();
    let restarted = Demo {
        router: aisle_server::app(state.clone()),
        state,
        dir: tempfile::tempdir().unwrap(),
    };
    let mut again = Shopper::new(&restarted);
    let reply = again.prove("cancel", "1002", "grace@example.com").await;
    assert!(said(&reply).contains("already cancelled"), "{reply}");
    let tracked = again.act("track:1002", &[]).await;
    assert_eq!(tracked["said"][0]["card"]["status"], "Cancelled");
    assert_eq!(tracked["said"][0]["card"]["list"][0]["label"], "Cancelled");
    drop(demo.state);
}

#[tokio::test]
async fn cancel_1001_is_refused_as_shipped_and_offers_the_next_step() {
    let demo = demo().await;
    let mut shopper = Shopper::new(&demo);
    let reply = shopper.prove("cancel", "1001", "ada@example.com").await;
    let text = said(&reply);
    assert!(text.contains("already shipped"), "{text}");
    assert!(text.contains("return it within 30 days"), "{text}");
    let next = choices(&reply);
    assert!(next.contains(&"human".to_owned()), "{next:?}");
    assert!(next.contains(&"track:1001".to_owned()), "{next:?}");
}

#[tokio::test]
async fn steps_need_proof_an_action_alone_changes_nothing() {
    let demo = demo().await;
    let mut stranger = Shopper::new(&demo);
    let reply = stranger.act("cancel-confirm:1002", &[]).await;
    assert_eq!(reply["prompt"]["form"]["action"], "identify:cancel");
    assert_eq!(field(&reply, "order")["value"], "#1002");
    let state: (String,) =
        sqlx::query_as("SELECT state FROM orders WHERE site_id = 'demo' AND number = 1002")
            .fetch_one(&demo.state.db)
            .await
            .unwrap();
    assert_eq!(state.0, "unfulfilled");
}

#[tokio::test]
async fn return_1003_picks_items_and_a_reason_and_stores_the_request() {
    let demo = demo().await;
    let mut shopper = Shopper::new(&demo);
    let reply = shopper.prove("return", "1003", "alan@example.com").await;
    assert_eq!(reply["prompt"]["form"]["action"], "return-items:1003");
    assert_eq!(field(&reply, "qty:0")["kind"], "quantity");
    assert_eq!(field(&reply, "qty:1")["kind"], "quantity");
    let reasons = field(&reply, "reason")["options"].as_array().unwrap().len();
    assert_eq!(reasons, 7, "a placeholder and the six default reasons");

    let none = shopper
        .act(
            "return-items:1003",
            &[("qty:0", "0"), ("qty:1", "0"), ("reason", "")],
        )
        .await;
    assert_eq!(
        field(&none, "qty:0")["error"],
        "Choose at least one item to return."
    );
    assert_eq!(field(&none, "reason")["error"], "Choose a reason.");

    let title = field(&reply, "qty:0")["label"].as_str().unwrap().to_owned();
    let review = shopper
        .act(
            "return-items:1003",
            &[
                ("qty:0", "1"),
                ("qty:1", "0"),
                ("reason", "changed_mind"),
                ("comment", "Too warm for me"),
            ],
        )
        .await;
    assert!(said(&review).contains(&format!("{title} × 1")), "{review}");
    assert_eq!(choices(&review)[0], "return-confirm:1003");
    let done = shopper.act("return-confirm:1003", &[]).await;
    let text = said(&done);
    let reference = text
        .split_whitespace()
        .find(|w| w.starts_with("R-"))
        .expect("a return reference")
        .to_owned();
    let stored: (i64, String, String, String) = sqlx::query_as(
        "SELECT order_number, reason, comment, items FROM return_requests WHERE reference = $1",
    )
    .bind(&reference)
    .fetch_one(&demo.state.db)
    .await
    .unwrap();
    assert_eq!(
        (stored.0, stored.1.as_str(), stored.2.as_str()),
        (1003, "changed_mind", "Too warm for me")
    );
    assert!(stored.3.contains("\"quantity\":1"), "{}", stored.3);
    // Confirming twice does not file a second return.
    let again = shopper.act("return-confirm:1003", &[]).await;
    assert!(!said(&again).contains("R-"), "{again}");
}

#[tokio::test]
async fn return_1004_is_refused_outside_the_window_and_offers_a_person() {
    let demo = demo().await;
    let mut shopper = Shopper::new(&demo);
    let reply = shopper.prove("return", "1004", "linus@example.com").await;
    let text = said(&reply);
    assert!(text.contains("45 days ago"), "{text}");
    assert!(text.contains("within 30 days"), "{text}");
    assert!(reply["prompt"]["form"].is_null());
    assert_eq!(choices(&reply), ["human", "identify:return", "menu"]);
}

#[tokio::test]
async fn return_1005_refuses_the_final_sale_item_and_ada_switches_orders_without_asking_again() {
    let demo = demo().await;
    let mut shopper = Shopper::new(&demo);
    let reply = shopper.prove("return", "1005", "ada@example.com").await;
    let text = said(&reply);
    assert!(text.contains("final sale"), "{text}");
    assert!(
        text.contains("Nothing in order #1005 can be returned"),
        "{text}"
    );
    assert!(choices(&reply).contains(&"human".to_owned()));

    // Identify once: ada's other order is offered, no second lookup.
    let pick = shopper.act("track", &[]).await;
    assert_eq!(
        choices(&pick)[..2],
        ["track:1001".to_owned(), "track:1005".to_owned()],
        "newest first"
    );
    let tracked = shopper.act("track:1001", &[]).await;
    assert_eq!(tracked["said"][0]["card"]["title"], "Order #1001");
    // Someone else's order is not reachable from this session.
    let other = shopper.act("track:1003", &[]).await;
    assert_eq!(other["prompt"]["form"]["action"], "identify:track");
}

#[tokio::test]
async fn report_an_issue_offers_kinds_by_state_and_opens_a_ticket_with_context() {
    let demo = demo().await;
    let mut shopper = Shopper::new(&demo);
    let reply = shopper.prove("report", "1001", "ada@example.com").await;
    let kinds: Vec<&str> = field(&reply, "kind")["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["action"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["", "late", "lost"]);
    let short = shopper
        .act(
            "report-send:1001",
            &[("kind", "late"), ("description", "late")],
        )
        .await;
    assert!(
        field(&short, "description")["error"]
            .as_str()
            .unwrap()
            .contains("at least 10")
    );
    let wrong_kind = shopper
        .act(
            "report-send:1001",
            &[
                ("kind", "damaged"),
                ("description", "It is a week late now."),
            ],
        )
        .await;
    assert_eq!(field(&wrong_kind, "kind")["error"], "Choose what happened.");
    let done = shopper
        .act(
            "report-send:1001",
            &[("kind", "late"), ("description", "It is a week late now.")],
        )
        .await;
    let text = said(&done);
    let reference = text
        .split_whitespace()
        .find(|w| w.starts_with("T-"))
        .expect("a ticket reference");
    let stored: (String, i64, String, String) = sqlx::query_as(
        "SELECT issue, order_number, email, context FROM tickets WHERE reference = $1",
    )
    .bind(reference)
    .fetch_one(&demo.state.db)
    .await
    .unwrap();
    assert_eq!(
        (stored.0.as_str(), stored.1, stored.2.as_str()),
        ("late", 1001, "ada@example.com")
    );
    assert!(stored.3.contains("identify:report"), "{}", stored.3);

    let delivered = shopper.act("report:1005", &[]).await;
    let kinds = field(&delivered, "kind")["options"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(
        kinds, 6,
        "placeholder + damaged, defective, wrong, missing, not received"
    );
}

#[tokio::test]
async fn quick_answers_record_whether_they_helped_and_always_offer_a_person() {
    let demo = demo().await;
    let mut shopper = Shopper::new(&demo);
    let list = shopper.act("faq", &[]).await;
    let ids = choices(&list);
    assert_eq!(
        ids,
        [
            "faq:holiday-shipping",
            "faq:sizing",
            "faq:restocks",
            "faq:returns-policy",
            "human",
            "menu"
        ]
    );
    let answer = shopper.act("faq:holiday-shipping", &[]).await;
    assert!(said(&answer).contains("December 18"));
    assert!(said(&answer).contains("Did this help?"));
    assert_eq!(
        choices(&answer),
        [
            "helpful:holiday-shipping:yes",
            "helpful:holiday-shipping:no",
            "human",
            "menu"
        ]
    );
    shopper.act("helpful:holiday-shipping:yes", &[]).await;
    let no = shopper.act("helpful:holiday-shipping:no", &[]).await;
    assert!(choices(&no).contains(&"human".to_owned()));
    let counts: (i64, i64) = sqlx::query_as(
        "SELECT CAST(SUM(helpful) AS BIGINT), COUNT(*) FROM faq_feedback WHERE faq_id = 'holiday-shipping'",
    )
    .fetch_one(&demo.state.db)
    .await
    .unwrap();
    assert_eq!(counts, (1, 2));
}

#[tokio::test]
async fn talk_to_a_person_leaves_a_message_that_becomes_a_ticket() {
    let demo = demo().await;
    let mut shopper = Shopper::new(&demo);
    let form = shopper.act("human", &[]).await;
    assert_eq!(form["prompt"]["form"]["action"], "message");
    let refused = shopper
        .act("message", &[("email", "nope"), ("message", "")])
        .await;
    assert_eq!(
        field(&refused, "email")["error"],
        "Enter an email like name@example.com."
    );
    assert_eq!(field(&refused, "message")["error"], "Write your message.");
    let done = shopper
        .act(
            "message",
            &[
                ("email", "kim@example.com"),
                ("message", "<b>Do you ship to Canada?</b>"),
            ],
        )
        .await;
    assert_eq!(done["echo"], "<b>Do you ship to Canada?</b>");
    let stored: (String, String) =
        sqlx::query_as("SELECT kind, body FROM tickets WHERE email = 'kim@example.com'")
            .fetch_one(&demo.state.db)
            .await
            .unwrap();
    assert_eq!(stored.0, "message");
    assert_eq!(stored.1, "<b>Do you ship to Canada?</b>", "stored as typed");
}

#[tokio::test]
async fn answers_follow_the_shoppers_language() {
    let demo = demo().await;
    for (locale, expected) in [
        ("fr-CA", "Numéro de commande"),
        ("fi", "Tilausnumero"),
        ("zh-CN", "订单号"),
        ("zh-TW", "訂單編號"),
        ("th", "หมายเลขคำสั่งซื้อ"),
    ] {
        let mut shopper = Shopper::new(&demo);
        shopper.locale = locale;
        let reply = shopper.act("track", &[]).await;
        let label = field(&reply, "order")["label"].as_str().unwrap().to_owned();
        assert!(label.contains(expected), "{locale}: {label}");
    }
    let mut shopper = Shopper::new(&demo);
    shopper.locale = "fr";
    let faq = shopper.act("faq:sizing", &[]).await;
    assert!(said(&faq).contains("pull épais"), "merchant FAQ in French");
}

#[tokio::test]
async fn malformed_requests_get_a_clear_error() {
    let demo = demo().await;
    let shopper = Shopper::new(&demo);
    let (status, body) = shopper.raw("{\"action\": 1}".into()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["code"], "bad_request");
    let (status, _) = shopper
        .raw(json!({"locale": "en", "action": "x".repeat(500)}).to_string())
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let mut shopper = Shopper::new(&demo);
    let reply = shopper.act("no-such-step:1", &[]).await;
    assert!(said(&reply).contains("no longer available"));
}

async fn agent_call(
    demo: &Demo,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Value,
) -> (StatusCode, Value) {
    common::call(&demo.router, [10, 0, 0, 99], method, path, token, body).await
}

#[tokio::test]
async fn agents_log_in_and_see_returns_tickets_and_numbers() {
    let demo = demo().await;
    let (status, body) = agent_call(&demo, "GET", "/api/agent/returns", None, json!(null)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["code"], "unauthorized");
    let (status, _) = agent_call(
        &demo,
        "POST",
        "/api/agent/login",
        None,
        json!({"email": "agent@demo.test", "password": "wrong"}),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, login) = agent_call(
        &demo,
        "POST",
        "/api/agent/login",
        None,
        json!({"email": "Agent@Demo.test", "password": "demo-agent"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{login}");
    let token = login["token"].as_str().unwrap().to_owned();
    assert_eq!(login["agent"]["site"], "demo");

    // A shopper returns an item, reports an issue and rates an answer.
    let mut shopper = Shopper::new(&demo);
    shopper.prove("return", "1003", "alan@example.com").await;
    shopper
        .act(
            "return-items:1003",
            &[("qty:0", "1"), ("qty:1", "1"), ("reason", "wrong_item")],
        )
        .await;
    shopper.act("return-confirm:1003", &[]).await;
    shopper
        .act(
            "report-send:1003",
            &[
                ("kind", "damaged"),
                ("description", "The zip arrived broken."),
            ],
        )
        .await;
    shopper.act("helpful:sizing:yes", &[]).await;

    let (_, returns) = agent_call(
        &demo,
        "GET",
        "/api/agent/returns",
        Some(&token),
        json!(null),
    )
    .await;
    assert_eq!(returns["returns"][0]["order"], 1003);
    assert_eq!(returns["returns"][0]["reason"], "wrong_item");
    assert_eq!(returns["returns"][0]["items"].as_array().unwrap().len(), 2);
    let (_, tickets) = agent_call(
        &demo,
        "GET",
        "/api/agent/tickets",
        Some(&token),
        json!(null),
    )
    .await;
    assert_eq!(tickets["tickets"][0]["issue"], "damaged");
    let steps: Vec<&str> = tickets["tickets"][0]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert_eq!(
        steps,
        [
            "return",
            "identify:return",
            "return-items:1003",
            "return-confirm:1003",
            "report-send:1003"
        ],
        "the agent sees what the shopper already tried"
    );
    let (_, stats) = agent_call(&demo, "GET", "/api/agent/stats", Some(&token), json!(null)).await;
    assert_eq!(stats["self_service"]["flows"]["return"]["resolved"], 1);
    assert_eq!(stats["self_service"]["flows"]["report"]["handoff"], 1);
    assert_eq!(stats["faq"]["sizing"]["helpful"], 1);
    assert!(stats["campaigns"].is_object());
}

#[tokio::test]
async fn repeated_failed_logins_are_rate_limited() {
    let demo = demo().await;
    let wrong = json!({"email": "agent@demo.test", "password": "guess"});
    for _ in 0..10 {
        let (status, _) = agent_call(&demo, "POST", "/api/agent/login", None, wrong.clone()).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let right = json!({"email": "agent@demo.test", "password": "demo-agent"});
    let (status, body) = agent_call(&demo, "POST", "/api/agent/login", None, right).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert_eq!(body["code"], "rate_limited");
}

async fn login(demo: &Demo) -> String {
    common::log_in(&demo.router, [10, 0, 0, 99]).await
}

/// What a store's backend puts in `data-customer`: site, email and expiry
/// signed with the site secret (README, "For merchants: the snippet").
fn identity(secret: &str, site: &str, email: &str, exp: i64) -> Value {
    use hmac::{KeyInit, Mac};
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("aisle-identity-v1\n{site}\n{email}\n{exp}").as_bytes());
    let signature = hex::encode(mac.finalize().into_bytes());
    json!({"email": email, "exp": exp, "signature": signature})
}

fn now() -> i64 {
    aisle_server::db::now()
}

/// Whether `identity` spares a new shopper the lookup form: their orders
/// are offered straight away.
async fn skips_the_lookup(demo: &Demo, identity: Value) -> bool {
    let shopper = Shopper::new(demo);
    let body = json!({"locale": "en", "action": "track", "identity": identity});
    let (status, reply) = shopper.raw(body.to_string()).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "a refused identity never fails the request: {reply}"
    );
    let offered = choices(&reply);
    if offered.contains(&"track:1001".to_owned()) && offered.contains(&"track:1005".to_owned()) {
        assert!(reply["prompt"]["form"].is_null(), "{reply}");
        true
    } else {
        assert_eq!(
            reply["prompt"]["form"]["action"], "identify:track",
            "{reply}"
        );
        false
    }
}

#[tokio::test]
async fn a_signed_in_customer_skips_the_lookup_and_a_forged_signature_is_ignored() {
    let demo = demo().await;
    let secret = aisle_server::site_file::identity_secret(&demo.state.db, "demo")
        .await
        .unwrap()
        .unwrap();
    let email = "Ada@Example.com";
    let hour = now() + 3600;
    assert!(skips_the_lookup(&demo, identity(&secret, "demo", email, hour)).await);

    let forged = identity("guess", "demo", email, hour);
    assert!(!skips_the_lookup(&demo, forged).await, "another key");
    let elsewhere = identity(&secret, "other-shop", email, hour);
    assert!(!skips_the_lookup(&demo, elsewhere).await, "another site");
    let expired = identity(&secret, "demo", email, now() - 120);
    assert!(!skips_the_lookup(&demo, expired).await, "expired");
    let forever = identity(&secret, "demo", email, now() + 30 * 86_400);
    assert!(!skips_the_lookup(&demo, forever).await, "more than 7 days");
    let mut tampered = identity(&secret, "demo", email, hour);
    tampered["exp"] = json!(hour + 86_400);
    assert!(!skips_the_lookup(&demo, tampered).await, "exp moved");
    let mut other_email = identity(&secret, "demo", email, hour);
    other_email["email"] = json!("grace@example.com");
    assert!(!skips_the_lookup(&demo, other_email).await, "email swapped");

    // The old format: the email alone signed, no exp; and garbage exps.
    let email_only = {
        use hmac::{KeyInit, Mac};
        let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
        mac.update(email.as_bytes());
        json!({"email": email, "signature": hex::encode(mac.finalize().into_bytes())})
    };
    assert!(
        !skips_the_lookup(&demo, email_only).await,
        "email-only signature"
    );
    for exp in [
        json!(null),
        json!("soon"),
        json!(1.5),
        json!(1e300),
        json!({"at": 1}),
    ] {
        let mut bad = identity(&secret, "demo", email, hour);
        bad["exp"] = exp;
        assert!(!skips_the_lookup(&demo, bad).await);
    }
}

#[tokio::test]
async fn after_a_rotation_the_previous_secret_verifies_only_during_the_grace_period() {
    let demo = demo().await;
    let db = &demo.state.db;
    let old = aisle_server::site_file::identity_secret(db, "demo")
        .await
        .unwrap()
        .unwrap();
    let email = "ada@example.com";
    let (new, until) = aisle_server::site_file::rotate_secret(db, "demo", 24)
        .await
        .unwrap()
        .unwrap();
    assert_ne!(new, old);
    let until = until.expect("the old secret had a grace period");
    assert!((until - now() - 24 * 3600).abs() < 60, "{until}");
    demo.state.sites.reload(db).await.unwrap();
    let hour = now() + 3600;
    assert!(skips_the_lookup(&demo, identity(&new, "demo", email, hour)).await);
    assert!(
        skips_the_lookup(&demo, identity(&old, "demo", email, hour)).await,
        "pages signed before the rotation keep working"
    );

    // The grace period ends (its end moved to the past, as time would).
    sqlx::query("UPDATE sites SET previous_secret_until = $1 WHERE id = 'demo'")
        .bind(now() - 1)
        .execute(db)
        .await
        .unwrap();
    demo.state.sites.reload(db).await.unwrap();
    assert!(!skips_the_lookup(&demo, identity(&old, "demo", email, hour)).await);
    assert!(skips_the_lookup(&demo, identity(&new, "demo", email, hour)).await);

    // Rotating again without grace: only the newest secret verifies.
    let (newest, until) = aisle_server::site_file::rotate_secret(db, "demo", 0)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(until, None);
    demo.state.sites.reload(db).await.unwrap();
    assert!(skips_the_lookup(&demo, identity(&newest, "demo", email, hour)).await);
    assert!(!skips_the_lookup(&demo, identity(&new, "demo", email, hour)).await);
    assert!(!skips_the_lookup(&demo, identity(&old, "demo", email, hour)).await);
    assert_eq!(
        aisle_server::site_file::rotate_secret(db, "nope", 24)
            .await
            .unwrap(),
        None
    );
}

#[tokio::test]
async fn site_numbers_are_for_the_sites_own_agents() {
    let demo = demo().await;
    let (status, _) = agent_call(&demo, "GET", "/api/sites/demo/stats", None, json!(null)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let token = login(&demo).await;
    let (status, body) = agent_call(
        &demo,
        "GET",
        "/api/sites/other/stats",
        Some(&token),
        json!(null),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");

    // Two flows start; tracking resolves one, the other is abandoned.
    let mut shopper = Shopper::new(&demo);
    shopper.prove("track", "1001", "ada@example.com").await;
    shopper.act("cancel", &[]).await;
    let (status, stats) = agent_call(
        &demo,
        "GET",
        "/api/sites/demo/stats",
        Some(&token),
        json!(null),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{stats}");
    assert_eq!(stats["self_service"]["flows"]["track"]["started"], 1);
    assert_eq!(stats["self_service"]["flows"]["track"]["resolved"], 1);
    assert_eq!(stats["self_service"]["started"], 2);
    assert_eq!(stats["self_service"]["deflection"], 0.5);

    for kind in ["shown", "shown", "clicked"] {
        let (status, _) = agent_call(
            &demo,
            "POST",
            "/api/sites/demo/campaigns/events",
            None,
            json!({"campaign": "bf-sitewide", "kind": kind}),
        )
        .await;
        assert_eq!(status, StatusCode::NO_CONTENT);
    }
    let (status, body) = agent_call(
        &demo,
        "GET",
        "/api/sites/demo/campaigns/stats",
        Some(&token),
        json!(null),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let campaign = &body["campaigns"]["bf-sitewide"];
    assert_eq!(campaign["total"]["shown"], 2, "{body}");
    assert_eq!(campaign["total"]["clicked"], 1);
    assert_eq!(campaign["total"]["dismissed"], 0);
    let days = campaign["days"].as_object().unwrap();
    assert_eq!(days.len(), 1, "{body}");
    assert_eq!(days.values().next().unwrap()["shown"], 2);
}

#[tokio::test]
async fn the_merchants_return_reasons_and_issue_kinds_shape_the_forms() {
    let demo = demo().await;
    let mut file = aisle_server::site_file::parse_site_file(aisle_server::demo::SITE_FILE).unwrap();
    file.policy.return_reasons = vec![
        aisle_core::policy::ReturnReason::ChangedMind,
        aisle_core::policy::ReturnReason::Other,
    ];
    file.policy.issue_kinds = vec![aisle_core::policy::IssueKind::Late];
    aisle_server::site_file::import(&demo.state.db, &file)
        .await
        .unwrap();
    demo.state.sites.reload(&demo.state.db).await.unwrap();

    let mut shopper = Shopper::new(&demo);
    let form = shopper.prove("return", "1003", "alan@example.com").await;
    let reasons: Vec<&str> = field(&form, "reason")["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["action"].as_str().unwrap())
        .filter(|a| !a.is_empty())
        .collect();
    assert_eq!(reasons, ["changed_mind", "other"]);
    let refused = shopper
        .act(
            "return-items:1003",
            &[("qty:0", "1"), ("qty:1", "0"), ("reason", "wrong_item")],
        )
        .await;
    assert!(
        !field(&refused, "reason")["error"].is_null(),
        "a reason the merchant does not offer is refused: {refused}"
    );

    let mut ada = Shopper::new(&demo);
    let form = ada.prove("report", "1001", "ada@example.com").await;
    let kinds: Vec<&str> = field(&form, "kind")["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["action"].as_str().unwrap())
        .filter(|a| !a.is_empty())
        .collect();
    assert_eq!(kinds, ["late"], "lost is not among this merchant's kinds");
}

#[tokio::test]
async fn the_merchant_can_reword_the_assistant_per_language() {
    let demo = demo().await;
    let mut file = aisle_server::site_file::parse_site_file(aisle_server::demo::SITE_FILE).unwrap();
    file.strings = serde_json::from_value(json!({
        "en": { "talk_to_person": "Ask an outfitter" },
        "fr": { "track_intro": "Voici où en est votre colis {number}." }
    }))
    .unwrap();
    aisle_server::site_file::import(&demo.state.db, &file)
        .await
        .unwrap();
    demo.state.sites.reload(&demo.state.db).await.unwrap();

    let mut shopper = Shopper::new(&demo);
    let reply = shopper.act("faq", &[]).await;
    let labels: Vec<&str> = reply["prompt"]["choices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["label"].as_str().unwrap())
        .collect();
    assert!(labels.contains(&"Ask an outfitter"), "{reply}");
    assert!(!labels.contains(&"Talk to a person"), "{reply}");

    let mut french = Shopper::new(&demo);
    french.locale = "fr";
    let reply = french.prove("track", "1001", "ada@example.com").await;
    assert!(
        said(&reply).contains("Voici où en est votre colis #1001."),
        "{reply}"
    );
    // Other languages keep the built-in wording.
    let mut thai = Shopper::new(&demo);
    thai.locale = "th";
    let reply = thai.act("faq", &[]).await;
    assert!(!reply.to_string().contains("Ask an outfitter"), "{reply}");
}

#[tokio::test]
async fn outside_business_hours_the_message_form_says_when_the_team_is_back() {
    let demo = demo().await;
    let mut file = aisle_server::site_file::parse_site_file(aisle_server::demo::SITE_FILE).unwrap();
    // Open one minute a week, at a time that is not now.
    let now = aisle_server::db::now();
    let in_two_days = now + 2 * 86_400;
    let tz_day =
        ["thu", "fri", "sat", "sun", "mon", "tue", "wed"][((in_two_days / 86_400) % 7) as usize];
    file.business_hours = serde_json::from_value(json!({
        "time_zone": "UTC",
        "weekly": { tz_day: [["12:00", "12:01"]] }
    }))
    .unwrap();
    aisle_server::site_file::import(&demo.state.db, &file)
        .await
        .unwrap();
    demo.state.sites.reload(&demo.state.db).await.unwrap();

    let mut shopper = Shopper::new(&demo);
    let reply = shopper.act("human", &[]).await;
    assert!(said(&reply).contains("We're away right now"), "{reply}");
    let fact = &reply["said"][0]["card"]["facts"][0];
    assert_eq!(fact["label"], "Back");
    assert_eq!(fact["with_time"], true);
    let back = fact["at"].as_i64().unwrap();
    assert_eq!(
        back,
        in_two_days - in_two_days % 86_400 + 12 * 3600,
        "{reply}"
    );
    assert!(
        !field(&reply, "message").is_null(),
        "the form is still offered"
    );
}

/// A conversation of the demo site with known times (Unix seconds).
async fn past_conversation(
    demo: &Demo,
    id: &str,
    created: i64,
    first: Option<i64>,
    closed: i64,
    csat: Option<i64>,
) {
    sqlx::query(
        "INSERT INTO conversations (id, site_id, resume_hash, state, agent_id, locale, priority, \
         created_at, accepted_at, first_response_at, closed_at, closed_by, csat) \
         VALUES ($1, 'demo', $2, 'closed', (SELECT id FROM agents WHERE email = 'agent@demo.test'), \
         'en', 'normal', $3, $4, $5, $6, 'agent', $7)",
    )
    .bind(id)
    .bind(format!("hash-{id}"))
    .bind(created)
    .bind(first.map(|f| created + f / 2))
    .bind(first.map(|f| created + f))
    .bind(created + closed)
    .bind(csat)
    .execute(&demo.state.db)
    .await
    .unwrap();
}

#[tokio::test]
async fn insights_have_the_known_answers_in_the_agents_time_zone() {
    let demo = demo().await;
    let token = login(&demo).await;
    let (status, _) = agent_call(&demo, "GET", "/api/agent/insights", None, json!(null)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // 2025-03-03 is a Monday. Bangkok is UTC+7.
    // 2025-03-01T00:00+07:00, then day, hour and minute of March in Bangkok.
    let bangkok = |day: i64, hour: i64, minute: i64| {
        1_740_762_000 + (day - 1) * 86_400 + hour * 3_600 + minute * 60
    };
    past_conversation(&demo, "k0", bangkok(3, 6, 30), Some(30), 300, Some(3)).await;
    past_conversation(&demo, "k1", bangkok(3, 9, 10), Some(60), 600, Some(5)).await;
    past_conversation(&demo, "k2", bangkok(3, 9, 40), Some(120), 900, Some(4)).await;
    past_conversation(&demo, "k3", bangkok(4, 20, 0), Some(300), 1200, Some(1)).await;
    past_conversation(&demo, "k4", bangkok(4, 20, 30), None, 1800, None).await;
    let path = "/api/agent/insights?from=2025-03-03&to=2025-03-04&tz=Asia/Bangkok";
    let (status, figures) = agent_call(&demo, "GET", path, Some(&token), json!(null)).await;
    assert_eq!(status, StatusCode::OK, "{figures}");
    assert_eq!(figures["conversations"], 5);
    assert_eq!(
        figures["first_response"],
        json!({"count": 4, "median_seconds": 60, "p90_seconds": 300})
    );
    assert_eq!(
        figures["resolution"],
        json!({"count": 4, "median_seconds": 600, "p90_seconds": 1200})
    );
    assert_eq!(
        figures["csat"],
        json!({"count": 4, "average": 3.25, "distribution": [1, 0, 1, 1, 1]})
    );
    let days: Vec<(&str, u64)> = figures["days"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["day"].as_str().unwrap(),
                d["conversations"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(days, [("2025-03-03", 3), ("2025-03-04", 2)]);
    let heat = &figures["heat_map"];
    assert_eq!(
        (
            heat[0][6].as_u64(),
            heat[0][9].as_u64(),
            heat[1][20].as_u64()
        ),
        (Some(1), Some(2), Some(2))
    );
    assert_eq!(figures["agents"][0]["name"], "Robin");
    assert_eq!(figures["agents"][0]["conversations"], 5);
    // In UTC the 06:30 Bangkok chat falls on the day before.
    let (_, utc) = agent_call(
        &demo,
        "GET",
        "/api/agent/insights?from=2025-03-03&to=2025-03-04",
        Some(&token),
        json!(null),
    )
    .await;
    assert_eq!(utc["conversations"], 4, "{utc}");
    let (status, _) = agent_call(
        &demo,
        "GET",
        "/api/agent/insights?tz=Mars/Olympus",
        Some(&token),
        json!(null),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_staffing_forecast_grows_with_the_expected_traffic() {
    let demo = demo().await;
    let token = login(&demo).await;
    let call = |query: &'static str| {
        let demo = &demo;
        let token = token.clone();
        async move {
            agent_call(
                demo,
                "GET",
                &format!("/api/agent/staffing?{query}"),
                Some(&token),
                json!(null),
            )
            .await
        }
    };
    let (status, usual) = call("handle_seconds=180&target_seconds=20&level=0.8").await;
    assert_eq!(status, StatusCode::OK, "{usual}");
    let (_, black_friday) = call("handle_seconds=180&target_seconds=20&level=0.8&growth=3").await;
    assert!(
        usual["conversations"].as_u64().unwrap() > 0,
        "the demo has history"
    );
    let peak = |v: &Value| v["peak_agents"].as_u64().unwrap();
    assert!(peak(&usual) >= 1);
    assert!(peak(&black_friday) > peak(&usual), "{usual} {black_friday}");
    // Every hour's recommendation is what Erlang C gives for its arrivals.
    for day in 0..7 {
        for hour in 0..24 {
            let arrivals = black_friday["arrivals_per_hour"][day][hour]
                .as_f64()
                .unwrap();
            let agents = black_friday["agents"][day][hour].as_u64().unwrap() as u32;
            assert_eq!(
                agents,
                aisle_core::staffing::agents_needed(arrivals, 180.0, 20.0, 0.8)
            );
        }
    }
    let (status, body) = call("growth=0").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.to_string().contains("growth"), "{body}");
}
