//! Live handoff: durable conversations between a shopper and an agent over
//! WebSockets.
//!
//! - [`store`]: conversations, messages and read markers in SQLite; every
//!   message is stored (with its sequence number, deduplicated by `client_id`)
//!   before anyone is told about it.
//! - [`hub`]: who is connected, agents' presence, fan-out and the queue
//!   notifications (position, expected wait).
//! - [`shopper`]: the widget's side (`/ws/v1?site=ID`): start, send, resume.
//! - [`agent`]: the console's side (`/ws/v1/agent`, logged-in agents): queue,
//!   accept, reply, close, transfer.
//! - [`cluster`]: with `--bus`, the NATS bus between nodes, the sequencer's
//!   store reads, and presence and the agent grace as database rows.
//! - [`connection`]: the loop every WebSocket runs on (heartbeat, frame
//!   limits, close codes), driving a [`connection::Peer`].
//!
//! The wire types are `aisle_core::protocol`.

pub mod agent;
pub mod cluster;
pub mod connection;
pub mod hub;
pub mod shopper;
pub mod store;

pub use hub::Hub;

use aisle_core::protocol::{MAX_CLIENT_ID_BYTES, MAX_MESSAGE_CHARS, ProtocolError};
use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// Chat messages a connection may send per [`SEND_WINDOW`]; more are refused
/// with `rate_limited` (the client keeps them unacknowledged and resends).
pub const SEND_LIMIT: usize = 20;
/// Window of [`SEND_LIMIT`].
pub const SEND_WINDOW: Duration = Duration::from_secs(10);
/// Most tags kept when an agent closes a conversation.
pub const MAX_TAGS: usize = 10;
/// Longest tag kept, in characters.
pub const MAX_TAG_CHARS: usize = 40;

/// A sliding-window counter: at most `max` events per `window`.
#[derive(Debug)]
pub struct RateWindow {
    max: usize,
    window: Duration,
    times: VecDeque<Instant>,
}

impl RateWindow {
    /// Allows `max` events per `window`.
    pub fn new(max: usize, window: Duration) -> Self {
        RateWindow {
            max,
            window,
            // Grown on demand: every connection has windows, most stay quiet,
            // and `max` slots up front cost ~2 KB per idle connection.
            times: VecDeque::new(),
        }
    }

    /// Counts an event at `now`; `false` (and not counted) when over the limit.
    pub fn allow(&mut self, now: Instant) -> bool {
        while self
            .times
            .front()
            .is_some_and(|t| now.saturating_duration_since(*t) >= self.window)
        {
            self.times.pop_front();
        }
        if self.times.len() >= self.max {
            return false;
        }
        self.times.push_back(now);
        true
    }
}

/// Checks a chat message before it is stored: the error to answer, if any.
pub fn check_message(client_id: &str, text: &str) -> Option<(ProtocolError, &'static str)> {
    if client_id.is_empty() || client_id.len() > MAX_CLIENT_ID_BYTES {
        return Some((
            ProtocolError::Invalid,
            "client_id must be 1 to 64 bytes long",
        ));
    }
    if text.trim().is_empty() {
        return Some((ProtocolError::Invalid, "the message is empty"));
    }
    if text.chars().nth(MAX_MESSAGE_CHARS).is_some() {
        return Some((
            ProtocolError::TooLong,
            "messages are limited to 2000 characters",
        ));
    }
    None
}

/// Agent tags as stored: trimmed, non-empty, bounded, without repeats.
pub fn clean_tags(tags: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for tag in tags {
        let tag: String = tag.trim().chars().take(MAX_TAG_CHARS).collect();
        if !tag.is_empty() && !out.contains(&tag) && out.len() < MAX_TAGS {
            out.push(tag);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_allows_max_events_then_frees_up_as_they_age() {
        let mut w = RateWindow::new(2, Duration::from_secs(10));
        let t0 = Instant::now();
        assert!(w.allow(t0));
        assert!(w.allow(t0));
        assert!(!w.allow(t0 + Duration::from_secs(9)));
        assert!(w.allow(t0 + Duration::from_secs(10)));
    }

    #[test]
    fn messages_need_an_id_and_text_within_limits() {
        assert!(check_message("c1", "hi").is_none());
        assert_eq!(
            check_message("", "hi").map(|e| e.0),
            Some(ProtocolError::Invalid)
        );
        assert_eq!(
            check_message("c1", "  ").map(|e| e.0),
            Some(ProtocolError::Invalid)
        );
        let at_limit = "é".repeat(MAX_MESSAGE_CHARS);
        assert!(check_message("c1", &at_limit).is_none());
        assert_eq!(
            check_message("c1", &format!("{at_limit}x")).map(|e| e.0),
            Some(ProtocolError::TooLong)
        );
    }

    #[test]
    fn tags_are_trimmed_bounded_and_unique() {
        let tags = clean_tags(vec![" shipping ".into(), "".into(), "shipping".into()]);
        assert_eq!(tags, ["shipping"]);
        assert_eq!(clean_tags(vec!["t".into(); 50]).len(), 1);
        assert_eq!(
            clean_tags((0..50).map(|i| i.to_string()).collect()).len(),
            MAX_TAGS
        );
    }
}
