//! Widget tests in a real browser (headless Chromium through chromedriver):
//! mount the widget in an open shadow root and use it as a shopper would.
//!
//! Run with `cargo xtask test` (or `CHROMEDRIVER=/usr/bin/chromedriver cargo
//! test -p aisle-widget --target wasm32-unknown-unknown`).

use aisle_widget::config::{Command, WidgetConfig};
use aisle_widget::i18n::Locale;
use aisle_widget::persist::{self, STORAGE_KEY};
use aisle_widget::{dispatch, mount};
use leptos::prelude::Set;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{HtmlElement, ShadowRoot};

wasm_bindgen_test_configure!(run_in_browser);

/// Lets Leptos effects and the browser's animation frame run.
async fn settle() {
    for _ in 0..3 {
        let promise = js_sys::Promise::new(&mut |resolve, _| {
            web_sys::window()
                .unwrap()
                .request_animation_frame(&resolve)
                .unwrap();
        });
        wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
    }
}

fn fresh_root() -> ShadowRoot {
    let document = web_sys::window().unwrap().document().unwrap();
    web_sys::window()
        .unwrap()
        .session_storage()
        .unwrap()
        .unwrap()
        .remove_item(STORAGE_KEY)
        .unwrap();
    let host = document.create_element("aisle-chat").unwrap();
    document.body().unwrap().append_child(&host).unwrap();
    host.attach_shadow(&web_sys::ShadowRootInit::new(web_sys::ShadowRootMode::Open))
        .unwrap()
}

fn config(locale: &str) -> WidgetConfig {
    WidgetConfig {
        site: "demo".into(),
        server: "http://127.0.0.1:9".into(),
        locale: Some(locale.into()),
    }
}

fn find(root: &ShadowRoot, selector: &str) -> HtmlElement {
    root.query_selector(selector)
        .unwrap()
        .unwrap_or_else(|| panic!("no {selector}"))
        .dyn_into()
        .unwrap()
}

fn active(root: &ShadowRoot) -> Option<String> {
    root.active_element()
        .map(|e| e.text_content().unwrap_or_default())
}

#[wasm_bindgen_test]
async fn launcher_opens_the_dialog_and_focus_follows_it() {
    let root = fresh_root();
    let widget = mount(&root, config("en")).unwrap();
    settle().await;
    let launcher = find(&root, "button.launcher");
    assert_eq!(launcher.text_content().unwrap().trim(), "Chat with us");
    let dialog = find(&root, "[role=dialog]");
    assert!(dialog.hidden(), "closed until asked");

    launcher.click();
    settle().await;
    assert!(!dialog.hidden());
    assert_eq!(
        launcher.get_attribute("aria-expanded").as_deref(),
        Some("true")
    );
    assert_eq!(
        active(&root).as_deref(),
        Some("Track order"),
        "focus moves into the panel"
    );
    assert!(
        find(&root, "[role=log]")
            .text_content()
            .unwrap()
            .contains("help with your order")
    );

    dispatch(
        widget,
        Command {
            name: "close".into(),
            argument: wasm_bindgen::JsValue::UNDEFINED,
        },
    );
    settle().await;
    assert!(dialog.hidden());
    assert_eq!(
        active(&root).as_deref().map(str::trim),
        Some("Chat with us"),
        "focus returns to the launcher"
    );
}

/// A question as the server sends it (an `aisle_core::assist::Prompt`).
const PROMPT: &str = r##"{"label":"Enter your order number","form":{"action":"identify:track",
  "fields":[{"name":"order","label":"Order number","kind":"text","hint":"Digits, like #1001.",
             "error":"Order numbers are digits, like #1001.","value":"abc","max":12,"required":true},
            {"name":"email","label":"Email","kind":"email","value":"","max":254,"required":true},
            {"name":"reason","label":"Reason","kind":"select","value":"",
             "options":[{"action":"","label":"Choose…"},{"action":"other","label":"Other"}]}],
  "submit":"Find my order"},
  "choices":[{"action":"menu","label":"Something else"}]}"##;

#[wasm_bindgen_test]
async fn server_questions_become_labelled_fields_and_what_is_typed_is_kept() {
    let root = fresh_root();
    let widget = mount(&root, config("en")).unwrap();
    widget.open.set(true);
    widget.prompt.set(Some(PROMPT.into()));
    settle().await;
    let group = find(&root, "[role=group][aria-label='Enter your order number']");
    assert!(group.query_selector("form").unwrap().is_some());
    for (id, label) in [
        ("aisle-f-order", "Order number"),
        ("aisle-f-email", "Email"),
        ("aisle-f-reason", "Reason"),
    ] {
        let label_el = find(&root, &format!("label[for={id}]"));
        assert_eq!(label_el.text_content().unwrap(), label);
    }
    let order = find(&root, "#aisle-f-order");
    assert_eq!(order.get_attribute("aria-invalid").as_deref(), Some("true"));
    let described = order.get_attribute("aria-describedby").unwrap();
    assert_eq!(
        find(&root, &format!("#{described}"))
            .text_content()
            .unwrap(),
        "Order numbers are digits, like #1001."
    );
    assert_eq!(find(&root, "#aisle-f-reason").tag_name(), "SELECT");
    assert_eq!(
        find(&root, "button[data-action=menu]")
            .text_content()
            .unwrap(),
        "Something else"
    );

    // Typing clears the error and is saved for the next page.
    let input: web_sys::HtmlInputElement = order.clone().dyn_into().unwrap();
    input.set_value("#1001");
    input
        .dispatch_event(
            &web_sys::Event::new_with_event_init_dict("input", &{
                let init = web_sys::EventInit::new();
                init.set_bubbles(true);
                init
            })
            .unwrap(),
        )
        .unwrap();
    settle().await;
    assert_eq!(order.get_attribute("aria-invalid"), None);
    let saved = persist::load().expect("state saved for the next page");
    assert!(saved.open);
    assert!(saved.drafts.contains(&("order".into(), "#1001".into())));
    assert_eq!(saved.prompt.as_deref(), Some(PROMPT));
}

#[wasm_bindgen_test]
async fn answers_are_text_never_html_and_only_web_links_are_links() {
    use aisle_widget::transcript::Line;
    let root = fresh_root();
    let widget = mount(&root, config("en")).unwrap();
    widget.open.set(true);
    widget.say(Line::Assistant(
        r#"{"text":"<img src=x onerror=alert(1)>","card":{"title":"Order #1001","status":"In transit",
            "tone":"in_transit\" onclick=\"x","facts":[{"label":"Carrier","value":"<b>UPS</b>"}],
            "link":{"label":"Track","url":"javascript:alert(1)"},"list":[{"label":"Shipped","at":1700000000}]}}"#.into(),
    ));
    widget.say(Line::Shopper("<script>alert(1)</script>".into()));
    settle().await;
    let log = find(&root, "[role=log]");
    assert!(
        log.query_selector("img, script, b, a").unwrap().is_none(),
        "no markup from data"
    );
    assert!(
        log.text_content()
            .unwrap()
            .contains("<img src=x onerror=alert(1)>")
    );
    let card = find(&root, "article[aria-label='Order #1001']");
    assert_eq!(
        find(&root, ".state").class_name(),
        "state state-in_transitonclickx"
    );
    assert!(card.text_content().unwrap().contains("<b>UPS</b>"));
    assert_eq!(card.query_selector_all("li time").unwrap().length(), 1);
}

#[wasm_bindgen_test]
async fn switching_language_rewords_everything_including_the_log() {
    let root = fresh_root();
    let widget = mount(&root, config("en")).unwrap();
    dispatch(
        widget,
        Command {
            name: "locale".into(),
            argument: "fr-CA".into(),
        },
    );
    settle().await;
    assert_eq!(
        find(&root, "button.launcher")
            .text_content()
            .unwrap()
            .trim(),
        "Discuter avec nous"
    );
    assert_eq!(
        find(&root, ".aisle").get_attribute("lang").as_deref(),
        Some("fr")
    );
    assert!(
        find(&root, "[role=log]")
            .text_content()
            .unwrap()
            .contains("Bonjour")
    );
}

#[wasm_bindgen_test]
fn locales_are_negotiated_from_browser_preferences() {
    assert_eq!(Locale::negotiate(["de-DE", "fr-CA", "en"]), Locale::Fr);
    assert_eq!(Locale::negotiate(["de"]), Locale::En);
    assert_eq!(Locale::from_tag("FR_be"), Some(Locale::Fr));
    assert_eq!(Locale::from_tag("zh-TW"), Some(Locale::ZhHant));
    assert_eq!(Locale::from_tag("zh-Hant-HK"), Some(Locale::ZhHant));
    assert_eq!(Locale::from_tag("zh-CN"), Some(Locale::ZhHans));
    assert_eq!(Locale::negotiate(["th-TH"]), Locale::Th);
    assert_eq!(Locale::negotiate(["fi"]), Locale::Fi);
}

#[wasm_bindgen_test]
fn the_loader_draws_the_same_launcher_label_as_the_widget() {
    let loader = include_str!("../loader/aisle.js");
    for locale in Locale::ALL {
        let entry = format!(
            "'{}': '{}'",
            locale.tag().to_ascii_lowercase(),
            locale.strings().launcher.replace('\'', "\\'")
        );
        assert!(loader.contains(&entry), "loader/aisle.js lacks {entry}");
    }
}

#[wasm_bindgen_test]
fn only_web_links_are_rendered_as_links() {
    use aisle_widget::assist::is_safe_link;
    assert!(is_safe_link("https://www.ups.com/track?tracknum=1"));
    assert!(!is_safe_link("javascript:alert(1)"));
    assert!(!is_safe_link(" JAVASCRIPT:alert(1)"));
    assert!(!is_safe_link("data:text/html,<script>"));
}

fn parse(json: &str) -> wasm_bindgen::JsValue {
    js_sys::JSON::parse(json).unwrap()
}

#[wasm_bindgen_test]
fn server_answers_decode_into_core_types() {
    use aisle_core::api::{ApiError, ErrorCode};
    use aisle_core::order::{OrderState, OrderView, TrackingEventKind};
    use aisle_widget::decode::from_js;
    let order: OrderView = from_js(parse(
        r#"{"number":1001,"state":"in_transit","placed_at":1700000000,"delivered_at":null,"currency":"USD",
            "total_minor":24900,"items":[{"sku":"P","title":"Parka","quantity":1,"unit_price_minor":24900,"final_sale":false}],
            "shipment":{"carrier":"UPS","tracking_number":"1Z","tracking_url":"https://ups.example/1Z"},
            "timeline":[{"at":1700000000,"kind":"ordered","location":null}],"unknown_field":[1,2]}"#,
    ))
    .unwrap();
    assert_eq!(order.number.0, 1001);
    assert_eq!(order.state, OrderState::InTransit);
    assert_eq!(order.delivered_at, None);
    assert_eq!(
        order.shipment.unwrap().estimated_delivery,
        None,
        "a missing optional field is None"
    );
    assert_eq!(order.timeline[0].kind, TrackingEventKind::Ordered);

    let error: ApiError = from_js(parse(
        r#"{"code":"rate_limited","message":"slow down","retry_after":90}"#,
    ))
    .unwrap();
    assert_eq!(
        (error.code, error.retry_after),
        (ErrorCode::RateLimited, Some(90))
    );
}

#[wasm_bindgen_test]
fn values_of_the_wrong_shape_are_refused_not_guessed() {
    use aisle_core::api::ApiError;
    use aisle_core::order::OrderNumber;
    use aisle_widget::decode::{Invalid, from_js};
    assert_eq!(from_js::<OrderNumber>(parse("1.5")), Err(Invalid));
    assert_eq!(from_js::<OrderNumber>(parse("-1")), Err(Invalid));
    assert_eq!(from_js::<OrderNumber>(parse(r#""1001""#)), Err(Invalid));
    assert_eq!(
        from_js::<ApiError>(parse(r#"{"code":"no_such_code","message":""}"#)),
        Err(Invalid)
    );
    assert_eq!(
        from_js::<ApiError>(parse(r#"{"message":"no code"}"#)),
        Err(Invalid)
    );
    assert_eq!(from_js::<ApiError>(parse("null")), Err(Invalid));
}

#[wasm_bindgen_test]
fn saved_state_round_trips_through_storage_encoding() {
    use aisle_widget::persist::Saved;
    use aisle_widget::transcript::{Line, push};
    let mut saved = Saved {
        open: true,
        prompt: Some(PROMPT.into()),
        drafts: vec![("order".into(), "#1001".into())],
        session: Some("0123abcd".into()),
        locale: Some(Locale::ZhHant),
        ..Saved::default()
    };
    push(&mut saved.transcript, Line::Greeting);
    push(
        &mut saved.transcript,
        Line::Shopper("#1001 · ada@example.com".into()),
    );
    push(
        &mut saved.transcript,
        Line::Assistant(r#"{"text":"Here it is"}"#.into()),
    );
    push(&mut saved.transcript, Line::NetworkError);
    persist::save(&saved);
    assert_eq!(persist::load(), Some(saved));
}
