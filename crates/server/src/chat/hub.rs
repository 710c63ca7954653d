//! The in-memory side of live handoff: who is connected, agents' presence, and
//! fan-out of frames to the connections of a conversation or a site.
//!
//! The database is the truth; the hub only knows connections. Each connection
//! has an outbox bounded in bytes (a channel its task drains into the socket):
//! a peer too slow to keep up is disconnected and resumes from its last
//! sequence number, so a stuck browser never grows server memory.
//!
//! Ordering: writes to one conversation and their fan-out happen under that
//! conversation's lock ([`Hub::lock_conversation`]), and queue changes with
//! their notifications under the site's lock ([`Hub::lock_site`]); a site lock
//! is always taken before a conversation lock. So every connection sees a
//! conversation's messages in sequence order and queue snapshots in the order
//! they were taken.
//!
//! Bounds ([`Limits`]): shopper sockets and open conversations per client
//! address, conversations started per socket, outbox bytes, the queue frame
//! (the first [`Limits::queue_shown`] entries, within [`Limits::queue_bytes`]),
//! and history pages. Timers are measured from the *last* event and checked
//! against it when they fire, so a reconnect cancels them: a waiting
//! conversation whose shopper has been gone for [`Limits::shopper_grace`] is
//! closed; an agent gone for [`Limits::agent_grace`] has their conversations
//! put back in the queue; a site without an agent online for that long offers
//! its waiting shoppers the message form.
//!
//! With a bus (`--bus`, [`super::cluster`]) this registry stays per node:
//! every fan-out also publishes to the other nodes, which deliver to their
//! own sockets (`*_here`), messages through a per-conversation sequencer;
//! presence and the agent grace then come from the database.

use super::cluster::{self, Event};
use super::store;
use super::{RateWindow, SEND_LIMIT, SEND_WINDOW};
use crate::db::Db;
use aisle_core::protocol::{
    AgentServerMessage, ChatMessage, OfflineReason, PROTOCOL_VERSION, Party, QueueEntry,
    QueueSummary, ServerMessage,
};
use axum::extract::ws::{Utf8Bytes, close_code};
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

/// The live-chat limits; [`Limits::default`] holds the production values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// How long an agent may be gone (from their last disconnect) before their
    /// conversations go back to the queue; also how long a site may have no
    /// agent online before its waiting shoppers are offered the message form.
    pub agent_grace: Duration,
    /// How long a waiting conversation is kept after its shopper's last
    /// connection closed (a reload or a network drop reconnects well within it).
    pub shopper_grace: Duration,
    /// How often an agent socket checks that its login session still exists.
    pub session_check: Duration,
    /// Shopper sockets open at once from one client address (IPv6: per /64).
    pub sockets_per_address: u32,
    /// Open (waiting or active) conversations started from one client address.
    pub open_per_address: usize,
    /// Conversations one shopper socket may start.
    pub starts_per_socket: u32,
    /// Bytes a shopper connection may have waiting in its outbox.
    pub shopper_outbox_bytes: usize,
    /// Bytes an agent connection may have waiting in its outbox.
    pub agent_outbox_bytes: usize,
    /// Waiting conversations listed in an agent's queue frame (the count of
    /// all of them is sent too).
    pub queue_shown: u32,
    /// Largest queue frame, in bytes; entries past it are left out.
    pub queue_bytes: usize,
    /// Messages per page of history (an agent's snapshot, "load earlier").
    pub history_page: u32,
    /// How long after an agent's message to a shopper who has no connection
    /// open the "you left before the answer" email goes out (if they are
    /// still gone and the site sends email).
    pub missed_reply_after: Duration,
}

/// Default of [`Limits::agent_grace`]: long enough for a console reload or a
/// network blip, short enough that a shopper is not left alone.
pub const AGENT_GRACE: Duration = Duration::from_secs(60);

impl Default for Limits {
    fn default() -> Self {
        Limits {
            agent_grace: AGENT_GRACE,
            shopper_grace: Duration::from_secs(120),
            session_check: Duration::from_secs(60),
            sockets_per_address: 50,
            open_per_address: 10,
            starts_per_socket: 5,
            shopper_outbox_bytes: 128 * 1024,
            agent_outbox_bytes: 1024 * 1024,
            queue_shown: 100,
            queue_bytes: 48 * 1024,
            history_page: 50,
            missed_reply_after: Duration::from_secs(120),
        }
    }
}

/// How often new previews of waiting shoppers' messages refresh a site's queue.
pub const PREVIEW_EVERY: Duration = Duration::from_millis(500);

/// The tag a chat closed for being left unanswered gets.
pub const AUTO_CLOSE_TAG: &str = "auto-closed";

/// Identifies one WebSocket connection.
pub type ConnId = u64;

/// What a connection's outbox holds, shared by its [`Handle`]s and its
/// [`Outbox`]. One allocation per connection, and nothing more until a frame
/// is queued: an idle shopper's connection is mostly this.
#[derive(Debug)]
struct Shared {
    queue: Mutex<Queue>,
    /// Wakes the connection's task when a frame is queued or it is kicked.
    ready: tokio::sync::Notify,
    /// Wakes whoever waits in [`Handle::kicked`].
    gone: tokio::sync::Notify,
    /// Bytes the outbox may hold.
    limit: usize,
}

#[derive(Debug, Default)]
struct Queue {
    /// Frames in order; an empty frame stands for `latest` (real frames are never empty).
    frames: std::collections::VecDeque<Utf8Bytes>,
    /// A snapshot frame waiting to be sent: a newer one replaces it unsent.
    latest: Option<Utf8Bytes>,
    /// Bytes in `frames` and `latest`.
    bytes: usize,
    /// Set once: the connection is to close with this code and reason.
    kicked: Option<(u16, &'static str)>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The sending side of a connection: its outbox and a way to drop it.
#[derive(Debug, Clone)]
pub struct Handle {
    shared: Arc<Shared>,
}

/// The receiving side of a connection, owned by its task.
#[derive(Debug)]
pub struct Outbox {
    shared: Arc<Shared>,
}

/// What a connection's task is to do next.
#[derive(Debug)]
pub enum Next {
    /// Send this frame.
    Frame(Utf8Bytes),
    /// Close with this code and reason.
    Kicked(u16, &'static str),
}

impl Outbox {
    /// The close code and reason, once the connection is kicked.
    pub fn kicked(&self) -> Option<(u16, &'static str)> {
        self.shared.lock().kicked
    }

    /// The next frame to send, or the kick, waiting for either.
    pub async fn next(&mut self) -> Next {
        loop {
            {
                let mut queue = self.shared.lock();
                if let Some((code, reason)) = queue.kicked {
                    return Next::Kicked(code, reason);
                }
                if let Some(frame) = take(&mut queue) {
                    return Next::Frame(frame);
                }
            }
            // A frame queued since the check left a permit: no wake-up is lost.
            self.shared.ready.notified().await;
        }
    }

    /// The next queued frame, if one is there.
    pub fn try_recv(&mut self) -> Option<Utf8Bytes> {
        take(&mut self.shared.lock())
    }
}

/// Takes the first frame of `queue` (the latest snapshot in its marker's place).
fn take(queue: &mut Queue) -> Option<Utf8Bytes> {
    loop {
        let frame = queue.frames.pop_front()?;
        let frame = if frame.is_empty() {
            match queue.latest.take() {
                Some(latest) => latest,
                None => continue,
            }
        } else {
            frame
        };
        queue.bytes -= frame.len();
        if queue.frames.is_empty() && queue.frames.capacity() > 8 {
            // A burst is over: give its memory back.
            queue.frames = Default::default();
        }
        return Some(frame);
    }
}

/// A new connection's outbox pair, holding at most `limit` bytes of frames.
pub fn channel(limit: usize) -> (Handle, Outbox) {
    let shared = Arc::new(Shared {
        queue: Mutex::new(Queue::default()),
        ready: tokio::sync::Notify::new(),
        gone: tokio::sync::Notify::new(),
        limit,
    });
    (
        Handle {
            shared: shared.clone(),
        },
        Outbox { shared },
    )
}

/// Serializes a frame once, for any number of connections.
pub fn encode<T: Serialize>(message: &T) -> Utf8Bytes {
    // Serializing our own protocol types cannot fail.
    serde_json::to_string(message).unwrap_or_default().into()
}

impl Handle {
    /// Queues `frame`; an outbox over its byte limit disconnects the peer (it will resume).
    pub fn push(&self, frame: Utf8Bytes) {
        {
            let mut queue = self.shared.lock();
            if queue.kicked.is_some() {
                return;
            }
            if queue.bytes + frame.len() > self.shared.limit {
                drop(queue);
                self.too_slow();
                return;
            }
            queue.bytes += frame.len();
            queue.frames.push_back(frame);
        }
        self.shared.ready.notify_one();
    }

    /// Queues snapshot `frame` (the agents' queue): if an earlier snapshot
    /// is still unsent, this one takes its place, so a slow reader gets the
    /// latest state instead of a growing backlog.
    pub fn push_latest(&self, frame: Utf8Bytes) {
        {
            let mut queue = self.shared.lock();
            if queue.kicked.is_some() {
                return;
            }
            let old = queue.latest.as_ref().map_or(0, |f| f.len());
            if queue.bytes - old + frame.len() > self.shared.limit {
                drop(queue);
                self.too_slow();
                return;
            }
            queue.bytes = queue.bytes - old + frame.len();
            if queue.latest.replace(frame).is_some() {
                // Its marker is still queued, in the place the first snapshot took.
                return;
            }
            queue.frames.push_back(Utf8Bytes::default());
        }
        self.shared.ready.notify_one();
    }

    fn too_slow(&self) {
        if self.kick(close_code::AGAIN, "too slow; reconnect") {
            tracing::info!("websocket peer too slow; disconnecting it");
        }
    }

    /// Closes the connection with `code` and `reason`; `false` when it was
    /// kicked before (the first kick's code and reason stay).
    pub fn kick(&self, code: u16, reason: &'static str) -> bool {
        {
            let mut queue = self.shared.lock();
            if queue.kicked.is_some() {
                return false;
            }
            queue.kicked = Some((code, reason));
            // Nothing more will be sent: free the backlog now.
            queue.frames = Default::default();
            queue.latest = None;
            queue.bytes = 0;
        }
        self.shared.ready.notify_one();
        self.shared.gone.notify_waiters();
        true
    }

    /// Resolves once the connection is kicked.
    pub async fn kicked(&self) {
        loop {
            let gone = self.shared.gone.notified();
            tokio::pin!(gone);
            // Registered before the check, so a kick in between still wakes it.
            gone.as_mut().enable();
            if self.shared.lock().kicked.is_some() {
                return;
            }
            gone.await;
        }
    }
}

/// The key per-address limits count under: an IPv4 address, or an IPv6
/// address's /64 (one subscriber's network).
pub fn address_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let mut segments = v6.segments();
                segments[4..].fill(0);
                IpAddr::V6(segments.into())
            }
        },
    }
}

#[derive(Debug)]
struct Shopper {
    site: String,
    conversation: Option<String>,
    handle: Handle,
    /// The last `queue` frame's (position, expected wait, agents online).
    last_queue: Option<(u32, Option<u32>, u32)>,
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

/// A conversation with shopper connections (or recently so).
#[derive(Debug)]
struct Live {
    site: String,
    conns: Vec<ConnId>,
    /// Shared by every connection of the conversation.
    sends: RateWindow,
    /// When its last connection closed (while none is open).
    gone: Option<Instant>,
    /// An expiry timer is pending (at most one, however often the shopper
    /// comes and goes).
    timer: bool,
}

/// What one client address holds.
#[derive(Debug, Default)]
struct Address {
    sockets: u32,
    /// Open conversations started from it.
    open: Vec<String>,
}

#[derive(Debug, Default)]
struct Conns {
    shoppers: HashMap<ConnId, Shopper>,
    agents: HashMap<ConnId, AgentConn>,
    /// Conversation id → its shopper connections.
    live: HashMap<String, Live>,
    addresses: HashMap<IpAddr, Address>,
    /// Conversation id → the address that started it (while open).
    opened_by: HashMap<String, IpAddr>,
    /// Agents with no connection, since when.
    agents_gone: HashMap<i64, Instant>,
    /// Sites with no agent online, since when.
    sites_empty: HashMap<String, Instant>,
    /// Queue summaries of waiting conversations, so a queue change reads no context.
    summaries: HashMap<String, QueueSummary>,
}

impl Conns {
    fn agents_online(&self, site: &str) -> u32 {
        let online: HashSet<i64> = self
            .agents
            .values()
            .filter(|a| a.site == site && a.online)
            .map(|a| a.agent)
            .collect();
        u32::try_from(online.len()).unwrap_or(u32::MAX)
    }

    fn release_address(&mut self, address: IpAddr) {
        if let Some(a) = self.addresses.get(&address)
            && a.sockets == 0
            && a.open.is_empty()
        {
            self.addresses.remove(&address);
        }
    }
}

/// Live handoff's shared state: connections, presence and locks.
#[derive(Debug, Clone)]
pub struct Hub {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    db: Db,
    next: AtomicU64,
    conns: Mutex<Conns>,
    conversation_locks: Mutex<HashMap<String, Weak<tokio::sync::Mutex<()>>>>,
    site_locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    limits: Mutex<Limits>,
    /// Sites with a queue refresh for new previews scheduled.
    previews_due: Mutex<HashSet<String>>,
    /// Conversations with a "missed reply" check scheduled (one at a time each).
    missed: Mutex<HashSet<String>>,
    /// Sites with a queue refresh asked for by another node pending.
    queues_due: Mutex<HashSet<String>>,
    /// Cancelled when the server stops; ends the hub's timers.
    shutdown: CancellationToken,
    /// The bus to the other nodes (`--bus`); unset on a single node, where
    /// nothing below does any bus work.
    bus: std::sync::OnceLock<Arc<cluster::Bus>>,
}

/// Held while a conversation's messages are written and fanned out.
pub type ConversationGuard = tokio::sync::OwnedMutexGuard<()>;

/// Conversation lock entries kept before dead ones are swept.
const SWEEP_LOCKS_AT: usize = 1024;

/// Why a shopper socket or conversation is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// [`Limits::sockets_per_address`].
    Sockets,
    /// [`Limits::open_per_address`].
    OpenConversations,
}

/// Counts a shopper socket against its address until dropped.
#[derive(Debug)]
pub struct AddressSlot {
    hub: Hub,
    address: IpAddr,
}

impl Drop for AddressSlot {
    fn drop(&mut self) {
        let mut conns = self.hub.conns();
        if let Some(a) = conns.addresses.get_mut(&self.address) {
            a.sockets = a.sockets.saturating_sub(1);
        }
        conns.release_address(self.address);
    }
}

impl AddressSlot {
    /// The (keyed) address this slot counts against.
    pub fn address(&self) -> IpAddr {
        self.address
    }
}

impl Hub {
    /// A hub over `db`, with nobody connected; its timers stop with `shutdown`.
    pub fn new(db: Db, shutdown: CancellationToken) -> Self {
        Hub {
            inner: Arc::new(Inner {
                db,
                next: AtomicU64::new(1),
                conns: Mutex::new(Conns::default()),
                conversation_locks: Mutex::new(HashMap::new()),
                site_locks: Mutex::new(HashMap::new()),
                limits: Mutex::new(Limits::default()),
                missed: Mutex::new(HashSet::new()),
                previews_due: Mutex::new(HashSet::new()),
                queues_due: Mutex::new(HashSet::new()),
                shutdown,
                bus: std::sync::OnceLock::new(),
            }),
        }
    }

    /// The database.
    pub fn db(&self) -> &Db {
        &self.inner.db
    }

    fn conns(&self) -> MutexGuard<'_, Conns> {
        self.inner.conns.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The limits in force.
    pub fn limits(&self) -> Limits {
        self.inner
            .limits
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Changes the limits (tests use small ones); applies to what happens next.
    pub fn set_limits(&self, limits: Limits) {
        *self.inner.limits.lock().unwrap_or_else(|e| e.into_inner()) = limits;
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

    /// Runs `job` after `delay` unless the server stops first.
    fn later<F>(&self, delay: Duration, job: impl FnOnce(Hub) -> F + Send + 'static)
    where
        F: std::future::Future<Output = ()> + Send + 'static,
    {
        let hub = self.clone();
        tokio::spawn(async move {
            tokio::select! {
                _ = hub.inner.shutdown.cancelled() => {}
                _ = tokio::time::sleep(delay) => job(hub).await,
            }
        });
    }

    /// Counts a new shopper socket from `ip`; refused over [`Limits::sockets_per_address`].
    pub fn reserve_address(&self, ip: IpAddr) -> Result<AddressSlot, Refused> {
        let address = address_key(ip);
        let max = self.limits().sockets_per_address;
        let mut conns = self.conns();
        let entry = conns.addresses.entry(address).or_default();
        if entry.sockets >= max {
            return Err(Refused::Sockets);
        }
        entry.sockets += 1;
        Ok(AddressSlot {
            hub: self.clone(),
            address,
        })
    }

    /// Whether `address` may open one more conversation ([`Limits::open_per_address`]).
    pub fn may_open(&self, address: IpAddr) -> bool {
        let max = self.limits().open_per_address;
        self.conns()
            .addresses
            .get(&address)
            .is_none_or(|a| a.open.len() < max)
    }

    /// Counts open conversation `id` against `address` until it closes.
    pub fn opened(&self, address: IpAddr, id: &str) {
        let mut conns = self.conns();
        conns
            .addresses
            .entry(address)
            .or_default()
            .open
            .push(id.to_owned());
        conns.opened_by.insert(id.to_owned(), address);
    }

    /// Conversation `id` is closed: it no longer counts against its address,
    /// and its (shared) send allowance goes once its shoppers leave.
    pub fn closed(&self, id: &str) {
        if let Some(bus) = self.bus() {
            bus.publish(cluster::conversation_subject(id), Event::Closed);
        }
        self.closed_here(id);
    }

    fn closed_here(&self, id: &str) {
        let mut conns = self.conns();
        conns.summaries.remove(id);
        if let Some(address) = conns.opened_by.remove(id) {
            if let Some(a) = conns.addresses.get_mut(&address) {
                a.open.retain(|o| o != id);
            }
            conns.release_address(address);
        }
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
                last_queue: None,
            },
        );
        id
    }

    /// Routes conversation `conversation`'s frames to shopper connection `conn`.
    pub fn attach(&self, conn: ConnId, conversation: &str) {
        let mut conns = self.conns();
        let Some(s) = conns.shoppers.get_mut(&conn) else {
            return;
        };
        s.conversation = Some(conversation.to_owned());
        s.last_queue = None;
        let site = s.site.clone();
        let live = conns
            .live
            .entry(conversation.to_owned())
            .or_insert_with(|| Live {
                site,
                conns: Vec::new(),
                sends: RateWindow::new(SEND_LIMIT, SEND_WINDOW),
                gone: None,
                timer: false,
            });
        live.gone = None;
        if !live.conns.contains(&conn) {
            live.conns.push(conn);
        }
        drop(conns);
        if let Some(bus) = self.bus() {
            bus.publish(
                cluster::conversation_subject(conversation),
                Event::ShopperBack,
            );
        }
    }

    /// Keeps the queue summary of new waiting conversation `id`.
    pub fn queued(&self, id: &str, summary: QueueSummary) {
        self.conns().summaries.insert(id.to_owned(), summary);
    }

    /// Shows `text` as waiting conversation `id`'s latest message in the
    /// agents' queue. The queue goes out again at most once per
    /// [`PREVIEW_EVERY`] per site, however many waiting shoppers type: a
    /// message must not cost a queue rebuild for every agent.
    pub fn preview(&self, site: &str, id: &str, text: &str) {
        match self.conns().summaries.get_mut(id) {
            Some(summary) => summary.last_message = Some(aisle_core::protocol::preview(text)),
            None => return,
        }
        let fresh = self
            .inner
            .previews_due
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(site.to_owned());
        if !fresh {
            return;
        }
        let site = site.to_owned();
        self.later(PREVIEW_EVERY, move |hub| async move {
            hub.inner
                .previews_due
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .remove(&site);
            let _site = hub.lock_site(&site).await;
            if let Err(e) = hub.notify_queue(&site).await {
                tracing::warn!(site, error = %e, "queue preview not sent");
            }
        });
    }

    /// Conversation `id` left the queue (accepted): should it come back, its
    /// shoppers hear their place again even if it is the same as before.
    pub fn left_queue(&self, id: &str) {
        if let Some(bus) = self.bus() {
            bus.publish(cluster::conversation_subject(id), Event::LeftQueue);
        }
        self.left_queue_here(id);
    }

    fn left_queue_here(&self, id: &str) {
        let mut conns = self.conns();
        conns.summaries.remove(id);
        let Conns { shoppers, live, .. } = &mut *conns;
        for conn in live.get(id).map(|l| l.conns.as_slice()).unwrap_or_default() {
            if let Some(s) = shoppers.get_mut(conn) {
                s.last_queue = None;
            }
        }
    }

    /// Counts a shopper message of conversation `id` against the allowance
    /// all its connections share; `false` when over it.
    pub fn allow_send(&self, id: &str) -> bool {
        self.conns()
            .live
            .get_mut(id)
            .is_none_or(|l| l.sends.allow(Instant::now()))
    }

    /// Forgets a shopper connection. When it was its conversation's last, the
    /// conversation is closed if still waiting after [`Limits::shopper_grace`].
    pub fn remove_shopper(&self, conn: ConnId) {
        let gone = {
            let mut conns = self.conns();
            let Some(s) = conns.shoppers.remove(&conn) else {
                return;
            };
            let Some(id) = s.conversation else { return };
            let Some(live) = conns.live.get_mut(&id) else {
                return;
            };
            live.conns.retain(|c| *c != conn);
            if !live.conns.is_empty() {
                return;
            }
            live.gone = Some(Instant::now());
            if std::mem::replace(&mut live.timer, true) {
                // The pending timer will look again.
                return;
            }
            id
        };
        self.expire_later(gone, self.limits().shopper_grace);
    }

    fn expire_later(&self, id: String, delay: Duration) {
        self.later(delay, move |hub| async move {
            if let Err(e) = hub.expire(&id).await {
                tracing::error!(conversation = id, error = %e, "expiring a conversation failed");
            }
        });
    }

    /// Closes waiting conversation `id` if its shopper has been gone for
    /// [`Limits::shopper_grace`] since their last connection closed.
    async fn expire(&self, id: &str) -> anyhow::Result<()> {
        let grace = self.limits().shopper_grace;
        let Some(site) = self.conns().live.get(id).map(|l| l.site.clone()) else {
            return Ok(());
        };
        let _site = self.lock_site(&site).await;
        let _conversation = self.lock_conversation(id).await;
        {
            let mut conns = self.conns();
            let Some(live) = conns.live.get_mut(id) else {
                return Ok(());
            };
            match live.gone.filter(|_| live.conns.is_empty()) {
                // Back: the next departure starts a timer.
                None => {
                    live.timer = false;
                    return Ok(());
                }
                // Came and went since: look again a grace after the last departure.
                Some(gone) if gone.elapsed() + SLACK < grace => {
                    let rest = grace - gone.elapsed().min(grace);
                    drop(conns);
                    self.expire_later(id.to_owned(), rest);
                    return Ok(());
                }
                Some(_) => {}
            }
            conns.live.remove(id);
        }
        if store::close_waiting(self.db(), &site, id).await? {
            self.closed(id);
            tracing::info!(
                site,
                conversation = id,
                "shopper gone: waiting conversation closed"
            );
            self.notify_queue(&site).await?;
        }
        Ok(())
    }

    /// After a start: waiting conversations nobody is connected to (the
    /// server restarted) expire like those whose shopper left, and sites
    /// count as without agents from now.
    pub async fn watch_waiting(&self) -> anyhow::Result<()> {
        if self.bus().is_some() {
            // Another node may hold these shoppers: they expire where they
            // were last connected, and those of a dead node through the
            // heartbeat's orphan claim (`cluster::store::claim_orphans`).
            return Ok(());
        }
        let waiting = store::all_waiting(self.db()).await?;
        let now = Instant::now();
        let mut sites = HashSet::new();
        {
            let mut conns = self.conns();
            for (id, site) in &waiting {
                conns.live.entry(id.clone()).or_insert_with(|| Live {
                    site: site.clone(),
                    conns: Vec::new(),
                    sends: RateWindow::new(SEND_LIMIT, SEND_WINDOW),
                    gone: Some(now),
                    timer: true,
                });
                if conns.agents_online(site) == 0 {
                    conns.sites_empty.entry(site.clone()).or_insert(now);
                    sites.insert(site.clone());
                }
            }
        }
        let grace = self.limits().shopper_grace;
        for (id, _) in waiting {
            self.expire_later(id, grace);
        }
        for site in sites {
            self.offline_later(site);
        }
        Ok(())
    }

    /// Registers an agent connection (online) for `agent` of `site`, logged in with `session`.
    pub fn add_agent(&self, site: &str, agent: i64, session: &str, handle: Handle) -> ConnId {
        let id = self.id();
        let mut conns = self.conns();
        conns.agents.insert(
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
        // Back in time: the grace timers find nothing to do.
        conns.agents_gone.remove(&agent);
        conns.sites_empty.remove(site);
        tracing::info!(site, agent, "agent online");
        id
    }

    /// Sets an agent connection online or away.
    pub fn set_online(&self, conn: ConnId, online: bool) {
        let site = {
            let mut conns = self.conns();
            let Some(a) = conns.agents.get_mut(&conn) else {
                return;
            };
            a.online = online;
            tracing::info!(site = a.site, agent = a.agent, online, "agent presence");
            let site = a.site.clone();
            if online {
                conns.sites_empty.remove(&site);
                return;
            }
            if conns.agents_online(&site) > 0 || conns.sites_empty.contains_key(&site) {
                return;
            }
            conns.sites_empty.insert(site.clone(), Instant::now());
            site
        };
        self.offline_later(site);
    }

    /// How long a disconnected agent keeps their conversations.
    pub fn agent_grace(&self) -> Duration {
        self.limits().agent_grace
    }

    /// Changes [`Limits::agent_grace`] (tests use a short one).
    pub fn set_agent_grace(&self, grace: Duration) {
        self.inner
            .limits
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .agent_grace = grace;
    }

    /// Whether `agent` has any connection open.
    pub fn agent_connected(&self, agent: i64) -> bool {
        self.conns().agents.values().any(|a| a.agent == agent)
    }

    /// Puts `agent`'s active conversations back in the queue (they left and did
    /// not come back in time); their shoppers hear their place in the queue.
    pub async fn requeue_agent(&self, site: &str, agent: i64) -> anyhow::Result<()> {
        let _site = self.lock_site(site).await;
        let ids = store::active_of(self.db(), site, agent).await?;
        for id in &ids {
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
        self.offline_if_empty(site).await
    }

    /// Forgets an agent connection (it no longer counts as online). When it
    /// was the agent's last, their conversations go back to the queue after
    /// [`Limits::agent_grace`] unless they reconnect; when the site has no
    /// agent online left, its waiting shoppers get the message form after it.
    pub fn remove_agent(&self, conn: ConnId) {
        let (site, agent, last, empty) = {
            let mut conns = self.conns();
            let Some(a) = conns.agents.remove(&conn) else {
                return;
            };
            tracing::info!(site = a.site, agent = a.agent, "agent connection closed");
            let last = !conns.agents.values().any(|o| o.agent == a.agent);
            if last {
                conns.agents_gone.insert(a.agent, Instant::now());
            }
            let empty =
                conns.agents_online(&a.site) == 0 && !conns.sites_empty.contains_key(&a.site);
            if empty {
                conns.sites_empty.insert(a.site.clone(), Instant::now());
            }
            (a.site, a.agent, last, empty)
        };
        let grace = self.agent_grace();
        // With a bus the grace is data: every node's heartbeat sweeps it.
        if last && self.bus().is_none() {
            let site = site.clone();
            self.later(grace, move |hub| async move {
                let gone_long = hub
                    .conns()
                    .agents_gone
                    .get(&agent)
                    .is_some_and(|g| g.elapsed() + SLACK >= grace);
                if !gone_long {
                    return;
                }
                hub.conns().agents_gone.remove(&agent);
                if let Err(e) = hub.requeue_agent(&site, agent).await {
                    tracing::error!(site, agent, error = %e, "requeueing a gone agent's conversations failed");
                }
            });
        }
        if empty {
            self.offline_later(site);
        }
    }

    fn offline_later(&self, site: String) {
        let grace = self.agent_grace();
        self.later(grace, move |hub| async move {
            let _site = hub.lock_site(&site).await;
            if let Err(e) = hub.offline_if_empty(&site).await {
                tracing::error!(site, error = %e, "offering the message form failed");
            }
        });
    }

    /// When `site` has had no agent online for [`Limits::agent_grace`], closes
    /// its waiting conversations and offers their shoppers the message form,
    /// prefilled with what they wrote. The caller holds the site's lock.
    async fn offline_if_empty(&self, site: &str) -> anyhow::Result<()> {
        let grace = self.agent_grace();
        let empty_long = {
            let conns = self.conns();
            conns.agents_online(site) == 0
                && conns
                    .sites_empty
                    .get(site)
                    .is_some_and(|since| since.elapsed() + SLACK >= grace)
        };
        if !empty_long || (self.bus().is_some() && self.online(site).await? > 0) {
            return Ok(());
        }
        let waiting = store::waiting_ids(self.db(), site).await?;
        for id in &waiting {
            let _conversation = self.lock_conversation(id).await;
            if !store::close_waiting(self.db(), site, id).await? {
                continue;
            }
            let text = store::shopper_text(self.db(), id).await?;
            self.to_shoppers(
                id,
                &ServerMessage::Offline {
                    reason: OfflineReason::NoAgentOnline,
                    text,
                },
                None,
            );
            self.closed(id);
        }
        if !waiting.is_empty() {
            tracing::info!(
                site,
                count = waiting.len(),
                "no agent online: waiting shoppers offered the message form"
            );
            self.notify_queue(site).await?;
        }
        Ok(())
    }

    /// Closes every connection opened with login `session` (after logout),
    /// on every node.
    pub fn logout(&self, session: &str) {
        for a in self.conns().agents.values() {
            if a.session == session {
                a.handle.kick(close_code::POLICY, "logged out");
            }
        }
        if let Some(bus) = self.bus() {
            // The bus carries the session's digest, never the token itself.
            let digest = crate::db::digest(session);
            bus.publish(cluster::ALL_SUBJECT.to_owned(), Event::Logout(digest));
        }
    }

    /// [`Hub::logout`] of the session whose digest is `digest`, here.
    pub(crate) fn logout_here(&self, digest: &str) {
        for a in self.conns().agents.values() {
            if crate::db::digest(&a.session) == digest {
                a.handle.kick(close_code::POLICY, "logged out");
            }
        }
    }

    /// Ends `agent`'s presence at once (their account was disabled, or their
    /// password reset): every connection closes with `reason`, and their
    /// conversations go back to the queue without waiting for the grace.
    pub async fn end_agent(
        &self,
        site: &str,
        agent: i64,
        reason: &'static str,
    ) -> anyhow::Result<()> {
        self.kick_agent_here(agent, reason);
        if let Some(bus) = self.bus() {
            bus.publish(
                cluster::agent_subject(agent),
                Event::Kick(reason.to_owned()),
            );
        }
        self.requeue_agent(site, agent).await
    }

    fn kick_agent_here(&self, agent: i64, reason: &'static str) {
        for a in self.conns().agents.values() {
            if a.agent == agent {
                a.handle.kick(close_code::POLICY, reason);
            }
        }
    }

    /// Agents (people, not tabs) online for `site`: on this node, or with
    /// a bus the cluster's count as last read (see [`Hub::online`]).
    pub fn agents_online(&self, site: &str) -> u32 {
        let here = self.conns().agents_online(site);
        match self.bus() {
            None => here,
            Some(bus) => bus
                .online
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .get(site)
                .copied()
                .unwrap_or(0)
                .max(here),
        }
    }

    /// Agents (people, not tabs) online for `site`: on this node, or with a
    /// bus on every live node (read from the presence rows).
    pub async fn online(&self, site: &str) -> anyhow::Result<u32> {
        let Some(bus) = self.bus() else {
            return Ok(self.conns().agents_online(site));
        };
        let n = cluster::store::agents_online(self.db(), site).await?;
        bus.online
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(site.to_owned(), n);
        Ok(n)
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

    /// Closes the live chats of `sites` that the shopper left unanswered
    /// longer than the site's `auto_close_minutes` at `now` (Unix seconds),
    /// tagged [`AUTO_CLOSE_TAG`]: both sides hear it, as when an agent closes.
    /// How many it closed.
    pub async fn close_unanswered(
        &self,
        sites: &crate::sites::SiteRegistry,
        now: i64,
    ) -> anyhow::Result<usize> {
        let mut closed = 0;
        for site in sites.all() {
            let Some(minutes) = site.config.auto_close_minutes else {
                continue;
            };
            let before = now - i64::from(minutes) * 60;
            for id in store::unanswered(self.db(), &site.id, before).await? {
                let _conversation = self.lock_conversation(&id).await;
                if !store::close_by_system(self.db(), &id, AUTO_CLOSE_TAG).await? {
                    continue;
                }
                closed += 1;
                self.closed(&id);
                let to_shopper = ServerMessage::Closed {
                    by: Party::System,
                    rate: true,
                };
                self.to_shoppers(&id, &to_shopper, None);
                let to_agents = AgentServerMessage::Closed {
                    conversation: id.clone(),
                    by: Party::System,
                };
                self.to_agents_of(&id, &to_agents, None);
                self.unsync(&id);
                tracing::info!(
                    site = site.id,
                    conversation = id,
                    minutes,
                    "unanswered chat closed"
                );
            }
        }
        Ok(closed)
    }

    /// Whether the shopper of conversation `id` has a connection open.
    pub fn shopper_connected(&self, id: &str) -> bool {
        self.conns()
            .live
            .get(id)
            .is_some_and(|l| !l.conns.is_empty())
    }

    /// Schedules `check` [`Limits::missed_reply_after`] from now for
    /// conversation `id`, unless one is pending already; it is skipped if the
    /// server stops first.
    pub fn after_missed_reply<F>(&self, id: &str, check: impl FnOnce(Hub) -> F + Send + 'static)
    where
        F: std::future::Future<Output = ()> + Send + 'static,
    {
        let fresh = self
            .inner
            .missed
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id.to_owned());
        if !fresh {
            return;
        }
        let id = id.to_owned();
        self.later(self.limits().missed_reply_after, move |hub| async move {
            hub.inner
                .missed
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .remove(&id);
            check(hub).await;
        });
    }

    /// Takes conversation `id` from every agent connection.
    pub fn unsync(&self, id: &str) {
        self.unsync_here(id);
        if let Some(bus) = self.bus() {
            bus.publish(cluster::conversation_subject(id), Event::Unsync);
        }
    }

    fn unsync_here(&self, id: &str) {
        for a in self.conns().agents.values_mut() {
            a.synced.remove(id);
        }
    }

    /// Sends to the shopper connections of conversation `id`, except `except`
    /// (and, with a bus, to its shoppers on other nodes).
    pub fn to_shoppers(&self, id: &str, message: &ServerMessage, except: Option<ConnId>) {
        match self.bus() {
            None => {
                let conns = self.conns();
                let Some(live) = conns.live.get(id) else {
                    return;
                };
                let frame = encode(message);
                for conn in &live.conns {
                    if Some(*conn) != except
                        && let Some(s) = conns.shoppers.get(conn)
                    {
                        s.handle.push(frame.clone());
                    }
                }
            }
            Some(bus) => {
                let frame = encode(message);
                self.shoppers_here(id, &frame, except);
                bus.publish(
                    cluster::conversation_subject(id),
                    Event::Shoppers(frame.to_string()),
                );
            }
        }
    }

    /// Pushes `frame` to this node's shopper connections of conversation `id`.
    fn shoppers_here(&self, id: &str, frame: &Utf8Bytes, except: Option<ConnId>) {
        let conns = self.conns();
        let Some(live) = conns.live.get(id) else {
            return;
        };
        for conn in &live.conns {
            if Some(*conn) != except
                && let Some(s) = conns.shoppers.get(conn)
            {
                s.handle.push(frame.clone());
            }
        }
    }

    /// Sends to the agent connections that have conversation `id`, except `except`.
    pub fn to_agents_of(&self, id: &str, message: &AgentServerMessage, except: Option<ConnId>) {
        let frame = encode(message);
        self.agents_of_here(id, &frame, except);
        if let Some(bus) = self.bus() {
            bus.publish(
                cluster::conversation_subject(id),
                Event::Agents(frame.to_string()),
            );
        }
    }

    fn agents_of_here(&self, id: &str, frame: &Utf8Bytes, except: Option<ConnId>) {
        for (conn, a) in &self.conns().agents {
            if a.synced.contains(id) && Some(*conn) != except {
                a.handle.push(frame.clone());
            }
        }
    }

    /// Sends to every connection of `agent`.
    pub fn to_agent(&self, agent: i64, message: &AgentServerMessage) {
        let frame = encode(message);
        self.agent_here(agent, &frame);
        if let Some(bus) = self.bus() {
            bus.publish(
                cluster::agent_subject(agent),
                Event::Agent(frame.to_string()),
            );
        }
    }

    fn agent_here(&self, agent: i64, frame: &Utf8Bytes) {
        for a in self.conns().agents.values() {
            if a.agent == agent {
                a.handle.push(frame.clone());
            }
        }
    }

    /// Sends to every agent connection of `site`.
    pub fn to_site_agents(&self, site: &str, message: &AgentServerMessage) {
        let frame = encode(message);
        self.site_agents_here(site, &frame);
        if let Some(bus) = self.bus() {
            bus.publish(
                cluster::site_subject(site),
                Event::SiteAgents(frame.to_string()),
            );
        }
    }

    fn site_agents_here(&self, site: &str, frame: &Utf8Bytes) {
        for a in self.conns().agents.values() {
            if a.site == site {
                a.handle.push(frame.clone());
            }
        }
    }

    /// Fans a stored message out to the conversation's shoppers (except `except`)
    /// and agents (except `except_agent`), each side seeing its own `client_id` only.
    /// The caller holds the conversation's lock. With a bus, through this
    /// node's sequencer (a gap is read from the store first) and to the other nodes.
    pub async fn fan_out(
        &self,
        id: &str,
        message: &ChatMessage,
        except: Option<ConnId>,
        except_agent: Option<ConnId>,
    ) {
        let Some(bus) = self.bus() else {
            self.deliver_here(id, message, except, except_agent);
            return;
        };
        match bus.position(id) {
            // Delivered already (a repair read it from the store).
            Some(at) if message.seq <= at => {}
            Some(at) => {
                if message.seq > at + 1 {
                    // Another node's messages are not here yet: from the store first.
                    if let Err(e) = self.repair(id, Some(message.seq - 1)).await {
                        tracing::warn!(conversation = id, error = %e, "repairing a gap failed");
                    }
                }
                self.deliver_here(id, message, except, except_agent);
                bus.set_position(id, message.seq);
            }
            None => self.deliver_here(id, message, except, except_agent),
        }
        bus.publish(
            cluster::conversation_subject(id),
            Event::Message(message.clone()),
        );
    }

    /// [`Hub::fan_out`] to this node's connections only.
    fn deliver_here(
        &self,
        id: &str,
        message: &ChatMessage,
        except: Option<ConnId>,
        except_agent: Option<ConnId>,
    ) {
        {
            let conns = self.conns();
            if let Some(live) = conns.live.get(id) {
                let mut for_shopper = message.clone();
                if message.author != Party::Shopper {
                    for_shopper.client_id = None;
                }
                let frame = encode(&ServerMessage::Message(for_shopper));
                for conn in &live.conns {
                    if Some(*conn) != except
                        && let Some(s) = conns.shoppers.get(conn)
                    {
                        s.handle.push(frame.clone());
                    }
                }
            }
        }
        let mut for_agent = message.clone();
        if message.author != Party::Agent {
            for_agent.client_id = None;
        }
        self.agents_of_here(
            id,
            &encode(&AgentServerMessage::Message {
                conversation: id.to_owned(),
                message: for_agent,
            }),
            except_agent,
        );
    }

    /// The `queue` frame for a waiting shopper at `position`.
    fn position_frame(position: u32, average: Option<f64>, agents_online: u32) -> ServerMessage {
        ServerMessage::Queue {
            position,
            expected_wait_seconds: expected_wait(position, average, agents_online),
            agents_online,
        }
    }

    /// Tells the connections of waiting conversation `id` its place in the
    /// queue (after a resume), without touching anyone else.
    pub async fn tell_position(&self, site: &str, id: &str) -> anyhow::Result<()> {
        let waiting = store::queue(self.db(), site).await?;
        let Some(index) = waiting.iter().position(|w| w.0 == id) else {
            return Ok(());
        };
        let average = store::average_first_response(self.db(), site).await?;
        let position = u32::try_from(index + 1).unwrap_or(u32::MAX);
        let frame = Self::position_frame(position, average, self.online(site).await?);
        self.shoppers_here(id, &encode(&frame), None);
        Ok(())
    }

    /// The agents' queue frame for `waiting` (the site's queue in order): the
    /// first [`Limits::queue_shown`] with their summaries, within
    /// [`Limits::queue_bytes`], and the count of all.
    async fn queue_frame(
        &self,
        waiting: &[(String, i64, aisle_core::protocol::Priority)],
        agents_online: u32,
    ) -> anyhow::Result<Utf8Bytes> {
        let limits = self.limits();
        let total = u32::try_from(waiting.len()).unwrap_or(u32::MAX);
        let mut size = encode(&AgentServerMessage::Queue {
            waiting: Vec::new(),
            total,
            agents_online,
        })
        .len();
        let mut entries = Vec::new();
        for (id, since, priority) in waiting.iter().take(limits.queue_shown as usize) {
            let cached = self.conns().summaries.get(id).cloned();
            let summary = match cached {
                Some(summary) => summary,
                None => {
                    // Not seen since a restart (or back from an agent).
                    let summary = store::summary(self.db(), id).await?.unwrap_or_default();
                    self.queued(id, summary.clone());
                    summary
                }
            };
            let entry = QueueEntry {
                conversation: id.clone(),
                waiting_since: *since,
                priority: *priority,
                summary,
            };
            let entry_size = encode(&entry).len() + 1;
            if size + entry_size > limits.queue_bytes {
                break;
            }
            size += entry_size;
            entries.push(entry);
        }
        Ok(encode(&AgentServerMessage::Queue {
            waiting: entries,
            total,
            agents_online,
        }))
    }

    /// Tells `site`'s waiting shoppers their position and expected wait (those
    /// whose place changed), and its agents the queue (with a bus, the other
    /// nodes do the same for theirs). The caller holds the site's lock.
    pub async fn notify_queue(&self, site: &str) -> anyhow::Result<()> {
        if let Some(bus) = self.bus() {
            bus.publish(cluster::site_subject(site), Event::Queue);
        }
        self.notify_queue_here(site).await
    }

    /// [`Hub::notify_queue`] for this node's connections.
    async fn notify_queue_here(&self, site: &str) -> anyhow::Result<()> {
        let waiting = store::queue(self.db(), site).await?;
        let average = store::average_first_response(self.db(), site).await?;
        let agents_online = self.online(site).await?;
        let queue = self.queue_frame(&waiting, agents_online).await?;
        let mut conns = self.conns();
        let Conns { shoppers, live, .. } = &mut *conns;
        for (index, (id, _, _)) in waiting.iter().enumerate() {
            let Some(live) = live.get(id) else { continue };
            let position = u32::try_from(index + 1).unwrap_or(u32::MAX);
            let frame = Self::position_frame(position, average, agents_online);
            let now = (
                position,
                expected_wait(position, average, agents_online),
                agents_online,
            );
            let mut encoded = None;
            for conn in &live.conns {
                if let Some(s) = shoppers.get_mut(conn)
                    && s.last_queue != Some(now)
                {
                    s.last_queue = Some(now);
                    let frame = encoded.get_or_insert_with(|| encode(&frame)).clone();
                    s.handle.push(frame);
                }
            }
        }
        for a in conns.agents.values() {
            if a.site == site {
                a.handle.push_latest(queue.clone());
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

/// A hub that does not keep the server alive (the bus's tasks hold one).
#[derive(Debug, Clone)]
pub struct WeakHub(Weak<Inner>);

/// The bus side of the hub: only reached with `--bus`.
impl Hub {
    /// The bus, when this node has one.
    pub fn bus(&self) -> Option<&Arc<cluster::Bus>> {
        self.inner.bus.get()
    }

    /// Connects this hub to the other nodes over `bus` (once).
    pub async fn join_bus(&self, urls: &str) -> anyhow::Result<()> {
        let (bus, outgoing) = cluster::Bus::connect(urls).await?;
        anyhow::ensure!(
            self.inner.bus.set(bus.clone()).is_ok(),
            "the hub is on a bus already"
        );
        tracing::info!(node = bus.node, "on the bus");
        cluster::start(self, bus, outgoing, self.inner.shutdown.clone()).await
    }

    /// A handle that does not keep the hub alive.
    pub fn downgrade(&self) -> WeakHub {
        WeakHub(Arc::downgrade(&self.inner))
    }

    /// The hub of `weak`, while it is alive.
    pub fn upgrade(weak: &WeakHub) -> Option<Hub> {
        weak.0.upgrade().map(|inner| Hub { inner })
    }

    /// Follows conversation `id` on the bus (the caller holds its lock, and
    /// is about to give it to a socket here): subscribes, and brings this
    /// node's connections up to the store. The sequence number delivered
    /// here so far — what a joining socket may read from the store itself —
    /// or `None` without a bus.
    pub async fn follow(&self, id: &str) -> anyhow::Result<Option<u64>> {
        let Some(bus) = self.bus() else {
            return Ok(None);
        };
        let subscribe = cluster::subscribe(self, bus, id);
        match tokio::time::timeout(Duration::from_secs(2), subscribe).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::warn!(conversation = id, error = %e, "bus subscribe failed"),
            Err(_) => tracing::warn!(conversation = id, "bus subscribe timed out"),
        }
        match bus.position(id) {
            None => {
                let last = cluster::store::last_seq(self.db(), id).await?;
                bus.set_position(id, last);
            }
            Some(_) => self.repair(id, None).await?,
        }
        Ok(bus.position(id))
    }

    /// Delivers here, in order, what the store holds of conversation `id`
    /// past this node's position (up to `upto`). The caller holds the
    /// conversation's lock.
    async fn repair(&self, id: &str, upto: Option<u64>) -> anyhow::Result<()> {
        let Some(bus) = self.bus() else { return Ok(()) };
        let Some(at) = bus.position(id) else {
            return Ok(());
        };
        let mut missing = store::messages_after(self.db(), id, at, i64::MAX).await?;
        if let Some(upto) = upto {
            missing.retain(|m| m.seq <= upto);
        }
        if let Some(last) = missing.last().map(|m| m.seq) {
            tracing::info!(
                conversation = id,
                from = at + 1,
                to = last,
                "delivered from the store"
            );
            for message in &missing {
                self.deliver_here(id, message, None, None);
            }
            bus.set_position(id, last);
        }
        Ok(())
    }

    /// Handles an event of conversation `id` from another node.
    pub(crate) async fn conversation_event(&self, id: &str, event: Event) {
        match event {
            Event::Shoppers(frame) if after_messages(&frame) => {
                let _conversation = self.lock_conversation(id).await;
                self.catch_up(id).await;
                self.shoppers_here(id, &frame.into(), None);
            }
            Event::Agents(frame) if after_messages(&frame) => {
                let _conversation = self.lock_conversation(id).await;
                self.catch_up(id).await;
                self.agents_of_here(id, &frame.into(), None);
            }
            Event::Shoppers(frame) => self.shoppers_here(id, &frame.into(), None),
            Event::Agents(frame) => self.agents_of_here(id, &frame.into(), None),
            Event::Message(message) => {
                let _conversation = self.lock_conversation(id).await;
                let Some(bus) = self.bus() else { return };
                match bus.position(id) {
                    None => {}
                    Some(at) if message.seq <= at => {}
                    Some(at) if message.seq == at + 1 => {
                        self.deliver_here(id, &message, None, None);
                        bus.set_position(id, message.seq);
                    }
                    Some(_) => {
                        if let Err(e) = self.repair(id, None).await {
                            tracing::warn!(conversation = id, error = %e, "repairing a gap failed");
                        }
                    }
                }
            }
            Event::Unsync => self.unsync_here(id),
            Event::Closed => self.closed_here(id),
            Event::LeftQueue => self.left_queue_here(id),
            Event::ShopperBack => {
                if let Some(live) = self.conns().live.get_mut(id)
                    && live.conns.is_empty()
                {
                    // Their shopper is on another node now: no expiry here.
                    live.gone = None;
                }
            }
            _ => {}
        }
    }

    /// Delivers here what the store holds of conversation `id` past this
    /// node's position (the caller holds its lock): before a frame that must
    /// come after every message stored before it (see [`after_messages`]).
    async fn catch_up(&self, id: &str) {
        if let Err(e) = self.repair(id, None).await {
            tracing::warn!(conversation = id, error = %e, "catching up before a close failed");
        }
    }

    /// Whether this node has a connection of `site`.
    fn serves(&self, site: &str) -> bool {
        let conns = self.conns();
        conns.agents.values().any(|a| a.site == site)
            || conns.shoppers.values().any(|s| s.site == site)
    }

    /// Handles an event of `site` from another node.
    pub(crate) fn site_event(&self, site: &str, event: Event) {
        match event {
            Event::Queue => {
                if !self.serves(site) {
                    return;
                }
                let fresh = self
                    .inner
                    .queues_due
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert(site.to_owned());
                if !fresh {
                    return;
                }
                let (hub, site) = (self.clone(), site.to_owned());
                tokio::spawn(async move {
                    let _site = hub.lock_site(&site).await;
                    hub.inner
                        .queues_due
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .remove(&site);
                    if let Err(e) = hub.notify_queue_here(&site).await {
                        tracing::warn!(site, error = %e, "queue notification failed");
                    }
                });
            }
            Event::SiteAgents(frame) => self.site_agents_here(site, &frame.into()),
            _ => {}
        }
    }

    /// Handles an event of `agent` from another node.
    pub(crate) fn agent_event(&self, agent: i64, event: Event) {
        match event {
            Event::Agent(frame) => self.agent_here(agent, &frame.into()),
            Event::Kick(reason) => {
                // Close reasons are static text: the ones `end_agent` is given.
                let reason = match reason.as_str() {
                    "account disabled" => "account disabled",
                    "password changed" => "password changed",
                    _ => "signed out elsewhere",
                };
                self.kick_agent_here(agent, reason);
            }
            Event::Synced {
                conversation,
                frame,
            } => {
                if !self.conns().agents.values().any(|a| a.agent == agent) {
                    return;
                }
                let hub = self.clone();
                tokio::spawn(async move {
                    let _conversation = hub.lock_conversation(&conversation).await;
                    if let Err(e) = hub.follow(&conversation).await {
                        tracing::warn!(conversation, error = %e, "following a conversation failed");
                    }
                    hub.sync(agent, &conversation);
                    hub.agent_here(agent, &frame.into());
                });
            }
            _ => {}
        }
    }

    /// Gives every connection of `agent`, on every node, conversation `id`
    /// and its `snapshot` (they accepted it). The caller holds its lock.
    pub fn synced(&self, agent: i64, id: &str, snapshot: &AgentServerMessage) {
        self.sync(agent, id);
        let frame = encode(snapshot);
        self.agent_here(agent, &frame);
        if let Some(bus) = self.bus() {
            bus.publish(
                cluster::agent_subject(agent),
                Event::Synced {
                    conversation: id.to_owned(),
                    frame: frame.to_string(),
                },
            );
        }
    }

    /// Whether a socket here has conversation `id` (or its shopper's grace runs here).
    fn holds(&self, id: &str) -> bool {
        let conns = self.conns();
        conns.live.contains_key(id) || conns.agents.values().any(|a| a.synced.contains(id))
    }

    /// Writes agent connection `conn`'s presence row (its site, agent and
    /// online state, or its removal once gone). Nothing without a bus.
    pub async fn record_presence(&self, conn: ConnId) {
        let Some(bus) = self.bus() else { return };
        let row = self
            .conns()
            .agents
            .get(&conn)
            .map(|a| (a.site.clone(), a.agent, a.online));
        let row = row.as_ref().map(|(s, a, o)| (s.as_str(), *a, *o));
        if let Err(e) = cluster::store::set_presence(self.db(), &bus.node, conn, row).await {
            tracing::warn!(error = %e, "writing agent presence failed");
        }
    }

    /// One heartbeat: this node's row, the presence sweep, the grace claim
    /// (the agents it takes have their conversations requeued here), and
    /// conversations no socket here holds any more are let go.
    pub(crate) async fn heartbeat(&self) -> anyhow::Result<()> {
        let Some(bus) = self.bus().cloned() else {
            return Ok(());
        };
        cluster::store::heartbeat(self.db(), &bus.node).await?;
        self.write_shoppers(&bus).await?;
        let shopper_grace =
            i64::try_from(self.limits().shopper_grace.as_millis()).unwrap_or(i64::MAX);
        for (id, site) in cluster::store::claim_orphans(self.db(), shopper_grace).await? {
            if let Err(e) = self.expire_orphan(&site, &id).await {
                tracing::error!(site, conversation = id, error = %e, "expiring an orphaned conversation failed");
            }
        }
        let grace = i64::try_from(self.agent_grace().as_millis()).unwrap_or(i64::MAX);
        for (agent, site) in cluster::store::claim_gone(self.db(), grace).await? {
            tracing::info!(site, agent, "agent gone from every node: requeueing");
            if let Err(e) = self.requeue_agent(&site, agent).await {
                tracing::error!(site, agent, error = %e, "requeueing a gone agent's conversations failed");
            }
        }
        let followed: Vec<String> = bus
            .positions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .keys()
            .cloned()
            .chain(bus.followed())
            .collect();
        for id in followed {
            if !self.holds(&id) {
                // Under its lock: a socket being given it right now keeps it.
                let _conversation = self.lock_conversation(&id).await;
                if !self.holds(&id) {
                    bus.unfollow(&id);
                }
            }
        }
        Ok(())
    }

    /// With a bus: whether conversation `id`'s shopper has used up the send
    /// allowance across every node (counted from the stored messages, so
    /// tabs on several nodes share one allowance). `false` without a bus.
    pub async fn sends_full_in_cluster(&self, id: &str) -> anyhow::Result<bool> {
        if self.bus().is_none() {
            return Ok(false);
        }
        cluster::store::shopper_sends_full(self.db(), id, SEND_LIMIT, SEND_WINDOW).await
    }

    /// Brings this node's `shopper_presence` rows up to date: the
    /// conversations it holds a shopper of (a socket open, or their grace).
    async fn write_shoppers(&self, bus: &cluster::Bus) -> anyhow::Result<()> {
        let held: HashMap<String, bool> = self
            .conns()
            .live
            .iter()
            .map(|(id, live)| (id.clone(), !live.conns.is_empty()))
            .collect();
        let (changed, gone) = {
            let written = bus
                .shoppers_written
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            let changed: Vec<(String, bool)> = held
                .iter()
                .filter(|(id, connected)| written.get(*id) != Some(*connected))
                .map(|(id, connected)| (id.clone(), *connected))
                .collect();
            let gone: Vec<String> = written
                .keys()
                .filter(|id| !held.contains_key(*id))
                .cloned()
                .collect();
            (changed, gone)
        };
        if changed.is_empty() && gone.is_empty() {
            return Ok(());
        }
        cluster::store::write_shoppers(self.db(), &bus.node, &changed, &gone).await?;
        *bus.shoppers_written
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = held;
        Ok(())
    }

    /// Waiting conversation `id` of `site`, whose shopper no live node has
    /// held for the shopper grace (their node died), taken by this node:
    /// closed as its own node's expiry would have (unless its shopper is
    /// back here this very moment).
    async fn expire_orphan(&self, site: &str, id: &str) -> anyhow::Result<()> {
        let _site = self.lock_site(site).await;
        let _conversation = self.lock_conversation(id).await;
        if self.conns().live.contains_key(id) {
            return Ok(());
        }
        if store::close_waiting(self.db(), site, id).await? {
            self.closed(id);
            tracing::info!(
                site,
                conversation = id,
                "shopper gone with their node: waiting conversation closed"
            );
            self.notify_queue(site).await?;
        }
        Ok(())
    }

    /// Closes every socket here with 1012 (restart): this node missed its
    /// heartbeat for `missed_ms`, so other nodes have counted it dead and
    /// may have requeued its agents' conversations. The clients reconnect
    /// (here or elsewhere) and get the cluster's current state.
    pub(crate) fn fence(&self, missed_ms: i64) {
        let conns = self.conns();
        let handles: Vec<Handle> = conns
            .agents
            .values()
            .map(|a| a.handle.clone())
            .chain(conns.shoppers.values().map(|s| s.handle.clone()))
            .collect();
        drop(conns);
        tracing::warn!(
            missed_ms,
            sockets = handles.len(),
            "this node missed its heartbeat and counted as dead: closing its sockets"
        );
        for handle in handles {
            handle.kick(close_code::RESTART, "node restarting; reconnect");
        }
    }

    /// Checks every followed conversation's position against the store and
    /// delivers what the bus dropped.
    pub(crate) async fn resync(&self) {
        let Some(bus) = self.bus().cloned() else {
            return;
        };
        let followed: Vec<(String, u64)> = bus
            .positions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .map(|(id, at)| (id.clone(), *at))
            .collect();
        for chunk in followed.chunks(cluster::RESYNC_BATCH) {
            let ids: Vec<&str> = chunk.iter().map(|(id, _)| id.as_str()).collect();
            let stored = match cluster::store::last_seqs(self.db(), &ids).await {
                Ok(stored) => stored,
                Err(e) => {
                    tracing::warn!(error = %e, "position check failed");
                    return;
                }
            };
            for (id, at) in chunk {
                if stored.get(id).is_some_and(|last| last > at) {
                    let _conversation = self.lock_conversation(id).await;
                    if let Err(e) = self.repair(id, None).await {
                        tracing::warn!(conversation = id, error = %e, "repairing from the store failed");
                    }
                }
            }
        }
    }
}

/// Whether `frame` (from another node) ends or hands over a conversation —
/// `closed`, `transferred`, `offline`, `agent_joined` — so every message
/// stored before it must reach this node's sockets first: the node reads
/// what it lacks from the store (one query, only for these rare frames)
/// before delivering it, even when the bus dropped a message or delivers
/// another node's message late.
fn after_messages(frame: &str) -> bool {
    ["closed", "transferred", "offline", "agent_joined"]
        .iter()
        .any(|kind| {
            frame
                .strip_prefix(r#"{"type":""#)
                .and_then(|rest| rest.strip_prefix(kind))
                .is_some_and(|rest| rest.starts_with('"'))
        })
}

/// Expected wait at `position`: average first response × position ÷ agents
/// online; `None` without history or without agents.
fn expected_wait(position: u32, average: Option<f64>, agents_online: u32) -> Option<u32> {
    average.filter(|_| agents_online > 0).map(|avg| {
        let seconds = avg.max(0.0) * f64::from(position) / f64::from(agents_online);
        // Saturating float-to-int conversion.
        seconds.ceil() as u32
    })
}

/// Timers fire on a millisecond grid; what is this close to due counts as due.
const SLACK: Duration = Duration::from_millis(5);

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

    const LIMIT: usize = 64 * 1024;

    async fn hub() -> Hub {
        let db = crate::db::connect("sqlite::memory:").await.unwrap();
        Hub::new(db, CancellationToken::new())
    }

    #[tokio::test]
    async fn presence_counts_people_not_tabs_and_away_agents_do_not_count() {
        let hub = hub().await;
        let (a1, _o1) = channel(LIMIT);
        let (a2, _o2) = channel(LIMIT);
        let (b, _o3) = channel(LIMIT);
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
    async fn an_outbox_over_its_bytes_disconnects_the_slow_peer() {
        let hub = hub().await;
        let (handle, mut outbox) = channel(LIMIT);
        let conn = hub.add_shopper("demo", handle);
        hub.attach(conn, "c");
        let typing = ServerMessage::Typing {
            typing: true,
            name: Some("R".repeat(1000)),
        };
        let size = encode(&typing).len();
        for _ in 0..LIMIT / size {
            hub.to_shoppers("c", &typing, None);
        }
        assert!(outbox.kicked().is_none());
        // Draining frees room.
        assert!(outbox.try_recv().is_some());
        hub.to_shoppers("c", &typing, None);
        assert!(outbox.kicked().is_none());
        hub.to_shoppers("c", &typing, None);
        assert_eq!(outbox.kicked().map(|k| k.0), Some(close_code::AGAIN));
    }

    #[tokio::test]
    async fn an_unsent_queue_snapshot_is_replaced_by_the_newer_one() {
        let (handle, mut outbox) = channel(LIMIT);
        handle.push(Utf8Bytes::from("a"));
        handle.push_latest(Utf8Bytes::from("queue 1"));
        handle.push(Utf8Bytes::from("b"));
        for _ in 0..1000 {
            handle.push_latest(Utf8Bytes::from("queue 2".repeat(100)));
        }
        handle.push_latest(Utf8Bytes::from("queue 3"));
        let frames: Vec<_> = std::iter::from_fn(|| outbox.try_recv())
            .map(|f| f.to_string())
            .collect();
        assert_eq!(frames, ["a", "queue 3", "b"]);
        assert!(outbox.kicked().is_none());
        assert_eq!(outbox.shared.lock().bytes, 0);
    }

    #[tokio::test]
    async fn logout_closes_that_sessions_connections_only() {
        let hub = hub().await;
        let (a, oa) = channel(LIMIT);
        let (b, ob) = channel(LIMIT);
        hub.add_agent("demo", 1, "s1", a);
        hub.add_agent("demo", 1, "s2", b);
        hub.logout("s1");
        assert!(oa.kicked().is_some());
        assert!(ob.kicked().is_none());
    }

    #[test]
    fn closing_frames_wait_for_the_messages_before_them_and_typing_does_not() {
        let closed = encode(&ServerMessage::Closed {
            by: aisle_core::protocol::Party::Agent,
            rate: true,
        });
        assert!(after_messages(&closed), "{closed}");
        let transferred = encode(&AgentServerMessage::Transferred {
            conversation: "c".into(),
        });
        assert!(after_messages(&transferred), "{transferred}");
        let typing = encode(&ServerMessage::Typing {
            typing: true,
            name: None,
        });
        assert!(!after_messages(&typing), "{typing}");
    }

    #[test]
    fn ipv6_addresses_count_per_64_and_mapped_ipv4_as_ipv4() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::9".parse().unwrap();
        assert_eq!(address_key(a), address_key(b));
        let mapped: IpAddr = "::ffff:10.0.0.1".parse().unwrap();
        assert_eq!(address_key(mapped), IpAddr::from([10, 0, 0, 1]));
    }
}
