//! Several `aisle serve` nodes on one PostgreSQL and one NATS bus (issue
//! #14): the real binary three times, a throwaway PostgreSQL (the harness's)
//! and Debian's `nats-server` on a free port. A shopper on one node and
//! agents on the others chat in order; presence is the cluster's; a killed
//! node's agent loses their conversations to the queue once, for an agent on
//! a third node; a message sent while the bus is down still arrives.
//!
//! Without PostgreSQL or `nats-server` installed the test says so loudly and
//! passes (with `CI=true` it fails: `.ci/run` installs both).

mod common;

use common::{Process, ROBIN, Socket, agent_socket, aisle, connect, http_log_in, next, send};
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The agent and shopper graces the nodes run with (seconds).
const GRACE: u64 = 2;

/// Waits this long for what takes a node's death to notice (staleness 5 s,
/// then the grace, then a heartbeat).
const NODE_DEATH: Duration = Duration::from_secs(40);

/// Debian's `nats-server`, if installed; with `CI=true` its absence fails.
fn nats_bin() -> Option<PathBuf> {
    let found = common::infra::nats_bin();
    if found.is_none() {
        assert!(
            !common::in_ci(),
            "CI=true and nats-server is missing: install Debian's nats-server (.ci/run does)"
        );
        eprintln!(
            "\n!!!!!!!! nats-server is not installed: the cluster test is SKIPPED. \
             `apt-get install nats-server` to run it.\n"
        );
    }
    found
}

/// A `nats-server` on `port` (killed when dropped), once it accepts connections.
async fn nats(bin: &Path, port: u16) -> Process {
    let child = Command::new(bin)
        .args(["-a", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let process = Process(child);
    let deadline = Instant::now() + Duration::from_secs(10);
    while tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err()
    {
        assert!(Instant::now() < deadline, "nats-server did not start");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    process
}

/// One `aisle serve --demo --bus` node on database `db`.
async fn node(db: &str, bus_port: u16, assets: &Path) -> (Process, SocketAddr, reqwest::Client) {
    let mut command = aisle();
    command
        .env("AISLE_BUS", format!("nats://127.0.0.1:{bus_port}"))
        .env("AISLE_AGENT_GRACE", GRACE.to_string())
        .env("AISLE_SHOPPER_GRACE", GRACE.to_string())
        .env("AISLE_MISSED_REPLY_AFTER", "2")
        .env(common::SMTP_PASSWORD_ENV, common::SMTP_PASSWORD);
    common::spawn_server(command, true, db, assets).await
}

/// The next frame of `kind`, skipping others; an `error` fails the test.
async fn frame_of(socket: &mut Socket, kind: &str) -> Value {
    loop {
        let frame = next(socket).await;
        if frame["type"] == kind {
            return frame;
        }
        assert_ne!(frame["type"], "error", "while waiting for {kind}: {frame}");
    }
}

/// Frames until one satisfies `done`, for up to `patience`; all of them.
async fn frames_until(
    socket: &mut Socket,
    patience: Duration,
    mut done: impl FnMut(&Value) -> bool,
) -> Vec<Value> {
    use futures_util::StreamExt;
    use tokio_tungstenite::tungstenite::Message;
    let mut seen = Vec::new();
    tokio::time::timeout(patience, async {
        loop {
            match socket.next().await {
                Some(Ok(Message::Text(text))) => {
                    let frame: Value = serde_json::from_str(&text).unwrap();
                    assert_ne!(frame["type"], "error", "{frame}");
                    let stop = done(&frame);
                    seen.push(frame);
                    if stop {
                        return;
                    }
                }
                Some(Ok(_)) => {}
                other => panic!("socket ended: {other:?}"),
            }
        }
    })
    .await
    .unwrap_or_else(|_| panic!("not in time; frames seen: {seen:?}"));
    seen
}

/// A shopper's socket on the demo site at `addr`, after `hello`.
async fn shopper_at(addr: SocketAddr) -> Socket {
    let mut socket = connect(
        format!("ws://{addr}/ws/v1?site=demo"),
        &[("origin", format!("http://{addr}"))],
    )
    .await
    .unwrap();
    send(&mut socket, json!({"type": "hello"})).await;
    assert_eq!(next(&mut socket).await["type"], "welcome");
    socket
}

/// An agent's socket at `addr` after `hello` and its welcome.
async fn agent_at(http: &reqwest::Client, addr: SocketAddr, email: &str, password: &str) -> Socket {
    let login = http_log_in(http, addr, email, password).await;
    agent_with(addr, login["token"].as_str().unwrap()).await
}

/// An agent's socket at `addr` with login `token`, after `hello` and its welcome.
async fn agent_with(addr: SocketAddr, token: &str) -> Socket {
    let mut socket = agent_socket(addr, token).await;
    send(&mut socket, json!({"type": "hello"})).await;
    frame_of(&mut socket, "welcome").await;
    socket
}

/// The shopper's chat messages among `frames`: (seq, text).
fn shopper_messages(frames: &[Value]) -> Vec<(u64, String)> {
    frames
        .iter()
        .filter(|f| f["type"] == "message")
        .map(|f| {
            (
                f["seq"].as_u64().unwrap(),
                f["text"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// The agent's chat messages among `frames`: (seq, text).
fn agent_messages(frames: &[Value]) -> Vec<(u64, String)> {
    frames
        .iter()
        .filter(|f| f["type"] == "message")
        .map(|f| {
            (
                f["message"]["seq"].as_u64().unwrap(),
                f["message"]["text"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_nodes_share_chats_presence_and_the_grace_and_survive_a_dead_node_and_a_cut_bus() {
    let Some(pg) = common::postgres() else {
        return;
    };
    let Some(nats_bin) = nats_bin() else {
        return;
    };
    let db = pg.fresh_database();
    let bus_port = common::free_port();
    let mut bus = nats(&nats_bin, bus_port).await;
    let assets = tempfile::tempdir().unwrap();
    // A first, then B and C: they seed the demo under the same lock.
    let (_a, addr_a, http) = node(&db, bus_port, assets.path()).await;
    let (b, addr_b, _) = node(&db, bus_port, assets.path()).await;
    let (_c, addr_c, _) = node(&db, bus_port, assets.path()).await;
    common::succeeds(
        aisle()
            .env("AISLE_AGENT_PASSWORD", "sam-the-agent")
            .args(["agents", "add", "sam@demo.test", "--site", "demo"])
            .args(["--name", "Sam", "--db", &db]),
    );

    // Robin on B; Ada, a shopper, on A: A counts Robin online and lets her in.
    let mut robin = agent_at(&http, addr_b, ROBIN.0, ROBIN.1).await;
    let mut ada = shopper_at(addr_a).await;
    send(
        &mut ada,
        json!({"type": "start", "locale": "en", "context": {"page_url": "/cart"}}),
    )
    .await;
    let started = next(&mut ada).await;
    assert_eq!(
        started["type"], "started",
        "A must see B's agent: {started}"
    );
    let id = started["conversation"].as_str().unwrap().to_owned();
    let queue = frame_of(&mut ada, "queue").await;
    assert_eq!(
        (queue["position"].clone(), queue["agents_online"].clone()),
        (json!(1), json!(1)),
        "{queue}"
    );

    // B's agent sees A's shopper wait, accepts; A's shopper hears who joined.
    frames_until(&mut robin, common::PATIENCE, |f| {
        f["type"] == "queue" && f["waiting"][0]["conversation"] == id.as_str()
    })
    .await;
    send(&mut robin, json!({"type": "accept", "conversation": id})).await;
    assert_eq!(
        frame_of(&mut robin, "conversation").await["id"],
        id.as_str()
    );
    assert_eq!(
        frame_of(&mut ada, "agent_joined").await["name"],
        "Robin",
        "across nodes"
    );

    // Both ways, interleaved, no waiting between sends: each side gets the
    // other's messages once, in sequence order.
    for i in 1..=5 {
        send(
            &mut ada,
            json!({"type": "send", "client_id": format!("a{i}"), "text": format!("ada {i}")}),
        )
        .await;
        send(
            &mut robin,
            json!({"type": "send", "conversation": id, "client_id": format!("r{i}"), "text": format!("robin {i}")}),
        )
        .await;
    }
    let frames = frames_until(&mut robin, common::PATIENCE, |f| {
        f["type"] == "message" && f["message"]["text"] == "ada 5"
    })
    .await;
    let heard = agent_messages(&frames);
    assert_eq!(
        heard.iter().map(|m| m.1.as_str()).collect::<Vec<_>>(),
        ["ada 1", "ada 2", "ada 3", "ada 4", "ada 5"],
        "{frames:?}"
    );
    assert!(heard.windows(2).all(|w| w[0].0 < w[1].0), "{heard:?}");
    // Until Robin's last message and Ada's five acknowledgements are in.
    let (mut last, mut acked) = (false, 0);
    let frames = frames_until(&mut ada, common::PATIENCE, |f| {
        last |= f["type"] == "message" && f["text"] == "robin 5";
        acked += usize::from(f["type"] == "ack");
        last && acked == 5
    })
    .await;
    let heard = shopper_messages(&frames);
    assert_eq!(
        heard.iter().map(|m| m.1.as_str()).collect::<Vec<_>>(),
        ["robin 1", "robin 2", "robin 3", "robin 4", "robin 5"],
        "{frames:?}"
    );
    assert!(heard.windows(2).all(|w| w[0].0 < w[1].0), "{heard:?}");
    let acks: Vec<u64> = frames
        .iter()
        .filter(|f| f["type"] == "ack")
        .map(|f| f["seq"].as_u64().unwrap())
        .collect();
    let mut all: Vec<u64> = heard.iter().map(|m| m.0).chain(acks).collect();
    all.sort();
    assert_eq!(
        all,
        (1..=10).collect::<Vec<_>>(),
        "every number once, no gap"
    );

    // Node B dies with Robin on it. Sam comes online on C; after B counts as
    // gone and the grace, the conversation is back in the queue — once — and
    // Sam takes it.
    drop(b);
    let mut sam = agent_at(&http, addr_c, "sam@demo.test", "sam-the-agent").await;
    let frames = frames_until(&mut ada, NODE_DEATH, |f| f["type"] == "queue").await;
    assert_eq!(frames.last().unwrap()["position"], 1, "{frames:?}");
    let frames = frames_until(&mut sam, common::PATIENCE, |f| {
        f["type"] == "queue" && f["total"] == 1
    })
    .await;
    let waiting = &frames.last().unwrap()["waiting"];
    assert_eq!(waiting.as_array().unwrap().len(), 1, "once: {waiting}");
    assert_eq!(waiting[0]["conversation"], id.as_str());
    send(&mut sam, json!({"type": "accept", "conversation": id})).await;
    let snapshot = frame_of(&mut sam, "conversation").await;
    assert_eq!(
        snapshot["messages"].as_array().unwrap().len(),
        10,
        "the whole chat so far"
    );
    assert_eq!(frame_of(&mut ada, "agent_joined").await["name"], "Sam");

    // The bus goes down: a message from Sam (C) still reaches Ada (A), from
    // the store; then the bus is back and messages flow again.
    drop(bus);
    send(
        &mut sam,
        json!({"type": "send", "conversation": id, "client_id": "s1", "text": "bus down"}),
    )
    .await;
    assert_eq!(frame_of(&mut sam, "ack").await["seq"], 11);
    let frames = frames_until(&mut ada, Duration::from_secs(15), |f| {
        f["type"] == "message"
    })
    .await;
    assert_eq!(
        shopper_messages(&frames),
        [(11, "bus down".to_owned())],
        "{frames:?}"
    );
    bus = nats(&nats_bin, bus_port).await;
    send(
        &mut ada,
        json!({"type": "send", "client_id": "a6", "text": "bus back"}),
    )
    .await;
    assert_eq!(frame_of(&mut ada, "ack").await["seq"], 12);
    let frames = frames_until(&mut sam, Duration::from_secs(15), |f| {
        f["type"] == "message"
    })
    .await;
    assert_eq!(agent_messages(&frames), [(12, "bus back".to_owned())]);
    // Sam kept the conversation all along: no second requeue took it away.
    assert!(
        frames.iter().all(|f| f["type"] != "transferred"),
        "{frames:?}"
    );
    send(
        &mut sam,
        json!({"type": "send", "conversation": id, "client_id": "s2", "text": "still mine"}),
    )
    .await;
    let frames = frames_until(&mut ada, Duration::from_secs(15), |f| {
        f["type"] == "message"
    })
    .await;
    assert_eq!(shopper_messages(&frames), [(13, "still mine".to_owned())]);
    assert!(
        frames.iter().all(|f| f["type"] != "queue"),
        "back in the queue once only: {frames:?}"
    );

    // Logging out on C closes the same login's console on A too.
    let login = http_log_in(&http, addr_c, "sam@demo.test", "sam-the-agent").await;
    let token = login["token"].as_str().unwrap().to_owned();
    let mut console_on_a = agent_with(addr_a, &token).await;
    let out = http
        .post(format!("http://{addr_c}/api/agent/logout"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 204);
    let (code, reason) = common::close_frame(&mut console_on_a).await;
    assert_eq!((u16::from(code), reason.as_str()), (1008, "logged out"));
    drop(bus);
}

/// A cluster of three nodes on a fresh database and bus (the bus process is
/// returned to keep it alive), or `None` when PostgreSQL or NATS is missing.
async fn three_nodes() -> Option<(
    Process,
    [(Process, SocketAddr); 3],
    reqwest::Client,
    tempfile::TempDir,
)> {
    three_nodes_with(None)
        .await
        .map(|(bus, nodes, http, assets, _)| (bus, nodes, http, assets))
}

/// [`three_nodes`] whose demo site is `site` (imported before they start).
async fn three_nodes_with(
    site: Option<&Value>,
) -> Option<(
    Process,
    [(Process, SocketAddr); 3],
    reqwest::Client,
    tempfile::TempDir,
    String,
)> {
    let pg = common::postgres()?;
    let nats_bin = nats_bin()?;
    let db = pg.fresh_database();
    let bus_port = common::free_port();
    let bus = nats(&nats_bin, bus_port).await;
    let assets = tempfile::tempdir().unwrap();
    if let Some(site) = site {
        common::import_site(aisle(), assets.path(), &db, site);
    }
    let (a, addr_a, http) = node(&db, bus_port, assets.path()).await;
    let (b, addr_b, _) = node(&db, bus_port, assets.path()).await;
    let (c, addr_c, _) = node(&db, bus_port, assets.path()).await;
    Some((
        bus,
        [(a, addr_a), (b, addr_b), (c, addr_c)],
        http,
        assets,
        db,
    ))
}

/// 500 requests at once, spread over `addrs` in turn; their status codes.
async fn spread(
    http: &reqwest::Client,
    addrs: &[SocketAddr],
    request: impl Fn(&reqwest::Client, SocketAddr, usize) -> reqwest::RequestBuilder,
) -> Vec<u16> {
    let calls = (0..500).map(|i| {
        let call = request(http, addrs[i % addrs.len()], i);
        async move { call.send().await.unwrap().status().as_u16() }
    });
    futures_util::future::join_all(calls).await
}

/// How many of `statuses` are `status`.
fn count(statuses: &[u16], status: u16) -> usize {
    statuses.iter().filter(|s| **s == status).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_guesses_spread_over_three_nodes_get_no_more_answers_than_one_node_gives() {
    let Some((_bus, nodes, http, _assets)) = three_nodes().await else {
        return;
    };
    let addrs = nodes.each_ref().map(|n| n.1);

    // 500 wrong passwords for Robin at once, a third on each node: ten
    // (one node's limit per client address) are checked, the rest get 429.
    let statuses = spread(&http, &addrs, |http, addr, i| {
        http.post(format!("http://{addr}/api/agent/login"))
            .json(&json!({"email": ROBIN.0, "password": format!("guess {i}")}))
    })
    .await;
    let (wrong, limited) = (count(&statuses, 401), count(&statuses, 429));
    assert!(
        (1..=10).contains(&wrong) && wrong + limited == 500,
        "{wrong} wrong-password answers, {limited} refused: {statuses:?}"
    );
    // The address is spent on every node, even for the right password.
    for addr in addrs {
        let status = http
            .post(format!("http://{addr}/api/agent/login"))
            .json(&json!({"email": ROBIN.0, "password": ROBIN.1}))
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status, 429, "node {addr}");
    }

    // 500 wrong order lookups at once, over the three nodes: five (one
    // node's limit per client address) are looked up, the rest get 429.
    let statuses = spread(&http, &addrs, |http, addr, i| {
        http.post(format!("http://{addr}/api/sites/demo/orders/lookup"))
            .header("origin", format!("http://{addr}"))
            .json(&json!({"order": format!("#{}", 2000 + i), "email": "mallory@example.com"}))
    })
    .await;
    let (missed, limited) = (count(&statuses, 404), count(&statuses, 429));
    assert!(
        (1..=5).contains(&missed) && missed + limited == 500,
        "{missed} lookups answered, {limited} refused: {statuses:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn business_hours_saved_on_one_node_are_live_on_another_within_a_second() {
    let Some((_bus, nodes, http, _assets)) = three_nodes().await else {
        return;
    };
    let [(_, a), (_, b), _] = &nodes;
    let robin = http_log_in(&http, *a, ROBIN.0, ROBIN.1).await;
    let token = robin["token"].as_str().unwrap();
    for (n, zone) in ["Europe/Helsinki", "Asia/Bangkok", "Europe/Paris"]
        .into_iter()
        .enumerate()
    {
        let hours = json!({"time_zone": zone, "weekly": {"mon": [[format!("0{n}:00"), "17:00"]]}});
        let (status, saved) = common::http_call(
            &http,
            *a,
            "PUT",
            "/api/agent/hours",
            Some(token),
            Some(json!({ "business_hours": hours })),
        )
        .await;
        assert_eq!(status, 200, "{saved}");
        let saved_at = Instant::now();
        loop {
            let (_, shown) =
                common::http_call(&http, *b, "GET", "/api/agent/hours", Some(token), None).await;
            if shown["business_hours"] == hours {
                break;
            }
            assert!(
                saved_at.elapsed() < Duration::from_secs(1),
                "node B still shows {shown} a second after A saved {hours}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// Sends `signal` (`STOP`, `CONT`) to `process`.
fn signal(process: &Process, signal: &str) {
    let status = Command::new("kill")
        .args([format!("-{signal}"), process.0.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success(), "kill -{signal}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_paused_past_its_heartbeat_closes_its_stale_sockets_with_1012_when_it_wakes() {
    let Some((_bus, nodes, http, _assets, db)) = three_nodes_with(None).await else {
        return;
    };
    let [(_, a), (b, addr_b), (_, c)] = &nodes;
    common::succeeds(
        aisle()
            .env("AISLE_AGENT_PASSWORD", "sam-the-agent")
            .args(["agents", "add", "sam@demo.test", "--site", "demo"])
            .args(["--name", "Sam", "--db", &db]),
    );
    // Robin on B takes Ada's chat (Ada on A).
    let login = http_log_in(&http, *addr_b, ROBIN.0, ROBIN.1).await;
    let token = login["token"].as_str().unwrap().to_owned();
    let mut robin = agent_with(*addr_b, &token).await;
    let mut ada = shopper_at(*a).await;
    send(
        &mut ada,
        json!({"type": "start", "locale": "en", "context": {"page_url": "/"}}),
    )
    .await;
    let started = frame_of(&mut ada, "started").await;
    let id = started["conversation"].as_str().unwrap().to_owned();
    frames_until(&mut robin, common::PATIENCE, |f| {
        f["type"] == "queue" && f["waiting"][0]["conversation"] == id.as_str()
    })
    .await;
    send(&mut robin, json!({"type": "accept", "conversation": id})).await;
    frame_of(&mut ada, "agent_joined").await;

    // Sam watches the queue from C.
    let mut sam = agent_at(&http, *c, "sam@demo.test", "sam-the-agent").await;

    // B freezes: the others count it dead, and after the grace Ada's chat is
    // back in the queue (Sam sees it there).
    signal(b, "STOP");
    let requeued = frames_until(&mut sam, NODE_DEATH, |f| {
        f["type"] == "queue" && f["waiting"][0]["conversation"] == id.as_str()
    })
    .await;
    signal(b, "CONT");
    assert_eq!(requeued.last().unwrap()["total"], 1, "{requeued:?}");

    // B wakes up: Robin's socket there still believed the chat was his; B
    // closes it with 1012 (restart) instead of carrying on.
    let (code, _) = common::close_frame(&mut robin).await;
    assert_eq!(u16::from(code), 1012);
    // He reconnects to B, which is a live node again, and finds the chat waiting.
    let mut robin = agent_with(*addr_b, &token).await;
    frames_until(&mut robin, common::PATIENCE, |f| {
        f["type"] == "queue" && f["waiting"][0]["conversation"] == id.as_str()
    })
    .await;
    send(&mut robin, json!({"type": "accept", "conversation": id})).await;
    assert_eq!(frame_of(&mut ada, "agent_joined").await["name"], "Robin");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_nodes_waiting_shopper_who_never_comes_back_leaves_the_queue() {
    let Some((_bus, [(_a, a), (b, addr_b), _c], http, _assets)) = three_nodes().await else {
        return;
    };
    let mut robin = agent_at(&http, a, ROBIN.0, ROBIN.1).await;
    let mut ada = shopper_at(addr_b).await;
    send(
        &mut ada,
        json!({"type": "start", "locale": "en", "context": {"page_url": "/"}}),
    )
    .await;
    let id = frame_of(&mut ada, "started").await["conversation"]
        .as_str()
        .unwrap()
        .to_owned();
    frames_until(&mut robin, common::PATIENCE, |f| {
        f["type"] == "queue" && f["waiting"][0]["conversation"] == id.as_str()
    })
    .await;
    // B dies with Ada on it, and she never comes back: once B counts as
    // dead and her grace is over, her chat leaves Robin's queue.
    drop(b);
    let frames = frames_until(&mut robin, NODE_DEATH, |f| {
        f["type"] == "queue" && f["total"] == 0
    })
    .await;
    assert!(
        frames.last().unwrap()["waiting"]
            .as_array()
            .unwrap()
            .is_empty(),
        "{frames:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shoppers_tabs_on_two_nodes_share_one_send_allowance() {
    let Some((_bus, [(_a, a), (_b, b), (_c, c)], http, _assets)) = three_nodes().await else {
        return;
    };
    let _robin = agent_at(&http, c, ROBIN.0, ROBIN.1).await;
    let mut tab_a = shopper_at(a).await;
    send(
        &mut tab_a,
        json!({"type": "start", "locale": "en", "context": {"page_url": "/"}}),
    )
    .await;
    let started = frame_of(&mut tab_a, "started").await;
    let resume = started["resume"].as_str().unwrap();
    // The same shopper's second tab, on node B.
    let mut tab_b = connect(
        format!("ws://{b}/ws/v1?site=demo"),
        &[("origin", format!("http://{b}"))],
    )
    .await
    .unwrap();
    send(
        &mut tab_b,
        json!({"type": "hello", "resume": resume, "last_seq": 0}),
    )
    .await;
    assert_eq!(frame_of(&mut tab_b, "welcome").await["type"], "welcome");
    for i in 0..aisle_server::chat::SEND_LIMIT {
        send(
            &mut tab_a,
            json!({"type": "send", "client_id": format!("m{i}"), "text": "spam"}),
        )
        .await;
        frame_of(&mut tab_a, "ack").await;
    }
    // Tab B's node has counted none of them itself: it still refuses.
    send(
        &mut tab_b,
        json!({"type": "send", "client_id": "over", "text": "spam"}),
    )
    .await;
    loop {
        let frame = next(&mut tab_b).await;
        if frame["type"] == "error" {
            assert_eq!(frame["code"], "rate_limited", "{frame}");
            break;
        }
        assert_ne!(frame["type"], "ack", "the 21st message was taken: {frame}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_missed_reply_email_to_a_shopper_whose_tab_is_open_on_another_node() {
    if common::postgres().is_none() || nats_bin().is_none() {
        return;
    }
    let sink = common::Sink::start(0);
    let site = common::site_with_email(sink.port, json!({}));
    let Some((_bus, [(_a, a), (_b, b), _c], http, _assets, _)) =
        three_nodes_with(Some(&site)).await
    else {
        return;
    };
    let mut robin = agent_at(&http, b, ROBIN.0, ROBIN.1).await;
    // A shopper on A who gave their email; Robin (on B) takes the chat.
    let chat = |email: &'static str| async move {
        let mut shopper = shopper_at(a).await;
        send(
            &mut shopper,
            json!({"type": "start", "locale": "en", "context": {"email": email}}),
        )
        .await;
        let id = frame_of(&mut shopper, "started").await["conversation"]
            .as_str()
            .unwrap()
            .to_owned();
        (shopper, id)
    };
    // Max stays; Zoe leaves before the answer.
    let mut answered = Vec::new();
    for email in ["max@example.com", "zoe@example.com"] {
        let (mut shopper, id) = chat(email).await;
        send(&mut robin, json!({"type": "accept", "conversation": id})).await;
        frame_of(&mut robin, "conversation").await;
        common::skip_to(&mut shopper, "agent_joined").await;
        answered.push((shopper, id));
    }
    let (zoe, zoe_chat) = answered.pop().unwrap();
    drop(zoe);
    let (mut max, max_chat) = answered.pop().unwrap();
    send(
        &mut robin,
        json!({"type": "send", "conversation": max_chat, "client_id": "m1", "text": "Hi Max"}),
    )
    .await;
    common::skip_to(&mut max, "message").await;
    send(
        &mut robin,
        json!({"type": "send", "conversation": zoe_chat, "client_id": "z1", "text": "Hello Zoe"}),
    )
    .await;
    // Zoe's email shows B's check works; Max's check was due before hers
    // (they wait as long), so a wrong email to Max would be queued next to
    // Zoe's: none arrives in the second after hers (in a failing run it
    // came within 0.2 s).
    let received = sink.await_messages(1).await;
    assert_eq!(received[0].1["rcpt_tos"], json!(["zoe@example.com"]));
    let quiet_until = Instant::now() + Duration::from_secs(1);
    while Instant::now() < quiet_until {
        let received = sink.received();
        assert_eq!(
            received.len(),
            1,
            "none to Max, whose tab is open on A: {received:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
