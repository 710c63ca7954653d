//! A serde `Serializer` to `JsValue`s, the counterpart of [`crate::decode`]:
//! the widget encodes request bodies and its saved state with the ordinary
//! serde derives, in serde's usual JSON shapes (structs as objects, unit
//! variants as strings, other variants as `{"Variant": content}`).
//!
//! Why not `serde-wasm-bindgen::to_value`: it carries a string cache (indexmap,
//! hashbrown) and formatted errors the widget does not need, ~10 KB of wasm.
//! Encoding our own types cannot fail except on shapes they do not have (maps
//! with non-string keys), reported as [`Unsupported`].

use js_sys::{Array, Object, Reflect};
use serde::ser::{self, Serialize};
use std::fmt;
use wasm_bindgen::JsValue;

/// A value has a shape JSON cannot hold (a map with non-string keys).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unsupported;

impl fmt::Display for Unsupported {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("unsupported value")
    }
}

impl std::error::Error for Unsupported {}

impl ser::Error for Unsupported {
    fn custom<T: fmt::Display>(_message: T) -> Self {
        Unsupported
    }
}

/// Encodes `value` as a plain JS value (ready for `JSON.stringify`).
pub fn to_js<T: Serialize + ?Sized>(value: &T) -> Result<JsValue, Unsupported> {
    value.serialize(Encoder)
}

fn set(object: &Object, key: &str, value: &JsValue) {
    // Setting a property on a fresh plain object cannot fail.
    let _ = Reflect::set(object, &JsValue::from_str(key), value);
}

/// `{variant: content}`.
fn tagged(variant: &str, content: &JsValue) -> JsValue {
    let object = Object::new();
    set(&object, variant, content);
    object.into()
}

struct Encoder;

impl ser::Serializer for Encoder {
    type Ok = JsValue;
    type Error = Unsupported;
    type SerializeSeq = Seq;
    type SerializeTuple = Seq;
    type SerializeTupleStruct = Seq;
    type SerializeTupleVariant = TupleVariant;
    type SerializeMap = Map;
    type SerializeStruct = Struct;
    type SerializeStructVariant = StructVariant;

    fn serialize_bool(self, v: bool) -> Result<JsValue, Unsupported> {
        Ok(JsValue::from_bool(v))
    }
    fn serialize_i8(self, v: i8) -> Result<JsValue, Unsupported> {
        self.serialize_f64(v.into())
    }
    fn serialize_i16(self, v: i16) -> Result<JsValue, Unsupported> {
        self.serialize_f64(v.into())
    }
    fn serialize_i32(self, v: i32) -> Result<JsValue, Unsupported> {
        self.serialize_f64(v.into())
    }
    fn serialize_i64(self, v: i64) -> Result<JsValue, Unsupported> {
        // Values beyond 2^53 lose precision, as they would in JSON.parse.
        self.serialize_f64(v as f64)
    }
    fn serialize_u8(self, v: u8) -> Result<JsValue, Unsupported> {
        self.serialize_f64(v.into())
    }
    fn serialize_u16(self, v: u16) -> Result<JsValue, Unsupported> {
        self.serialize_f64(v.into())
    }
    fn serialize_u32(self, v: u32) -> Result<JsValue, Unsupported> {
        self.serialize_f64(v.into())
    }
    fn serialize_u64(self, v: u64) -> Result<JsValue, Unsupported> {
        self.serialize_f64(v as f64)
    }
    fn serialize_f32(self, v: f32) -> Result<JsValue, Unsupported> {
        self.serialize_f64(v.into())
    }
    fn serialize_f64(self, v: f64) -> Result<JsValue, Unsupported> {
        Ok(JsValue::from_f64(v))
    }
    fn serialize_char(self, v: char) -> Result<JsValue, Unsupported> {
        Ok(JsValue::from_str(v.encode_utf8(&mut [0; 4])))
    }
    fn serialize_str(self, v: &str) -> Result<JsValue, Unsupported> {
        Ok(JsValue::from_str(v))
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<JsValue, Unsupported> {
        Ok(v.iter()
            .map(|b| JsValue::from_f64((*b).into()))
            .collect::<Array>()
            .into())
    }
    fn serialize_none(self) -> Result<JsValue, Unsupported> {
        Ok(JsValue::NULL)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<JsValue, Unsupported> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<JsValue, Unsupported> {
        Ok(JsValue::NULL)
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<JsValue, Unsupported> {
        Ok(JsValue::NULL)
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<JsValue, Unsupported> {
        Ok(JsValue::from_str(variant))
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<JsValue, Unsupported> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<JsValue, Unsupported> {
        Ok(tagged(variant, &value.serialize(Encoder)?))
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Seq, Unsupported> {
        Ok(Seq(Array::new()))
    }
    fn serialize_tuple(self, _len: usize) -> Result<Seq, Unsupported> {
        Ok(Seq(Array::new()))
    }
    fn serialize_tuple_struct(self, _: &'static str, _len: usize) -> Result<Seq, Unsupported> {
        Ok(Seq(Array::new()))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<TupleVariant, Unsupported> {
        Ok(TupleVariant(variant, Array::new()))
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Map, Unsupported> {
        Ok(Map {
            object: Object::new(),
            key: None,
        })
    }
    fn serialize_struct(self, _: &'static str, _len: usize) -> Result<Struct, Unsupported> {
        Ok(Struct(Object::new()))
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<StructVariant, Unsupported> {
        Ok(StructVariant(variant, Object::new()))
    }
}

struct Seq(Array);

impl ser::SerializeSeq for Seq {
    type Ok = JsValue;
    type Error = Unsupported;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Unsupported> {
        self.0.push(&value.serialize(Encoder)?);
        Ok(())
    }
    fn end(self) -> Result<JsValue, Unsupported> {
        Ok(self.0.into())
    }
}

impl ser::SerializeTuple for Seq {
    type Ok = JsValue;
    type Error = Unsupported;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Unsupported> {
        ser::SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> Result<JsValue, Unsupported> {
        ser::SerializeSeq::end(self)
    }
}

impl ser::SerializeTupleStruct for Seq {
    type Ok = JsValue;
    type Error = Unsupported;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Unsupported> {
        ser::SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> Result<JsValue, Unsupported> {
        ser::SerializeSeq::end(self)
    }
}

struct TupleVariant(&'static str, Array);

impl ser::SerializeTupleVariant for TupleVariant {
    type Ok = JsValue;
    type Error = Unsupported;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Unsupported> {
        self.1.push(&value.serialize(Encoder)?);
        Ok(())
    }
    fn end(self) -> Result<JsValue, Unsupported> {
        Ok(tagged(self.0, &self.1))
    }
}

struct Map {
    object: Object,
    key: Option<String>,
}

impl ser::SerializeMap for Map {
    type Ok = JsValue;
    type Error = Unsupported;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Unsupported> {
        self.key = Some(key.serialize(Encoder)?.as_string().ok_or(Unsupported)?);
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Unsupported> {
        let key = self.key.take().ok_or(Unsupported)?;
        set(&self.object, &key, &value.serialize(Encoder)?);
        Ok(())
    }
    fn end(self) -> Result<JsValue, Unsupported> {
        Ok(self.object.into())
    }
}

struct Struct(Object);

impl ser::SerializeStruct for Struct {
    type Ok = JsValue;
    type Error = Unsupported;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Unsupported> {
        set(&self.0, key, &value.serialize(Encoder)?);
        Ok(())
    }
    fn end(self) -> Result<JsValue, Unsupported> {
        Ok(self.0.into())
    }
}

struct StructVariant(&'static str, Object);

impl ser::SerializeStructVariant for StructVariant {
    type Ok = JsValue;
    type Error = Unsupported;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Unsupported> {
        set(&self.1, key, &value.serialize(Encoder)?);
        Ok(())
    }
    fn end(self) -> Result<JsValue, Unsupported> {
        Ok(tagged(self.0, &self.1))
    }
}
