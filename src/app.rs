//! The widget's view: launcher, panel (a `dialog`), conversation log,
//! self-service menu and proactive campaign message.
//!
//! Built by hand with DOM calls: the frame (launcher, panel, header) once,
//! when the view is first needed ([`app`]); what changes — the log, the menu,
//! the question, the live chat, the campaign message, a few attributes and
//! the chrome's words when the language changes — by update functions
//! ([`crate::reactive::effect`]) that run again when the state they read
//! changes. Every text goes in with `createElement` + `textContent`
//! ([`crate::assist::add`]), never as HTML. Clicks are delegated by
//! `data-action` to the handlers in [`crate::assist`] and [`crate::chat`].
//! (A Leptos view did this before; dropping Leptos took about 16 KB brotli
//! off the bundle, issue #16.)

use crate::assist::{self, Json, add, set};
use crate::campaigns;
use crate::i18n::{Locale, LocaleStrings as _, Strings};
use crate::persist::{self, Saved};
use crate::reactive::{Var, effect, effect_now, request_animation_frame, untrack};
use crate::transcript::{self, Entry, Line};
use aisle_core::api::ShownCampaign;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;
use web_sys::{Element, HtmlElement};

/// The widget's stylesheet (`style/widget.css`, minified by `build.rs`),
/// rendered inside the shadow root so host-page CSS cannot reach in and ours
/// cannot leak out.
pub const STYLE: &str = include_str!(concat!(env!("OUT_DIR"), "/widget.min.css"));

/// The widget's shared state (`Copy`: handed to every callback).
#[derive(Clone, Copy)]
pub struct Widget {
    /// The panel is open.
    pub open: Var<bool>,
    /// The assistant's current question (a `Prompt` as JSON); `None`: the menu.
    pub prompt: Var<Option<String>>,
    /// What the shopper typed into the question's form, by field name.
    pub drafts: Var<Vec<(String, String)>>,
    /// The assistant session (which orders the shopper proved).
    pub session: Var<Option<String>>,
    /// An answer is on its way.
    pub busy: Var<bool>,
    /// The conversation.
    pub transcript: Var<Vec<Entry>>,
    /// Locale chosen with `Aisle('locale', …)`, overriding the default.
    pub chosen_locale: Var<Option<Locale>>,
    /// Locale from `data-locale` or the browser.
    pub default_locale: Locale,
    /// The proactive campaign message on screen, if any.
    pub campaign: Var<Option<ShownCampaign>>,
    /// The merchant's brand colour (`#rrggbb`, contrast-checked by the server).
    pub brand: Var<Option<String>>,
    /// The merchant's greetings, `(locale tag, text)`.
    pub greetings: Var<Vec<(String, String)>>,
    /// The live chat with a person, if one was started.
    pub chat: Var<Option<crate::chat::Chat>>,
    /// The agent is typing.
    pub agent_typing: Var<bool>,
    /// The live-chat connection is up.
    pub connected: Var<bool>,
    /// The panel element once the view is built (focus management from callbacks).
    pub panel: Var<Option<HtmlElement>>,
    /// The transcript email: its form is open, and what became of the last
    /// request (announced), for the ended live chat.
    pub mail: Var<(bool, String)>,
}

impl Widget {
    /// State restored from `saved`, with a greeting if the log is empty.
    pub fn new(saved: Saved, default_locale: Locale) -> Self {
        let mut log = saved.transcript;
        if log.is_empty() {
            transcript::push(&mut log, Line::Greeting);
        }
        Widget {
            open: Var::new(saved.open),
            prompt: Var::new(saved.prompt),
            drafts: Var::new(saved.drafts),
            session: Var::new(saved.session),
            busy: Var::new(false),
            transcript: Var::new(log),
            chosen_locale: Var::new(saved.locale),
            default_locale,
            campaign: Var::new(None),
            brand: Var::new(None),
            greetings: Var::new(Vec::new()),
            chat: Var::new(saved.chat),
            agent_typing: Var::new(false),
            connected: Var::new(false),
            panel: Var::new(None),
            mail: Var::new((false, String::new())),
        }
    }

    /// The locale in effect.
    pub fn locale(&self) -> Locale {
        self.chosen_locale.get().unwrap_or(self.default_locale)
    }

    /// The strings of the locale in effect.
    pub fn strings(&self) -> &'static Strings {
        self.locale().strings()
    }

    /// The merchant's greeting in the shopper's language, else the built-in one.
    pub fn greeting(&self) -> String {
        let tag = self.locale().tag();
        self.greetings
            .with(|g| {
                g.iter()
                    .find(|(t, _)| t.eq_ignore_ascii_case(tag))
                    .map(|(_, text)| text.clone())
            })
            .unwrap_or_else(|| self.strings().greeting.to_owned())
    }

    /// Adds a line to the conversation.
    pub fn say(&self, line: Line) {
        self.transcript.update(|log| transcript::push(log, line));
    }

    /// Everything to save for the next page.
    pub fn snapshot(&self) -> Saved {
        Saved {
            open: self.open.get(),
            prompt: self.prompt.get(),
            drafts: self.drafts.get(),
            session: self.session.get(),
            transcript: self.transcript.get(),
            locale: self.chosen_locale.get(),
            chat: self.chat.get(),
        }
    }
}

/// Moves keyboard focus to the first field the server refused, else the first
/// action control inside `container`, once the DOM has caught up with the state
/// change that revealed it.
pub fn focus_first_control(container: Var<Option<HtmlElement>>) {
    request_animation_frame(move || {
        let Some(container) = container.get_untracked() else {
            return;
        };
        let target = [
            "[aria-invalid=true]",
            ".actions input, .actions select, .actions textarea, .actions button",
        ]
        .into_iter()
        .find_map(|selector| container.query_selector(selector).ok().flatten())
        .and_then(|e| e.dyn_into::<HtmlElement>().ok());
        if let Some(target) = target {
            let _ = target.focus();
        }
    });
}

/// Calls `handler` with every `event` on `target`, for the page's lifetime.
pub fn on(target: &Element, event: &str, handler: impl Fn(web_sys::Event) + 'static) {
    let handler = Closure::<dyn Fn(web_sys::Event)>::new(handler);
    let _ = target.add_event_listener_with_callback(event, handler.as_ref().unchecked_ref());
    handler.forget();
}

/// `event`'s key, when it is a keyboard event.
fn key(event: &web_sys::Event) -> Option<String> {
    event
        .dyn_ref::<web_sys::KeyboardEvent>()
        .map(web_sys::KeyboardEvent::key)
}

/// Builds the whole widget — launcher plus panel — into `host` and keeps it
/// in step with `widget`.
pub fn app(host: &Element, widget: Widget) {
    effect(move || persist::save(&widget.snapshot()));

    let root = add(host, "div", "aisle", None);
    {
        let root = root.clone();
        effect_now(move || {
            set(&root, "lang", widget.locale().tag());
            match widget.brand.get() {
                Some(colour) => set(&root, "style", &["--aisle-brand:", &colour].concat()),
                None => {
                    let _ = root.remove_attribute("style");
                }
            }
        });
    }
    add(&root, "style", "", Some(STYLE));

    // The proactive message, never over the open panel.
    let region = add(&root, "div", "proactive-region", None);
    set(&region, "aria-live", "polite");
    on(&region, "click", move |ev| on_campaign_click(widget, &ev));
    on(&region, "keydown", move |ev| {
        if key(&ev).as_deref() == Some("Escape") {
            campaigns::dismiss(widget);
        }
    });
    effect(move || {
        let campaign = if widget.open.get() {
            None
        } else {
            widget.campaign.get()
        };
        draw_campaign(&region, campaign, widget.strings());
    });

    let launcher = add(&root, "button", "launcher", None);
    set(&launcher, "type", "button");
    set(&launcher, "aria-controls", "aisle-panel");
    set(
        &add(&launcher, "span", "launcher-icon", None),
        "aria-hidden",
        "true",
    );
    let label = add(&launcher, "span", "", None);
    on(&launcher, "click", move |_| {
        widget.open.update(|open| *open = !*open)
    });
    {
        let launcher = launcher.clone();
        effect_now(move || {
            let open = widget.open.get();
            set(
                &launcher,
                "aria-expanded",
                if open { "true" } else { "false" },
            );
            label.set_text_content(Some(widget.strings().launcher));
        });
    }

    let panel: HtmlElement = add(&root, "div", "panel", None).unchecked_into();
    for (name, value) in [
        ("id", "aisle-panel"),
        ("role", "dialog"),
        ("aria-labelledby", "aisle-title"),
        ("aria-describedby", "aisle-notice"),
    ] {
        set(&panel, name, value);
    }
    on(&panel, "keydown", move |ev| {
        if key(&ev).as_deref() == Some("Escape") {
            ev.stop_propagation();
            widget.open.set(false);
        }
    });
    {
        let panel = panel.clone();
        effect_now(move || panel.set_hidden(!widget.open.get()));
    }
    widget.panel.set(Some(panel.clone()));
    draw_panel(&panel, widget);

    // Focus follows the panel: into it on open, back to the launcher on close.
    // Not on the first run, so restoring an open panel after navigation does not steal focus.
    let first = std::cell::Cell::new(true);
    let launcher: HtmlElement = launcher.unchecked_into();
    effect(move || {
        let open = widget.open.get();
        if first.replace(false) {
            return;
        }
        untrack(|| {
            if open {
                focus_first_control(widget.panel);
                crate::chat::read_all(widget);
            } else {
                let _ = launcher.focus();
                // A campaign held back while the panel was open may show now.
                campaigns::evaluate(widget, None);
            }
        });
    });
}

/// The panel's content: header, log, and the area for the menu, the question
/// and the live chat. Built once; its words follow the language, and what is
/// drawn into the log and the areas remembers its language
/// ([`assist::redraw`]), so a switch redraws it once.
fn draw_panel(panel: &Element, widget: Widget) {
    let header = add(panel, "div", "panel-header", None);
    let titles = add(&header, "div", "", None);
    let title = add(&titles, "h2", "", None);
    set(&title, "id", "aisle-title");
    let notice = add(&titles, "p", "notice", None);
    set(&notice, "id", "aisle-notice");
    let close = add(&header, "button", "close", None);
    set(&close, "type", "button");
    on(&close, "click", move |_| widget.open.set(false));

    let log = add(panel, "div", "log", None);
    set(&log, "role", "log");
    set(&log, "aria-live", "polite");
    {
        let log = log.clone();
        effect_now(move || {
            let s = widget.strings();
            title.set_text_content(Some(s.title));
            notice.set_text_content(Some(s.automated_notice));
            close.set_text_content(Some(s.close));
            set(&log, "aria-label", s.conversation);
        });
    }

    let actions = add(panel, "div", "actions", None);
    let panel = widget.panel;
    on(&actions, "click", move |ev| {
        assist::on_click(widget, panel, &ev)
    });
    on(&actions, "submit", move |ev| {
        assist::on_submit(widget, panel, &ev)
    });
    for event in ["input", "change"] {
        on(&actions, event, move |ev| assist::on_edit(widget, &ev));
    }
    on(&actions, "keydown", move |ev| {
        if let Some(ev) = ev.dyn_ref::<web_sys::KeyboardEvent>() {
            crate::chat::on_key(widget, ev);
        }
    });
    let menu = add(&actions, "div", "", None);
    let question = add(&actions, "div", "", None);
    let live = add(&actions, "div", "", None);

    // The conversation, kept in step with the transcript.
    effect(move || draw_log(&log, widget, widget.strings()));
    // The menu, while there is no question and no live chat.
    effect(move || {
        let s = widget.strings();
        let shown = widget.prompt.with(Option::is_none) && widget.chat.with(Option::is_none);
        if assist::redraw(&menu, if shown { s.menu_label } else { "" }) && shown {
            draw_menu(&menu, s);
        }
    });
    // The assistant's question, drawn from its JSON whenever it changes (and
    // again in another language).
    effect(move || {
        widget.locale();
        let prompt = widget.prompt.get();
        question.set_text_content(None);
        if let Some(prompt) = prompt {
            widget
                .drafts
                .with_untracked(|d| assist::draw_prompt(&question, &Json::parse(&prompt), d));
        }
    });
    // The live chat, drawn from its state (status, message box, rating).
    effect(move || crate::chat::draw(&live, widget));
}

/// Brings the conversation `log` (an ARIA `log`: new entries are announced
/// politely) in step with the transcript: drops entries that scrolled away,
/// appends new ones, and updates in place what changes in drawn ones (the
/// state of the shopper's live-chat messages, the merchant's greeting).
fn draw_log(log: &Element, widget: Widget, s: &'static Strings) {
    let locale = widget.locale();
    let greeting = widget.greeting();
    let read = widget.chat.with(|c| c.as_ref().map_or(0, |c| c.agent_read));
    // Rebuilding the panel for another language keeps its elements: then
    // every entry is drawn again, in the new language.
    assist::redraw(log, locale.tag());
    let drawn_id = |el: &Element| el.get_attribute("data-id").and_then(|id| id.parse().ok());
    widget.transcript.with(|entries| {
        let first = entries.first().map_or(u32::MAX, |e| e.id);
        while let Some(oldest) = log.first_element_child() {
            if drawn_id(&oldest).is_some_and(|id: u32| id >= first) {
                break;
            }
            oldest.remove();
        }
        let last = log.last_element_child().and_then(|e| drawn_id(&e));
        let mut appended = false;
        for entry in entries {
            if last.is_none_or(|last| entry.id > last) {
                draw_entry(log, entry, locale, s);
                appended = true;
            }
        }
        // Children and entries now correspond one to one.
        let children = log.children();
        for (i, entry) in entries.iter().enumerate() {
            let text = match entry.line {
                Line::Greeting => &greeting,
                Line::Sent(_, _, 0) => s.sending,
                Line::Sent(_, _, seq) if read >= seq => s.read,
                Line::Sent(..) => s.sent,
                _ => continue,
            };
            let el = children.item(i as u32);
            let target = match entry.line {
                Line::Greeting => el,
                _ => el.and_then(|el| el.last_element_child()),
            };
            if let Some(target) = target
                && target.text_content().as_deref() != Some(text)
            {
                target.set_text_content(Some(text));
            }
        }
        if appended {
            let log = log.clone();
            // Keep the newest entry in view.
            request_animation_frame(move || log.set_scroll_top(log.scroll_height()));
        }
    });
}

/// One entry of the conversation, worded in the current locale.
fn draw_entry(log: &Element, entry: &Entry, locale: Locale, s: &'static Strings) {
    let class = match &entry.line {
        Line::Shopper(_) | Line::Sent(..) => "msg msg-shopper",
        // Bytes, not `str::contains`: a `&str` pattern brings its searcher into the bundle.
        Line::Assistant(said) if said.as_bytes().windows(8).any(|w| w == b"\"card\":{") => {
            "msg msg-bot msg-card"
        }
        Line::Agent(..) => "msg msg-agent",
        Line::Joined(_) | Line::Ended | Line::Rated => "msg msg-note",
        _ => "msg msg-bot",
    };
    let el = add(log, "div", class, None);
    set(&el, "data-id", &crate::format::number(entry.id.into()));
    let joined;
    let text = match &entry.line {
        // Worded by `draw_log`, which follows the merchant's greetings.
        Line::Greeting => return,
        Line::Shopper(text) => text,
        Line::NetworkError => s.network_error,
        Line::Assistant(said) => {
            assist::draw_said(&el, &Json::parse(said), locale, s.opens_in_new_tab);
            return;
        }
        Line::Sent(_, text, _) => {
            add(&el, "span", "", Some(text));
            // The state (sending, sent, read), worded by `draw_log`.
            add(&el, "span", "meta", None);
            return;
        }
        Line::Agent(name, text) => {
            add(&el, "span", "meta", Some(name));
            add_linked(&el, text, s.opens_in_new_tab);
            return;
        }
        Line::Joined(name) => {
            joined = crate::i18n::fill(s.agent_joined, name);
            &joined
        }
        Line::Ended => s.chat_ended,
        Line::Rated => s.rated,
    };
    add(&el, "span", "", Some(text));
}

/// `text` as text, with its `http(s)://` words as links (nothing else ever
/// becomes markup).
fn add_linked(parent: &Element, text: &str, new_tab: &str) {
    let span = add(parent, "span", "", None);
    let mut plain = String::new();
    for word in text.split_inclusive(char::is_whitespace) {
        let url = word.trim_end();
        if assist::is_safe_link(url) && url.len() > 8 {
            if !plain.is_empty() {
                let _ = span.append_with_str_1(&std::mem::take(&mut plain));
            }
            let a = add(&span, "a", "", Some(url));
            set(&a, "href", url);
            set(&a, "target", "_blank");
            set(&a, "rel", "noopener noreferrer");
            set(&a, "aria-label", &[url, " ", new_tab].concat());
            plain.push_str(word.get(url.len()..).unwrap_or_default());
        } else {
            plain.push_str(word);
        }
    }
    if !plain.is_empty() {
        let _ = span.append_with_str_1(&plain);
    }
}

/// The self-service menu: only what works. Clicks go to [`assist::on_click`].
fn draw_menu(host: &Element, s: &'static Strings) {
    let group = add(host, "div", "menu", None);
    set(&group, "role", "group");
    set(&group, "aria-label", s.menu_label);
    for (action, label) in [
        ("track", s.track_order),
        ("return", s.return_items),
        ("cancel", s.cancel_order),
        ("report", s.report_issue),
        ("faq", s.faq),
        ("human", s.talk_to_person),
    ] {
        let button = add(&group, "button", "menu-item", Some(label));
        set(&button, "type", "button");
        set(&button, "data-action", action);
    }
}

/// The proactive campaign message next to the launcher (in a polite live
/// region), dismissible with its button or Escape; `None` clears it.
fn draw_campaign(host: &Element, campaign: Option<ShownCampaign>, s: &'static Strings) {
    host.set_text_content(None);
    let Some(campaign) = campaign else { return };
    let group = add(host, "div", "proactive", None);
    set(&group, "role", "group");
    set(&group, "aria-label", s.proactive_label);
    add(&group, "p", "proactive-text", Some(&campaign.message));
    // Product cards: links with a picture (sized, so nothing shifts), the
    // title and the price.
    let cards = campaigns::cards();
    if !cards.is_empty() {
        let list = add(&group, "ul", "products", None);
        set(&list, "role", "list");
        set(&list, "aria-label", s.products_label);
        for card in cards {
            let link = add(&add(&list, "li", "", None), "a", "product", None);
            set(&link, "href", &card.url);
            set(&link, "data-product", "");
            if let Some(image) = &card.image {
                let img = add(&link, "img", "", None);
                for (name, value) in [
                    ("src", image.as_str()),
                    ("alt", &card.title),
                    ("width", "56"),
                    ("height", "56"),
                    ("loading", "lazy"),
                ] {
                    set(&img, name, value);
                }
            }
            let title = add(&link, "span", "product-title", Some(&card.title));
            if card.image.is_some() {
                // The picture's `alt` names the link already.
                set(&title, "aria-hidden", "true");
            }
            if let Some(price) = &card.price {
                add(&link, "span", "product-price", Some(price));
            }
        }
    }
    let actions = add(&group, "div", "proactive-actions", None);
    for (i, action) in campaign.actions.iter().enumerate() {
        let button = add(&actions, "button", "primary", Some(&action.label));
        set(&button, "type", "button");
        set(&button, "data-action", &crate::format::number(i as u64));
    }
    let dismiss = add(&actions, "button", "secondary", Some(s.dismiss));
    set(&dismiss, "type", "button");
    set(&dismiss, "data-action", "dismiss");
}

/// A click in the proactive message: one of its actions, a product card, or dismiss.
fn on_campaign_click(widget: Widget, ev: &web_sys::Event) {
    let Some(target) = ev.target().and_then(|t| t.dyn_into::<Element>().ok()) else {
        return;
    };
    if let Ok(Some(_)) = target.closest("a[data-product]") {
        campaigns::product_clicked(widget);
        return;
    }
    let Some(action) = target
        .closest("button[data-action]")
        .ok()
        .flatten()
        .and_then(|b| b.get_attribute("data-action"))
    else {
        return;
    };
    if action == "dismiss" {
        campaigns::dismiss(widget);
    } else if let Some(chosen) = action.parse().ok().and_then(|i: usize| {
        widget
            .campaign
            .with_untracked(|c| c.as_ref().and_then(|c| c.actions.get(i).cloned()))
    }) {
        campaigns::act(widget, &chosen);
    }
}
