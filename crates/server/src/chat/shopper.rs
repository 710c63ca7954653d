//! The shopper's side of live handoff, on `/ws/v1?site=ID`: start a
//! conversation (or hear that nobody is there), send messages that are stored
//! before they are acknowledged, and resume after a reload, a network drop or
//! a server restart from the last sequence number seen.

use super::check_message;
use super::connection::{Flow, Io, Peer};
use super::hub::{AddressSlot, ConnId, Handle};
use super::store::{self, Appended, Conversation, Writer};
use crate::AppState;
use crate::db::now;
use aisle_core::protocol::{
    AgentServerMessage, ChatContext, ChatMessage, ClientMessage, ConversationState,
    ConversationStatus, MAX_TRANSCRIPT_EMAILS, OfflineReason, PROTOCOL_VERSION, Party,
    ProtocolError, QueueSummary, ServerMessage, is_client_token,
};

/// Messages replayed per database page on resume.
const REPLAY_PAGE: i64 = 200;

/// Newest messages of a conversation read for its transcript email.
const TRANSCRIPT_MESSAGES: u32 = 300;

/// One shopper connection.
pub struct ShopperPeer {
    state: AppState,
    site: String,
    conn: ConnId,
    greeted: bool,
    conversation: Option<String>,
    /// Conversations this connection started.
    starts: u32,
    /// Counts this socket against its client address.
    slot: AddressSlot,
}

/// A stored message as the shopper sees it (their own `client_id` only).
fn shopper_view(mut message: ChatMessage) -> ServerMessage {
    if message.author != Party::Shopper {
        message.client_id = None;
    }
    ServerMessage::Message(message)
}

impl ShopperPeer {
    /// For a site whose orders live in the merchant's store, the proven
    /// email's orders come from there (the demo tables know none of them).
    /// A store that is slow or down leaves the list empty rather than hold
    /// the shopper's start.
    async fn store_orders(&self, context: &mut aisle_core::protocol::ChatContext) {
        use crate::stores::OrderSource;
        let Some(site) = self.state.sites.get(&self.site) else {
            return;
        };
        let email = context.email.clone().filter(|_| context.email_verified);
        let Some(email) = email.filter(|_| !site.config.order_source.is_demo()) else {
            return;
        };
        let source = crate::stores::of(&self.state, &site);
        let wait = std::time::Duration::from_secs(3);
        match tokio::time::timeout(wait, source.orders_of(&email)).await {
            Ok(Ok(orders)) => {
                context.verified_orders = orders.into_iter().map(|(number, _)| number).collect();
                context.clip();
            }
            Ok(Err(e)) => {
                tracing::info!(site = self.site, error = %e, "the store's orders are not in the chat context")
            }
            Err(_) => tracing::info!(
                site = self.site,
                "the store was too slow; its orders are not in the chat context"
            ),
        }
    }
    /// A connection to `site` from the address of `slot`, registered with the hub.
    pub fn new(state: AppState, site: String, handle: Handle, slot: AddressSlot) -> Self {
        let conn = state.chat.add_shopper(&site, handle);
        ShopperPeer {
            state,
            site,
            conn,
            greeted: false,
            conversation: None,
            starts: 0,
            slot,
        }
    }

    async fn dispatch(&mut self, message: ClientMessage, io: &mut Io<'_>) -> anyhow::Result<Flow> {
        match message {
            ClientMessage::Hello { resume, last_seq } if !self.greeted => {
                self.greeted = true;
                self.hello(resume, last_seq, io).await?;
            }
            ClientMessage::Hello { .. } => return Ok(io.unexpected().await),
            _ if !self.greeted => return Ok(io.unexpected().await),
            ClientMessage::Ping { nonce } => {
                io.send(&ServerMessage::Pong { nonce }).await;
            }
            ClientMessage::Start {
                locale,
                context,
                resume,
            } => self.start(&locale, *context, resume, io).await?,
            ClientMessage::Send { client_id, text } => self.send(client_id, &text, io).await?,
            ClientMessage::Typing { typing } => {
                if let Some(id) = &self.conversation {
                    let typing = AgentServerMessage::Typing {
                        conversation: id.clone(),
                        typing,
                    };
                    self.state.chat.to_agents_of(id, &typing, None);
                }
            }
            ClientMessage::Read { seq } => {
                if let Some(id) = &self.conversation {
                    let seq = store::mark_read(&self.state.db, id, Party::Shopper, seq).await?;
                    let read = AgentServerMessage::Read {
                        conversation: id.clone(),
                        seq,
                    };
                    self.state.chat.to_agents_of(id, &read, None);
                }
            }
            ClientMessage::End => self.end(io).await?,
            ClientMessage::Rate { score } => self.rate(score, io).await?,
            ClientMessage::EmailTranscript { email } => self.email_transcript(&email, io).await?,
        }
        Ok(Flow::Continue)
    }

    /// `hello`: a fresh start, or re-attaching to the conversation of `resume`
    /// with every message after `last_seq`.
    async fn hello(
        &mut self,
        resume: Option<String>,
        last_seq: u64,
        io: &mut Io<'_>,
    ) -> anyhow::Result<()> {
        let db = &self.state.db;
        let found = match resume.as_deref() {
            Some(token) => store::by_resume(db, &self.site, token).await?,
            None => None,
        };
        let Some(before) = found else {
            if resume.is_some() {
                tracing::info!(site = self.site, "unknown resume token; fresh start");
            }
            io.send(&ServerMessage::Welcome {
                protocol: PROTOCOL_VERSION,
                conversation: None,
            })
            .await;
            return Ok(());
        };
        io.send(&ServerMessage::Welcome {
            protocol: PROTOCOL_VERSION,
            conversation: Some(ConversationState {
                id: before.id.clone(),
                state: before.state,
                agent: before.agent_name.clone(),
                last_seq: before.last_seq,
                agent_read: before.agent_read,
            }),
        })
        .await;
        self.rejoin(before, last_seq, io).await
    }

    /// Attaches this connection to conversation `before` (as it was when
    /// found): every message after `last_seq`, then live ones, and where it stands.
    async fn rejoin(
        &mut self,
        before: Conversation,
        last_seq: u64,
        io: &mut Io<'_>,
    ) -> anyhow::Result<()> {
        let db = &self.state.db;
        let id = before.id.clone();
        // Replay what the widget missed without holding up the conversation…
        let mut cursor = last_seq;
        loop {
            let page = store::messages_after(db, &id, cursor, REPLAY_PAGE).await?;
            let full = page.len() as i64 == REPLAY_PAGE;
            for message in page {
                cursor = message.seq;
                io.send(&shopper_view(message)).await;
            }
            if !full {
                break;
            }
        }
        // …then, under its lock, the last few and go live: nothing in between is lost.
        let now = {
            let _conversation = self.state.chat.lock_conversation(&id).await;
            // With a bus: what this node has delivered; later ones come through its sequencer.
            let upto = self.state.chat.follow(&id).await?;
            for message in store::messages_after(db, &id, cursor, i64::MAX).await? {
                if upto.is_some_and(|upto| message.seq > upto) {
                    break;
                }
                io.send(&shopper_view(message)).await;
            }
            self.state.chat.attach(self.conn, &id);
            store::get(db, &self.site, &id)
                .await?
                .unwrap_or(before.clone())
        };
        self.conversation = Some(id.clone());
        tracing::info!(
            site = self.site,
            conversation = id,
            last_seq,
            "shopper resumed"
        );
        match now.state {
            ConversationStatus::Waiting => self.state.chat.tell_position(&self.site, &id).await?,
            ConversationStatus::Active => {
                if before.state != ConversationStatus::Active {
                    let name = now.agent_name.clone().unwrap_or_default();
                    io.send(&ServerMessage::AgentJoined { name }).await;
                }
            }
            ConversationStatus::Closed if unanswered(&now) => {
                // Nobody came (the shopper left, or no agent was online):
                // the message form, with what they wrote.
                let text = store::shopper_text(db, &id).await?;
                io.send(&ServerMessage::Offline {
                    reason: OfflineReason::NoAgentOnline,
                    text,
                })
                .await;
            }
            ConversationStatus::Closed => {
                io.send(&closed(&now)).await;
            }
        }
        io.flush().await;
        Ok(())
    }

    /// `start`: a new waiting conversation, or `offline` when nobody can answer.
    async fn start(
        &mut self,
        locale: &str,
        mut context: ChatContext,
        resume: Option<String>,
        io: &mut Io<'_>,
    ) -> anyhow::Result<()> {
        let db = &self.state.db;
        if resume.as_deref().is_some_and(|r| !is_client_token(r)) {
            io.error(
                ProtocolError::Invalid,
                "resume must be 32 to 128 characters A-Z a-z 0-9 - _",
            )
            .await;
            return Ok(());
        }
        if let Some(id) = &self.conversation {
            let open = store::get(db, &self.site, id)
                .await?
                .is_some_and(|c| c.state != ConversationStatus::Closed);
            if open {
                io.error(
                    ProtocolError::AlreadyStarted,
                    "a conversation is open on this connection",
                )
                .await;
                return Ok(());
            }
        }
        if let Some(token) = resume.as_deref()
            && let Some(found) = store::by_resume(db, &self.site, token).await?
        {
            // `started` got lost and the widget asks again: the same conversation.
            tracing::info!(
                site = self.site,
                conversation = found.id,
                "start repeated: same conversation"
            );
            io.send(&ServerMessage::Started {
                conversation: found.id.clone(),
                resume: token.to_owned(),
            })
            .await;
            return self.rejoin(found, 0, io).await;
        }
        let open_now = self
            .state
            .sites
            .get(&self.site)
            .is_none_or(|site| site.config.open_at(now()));
        if !open_now {
            tracing::info!(
                site = self.site,
                "chat requested outside business hours: offline"
            );
            io.send(&ServerMessage::Offline {
                reason: OfflineReason::OutsideBusinessHours,
                text: None,
            })
            .await;
            return Ok(());
        }
        let hub = self.state.chat.clone();
        let _site = hub.lock_site(&self.site).await;
        if hub.online(&self.site).await? == 0 {
            tracing::info!(
                site = self.site,
                "chat requested with no agent online: offline"
            );
            io.send(&ServerMessage::Offline {
                reason: OfflineReason::NoAgentOnline,
                text: None,
            })
            .await;
            return Ok(());
        }
        let limits = hub.limits();
        if self.starts >= limits.starts_per_socket || !hub.may_open(self.slot.address()) {
            tracing::info!(
                site = self.site,
                starts = self.starts,
                "start refused: conversation limit reached"
            );
            io.error(
                ProtocolError::TooMany,
                "too many conversations from here; finish one first",
            )
            .await;
            return Ok(());
        }
        context.locale = Some(locale.chars().take(35).collect());
        store::enrich_context(db, &self.site, &mut context).await?;
        self.store_orders(&mut context).await;
        let (id, resume) =
            store::create(db, &self.site, locale, &context, resume.as_deref()).await?;
        self.starts += 1;
        hub.queued(&id, QueueSummary::of(&context));
        hub.opened(self.slot.address(), &id);
        {
            let _conversation = hub.lock_conversation(&id).await;
            hub.follow(&id).await?;
            hub.attach(self.conn, &id);
        }
        self.conversation = Some(id.clone());
        tracing::info!(
            site = self.site,
            conversation = id,
            priority = context.priority().as_str(),
            "conversation started"
        );
        io.send(&ServerMessage::Started {
            conversation: id,
            resume,
        })
        .await;
        hub.notify_queue(&self.site).await
    }

    /// `send`: store, acknowledge, fan out; a resend gets the first ack again.
    async fn send(&mut self, client_id: String, text: &str, io: &mut Io<'_>) -> anyhow::Result<()> {
        let Some(id) = self.conversation.clone() else {
            io.error(ProtocolError::NotStarted, "start a conversation first")
                .await;
            return Ok(());
        };
        if let Some((code, message)) = check_message(&client_id, text) {
            io.error(code, message).await;
            return Ok(());
        }
        if !self.state.chat.allow_send(&id) || self.state.chat.sends_full_in_cluster(&id).await? {
            io.error(
                ProtocolError::RateLimited,
                "too many messages; resend in a few seconds",
            )
            .await;
            return Ok(());
        }
        let db = &self.state.db;
        let _conversation = self.state.chat.lock_conversation(&id).await;
        let closed = store::get(db, &self.site, &id)
            .await?
            .is_none_or(|c| c.state == ConversationStatus::Closed);
        // A closed conversation still acknowledges what it stored before closing.
        let appended = if closed {
            store::seq_of(db, &id, Party::Shopper, &client_id)
                .await?
                .map(Appended::Duplicate)
        } else {
            Some(store::append(db, &id, Writer::Shopper, &client_id, text).await?)
        };
        match appended {
            None => {
                io.error(
                    ProtocolError::ConversationClosed,
                    "this conversation is closed",
                )
                .await;
            }
            Some(Appended::Duplicate(seq)) => {
                io.send(&ServerMessage::Ack { client_id, seq }).await;
            }
            Some(Appended::New(message)) => {
                let seq = message.seq;
                let hub = &self.state.chat;
                // Fan out first: with a bus, it queues for this socket too the
                // other nodes' messages numbered before this one (read from
                // the store), and the ack's write flushes them ahead of it.
                hub.fan_out(&id, &message, Some(self.conn), None).await;
                io.send(&ServerMessage::Ack { client_id, seq }).await;
                // Still waiting: agents see what was asked in the queue.
                hub.preview(&self.site, &id, &message.text);
            }
        }
        Ok(())
    }

    /// `end`: the shopper closes the conversation.
    async fn end(&mut self, io: &mut Io<'_>) -> anyhow::Result<()> {
        let Some(id) = self.conversation.clone() else {
            io.error(ProtocolError::NotStarted, "no conversation to end")
                .await;
            return Ok(());
        };
        let hub = self.state.chat.clone();
        let db = &self.state.db;
        let _site = hub.lock_site(&self.site).await;
        let Some(before) = store::get(db, &self.site, &id).await? else {
            return Ok(());
        };
        if before.state == ConversationStatus::Closed {
            io.send(&closed(&before)).await;
            return Ok(());
        }
        {
            let _conversation = hub.lock_conversation(&id).await;
            store::close_by_shopper(db, &id).await?;
            hub.closed(&id);
            let message = ServerMessage::Closed {
                by: Party::Shopper,
                rate: before.agent_id.is_some(),
            };
            io.send(&message).await;
            hub.to_shoppers(&id, &message, Some(self.conn));
            let closed = AgentServerMessage::Closed {
                conversation: id.clone(),
                by: Party::Shopper,
            };
            hub.to_agents_of(&id, &closed, None);
            hub.unsync(&id);
        }
        tracing::info!(
            site = self.site,
            conversation = id,
            "shopper ended the conversation"
        );
        if before.state == ConversationStatus::Waiting {
            hub.notify_queue(&self.site).await?;
        }
        Ok(())
    }

    /// `email_transcript`: queues a copy of the conversation for `email`, in
    /// the shopper's language; at most [`MAX_TRANSCRIPT_EMAILS`] per
    /// conversation (and the outbox's limit per address and day).
    async fn email_transcript(&mut self, email: &str, io: &mut Io<'_>) -> anyhow::Result<()> {
        let Some(id) = self.conversation.clone() else {
            io.error(ProtocolError::NotStarted, "no conversation to send")
                .await;
            return Ok(());
        };
        let Ok(email) = aisle_core::order::normalize_email(email) else {
            io.error(ProtocolError::Invalid, "not an email address")
                .await;
            return Ok(());
        };
        let Some(site) = self
            .state
            .sites
            .get(&self.site)
            .filter(|site| site.config.email.is_some())
        else {
            io.error(ProtocolError::EmailUnavailable, "this store sends no email")
                .await;
            return Ok(());
        };
        let db = &self.state.db;
        // Two tabs asking at once count once each, never past the limit.
        let _conversation = self.state.chat.lock_conversation(&id).await;
        let asked = crate::email::store::transcripts_of(db, &self.site, &id).await?;
        if asked >= i64::from(MAX_TRANSCRIPT_EMAILS) {
            io.error(
                ProtocolError::TooMany,
                format!("at most {MAX_TRANSCRIPT_EMAILS} transcript emails per conversation"),
            )
            .await;
            return Ok(());
        }
        let Some(conversation) = store::get(db, &self.site, &id).await? else {
            io.error(ProtocolError::NotStarted, "no conversation to send")
                .await;
            return Ok(());
        };
        let (messages, older) =
            store::messages_before(db, &id, u64::MAX, TRANSCRIPT_MESSAGES).await?;
        let lines: Vec<crate::email::compose::TranscriptLine> = messages
            .into_iter()
            .filter(|m| m.author != Party::System)
            .map(|m| crate::email::compose::TranscriptLine {
                agent: (m.author == Party::Agent)
                    .then(|| m.name.clone().unwrap_or_else(|| site.name.clone())),
                text: m.text,
            })
            .collect();
        let locale = conversation.context.locale.as_deref().unwrap_or("en");
        let lang = aisle_core::locale::Locale::of(locale);
        crate::email::transcript(&self.state, &site, lang, &id, &email, &lines, older).await;
        io.send(&ServerMessage::TranscriptQueued { email }).await;
        tracing::info!(
            site = self.site,
            conversation = id,
            "transcript email queued"
        );
        Ok(())
    }

    /// `rate`: CSAT of a conversation an agent answered and that is closed.
    async fn rate(&mut self, score: u8, io: &mut Io<'_>) -> anyhow::Result<()> {
        let Some(id) = self.conversation.clone() else {
            io.error(ProtocolError::NotStarted, "no conversation to rate")
                .await;
            return Ok(());
        };
        if !(1..=5).contains(&score) {
            io.error(ProtocolError::InvalidRating, "rate from 1 to 5")
                .await;
            return Ok(());
        }
        let db = &self.state.db;
        if !store::rate(db, &id, score).await? {
            io.error(
                ProtocolError::InvalidRating,
                "only a closed conversation with an agent can be rated",
            )
            .await;
            return Ok(());
        }
        io.send(&ServerMessage::Rated { score }).await;
        if let Some(agent) = store::get(db, &self.site, &id)
            .await?
            .and_then(|c| c.agent_id)
        {
            let rated = AgentServerMessage::Rated {
                conversation: id.clone(),
                score,
            };
            self.state.chat.to_agent(agent, &rated);
        }
        tracing::info!(
            site = self.site,
            conversation = id,
            score,
            "conversation rated"
        );
        Ok(())
    }
}

/// Whether a closed conversation ended without an agent ever answering
/// (Aisle closed it: the shopper left, or no agent was online).
fn unanswered(conversation: &Conversation) -> bool {
    conversation.closed_by == Some(Party::System) && conversation.agent_id.is_none()
}

/// The `closed` frame for a closed conversation.
fn closed(conversation: &Conversation) -> ServerMessage {
    ServerMessage::Closed {
        by: conversation.closed_by.unwrap_or(Party::System),
        rate: conversation.wants_rating(),
    }
}

impl Peer for ShopperPeer {
    type Incoming = ClientMessage;

    async fn handle(&mut self, message: ClientMessage, io: &mut Io<'_>) -> Flow {
        match self.dispatch(message, io).await {
            Ok(flow) => flow,
            Err(e) => {
                tracing::error!(site = self.site, error = %e, "shopper message failed");
                io.error(ProtocolError::Internal, "server error; retry")
                    .await;
                Flow::Continue
            }
        }
    }

    async fn leave(self) {
        self.state.chat.remove_shopper(self.conn);
    }
}
