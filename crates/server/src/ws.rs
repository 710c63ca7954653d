//! The WebSocket endpoint `/ws/v1?site=ID`, speaking `aisle_core::protocol`.
//!
//! The page's `Origin` is checked against the site before the upgrade. Each
//! connection is one task, tracked by the server's [`TaskTracker`] so shutdown
//! can close sockets cleanly and wait for them (axum's graceful shutdown does
//! not wait for upgraded connections: tokio-rs/axum#3003). A malformed, binary
//! or oversized frame closes that one connection with a reason, never the server.

use crate::AppState;
use aisle_core::protocol::{
    ClientMessage, MAX_FRAME_BYTES, PROTOCOL_VERSION, ProtocolError, ServerMessage,
};
use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade, close_code};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use std::time::Duration;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// How often the server pings an otherwise quiet connection.
pub const HEARTBEAT: Duration = Duration::from_secs(30);
/// A peer silent for this long (no frame, no pong) is considered dead.
pub const DEAD_AFTER: Duration = Duration::from_secs(75);

/// Query of the upgrade request.
#[derive(Debug, Deserialize)]
pub struct Connect {
    /// The site id from the merchant snippet.
    site: String,
}

/// `GET /ws/v1?site=ID`: checks site and origin, then upgrades.
pub async fn upgrade(
    ws: WebSocketUpgrade,
    State(state): State<AppState>,
    Query(connect): Query<Connect>,
    headers: HeaderMap,
) -> Response {
    let Some(site) = state.sites.get(&connect.site) else {
        return (StatusCode::NOT_FOUND, "unknown site").into_response();
    };
    let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok());
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    if !origin.is_some_and(|o| site.allows_origin(o, host)) {
        tracing::warn!(
            site = site.id,
            origin,
            "websocket refused: origin not allowed"
        );
        return (StatusCode::FORBIDDEN, "origin not allowed for this site").into_response();
    }
    let shutdown = state.shutdown.clone();
    let tasks = state.tasks.clone();
    ws.max_message_size(MAX_FRAME_BYTES)
        .max_frame_size(MAX_FRAME_BYTES)
        // Small buffers keep an idle connection cheap; frames are small JSON.
        .read_buffer_size(4 * 1024)
        .write_buffer_size(0)
        .on_upgrade(move |socket| tasks.track_future(serve_connection(socket, shutdown)))
}

/// Why a connection is being closed, with the close frame to send.
fn close(code: u16, reason: &'static str) -> Message {
    Message::Close(Some(CloseFrame {
        code,
        reason: Utf8Bytes::from_static(reason),
    }))
}

fn encode(message: &ServerMessage) -> Message {
    // Serializing our own enum cannot fail.
    Message::Text(serde_json::to_string(message).unwrap_or_default().into())
}

/// Runs one connection until the peer leaves, breaks the protocol, dies or the server stops.
async fn serve_connection(mut socket: WebSocket, shutdown: CancellationToken) {
    let mut greeted = false;
    let mut last_heard = Instant::now();
    let mut heartbeat = tokio::time::interval_at(Instant::now() + HEARTBEAT, HEARTBEAT);
    loop {
        let frame = tokio::select! {
            _ = shutdown.cancelled() => {
                let _ = socket.send(close(close_code::RESTART, "server restarting")).await;
                return;
            }
            _ = heartbeat.tick() => {
                if last_heard.elapsed() >= DEAD_AFTER {
                    let _ = socket.send(close(close_code::AWAY, "no heartbeat")).await;
                    return;
                }
                if socket.send(Message::Ping(Default::default())).await.is_err() {
                    return;
                }
                continue;
            }
            frame = socket.recv() => frame,
        };
        let text = match frame {
            None | Some(Ok(Message::Close(_))) => return,
            Some(Err(e)) => {
                // Oversized frames surface here: the codec refuses them before we see them.
                tracing::debug!(error = %e, "websocket read failed");
                let _ = socket
                    .send(close(close_code::SIZE, "frame too large or invalid"))
                    .await;
                return;
            }
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => {
                last_heard = Instant::now();
                continue;
            }
            Some(Ok(Message::Binary(_))) => {
                let _ = socket
                    .send(close(
                        close_code::UNSUPPORTED,
                        "binary frames are not part of the protocol",
                    ))
                    .await;
                return;
            }
            Some(Ok(Message::Text(text))) => text,
        };
        last_heard = Instant::now();
        let reply = match serde_json::from_str::<ClientMessage>(&text) {
            Err(e) => {
                let error = ServerMessage::Error {
                    code: ProtocolError::Malformed,
                    message: e.to_string(),
                };
                let _ = socket.send(encode(&error)).await;
                let _ = socket
                    .send(close(close_code::INVALID, "malformed message"))
                    .await;
                return;
            }
            Ok(ClientMessage::Hello) if !greeted => {
                greeted = true;
                ServerMessage::Welcome {
                    protocol: PROTOCOL_VERSION,
                }
            }
            Ok(ClientMessage::Ping { nonce }) if greeted => ServerMessage::Pong { nonce },
            Ok(_) => {
                let error = ServerMessage::Error {
                    code: ProtocolError::UnexpectedMessage,
                    message: "the first message must be hello, and only the first".into(),
                };
                let _ = socket.send(encode(&error)).await;
                let _ = socket
                    .send(close(close_code::POLICY, "unexpected message"))
                    .await;
                return;
            }
        };
        if socket.send(encode(&reply)).await.is_err() {
            return;
        }
    }
}
