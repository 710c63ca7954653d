//! Aisle's shopper-facing widget, compiled to WebAssembly and drawn with DOM calls,
//! rendered inside the open shadow root the loader (`loader/aisle.js`) made.
//!
//! - [`config`]: the handover from the loader (snippet settings, queued commands).
//! - [`app`]: launcher, panel, conversation log, self-service menu;
//!   [`reactive`]: the state cells and the update functions that follow them.
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
pub mod conversation;
pub mod dom;
pub mod format;
pub mod i18n;
pub mod js;
pub mod persist;
pub mod reactive;
pub mod state;
pub mod transcript;

/// The allocator: talc in place of Rust's default for wasm (dlmalloc), a few
/// KB smaller (issue #16).
#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

use config::{Command, WidgetConfig};
use i18n::{Locale, LocaleStrings as _};
use js::Js as _;
use reactive::request_animation_frame;
use state::Widget;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

/// Applies one `Aisle(name, argument)` command.
pub fn dispatch(widget: Widget, command: Command) {
    match command.name.as_str() {
        "open" => when_shown(widget, move || widget.open.set(true)),
        "close" => widget.open.set(false),
        "toggle" => when_shown(widget, move || widget.open.update(|open| *open = !*open)),
        "locale" => {
            if let Some(locale) = command
                .argument
                .as_string()
                .as_deref()
                .and_then(Locale::from_tag)
            {
                WANTED.with(|w| w.set(Some(locale)));
                if locale.installed() {
                    use_locale(widget, locale);
                } else {
                    // Switched once its table is here, unless another was asked for since.
                    wasm_bindgen_futures::spawn_local(async move {
                        load_strings(locale).await;
                        if WANTED.with(|w| w.get()) == Some(locale) {
                            use_locale(widget, locale);
                        }
                    });
                }
            }
        }
        "trigger" => match command.argument.as_string() {
            Some(id) => campaigns::evaluate(widget, Some(id)),
            None => web_sys::console::warn_1(&"Aisle: 'trigger' takes a campaign id".into()),
        },
        "cart" => campaigns::cart(widget, command.argument),
        // `data-customer` or `Aisle('identify', {email, exp, signature})`,
        // with the optional signed `tags`, `first_name` and
        // `profile_signature` (the server checks all of it).
        "identify" => match config::Identity::from_js(&command.argument) {
            Some(identity)
                if !identity.email.is_empty()
                    && identity.exp.is_some()
                    && !identity.signature.is_empty() =>
            {
                config::set_identity(identity);
                campaigns::customer(widget);
            }
            _ => {
                web_sys::console::warn_1(&"Aisle: 'identify' takes {email, exp, signature}".into())
            }
        },
        // From the loader: the URL changed (also single-page-app navigation).
        "navigate" => campaigns::navigate(widget),
        other => web_sys::console::warn_2(&"Aisle: unknown command".into(), &other.into()),
    }
}

/// Speaks `locale` from now on (its strings installed).
fn use_locale(widget: Widget, locale: Locale) {
    widget.chosen_locale.set(Some(locale));
    // Not mounted yet: the loader's launcher speaks the new language.
    PENDING.with(|p| {
        if let Some(label) = p
            .borrow()
            .as_ref()
            .and_then(|root| find(root, "[data-aisle-loader] span"))
        {
            label.set_text_content(Some(locale.strings().launcher));
        }
    });
}

/// Fetches and installs the strings of `locale` (a JSON list in the order of
/// `Strings::fields`, written by `cargo xtask build`) unless they are at
/// hand. Without a loader (a debug build served by `trunk serve`) the
/// tables compiled into debug builds are used; a release bundle has none.
pub async fn load_strings(locale: Locale) {
    if locale.installed() {
        return;
    }
    let Some(prefix) = config::tables() else {
        if cfg!(debug_assertions) {
            i18n::install(locale, locale.built_in());
        }
        return;
    };
    let url = [&prefix, ".", locale.tag(), ".json"].concat();
    let Some(window) = web_sys::window() else {
        return;
    };
    let Ok(response) = wasm_bindgen_futures::JsFuture::from(window.fetch_with_str(&url)).await
    else {
        return;
    };
    let response: web_sys::Response = response.unchecked_into();
    let Some(json) = response.json().ok().filter(|_| response.ok()) else {
        return;
    };
    let Ok(list) = wasm_bindgen_futures::JsFuture::from(json).await else {
        return;
    };
    if locale.installed() || !js_sys::Array::is_array(&list) {
        return;
    }
    let list: Vec<String> = js::Lenient::read(&list);
    let fields = list.into_iter().map(|s| &*String::leak(s));
    i18n::install(
        locale,
        Box::leak(Box::new(i18n::Strings::from_fields(fields))),
    );
}

/// Runs `change` now when the view is mounted; else mounts it first and runs
/// `change` after the next frame, once the view's effects (focus management)
/// are watching.
fn when_shown(widget: Widget, change: impl FnOnce() + 'static) {
    if show(widget) {
        request_animation_frame(change);
    } else {
        change();
    }
}

thread_local! {
    /// The shadow root the view goes into when it is first needed
    /// ([`show`]); `None` once it is mounted.
    static PENDING: std::cell::RefCell<Option<web_sys::ShadowRoot>> =
        const { std::cell::RefCell::new(None) };
    /// The locale the page asked for last (`Aisle('locale', …)`).
    static WANTED: std::cell::Cell<Option<Locale>> = const { std::cell::Cell::new(None) };
}

/// Mounts the view if [`boot`] left it for later: on the first open, when a
/// campaign must show, or when the shopper points at or focuses the launcher.
/// Returns whether it mounted just now.
pub fn show(widget: Widget) -> bool {
    let Some(root) = PENDING.with(|p| p.borrow_mut().take()) else {
        return false;
    };
    mount_view(&root, widget);
    // The merchant's brand colour and greetings concern only the view.
    if let Some(config) = config::current() {
        wasm_bindgen_futures::spawn_local(site_settings(widget, config));
    }
    true
}

/// The merchant's settings for the widget: brand colour, greetings, the
/// live-chat reply time.
async fn site_settings(widget: Widget, config: WidgetConfig) {
    let Some(settings) = api::site_settings(&config.server, &config.site).await else {
        return;
    };
    widget.brand.set(settings.text("brand_color"));
    config::set_reply_promise(settings.number("reply_promise_minutes").map(|m| m as u32));
    let greetings = js_sys::Object::entries(&settings.get("greeting").0.unchecked_into());
    widget.greetings.set(js::Lenient::read(&greetings));
}

/// The widget's state for this page: what the previous page saved, in the
/// locale of the snippet or the browser.
fn state(config: &WidgetConfig) -> Widget {
    let default_locale = match &config.locale {
        Some(tag) => Locale::negotiate([tag.as_str()]),
        None => Locale::negotiate(config::browser_languages().iter().map(String::as_str)),
    };
    Widget::new(persist::load().unwrap_or_default(), default_locale)
}

/// The first element of the shadow root `root` that `selector` matches,
/// through `Element`'s `querySelector` binding (the same JS method; one
/// import of the glue for both).
fn find(root: &web_sys::ShadowRoot, selector: &str) -> Option<web_sys::Element> {
    root.unchecked_ref::<web_sys::Element>()
        .query_selector(selector)
        .ok()
        .flatten()
}

/// Mounts the view of `widget` into `root`, in place of the loader's launcher.
fn mount_view(root: &web_sys::ShadowRoot, widget: Widget) -> Option<()> {
    let document = web_sys::window()?.document()?;
    let container = document.create_element("div").ok()?;
    root.append_child(&container).ok()?;
    app::app(&container, widget);
    // The loader's placeholder launcher sits at the same spot; ours replaces it,
    // taking over keyboard focus if the shopper had put it there.
    let had_focus = root
        .active_element()
        .is_some_and(|e| e.has_attribute("data-aisle-loader"));
    while let Some(placeholder) = find(root, "[data-aisle-loader]") {
        placeholder.remove();
    }
    if had_focus
        && let Some(launcher) =
            find(root, "button.launcher").and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
    {
        let _ = launcher.focus();
    }
    Some(())
}

/// Mounts the widget into `root` at once and returns its state.
pub fn mount(root: &web_sys::ShadowRoot, config: WidgetConfig) -> Option<Widget> {
    let widget = state(&config);
    mount_view(root, widget)?;
    Some(widget)
}

/// Takes over from the loader. Before any interaction only the command
/// handler, the campaign runtime and (for a conversation left open or live on
/// the previous page) the live chat start; the view is built by
/// [`show`] when first needed, so the host page's main thread stays free.
pub fn boot() {
    let Some(handover) = config::take_over() else {
        return;
    };
    let config = handover.config.clone();
    config::set_current(config.clone());
    let widget = state(&config);
    let locale = widget.locale();
    // The shopper's language first, so nothing is drawn in another one
    // (English when it cannot be had); commands sent meanwhile wait in the
    // loader's queue. With no table at all the widget does not start: a
    // view with nameless controls would be worse than the loader's launcher.
    wasm_bindgen_futures::spawn_local(async move {
        load_strings(locale).await;
        if !locale.installed() {
            load_strings(Locale::En).await;
        }
        if Locale::En.installed() || locale.installed() {
            start(handover, widget);
        } else {
            web_sys::console::error_1(&"Aisle: the chat widget's texts could not be loaded".into());
        }
    });
}

/// [`boot`] once the strings are at hand.
fn start(mut handover: config::Handover, widget: Widget) {
    let config = handover.config.clone();
    let root = handover.root;
    // The placeholder launcher the loader drew, while it is there.
    let placeholder = find(&root, "button[data-aisle-loader]");
    // A panel left open or a live chat on the previous page comes back at
    // once; so does a launcher the shopper is already pointing at or on —
    // unless they are pressing it right now: replacing the button between
    // press and release would swallow the click, so that click mounts it.
    let needed = widget.open.get_untracked()
        || widget.chat.with_untracked(Option::is_some)
        || placeholder.as_ref().is_none_or(|p| {
            let is = |state: &str| p.matches(state).unwrap_or(false);
            (is(":hover") || is(":focus")) && !is(":active")
        });
    PENDING.with(|p| *p.borrow_mut() = Some(root));
    if needed {
        show(widget);
    } else if let Some(placeholder) = placeholder {
        // A shopper about to click: mount now so the click opens at once.
        let intent = Closure::<dyn Fn()>::new(move || {
            show(widget);
        });
        for event in ["pointerenter", "focus"] {
            let _ = placeholder
                .add_event_listener_with_callback(event, intent.as_ref().unchecked_ref());
        }
        intent.forget();
    }
    // A campaign about to show mounts the view first.
    reactive::effect(move || {
        if widget.campaign.with(Option::is_some) {
            reactive::untrack(|| show(widget));
        }
    });
    // After a frame: the host page gets the main thread back between steps,
    // and a view mounted above has its effects (focus management) watching
    // when queued commands such as `open` arrive. Commands keep queueing in
    // the loader until then: none reaches a runtime that has not started.
    request_animation_frame(move || {
        chat::resume(widget);
        campaigns::start(widget, config);
        handover.queued.extend(config::take_queued());
        let handler =
            Closure::<dyn Fn(JsValue, JsValue)>::new(move |name: JsValue, argument: JsValue| {
                if let Some(name) = name.as_string() {
                    dispatch(widget, Command { name, argument });
                }
            });
        config::install_command_handler(handler.as_ref().unchecked_ref());
        // The handler lives as long as the page.
        handler.forget();
        for command in handover.queued {
            dispatch(widget, command);
        }
    });
}
