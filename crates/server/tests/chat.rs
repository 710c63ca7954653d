//! Live handoff end to end: the real server on port 0 with a temporary SQLite
//! file, shoppers on `/ws/v1?site=demo` and agents (logged in over HTTP) on
//! `/ws/v1/agent`, all over real WebSockets.
//!
//! Run with `cargo test -p aisle-server --test chat`.

mod common;

use aisle_core::protocol::{ChatMessage, Party, ServerMessage};
use aisle_server::{AppState, Network, app};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::{
    PATIENCE, Socket, agent_socket, close_code, close_frame, config, connect, next, send,
};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

/// The demo served on a free loopback port.
struct Demo {
    state: AppState,
    addr: SocketAddr,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
    dir: tempfile::TempDir,
}

/// Opens the database in `dir` and serves it on a free port.
async fn serve_dir(dir: tempfile::TempDir) -> Demo {
    let state = AppState::open(&config(&dir, Network::default()))
        .await
        .unwrap();
    let (addr, server) = common::serve(&state).await;
    Demo {
        state,
        addr,
        server,
        dir,
    }
}

async fn demo() -> Demo {
    serve_dir(tempfile::tempdir().unwrap()).await
}

impl Demo {
    /// Stops the server (as on SIGTERM) and waits for it; returns the data directory.
    async fn stop(self) -> tempfile::TempDir {
        self.state.shutdown.cancel();
        tokio::time::timeout(PATIENCE, self.server)
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        self.dir
    }

    /// An HTTP request through the full router.
    async fn http(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Value,
    ) -> (StatusCode, axum::http::HeaderMap, Value) {
        let mut request = Request::builder()
            .method(method)
            .uri(path)
            .header(header::CONTENT_TYPE, "application/json");
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let request = request.body(Body::from(body.to_string())).unwrap();
        common::oneshot_json(&app(self.state.clone()), request, [10, 0, 0, 42]).await
    }

    /// Logs an agent in; returns the token and the `Set-Cookie` value.
    async fn login(&self, email: &str, password: &str) -> (String, String) {
        let (status, headers, body) = self
            .http(
                "POST",
                "/api/agent/login",
                &[],
                json!({"email": email, "password": password}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let cookie = headers
            .get(header::SET_COOKIE)
            .expect("login sets the session cookie")
            .to_str()
            .unwrap()
            .to_owned();
        (body["token"].as_str().unwrap().to_owned(), cookie)
    }

    /// The demo agent Robin, logged in.
    async fn robin(&self) -> String {
        self.login("agent@demo.test", "demo-agent").await.0
    }

    /// A second agent of the demo site, Sam, logged in.
    async fn sam(&self) -> String {
        aisle_server::agents::ensure_agent(
            &self.state.db,
            "demo",
            "sam@demo.test",
            "Sam",
            "sam-password",
        )
        .await
        .unwrap();
        self.login("sam@demo.test", "sam-password").await.0
    }

    /// A self-service session in which the shopper proved order 1001 (ada@example.com).
    async fn proven_assist_session(&self) -> String {
        let act = |session: Option<String>, action: &str, values: Value| json!({"session": session, "locale": "en", "action": action, "values": values});
        let (_, _, asked) = self
            .http(
                "POST",
                "/api/sites/demo/assist",
                &[],
                act(None, "track", json!([])),
            )
            .await;
        let session = asked["session"].as_str().map(String::from);
        let (status, _, proven) = self
            .http(
                "POST",
                "/api/sites/demo/assist",
                &[],
                act(
                    session,
                    "identify:track",
                    json!([["order", "1001"], ["email", "ada@example.com"]]),
                ),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{proven}");
        proven["session"].as_str().unwrap().to_owned()
    }

    /// What the campaign evaluator shows a visitor on the winter collection after 15 s.
    async fn collection_campaign(&self) -> Value {
        let (status, _, decision) = self
            .http(
                "POST",
                "/api/sites/demo/campaigns/evaluate",
                &[],
                json!({"url": "/collections/winter", "on_page_ms": 15_000}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{decision}");
        decision["show"]["id"].clone()
    }
}

/// A shopper's socket from a page of the server's own origin (the demo store).
async fn shopper_socket(addr: SocketAddr) -> Socket {
    connect(
        format!("ws://{addr}/ws/v1?site=demo"),
        &[("origin", format!("http://{addr}"))],
    )
    .await
    .unwrap()
}

/// A shopper who said hello (optionally resuming); returns the socket and the welcome.
async fn shopper(addr: SocketAddr, resume: Option<&str>, last_seq: u64) -> (Socket, Value) {
    let mut socket = shopper_socket(addr).await;
    let hello = match resume {
        Some(token) => json!({"type": "hello", "resume": token, "last_seq": last_seq}),
        None => json!({"type": "hello"}),
    };
    send(&mut socket, hello).await;
    let welcome = next(&mut socket).await;
    assert_eq!(welcome["type"], "welcome", "{welcome}");
    (socket, welcome)
}

/// An agent who said hello; the welcome is checked and the first queue consumed.
async fn agent(addr: SocketAddr, token: &str) -> Socket {
    let mut socket = agent_socket(addr, token).await;
    send(&mut socket, json!({"type": "hello"})).await;
    let welcome = next(&mut socket).await;
    assert_eq!(welcome["type"], "welcome", "{welcome}");
    assert_eq!(welcome["site"], "demo");
    next_of(&mut socket, "queue").await;
    socket
}

/// The next frame of `kind`, skipping queue updates and other kinds.
async fn next_of(socket: &mut Socket, kind: &str) -> Value {
    loop {
        let frame = next(socket).await;
        if frame["type"] == kind {
            return frame;
        }
        assert_ne!(frame["type"], "error", "while waiting for {kind}: {frame}");
    }
}

/// The next frame that is not a queue update.
async fn next_event(socket: &mut Socket) -> Value {
    loop {
        let frame = next(socket).await;
        if frame["type"] != "queue" {
            return frame;
        }
    }
}

/// Every frame arriving within `ms` milliseconds.
async fn drain(socket: &mut Socket, ms: u64) -> Vec<Value> {
    let mut frames = Vec::new();
    while let Ok(Some(Ok(message))) =
        tokio::time::timeout(Duration::from_millis(ms), socket.next()).await
    {
        if let Message::Text(text) = message {
            frames.push(serde_json::from_str(&text).unwrap());
        }
    }
    frames
}

/// The shopper asks for a person with `context`; returns (conversation, resume token).
async fn start(socket: &mut Socket, context: Value) -> (String, String) {
    send(
        socket,
        json!({"type": "start", "locale": "en", "context": context}),
    )
    .await;
    let started = next(socket).await;
    assert_eq!(started["type"], "started", "{started}");
    let queue = next(socket).await;
    assert_eq!(queue["type"], "queue", "{queue}");
    (
        started["conversation"].as_str().unwrap().to_owned(),
        started["resume"].as_str().unwrap().to_owned(),
    )
}

/// Robin online, a shopper who started a conversation Robin accepted.
struct Chat {
    robin: Socket,
    ada: Socket,
    id: String,
    resume: String,
}

async fn chat(demo: &Demo) -> Chat {
    let token = demo.robin().await;
    let mut robin = agent(demo.addr, &token).await;
    let (mut ada, _) = shopper(demo.addr, None, 0).await;
    let (id, resume) = start(&mut ada, json!({"page_url": "/cart"})).await;
    send(&mut robin, json!({"type": "accept", "conversation": id})).await;
    let conversation = next_of(&mut robin, "conversation").await;
    assert_eq!(conversation["id"], id.as_str());
    let joined = next_event(&mut ada).await;
    assert_eq!(joined, json!({"type": "agent_joined", "name": "Robin"}));
    Chat {
        robin,
        ada,
        id,
        resume,
    }
}

async fn stored_messages(demo: &Demo, id: &str) -> Vec<(i64, String, String)> {
    sqlx::query_as("SELECT seq, author, text FROM messages WHERE conversation_id = $1 ORDER BY seq")
        .bind(id)
        .fetch_all(&demo.state.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_shopper_reaches_an_agent_and_they_chat_with_acks_and_sequence_numbers() {
    let demo = demo().await;
    let token = demo.robin().await;
    let mut robin = agent(demo.addr, &token).await;

    let (mut ada, welcome) = shopper(demo.addr, None, 0).await;
    assert_eq!(welcome, json!({"type": "welcome", "protocol": 1}));
    let context = json!({
        "page_url": "https://shop.example/products/alpine-parka",
        "page_title": "Alpine parka",
        "pages": ["https://shop.example/", "https://shop.example/collections/winter"],
        "cart": {"value_minor": 12_900, "currency": "USD",
                 "items": [{"sku": "PARKA-M", "title": "Alpine parka", "quantity": 1}]},
        "campaign": "collections-vip",
        "email": "kim@example.com",
        // Claimed, not proven: the server drops these.
        "verified_orders": [1001],
        "email_verified": true,
    });
    send(
        &mut ada,
        json!({"type": "start", "locale": "en", "context": context}),
    )
    .await;
    let started = next(&mut ada).await;
    assert_eq!(started["type"], "started");
    let id = started["conversation"].as_str().unwrap().to_owned();
    assert_eq!(started["resume"].as_str().unwrap().len(), 64);
    assert_eq!(
        next(&mut ada).await,
        json!({"type": "queue", "position": 1, "expected_wait_seconds": null, "agents_online": 1})
    );

    // The agent sees the waiting shopper with what they shared.
    let queue = next_of(&mut robin, "queue").await;
    let entry = &queue["waiting"][0];
    assert_eq!(entry["conversation"], id.as_str());
    assert_eq!(
        entry["priority"], "high_cart",
        "129.00 in the cart, no proven order"
    );
    // The queue has a short summary; the whole context comes on accepting.
    let summary = &entry["summary"];
    assert_eq!(
        summary["page_url"],
        "https://shop.example/products/alpine-parka"
    );
    assert_eq!(summary["cart"], json!([12_900, "USD"]));
    assert_eq!(summary["campaign"], "collections-vip");
    assert_eq!(summary["email"], "kim@example.com");
    assert_eq!(summary.get("verified_orders"), None, "claimed, not proven");
    assert_eq!(queue["total"], 1);
    assert_eq!(
        summary.get("email_verified"),
        None,
        "the console marks the typed email unverified"
    );

    send(&mut robin, json!({"type": "accept", "conversation": id})).await;
    let conversation = next_of(&mut robin, "conversation").await;
    assert_eq!(conversation["messages"], json!([]));
    assert_eq!(conversation["more"], false);
    assert_eq!(conversation["context"]["page_title"], "Alpine parka");
    assert_eq!(
        conversation["context"]["pages"].as_array().unwrap().len(),
        2
    );
    assert_eq!(
        conversation["context"]["cart"]["items"][0]["sku"],
        "PARKA-M"
    );
    assert_eq!(conversation["context"]["verified_orders"], json!([]));
    assert_eq!(conversation["context"]["email_verified"], false);
    assert_eq!(
        next_of(&mut robin, "accepted").await["by"],
        "Robin",
        "every agent drops it from the queue"
    );
    assert_eq!(
        next_event(&mut ada).await,
        json!({"type": "agent_joined", "name": "Robin"})
    );

    send(
        &mut ada,
        json!({"type": "send", "client_id": "a1", "text": "Does the parka run small?"}),
    )
    .await;
    assert_eq!(
        next_event(&mut ada).await,
        json!({"type": "ack", "client_id": "a1", "seq": 1})
    );
    let heard = next_of(&mut robin, "message").await;
    assert_eq!(heard["conversation"], id.as_str());
    assert_eq!(heard["message"]["seq"], 1);
    assert_eq!(heard["message"]["author"], "shopper");
    assert_eq!(heard["message"]["text"], "Does the parka run small?");

    send(
        &mut robin,
        json!({"type": "send", "conversation": id, "client_id": "r1", "text": "It runs true to size."}),
    )
    .await;
    assert_eq!(
        next_of(&mut robin, "ack").await,
        json!({"type": "ack", "conversation": id, "client_id": "r1", "seq": 2})
    );
    let reply = next_event(&mut ada).await;
    assert_eq!(reply["type"], "message");
    assert_eq!(reply["seq"], 2);
    assert_eq!(reply["author"], "agent");
    assert_eq!(reply["name"], "Robin");
    assert_eq!(reply["text"], "It runs true to size.");
    assert_eq!(
        reply["client_id"],
        Value::Null,
        "the agent's ids stay with the agent"
    );
    assert!(reply["at"].as_i64().unwrap() > 0);

    assert_eq!(
        stored_messages(&demo, &id).await,
        [
            (1, "shopper".into(), "Does the parka run small?".into()),
            (2, "agent".into(), "It runs true to size.".into())
        ]
    );
}

#[tokio::test]
async fn typing_and_read_receipts_are_relayed_both_ways() {
    let demo = demo().await;
    let Chat {
        mut robin,
        mut ada,
        id,
        resume,
    } = chat(&demo).await;

    send(&mut ada, json!({"type": "typing", "typing": true})).await;
    assert_eq!(
        next_of(&mut robin, "typing").await,
        json!({"type": "typing", "conversation": id, "typing": true})
    );
    send(
        &mut robin,
        json!({"type": "typing", "conversation": id, "typing": true}),
    )
    .await;
    assert_eq!(
        next_event(&mut ada).await,
        json!({"type": "typing", "typing": true, "name": "Robin"})
    );

    send(
        &mut robin,
        json!({"type": "send", "conversation": id, "client_id": "r1", "text": "Hello!"}),
    )
    .await;
    assert_eq!(next_event(&mut ada).await["seq"], 1);
    send(&mut ada, json!({"type": "read", "seq": 1})).await;
    assert_eq!(
        next_of(&mut robin, "read").await,
        json!({"type": "read", "conversation": id, "seq": 1})
    );
    send(
        &mut ada,
        json!({"type": "send", "client_id": "a1", "text": "Hi"}),
    )
    .await;
    assert_eq!(next_event(&mut ada).await["type"], "ack");
    // Reading past the end only reads what exists.
    send(
        &mut robin,
        json!({"type": "read", "conversation": id, "seq": 99}),
    )
    .await;
    assert_eq!(
        next_event(&mut ada).await,
        json!({"type": "read", "seq": 2})
    );

    // A reloaded widget learns how far the agent read.
    let (_, welcome) = shopper(demo.addr, Some(&resume), 2).await;
    assert_eq!(welcome["conversation"]["agent_read"], 2);
}

#[tokio::test]
async fn a_dropped_shopper_resumes_without_loss_or_duplicates() {
    let demo = demo().await;
    let Chat {
        mut robin,
        mut ada,
        id,
        resume,
    } = chat(&demo).await;
    send(
        &mut ada,
        json!({"type": "send", "client_id": "a1", "text": "Is it waterproof?"}),
    )
    .await;
    assert_eq!(next_event(&mut ada).await["seq"], 1);
    assert_eq!(next_of(&mut robin, "message").await["message"]["seq"], 1);

    // The shopper's network drops; the agent keeps writing.
    drop(ada);
    for (client_id, text) in [
        ("r1", "Yes, fully taped seams."),
        ("r2", "Rated to 10k mm."),
    ] {
        send(
            &mut robin,
            json!({"type": "send", "conversation": id, "client_id": client_id, "text": text}),
        )
        .await;
        next_of(&mut robin, "ack").await;
    }

    let (mut ada, welcome) = shopper(demo.addr, Some(&resume), 1).await;
    assert_eq!(
        welcome["conversation"],
        json!({"id": id, "state": "active", "agent": "Robin", "last_seq": 3, "agent_read": 0})
    );
    let missed: Vec<(Value, Value)> = [next(&mut ada).await, next(&mut ada).await]
        .into_iter()
        .map(|m| (m["seq"].clone(), m["text"].clone()))
        .collect();
    assert_eq!(
        missed,
        [
            (json!(2), json!("Yes, fully taped seams.")),
            (json!(3), json!("Rated to 10k mm."))
        ]
    );
    // The widget resends what it never saw acknowledged: same ack, nothing new.
    send(
        &mut ada,
        json!({"type": "send", "client_id": "a1", "text": "Is it waterproof?"}),
    )
    .await;
    assert_eq!(
        next(&mut ada).await,
        json!({"type": "ack", "client_id": "a1", "seq": 1})
    );
    // Live messages flow again, both ways.
    send(
        &mut robin,
        json!({"type": "send", "conversation": id, "client_id": "r3", "text": "Anything else?"}),
    )
    .await;
    assert_eq!(next(&mut ada).await["seq"], 4);
    send(
        &mut ada,
        json!({"type": "send", "client_id": "a2", "text": "No, thanks!"}),
    )
    .await;
    assert_eq!(next(&mut ada).await["seq"], 5);
    let heard = next_of(&mut robin, "message").await;
    assert_eq!(
        (&heard["message"]["seq"], &heard["message"]["text"]),
        (&json!(5), &json!("No, thanks!")),
        "the agent never sees the resend"
    );
    assert_eq!(stored_messages(&demo, &id).await.len(), 5);

    // A reload with everything seen replays nothing.
    let (mut again, _) = shopper(demo.addr, Some(&resume), 5).await;
    assert_eq!(drain(&mut again, 300).await, Vec::<Value>::new());
}

#[tokio::test]
async fn a_resent_client_id_is_stored_and_shown_once() {
    let demo = demo().await;
    let Chat {
        mut robin,
        mut ada,
        id,
        ..
    } = chat(&demo).await;
    for _ in 0..3 {
        send(
            &mut ada,
            json!({"type": "send", "client_id": "same", "text": "Where is my order?"}),
        )
        .await;
        assert_eq!(
            next(&mut ada).await,
            json!({"type": "ack", "client_id": "same", "seq": 1})
        );
    }
    send(
        &mut ada,
        json!({"type": "send", "client_id": "next", "text": "It's #1001."}),
    )
    .await;
    assert_eq!(next(&mut ada).await["seq"], 2);
    let first = next_of(&mut robin, "message").await;
    let second = next_of(&mut robin, "message").await;
    assert_eq!(first["message"]["seq"], 1);
    assert_eq!(second["message"]["seq"], 2, "no duplicate in between");
    // The agent's resends are deduplicated the same way.
    for _ in 0..2 {
        send(
            &mut robin,
            json!({"type": "send", "conversation": id, "client_id": "same", "text": "Checking."}),
        )
        .await;
        assert_eq!(next_of(&mut robin, "ack").await["seq"], 3);
    }
    assert_eq!(next(&mut ada).await["seq"], 3);
    assert_eq!(drain(&mut ada, 300).await, Vec::<Value>::new());
    assert_eq!(stored_messages(&demo, &id).await.len(), 3);
}

#[tokio::test]
async fn conversations_survive_a_server_restart() {
    let demo = demo().await;
    let token = demo.robin().await;
    let Chat {
        mut robin,
        mut ada,
        id,
        resume,
    } = chat(&demo).await;
    send(
        &mut ada,
        json!({"type": "send", "client_id": "a1", "text": "Can I change the size?"}),
    )
    .await;
    next(&mut ada).await;
    send(
        &mut robin,
        json!({"type": "send", "conversation": id, "client_id": "r1", "text": "Sure, which one?"}),
    )
    .await;
    next_of(&mut robin, "ack").await;
    assert_eq!(next(&mut ada).await["seq"], 2);

    let dir = demo.stop().await;
    assert_eq!(close_code(&mut ada).await, CloseCode::Restart);
    assert_eq!(close_code(&mut robin).await, CloseCode::Restart);

    let demo = serve_dir(dir).await;
    let (mut ada, welcome) = shopper(demo.addr, Some(&resume), 0).await;
    assert_eq!(welcome["conversation"]["state"], "active");
    assert_eq!(welcome["conversation"]["agent"], "Robin");
    let history: Vec<Value> = vec![next(&mut ada).await, next(&mut ada).await];
    assert_eq!(history[0]["client_id"], "a1", "the shopper's own message");
    assert_eq!(history[0]["text"], "Can I change the size?");
    assert_eq!(history[1]["text"], "Sure, which one?");

    // The agent's session survives too, and the console gets its open conversation back.
    let mut robin = agent(demo.addr, &token).await;
    let conversation = next_of(&mut robin, "conversation").await;
    assert_eq!(conversation["id"], id.as_str());
    assert_eq!(conversation["messages"].as_array().unwrap().len(), 2);
    assert_eq!(conversation["messages"][1]["client_id"], "r1");

    send(
        &mut ada,
        json!({"type": "send", "client_id": "a2", "text": "Large, please."}),
    )
    .await;
    assert_eq!(next(&mut ada).await["seq"], 3);
    assert_eq!(
        next_of(&mut robin, "message").await["message"]["text"],
        "Large, please."
    );
}

#[tokio::test]
async fn two_agents_racing_to_accept_exactly_one_wins() {
    let demo = demo().await;
    let (robin_token, sam_token) = (demo.robin().await, demo.sam().await);
    let mut robin = agent(demo.addr, &robin_token).await;
    let mut sam = agent(demo.addr, &sam_token).await;
    let (mut ada, _) = shopper(demo.addr, None, 0).await;
    let (id, _) = start(&mut ada, json!({})).await;

    let accept = json!({"type": "accept", "conversation": id});
    let (a, b) = tokio::join!(send(&mut robin, accept.clone()), send(&mut sam, accept));
    let _ = (a, b);
    let outcome = |frames: &[Value]| -> &'static str {
        if frames.iter().any(|f| f["type"] == "conversation") {
            "won"
        } else if frames
            .iter()
            .any(|f| f["type"] == "error" && f["code"] == "already_taken")
        {
            "lost"
        } else {
            "nothing"
        }
    };
    let robin_frames = drain(&mut robin, 500).await;
    let sam_frames = drain(&mut sam, 500).await;
    let mut outcomes = [outcome(&robin_frames), outcome(&sam_frames)];
    outcomes.sort();
    assert_eq!(outcomes, ["lost", "won"], "{robin_frames:?} {sam_frames:?}");
    let winner = if outcome(&robin_frames) == "won" {
        "Robin"
    } else {
        "Sam"
    };
    for frames in [&robin_frames, &sam_frames] {
        assert!(
            frames
                .iter()
                .any(|f| f["type"] == "accepted" && f["by"] == winner),
            "both consoles drop it from the queue: {frames:?}"
        );
    }
    assert_eq!(
        next_event(&mut ada).await,
        json!({"type": "agent_joined", "name": winner})
    );
    let (name,): (String,) = sqlx::query_as(
        "SELECT a.name FROM conversations c JOIN agents a ON a.id = c.agent_id WHERE c.id = $1",
    )
    .bind(&id)
    .fetch_one(&demo.state.db)
    .await
    .unwrap();
    assert_eq!(name, winner);
}

#[tokio::test]
async fn bad_frames_close_only_their_own_connection() {
    let demo = demo().await;
    let Chat {
        mut robin,
        mut ada,
        id,
        ..
    } = chat(&demo).await;
    let token = demo.robin().await;

    let (mut malformed, _) = shopper(demo.addr, None, 0).await;
    malformed
        .send(Message::text(r#"{"type":"send","text":1"#))
        .await
        .unwrap();
    assert_eq!(next(&mut malformed).await["code"], "malformed");
    assert_eq!(close_code(&mut malformed).await, CloseCode::Invalid);

    let mut oversized = shopper_socket(demo.addr).await;
    let _ = oversized
        .send(Message::text(
            "x".repeat(aisle_core::protocol::MAX_FRAME_BYTES + 1),
        ))
        .await;
    assert!(matches!(
        oversized.next().await,
        Some(Ok(Message::Close(_))) | Some(Err(_)) | None
    ));

    let mut console_tab = agent(demo.addr, &token).await;
    send(&mut console_tab, json!({"type": "accept"})).await;
    assert_eq!(
        next_of(&mut console_tab, "error").await["code"],
        "malformed"
    );
    assert_eq!(close_code(&mut console_tab).await, CloseCode::Invalid);

    // Too long or empty text is refused, but the connection stays.
    let long = "é".repeat(aisle_core::protocol::MAX_MESSAGE_CHARS + 1);
    send(
        &mut ada,
        json!({"type": "send", "client_id": "long", "text": long}),
    )
    .await;
    assert_eq!(next(&mut ada).await["code"], "too_long");
    send(
        &mut ada,
        json!({"type": "send", "client_id": "empty", "text": "  "}),
    )
    .await;
    assert_eq!(next(&mut ada).await["code"], "invalid");

    // The conversation is untouched by all of that.
    send(
        &mut ada,
        json!({"type": "send", "client_id": "a1", "text": "Still there?"}),
    )
    .await;
    assert_eq!(next(&mut ada).await["seq"], 1);
    assert_eq!(
        next_of(&mut robin, "message").await["message"]["text"],
        "Still there?"
    );
    send(
        &mut robin,
        json!({"type": "send", "conversation": id, "client_id": "r1", "text": "Yes!"}),
    )
    .await;
    assert_eq!(next(&mut ada).await["text"], "Yes!");
    assert_eq!(demo.state.chat.agents_online("demo"), 1);
}

#[tokio::test]
async fn too_many_messages_are_refused_without_closing() {
    let demo = demo().await;
    let Chat {
        mut robin, mut ada, ..
    } = chat(&demo).await;
    for i in 0..aisle_server::chat::SEND_LIMIT {
        send(
            &mut ada,
            json!({"type": "send", "client_id": format!("m{i}"), "text": "spam"}),
        )
        .await;
        assert_eq!(next(&mut ada).await["type"], "ack");
    }
    send(
        &mut ada,
        json!({"type": "send", "client_id": "over", "text": "spam"}),
    )
    .await;
    assert_eq!(next(&mut ada).await["code"], "rate_limited");
    send(&mut ada, json!({"type": "ping", "nonce": 9})).await;
    assert_eq!(next(&mut ada).await, json!({"type": "pong", "nonce": 9}));
    let heard = drain(&mut robin, 300).await;
    assert_eq!(
        heard.iter().filter(|f| f["type"] == "message").count(),
        aisle_server::chat::SEND_LIMIT
    );
}

#[tokio::test]
async fn pages_from_other_origins_and_strangers_are_refused() {
    let demo = demo().await;
    let addr = demo.addr;
    match connect(
        format!("ws://{addr}/ws/v1?site=demo"),
        &[("origin", "https://evil.example".into())],
    )
    .await
    {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), 403)
        }
        other => panic!("expected HTTP 403, got {other:?}"),
    }
    let url = format!("ws://{addr}/ws/v1/agent");
    for headers in [
        vec![],
        vec![("authorization", "Bearer not-a-token".to_owned())],
        vec![("cookie", "aisle_agent=not-a-token".to_owned())],
    ] {
        match connect(url.clone(), &headers).await {
            Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
                assert_eq!(response.status(), 401, "{headers:?}")
            }
            other => panic!("expected HTTP 401, got {other:?}"),
        }
    }

    // The console logs in and connects with the cookie, from its own origin only.
    let (token, set_cookie) = demo.login("agent@demo.test", "demo-agent").await;
    for part in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(set_cookie.contains(part), "{set_cookie}");
    }
    let cookie = set_cookie.split(';').next().unwrap().to_owned();
    assert_eq!(cookie, format!("aisle_agent={token}"));
    match connect(
        url.clone(),
        &[
            ("cookie", cookie.clone()),
            ("origin", "https://evil.example".into()),
        ],
    )
    .await
    {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), 403)
        }
        other => panic!("expected HTTP 403, got {other:?}"),
    }
    let mut console = connect(
        url.clone(),
        &[
            ("cookie", cookie.clone()),
            ("origin", format!("http://{addr}")),
        ],
    )
    .await
    .unwrap();
    send(&mut console, json!({"type": "hello"})).await;
    assert_eq!(next(&mut console).await["name"], "Robin");
    let (status, _, me) = demo
        .http("GET", "/api/agent/me", &[("cookie", &cookie)], json!(null))
        .await;
    assert_eq!((status, &me["name"]), (StatusCode::OK, &json!("Robin")));

    // Logging out ends the session and its open socket.
    let (status, headers, _) = demo
        .http(
            "POST",
            "/api/agent/logout",
            &[("cookie", &cookie)],
            json!(null),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let cleared = headers.get(header::SET_COOKIE).unwrap().to_str().unwrap();
    assert!(cleared.contains("Max-Age=0"), "{cleared}");
    assert_eq!(close_code(&mut console).await, CloseCode::Policy);
    let (status, _, _) = demo
        .http(
            "GET",
            "/api/agent/me",
            &[("authorization", &format!("Bearer {token}"))],
            json!(null),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(matches!(
        connect(url, &[("cookie", cookie)]).await,
        Err(tokio_tungstenite::tungstenite::Error::Http(r)) if r.status() == 401
    ));
}

#[tokio::test]
async fn with_no_agent_online_the_shopper_gets_the_offline_form() {
    let demo = demo().await;
    let (mut kim, _) = shopper(demo.addr, None, 0).await;
    send(&mut kim, json!({"type": "start", "locale": "en"})).await;
    assert_eq!(
        next(&mut kim).await,
        json!({"type": "offline", "reason": "no_agent_online"})
    );
    assert_eq!(
        demo.collection_campaign().await,
        Value::Null,
        "\"our outfitters are online\" is not promised with nobody there"
    );

    let token = demo.robin().await;
    let mut robin = agent(demo.addr, &token).await;
    assert_eq!(demo.collection_campaign().await, "collections-vip");

    // Away counts as not there.
    send(&mut robin, json!({"type": "presence", "online": false})).await;
    assert_eq!(next_of(&mut robin, "queue").await["agents_online"], 0);
    send(&mut kim, json!({"type": "start", "locale": "en"})).await;
    assert_eq!(next(&mut kim).await["reason"], "no_agent_online");
    assert_eq!(demo.collection_campaign().await, Value::Null);

    send(&mut robin, json!({"type": "presence", "online": true})).await;
    assert_eq!(next_of(&mut robin, "queue").await["agents_online"], 1);
    start(&mut kim, json!({})).await;

    // An agent whose connection drops goes offline.
    drop(robin);
    let mut waited = Duration::ZERO;
    while demo.state.chat.agents_online("demo") > 0 {
        assert!(
            waited < PATIENCE,
            "the dropped agent still counts as online"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
        waited += Duration::from_millis(20);
    }
    let update = next(&mut kim).await;
    assert_eq!(
        update,
        json!({"type": "queue", "position": 1, "expected_wait_seconds": null, "agents_online": 0})
    );
    let (mut lee, _) = shopper(demo.addr, None, 0).await;
    send(&mut lee, json!({"type": "start", "locale": "en"})).await;
    assert_eq!(next(&mut lee).await["reason"], "no_agent_online");
}

#[tokio::test]
async fn closing_asks_for_a_rating_and_stores_it_with_the_tags() {
    let demo = demo().await;
    let Chat {
        mut robin,
        mut ada,
        id,
        resume,
    } = chat(&demo).await;
    send(&mut ada, json!({"type": "rate", "score": 5})).await;
    assert_eq!(
        next(&mut ada).await["code"],
        "invalid_rating",
        "not closed yet"
    );

    send(
        &mut robin,
        json!({"type": "close", "conversation": id, "tags": [" sizing ", "sizing", "", "exchange"]}),
    )
    .await;
    assert_eq!(
        next(&mut ada).await,
        json!({"type": "closed", "by": "agent", "rate": true})
    );
    assert_eq!(
        next_of(&mut robin, "closed").await,
        json!({"type": "closed", "conversation": id, "by": "agent"})
    );
    send(
        &mut ada,
        json!({"type": "send", "client_id": "late", "text": "One more thing"}),
    )
    .await;
    assert_eq!(next(&mut ada).await["code"], "conversation_closed");
    send(&mut ada, json!({"type": "rate", "score": 0})).await;
    assert_eq!(next(&mut ada).await["code"], "invalid_rating");
    send(&mut ada, json!({"type": "rate", "score": 5})).await;
    assert_eq!(next(&mut ada).await, json!({"type": "rated", "score": 5}));
    assert_eq!(
        next_of(&mut robin, "rated").await,
        json!({"type": "rated", "conversation": id, "score": 5})
    );

    let (state, by, tags, csat): (String, String, String, i64) =
        sqlx::query_as("SELECT state, closed_by, tags, csat FROM conversations WHERE id = $1")
            .bind(&id)
            .fetch_one(&demo.state.db)
            .await
            .unwrap();
    assert_eq!(
        (state.as_str(), by.as_str(), tags.as_str(), csat),
        ("closed", "agent", r#"["sizing","exchange"]"#, 5)
    );

    // A reload shows the closed conversation and does not ask again.
    let (mut again, welcome) = shopper(demo.addr, Some(&resume), 0).await;
    assert_eq!(welcome["conversation"]["state"], "closed");
    assert_eq!(
        next(&mut again).await,
        json!({"type": "closed", "by": "agent", "rate": false})
    );
    // And the shopper can start a new conversation from there.
    let (new_id, _) = start(&mut again, json!({})).await;
    assert_ne!(new_id, id);
}

#[tokio::test]
async fn the_shopper_can_end_and_the_agent_can_hand_back_to_the_queue() {
    let demo = demo().await;
    let sam_token = demo.sam().await;
    let Chat {
        mut robin,
        mut ada,
        id,
        ..
    } = chat(&demo).await;
    let mut sam = agent(demo.addr, &sam_token).await;

    send(&mut robin, json!({"type": "transfer", "conversation": id})).await;
    assert_eq!(
        next_of(&mut robin, "transferred").await["conversation"],
        id.as_str()
    );
    assert_eq!(
        next(&mut ada).await,
        json!({"type": "queue", "position": 1, "expected_wait_seconds": null, "agents_online": 2})
    );
    let queue = next_of(&mut sam, "queue").await;
    assert_eq!(queue["waiting"][0]["conversation"], id.as_str());
    // Robin can no longer write there; Sam takes it.
    send(
        &mut robin,
        json!({"type": "send", "conversation": id, "client_id": "r1", "text": "Hi"}),
    )
    .await;
    assert_eq!(next_of(&mut robin, "error").await["code"], "not_found");
    send(&mut sam, json!({"type": "accept", "conversation": id})).await;
    next_of(&mut sam, "conversation").await;
    assert_eq!(
        next_event(&mut ada).await,
        json!({"type": "agent_joined", "name": "Sam"})
    );

    send(&mut ada, json!({"type": "end"})).await;
    assert_eq!(
        next(&mut ada).await,
        json!({"type": "closed", "by": "shopper", "rate": true})
    );
    assert_eq!(
        next_of(&mut sam, "closed").await,
        json!({"type": "closed", "conversation": id, "by": "shopper"})
    );
}

#[tokio::test]
async fn the_queue_puts_proven_customers_then_big_carts_then_buyers_to_be_first() {
    let demo = demo().await;
    let token = demo.robin().await;
    let mut robin = agent(demo.addr, &token).await;

    let (mut pre_sale, _) = shopper(demo.addr, None, 0).await;
    start(&mut pre_sale, json!({"page_url": "/"})).await;
    let (mut big_cart, _) = shopper(demo.addr, None, 0).await;
    start(
        &mut big_cart,
        json!({"cart": {"value_minor": 15_000, "currency": "USD", "items": []}}),
    )
    .await;
    assert_eq!(next(&mut pre_sale).await["position"], 2, "overtaken");

    let session = demo.proven_assist_session().await;
    let (mut vip, _) = shopper(demo.addr, None, 0).await;
    let (vip_id, _) = start(&mut vip, json!({"assist_session": session})).await;
    assert_eq!(next(&mut big_cart).await["position"], 2);
    assert_eq!(next(&mut pre_sale).await["position"], 3);

    let queue = loop {
        let queue = next_of(&mut robin, "queue").await;
        if queue["waiting"].as_array().unwrap().len() == 3 {
            break queue;
        }
    };
    let priorities: Vec<&str> = queue["waiting"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["priority"].as_str().unwrap())
        .collect();
    assert_eq!(priorities, ["vip", "high_cart", "pre_sale"]);
    let vip_summary = &queue["waiting"][0]["summary"];
    assert!(
        vip_summary["verified_orders"]
            .as_array()
            .unwrap()
            .contains(&json!(1001)),
        "{vip_summary}"
    );
    assert_eq!(vip_summary["email"], "ada@example.com");
    assert_eq!(vip_summary["email_verified"], true, "proven with #1001");
    assert_eq!(
        vip_summary.get("assist_session"),
        None,
        "the shopper's session token is not shown to agents"
    );

    // Answering the first shopper moves the others up, with an expected wait
    // from the first-response time just measured.
    send(
        &mut robin,
        json!({"type": "accept", "conversation": vip_id}),
    )
    .await;
    let vip_context = next_of(&mut robin, "conversation").await["context"].clone();
    assert!(
        vip_context["verified_orders"]
            .as_array()
            .unwrap()
            .contains(&json!(1001)),
        "{vip_context}"
    );
    assert_eq!(vip_context["assist_steps"][0], "track", "the steps taken");
    assert_eq!(
        vip_context["assist_session"],
        Value::Null,
        "the shopper's session token is not shown to agents"
    );
    assert_eq!(next(&mut big_cart).await["position"], 1);
    assert_eq!(next(&mut pre_sale).await["position"], 2);
    send(
        &mut robin,
        json!({"type": "send", "conversation": vip_id, "client_id": "r1", "text": "Hi Ada!"}),
    )
    .await;
    next_of(&mut robin, "ack").await;
    send(&mut robin, json!({"type": "presence", "online": true})).await;
    let update = next(&mut pre_sale).await;
    assert_eq!(update["position"], 2);
    assert!(update["expected_wait_seconds"].is_u64(), "{update}");
}

#[test]
fn agents_are_added_from_the_command_line_without_a_password_argument() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    // A database with the demo site.
    runtime.block_on(async {
        let state = AppState::open(&config(&dir, Network::default()))
            .await
            .unwrap();
        state.db.close().await;
    });
    let db = common::test_db_url(dir.path());
    let aisle = |args: &[&str], password: Option<&str>, stdin: &str| {
        use std::io::Write;
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_aisle"));
        command
            .args(args)
            .env_remove("AISLE_AGENT_PASSWORD")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        if let Some(password) = password {
            command.env("AISLE_AGENT_PASSWORD", password);
        }
        let mut child = command.spawn().unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    };
    let add = |email: &'static str| {
        [
            "agents", "add", email, "--site", "demo", "--name", "Noor", "--db", &db,
        ]
        .map(String::from)
    };
    let args = add("Noor@Demo.test");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = aisle(&args, Some("noor-password"), "");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("noor@demo.test"));
    let again = aisle(&args, Some("noor-password"), "");
    assert!(!again.status.success(), "the email is taken");
    assert!(String::from_utf8_lossy(&again.stderr).contains("exists"));

    let args = add("pat@demo.test");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let short = aisle(&args, Some("short"), "");
    assert!(!short.status.success());
    let piped = aisle(&args, None, "pat-password\n");
    assert!(
        piped.status.success(),
        "{}",
        String::from_utf8_lossy(&piped.stderr)
    );

    // Both can log in.
    runtime.block_on(async {
        let demo = serve_dir(dir).await;
        demo.login("noor@demo.test", "noor-password").await;
        demo.login("pat@demo.test", "pat-password").await;
    });
}

#[tokio::test]
async fn an_agent_who_is_gone_for_good_hands_their_shoppers_back_to_the_queue() {
    let demo = demo().await;
    demo.state
        .chat
        .set_agent_grace(std::time::Duration::from_millis(300));
    let sam_token = demo.sam().await;
    let Chat {
        robin, mut ada, id, ..
    } = chat(&demo).await;
    let mut sam = agent(demo.addr, &sam_token).await;

    // Robin's console drops and does not come back.
    drop(robin);
    assert_eq!(
        next_of(&mut ada, "queue").await["position"],
        1,
        "Ada is back in the queue, told her place"
    );
    let queue = next_of(&mut sam, "queue").await;
    let queue = if queue["waiting"].as_array().is_some_and(|w| w.is_empty()) {
        next_of(&mut sam, "queue").await
    } else {
        queue
    };
    assert_eq!(queue["waiting"][0]["conversation"], id.as_str());
    send(&mut sam, json!({"type": "accept", "conversation": id})).await;
    next_of(&mut sam, "conversation").await;
    assert_eq!(
        next_event(&mut ada).await,
        json!({"type": "agent_joined", "name": "Sam"})
    );
}

#[tokio::test]
async fn an_agent_who_reconnects_in_time_keeps_their_conversations() {
    let demo = demo().await;
    demo.state
        .chat
        .set_agent_grace(std::time::Duration::from_millis(400));
    let robin_token = demo.robin().await;
    let Chat { robin, mut ada, .. } = chat(&demo).await;
    drop(robin);
    // A console reload: back within the grace period.
    let _again = agent(demo.addr, &robin_token).await;
    let seen = drain(&mut ada, 800).await;
    assert!(
        !seen.iter().any(|f| f["type"] == "queue"),
        "Ada stays with Robin: {seen:?}"
    );
}

// ---------------------------------------------------------------------------
// Bounds per visitor (hardening): every limit below is hit over real sockets.
// ---------------------------------------------------------------------------

impl Demo {
    /// Changes the hub's limits for this test.
    fn limits(&self, change: impl FnOnce(&mut aisle_server::chat::hub::Limits)) {
        let mut limits = self.state.chat.limits();
        change(&mut limits);
        self.state.chat.set_limits(limits);
    }
}

/// Awaits `done` (polling every 20 ms) or fails with `what` after PATIENCE.
async fn until<F: std::future::Future<Output = bool>>(what: &str, mut done: impl FnMut() -> F) {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while !done().await {
        assert!(tokio::time::Instant::now() < deadline, "{what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn conversation_row(demo: &Demo, id: &str) -> (String, Option<String>) {
    sqlx::query_as("SELECT state, closed_by FROM conversations WHERE id = $1")
        .bind(id)
        .fetch_one(&demo.state.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn one_socket_may_start_only_so_many_conversations() {
    let demo = demo().await;
    demo.limits(|l| l.starts_per_socket = 2);
    let token = demo.robin().await;
    let _robin = agent(demo.addr, &token).await;
    let (mut kim, _) = shopper(demo.addr, None, 0).await;
    for _ in 0..2 {
        start(&mut kim, json!({})).await;
        send(&mut kim, json!({"type": "end"})).await;
        assert_eq!(next_of(&mut kim, "closed").await["by"], "shopper");
    }
    send(&mut kim, json!({"type": "start", "locale": "en"})).await;
    let refused = next_event(&mut kim).await;
    assert_eq!(refused["code"], "too_many", "{refused}");
    // The connection stays usable.
    send(&mut kim, json!({"type": "ping", "nonce": 5})).await;
    assert_eq!(next(&mut kim).await, json!({"type": "pong", "nonce": 5}));
}

#[tokio::test]
async fn one_address_may_hold_only_so_many_open_conversations() {
    let demo = demo().await;
    demo.limits(|l| l.open_per_address = 2);
    let token = demo.robin().await;
    let _robin = agent(demo.addr, &token).await;
    let (mut first, _) = shopper(demo.addr, None, 0).await;
    start(&mut first, json!({})).await;
    let (mut second, _) = shopper(demo.addr, None, 0).await;
    start(&mut second, json!({})).await;
    let (mut third, _) = shopper(demo.addr, None, 0).await;
    send(&mut third, json!({"type": "start", "locale": "en"})).await;
    assert_eq!(next_event(&mut third).await["code"], "too_many");
    // Ending one makes room.
    send(&mut first, json!({"type": "end"})).await;
    next_of(&mut first, "closed").await;
    start(&mut third, json!({})).await;
}

#[tokio::test]
async fn one_address_may_open_only_so_many_shopper_sockets() {
    let demo = demo().await;
    demo.limits(|l| l.sockets_per_address = 3);
    let mut open = Vec::new();
    for _ in 0..3 {
        open.push(shopper(demo.addr, None, 0).await.0);
    }
    let url = format!("ws://{}/ws/v1?site=demo", demo.addr);
    let origin = [("origin", format!("http://{}", demo.addr))];
    assert!(matches!(
        connect(url.clone(), &origin).await,
        Err(tokio_tungstenite::tungstenite::Error::Http(r)) if r.status() == 429
    ));
    // A closed socket frees its place.
    drop(open.pop());
    until("a place frees up", || {
        let (url, origin) = (url.clone(), origin.clone());
        async move { connect(url, &origin).await.is_ok() }
    })
    .await;
}

#[tokio::test]
async fn a_waiting_conversation_whose_shopper_left_expires() {
    let demo = demo().await;
    demo.limits(|l| l.shopper_grace = Duration::from_millis(300));
    let token = demo.robin().await;
    let mut robin = agent(demo.addr, &token).await;
    let (mut kim, _) = shopper(demo.addr, None, 0).await;
    let (id, resume) = start(&mut kim, json!({})).await;
    send(
        &mut kim,
        json!({"type": "send", "client_id": "k1", "text": "Do you ship to Norway?"}),
    )
    .await;
    next_of(&mut kim, "ack").await;
    assert_eq!(next_of(&mut robin, "queue").await["total"], 1);

    // A reload within the grace keeps the place…
    drop(kim);
    let (mut kim, welcome) = shopper(demo.addr, Some(&resume), 1).await;
    assert_eq!(welcome["conversation"]["state"], "waiting");
    assert_eq!(next(&mut kim).await["position"], 1);
    // …leaving for good does not.
    drop(kim);
    loop {
        let queue = next_of(&mut robin, "queue").await;
        if queue["total"] == 0 {
            assert_eq!(queue["waiting"], json!([]));
            break;
        }
    }
    assert_eq!(
        conversation_row(&demo, &id).await,
        ("closed".into(), Some("system".into()))
    );
    // Coming back later: the message form, with what was written.
    let (mut kim, _) = shopper(demo.addr, Some(&resume), 1).await;
    assert_eq!(
        next(&mut kim).await,
        json!({"type": "offline", "reason": "no_agent_online", "text": "Do you ship to Norway?"})
    );
}

#[tokio::test]
async fn a_shopper_too_slow_to_read_is_disconnected_when_its_outbox_bytes_are_full() {
    let demo = demo().await;
    let Chat {
        mut ada, id, robin, ..
    } = chat(&demo).await;
    // Ada's browser stops reading; the agent's messages keep coming.
    let long = ServerMessage::Message(ChatMessage {
        seq: 1,
        client_id: None,
        author: Party::Agent,
        name: Some("Robin".into()),
        text: "x".repeat(2000),
        at: 0,
    });
    let mut pushed = 0usize;
    // Far more than the socket buffers and the outbox hold together.
    while pushed < 64 * 1024 * 1024 {
        demo.state.chat.to_shoppers(&id, &long, None);
        pushed += 2100;
        if pushed % (1024 * 1024) < 2100 {
            tokio::task::yield_now().await;
        }
    }
    // Once she reads again: what was queued, then the close (resume and catch up).
    assert_eq!(close_code(&mut ada).await, CloseCode::Again);
    drop(robin);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_waiting_shoppers_get_a_queue_frame_under_64_kb_and_no_agent_is_kicked() {
    const SHOPPERS: usize = 1000;
    let demo = demo().await;
    demo.limits(|l| {
        l.sockets_per_address = 2 * SHOPPERS as u32;
        l.open_per_address = 2 * SHOPPERS;
    });
    let token = demo.robin().await;
    let robin = agent(demo.addr, &token).await;
    // Robin's console reads every frame as it comes, like the real one.
    let (mut robin_tx, mut robin_rx) = robin.split();
    let watcher = tokio::spawn(async move {
        let (mut largest, mut last_total) = (0usize, 0u64);
        while let Some(Ok(message)) = robin_rx.next().await {
            match message {
                // Read without a JSON parse: this test measures the server.
                Message::Text(text) if text.starts_with(r#"{"type":"queue""#) => {
                    largest = largest.max(text.len());
                    let total = text.rsplit_once(r#""total":"#).unwrap().1;
                    let digits = total.split(|c: char| !c.is_ascii_digit()).next();
                    last_total = digits.unwrap().parse().unwrap();
                }
                Message::Text(text) if text.starts_with(r#"{"type":"pong""#) => {
                    return (largest, last_total, true);
                }
                Message::Close(frame) => panic!("Robin was disconnected: {frame:?}"),
                _ => {}
            }
        }
        (largest, last_total, false)
    });
    // Each shopper shares as much as a context may hold (~15 KB).
    let context = json!({
        "page_url": format!("https://shop.example/{}", "p".repeat(480)),
        "page_title": "T".repeat(500),
        "pages": (0..26).map(|i| format!("https://shop.example/{i}/{}", "q".repeat(470))).collect::<Vec<_>>(),
        "email": format!("{}@example.com", "e".repeat(400)),
        "campaign": "c".repeat(500),
    });
    let started = std::time::Instant::now();
    let mut shoppers = Vec::with_capacity(SHOPPERS);
    for _ in 0..SHOPPERS {
        let (mut s, _) = shopper(demo.addr, None, 0).await;
        start(&mut s, context.clone()).await;
        shoppers.push(s);
    }
    let elapsed = started.elapsed();
    send_split(&mut robin_tx, json!({"type": "ping", "nonce": 1})).await;
    let (largest, total, answered) = tokio::time::timeout(Duration::from_secs(60), watcher)
        .await
        .expect("Robin's console keeps up")
        .unwrap();
    assert!(answered, "Robin is still connected");
    assert_eq!(total, SHOPPERS as u64, "the queue counts every shopper");
    assert!(largest < 64 * 1024, "largest queue frame: {largest} bytes");
    // What one frame with every shopper's whole context (the old queue) would be.
    let (contexts,): (i64,) = sqlx::query_as(
        "SELECT SUM(LENGTH(context) + 90) FROM conversations WHERE state = 'waiting'",
    )
    .fetch_one(&demo.state.db)
    .await
    .unwrap();
    println!(
        "{SHOPPERS} waiting: largest queue frame {largest} bytes (with every whole context: \
         ~{contexts} bytes); {SHOPPERS} starts in {elapsed:?}"
    );
}

async fn send_split(sink: &mut futures_util::stream::SplitSink<Socket, Message>, message: Value) {
    sink.send(Message::text(message.to_string())).await.unwrap();
}

#[tokio::test]
async fn agents_get_the_latest_messages_and_page_back_through_earlier_ones() {
    let demo = demo().await;
    demo.limits(|l| l.history_page = 5);
    let token = demo.robin().await;
    let Chat {
        robin, mut ada, id, ..
    } = chat(&demo).await;
    drop(robin);
    for i in 1..=12 {
        send(
            &mut ada,
            json!({"type": "send", "client_id": format!("m{i}"), "text": format!("message {i}")}),
        )
        .await;
        next_of(&mut ada, "ack").await;
    }
    // Robin's console reconnects: the latest page only.
    let mut robin = agent(demo.addr, &token).await;
    let snapshot = next_of(&mut robin, "conversation").await;
    let seqs = |frame: &Value| -> Vec<u64> {
        frame["messages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["seq"].as_u64().unwrap())
            .collect()
    };
    assert_eq!(seqs(&snapshot), [8, 9, 10, 11, 12]);
    assert_eq!(snapshot["more"], true);
    send(
        &mut robin,
        json!({"type": "history", "conversation": id, "before": 8}),
    )
    .await;
    let page = next_of(&mut robin, "history").await;
    assert_eq!(seqs(&page), [3, 4, 5, 6, 7]);
    assert_eq!(page["more"], true);
    assert_eq!(page["messages"][0]["text"], "message 3");
    send(
        &mut robin,
        json!({"type": "history", "conversation": id, "before": 3}),
    )
    .await;
    let page = next_of(&mut robin, "history").await;
    assert_eq!(seqs(&page), [1, 2]);
    assert_eq!(page["more"], false);
    // Not someone else's conversation.
    let sam_token = demo.sam().await;
    let mut sam = agent(demo.addr, &sam_token).await;
    send(
        &mut sam,
        json!({"type": "history", "conversation": id, "before": 8}),
    )
    .await;
    assert_eq!(next_of_any(&mut sam, "error").await["code"], "not_found");
}

/// The next frame of `kind`, errors included.
async fn next_of_any(socket: &mut Socket, kind: &str) -> Value {
    loop {
        let frame = next(socket).await;
        if frame["type"] == kind {
            return frame;
        }
    }
}

#[tokio::test]
async fn every_connection_of_one_conversation_shares_one_send_allowance() {
    let demo = demo().await;
    let Chat {
        mut ada, resume, ..
    } = chat(&demo).await;
    let (mut tab, _) = shopper(demo.addr, Some(&resume), 0).await;
    let mut acked = 0;
    let mut refused = 0;
    for i in 0..aisle_server::chat::SEND_LIMIT {
        let socket = if i % 2 == 0 { &mut ada } else { &mut tab };
        send(
            socket,
            json!({"type": "send", "client_id": format!("c{i}"), "text": "hi"}),
        )
        .await;
        if next_of(socket, "ack").await["type"] == "ack" {
            acked += 1;
        }
    }
    for socket in [&mut ada, &mut tab] {
        send(
            socket,
            json!({"type": "send", "client_id": "over", "text": "one more"}),
        )
        .await;
        let answer = next_of_any(socket, "error").await;
        if answer["code"] == "rate_limited" {
            refused += 1;
        }
    }
    assert_eq!(acked, aisle_server::chat::SEND_LIMIT);
    assert_eq!(refused, 2, "a second tab does not double the allowance");
}

#[tokio::test]
async fn an_agent_who_drops_twice_one_grace_apart_keeps_their_conversations_for_a_grace_after_the_last_drop()
 {
    const GRACE: Duration = Duration::from_millis(1000);
    let demo = demo().await;
    demo.state.chat.set_agent_grace(GRACE);
    let token = demo.robin().await;
    let Chat { robin, mut ada, .. } = chat(&demo).await;
    // A first blip, right back…
    drop(robin);
    let first_drop = tokio::time::Instant::now();
    let robin = agent(demo.addr, &token).await;
    // …and a second one just before a grace has passed since the first.
    tokio::time::sleep_until(first_drop + GRACE * 9 / 10).await;
    drop(robin);
    let second_drop = tokio::time::Instant::now();
    until("Robin counts as gone", || async {
        demo.state.chat.agents_online("demo") == 0
    })
    .await;
    // The first drop's timer finds Robin gone only briefly: nothing moves.
    let early =
        tokio::time::timeout_at(second_drop + GRACE * 7 / 10, next_of(&mut ada, "queue")).await;
    assert!(
        early.is_err(),
        "requeued too early: {:?} after the second drop",
        second_drop.elapsed()
    );
    // A grace after the last drop, Ada is back in the queue.
    let queue = next_of(&mut ada, "queue").await;
    assert!(
        second_drop.elapsed() >= GRACE,
        "{:?}",
        second_drop.elapsed()
    );
    assert_eq!(queue["position"], 1);
}

#[tokio::test]
async fn when_the_last_agent_is_gone_waiting_shoppers_get_the_message_form_with_what_they_wrote() {
    let demo = demo().await;
    demo.state.chat.set_agent_grace(Duration::from_millis(300));
    let token = demo.robin().await;
    let robin = agent(demo.addr, &token).await;
    let (mut kim, _) = shopper(demo.addr, None, 0).await;
    let (id, _) = start(&mut kim, json!({})).await;
    send(
        &mut kim,
        json!({"type": "send", "client_id": "k1", "text": "Is the parka warm?"}),
    )
    .await;
    next_of(&mut kim, "ack").await;
    send(
        &mut kim,
        json!({"type": "send", "client_id": "k2", "text": "Down to -20?"}),
    )
    .await;
    next_of(&mut kim, "ack").await;
    drop(robin);
    assert_eq!(
        next_of(&mut kim, "queue").await["agents_online"],
        0,
        "first: nobody is online right now"
    );
    assert_eq!(
        next_of(&mut kim, "offline").await,
        json!({"type": "offline", "reason": "no_agent_online", "text": "Is the parka warm?\nDown to -20?"})
    );
    assert_eq!(
        conversation_row(&demo, &id).await,
        ("closed".into(), Some("system".into()))
    );
}

#[tokio::test]
async fn a_shopper_whose_started_was_lost_finds_the_conversation_again() {
    let demo = demo().await;
    let token = demo.robin().await;
    let mut robin = agent(demo.addr, &token).await;
    let resume = "f".repeat(24) + &"0123456789".repeat(4);
    // The widget saved its own token, asked, and the connection dropped
    // before `started` arrived.
    let (mut kim, _) = shopper(demo.addr, None, 0).await;
    send(
        &mut kim,
        json!({"type": "start", "locale": "en", "resume": resume}),
    )
    .await;
    let queue = next_of(&mut robin, "queue").await;
    let id = queue["waiting"][0]["conversation"]
        .as_str()
        .unwrap()
        .to_owned();
    drop(kim);
    // The next page resumes with that token: the same conversation.
    let (mut kim, welcome) = shopper(demo.addr, Some(&resume), 0).await;
    assert_eq!(welcome["conversation"]["id"], id.as_str());
    assert_eq!(welcome["conversation"]["state"], "waiting");
    assert_eq!(next(&mut kim).await["position"], 1);
    // A repeated start with the token is the same conversation too.
    let (mut again, _) = shopper(demo.addr, None, 0).await;
    send(
        &mut again,
        json!({"type": "start", "locale": "en", "resume": resume}),
    )
    .await;
    let started = next(&mut again).await;
    assert_eq!(
        started,
        json!({"type": "started", "conversation": id, "resume": resume})
    );
    assert_eq!(next(&mut again).await["position"], 1);
    let count: (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM conversations WHERE id NOT LIKE 'demo-history-%'")
            .fetch_one(&demo.state.db)
            .await
            .unwrap();
    assert_eq!(count.0, 1, "no orphan");
    // A token that is too short to be secret is refused.
    send(
        &mut again,
        json!({"type": "start", "locale": "en", "resume": "abc"}),
    )
    .await;
    assert_eq!(next_of_any(&mut again, "error").await["code"], "invalid");
}

#[tokio::test]
async fn an_agent_socket_closes_with_a_reason_when_its_session_is_revoked() {
    let demo = demo().await;
    demo.limits(|l| l.session_check = Duration::from_millis(200));
    let token = demo.robin().await;
    let mut robin = agent(demo.addr, &token).await;
    // Revoked behind the console's back (sessions are stored as digests).
    sqlx::query("DELETE FROM agent_sessions WHERE token = $1")
        .bind(aisle_server::agents::token_digest(&token))
        .execute(&demo.state.db)
        .await
        .unwrap();
    let (code, reason) = close_frame(&mut robin).await;
    assert_eq!(code, CloseCode::Policy);
    assert_eq!(reason, "session expired");
}

#[tokio::test]
async fn the_queue_shows_what_a_waiting_shopper_asked() {
    let demo = demo().await;
    let token = demo.robin().await;
    let mut robin = agent(demo.addr, &token).await;
    let (mut ada, _) = shopper(demo.addr, None, 0).await;
    let (id, _) = start(&mut ada, json!({})).await;
    let queue = next_of(&mut robin, "queue").await;
    assert_eq!(queue["waiting"][0]["summary"].get("last_message"), None);
    let asked = format!("Where is\n my <b>parcel</b>? {}", "ok ".repeat(60));
    send(
        &mut ada,
        json!({"type": "send", "client_id": "c1", "text": asked}),
    )
    .await;
    let queue = next_of(&mut robin, "queue").await;
    let entry = &queue["waiting"][0];
    assert_eq!(entry["conversation"], id.as_str());
    let preview = entry["summary"]["last_message"].as_str().unwrap();
    assert!(
        preview.starts_with("Where is my <b>parcel</b>? ok ok"),
        "one line, as typed (the console shows it as text): {preview}"
    );
    assert_eq!(preview.chars().count(), 80, "a short preview: {preview}");
}

#[tokio::test]
async fn agents_see_a_proven_customers_earlier_contacts_and_nothing_for_a_typed_email() {
    let demo = demo().await;
    let token = demo.robin().await;
    let auth = [("authorization", format!("Bearer {token}"))];
    let auth: Vec<(&str, &str)> = auth.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let _robin = agent(demo.addr, &token).await;
    // Ada proved order 1001 and chatted before, then left a ticket.
    let session = demo.proven_assist_session().await;
    let (mut ada, _) = shopper(demo.addr, None, 0).await;
    let (first, _) = start(&mut ada, json!({"assist_session": session})).await;
    send(
        &mut ada,
        json!({"type": "send", "client_id": "h1", "text": "Where is\nmy parka?"}),
    )
    .await;
    next_of(&mut ada, "ack").await;
    send(&mut ada, json!({"type": "end"})).await;
    next_of(&mut ada, "closed").await;
    let (status, _, _) = demo
        .http(
            "POST",
            "/api/sites/demo/assist",
            &[],
            json!({"locale": "en", "action": "message",
                   "values": [["email", "ada@example.com"], ["message", "Please call me back"]]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    // Later, a new proven conversation: the agent sees both.
    let session = demo.proven_assist_session().await;
    let (mut again, _) = shopper(demo.addr, None, 0).await;
    let (second, _) = start(&mut again, json!({"assist_session": session})).await;
    let path = format!("/api/agent/conversations/{second}/customer");
    let (status, _, history) = demo.http("GET", &path, &auth, json!(null)).await;
    assert_eq!(status, StatusCode::OK, "{history}");
    assert_eq!(history["email"], "ada@example.com");
    assert_eq!(history["conversations"][0]["id"], first.as_str());
    assert_eq!(
        history["conversations"][0]["first_message"],
        "Where is my parka?"
    );
    assert_eq!(
        history["conversations"].as_array().unwrap().len(),
        1,
        "not the conversation on screen: {history}"
    );
    assert_eq!(history["tickets"][0]["preview"], "Please call me back");
    // Someone who only types Ada's email sees (and shows) nothing of hers.
    let (mut eve, _) = shopper(demo.addr, None, 0).await;
    let (claimed, _) = start(
        &mut eve,
        json!({"email": "ada@example.com", "email_verified": true}),
    )
    .await;
    let path = format!("/api/agent/conversations/{claimed}/customer");
    let (status, _, nothing) = demo.http("GET", &path, &auth, json!(null)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        nothing,
        json!({"email": null, "conversations": [], "tickets": []})
    );
    let (status, _, _) = demo
        .http(
            "GET",
            "/api/agent/conversations/nope/customer",
            &auth,
            json!(null),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_chat_the_shopper_left_unanswered_closes_after_the_sites_time_with_a_tag() {
    let demo = demo().await;
    let set = if aisle_server::db::is_postgres(&demo.state.db) {
        "(config::jsonb || '{\"auto_close_minutes\": 30}')::text"
    } else {
        "json_set(config, '$.auto_close_minutes', 30)"
    };
    sqlx::query(&format!(
        "UPDATE sites SET config = {set} WHERE id = 'demo'"
    ))
    .execute(&demo.state.db)
    .await
    .unwrap();
    demo.state.sites.reload(&demo.state.db).await.unwrap();
    let Chat {
        mut robin,
        mut ada,
        id,
        ..
    } = chat(&demo).await;
    send(
        &mut robin,
        json!({"type": "send", "conversation": id, "client_id": "r1", "text": "Anything else?"}),
    )
    .await;
    next_of(&mut ada, "message").await;
    let now = aisle_server::db::now();
    let hub = &demo.state.chat;
    // Not yet: 29 minutes after the agent's message.
    assert_eq!(
        hub.close_unanswered(&demo.state.sites, now + 29 * 60)
            .await
            .unwrap(),
        0
    );
    // 31 minutes: closed by Aisle, both sides told, tagged.
    assert_eq!(
        hub.close_unanswered(&demo.state.sites, now + 31 * 60)
            .await
            .unwrap(),
        1
    );
    let closed = next_of_any(&mut ada, "closed").await;
    assert_eq!(
        closed,
        json!({"type": "closed", "by": "system", "rate": true})
    );
    let closed = next_of_any(&mut robin, "closed").await;
    assert_eq!(closed["by"], "system");
    let (by, tags): (String, String) =
        sqlx::query_as("SELECT closed_by, tags FROM conversations WHERE id = $1")
            .bind(&id)
            .fetch_one(&demo.state.db)
            .await
            .unwrap();
    assert_eq!(
        (by.as_str(), tags.as_str()),
        ("system", r#"["auto-closed"]"#)
    );
    // A chat whose last word is the shopper's stays open, however long.
    let Chat { mut ada, id, .. } = chat(&demo).await;
    send(
        &mut ada,
        json!({"type": "send", "client_id": "s1", "text": "Let me check"}),
    )
    .await;
    next_of(&mut ada, "ack").await;
    assert_eq!(
        hub.close_unanswered(&demo.state.sites, now + 3 * 3600)
            .await
            .unwrap(),
        0
    );
    let (state,): (String,) = sqlx::query_as("SELECT state FROM conversations WHERE id = $1")
        .bind(&id)
        .fetch_one(&demo.state.db)
        .await
        .unwrap();
    assert_eq!(state, "active");
}

#[tokio::test]
async fn many_waiting_shoppers_typing_at_once_cost_agents_a_few_queue_frames() {
    let demo = demo().await;
    let token = demo.robin().await;
    let mut robin = agent(demo.addr, &token).await;
    let mut shoppers = Vec::new();
    for _ in 0..8 {
        let (mut s, _) = shopper(demo.addr, None, 0).await;
        start(&mut s, json!({})).await;
        shoppers.push(s);
    }
    // The starts' queue frames, until the last one lists all eight.
    loop {
        let queue = next_of(&mut robin, "queue").await;
        if queue["total"] == 8 {
            break;
        }
    }
    for (n, s) in shoppers.iter_mut().enumerate() {
        for k in 0..3 {
            send(s, json!({"type": "send", "client_id": format!("c{k}"), "text": format!("shopper {n} asks {k}")})).await;
        }
    }
    // 24 messages: the queue goes out again a few times, not 24.
    let mut frames = 0;
    let mut last = Value::Null;
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while std::time::Instant::now() < deadline {
        let queue = next_of(&mut robin, "queue").await;
        frames += 1;
        let previews: Vec<&str> = queue["waiting"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|e| e["summary"]["last_message"].as_str())
            .collect();
        last = queue.clone();
        if previews.len() == 8 && previews.iter().all(|p| p.ends_with("asks 2")) {
            break;
        }
    }
    assert!(frames <= 4, "{frames} queue frames for 24 messages: {last}");
    let previews = last["waiting"].as_array().unwrap().len();
    assert_eq!(previews, 8, "every shopper's latest message: {last}");
}
