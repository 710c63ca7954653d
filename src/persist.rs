//! Keeps the widget's state in `sessionStorage` so it survives navigating to
//! another store page: whether the panel was open, which step the shopper was
//! on, what they had typed, and the conversation so far.
//!
//! The loader reads the same key to load the widget at once when the panel was
//! open on the previous page.

use crate::i18n::Locale;
use crate::transcript::Entry;
use serde::{Deserialize, Serialize};

/// `sessionStorage` key (shared with `loader/aisle.js`).
pub const STORAGE_KEY: &str = "aisle:v1:state";

/// Which step of self-service the shopper is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Screen {
    /// The self-service menu.
    #[default]
    Menu,
    /// The order number + email form of "Track order".
    TrackForm,
}

/// Everything that survives a page navigation.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Saved {
    /// The panel is open.
    pub open: bool,
    /// The current step.
    pub screen: Screen,
    /// Typed order number.
    pub order_input: String,
    /// Typed email.
    pub email_input: String,
    /// The conversation.
    pub transcript: Vec<Entry>,
    /// A locale chosen with `Aisle('locale', …)`.
    pub locale: Option<Locale>,
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok()?
}

/// The state saved by an earlier page of this tab, if any.
pub fn load() -> Option<Saved> {
    let text = storage()?.get_item(STORAGE_KEY).ok()??;
    let value = js_sys::JSON::parse(&text).ok()?;
    crate::decode::from_js(value).ok()
}

/// Saves `state` for the next page. Storage may be full or disabled: then the
/// widget still works, it just starts fresh on the next page.
pub fn save(state: &Saved) {
    let Some(storage) = storage() else { return };
    let Ok(value) = crate::encode::to_js(state) else {
        return;
    };
    if let Ok(text) = js_sys::JSON::stringify(&value) {
        let _ = storage.set_item(STORAGE_KEY, &String::from(text));
    }
}
