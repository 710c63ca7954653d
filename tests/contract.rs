//! The widget's contract with the server, in a real browser: every core type
//! the widget sends or receives goes through the widget's codec
//! (`aisle_widget::js`) and through `serde_json` (what the server uses), both
//! ways, and must come back equal. A field renamed or retyped in
//! `aisle_core` fails here (a field added fails to compile in `src/js.rs`).
//!
//! Run with `cargo xtask test` (or `CHROMEDRIVER=/usr/bin/chromedriver cargo
//! test -p aisle-widget --target wasm32-unknown-unknown --test contract`).

use aisle_core::api::{CampaignEvent, CampaignEventKind};
use aisle_core::assist::{
    AssistReply, AssistRequest, Card, Choice, Fact, Field, FieldKind, Form, Identity, Link, Prompt,
    Said,
};
use aisle_core::protocol::{
    Cart, CartItem, ChatContext, ChatMessage, ClientMessage, ConversationState, ConversationStatus,
    OfflineReason, Party, ProtocolError, ServerMessage,
};
use aisle_widget::js::{self, Js};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::fmt::Debug;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// `value` written by the widget reads back in serde as itself, and written
/// by serde reads back in the widget as itself.
fn both_ways<T: Js + Serialize + DeserializeOwned + PartialEq + Debug>(value: T) {
    let ours = js::encode(&value);
    let theirs: T = serde_json::from_str(&ours)
        .unwrap_or_else(|e| panic!("serde refuses the widget's {ours}: {e}"));
    assert_eq!(theirs, value, "the widget wrote {ours}");
    let json = serde_json::to_string(&value).unwrap();
    assert_eq!(
        js::decode::<T>(&json).as_ref(),
        Some(&value),
        "the widget read {json}"
    );
}

fn context() -> ChatContext {
    ChatContext {
        page_url: Some("https://shop.example/cart".into()),
        page_title: Some("Cart « é »".into()),
        pages: vec!["/".into(), "/collections/parkas".into()],
        cart: Some(Cart {
            value_minor: 12_900,
            currency: "EUR".into(),
            items: vec![CartItem {
                sku: "PARKA-M".into(),
                title: Some("Alpine parka".into()),
                quantity: 2,
            }],
        }),
        assist_session: Some("s-1".into()),
        assist_steps: vec!["track".into()],
        verified_orders: vec![1001, 1002],
        campaign: Some("welcome".into()),
        email: Some("ada@example.com".into()),
        email_verified: true,
        locale: Some("fr-CA".into()),
    }
}

fn message(author: Party) -> ChatMessage {
    ChatMessage {
        seq: 9_007_199_254_740_991, // the largest exact JSON number
        client_id: Some("c1".into()),
        author,
        name: Some("Robin".into()),
        text: "Hi! <b>not markup</b> 😀".into(),
        at: 1_795_755_600,
    }
}

#[wasm_bindgen_test]
fn every_message_the_widget_sends_reads_the_same_in_the_server() {
    for msg in [
        ClientMessage::Hello {
            resume: None,
            last_seq: 0,
        },
        ClientMessage::Hello {
            resume: Some("r-1".into()),
            last_seq: 4,
        },
        ClientMessage::Start {
            locale: "fr".into(),
            context: Box::new(context()),
            resume: Some("0123456789abcdef0123456789abcdef".into()),
        },
        ClientMessage::Start {
            locale: "en".into(),
            context: Box::default(),
            resume: None,
        },
        ClientMessage::Send {
            client_id: "c1".into(),
            text: "Is the parka warm?\nLine two".into(),
        },
        ClientMessage::Typing { typing: true },
        ClientMessage::Typing { typing: false },
        ClientMessage::Read { seq: 3 },
        ClientMessage::End,
        ClientMessage::Rate { score: 5 },
        ClientMessage::Ping { nonce: 7 },
        ClientMessage::EmailTranscript {
            email: "léa@example.com".into(),
        },
    ] {
        both_ways(msg);
    }
}

#[wasm_bindgen_test]
fn every_message_the_server_sends_reads_the_same_in_the_widget() {
    let mut frames = vec![
        ServerMessage::Welcome {
            protocol: 1,
            conversation: None,
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
        ServerMessage::Queue {
            position: 1,
            expected_wait_seconds: None,
            agents_online: 0,
        },
        ServerMessage::Offline {
            reason: OfflineReason::NoAgentOnline,
            text: None,
        },
        ServerMessage::Offline {
            reason: OfflineReason::OutsideBusinessHours,
            text: Some("Is the parka warm?".into()),
        },
        ServerMessage::Ack {
            client_id: "c1".into(),
            seq: 1,
        },
        ServerMessage::Typing {
            typing: true,
            name: Some("Robin".into()),
        },
        ServerMessage::Typing {
            typing: false,
            name: None,
        },
        ServerMessage::Read { seq: 4 },
        ServerMessage::AgentJoined {
            name: "Robin".into(),
        },
        ServerMessage::Closed {
            by: Party::Agent,
            rate: true,
        },
        ServerMessage::Closed {
            by: Party::Shopper,
            rate: false,
        },
        ServerMessage::Rated { score: 4 },
        ServerMessage::Pong { nonce: 7 },
        ServerMessage::TranscriptQueued {
            email: "lea@example.com".into(),
        },
    ];
    for state in [
        ConversationStatus::Waiting,
        ConversationStatus::Active,
        ConversationStatus::Closed,
    ] {
        frames.push(ServerMessage::Welcome {
            protocol: 1,
            conversation: Some(ConversationState {
                id: "c".into(),
                state,
                agent: Some("Robin".into()),
                last_seq: 3,
                agent_read: 2,
            }),
        });
    }
    for author in [Party::Shopper, Party::Agent, Party::System] {
        frames.push(ServerMessage::Message(message(author)));
    }
    for code in [
        ProtocolError::Malformed,
        ProtocolError::TooLarge,
        ProtocolError::UnexpectedMessage,
        ProtocolError::OriginNotAllowed,
        ProtocolError::TooLong,
        ProtocolError::Invalid,
        ProtocolError::RateLimited,
        ProtocolError::NotStarted,
        ProtocolError::AlreadyStarted,
        ProtocolError::ConversationClosed,
        ProtocolError::AlreadyTaken,
        ProtocolError::NotFound,
        ProtocolError::InvalidRating,
        ProtocolError::TooMany,
        ProtocolError::EmailUnavailable,
        ProtocolError::Internal,
    ] {
        frames.push(ServerMessage::Error {
            code,
            message: "why".into(),
        });
    }
    for frame in frames {
        both_ways(frame);
    }
}

#[wasm_bindgen_test]
fn unknown_frames_are_refused_and_unknown_names_read_as_the_neutral_one() {
    assert_eq!(js::decode::<ServerMessage>(r#"{"type":"shout"}"#), None);
    assert_eq!(js::decode::<ServerMessage>(r#"{"seq":1}"#), None);
    assert_eq!(js::decode::<ServerMessage>("not json"), None);
    // A reason a newer server knows: an error all the same.
    assert_eq!(
        js::decode::<ServerMessage>(r#"{"type":"error","code":"new_reason","message":""}"#),
        Some(ServerMessage::Error {
            code: ProtocolError::Internal,
            message: String::new()
        })
    );
    assert_eq!(js::decode::<Party>(r#""robot""#), None);
    // What serde fills in by default, the widget does too.
    assert_eq!(
        js::decode::<ServerMessage>(r#"{"type":"welcome","protocol":1}"#),
        Some(ServerMessage::Welcome {
            protocol: 1,
            conversation: None
        })
    );
}

fn card() -> Card {
    Card {
        title: "Order #1001".into(),
        status: Some("In transit".into()),
        tone: Some("in_transit".into()),
        facts: vec![
            Fact {
                label: "Carrier".into(),
                value: "UPS".into(),
                at: None,
                with_time: false,
            },
            Fact {
                label: "Ordered".into(),
                value: String::new(),
                at: Some(1_700_000_000),
                with_time: true,
            },
        ],
        link: Some(Link {
            label: "Track".into(),
            url: "https://ups.example/1Z".into(),
        }),
        list_title: Some("History".into()),
        list: vec![Fact {
            label: "Shipped".into(),
            value: "Lyon".into(),
            at: Some(1_700_000_100),
            with_time: false,
        }],
    }
}

fn prompt() -> Prompt {
    let field = |name: &str, kind| Field {
        name: name.into(),
        label: name.to_uppercase(),
        kind,
        hint: Some("a hint".into()),
        error: None,
        value: "v".into(),
        max: 12,
        options: Vec::new(),
        required: true,
    };
    let mut select = field("reason", FieldKind::Select);
    select.options = vec![Choice {
        action: "other".into(),
        label: "Other".into(),
        primary: false,
    }];
    select.error = Some("Choose one".into());
    Prompt {
        label: "Enter your order number".into(),
        form: Some(Form {
            action: "identify:track".into(),
            fields: vec![
                field("order", FieldKind::Text),
                field("email", FieldKind::Email),
                field("message", FieldKind::LongText),
                field("quantity", FieldKind::Quantity),
                select,
            ],
            submit: "Find my order".into(),
        }),
        choices: vec![
            Choice {
                action: "menu".into(),
                label: "Something else".into(),
                primary: false,
            },
            Choice {
                action: "human".into(),
                label: "Talk to a person".into(),
                primary: true,
            },
        ],
    }
}

#[wasm_bindgen_test]
fn self_service_bodies_read_the_same_on_both_sides() {
    both_ways(AssistRequest {
        session: Some("s-1".into()),
        locale: "th".into(),
        action: "identify:track".into(),
        values: vec![
            ("order".into(), "#1001".into()),
            ("email".into(), "ada@example.com".into()),
        ],
        identity: Some(Identity {
            email: "ada@example.com".into(),
            exp: Some(1_900_000_000),
            signature: "ab12".into(),
            tags: Some("vip".into()),
            first_name: Some("Ada".into()),
            profile_signature: Some("cd34".into()),
        }),
    });
    both_ways(AssistRequest {
        session: None,
        locale: "en".into(),
        action: "menu".into(),
        values: Vec::new(),
        identity: None,
    });
    both_ways(AssistReply {
        session: "s-2".into(),
        echo: Some("#1001 · ada@example.com".into()),
        said: vec![
            Said {
                text: "Here it is".into(),
                card: Some(card()),
            },
            Said {
                text: "Anything else?".into(),
                card: None,
            },
        ],
        prompt: Some(prompt()),
    });
    both_ways(AssistReply {
        session: "s-3".into(),
        echo: None,
        said: Vec::new(),
        prompt: None,
    });
    both_ways(card());
    both_ways(prompt());
}

#[wasm_bindgen_test]
fn campaign_events_read_the_same_on_both_sides() {
    for kind in [
        CampaignEventKind::Shown,
        CampaignEventKind::Clicked,
        CampaignEventKind::Dismissed,
        CampaignEventKind::ConversationStarted,
    ] {
        both_ways(CampaignEvent {
            campaign: "black-friday".into(),
            kind,
            visitor: Some("v-123".into()),
            variant: Some("b".into()),
        });
    }
    both_ways(CampaignEvent {
        campaign: "welcome".into(),
        kind: CampaignEventKind::Shown,
        visitor: None,
        variant: None,
    });
}
