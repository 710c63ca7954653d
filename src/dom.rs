//! DOM helpers shared by the views: elements with text (never HTML),
//! attributes, drawing again only what changed, event listeners, focus.

use crate::reactive::{Var, request_animation_frame};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;
use web_sys::{Document, Element, HtmlElement};

fn document() -> Option<Document> {
    web_sys::window()?.document()
}

/// `<tag class=…>` appended to `parent`, with `text` as its only text.
pub fn add(parent: &Element, tag: &str, class: &str, text: Option<&str>) -> Element {
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

/// Sets attribute `name` of `el`.
pub fn set(el: &Element, name: &str, value: &str) {
    let _ = el.set_attribute(name, value);
}

/// Empties `host` when what it should show (`key`: a mode, a language)
/// differs from what was drawn into it, and returns `true` then: draw again.
pub fn redraw(host: &Element, key: &str) -> bool {
    if host.get_attribute("data-drawn").as_deref() == Some(key) {
        return false;
    }
    host.set_text_content(None);
    set(host, "data-drawn", key);
    true
}

/// The element an event happened on.
pub fn target(ev: &web_sys::Event) -> Option<Element> {
    ev.target()?.dyn_into::<Element>().ok()
}

/// Calls `handler` with every `event` on `target`, for the page's lifetime.
pub fn on(target: &Element, event: &str, handler: impl Fn(web_sys::Event) + 'static) {
    let handler = Closure::<dyn Fn(web_sys::Event)>::new(handler);
    let _ = target.add_event_listener_with_callback(event, handler.as_ref().unchecked_ref());
    handler.forget();
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
