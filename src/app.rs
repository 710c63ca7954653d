//! The widget's components: launcher, panel (a `dialog`), conversation log and
//! self-service menu. What the assistant answers is drawn by [`crate::assist`].

use crate::assist::{self, Json, act};
use crate::campaigns;
use crate::config::WidgetConfig;
use crate::i18n::{Locale, Strings};
use crate::persist::{self, Saved};
use crate::transcript::{self, Entry, Line};
use aisle_core::api::ShownCampaign;
use leptos::html;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// The widget's stylesheet, rendered inside the shadow root so host-page CSS
/// cannot reach in and ours cannot leak out.
pub const STYLE: &str = include_str!("../style/widget.css");

/// The widget's shared state, provided as context to every component.
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

/// The whole widget: launcher plus panel, inside the shadow root.
#[component]
pub fn App(
    /// The snippet's configuration.
    config: WidgetConfig,
    /// Shared state.
    widget: Widget,
) -> impl IntoView {
    provide_context(config);
    provide_context(widget);
    let launcher: NodeRef<html::Button> = NodeRef::new();
    let panel = widget.panel;
    Effect::new(move |_| persist::save(&widget.snapshot()));
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

    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Escape" {
            ev.stop_propagation();
            widget.open.set(false);
        }
    };

    // Text is static inside one reactive boundary per locale: switching language
    // rebuilds the panel once instead of keeping a reactive node per string,
    // which keeps the wasm bundle small.
    let panel_content = move || {
        let s = widget.strings();
        // The assistant's question, drawn from its JSON whenever it changes.
        let question: NodeRef<html::Div> = NodeRef::new();
        Effect::new(move |_| {
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
        Effect::new(move |_| {
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
            <Conversation/>
            <div
                class="actions"
                on:click=move |ev| assist::on_click(widget, panel, &ev)
                on:submit=move |ev| assist::on_submit(widget, panel, &ev)
                on:input=move |ev| assist::on_edit(widget, &ev)
                on:change=move |ev| assist::on_edit(widget, &ev)
                on:keydown=move |ev| crate::chat::on_key(widget, &ev)
            >
                {move || {
                    (widget.prompt.with(Option::is_none) && widget.chat.with(Option::is_none))
                        .then(|| view! { <Menu panel=panel/> })
                }}
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
            <ProactiveMessage/>
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

/// The conversation as an ARIA `log`: new entries are announced politely.
/// Rebuilt with the panel when the language changes.
#[component]
fn Conversation() -> impl IntoView {
    let widget = expect_context::<Widget>();
    let log: NodeRef<html::Div> = NodeRef::new();
    // Keep the newest entry in view.
    Effect::new(move |_| {
        widget.transcript.track();
        if let Some(log) = log.get() {
            request_animation_frame(move || log.set_scroll_top(log.scroll_height()));
        }
    });
    view! {
        <div class="log" role="log" aria-live="polite" aria-label=widget.strings().conversation node_ref=log>
            // A chat message is redrawn when the server acknowledges it.
            <For
                each=move || widget.transcript.get()
                key=|entry| (entry.id, matches!(entry.line, Line::Sent(_, _, 0)))
                let:entry
            >
                <Message line=entry.line/>
            </For>
        </div>
    }
}

/// One entry of the conversation, worded in the current locale.
#[component]
fn Message(
    /// What it says.
    line: Line,
) -> impl IntoView {
    let widget = expect_context::<Widget>();
    let class = match line {
        Line::Shopper(_) | Line::Sent(..) => "msg msg-shopper",
        Line::Assistant(ref said) if said.contains("\"card\":{") => "msg msg-bot msg-card",
        Line::Agent(..) => "msg msg-agent",
        Line::Joined(_) | Line::Ended | Line::Rated => "msg msg-note",
        _ => "msg msg-bot",
    };
    let s = widget.strings();
    let greeting = matches!(line, Line::Greeting);
    let host: NodeRef<html::Div> = NodeRef::new();
    // `data-meta`: an agent's name, or sending → sent → read for the shopper's
    // live-chat messages (shown by the stylesheet before or after the text).
    let (mut name, mut seq) = (None, None);
    let text = match line {
        Line::Greeting => None,
        Line::Shopper(text) => Some(text),
        Line::NetworkError => Some(s.network_error.to_owned()),
        Line::Assistant(said) => {
            let locale = widget.locale();
            host.on_load(move |host| {
                assist::draw_said(&host, &Json::parse(&said), locale, s.opens_in_new_tab)
            });
            None
        }
        Line::Sent(_, text, at) => {
            seq = Some(at);
            Some(text)
        }
        Line::Agent(who, text) => {
            name = Some(who);
            Some(text)
        }
        Line::Joined(who) => Some(crate::chat::fill(s.agent_joined, &who)),
        Line::Ended => Some(s.chat_ended.to_owned()),
        Line::Rated => Some(s.rated.to_owned()),
    };
    let meta = move || match seq {
        Some(0) => Some(s.sending.to_owned()),
        Some(seq)
            if widget
                .chat
                .with(|c| c.as_ref().is_some_and(|c| c.agent_read >= seq)) =>
        {
            Some(s.read.to_owned())
        }
        Some(_) => Some(s.sent.to_owned()),
        None => name.clone(),
    };
    view! {
        <div class=class node_ref=host data-meta=meta>
            {text}
            {move || greeting.then(|| widget.greeting())}
        </div>
    }
}

/// The self-service menu: only what works.
#[component]
fn Menu(
    /// The panel, to move focus into the next step.
    panel: NodeRef<html::Div>,
) -> impl IntoView {
    let widget = expect_context::<Widget>();
    let s = widget.strings();
    let items = [
        ("track", s.track_order),
        ("return", s.return_items),
        ("cancel", s.cancel_order),
        ("report", s.report_issue),
        ("faq", s.faq),
        ("human", s.talk_to_person),
    ]
    .map(|(action, label)| {
        let pick = move |_| {
            if !widget.busy.get_untracked() {
                widget.say(Line::Shopper(label.into()));
                act(widget, action.into(), Vec::new(), panel);
            }
        };
        view! { <button type="button" class="menu-item" on:click=pick>{label}</button> }
    });
    view! {
        <div class="menu" role="group" aria-label=s.menu_label>
            {items.into_iter().collect_view()}
        </div>
    }
}

/// The proactive campaign message next to the launcher: announced politely,
/// never over the open panel, dismissible with its button or Escape.
#[component]
fn ProactiveMessage() -> impl IntoView {
    let widget = expect_context::<Widget>();
    let visible = move || {
        if widget.open.get() {
            None
        } else {
            widget.campaign.get()
        }
    };
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Escape" {
            campaigns::dismiss(widget);
        }
    };
    view! {
        <div class="proactive-region" aria-live="polite">
            {move || {
                visible()
                    .map(|campaign| {
                        let s = widget.strings();
                        let actions = campaign
                            .actions
                            .into_iter()
                            .map(|action| {
                                let label = action.label.clone();
                                view! {
                                    <button type="button" class="primary" on:click=move |_| campaigns::act(widget, &action)>
                                        {label}
                                    </button>
                                }
                            })
                            .collect_view();
                        view! {
                            <div class="proactive" role="group" aria-label=s.proactive_label on:keydown=on_keydown>
                                <p class="proactive-text">{campaign.message}</p>
                                <div class="proactive-actions">
                                    {actions}
                                    <button type="button" class="secondary" on:click=move |_| campaigns::dismiss(widget)>
                                        {s.dismiss}
                                    </button>
                                </div>
                            </div>
                        }
                    })
            }}
        </div>
    }
}
