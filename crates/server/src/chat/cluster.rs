//! Several nodes on one database (`aisle serve --db postgres://… --bus
//! nats://…`): the bus that carries live events between nodes, and presence
//! and the agents' grace kept as data.
//!
//! The bus only carries fan-out; the database stays the truth:
//!
//! - Subjects (NATS core, no JetStream): `aisle.conv.{id}` for a
//!   conversation's frames (messages, typing, read, joined, closed…),
//!   `aisle.site.{site}` for queue changes and frames to a site's agents,
//!   `aisle.agent.{id}` for frames to one agent's connections. A node
//!   subscribes to a conversation's subject while it holds a socket for it
//!   (or keeps its shopper's grace); site and agent subjects by wildcard.
//! - Every node keeps, per conversation it follows, the last sequence number
//!   it delivered ([`Bus::positions`]). A message with the next number is
//!   delivered; one already delivered is dropped; one past a gap makes the
//!   node read the gap from the store and deliver it in order first. Every
//!   [`RESYNC_EVERY`], and after each reconnect to the bus, the node compares
//!   its positions with the store's `last_seq` and delivers what the bus
//!   dropped. So a message reaches every socket even with the bus down.
//! - Publishing never waits: frames go through a bounded channel to one
//!   publisher task, and are dropped (and repaired from the store) when it is full.
//!
//! Presence as data (migration 0024): each node upserts its `nodes` row every
//! [`HEARTBEAT_EVERY`] and keeps one `agent_presence` row per agent
//! connection. `agents_online` counts distinct online agents on nodes whose
//! heartbeat is younger than [`NODE_STALE`]. Each heartbeat also sweeps: an
//! agent with active conversations and no live connection anywhere gets an
//! `agents_away` row (since now); a row older than the agent grace is taken
//! with one `DELETE … RETURNING` (the agent still away), and only the node
//! that took it puts their conversations back in the queue — exactly once,
//! even when the node that held the agent died.
//!
//! Self-fencing: a node that finds its own last heartbeat [`NODE_STALE`] old
//! (it was paused, or could not write it) closes every socket with 1012
//! (restart) before writing the next one: the other nodes have treated it as
//! dead meanwhile, so its sockets' state may be stale. Their clients
//! reconnect and get the state the cluster decided.

use super::hub::Hub;
use aisle_core::protocol::ChatMessage;
use bytes::Bytes;
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// How often a node writes its heartbeat and sweeps presence and grace.
pub const HEARTBEAT_EVERY: Duration = Duration::from_secs(1);
/// A node whose heartbeat is older than this counts as gone (its agents too).
pub const NODE_STALE: Duration = Duration::from_secs(5);
/// How often a node checks its conversations' positions against the store.
pub const RESYNC_EVERY: Duration = Duration::from_secs(3);
/// Conversations whose positions one query checks.
pub const RESYNC_BATCH: usize = 500;
/// Frames waiting to be published at most; more are dropped (and repaired).
const PUBLISH_QUEUE: usize = 8192;

/// Milliseconds since the Unix epoch.
pub use crate::db::now_ms;

/// What travels on the bus: the sending node and the event.
#[derive(Debug, Serialize, Deserialize)]
pub struct Envelope {
    /// The node that published it (a node ignores its own).
    pub node: String,
    /// What happened.
    pub event: Event,
}

/// One live event between nodes. Frames are the encoded WebSocket frames, as
/// the sending node pushed them to its own sockets.
#[derive(Debug, Serialize, Deserialize)]
pub enum Event {
    /// A frame for the conversation's shopper connections.
    Shoppers(String),
    /// A frame for the agent connections that have the conversation.
    Agents(String),
    /// A stored message: through the sequencer to both sides.
    Message(ChatMessage),
    /// The conversation left its agents (closed, transferred).
    Unsync,
    /// The conversation is closed (address counts are released).
    Closed,
    /// The conversation left the queue (its shoppers hear their place afresh if it comes back).
    LeftQueue,
    /// Its shopper connected on another node (pending expiry is off).
    ShopperBack,
    /// The site's queue changed: tell local waiting shoppers and agents.
    Queue,
    /// A frame for every agent connection of the site.
    SiteAgents(String),
    /// A frame for every connection of the agent.
    Agent(String),
    /// Close the agent's connections with this reason (account disabled,
    /// password changed).
    Kick(String),
    /// Close the connections opened with the login session of this digest
    /// (logout), on `aisle.all`.
    Logout(String),
    /// The agent took the conversation: their connections get it, with this snapshot frame.
    Synced {
        /// The conversation.
        conversation: String,
        /// Its `conversation` snapshot frame.
        frame: String,
    },
}

/// A subject token for `id`: itself when NATS-safe, else `x` + hex.
fn token(id: &str) -> String {
    let safe = !id.is_empty()
        && !id.starts_with('x')
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if safe {
        id.to_owned()
    } else {
        format!("x{}", hex::encode(id))
    }
}

/// The id a subject token stands for.
fn untoken(token: &str) -> Option<String> {
    match token.strip_prefix('x') {
        Some(rest) => String::from_utf8(hex::decode(rest).ok()?).ok(),
        None => Some(token.to_owned()),
    }
}

/// The subject of conversation `id`.
pub fn conversation_subject(id: &str) -> String {
    format!("aisle.conv.{}", token(id))
}

/// The subject of site `site`.
pub fn site_subject(site: &str) -> String {
    format!("aisle.site.{}", token(site))
}

/// The subject of agent `agent`.
pub fn agent_subject(agent: i64) -> String {
    format!("aisle.agent.{agent}")
}

/// The subject every node hears (logouts: the session's agent is not known).
pub const ALL_SUBJECT: &str = "aisle.all";

/// A node's connection to the bus and what it follows.
#[derive(Debug)]
pub struct Bus {
    client: async_nats::Client,
    /// This node's id (random, per start).
    pub node: String,
    publish: mpsc::Sender<(String, Bytes)>,
    /// Conversation subscriptions: dropping the task handle ends it.
    subs: Mutex<HashMap<String, tokio::task::JoinHandle<()>>>,
    /// Per conversation followed, the last sequence number delivered here.
    pub positions: Mutex<HashMap<String, u64>>,
    /// Cluster counts of agents online per site, as last read.
    pub online: Mutex<HashMap<String, u32>>,
    /// Woken after a reconnect: check every position.
    pub reconnected: tokio::sync::Notify,
    /// The shopper presence rows as last written: conversation → a socket open.
    pub shoppers_written: Mutex<HashMap<String, bool>>,
}

impl Drop for Bus {
    fn drop(&mut self) {
        for (_, task) in self.subs.lock().unwrap_or_else(|e| e.into_inner()).drain() {
            task.abort();
        }
    }
}

impl Bus {
    /// Connects to the NATS servers of `urls` (comma-separated `nats://host:port`).
    pub async fn connect(
        urls: &str,
    ) -> anyhow::Result<(std::sync::Arc<Bus>, mpsc::Receiver<(String, Bytes)>)> {
        let addrs: Vec<async_nats::ServerAddr> = urls
            .split(',')
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .map(|u| {
                u.parse()
                    .map_err(|e| anyhow::anyhow!("--bus {u:?}: not a NATS URL ({e})"))
            })
            .collect::<anyhow::Result<_>>()?;
        anyhow::ensure!(!addrs.is_empty(), "--bus: no NATS server given");
        let node = format!("{:016x}", rand::random::<u64>());
        let (tx, rx) = mpsc::channel(PUBLISH_QUEUE);
        let reconnected = std::sync::Arc::new(tokio::sync::Notify::new());
        let wake = reconnected.clone();
        let client = async_nats::ConnectOptions::new()
            .name(format!("aisle-{node}"))
            .retry_on_initial_connect()
            .reconnect_delay_callback(|attempts| {
                Duration::from_millis((attempts as u64 * 100).min(2000))
            })
            .event_callback(move |event| {
                let wake = wake.clone();
                async move {
                    match event {
                        async_nats::Event::Connected => {
                            tracing::info!("bus connected");
                            wake.notify_one();
                        }
                        async_nats::Event::Disconnected => tracing::warn!("bus disconnected"),
                        async_nats::Event::SlowConsumer(_) => {
                            tracing::warn!("bus: slow consumer, resyncing");
                            wake.notify_one();
                        }
                        other => tracing::info!(event = %other, "bus event"),
                    }
                }
            })
            .connect(addrs)
            .await?;
        let bus = std::sync::Arc::new(Bus {
            client,
            node,
            publish: tx,
            subs: Mutex::new(HashMap::new()),
            positions: Mutex::new(HashMap::new()),
            online: Mutex::new(HashMap::new()),
            reconnected: tokio::sync::Notify::new(),
            shoppers_written: Mutex::new(HashMap::new()),
        });
        // Forward the connection's wake-ups to the bus's own notifier.
        let weak = std::sync::Arc::downgrade(&bus);
        tokio::spawn(async move {
            loop {
                reconnected.notified().await;
                match weak.upgrade() {
                    Some(bus) => bus.reconnected.notify_one(),
                    None => return,
                }
            }
        });
        Ok((bus, rx))
    }

    /// Publishes `event` on `subject` without waiting; dropped when the
    /// publisher is backed up (the store repairs what matters).
    pub fn publish(&self, subject: String, event: Event) {
        let envelope = Envelope {
            node: self.node.clone(),
            event,
        };
        let Ok(payload) = serde_json::to_vec(&envelope) else {
            return;
        };
        if self.publish.try_send((subject, payload.into())).is_err() {
            tracing::warn!("bus publisher backed up; event dropped");
        }
    }

    /// Reads an envelope from another node (`None` for our own or garbage).
    fn open(&self, payload: &[u8]) -> Option<Event> {
        let envelope: Envelope = serde_json::from_slice(payload).ok()?;
        (envelope.node != self.node).then_some(envelope.event)
    }

    /// Whether conversation `id` has a subscription here.
    pub fn follows(&self, id: &str) -> bool {
        self.subs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains_key(id)
    }

    /// Conversations subscribed to.
    pub fn followed(&self) -> Vec<String> {
        self.subs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .keys()
            .cloned()
            .collect()
    }

    /// Ends the subscription to conversation `id` and forgets its position.
    pub fn unfollow(&self, id: &str) {
        if let Some(task) = self
            .subs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(id)
        {
            task.abort();
        }
        self.positions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(id);
    }

    /// The position of conversation `id`, if followed.
    pub fn position(&self, id: &str) -> Option<u64> {
        self.positions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(id)
            .copied()
    }

    /// Sets the position of conversation `id`.
    pub fn set_position(&self, id: &str, seq: u64) {
        self.positions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id.to_owned(), seq);
    }
}

/// Starts the bus side of `hub`: the publisher, the wildcard subscriptions
/// (sites, agents), the heartbeat and sweep, the position checks. Runs until
/// `shutdown`; then removes this node's rows.
pub async fn start(
    hub: &Hub,
    bus: std::sync::Arc<Bus>,
    mut outgoing: mpsc::Receiver<(String, Bytes)>,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    let db = hub.db().clone();
    store::register(&db, &bus.node).await?;
    // The publisher: one task, in order.
    let client = bus.client.clone();
    tokio::spawn(async move {
        while let Some((subject, payload)) = outgoing.recv().await {
            if let Err(e) = client.publish(subject, payload).await {
                tracing::warn!(error = %e, "bus publish failed");
            }
        }
    });
    let mut sites = bus.client.subscribe("aisle.site.*").await?;
    let mut agents = bus.client.subscribe("aisle.agent.*").await?;
    let mut all = bus.client.subscribe(ALL_SUBJECT).await?;
    bus.client.flush().await?;
    let weak = hub.downgrade();
    let stop = shutdown.clone();
    tokio::spawn(async move {
        loop {
            let message = tokio::select! {
                _ = stop.cancelled() => return,
                m = sites.next() => m,
                m = agents.next() => m,
                m = all.next() => m,
            };
            let Some(message) = message else { return };
            let Some(hub) = Hub::upgrade(&weak) else {
                return;
            };
            let Some(bus) = hub.bus() else { return };
            let Some(event) = bus.open(&message.payload) else {
                continue;
            };
            let subject = message.subject.as_str();
            if subject == ALL_SUBJECT {
                if let Event::Logout(digest) = event {
                    hub.logout_here(&digest);
                }
            } else if let Some(site) = subject.strip_prefix("aisle.site.").and_then(untoken) {
                hub.site_event(&site, event);
            } else if let Some(agent) = subject
                .strip_prefix("aisle.agent.")
                .and_then(|a| a.parse::<i64>().ok())
            {
                hub.agent_event(agent, event);
            }
        }
    });
    // Heartbeat, sweep and position checks.
    let weak = hub.downgrade();
    tokio::spawn(async move {
        let mut beat = tokio::time::interval(HEARTBEAT_EVERY);
        let mut resync = tokio::time::interval(RESYNC_EVERY);
        // When this node's heartbeat was last written (at or after this).
        let mut last_beat = now_ms();
        let mut fenced = false;
        beat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        resync.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            let Some(bus) = Hub::upgrade(&weak).and_then(|h| h.bus().cloned()) else {
                return;
            };
            let check = tokio::select! {
                _ = shutdown.cancelled() => break,
                _ = beat.tick() => false,
                _ = resync.tick() => true,
                _ = bus.reconnected.notified() => true,
            };
            drop(bus);
            let Some(hub) = Hub::upgrade(&weak) else {
                return;
            };
            if check {
                hub.resync().await;
                continue;
            }
            let now = now_ms();
            let missed = now - last_beat;
            if missed >= NODE_STALE.as_millis() as i64 && !fenced {
                // Other nodes have counted this one dead (its agents away,
                // their grace decided without it): what its sockets hold is
                // stale. Close them; they reconnect to a node that is current.
                hub.fence(missed);
                fenced = true;
            }
            match hub.heartbeat().await {
                Ok(()) => {
                    last_beat = now;
                    fenced = false;
                }
                Err(e) => tracing::warn!(error = %e, "cluster heartbeat failed"),
            }
        }
        if let Some(hub) = Hub::upgrade(&weak)
            && let Some(bus) = hub.bus()
            && let Err(e) = store::deregister(hub.db(), &bus.node).await
        {
            tracing::warn!(error = %e, "removing this node's rows failed");
        }
    });
    Ok(())
}

/// Subscribes to conversation `id` (if not yet) and waits until the bus
/// server has the subscription, so nothing published after this returns is missed.
pub async fn subscribe(hub: &Hub, bus: &Bus, id: &str) -> anyhow::Result<()> {
    if bus.follows(id) {
        return Ok(());
    }
    let mut subscriber = bus.client.subscribe(conversation_subject(id)).await?;
    if let Err(e) = bus.client.flush().await {
        // The bus is down: the position checks deliver from the store meanwhile.
        tracing::warn!(conversation = id, error = %e, "bus flush failed");
    }
    let weak = hub.downgrade();
    let conversation = id.to_owned();
    let task = tokio::spawn(async move {
        while let Some(message) = subscriber.next().await {
            let Some(hub) = Hub::upgrade(&weak) else {
                return;
            };
            let Some(event) = hub.bus().and_then(|b| b.open(&message.payload)) else {
                continue;
            };
            hub.conversation_event(&conversation, event).await;
        }
    });
    let mut subs = bus.subs.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(old) = subs.insert(id.to_owned(), task) {
        // Raced with another subscriber for the same conversation: keep one.
        old.abort();
    }
    Ok(())
}

/// The SQL of presence, heartbeats and the grace claim (both dialects).
pub mod store {
    use super::{NODE_STALE, now_ms};
    use crate::db::Db;

    fn stale_before(now: i64) -> i64 {
        now - NODE_STALE.as_millis() as i64
    }

    /// Registers node `node`, or renews its heartbeat (now).
    pub async fn register(db: &Db, node: &str) -> anyhow::Result<()> {
        let now = now_ms();
        sqlx::query(
            "INSERT INTO nodes (id, started_at, heartbeat_at) VALUES ($1, $2, $2) \
             ON CONFLICT (id) DO UPDATE SET heartbeat_at = $2",
        )
        .bind(node)
        .bind(now)
        .execute(db)
        .await?;
        Ok(())
    }

    /// Removes node `node` and its presence rows (a clean stop).
    pub async fn deregister(db: &Db, node: &str) -> anyhow::Result<()> {
        sqlx::query("DELETE FROM agent_presence WHERE node = $1")
            .bind(node)
            .execute(db)
            .await?;
        sqlx::query("DELETE FROM shopper_presence WHERE node = $1")
            .bind(node)
            .execute(db)
            .await?;
        sqlx::query("DELETE FROM nodes WHERE id = $1")
            .bind(node)
            .execute(db)
            .await?;
        Ok(())
    }

    /// Records agent connection `conn` of node `node`: `Some((site, agent,
    /// online))` while it is open, `None` once closed.
    pub async fn set_presence(
        db: &Db,
        node: &str,
        conn: u64,
        row: Option<(&str, i64, bool)>,
    ) -> anyhow::Result<()> {
        let conn = i64::try_from(conn).unwrap_or(i64::MAX);
        match row {
            Some((site, agent, online)) => {
                sqlx::query(
                    "INSERT INTO agent_presence (node, conn, site_id, agent_id, online) \
                     VALUES ($1, $2, $3, $4, $5) \
                     ON CONFLICT (node, conn) DO UPDATE SET online = $5",
                )
                .bind(node)
                .bind(conn)
                .bind(site)
                .bind(agent)
                .bind(i64::from(online))
                .execute(db)
                .await?;
                // Back before the grace ran out: nothing to requeue.
                sqlx::query("DELETE FROM agents_away WHERE agent_id = $1")
                    .bind(agent)
                    .execute(db)
                    .await?;
            }
            None => {
                sqlx::query("DELETE FROM agent_presence WHERE node = $1 AND conn = $2")
                    .bind(node)
                    .bind(conn)
                    .execute(db)
                    .await?;
            }
        }
        Ok(())
    }

    /// Agents (people, not tabs) online for `site` on live nodes.
    pub async fn agents_online(db: &Db, site: &str) -> anyhow::Result<u32> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(DISTINCT p.agent_id) FROM agent_presence p \
             JOIN nodes n ON n.id = p.node \
             WHERE p.site_id = $1 AND p.online = 1 AND n.heartbeat_at > $2",
        )
        .bind(site)
        .bind(stale_before(now_ms()))
        .fetch_one(db)
        .await?;
        Ok(u32::try_from(n).unwrap_or(u32::MAX))
    }

    /// Writes node `node`'s heartbeat, notes agents with active conversations
    /// and no live connection (since now), forgets those back, and removes
    /// dead nodes' rows.
    pub async fn heartbeat(db: &Db, node: &str) -> anyhow::Result<()> {
        register(db, node).await?;
        let now = now_ms();
        let live_after = stale_before(now);
        sqlx::query(
            "INSERT INTO agents_away (agent_id, site_id, since) \
             SELECT c.agent_id, MIN(c.site_id), $1 FROM conversations c \
             WHERE c.state = 'active' AND c.agent_id IS NOT NULL \
             AND NOT EXISTS (SELECT 1 FROM agent_presence p JOIN nodes n ON n.id = p.node \
                             WHERE p.agent_id = c.agent_id AND n.heartbeat_at > $2) \
             GROUP BY c.agent_id \
             ON CONFLICT (agent_id) DO NOTHING",
        )
        .bind(now)
        .bind(live_after)
        .execute(db)
        .await?;
        sqlx::query(
            "DELETE FROM agents_away WHERE EXISTS (SELECT 1 FROM agent_presence p \
             JOIN nodes n ON n.id = p.node \
             WHERE p.agent_id = agents_away.agent_id AND n.heartbeat_at > $1)",
        )
        .bind(live_after)
        .execute(db)
        .await?;
        // Dead for a while: their rows go (a node back from a pause re-registers).
        let dead = live_after - 10 * super::NODE_STALE.as_millis() as i64;
        sqlx::query(
            "DELETE FROM agent_presence WHERE node IN (SELECT id FROM nodes WHERE heartbeat_at < $1)",
        )
        .bind(dead)
        .execute(db)
        .await?;
        sqlx::query(
            "DELETE FROM shopper_presence WHERE node IN (SELECT id FROM nodes WHERE heartbeat_at < $1)",
        )
        .bind(dead)
        .execute(db)
        .await?;
        sqlx::query("DELETE FROM nodes WHERE heartbeat_at < $1")
            .bind(dead)
            .execute(db)
            .await?;
        Ok(())
    }

    /// Takes the agents away for `grace_ms` or longer and still away: each
    /// row is taken by exactly one caller, cluster-wide. Their (agent, site).
    pub async fn claim_gone(db: &Db, grace_ms: i64) -> anyhow::Result<Vec<(i64, String)>> {
        let now = now_ms();
        let rows: Vec<(i64, String)> = sqlx::query_as(
            "DELETE FROM agents_away WHERE since <= $1 \
             AND NOT EXISTS (SELECT 1 FROM agent_presence p JOIN nodes n ON n.id = p.node \
                             WHERE p.agent_id = agents_away.agent_id AND n.heartbeat_at > $2) \
             RETURNING agent_id, site_id",
        )
        .bind(now - grace_ms)
        .bind(stale_before(now))
        .fetch_all(db)
        .await?;
        Ok(rows)
    }

    /// Rows of [`write_shoppers`] per statement.
    const SHOPPER_BATCH: usize = 300;

    /// Records which conversations' shoppers node `node` holds: `held`
    /// (conversation, a socket open) upserted, `gone` removed.
    pub async fn write_shoppers(
        db: &Db,
        node: &str,
        held: &[(String, bool)],
        gone: &[String],
    ) -> anyhow::Result<()> {
        for chunk in held.chunks(SHOPPER_BATCH) {
            let rows: Vec<String> = (0..chunk.len())
                .map(|i| format!("($1, ${}, ${})", 2 * i + 2, 2 * i + 3))
                .collect();
            let sql = format!(
                "INSERT INTO shopper_presence (node, conversation_id, connected) VALUES {} \
                 ON CONFLICT (node, conversation_id) DO UPDATE SET connected = excluded.connected",
                rows.join(", ")
            );
            let mut query = sqlx::query(&sql).bind(node);
            for (id, connected) in chunk {
                query = query.bind(id.as_str()).bind(i64::from(*connected));
            }
            query.execute(db).await?;
        }
        for chunk in gone.chunks(SHOPPER_BATCH) {
            let marks: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 2)).collect();
            let sql = format!(
                "DELETE FROM shopper_presence WHERE node = $1 AND conversation_id IN ({})",
                marks.join(", ")
            );
            let mut query = sqlx::query(&sql).bind(node);
            for id in chunk {
                query = query.bind(id.as_str());
            }
            query.execute(db).await?;
        }
        Ok(())
    }

    /// Whether the shopper of conversation `id` has a socket open on a live node.
    pub async fn shopper_connected(db: &Db, id: &str) -> anyhow::Result<bool> {
        let found: Option<i64> = sqlx::query_scalar(
            "SELECT 1 FROM shopper_presence p JOIN nodes n ON n.id = p.node \
             WHERE p.conversation_id = $1 AND p.connected = 1 AND n.heartbeat_at > $2",
        )
        .bind(id)
        .bind(stale_before(now_ms()))
        .fetch_optional(db)
        .await?;
        Ok(found.is_some())
    }

    /// Notes waiting conversations no live node holds (since now), forgets
    /// those held again or no longer waiting, and takes those orphaned for
    /// `grace_ms` or longer: each row goes to exactly one caller,
    /// cluster-wide. Their (conversation, site).
    pub async fn claim_orphans(db: &Db, grace_ms: i64) -> anyhow::Result<Vec<(String, String)>> {
        let now = now_ms();
        let live_after = stale_before(now);
        let held = |id: &str, live: &str| {
            format!(
                "EXISTS (SELECT 1 FROM shopper_presence p JOIN nodes n ON n.id = p.node \
                 WHERE p.conversation_id = {id} AND n.heartbeat_at > {live})"
            )
        };
        sqlx::query(&format!(
            "INSERT INTO shoppers_away (conversation_id, site_id, since) \
             SELECT c.id, c.site_id, $1 FROM conversations c \
             WHERE c.state = 'waiting' AND NOT {} \
             ON CONFLICT (conversation_id) DO NOTHING",
            held("c.id", "$2")
        ))
        .bind(now)
        .bind(live_after)
        .execute(db)
        .await?;
        sqlx::query(&format!(
            "DELETE FROM shoppers_away WHERE {} OR NOT EXISTS \
             (SELECT 1 FROM conversations c WHERE c.id = shoppers_away.conversation_id \
              AND c.state = 'waiting')",
            held("shoppers_away.conversation_id", "$1")
        ))
        .bind(live_after)
        .execute(db)
        .await?;
        let rows: Vec<(String, String)> = sqlx::query_as(&format!(
            "DELETE FROM shoppers_away WHERE since <= $1 AND NOT {} \
             RETURNING conversation_id, site_id",
            held("shoppers_away.conversation_id", "$2")
        ))
        .bind(now - grace_ms)
        .bind(live_after)
        .fetch_all(db)
        .await?;
        Ok(rows)
    }

    /// Whether the shopper of conversation `id` has stored `limit` messages
    /// or more in the last `window` (seconds; from any node): the
    /// `limit`-th newest shopper message, found through the messages'
    /// primary key, is that recent.
    pub async fn shopper_sends_full(
        db: &Db,
        id: &str,
        limit: usize,
        window: std::time::Duration,
    ) -> anyhow::Result<bool> {
        let at: Option<i64> = sqlx::query_scalar(
            "SELECT at FROM messages WHERE conversation_id = $1 AND author = 'shopper' \
             ORDER BY seq DESC LIMIT 1 OFFSET $2",
        )
        .bind(id)
        .bind(i64::try_from(limit.saturating_sub(1)).unwrap_or(i64::MAX))
        .fetch_optional(db)
        .await?;
        let since = crate::db::now() - i64::try_from(window.as_secs()).unwrap_or(i64::MAX);
        Ok(at.is_some_and(|at| at > since))
    }

    /// The stored `last_seq` of each of conversations `ids` (those that exist).
    pub async fn last_seqs(
        db: &Db,
        ids: &[&str],
    ) -> anyhow::Result<std::collections::HashMap<String, u64>> {
        if ids.is_empty() {
            return Ok(Default::default());
        }
        let marks: Vec<String> = (1..=ids.len()).map(|n| format!("${n}")).collect();
        let sql = format!(
            "SELECT id, last_seq FROM conversations WHERE id IN ({})",
            marks.join(", ")
        );
        let mut query = sqlx::query_as::<_, (String, i64)>(&sql);
        for id in ids {
            query = query.bind(*id);
        }
        let rows = query.fetch_all(db).await?;
        Ok(rows
            .into_iter()
            .map(|(id, seq)| (id, u64::try_from(seq).unwrap_or(0)))
            .collect())
    }

    /// The stored `last_seq` of conversation `id` (0 when unknown).
    pub async fn last_seq(db: &Db, id: &str) -> anyhow::Result<u64> {
        let seq: Option<i64> =
            sqlx::query_scalar("SELECT last_seq FROM conversations WHERE id = $1")
                .bind(id)
                .fetch_optional(db)
                .await?;
        Ok(u64::try_from(seq.unwrap_or(0)).unwrap_or(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subject_tokens_round_trip_and_stay_single_tokens() {
        for id in ["demo", "a1b2", "shop.example", "x", "é", "a b*>"] {
            let t = token(id);
            assert!(!t.contains('.') && !t.contains(' ') && !t.contains('*'));
            assert_eq!(untoken(&t).as_deref(), Some(id));
        }
    }
}
