//! A serde `Deserializer` over `JsValue`s, the values `JSON.parse` and
//! `response.json()` return, so the widget decodes `aisle-core` types with
//! their ordinary serde derives.
//!
//! Why not `serde-wasm-bindgen::from_value`: its errors format serde's messages
//! (`invalid type: floating point 1.5, expected u32`), which links float and
//! `Debug` string formatting into the bundle — 13.6 KB of its 90 KB brotli
//! budget, measured. Here errors carry no message ([`Invalid`]); the widget
//! only needs to know that a value did not decode. Encoding is in
//! [`crate::encode`].

use js_sys::{Array, Object};
use serde::de::{
    self, DeserializeOwned, DeserializeSeed, EnumAccess, IntoDeserializer, MapAccess, SeqAccess,
    VariantAccess, Visitor,
};
use std::fmt;
use wasm_bindgen::{JsCast, JsValue};

/// A value did not have the shape of the type asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Invalid;

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("invalid data")
    }
}

impl std::error::Error for Invalid {}

impl de::Error for Invalid {
    // The message is dropped unformatted: that is the point of this module.
    fn custom<T: fmt::Display>(_message: T) -> Self {
        Invalid
    }
}

/// Decodes `value` as a `T`.
pub fn from_js<T: DeserializeOwned>(value: JsValue) -> Result<T, Invalid> {
    T::deserialize(Value(value))
}

/// Largest integer a JS number holds exactly (2^53 − 1).
const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

/// One JS value, seen by serde.
struct Value(JsValue);

impl<'de> de::Deserializer<'de> for Value {
    type Error = Invalid;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Invalid> {
        let js = self.0;
        if js.is_null() || js.is_undefined() {
            visitor.visit_unit()
        } else if let Some(b) = js.as_bool() {
            visitor.visit_bool(b)
        } else if let Some(n) = js.as_f64() {
            if n.fract() == 0.0 && n.abs() <= MAX_SAFE_INTEGER {
                if n >= 0.0 {
                    visitor.visit_u64(n as u64)
                } else {
                    visitor.visit_i64(n as i64)
                }
            } else {
                visitor.visit_f64(n)
            }
        } else if let Some(s) = js.as_string() {
            visitor.visit_string(s)
        } else if Array::is_array(&js) {
            visitor.visit_seq(Seq {
                items: js.unchecked_into(),
                next: 0,
            })
        } else if js.is_object() {
            let entries = Object::entries(js.unchecked_ref());
            visitor.visit_map(Map {
                entries,
                next: 0,
                value: None,
            })
        } else {
            Err(Invalid)
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Invalid> {
        if self.0.is_null() || self.0.is_undefined() {
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Invalid> {
        visitor.visit_newtype_struct(self)
    }

    /// `"variant"` for unit variants, `{"variant": content}` for the others
    /// (serde's external tagging, as the server and `serde-wasm-bindgen` write it).
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Invalid> {
        if let Some(variant) = self.0.as_string() {
            return visitor.visit_enum(Enum {
                variant,
                content: None,
            });
        }
        if !self.0.is_object() || Array::is_array(&self.0) {
            return Err(Invalid);
        }
        let entries = Object::entries(self.0.unchecked_ref());
        if entries.length() != 1 {
            return Err(Invalid);
        }
        let entry: Array = entries.get(0).unchecked_into();
        let variant = entry.get(0).as_string().ok_or(Invalid)?;
        visitor.visit_enum(Enum {
            variant,
            content: Some(entry.get(1)),
        })
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple tuple_struct map struct identifier ignored_any
    }
}

struct Seq {
    items: Array,
    next: u32,
}

impl<'de> SeqAccess<'de> for Seq {
    type Error = Invalid;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Invalid> {
        if self.next >= self.items.length() {
            return Ok(None);
        }
        let item = self.items.get(self.next);
        self.next += 1;
        seed.deserialize(Value(item)).map(Some)
    }
}

struct Map {
    /// `Object.entries(...)`: `[key, value]` pairs.
    entries: Array,
    next: u32,
    value: Option<JsValue>,
}

impl<'de> MapAccess<'de> for Map {
    type Error = Invalid;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Invalid> {
        if self.next >= self.entries.length() {
            return Ok(None);
        }
        let entry: Array = self.entries.get(self.next).unchecked_into();
        self.next += 1;
        self.value = Some(entry.get(1));
        seed.deserialize(Value(entry.get(0))).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Invalid> {
        seed.deserialize(Value(self.value.take().ok_or(Invalid)?))
    }
}

struct Enum {
    variant: String,
    content: Option<JsValue>,
}

impl<'de> EnumAccess<'de> for Enum {
    type Error = Invalid;
    type Variant = Variant;

    fn variant_seed<V: DeserializeSeed<'de>>(
        self,
        seed: V,
    ) -> Result<(V::Value, Variant), Invalid> {
        let name: de::value::StringDeserializer<Invalid> = self.variant.into_deserializer();
        Ok((seed.deserialize(name)?, Variant(self.content)))
    }
}

struct Variant(Option<JsValue>);

impl<'de> VariantAccess<'de> for Variant {
    type Error = Invalid;

    fn unit_variant(self) -> Result<(), Invalid> {
        match self.0 {
            None => Ok(()),
            Some(v) if v.is_null() || v.is_undefined() => Ok(()),
            Some(_) => Err(Invalid),
        }
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, Invalid> {
        seed.deserialize(Value(self.0.ok_or(Invalid)?))
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, Invalid> {
        de::Deserializer::deserialize_any(Value(self.0.ok_or(Invalid)?), visitor)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Invalid> {
        de::Deserializer::deserialize_any(Value(self.0.ok_or(Invalid)?), visitor)
    }
}
