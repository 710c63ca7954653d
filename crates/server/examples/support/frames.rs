//! One server frame as the chaos examples' clients read it (`chaos`,
//! `chaos_cluster`, shoppers and agents alike): closed or failed sockets
//! end the connection, frames that are not text are skipped, and a text
//! that is not the expected message is reported and skipped.

use serde::de::DeserializeOwned;
use tokio_tungstenite::tungstenite::{Error, Message};

/// What one read from the socket gave.
pub enum Frame<T> {
    /// A message of the expected type.
    Read(T),
    /// Nothing to act on (a ping, a pong, an unreadable text).
    Skip,
    /// The socket closed or failed: reconnect.
    Broken,
}

/// `frame` (the socket's next item) as a `T`; an unreadable text goes to
/// `unreadable` with serde's error, then is skipped.
pub fn read<T: DeserializeOwned>(
    frame: Option<Result<Message, Error>>,
    unreadable: impl FnOnce(&str, serde_json::Error),
) -> Frame<T> {
    let text = match frame {
        Some(Ok(Message::Text(text))) => text,
        Some(Ok(Message::Close(_)) | Err(_)) | None => return Frame::Broken,
        Some(Ok(_)) => return Frame::Skip,
    };
    match serde_json::from_str(&text) {
        Ok(message) => Frame::Read(message),
        Err(e) => {
            unreadable(&text, e);
            Frame::Skip
        }
    }
}
