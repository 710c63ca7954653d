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
use crate::config::{self, WidgetConfig};
use aisle_core::api::{CampaignEvent, CampaignEventKind, ShownAction, ShownCampaign, VisitorState};
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
const MAX_TIMER_MS: u64 = 2_147_483_647;

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

fn list(storage: Option<web_sys::Storage>, key: &str) -> Vec<String> {
    storage
        .and_then(|s| s.get_item(key).ok().flatten())
        .and_then(|text| js_sys::JSON::parse(&text).ok())
        .and_then(|value| crate::decode::from_js(value).ok())
        .unwrap_or_default()
}

fn remember(storage: Option<web_sys::Storage>, key: &str, id: &str) {
    let Some(storage) = storage else { return };
    let mut ids = list(Some(storage.clone()), key);
    if !ids.iter().any(|i| i == id) {
        ids.push(id.to_owned());
        let array: Array = ids.iter().map(|i| JsValue::from_str(i)).collect();
        if let Ok(text) = js_sys::JSON::stringify(&array) {
            let _ = storage.set_item(key, &String::from(text));
        }
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

/// Everything the server needs to decide, read from the page now.
fn visitor_state(widget: Widget, trigger: Option<String>) -> VisitorState {
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
    with(|r| VisitorState {
        url: window
            .as_ref()
            .and_then(|w| w.location().href().ok())
            .unwrap_or_default(),
        referrer,
        on_page_ms: (now - page_start).max(0.0) as u64,
        on_site_ms: (now - site_start).max(0.0) as u64,
        pages_viewed: number(&visit, "pages").unwrap_or(1.0) as u32,
        visits: number(&visit, "visits").unwrap_or(1.0) as u32,
        cart_value_minor: r.cart_value_minor,
        cart_items: r.cart_items.clone(),
        device: Some(device.into()),
        language,
        exit_intent: r.exit_intent,
        scroll_percent: r.scroll_percent,
        shown_on_page: r.shown_on_page.clone(),
        shown_in_session: list(session(), SHOWN_IN_SESSION),
        shown_ever: list(local(), SHOWN_EVER),
        dismissed_on_page: r.dismissed_on_page.clone(),
        trigger,
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
        let Ok(decision) = api::evaluate_campaigns(&config.server, &config.site, &state).await
        else {
            return;
        };
        if with(|r| r.generation) != generation {
            return;
        }
        // One message at a time, and none over an open conversation: a campaign
        // passed over now is offered again when the panel closes.
        if let Some(campaign) = decision.show
            && widget.campaign.get_untracked().is_none()
            && !widget.open.get_untracked()
        {
            show(widget, campaign);
        }
        if let Some(ms) = decision.next_in_ms {
            let timer = Timeout::new(ms.min(MAX_TIMER_MS) as u32, move || evaluate(widget, None));
            with(|r| r.timer = Some(timer));
        }
    });
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
        let event = js_sys::Object::new();
        let _ = Reflect::set(
            &event,
            &"event".into(),
            &format!("aisle_campaign_{}", kind.as_str()).into(),
        );
        let _ = Reflect::set(&event, &"aisle_campaign".into(), &id.into());
        // `dataLayer.push`, not `Array.prototype.push`: tag managers replace it.
        if let Ok(push) =
            Reflect::get(&data_layer, &"push".into()).and_then(|p| p.dyn_into::<js_sys::Function>())
        {
            let _ = push.call1(&data_layer, &event);
        }
    }
    let event = CampaignEvent {
        campaign: id.to_owned(),
        kind,
    };
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

/// What a store passes to `Aisle('cart', {value, currency, items})`.
#[derive(serde::Deserialize)]
struct Cart {
    value: f64,
    #[serde(default)]
    items: Vec<String>,
}

/// The cart as the page last told it: value in minor units, SKUs.
pub fn cart_context() -> (i64, Vec<String>) {
    with(|r| (r.cart_value_minor, r.cart_items.clone()))
}

/// `Aisle('cart', ...)`: the cart changed.
pub fn cart(widget: Widget, argument: JsValue) {
    let Ok(cart) = crate::decode::from_js::<Cart>(argument) else {
        web_sys::console::warn_1(&"Aisle: 'cart' takes {value, currency, items}".into());
        return;
    };
    with(|r| {
        r.cart_value_minor = (cart.value.max(0.0) * 100.0).round() as i64;
        r.cart_items = cart.items;
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
