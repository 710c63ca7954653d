//! The conversation shown in the panel's log: the widget's greeting, what the
//! shopper chose or typed, what the assistant answered (already worded by the
//! server, with an optional card such as an order's status), and the live chat
//! with a person.

use aisle_core::assist::Said;

/// One entry of the log.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// Unique within the log (keys the rendered list).
    pub id: u32,
    /// What it says.
    pub line: Line,
}

/// What an entry says.
#[derive(Debug, Clone, PartialEq)]
pub enum Line {
    /// The widget's opening line (worded in the current locale).
    Greeting,
    /// What the shopper chose or submitted, as they would say it.
    Shopper(String),
    /// The assistant's answer, with the JSON it came as.
    Assistant(Kept<Said>),
    /// The server could not be reached; nothing typed was lost.
    NetworkError,
    /// A live-chat message of the shopper: client id, text, and the sequence
    /// number the server stored it as (0: not yet acknowledged).
    Sent(String, String, u64),
    /// A live-chat message of an agent: name, text.
    Agent(String, String),
    /// An agent (named) joined the chat.
    Joined(String),
    /// The live chat ended.
    Ended,
    /// The shopper's rating was stored.
    Rated,
}

impl Line {
    /// Whether the shopper (rather than the assistant) said it.
    pub fn from_shopper(&self) -> bool {
        matches!(self, Line::Shopper(_) | Line::Sent(..))
    }
}

/// Appends `line` to `text` on a line of its own; nothing when it is empty.
#[inline(never)]
pub fn add_line(text: &mut String, line: &str) {
    if !line.is_empty() {
        if !text.is_empty() {
            text.push('\n');
        }
        text.push_str(line);
    }
}

/// Longest log kept (older entries scroll away), so saved state stays small.
pub const MAX_ENTRIES: usize = 80;

/// Appends `line` to `log` with the next id, dropping the oldest beyond [`MAX_ENTRIES`].
pub fn push(log: &mut Vec<Entry>, line: Line) {
    let id = log.last().map_or(0, |e| e.id + 1);
    log.push(Entry { id, line });
    if log.len() > MAX_ENTRIES {
        log.remove(0);
    }
}

/// A value the server sent, typed, with the JSON text it came as: that text
/// is what [`crate::persist`] saves for the next page, so the widget never
/// encodes an answer or a question again (their writers stay out of the
/// bundle). Two are equal when their values are, whatever the text's spacing.
#[derive(Debug, Clone)]
pub struct Kept<T> {
    /// The value, decoded by [`crate::js`].
    pub value: T,
    /// The JSON text it was decoded from; empty for one the widget made
    /// itself (a system message of the live chat: saved as its text alone).
    pub json: String,
}

impl<T> Kept<T> {
    /// A value the widget made itself, with no JSON text.
    pub fn made(value: T) -> Self {
        Kept {
            value,
            json: String::new(),
        }
    }
}

impl<T: PartialEq> PartialEq for Kept<T> {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}
