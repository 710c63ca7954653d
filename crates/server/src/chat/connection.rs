//! One WebSocket connection, whichever side it serves: the loop both
//! `/ws/v1?site=ID` (`ws.rs`, shoppers) and `/ws/v1/agent`
//! ([`super::agent`]) run on. Heartbeats, the per-connection frame limit,
//! close codes, and the order of frames (what the hub queued for this
//! connection first); what the frames mean is up to the connection's [`Peer`].
//!
//! A malformed, binary or oversized frame closes that one connection with a
//! reason, never the server.

use super::RateWindow;
use super::hub::{self, Outbox};
use aisle_core::protocol::{MAX_FRAME_BYTES, ProtocolError, ServerMessage};
use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade, close_code};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::future::Future;
use std::time::Duration;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// How often the server pings an otherwise quiet connection.
pub const HEARTBEAT: Duration = Duration::from_secs(30);
/// A peer silent for this long (no frame, no pong) is considered dead.
pub const DEAD_AFTER: Duration = Duration::from_secs(75);
/// Frames of any kind a connection may send per [`FLOOD_WINDOW`]; more are refused.
pub const FLOOD_FRAMES: usize = 120;
/// Window of [`FLOOD_FRAMES`].
pub const FLOOD_WINDOW: Duration = Duration::from_secs(10);

/// The frame limits every endpoint applies.
pub fn limits(ws: WebSocketUpgrade) -> WebSocketUpgrade {
    ws.max_message_size(MAX_FRAME_BYTES)
        .max_frame_size(MAX_FRAME_BYTES)
        // Small buffers keep an idle connection cheap; frames are small JSON.
        .read_buffer_size(512)
        .write_buffer_size(0)
}

/// What to do after a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// Keep the connection.
    Continue,
    /// Close it with this code and reason (after sending what is queued).
    Close(u16, &'static str),
}

/// One side of a connection: turns the peer's messages into replies and effects.
pub trait Peer: Send + 'static {
    /// The messages this peer sends.
    type Incoming: DeserializeOwned + Send;

    /// Handles one well-formed message.
    fn handle(
        &mut self,
        message: Self::Incoming,
        io: &mut Io<'_>,
    ) -> impl Future<Output = Flow> + Send;

    /// The connection ended, whatever the reason.
    fn leave(self) -> impl Future<Output = ()> + Send;
}

/// The socket as a [`Peer`] writes to it. Every write first flushes frames the
/// hub queued for this connection, so the peer sees events in the order they happened.
pub struct Io<'a> {
    socket: &'a mut WebSocket,
    outbox: &'a mut Outbox,
    broken: bool,
}

impl Io<'_> {
    /// Writes `message` (after anything queued); `false` when the socket is gone.
    pub async fn send<T: Serialize>(&mut self, message: &T) -> bool {
        self.flush().await;
        self.write(hub::encode(message)).await
    }

    /// Writes `message` ahead of anything the hub queued (which follows with
    /// the next write): for the `welcome`, which must be a connection's first
    /// frame although the connection is registered, and counted, before it.
    pub async fn send_first<T: Serialize>(&mut self, message: &T) -> bool {
        self.write(hub::encode(message)).await
    }

    /// Writes the frames the hub queued for this connection.
    pub async fn flush(&mut self) {
        while let Some(frame) = self.outbox.try_recv() {
            if !self.write(frame).await {
                return;
            }
        }
    }

    async fn write(&mut self, frame: Utf8Bytes) -> bool {
        if self.broken {
            return false;
        }
        if self.socket.send(Message::Text(frame)).await.is_err() {
            self.broken = true;
        }
        !self.broken
    }

    /// Refuses a frame out of order (anything before `hello`, or a second
    /// `hello`) and says to close the connection.
    pub async fn unexpected(&mut self) -> Flow {
        self.error(
            ProtocolError::UnexpectedMessage,
            "the first message must be hello, and only the first",
        )
        .await;
        Flow::Close(close_code::POLICY, "unexpected message")
    }

    /// Sends an `error` frame (the same shape for shoppers and agents).
    pub async fn error(&mut self, code: ProtocolError, message: impl Into<String>) -> bool {
        self.send(&ServerMessage::Error {
            code,
            message: message.into(),
        })
        .await
    }
}

/// Why a connection is being closed, with the close frame to send.
fn close(code: u16, reason: &'static str) -> Message {
    Message::Close(Some(CloseFrame {
        code,
        reason: Utf8Bytes::from_static(reason),
    }))
}

/// Runs one connection until the peer leaves, breaks the protocol, dies or the
/// server stops; then lets the peer clean up.
///
/// A plain function returning the future, not an `async fn`: an `async fn`'s
/// `mut` parameters are stored twice in its future (as arguments and as
/// locals), and this future lives as long as the connection.
pub fn serve<P: Peer>(
    socket: WebSocket,
    shutdown: CancellationToken,
    peer: P,
    outbox: Outbox,
) -> impl Future<Output = ()> + Send {
    let mut parts = (socket, peer, outbox);
    async move {
        let (socket, peer, outbox) = &mut parts;
        run(socket, &shutdown, peer, outbox).await;
        let (_, peer, _) = parts;
        peer.leave().await;
    }
}

async fn run<P: Peer>(
    socket: &mut WebSocket,
    shutdown: &CancellationToken,
    peer: &mut P,
    outbox: &mut Outbox,
) {
    let mut last_heard = Instant::now();
    let mut heartbeat = tokio::time::interval_at(Instant::now() + HEARTBEAT, HEARTBEAT);
    let mut flood = RateWindow::new(FLOOD_FRAMES, FLOOD_WINDOW);
    loop {
        let frame = tokio::select! {
            _ = shutdown.cancelled() => {
                let _ = socket.send(close(close_code::RESTART, "server restarting")).await;
                return;
            }
            next = outbox.next() => {
                match next {
                    hub::Next::Frame(frame) => {
                        if socket.send(Message::Text(frame)).await.is_err() {
                            return;
                        }
                    }
                    hub::Next::Kicked(code, reason) => {
                        let _ = socket.send(close(code, reason)).await;
                        return;
                    }
                }
                continue;
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
        let mut io = Io {
            socket: &mut *socket,
            outbox: &mut *outbox,
            broken: false,
        };
        if !flood.allow(std::time::Instant::now()) {
            // Rare paths are boxed: their state would otherwise be reserved
            // in every connection's task for its whole life.
            Box::pin(io.error(
                ProtocolError::RateLimited,
                "too many frames; slow down and resend",
            ))
            .await;
            continue;
        }
        let flow = match serde_json::from_str::<P::Incoming>(&text) {
            Err(e) => {
                Box::pin(io.error(ProtocolError::Malformed, e.to_string())).await;
                Flow::Close(close_code::INVALID, "malformed message")
            }
            // Boxed: handling a message (database calls and all) needs ~2 KB
            // of future state, which would otherwise sit in every idle
            // connection's task for its whole life.
            Ok(message) => Box::pin(peer.handle(message, &mut io)).await,
        };
        if io.broken {
            return;
        }
        if let Flow::Close(code, reason) = flow {
            Box::pin(async move {
                io.flush().await;
                let _ = io.socket.send(close(code, reason)).await;
            })
            .await;
            return;
        }
    }
}
