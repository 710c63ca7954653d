//! Widget tests in a real browser (headless Chromium through chromedriver):
//! mount the widget in an open shadow root and use it as a shopper would.
//!
//! Run with `cargo xtask test` (or `CHROMEDRIVER=/usr/bin/chromedriver cargo
//! test -p aisle-widget --target wasm32-unknown-unknown`).

use aisle_widget::config::{Command, WidgetConfig};
use aisle_widget::i18n::Locale;
use aisle_widget::persist::{self, STORAGE_KEY};
use aisle_widget::{dispatch, mount};
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
            .contains("look up your order")
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

#[wasm_bindgen_test]
async fn track_order_asks_for_labelled_fields_and_remembers_them() {
    let root = fresh_root();
    let widget = mount(&root, config("en")).unwrap();
    dispatch(
        widget,
        Command {
            name: "open".into(),
            argument: wasm_bindgen::JsValue::UNDEFINED,
        },
    );
    settle().await;
    find(&root, ".menu-item").click();
    settle().await;
    for (id, label) in [("aisle-order", "Order number"), ("aisle-email", "Email")] {
        let label_el = find(&root, &format!("label[for={id}]"));
        assert_eq!(label_el.text_content().unwrap(), label);
    }
    widget.order_input.set("#1001".into());
    settle().await;
    let saved = persist::load().expect("state saved for the next page");
    assert!(saved.open);
    assert_eq!(saved.order_input, "#1001");
    assert_eq!(saved.screen, persist::Screen::TrackForm);
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
}

#[wasm_bindgen_test]
fn the_loader_draws_the_same_launcher_label_as_the_widget() {
    let loader = include_str!("../loader/aisle.js");
    for locale in Locale::ALL {
        let entry = format!(
            "{}: '{}'",
            locale.tag(),
            locale.strings().launcher.replace('\'', "\\'")
        );
        assert!(loader.contains(&entry), "loader/aisle.js lacks {entry}");
    }
}

#[wasm_bindgen_test]
fn only_web_links_are_rendered_as_links() {
    use aisle_widget::track::is_safe_link;
    assert!(is_safe_link("https://www.ups.com/track?tracknum=1"));
    assert!(!is_safe_link("javascript:alert(1)"));
    assert!(!is_safe_link(" JAVASCRIPT:alert(1)"));
    assert!(!is_safe_link("data:text/html,<script>"));
}
