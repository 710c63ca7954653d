//! Frames the agent console sends on `/ws/v1/agent`: decoding, then the
//! checks the server runs on them (message id and length, tags cleaned and
//! bounded).

#![no_main]

use aisle_core::protocol::AgentClientMessage;
use aisle_server::chat::{check_message, clean_tags};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(message) = serde_json::from_str::<AgentClientMessage>(text) else {
        return;
    };
    let encoded = serde_json::to_string(&message).expect("a frame serializes");
    let decoded: AgentClientMessage = serde_json::from_str(&encoded).expect("a frame decodes");
    assert_eq!(decoded, message);
    match message {
        AgentClientMessage::Send {
            client_id, text, ..
        } => {
            let _ = check_message(&client_id, &text);
        }
        AgentClientMessage::Close { tags, .. } => {
            let cleaned = clean_tags(tags);
            assert!(cleaned.len() <= 10);
            assert!(
                cleaned
                    .iter()
                    .all(|t| !t.is_empty() && t.chars().count() <= 40)
            );
        }
        _ => {}
    }
});
