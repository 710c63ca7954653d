//! The agent WebSocket (`/ws/v1/agent`): one connection per page, opened
//! after login and reopened after any drop (with growing pauses, forever, as
//! long as the agent is logged in). The session cookie authenticates the
//! upgrade. Frames are `aisle_core::protocol` agent messages as JSON.
//!
//! A ping every [`PING_EVERY_MS`] that goes unanswered until the next one
//! closes the connection, so a dead network is noticed and healed.

use aisle_core::protocol::{
    AgentClientMessage, AgentServerMessage, MAX_FRAME_BYTES, PROTOCOL_VERSION, agent_ws_path,
};
use gloo_timers::callback::{Interval, Timeout};
use std::cell::{Cell, RefCell};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;
use web_sys::{CloseEvent, Event, MessageEvent, WebSocket};

/// What the connection tells the screen it serves (the console's state
/// implements it), so the transport knows nothing of the screens.
pub trait Listener: Copy + 'static {
    /// A connection is being opened.
    fn connecting(self);
    /// A frame arrived (pongs are handled here and never passed on).
    fn receive(self, message: AgentServerMessage);
    /// An admin disabled the account: the server ended every session.
    fn account_disabled(self);
    /// The connection dropped; a reconnect is scheduled.
    fn disconnected(self);
    /// Time to reconnect (the listener decides whether the session still
    /// wants one, and calls [`connect`]).
    fn reconnect(self);
}

/// How often the console pings the server.
pub const PING_EVERY_MS: u32 = 25_000;
/// Longest pause between reconnection attempts.
const MAX_BACKOFF_MS: u32 = 15_000;

/// The open connection and the callbacks that must live as long as it.
struct Link {
    ws: WebSocket,
    /// Bumped per connection, so callbacks of an old one are ignored.
    generation: u32,
    _on_open: Closure<dyn FnMut(Event)>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_close: Closure<dyn FnMut(CloseEvent)>,
    _ping: Interval,
}

thread_local! {
    static LINK: RefCell<Option<Link>> = const { RefCell::new(None) };
    static GENERATION: Cell<u32> = const { Cell::new(0) };
    static ATTEMPTS: Cell<u32> = const { Cell::new(0) };
    static AWAITING_PONG: Cell<Option<u64>> = const { Cell::new(None) };
    /// Bumped by [`disconnect`], so a pending reconnection is called off.
    static EPOCH: Cell<u32> = const { Cell::new(0) };
}

/// `ws://host/ws/v1/agent` (or `wss://`) for the page's own origin.
fn url() -> Option<String> {
    let location = web_sys::window()?.location();
    let scheme = if location.protocol().ok()? == "https:" {
        "wss"
    } else {
        "ws"
    };
    Some(format!(
        "{scheme}://{}{}",
        location.host().ok()?,
        agent_ws_path(PROTOCOL_VERSION)
    ))
}

/// Pause before reconnection attempt `attempt` (0-based): 0.5 s, 1 s, 2 s … 15 s.
pub fn backoff_ms(attempt: u32) -> u32 {
    500u32
        .saturating_mul(1 << attempt.min(10))
        .min(MAX_BACKOFF_MS)
}

fn is_current(generation: u32) -> bool {
    LINK.with(|l| {
        l.borrow()
            .as_ref()
            .is_some_and(|l| l.generation == generation)
    })
}

/// Opens the connection (closing any previous one).
pub fn connect(console: impl Listener) {
    disconnect();
    let Some(url) = url() else { return };
    let Ok(ws) = WebSocket::new(&url) else {
        schedule_reconnect(console);
        return;
    };
    let generation = GENERATION.with(|g| {
        g.set(g.get().wrapping_add(1));
        g.get()
    });
    console.connecting();

    let on_open = Closure::<dyn FnMut(Event)>::new(move |_: Event| {
        if is_current(generation) {
            AWAITING_PONG.with(|p| p.set(None));
            send(&AgentClientMessage::Hello);
        }
    });
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
        if !is_current(generation) {
            return;
        }
        let Some(text) = event.data().as_string() else {
            return;
        };
        match serde_json::from_str::<AgentServerMessage>(&text) {
            Ok(AgentServerMessage::Pong { .. }) => AWAITING_PONG.with(|p| p.set(None)),
            Ok(message) => {
                if matches!(message, AgentServerMessage::Welcome { .. }) {
                    ATTEMPTS.with(|a| a.set(0));
                }
                console.receive(message);
            }
            Err(error) => {
                web_sys::console::warn_1(&format!("Aisle: unreadable frame: {error}").into());
            }
        }
    });
    let on_close = Closure::<dyn FnMut(CloseEvent)>::new(move |event: CloseEvent| {
        // An admin disabled this account: the server ended every session.
        if is_current(generation) && event.reason() == "account disabled" {
            console.account_disabled();
            return;
        }
        // The link stays in place (its callbacks are running); the next
        // `connect` replaces it.
        if is_current(generation) {
            console.disconnected();
            schedule_reconnect(console);
        }
    });
    ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
    ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));

    let ping = Interval::new(PING_EVERY_MS, move || {
        if !is_current(generation) {
            return;
        }
        if AWAITING_PONG.with(Cell::get).is_some() {
            // The last ping went unanswered: the connection is dead.
            LINK.with(|l| {
                if let Some(link) = l.borrow().as_ref() {
                    let _ = link.ws.close();
                }
            });
            return;
        }
        let nonce = js_sys::Date::now() as u64;
        if send(&AgentClientMessage::Ping { nonce }) {
            AWAITING_PONG.with(|p| p.set(Some(nonce)));
        }
    });
    LINK.with(|l| {
        *l.borrow_mut() = Some(Link {
            ws,
            generation,
            _on_open: on_open,
            _on_message: on_message,
            _on_close: on_close,
            _ping: ping,
        })
    });
}

/// Tries again after a pause, unless the session has ended.
fn schedule_reconnect(console: impl Listener) {
    let attempt = ATTEMPTS.with(|a| {
        let n = a.get();
        a.set(n.saturating_add(1));
        n
    });
    let epoch = EPOCH.with(Cell::get);
    Timeout::new(backoff_ms(attempt), move || {
        if EPOCH.with(Cell::get) == epoch {
            console.reconnect();
        }
    })
    .forget();
}

/// Sends `message` if the connection is open; `false` when it is not.
pub fn send(message: &AgentClientMessage) -> bool {
    let Ok(text) = serde_json::to_string(message) else {
        return false;
    };
    if text.len() > MAX_FRAME_BYTES {
        return false;
    }
    LINK.with(|l| {
        l.borrow().as_ref().is_some_and(|link| {
            link.ws.ready_state() == WebSocket::OPEN && link.ws.send_with_str(&text).is_ok()
        })
    })
}

/// Closes the connection for good (logging out): no reconnection.
pub fn disconnect() {
    EPOCH.with(|e| e.set(e.get().wrapping_add(1)));
    if let Some(link) = LINK.with(|l| l.borrow_mut().take()) {
        link.ws.set_onopen(None);
        link.ws.set_onmessage(None);
        link.ws.set_onclose(None);
        let _ = link.ws.close();
    }
}

/// Whether the connection is open.
pub fn is_open() -> bool {
    LINK.with(|l| {
        l.borrow()
            .as_ref()
            .is_some_and(|link| link.ws.ready_state() == WebSocket::OPEN)
    })
}

#[cfg(test)]
mod tests {
    use super::backoff_ms;

    #[test]
    fn reconnection_pauses_grow_to_a_ceiling_and_never_stop() {
        assert_eq!(backoff_ms(0), 500);
        assert_eq!(backoff_ms(1), 1000);
        assert_eq!(backoff_ms(4), 8000);
        assert_eq!(backoff_ms(5), 15_000);
        assert_eq!(backoff_ms(u32::MAX), 15_000);
    }
}
