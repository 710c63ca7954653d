//! Keeps the widget's state in `sessionStorage` so it survives navigating to
//! another store page: whether the panel was open, the conversation, the
//! question on screen, what the shopper had typed into it, and the session
//! that remembers which order they proved.
//!
//! The loader reads the same key to load the widget at once when the panel was
//! open on the previous page.

use crate::i18n::Locale;
use crate::transcript::Entry;
use serde::{Deserialize, Serialize};

/// `sessionStorage` key (shared with `loader/aisle.js`).
pub const STORAGE_KEY: &str = "aisle:v1:state";

/// Everything that survives a page navigation.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Saved {
    /// The panel is open.
    pub open: bool,
    /// The conversation.
    pub transcript: Vec<Entry>,
    /// The assistant's current question (a `Prompt` as JSON); `None`: the menu.
    pub prompt: Option<String>,
    /// What the shopper typed into the prompt's form, by field name.
    pub drafts: Vec<(String, String)>,
    /// The assistant session (proven orders).
    pub session: Option<String>,
    /// A locale chosen with `Aisle('locale', …)`.
    pub locale: Option<Locale>,
    /// The live chat with a person, with its unacknowledged messages.
    #[serde(default)]
    pub chat: Option<crate::chat::Chat>,
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
