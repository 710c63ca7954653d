//! The live chat's state and how it changes: a pure reducer, like the
//! console's `desk.rs`. [`receive`] takes the saved [`Chat`] and one typed
//! frame from the server and returns what the widget must do about it
//! ([`Effect`]); [`crate::chat`] owns the socket and carries the effects out.
//! Nothing here touches the browser, so its tests run natively
//! (`cargo test -p aisle-widget --lib`).

use crate::transcript::{Kept, Line, add_line};
use aisle_core::assist::Said;
use aisle_core::protocol::{ConversationStatus, Party, ProtocolError, ServerMessage};

/// Where the live chat stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Phase {
    /// Opening the connection or asking for a person.
    #[default]
    Connecting,
    /// In the queue.
    Waiting,
    /// An agent is answering.
    Active,
    /// Over.
    Closed,
    /// Over, and a rating is asked for.
    Rate,
}

impl Phase {
    /// Every phase, in the order of their stored numbers ([`Phase::number`]).
    pub const ALL: [Phase; 5] = [
        Phase::Connecting,
        Phase::Waiting,
        Phase::Active,
        Phase::Closed,
        Phase::Rate,
    ];

    /// The number saved across pages (stable: 0 to 4).
    pub fn number(self) -> u8 {
        self as u8
    }

    /// The phase saved as `number` (`Connecting` for an unknown one).
    pub fn from_number(number: u8) -> Phase {
        Phase::ALL.get(number as usize).copied().unwrap_or_default()
    }

    /// Whether the conversation still runs.
    pub fn is_live(self) -> bool {
        matches!(self, Phase::Connecting | Phase::Waiting | Phase::Active)
    }
}

/// The live conversation, saved with the widget's state across pages
/// ([`crate::persist`]).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Chat {
    /// Re-attaches a new connection to the conversation.
    pub resume: Option<String>,
    /// Highest sequence number seen (messages and acks).
    pub last_seq: u64,
    /// Sent but not yet acknowledged: `(client id, text)`.
    pub outbox: Vec<(String, String)>,
    /// Where it stands.
    pub phase: Phase,
    /// Place in the queue while waiting (1 = next).
    pub position: u32,
    /// Expected wait in seconds, when the server can tell.
    pub wait: Option<u32>,
    /// The agent's name once one joined.
    pub agent: Option<String>,
    /// The agent read the shopper's messages up to this sequence number.
    pub agent_read: u64,
    /// The campaign whose button started it.
    pub campaign: Option<String>,
    /// What the shopper is typing (kept across pages).
    pub draft: String,
}

impl Chat {
    /// Whether the conversation still runs (not closed).
    pub fn is_live(&self) -> bool {
        self.phase.is_live()
    }

    /// What the shopper wrote and nobody answered (`stored`: what the server
    /// kept), then the outbox and the draft, one per line: the message form's
    /// prefill when nobody can answer.
    pub fn unanswered(&self, stored: Option<&str>) -> String {
        let mut text = String::new();
        add_line(&mut text, stored.unwrap_or_default());
        for (_, sent) in &self.outbox {
            add_line(&mut text, sent);
        }
        add_line(&mut text, &self.draft);
        text
    }
}

/// How a transcript email went ([`Effect::Mail`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mail {
    /// Queued for this (normalised) address.
    Sent(String),
    /// Refused, with the server's reason.
    Refused(ProtocolError),
}

/// What the widget does after a frame, besides keeping the new [`Chat`].
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// The connection is ready: show it, start the backoff over.
    Connected,
    /// Send the outbox again (and a transcript email asked for meanwhile).
    Resend,
    /// Ask for a person (`start`, which also resends the outbox).
    AskForPerson,
    /// In a few seconds: ask for a person again (`true`) or resend the
    /// outbox (`false`); the server refused as too fast.
    Later(bool),
    /// Add a line to the log.
    Say(Line),
    /// The agent is typing, or stopped.
    AgentTyping(bool),
    /// Tell the server the shopper read up to this sequence number.
    Read(u64),
    /// The shopper's message (client id) is stored as this sequence number:
    /// mark it sent in the log; with its text when it came from another tab
    /// (not in this tab's outbox), to add when the log lacks it.
    Stored(String, u64, Option<String>),
    /// Nobody can answer: the chat is over, offer the message form with
    /// this text.
    Offline(String),
    /// The outcome of a transcript email.
    Mail(Mail),
}

/// Applies one frame from the server to `chat` (`None`: no conversation on
/// this page). `open`: the panel is open (agent messages count as read);
/// `mailing`: a transcript email waits for its answer.
pub fn receive(
    chat: &mut Option<Chat>,
    frame: ServerMessage,
    open: bool,
    mailing: bool,
) -> Vec<Effect> {
    use Effect::*;
    let mut effects = Vec::new();
    let live = chat.as_ref().is_some_and(Chat::is_live);
    // The mail's answers need no conversation (it may have ended).
    match frame {
        ServerMessage::TranscriptQueued { email } => return vec![Mail(self::Mail::Sent(email))],
        ServerMessage::Error { code, .. } if code != ProtocolError::RateLimited && mailing => {
            return vec![Mail(self::Mail::Refused(code))];
        }
        ServerMessage::Welcome {
            conversation: None, ..
        } if !live => {
            // Connected only to email an ended chat the server no longer
            // knows: never a new conversation for that.
            effects.push(Connected);
            if mailing {
                effects.push(Mail(self::Mail::Refused(ProtocolError::NotFound)));
            }
            return effects;
        }
        _ => {}
    }
    let Some(c) = chat.as_mut() else {
        return effects;
    };
    match frame {
        ServerMessage::Welcome { conversation, .. } => {
            effects.push(Connected);
            match conversation {
                Some(state) => {
                    c.agent_read = state.agent_read;
                    c.agent = state.agent.or(c.agent.take());
                    match state.state {
                        ConversationStatus::Active => c.phase = Phase::Active,
                        ConversationStatus::Closed => c.phase = Phase::Closed,
                        ConversationStatus::Waiting => {}
                    }
                    effects.push(Resend);
                }
                None => {
                    // A fresh start, or the server no longer knows the token.
                    c.resume = None;
                    effects.push(AskForPerson);
                }
            }
        }
        ServerMessage::Started { resume, .. } => c.resume = Some(resume),
        ServerMessage::Queue {
            position,
            expected_wait_seconds,
            ..
        } => {
            c.phase = Phase::Waiting;
            c.position = position;
            c.wait = expected_wait_seconds;
        }
        ServerMessage::Offline { text, .. } => {
            let typed = c.unanswered(text.as_deref());
            *chat = None;
            effects.push(Offline(typed));
        }
        ServerMessage::Message(message) => {
            let seq = message.seq;
            if seq <= c.last_seq {
                return effects;
            }
            c.last_seq = seq;
            match message.author {
                Party::Agent => {
                    effects.push(AgentTyping(false));
                    effects.push(Say(Line::Agent(
                        message.name.unwrap_or_default(),
                        message.text,
                    )));
                    if open {
                        effects.push(Read(seq));
                    }
                }
                Party::Shopper => {
                    let id = message.client_id.unwrap_or_default();
                    let mine = acknowledge(c, &id);
                    effects.push(Stored(id, seq, (!mine).then_some(message.text)));
                }
                Party::System => effects.push(Say(Line::Assistant(Kept::made(Said {
                    text: message.text,
                    card: None,
                })))),
            }
        }
        ServerMessage::Ack { client_id, seq } => {
            acknowledge(c, &client_id);
            c.last_seq = c.last_seq.max(seq);
            effects.push(Stored(client_id, seq, None));
        }
        ServerMessage::Typing { typing, .. } => effects.push(AgentTyping(typing)),
        ServerMessage::Error {
            code: ProtocolError::RateLimited,
            ..
        } => effects.push(Later(c.phase == Phase::Connecting)),
        ServerMessage::Read { seq } => c.agent_read = c.agent_read.max(seq),
        ServerMessage::AgentJoined { name } => {
            c.agent = Some(name.clone());
            c.phase = Phase::Active;
            effects.push(Say(Line::Joined(name)));
        }
        ServerMessage::Closed { rate, .. } => {
            c.phase = if rate { Phase::Rate } else { Phase::Closed };
            effects.push(AgentTyping(false));
            effects.push(Say(Line::Ended));
        }
        ServerMessage::Rated { .. } => {
            c.phase = Phase::Closed;
            effects.push(Say(Line::Rated));
        }
        ServerMessage::TranscriptQueued { .. } | ServerMessage::Pong { .. } => {}
        ServerMessage::Error { .. } => {}
    }
    effects
}

/// Takes `client_id` out of the outbox; whether it was there.
fn acknowledge(chat: &mut Chat, client_id: &str) -> bool {
    // Client ids are unique within the outbox ([`say`] makes them).
    let found = chat.outbox.iter().position(|(id, _)| id == client_id);
    if let Some(i) = found {
        chat.outbox.remove(i);
    }
    found.is_some()
}

/// "Talk to a person": a new conversation unless one runs (then `None`).
pub fn start(chat: &Option<Chat>, campaign: Option<String>) -> Option<Chat> {
    if chat.as_ref().is_some_and(Chat::is_live) {
        return None;
    }
    Some(Chat {
        campaign,
        ..Chat::default()
    })
}

/// The shopper sends `text` as `client_id`: kept in the outbox until the
/// server acknowledges it.
pub fn say(chat: &mut Chat, client_id: String, text: String) {
    chat.outbox.push((client_id, text));
}

/// The shopper ended the chat while the connection was down: it is over here.
pub fn end_offline(chat: &mut Chat) -> Effect {
    chat.phase = Phase::Closed;
    Effect::Say(Line::Ended)
}

#[cfg(test)]
mod tests {
    use super::*;
    use aisle_core::protocol::{ChatMessage, ConversationState, OfflineReason};

    fn live() -> Option<Chat> {
        start(&None, Some("welcome".into()))
    }

    fn message(seq: u64, author: Party, client_id: Option<&str>, text: &str) -> ServerMessage {
        ServerMessage::Message(ChatMessage {
            seq,
            client_id: client_id.map(Into::into),
            author,
            name: (author == Party::Agent).then(|| "Robin".into()),
            text: text.into(),
            at: 1,
        })
    }

    #[test]
    fn a_fresh_start_asks_for_a_person_and_a_running_chat_is_kept() {
        let mut chat = live();
        assert_eq!(chat.as_ref().unwrap().phase, Phase::Connecting);
        assert_eq!(chat.as_ref().unwrap().campaign.as_deref(), Some("welcome"));
        let welcome = ServerMessage::Welcome {
            protocol: 1,
            conversation: None,
        };
        assert_eq!(
            receive(&mut chat, welcome, false, false),
            [Effect::Connected, Effect::AskForPerson]
        );
        receive(
            &mut chat,
            ServerMessage::Started {
                conversation: "c".into(),
                resume: "r-1".into(),
            },
            false,
            false,
        );
        assert_eq!(chat.as_ref().unwrap().resume.as_deref(), Some("r-1"));
        assert_eq!(start(&chat, None), None, "one conversation at a time");
    }

    #[test]
    fn queue_updates_place_and_wait() {
        let mut chat = live();
        let effects = receive(
            &mut chat,
            ServerMessage::Queue {
                position: 3,
                expected_wait_seconds: Some(120),
                agents_online: 1,
            },
            false,
            false,
        );
        assert!(effects.is_empty());
        let c = chat.unwrap();
        assert_eq!(
            (c.phase, c.position, c.wait),
            (Phase::Waiting, 3, Some(120))
        );
    }

    #[test]
    fn an_agent_joining_makes_the_chat_active_and_says_so() {
        let mut chat = live();
        let effects = receive(
            &mut chat,
            ServerMessage::AgentJoined {
                name: "Robin".into(),
            },
            false,
            false,
        );
        assert_eq!(effects, [Effect::Say(Line::Joined("Robin".into()))]);
        let c = chat.unwrap();
        assert_eq!(
            (c.phase, c.agent.as_deref()),
            (Phase::Active, Some("Robin"))
        );
    }

    #[test]
    fn typing_shows_and_an_agent_message_ends_it_and_is_read_when_open() {
        let mut chat = live();
        let typing = ServerMessage::Typing {
            typing: true,
            name: None,
        };
        assert_eq!(
            receive(&mut chat, typing, false, false),
            [Effect::AgentTyping(true)]
        );
        let said = message(4, Party::Agent, None, "Hi!");
        assert_eq!(
            receive(&mut chat, said.clone(), true, false),
            [
                Effect::AgentTyping(false),
                Effect::Say(Line::Agent("Robin".into(), "Hi!".into())),
                Effect::Read(4)
            ]
        );
        assert!(
            receive(&mut chat, said, true, false).is_empty(),
            "a message seen before (resent after a reconnect) is shown once"
        );
        let closed_panel = message(5, Party::Agent, None, "Still there?");
        assert!(!receive(&mut chat, closed_panel, false, false).contains(&Effect::Read(5)));
        assert_eq!(chat.unwrap().last_seq, 5);
    }

    #[test]
    fn acks_empty_the_outbox_and_the_agent_reading_is_kept() {
        let mut chat = live();
        let c = chat.as_mut().unwrap();
        say(c, "c1".into(), "Hello".into());
        say(c, "c2".into(), "Is the parka warm?".into());
        let effects = receive(
            &mut chat,
            ServerMessage::Ack {
                client_id: "c1".into(),
                seq: 2,
            },
            false,
            false,
        );
        assert_eq!(effects, [Effect::Stored("c1".into(), 2, None)]);
        // The other tab's message comes back with its text; ours without.
        let mine = receive(
            &mut chat,
            message(3, Party::Shopper, Some("c2"), "Is the parka warm?"),
            false,
            false,
        );
        assert_eq!(mine, [Effect::Stored("c2".into(), 3, None)]);
        let other_tab = receive(
            &mut chat,
            message(4, Party::Shopper, Some("t2"), "From the other tab"),
            false,
            false,
        );
        assert_eq!(
            other_tab,
            [Effect::Stored(
                "t2".into(),
                4,
                Some("From the other tab".into())
            )]
        );
        receive(&mut chat, ServerMessage::Read { seq: 3 }, false, false);
        receive(&mut chat, ServerMessage::Read { seq: 2 }, false, false);
        let c = chat.unwrap();
        assert!(c.outbox.is_empty());
        assert_eq!((c.agent_read, c.last_seq), (3, 4), "reads never go back");
    }

    #[test]
    fn closing_asks_for_a_rating_and_rating_ends_it() {
        let mut chat = live();
        let effects = receive(
            &mut chat,
            ServerMessage::Closed {
                by: Party::Agent,
                rate: true,
            },
            false,
            false,
        );
        assert_eq!(
            effects,
            [Effect::AgentTyping(false), Effect::Say(Line::Ended)]
        );
        assert_eq!(chat.as_ref().unwrap().phase, Phase::Rate);
        assert!(!chat.as_ref().unwrap().is_live());
        let effects = receive(&mut chat, ServerMessage::Rated { score: 5 }, false, false);
        assert_eq!(effects, [Effect::Say(Line::Rated)]);
        assert_eq!(chat.as_ref().unwrap().phase, Phase::Closed);
        let mut other = live();
        receive(
            &mut other,
            ServerMessage::Closed {
                by: Party::Shopper,
                rate: false,
            },
            false,
            false,
        );
        assert_eq!(other.unwrap().phase, Phase::Closed);
        let mut offline = live();
        assert_eq!(
            end_offline(offline.as_mut().unwrap()),
            Effect::Say(Line::Ended)
        );
        assert_eq!(offline.unwrap().phase, Phase::Closed);
    }

    #[test]
    fn offline_ends_the_chat_and_keeps_everything_typed() {
        let mut chat = live();
        let c = chat.as_mut().unwrap();
        say(c, "c1".into(), "Is the parka warm?".into());
        c.draft = "And in blue?".into();
        let effects = receive(
            &mut chat,
            ServerMessage::Offline {
                reason: OfflineReason::OutsideBusinessHours,
                text: Some("Hello".into()),
            },
            false,
            false,
        );
        assert_eq!(
            effects,
            [Effect::Offline(
                "Hello\nIs the parka warm?\nAnd in blue?".into()
            )]
        );
        assert_eq!(chat, None);
    }

    #[test]
    fn resuming_takes_the_servers_state_and_resends_the_outbox() {
        let mut chat = live();
        let c = chat.as_mut().unwrap();
        c.resume = Some("r-1".into());
        c.agent = Some("Robin".into());
        say(c, "c1".into(), "Hello".into());
        let welcome = ServerMessage::Welcome {
            protocol: 1,
            conversation: Some(ConversationState {
                id: "c".into(),
                state: ConversationStatus::Active,
                agent: None,
                last_seq: 4,
                agent_read: 3,
            }),
        };
        assert_eq!(
            receive(&mut chat, welcome, false, false),
            [Effect::Connected, Effect::Resend]
        );
        let c = chat.as_ref().unwrap();
        assert_eq!(
            (c.phase, c.agent.as_deref(), c.agent_read),
            (Phase::Active, Some("Robin"), 3)
        );
        assert_eq!(c.outbox.len(), 1, "kept until acknowledged");
        // A token the server forgot: start again, without it.
        let forgotten = ServerMessage::Welcome {
            protocol: 1,
            conversation: None,
        };
        assert_eq!(
            receive(&mut chat, forgotten, false, false),
            [Effect::Connected, Effect::AskForPerson]
        );
        assert_eq!(chat.unwrap().resume, None);
    }

    #[test]
    fn too_fast_retries_what_was_refused() {
        let refused = || ServerMessage::Error {
            code: ProtocolError::RateLimited,
            message: String::new(),
        };
        let mut asking = live();
        assert_eq!(
            receive(&mut asking, refused(), false, true),
            [Effect::Later(true)]
        );
        let mut talking = live();
        talking.as_mut().unwrap().phase = Phase::Active;
        assert_eq!(
            receive(&mut talking, refused(), false, false),
            [Effect::Later(false)]
        );
    }

    #[test]
    fn transcript_emails_are_answered_even_after_the_chat() {
        let mut chat: Option<Chat> = None;
        let queued = ServerMessage::TranscriptQueued {
            email: "lea@example.com".into(),
        };
        assert_eq!(
            receive(&mut chat, queued, false, true),
            [Effect::Mail(Mail::Sent("lea@example.com".into()))]
        );
        let mut ended = live();
        ended.as_mut().unwrap().phase = Phase::Closed;
        let refused = ServerMessage::Error {
            code: ProtocolError::TooMany,
            message: String::new(),
        };
        assert_eq!(
            receive(&mut ended, refused.clone(), false, true),
            [Effect::Mail(Mail::Refused(ProtocolError::TooMany))]
        );
        assert!(
            receive(&mut ended, refused, false, false).is_empty(),
            "an error nobody waits for changes nothing"
        );
        let unknown = ServerMessage::Welcome {
            protocol: 1,
            conversation: None,
        };
        assert_eq!(
            receive(&mut ended, unknown, false, true),
            [
                Effect::Connected,
                Effect::Mail(Mail::Refused(ProtocolError::NotFound))
            ],
            "an ended chat the server forgot starts no new one"
        );
        assert_eq!(ended.unwrap().phase, Phase::Closed);
    }

    #[test]
    fn phases_keep_their_saved_numbers() {
        for (i, phase) in Phase::ALL.into_iter().enumerate() {
            assert_eq!(phase.number() as usize, i);
            assert_eq!(Phase::from_number(i as u8), phase);
        }
        assert_eq!(Phase::from_number(9), Phase::Connecting);
    }
}
