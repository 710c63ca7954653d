//! The conversation shown in the panel's log: what the assistant said, what
//! the shopper chose or typed, and the orders found. Entries hold message
//! *kinds*, not text, so switching language re-words the whole log.

use aisle_core::order::OrderView;
use serde::{Deserialize, Serialize};

/// One entry of the log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// Unique within the log (keys the rendered list).
    pub id: u32,
    /// What it says.
    pub line: Line,
}

/// What an entry says.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Line {
    /// The assistant's opening line.
    Greeting,
    /// The shopper chose "Track order".
    ChoseTrackOrder,
    /// The assistant asks for order number + email.
    AskOrder,
    /// The shopper submitted an order number and email.
    Submitted {
        /// Order number as normalized (`#1001`).
        order: String,
        /// Email as typed.
        email: String,
    },
    /// An order was found.
    Order(Box<OrderView>),
    /// No order matches that pair.
    NotFound,
    /// Too many failed lookups.
    RateLimited {
        /// Minutes until a retry may succeed.
        minutes: u64,
    },
    /// The server could not be reached.
    NetworkError,
}

impl Line {
    /// Whether the shopper (rather than the assistant) said it.
    pub fn from_shopper(&self) -> bool {
        matches!(self, Line::ChoseTrackOrder | Line::Submitted { .. })
    }
}

/// Appends `line` to `log` with the next id.
pub fn push(log: &mut Vec<Entry>, line: Line) {
    let id = log.last().map_or(0, |e| e.id + 1);
    log.push(Entry { id, line });
}
