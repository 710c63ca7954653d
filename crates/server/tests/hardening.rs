//! The server under attack: parallel bursts against every failure limit,
//! forged and trusted forwarding headers, anonymous writes past their
//! limits, out-of-range numbers, session cookies and tokens, slow and idle
//! connections, and memory after a burst of logins.
//!
//! Run with `cargo test -p aisle-server --test hardening`.

mod common;

use aisle_server::client::TrustedProxies;
use aisle_server::limits::WriteLimits;
use aisle_server::{AppState, Network, app};
use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::said;
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The demo with `network`: its state and data directory.
async fn demo(network: Network) -> (AppState, tempfile::TempDir) {
    let demo = common::demo_with(network).await;
    (demo.state, demo.dir)
}

/// Sends `request` as if from `peer`; status, headers and JSON body (or Null).
async fn send(
    router: &Router,
    request: Request<Body>,
    peer: [u8; 4],
) -> (StatusCode, axum::http::HeaderMap, Value) {
    common::oneshot_json(router, request, peer).await
}

fn post(path: &str) -> axum::http::request::Builder {
    Request::post(path).header(header::CONTENT_TYPE, "application/json")
}

fn lookup(order: &str, email: &str) -> Request<Body> {
    post("/api/sites/demo/orders/lookup")
        .body(Body::from(
            json!({"order": order, "email": email}).to_string(),
        ))
        .unwrap()
}

fn login(email: &str, password: &str) -> Request<Body> {
    login_with(post("/api/agent/login"), email, password)
}

fn login_with(builder: axum::http::request::Builder, email: &str, password: &str) -> Request<Body> {
    let body = json!({"email": email, "password": password}).to_string();
    builder.body(Body::from(body)).unwrap()
}

/// Fires `n` copies of a request at once; counts the statuses.
async fn burst(
    router: &Router,
    n: usize,
    make: impl Fn(usize) -> (Request<Body>, [u8; 4]),
) -> std::collections::BTreeMap<u16, usize> {
    let tasks: Vec<_> = (0..n)
        .map(|i| {
            let (request, peer) = make(i);
            let router = router.clone();
            tokio::spawn(async move { send(&router, request, peer).await.0 })
        })
        .collect();
    let mut counts = std::collections::BTreeMap::new();
    for task in tasks {
        *counts.entry(task.await.unwrap().as_u16()).or_default() += 1;
    }
    counts
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn five_hundred_parallel_wrong_lookups_get_five_answers_then_429() {
    let (state, _dir) = demo(Network::default()).await;
    let router = app(state);
    let counts = burst(&router, 500, |i| {
        (
            lookup(&format!("#{}", 2000 + i), "mallory@example.com"),
            [10, 0, 0, 9],
        )
    })
    .await;
    assert_eq!(
        counts.get(&404).copied(),
        Some(aisle_server::LOOKUP_FAILURES),
        "{counts:?}"
    );
    assert_eq!(
        counts.get(&429).copied(),
        Some(500 - aisle_server::LOOKUP_FAILURES)
    );
}

#[tokio::test]
async fn a_strangers_misses_do_not_lock_the_owner_out_of_their_order() {
    let (state, _dir) = demo(Network::default()).await;
    let router = app(state);
    let stranger = [10, 0, 0, 66];
    for _ in 0..aisle_server::LOOKUP_FAILURES {
        let (status, _, _) = send(&router, lookup("#1001", "guess@example.com"), stranger).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
    let (status, _, _) = send(&router, lookup("#1001", "guess@example.com"), stranger).await;
    assert_eq!(
        status,
        StatusCode::TOO_MANY_REQUESTS,
        "the stranger is stopped"
    );
    let (status, _, order) = send(&router, lookup("#1001", "ada@example.com"), [10, 0, 0, 1]).await;
    assert_eq!(status, StatusCode::OK, "the owner is not: {order}");
    assert_eq!(order["number"], 1001);
}

#[tokio::test]
async fn many_addresses_missing_one_order_lock_it() {
    let (state, _dir) = demo(Network::default()).await;
    let router = app(state);
    for i in 0..aisle_server::ORDER_FAILURE_CLIENTS {
        let (status, _, _) = send(
            &router,
            lookup("#1002", "guess@example.com"),
            [10, 1, 0, i as u8],
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
    let (status, headers, body) =
        send(&router, lookup("#1002", "guess@example.com"), [10, 2, 0, 1]).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(headers.contains_key(header::RETRY_AFTER));
    assert_eq!(body["code"], "rate_limited");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn five_hundred_parallel_wrong_logins_get_ten_answers_then_429() {
    let (state, _dir) = demo(Network::default()).await;
    let router = app(state);
    let counts = burst(&router, 500, |i| {
        let request = login(&format!("nobody{i}@demo.test"), "wrong");
        (request, [10, 0, 0, 77])
    })
    .await;
    assert_eq!(
        counts.get(&401).copied(),
        Some(aisle_server::LOGIN_FAILURES),
        "{counts:?}"
    );
    assert_eq!(
        counts.get(&429).copied(),
        Some(500 - aisle_server::LOGIN_FAILURES)
    );
}

#[tokio::test]
async fn a_strangers_wrong_passwords_do_not_lock_the_agent_out() {
    let (state, _dir) = demo(Network::default()).await;
    let router = app(state);
    let stranger = [10, 0, 0, 99];
    for _ in 0..aisle_server::LOGIN_FAILURES {
        let request = login("agent@demo.test", "guess");
        assert_eq!(
            send(&router, request, stranger).await.0,
            StatusCode::UNAUTHORIZED
        );
    }
    let request = login("agent@demo.test", "demo-agent");
    assert_eq!(
        send(&router, request, stranger).await.0,
        StatusCode::TOO_MANY_REQUESTS
    );
    let request = login("agent@demo.test", "demo-agent");
    let (status, _, body) = send(&router, request, [10, 0, 0, 5]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

fn proxied(network: Network) -> Network {
    Network {
        trusted_proxies: "127.0.0.1/32".parse::<TrustedProxies>().unwrap(),
        ..network
    }
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_client_has_its_own_limit() {
    let (state, _dir) = demo(proxied(Network::default())).await;
    let router = app(state);
    let proxy = [127, 0, 0, 1];
    let from = |client: &str| {
        let mut request = lookup("#1003", "guess@example.com");
        request
            .headers_mut()
            .insert("x-forwarded-for", client.parse().unwrap());
        request
    };
    for _ in 0..aisle_server::LOOKUP_FAILURES {
        assert_eq!(
            send(&router, from("203.0.113.7"), proxy).await.0,
            StatusCode::NOT_FOUND
        );
    }
    assert_eq!(
        send(&router, from("203.0.113.7"), proxy).await.0,
        StatusCode::TOO_MANY_REQUESTS
    );
    // Another shopper behind the same proxy is not locked out.
    assert_eq!(
        send(&router, from("203.0.113.8"), proxy).await.0,
        StatusCode::NOT_FOUND
    );
    // Forging the header from the shopper's side does not help: the proxy
    // appends the real address, and that is the one counted.
    assert_eq!(
        send(&router, from("198.51.100.1, 203.0.113.7"), proxy)
            .await
            .0,
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[tokio::test]
async fn without_trusted_proxies_forwarding_headers_are_ignored() {
    let (state, _dir) = demo(Network::default()).await;
    let router = app(state);
    let peer = [10, 9, 9, 9];
    for i in 0..=aisle_server::LOOKUP_FAILURES {
        let mut request = lookup("#1004", "guess@example.com");
        request
            .headers_mut()
            .insert("x-forwarded-for", format!("203.0.113.{i}").parse().unwrap());
        let status = send(&router, request, peer).await.0;
        let expected = if i < aisle_server::LOOKUP_FAILURES {
            StatusCode::NOT_FOUND
        } else {
            StatusCode::TOO_MANY_REQUESTS
        };
        assert_eq!(status, expected, "attempt {i}");
    }
}

async fn assist(
    router: &Router,
    peer: [u8; 4],
    session: Option<&str>,
    action: &str,
    values: Value,
) -> Value {
    let body = json!({"action": action, "values": values, "locale": "en", "session": session});
    let request = post("/api/sites/demo/assist")
        .body(Body::from(body.to_string()))
        .unwrap();
    let (status, _, reply) = send(router, request, peer).await;
    assert_eq!(status, StatusCode::OK, "{reply}");
    reply
}

#[tokio::test]
async fn messages_to_the_team_are_limited_per_address_and_the_text_is_kept() {
    let (state, _dir) = demo(Network::default()).await;
    let db = state.db.clone();
    let router = app(state);
    let peer = [10, 3, 0, 1];
    let per_hour = WriteLimits::default().tickets;
    let values = json!([
        ["email", "spam@example.com"],
        ["message", "Hello there, is anyone in?"]
    ]);
    let first = assist(&router, peer, None, "message", json!([])).await;
    let session = first["session"].as_str().unwrap().to_owned();
    for _ in 0..per_hour {
        let reply = assist(&router, peer, Some(&session), "message", values.clone()).await;
        assert!(said(&reply).contains("spam@example.com"), "{reply}");
    }
    let reply = assist(&router, peer, Some(&session), "message", values.clone()).await;
    assert!(said(&reply).contains("Too many attempts"), "{reply}");
    // The form comes back with what was typed.
    let fields = &reply["prompt"]["form"]["fields"];
    assert_eq!(fields[1]["value"], "Hello there, is anyone in?", "{reply}");
    let (tickets,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM tickets")
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(tickets as usize, per_hour);
    // Another address may still write.
    let other = assist(&router, [10, 3, 0, 2], None, "message", values).await;
    assert!(said(&other).contains("spam@example.com"), "{other}");
}

#[tokio::test]
async fn new_self_service_sessions_are_limited_per_address() {
    let writes = WriteLimits {
        sessions: 7,
        ..WriteLimits::default()
    };
    let (state, _dir) = demo(Network {
        writes,
        ..Network::default()
    })
    .await;
    let router = app(state);
    let peer = [10, 4, 0, 1];
    for _ in 0..writes.sessions {
        assist(&router, peer, None, "menu", json!([])).await;
    }
    let body = json!({"action": "menu", "values": [], "locale": "en"});
    let request = post("/api/sites/demo/assist")
        .body(Body::from(body.to_string()))
        .unwrap();
    let (status, _, _) = send(&router, request, peer).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn stale_self_service_sessions_are_purged() {
    let (state, _dir) = demo(Network::default()).await;
    let db = state.db.clone();
    let router = app(state);
    let reply = assist(&router, [10, 5, 0, 1], None, "menu", json!([])).await;
    let session = reply["session"].as_str().unwrap().to_owned();
    let now = aisle_server::db::now();
    let purge = aisle_server::records::purge_sessions;
    assert_eq!(purge(&db, now).await.unwrap(), 0, "a fresh session stays");
    let later = now + aisle_server::records::SESSION_IDLE + 1;
    assert_eq!(purge(&db, later).await.unwrap(), 1);
    let (left,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM assist_sessions WHERE token = $1")
        .bind(&session)
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(left, 0);
}

#[tokio::test]
async fn out_of_range_visitor_numbers_answer_400_naming_the_field() {
    let (state, _dir) = demo(Network::default()).await;
    let router = app(state);
    for (field, value) in [
        ("scroll_percent", json!(101)),
        ("on_page_ms", json!(u64::MAX)),
        ("cart_value_minor", json!(-5)),
        ("visits", json!(4_000_000_000u64)),
        ("pages_viewed", json!(-1)),
    ] {
        let mut visitor = json!({"url": "/"});
        visitor[field] = value;
        let request = post("/api/sites/demo/campaigns/evaluate")
            .body(Body::from(visitor.to_string()))
            .unwrap();
        let (status, _, body) = send(&router, request, [10, 6, 0, 1]).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{field}: {body}");
        assert!(
            body["message"].as_str().unwrap_or_default().contains(field),
            "{field}: {body}"
        );
    }
}

#[tokio::test]
async fn campaign_events_past_the_limit_answer_429_and_are_not_counted() {
    let writes = WriteLimits {
        campaign_events: 40,
        ..WriteLimits::default()
    };
    let (state, _dir) = demo(Network {
        writes,
        ..Network::default()
    })
    .await;
    let db = state.db.clone();
    let router = app(state);
    let (campaign,): (String,) = sqlx::query_as(
        "SELECT source FROM campaign_versions WHERE site_id = 'demo' ORDER BY version DESC LIMIT 1",
    )
    .fetch_one(&db)
    .await
    .unwrap();
    let file: Value = serde_json::from_str(&campaign).unwrap();
    let id = file["campaigns"][0]["id"].as_str().unwrap().to_owned();
    let per_hour = writes.campaign_events;
    let event = || {
        post("/api/sites/demo/campaigns/events")
            .body(Body::from(
                json!({"campaign": id, "kind": "shown"}).to_string(),
            ))
            .unwrap()
    };
    for _ in 0..per_hour {
        assert_eq!(
            send(&router, event(), [10, 7, 0, 1]).await.0,
            StatusCode::NO_CONTENT
        );
    }
    assert_eq!(
        send(&router, event(), [10, 7, 0, 1]).await.0,
        StatusCode::TOO_MANY_REQUESTS
    );
    let (count,): (i64,) = sqlx::query_as(
        "SELECT CAST(COALESCE(SUM(count), 0) AS BIGINT) FROM campaign_events WHERE campaign_id = $1 AND kind = 'shown'",
    )
    .bind(&id)
    .fetch_one(&db)
    .await
    .unwrap();
    assert_eq!(count as usize, per_hour);
}

#[tokio::test]
async fn sessions_are_stored_hashed_and_cookies_are_secure_over_https() {
    let (state, _dir) = demo(proxied(Network::default())).await;
    let db = state.db.clone();
    let router = app(state);
    let request = login_with(
        post("/api/agent/login").header("x-forwarded-proto", "https"),
        "agent@demo.test",
        "demo-agent",
    );
    let (status, headers, body) = send(&router, request, [127, 0, 0, 1]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let cookie = headers[header::SET_COOKIE].to_str().unwrap().to_owned();
    assert!(cookie.starts_with("__Host-aisle_agent="), "{cookie}");
    assert!(cookie.contains("; Secure;"), "{cookie}");
    let token = body["token"].as_str().unwrap().to_owned();
    let (stored,): (String,) = sqlx::query_as("SELECT token FROM agent_sessions")
        .fetch_one(&db)
        .await
        .unwrap();
    assert_ne!(stored, token, "the database holds no usable token");
    // The session works by cookie and by bearer token.
    let me = Request::get("/api/agent/me")
        .header(header::COOKIE, format!("__Host-aisle_agent={token}"))
        .body(Body::empty())
        .unwrap();
    let (status, _, me) = send(&router, me, [127, 0, 0, 1]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["email"], "agent@demo.test");
    // Plain HTTP without --secure-cookies: no Secure flag (browsers would drop it).
    let request = login("agent@demo.test", "demo-agent");
    let (_, headers, _) = send(&router, request, [10, 8, 0, 1]).await;
    let cookie = headers[header::SET_COOKIE].to_str().unwrap();
    assert!(
        cookie.starts_with("aisle_agent=") && !cookie.contains("Secure"),
        "{cookie}"
    );
}

/// Starts the real server on a loopback port with `network`.
async fn serve(network: Network) -> (SocketAddr, AppState, tempfile::TempDir) {
    let (state, dir) = demo(network).await;
    let (addr, _) = common::serve(&state).await;
    (addr, state, dir)
}

/// Reads until the peer closes; `true` if it closed within `within`.
async fn closes_within(stream: &mut tokio::net::TcpStream, within: Duration) -> bool {
    let mut buf = [0u8; 1024];
    tokio::time::timeout(within, async {
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    })
    .await
    .is_ok()
}

#[tokio::test]
async fn a_client_that_sends_headers_slowly_is_cut_off() {
    let network = Network {
        header_timeout: Duration::from_millis(500),
        ..Network::default()
    };
    let (addr, _state, _dir) = serve(network).await;
    let mut slow = tokio::net::TcpStream::connect(addr).await.unwrap();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    // Headers never finish: the server hangs up (with a 408 or without a word).
    assert!(closes_within(&mut slow, Duration::from_secs(5)).await);
    // A normal client is served meanwhile.
    let mut ok = tokio::net::TcpStream::connect(addr).await.unwrap();
    ok.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut answer = String::new();
    ok.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

#[tokio::test]
async fn an_idle_connection_is_closed() {
    let network = Network {
        idle_timeout: Duration::from_millis(500),
        header_timeout: Duration::from_secs(30),
        ..Network::default()
    };
    let (addr, _state, _dir) = serve(network).await;
    let mut idle = tokio::net::TcpStream::connect(addr).await.unwrap();
    assert!(closes_within(&mut idle, Duration::from_secs(5)).await);
}

#[tokio::test]
async fn connections_past_the_cap_wait_until_one_closes() {
    let network = Network {
        max_connections: 2,
        ..Network::default()
    };
    let (addr, _state, _dir) = serve(network).await;
    let request = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
    let mut held = Vec::new();
    for _ in 0..2 {
        let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        stream.write_all(request).await.unwrap();
        let mut buf = [0u8; 512];
        let n = stream.read(&mut buf).await.unwrap();
        assert!(buf[..n].starts_with(b"HTTP/1.1 200"));
        held.push(stream); // kept alive
    }
    let mut third = tokio::net::TcpStream::connect(addr).await.unwrap();
    third.write_all(request).await.unwrap();
    let mut buf = [0u8; 512];
    let waited = tokio::time::timeout(Duration::from_millis(500), third.read(&mut buf)).await;
    assert!(
        waited.is_err(),
        "the third connection is not served while two are open"
    );
    drop(held.pop());
    let n = tokio::time::timeout(Duration::from_secs(5), third.read(&mut buf))
        .await
        .expect("served once a slot frees")
        .unwrap();
    assert!(buf[..n].starts_with(b"HTTP/1.1 200"));
}

/// Resident memory of process `pid`, in KiB.
fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

/// One HTTP/1.1 login through a raw socket; the status code.
async fn raw_login(addr: SocketAddr, client: &str) -> u16 {
    let body = json!({"email": format!("x{client}@demo.test"), "password": "wrong"}).to_string();
    let request = format!(
        "POST /api/agent/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
         X-Forwarded-For: {client}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer).await;
    answer
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or(0)
}

/// 500 parallel logins from 500 addresses (each one runs Argon2) leave the
/// real server's resident memory within 100 MB of where it started.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_burst_of_500_logins_leaves_memory_flat() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let mut server = std::process::Command::new(env!("CARGO_BIN_EXE_aisle"))
        .args(["serve", "--demo", "--listen", &addr.to_string()])
        .arg("--db")
        .arg(format!(
            "sqlite://{}",
            dir.path().join("aisle.db").display()
        ))
        .arg("--assets")
        .arg(dir.path())
        .env("AISLE_TRUSTED_PROXIES", "127.0.0.1")
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while tokio::net::TcpStream::connect(addr).await.is_err() {
        assert!(
            std::time::Instant::now() < deadline,
            "the server did not start"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(raw_login(addr, "192.0.2.1").await, 401);
    let before = rss_kib(server.id());
    let tasks: Vec<_> = (0..500u32)
        .map(|i| {
            let client = format!("198.18.{}.{}", i / 250, i % 250);
            tokio::spawn(async move { raw_login(addr, &client).await })
        })
        .collect();
    let mut unauthorized = 0;
    for task in tasks {
        if task.await.unwrap() == 401 {
            unauthorized += 1;
        }
    }
    let after = rss_kib(server.id());
    server.kill().unwrap();
    let _ = server.wait();
    assert_eq!(unauthorized, 500, "every login was checked");
    let growth_mb = after.saturating_sub(before) / 1024;
    eprintln!("RSS before {before} KiB, after 500 logins {after} KiB (+{growth_mb} MB)");
    assert!(growth_mb < 100, "RSS grew {growth_mb} MB");
}
