//! Self-service, drawn from what the server says: the shopper's choices and
//! forms go to `POST /api/sites/{site}/assist` ([`act`]); the answer's
//! messages, cards and next question (the shapes of `aisle_core::assist`) are
//! built into the DOM here. No flow lives in the widget.
//!
//! Why no view framework and no serde here: answers are read field by field from
//! the parsed JSON and built with `createElement` + `textContent`, which kept
//! eleven structs' serde decoders and their views out of the bundle (the
//! widget has a 90 KB brotli budget, measured with `cargo xtask size`).
//! Safety is by construction: every server string becomes a text node or an
//! attribute value, never HTML, and only `http(s)` URLs become links.
//!
//! Events are delegated: [`on_click`], [`on_submit`] and [`on_edit`] are
//! attached by the panel to the area that holds the question.

use crate::app::{Widget, focus_first_control};
use crate::format;
use crate::i18n::Locale;
use crate::reactive::Var;
use crate::transcript::Line;
use js_sys::{Array, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::spawn_local;
use web_sys::HtmlElement;
use web_sys::{Document, Element};

/// A parsed JSON value from the server, read field by field.
#[derive(Clone)]
pub struct Json(pub JsValue);

impl Json {
    /// Parses JSON text (`null` when it is not JSON).
    pub fn parse(text: &str) -> Json {
        Json(js_sys::JSON::parse(text).unwrap_or(JsValue::NULL))
    }

    /// Field `key` (`undefined` when absent).
    pub fn get(&self, key: &str) -> Json {
        Json(Reflect::get(&self.0, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED))
    }

    /// Field `key` as a string, if it is one.
    pub fn text(&self, key: &str) -> Option<String> {
        self.get(key).0.as_string()
    }

    /// Field `key` as a string, empty when absent.
    pub fn string(&self, key: &str) -> String {
        self.text(key).unwrap_or_default()
    }

    /// Field `key` as a number.
    pub fn number(&self, key: &str) -> Option<f64> {
        self.get(key).0.as_f64()
    }

    /// Field `key` as a list (empty when absent or not a list).
    pub fn list(&self, key: &str) -> Vec<Json> {
        self.get(key).items()
    }

    /// The value's items when it is a list (else none).
    pub fn items(&self) -> Vec<Json> {
        if Array::is_array(&self.0) {
            Array::from(&self.0).iter().map(Json).collect()
        } else {
            Vec::new()
        }
    }

    /// Item `index` of a list (`undefined` when absent).
    pub fn at(&self, index: u32) -> Json {
        Json(Reflect::get_u32(&self.0, index).unwrap_or(JsValue::UNDEFINED))
    }

    /// Field `key` as a list of strings (non-strings skipped).
    pub fn strings(&self, key: &str) -> Vec<String> {
        self.list(key)
            .iter()
            .filter_map(|s| s.0.as_string())
            .collect()
    }

    /// Whether the value is an object (not null or undefined).
    pub fn is_object(&self) -> bool {
        self.0.is_object()
    }

    /// The value as JSON text.
    pub fn stringify(&self) -> String {
        js_sys::JSON::stringify(&self.0)
            .ok()
            .and_then(|s| s.as_string())
            .unwrap_or_default()
    }
}

/// A plain JS object with `fields` (for `JSON.stringify`).
pub fn object(fields: &[(&str, JsValue)]) -> JsValue {
    let object = js_sys::Object::new();
    for (key, value) in fields {
        let _ = Reflect::set(&object, &JsValue::from_str(key), value);
    }
    object.into()
}

/// Sends `action` (with the form's `values`) and shows the answer. While the
/// server is away nothing is lost: the question and what was typed stay.
pub fn act(
    widget: Widget,
    action: String,
    values: Vec<(String, String)>,
    panel: Var<Option<HtmlElement>>,
) {
    if widget.busy.get_untracked() {
        return;
    }
    if action == "menu" {
        widget.prompt.set(None);
        focus_first_control(panel);
        return;
    }
    if action == "human" {
        crate::chat::start(widget, None);
        focus_first_control(panel);
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
    // An `AssistRequest`, built as a JS object.
    let identity =
        crate::config::identity().map_or(JsValue::UNDEFINED, |(email, exp, signature)| {
            object(&[
                ("email", email.into()),
                ("exp", exp.into()),
                ("signature", signature.into()),
            ])
        });
    let body = object(&[
        (
            "session",
            widget
                .session
                .get_untracked()
                .map_or(JsValue::NULL, JsValue::from),
        ),
        ("locale", widget.locale().tag().into()),
        ("action", action.into()),
        (
            "values",
            values
                .iter()
                .map(|(n, v)| Array::of2(&n.into(), &v.into()))
                .collect::<Array>()
                .into(),
        ),
        ("identity", identity),
    ]);
    widget.busy.set(true);
    spawn_local(async move {
        let answer = crate::api::assist(&config.server, &config.site, &body).await;
        widget.busy.set(false);
        match answer {
            Some(reply) if reply.is_object() => {
                widget.session.set(reply.text("session"));
                if let Some(echo) = reply.text("echo") {
                    widget.say(Line::Shopper(echo));
                }
                for said in reply.list("said") {
                    widget.say(Line::Assistant(said.stringify()));
                }
                let prompt = reply.get("prompt");
                let form = prompt.get("form");
                widget.drafts.set(
                    form.list("fields")
                        .iter()
                        .map(|f| {
                            let name = f.string("name");
                            let value = match &prefill {
                                Some(typed) if name == "message" && !typed.is_empty() => {
                                    typed.clone()
                                }
                                _ => f.string("value"),
                            };
                            (name, value)
                        })
                        .collect(),
                );
                widget
                    .prompt
                    .set(prompt.is_object().then(|| prompt.stringify()));
            }
            _ => {
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

fn document() -> Option<Document> {
    web_sys::window()?.document()
}

/// `<tag class=…>` appended to `parent`, with `text` as its only text.
pub(crate) fn add(parent: &Element, tag: &str, class: &str, text: Option<&str>) -> Element {
    let doc = parent.owner_document().or_else(document);
    let el = doc
        .and_then(|d| d.create_element(tag).ok())
        .unwrap_or_else(|| parent.clone());
    if !class.is_empty() {
        el.set_class_name(class);
    }
    if let Some(text) = text {
        el.set_text_content(Some(text));
    }
    let _ = parent.append_child(&el);
    el
}

pub(crate) fn set(el: &Element, name: &str, value: &str) {
    let _ = el.set_attribute(name, value);
}

/// Empties `host` when what it should show (`key`: a mode, a language)
/// differs from what was drawn into it, and returns `true` then: draw again.
pub(crate) fn redraw(host: &Element, key: &str) -> bool {
    if host.get_attribute("data-drawn").as_deref() == Some(key) {
        return false;
    }
    host.set_text_content(None);
    set(host, "data-drawn", key);
    true
}

/// A `<time>` for Unix seconds, in the shopper's locale and time zone.
fn add_time(parent: &Element, at: f64, with_time: bool, locale: Locale) {
    let at = at as i64;
    let text = if with_time {
        format::date_time(locale, at)
    } else {
        format::date(locale, at)
    };
    let time = add(parent, "time", "", Some(&text));
    set(&time, "datetime", &format::iso(at));
}

/// Fills `host` with one assistant message (a `Said`): its text and card.
pub fn draw_said(host: &Element, said: &Json, locale: Locale, opens_in_new_tab: &str) {
    add(host, "p", "", Some(&said.string("text")));
    let card = said.get("card");
    if !card.is_object() {
        return;
    }
    let article = add(host, "article", "order-card", None);
    let title = card.string("title");
    set(&article, "aria-label", &title);
    add(&article, "h3", "", Some(&title));
    if let Some(status) = card.text("status") {
        let tone: String = card
            .string("tone")
            .chars()
            .filter(|c| c.is_ascii_lowercase() || *c == '_')
            .collect();
        add(
            &article,
            "p",
            &["state state-", &tone].concat(),
            Some(&status),
        );
    }
    let facts = add(&article, "dl", "facts", None);
    for fact in card.list("facts") {
        add(&facts, "dt", "", Some(&fact.string("label")));
        let dd = add(&facts, "dd", "", None);
        match fact.number("at") {
            Some(at) => add_time(&dd, at, fact.get("with_time").0.is_truthy(), locale),
            None => dd.set_text_content(Some(&fact.string("value"))),
        }
    }
    let link = card.get("link");
    let url = link.string("url");
    if link.is_object() && is_safe_link(&url) {
        let a = add(&article, "a", "tracking-link", Some(&link.string("label")));
        set(&a, "href", &url);
        set(&a, "target", "_blank");
        set(&a, "rel", "noopener noreferrer");
        add(
            &a,
            "span",
            "visually-hidden",
            Some(&[" ", opens_in_new_tab].concat()),
        );
    }
    if let Some(title) = card.text("list_title") {
        add(&article, "h4", "", Some(&title));
    }
    let list = add(&article, "ol", "timeline", None);
    for item in card.list("list") {
        let li = add(&list, "li", "", None);
        let mut label = item.string("label");
        let place = item.string("value");
        if !place.is_empty() {
            label = [&label, " · ", &place].concat();
        }
        add(&li, "span", "event", Some(&label));
        if let Some(at) = item.number("at") {
            add_time(&li, at, true, locale);
        }
    }
}

/// Fills `host` with the assistant's question (a `Prompt`): its form, with
/// what the shopper typed (`drafts`), and its buttons.
pub fn draw_prompt(host: &Element, prompt: &Json, drafts: &[(String, String)]) {
    let group = add(host, "div", "prompt", None);
    set(&group, "role", "group");
    set(&group, "aria-label", &prompt.string("label"));
    let form = prompt.get("form");
    if form.is_object() {
        let el = add(&group, "form", "assist-form", None);
        set(&el, "novalidate", "");
        set(&el, "data-action", &form.string("action"));
        for field in form.list("fields") {
            draw_field(&el, &field, drafts);
        }
        let actions = add(&el, "div", "form-actions", None);
        let submit = add(&actions, "button", "primary", Some(&form.string("submit")));
        set(&submit, "type", "submit");
    }
    let menu = add(&group, "div", "menu", None);
    for choice in prompt.list("choices") {
        let class = if choice.get("primary").0.is_truthy() {
            "primary"
        } else {
            "menu-item"
        };
        let button = add(&menu, "button", class, Some(&choice.string("label")));
        set(&button, "type", "button");
        set(&button, "data-action", &choice.string("action"));
    }
}

/// One labelled control with its hint and error (`Field`).
fn draw_field(form: &Element, field: &Json, drafts: &[(String, String)]) {
    let name = field.string("name");
    let id: String = "aisle-f-"
        .chars()
        .chain(name.chars().filter(char::is_ascii_alphanumeric))
        .collect();
    let wrapper = add(form, "div", "field", None);
    let label = add(&wrapper, "label", "", Some(&field.string("label")));
    set(&label, "for", &id);
    let kind = field.string("kind");
    let tag = match kind.as_str() {
        "long_text" => "textarea",
        "select" => "select",
        _ => "input",
    };
    let control = add(&wrapper, tag, "", None);
    set(&control, "id", &id);
    set(&control, "name", &name);
    let max = field
        .number("max")
        .filter(|m| *m > 0.0)
        // As an integer: formatting an f64 would pull ~6 KB of float code into the bundle.
        .map(|m| format::number(m as u64));
    match kind.as_str() {
        "select" => {
            for option in field.list("options") {
                let el = add(&control, "option", "", Some(&option.string("label")));
                set(&el, "value", &option.string("action"));
            }
        }
        "quantity" => {
            set(&control, "type", "number");
            set(&control, "min", "0");
            set(&control, "inputmode", "numeric");
            if let Some(max) = &max {
                set(&control, "max", max);
            }
        }
        _ => {
            if kind == "long_text" {
                set(&control, "rows", "3");
            } else {
                let email = kind == "email";
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
    if field.get("required").0.is_truthy() {
        set(&control, "required", "");
    }
    let value = drafts
        .iter()
        .find(|(n, _)| *n == name)
        .map_or_else(|| field.string("value"), |(_, v)| v.clone());
    let _ = Reflect::set(&control, &"value".into(), &value.into());
    let mut described = None;
    if let Some(hint) = field.text("hint") {
        let p = add(&wrapper, "p", "hint", Some(&hint));
        let hint = [&id, "-hint"].concat();
        set(&p, "id", &hint);
        described = Some(hint);
    }
    if let Some(error) = field.text("error") {
        let p = add(&wrapper, "p", "error", Some(&error));
        let error_id = [&id, "-error"].concat();
        set(&p, "id", &error_id);
        set(&control, "aria-invalid", "true");
        described = Some(error_id);
    }
    if let Some(described) = described {
        set(&control, "aria-describedby", &described);
    }
}

fn target(ev: &web_sys::Event) -> Option<Element> {
    ev.target()?.dyn_into::<Element>().ok()
}

/// A click on one of the question's buttons: says its label and sends its action.
pub fn on_click(widget: Widget, panel: Var<Option<HtmlElement>>, ev: &web_sys::Event) {
    let Some(button) = target(ev).and_then(|t| t.closest("button[data-action]").ok().flatten())
    else {
        return;
    };
    let action = button.get_attribute("data-action").unwrap_or_default();
    if action.starts_with("chat-") {
        crate::chat::on_action(widget, &action);
        return;
    }
    if !widget.busy.get_untracked() {
        widget.say(Line::Shopper(button.text_content().unwrap_or_default()));
        act(widget, action, Vec::new(), panel);
    }
}

/// The question's form was submitted: sends its action with every named value.
pub fn on_submit(widget: Widget, panel: Var<Option<HtmlElement>>, ev: &web_sys::Event) {
    ev.prevent_default();
    let Some(form) = target(ev) else { return };
    let action = form.get_attribute("data-action").unwrap_or_default();
    if action.starts_with("chat-") {
        crate::chat::on_action(widget, &action);
        return;
    }
    if widget.busy.get_untracked() {
        return;
    }
    let mut values = Vec::new();
    if let Ok(controls) = form.query_selector_all("[name]") {
        for i in 0..controls.length() {
            let Some(control) = controls.item(i) else {
                continue;
            };
            let name = Reflect::get(&control, &"name".into())
                .ok()
                .and_then(|v| v.as_string());
            let value = Reflect::get(&control, &"value".into())
                .ok()
                .and_then(|v| v.as_string());
            if let (Some(name), Some(value)) = (name, value) {
                values.push((name, value));
            }
        }
    }
    if let Ok(Some(submit)) = form.query_selector("button[type=submit]") {
        submit.set_text_content(Some(widget.strings().sending));
        set(&submit, "aria-disabled", "true");
    }
    act(widget, action, values, panel);
}

/// The shopper edited a field: keep what they typed (it survives navigation)
/// and stop calling the field invalid.
pub fn on_edit(widget: Widget, ev: &web_sys::Event) {
    let Some(control) = target(ev) else { return };
    let name = control.get_attribute("name").unwrap_or_default();
    let value = Reflect::get(&control, &"value".into())
        .ok()
        .and_then(|v| v.as_string())
        .unwrap_or_default();
    if name == "chat" {
        crate::chat::edit(widget, value);
        return;
    }
    if control.get_attribute("aria-invalid").is_some() {
        let _ = control.remove_attribute("aria-invalid");
        let id = control.id();
        let hint = [&id, "-hint"].concat();
        let has_hint = control
            .parent_element()
            .and_then(|p| p.query_selector(".hint").ok().flatten())
            .is_some();
        if has_hint {
            set(&control, "aria-describedby", &hint);
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
