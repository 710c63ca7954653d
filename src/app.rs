//! The widget's components: launcher, panel (a `dialog`), conversation log and
//! self-service menu. The "Track order" flow lives in [`crate::track`].

use crate::config::WidgetConfig;
use crate::i18n::{Locale, Strings};
use crate::persist::{self, Saved, Screen};
use crate::track::{OrderCard, TrackForm};
use crate::transcript::{self, Entry, Line};
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
    /// The current self-service step.
    pub screen: RwSignal<Screen>,
    /// Order number as typed.
    pub order_input: RwSignal<String>,
    /// Email as typed.
    pub email_input: RwSignal<String>,
    /// The conversation.
    pub transcript: RwSignal<Vec<Entry>>,
    /// Locale chosen with `Aisle('locale', …)`, overriding the default.
    pub chosen_locale: RwSignal<Option<Locale>>,
    /// Locale from `data-locale` or the browser.
    pub default_locale: Locale,
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
            screen: RwSignal::new(saved.screen),
            order_input: RwSignal::new(saved.order_input),
            email_input: RwSignal::new(saved.email_input),
            transcript: RwSignal::new(log),
            chosen_locale: RwSignal::new(saved.locale),
            default_locale,
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

    /// Adds a line to the conversation.
    pub fn say(&self, line: Line) {
        self.transcript.update(|log| transcript::push(log, line));
    }

    /// Everything to save for the next page.
    pub fn snapshot(&self) -> Saved {
        Saved {
            open: self.open.get(),
            screen: self.screen.get(),
            order_input: self.order_input.get(),
            email_input: self.email_input.get(),
            transcript: self.transcript.get(),
            locale: self.chosen_locale.get(),
        }
    }
}

/// Moves keyboard focus to the first action control inside `container` once the DOM
/// has caught up with the state change that revealed it.
pub fn focus_first_control(container: NodeRef<html::Div>) {
    request_animation_frame(move || {
        let Some(container) = container.get_untracked() else {
            return;
        };
        let target = container
            .query_selector(".actions input, .actions button:not([disabled])")
            .ok()
            .flatten()
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
    let panel: NodeRef<html::Div> = NodeRef::new();
    Effect::new(move |_| persist::save(&widget.snapshot()));
    // Focus follows the panel: into it on open, back to the launcher on close.
    // Not on the first run, so restoring an open panel after navigation does not steal focus.
    Effect::watch(
        move || widget.open.get(),
        move |open, _, _| {
            if *open {
                focus_first_control(panel);
            } else if let Some(button) = launcher.get_untracked() {
                let _ = button.focus();
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
            <div class="actions">
                {move || match widget.screen.get() {
                    Screen::Menu => view! { <Menu panel=panel/> }.into_any(),
                    Screen::TrackForm => view! { <TrackForm panel=panel/> }.into_any(),
                }}
            </div>
        }
    };

    view! {
        <div class="aisle" lang=move || widget.locale().tag()>
            <style>{STYLE}</style>
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
            <For each=move || widget.transcript.get() key=|entry| entry.id let:entry>
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
        _ if line.from_shopper() => "msg msg-shopper",
        Line::Order(_) => "msg msg-bot msg-card",
        _ => "msg msg-bot",
    };
    let body = move || {
        let s = widget.strings();
        match line.clone() {
            Line::Greeting => s.greeting.into_any(),
            Line::ChoseTrackOrder => s.track_order.into_any(),
            Line::AskOrder => s.ask_order.into_any(),
            Line::Submitted { order, email } => format!("{order} · {email}").into_any(),
            Line::Order(order) => view! { <OrderCard order=*order/> }.into_any(),
            Line::NotFound => s.not_found.into_any(),
            Line::RateLimited { minutes } => {
                crate::i18n::fill(s.rate_limited, "minutes", &minutes.to_string()).into_any()
            }
            Line::NetworkError => s.network_error.into_any(),
        }
    };
    view! { <div class=class>{body}</div> }
}

/// The self-service menu: only what works.
#[component]
fn Menu(
    /// The panel, to move focus into the next step.
    panel: NodeRef<html::Div>,
) -> impl IntoView {
    let widget = expect_context::<Widget>();
    let track = move |_| {
        widget.say(Line::ChoseTrackOrder);
        widget.say(Line::AskOrder);
        widget.screen.set(Screen::TrackForm);
        focus_first_control(panel);
    };
    let s = widget.strings();
    view! {
        <div class="menu" role="group" aria-label=s.menu_label>
            <button type="button" class="menu-item" on:click=track>
                {s.track_order}
            </button>
        </div>
    }
}
