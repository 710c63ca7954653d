//! The store conformance suite: the same tests against SQLite and against
//! PostgreSQL (a throwaway cluster the harness starts once for this binary,
//! a fresh database per test; see `common::postgres`). Each test runs its
//! body once per backend, so a difference between the two fails here.
//!
//! Besides what the other suites check through HTTP and WebSockets, this
//! one races writers the way several nodes do: two pools on one database,
//! many tasks each.

mod common;

use aisle_core::protocol::{Cart, CartItem, ChatContext};
use aisle_server::chat::store::{self, Accept, Appended, Writer};
use aisle_server::db::{self, Backend, Db};
use common::{ROBIN, Socket, agent_socket, aisle, connect, http_log_in, next, send, spawn_server};
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// A backend to run a test on: its name and a URL to a new, empty database.
struct Target {
    backend: Backend,
    url: String,
    _dir: tempfile::TempDir,
}

/// SQLite (a new file) and, when installed, PostgreSQL (a new database).
fn targets() -> Vec<Target> {
    let dir = tempfile::tempdir().unwrap();
    let mut out = vec![Target {
        backend: Backend::Sqlite,
        url: format!("sqlite://{}", dir.path().join("aisle.db").display()),
        _dir: dir,
    }];
    if let Some(pg) = common::postgres() {
        out.push(Target {
            backend: Backend::Postgres,
            url: pg.fresh_database(),
            _dir: tempfile::tempdir().unwrap(),
        });
    }
    out
}

/// A database at `url` with the demo site seeded (as `aisle serve --demo`).
async fn seeded(url: &str) -> Db {
    let config = aisle_server::Config {
        db_url: url.to_owned(),
        demo: true,
        ..aisle_server::Config::default()
    };
    aisle_server::AppState::open(&config).await.unwrap().db
}

/// A new waiting conversation on the demo site.
async fn conversation(db: &Db, context: &ChatContext) -> String {
    store::create(db, "demo", "en", context, None)
        .await
        .unwrap()
        .0
}

#[tokio::test]
async fn the_url_picks_the_backend_and_migrations_run_on_both() {
    for target in targets() {
        let db = db::connect(&target.url).await.unwrap();
        assert_eq!(db::backend(&db), target.backend);
        db::ping(&db).await.unwrap();
        // Every table the server uses exists and is empty.
        for table in [
            "sites",
            "conversations",
            "messages",
            "agents",
            "email_outbox",
        ] {
            let (n,): (i64,) = sqlx::query_as(&format!("SELECT COUNT(*) FROM {table}"))
                .fetch_one(&db)
                .await
                .unwrap();
            assert_eq!(n, 0, "{:?}: {table}", target.backend);
        }
        db.close().await;
    }
}

/// What the demo seeding wrote: counts of its tables.
async fn demo_counts(db: &Db) -> Vec<i64> {
    let mut counts = Vec::new();
    for table in [
        "sites",
        "orders",
        "order_items",
        "order_events",
        "agents",
        "macros",
        "campaign_versions",
        "conversations",
        "messages",
    ] {
        let (n,): (i64,) = sqlx::query_as(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(db)
            .await
            .unwrap();
        counts.push(n);
    }
    counts
}

#[tokio::test]
async fn three_nodes_starting_at_once_on_an_empty_database_migrate_and_seed_once() {
    for target in targets() {
        let reference = {
            let db = seeded(&target.url).await;
            let counts = demo_counts(&db).await;
            db.close().await;
            counts
        };
        // SQLite is one node by design; PostgreSQL is where nodes race.
        if target.backend == Backend::Postgres {
            let url = common::postgres().unwrap().fresh_database();
            let (a, b, c) = tokio::join!(seeded(&url), seeded(&url), seeded(&url));
            for db in [&a, &b, &c] {
                assert_eq!(
                    demo_counts(db).await,
                    reference,
                    "every node sees one seeding"
                );
            }
            let (versions,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM _sqlx_migrations")
                .fetch_one(&a)
                .await
                .unwrap();
            let files = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations_pg"))
                .unwrap()
                .filter(|e| {
                    e.as_ref()
                        .is_ok_and(|e| e.path().extension().is_some_and(|x| x == "sql"))
                })
                .count();
            assert_eq!(versions, files as i64, "each migration applied once");
        }
        // A restart seeds nothing twice.
        let again = seeded(&target.url).await;
        assert_eq!(demo_counts(&again).await, reference, "{:?}", target.backend);
        assert!(reference.iter().all(|&n| n > 0), "{reference:?}");
    }
}

#[tokio::test]
async fn two_pools_with_fifty_writers_each_number_one_conversation_1_to_100() {
    for target in targets() {
        let one = seeded(&target.url).await;
        let two = db::connect(&target.url).await.unwrap();
        let id = conversation(&one, &ChatContext::default()).await;
        let started = std::time::Instant::now();
        let mut tasks = Vec::new();
        for n in 0..100 {
            let db = if n % 2 == 0 { one.clone() } else { two.clone() };
            let id = id.clone();
            tasks.push(tokio::spawn(async move {
                let writer = if n % 3 == 0 {
                    Writer::Agent(1, "Robin")
                } else {
                    Writer::Shopper
                };
                store::append(&db, &id, writer, &format!("c{n}"), &format!("message {n}")).await
            }));
        }
        let mut seqs = BTreeSet::new();
        for task in tasks {
            match task.await.unwrap().unwrap() {
                Appended::New(message) => assert!(seqs.insert(message.seq)),
                Appended::Duplicate(seq) => panic!("no duplicate was sent, got {seq}"),
            }
        }
        eprintln!(
            "{:?}: 2 pools x 50 appends in {:?}",
            target.backend,
            started.elapsed()
        );
        assert_eq!(
            seqs,
            (1..=100).collect::<BTreeSet<u64>>(),
            "{:?}",
            target.backend
        );
        let stored = store::messages_after(&two, &id, 0, 1000).await.unwrap();
        let numbers: Vec<u64> = stored.iter().map(|m| m.seq).collect();
        assert_eq!(numbers, (1..=100).collect::<Vec<u64>>());
        // A resend answers the stored number and stores nothing.
        let again = store::append(&two, &id, Writer::Shopper, "c1", "message 1")
            .await
            .unwrap();
        let first = stored
            .iter()
            .find(|m| m.client_id.as_deref() == Some("c1"))
            .unwrap();
        assert_eq!(again, Appended::Duplicate(first.seq));
        let next = store::append(&one, &id, Writer::Shopper, "c-new", "after")
            .await
            .unwrap();
        assert!(
            matches!(next, Appended::New(m) if m.seq == 101),
            "no gap after a duplicate"
        );
        let conversation = store::get(&one, "demo", &id).await.unwrap().unwrap();
        assert_eq!(conversation.last_seq, 101);
        one.close().await;
        two.close().await;
    }
}

#[tokio::test]
async fn eight_agents_on_two_pools_racing_to_accept_leave_one_winner() {
    for target in targets() {
        let one = seeded(&target.url).await;
        let two = db::connect(&target.url).await.unwrap();
        let mut agents = Vec::new();
        for n in 0..8 {
            let id = aisle_server::agents::store::insert_agent(
                &one,
                "demo",
                &format!("racer{n}@demo.test"),
                &format!("Racer {n}"),
                "not a hash",
                None,
                db::now(),
            )
            .await
            .unwrap();
            agents.push(id);
        }
        for round in 0..5 {
            let id = conversation(&one, &ChatContext::default()).await;
            let tasks: Vec<_> = agents
                .iter()
                .enumerate()
                .map(|(n, &agent)| {
                    let db = if n % 2 == 0 { one.clone() } else { two.clone() };
                    let id = id.clone();
                    tokio::spawn(async move { store::accept(&db, "demo", &id, agent).await })
                })
                .collect();
            let mut won = Vec::new();
            for (task, &agent) in tasks.into_iter().zip(&agents) {
                match task.await.unwrap().unwrap() {
                    Accept::Accepted => won.push(agent),
                    Accept::Taken => {}
                    Accept::NotFound => panic!("the conversation exists"),
                }
            }
            assert_eq!(won.len(), 1, "{:?} round {round}: {won:?}", target.backend);
            let stored = store::get(&two, "demo", &id).await.unwrap().unwrap();
            assert_eq!(stored.agent_id, Some(won[0]));
        }
        one.close().await;
        two.close().await;
    }
}

#[tokio::test]
async fn campaign_versions_pushed_from_two_pools_at_once_are_consecutive() {
    for target in targets() {
        let one = seeded(&target.url).await;
        let two = db::connect(&target.url).await.unwrap();
        let (before, _) = aisle_server::campaigns::live(&one, "demo")
            .await
            .unwrap()
            .unwrap();
        let tasks: Vec<_> = (0..20)
            .map(|n| {
                let db = if n % 2 == 0 { one.clone() } else { two.clone() };
                tokio::spawn(async move {
                    aisle_server::campaigns::push(&db, "demo", aisle_server::demo::CAMPAIGNS)
                        .await
                        .map_err(|e| format!("{e:?}"))
                })
            })
            .collect();
        let mut versions = BTreeSet::new();
        for task in tasks {
            versions.insert(task.await.unwrap().unwrap());
        }
        assert_eq!(
            versions,
            (before + 1..=before + 20).collect::<BTreeSet<i64>>(),
            "{:?}",
            target.backend
        );
        let (live, _) = aisle_server::campaigns::live(&two, "demo")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(live, before + 20);
        one.close().await;
        two.close().await;
    }
}

#[tokio::test]
async fn the_queue_summary_read_marks_and_system_close_agree_on_both_backends() {
    let mut seen = Vec::new();
    for target in targets() {
        let db = seeded(&target.url).await;
        let context = ChatContext {
            page_url: Some("https://shop.example/parka".into()),
            page_title: Some("Alpine Parka".into()),
            cart: Some(Cart {
                value_minor: 24_900,
                currency: "USD".into(),
                items: vec![CartItem {
                    sku: "NW-PARKA-ALP-M".into(),
                    title: Some("Alpine Parka, M".into()),
                    quantity: 1,
                }],
            }),
            verified_orders: vec![1001, 1005],
            email: Some("ada@example.com".into()),
            email_verified: true,
            campaign: Some("free-shipping".into()),
            locale: Some("en".into()),
            ..ChatContext::default()
        };
        let plain = conversation(&db, &ChatContext::default()).await;
        let id = conversation(&db, &context).await;
        store::append(&db, &id, Writer::Shopper, "a", "Is it waterproof?")
            .await
            .unwrap();
        let summary = store::summary(&db, &id).await.unwrap().unwrap();
        let bare = store::summary(&db, &plain).await.unwrap().unwrap();
        // Reading a marker never goes past the last message, nor back.
        let read = store::mark_read(&db, &id, aisle_core::protocol::Party::Agent, 7)
            .await
            .unwrap();
        let back = store::mark_read(&db, &id, aisle_core::protocol::Party::Agent, 0)
            .await
            .unwrap();
        let email = store::customer_email(&db, "demo", &id).await.unwrap();
        assert_eq!(
            store::accept(&db, "demo", &id, 1).await.unwrap(),
            Accept::Accepted
        );
        assert!(
            store::close_by_system(&db, &id, "auto-closed")
                .await
                .unwrap()
        );
        let (tags,): (String,) = sqlx::query_as("SELECT tags FROM conversations WHERE id = $1")
            .bind(&id)
            .fetch_one(&db)
            .await
            .unwrap();
        let tags: Vec<String> = serde_json::from_str(&tags).unwrap();
        let queue: Vec<String> = store::queue(&db, "demo")
            .await
            .unwrap()
            .into_iter()
            .map(|(id, _, _)| id)
            .collect();
        let past = store::past_conversations(&db, "demo", &plain, "ada@example.com", 10)
            .await
            .unwrap();
        seen.push((
            target.backend,
            format!("{summary:?}"),
            format!("{bare:?}"),
            read,
            back,
            email,
            tags,
            queue == vec![plain.clone()],
            past.len(),
        ));
        db.close().await;
    }
    let (_, summary, bare, read, back, email, tags, queue, past) = &seen[0];
    assert!(
        summary.contains("ada@example.com") && summary.contains("24900"),
        "{summary}"
    );
    assert!(
        summary.contains("1001") && summary.contains("Is it waterproof?"),
        "{summary}"
    );
    assert!(summary.contains("email_verified: true"), "{summary}");
    assert!(bare.contains("cart: None"), "{bare}");
    assert_eq!((*read, *back), (1, 1));
    assert_eq!(email, &Some((Some("ada@example.com".into()), Some(1))));
    assert_eq!(tags, &vec!["auto-closed".to_owned()]);
    assert!(queue, "the closed one left the queue");
    assert_eq!(*past, 1);
    for other in &seen[1..] {
        assert_eq!(&other.1, summary, "{:?}", other.0);
        assert_eq!(&other.2, bare, "{:?}", other.0);
        assert_eq!((other.3, other.4), (*read, *back), "{:?}", other.0);
        assert_eq!(&other.5, email, "{:?}", other.0);
        assert_eq!(&other.6, tags, "{:?}", other.0);
        assert_eq!(other.7, *queue, "{:?}", other.0);
        assert_eq!(other.8, *past, "{:?}", other.0);
    }
}

#[tokio::test]
async fn a_pooled_code_goes_to_one_visitor_however_many_race() {
    for target in targets() {
        let db = seeded(&target.url).await;
        let pooled = r#"{"version": 1, "campaigns": [{"id": "vip", "message": "Take {{campaign.code}}",
            "codes": "pool"}]}"#;
        if let Err(e) = aisle_server::campaigns::push(&db, "demo", pooled).await {
            panic!("{e:?}");
        }
        let added = aisle_server::offers::add_codes(&db, "demo", "vip", "A1\nA2\nA3\n")
            .await
            .map_err(|e| e.to_string())
            .unwrap();
        assert_eq!(added.added, 3);
        let other = db::connect(&target.url).await.unwrap();
        let tasks: Vec<_> = (0..10)
            .map(|n| {
                let db = if n % 2 == 0 {
                    db.clone()
                } else {
                    other.clone()
                };
                tokio::spawn(async move {
                    aisle_server::offers::hand_out(&db, "demo", "vip", &format!("visitor-{n:04}"))
                        .await
                        .unwrap()
                })
            })
            .collect();
        let mut codes = Vec::new();
        for task in tasks {
            if let Some(code) = task.await.unwrap() {
                codes.push(code);
            }
        }
        codes.sort();
        assert_eq!(codes, ["A1", "A2", "A3"], "{:?}", target.backend);
        let counts = aisle_server::offers::code_counts(&db, "demo")
            .await
            .unwrap();
        assert_eq!(counts.get("vip"), Some(&(0, 3)));
        db.close().await;
        other.close().await;
    }
}

/// The next frame of `kind`, skipping others (queue updates, presence).
async fn frame_of(socket: &mut Socket, kind: &str) -> Value {
    loop {
        let frame = next(socket).await;
        if frame["type"] == kind {
            return frame;
        }
        assert_ne!(frame["type"], "error", "while waiting for {kind}: {frame}");
    }
}

/// A shopper's socket on the demo site of the server at `addr`, after `hello`.
async fn shopper_at(addr: std::net::SocketAddr, hello: Value) -> (Socket, Value) {
    let mut socket = connect(
        format!("ws://{addr}/ws/v1?site=demo"),
        &[("origin", format!("http://{addr}"))],
    )
    .await
    .unwrap();
    send(&mut socket, hello).await;
    let welcome = next(&mut socket).await;
    assert_eq!(welcome["type"], "welcome", "{welcome}");
    (socket, welcome)
}

#[tokio::test]
async fn on_aisle_serve_with_db_postgres_a_shopper_reaches_an_agent_and_a_restart_keeps_the_chat() {
    let Some(pg) = common::postgres() else {
        return;
    };
    let url = pg.fresh_database();
    let assets = tempfile::tempdir().unwrap();
    let (node, addr, http) = spawn_server(aisle(), true, &url, assets.path()).await;

    let login = http_log_in(&http, addr, ROBIN.0, ROBIN.1).await;
    let token = login["token"].as_str().unwrap().to_owned();
    let mut robin = agent_socket(addr, &token).await;
    send(&mut robin, json!({"type": "hello"})).await;
    assert_eq!(frame_of(&mut robin, "welcome").await["site"], "demo");

    let (mut ada, _) = shopper_at(addr, json!({"type": "hello"})).await;
    send(
        &mut ada,
        json!({"type": "start", "locale": "en", "context": {"page_url": "/cart"}}),
    )
    .await;
    let started = frame_of(&mut ada, "started").await;
    let id = started["conversation"].as_str().unwrap().to_owned();
    let resume = started["resume"].as_str().unwrap().to_owned();
    // The agent sees the shopper wait (after the queue as it was at hello).
    loop {
        let queue = frame_of(&mut robin, "queue").await;
        if queue["waiting"][0]["conversation"] == id.as_str() {
            break;
        }
        assert_eq!(queue["total"], 0, "{queue}");
    }

    send(&mut robin, json!({"type": "accept", "conversation": id})).await;
    assert_eq!(
        frame_of(&mut robin, "conversation").await["id"],
        id.as_str()
    );
    assert_eq!(
        frame_of(&mut ada, "agent_joined").await,
        json!({"type": "agent_joined", "name": "Robin"})
    );
    send(
        &mut ada,
        json!({"type": "send", "client_id": "a1", "text": "Does the parka run small?"}),
    )
    .await;
    assert_eq!(
        frame_of(&mut ada, "ack").await,
        json!({"type": "ack", "client_id": "a1", "seq": 1})
    );
    let heard = frame_of(&mut robin, "message").await;
    assert_eq!(heard["message"]["text"], "Does the parka run small?");
    assert_eq!(heard["message"]["seq"], 1);
    send(
        &mut robin,
        json!({"type": "send", "conversation": id, "client_id": "r1", "text": "True to size."}),
    )
    .await;
    assert_eq!(frame_of(&mut robin, "ack").await["seq"], 2);
    let reply = frame_of(&mut ada, "message").await;
    assert_eq!(
        (reply["seq"].clone(), reply["text"].clone()),
        (json!(2), json!("True to size."))
    );

    // Another node on the same database, after this one is gone: the chat,
    // its numbers and the agent's session are in PostgreSQL.
    drop(node);
    let (_node, addr, _) = spawn_server(aisle(), true, &url, assets.path()).await;
    let (mut ada, welcome) = shopper_at(
        addr,
        json!({"type": "hello", "resume": resume, "last_seq": 1}),
    )
    .await;
    assert_eq!(welcome["conversation"]["state"], "active");
    assert_eq!(frame_of(&mut ada, "message").await["text"], "True to size.");
    send(
        &mut ada,
        json!({"type": "send", "client_id": "a2", "text": "Large, then."}),
    )
    .await;
    assert_eq!(
        frame_of(&mut ada, "ack").await["seq"],
        3,
        "numbering goes on"
    );
    let mut robin = agent_socket(addr, &token).await;
    send(&mut robin, json!({"type": "hello"})).await;
    let back = frame_of(&mut robin, "conversation").await;
    assert_eq!(back["id"], id.as_str());
    assert_eq!(back["messages"].as_array().unwrap().len(), 3);
}
