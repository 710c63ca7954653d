//! Frames a shopper's widget sends on `/ws/v1`: decoding, then the checks the
//! server runs on them before anything is stored (message id and length,
//! the context clipped to its bounds and its queue priority).

#![no_main]

use aisle_core::protocol::ClientMessage;
use aisle_server::chat::check_message;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(message) = serde_json::from_str::<ClientMessage>(text) else {
        return;
    };
    // What decodes re-encodes to the same message.
    let encoded = serde_json::to_string(&message).expect("a frame serializes");
    let decoded: ClientMessage = serde_json::from_str(&encoded).expect("a frame decodes");
    assert_eq!(decoded, message);
    match message {
        ClientMessage::Send { client_id, text } => {
            let _ = check_message(&client_id, &text);
        }
        ClientMessage::Start {
            locale,
            mut context,
            ..
        } => {
            let _: String = locale.chars().take(35).collect();
            context.clip();
            let _ = context.priority();
            // Clipping is idempotent.
            let clipped = context.clone();
            context.clip();
            assert_eq!(context, clipped);
        }
        _ => {}
    }
});
