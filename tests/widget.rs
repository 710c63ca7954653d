//! Widget tests in a real browser (headless Chromium through chromedriver):
//! mount the widget in an open shadow root and use it as a shopper would.
//!
//! Run with `cargo xtask test` (or `CHROMEDRIVER=/usr/bin/chromedriver cargo
//! test -p aisle-widget --target wasm32-unknown-unknown`).

use aisle_widget::config::{Command, WidgetConfig};
use aisle_widget::i18n::{Locale, LocaleStrings as _};
use aisle_widget::persist::{self, STORAGE_KEY};
use aisle_widget::transcript::Kept;
use aisle_widget::{dispatch, mount};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{HtmlElement, ShadowRoot};

wasm_bindgen_test_configure!(run_in_browser);

/// Lets the widget's update functions and the browser's animation frame run.
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

/// Every locale table, installed as the widget installs a fetched one
/// (only English is in the bundle).
fn install_tables() {
    for locale in Locale::ALL {
        if !locale.installed() {
            aisle_widget::i18n::install(locale, locale.built_in());
        }
    }
}

fn fresh_root() -> ShadowRoot {
    install_tables();
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

/// [`PROMPT`] as the widget holds it (typed, through its codec, with the
/// JSON it came as).
fn prompt() -> Option<Kept<aisle_core::assist::Prompt>> {
    let prompt = aisle_widget::js::decode_kept(PROMPT.into());
    assert!(prompt.is_some(), "the widget reads the server's question");
    prompt
}

/// An assistant message (`Said`) from its JSON, as the server sends it, kept
/// with that JSON as the widget holds it.
fn said(json: &str) -> Kept<aisle_core::assist::Said> {
    Kept {
        value: serde_json::from_str(json).expect("a Said"),
        json: json.into(),
    }
}

#[wasm_bindgen_test]
async fn server_questions_become_labelled_fields_and_what_is_typed_is_kept() {
    let root = fresh_root();
    let widget = mount(&root, config("en")).unwrap();
    widget.open.set(true);
    widget.prompt.set(prompt());
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
    assert_eq!(saved.prompt, prompt());
}

#[wasm_bindgen_test]
async fn answers_are_text_never_html_and_only_web_links_are_links() {
    use aisle_widget::transcript::Line;
    let root = fresh_root();
    let widget = mount(&root, config("en")).unwrap();
    widget.open.set(true);
    widget.say(Line::Assistant(said(
        r#"{"text":"<img src=x onerror=alert(1)>","card":{"title":"Order #1001","status":"In transit",
            "tone":"in_transit\" onclick=\"x","facts":[{"label":"Carrier","value":"<b>UPS</b>"}],
            "link":{"label":"Track","url":"javascript:alert(1)"},"list":[{"label":"Shipped","at":1700000000}]}}"#,
    )));
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
    use aisle_widget::transcript::Line;
    let root = fresh_root();
    let widget = mount(&root, config("en")).unwrap();
    widget.open.set(true);
    widget.say(Line::NetworkError);
    settle().await;
    assert!(
        find(&root, "[role=log]")
            .text_content()
            .unwrap()
            .contains("We couldn't reach the store")
    );
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
    let log = find(&root, "[role=log]").text_content().unwrap();
    assert!(log.contains("Impossible de joindre la boutique"), "{log}");
    assert!(!log.contains("We couldn't"), "{log}");
    assert_eq!(
        find(&root, "[role=group] button[data-action=track]")
            .text_content()
            .unwrap(),
        "Suivre ma commande"
    );
    assert_eq!(
        find(&root, "[role=group]")
            .get_attribute("aria-label")
            .as_deref(),
        Some("Sujets d’aide")
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
fn only_web_links_are_rendered_as_links() {
    use aisle_widget::assist::is_safe_link;
    assert!(is_safe_link("https://www.ups.com/track?tracknum=1"));
    assert!(!is_safe_link("javascript:alert(1)"));
    assert!(!is_safe_link(" JAVASCRIPT:alert(1)"));
    assert!(!is_safe_link("data:text/html,<script>"));
}

#[wasm_bindgen_test]
fn the_visitor_state_is_read_from_the_page() {
    let root = fresh_root();
    let widget = mount(&root, config("fr")).unwrap();
    dispatch(
        widget,
        Command {
            name: "locale".into(),
            argument: "fi".into(),
        },
    );
    let state = aisle_widget::campaigns::visitor_state(widget, Some("welcome".into()));
    assert_eq!(state.trigger.as_deref(), Some("welcome"));
    assert_eq!(state.language.as_deref(), Some("fi"));
    assert!(state.url.starts_with("http"));
    assert!(state.device.is_some());
    // What `POST …/campaigns/evaluate` takes, within its limits.
    assert_eq!(state.validate(), Ok(()));
}

/// The parity test: every case of `aisle_core::campaign::cases` (the table
/// the native tests run), through the server's feed encoding and the widget's
/// decoder, evaluated in the browser's wasm, gives the same answers.
#[wasm_bindgen_test]
fn every_campaign_case_answers_in_the_browser_as_natively() {
    use aisle_core::campaign::cases::{cases, outcome};
    use aisle_core::campaign::feed::{Feed, encode};
    use aisle_core::campaign::parse_campaigns;
    let all = cases();
    assert!(all.len() > 150, "the table has {} cases", all.len());
    let mut failures = Vec::new();
    for case in &all {
        let file = parse_campaigns(&case.file).expect("the case's file is valid");
        let text = encode(&Feed {
            file: file.clone(),
            agents_online: case.visitor.agents_online,
            open: None,
            free_shipping: None,
        });
        let feed = aisle_widget::campaigns::decode_feed(&text).expect("the widget reads the feed");
        assert_eq!(feed.file, file, "{}", case.name);
        let found = outcome(&feed.file, &case.visitor, case.trigger.as_deref());
        if let Err(why) = case.check(&found) {
            failures.push(why);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[wasm_bindgen_test]
fn the_widget_decides_from_the_feed_in_the_visitors_language() {
    use aisle_core::api::{ShownAction, VisitorState};
    use aisle_core::campaign::feed::{Feed, encode};
    use aisle_core::campaign::parse_campaigns;
    use aisle_widget::campaigns::{decide_for, decode_feed};
    let demo = parse_campaigns(include_str!("../crates/server/demo/campaigns.json")).unwrap();
    let now = 1_795_900_000_000;
    let feed = |agents: u32, open: Option<Vec<(i64, i64)>>| {
        decode_feed(&encode(&Feed {
            file: demo.clone(),
            agents_online: agents,
            open,
            free_shipping: None,
        }))
        .unwrap()
    };
    let home = |on_page_ms: u64| VisitorState {
        url: "https://shop.example/".into(),
        on_page_ms,
        on_site_ms: on_page_ms,
        pages_viewed: 1,
        visits: 1,
        language: Some("fr-CA".into()),
        ..VisitorState::default()
    };
    let (show, next) = decide_for(&feed(1, None), &home(5_000), now);
    assert_eq!(show, None);
    assert_eq!(next, Some(10_000), "one exact timer: 15 s on the page");
    let (show, _) = decide_for(&feed(1, None), &home(15_000), now);
    let show = show.expect("Black Friday after 15 s");
    assert_eq!(show.id, "bf-sitewide");
    assert!(
        show.message.starts_with("Black Friday : -25 %"),
        "{}",
        show.message
    );
    assert_eq!(
        show.actions,
        [ShownAction {
            label: "Shop the sale".into(),
            url: Some("/collections/winter".into())
        }]
    );
    // Agents online come from the feed.
    let winter = |agents| {
        let state = VisitorState {
            url: "https://shop.example/Collections/Winter/".into(),
            ..home(20_000)
        };
        decide_for(&feed(agents, None), &state, now).0.map(|c| c.id)
    };
    assert_eq!(winter(1).as_deref(), Some("collections-vip"));
    assert_eq!(winter(0), None);
    // `Aisle('trigger', id)` whatever the conditions.
    let triggered = VisitorState {
        trigger: Some("parka-quiz".into()),
        ..home(0)
    };
    let (show, _) = decide_for(&feed(1, Some(vec![(0, 1)])), &triggered, now);
    assert_eq!(show.map(|c| c.id).as_deref(), Some("parka-quiz"));
}

/// Issue #12: the widget fills placeholders itself, in the shopper's
/// language and the cart's currency (the browser's number formats), with the
/// feed's threshold and fixed code; what it fills in is text, and a value the
/// browser cannot format leaves the placeholder's fallback.
#[wasm_bindgen_test]
fn placeholders_are_filled_in_the_shoppers_language_and_values_stay_text() {
    use aisle_core::api::VisitorState;
    use aisle_core::campaign::feed::{Feed, encode};
    use aisle_core::campaign::parse_campaigns;
    use aisle_widget::campaigns::{decide_for, decode_feed};
    use aisle_widget::state::{PageCart, set_cart};
    let file = parse_campaigns(
        r#"{"version": 1, "campaigns": [{"id": "ship", "code": "<b>{{WINTER}}</b>",
          "frequency": "always",
          "message": {
            "en": "{{cart.value|?}} in your cart, {{cart.remaining_to_free_shipping|some}} to go. Hi {{customer.first_name|there}}: {{campaign.code}}",
            "fr": "{{cart.value}} dans le panier, encore {{cart.remaining_to_free_shipping}}. {{campaign.code}}"}}]}"#,
    )
    .unwrap();
    let feed = decode_feed(&encode(&Feed {
        file,
        agents_online: 0,
        open: None,
        free_shipping: Some((10_000, "EUR".into())),
    }))
    .expect("the widget reads the feed");
    let shown = |language: &str| {
        let state = VisitorState {
            url: "https://shop.example/".into(),
            language: Some(language.into()),
            ..VisitorState::default()
        };
        decide_for(&feed, &state, 1_795_900_000_000)
            .0
            .expect("the campaign shows")
            .message
    };
    let cart = |value_minor: i64, currency: &str| {
        set_cart(PageCart {
            value_minor,
            currency: Some(currency.into()),
            items: Vec::new(),
        })
    };
    cart(7_450, "EUR");
    assert_eq!(
        shown("en"),
        "€74.50 in your cart, €25.50 to go. Hi there: <b>{{WINTER}}</b>"
    );
    assert_eq!(
        shown("fr"),
        "74,50\u{a0}€ dans le panier, encore 25,50\u{a0}€. <b>{{WINTER}}</b>"
    );
    // Past the threshold: nothing left to pay for free shipping.
    cart(123_456, "EUR");
    assert_eq!(
        shown("fr"),
        "1\u{202f}234,56\u{a0}€ dans le panier, encore 0,00\u{a0}€. <b>{{WINTER}}</b>"
    );
    // A currency the page made up: no number is made up either (the
    // fallbacks), no panic, and the markup stays characters.
    cart(100, "<img src=x onerror=alert(1)>");
    assert_eq!(
        shown("en"),
        "? in your cart, some to go. Hi there: <b>{{WINTER}}</b>"
    );
    set_cart(PageCart::default());
}

#[wasm_bindgen_test]
fn saved_state_round_trips_through_storage_encoding() {
    use aisle_widget::persist::Saved;
    use aisle_widget::transcript::{Line, push};
    let mut saved = Saved {
        open: true,
        prompt: prompt(),
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
        Line::Assistant(said(r#"{"text":"Here it is"}"#)),
    );
    // A live chat's system message, made by the widget (no JSON of its own).
    push(
        &mut saved.transcript,
        Line::Assistant(Kept::made(aisle_core::assist::Said {
            text: "An agent joined".into(),
            card: None,
        })),
    );
    push(&mut saved.transcript, Line::NetworkError);
    push(
        &mut saved.transcript,
        Line::Sent("c1".into(), "Hello".into(), 0),
    );
    push(
        &mut saved.transcript,
        Line::Sent("c0".into(), "Hi".into(), 7),
    );
    push(
        &mut saved.transcript,
        Line::Agent("Robin".into(), "How can I help?".into()),
    );
    push(&mut saved.transcript, Line::Joined("Robin".into()));
    push(&mut saved.transcript, Line::Ended);
    push(&mut saved.transcript, Line::Rated);
    saved.chat = Some(aisle_widget::conversation::Chat {
        resume: Some("r-1".into()),
        last_seq: 7,
        outbox: vec![("c1".into(), "Hello".into())],
        phase: aisle_widget::conversation::Phase::Active,
        position: 2,
        wait: Some(120),
        agent: Some("Robin".into()),
        agent_read: 7,
        campaign: None,
        draft: "typing…".into(),
    });
    persist::save(&saved);
    assert_eq!(persist::load(), Some(saved));
}

/// A state as the previous widget version (serde's derives) stored it: a page
/// loaded after an update must pick the conversation up.
const SAVED_BY_SERDE: &str = r##"{"open":true,"transcript":[{"id":0,"line":"Greeting"},
  {"id":1,"line":{"Shopper":"Track order"}},{"id":2,"line":{"Assistant":"{\"text\":\"Here it is\"}"}},
  {"id":3,"line":"NetworkError"},{"id":4,"line":{"Sent":["c1","Hello",0]}},
  {"id":5,"line":{"Agent":["Robin","Hi"]}},{"id":6,"line":{"Joined":"Robin"}},
  {"id":7,"line":"Ended"},{"id":8,"line":"Rated"}],
  "prompt":null,"drafts":[["order","#1001"]],"session":"0123abcd","locale":"ZhHant",
  "chat":{"resume":"r-1","last_seq":4,"outbox":[["c1","Hello"]],"phase":2,"position":0,
          "wait":null,"agent":"Robin","agent_read":3,"campaign":null,"draft":""}}"##;

#[wasm_bindgen_test]
fn state_saved_by_the_previous_version_loads() {
    use aisle_widget::transcript::Line;
    web_sys::window()
        .unwrap()
        .session_storage()
        .unwrap()
        .unwrap()
        .set_item(STORAGE_KEY, SAVED_BY_SERDE)
        .unwrap();
    let saved = persist::load().expect("the old format loads");
    assert!(saved.open);
    assert_eq!(saved.locale, Some(Locale::ZhHant));
    assert_eq!(saved.session.as_deref(), Some("0123abcd"));
    assert_eq!(saved.prompt, None);
    assert_eq!(saved.drafts, vec![("order".into(), "#1001".into())]);
    let lines: Vec<Line> = saved.transcript.into_iter().map(|e| e.line).collect();
    assert_eq!(
        lines,
        vec![
            Line::Greeting,
            Line::Shopper("Track order".into()),
            Line::Assistant(said(r#"{"text":"Here it is"}"#)),
            Line::NetworkError,
            Line::Sent("c1".into(), "Hello".into(), 0),
            Line::Agent("Robin".into(), "Hi".into()),
            Line::Joined("Robin".into()),
            Line::Ended,
            Line::Rated,
        ]
    );
    let chat = saved.chat.expect("the chat loads");
    assert_eq!(chat.resume.as_deref(), Some("r-1"));
    assert_eq!(
        (chat.last_seq, chat.phase, chat.agent_read),
        (4, aisle_widget::conversation::Phase::Active, 3)
    );
    assert_eq!(chat.outbox, vec![("c1".into(), "Hello".into())]);
    assert_eq!(chat.agent.as_deref(), Some("Robin"));
    assert_eq!(chat.wait, None);
    // Not JSON, or not a state: a fresh start.
    for junk in ["not json", "null", "42"] {
        web_sys::window()
            .unwrap()
            .session_storage()
            .unwrap()
            .unwrap()
            .set_item(STORAGE_KEY, junk)
            .unwrap();
        assert_eq!(persist::load(), None, "{junk}");
    }
}

/// A fetched table (its strings in `Strings::fields` order) reads back as
/// the table it was written from, and a short one leaves the rest empty.
#[wasm_bindgen_test]
fn locale_tables_read_back_field_by_field() {
    for locale in Locale::ALL {
        let table = locale.built_in();
        let read = aisle_widget::i18n::Strings::from_fields(table.fields().into_iter());
        assert_eq!(read.fields(), table.fields(), "{locale:?}");
    }
    let short = aisle_widget::i18n::Strings::from_fields(["Chat"].into_iter());
    assert_eq!(short.launcher, "Chat");
    assert_eq!(short.you, "");
    assert_eq!(short.products_label, "");
}
