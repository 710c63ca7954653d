//! Live chat with a person over the WebSocket (`aisle_core::protocol`, v1).
//!
//! "Talk to a person" — from the menu, from any self-service answer or from a
//! campaign — opens a conversation. What the shopper sees: their place in the
//! queue and the expected wait, the agent joining, typing, each message's
//! state (sending, sent, read), and a rating when the agent closes the chat.
//!
//! Nothing typed is lost: every message gets a client id and stays in the
//! outbox (saved in `sessionStorage` with the rest of the widget's state) until
//! the server acknowledges it, after storing it. Any new connection — after a
//! network drop, a page navigation or a server restart — says `hello` with the
//! resume token and the last sequence number seen, receives what it missed and
//! resends the outbox; the server stores a client id once. Reconnection retries
//! forever while the page is open, with jittered exponential backoff. An open
//! socket pings every 25 s; a ping left unanswered until the next one means
//! the server node vanished without closing: the widget reconnects.
//!
//! Frames are core's typed messages, written and read by [`crate::js`]; what
//! a frame changes is decided by the pure reducer in [`crate::conversation`],
//! and carried out here. This module owns the socket and its handlers
//! (dropped with the next connection, never leaked).

use crate::conversation::{self, Chat, Effect, Mail, Phase};
use crate::format::number;
use crate::i18n::fill;
use crate::js::{self, Js};
use crate::state::Widget;
use crate::transcript::{self, Line};
use aisle_core::protocol::{
    Cart, CartItem, ChatContext, ClientMessage, MAX_FRAME_BYTES, MAX_MESSAGE_CHARS, ProtocolError,
    ServerMessage,
};
use gloo_timers::callback::{Interval, Timeout};
use std::cell::RefCell;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::WebSocket;

/// How often an open socket pings the server, in ms.
const PING_EVERY_MS: u32 = 25_000;

/// A socket's event handlers, kept as long as the socket may call them and
/// dropped with the next connection (instead of leaked per reconnect).
type Handlers = (
    WebSocket,
    Closure<dyn Fn()>,
    Closure<dyn Fn(web_sys::MessageEvent)>,
    Closure<dyn Fn()>,
);

/// The connection and its retry state, outside the reactive graph.
#[derive(Default)]
struct Link {
    socket: Option<WebSocket>,
    handlers: Option<Handlers>,
    retry: Option<Timeout>,
    /// Resends the outbox after the server refused a message as too fast.
    resend: Option<Timeout>,
    /// The 25 s ping of the open socket (dropped with it).
    ping: Option<Interval>,
    /// Nonce of the last ping, while nothing came back since it went out.
    unanswered: Option<u64>,
    attempts: u32,
    /// Last time a `typing: true` went out, ms since the epoch.
    typing_sent: f64,
    /// A transcript email was asked for and not answered yet; the address
    /// while it waits for the connection.
    mailing: Option<String>,
}

thread_local! {
    static LINK: RefCell<Link> = RefCell::new(Link::default());
}

fn with_link<R>(f: impl FnOnce(&mut Link) -> R) -> R {
    LINK.with(|l| f(&mut l.borrow_mut()))
}

/// Sends one frame if the socket is open; `false` otherwise (the outbox keeps it).
fn send(message: ClientMessage) -> bool {
    let text = js::encode(&message);
    with_link(|l| {
        l.socket
            .as_ref()
            .filter(|s| s.ready_state() == WebSocket::OPEN)
            .is_some_and(|s| s.send_with_str(&text).is_ok())
    })
}

/// Whether a conversation runs.
fn is_live(widget: Widget) -> bool {
    widget
        .chat
        .with_untracked(|c| c.as_ref().is_some_and(Chat::is_live))
}

/// "Talk to a person": starts a conversation (or returns to the running one).
pub fn start(widget: Widget, campaign: Option<String>) {
    widget.open.set(true);
    widget.prompt.set(None);
    if let Some(chat) = widget
        .chat
        .with_untracked(|c| conversation::start(c, campaign))
    {
        widget.chat.set(Some(chat));
        connect(widget);
    }
}

/// Reconnects a conversation saved by the previous page.
pub fn resume(widget: Widget) {
    if is_live(widget) {
        connect(widget);
    }
}

/// Opens the WebSocket and wires its events.
fn connect(widget: Widget) {
    let Some(config) = crate::config::current() else {
        return;
    };
    let url = [
        // `http…` → `ws…` (no `&str` pattern search: its searcher costs the bundle ~1.5 KB).
        &config
            .server
            .strip_prefix("http")
            .map_or_else(|| config.server.clone(), |rest| ["ws", rest].concat()),
        "/ws/v",
        &number(aisle_core::protocol::PROTOCOL_VERSION.into()),
        "?site=",
        &String::from(js_sys::encode_uri_component(&config.site)),
    ]
    .concat();
    let Ok(socket) = WebSocket::new(&url) else {
        retry_later(widget);
        return;
    };
    let on_open = Closure::<dyn Fn()>::new(move || {
        let (resume, last_seq) = widget.chat.with_untracked(|c| {
            c.as_ref()
                .map_or((None, 0), |c| (c.resume.clone(), c.last_seq))
        });
        send(ClientMessage::Hello { resume, last_seq });
        let ping = Interval::new(PING_EVERY_MS, move || ping(widget));
        with_link(|l| {
            l.unanswered = None;
            l.ping = Some(ping);
        });
    });
    let on_message =
        Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |e: web_sys::MessageEvent| {
            // Anything from the server answers the ping.
            with_link(|l| l.unanswered = None);
            if let Some(frame) = e.data().as_string().and_then(|t| js::decode(&t)) {
                receive(widget, frame);
            }
        });
    let on_close = Closure::<dyn Fn()>::new(move || lost(widget));
    socket.set_onopen(Some(on_open.as_ref().unchecked_ref()));
    socket.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    socket.set_onclose(Some(on_close.as_ref().unchecked_ref()));
    let old = with_link(|l| {
        l.ping = None;
        if let Some(old) = l.socket.replace(socket.clone()) {
            old.set_onclose(None);
            let _ = old.close();
        }
        l.handlers.replace((socket, on_open, on_message, on_close))
    });
    // The previous socket is closed or closing: it must not call the
    // handlers dropped here (wasm-bindgen defers a drop while one runs).
    if let Some((old, ..)) = &old {
        old.set_onopen(None);
        old.set_onmessage(None);
        old.set_onclose(None);
    }
    drop(old);
}

/// The connection is gone: show it, and try again while the chat runs.
fn lost(widget: Widget) {
    with_link(|l| {
        l.socket = None;
        l.ping = None;
    });
    widget.connected.set(false);
    if is_live(widget) {
        retry_later(widget);
    }
}

/// Every 25 s on an open socket: a ping, unless the last one is still
/// unanswered — then the server is gone without a close (a node that
/// vanished, a dropped route): close it here and reconnect.
fn ping(widget: Widget) {
    let (silent, nonce) = with_link(|l| (l.unanswered.is_some(), l.attempts as u64));
    if silent {
        let dead = with_link(|l| l.socket.take());
        if let Some(dead) = dead {
            dead.set_onclose(None);
            let _ = dead.close();
        }
        lost(widget);
        return;
    }
    let nonce = js_sys::Date::now() as u64 ^ nonce;
    if send(ClientMessage::Ping { nonce }) {
        with_link(|l| l.unanswered = Some(nonce));
    }
}

/// Tries again after a jittered, growing delay (0.5 s … 30 s); never gives up
/// while the page is open.
fn retry_later(widget: Widget) {
    let attempts = with_link(|l| {
        l.attempts += 1;
        l.attempts
    });
    let base = 500.0 * 2f64.powi(attempts.min(6) as i32);
    let delay = (base.min(30_000.0) * (0.5 + js_sys::Math::random())) as u32;
    let timer = Timeout::new(delay, move || connect(widget));
    with_link(|l| l.retry = Some(timer));
}

/// Updates the saved conversation.
fn update(widget: Widget, f: impl FnOnce(&mut Chat)) {
    widget.chat.update(|c| {
        if let Some(chat) = c.as_mut() {
            f(chat);
        }
    });
}

/// Handles one frame from the server: the reducer decides, this carries out.
fn receive(widget: Widget, frame: ServerMessage) {
    let open = widget.open.get_untracked();
    let mailing = with_link(|l| l.mailing.is_some());
    let mut effects = Vec::new();
    widget
        .chat
        .update(|chat| effects = conversation::receive(chat, frame, open, mailing));
    for effect in effects {
        apply(widget, effect);
    }
}

/// Carries out one [`Effect`].
fn apply(widget: Widget, effect: Effect) {
    match effect {
        Effect::Connected => {
            with_link(|l| l.attempts = 0);
            widget.connected.set(true);
        }
        Effect::Resend => {
            resend(widget);
            // A transcript email asked for while the socket was down.
            if let Some(email) = with_link(|l| l.mailing.clone()).filter(|e| !e.is_empty()) {
                send(ClientMessage::EmailTranscript { email });
            }
        }
        Effect::AskForPerson => ask_for_person(widget),
        Effect::Later(asking) => {
            // A refused `start` is asked again too (same resume token).
            let timer = Timeout::new(3000, move || {
                if asking {
                    ask_for_person(widget);
                } else {
                    resend(widget);
                }
            });
            with_link(|l| l.resend = Some(timer));
        }
        Effect::Say(line) => widget.say(line),
        Effect::AgentTyping(typing) => widget.agent_typing.set(typing),
        Effect::Read(seq) => {
            send(ClientMessage::Read { seq });
        }
        Effect::Stored(id, seq, text) => {
            let mut known = false;
            widget.transcript.update(|log| {
                for entry in log.iter_mut() {
                    if let Line::Sent(sent, _, at) = &mut entry.line
                        && *sent == id
                    {
                        *at = seq;
                        known = true;
                    }
                }
            });
            if let Some(text) = text.filter(|_| !known) {
                widget.say(Line::Sent(id, text, seq));
            }
        }
        Effect::Offline(typed) => {
            with_link(|l| {
                l.ping = None;
                if let Some(socket) = l.socket.take() {
                    socket.set_onclose(None);
                    let _ = socket.close();
                }
            });
            crate::assist::request(widget, "human".into(), Vec::new(), Some(typed));
        }
        Effect::Mail(mail) => {
            with_link(|l| l.mailing = None);
            let s = widget.strings();
            let said = match mail {
                Mail::Sent(email) => fill(s.transcript_sent, &email),
                Mail::Refused(code) => match code {
                    ProtocolError::Invalid => s.email_invalid,
                    ProtocolError::EmailUnavailable => s.email_unavailable,
                    ProtocolError::TooMany => s.email_too_many,
                    _ => s.network_error,
                }
                .to_owned(),
            };
            widget.mail.update(|m| m.1 = said);
        }
    }
}

/// Sends `start` with what the agent should know.
fn ask_for_person(widget: Widget) {
    // The server keeps 500 characters a text (and refuses frames over
    // 16 KB): a long address or title must not keep the shopper from a person.
    let clip = |text: String| Some(text.chars().take(500).collect::<String>());
    let mut context = ChatContext::default();
    if let Some(window) = web_sys::window() {
        context.page_url = window.location().href().ok().and_then(clip);
        context.page_title = window.document().and_then(|d| clip(d.title()));
        // Pages viewed before this one, kept by the loader.
        if let Some(api) = crate::config::loader_api() {
            let visit = js::field(&api, "visit");
            context.pages = Js::from_js(&js::field(&visit, "paths")).unwrap_or_default();
        }
    }
    let cart = crate::state::cart();
    if cart.value_minor > 0 || !cart.items.is_empty() {
        context.cart = Some(Cart {
            value_minor: cart.value_minor.max(0) as u64,
            currency: String::new(),
            items: cart
                .items
                .into_iter()
                .take(30)
                .map(|sku| CartItem {
                    sku,
                    ..CartItem::default()
                })
                .collect(),
        });
    }
    context.assist_session = widget.session.get_untracked();
    context.campaign = widget
        .chat
        .with_untracked(|c| c.as_ref().and_then(|c| c.campaign.clone()));
    // Pages and cart lines are what can still be long: left out when the
    // context would not fit in half a frame.
    for cart in [false, true] {
        if js::encode(&context).len() > MAX_FRAME_BYTES / 2 {
            if cart {
                context.cart = None;
            } else {
                context.pages.clear();
            }
        }
    }
    // Our own resume token, saved before asking: if `started` is lost, the
    // next connection's `hello` finds the conversation with it.
    // A start asked again (refused by the frame limit) keeps its token, so
    // the server answers the conversation it may already have made.
    let token = widget
        .chat
        .with_untracked(|c| c.as_ref().and_then(|c| c.resume.clone()))
        .or_else(random_token);
    update(widget, |c| c.resume = token.clone());
    send(ClientMessage::Start {
        locale: widget.locale().tag().into(),
        context: Box::new(context),
        resume: token,
    });
    resend(widget);
}

/// 64 random hex digits from `crypto.randomUUID()` (twice, dashes dropped).
fn random_token() -> Option<String> {
    let crypto = js::field(&js_sys::global(), "crypto");
    let uuid: js_sys::Function = js::field(&crypto, "randomUUID").dyn_into().ok()?;
    let mut token = String::new();
    for _ in 0..2 {
        token.push_str(&uuid.call0(&crypto).ok()?.as_string()?.replace('-', ""));
    }
    Some(token)
}

/// Resends every unacknowledged message (the server stores each client id once).
fn resend(widget: Widget) {
    let outbox = widget
        .chat
        .with_untracked(|c| c.as_ref().map(|c| c.outbox.clone()).unwrap_or_default());
    for (client_id, text) in outbox {
        send(ClientMessage::Send { client_id, text });
    }
}

/// The shopper sends `text`: shown at once as "sending", kept until acknowledged.
pub fn say(widget: Widget, text: String) {
    let text = text.trim().to_owned();
    if text.is_empty() {
        return;
    }
    let hex = |n: f64| {
        String::from(
            js_sys::Number::from(n.trunc())
                .to_string_with_radix(16)
                .unwrap_or_default(),
        )
    };
    let (time, random) = (hex(js_sys::Date::now()), hex(js_sys::Math::random() * 1e9));
    // Joined as `&str`s, like every other text (one `concat` in the bundle).
    let id = [time.as_str(), &random].concat();
    update(widget, |c| conversation::say(c, id.clone(), text.clone()));
    widget.say(Line::Sent(id.clone(), text.clone(), 0));
    send(ClientMessage::Send {
        client_id: id,
        text,
    });
    with_link(|l| l.typing_sent = 0.0);
}

/// The message box changed.
pub fn edit(widget: Widget, text: String) {
    let typed = !text.is_empty();
    update(widget, |c| c.draft = text);
    typing(typed);
}

/// A chat control was used: `chat-send`, `chat-end`, `chat-rate:N`, `chat-leave`.
pub fn on_action(widget: Widget, action: &str) {
    match action {
        "chat-send" => {
            let draft = widget
                .chat
                .with_untracked(|c| c.as_ref().map(|c| c.draft.clone()).unwrap_or_default());
            say(widget, draft);
            update(widget, |c| c.draft.clear());
            typing(false);
            if let Some(panel) = widget.panel.get_untracked()
                && let Ok(Some(box_)) = panel.query_selector("textarea[name=chat]")
            {
                js::set(&box_, "value", &"".into());
            }
        }
        "chat-end" => end(widget),
        "chat-transcript" => save_transcript(widget),
        "chat-mail" => {
            widget.mail.update(|m| m.0 = !m.0);
            // The view was drawn again: focus the address, else the button.
            let panel = widget.panel;
            crate::reactive::request_animation_frame(move || {
                let panel = panel.get_untracked();
                if let Some(target) = ["#aisle-email", "[data-action=chat-mail]"]
                    .into_iter()
                    .find_map(|q| panel.as_ref()?.query_selector(q).ok().flatten())
                    .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
                {
                    let _ = target.focus();
                }
            });
        }
        "chat-email" => mail_transcript(widget),
        "chat-leave" => {
            leave(widget);
            crate::dom::focus_first_control(widget.panel);
        }
        _ => {
            if let Some(score) = action
                .strip_prefix("chat-rate:")
                .and_then(|n| n.parse().ok())
            {
                rate(score);
            }
        }
    }
}

/// Downloads the conversation with the person as a text file.
fn save_transcript(widget: Widget) {
    let s = widget.strings();
    let mut text = String::new();
    widget.transcript.with_untracked(|log| {
        for entry in log {
            let line = match &entry.line {
                Line::Sent(_, said, _) => [s.you, ": ", said].concat(),
                Line::Agent(name, said) => [name, ": ", said].concat(),
                Line::Joined(name) => fill(s.agent_joined, name),
                Line::Ended => s.chat_ended.to_owned(),
                _ => continue,
            };
            transcript::add_line(&mut text, &line);
        }
    });
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("text/plain;charset=utf-8");
    let parts = js_sys::Array::of1(&text.into());
    let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options) else {
        return;
    };
    let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else {
        return;
    };
    if let Some(link) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.create_element("a").ok())
        .and_then(|a| a.dyn_into::<web_sys::HtmlElement>().ok())
    {
        let _ = link.set_attribute("href", &url);
        let _ = link.set_attribute("download", "chat-transcript.txt");
        link.click();
    }
    let _ = web_sys::Url::revoke_object_url(&url);
}

/// Asks the server to email the conversation to the address in the form
/// (`email_transcript`); over a new connection when the socket is down (the
/// chat ended on an earlier page). The answer is drawn by [`receive`].
fn mail_transcript(widget: Widget) {
    let Some(email) = widget
        .panel
        .get_untracked()
        .and_then(|p| p.query_selector("input[name=email]").ok().flatten())
        .map(|input| js::field(&input, "value"))
        .and_then(|v| v.as_string())
    else {
        return;
    };
    widget
        .mail
        .update(|m| m.1 = widget.strings().sending.to_owned());
    with_link(|l| l.mailing = Some(email.clone()));
    if !send(ClientMessage::EmailTranscript { email }) {
        connect(widget);
    }
}

/// Enter sends the message; Shift+Enter is a new line.
pub fn on_key(widget: Widget, ev: &web_sys::KeyboardEvent) {
    let in_box = ev
        .target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .is_some_and(|t| t.get_attribute("name").as_deref() == Some("chat"));
    if in_box && ev.key() == "Enter" && !ev.shift_key() {
        ev.prevent_default();
        on_action(widget, "chat-send");
    }
}

/// Draws the live chat's part of the panel into `host`: the status line and
/// message box while it runs, the rating and the way back once it is over.
/// Rebuilt only when what is shown changes (so typing is never interrupted);
/// the status line and the character counter are updated in place.
pub fn draw(host: &web_sys::Element, widget: Widget) {
    use crate::dom::{add, redraw, set};
    let s = widget.strings();
    let typing = widget.agent_typing.get();
    let connected = widget.connected.get();
    let (mail_open, mail_status) = widget.mail.get();
    let Some((phase, status, draft)) = widget.chat.with(|c| {
        c.as_ref().map(|c| {
            let agent = c.agent.as_deref().unwrap_or_default();
            let status = match c.phase {
                _ if !connected => s.reconnecting.to_owned(),
                Phase::Waiting => {
                    let mut line = fill(s.queue_position, &number(c.position.into()));
                    if let Some(wait) = c.wait {
                        line.push(' ');
                        line.push_str(&fill(
                            s.queue_wait,
                            &number(wait.div_ceil(60).max(1).into()),
                        ));
                    }
                    // The store's published promise, next to the live estimate.
                    if let Some(minutes) = crate::config::reply_promise() {
                        line.push(' ');
                        line.push_str(&fill(s.promise, &number(minutes.into())));
                    }
                    line
                }
                Phase::Active if typing => fill(s.agent_typing, agent),
                Phase::Active => fill(s.chatting_with, agent),
                _ => s.connecting.to_owned(),
            };
            (c.phase, status, c.draft.clone())
        })
    }) else {
        redraw(host, "");
        return;
    };
    // What is drawn, in which language (`s.send` differs per language).
    let mode = [
        match phase {
            Phase::Closed => "3",
            Phase::Rate => "4",
            _ => "2",
        },
        s.send,
        if mail_open { "m" } else { "" },
    ]
    .concat();
    if redraw(host, &mode) {
        if phase.is_live() {
            let status = add(host, "p", "chat-status", None);
            set(&status, "role", "status");
            let form = add(host, "form", "composer", None);
            set(&form, "data-action", "chat-send");
            let label = add(&form, "label", "", Some(s.message));
            set(&label, "for", "aisle-message");
            let text = add(&form, "textarea", "", None);
            for (name, value) in [
                ("id", "aisle-message"),
                ("name", "chat"),
                ("rows", "3"),
                ("maxlength", &number(MAX_MESSAGE_CHARS as u64)),
                ("aria-describedby", "aisle-count"),
            ] {
                set(&text, name, value);
            }
            js::set(&text, "value", &draft.as_str().into());
            let count = add(&form, "span", "counter", None);
            set(&count, "id", "aisle-count");
            let buttons = add(&form, "div", "composer-actions", None);
            let end = add(&buttons, "button", "", Some(s.end_chat));
            set(&end, "type", "button");
            set(&end, "data-action", "chat-end");
            let send = add(&buttons, "button", "primary", Some(s.send));
            set(&send, "type", "submit");
        } else {
            if phase == Phase::Rate {
                let group = add(host, "div", "rating", None);
                set(&group, "role", "group");
                set(&group, "aria-label", s.rate_prompt);
                add(&group, "p", "", Some(s.rate_prompt));
                for n in 1..=5u8 {
                    let star = add(&group, "button", "", Some(&number(n.into())));
                    set(&star, "type", "button");
                    set(
                        &star,
                        "data-action",
                        &["chat-rate:", &number(n.into())].concat(),
                    );
                }
            }
            let save = add(host, "button", "menu-item", Some(s.save_transcript));
            set(&save, "type", "button");
            set(&save, "data-action", "chat-transcript");
            // The transcript by email: a button opening a small form, whose
            // outcome is announced in a status line.
            let mail = add(host, "button", "menu-item", Some(s.email_transcript));
            set(&mail, "type", "button");
            set(&mail, "data-action", "chat-mail");
            set(
                &mail,
                "aria-expanded",
                if mail_open { "true" } else { "false" },
            );
            if mail_open {
                let form = add(host, "form", "composer", None);
                set(&form, "data-action", "chat-email");
                let label = add(&form, "label", "", Some(s.email_address));
                set(&label, "for", "aisle-email");
                let input = add(&form, "input", "", None);
                for (name, value) in [
                    ("id", "aisle-email"),
                    ("name", "email"),
                    ("type", "email"),
                    ("autocomplete", "email"),
                    ("required", ""),
                    ("aria-describedby", "aisle-mail-status"),
                ] {
                    set(&input, name, value);
                }
                // The address the shopper already gave: signed in, or typed
                // into a self-service question.
                let given = crate::config::identity().map(|i| i.email).or_else(|| {
                    widget.drafts.with_untracked(|d| {
                        d.iter()
                            .find(|(name, _)| name == "email")
                            .map(|(_, v)| v.clone())
                    })
                });
                if let Some(given) = given {
                    js::set(&input, "value", &given.into());
                }
                let send = add(&form, "button", "primary", Some(s.send));
                set(&send, "type", "submit");
            }
            let line = add(host, "p", "mail-status", None);
            set(&line, "id", "aisle-mail-status");
            set(&line, "role", "status");
            let back = add(host, "button", "menu-item", Some(s.back_to_menu));
            set(&back, "type", "button");
            set(&back, "data-action", "chat-leave");
        }
    }
    if let Ok(Some(line)) = host.query_selector(".chat-status") {
        line.set_text_content(Some(&status));
    }
    if let Ok(Some(line)) = host.query_selector(".mail-status") {
        line.set_text_content(Some(&mail_status));
    }
    if let Ok(Some(count)) = host.query_selector(".counter") {
        // As the box's `maxlength` counts: UTF-16 units (an emoji is two).
        let used = draft.encode_utf16().count();
        count.set_text_content(Some(
            &[
                number(used as u64),
                " / ".into(),
                number(MAX_MESSAGE_CHARS as u64),
            ]
            .concat(),
        ));
    }
}

/// The shopper is typing: tells the agent at most every 3 s.
pub fn typing(typing: bool) {
    let now = js_sys::Date::now();
    let due = with_link(|l| {
        let due = !typing || now - l.typing_sent > 3000.0;
        l.typing_sent = if typing { now } else { 0.0 };
        due
    });
    if due {
        send(ClientMessage::Typing { typing });
    }
}

/// The shopper read everything shown (the panel is open).
pub fn read_all(widget: Widget) {
    let seq = widget
        .chat
        .with_untracked(|c| c.as_ref().map_or(0, |c| c.last_seq));
    if seq > 0 {
        send(ClientMessage::Read { seq });
    }
}

/// The shopper ends the chat.
pub fn end(widget: Widget) {
    if !send(ClientMessage::End) {
        let mut ended = None;
        update(widget, |c| ended = Some(conversation::end_offline(c)));
        if let Some(ended) = ended {
            apply(widget, ended);
        }
    }
}

/// The shopper rates the closed chat (1–5).
pub fn rate(score: u8) {
    send(ClientMessage::Rate { score });
}

/// Back to the menu after a closed chat.
pub fn leave(widget: Widget) {
    widget.chat.set(None);
    widget.mail.set((false, String::new()));
    with_link(|l| {
        if let Some(socket) = l.socket.take() {
            socket.set_onclose(None);
            let _ = socket.close();
        }
        l.retry = None;
        l.ping = None;
    });
}
