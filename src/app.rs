//! The widget's view: launcher, panel (a `dialog`), conversation log,
//! self-service menu and proactive campaign message.
//!
//! The frame (launcher, panel, header) is a Leptos view; what changes inside
//! it — the log, the menu, the campaign message — is drawn into its host
//! element by an effect with `createElement` + `textContent`
//! ([`crate::assist::add`]), as are the assistant's answers
//! ([`crate::assist`]) and the live chat ([`crate::chat::draw`]). Each view
//! closure and keyed list costs the wasm bundle far more than these few DOM
//! calls (budget: 90 KB brotli, `cargo xtask size`). Clicks are delegated by
//! `data-action` to the handlers in [`crate::assist`].

use crate::assist::{self, Json, add, set};
use crate::campaigns;
use crate::i18n::{Locale, Strings};
use crate::persist::{self, Saved};
use crate::transcript::{self, Entry, Line};
use aisle_core::api::ShownCampaign;
use leptos::html;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::Element;

/// The widget's stylesheet (`style/widget.css`, minified by `build.rs`),
/// rendered inside the shadow root so host-page CSS cannot reach in and ours
/// cannot leak out.
pub const STYLE: &str = include_str!(concat!(env!("OUT_DIR"), "/widget.min.css"));

/// The widget's shared state (`Copy`: handed to every callback).
#[derive(Debug, Clone, Copy)]
pub struct Widget {
    /// The panel is open.
    pub open: RwSignal<bool>,
    /// The assistant's current question (a `Prompt` as JSON); `None`: the menu.
    pub prompt: RwSignal<Option<String>>,
    /// What the shopper typed into the question's form, by field name.
    pub drafts: RwSignal<Vec<(String, String)>>,
    /// The assistant session (which orders the shopper proved).
    pub session: RwSignal<Option<String>>,
    /// An answer is on its way.
    pub busy: RwSignal<bool>,
    /// The conversation.
    pub transcript: RwSignal<Vec<Entry>>,
    /// Locale chosen with `Aisle('locale', …)`, overriding the default.
    pub chosen_locale: RwSignal<Option<Locale>>,
    /// Locale from `data-locale` or the browser.
    pub default_locale: Locale,
    /// The proactive campaign message on screen, if any.
    pub campaign: RwSignal<Option<ShownCampaign>>,
    /// The merchant's brand colour (`#rrggbb`, contrast-checked by the server).
    pub brand: RwSignal<Option<String>>,
    /// The merchant's greetings, `(locale tag, text)`.
    pub greetings: RwSignal<Vec<(String, String)>>,
    /// The live chat with a person, if one was started.
    pub chat: RwSignal<Option<crate::chat::Chat>>,
    /// The agent is typing.
    pub agent_typing: RwSignal<bool>,
    /// The live-chat connection is up.
    pub connected: RwSignal<bool>,
    /// The panel element (focus management from callbacks).
    pub panel: NodeRef<html::Div>,
}

impl Widget {
    /// State restored from `saved`, with a greeting if the log is empty.
    pub fn new(saved: Saved, default_locale: Locale) -> Self {
        let mut log = saved.transcript;
        if log.is_empty() {
            transcript::push(&mut log, Line::Greeting);
        }
        Widget {
            open: RwSignal::new(saved.open),
            prompt: RwSignal::new(saved.prompt),
            drafts: RwSignal::new(saved.drafts),
            session: RwSignal::new(saved.session),
            busy: RwSignal::new(false),
            transcript: RwSignal::new(log),
            chosen_locale: RwSignal::new(saved.locale),
            default_locale,
            campaign: RwSignal::new(None),
            brand: RwSignal::new(None),
            greetings: RwSignal::new(Vec::new()),
            chat: RwSignal::new(saved.chat),
            agent_typing: RwSignal::new(false),
            connected: RwSignal::new(false),
            panel: NodeRef::new(),
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
pub fn focus_first_control(container: NodeRef<html::Div>) {
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
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
        if let Some(target) = target {
            let _ = target.focus();
        }
    });
}

/// Runs `f` now and again whenever a signal it reads changes. Every effect of
/// the view goes through here, so Leptos' effect machinery is compiled once
/// for all of them rather than once per closure (about 3 KB of wasm each).
fn effect(f: impl Fn() + 'static) {
    let f: Box<dyn Fn()> = Box::new(f);
    Effect::new(move |_: Option<()>| f());
}

/// The whole widget: launcher plus panel, inside the shadow root.
pub fn app(widget: Widget) -> impl IntoView {
    let launcher: NodeRef<html::Button> = NodeRef::new();
    let panel = widget.panel;
    effect(move || persist::save(&widget.snapshot()));
    // Focus follows the panel: into it on open, back to the launcher on close.
    // Not on the first run, so restoring an open panel after navigation does not steal focus.
    Effect::watch(
        move || widget.open.get(),
        move |open, _, _| {
            if *open {
                focus_first_control(panel);
                crate::chat::read_all(widget);
            } else {
                if let Some(button) = launcher.get_untracked() {
                    let _ = button.focus();
                }
                // A campaign held back while the panel was open may show now.
                campaigns::evaluate(widget, None);
            }
        },
        false,
    );
    // The proactive message, never over the open panel.
    let region: NodeRef<html::Div> = NodeRef::new();
    effect(move || {
        let campaign = if widget.open.get() {
            None
        } else {
            widget.campaign.get()
        };
        if let Some(host) = region.get() {
            draw_campaign(&host, campaign, widget.strings());
        }
    });

    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Escape" {
            ev.stop_propagation();
            widget.open.set(false);
        }
    };

    // Text is static inside one reactive boundary per locale: switching language
    // rebuilds the panel once instead of keeping a reactive node per string,
    // which keeps the wasm bundle small. The rebuild keeps the host elements,
    // so what is drawn into them remembers its language ([`assist::redraw`]).
    let panel_content = move || {
        let s = widget.strings();
        // The conversation, kept in step with the transcript.
        let log: NodeRef<html::Div> = NodeRef::new();
        effect(move || {
            if let Some(log) = log.get() {
                draw_log(&log, widget, s);
            }
        });
        // The menu, while there is no question and no live chat.
        let menu: NodeRef<html::Div> = NodeRef::new();
        effect(move || {
            let shown = widget.prompt.with(Option::is_none) && widget.chat.with(Option::is_none);
            if let Some(host) = menu.get()
                && assist::redraw(&host, if shown { s.menu_label } else { "" })
                && shown
            {
                draw_menu(&host, s);
            }
        });
        // The assistant's question, drawn from its JSON whenever it changes.
        let question: NodeRef<html::Div> = NodeRef::new();
        effect(move || {
            let prompt = widget.prompt.get();
            if let Some(host) = question.get() {
                host.set_text_content(None);
                if let Some(prompt) = prompt {
                    widget
                        .drafts
                        .with_untracked(|d| assist::draw_prompt(&host, &Json::parse(&prompt), d));
                }
            }
        });
        // The live chat, drawn from its state (status, message box, rating).
        let live: NodeRef<html::Div> = NodeRef::new();
        effect(move || {
            if let Some(host) = live.get() {
                crate::chat::draw(&host, widget);
            }
        });
        view! {
            <div class="panel-header">
                <div>
                    <h2 id="aisle-title">{s.title}</h2>
                    <p id="aisle-notice" class="notice">{s.automated_notice}</p>
                </div>
                <button type="button" class="close" on:click=move |_| widget.open.set(false)>
                    {s.close}
                </button>
            </div>
            <div class="log" role="log" aria-live="polite" aria-label=s.conversation node_ref=log></div>
            <div
                class="actions"
                on:click=move |ev| assist::on_click(widget, panel, &ev)
                on:submit=move |ev| assist::on_submit(widget, panel, &ev)
                on:input=move |ev| assist::on_edit(widget, &ev)
                on:change=move |ev| assist::on_edit(widget, &ev)
                on:keydown=move |ev| crate::chat::on_key(widget, &ev)
            >
                <div node_ref=menu></div>
                <div node_ref=question></div>
                <div node_ref=live></div>
            </div>
        }
    };

    view! {
        <div
            class="aisle"
            lang=move || widget.locale().tag()
            style=move || widget.brand.get().map(|c| format!("--aisle-brand:{c}"))
        >
            <style>{STYLE}</style>
            <div
                class="proactive-region"
                aria-live="polite"
                node_ref=region
                on:click=move |ev| on_campaign_click(widget, &ev)
                on:keydown=move |ev| {
                    if ev.key() == "Escape" {
                        campaigns::dismiss(widget);
                    }
                }
            ></div>
            <button
                type="button"
                class="launcher"
                node_ref=launcher
                aria-expanded=move || widget.open.get().to_string()
                aria-controls="aisle-panel"
                on:click=move |_| widget.open.update(|open| *open = !*open)
            >
                <span class="launcher-icon" aria-hidden="true"></span>
                <span>{move || widget.strings().launcher}</span>
            </button>
            <div
                id="aisle-panel"
                class="panel"
                role="dialog"
                aria-labelledby="aisle-title"
                aria-describedby="aisle-notice"
                hidden=move || !widget.open.get()
                node_ref=panel
                on:keydown=on_keydown
            >
                {panel_content}
            </div>
        </div>
    }
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
        Line::Assistant(said) if said.contains("\"card\":{") => "msg msg-bot msg-card",
        Line::Agent(..) => "msg msg-agent",
        Line::Joined(_) | Line::Ended | Line::Rated => "msg msg-note",
        _ => "msg msg-bot",
    };
    let el = add(log, "div", class, None);
    set(&el, "data-id", &entry.id.to_string());
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
            set(&a, "aria-label", &format!("{url} {new_tab}"));
            plain.push_str(&word[url.len()..]);
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
    let actions = add(&group, "div", "proactive-actions", None);
    for (i, action) in campaign.actions.iter().enumerate() {
        let button = add(&actions, "button", "primary", Some(&action.label));
        set(&button, "type", "button");
        set(&button, "data-action", &i.to_string());
    }
    let dismiss = add(&actions, "button", "secondary", Some(s.dismiss));
    set(&dismiss, "type", "button");
    set(&dismiss, "data-action", "dismiss");
}

/// A click in the proactive message: one of its actions, or dismiss.
fn on_campaign_click(widget: Widget, ev: &web_sys::Event) {
    let Some(action) = ev
        .target()
        .and_then(|t| t.dyn_into::<Element>().ok())
        .and_then(|t| t.closest("button[data-action]").ok().flatten())
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
