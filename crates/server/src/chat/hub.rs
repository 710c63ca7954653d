//! The in-memory side of live handoff: who is connected, agents' presence, and
//! fan-out of frames to the connections of a conversation or a site.
//!
//! The database is the truth; the hub only knows connections. Each connection
//! has a bounded outbox (an mpsc channel its task drains into the socket): a
//! peer too slow to keep up is disconnected and resumes from its last sequence
//! number, so a stuck browser never grows server memory.
//!
//! Ordering: writes to one conversation and their fan-out happen under that
//! conversation's lock ([`Hub::lock_conversation`]), and queue changes with
//! their notifications under the site's lock ([`Hub::lock_site`]); a site lock
//! is always taken before a conversation lock. So every connection sees a
//! conversation's messages in sequence order and queue snapshots in the order
//! they were taken.

use super::store;
use aisle_core::protocol::{
    AgentServerMessage, ChatMessage, PROTOCOL_VERSION, Party, QueueEntry, ServerMessage,
};
use axum::extract::ws::{Utf8Bytes, close_code};
use serde::Serialize;
use sqlx::SqlitePool;
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, Weak};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// Frames a connection may have waiting before it counts as too slow.
pub const OUTBOX_FRAMES: usize = 256;

/// Identifies one WebSocket connection.
pub type ConnId = u64;

/// The sending side of a connection: its outbox and a way to drop it.
#[derive(Debug, Clone)]
pub struct Handle {
    tx: mpsc::Sender<Utf8Bytes>,
    kick: CancellationToken,
    reason: Arc<OnceLock<(u16, &'static str)>>,
}

/// The receiving side of a connection, owned by its task.
#[derive(Debug)]
pub struct Outbox {
    /// Frames to write to the socket, in order.
    pub rx: mpsc::Receiver<Utf8Bytes>,
    /// Cancelled when the hub drops the connection.
    pub kick: CancellationToken,
    reason: Arc<OnceLock<(u16, &'static str)>>,
}

impl Outbox {
    /// The close code and reason the connection was kicked with.
    pub fn kick_reason(&self) -> (u16, &'static str) {
        self.reason
            .get()
            .copied()
            .unwrap_or((close_code::AGAIN, "reconnect"))
    }
}

/// A new connection's outbox pair.
pub fn channel() -> (Handle, Outbox) {
    let (tx, rx) = mpsc::channel(OUTBOX_FRAMES);
    let kick = CancellationToken::new();
    let reason = Arc::new(OnceLock::new());
    (
        Handle {
            tx,
            kick: kick.clone(),
            reason: reason.clone(),
        },
        Outbox { rx, kick, reason },
    )
}

/// Serializes a frame once, for any number of connections.
pub fn encode<T: Serialize>(message: &T) -> Utf8Bytes {
    // Serializing our own protocol types cannot fail.
    serde_json::to_string(message).unwrap_or_default().into()
}

impl Handle {
    /// Queues `frame`; a full outbox disconnects the peer (it will resume).
    pub fn push(&self, frame: Utf8Bytes) {
        if self.tx.try_send(frame).is_err() && !self.kick.is_cancelled() {
            tracing::info!("websocket peer too slow; disconnecting it");
            self.kick(close_code::AGAIN, "too slow; reconnect");
        }
    }

    /// Closes the connection with `code` and `reason`.
    pub fn kick(&self, code: u16, reason: &'static str) {
        let _ = self.reason.set((code, reason));
        self.kick.cancel();
    }
}

#[derive(Debug)]
struct Shopper {
    site: String,
    conversation: Option<String>,
    handle: Handle,
}

#[derive(Debug)]
struct AgentConn {
    site: String,
    agent: i64,
    session: String,
    online: bool,
    /// Conversations this connection has the full state of (gets their messages).
    synced: HashSet<String>,
    handle: Handle,
}

#[derive(Debug, Default)]
struct Conns {
    shoppers: HashMap<ConnId, Shopper>,
    agents: HashMap<ConnId, AgentConn>,
}

/// Live handoff's shared state: connections, presence and locks.
#[derive(Debug, Clone)]
pub struct Hub {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    db: SqlitePool,
    next: AtomicU64,
    conns: Mutex<Conns>,
    conversation_locks: Mutex<HashMap<String, Weak<tokio::sync::Mutex<()>>>>,
    site_locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    /// How long an agent may be gone before their conversations go back to the queue.
    agent_grace: Mutex<std::time::Duration>,
}

/// Default of [`Hub::agent_grace`]: long enough for a console reload or a
/// network blip, short enough that a shopper is not left alone.
pub const AGENT_GRACE: std::time::Duration = std::time::Duration::from_secs(60);

/// Held while a conversation's messages are written and fanned out.
pub type ConversationGuard = tokio::sync::OwnedMutexGuard<()>;

/// Conversation lock entries kept before dead ones are swept.
const SWEEP_LOCKS_AT: usize = 1024;

impl Hub {
    /// A hub over `db`, with nobody connected.
    pub fn new(db: SqlitePool) -> Self {
        Hub {
            inner: Arc::new(Inner {
                db,
                next: AtomicU64::new(1),
                conns: Mutex::new(Conns::default()),
                conversation_locks: Mutex::new(HashMap::new()),
                site_locks: Mutex::new(HashMap::new()),
                agent_grace: Mutex::new(AGENT_GRACE),
            }),
        }
    }

    /// The database.
    pub fn db(&self) -> &SqlitePool {
        &self.inner.db
    }

    fn conns(&self) -> MutexGuard<'_, Conns> {
        self.inner.conns.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Serializes writes and fan-out of conversation `id`.
    pub async fn lock_conversation(&self, id: &str) -> ConversationGuard {
        let lock = {
            let mut locks = self
                .inner
                .conversation_locks
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            if locks.len() >= SWEEP_LOCKS_AT {
                locks.retain(|_, weak| weak.strong_count() > 0);
            }
            match locks.get(id).and_then(Weak::upgrade) {
                Some(lock) => lock,
                None => {
                    let lock = Arc::new(tokio::sync::Mutex::new(()));
                    locks.insert(id.to_owned(), Arc::downgrade(&lock));
                    lock
                }
            }
        };
        lock.lock_owned().await
    }

    /// Serializes queue changes of `site` and their notifications.
    pub async fn lock_site(&self, site: &str) -> ConversationGuard {
        let lock = self
            .inner
            .site_locks
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(site.to_owned())
            .or_default()
            .clone();
        lock.lock_owned().await
    }

    fn id(&self) -> ConnId {
        self.inner.next.fetch_add(1, Ordering::Relaxed)
    }

    /// Registers a shopper connection on `site`.
    pub fn add_shopper(&self, site: &str, handle: Handle) -> ConnId {
        let id = self.id();
        self.conns().shoppers.insert(
            id,
            Shopper {
                site: site.to_owned(),
                conversation: None,
                handle,
            },
        );
        id
    }

    /// Routes conversation `conversation`'s frames to shopper connection `conn`.
    pub fn attach(&self, conn: ConnId, conversation: &str) {
        if let Some(s) = self.conns().shoppers.get_mut(&conn) {
            s.conversation = Some(conversation.to_owned());
        }
    }

    /// Forgets a shopper connection.
    pub fn remove_shopper(&self, conn: ConnId) {
        self.conns().shoppers.remove(&conn);
    }

    /// Registers an agent connection (online) for `agent` of `site`, logged in with `session`.
    pub fn add_agent(&self, site: &str, agent: i64, session: &str, handle: Handle) -> ConnId {
        let id = self.id();
        self.conns().agents.insert(
            id,
            AgentConn {
                site: site.to_owned(),
                agent,
                session: session.to_owned(),
                online: true,
                synced: HashSet::new(),
                handle,
            },
        );
        tracing::info!(site, agent, "agent online");
        id
    }

    /// Sets an agent connection online or away.
    pub fn set_online(&self, conn: ConnId, online: bool) {
        if let Some(a) = self.conns().agents.get_mut(&conn) {
            a.online = online;
            tracing::info!(site = a.site, agent = a.agent, online, "agent presence");
        }
    }

    /// How long a disconnected agent keeps their conversations.
    pub fn agent_grace(&self) -> std::time::Duration {
        *self
            .inner
            .agent_grace
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }

    /// Changes [`Hub::agent_grace`] (tests use a short one).
    pub fn set_agent_grace(&self, grace: std::time::Duration) {
        *self
            .inner
            .agent_grace
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = grace;
    }

    /// Whether `agent` has any connection open.
    pub fn agent_connected(&self, agent: i64) -> bool {
        self.conns().agents.values().any(|a| a.agent == agent)
    }

    /// Puts `agent`'s active conversations back in the queue (they left and did
    /// not come back in time); their shoppers hear their place in the queue.
    pub async fn requeue_agent(&self, site: &str, agent: i64) -> anyhow::Result<()> {
        let _site = self.lock_site(site).await;
        let ids: Vec<(String,)> = sqlx::query_as(
            "SELECT id FROM conversations WHERE site_id = ? AND agent_id = ? AND state = 'active'",
        )
        .bind(site)
        .bind(agent)
        .fetch_all(self.db())
        .await?;
        for (id,) in &ids {
            let _conversation = self.lock_conversation(id).await;
            if store::transfer(self.db(), site, id, agent).await? {
                self.to_agents_of(
                    id,
                    &AgentServerMessage::Transferred {
                        conversation: id.clone(),
                    },
                    None,
                );
                self.unsync(id);
                tracing::info!(
                    site,
                    conversation = id,
                    agent,
                    "agent gone: back in the queue"
                );
            }
        }
        if !ids.is_empty() {
            self.notify_queue(site).await?;
        }
        Ok(())
    }

    /// Forgets an agent connection (it no longer counts as online).
    pub fn remove_agent(&self, conn: ConnId) {
        if let Some(a) = self.conns().agents.remove(&conn) {
            tracing::info!(site = a.site, agent = a.agent, "agent connection closed");
        }
    }

    /// Closes every connection opened with login `session` (after logout).
    pub fn logout(&self, session: &str) {
        for a in self.conns().agents.values() {
            if a.session == session {
                a.handle.kick(close_code::POLICY, "logged out");
            }
        }
    }

    /// Agents (people, not tabs) online for `site`.
    pub fn agents_online(&self, site: &str) -> u32 {
        let conns = self.conns();
        let online: HashSet<i64> = conns
            .agents
            .values()
            .filter(|a| a.site == site && a.online)
            .map(|a| a.agent)
            .collect();
        u32::try_from(online.len()).unwrap_or(u32::MAX)
    }

    /// Gives every connection of `agent` the conversation `id` (they get its messages).
    pub fn sync(&self, agent: i64, id: &str) {
        for a in self.conns().agents.values_mut() {
            if a.agent == agent {
                a.synced.insert(id.to_owned());
            }
        }
    }

    /// Gives agent connection `conn` the conversation `id`.
    pub fn sync_conn(&self, conn: ConnId, id: &str) {
        if let Some(a) = self.conns().agents.get_mut(&conn) {
            a.synced.insert(id.to_owned());
        }
    }

    /// Whether agent connection `conn` has conversation `id` (it is theirs and open).
    pub fn has(&self, conn: ConnId, id: &str) -> bool {
        self.conns()
            .agents
            .get(&conn)
            .is_some_and(|a| a.synced.contains(id))
    }

    /// Takes conversation `id` from every agent connection.
    pub fn unsync(&self, id: &str) {
        for a in self.conns().agents.values_mut() {
            a.synced.remove(id);
        }
    }

    /// Sends to the shopper connections of conversation `id`, except `except`.
    pub fn to_shoppers(&self, id: &str, message: &ServerMessage, except: Option<ConnId>) {
        let frame = encode(message);
        for (conn, s) in &self.conns().shoppers {
            if s.conversation.as_deref() == Some(id) && Some(*conn) != except {
                s.handle.push(frame.clone());
            }
        }
    }

    /// Sends to the agent connections that have conversation `id`, except `except`.
    pub fn to_agents_of(&self, id: &str, message: &AgentServerMessage, except: Option<ConnId>) {
        let frame = encode(message);
        for (conn, a) in &self.conns().agents {
            if a.synced.contains(id) && Some(*conn) != except {
                a.handle.push(frame.clone());
            }
        }
    }

    /// Sends to every connection of `agent`.
    pub fn to_agent(&self, agent: i64, message: &AgentServerMessage) {
        let frame = encode(message);
        for a in self.conns().agents.values() {
            if a.agent == agent {
                a.handle.push(frame.clone());
            }
        }
    }

    /// Sends to every agent connection of `site`.
    pub fn to_site_agents(&self, site: &str, message: &AgentServerMessage) {
        let frame = encode(message);
        for a in self.conns().agents.values() {
            if a.site == site {
                a.handle.push(frame.clone());
            }
        }
    }

    /// Fans a stored message out to the conversation's shoppers (except `except`)
    /// and agents (except `except_agent`), each side seeing its own `client_id` only.
    pub fn fan_out(
        &self,
        id: &str,
        message: &ChatMessage,
        except: Option<ConnId>,
        except_agent: Option<ConnId>,
    ) {
        let mut for_shopper = message.clone();
        if message.author != Party::Shopper {
            for_shopper.client_id = None;
        }
        self.to_shoppers(id, &ServerMessage::Message(for_shopper), except);
        let mut for_agent = message.clone();
        if message.author != Party::Agent {
            for_agent.client_id = None;
        }
        self.to_agents_of(
            id,
            &AgentServerMessage::Message {
                conversation: id.to_owned(),
                message: for_agent,
            },
            except_agent,
        );
    }

    /// Tells `site`'s waiting shoppers their position and expected wait, and
    /// its agents the queue. The caller holds the site's lock.
    pub async fn notify_queue(&self, site: &str) -> anyhow::Result<()> {
        let waiting = store::waiting(self.db(), site).await?;
        let average = store::average_first_response(self.db(), site).await?;
        let agents_online = self.agents_online(site);
        let positions: HashMap<&str, u32> = waiting
            .iter()
            .enumerate()
            .map(|(i, w)| (w.id.as_str(), u32::try_from(i + 1).unwrap_or(u32::MAX)))
            .collect();
        let queue = AgentServerMessage::Queue {
            waiting: waiting
                .iter()
                .map(|w| QueueEntry {
                    conversation: w.id.clone(),
                    waiting_since: w.since,
                    priority: w.priority,
                    context: w.context.clone(),
                })
                .collect(),
            agents_online,
        };
        let queue = encode(&queue);
        let conns = self.conns();
        for s in conns.shoppers.values().filter(|s| s.site == site) {
            let Some(position) = s.conversation.as_deref().and_then(|c| positions.get(c)) else {
                continue;
            };
            let expected_wait_seconds = average.filter(|_| agents_online > 0).map(|avg| {
                let seconds = avg.max(0.0) * f64::from(*position) / f64::from(agents_online);
                // Saturating float-to-int conversion.
                seconds.ceil() as u32
            });
            s.handle.push(encode(&ServerMessage::Queue {
                position: *position,
                expected_wait_seconds,
                agents_online,
            }));
        }
        for a in conns.agents.values() {
            if a.site == site {
                a.handle.push(queue.clone());
            }
        }
        Ok(())
    }

    /// [`Hub::notify_queue`] under the site's lock, logging failures.
    pub async fn queue_changed(&self, site: &str) {
        let _site = self.lock_site(site).await;
        if let Err(e) = self.notify_queue(site).await {
            tracing::error!(site, error = %e, "queue notification failed");
        }
    }
}

/// The welcome an agent connection gets.
pub fn agent_welcome(name: &str, site: &str) -> AgentServerMessage {
    AgentServerMessage::Welcome {
        protocol: PROTOCOL_VERSION,
        name: name.to_owned(),
        site: site.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn hub() -> Hub {
        let db = sqlx::SqlitePool::connect("sqlite::memory:").await.unwrap();
        Hub::new(db)
    }

    #[tokio::test]
    async fn presence_counts_people_not_tabs_and_away_agents_do_not_count() {
        let hub = hub().await;
        let (a1, _o1) = channel();
        let (a2, _o2) = channel();
        let (b, _o3) = channel();
        let first = hub.add_agent("demo", 1, "s1", a1);
        let _second_tab = hub.add_agent("demo", 1, "s1", a2);
        let other = hub.add_agent("demo", 2, "s2", b);
        assert_eq!(hub.agents_online("demo"), 2);
        assert_eq!(hub.agents_online("elsewhere"), 0);
        hub.set_online(other, false);
        assert_eq!(hub.agents_online("demo"), 1);
        hub.remove_agent(first);
        assert_eq!(hub.agents_online("demo"), 1, "the other tab is still there");
    }

    #[tokio::test]
    async fn a_full_outbox_disconnects_the_slow_peer() {
        let hub = hub().await;
        let (handle, outbox) = channel();
        let conn = hub.add_shopper("demo", handle);
        hub.attach(conn, "c");
        let typing = ServerMessage::Typing {
            typing: true,
            name: None,
        };
        for _ in 0..OUTBOX_FRAMES {
            hub.to_shoppers("c", &typing, None);
        }
        assert!(!outbox.kick.is_cancelled());
        hub.to_shoppers("c", &typing, None);
        assert!(outbox.kick.is_cancelled());
        assert_eq!(outbox.kick_reason().0, close_code::AGAIN);
    }

    #[tokio::test]
    async fn logout_closes_that_sessions_connections_only() {
        let hub = hub().await;
        let (a, oa) = channel();
        let (b, ob) = channel();
        hub.add_agent("demo", 1, "s1", a);
        hub.add_agent("demo", 1, "s2", b);
        hub.logout("s1");
        assert!(oa.kick.is_cancelled());
        assert!(!ob.kick.is_cancelled());
    }
}
