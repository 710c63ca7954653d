//! The console's shared state ([`Console`], provided as context) and what the
//! agent's actions do: log in and out, go online or away, accept, reply,
//! close, transfer. The conversation logic itself is [`crate::desk`]; this
//! module wires it to signals, the socket and the API.

use crate::api::{self, AgentInfo, CallError, OrderFacts};
use crate::desk::{Desk, Notice, Outcome};
use crate::i18n::{Locale, LocaleStrings, Strings, fill};
use crate::macros::Macro;
use crate::socket;
use crate::text;
use aisle_core::protocol::{AgentClientMessage, AgentServerMessage, ProtocolError};
use gloo_timers::callback::Timeout;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// The console's screens once logged in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum View {
    /// Queue and live conversations.
    #[default]
    Conversations,
    /// Tickets (reported issues, offline messages).
    Tickets,
    /// Return requests.
    Returns,
    /// Requests the merchant's system did not receive.
    StoreRequests,
    /// The team's figures and the staffing forecast.
    Insights,
    /// The team: invite, disable, roles (admins only).
    Team,
    /// The macros editor (admins only).
    Macros,
    /// Tags and business hours (admins only).
    Settings,
    /// Campaign figures (conversions, revenue) and the campaign editor.
    Campaigns,
}

/// The WebSocket's state, as the top bar shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Connection {
    /// Not connected (logged out).
    #[default]
    Closed,
    /// Opening or reopening.
    Connecting,
    /// Welcomed by the server.
    Open,
}

/// The console's state; `Copy`, provided as context to every component.
#[derive(Debug, Clone, Copy)]
pub struct Console {
    /// The interface language; the agent can switch it at any time, and
    /// every screen is drawn again in it (see [`Console::set_locale`]).
    pub language: RwSignal<Locale>,
    /// The language just changed from the switcher: focus goes back to it
    /// once the screens are drawn again (not to the login's email).
    pub refocus_language: RwSignal<bool>,
    /// The login form's email, kept while the language changes.
    pub login_email: RwSignal<String>,
    /// The login form's password, kept while the language changes; emptied
    /// once used.
    pub login_password: RwSignal<String>,
    /// The logged-in agent; `None` shows the login form.
    pub agent: RwSignal<Option<AgentInfo>>,
    /// Whether the first "who am I" check has answered.
    pub checked: RwSignal<bool>,
    /// A message for the login screen (session ended…).
    pub login_message: RwSignal<Option<String>>,
    /// Queue and conversations.
    pub desk: RwSignal<Desk>,
    /// The agent chose to be online (`false`: away).
    pub online: RwSignal<bool>,
    /// The socket's state.
    pub connection: RwSignal<Connection>,
    /// The screen on show.
    pub view: RwSignal<View>,
    /// The latest announcement (id, text); the id changes even when the text does not.
    pub notice: RwSignal<Option<(u64, String)>>,
    /// Now, in Unix seconds, ticking every few seconds (waiting times).
    pub now: RwSignal<i64>,
    /// The site's macros.
    pub macros: RwSignal<Vec<Macro>>,
    /// Orders looked up for macros, by number.
    pub orders: RwSignal<Vec<OrderFacts>>,
    /// Move focus to the reply box when the next conversation shows.
    pub focus_reply: RwSignal<bool>,
    /// The token of the invitation or reset link the page was opened with
    /// (`#/invite/TOKEN`, `#/reset/TOKEN`): the "Set your password" form shows.
    pub password_token: RwSignal<Option<String>>,
    /// The login screen shows "Forgot your password?"'s form.
    pub forgot: RwSignal<bool>,
    /// The site's tag list (offered when closing a chat).
    pub tags: RwSignal<Vec<api::SiteTag>>,
}

thread_local! {
    /// What screens keep across being drawn again, by key (see [`kept`]).
    static KEPT: std::cell::RefCell<std::collections::HashMap<String, Box<dyn std::any::Any>>> =
        std::cell::RefCell::new(std::collections::HashMap::new());
}

/// A screen's own state that outlives the screen: a language switch draws
/// every screen again, and an open ticket thread, a typed ticket reply or
/// the Insights range must still be there. Starts from what was kept under
/// `key` (else `default()`), and keeps every change; forgotten on log out.
pub fn kept<T: Clone + Send + Sync + 'static>(
    key: String,
    default: impl FnOnce() -> T,
) -> RwSignal<T> {
    let initial = KEPT
        .with(|k| {
            k.borrow()
                .get(&key)
                .and_then(|v| v.downcast_ref::<T>())
                .cloned()
        })
        .unwrap_or_else(default);
    let signal = RwSignal::new(initial);
    Effect::new(move |_| {
        let value = signal.get();
        KEPT.with(|k| k.borrow_mut().insert(key.clone(), Box::new(value)));
    });
    signal
}

/// The page address's `#` part (`#/invite/TOKEN`).
fn location_hash() -> String {
    web_sys::window()
        .and_then(|w| w.location().hash().ok())
        .unwrap_or_default()
}

/// The token of an invitation or reset link's `#` part: `#/invite/TOKEN` or
/// `#/reset/TOKEN`, the token being hex; `None` for anything else.
pub fn password_token_of(hash: &str) -> Option<String> {
    let rest = hash
        .strip_prefix("#/invite/")
        .or_else(|| hash.strip_prefix("#/reset/"))?;
    (!rest.is_empty() && rest.len() <= 128 && rest.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| rest.to_owned())
}

/// Now in Unix seconds.
pub fn unix_now() -> i64 {
    (js_sys::Date::now() / 1000.0) as i64
}

impl Console {
    /// Fresh state, logged out.
    pub fn new(locale: Locale) -> Self {
        Console {
            language: RwSignal::new(locale),
            refocus_language: RwSignal::new(false),
            login_email: RwSignal::new(String::new()),
            login_password: RwSignal::new(String::new()),
            agent: RwSignal::new(None),
            checked: RwSignal::new(false),
            login_message: RwSignal::new(None),
            desk: RwSignal::new(Desk::default()),
            online: RwSignal::new(true),
            connection: RwSignal::new(Connection::Closed),
            view: RwSignal::new(View::Conversations),
            notice: RwSignal::new(None),
            now: RwSignal::new(unix_now()),
            macros: RwSignal::new(Vec::new()),
            orders: RwSignal::new(Vec::new()),
            focus_reply: RwSignal::new(false),
            password_token: RwSignal::new(password_token_of(&location_hash())),
            forgot: RwSignal::new(false),
            tags: RwSignal::new(Vec::new()),
        }
    }

    /// The interface language now (not tracked: the screens are drawn again
    /// when it changes).
    pub fn locale(&self) -> Locale {
        self.language.get_untracked()
    }

    /// The interface strings now (not tracked, like [`Console::locale`]).
    pub fn strings(&self) -> &'static Strings {
        self.locale().strings()
    }

    /// Switches the interface to `locale` and remembers the choice in this
    /// browser. What the agent was doing stays: the session, the queue and
    /// conversations, the one on screen and its typed reply live outside the
    /// screens that are drawn again.
    pub fn set_locale(&self, locale: Locale) {
        if let Some(storage) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
            let _ = storage.set_item(crate::i18n::LOCALE_KEY, locale.tag());
        }
        if self.language.get_untracked() != locale {
            // An announcement made in the old language goes; new ones come in the new.
            self.notice.set(None);
            self.language.set(locale);
        }
    }

    /// Announces `text` politely (and shows it) for a while.
    pub fn announce(&self, text: String) {
        let id = js_sys::Date::now() as u64;
        self.notice.set(Some((id, text)));
        let notice = self.notice;
        Timeout::new(10_000, move || {
            if notice.with_untracked(|n| n.as_ref().is_some_and(|(i, _)| *i == id)) {
                notice.set(None);
            }
        })
        .forget();
    }

    /// Asks the server who is logged in (the cookie survives reloads).
    pub fn check_session(&self) {
        let console = *self;
        spawn_local(async move {
            if let Ok(agent) = api::me().await {
                console.logged_in(agent);
            }
            console.checked.set(true);
        });
    }

    /// After a login: remember the agent, connect, load macros.
    pub fn logged_in(&self, agent: AgentInfo) {
        self.login_message.set(None);
        self.login_password.set(String::new());
        self.agent.set(Some(agent));
        self.online.set(true);
        socket::connect(*self);
        let macros = self.macros;
        spawn_local(async move {
            if let Ok(list) = api::macros().await {
                macros.set(list);
            }
        });
        let tags = self.tags;
        spawn_local(async move {
            if let Ok(list) = api::tags().await {
                tags.set(list);
            }
        });
    }

    /// Logs out: tells the server, forgets everything, back to the login form.
    pub fn log_out(&self) {
        socket::disconnect();
        let console = *self;
        spawn_local(async move {
            let _ = api::logout().await;
            console.reset(None);
        });
    }

    /// Whether the logged-in agent is an admin (sees Team).
    pub fn is_admin(&self) -> bool {
        self.agent
            .with(|a| a.as_ref().is_some_and(AgentInfo::is_admin))
    }

    /// The server refused an admin screen's call (403): the agent's role
    /// changed since login. Their role is read again; a demoted agent leaves
    /// the admin screens and loses their tabs.
    pub fn forbidden(&self) {
        let console = *self;
        spawn_local(async move {
            if let Ok(agent) = api::me().await {
                let admin = agent.is_admin();
                if console.agent.with_untracked(|a| a.as_ref() != Some(&agent)) {
                    console.agent.set(Some(agent));
                }
                if !admin
                    && matches!(
                        console.view.get_untracked(),
                        View::Team | View::Macros | View::Settings
                    )
                {
                    console.view.set(View::Conversations);
                }
            }
        });
    }

    /// The server ended this login (account disabled, password changed):
    /// back to the login form with `message`.
    pub fn ended(&self, message: String) {
        if self.agent.get_untracked().is_some() {
            self.reset(Some(message));
        }
    }

    /// The "Set your password" form is done (or left): the link leaves the
    /// address bar, and the login form shows with `message`.
    pub fn password_done(&self, message: Option<String>) {
        if let Some(window) = web_sys::window()
            && let Ok(history) = window.history()
        {
            let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some("#/"));
        }
        self.password_token.set(None);
        self.forgot.set(false);
        self.login_message.set(message);
    }

    /// Back to the login form, with `message` on it.
    fn reset(&self, message: Option<String>) {
        socket::disconnect();
        api::forget_token();
        self.desk.update(Desk::clear);
        self.connection.set(Connection::Closed);
        self.view.set(View::Conversations);
        self.macros.set(Vec::new());
        self.tags.set(Vec::new());
        self.orders.set(Vec::new());
        self.notice.set(None);
        self.login_message.set(message);
        KEPT.with(|k| k.borrow_mut().clear());
        self.agent.set(None);
    }

    /// The socket is opening.
    pub fn connecting(&self) {
        self.connection.set(Connection::Connecting);
    }

    /// The socket dropped; it is reopened unless the session ended.
    pub fn disconnected(&self) {
        if self.agent.get_untracked().is_some() {
            self.connection.set(Connection::Connecting);
        }
    }

    /// Time to reconnect: first check the session is still valid.
    pub fn reconnect(&self) {
        let console = *self;
        spawn_local(async move {
            if console.agent.get_untracked().is_none() {
                return;
            }
            match api::me().await {
                Err(CallError::Unauthorized) => {
                    let message = console.strings().session_expired.to_owned();
                    console.reset(Some(message));
                }
                _ => socket::connect(console),
            }
        });
    }

    /// Sends `message`, announcing when the connection is down.
    fn send(&self, message: &AgentClientMessage) -> bool {
        let sent = socket::send(message);
        if !sent {
            self.announce(self.strings().notice_offline.to_owned());
        }
        sent
    }

    /// One frame from the server.
    pub fn receive(&self, message: AgentServerMessage) {
        let outcomes = self
            .desk
            .try_update(|desk| desk.apply(message))
            .unwrap_or_default();
        for outcome in outcomes {
            match outcome {
                Outcome::Ready => {
                    self.connection.set(Connection::Open);
                    if !self.online.get_untracked() {
                        socket::send(&AgentClientMessage::Presence { online: false });
                    }
                    for frame in self.desk.with_untracked(Desk::unacknowledged) {
                        socket::send(&frame);
                    }
                }
                Outcome::Send(frame) => {
                    socket::send(&frame);
                }
                Outcome::ResendLater => {
                    let desk = self.desk;
                    Timeout::new(3_000, move || {
                        for frame in desk.with_untracked(Desk::unacknowledged) {
                            socket::send(&frame);
                        }
                    })
                    .forget();
                }
                Outcome::Pong(_) => {}
                Outcome::ShopperWrote(who) => {
                    let s = self.strings();
                    crate::notify::alert(&fill(s.notify_wrote, &[("who", &who)]), s.app_title);
                }
                Outcome::Notice(notice) => {
                    if notice == Notice::NewWaiting {
                        let s = self.strings();
                        crate::notify::alert(s.notice_new_waiting, s.app_title);
                    }
                    self.announce(self.word(notice))
                }
            }
        }
        self.send_read_receipt();
    }

    /// A notice in words.
    fn word(&self, notice: Notice) -> String {
        let s = self.strings();
        match notice {
            Notice::NewWaiting => s.notice_new_waiting.to_owned(),
            Notice::TakenBy(name) => fill(s.notice_taken_by, &[("name", &name)]),
            Notice::AlreadyTaken => s.notice_already_taken.to_owned(),
            Notice::Transferred => s.notice_transferred.to_owned(),
            Notice::ShopperLeft(who) => fill(s.notice_shopper_left, &[("who", &who)]),
            Notice::Rated(who, score) => fill(
                s.notice_rated,
                &[("who", &who), ("score", &score.to_string())],
            ),
            Notice::Refused(ProtocolError::TooLong, _) => s.notice_too_long.to_owned(),
            Notice::Refused(ProtocolError::RateLimited, _) => s.notice_rate_limited.to_owned(),
            Notice::Refused(ProtocolError::ConversationClosed, _) => {
                s.notice_conversation_closed.to_owned()
            }
            Notice::Refused(_, message) => fill(s.notice_error, &[("message", &message)]),
        }
    }

    /// Reports the conversation on screen as read, when the page is visible.
    pub fn send_read_receipt(&self) {
        let visible = web_sys::window()
            .and_then(|w| w.document())
            .is_some_and(|d| !d.hidden());
        if !visible || self.view.get_untracked() != View::Conversations {
            return;
        }
        if let Some(frame) = self.desk.try_update(Desk::read_receipt).flatten() {
            socket::send(&frame);
        }
    }

    /// Online or away.
    pub fn set_online(&self, online: bool) {
        if self.online.get_untracked() == online {
            return;
        }
        self.online.set(online);
        self.send(&AgentClientMessage::Presence { online });
    }

    /// Accepts a waiting conversation.
    pub fn accept(&self, conversation: &str) {
        let Some(frame) = self.desk.try_update(|d| d.accept(conversation)) else {
            return;
        };
        self.focus_reply.set(true);
        if !self.send(&frame) {
            self.desk.update(|d| d.accepting = None);
        }
    }

    /// Shows one of the agent's conversations.
    pub fn select(&self, conversation: &str) {
        self.desk.update(|d| d.select(conversation));
        self.send_read_receipt();
    }

    /// Sends a reply; `false` when there is nothing to send.
    pub fn reply(&self, conversation: &str, text: String) -> bool {
        if text.trim().is_empty() {
            return false;
        }
        let client_id = format!(
            "a-{:x}-{:x}",
            js_sys::Date::now() as u64,
            (js_sys::Math::random() * 1e12) as u64
        );
        let frame = self
            .desk
            .try_update(|d| d.compose(conversation, client_id, text, unix_now()))
            .flatten();
        match frame {
            // Kept as "sending" when the connection is down; resent on reconnect.
            Some(frame) => {
                socket::send(&frame);
                true
            }
            None => false,
        }
    }

    /// Typing started or stopped in `conversation`.
    pub fn typing(&self, conversation: &str, typing: bool) {
        socket::send(&AgentClientMessage::Typing {
            conversation: conversation.to_owned(),
            typing,
        });
    }

    /// Closes `conversation` with `tags` typed as `shipping, refund`.
    pub fn close(&self, conversation: &str, tags: &str) {
        self.send(&AgentClientMessage::Close {
            conversation: conversation.to_owned(),
            tags: text::parse_tags(tags),
        });
    }

    /// Puts `conversation` back in the queue.
    pub fn transfer(&self, conversation: &str) {
        self.send(&AgentClientMessage::Transfer {
            conversation: conversation.to_owned(),
        });
    }

    /// Asks for the messages before the first one shown in `conversation`.
    pub fn load_earlier(&self, conversation: &str) {
        if let Some(frame) = self.desk.with_untracked(|d| d.load_earlier(conversation)) {
            self.send(&frame);
        }
    }

    /// Removes an ended conversation from the list.
    pub fn dismiss(&self, conversation: &str) {
        self.desk.update(|d| d.dismiss(conversation));
    }

    /// Looks up order `number` for macros (once).
    pub fn load_order(&self, number: u32) {
        if self
            .orders
            .with_untracked(|o| o.iter().any(|f| f.number == number))
        {
            return;
        }
        let orders = self.orders;
        spawn_local(async move {
            if let Ok(facts) = api::order(number).await {
                orders.update(|o| {
                    if o.iter().all(|f| f.number != facts.number) {
                        o.push(facts);
                    }
                });
            }
        });
    }
}

impl socket::Listener for Console {
    fn connecting(self) {
        Console::connecting(&self);
    }

    fn receive(self, message: AgentServerMessage) {
        Console::receive(&self, message);
    }

    fn account_disabled(self) {
        self.ended(self.strings().account_disabled.to_owned());
    }

    fn disconnected(self) {
        Console::disconnected(&self);
    }

    fn reconnect(self) {
        Console::reconnect(&self);
    }
}

#[cfg(test)]
mod tests {
    use super::password_token_of;

    #[test]
    fn password_links_are_read_from_the_hash() {
        assert_eq!(password_token_of("#/invite/ab12").as_deref(), Some("ab12"));
        assert_eq!(password_token_of("#/reset/ff").as_deref(), Some("ff"));
        assert_eq!(password_token_of("#/invite/"), None);
        assert_eq!(password_token_of("#/invite/<b>x</b>"), None);
        assert_eq!(password_token_of("#/other/ab"), None);
        assert_eq!(password_token_of(""), None);
    }
}
