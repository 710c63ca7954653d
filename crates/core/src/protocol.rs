//! The WebSocket wire protocol between widget (or console) and server.
//!
//! One JSON text frame per message, one tagged enum per direction
//! (`{"type": "hello", ...}`). The protocol version is part of the URL the
//! client connects to ([`ws_path`]), so a server can speak several versions
//! while widgets cached in shoppers' browsers catch up.
//!
//! Shoppers speak [`ClientMessage`] / [`ServerMessage`] on `/ws/v1?site=ID`;
//! agents speak [`AgentClientMessage`] / [`AgentServerMessage`] on
//! `/ws/v1/agent`. Every chat message carries the sender's `client_id`; the
//! server stores it before acknowledging it with a per-conversation sequence
//! number, so a client that reconnects resumes after its last seen sequence
//! number and resends what was not acknowledged, without loss or duplicates.

use crate::assist::Action;
use serde::{Deserialize, Serialize};

/// The protocol version this build speaks.
pub const PROTOCOL_VERSION: u32 = 1;

/// Largest text frame the server accepts, in bytes; larger frames close the
/// connection. Frames to shoppers stay below it; the console's full
/// [`AgentServerMessage::Conversation`] may be larger.
pub const MAX_FRAME_BYTES: usize = 16 * 1024;

/// Path of the WebSocket endpoint for a protocol version (`/ws/v1`).
/// The site id travels in the query (`/ws/v1?site=demo`) so the server can
/// check the page's origin against the site before accepting the upgrade.
pub fn ws_path(version: u32) -> String {
    format!("/ws/v{version}")
}

/// Path of the agents' WebSocket endpoint for a protocol version (`/ws/v1/agent`).
/// It needs a logged-in agent (the `aisle_agent` cookie or a bearer token).
pub fn agent_ws_path(version: u32) -> String {
    format!("/ws/v{version}/agent")
}

/// Longest chat message, in characters (Unicode scalar values). Longer text is
/// refused with [`ProtocolError::TooLong`]; the connection stays open.
pub const MAX_MESSAGE_CHARS: usize = 2000;

/// Longest `client_id`, in bytes.
pub const MAX_CLIENT_ID_BYTES: usize = 64;

/// Cart value from which a shopper is [`Priority::HighCart`], in the cart's
/// minor units (10 000 = 100.00).
pub const HIGH_CART_MINOR: u64 = 10_000;

/// Messages the widget sends to the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientMessage {
    /// First frame on every connection. With `resume` (the token of
    /// [`ServerMessage::Started`]) the connection re-attaches to that
    /// conversation and receives every message with a sequence number above
    /// `last_seq`, then live ones. `{"type":"hello"}` alone is a fresh start.
    Hello {
        /// Resume token of an earlier conversation.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        resume: Option<String>,
        /// Highest sequence number the widget has seen (0: none).
        #[serde(default)]
        last_seq: u64,
    },
    /// Asks for a person. Answered by [`ServerMessage::Started`] and
    /// [`ServerMessage::Queue`], or by [`ServerMessage::Offline`] when nobody
    /// is there to answer.
    Start {
        /// BCP 47 tag of the shopper's language.
        locale: String,
        /// What the agent should see about the shopper.
        #[serde(default)]
        context: Box<ChatContext>,
        /// A resume token the widget made up ([`is_client_token`]: 32 to 128
        /// characters `A-Z a-z 0-9 - _`, random) and saved before sending
        /// `start`: if [`ServerMessage::Started`] never arrives, `hello` with
        /// it (or `start` again with it) finds the conversation. Absent: the
        /// server makes one up.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        resume: Option<String>,
    },
    /// A message from the shopper. Answered by [`ServerMessage::Ack`] once it
    /// is stored; resending the same `client_id` is answered with the same ack
    /// and stores nothing new.
    Send {
        /// Id the widget gave this message (unique within the conversation).
        client_id: String,
        /// The text, at most [`MAX_MESSAGE_CHARS`] characters.
        text: String,
    },
    /// The shopper started or stopped typing.
    Typing {
        /// Whether they are typing now.
        typing: bool,
    },
    /// The shopper has read every message up to `seq`.
    Read {
        /// Highest sequence number read.
        seq: u64,
    },
    /// The shopper ends the conversation.
    End,
    /// The shopper rates a conversation an agent closed (CSAT).
    Rate {
        /// 1 (bad) to 5 (great).
        score: u8,
    },
    /// Liveness probe; the server answers [`ServerMessage::Pong`] with the same nonce.
    Ping {
        /// Echoed back.
        nonce: u64,
    },
    /// The shopper asks for a copy of the conversation by email. Answered by
    /// [`ServerMessage::TranscriptQueued`], or by an error: `not_started` (no
    /// conversation yet), `invalid` (not an email address), `email_unavailable`
    /// (the store sends no email), `too_many` (at most
    /// [`MAX_TRANSCRIPT_EMAILS`] per conversation; an address also gets at most
    /// ten automatic emails a day from one store).
    EmailTranscript {
        /// Where to send it.
        email: String,
    },
}

/// Transcript emails one conversation may ask for ([`ClientMessage::EmailTranscript`]).
pub const MAX_TRANSCRIPT_EMAILS: u32 = 3;

/// Messages the server sends to the widget.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerMessage {
    /// Answer to [`ClientMessage::Hello`]: the connection is ready.
    Welcome {
        /// The protocol version the server speaks on this connection.
        protocol: u32,
        /// The resumed conversation; absent for a fresh start or an unknown
        /// resume token (the widget then forgets the token).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        conversation: Option<ConversationState>,
    },
    /// A conversation was created for [`ClientMessage::Start`].
    Started {
        /// The conversation id.
        conversation: String,
        /// Secret that re-attaches a later connection (`hello.resume`); keep it
        /// in session storage, never in a URL.
        resume: String,
    },
    /// The shopper is waiting; sent on start and whenever the queue changes.
    Queue {
        /// 1 = next to be answered.
        position: u32,
        /// From recent first-response times and the agents online; `None`
        /// without history or without agents.
        expected_wait_seconds: Option<u32>,
        /// Agents online for this site.
        agents_online: u32,
    },
    /// Nobody can answer now: the widget offers the message form instead.
    /// Also sent to shoppers who waited while the last agent left for longer
    /// than the grace period (their conversation is then closed).
    Offline {
        /// Why.
        reason: OfflineReason,
        /// What the shopper wrote while waiting (at most
        /// [`MAX_MESSAGE_CHARS`] characters), to prefill the message form.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        text: Option<String>,
    },
    /// A message of the conversation (the agent's, or the shopper's from another tab).
    Message(ChatMessage),
    /// The shopper's message `client_id` is stored as `seq`.
    Ack {
        /// The widget's id of the message.
        client_id: String,
        /// Its sequence number in the conversation.
        seq: u64,
    },
    /// The agent started or stopped typing.
    Typing {
        /// Whether they are typing now.
        typing: bool,
        /// The agent's display name.
        name: Option<String>,
    },
    /// The agent has read every message up to `seq`.
    Read {
        /// Highest sequence number read.
        seq: u64,
    },
    /// An agent took the conversation.
    AgentJoined {
        /// The agent's display name.
        name: String,
    },
    /// The conversation is over.
    Closed {
        /// Who ended it.
        by: Party,
        /// Whether to ask the shopper for a rating ([`ClientMessage::Rate`]).
        rate: bool,
    },
    /// The rating is stored.
    Rated {
        /// The score stored.
        score: u8,
    },
    /// Answer to [`ClientMessage::Ping`].
    Pong {
        /// The nonce of the ping.
        nonce: u64,
    },
    /// The transcript asked for by [`ClientMessage::EmailTranscript`] is on its
    /// way (queued for the store's mail server, retried while it is down).
    TranscriptQueued {
        /// The address it goes to, as normalised.
        email: String,
    },
    /// The server rejects the last frame; fatal errors are followed by a close frame.
    Error {
        /// Stable reason, for programs.
        code: ProtocolError,
        /// Human-readable detail, in English.
        message: String,
    },
}

/// A resumed conversation, in [`ServerMessage::Welcome`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationState {
    /// The conversation id.
    pub id: String,
    /// Waiting, active or closed.
    pub state: ConversationStatus,
    /// The agent's display name once one joined.
    pub agent: Option<String>,
    /// Highest sequence number stored so far.
    pub last_seq: u64,
    /// The agent has read the shopper's messages up to this sequence number.
    pub agent_read: u64,
}

/// Where a conversation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConversationStatus {
    /// In the queue, no agent yet.
    Waiting,
    /// An agent is answering.
    Active,
    /// Over.
    Closed,
}

/// Who wrote a message or ended a conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Party {
    /// The shopper.
    Shopper,
    /// An agent.
    Agent,
    /// Aisle itself (notes in the transcript).
    System,
}

impl Party {
    /// The wire (and database) name.
    pub fn as_str(self) -> &'static str {
        match self {
            Party::Shopper => "shopper",
            Party::Agent => "agent",
            Party::System => "system",
        }
    }

    /// The party named `name` ([`Party::as_str`]).
    pub fn from_name(name: &str) -> Option<Party> {
        match name {
            "shopper" => Some(Party::Shopper),
            "agent" => Some(Party::Agent),
            "system" => Some(Party::System),
            _ => None,
        }
    }
}

/// Why [`ServerMessage::Offline`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OfflineReason {
    /// No agent of the site is online.
    NoAgentOnline,
    /// The store is outside its business hours.
    OutsideBusinessHours,
}

/// One stored message of a conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatMessage {
    /// Position in the conversation, from 1, without gaps.
    pub seq: u64,
    /// The sender's id of the message: the shopper's own messages carry it
    /// for the shopper, the agent's for the agent; otherwise `None`.
    pub client_id: Option<String>,
    /// Who wrote it.
    pub author: Party,
    /// The agent's display name for agent messages.
    pub name: Option<String>,
    /// The text as typed (render as text, never as HTML).
    pub text: String,
    /// When it was stored, Unix seconds.
    pub at: i64,
}

/// What the agent sees about the shopper, sent with [`ClientMessage::Start`].
///
/// The server replaces `verified_orders`, `assist_steps` and (when proven)
/// `email` with what the self-service session `assist_session` holds, and
/// never shows that session token to agents.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ChatContext {
    /// The page the shopper is on.
    pub page_url: Option<String>,
    /// Its title.
    pub page_title: Option<String>,
    /// Pages viewed before, oldest first.
    pub pages: Vec<String>,
    /// The cart, when the store exposes it.
    pub cart: Option<Cart>,
    /// The self-service session token (`assist` replies' `session`).
    pub assist_session: Option<String>,
    /// Self-service steps taken, oldest first (filled by the server).
    pub assist_steps: Vec<String>,
    /// Orders the shopper proved (number + email), newest first (filled by the server).
    pub verified_orders: Vec<u32>,
    /// The campaign whose button started the chat.
    pub campaign: Option<String>,
    /// The shopper's email, if they gave or proved one.
    pub email: Option<String>,
    /// `email` is proven: it came from the self-service session (an order
    /// looked up with it, or the store's signed identity), not from the
    /// shopper's own claim (set by the server; a shopper's `true` is dropped).
    pub email_verified: bool,
    /// The shopper's language (BCP 47; filled by the server from `start`).
    pub locale: Option<String>,
}

/// The shopper's cart.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Cart {
    /// Total in minor units (cents).
    pub value_minor: u64,
    /// ISO 4217 code.
    pub currency: String,
    /// Lines of the cart.
    pub items: Vec<CartItem>,
}

/// One line of a [`Cart`].
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct CartItem {
    /// Stock-keeping unit.
    pub sku: String,
    /// Product title.
    pub title: Option<String>,
    /// How many.
    pub quantity: u32,
}

/// Longest text field kept in a [`ChatContext`], in characters.
const MAX_CONTEXT_TEXT: usize = 500;
/// Most pages and cart lines kept in a [`ChatContext`].
const MAX_CONTEXT_ITEMS: usize = 30;

fn clip(text: &mut String) {
    if let Some((at, _)) = text.char_indices().nth(MAX_CONTEXT_TEXT) {
        text.truncate(at);
    }
}

impl ChatContext {
    /// Bounds every field (text length, list lengths; the newest pages are kept).
    pub fn clip(&mut self) {
        for text in [
            &mut self.page_url,
            &mut self.page_title,
            &mut self.assist_session,
            &mut self.campaign,
            &mut self.email,
        ]
        .into_iter()
        .flatten()
        {
            clip(text);
        }
        let extra = self.pages.len().saturating_sub(MAX_CONTEXT_ITEMS);
        self.pages.drain(..extra);
        self.pages.iter_mut().for_each(clip);
        self.assist_steps.truncate(MAX_CONTEXT_ITEMS * 2);
        self.verified_orders.truncate(MAX_CONTEXT_ITEMS);
        if let Some(cart) = &mut self.cart {
            cart.currency.truncate(cart.currency.floor_char_boundary(8));
            cart.items.truncate(MAX_CONTEXT_ITEMS);
            for item in &mut cart.items {
                clip(&mut item.sku);
                item.title.iter_mut().for_each(clip);
            }
        }
    }

    /// Where this shopper goes in the queue.
    pub fn priority(&self) -> Priority {
        if !self.verified_orders.is_empty() {
            Priority::Vip
        } else if self
            .cart
            .as_ref()
            .is_some_and(|c| c.value_minor >= HIGH_CART_MINOR)
        {
            Priority::HighCart
        } else if self
            .assist_steps
            .iter()
            .any(|step| Action::parse(step).order_flow().is_some())
        {
            // About an order they did not prove: after buyers-to-be.
            Priority::Normal
        } else {
            Priority::PreSale
        }
    }
}

/// Queue priority; waiting conversations are answered in this order, then by
/// waiting time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    /// A repeat customer: the shopper proved an order.
    Vip,
    /// Cart value of at least [`HIGH_CART_MINOR`].
    HighCart,
    /// No order: a question before buying.
    PreSale,
    /// About an order not proven in self-service.
    Normal,
}

impl Priority {
    /// The wire (and database) name.
    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Vip => "vip",
            Priority::HighCart => "high_cart",
            Priority::PreSale => "pre_sale",
            Priority::Normal => "normal",
        }
    }

    /// The priority named `name` ([`Priority::as_str`]).
    pub fn from_name(name: &str) -> Option<Priority> {
        match name {
            "vip" => Some(Priority::Vip),
            "high_cart" => Some(Priority::HighCart),
            "pre_sale" => Some(Priority::PreSale),
            "normal" => Some(Priority::Normal),
            _ => None,
        }
    }
}

/// Messages the agent console sends on [`agent_ws_path`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum AgentClientMessage {
    /// First frame; the agent is online from then on.
    Hello,
    /// Online (takes conversations, counts for shoppers) or away.
    Presence {
        /// `true`: online.
        online: bool,
    },
    /// Takes a waiting conversation. Answered by
    /// [`AgentServerMessage::Conversation`], or by an `already_taken` error
    /// when another agent was faster.
    Accept {
        /// Conversation id.
        conversation: String,
    },
    /// A reply to the shopper; answered by [`AgentServerMessage::Ack`] once stored.
    Send {
        /// Conversation id.
        conversation: String,
        /// Id the console gave this message (resends are deduplicated).
        client_id: String,
        /// The text, at most [`MAX_MESSAGE_CHARS`] characters.
        text: String,
    },
    /// The agent started or stopped typing.
    Typing {
        /// Conversation id.
        conversation: String,
        /// Whether they are typing now.
        typing: bool,
    },
    /// The agent has read the conversation up to `seq`.
    Read {
        /// Conversation id.
        conversation: String,
        /// Highest sequence number read.
        seq: u64,
    },
    /// Ends the conversation; the shopper is asked for a rating.
    Close {
        /// Conversation id.
        conversation: String,
        /// Labels for reporting (`shipping`, `refund`).
        #[serde(default)]
        tags: Vec<String>,
    },
    /// Puts the conversation back in the queue for another agent.
    Transfer {
        /// Conversation id.
        conversation: String,
    },
    /// Asks for the messages of one of the agent's conversations before
    /// sequence number `before` (scrolling up); answered by
    /// [`AgentServerMessage::History`].
    History {
        /// Conversation id.
        conversation: String,
        /// Messages with a sequence number below this one.
        before: u64,
    },
    /// Liveness probe.
    Ping {
        /// Echoed back.
        nonce: u64,
    },
}

/// A waiting conversation in [`AgentServerMessage::Queue`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueEntry {
    /// Conversation id.
    pub conversation: String,
    /// When the shopper asked, Unix seconds.
    pub waiting_since: i64,
    /// Queue priority (the list is already in answering order).
    pub priority: Priority,
    /// A short summary of what the shopper shared; the full context comes
    /// with [`AgentServerMessage::Conversation`] once accepted.
    pub summary: QueueSummary,
}

/// Longest text in a [`QueueSummary`], in characters.
pub const SUMMARY_TEXT_CHARS: usize = 80;
/// Most verified orders in a [`QueueSummary`].
const SUMMARY_ORDERS: usize = 3;

/// What a queue row shows about a waiting shopper: a few short fields of
/// their [`ChatContext`], so the queue stays small however much they shared.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct QueueSummary {
    /// The shopper's email, if they gave or proved one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Whether that email was proven (an order or a signed identity), not
    /// just typed.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub email_verified: bool,
    /// The page they are on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page_url: Option<String>,
    /// Its title.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page_title: Option<String>,
    /// Cart total in minor units with its currency, when there is a cart.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cart: Option<(u64, String)>,
    /// Orders the shopper proved (the first few).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub verified_orders: Vec<u32>,
    /// The campaign whose button started the chat.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub campaign: Option<String>,
    /// The shopper's language.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// The shopper's latest message (its first [`SUMMARY_TEXT_CHARS`]
    /// characters), so agents pick by what was asked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_message: Option<String>,
}

/// The first [`SUMMARY_TEXT_CHARS`] characters of `text` on one line: the
/// queue's preview of a shopper's message.
pub fn preview(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(SUMMARY_TEXT_CHARS)
        .collect()
}

fn short(text: &Option<String>) -> Option<String> {
    text.as_ref()
        .map(|t| t.chars().take(SUMMARY_TEXT_CHARS).collect())
}

impl QueueSummary {
    /// The summary of `context`, every text at most [`SUMMARY_TEXT_CHARS`].
    pub fn of(context: &ChatContext) -> Self {
        QueueSummary {
            email: short(&context.email),
            email_verified: context.email_verified,
            page_url: short(&context.page_url),
            page_title: short(&context.page_title),
            cart: context
                .cart
                .as_ref()
                .filter(|c| c.value_minor > 0 || !c.items.is_empty())
                .map(|c| (c.value_minor, c.currency.chars().take(8).collect())),
            verified_orders: context
                .verified_orders
                .iter()
                .take(SUMMARY_ORDERS)
                .copied()
                .collect(),
            campaign: short(&context.campaign),
            locale: short(&context.locale),
            last_message: None,
        }
    }

    /// The summary as a (partial) context, for code that shows contexts.
    pub fn to_context(&self) -> ChatContext {
        ChatContext {
            page_url: self.page_url.clone(),
            page_title: self.page_title.clone(),
            cart: self.cart.as_ref().map(|(value, currency)| Cart {
                value_minor: *value,
                currency: currency.clone(),
                items: Vec::new(),
            }),
            verified_orders: self.verified_orders.clone(),
            campaign: self.campaign.clone(),
            email: self.email.clone(),
            email_verified: self.email_verified,
            locale: self.locale.clone(),
            ..ChatContext::default()
        }
    }
}

/// Whether `token` can be a widget-made resume token
/// ([`ClientMessage::Start::resume`]): 32 to 128 characters `A-Z a-z 0-9 - _`.
pub fn is_client_token(token: &str) -> bool {
    (32..=128).contains(&token.len())
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Messages the server sends to the agent console.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum AgentServerMessage {
    /// Answer to [`AgentClientMessage::Hello`].
    Welcome {
        /// The protocol version.
        protocol: u32,
        /// The agent's display name.
        name: String,
        /// The agent's site.
        site: String,
    },
    /// The site's waiting conversations in answering order; pushed whenever
    /// the queue or presence changes. Only the first ones are listed (a
    /// bounded number, and a bounded frame size), each with a short summary.
    Queue {
        /// The first waiting conversations, first to answer first.
        waiting: Vec<QueueEntry>,
        /// How many conversations are waiting in all (listed or not).
        #[serde(default)]
        total: u32,
        /// Agents online for the site.
        agents_online: u32,
    },
    /// A conversation this agent answers, with its full context and latest
    /// messages: after accepting, and for every open conversation on
    /// connecting. Earlier messages: [`AgentClientMessage::History`].
    Conversation {
        /// Conversation id.
        id: String,
        /// What the shopper shared.
        context: Box<ChatContext>,
        /// The latest messages, in order.
        messages: Vec<ChatMessage>,
        /// Whether there are earlier messages than these.
        #[serde(default)]
        more: bool,
        /// The shopper has read up to this sequence number.
        shopper_read: u64,
        /// When the shopper asked, Unix seconds.
        waiting_since: i64,
    },
    /// Earlier messages of a conversation, for [`AgentClientMessage::History`].
    History {
        /// Conversation id.
        conversation: String,
        /// The page of messages, in order (just before the requested `before`).
        messages: Vec<ChatMessage>,
        /// Whether there are still earlier ones.
        more: bool,
    },
    /// A new message in one of the agent's conversations.
    Message {
        /// Conversation id.
        conversation: String,
        /// The message.
        message: ChatMessage,
    },
    /// The agent's message `client_id` is stored as `seq`.
    Ack {
        /// Conversation id.
        conversation: String,
        /// The console's id of the message.
        client_id: String,
        /// Its sequence number.
        seq: u64,
    },
    /// The shopper started or stopped typing.
    Typing {
        /// Conversation id.
        conversation: String,
        /// Whether they are typing now.
        typing: bool,
    },
    /// The shopper has read up to `seq`.
    Read {
        /// Conversation id.
        conversation: String,
        /// Highest sequence number read.
        seq: u64,
    },
    /// An agent took a conversation (drop it from the queue).
    Accepted {
        /// Conversation id.
        conversation: String,
        /// That agent's display name.
        by: String,
    },
    /// The conversation went back to the queue and is no longer this agent's.
    Transferred {
        /// Conversation id.
        conversation: String,
    },
    /// A conversation of this agent ended.
    Closed {
        /// Conversation id.
        conversation: String,
        /// Who ended it.
        by: Party,
    },
    /// The shopper rated a conversation of this agent.
    Rated {
        /// Conversation id.
        conversation: String,
        /// 1 to 5.
        score: u8,
    },
    /// Answer to [`AgentClientMessage::Ping`].
    Pong {
        /// The nonce of the ping.
        nonce: u64,
    },
    /// The server rejects the last frame (same shape as [`ServerMessage::Error`]).
    Error {
        /// Stable reason, for programs.
        code: ProtocolError,
        /// Human-readable detail, in English.
        message: String,
    },
}

/// Why the server rejected a frame or closed a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProtocolError {
    /// The frame is not a message of this protocol version (fatal).
    Malformed,
    /// The frame exceeds [`MAX_FRAME_BYTES`] (fatal).
    TooLarge,
    /// The first frame was not `hello`, or `hello` came twice (fatal).
    UnexpectedMessage,
    /// The page's origin is not among the site's allowed origins.
    OriginNotAllowed,
    /// The text exceeds [`MAX_MESSAGE_CHARS`].
    TooLong,
    /// Empty text, or a missing or overlong `client_id`.
    Invalid,
    /// Too many messages in a short time; resend later.
    RateLimited,
    /// No conversation on this connection yet (`start` or `hello.resume` first).
    NotStarted,
    /// `start` while a conversation is open on this connection.
    AlreadyStarted,
    /// The conversation is closed.
    ConversationClosed,
    /// Another agent accepted the conversation first.
    AlreadyTaken,
    /// No such conversation for this agent.
    NotFound,
    /// The rating is not 1 to 5, or there is nothing to rate.
    InvalidRating,
    /// A per-connection or per-address limit on conversations is reached, or
    /// the transcript emails of a conversation.
    TooMany,
    /// The store sends no email (a transcript cannot be emailed).
    EmailUnavailable,
    /// The server failed; retry.
    Internal,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::de::DeserializeOwned;
    use std::fmt::Debug;

    fn round_trip<T: Serialize + DeserializeOwned + PartialEq + Debug>(msg: T) {
        let json = serde_json::to_string(&msg).unwrap();
        assert_eq!(serde_json::from_str::<T>(&json).unwrap(), msg, "{json}");
    }

    fn context() -> ChatContext {
        ChatContext {
            page_url: Some("https://shop.example/cart".into()),
            page_title: Some("Cart".into()),
            pages: vec!["https://shop.example/".into()],
            cart: Some(Cart {
                value_minor: 12_900,
                currency: "USD".into(),
                items: vec![CartItem {
                    sku: "PARKA-M".into(),
                    title: Some("Alpine parka".into()),
                    quantity: 1,
                }],
            }),
            assist_session: None,
            assist_steps: vec!["track".into()],
            verified_orders: vec![1001],
            campaign: Some("collections-vip".into()),
            email: Some("ada@example.com".into()),
            email_verified: true,
            locale: Some("fr-CA".into()),
        }
    }

    fn message() -> ChatMessage {
        ChatMessage {
            seq: 3,
            client_id: None,
            author: Party::Agent,
            name: Some("Robin".into()),
            text: "Hi!".into(),
            at: 1_795_755_600,
        }
    }

    #[test]
    fn every_message_round_trips() {
        for msg in [
            ClientMessage::Hello {
                resume: None,
                last_seq: 0,
            },
            ClientMessage::Hello {
                resume: Some("r".into()),
                last_seq: 4,
            },
            ClientMessage::Start {
                locale: "fr-CA".into(),
                context: Box::new(context()),
                resume: Some("0123456789abcdef0123456789abcdef".into()),
            },
            ClientMessage::Send {
                client_id: "c1".into(),
                text: "hello".into(),
            },
            ClientMessage::Typing { typing: true },
            ClientMessage::Read { seq: 2 },
            ClientMessage::End,
            ClientMessage::Rate { score: 5 },
            ClientMessage::EmailTranscript {
                email: "léa@example.com".into(),
            },
            ClientMessage::Ping { nonce: 7 },
        ] {
            round_trip(msg);
        }
        for msg in [
            ServerMessage::Welcome {
                protocol: PROTOCOL_VERSION,
                conversation: None,
            },
            ServerMessage::Welcome {
                protocol: PROTOCOL_VERSION,
                conversation: Some(ConversationState {
                    id: "c".into(),
                    state: ConversationStatus::Active,
                    agent: Some("Robin".into()),
                    last_seq: 3,
                    agent_read: 2,
                }),
            },
            ServerMessage::Started {
                conversation: "c".into(),
                resume: "secret".into(),
            },
            ServerMessage::Queue {
                position: 2,
                expected_wait_seconds: Some(90),
                agents_online: 1,
            },
            ServerMessage::Offline {
                reason: OfflineReason::NoAgentOnline,
                text: None,
            },
            ServerMessage::Offline {
                reason: OfflineReason::NoAgentOnline,
                text: Some("Is the parka warm?".into()),
            },
            ServerMessage::Message(message()),
            ServerMessage::Ack {
                client_id: "c1".into(),
                seq: 1,
            },
            ServerMessage::Typing {
                typing: false,
                name: Some("Robin".into()),
            },
            ServerMessage::Read { seq: 1 },
            ServerMessage::AgentJoined {
                name: "Robin".into(),
            },
            ServerMessage::Closed {
                by: Party::Agent,
                rate: true,
            },
            ServerMessage::Rated { score: 4 },
            ServerMessage::TranscriptQueued {
                email: "lea@example.com".into(),
            },
            ServerMessage::Pong { nonce: 7 },
            ServerMessage::Error {
                code: ProtocolError::Malformed,
                message: "bad".into(),
            },
        ] {
            round_trip(msg);
        }
        for msg in [
            AgentClientMessage::Hello,
            AgentClientMessage::Presence { online: false },
            AgentClientMessage::Accept {
                conversation: "c".into(),
            },
            AgentClientMessage::Send {
                conversation: "c".into(),
                client_id: "a1".into(),
                text: "Hi!".into(),
            },
            AgentClientMessage::Typing {
                conversation: "c".into(),
                typing: true,
            },
            AgentClientMessage::Read {
                conversation: "c".into(),
                seq: 3,
            },
            AgentClientMessage::Close {
                conversation: "c".into(),
                tags: vec!["shipping".into()],
            },
            AgentClientMessage::Transfer {
                conversation: "c".into(),
            },
            AgentClientMessage::History {
                conversation: "c".into(),
                before: 51,
            },
            AgentClientMessage::Ping { nonce: 1 },
        ] {
            round_trip(msg);
        }
        for msg in [
            AgentServerMessage::Welcome {
                protocol: PROTOCOL_VERSION,
                name: "Robin".into(),
                site: "demo".into(),
            },
            AgentServerMessage::Queue {
                waiting: vec![QueueEntry {
                    conversation: "c".into(),
                    waiting_since: 1,
                    priority: Priority::Vip,
                    summary: QueueSummary::of(&context()),
                }],
                total: 7,
                agents_online: 2,
            },
            AgentServerMessage::Conversation {
                id: "c".into(),
                context: Box::new(context()),
                messages: vec![message()],
                more: true,
                shopper_read: 3,
                waiting_since: 1,
            },
            AgentServerMessage::Message {
                conversation: "c".into(),
                message: message(),
            },
            AgentServerMessage::History {
                conversation: "c".into(),
                messages: vec![message()],
                more: false,
            },
            AgentServerMessage::Ack {
                conversation: "c".into(),
                client_id: "a1".into(),
                seq: 3,
            },
            AgentServerMessage::Typing {
                conversation: "c".into(),
                typing: true,
            },
            AgentServerMessage::Read {
                conversation: "c".into(),
                seq: 3,
            },
            AgentServerMessage::Accepted {
                conversation: "c".into(),
                by: "Robin".into(),
            },
            AgentServerMessage::Transferred {
                conversation: "c".into(),
            },
            AgentServerMessage::Closed {
                conversation: "c".into(),
                by: Party::Shopper,
            },
            AgentServerMessage::Rated {
                conversation: "c".into(),
                score: 5,
            },
            AgentServerMessage::Pong { nonce: 1 },
            AgentServerMessage::Error {
                code: ProtocolError::AlreadyTaken,
                message: "too late".into(),
            },
        ] {
            round_trip(msg);
        }
    }

    #[test]
    fn messages_are_tagged_by_type_on_the_wire() {
        let json = serde_json::to_value(ClientMessage::Ping { nonce: 1 }).unwrap();
        assert_eq!(json, serde_json::json!({"type": "ping", "nonce": 1}));
        let hello: ClientMessage = serde_json::from_str(r#"{"type":"hello"}"#).unwrap();
        assert_eq!(
            hello,
            ClientMessage::Hello {
                resume: None,
                last_seq: 0
            }
        );
        let welcome = ServerMessage::Welcome {
            protocol: 1,
            conversation: None,
        };
        assert_eq!(
            serde_json::to_value(welcome).unwrap(),
            serde_json::json!({"type": "welcome", "protocol": 1})
        );
        let message = serde_json::to_value(ServerMessage::Message(message())).unwrap();
        assert_eq!(
            message,
            serde_json::json!({"type": "message", "seq": 3, "client_id": null, "author": "agent",
                "name": "Robin", "text": "Hi!", "at": 1_795_755_600})
        );
        let start: ClientMessage =
            serde_json::from_str(r#"{"type":"start","locale":"en"}"#).unwrap();
        assert_eq!(
            start,
            ClientMessage::Start {
                locale: "en".into(),
                context: Box::default(),
                resume: None,
            }
        );
    }

    #[test]
    fn queue_summaries_are_short_whatever_the_context() {
        let mut c = context();
        c.page_title = Some("é".repeat(2000));
        c.verified_orders = (1..100).collect();
        let summary = QueueSummary::of(&c);
        assert_eq!(
            summary.page_title.as_ref().map(|t| t.chars().count()),
            Some(SUMMARY_TEXT_CHARS)
        );
        assert_eq!(summary.verified_orders, [1, 2, 3]);
        assert_eq!(summary.cart, Some((12_900, "USD".into())));
        let back = summary.to_context();
        assert_eq!(back.email.as_deref(), Some("ada@example.com"));
        assert_eq!(back.cart.map(|c| c.value_minor), Some(12_900));
    }

    #[test]
    fn widget_made_resume_tokens_must_be_long_and_plain() {
        assert!(is_client_token(&"a1-_".repeat(8)));
        assert!(!is_client_token("short"));
        assert!(!is_client_token(&"a".repeat(129)));
        assert!(!is_client_token(&format!("{}\"", "a".repeat(40))));
    }

    #[test]
    fn unknown_message_types_are_rejected() {
        assert!(serde_json::from_str::<ClientMessage>(r#"{"type":"shout"}"#).is_err());
        assert!(serde_json::from_str::<ClientMessage>(r#"{"nonce":1}"#).is_err());
        assert!(serde_json::from_str::<ClientMessage>(r#"{"type":"rate","score":300}"#).is_err());
        assert!(serde_json::from_str::<AgentClientMessage>(r#"{"type":"accept"}"#).is_err());
    }

    #[test]
    fn the_version_is_in_the_path() {
        assert_eq!(ws_path(PROTOCOL_VERSION), "/ws/v1");
        assert_eq!(agent_ws_path(PROTOCOL_VERSION), "/ws/v1/agent");
    }

    #[test]
    fn priority_puts_proven_customers_then_big_carts_then_buyers_to_be_first() {
        let mut c = ChatContext::default();
        assert_eq!(c.priority(), Priority::PreSale);
        c.assist_steps = vec!["return-items:1003".into()];
        assert_eq!(
            c.priority(),
            Priority::Normal,
            "an order they did not prove"
        );
        c.cart = Some(Cart {
            value_minor: HIGH_CART_MINOR,
            ..Cart::default()
        });
        assert_eq!(c.priority(), Priority::HighCart);
        c.verified_orders = vec![1001];
        assert_eq!(c.priority(), Priority::Vip);
        let mut order = [
            Priority::Normal,
            Priority::PreSale,
            Priority::Vip,
            Priority::HighCart,
        ];
        order.sort();
        assert_eq!(
            order,
            [
                Priority::Vip,
                Priority::HighCart,
                Priority::PreSale,
                Priority::Normal
            ]
        );
        for p in order {
            assert_eq!(Priority::from_name(p.as_str()), Some(p));
        }
    }

    #[test]
    fn context_is_clipped_to_bounded_sizes() {
        let mut c = ChatContext {
            page_url: Some("é".repeat(2 * MAX_CONTEXT_TEXT)),
            pages: (0..100).map(|i| format!("/p{i}")).collect(),
            ..ChatContext::default()
        };
        c.clip();
        assert_eq!(
            c.page_url.as_ref().map(|u| u.chars().count()),
            Some(MAX_CONTEXT_TEXT)
        );
        assert_eq!(c.pages.len(), MAX_CONTEXT_ITEMS);
        assert_eq!(
            c.pages.last().map(String::as_str),
            Some("/p99"),
            "newest kept"
        );
    }
}

#[cfg(test)]
mod preview_tests {
    use super::*;

    #[test]
    fn previews_cut_on_characters_and_keep_hostile_text_as_text() {
        // A four-byte character right at the cut, bidi controls and markup.
        let text = format!("{}😀 tail", "a".repeat(SUMMARY_TEXT_CHARS - 1));
        let cut = preview(&text);
        assert_eq!(cut.chars().count(), SUMMARY_TEXT_CHARS);
        assert!(cut.ends_with('😀'));
        assert_eq!(
            preview("\u{202E}<img src=x onerror=alert(1)>\n\n  ok\t"),
            "\u{202E}<img src=x onerror=alert(1)> ok",
            "one line, otherwise as typed (the console shows it as text)"
        );
        assert_eq!(preview(" \n\t "), "");
    }
}
