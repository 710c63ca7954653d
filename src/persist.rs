//! Keeps the widget's state in `sessionStorage` so it survives navigating to
//! another store page: whether the panel was open, the conversation, the
//! question on screen, what the shopper had typed into it, and the session
//! that remembers which order they proved.
//!
//! The loader reads the same key to load the widget at once when the panel was
//! open on the previous page.
//!
//! The stored JSON keeps the shapes serde's derives wrote in earlier versions
//! (structs as objects, `Option` as `null`, unit variants as `"Name"`, other
//! variants as `{"Name": content}`, pairs as two-element arrays), so a state
//! saved by an older page still loads. It is written and read by hand through
//! `JSON` and [`Json`] rather than serde, which keeps the serde machinery out
//! of the wasm bundle. Unknown log lines are skipped, missing fields take
//! their defaults. The assistant's messages and question are kept as their
//! JSON text (as before), written and read by [`crate::js`] into core's
//! types when the state is saved and loaded, never when it is drawn.

use crate::conversation::Chat;
use crate::i18n::Locale;
use crate::js::{self, Js, Json, object};
use crate::transcript::{Entry, Kept, Line};
use aisle_core::assist::Prompt;
use js_sys::Array;
use wasm_bindgen::JsValue;

/// `sessionStorage` key (shared with `loader/aisle.js`).
pub const STORAGE_KEY: &str = "aisle:v1:state";

/// Everything that survives a page navigation.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Saved {
    /// The panel is open.
    pub open: bool,
    /// The conversation.
    pub transcript: Vec<Entry>,
    /// The assistant's current question; `None`: the menu.
    pub prompt: Option<Kept<Prompt>>,
    /// What the shopper typed into the prompt's form, by field name.
    pub drafts: Vec<(String, String)>,
    /// The assistant session (proven orders).
    pub session: Option<String>,
    /// A locale chosen with `Aisle('locale', …)`.
    pub locale: Option<Locale>,
    /// The live chat with a person, with its unacknowledged messages.
    pub chat: Option<Chat>,
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok()?
}

/// The state saved by an earlier page of this tab, if any.
pub fn load() -> Option<Saved> {
    let text = storage()?.get_item(STORAGE_KEY).ok()??;
    decode(&Json::parse(&text))
}

/// Saves `state` for the next page. Storage may be full or disabled: then the
/// widget still works, it just starts fresh on the next page.
pub fn save(state: &Saved) {
    save_parts(Parts {
        open: state.open,
        transcript: &state.transcript,
        prompt: state.prompt.as_ref(),
        drafts: &state.drafts,
        session: state.session.as_deref(),
        locale: state.locale,
        chat: state.chat.as_ref(),
    });
}

/// What [`save`] writes, borrowed from wherever it lives (the widget's
/// cells: nothing is copied to be saved).
pub struct Parts<'a> {
    /// The panel is open.
    pub open: bool,
    /// The conversation.
    pub transcript: &'a [Entry],
    /// The assistant's current question.
    pub prompt: Option<&'a Kept<Prompt>>,
    /// What the shopper typed into it.
    pub drafts: &'a [(String, String)],
    /// The assistant session.
    pub session: Option<&'a str>,
    /// A locale chosen with `Aisle('locale', …)`.
    pub locale: Option<Locale>,
    /// The live chat.
    pub chat: Option<&'a Chat>,
}

/// Saves `parts` for the next page (see [`save`]).
pub fn save_parts(parts: Parts) {
    let Some(storage) = storage() else { return };
    let text = js::stringify(&encode(parts));
    if !text.is_empty() {
        let _ = storage.set_item(STORAGE_KEY, &text);
    }
}

/// The state as a plain JS value, ready for `JSON.stringify`.
fn encode(state: Parts) -> JsValue {
    object(&[
        ("open", state.open.into()),
        ("transcript", js::list(state.transcript)),
        (
            "prompt",
            state
                .prompt
                .map_or(JsValue::NULL, |p| p.json.as_str().into()),
        ),
        ("drafts", js::list(state.drafts)),
        (
            "session",
            state.session.map_or(JsValue::NULL, JsValue::from),
        ),
        (
            "locale",
            state
                .locale
                .map_or(JsValue::NULL, |l| LOCALE_NAMES[l as usize].into()),
        ),
        ("chat", state.chat.map_or(JsValue::NULL, Js::to_js)),
    ])
}

/// The state in `value` (as [`encode`] writes it); `None` when it is not an object.
pub fn decode(value: &Json) -> Option<Saved> {
    if !value.is_object() {
        return None;
    }
    let chat = value.get("chat");
    Some(Saved {
        open: value.get("open").0.is_truthy(),
        transcript: Js::from_js(&value.get("transcript").0).unwrap_or_default(),
        prompt: value.text("prompt").and_then(js::decode_kept),
        drafts: Js::from_js(&value.get("drafts").0).unwrap_or_default(),
        session: value.text("session"),
        locale: value
            .text("locale")
            .and_then(|name| LOCALE_NAMES.iter().position(|n| *n == name))
            .map(|i| Locale::ALL[i]),
        chat: Chat::from_js(&chat.0),
    })
}

/// An entry of the log as `{"id": …, "line": …}`; one whose line this
/// version does not know is skipped.
impl Js for Entry {
    fn to_js(&self) -> JsValue {
        object(&[("id", self.id.into()), ("line", encode_line(&self.line))])
    }
    fn from_js(value: &JsValue) -> Option<Self> {
        let entry = Json(value.clone());
        Some(Entry {
            id: entry.number("id")? as u32,
            line: decode_line(&entry.get("line"))?,
        })
    }
}

/// The stored names of [`Locale::ALL`], in its order (the variant names).
const LOCALE_NAMES: [&str; 6] = ["En", "Fr", "Fi", "ZhHans", "ZhHant", "Th"];

fn tagged(name: &str, content: JsValue) -> JsValue {
    object(&[(name, content)])
}

fn encode_line(line: &Line) -> JsValue {
    match line {
        Line::Greeting => "Greeting".into(),
        Line::NetworkError => "NetworkError".into(),
        Line::Ended => "Ended".into(),
        Line::Rated => "Rated".into(),
        Line::Shopper(text) => tagged("Shopper", text.into()),
        Line::Assistant(said) if said.json.is_empty() => tagged(
            "Assistant",
            js::stringify(&object(&[("text", said.value.text.as_str().into())])).into(),
        ),
        Line::Assistant(said) => tagged("Assistant", said.json.as_str().into()),
        Line::Joined(name) => tagged("Joined", name.into()),
        Line::Agent(name, text) => tagged("Agent", Array::of2(&name.into(), &text.into()).into()),
        Line::Sent(id, text, seq) => tagged(
            "Sent",
            Array::of3(&id.into(), &text.into(), &(*seq as f64).into()).into(),
        ),
    }
}

fn decode_line(value: &Json) -> Option<Line> {
    if let Some(name) = value.0.as_string() {
        return match name.as_str() {
            "Greeting" => Some(Line::Greeting),
            "NetworkError" => Some(Line::NetworkError),
            "Ended" => Some(Line::Ended),
            "Rated" => Some(Line::Rated),
            _ => None,
        };
    }
    let part = |name: &str, i: u32| value.get(name).at(i).0.as_string();
    Some(if let Some(text) = value.text("Shopper") {
        Line::Shopper(text)
    } else if let Some(said) = value.text("Assistant") {
        Line::Assistant(js::decode_kept(said)?)
    } else if let Some(name) = value.text("Joined") {
        Line::Joined(name)
    } else if let (Some(name), Some(text)) = (part("Agent", 0), part("Agent", 1)) {
        Line::Agent(name, text)
    } else {
        let seq = value.get("Sent").at(2).0.as_f64()?;
        Line::Sent(part("Sent", 0)?, part("Sent", 1)?, seq as u64)
    })
}
