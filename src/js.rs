//! The widget's one codec: core's wire types (`aisle_core::protocol`,
//! `aisle_core::assist`, the campaign events of `aisle_core::api`) to and
//! from JS values, which the browser's own
//! `JSON` turns into text and back.
//!
//! Why not serde: its derives and `serde_json` cost the bundle several KB
//! brotli. [`Js`] is written once per shape by three macros ([`record!`]:
//! a struct as an object; [`names!`]: a unit enum as its snake_case name;
//! [`tagged!`]: an enum tagged by `type`), listing every field, so a field
//! added to a core struct fails to compile here, and one renamed fails the
//! contract tests (`tests/contract.rs`: every type through this codec and
//! through `serde_json`, in the browser).
//!
//! Decoding is as lenient as serde's `#[serde(default)]`: a missing string is
//! empty, a missing list empty, a missing `Option` `None`; an unknown name
//! in an enum or an unknown `type` is `None`. `None` options are left out
//! when encoding (serde's `skip_serializing_if`).
//!
//! [`Json`] remains for what has no core type: the loader's handover, the
//! merchant's widget settings, the campaign feed's envelope.

use crate::conversation::{Chat, Phase};
use crate::transcript::Kept;
use aisle_core::api::{CampaignEvent, CampaignEventKind};
use aisle_core::assist::{
    AssistReply, AssistRequest, Card, Choice, Fact, Field, FieldKind, Form, Identity, Link, Prompt,
    Said,
};
use aisle_core::protocol::{
    Cart, CartItem, ChatContext, ChatMessage, ClientMessage, ConversationState, ConversationStatus,
    OfflineReason, Party, ProtocolError, ServerMessage,
};
use js_sys::{Array, Object};
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};

/// A parsed JSON value without a core type, read field by field.
#[derive(Clone)]
pub struct Json(pub JsValue);

impl Json {
    /// Parses JSON text (`null` when it is not JSON).
    pub fn parse(text: &str) -> Json {
        Json(parse(text))
    }

    /// Field `key` (`undefined` when absent).
    pub fn get(&self, key: &str) -> Json {
        Json(field(&self.0, key))
    }

    /// Field `key` as a string, if it is one.
    pub fn text(&self, key: &str) -> Option<String> {
        self.get(key).0.as_string()
    }

    /// Field `key` as a string, empty when absent.
    pub fn string(&self, key: &str) -> String {
        self.text(key).unwrap_or_default()
    }

    /// Field `key` as a list of strings (non-strings read as empty ones).
    pub fn strings(&self, key: &str) -> Vec<String> {
        Lenient::get(&self.0, key)
    }

    /// Field `key` as a number.
    pub fn number(&self, key: &str) -> Option<f64> {
        self.get(key).0.as_f64()
    }

    /// Item `i` of this list (`undefined` when absent).
    pub fn at(&self, i: u32) -> Json {
        Json(at(&self.0, i))
    }

    /// Whether this is an object (a list too; not `null` or `undefined`).
    pub fn is_object(&self) -> bool {
        self.0.is_object()
    }

    /// This value as JSON text (empty when it cannot be written).
    pub fn stringify(&self) -> String {
        stringify(&self.0)
    }
}

/// The JS value of JSON `text` (`null` when it is not JSON).
pub fn parse(text: &str) -> JsValue {
    js_sys::JSON::parse(text).unwrap_or(JsValue::NULL)
}

/// `value` as JSON text (empty when it cannot be written).
pub fn stringify(value: &JsValue) -> String {
    js_sys::JSON::stringify(value)
        .ok()
        .and_then(|s| s.as_string())
        .unwrap_or_default()
}

/// A plain JS object with these fields (`undefined` values left out).
pub fn object(fields: &[(&str, JsValue)]) -> JsValue {
    let o = Object::new();
    for (key, value) in fields {
        put(&o, key, value.clone());
    }
    o.into()
}

#[wasm_bindgen]
extern "C" {
    /// `Reflect.get` with the key passed as text (no key object to make and
    /// drop in wasm); only called on objects and functions, where it cannot throw.
    #[wasm_bindgen(js_namespace = Reflect, js_name = get)]
    fn reflect_get(target: &JsValue, key: &str) -> JsValue;
    /// `Reflect.set` likewise, on a plain object or a form control's
    /// `value` (cannot throw).
    #[wasm_bindgen(js_namespace = Reflect, js_name = set)]
    fn reflect_set(target: &JsValue, key: &str, value: &JsValue) -> bool;
}

/// Item `i` of `value` (`undefined` when absent or not an object).
#[inline(never)]
pub fn at(value: &JsValue, i: u32) -> JsValue {
    if value.is_object() {
        value.unchecked_ref::<Array>().get(i)
    } else {
        JsValue::UNDEFINED
    }
}

/// Field `key` of `value` (`undefined` when absent or not an object; a
/// function, such as the loader's `window.Aisle`, has fields too).
#[inline(never)]
pub fn field(value: &JsValue, key: &str) -> JsValue {
    if value.is_object() || value.is_function() {
        reflect_get(value, key)
    } else {
        JsValue::UNDEFINED
    }
}

/// Sets field `key` of `target` (a plain object, or a form control's `value`).
#[inline(never)]
pub fn set(target: &JsValue, key: &str, value: &JsValue) {
    reflect_set(target, key, value);
}

/// Sets `key` on `o`, unless `value` is `undefined` (a `None`).
#[inline(never)]
fn put(o: &Object, key: &str, value: JsValue) {
    if !value.is_undefined() {
        reflect_set(o, key, &value);
    }
}

/// A value of core's wire types, as the JS value `JSON` reads and writes.
pub trait Js: Sized {
    /// As a JS value (`undefined` for `None`).
    fn to_js(&self) -> JsValue;
    /// From a JS value; `None` when it cannot be one (an unknown name).
    fn from_js(value: &JsValue) -> Option<Self>;

    /// Sets field `key` of `o` to this value (left out when `None`).
    #[inline(never)]
    fn put(&self, o: &Object, key: &str) {
        put(o, key, self.to_js());
    }
}

/// A type a struct's field can have: read whatever the value, as serde's
/// `#[serde(default)]` would (a missing string is empty, an unknown name
/// the enum's neutral one), so decoding a struct never stops half-way
/// (which keeps the wasm small: no clean-up path per field).
pub trait Lenient: Js {
    /// This type from `value`, whatever it is.
    fn read(value: &JsValue) -> Self;

    /// Field `key` of `value` as this type.
    #[inline(never)]
    fn get(value: &JsValue, key: &str) -> Self {
        Self::read(&field(value, key))
    }
}

/// `value` as JSON text.
pub fn encode<T: Js>(value: &T) -> String {
    stringify(&value.to_js())
}

/// JSON `text` as a `T`, if it is one.
pub fn decode<T: Js>(text: &str) -> Option<T> {
    T::from_js(&parse(text))
}

/// JSON `text` as a `T` kept with that text (what was saved for this page).
pub fn decode_kept<T: Js>(json: String) -> Option<Kept<T>> {
    Some(Kept {
        value: decode(&json)?,
        json,
    })
}

impl Js for String {
    #[inline(never)]
    fn to_js(&self) -> JsValue {
        self.into()
    }
    fn from_js(value: &JsValue) -> Option<Self> {
        Some(Self::read(value))
    }
}

impl Lenient for String {
    #[inline(never)]
    fn read(value: &JsValue) -> Self {
        value.as_string().unwrap_or_default()
    }
}

impl Js for bool {
    fn to_js(&self) -> JsValue {
        (*self).into()
    }
    fn from_js(value: &JsValue) -> Option<Self> {
        Some(value.is_truthy())
    }
}

impl Lenient for bool {
    fn read(value: &JsValue) -> Self {
        value.is_truthy()
    }
}

/// `value` as a number (0 when it is none).
#[inline(never)]
fn number(value: &JsValue) -> f64 {
    value.as_f64().unwrap_or(0.0)
}

/// Numbers: JSON numbers are doubles (exact up to 2^53).
macro_rules! numbers {
    ($($t:ty)*) => {$(
        impl Js for $t {
            fn to_js(&self) -> JsValue {
                (*self as f64).into()
            }
            fn from_js(value: &JsValue) -> Option<Self> {
                Some(number(value) as $t)
            }
        }
        impl Lenient for $t {
            fn read(value: &JsValue) -> Self {
                number(value) as $t
            }
        }
    )*};
}
numbers!(u8 u32 u64 i64);

impl<T: Js> Js for Option<T> {
    fn to_js(&self) -> JsValue {
        self.as_ref().map_or(JsValue::UNDEFINED, T::to_js)
    }
    fn from_js(value: &JsValue) -> Option<Self> {
        Some(Self::read(value))
    }
}

/// `None` when absent, `null`, or not a `T`.
impl<T: Js> Lenient for Option<T> {
    fn read(value: &JsValue) -> Self {
        if value.is_undefined() || value.is_null() {
            None
        } else {
            T::from_js(value)
        }
    }
}

/// `items` as a JS list.
pub fn list<T: Js>(items: &[T]) -> JsValue {
    let list = Array::new();
    for item in items {
        list.push(&item.to_js());
    }
    list.into()
}

impl<T: Js> Js for Vec<T> {
    fn to_js(&self) -> JsValue {
        list(self)
    }
    fn from_js(value: &JsValue) -> Option<Self> {
        Some(Self::read(value))
    }
}

/// The items that are `T`s (none when not a list).
impl<T: Js> Lenient for Vec<T> {
    fn read(value: &JsValue) -> Self {
        let mut list = Vec::new();
        each(value, &mut |item| {
            if let Some(item) = T::from_js(item) {
                list.push(item);
            }
        });
        list
    }
}

/// Calls `f` with each item of `value` (none when it is not a list): the
/// one loop every list type's reader shares.
#[inline(never)]
pub fn each(value: &JsValue, f: &mut dyn FnMut(&JsValue)) {
    if let Some(items) = value.dyn_ref::<Array>() {
        for i in 0..items.length() {
            f(&items.get(i));
        }
    }
}

impl<T: Js> Js for Box<T> {
    fn to_js(&self) -> JsValue {
        (**self).to_js()
    }
    fn from_js(value: &JsValue) -> Option<Self> {
        T::from_js(value).map(Box::new)
    }
}

impl<T: Lenient> Lenient for Box<T> {
    fn read(value: &JsValue) -> Self {
        Box::new(T::read(value))
    }
}

/// A pair as a two-element list (`values` of an `AssistRequest`).
impl Js for (String, String) {
    fn to_js(&self) -> JsValue {
        Array::of2(&self.0.to_js(), &self.1.to_js()).into()
    }
    fn from_js(value: &JsValue) -> Option<Self> {
        Some((at(value, 0).as_string()?, at(value, 1).as_string()?))
    }
}

/// A struct as an object, every field listed by its Rust (= wire) name.
macro_rules! record {
    ($($t:ident { $($f:ident),* $(,)? })*) => {$(
        impl Js for $t {
            fn to_js(&self) -> JsValue {
                let o = Object::new();
                $(self.$f.put(&o, stringify!($f));)*
                o.into()
            }
            fn from_js(value: &JsValue) -> Option<Self> {
                value.is_object().then(|| Self::read(value))
            }
        }
        impl Lenient for $t {
            fn read(value: &JsValue) -> Self {
                $t { $($f: Lenient::get(value, stringify!($f)),)* }
            }
        }
    )*};
}

/// A unit enum as its wire name: one table per enum, searched by
/// [`name_of`]; as a struct's field, a name this build does not know reads
/// as the neutral variant given after `else`.
macro_rules! names {
    ($($t:ident { $($v:ident = $n:literal),* $(,)? } else $fb:ident)*) => {$(
        impl Js for $t {
            fn to_js(&self) -> JsValue {
                let table: &[($t, &str)] = &[$(($t::$v, $n)),*];
                JsValue::from_str(table.iter().find(|(v, _)| v == self).map_or("", |(_, n)| n))
            }
            fn from_js(value: &JsValue) -> Option<Self> {
                const NAMES: &[&str] = &[$($n),*];
                const ALL: &[$t] = &[$($t::$v),*];
                name_of(value, NAMES).map(|i| ALL[i])
            }
        }
        impl Lenient for $t {
            fn read(value: &JsValue) -> Self {
                Self::from_js(value).unwrap_or($t::$fb)
            }
        }
    )*};
}

/// The position of `value`'s text in `names`.
#[inline(never)]
fn name_of(value: &JsValue, names: &[&str]) -> Option<usize> {
    let name = value.as_string()?;
    names.iter().position(|n| *n == name)
}

/// An enum tagged by `type` (`{"type": "hello", ...}`), with an optional
/// newtype variant whose struct's fields sit beside the tag.
macro_rules! tagged {
    ($t:ident { $($v:ident = $n:literal { $($f:ident),* }),* $(,)? }
     $(, $nv:ident = $nn:literal ($nt:ident))?) => {
        impl Js for $t {
            #[inline(never)]
            fn to_js(&self) -> JsValue {
                let o = Object::new();
                let kind = match self {
                    $($t::$v { $($f),* } => { $($f.put(&o, stringify!($f));)* $n })*
                    $($t::$nv(inner) => {
                        let o: Object = inner.to_js().unchecked_into();
                        put(&o, "type", $nn.into());
                        return o.into();
                    })?
                };
                put(&o, "type", kind.into());
                o.into()
            }
            #[inline(never)]
            fn from_js(value: &JsValue) -> Option<Self> {
                const NAMES: &[&str] = &[$($n,)* $($nn)?];
                let mut i = name_of(&field(value, "type"), NAMES)?;
                $(if i == 0 {
                    return Some($t::$v { $($f: Lenient::get(value, stringify!($f))),* });
                }
                i -= 1;)*
                $(if i == 0 {
                    return $nt::from_js(value).map($t::$nv);
                })?
                let _ = i;
                None
            }
        }
    };
}

record! {
    ChatContext { page_url, page_title, pages, cart, assist_session, assist_steps,
        verified_orders, campaign, email, email_verified, locale }
    Cart { value_minor, currency, items }
    CartItem { sku, title, quantity }
    ConversationState { id, state, agent, last_seq, agent_read }
    ChatMessage { seq, client_id, author, name, text, at }
    AssistRequest { session, locale, action, values, identity }
    Identity { email, exp, signature, tags, first_name, profile_signature }
    AssistReply { session, echo, said, prompt }
    Said { text, card }
    Card { title, status, tone, facts, link, list_title, list }
    Fact { label, value, at, with_time }
    Link { label, url }
    Prompt { label, form, choices }
    Form { action, fields, submit }
    Field { name, label, kind, hint, error, value, max, options, required }
    Choice { action, label, primary }
    CampaignEvent { campaign, kind, visitor, variant }
    // The widget's own: the live chat saved across pages (`crate::persist`).
    Chat { resume, last_seq, outbox, phase, position, wait, agent, agent_read, campaign, draft }
}

/// A chat's phase, saved as its number ([`Phase::number`]).
impl Js for Phase {
    fn to_js(&self) -> JsValue {
        self.number().into()
    }
    fn from_js(value: &JsValue) -> Option<Self> {
        Some(Self::read(value))
    }
}

impl Lenient for Phase {
    fn read(value: &JsValue) -> Self {
        Phase::from_number(number(value) as u8)
    }
}

names! {
    ConversationStatus { Waiting = "waiting", Active = "active", Closed = "closed" } else Waiting
    Party { Shopper = "shopper", Agent = "agent", System = "system" } else System
    OfflineReason { NoAgentOnline = "no_agent_online", OutsideBusinessHours = "outside_business_hours" }
        else NoAgentOnline
    FieldKind { Text = "text", Email = "email", LongText = "long_text", Select = "select",
        Quantity = "quantity" } else Text
    CampaignEventKind { Shown = "shown", Clicked = "clicked", Dismissed = "dismissed",
        ConversationStarted = "conversation_started" } else Shown
    ProtocolError {
        Malformed = "malformed", TooLarge = "too_large", UnexpectedMessage = "unexpected_message",
        OriginNotAllowed = "origin_not_allowed", TooLong = "too_long", Invalid = "invalid",
        RateLimited = "rate_limited", NotStarted = "not_started",
        AlreadyStarted = "already_started", ConversationClosed = "conversation_closed",
        AlreadyTaken = "already_taken", NotFound = "not_found",
        InvalidRating = "invalid_rating", TooMany = "too_many",
        EmailUnavailable = "email_unavailable", Internal = "internal",
    } else Internal
}

tagged! {
    ClientMessage {
        Hello = "hello" { resume, last_seq },
        Start = "start" { locale, context, resume },
        Send = "send" { client_id, text },
        Typing = "typing" { typing },
        Read = "read" { seq },
        End = "end" {},
        Rate = "rate" { score },
        Ping = "ping" { nonce },
        EmailTranscript = "email_transcript" { email },
    }
}

tagged! {
    ServerMessage {
        Welcome = "welcome" { protocol, conversation },
        Started = "started" { conversation, resume },
        Queue = "queue" { position, expected_wait_seconds, agents_online },
        Offline = "offline" { reason, text },
        Ack = "ack" { client_id, seq },
        Typing = "typing" { typing, name },
        Read = "read" { seq },
        AgentJoined = "agent_joined" { name },
        Closed = "closed" { by, rate },
        Rated = "rated" { score },
        Pong = "pong" { nonce },
        TranscriptQueued = "transcript_queued" { email },
        Error = "error" { code, message },
    },
    Message = "message" (ChatMessage)
}
