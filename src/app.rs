//! The widget's view: launcher, panel (a `dialog`), conversation log,
//! self-service menu and proactive campaign message.
//!
//! Built by hand with DOM calls: the frame (launcher, panel, header) once,
//! when the view is first needed ([`app`]); what changes — the log, the menu,
//! the question, the live chat, the campaign message, a few attributes and
//! the chrome's words when the language changes — by update functions
//! ([`crate::reactive::effect`]) that run again when the state they read
//! changes. Every text goes in with `createElement` + `textContent`
//! ([`crate::dom::add`]), never as HTML. Clicks are delegated by
//! `data-action`: the live chat's controls (`chat-…`, "Talk to a person") to
//! [`crate::chat`], the assistant's to [`crate::assist`].
//! (A Leptos view did this before; dropping Leptos took about 16 KB brotli
//! off the bundle, issue #16.)

use crate::dom::{add, focus_first_control, on, redraw, set, target};
use crate::i18n::{Locale, Strings};
use crate::reactive::{effect, effect_now, request_animation_frame, untrack};
use crate::state::Widget;
use crate::transcript::{Entry, Line};
use crate::{assist, campaigns, chat, persist};
use aisle_core::api::ShownCampaign;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement};

/// The widget's stylesheet (`style/widget.css`, minified by `build.rs`),
/// rendered inside the shadow root so host-page CSS cannot reach in and ours
/// cannot leak out.
pub const STYLE: &str = include_str!(concat!(env!("OUT_DIR"), "/widget.min.css"));

/// `event`'s key, when it is a keyboard event.
fn key(event: &web_sys::Event) -> Option<String> {
    event
        .dyn_ref::<web_sys::KeyboardEvent>()
        .map(web_sys::KeyboardEvent::key)
}

/// Builds the whole widget — launcher plus panel — into `host` and keeps it
/// in step with `widget`.
pub fn app(host: &Element, widget: Widget) {
    // Saved for the next page whenever it changes, read in place.
    effect(move || {
        widget.transcript.with(|transcript| {
            widget.prompt.with(|prompt| {
                widget.drafts.with(|drafts| {
                    widget.session.with(|session| {
                        widget.chat.with(|chat| {
                            persist::save_parts(persist::Parts {
                                open: widget.open.get(),
                                transcript,
                                prompt: prompt.as_ref(),
                                drafts,
                                session: session.as_deref(),
                                locale: widget.chosen_locale.get(),
                                chat: chat.as_ref(),
                            })
                        })
                    })
                })
            })
        })
    });

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
        let open = widget.open.get();
        widget.campaign.with(|campaign| {
            draw_campaign(
                &region,
                campaign.as_ref().filter(|_| !open),
                widget.strings(),
            )
        });
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
                chat::read_all(widget);
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
/// ([`redraw`]), so a switch redraws it once.
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
    on(&actions, "click", move |ev| on_click(widget, &ev));
    on(&actions, "submit", move |ev| on_submit(widget, &ev));
    for event in ["input", "change"] {
        on(&actions, event, move |ev| on_edit(widget, &ev));
    }
    on(&actions, "keydown", move |ev| {
        if let Some(ev) = ev.dyn_ref::<web_sys::KeyboardEvent>() {
            chat::on_key(widget, ev);
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
        if redraw(&menu, if shown { s.menu_label } else { "" }) && shown {
            draw_menu(&menu, s);
        }
    });
    // The assistant's question, drawn whenever it changes (and again in
    // another language).
    effect(move || {
        widget.locale();
        question.set_text_content(None);
        widget.prompt.with(|prompt| {
            if let Some(prompt) = prompt {
                widget
                    .drafts
                    .with_untracked(|d| assist::draw_prompt(&question, &prompt.value, d));
            }
        });
    });
    // The live chat, drawn from its state (status, message box, rating).
    effect(move || chat::draw(&live, widget));
}

/// A click on one of the area's buttons: a live-chat control, "Talk to a
/// person", or one of the assistant's choices (said, then sent).
fn on_click(widget: Widget, ev: &web_sys::Event) {
    let Some(button) = target(ev).and_then(|t| t.closest("button[data-action]").ok().flatten())
    else {
        return;
    };
    let action = button.get_attribute("data-action").unwrap_or_default();
    if action.starts_with("chat-") {
        chat::on_action(widget, &action);
    } else if !widget.busy.get_untracked() {
        widget.say(Line::Shopper(button.text_content().unwrap_or_default()));
        if action == "human" {
            chat::start(widget, None);
            focus_first_control(widget.panel);
        } else {
            assist::act(widget, action, Vec::new());
        }
    }
}

/// A form of the area was submitted: the chat's message box or the
/// assistant's question.
fn on_submit(widget: Widget, ev: &web_sys::Event) {
    ev.prevent_default();
    let Some(form) = target(ev) else { return };
    let action = form.get_attribute("data-action").unwrap_or_default();
    if action.starts_with("chat-") {
        chat::on_action(widget, &action);
    } else {
        assist::submit(widget, &form, action);
    }
}

/// A field of the area changed: the chat's message box or a question's field.
fn on_edit(widget: Widget, ev: &web_sys::Event) {
    let Some(control) = target(ev) else { return };
    let name = control.get_attribute("name").unwrap_or_default();
    let value = crate::js::field(&control, "value")
        .as_string()
        .unwrap_or_default();
    if name == "chat" {
        chat::edit(widget, value);
    } else {
        assist::edited(widget, &control, name, value);
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
    redraw(log, locale.tag());
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
        Line::Assistant(said) if said.value.card.is_some() => "msg msg-bot msg-card",
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
            assist::draw_said(&el, &said.value, locale, s.opens_in_new_tab);
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
fn draw_campaign(host: &Element, campaign: Option<&ShownCampaign>, s: &'static Strings) {
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
    // "Copy code": the loader's click handler puts `data-copy` on the
    // clipboard and then shows `data-copied` (`loader/aisle.js`).
    if let Some(code) = &campaign.code {
        let copy = add(&actions, "button", "secondary", Some(s.copy_code));
        for (name, value) in [
            ("type", "button"),
            ("data-action", "copy"),
            ("data-copy", code),
            ("data-copied", s.code_copied),
        ] {
            set(&copy, name, value);
        }
    }
    let dismiss = add(&actions, "button", "secondary", Some(s.dismiss));
    set(&dismiss, "type", "button");
    set(&dismiss, "data-action", "dismiss");
}

/// A click in the proactive message: one of its actions, a product card,
/// copying its code, or dismiss.
fn on_campaign_click(widget: Widget, ev: &web_sys::Event) {
    let Some(target) = ev.target().and_then(|t| t.dyn_into::<Element>().ok()) else {
        return;
    };
    if let Ok(Some(_)) = target.closest("a[data-product]") {
        campaigns::clicked(widget);
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
    } else if action == "copy" {
        // The loader copies; the campaign counts the interaction.
        campaigns::clicked(widget);
    } else if let Some(chosen) = action.parse().ok().and_then(|i: usize| {
        widget
            .campaign
            .with_untracked(|c| c.as_ref().and_then(|c| c.actions.get(i).cloned()))
    }) && let Some(campaign) = campaigns::act(widget, &chosen)
    {
        chat::start(widget, Some(campaign));
    }
}
