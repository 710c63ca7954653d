//! The agent's desk, without any DOM: the waiting queue, the conversations
//! this agent answers, and what each server message does to them.
//!
//! [`Desk::apply`] folds one [`AgentServerMessage`] in and says what the
//! interface should announce; the `compose`/`accept`/… methods change the desk
//! for what the agent does and return the frame to send. Plain `#[test]`s
//! below cover it natively.

use aisle_core::protocol::{
    AgentClientMessage, AgentServerMessage, ChatContext, ChatMessage, Party, ProtocolError,
    QueueEntry,
};

/// One message of a conversation as the console holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// Sequence number once stored; `None` while the agent's message is on its way.
    pub seq: Option<u64>,
    /// The console's id for the agent's own messages.
    pub client_id: Option<String>,
    /// Who wrote it.
    pub author: Party,
    /// The agent's display name, for agent messages.
    pub name: Option<String>,
    /// The text as typed (rendered as text, never as HTML).
    pub text: String,
    /// When it was written, Unix seconds.
    pub at: i64,
}

impl Line {
    /// A key that stays the same while the message goes from sending to stored.
    pub fn key(&self) -> String {
        match (&self.client_id, self.author) {
            (Some(id), Party::Agent) => format!("a:{id}"),
            _ => format!("s:{}", self.seq.unwrap_or_default()),
        }
    }

    fn from_message(message: ChatMessage) -> Line {
        Line {
            seq: Some(message.seq),
            client_id: message.client_id,
            author: message.author,
            name: message.name,
            text: message.text,
            at: message.at,
        }
    }
}

/// Where an agent's message stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Delivery {
    /// Not acknowledged by the server yet.
    Sending,
    /// Stored.
    Sent,
    /// The shopper has read it.
    Read,
}

/// A conversation this agent answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chat {
    /// Conversation id.
    pub id: String,
    /// What the shopper shared.
    pub context: ChatContext,
    /// When the shopper asked, Unix seconds.
    pub waiting_since: i64,
    /// Messages in order; unacknowledged ones last.
    pub lines: Vec<Line>,
    /// The shopper has read up to this sequence number.
    pub shopper_read: u64,
    /// The shopper is typing.
    pub shopper_typing: bool,
    /// Who ended it, once over.
    pub ended: Option<Party>,
    /// The shopper's rating, once given.
    pub rating: Option<u8>,
    /// Shopper messages the agent has not seen.
    pub unread: u32,
    /// Highest sequence number this console reported as read.
    pub read_sent: u64,
    /// Whether the server has earlier messages than the first line here.
    pub more: bool,
}

impl Chat {
    /// Where the agent's `line` stands.
    pub fn delivery(&self, line: &Line) -> Delivery {
        match line.seq {
            None => Delivery::Sending,
            Some(seq) if seq <= self.shopper_read => Delivery::Read,
            Some(_) => Delivery::Sent,
        }
    }

    /// Highest stored sequence number.
    pub fn last_seq(&self) -> u64 {
        self.lines.iter().filter_map(|l| l.seq).max().unwrap_or(0)
    }

    /// Whether the conversation is over.
    pub fn is_over(&self) -> bool {
        self.ended.is_some()
    }

    /// Adds a stored message unless it is already there; `true` when added.
    fn receive(&mut self, message: ChatMessage) -> bool {
        if self.lines.iter().any(|l| l.seq == Some(message.seq)) {
            return false;
        }
        if message.author == Party::Agent
            && let Some(id) = &message.client_id
            && let Some(line) = self
                .lines
                .iter_mut()
                .find(|l| l.author == Party::Agent && l.client_id.as_ref() == Some(id))
        {
            line.seq = Some(message.seq);
            line.at = message.at;
            self.sort();
            return false;
        }
        self.lines.push(Line::from_message(message));
        self.sort();
        true
    }

    /// Stored lines by sequence number, then pending ones in the order written.
    fn sort(&mut self) {
        self.lines.sort_by_key(|l| l.seq.unwrap_or(u64::MAX));
    }
}

/// Something the interface should tell the agent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// Shoppers joined the queue.
    NewWaiting,
    /// The conversation being accepted went to the named agent.
    TakenBy(String),
    /// The conversation being accepted went to another agent.
    AlreadyTaken,
    /// A conversation went back to the queue.
    Transferred,
    /// The shopper ended a conversation (`who` names them).
    ShopperLeft(String),
    /// A shopper rated a conversation.
    Rated(String, u8),
    /// The server refused a frame.
    Refused(ProtocolError, String),
}

/// What follows from a server message besides the desk's new state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Tell the agent.
    Notice(Notice),
    /// Send this frame (resending unacknowledged replies after reconnecting).
    Send(AgentClientMessage),
    /// The server is ready: the agent's name and site.
    Ready,
    /// Sending went too fast; resend unacknowledged replies a little later.
    ResendLater,
    /// The server answered a ping.
    Pong(u64),
    /// A shopper wrote in one of the agent's conversations (`who` names them):
    /// worth a notification when the console is not in view.
    ShopperWrote(String),
}

/// The agent's whole desk.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Desk {
    /// The agent's display name, from the server's welcome.
    pub me: String,
    /// The agent's site.
    pub site: String,
    /// The first waiting conversations in the server's answering order.
    pub queue: Vec<QueueEntry>,
    /// How many conversations are waiting in all (the server lists the first ones).
    pub queue_total: u32,
    /// Agents online for the site.
    pub agents_online: u32,
    /// Conversations this agent answers, oldest first.
    pub chats: Vec<Chat>,
    /// The conversation on screen.
    pub selected: Option<String>,
    /// The conversation the agent asked to accept, until the server answers.
    pub accepting: Option<String>,
    /// Conversations this agent transferred: back in the queue, but not news.
    pub released: Vec<String>,
}

impl Desk {
    /// The conversation `id`, if it is this agent's.
    pub fn chat(&self, id: &str) -> Option<&Chat> {
        self.chats.iter().find(|c| c.id == id)
    }

    fn chat_mut(&mut self, id: &str) -> Option<&mut Chat> {
        self.chats.iter_mut().find(|c| c.id == id)
    }

    /// The conversation on screen.
    pub fn selected_chat(&self) -> Option<&Chat> {
        self.selected.as_deref().and_then(|id| self.chat(id))
    }

    /// Folds in one server message.
    pub fn apply(&mut self, message: AgentServerMessage) -> Vec<Outcome> {
        let mut out = Vec::new();
        match message {
            AgentServerMessage::Welcome { name, site, .. } => {
                self.me = name;
                self.site = site;
                out.push(Outcome::Ready);
            }
            AgentServerMessage::Queue {
                waiting,
                total,
                agents_online,
            } => {
                let known = |id: &str| {
                    self.queue.iter().any(|q| q.conversation == id)
                        || self.released.iter().any(|r| r == id)
                };
                let new = waiting
                    .iter()
                    .any(|w| !known(&w.conversation) && self.chat(&w.conversation).is_none());
                if new {
                    out.push(Outcome::Notice(Notice::NewWaiting));
                }
                self.queue = waiting
                    .into_iter()
                    .filter(|w| {
                        self.chats
                            .iter()
                            .all(|c| c.id != w.conversation || c.is_over())
                    })
                    .collect();
                self.agents_online = agents_online;
                self.queue_total = total.max(u32::try_from(self.queue.len()).unwrap_or(u32::MAX));
                let queue = &self.queue;
                self.released
                    .retain(|r| queue.iter().any(|q| &q.conversation == r));
            }
            AgentServerMessage::Conversation {
                id,
                context,
                messages,
                more,
                shopper_read,
                waiting_since,
            } => {
                self.queue.retain(|q| q.conversation != id);
                if self.accepting.as_deref() == Some(id.as_str()) {
                    self.accepting = None;
                    self.selected = Some(id.clone());
                }
                let stored: Vec<Line> = messages.into_iter().map(Line::from_message).collect();
                match self.chat_mut(&id) {
                    Some(chat) => {
                        // A snapshot after reconnecting: keep replies the server
                        // never acknowledged, and send them again.
                        let pending: Vec<Line> = chat
                            .lines
                            .drain(..)
                            .filter(|l| {
                                l.seq.is_none()
                                    && !stored.iter().any(|s| {
                                        s.author == Party::Agent && s.client_id == l.client_id
                                    })
                            })
                            .collect();
                        for line in &pending {
                            out.push(Outcome::Send(AgentClientMessage::Send {
                                conversation: id.clone(),
                                client_id: line.client_id.clone().unwrap_or_default(),
                                text: line.text.clone(),
                            }));
                        }
                        chat.lines = stored.into_iter().chain(pending).collect();
                        chat.context = *context;
                        chat.shopper_read = chat.shopper_read.max(shopper_read);
                        chat.waiting_since = waiting_since;
                        chat.ended = None;
                        chat.more = more;
                    }
                    None => {
                        self.chats.push(Chat {
                            id: id.clone(),
                            context: *context,
                            waiting_since,
                            lines: stored,
                            shopper_read,
                            shopper_typing: false,
                            ended: None,
                            rating: None,
                            unread: 0,
                            // Reported by `read_receipt` once on screen.
                            read_sent: 0,
                            more,
                        });
                    }
                }
                if self.selected.is_none() {
                    self.selected = Some(id);
                }
            }
            AgentServerMessage::History {
                conversation,
                messages,
                more,
            } => {
                if let Some(chat) = self.chat_mut(&conversation) {
                    let first = chat.lines.iter().filter_map(|l| l.seq).min();
                    // Only what comes before the lines here (a late answer
                    // after a fresh snapshot adds nothing twice).
                    let earlier: Vec<Line> = messages
                        .into_iter()
                        .filter(|m| first.is_none_or(|f| m.seq < f))
                        .map(Line::from_message)
                        .collect();
                    if !earlier.is_empty() || first.is_none() {
                        chat.more = more;
                    }
                    chat.lines.splice(0..0, earlier);
                }
            }
            AgentServerMessage::Message {
                conversation,
                message,
            } => {
                let selected = self.selected.as_deref() == Some(conversation.as_str());
                if let Some(chat) = self.chat_mut(&conversation) {
                    let from_shopper = message.author == Party::Shopper;
                    if chat.receive(message) && from_shopper {
                        chat.shopper_typing = false;
                        if !selected {
                            chat.unread += 1;
                        }
                        let who = crate::text::shopper_label(&chat.context, &crate::i18n::EN);
                        out.push(Outcome::ShopperWrote(who));
                    }
                }
            }
            AgentServerMessage::Ack {
                conversation,
                client_id,
                seq,
            } => {
                if let Some(chat) = self.chat_mut(&conversation) {
                    let already = chat.lines.iter().any(|l| l.seq == Some(seq));
                    if let Some(index) = chat.lines.iter().position(|l| {
                        l.author == Party::Agent && l.client_id.as_deref() == Some(&client_id)
                    }) {
                        if already && chat.lines[index].seq.is_none() {
                            // The stored copy arrived first (as a message): drop ours.
                            chat.lines.remove(index);
                        } else {
                            chat.lines[index].seq = Some(seq);
                            chat.sort();
                        }
                    }
                }
            }
            AgentServerMessage::Typing {
                conversation,
                typing,
            } => {
                if let Some(chat) = self.chat_mut(&conversation) {
                    chat.shopper_typing = typing;
                }
            }
            AgentServerMessage::Read { conversation, seq } => {
                if let Some(chat) = self.chat_mut(&conversation) {
                    chat.shopper_read = chat.shopper_read.max(seq);
                }
            }
            AgentServerMessage::Accepted { conversation, by } => {
                self.queue.retain(|q| q.conversation != conversation);
                if self.accepting.as_deref() == Some(conversation.as_str())
                    && self.chat(&conversation).is_none()
                    && by != self.me
                {
                    self.accepting = None;
                    out.push(Outcome::Notice(Notice::TakenBy(by)));
                }
            }
            AgentServerMessage::Transferred { conversation } => {
                let before = self.chats.len();
                self.chats.retain(|c| c.id != conversation);
                if self.chats.len() < before {
                    out.push(Outcome::Notice(Notice::Transferred));
                    if !self.queue.iter().any(|q| q.conversation == conversation) {
                        self.released.push(conversation.clone());
                    }
                }
                if self.selected.as_deref() == Some(conversation.as_str()) {
                    self.selected = self.chats.first().map(|c| c.id.clone());
                }
            }
            AgentServerMessage::Closed { conversation, by } => {
                if let Some(chat) = self.chat_mut(&conversation) {
                    chat.ended = Some(by);
                    chat.shopper_typing = false;
                    if by == Party::Shopper {
                        let who = crate::text::shopper_label(&chat.context, &crate::i18n::EN);
                        out.push(Outcome::Notice(Notice::ShopperLeft(who)));
                    }
                }
            }
            AgentServerMessage::Rated {
                conversation,
                score,
            } => {
                if let Some(chat) = self.chat_mut(&conversation) {
                    chat.rating = Some(score);
                    let who = crate::text::shopper_label(&chat.context, &crate::i18n::EN);
                    out.push(Outcome::Notice(Notice::Rated(who, score)));
                }
            }
            AgentServerMessage::Pong { nonce } => out.push(Outcome::Pong(nonce)),
            AgentServerMessage::Error { code, message } => match code {
                ProtocolError::AlreadyTaken | ProtocolError::NotFound
                    if self.accepting.is_some() =>
                {
                    if let Some(id) = self.accepting.take() {
                        self.queue.retain(|q| q.conversation != id);
                    }
                    out.push(Outcome::Notice(Notice::AlreadyTaken));
                }
                ProtocolError::RateLimited => {
                    out.push(Outcome::ResendLater);
                    out.push(Outcome::Notice(Notice::Refused(code, message)));
                }
                _ => out.push(Outcome::Notice(Notice::Refused(code, message))),
            },
        }
        out
    }

    /// The agent accepts a waiting conversation.
    pub fn accept(&mut self, conversation: &str) -> AgentClientMessage {
        self.accepting = Some(conversation.to_owned());
        AgentClientMessage::Accept {
            conversation: conversation.to_owned(),
        }
    }

    /// The agent writes `text` in `conversation`: the line shows as sending at
    /// once; the frame to send is returned (`None` for an unknown or ended conversation).
    pub fn compose(
        &mut self,
        conversation: &str,
        client_id: String,
        text: String,
        at: i64,
    ) -> Option<AgentClientMessage> {
        let name = Some(self.me.clone());
        let chat = self.chat_mut(conversation).filter(|c| !c.is_over())?;
        chat.lines.push(Line {
            seq: None,
            client_id: Some(client_id.clone()),
            author: Party::Agent,
            name,
            text: text.clone(),
            at,
        });
        Some(AgentClientMessage::Send {
            conversation: conversation.to_owned(),
            client_id,
            text,
        })
    }

    /// The request for the page of messages before the first one shown in
    /// `conversation`, when the server has earlier ones.
    pub fn load_earlier(&self, conversation: &str) -> Option<AgentClientMessage> {
        let chat = self.chat(conversation).filter(|c| c.more)?;
        let before = chat.lines.iter().filter_map(|l| l.seq).min()?;
        Some(AgentClientMessage::History {
            conversation: conversation.to_owned(),
            before,
        })
    }

    /// Every reply not acknowledged yet, to send again.
    pub fn unacknowledged(&self) -> Vec<AgentClientMessage> {
        self.chats
            .iter()
            .filter(|c| !c.is_over())
            .flat_map(|c| {
                c.lines
                    .iter()
                    .filter(|l| l.seq.is_none())
                    .map(|l| AgentClientMessage::Send {
                        conversation: c.id.clone(),
                        client_id: l.client_id.clone().unwrap_or_default(),
                        text: l.text.clone(),
                    })
            })
            .collect()
    }

    /// Shows `conversation` and clears its unread count.
    pub fn select(&mut self, conversation: &str) {
        if let Some(chat) = self.chat_mut(conversation) {
            chat.unread = 0;
            self.selected = Some(conversation.to_owned());
        }
    }

    /// The read receipt for the conversation on screen, when it shows shopper
    /// messages not reported as read yet.
    pub fn read_receipt(&mut self) -> Option<AgentClientMessage> {
        let id = self.selected.clone()?;
        let chat = self.chat_mut(&id)?;
        chat.unread = 0;
        let last_from_shopper = chat
            .lines
            .iter()
            .filter(|l| l.author == Party::Shopper)
            .filter_map(|l| l.seq)
            .max()?;
        if last_from_shopper <= chat.read_sent || chat.is_over() {
            return None;
        }
        chat.read_sent = last_from_shopper;
        Some(AgentClientMessage::Read {
            conversation: id,
            seq: last_from_shopper,
        })
    }

    /// Removes an ended conversation from the agent's list.
    pub fn dismiss(&mut self, conversation: &str) {
        self.chats.retain(|c| c.id != conversation);
        if self.selected.as_deref() == Some(conversation) {
            self.selected = self.chats.first().map(|c| c.id.clone());
        }
    }

    /// Forgets everything (logging out).
    pub fn clear(&mut self) {
        *self = Desk::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aisle_core::protocol::{Priority, QueueSummary};

    fn context(id: &str) -> ChatContext {
        ChatContext {
            email: Some(format!("{id}@example.com")),
            ..ChatContext::default()
        }
    }

    fn entry(id: &str) -> QueueEntry {
        QueueEntry {
            conversation: id.into(),
            waiting_since: 100,
            priority: Priority::PreSale,
            summary: QueueSummary::of(&context(id)),
        }
    }

    fn message(seq: u64, author: Party, client_id: Option<&str>, text: &str) -> ChatMessage {
        ChatMessage {
            seq,
            client_id: client_id.map(Into::into),
            author,
            name: (author == Party::Agent).then(|| "Robin".into()),
            text: text.into(),
            at: 200,
        }
    }

    fn conversation(id: &str, messages: Vec<ChatMessage>) -> AgentServerMessage {
        AgentServerMessage::Conversation {
            id: id.into(),
            context: Box::new(context(id)),
            messages,
            more: false,
            shopper_read: 0,
            waiting_since: 100,
        }
    }

    fn desk() -> Desk {
        let mut desk = Desk::default();
        desk.apply(AgentServerMessage::Welcome {
            protocol: 1,
            name: "Robin".into(),
            site: "demo".into(),
        });
        desk
    }

    #[test]
    fn the_queue_keeps_the_servers_order_and_announces_newcomers_once() {
        let mut desk = desk();
        let queue = |ids: &[&str]| AgentServerMessage::Queue {
            waiting: ids.iter().map(|id| entry(id)).collect(),
            total: 40,
            agents_online: 1,
        };
        assert_eq!(
            desk.apply(queue(&["b", "a"])),
            [Outcome::Notice(Notice::NewWaiting)]
        );
        let order: Vec<_> = desk.queue.iter().map(|q| q.conversation.as_str()).collect();
        assert_eq!(order, ["b", "a"]);
        assert_eq!(desk.queue_total, 40, "more wait than are listed");
        assert_eq!(desk.apply(queue(&["a"])), []);
        assert_eq!(desk.agents_online, 1);
    }

    #[test]
    fn accepting_moves_the_conversation_from_the_queue_to_the_screen() {
        let mut desk = desk();
        desk.apply(AgentServerMessage::Queue {
            waiting: vec![entry("c1")],
            total: 1,
            agents_online: 1,
        });
        assert_eq!(
            desk.accept("c1"),
            AgentClientMessage::Accept {
                conversation: "c1".into()
            }
        );
        desk.apply(conversation(
            "c1",
            vec![message(1, Party::Shopper, None, "hi")],
        ));
        assert!(desk.queue.is_empty());
        assert_eq!(desk.selected.as_deref(), Some("c1"));
        assert_eq!(desk.accepting, None);
        assert_eq!(
            desk.read_receipt(),
            Some(AgentClientMessage::Read {
                conversation: "c1".into(),
                seq: 1
            })
        );
        assert_eq!(desk.read_receipt(), None, "reported once");
    }

    #[test]
    fn losing_the_race_drops_the_conversation_and_says_so() {
        let mut desk = desk();
        desk.apply(AgentServerMessage::Queue {
            waiting: vec![entry("c1"), entry("c2")],
            total: 2,
            agents_online: 2,
        });
        desk.accept("c1");
        let out = desk.apply(AgentServerMessage::Error {
            code: ProtocolError::AlreadyTaken,
            message: "too late".into(),
        });
        assert_eq!(out, [Outcome::Notice(Notice::AlreadyTaken)]);
        assert_eq!(desk.queue.len(), 1);
        assert_eq!(desk.accepting, None);

        desk.accept("c2");
        let out = desk.apply(AgentServerMessage::Accepted {
            conversation: "c2".into(),
            by: "Sam".into(),
        });
        assert_eq!(out, [Outcome::Notice(Notice::TakenBy("Sam".into()))]);
        assert!(desk.queue.is_empty());
    }

    #[test]
    fn a_reply_is_sending_then_sent_then_read() {
        let mut desk = desk();
        desk.apply(conversation("c1", vec![]));
        let frame = desk.compose("c1", "a1".into(), "Hello!".into(), 300);
        assert!(matches!(frame, Some(AgentClientMessage::Send { .. })));
        let delivery = |desk: &Desk| {
            let chat = desk.chat("c1").unwrap();
            chat.delivery(&chat.lines[0])
        };
        assert_eq!(delivery(&desk), Delivery::Sending);
        desk.apply(AgentServerMessage::Ack {
            conversation: "c1".into(),
            client_id: "a1".into(),
            seq: 1,
        });
        assert_eq!(delivery(&desk), Delivery::Sent);
        // The server's echo of the stored message does not duplicate it.
        desk.apply(AgentServerMessage::Message {
            conversation: "c1".into(),
            message: message(1, Party::Agent, Some("a1"), "Hello!"),
        });
        assert_eq!(desk.chat("c1").unwrap().lines.len(), 1);
        desk.apply(AgentServerMessage::Read {
            conversation: "c1".into(),
            seq: 1,
        });
        assert_eq!(delivery(&desk), Delivery::Read);
    }

    #[test]
    fn unacknowledged_replies_are_resent_after_a_reconnect_without_duplicates() {
        let mut desk = desk();
        desk.apply(conversation("c1", vec![]));
        desk.compose("c1", "a1".into(), "stored".into(), 300);
        desk.compose("c1", "a2".into(), "lost".into(), 301);
        // The server stored a1 but the ack never arrived; the snapshot has it.
        let out = desk.apply(conversation(
            "c1",
            vec![message(1, Party::Agent, Some("a1"), "stored")],
        ));
        assert_eq!(
            out,
            [Outcome::Send(AgentClientMessage::Send {
                conversation: "c1".into(),
                client_id: "a2".into(),
                text: "lost".into()
            })]
        );
        let texts: Vec<_> = desk
            .chat("c1")
            .unwrap()
            .lines
            .iter()
            .map(|l| l.text.as_str())
            .collect();
        assert_eq!(texts, ["stored", "lost"]);
        assert_eq!(desk.unacknowledged().len(), 1);
    }

    #[test]
    fn shopper_messages_in_other_conversations_count_as_unread() {
        let mut desk = desk();
        desk.apply(conversation("c1", vec![]));
        desk.apply(conversation("c2", vec![]));
        assert_eq!(desk.selected.as_deref(), Some("c1"));
        desk.apply(AgentServerMessage::Typing {
            conversation: "c2".into(),
            typing: true,
        });
        desk.apply(AgentServerMessage::Message {
            conversation: "c2".into(),
            message: message(1, Party::Shopper, None, "hello?"),
        });
        let c2 = desk.chat("c2").unwrap();
        assert_eq!(c2.unread, 1);
        assert!(!c2.shopper_typing, "a message ends typing");
        desk.select("c2");
        assert_eq!(desk.chat("c2").unwrap().unread, 0);
    }

    #[test]
    fn closing_transferring_and_rating_update_the_list() {
        let mut desk = desk();
        desk.apply(conversation("c1", vec![]));
        desk.apply(conversation("c2", vec![]));
        let out = desk.apply(AgentServerMessage::Closed {
            conversation: "c1".into(),
            by: Party::Shopper,
        });
        assert_eq!(
            out,
            [Outcome::Notice(Notice::ShopperLeft(
                "c1@example.com".into()
            ))]
        );
        assert!(desk.chat("c1").unwrap().is_over());
        assert_eq!(desk.compose("c1", "a9".into(), "late".into(), 1), None);
        desk.apply(AgentServerMessage::Rated {
            conversation: "c1".into(),
            score: 5,
        });
        assert_eq!(desk.chat("c1").unwrap().rating, Some(5));
        desk.dismiss("c1");
        assert_eq!(desk.selected.as_deref(), Some("c2"));
        assert_eq!(
            desk.apply(AgentServerMessage::Transferred {
                conversation: "c2".into()
            }),
            [Outcome::Notice(Notice::Transferred)]
        );
        assert!(desk.chats.is_empty());
        assert_eq!(desk.selected, None);
        // Back in the queue, the transferred conversation is not announced as new.
        let out = desk.apply(AgentServerMessage::Queue {
            waiting: vec![entry("c2")],
            total: 1,
            agents_online: 1,
        });
        assert_eq!(out, []);
        assert_eq!(desk.queue.len(), 1);
    }

    #[test]
    fn earlier_messages_load_a_page_at_a_time_before_the_first_shown() {
        let mut desk = desk();
        let latest = (51..=52)
            .map(|seq| message(seq, Party::Shopper, None, "later"))
            .collect();
        desk.apply(AgentServerMessage::Conversation {
            id: "c1".into(),
            context: Box::new(context("c1")),
            messages: latest,
            more: true,
            shopper_read: 0,
            waiting_since: 100,
        });
        assert_eq!(
            desk.load_earlier("c1"),
            Some(AgentClientMessage::History {
                conversation: "c1".into(),
                before: 51
            })
        );
        desk.apply(AgentServerMessage::History {
            conversation: "c1".into(),
            messages: vec![
                message(49, Party::Shopper, None, "earlier"),
                message(50, Party::Agent, None, "earlier"),
            ],
            more: false,
        });
        let seqs: Vec<_> = desk
            .chat("c1")
            .unwrap()
            .lines
            .iter()
            .map(|l| l.seq)
            .collect();
        assert_eq!(seqs, [Some(49), Some(50), Some(51), Some(52)]);
        assert_eq!(desk.load_earlier("c1"), None, "nothing earlier left");
        assert_eq!(desk.chat("c1").unwrap().unread, 0, "history is not news");
    }
}
