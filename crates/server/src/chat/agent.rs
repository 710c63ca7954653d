//! The agent console's side of live handoff, on `/ws/v1/agent`: presence, the
//! site's queue, accepting (exactly one of racing agents wins), replying,
//! typing and read receipts, closing with tags, and transfer back to the queue.
//!
//! The upgrade needs a logged-in agent (the `aisle_agent` cookie or a bearer
//! token) and, when the request comes from a browser, a page of this server's
//! own origin, so another site cannot ride on the agent's cookie.

use super::connection::{Flow, Io, Peer, limits, serve};
use super::hub::{ConnId, Handle, agent_welcome};
use super::store::{self, Accept, Appended, Writer};
use super::{RateWindow, SEND_LIMIT, SEND_WINDOW, check_message, clean_tags};
use crate::AppState;
use crate::agents::{Agent, session_agent, session_token};
use aisle_core::protocol::{
    AgentClientMessage, AgentServerMessage, ChatMessage, ConversationStatus, Party, ProtocolError,
    ServerMessage,
};
use axum::extract::State;
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::ws::close_code;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::time::Instant;
use tokio_util::sync::{CancellationToken, DropGuard};

/// Whether a browser page at `origin` is this server's own (the console).
fn same_origin(origin: &str, host: Option<&str>) -> bool {
    let authority = origin
        .trim_end_matches('/')
        .split_once("://")
        .map(|(_, a)| a);
    authority
        .zip(host)
        .is_some_and(|(a, h)| a.eq_ignore_ascii_case(h))
}

/// `GET /ws/v1/agent`: 401 without a valid agent session, 403 from a foreign
/// page; otherwise upgrades to the agent protocol.
pub async fn upgrade(
    agent: Agent,
    State(state): State<AppState>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Response {
    let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok());
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    if origin.is_some_and(|o| !same_origin(o, host)) {
        tracing::warn!(
            agent = agent.id,
            origin,
            "agent websocket refused: foreign origin"
        );
        return (StatusCode::FORBIDDEN, "origin not allowed").into_response();
    }
    // The extractor found the session, so the token is there.
    let session = session_token(&headers).unwrap_or_default();
    let shutdown = state.shutdown.clone();
    let tasks = state.tasks.clone();
    limits(ws).on_upgrade(move |socket| {
        let (handle, outbox) = super::hub::channel(state.chat.limits().agent_outbox_bytes);
        let watch = watch_session(&state, &session, &handle);
        let peer = AgentPeer {
            state,
            agent,
            session,
            handle,
            conn: None,
            sends: RateWindow::new(SEND_LIMIT, SEND_WINDOW),
            _watch: watch,
        };
        tasks.track_future(serve(socket, shutdown, peer, outbox))
    })
}

/// Checks every [`super::hub::Limits::session_check`] that login `session`
/// still exists (not expired, not revoked), and closes the connection of
/// `handle` with "session expired" when it is gone. Stops when the guard drops.
fn watch_session(state: &AppState, session: &str, handle: &Handle) -> DropGuard {
    let stop = CancellationToken::new();
    let (db, session, handle, every) = (
        state.db.clone(),
        session.to_owned(),
        handle.clone(),
        state.chat.limits().session_check,
    );
    let watching = stop.clone();
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = watching.cancelled() => return,
                _ = handle.kicked() => return,
                _ = tokio::time::sleep(every) => {}
            }
            match session_agent(&db, &session).await {
                Ok(Some(_)) => {}
                Ok(None) => {
                    tracing::info!("agent session gone; closing its socket");
                    handle.kick(close_code::POLICY, "session expired");
                    return;
                }
                Err(e) => tracing::warn!(error = %e, "checking an agent session failed"),
            }
        }
    });
    stop.drop_guard()
}

/// A stored message as agents see it (their own `client_id` only).
fn agent_view(mut message: ChatMessage) -> ChatMessage {
    if message.author != Party::Agent {
        message.client_id = None;
    }
    message
}

/// One agent connection.
pub struct AgentPeer {
    state: AppState,
    agent: Agent,
    session: String,
    handle: Handle,
    /// Set by `hello`.
    conn: Option<ConnId>,
    sends: RateWindow,
    /// Stops the session check with the connection.
    _watch: DropGuard,
}

impl AgentPeer {
    /// Conversation `id` for the console: its full context and its latest
    /// messages (a page; earlier ones on request).
    /// With a bus, `upto` is what this node has delivered of it: later
    /// messages come through its sequencer, so they are left out here.
    async fn snapshot(
        &self,
        id: &str,
        upto: Option<u64>,
    ) -> anyhow::Result<Option<AgentServerMessage>> {
        let db = &self.state.db;
        let Some(c) = store::get(db, &self.agent.site, id).await? else {
            return Ok(None);
        };
        let page = self.state.chat.limits().history_page;
        let before = upto.map_or(u64::MAX, |u| u.saturating_add(1));
        let (messages, more) = store::messages_before(db, id, before, page).await?;
        Ok(Some(AgentServerMessage::Conversation {
            id: c.id,
            context: Box::new(c.context),
            messages: messages.into_iter().map(agent_view).collect(),
            more,
            shopper_read: c.shopper_read,
            waiting_since: c.created_at,
        }))
    }

    /// `history`: a page of messages before `before` of one of the agent's
    /// conversations (open or ended).
    async fn history(&self, id: &str, before: u64, io: &mut Io<'_>) -> anyhow::Result<()> {
        let db = &self.state.db;
        let mine = store::get(db, &self.agent.site, id)
            .await?
            .is_some_and(|c| c.agent_id == Some(self.agent.id));
        if !mine {
            not_found(io).await;
            return Ok(());
        }
        let page = self.state.chat.limits().history_page;
        let (messages, more) = store::messages_before(db, id, before, page).await?;
        io.send(&AgentServerMessage::History {
            conversation: id.to_owned(),
            messages: messages.into_iter().map(agent_view).collect(),
            more,
        })
        .await;
        Ok(())
    }

    async fn dispatch(
        &mut self,
        message: AgentClientMessage,
        io: &mut Io<'_>,
    ) -> anyhow::Result<Flow> {
        let Some(conn) = self.conn else {
            if message == AgentClientMessage::Hello {
                self.hello(io).await?;
                return Ok(Flow::Continue);
            }
            return Ok(io.unexpected().await);
        };
        match message {
            AgentClientMessage::Hello => return Ok(io.unexpected().await),
            AgentClientMessage::Ping { nonce } => {
                io.send(&AgentServerMessage::Pong { nonce }).await;
            }
            AgentClientMessage::Presence { online } => {
                self.state.chat.set_online(conn, online);
                self.state.chat.record_presence(conn).await;
                self.state.chat.queue_changed(&self.agent.site).await;
            }
            AgentClientMessage::Accept { conversation } => self.accept(&conversation, io).await?,
            AgentClientMessage::Send {
                conversation,
                client_id,
                text,
            } => self.send(conn, &conversation, client_id, &text, io).await?,
            AgentClientMessage::Typing {
                conversation,
                typing,
            } => {
                if self.state.chat.has(conn, &conversation) {
                    let name = Some(self.agent.name.clone());
                    let typing = ServerMessage::Typing { typing, name };
                    self.state.chat.to_shoppers(&conversation, &typing, None);
                }
            }
            AgentClientMessage::Read { conversation, seq } => {
                if self.state.chat.has(conn, &conversation) {
                    let seq =
                        store::mark_read(&self.state.db, &conversation, Party::Agent, seq).await?;
                    self.state
                        .chat
                        .to_shoppers(&conversation, &ServerMessage::Read { seq }, None);
                } else {
                    not_found(io).await;
                }
            }
            AgentClientMessage::Close { conversation, tags } => {
                self.close(&conversation, clean_tags(tags), io).await?
            }
            AgentClientMessage::Transfer { conversation } => {
                self.transfer(&conversation, io).await?
            }
            AgentClientMessage::History {
                conversation,
                before,
            } => self.history(&conversation, before, io).await?,
        }
        Ok(Flow::Continue)
    }

    /// `hello`: online, the welcome, the queue and every open conversation.
    async fn hello(&mut self, io: &mut Io<'_>) -> anyhow::Result<()> {
        let hub = self.state.chat.clone();
        let site = self.agent.site.clone();
        // Registered and counted online before the welcome, so an agent (or
        // a shopper) acting on it finds them present; the welcome is still
        // the first frame: what the hub queued meanwhile (another node's
        // queue change, an accept) follows it.
        let conn = hub.add_agent(&site, self.agent.id, &self.session, self.handle.clone());
        self.conn = Some(conn);
        hub.record_presence(conn).await;
        io.send_first(&agent_welcome(&self.agent.name, &site)).await;
        hub.queue_changed(&site).await;
        for id in store::active_of(&self.state.db, &site, self.agent.id).await? {
            let _conversation = hub.lock_conversation(&id).await;
            let upto = hub.follow(&id).await?;
            if let Some(snapshot) = self.snapshot(&id, upto).await? {
                hub.sync_conn(conn, &id);
                io.send(&snapshot).await;
            }
        }
        Ok(())
    }

    /// `accept`: one atomic claim; the winner's tabs get the conversation, the
    /// shopper hears who joined, every agent drops it from the queue.
    async fn accept(&mut self, id: &str, io: &mut Io<'_>) -> anyhow::Result<()> {
        let hub = self.state.chat.clone();
        let site = self.agent.site.clone();
        let _site = hub.lock_site(&site).await;
        match store::accept(&self.state.db, &site, id, self.agent.id).await? {
            Accept::Accepted => {
                {
                    let _conversation = hub.lock_conversation(id).await;
                    let upto = hub.follow(id).await?;
                    hub.left_queue(id);
                    match self.snapshot(id, upto).await? {
                        Some(snapshot) => hub.synced(self.agent.id, id, &snapshot),
                        None => hub.sync(self.agent.id, id),
                    }
                    let joined = ServerMessage::AgentJoined {
                        name: self.agent.name.clone(),
                    };
                    hub.to_shoppers(id, &joined, None);
                }
                let accepted = AgentServerMessage::Accepted {
                    conversation: id.to_owned(),
                    by: self.agent.name.clone(),
                };
                hub.to_site_agents(&site, &accepted);
                tracing::info!(
                    site,
                    conversation = id,
                    agent = self.agent.id,
                    "conversation accepted"
                );
                hub.notify_queue(&site).await?;
                io.flush().await;
            }
            Accept::Taken => {
                tracing::info!(
                    site,
                    conversation = id,
                    agent = self.agent.id,
                    "accept lost the race"
                );
                io.error(
                    ProtocolError::AlreadyTaken,
                    "another agent accepted this conversation first",
                )
                .await;
            }
            Accept::NotFound => not_found(io).await,
        }
        Ok(())
    }

    /// `send`: store, acknowledge, fan out to the shopper and the agent's other tabs.
    async fn send(
        &mut self,
        conn: ConnId,
        id: &str,
        client_id: String,
        text: &str,
        io: &mut Io<'_>,
    ) -> anyhow::Result<()> {
        if let Some((code, message)) = check_message(&client_id, text) {
            io.error(code, message).await;
            return Ok(());
        }
        if !self.sends.allow(Instant::now()) {
            io.error(
                ProtocolError::RateLimited,
                "too many messages; resend in a few seconds",
            )
            .await;
            return Ok(());
        }
        let db = &self.state.db;
        let _conversation = self.state.chat.lock_conversation(id).await;
        let Some(c) = store::get(db, &self.agent.site, id)
            .await?
            .filter(|c| c.agent_id == Some(self.agent.id))
        else {
            not_found(io).await;
            return Ok(());
        };
        let appended = if c.state == ConversationStatus::Active {
            let writer = Writer::Agent(self.agent.id, &self.agent.name);
            Some(store::append(db, id, writer, &client_id, text).await?)
        } else {
            store::seq_of(db, id, Party::Agent, &client_id)
                .await?
                .map(Appended::Duplicate)
        };
        let conversation = id.to_owned();
        match appended {
            None => {
                io.error(
                    ProtocolError::ConversationClosed,
                    "this conversation is closed",
                )
                .await;
            }
            Some(Appended::Duplicate(seq)) => {
                let ack = AgentServerMessage::Ack {
                    conversation,
                    client_id,
                    seq,
                };
                io.send(&ack).await;
            }
            Some(Appended::New(message)) => {
                let ack = AgentServerMessage::Ack {
                    conversation,
                    client_id,
                    seq: message.seq,
                };
                // Fan out first: with a bus, it queues for this socket too the
                // other nodes' messages numbered before this one (read from
                // the store), and the ack's write flushes them ahead of it.
                self.state
                    .chat
                    .fan_out(id, &message, None, Some(conn))
                    .await;
                io.send(&ack).await;
                // If the shopper is gone by then (or leaving right now, their
                // close still in flight) and has not read it, email them the
                // answer; one check per conversation is pending at a time.
                let state = self.state.clone();
                let (site, conversation) = (self.agent.site.clone(), id.to_owned());
                self.state.chat.after_missed_reply(id, move |_| async move {
                    if let Err(e) = missed_reply(&state, &site, &conversation).await {
                        tracing::warn!(site, conversation, error = %e, "missed-reply email failed");
                    }
                });
            }
        }
        Ok(())
    }

    /// `close`: the shopper is asked for a rating; the tags are stored.
    async fn close(&mut self, id: &str, tags: Vec<String>, io: &mut Io<'_>) -> anyhow::Result<()> {
        let hub = self.state.chat.clone();
        let db = &self.state.db;
        let _conversation = hub.lock_conversation(id).await;
        if !store::close_by_agent(db, &self.agent.site, id, self.agent.id, &tags).await? {
            let closed = store::get(db, &self.agent.site, id)
                .await?
                .is_some_and(|c| {
                    c.agent_id == Some(self.agent.id) && c.state == ConversationStatus::Closed
                });
            if closed {
                io.error(ProtocolError::ConversationClosed, "already closed")
                    .await;
            } else {
                not_found(io).await;
            }
            return Ok(());
        }
        hub.closed(id);
        let to_shopper = ServerMessage::Closed {
            by: Party::Agent,
            rate: true,
        };
        hub.to_shoppers(id, &to_shopper, None);
        let to_agents = AgentServerMessage::Closed {
            conversation: id.to_owned(),
            by: Party::Agent,
        };
        hub.to_agents_of(id, &to_agents, None);
        hub.unsync(id);
        tracing::info!(
            site = self.agent.site,
            conversation = id,
            ?tags,
            "agent closed the conversation"
        );
        io.flush().await;
        Ok(())
    }

    /// `transfer`: back to the queue, for any agent of the site.
    async fn transfer(&mut self, id: &str, io: &mut Io<'_>) -> anyhow::Result<()> {
        let hub = self.state.chat.clone();
        let site = self.agent.site.clone();
        let _site = hub.lock_site(&site).await;
        {
            let _conversation = hub.lock_conversation(id).await;
            if !store::transfer(&self.state.db, &site, id, self.agent.id).await? {
                not_found(io).await;
                return Ok(());
            }
            let transferred = AgentServerMessage::Transferred {
                conversation: id.to_owned(),
            };
            hub.to_agents_of(id, &transferred, None);
            hub.unsync(id);
        }
        tracing::info!(
            site,
            conversation = id,
            agent = self.agent.id,
            "conversation back in the queue"
        );
        hub.notify_queue(&site).await?;
        io.flush().await;
        Ok(())
    }
}

async fn not_found(io: &mut Io<'_>) {
    io.error(
        ProtocolError::NotFound,
        "no such conversation among yours on this site",
    )
    .await;
}

impl Peer for AgentPeer {
    type Incoming = AgentClientMessage;

    async fn handle(&mut self, message: AgentClientMessage, io: &mut Io<'_>) -> Flow {
        match self.dispatch(message, io).await {
            Ok(flow) => flow,
            Err(e) => {
                tracing::error!(agent = self.agent.id, error = %e, "agent message failed");
                io.error(ProtocolError::Internal, "server error; retry")
                    .await;
                Flow::Continue
            }
        }
    }

    async fn leave(self) {
        if let Some(conn) = self.conn {
            // The hub starts the grace timers (the agent's conversations, the
            // site's waiting shoppers) when this was the last connection.
            let hub = self.state.chat.clone();
            hub.remove_agent(conn);
            hub.record_presence(conn).await;
            hub.queue_changed(&self.agent.site).await;
        }
    }
}

/// Most unseen agent messages one "missed reply" email quotes.
const MISSED_LINES: i64 = 20;

/// Emails the shopper of conversation `id` the agent's messages they have
/// not seen, if they still have no connection open, gave an email and the
/// site sends email (one such email per conversation: the outbox keeps one
/// `missed_reply` per reference).
async fn missed_reply(state: &crate::AppState, site: &str, id: &str) -> anyhow::Result<()> {
    if state.chat.shopper_connected(id) {
        return Ok(());
    }
    // With several nodes their socket may be on another one.
    if state.chat.bus().is_some() && super::cluster::store::shopper_connected(&state.db, id).await?
    {
        return Ok(());
    }
    let Some(entry) = state.sites.get(site) else {
        return Ok(());
    };
    let row = store::missed_reply_facts(&state.db, site, id).await?;
    let Some((Some(email), locale, read, Some(agent))) = row else {
        return Ok(());
    };
    // Typed by the shopper's browser: only a well-formed address is written to.
    let Ok(email) = aisle_core::order::normalize_email(&email) else {
        return Ok(());
    };
    let lines = store::agent_lines_after(&state.db, id, read, MISSED_LINES).await?;
    let lang = aisle_core::locale::Locale::of(&locale);
    crate::email::missed_reply(state, &entry, lang, id, &email, &agent, &lines).await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::same_origin;

    #[test]
    fn only_this_servers_own_pages_may_open_the_console_socket() {
        assert!(same_origin("http://127.0.0.1:8080", Some("127.0.0.1:8080")));
        assert!(same_origin("https://Aisle.example/", Some("aisle.example")));
        assert!(!same_origin("https://evil.example", Some("aisle.example")));
        assert!(!same_origin("null", Some("aisle.example")));
        assert!(!same_origin("https://aisle.example", None));
    }
}
