//! Desktop notifications and an optional sound when the console is not in
//! view: a shopper starts waiting, or writes in one of the agent's chats.
//!
//! Off until the agent turns them on (the browser then asks for permission,
//! once, from that click — never on page load). Both settings are the
//! agent's, kept in this browser (`localStorage`). Nothing fires while the
//! tab is visible: the page's own announcements cover that.

use wasm_bindgen::JsValue;

const NOTIFY_KEY: &str = "aisle.console.notify";
const SOUND_KEY: &str = "aisle.console.sound";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

fn setting(key: &str) -> bool {
    storage()
        .and_then(|s| s.get_item(key).ok().flatten())
        .is_some_and(|v| v == "on")
}

fn remember(key: &str, on: bool) {
    if let Some(storage) = storage() {
        let _ = storage.set_item(key, if on { "on" } else { "off" });
    }
}

/// Whether this browser has notifications at all.
pub fn supported() -> bool {
    web_sys::window().is_some_and(|w| {
        js_sys::Reflect::has(&w, &JsValue::from_str("Notification")).unwrap_or(false)
    })
}

/// Whether the agent turned notifications on and the browser allows them.
pub fn enabled() -> bool {
    supported()
        && setting(NOTIFY_KEY)
        && web_sys::Notification::permission() == web_sys::NotificationPermission::Granted
}

/// Whether the agent wants a sound with them.
pub fn sound() -> bool {
    setting(SOUND_KEY)
}

/// Turns notifications on (asking the browser's permission if it has not
/// been given) or off; `true` when they are on afterwards.
pub async fn set_enabled(on: bool) -> bool {
    if !on || !supported() {
        remember(NOTIFY_KEY, false);
        return false;
    }
    let granted = match web_sys::Notification::permission() {
        web_sys::NotificationPermission::Granted => true,
        web_sys::NotificationPermission::Denied => false,
        _ => match web_sys::Notification::request_permission() {
            Ok(promise) => wasm_bindgen_futures::JsFuture::from(promise)
                .await
                .ok()
                .and_then(|p| p.as_string())
                .is_some_and(|p| p == "granted"),
            Err(_) => false,
        },
    };
    remember(NOTIFY_KEY, granted);
    granted
}

/// Turns the sound on or off.
pub fn set_sound(on: bool) {
    remember(SOUND_KEY, on);
}

fn hidden() -> bool {
    web_sys::window()
        .and_then(|w| w.document())
        .is_some_and(|d| d.visibility_state() == web_sys::VisibilityState::Hidden)
}

/// Tells the agent `body` (under `title`) with a notification and, if they
/// want it, a short tone — only when the console is not in view.
pub fn alert(body: &str, title: &str) {
    if !hidden() || !enabled() {
        return;
    }
    let options = web_sys::NotificationOptions::new();
    options.set_body(body);
    // One notification per kind of news: a new one replaces the last.
    options.set_tag("aisle-console");
    if let Ok(notification) = web_sys::Notification::new_with_options(title, &options) {
        let on_click = wasm_bindgen::closure::Closure::<dyn Fn()>::new(move || {
            if let Some(window) = web_sys::window() {
                let _ = window.focus();
            }
        });
        notification.set_onclick(Some(wasm_bindgen::JsCast::unchecked_ref(on_click.as_ref())));
        // The notification keeps its handler for as long as it lives.
        on_click.forget();
    }
    if sound() {
        beep();
    }
}

/// A soft 180 ms tone (no audio file to download).
fn beep() {
    let Ok(context) = web_sys::AudioContext::new() else {
        return;
    };
    let (Ok(tone), Ok(gain)) = (context.create_oscillator(), context.create_gain()) else {
        return;
    };
    tone.frequency().set_value(880.0);
    gain.gain().set_value(0.08);
    let now = context.current_time();
    let _ = tone.connect_with_audio_node(&gain);
    let _ = gain.connect_with_audio_node(&context.destination());
    let _ = tone.start_with_when(now);
    let _ = tone.stop_with_when(now + 0.18);
}
