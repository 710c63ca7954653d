//! Integration tests of the real server: the HTTP API through the full router,
//! and the WebSocket endpoint over a real socket on port 0.
//!
//! Run with `cargo test -p aisle-server`.

mod common;
#[path = "server/rejections.rs"]
mod rejections;

use aisle_server::app;
use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::{Demo, Socket, close_code, demo};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::net::SocketAddr;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

/// Sends `request` through `router` as if from `client`.
async fn send(
    router: &Router,
    request: Request<Body>,
    client: [u8; 4],
) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    common::oneshot(router, request, client).await
}

async fn lookup(router: &Router, client: [u8; 4], order: &str, email: &str) -> (StatusCode, Value) {
    let body = json!({ "order": order, "email": email }).to_string();
    let request = Request::post("/api/sites/demo/orders/lookup")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body))
        .unwrap();
    let (status, _, body) = send(router, request, client).await;
    (status, serde_json::from_slice(&body).unwrap())
}

const SHOPPER: [u8; 4] = [10, 0, 0, 1];

#[tokio::test]
async fn tracking_an_in_transit_order_shows_carrier_link_and_timeline() {
    let demo = demo().await;
    let router = app(demo.state.clone());
    let (status, order) = lookup(&router, SHOPPER, "#1001", "ada@example.com").await;
    assert_eq!(status, StatusCode::OK, "{order}");
    assert_eq!(order["number"], 1001);
    assert_eq!(order["state"], "in_transit");
    assert_eq!(order["shipment"]["carrier"], "UPS");
    assert_eq!(order["shipment"]["tracking_number"], "1Z999AA10123456784");
    assert!(
        order["shipment"]["tracking_url"]
            .as_str()
            .unwrap()
            .starts_with("https://")
    );
    assert!(order["shipment"]["estimated_delivery"].is_i64());
    let kinds: Vec<&str> = order["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["ordered", "shipped", "in_transit"]);
    let shipped_at = order["timeline"][1]["at"].as_i64().unwrap();
    let two_days_ago = aisle_server::db::now() - 2 * 24 * 3600;
    assert!(
        (shipped_at - two_days_ago).abs() < 60,
        "shipped 2 days ago, relative to seeding"
    );
}

#[tokio::test]
async fn lookup_accepts_number_without_hash_and_email_in_any_case() {
    let demo = demo().await;
    let router = app(demo.state.clone());
    let (status, order) = lookup(&router, SHOPPER, " 1003 ", "  Alan@Example.COM ").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(order["state"], "delivered");
    assert_eq!(order["items"].as_array().unwrap().len(), 2);
    let (_, vest) = lookup(&router, SHOPPER, "1005", "ada@example.com").await;
    assert_eq!(vest["items"][0]["final_sale"], true);
}

#[tokio::test]
async fn a_wrong_email_answers_exactly_like_an_unknown_order() {
    let demo = demo().await;
    let router = app(demo.state.clone());
    let (wrong_status, wrong) = lookup(&router, SHOPPER, "#1001", "grace@example.com").await;
    let (unknown_status, unknown) = lookup(&router, SHOPPER, "#9999", "ada@example.com").await;
    assert_eq!(wrong_status, StatusCode::NOT_FOUND);
    assert_eq!(wrong_status, unknown_status);
    assert_eq!(wrong, unknown, "no way to tell which orders exist");
    assert_eq!(wrong["code"], "order_not_found");
}

#[tokio::test]
async fn bad_input_gets_a_clear_error() {
    let demo = demo().await;
    let router = app(demo.state.clone());
    let (status, body) = lookup(&router, SHOPPER, "10O1", "ada@example.com").await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_order_number"))
    );
    let (status, body) = lookup(&router, SHOPPER, "1001", "ada-at-example.com").await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_email"))
    );
    let (status, body) = lookup(&router, SHOPPER, "", "ada@example.com").await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_order_number"))
    );

    let not_json = Request::post("/api/sites/demo/orders/lookup")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from("{order: 1001"))
        .unwrap();
    let (status, _, body) = send(&router, not_json, SHOPPER).await;
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("bad_request"))
    );
    assert!(!body["message"].as_str().unwrap().is_empty());

    let huge = Request::post("/api/sites/demo/orders/lookup")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(
            json!({"order": "1001", "email": "a".repeat(100_000)}).to_string(),
        ))
        .unwrap();
    let (status, _, body) = send(&router, huge, SHOPPER).await;
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::PAYLOAD_TOO_LARGE, Some("too_large"))
    );

    let other_site = Request::post("/api/sites/nope/orders/lookup")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(
            json!({"order": "1001", "email": "ada@example.com"}).to_string(),
        ))
        .unwrap();
    let (status, _, body) = send(&router, other_site, SHOPPER).await;
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("unknown_site"))
    );
}

#[tokio::test]
async fn repeated_failures_from_one_client_are_rate_limited() {
    let demo = demo().await;
    let router = app(demo.state.clone());
    for n in 0..aisle_server::LOOKUP_FAILURES {
        let (status, _) = lookup(
            &router,
            SHOPPER,
            &format!("{}", 2000 + n),
            "ada@example.com",
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
    // Even a correct pair is refused now: the guesser learns nothing more.
    let request = Request::post("/api/sites/demo/orders/lookup")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(
            json!({"order": "1001", "email": "ada@example.com"}).to_string(),
        ))
        .unwrap();
    let (status, headers, body) = send(&router, request, SHOPPER).await;
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(body["code"], "rate_limited");
    assert!(body["retry_after"].as_u64().unwrap() > 0);
    assert!(headers.contains_key(header::RETRY_AFTER));
    // Another shopper is unaffected.
    let (status, _) = lookup(&router, [10, 0, 0, 2], "1001", "ada@example.com").await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn guessing_one_orders_email_from_many_clients_is_rate_limited() {
    let demo = demo().await;
    let router = app(demo.state.clone());
    // Each address counts once against the order (so one stranger alone
    // cannot lock its owner out); enough distinct addresses do lock it.
    for n in 0..aisle_server::ORDER_FAILURE_CLIENTS as u8 {
        let (status, _) = lookup(
            &router,
            [10, 1, 0, n],
            "1003",
            &format!("guess{n}@example.com"),
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
    let (status, _) = lookup(&router, [10, 1, 1, 1], "1003", "guess9@example.com").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn seeding_twice_changes_nothing() {
    let demo = demo().await;
    let again = aisle_server::AppState::open(&common::config(&demo.dir, Default::default()))
        .await
        .unwrap();
    let (orders,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM orders")
        .fetch_one(&again.db)
        .await
        .unwrap();
    let (events,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM order_events")
        .fetch_one(&again.db)
        .await
        .unwrap();
    assert_eq!(orders, 5);
    assert_eq!(events, 15);
}

#[tokio::test]
async fn health_and_demo_pages_embed_only_the_merchant_snippet() {
    let demo = demo().await;
    let router = app(demo.state.clone());
    let (status, _, _) = send(
        &router,
        Request::get("/healthz").body(Body::empty()).unwrap(),
        SHOPPER,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    for page in [
        "/",
        "/collections/winter",
        "/products/alpine-parka",
        "/cart",
    ] {
        let (status, headers, body) = send(
            &router,
            Request::get(page).body(Body::empty()).unwrap(),
            SHOPPER,
        )
        .await;
        let html = String::from_utf8(body).unwrap();
        assert_eq!(status, StatusCode::OK, "{page}");
        assert!(
            headers[header::CONTENT_TYPE]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        assert!(
            html.contains(r#"<script src="/widget/aisle.js" data-site="demo" async></script>"#),
            "{page}"
        );
        assert_eq!(
            html.matches("<script").count(),
            1,
            "{page} has other scripts"
        );
    }
}

#[tokio::test]
async fn the_demo_product_page_shows_its_photo_sized_before_it_loads() {
    let demo = demo().await;
    let router = app(demo.state.clone());
    let page = Request::get("/products/alpine-parka").body(Body::empty());
    let (_, _, body) = send(&router, page.unwrap(), SHOPPER).await;
    let html = String::from_utf8(body).unwrap();
    // An `<img>` with its size (no layout shift when it arrives) and a name.
    let img = html
        .split("<img ")
        .nth(1)
        .and_then(|rest| rest.split('>').next())
        .expect("the product page has a photo");
    for attribute in [
        r#"src="/store/alpine-parka.jpg""#,
        r#"width="800""#,
        r#"height="800""#,
        r#"alt="Alpine Parka in signal red""#,
    ] {
        assert!(img.contains(attribute), "{img} lacks {attribute}");
    }
    let photo = Request::get("/store/alpine-parka.jpg").body(Body::empty());
    let (status, headers, body) = send(&router, photo.unwrap(), SHOPPER).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_TYPE], "image/jpeg");
    // A JPEG (start-of-image marker), and a small one.
    assert!(body.starts_with(&[0xFF, 0xD8, 0xFF]));
    assert!(body.len() < 64 * 1024, "{} bytes", body.len());
}

#[tokio::test]
async fn widget_assets_are_served_precompressed_with_fitting_cache_lives() {
    let demo = demo().await;
    let widget = demo.dir.path().join("widget");
    std::fs::create_dir_all(&widget).unwrap();
    std::fs::write(widget.join("aisle.js"), "console.log('loader')").unwrap();
    std::fs::write(widget.join("aisle.js.br"), "brotli bytes").unwrap();
    std::fs::write(widget.join("aisle-widget.0123456789abcdef.wasm"), b"\0asm").unwrap();
    let router = app(demo.state.clone());

    let request = Request::get("/widget/aisle.js")
        .header(header::ACCEPT_ENCODING, "gzip, br")
        .body(Body::empty());
    let (status, headers, body) = send(&router, request.unwrap(), SHOPPER).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_ENCODING], "br");
    assert_eq!(body, b"brotli bytes");
    assert!(
        headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .contains("javascript")
    );
    assert_eq!(headers[header::CACHE_CONTROL], "public, max-age=300");
    assert_eq!(headers[header::ACCESS_CONTROL_ALLOW_ORIGIN], "*");

    let request = Request::get("/widget/aisle-widget.0123456789abcdef.wasm").body(Body::empty());
    let (status, headers, _) = send(&router, request.unwrap(), SHOPPER).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_TYPE], "application/wasm");
    assert!(
        headers[header::CACHE_CONTROL]
            .to_str()
            .unwrap()
            .contains("immutable")
    );
}

/// A real server on port 0; returns its address and the task running it.
async fn serve(demo: &Demo) -> (SocketAddr, tokio::task::JoinHandle<std::io::Result<()>>) {
    common::serve(&demo.state).await
}

async fn connect(
    addr: SocketAddr,
    origin: &str,
) -> Result<Socket, tokio_tungstenite::tungstenite::Error> {
    let mut request = format!("ws://{addr}/ws/v1?site=demo")
        .into_client_request()
        .unwrap();
    request
        .headers_mut()
        .insert("origin", origin.parse().unwrap());
    tokio_tungstenite::connect_async(request)
        .await
        .map(|(socket, _)| socket)
}

async fn next_json(socket: &mut Socket) -> Value {
    loop {
        match socket.next().await.unwrap().unwrap() {
            Message::Text(text) => return serde_json::from_str(&text).unwrap(),
            Message::Ping(_) | Message::Pong(_) => continue,
            other => panic!("expected a text frame, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn websocket_greets_answers_pings_and_closes_only_the_bad_connection() {
    let demo = demo().await;
    let (addr, server) = serve(&demo).await;
    let origin = format!("http://{addr}");

    let mut good = connect(addr, &origin).await.unwrap();
    good.send(Message::text(r#"{"type":"hello"}"#))
        .await
        .unwrap();
    assert_eq!(
        next_json(&mut good).await,
        json!({"type": "welcome", "protocol": 1})
    );

    let mut bad = connect(addr, &origin).await.unwrap();
    bad.send(Message::text("{not json")).await.unwrap();
    assert_eq!(next_json(&mut bad).await["code"], "malformed");
    assert_eq!(close_code(&mut bad).await, CloseCode::Invalid);

    let mut binary = connect(addr, &origin).await.unwrap();
    binary.send(Message::binary(vec![1, 2, 3])).await.unwrap();
    assert_eq!(close_code(&mut binary).await, CloseCode::Unsupported);

    let mut oversized = connect(addr, &origin).await.unwrap();
    let _ = oversized
        .send(Message::text(
            "x".repeat(aisle_core::protocol::MAX_FRAME_BYTES + 1),
        ))
        .await;
    assert!(matches!(
        oversized.next().await,
        Some(Ok(Message::Close(_))) | Some(Err(_)) | None
    ));

    let mut rude = connect(addr, &origin).await.unwrap();
    rude.send(Message::text(r#"{"type":"ping","nonce":1}"#))
        .await
        .unwrap();
    assert_eq!(next_json(&mut rude).await["code"], "unexpected_message");

    // The good connection is untouched by all of that.
    good.send(Message::text(r#"{"type":"ping","nonce":42}"#))
        .await
        .unwrap();
    assert_eq!(
        next_json(&mut good).await,
        json!({"type": "pong", "nonce": 42})
    );

    // Shutdown closes the socket with "restarting" and the server task ends.
    demo.state.shutdown.cancel();
    assert_eq!(close_code(&mut good).await, CloseCode::Restart);
    tokio::time::timeout(std::time::Duration::from_secs(5), server)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
}

#[tokio::test]
async fn websocket_refuses_pages_from_origins_the_site_does_not_allow() {
    let demo = demo().await;
    let (addr, _server) = serve(&demo).await;
    let refused = connect(addr, "https://evil.example").await.unwrap_err();
    match refused {
        tokio_tungstenite::tungstenite::Error::Http(response) => assert_eq!(response.status(), 403),
        other => panic!("expected HTTP 403, got {other:?}"),
    }
    // The demo's configured origins are allowed even when served from elsewhere.
    let mut allowed = connect(addr, "http://localhost:8080").await.unwrap();
    allowed
        .send(Message::text(r#"{"type":"hello"}"#))
        .await
        .unwrap();
    assert_eq!(next_json(&mut allowed).await["type"], "welcome");
}

async fn post_json(router: &Router, path: &str, body: Value) -> (StatusCode, Value) {
    let request = Request::post(path)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    let (status, _, body) = send(router, request, SHOPPER).await;
    (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

#[tokio::test]
async fn the_demo_campaigns_are_live_and_revalidate_by_etag() {
    let demo = demo().await;
    let router = app(demo.state.clone());
    let (status, headers, body) = send(
        &router,
        Request::get("/api/sites/demo/campaigns")
            .body(Body::empty())
            .unwrap(),
        SHOPPER,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::ETAG], "\"campaigns-1\"");
    assert_eq!(headers[header::CACHE_CONTROL], "no-cache");
    assert!(String::from_utf8(body).unwrap().contains("bf-sitewide"));
    let revalidate = Request::get("/api/sites/demo/campaigns")
        .header(header::IF_NONE_MATCH, "\"campaigns-1\"")
        .body(Body::empty());
    let (status, _, _) = send(&router, revalidate.unwrap(), SHOPPER).await;
    assert_eq!(status, StatusCode::NOT_MODIFIED);
}

#[tokio::test]
async fn the_campaign_feed_is_what_the_widget_decodes_with_etag_cdn_cache_and_cors() {
    use aisle_core::campaign::feed;
    let demo = demo().await;
    let router = app(demo.state.clone());
    let get = |etag: Option<&str>, origin: Option<&str>| {
        let mut request = Request::get("/api/sites/demo/campaigns/feed");
        if let Some(etag) = etag {
            request = request.header(header::IF_NONE_MATCH, etag);
        }
        if let Some(origin) = origin {
            request = request.header(header::ORIGIN, origin);
        }
        send(&router, request.body(Body::empty()).unwrap(), SHOPPER)
    };
    let (status, headers, body) = get(None, Some("http://localhost:8080")).await;
    assert_eq!(status, StatusCode::OK);
    let etag = headers[header::ETAG].to_str().unwrap().to_owned();
    assert!(
        etag.starts_with(&format!("\"f{}-", aisle_core::campaign::feed::FORMAT)),
        "{etag}"
    );
    let cache = headers[header::CACHE_CONTROL].to_str().unwrap();
    assert!(
        cache.contains("public") && cache.contains("max-age=0") && cache.contains("s-maxage="),
        "{cache}"
    );
    assert_eq!(
        headers[header::ACCESS_CONTROL_ALLOW_ORIGIN],
        "http://localhost:8080"
    );
    assert!(
        headers[header::ACCESS_CONTROL_EXPOSE_HEADERS]
            .to_str()
            .unwrap()
            .contains("etag")
    );
    let answer: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        answer["etag"],
        etag.as_str(),
        "the ETag travels with the feed"
    );
    let fed = feed::decode(answer["feed"].as_str().unwrap()).expect("a feed the widget reads");
    let demo_file = aisle_core::campaign::parse_campaigns(aisle_server::demo::CAMPAIGNS).unwrap();
    // The live file, as checked, its links tagged for the store's analytics.
    assert_eq!(
        fed.file,
        aisle_server::campaigns::with_utm(demo_file),
        "the live file, as checked"
    );
    assert_eq!(fed.agents_online, 0);

    // The stored copy's ETag still holds: 304, no body.
    let (status, headers, body) = get(Some(&etag), None).await;
    assert_eq!(status, StatusCode::NOT_MODIFIED);
    assert_eq!(headers[header::ETAG], etag.as_str());
    assert!(body.is_empty());

    // An agent coming online changes the feed, and so its ETag.
    let (agent_connection, _outbox) = aisle_server::chat::hub::channel(64 * 1024);
    demo.state
        .chat
        .add_agent("demo", 1, "session", agent_connection);
    let (status, headers, body) = get(Some(&etag), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_ne!(headers[header::ETAG], etag.as_str());
    let answer: Value = serde_json::from_slice(&body).unwrap();
    let fed = feed::decode(answer["feed"].as_str().unwrap()).unwrap();
    assert_eq!(fed.agents_online, 1);

    // A push too.
    let new = r#"{"version": 1, "campaigns": [{"id": "holiday", "message": "Order by Dec 17"}]}"#;
    aisle_server::campaigns::push(&demo.state.db, "demo", new)
        .await
        .unwrap();
    let (_, _, body) = get(Some(&etag), None).await;
    let answer: Value = serde_json::from_slice(&body).unwrap();
    let fed = feed::decode(answer["feed"].as_str().unwrap()).unwrap();
    assert_eq!(fed.file.campaigns[0].id, "holiday");

    // A preflight for the conditional request from an allowed origin.
    let preflight = Request::options("/api/sites/demo/campaigns/feed")
        .header(header::ORIGIN, "http://localhost:8080")
        .header(header::ACCESS_CONTROL_REQUEST_METHOD, "GET")
        .header(header::ACCESS_CONTROL_REQUEST_HEADERS, "if-none-match")
        .body(Body::empty())
        .unwrap();
    let (status, headers, _) = send(&router, preflight, SHOPPER).await;
    assert!(status.is_success(), "{status}");
    assert!(
        headers[header::ACCESS_CONTROL_ALLOW_HEADERS]
            .to_str()
            .unwrap()
            .contains("if-none-match")
    );
    let (status, _, _) = send(
        &router,
        Request::get("/api/sites/nope/campaigns/feed")
            .body(Body::empty())
            .unwrap(),
        SHOPPER,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn an_invalid_push_never_replaces_the_live_campaigns() {
    let demo = demo().await;
    let db = &demo.state.db;
    let refused =
        aisle_server::campaigns::push(db, "demo", r#"{"version": 1, "campaigns": [{"id": "x"}]}"#)
            .await;
    assert!(
        matches!(refused, Err(aisle_server::campaigns::PushError::Invalid(ref e)) if !e.is_empty())
    );
    assert_eq!(
        aisle_server::campaigns::live(db, "demo")
            .await
            .unwrap()
            .unwrap()
            .0,
        1
    );
    let new = r#"{"version": 1, "campaigns": [{"id": "holiday", "message": "Order by Dec 17"}]}"#;
    assert_eq!(
        aisle_server::campaigns::push(db, "demo", new)
            .await
            .unwrap(),
        2
    );
    let router = app(demo.state.clone());
    let (_, decision) = post_json(
        &router,
        "/api/sites/demo/campaigns/evaluate",
        json!({"url": "/cart"}),
    )
    .await;
    assert_eq!(
        decision["show"]["id"], "holiday",
        "the widget sees a push at once"
    );
    assert_eq!(decision["version"], 2);
}

#[tokio::test]
async fn evaluate_tells_the_widget_what_to_show_and_when_to_ask_again() {
    let demo = demo().await;
    let router = app(demo.state.clone());
    let evaluate = |body: Value| post_json(&router, "/api/sites/demo/campaigns/evaluate", body);

    let (status, early) = evaluate(json!({"url": "/", "on_page_ms": 10_000})).await;
    assert_eq!(status, StatusCode::OK, "{early}");
    assert_eq!(early["show"], Value::Null);
    assert_eq!(early["next_in_ms"], 5_000, "one exact timer, not polling");

    let (_, due) = evaluate(json!({"url": "/?utm_source=mail", "on_page_ms": 15_000})).await;
    assert_eq!(due["show"]["id"], "bf-sitewide");
    assert_eq!(
        due["show"]["message"],
        "Black Friday: 25% off everything today only."
    );
    assert_eq!(
        due["show"]["actions"][0],
        json!({"label": "Shop the sale", "url": "/collections/winter"})
    );

    let (_, french) =
        evaluate(json!({"url": "/", "on_page_ms": 15_000, "language": "fr-CA"})).await;
    assert!(
        french["show"]["message"]
            .as_str()
            .unwrap()
            .starts_with("Black Friday :")
    );

    let (_, seen) =
        evaluate(json!({"url": "/", "on_page_ms": 20_000, "shown_in_session": ["bf-sitewide"]}))
            .await;
    assert_eq!(seen["show"], Value::Null, "once per session");

    let (_, nudge) = evaluate(json!({"url": "/cart", "cart_value_minor": 3_000})).await;
    assert_eq!(nudge["show"]["id"], "free-shipping-nudge");
    // "Our outfitters are online" needs an agent online (live presence).
    let (agent_connection, _outbox) = aisle_server::chat::hub::channel(64 * 1024);
    demo.state
        .chat
        .add_agent("demo", 1, "session", agent_connection);
    let (_, vip) = evaluate(json!({"url": "/collections/winter", "on_page_ms": 15_000})).await;
    assert_eq!(
        vip["show"]["actions"][0],
        json!({"label": "Chat with an outfitter", "url": null})
    );

    let (status, body) = evaluate(json!({"url": "/", "seconds": 3})).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("bad_request"))
    );
    let (status, _) = post_json(
        &router,
        "/api/sites/nope/campaigns/evaluate",
        json!({"url": "/"}),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn campaign_events_are_counted_per_day_for_live_campaigns_only() {
    let demo = demo().await;
    let router = app(demo.state.clone());
    let events = "/api/sites/demo/campaigns/events";
    for _ in 0..2 {
        let (status, _) = post_json(
            &router,
            events,
            json!({"campaign": "bf-sitewide", "kind": "shown"}),
        )
        .await;
        assert_eq!(status, StatusCode::NO_CONTENT);
    }
    let (status, _) = post_json(
        &router,
        events,
        json!({"campaign": "bf-sitewide", "kind": "dismissed"}),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = post_json(
        &router,
        events,
        json!({"campaign": "made-up", "kind": "shown"}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = post_json(
        &router,
        events,
        json!({"campaign": "bf-sitewide", "kind": "liked"}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let counts: Vec<(String, i64)> = sqlx::query_as(
        "SELECT kind, count FROM campaign_events WHERE campaign_id = 'bf-sitewide' ORDER BY kind",
    )
    .fetch_all(&demo.state.db)
    .await
    .unwrap();
    assert_eq!(
        counts,
        [("dismissed".to_owned(), 1), ("shown".to_owned(), 2)]
    );
}
