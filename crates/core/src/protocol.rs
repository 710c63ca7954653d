//! The WebSocket wire protocol between widget (or console) and server.
//!
//! One JSON text frame per message, one tagged enum per direction
//! (`{"type": "hello", ...}`). The protocol version is part of the URL the
//! client connects to ([`ws_path`]), so a server can speak several versions
//! while widgets cached in shoppers' browsers catch up.

use serde::{Deserialize, Serialize};

/// The protocol version this build speaks.
pub const PROTOCOL_VERSION: u32 = 1;

/// Largest text frame either side accepts, in bytes; larger frames close the connection.
pub const MAX_FRAME_BYTES: usize = 16 * 1024;

/// Path of the WebSocket endpoint for a protocol version (`/ws/v1`).
/// The site id travels in the query (`/ws/v1?site=demo`) so the server can
/// check the page's origin against the site before accepting the upgrade.
pub fn ws_path(version: u32) -> String {
    format!("/ws/v{version}")
}

/// Messages the widget sends to the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientMessage {
    /// First frame on every connection.
    Hello,
    /// Liveness probe; the server answers [`ServerMessage::Pong`] with the same nonce.
    Ping {
        /// Echoed back.
        nonce: u64,
    },
}

/// Messages the server sends to the widget.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerMessage {
    /// Answer to [`ClientMessage::Hello`]: the connection is ready.
    Welcome {
        /// The protocol version the server speaks on this connection.
        protocol: u32,
    },
    /// Answer to [`ClientMessage::Ping`].
    Pong {
        /// The nonce of the ping.
        nonce: u64,
    },
    /// The server rejects the last frame; fatal errors are followed by a close frame.
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
    /// The frame is not a message of this protocol version.
    Malformed,
    /// The frame exceeds [`MAX_FRAME_BYTES`].
    TooLarge,
    /// The first frame was not `hello`, or `hello` came twice.
    UnexpectedMessage,
    /// The page's origin is not among the site's allowed origins.
    OriginNotAllowed,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip_client(msg: ClientMessage) {
        let json = serde_json::to_string(&msg).unwrap();
        assert_eq!(
            serde_json::from_str::<ClientMessage>(&json).unwrap(),
            msg,
            "{json}"
        );
    }

    fn round_trip_server(msg: ServerMessage) {
        let json = serde_json::to_string(&msg).unwrap();
        assert_eq!(
            serde_json::from_str::<ServerMessage>(&json).unwrap(),
            msg,
            "{json}"
        );
    }

    #[test]
    fn every_message_round_trips() {
        round_trip_client(ClientMessage::Hello);
        round_trip_client(ClientMessage::Ping { nonce: 7 });
        round_trip_server(ServerMessage::Welcome {
            protocol: PROTOCOL_VERSION,
        });
        round_trip_server(ServerMessage::Pong { nonce: 7 });
        round_trip_server(ServerMessage::Error {
            code: ProtocolError::Malformed,
            message: "bad".into(),
        });
    }

    #[test]
    fn messages_are_tagged_by_type_on_the_wire() {
        let json = serde_json::to_value(ClientMessage::Ping { nonce: 1 }).unwrap();
        assert_eq!(json, serde_json::json!({"type": "ping", "nonce": 1}));
        let hello: ClientMessage = serde_json::from_str(r#"{"type":"hello"}"#).unwrap();
        assert_eq!(hello, ClientMessage::Hello);
    }

    #[test]
    fn unknown_message_types_are_rejected() {
        assert!(serde_json::from_str::<ClientMessage>(r#"{"type":"shout"}"#).is_err());
        assert!(serde_json::from_str::<ClientMessage>(r#"{"nonce":1}"#).is_err());
    }

    #[test]
    fn the_version_is_in_the_path() {
        assert_eq!(ws_path(PROTOCOL_VERSION), "/ws/v1");
    }
}
