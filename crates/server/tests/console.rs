//! Integration tests of what the agent console needs from the server: the
//! console's files at `/console/`, macros, the order facts macros fill in, and
//! marking tickets and return requests done — always for the agent's own site.
//!
//! Run with `cargo test -p aisle-server --test console`.

mod common;

use aisle_server::{AppState, Network};
use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::Demo;
use serde_json::Value;

/// The demo with a console build (an index page and a hashed stylesheet) in its assets.
async fn demo() -> Demo {
    let dir = tempfile::tempdir().unwrap();
    let console = dir.path().join("console");
    std::fs::create_dir_all(&console).unwrap();
    std::fs::write(
        console.join("index.html"),
        "<!DOCTYPE html><title>console</title>",
    )
    .unwrap();
    std::fs::write(console.join("console.0123456789abcdef.css"), "body{}").unwrap();
    common::demo_in(dir, Network::default()).await
}

/// Sends `request` from a client address; status, headers and JSON (or Null).
async fn send(router: &Router, request: Request<Body>) -> (StatusCode, header::HeaderMap, Value) {
    common::oneshot_json(router, request, [10, 0, 0, 9]).await
}

/// Logs the demo agent in; the bearer token.
async fn log_in(router: &Router) -> String {
    common::log_in(router, [10, 0, 0, 9]).await
}

fn get(path: &str, token: Option<&str>) -> Request<Body> {
    let mut request = Request::get(path);
    if let Some(token) = token {
        request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    request.body(Body::empty()).unwrap()
}

fn post(path: &str, token: Option<&str>) -> Request<Body> {
    let mut request = Request::post(path);
    if let Some(token) = token {
        request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    request.body(Body::empty()).unwrap()
}

/// Adds a second site with a ticket and a return request, and one of each for the demo.
async fn seed_records(state: &AppState) {
    let db = &state.db;
    for statement in [
        "INSERT INTO sites (id, name, allowed_origins, created_at) VALUES ('other', 'Other', '[]', 0)",
        "INSERT INTO orders (site_id, number, email, state, currency, total_minor, placed_at) \
         VALUES ('other', 1003, 'x@example.com', 'delivered', 'USD', 100, 0)",
        "INSERT INTO tickets (reference, site_id, kind, email, body, created_at) \
         VALUES ('T-DEMO1', 'demo', 'message', 'ada@example.com', 'Where is my parcel?', 1)",
        "INSERT INTO tickets (reference, site_id, kind, email, body, created_at) \
         VALUES ('T-OTHER', 'other', 'message', 'x@example.com', 'Hello', 1)",
        "INSERT INTO return_requests (reference, site_id, order_number, email, items, reason, created_at) \
         VALUES ('R-DEMO1', 'demo', 1003, 'alan@example.com', '[]', 'changed my mind', 1)",
        "INSERT INTO return_requests (reference, site_id, order_number, email, items, reason, created_at) \
         VALUES ('R-OTHER', 'other', 1003, 'x@example.com', '[]', 'other', 1)",
    ] {
        sqlx::query(statement).execute(db).await.unwrap();
    }
}

async fn status_of(state: &AppState, table: &str, reference: &str) -> String {
    let sql = format!("SELECT status FROM {table} WHERE reference = $1");
    let (status,): (String,) = sqlx::query_as(&sql)
        .bind(reference)
        .fetch_one(&state.db)
        .await
        .unwrap();
    status
}

#[tokio::test]
async fn the_console_page_is_served_at_console_with_and_without_the_slash() {
    let demo = demo().await;
    for path in ["/console", "/console/"] {
        let (status, headers, _) = send(&demo.router, get(path, None)).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(
            headers[header::CONTENT_TYPE]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        assert_eq!(
            headers[header::CACHE_CONTROL],
            "no-cache",
            "a release shows at once"
        );
        assert_eq!(headers[header::X_FRAME_OPTIONS], "DENY");
        assert!(
            headers.get(header::ACCESS_CONTROL_ALLOW_ORIGIN).is_none(),
            "same origin only"
        );
    }
    let (status, headers, _) = send(
        &demo.router,
        get("/console/console.0123456789abcdef.css", None),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        headers[header::CACHE_CONTROL],
        "public, max-age=31536000, immutable"
    );
    let (status, headers, _) = send(
        &demo.router,
        get("/console/missing.0123456789abcdef.js", None),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        headers[header::CACHE_CONTROL],
        "no-cache",
        "a 404 is never cached for a year"
    );
}

#[tokio::test]
async fn macros_are_seeded_for_the_demo_and_need_a_login() {
    let demo = demo().await;
    let (status, _, _) = send(&demo.router, get("/api/agent/macros", None)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let token = log_in(&demo.router).await;
    let (status, _, body) = send(&demo.router, get("/api/agent/macros", Some(&token))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let ids: Vec<_> = body["macros"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["greeting", "tracking-link", "return-instructions"]);
    assert!(
        body["macros"][1]["body"]
            .as_str()
            .unwrap()
            .contains("{{order.tracking_url}}")
    );

    // Seeding again (every `--demo` start) adds nothing.
    aisle_server::macros::seed_demo(&demo.state.db, "demo")
        .await
        .unwrap();
    let (_, _, again) = send(&demo.router, get("/api/agent/macros", Some(&token))).await;
    assert_eq!(again, body);
}

#[tokio::test]
async fn order_facts_fill_macros_for_the_agents_own_site_only() {
    let demo = demo().await;
    seed_records(&demo.state).await;
    let token = log_in(&demo.router).await;
    let (status, _, order) = send(&demo.router, get("/api/agent/orders/1001", Some(&token))).await;
    assert_eq!(status, StatusCode::OK, "{order}");
    assert_eq!(
        order["tracking_url"],
        "https://www.ups.com/track?tracknum=1Z999AA10123456784"
    );
    let (status, _, _) = send(&demo.router, get("/api/agent/orders/1001", None)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _, error) = send(&demo.router, get("/api/agent/orders/4242", Some(&token))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(error["code"], "not_found");
}

#[tokio::test]
async fn marking_tickets_and_returns_done_works_for_the_agents_own_site_only() {
    let demo = demo().await;
    seed_records(&demo.state).await;
    let token = log_in(&demo.router).await;

    let (status, _, _) = send(&demo.router, post("/api/agent/tickets/T-DEMO1/done", None)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "agents only");
    assert_eq!(status_of(&demo.state, "tickets", "T-DEMO1").await, "open");

    let (status, _, _) = send(
        &demo.router,
        post("/api/agent/tickets/T-DEMO1/done", Some(&token)),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(status_of(&demo.state, "tickets", "T-DEMO1").await, "done");
    let (_, _, list) = send(&demo.router, get("/api/agent/tickets", Some(&token))).await;
    assert_eq!(list["tickets"][0]["status"], "done");
    // Doing it twice is fine.
    let (status, _, _) = send(
        &demo.router,
        post("/api/agent/tickets/T-DEMO1/done", Some(&token)),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);

    let (status, _, _) = send(
        &demo.router,
        post("/api/agent/returns/R-DEMO1/done", Some(&token)),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(
        status_of(&demo.state, "return_requests", "R-DEMO1").await,
        "done"
    );
    let (agent, at): (Option<i64>, Option<i64>) =
        sqlx::query_as("SELECT done_by, done_at FROM return_requests WHERE reference = 'R-DEMO1'")
            .fetch_one(&demo.state.db)
            .await
            .unwrap();
    assert!(agent.is_some() && at.is_some(), "who and when are kept");

    // Another site's records look like unknown ones and stay as they were.
    for (path, table, reference, before) in [
        (
            "/api/agent/tickets/T-OTHER/done",
            "tickets",
            "T-OTHER",
            "open",
        ),
        (
            "/api/agent/returns/R-OTHER/done",
            "return_requests",
            "R-OTHER",
            "requested",
        ),
        ("/api/agent/tickets/T-NOPE/done", "tickets", "T-NOPE", ""),
    ] {
        let (status, _, error) = send(&demo.router, post(path, Some(&token))).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(error["code"], "not_found");
        if !before.is_empty() {
            assert_eq!(status_of(&demo.state, table, reference).await, before);
        }
    }
}

/// Follows `next` from the first page of `path` (`limit` per page): the
/// references in order and how many pages it took.
async fn all_pages(router: &Router, token: &str, path: &str, key: &str) -> (Vec<String>, usize) {
    let (mut seen, mut pages) = (Vec::new(), 0);
    let mut url = path.to_owned();
    loop {
        let (status, _, answer) = send(router, get(&url, Some(token))).await;
        assert_eq!(status, StatusCode::OK, "{url}: {answer}");
        pages += 1;
        seen.extend(
            answer[key]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["reference"].as_str().unwrap().to_owned()),
        );
        match answer["next"].as_str() {
            Some(next) => url = format!("{path}&before={next}"),
            None => break,
        }
        assert!(pages < 100, "paging ends");
    }
    (seen, pages)
}

#[tokio::test]
async fn tickets_and_returns_come_a_page_at_a_time_without_repeats_or_gaps() {
    let demo = demo().await;
    seed_records(&demo.state).await;
    let token = log_in(&demo.router).await;
    // 23 more tickets and 11 more returns, several created in the same second.
    for i in 0..23 {
        sqlx::query(
            "INSERT INTO tickets (reference, site_id, kind, email, body, created_at) \
             VALUES ($1, 'demo', 'message', 'ada@example.com', 'Hi', $2)",
        )
        .bind(format!("T-{i:02}"))
        .bind(100 + i / 4)
        .execute(&demo.state.db)
        .await
        .unwrap();
    }
    for i in 0..11 {
        sqlx::query(
            "INSERT INTO return_requests (reference, site_id, order_number, email, items, reason, created_at) \
             VALUES ($1, 'demo', 1003, 'alan@example.com', '[]', 'too small', $2)",
        )
        .bind(format!("R-{i:02}"))
        .bind(100 + i / 3)
        .execute(&demo.state.db)
        .await
        .unwrap();
    }

    let (tickets, pages) = all_pages(
        &demo.router,
        &token,
        "/api/agent/tickets?limit=5",
        "tickets",
    )
    .await;
    assert_eq!(pages, 5, "24 tickets, 5 a page");
    let mut expected: Vec<String> = (0..23).rev().map(|i| format!("T-{i:02}")).collect();
    expected.push("T-DEMO1".into());
    assert_eq!(
        tickets, expected,
        "newest first, each once, none missing, own site only"
    );

    let (returns, pages) = all_pages(
        &demo.router,
        &token,
        "/api/agent/returns?limit=4",
        "returns",
    )
    .await;
    assert_eq!(pages, 3);
    let mut expected: Vec<String> = (0..11).rev().map(|i| format!("R-{i:02}")).collect();
    expected.push("R-DEMO1".into());
    assert_eq!(returns, expected);

    // Without a limit: the whole (short) list and no next page, as before.
    let (_, _, answer) = send(&demo.router, get("/api/agent/tickets", Some(&token))).await;
    assert_eq!(answer["tickets"].as_array().unwrap().len(), 24);
    assert_eq!(answer["next"], Value::Null);

    // A ticket arriving while the agent pages does not shift the older pages.
    let (_, _, first) = send(
        &demo.router,
        get("/api/agent/tickets?limit=5", Some(&token)),
    )
    .await;
    sqlx::query(
        "INSERT INTO tickets (reference, site_id, kind, email, body, created_at) \
         VALUES ('T-NEW', 'demo', 'message', 'ada@example.com', 'New', 500)",
    )
    .execute(&demo.state.db)
    .await
    .unwrap();
    let next = first["next"].as_str().unwrap();
    let (_, _, second) = send(
        &demo.router,
        get(
            &format!("/api/agent/tickets?limit=5&before={next}"),
            Some(&token),
        ),
    )
    .await;
    assert_eq!(second["tickets"][0]["reference"], "T-17");

    // Bad paging is a clear 400; a huge limit is capped.
    for path in [
        "/api/agent/tickets?limit=0",
        "/api/agent/tickets?limit=lots",
        "/api/agent/returns?before=yesterday",
        "/api/agent/returns?before=1.2.3",
    ] {
        let (status, _, error) = send(&demo.router, get(path, Some(&token))).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}");
        assert_eq!(error["code"], "bad_request", "{path}");
    }
    let (status, _, answer) = send(
        &demo.router,
        get("/api/agent/tickets?limit=100000", Some(&token)),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(answer["tickets"].as_array().unwrap().len(), 25);
}
