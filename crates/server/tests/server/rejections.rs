//! One rejection mapping for every JSON body the API takes: each endpoint
//! family (self-service, order lookup, campaign evaluation and events, agent
//! login) answers a body over 16 KiB with `413 too_large` and a body that is
//! not what it takes with `400 bad_request` naming the offending field, and
//! an unknown site with `404 unknown_site` before reading the body.
//!
//! A module of `tests/server.rs`: run with
//! `cargo test -p aisle-server --test server rejections`.

use crate::common;
use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::{Value, json};

/// The JSON endpoints, each with a valid body to spoil.
const ENDPOINTS: [&str; 5] = [
    "/api/sites/demo/assist",
    "/api/sites/demo/orders/lookup",
    "/api/sites/demo/campaigns/evaluate",
    "/api/sites/demo/campaigns/events",
    "/api/agent/login",
];

async fn demo() -> (Router, tempfile::TempDir) {
    let demo = common::demo().await;
    (demo.router, demo.dir)
}

/// Posts `body` with `content_type` and returns the status and the JSON answer.
async fn post(
    router: &Router,
    path: &str,
    content_type: Option<&str>,
    body: String,
) -> (StatusCode, Value) {
    let mut request = Request::post(path);
    if let Some(content_type) = content_type {
        request = request.header(header::CONTENT_TYPE, content_type);
    }
    let request = request.body(Body::from(body)).unwrap();
    let (status, _, body) = common::oneshot_json(router, request, [203, 0, 113, 9]).await;
    (status, body)
}

async fn post_json(router: &Router, path: &str, body: Value) -> (StatusCode, Value) {
    post(router, path, Some("application/json"), body.to_string()).await
}

#[tokio::test]
async fn every_json_endpoint_answers_an_oversized_body_with_413() {
    let (router, _dir) = demo().await;
    // Valid JSON of each shape, padded past 16 KiB inside a string field.
    let pad = "x".repeat(17 * 1024);
    let bodies = [
        json!({"locale": "en", "action": "menu", "values": [["message", pad]]}),
        json!({"order": "1001", "email": pad}),
        json!({"url": pad}),
        json!({"campaign": pad, "kind": "shown"}),
        json!({"email": "agent@demo.test", "password": pad}),
    ];
    for (path, body) in ENDPOINTS.iter().zip(bodies) {
        let (status, answer) = post_json(&router, path, body).await;
        assert_eq!(
            (status, answer["code"].as_str()),
            (StatusCode::PAYLOAD_TOO_LARGE, Some("too_large")),
            "{path}: {answer}"
        );
    }
    // Just under the limit is read (and answered on its merits).
    let fits =
        json!({"locale": "en", "action": "menu", "values": [["message", "x".repeat(15 * 1024)]]});
    let (status, answer) = post_json(&router, ENDPOINTS[0], fits).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
}

#[tokio::test]
async fn every_json_endpoint_names_the_invalid_field() {
    let (router, _dir) = demo().await;
    let cases = [
        // (endpoint, body, the field the answer must name)
        (ENDPOINTS[0], json!({"action": "menu"}), "locale"),
        (
            ENDPOINTS[0],
            json!({"locale": "en", "action": "menu", "values": [["order", 1001]]}),
            "values[0][1]",
        ),
        (
            ENDPOINTS[0],
            json!({"locale": "en", "action": "menu", "identity": {"email": "a@b.c", "signature": 7}}),
            "identity.signature",
        ),
        (
            ENDPOINTS[1],
            json!({"order": 1001, "email": "ada@example.com"}),
            "order",
        ),
        (ENDPOINTS[1], json!({"order": "1001"}), "email"),
        (
            ENDPOINTS[2],
            json!({"url": "/", "scroll_percent": 400}),
            "scroll_percent",
        ),
        (ENDPOINTS[2], json!({"url": "/", "seconds": 3}), "seconds"),
        (
            ENDPOINTS[3],
            json!({"campaign": "bf-sitewide", "kind": "waved"}),
            "kind",
        ),
        (
            ENDPOINTS[4],
            json!({"email": "agent@demo.test", "password": 5}),
            "password",
        ),
        (
            ENDPOINTS[4],
            json!({"email": "agent@demo.test", "password": "x", "remember": true}),
            "remember",
        ),
    ];
    for (path, body, field) in cases {
        let (status, answer) = post_json(&router, path, body.clone()).await;
        assert_eq!(
            (status, answer["code"].as_str(), answer["field"].as_str()),
            (StatusCode::BAD_REQUEST, Some("bad_request"), Some(field)),
            "{path} {body}: {answer}"
        );
        let message = answer["message"].as_str().unwrap();
        assert!(message.contains(field), "{path}: {message}");
    }
}

#[tokio::test]
async fn bodies_that_are_not_json_are_400_without_a_field() {
    let (router, _dir) = demo().await;
    for path in ENDPOINTS {
        for (content_type, body) in [
            (Some("application/json"), "{order: 1001"),
            (Some("application/json"), ""),
            (Some("text/plain"), "{}"),
            (None, "{}"),
        ] {
            let (status, answer) = post(&router, path, content_type, body.into()).await;
            assert_eq!(
                (status, answer["code"].as_str()),
                (StatusCode::BAD_REQUEST, Some("bad_request")),
                "{path} {content_type:?} {body}: {answer}"
            );
            assert!(answer.get("field").is_none(), "{path}: {answer}");
            assert!(!answer["message"].as_str().unwrap().is_empty());
        }
    }
    // Trailing data after a valid value is refused too.
    let (status, answer) = post(
        &router,
        "/api/sites/demo/campaigns/evaluate",
        Some("application/json"),
        "{\"url\": \"/\"} {}".into(),
    )
    .await;
    assert_eq!(
        (status, answer["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("bad_request")),
        "{answer}"
    );
    // `application/…+json` and parameters are JSON too.
    let (status, _) = post(
        &router,
        "/api/sites/demo/campaigns/evaluate",
        Some("application/vnd.aisle+json; charset=utf-8"),
        json!({"url": "/"}).to_string(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn an_unknown_site_is_404_before_its_body_is_read() {
    let (router, _dir) = demo().await;
    let huge = json!({"url": "x".repeat(20 * 1024)});
    for path in [
        "/api/sites/nope/assist",
        "/api/sites/nope/orders/lookup",
        "/api/sites/nope/campaigns/evaluate",
        "/api/sites/nope/campaigns/events",
        "/api/sites/nope/campaigns/code",
        "/api/sites/nope/campaigns/customer",
    ] {
        for body in [huge.clone(), json!({"not": "valid"})] {
            let (status, answer) = post_json(&router, path, body).await;
            assert_eq!(
                (status, answer["code"].as_str()),
                (StatusCode::NOT_FOUND, Some("unknown_site")),
                "{path}: {answer}"
            );
        }
    }
    for path in ["/api/sites/nope/widget", "/api/sites/nope/campaigns"] {
        let request = Request::get(path).body(Body::empty()).unwrap();
        let (status, _, bytes) = common::oneshot(&router, request, [203, 0, 113, 9]).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        let answer: Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(answer["code"], "unknown_site", "{path}");
    }
}
