//! Proactive campaigns in the page: gathers the visitor's state, asks the
//! server which campaign to show (the server runs `aisle_core::campaign` on the
//! live file, keeping the evaluator out of this bundle), shows one message at a
//! time next to the launcher, and sets one exact timer for when the next
//! campaign becomes eligible.
//!
//! Frequency history lives in the browser: shown on this page (memory), this
//! session (`sessionStorage`) and ever (`localStorage`). Shown / clicked /
//! dismissed / conversation-started events go to the server and to
//! `window.dataLayer` (`aisle_campaign_shown`, ...) when the page has one.

use crate::api;
use crate::app::Widget;
use crate::assist::{Json, object};
use crate::config::{self, WidgetConfig};
use aisle_core::api::{CampaignEventKind, ShownAction, ShownCampaign};
use gloo_timers::callback::Timeout;
use js_sys::{Array, Reflect};
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::cell::RefCell;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

const SHOWN_IN_SESSION: &str = "aisle:v1:shown";
const SHOWN_EVER: &str = "aisle:v1:shown-ever";
/// Longest delay `setTimeout` accepts (2^31 − 1 ms, about 24.8 days).
const MAX_TIMER_MS: f64 = 2_147_483_647.0;

/// Page-scoped runtime state, outside the reactive graph (it drives no view).
#[derive(Default)]
struct Runtime {
    config: Option<WidgetConfig>,
    shown_on_page: Vec<String>,
    dismissed_on_page: Vec<String>,
    cart_value_minor: i64,
    cart_items: Vec<String>,
    scroll_percent: u8,
    exit_intent: bool,
    timer: Option<Timeout>,
    /// Increases with each evaluation; stale answers are dropped.
    generation: u32,
}

thread_local! {
    static RUNTIME: RefCell<Runtime> = RefCell::new(Runtime::default());
}

fn with<R>(f: impl FnOnce(&mut Runtime) -> R) -> R {
    RUNTIME.with(|r| f(&mut r.borrow_mut()))
}

/// The campaign ids stored under `key` (a JSON list of strings).
fn list(storage: Option<web_sys::Storage>, key: &str) -> Vec<String> {
    storage
        .and_then(|s| s.get_item(key).ok().flatten())
        .map(|text| Json::parse(&text).items())
        .unwrap_or_default()
        .iter()
        .filter_map(|id| id.0.as_string())
        .collect()
}

/// `strings` as a JS array.
fn array(strings: &[String]) -> JsValue {
    strings
        .iter()
        .map(|s| JsValue::from_str(s))
        .collect::<Array>()
        .into()
}

/// `Some(text)` as a string, `None` as `null`.
fn nullable(text: Option<String>) -> JsValue {
    text.map_or(JsValue::NULL, JsValue::from)
}

fn remember(storage: Option<web_sys::Storage>, key: &str, id: &str) {
    let Some(storage) = storage else { return };
    let mut ids = list(Some(storage.clone()), key);
    if !ids.iter().any(|i| i == id) {
        ids.push(id.to_owned());
        let _ = storage.set_item(key, &Json(array(&ids)).stringify());
    }
}

fn session() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok()?
}

fn local() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

fn number(target: &JsValue, key: &str) -> Option<f64> {
    Reflect::get(target, &JsValue::from_str(key)).ok()?.as_f64()
}

/// Everything the server needs to decide, read from the page now: an
/// `aisle_core::api::VisitorState` as a JS object (the server refuses unknown
/// fields, so the names here are exactly its fields).
pub fn visitor_state(widget: Widget, trigger: Option<String>) -> JsValue {
    let window = web_sys::window();
    let now = js_sys::Date::now();
    let api = config::loader_api().unwrap_or(JsValue::UNDEFINED);
    let visit = Reflect::get(&api, &"visit".into()).unwrap_or(JsValue::UNDEFINED);
    let page_start = number(&api, "pageStart").unwrap_or(now);
    let site_start = number(&visit, "start").unwrap_or(page_start);
    let width = window
        .as_ref()
        .and_then(|w| w.inner_width().ok())
        .and_then(|w| w.as_f64())
        .unwrap_or(1280.0);
    let touch = window
        .as_ref()
        .is_some_and(|w| w.navigator().max_touch_points() > 0);
    let device = if width < 600.0 {
        "mobile"
    } else if width < 1024.0 && touch {
        "tablet"
    } else {
        "desktop"
    };
    let language = widget
        .chosen_locale
        .get_untracked()
        .map(|l| l.tag().to_owned())
        .or_else(|| with(|r| r.config.as_ref().and_then(|c| c.locale.clone())))
        .or_else(|| config::browser_languages().into_iter().next());
    let referrer = window
        .as_ref()
        .and_then(|w| w.document())
        .map(|d| d.referrer())
        .filter(|r| !r.is_empty());
    let url = window
        .as_ref()
        .and_then(|w| w.location().href().ok())
        .unwrap_or_default();
    // Whole numbers, as the server's integer fields take them.
    let ms = |since: f64| JsValue::from((now - since).max(0.0) as u64 as f64);
    let count = |key: &str| JsValue::from(number(&visit, key).unwrap_or(1.0) as u32);
    with(|r| {
        object(&[
            ("url", url.into()),
            ("referrer", nullable(referrer)),
            ("on_page_ms", ms(page_start)),
            ("on_site_ms", ms(site_start)),
            ("pages_viewed", count("pages")),
            ("visits", count("visits")),
            ("cart_value_minor", (r.cart_value_minor as f64).into()),
            ("cart_items", array(&r.cart_items)),
            ("device", device.into()),
            ("language", nullable(language)),
            ("exit_intent", r.exit_intent.into()),
            ("scroll_percent", r.scroll_percent.into()),
            ("shown_on_page", array(&r.shown_on_page)),
            (
                "shown_in_session",
                array(&list(session(), SHOWN_IN_SESSION)),
            ),
            ("shown_ever", array(&list(local(), SHOWN_EVER))),
            ("dismissed_on_page", array(&r.dismissed_on_page)),
            ("trigger", nullable(trigger)),
        ])
    })
}

/// Asks the server what to show now (or, with `trigger`, shows that campaign).
pub fn evaluate(widget: Widget, trigger: Option<String>) {
    let Some(config) = with(|r| r.config.clone()) else {
        return;
    };
    let state = visitor_state(widget, trigger);
    let generation = with(|r| {
        r.timer = None;
        r.generation += 1;
        r.generation
    });
    spawn_local(async move {
        let Some(decision) = api::evaluate_campaigns(&config.server, &config.site, &state).await
        else {
            return;
        };
        if with(|r| r.generation) != generation {
            return;
        }
        // One message at a time, and none over an open conversation: a campaign
        // passed over now is offered again when the panel closes.
        if let Some(campaign) = shown_campaign(&decision.get("show"))
            && widget.campaign.get_untracked().is_none()
            && !widget.open.get_untracked()
        {
            show(widget, campaign);
        }
        if let Some(ms) = decision.number("next_in_ms") {
            let ms = ms.clamp(0.0, MAX_TIMER_MS);
            let timer = Timeout::new(ms as u32, move || evaluate(widget, None));
            with(|r| r.timer = Some(timer));
        }
    });
}

/// A `ShownCampaign` from the server's `CampaignDecision::show` (`None`: null).
pub fn shown_campaign(show: &Json) -> Option<ShownCampaign> {
    show.is_object().then(|| ShownCampaign {
        id: show.string("id"),
        message: show.string("message"),
        actions: show
            .list("actions")
            .iter()
            .map(|a| ShownAction {
                label: a.string("label"),
                url: a.text("url"),
            })
            .collect(),
    })
}

fn show(widget: Widget, campaign: ShownCampaign) {
    with(|r| r.shown_on_page.push(campaign.id.clone()));
    remember(session(), SHOWN_IN_SESSION, &campaign.id);
    remember(local(), SHOWN_EVER, &campaign.id);
    report(&campaign.id, CampaignEventKind::Shown);
    widget.campaign.set(Some(campaign));
}

/// Reports an event to the server and to the page's `dataLayer`.
fn report(id: &str, kind: CampaignEventKind) {
    let Some(config) = with(|r| r.config.clone()) else {
        return;
    };
    if let Some(data_layer) = web_sys::window()
        .and_then(|w| Reflect::get(&w, &"dataLayer".into()).ok())
        .and_then(|d| d.dyn_into::<Array>().ok())
    {
        let event = object(&[
            ("event", format!("aisle_campaign_{}", kind.as_str()).into()),
            ("aisle_campaign", id.into()),
        ]);
        // `dataLayer.push`, not `Array.prototype.push`: tag managers replace it.
        if let Ok(push) =
            Reflect::get(&data_layer, &"push".into()).and_then(|p| p.dyn_into::<js_sys::Function>())
        {
            let _ = push.call1(&data_layer, &event);
        }
    }
    // A `CampaignEvent`.
    let event = object(&[("campaign", id.into()), ("kind", kind.as_str().into())]);
    spawn_local(async move { api::campaign_event(&config.server, &config.site, &event).await });
}

/// The visitor closed the message.
pub fn dismiss(widget: Widget) {
    if let Some(campaign) = widget.campaign.get_untracked() {
        with(|r| r.dismissed_on_page.push(campaign.id.clone()));
        report(&campaign.id, CampaignEventKind::Dismissed);
        widget.campaign.set(None);
    }
}

/// The visitor chose one of the message's buttons.
pub fn act(widget: Widget, action: &ShownAction) {
    let Some(campaign) = widget.campaign.get_untracked() else {
        return;
    };
    report(&campaign.id, CampaignEventKind::Clicked);
    widget.campaign.set(None);
    match &action.url {
        Some(url)
            if url.starts_with('/')
                || url.starts_with("https://")
                || url.starts_with("http://") =>
        {
            if let Some(window) = web_sys::window() {
                let _ = window.location().assign(url);
            }
        }
        Some(_) => {}
        None => {
            report(&campaign.id, CampaignEventKind::ConversationStarted);
            crate::chat::start(widget, Some(campaign.id.clone()));
        }
    }
}

/// The URL changed (single-page-app navigation): page-scoped history resets
/// and time on page restarts.
pub fn navigate(widget: Widget) {
    with(|r| {
        r.shown_on_page.clear();
        r.dismissed_on_page.clear();
        r.exit_intent = false;
        r.scroll_percent = 0;
    });
    widget.campaign.set(None);
    evaluate(widget, None);
}

/// The cart as the page last told it: value in minor units, SKUs.
pub fn cart_context() -> (i64, Vec<String>) {
    with(|r| (r.cart_value_minor, r.cart_items.clone()))
}

/// `Aisle('cart', {value, currency, items})`: the cart changed. `value` is
/// in major units; `items` (SKUs or handles) may be left out.
pub fn cart(widget: Widget, argument: JsValue) {
    let cart = Json(argument);
    let Some(value) = cart.number("value") else {
        web_sys::console::warn_1(&"Aisle: 'cart' takes {value, currency, items}".into());
        return;
    };
    with(|r| {
        r.cart_value_minor = (value.max(0.0) * 100.0).round() as i64;
        r.cart_items = cart.strings("items");
    });
    evaluate(widget, None);
}

/// Starts the runtime: scroll and exit-intent listeners, then the first evaluation.
pub fn start(widget: Widget, config: WidgetConfig) {
    with(|r| r.config = Some(config));
    let Some(window) = web_sys::window() else {
        return;
    };
    // Scroll depth in steps of 10%, so a scrolling visitor costs a request per step at most.
    let on_scroll = Closure::<dyn Fn()>::new(move || {
        let Some(window) = web_sys::window() else {
            return;
        };
        let Some(body) = window.document().and_then(|d| d.document_element()) else {
            return;
        };
        let seen = window.scroll_y().unwrap_or(0.0)
            + window
                .inner_height()
                .ok()
                .and_then(|h| h.as_f64())
                .unwrap_or(0.0);
        let total = f64::from(body.scroll_height().max(1));
        let percent = ((seen / total * 100.0).min(100.0) as u8) / 10 * 10;
        if with(|r| (percent > r.scroll_percent).then(|| r.scroll_percent = percent)).is_some() {
            evaluate(widget, None);
        }
    });
    let options = web_sys::AddEventListenerOptions::new();
    options.set_passive(true);
    let _ = window.add_event_listener_with_callback_and_add_event_listener_options(
        "scroll",
        on_scroll.as_ref().unchecked_ref(),
        &options,
    );
    // Exit intent: the pointer leaves through the top of the window (desktop).
    let on_leave = Closure::<dyn Fn(web_sys::MouseEvent)>::new(move |e: web_sys::MouseEvent| {
        if e.related_target().is_none()
            && e.client_y() <= 0
            && !with(|r| std::mem::replace(&mut r.exit_intent, true))
        {
            evaluate(widget, None);
        }
    });
    if let Some(document) = window.document() {
        let _ = document
            .add_event_listener_with_callback("mouseout", on_leave.as_ref().unchecked_ref());
    }
    // Listeners live as long as the page.
    on_scroll.forget();
    on_leave.forget();
    evaluate(widget, None);
}
