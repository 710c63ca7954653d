//! What the merchant's snippet tells the widget, and the bridge to the loader.
//!
//! The loader (`loader/aisle.js`) reads `data-site`, `data-server` and
//! `data-locale` from its `<script>` tag into `window.Aisle.config`, draws the
//! launcher inside an open shadow root (`window.Aisle.root`) and queues
//! `Aisle(...)` commands in `window.Aisle.q` until this bundle takes over by
//! setting `window.Aisle.handle`.

use js_sys::Function;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::ShadowRoot;

/// The widget's configuration for this page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WidgetConfig {
    /// Site id (`data-site`).
    pub site: String,
    /// Origin of the Aisle server (`data-server`, default: the loader's origin).
    pub server: String,
    /// Locale forced by the merchant (`data-locale`), if any.
    pub locale: Option<String>,
}

/// A command a page sent through `window.Aisle(name, argument)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Command {
    /// `open`, `close`, `locale`, …
    pub name: String,
    /// The optional argument.
    pub argument: JsValue,
}

/// What the loader handed over.
pub struct Handover {
    /// Configuration from the snippet.
    pub config: WidgetConfig,
    /// The shadow root to render in.
    pub root: ShadowRoot,
    /// Commands queued before the widget loaded, oldest first.
    pub queued: Vec<Command>,
}

fn get(target: &JsValue, key: &str) -> JsValue {
    crate::js::field(target, key)
}

fn string(target: &JsValue, key: &str) -> Option<String> {
    get(target, key).as_string().filter(|s| !s.is_empty())
}

/// The `window.Aisle` object the loader created, if any.
pub fn loader_api() -> Option<JsValue> {
    let api = get(&web_sys::window()?.into(), "Aisle");
    (!api.is_undefined() && !api.is_null()).then_some(api)
}

/// Takes over from the loader. Without a loader (the widget opened on its own,
/// as with `trunk serve`), creates a host element and defaults to site `demo`
/// on this page's origin.
pub fn take_over() -> Option<Handover> {
    let window = web_sys::window()?;
    let document = window.document()?;
    let api = loader_api();
    let config_js = api
        .as_ref()
        .map(|a| get(a, "config"))
        .unwrap_or(JsValue::UNDEFINED);
    let origin = window.location().origin().ok()?;
    let config = WidgetConfig {
        site: string(&config_js, "site").unwrap_or_else(|| "demo".into()),
        server: string(&config_js, "server")
            .unwrap_or(origin)
            .trim_end_matches('/')
            .to_owned(),
        locale: string(&config_js, "locale"),
    };
    let root = match api
        .as_ref()
        .map(|a| get(a, "root"))
        .and_then(|r| r.dyn_into::<ShadowRoot>().ok())
    {
        Some(root) => root,
        None => {
            let host = document.create_element("aisle-chat").ok()?;
            document.body()?.append_child(&host).ok()?;
            host.attach_shadow(&web_sys::ShadowRootInit::new(web_sys::ShadowRootMode::Open))
                .ok()?
        }
    };
    TABLES.with(|t| *t.borrow_mut() = string(&config_js, "i18n"));
    Some(Handover {
        config,
        root,
        queued: take_queued(),
    })
}

/// The commands the loader queued until now (they are taken: the queue is emptied).
pub fn take_queued() -> Vec<Command> {
    let mut commands = Vec::new();
    // A list (`Reflect.set` below would throw on anything but an object).
    if let Some(q) = loader_api()
        .map(|a| get(&a, "q"))
        .filter(JsValue::is_object)
    {
        crate::js::each(&q, &mut |entry| {
            if let Some(name) = crate::js::at(entry, 0).as_string() {
                commands.push(Command {
                    name,
                    argument: crate::js::at(entry, 1),
                });
            }
        });
        crate::js::set(&q, "length", &0.into());
    }
    commands
}

/// Where the locale tables other than English are (`…/widget/locale.{hash}`,
/// from the loader; `.{tag}.json` follows), if the loader said.
pub fn tables() -> Option<String> {
    TABLES.with(|t| t.borrow().clone())
}

/// Routes later `window.Aisle(name, argument)` calls to `handle`.
pub fn install_command_handler(handle: &Function) {
    if let Some(api) = loader_api() {
        crate::js::set(&api, "handle", handle);
    }
}

/// The browser's preferred languages, most preferred first.
pub fn browser_languages() -> Vec<String> {
    let Some(window) = web_sys::window() else {
        return Vec::new();
    };
    let navigator = window.navigator();
    let mut tags: Vec<String> = crate::js::Lenient::read(&navigator.languages());
    if tags.is_empty() {
        tags.extend(navigator.language());
    }
    tags
}

thread_local! {
    static TABLES: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
    static CURRENT: std::cell::RefCell<Option<WidgetConfig>> = const { std::cell::RefCell::new(None) };
    static IDENTITY: std::cell::RefCell<Option<Identity>> = const { std::cell::RefCell::new(None) };
}

/// Remembers this page's configuration for code that runs outside components
/// (WebSocket and timer callbacks).
pub fn set_current(config: WidgetConfig) {
    CURRENT.with(|c| *c.borrow_mut() = Some(config));
}

/// This page's configuration, once the widget has booted.
pub fn current() -> Option<WidgetConfig> {
    CURRENT.with(|c| c.borrow().clone())
}

pub use aisle_core::assist::Identity;

/// Remembers a logged-in customer's identity from the store (`data-customer`
/// or `Aisle('identify', …)`); the server checks it. Kept out of the reactive
/// graph: nothing on screen depends on it.
pub fn set_identity(identity: Identity) {
    IDENTITY.with(|i| *i.borrow_mut() = Some(identity));
}

/// The customer identity the store passed, if any.
pub fn identity() -> Option<Identity> {
    IDENTITY.with(|i| i.borrow().clone())
}

thread_local! {
    static PROMISE: std::cell::Cell<Option<u32>> = const { std::cell::Cell::new(None) };
}

/// Remembers the store's published live-chat reply time, minutes.
pub fn set_reply_promise(minutes: Option<u32>) {
    PROMISE.with(|p| p.set(minutes));
}

/// The store's published live-chat reply time, minutes, if it has one.
pub fn reply_promise() -> Option<u32> {
    PROMISE.with(std::cell::Cell::get)
}
