//! Proactive campaigns in the page, decided here: the site's live campaigns
//! come once per page view from `GET …/campaigns/feed` (or from the copy kept
//! in `localStorage` when its ETag still holds, or when the server cannot be
//! reached), and `aisle_core::campaign` — the evaluator `aisle campaigns
//! simulate` runs — decides on every change of the visitor's state: time on
//! page and on site (one exact timer for the next eligible campaign), scroll
//! depth, exit intent, cart, single-page-app navigation, `Aisle('trigger')`.
//! No browsing signal leaves the page; the server hears only events.
//!
//! One message at a time, next to the launcher. Frequency history lives in
//! the browser: shown on this page (memory), this session (`sessionStorage`)
//! and ever (`localStorage`). Shown / clicked / dismissed /
//! conversation-started events go to the server and to `window.dataLayer`
//! (`aisle_campaign_shown`, ...) when the page has one, and shown / clicked
//! also as GA4's `view_promotion` / `select_promotion`. A campaign's product
//! cards (`Campaign.products`) are drawn under its message, leaving out what
//! the cart holds already.
//!
//! Placeholders are filled here (`aisle_core::campaign::template`): the
//! cart's value and what is left to the site's free-shipping threshold (in
//! the feed), written by the browser's `toLocaleString` in the widget's
//! language and the cart's currency; the campaign's fixed code (in the
//! feed) or the visitor's own (a pool or Shopify: asked of the server with
//! `POST …/campaigns/code` before the message shows, `ask_code`); the
//! first name the store signed, asked once per page with a signed customer
//! (`POST …/campaigns/customer`, `customer`), whose verified tags also
//! meet `customer_tag` conditions. The message on screen is filled again
//! when the cart or the name changes. Values are text, drawn with
//! `textContent`; a message with a code gets "Copy code" (`app.rs`, the
//! loader writes the clipboard).

use crate::api;
use crate::config::{self, WidgetConfig};
use crate::js::{Js, Json, Lenient, object};
use crate::state::{PageCart, Widget};
use aisle_core::api::{CampaignEvent, CampaignEventKind, ShownAction, ShownCampaign, VisitorState};
use aisle_core::campaign::feed::{self, Feed};
use aisle_core::campaign::template::Values;
use aisle_core::campaign::{Campaign, Code, Condition, decide};
use gloo_timers::callback::Timeout;
use js_sys::Array;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::spawn_local;

const SHOWN_IN_SESSION: &str = "aisle:v1:shown";
const SHOWN_EVER: &str = "aisle:v1:shown-ever";
/// The last feed and its ETag, per site, in `localStorage`.
const FEED: &str = "aisle:v1:feed:";
/// Longest delay `setTimeout` accepts (2^31 − 1 ms, about 24.8 days).
const MAX_TIMER_MS: f64 = 2_147_483_647.0;

/// A product card under a campaign message, worded for the visitor.
#[derive(Clone, Debug, PartialEq)]
pub struct Card {
    /// The product's name (also its picture's text alternative).
    pub title: String,
    /// The price as the marketer wrote it.
    pub price: Option<String>,
    /// The picture (a path on the store or an http(s) URL).
    pub image: Option<String>,
    /// The product page, UTM-tagged by the server.
    pub url: String,
}

/// What the widget keeps about the campaign on screen besides its words.
#[derive(Default)]
struct OnScreen {
    id: String,
    /// The campaign's name (its id when it has none), for analytics.
    name: String,
    /// Its conditions look at the cart (value or contents).
    about_cart: bool,
    /// The language it is worded in.
    language: String,
    cards: Vec<Card>,
}

/// Page-scoped runtime state, outside the reactive graph (it drives no view).
#[derive(Default)]
struct Runtime {
    on_screen: OnScreen,
    config: Option<WidgetConfig>,
    shown_on_page: Vec<String>,
    dismissed_on_page: Vec<String>,
    scroll_percent: u8,
    exit_intent: bool,
    timer: Option<Timeout>,
    /// The site's campaigns, once the feed (or its stored copy) is read.
    feed: Option<Rc<Feed>>,
    /// `Aisle('trigger', id)` called before the feed was read: shown once it is.
    pending_trigger: Option<String>,
    /// The first name the server verified for the page's signed customer.
    first_name: Option<String>,
    /// The tags the server verified for the page's signed customer (the
    /// evaluator's `customer_tags`: unsigned claims never get here).
    tags: Vec<String>,
    /// The visitor's own codes of campaigns with a code per visitor, asked
    /// for on this page: `(campaign, None)` once asked, then `(campaign,
    /// Some(code))` when the server answers with one (the last one counts).
    codes: Vec<(String, Option<String>)>,
    /// The server was asked about the signed customer (once per page).
    asked_customer: bool,
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
        .map(|text| Lenient::read(&crate::js::parse(&text)))
        .unwrap_or_default()
}

/// `strings` as a JS array.
fn array(strings: &[String]) -> JsValue {
    crate::js::list(strings)
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
    crate::js::field(target, key).as_f64()
}

/// The visitor as the page shows them now, in the shape of the live path
/// (`aisle_core::api::VisitorState`, also what `POST …/campaigns/evaluate`
/// takes): one mapping to the evaluator's visitor for the widget and the server.
pub fn visitor_state(widget: Widget, trigger: Option<String>) -> VisitorState {
    let window = web_sys::window();
    let now = js_sys::Date::now();
    let api = config::loader_api().unwrap_or(JsValue::UNDEFINED);
    let visit = crate::js::field(&api, "visit");
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
    let ms = |since: f64| (now - since).max(0.0) as u64;
    let count = |key: &str| number(&visit, key).unwrap_or(1.0) as u32;
    let cart = crate::state::cart();
    with(|r| VisitorState {
        url,
        referrer,
        on_page_ms: ms(page_start),
        on_site_ms: ms(site_start),
        pages_viewed: count("pages"),
        visits: count("visits"),
        cart_value_minor: cart.value_minor,
        cart_items: cart.items,
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

/// What the feed's campaigns say for `state` at `now_ms`: the campaign to
/// show, worded for the visitor, and milliseconds until the next one.
pub fn decide_for(
    feed: &Feed,
    state: &VisitorState,
    now_ms: i64,
) -> (Option<ShownCampaign>, Option<u64>) {
    let mut visitor = state.visitor(now_ms, feed.agents_online, feed.business_hours_at(now_ms));
    visitor.customer_tags = with(|r| r.tags.clone());
    let decision = decide(&feed.file, &visitor, state.trigger.as_deref());
    let show = decision.show.map(|c| word(feed, c, &visitor.language));
    (show, decision.next_in_ms)
}

/// `campaign` as the visitor reads it in `language`: their sticky A/B
/// variant (the same hash as `simulate --visitor-id`), its placeholders
/// filled from the page's cart, the feed's threshold, the fixed code or the
/// visitor's own, and the verified first name. Plain text.
fn word(feed: &Feed, campaign: &Campaign, language: &str) -> ShownCampaign {
    let cart = crate::state::cart();
    let (first_name, code) = with(|r| {
        let code = r.codes.iter().rev().find(|(id, _)| *id == campaign.id);
        (r.first_name.clone(), code.and_then(|(_, c)| c.clone()))
    });
    let values = Values {
        locale: language,
        cart_minor: cart.value_minor,
        currency: cart.currency.as_deref(),
        free_shipping: feed.free_shipping.as_ref().map(|(m, c)| (*m, c.as_str())),
        first_name: first_name.as_deref(),
        code: code.as_deref(),
    };
    let id = visitor_id().as_string().unwrap_or_default();
    ShownCampaign::for_visitor_with(campaign, &id, &values, money)
}

/// `minor` hundredths of `currency` as the browser writes money in the
/// widget's language for `locale` (a tag the browser always takes); empty
/// (the placeholder's fallback) for a currency that is not three letters,
/// which the browser would refuse.
fn money(minor: i64, currency: &str, locale: &str) -> String {
    if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_alphabetic()) {
        return String::new();
    }
    let locale = crate::i18n::Locale::of(locale).tag();
    let options = object(&[("style", "currency".into()), ("currency", currency.into())]);
    // `Number.prototype.toLocaleString(locale, options)`, through the
    // binding the widget has for dates: js-sys calls `toLocaleString` on the
    // value it is given, and a number's takes the same arguments (one import
    // of the glue, not two).
    JsValue::from_f64(minor as f64 / 100.0)
        .unchecked_into::<js_sys::Date>()
        .to_locale_string(locale, &options)
        .into()
}

/// Fills the message on screen again (the cart or the first name changed).
fn reword(widget: Widget) {
    let Some(feed) = with(|r| r.feed.clone()) else {
        return;
    };
    let on_screen = with(|r| (r.on_screen.id.clone(), r.on_screen.language.clone()));
    if let Some(c) = feed.file.campaigns.iter().find(|c| c.id == on_screen.0)
        && widget
            .campaign
            .with_untracked(|s| s.as_ref().is_some_and(|s| s.id == c.id))
    {
        widget.campaign.set(Some(word(&feed, c, &on_screen.1)));
    }
}

/// Asks the server, once per page, what the store signed about the page's
/// customer (`POST …/campaigns/customer`): their first name fills
/// `{{customer.first_name}}`, their tags meet `customer_tag` conditions.
pub fn customer(widget: Widget) {
    if config::identity().is_some() && !with(|r| std::mem::replace(&mut r.asked_customer, true)) {
        ask(widget, Question::Customer, Vec::new());
    }
}

/// What the widget asks the server about the visitor ([`ask`]).
enum Question {
    /// `POST …/campaigns/customer`: the signed customer's first name and tags.
    Customer,
    /// `POST …/campaigns/code`: the visitor's own code of `campaign`; then
    /// the campaigns are decided again, with the same `trigger`.
    Code {
        campaign: String,
        trigger: Option<String>,
    },
}

/// Asks the server for the visitor's own code of `campaign`: the message
/// shows once it is here, with the code in it. No code (a pool run dry, a
/// customer without the campaign's tags, no answer) keeps the message off
/// this page.
fn ask_code(widget: Widget, campaign: String, trigger: Option<String>) {
    with(|r| r.codes.push((campaign.clone(), None)));
    let body = vec![
        ("campaign", JsValue::from(&campaign)),
        ("visitor", visitor_id()),
    ];
    ask(widget, Question::Code { campaign, trigger }, body);
}

/// Sends `question` with `body` and the page's signed customer (when there
/// is one), and takes the answer in: one request path for every question
/// (each async path costs the wasm its own state machine).
fn ask(widget: Widget, question: Question, mut body: Vec<(&str, JsValue)>) {
    let Some(config) = with(|r| r.config.clone()) else {
        return;
    };
    body.push(("identity", config::identity().to_js()));
    let body = object(&body);
    let rest = match question {
        Question::Customer => "customer",
        Question::Code { .. } => "code",
    };
    spawn_local(async move {
        let Some(answer) = api::ask(&config.server, &config.site, rest, &body).await else {
            return;
        };
        match question {
            Question::Customer => {
                with(|r| {
                    r.first_name = answer.text("first_name");
                    r.tags = answer.strings("tags");
                });
                reword(widget);
                // Campaigns for the customer's tags may show now.
                evaluate(widget, None);
            }
            Question::Code { campaign, trigger } => {
                if let Some(code) = answer.text("code") {
                    with(|r| r.codes.push((campaign, Some(code))));
                    evaluate(widget, trigger);
                }
            }
        }
    });
}

/// The loader's visitor id (`Aisle.visitor`).
fn visitor_id() -> JsValue {
    config::loader_api()
        .map(|api| crate::js::field(&api, "visitor"))
        .unwrap_or(JsValue::UNDEFINED)
}

/// Decides now (with `trigger`, shows that campaign) and sets the one timer
/// for when the next campaign becomes eligible. Nothing happens before the
/// feed is read.
pub fn evaluate(widget: Widget, trigger: Option<String>) {
    let Some(feed) = with(|r| {
        r.timer = None;
        if r.feed.is_none() && trigger.is_some() {
            r.pending_trigger = trigger.clone();
        }
        r.feed.clone()
    }) else {
        return;
    };
    let state = visitor_state(widget, trigger);
    let (show, next_in_ms) = decide_for(&feed, &state, js_sys::Date::now() as i64);
    if let Some(ms) = next_in_ms {
        let ms = (ms as f64).clamp(0.0, MAX_TIMER_MS);
        let timer = Timeout::new(ms as u32, move || evaluate(widget, None));
        with(|r| r.timer = Some(timer));
    }
    // One message at a time, and none over an open conversation: a campaign
    // passed over now is offered again when the panel closes.
    if let Some(campaign) = show
        && widget.campaign.with_untracked(Option::is_none)
        && !widget.open.get_untracked()
    {
        let Some(c) = feed.file.campaigns.iter().find(|c| c.id == campaign.id) else {
            return;
        };
        // A code per visitor: asked for once per page, and the message shown
        // once it is here, never without it (an offer with no code helps no
        // one; a pool run dry answers none).
        if c.code.as_ref().is_some_and(Code::per_visitor) && campaign.code.is_none() {
            if with(|r| !r.codes.iter().any(|(id, _)| *id == c.id)) {
                ask_code(widget, c.id.clone(), state.trigger.clone());
            }
            return;
        }
        {
            let language = state.language.as_deref().unwrap_or_default();
            let link = |url: &String| {
                (url.starts_with('/') || crate::assist::is_safe_link(url)).then(|| url.clone())
            };
            let cards = c
                .products
                .iter()
                .filter(|p| !state.cart_items.contains(&p.id))
                .filter_map(|p| {
                    Some(Card {
                        title: p.title.for_locale(language).to_owned(),
                        price: p.price.as_ref().map(|t| t.for_locale(language).to_owned()),
                        image: p.image.as_ref().and_then(link),
                        url: link(&p.url)?,
                    })
                })
                .collect();
            with(|r| {
                r.on_screen = OnScreen {
                    id: c.id.clone(),
                    name: c.name.clone().unwrap_or_else(|| c.id.clone()),
                    about_cart: c.when.as_ref().is_some_and(about_cart),
                    language: state.language.clone().unwrap_or_else(|| "en".into()),
                    cards,
                }
            });
        }
        show_campaign(widget, campaign);
    }
}

/// Whether `condition` looks at the cart (its value or contents).
fn about_cart(condition: &Condition) -> bool {
    match condition {
        Condition::All(all) | Condition::Any(all) => all.iter().any(about_cart),
        Condition::Not(inner) => about_cart(inner),
        Condition::CartValue { .. } | Condition::CartContains(_) => true,
        _ => false,
    }
}

/// The product cards of the campaign on screen (none in the cart).
pub fn cards() -> Vec<Card> {
    with(|r| r.on_screen.cards.clone())
}

/// Reads a feed's text; `None` when it is not one (`aisle_core::campaign::feed`).
pub fn decode_feed(text: &str) -> Option<Feed> {
    feed::decode(text)
}

/// Takes `text` as the site's campaigns if it is a feed, and decides.
fn adopt(widget: Widget, text: &str) -> bool {
    let Some(feed) = decode_feed(text) else {
        return false;
    };
    let trigger = with(|r| {
        r.feed = Some(Rc::new(feed));
        r.pending_trigger.take()
    });
    evaluate(widget, trigger);
    true
}

/// The feed for this page view: the copy kept in `localStorage` (its ETag,
/// a newline, its text) at once, so campaigns show with the server slow or
/// unreachable; then the server's answer. When its ETag is the kept copy's,
/// the copy holds and nothing more is done; else the new feed is decided on
/// and kept.
async fn load_feed(widget: Widget, config: WidgetConfig) {
    let storage = local();
    let key = FEED.to_owned() + &config.site;
    let kept = storage
        .as_ref()
        .and_then(|s| s.get_item(&key).ok().flatten())
        .and_then(|kept| {
            let (etag, text) = aisle_core::campaign::eval::cut(&kept, b'\n')?;
            adopt(widget, text).then(|| etag.to_owned())
        });
    // `{"etag", "feed"}`, through the browser's HTTP cache (`max-age=0` and
    // an ETag: the browser revalidates it itself, without a CORS preflight).
    if let Some(answer) = api::get(&config.server, &config.site, "campaigns/feed").await
        && let (Some(etag), Some(text)) = (answer.text("etag"), answer.text("feed"))
        && Some(&etag) != kept.as_ref()
        && adopt(widget, &text)
        && let Some(storage) = storage
    {
        let _ = storage.set_item(&key, &(etag + "\n" + &text));
    }
}

fn show_campaign(widget: Widget, campaign: ShownCampaign) {
    with(|r| r.shown_on_page.push(campaign.id.clone()));
    remember(session(), SHOWN_IN_SESSION, &campaign.id);
    remember(local(), SHOWN_EVER, &campaign.id);
    report(&campaign, CampaignEventKind::Shown);
    // The view mounts on first need (`crate::start` follows `campaign`).
    widget.campaign.set(Some(campaign));
}

/// Reports an event to the server and to the page's `dataLayer` (through
/// the loader's `Aisle.track`, which writes Aisle's own and GA4's events).
fn report(campaign: &ShownCampaign, kind: CampaignEventKind) {
    let id = campaign.id.as_str();
    let Some(config) = with(|r| r.config.clone()) else {
        return;
    };
    let track = config::loader_api().map(|api| crate::js::field(&api, "track"));
    if let Some(track) = track.and_then(|t| t.dyn_into::<js_sys::Function>().ok()) {
        let cart = crate::state::cart();
        let args = with(|r| {
            let on_screen = &r.on_screen;
            let mine = on_screen.id == id;
            let name = if mine { on_screen.name.as_str() } else { id };
            let args = Array::of3(&kind.as_str().into(), &id.into(), &name.into());
            args.push(&campaign.variant.as_deref().into());
            // The cart's value, for a campaign about the cart.
            if mine
                && on_screen.about_cart
                && let Some(currency) = &cart.currency
            {
                args.push(&(cart.value_minor as f64 / 100.0).into());
                args.push(&currency.into());
            }
            args
        });
        let _ = track.apply(&JsValue::UNDEFINED, &args);
    }
    // A `CampaignEvent`, with the loader's visitor id (`Aisle.visitor`) for
    // attribution and the A/B variant shown, for the per-variant figures.
    let event = CampaignEvent {
        campaign: id.to_owned(),
        kind,
        visitor: visitor_id().as_string(),
        variant: campaign.variant.clone(),
    };
    spawn_local(async move { api::campaign_event(&config.server, &config.site, &event).await });
}

/// The visitor closed the message.
pub fn dismiss(widget: Widget) {
    if let Some(campaign) = take(widget) {
        report(&campaign, CampaignEventKind::Dismissed);
        with(|r| r.dismissed_on_page.push(campaign.id));
    }
}

/// Takes the message off the screen, returning it.
fn take(widget: Widget) -> Option<ShownCampaign> {
    let mut taken = None;
    if widget.campaign.with_untracked(Option::is_some) {
        widget.campaign.update(|c| taken = c.take());
    }
    taken
}

/// The visitor followed one of the message's product cards (the link
/// navigates by itself; the message stays until then) or copied its code.
pub fn clicked(widget: Widget) {
    widget.campaign.with_untracked(|campaign| {
        if let Some(campaign) = campaign {
            report(campaign, CampaignEventKind::Clicked);
        }
    });
}

/// The visitor chose one of the message's buttons; `Some(campaign id)`
/// when it asks for a person (the caller starts the chat).
pub fn act(widget: Widget, action: &ShownAction) -> Option<String> {
    let campaign = take(widget)?;
    report(&campaign, CampaignEventKind::Clicked);
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
            report(&campaign, CampaignEventKind::ConversationStarted);
            return Some(campaign.id);
        }
    }
    None
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

/// `Aisle('cart', {value, currency, items})`: the cart changed. `value` is
/// in major units; `items` (SKUs or handles) may be left out.
pub fn cart(widget: Widget, argument: JsValue) {
    let cart = Json(argument);
    let Some(value) = cart.number("value") else {
        web_sys::console::warn_1(&"Aisle: 'cart' takes {value, currency, items}".into());
        return;
    };
    crate::state::set_cart(PageCart {
        value_minor: (value.max(0.0) * 100.0).round() as i64,
        currency: cart.text("currency"),
        items: cart.strings("items"),
    });
    reword(widget);
    evaluate(widget, None);
}

/// Starts the runtime: scroll and exit-intent listeners, then the feed and
/// the first decision.
pub fn start(widget: Widget, config: WidgetConfig) {
    with(|r| r.config = Some(config.clone()));
    let Some(window) = web_sys::window() else {
        return;
    };
    // Scroll depth in whole percent; deciding is local, so every step is free.
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
        let percent = (seen / total * 100.0).min(100.0) as u8;
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
    spawn_local(load_feed(widget, config));
}
