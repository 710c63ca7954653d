//! Aisle's shopper-facing widget: Leptos (CSR) compiled to WebAssembly,
//! rendered inside the open shadow root the loader (`loader/aisle.js`) made.
//!
//! - [`config`]: the handover from the loader (snippet settings, queued commands).
//! - [`app`]: launcher, panel, conversation log, self-service menu.
//! - [`assist`]: self-service answers and questions as the server words them;
//!   [`campaigns`]: proactive messages.
//! - [`i18n`], [`format`]: locale tables and `Intl` formatting.
//! - [`persist`]: state that survives page navigation.
//! - [`api`]: calls to the server, with JSON built and read through `JsValue`s.
//!
//! Build with `cargo xtask build`; test with `cargo xtask test` (wasm tests in
//! `tests/` run in headless Chromium).

pub mod api;
pub mod app;
pub mod assist;
pub mod campaigns;
pub mod chat;
pub mod config;
pub mod format;
pub mod i18n;
pub mod persist;
pub mod transcript;

use app::Widget;
use config::{Command, WidgetConfig};
use i18n::Locale;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

/// Applies one `Aisle(name, argument)` command.
pub fn dispatch(widget: Widget, command: Command) {
    match command.name.as_str() {
        "open" => widget.open.set(true),
        "close" => widget.open.set(false),
        "toggle" => widget.open.update(|open| *open = !*open),
        "locale" => {
            if let Some(locale) = command
                .argument
                .as_string()
                .as_deref()
                .and_then(Locale::from_tag)
            {
                widget.chosen_locale.set(Some(locale));
            }
        }
        "trigger" => match command.argument.as_string() {
            Some(id) => campaigns::evaluate(widget, Some(id)),
            None => web_sys::console::warn_1(&"Aisle: 'trigger' takes a campaign id".into()),
        },
        "cart" => campaigns::cart(widget, command.argument),
        // `data-customer` or `Aisle('identify', {email, exp, signature})`.
        "identify" => {
            let get = |key: &str| js_sys::Reflect::get(&command.argument, &key.into()).ok();
            let text = |key: &str| get(key).and_then(|v| v.as_string());
            match (
                text("email"),
                get("exp").and_then(|v| v.as_f64()),
                text("signature"),
            ) {
                (Some(email), Some(exp), Some(signature)) => {
                    config::set_identity(email, exp, signature)
                }
                _ => web_sys::console::warn_1(
                    &"Aisle: 'identify' takes {email, exp, signature}".into(),
                ),
            }
        }
        // From the loader: the URL changed (also single-page-app navigation).
        "navigate" => campaigns::navigate(widget),
        other => web_sys::console::warn_2(&"Aisle: unknown command".into(), &other.into()),
    }
}

/// Mounts the widget into `root` and returns its state.
pub fn mount(root: &web_sys::ShadowRoot, config: WidgetConfig) -> Option<Widget> {
    let document = web_sys::window()?.document()?;
    let container: web_sys::HtmlElement = document.create_element("div").ok()?.dyn_into().ok()?;
    root.append_child(&container).ok()?;
    let default_locale = match &config.locale {
        Some(tag) => Locale::negotiate([tag.as_str()]),
        None => Locale::negotiate(config::browser_languages().iter().map(String::as_str)),
    };
    let widget = Widget::new(persist::load().unwrap_or_default(), default_locale);
    leptos::mount::mount_to(container, move || app::app(widget)).forget();
    // The loader's placeholder launcher sits at the same spot; ours replaces it,
    // taking over keyboard focus if the shopper had put it there.
    let had_focus = root
        .active_element()
        .is_some_and(|e| e.has_attribute("data-aisle-loader"));
    if let Ok(placeholders) = root.query_selector_all("[data-aisle-loader]") {
        for i in 0..placeholders.length() {
            if let Some(node) = placeholders
                .item(i)
                .and_then(|n| n.dyn_into::<web_sys::Element>().ok())
            {
                node.remove();
            }
        }
    }
    if had_focus
        && let Some(launcher) = root
            .query_selector("button.launcher")
            .ok()
            .flatten()
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
    {
        let _ = launcher.focus();
    }
    Some(widget)
}

/// Takes over from the loader: mounts the widget, then runs queued and future commands.
pub fn boot() {
    let Some(handover) = config::take_over() else {
        return;
    };
    let config = handover.config.clone();
    config::set_current(config.clone());
    let Some(widget) = mount(&handover.root, handover.config) else {
        return;
    };
    let handler =
        Closure::<dyn Fn(JsValue, JsValue)>::new(move |name: JsValue, argument: JsValue| {
            if let Some(name) = name.as_string() {
                dispatch(widget, Command { name, argument });
            }
        });
    config::install_command_handler(handler.as_ref().unchecked_ref());
    // The handler lives as long as the page.
    handler.forget();
    // After the first frame, so the widget's effects (focus management) are
    // already watching when queued commands such as `open` arrive.
    let (server, site) = (config.server.clone(), config.site.clone());
    wasm_bindgen_futures::spawn_local(async move {
        let Some(settings) = api::site_settings(&server, &site).await else {
            return;
        };
        widget.brand.set(settings.text("brand_color"));
        config::set_reply_promise(settings.number("reply_promise_minutes").map(|m| m as u32));
        let greetings = js_sys::Object::entries(&settings.get("greeting").0.unchecked_into())
            .iter()
            .filter_map(|pair| {
                let pair: js_sys::Array = pair.unchecked_into();
                Some((pair.get(0).as_string()?, pair.get(1).as_string()?))
            })
            .collect();
        widget.greetings.set(greetings);
    });
    request_animation_frame(move || {
        chat::resume(widget);
        campaigns::start(widget, config);
        for command in handover.queued {
            dispatch(widget, command);
        }
    });
}
