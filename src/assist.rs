//! Self-service, drawn from what the server says: the shopper's choices and
//! forms go to `POST /api/sites/{site}/assist` ([`act`]); the answer's
//! messages, cards and next question (the typed shapes of
//! `aisle_core::assist`, read by [`crate::js`]) are built into the DOM here.
//! No flow lives in the widget.
//!
//! Why no view framework and no serde here: answers are decoded by the
//! widget's own codec and built with `createElement` + `textContent`, which
//! kept eleven structs' serde decoders and their views out of the bundle (the
//! widget's budgets are checked by `cargo xtask size`). Safety is by
//! construction: every server string becomes a text node or an attribute
//! value, never HTML, and only `http(s)` URLs become links.
//!
//! Events are delegated: [`on_click`], [`on_submit`] and [`on_edit`] are
//! attached by the panel ([`crate::app`], which sends the live chat's own
//! controls to [`crate::chat`]) to the area that holds the question.

use crate::dom::{add, focus_first_control, set};
use crate::format;
use crate::i18n::Locale;
use crate::js;
use crate::state::Widget;
use crate::transcript::{Kept, Line};
use aisle_core::assist::{AssistReply, AssistRequest, Field, FieldKind, Prompt, Said};
use wasm_bindgen_futures::spawn_local;
use web_sys::Element;

/// Sends `action` (with the form's `values`) and shows the answer. While the
/// server is away nothing is lost: the question and what was typed stay.
pub fn act(widget: Widget, action: String, values: Vec<(String, String)>) {
    if widget.busy.get_untracked() {
        return;
    }
    if action == "menu" {
        widget.prompt.set(None);
        focus_first_control(widget.panel);
        return;
    }
    request(widget, action, values, None);
}

/// Sends one self-service step to the server and shows the answer; `prefill`
/// goes into the answer's `message` field (what the shopper already typed).
pub fn request(
    widget: Widget,
    action: String,
    values: Vec<(String, String)>,
    prefill: Option<String>,
) {
    let panel = widget.panel;
    let Some(config) = crate::config::current() else {
        return;
    };
    let body = AssistRequest {
        session: widget.session.get_untracked(),
        locale: widget.locale().tag().into(),
        action,
        values,
        identity: crate::config::identity(),
    };
    widget.busy.set(true);
    spawn_local(async move {
        let answer = crate::api::assist(&config.server, &config.site, &body).await;
        widget.busy.set(false);
        match answer {
            Some((reply, sent)) => {
                let AssistReply {
                    session,
                    echo,
                    said,
                    prompt,
                } = reply;
                widget.session.set(Some(session));
                if let Some(echo) = echo {
                    widget.say(Line::Shopper(echo));
                }
                // Each message and the question kept with their JSON, to be
                // saved as they came: the messages are the list's objects.
                let sent_said = sent.get("said");
                let mut i = 0;
                for value in said {
                    while !sent_said.at(i).is_object() {
                        i += 1;
                    }
                    let json = sent_said.at(i).stringify();
                    i += 1;
                    widget.say(Line::Assistant(Kept { value, json }));
                }
                let prompt = prompt.map(|value| Kept {
                    value,
                    json: sent.get("prompt").stringify(),
                });
                let mut drafts = Vec::new();
                if let Some(form) = prompt.as_ref().and_then(|p| p.value.form.as_ref()) {
                    for f in &form.fields {
                        let value = match &prefill {
                            Some(typed) if f.name == "message" && !typed.is_empty() => typed,
                            _ => &f.value,
                        };
                        drafts.push((f.name.clone(), value.clone()));
                    }
                }
                widget.drafts.set(drafts);
                widget.prompt.set(prompt);
            }
            None => {
                widget.say(Line::NetworkError);
                // Redraw the question as it was, with what was typed.
                widget.prompt.update(|_| {});
            }
        }
        focus_first_control(panel);
    });
}

/// Whether a URL from the server is safe to put in an `href` (no `javascript:`).
pub fn is_safe_link(url: &str) -> bool {
    let lower = url.trim_start().to_ascii_lowercase();
    lower.starts_with("https://") || lower.starts_with("http://")
}

/// A `<time>` for Unix seconds, in the shopper's locale and time zone.
fn add_time(parent: &Element, at: i64, with_time: bool, locale: Locale) {
    let text = if with_time {
        format::date_time(locale, at)
    } else {
        format::date(locale, at)
    };
    let time = add(parent, "time", "", Some(&text));
    set(&time, "datetime", &format::iso(at));
}

/// Fills `host` with one assistant message: its text and card.
pub fn draw_said(host: &Element, said: &Said, locale: Locale, opens_in_new_tab: &str) {
    add(host, "p", "", Some(&said.text));
    let Some(card) = &said.card else {
        return;
    };
    let article = add(host, "article", "order-card", None);
    set(&article, "aria-label", &card.title);
    add(&article, "h3", "", Some(&card.title));
    if let Some(status) = &card.status {
        // The tone names a style: only its letters and `_` reach the class.
        let tone = only(
            "state state-",
            card.tone.as_deref().unwrap_or_default(),
            |c| c.is_ascii_lowercase() || c == '_',
        );
        add(&article, "p", &tone, Some(status));
    }
    let facts = add(&article, "dl", "facts", None);
    for fact in &card.facts {
        add(&facts, "dt", "", Some(&fact.label));
        let dd = add(&facts, "dd", "", None);
        match fact.at {
            Some(at) => add_time(&dd, at, fact.with_time, locale),
            None => dd.set_text_content(Some(&fact.value)),
        }
    }
    if let Some(link) = card.link.as_ref().filter(|l| is_safe_link(&l.url)) {
        let a = add(&article, "a", "tracking-link", Some(&link.label));
        set(&a, "href", &link.url);
        set(&a, "target", "_blank");
        set(&a, "rel", "noopener noreferrer");
        add(
            &a,
            "span",
            "visually-hidden",
            Some(&[" ", opens_in_new_tab].concat()),
        );
    }
    if let Some(title) = &card.list_title {
        add(&article, "h4", "", Some(title));
    }
    let list = add(&article, "ol", "timeline", None);
    for item in &card.list {
        let li = add(&list, "li", "", None);
        let label = if item.value.is_empty() {
            item.label.clone()
        } else {
            [&item.label, " · ", &item.value].concat()
        };
        add(&li, "span", "event", Some(&label));
        if let Some(at) = item.at {
            add_time(&li, at, true, locale);
        }
    }
}

/// Fills `host` with the assistant's question: its form, with what the
/// shopper typed (`drafts`), and its buttons.
pub fn draw_prompt(host: &Element, prompt: &Prompt, drafts: &[(String, String)]) {
    let group = add(host, "div", "prompt", None);
    set(&group, "role", "group");
    set(&group, "aria-label", &prompt.label);
    if let Some(form) = &prompt.form {
        let el = add(&group, "form", "assist-form", None);
        set(&el, "novalidate", "");
        set(&el, "data-action", &form.action);
        for field in &form.fields {
            draw_field(&el, field, drafts);
        }
        let actions = add(&el, "div", "form-actions", None);
        let submit = add(&actions, "button", "primary", Some(&form.submit));
        set(&submit, "type", "submit");
    }
    let menu = add(&group, "div", "menu", None);
    for choice in &prompt.choices {
        let class = if choice.primary {
            "primary"
        } else {
            "menu-item"
        };
        let button = add(&menu, "button", class, Some(&choice.label));
        set(&button, "type", "button");
        set(&button, "data-action", &choice.action);
    }
}

/// `prefix`, then the characters of `text` that `keep` lets through (a
/// class or an id made from the server's text).
fn only(prefix: &str, text: &str, keep: fn(char) -> bool) -> String {
    let mut out = prefix.to_owned();
    for c in text.chars() {
        if keep(c) {
            out.push(c);
        }
    }
    out
}

/// One labelled control with its hint and error.
fn draw_field(form: &Element, field: &Field, drafts: &[(String, String)]) {
    let name = &field.name;
    let id = only("aisle-f-", name, |c| c.is_ascii_alphanumeric());
    let wrapper = add(form, "div", "field", None);
    let label = add(&wrapper, "label", "", Some(&field.label));
    set(&label, "for", &id);
    let tag = match field.kind {
        FieldKind::LongText => "textarea",
        FieldKind::Select => "select",
        _ => "input",
    };
    let control = add(&wrapper, tag, "", None);
    set(&control, "id", &id);
    set(&control, "name", name);
    // As an integer: formatting an f64 would pull ~6 KB of float code into the bundle.
    let max = (field.max > 0).then(|| format::number(field.max.into()));
    match field.kind {
        FieldKind::Select => {
            for option in &field.options {
                let el = add(&control, "option", "", Some(&option.label));
                set(&el, "value", &option.action);
            }
        }
        FieldKind::Quantity => {
            set(&control, "type", "number");
            set(&control, "min", "0");
            set(&control, "inputmode", "numeric");
            if let Some(max) = &max {
                set(&control, "max", max);
            }
        }
        kind => {
            if kind == FieldKind::LongText {
                set(&control, "rows", "3");
            } else {
                let email = kind == FieldKind::Email;
                set(&control, "type", if email { "email" } else { "text" });
                set(
                    &control,
                    "autocomplete",
                    if email { "email" } else { "off" },
                );
            }
            if let Some(max) = &max {
                set(&control, "maxlength", max);
            }
        }
    }
    if field.required {
        set(&control, "required", "");
    }
    let value = drafts
        .iter()
        .find(|(n, _)| n == name)
        .map_or(&field.value, |(_, v)| v);
    js::set(&control, "value", &value.into());
    let mut described = None;
    if let Some(hint) = &field.hint {
        let p = add(&wrapper, "p", "hint", Some(hint));
        let hint = [&id, "-hint"].concat();
        set(&p, "id", &hint);
        described = Some(hint);
    }
    if let Some(error) = &field.error {
        let p = add(&wrapper, "p", "error", Some(error));
        let error_id = [&id, "-error"].concat();
        set(&p, "id", &error_id);
        set(&control, "aria-invalid", "true");
        described = Some(error_id);
    }
    if let Some(described) = described {
        set(&control, "aria-describedby", &described);
    }
}

/// The question's form `form` was submitted (its `data-action`: `action`):
/// sends the action with every named value.
pub fn submit(widget: Widget, form: &Element, action: String) {
    if widget.busy.get_untracked() {
        return;
    }
    let mut values = Vec::new();
    if let Ok(controls) = form.query_selector_all("[name]") {
        for i in 0..controls.length() {
            let Some(control) = controls.item(i) else {
                continue;
            };
            let name = js::field(&control, "name").as_string();
            let value = js::field(&control, "value").as_string();
            if let (Some(name), Some(value)) = (name, value) {
                values.push((name, value));
            }
        }
    }
    if let Ok(Some(submit)) = form.query_selector("button[type=submit]") {
        submit.set_text_content(Some(widget.strings().sending));
        set(&submit, "aria-disabled", "true");
    }
    act(widget, action, values);
}

/// The shopper edited field `name` of the question (`control`) to `value`:
/// keep what they typed (it survives navigation) and stop calling the field
/// invalid.
pub fn edited(widget: Widget, control: &Element, name: String, value: String) {
    if control.get_attribute("aria-invalid").is_some() {
        let _ = control.remove_attribute("aria-invalid");
        let id = control.id();
        let hint = [&id, "-hint"].concat();
        let has_hint = control
            .parent_element()
            .and_then(|p| p.query_selector(".hint").ok().flatten())
            .is_some();
        if has_hint {
            set(control, "aria-describedby", &hint);
        } else {
            let _ = control.remove_attribute("aria-describedby");
        }
        if let Some(error) = control
            .parent_element()
            .and_then(|p| p.query_selector(".error").ok().flatten())
        {
            error.remove();
        }
    }
    widget
        .drafts
        .update(|d| match d.iter_mut().find(|(n, _)| *n == name) {
            Some(entry) => entry.1 = value,
            None => d.push((name, value)),
        });
}
