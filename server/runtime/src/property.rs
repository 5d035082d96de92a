//! Property keys and property slots.

use super::object_id::ObjectId;
use super::string::JsString;
use super::value::Value;

/// A property key. Canonical array-index strings ("0" .. "4294967294") are always held as
/// `Index`, so that `obj[1]` and `obj["1"]` name the same property and keys list in JS order.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum PropertyKey {
    Index(u32),
    String(JsString),
    Symbol(ObjectId),
}

impl PropertyKey {
    pub fn from_string(s: JsString) -> PropertyKey {
        match s.as_str().and_then(array_index) {
            Some(i) => PropertyKey::Index(i),
            None => PropertyKey::String(s),
        }
    }

    pub fn name(s: &str) -> PropertyKey {
        PropertyKey::from_string(s.into())
    }

    /// The key as a JS value (indices become strings, as `Reflect.ownKeys` gives them).
    pub fn to_value(&self) -> Value {
        match self {
            PropertyKey::Index(i) => Value::String(i.to_string().into()),
            PropertyKey::String(s) => Value::String(s.clone()),
            PropertyKey::Symbol(id) => Value::Symbol(*id),
        }
    }
}

/// Parses a canonical array index: no sign, no leading zeros, below 2^32 - 1.
fn array_index(s: &str) -> Option<u32> {
    if s.is_empty() || s.len() > 10 || (s.len() > 1 && s.starts_with('0')) {
        return None;
    }
    if !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: u64 = s.parse().ok()?;
    (n < u32::MAX as u64).then_some(n as u32)
}

/// What a property holds.
#[derive(Clone, Debug)]
pub enum Slot {
    Data(Value),
    Accessor { get: Option<ObjectId>, set: Option<ObjectId> },
}

#[derive(Clone, Debug)]
pub struct Property {
    pub slot: Slot,
    /// Ignored for accessors.
    pub writable: bool,
    pub enumerable: bool,
    pub configurable: bool,
}

impl Property {
    /// What plain assignment creates: writable, enumerable, configurable.
    pub fn data(value: Value) -> Property {
        Property { slot: Slot::Data(value), writable: true, enumerable: true, configurable: true }
    }

    /// What built-ins use for methods and internal links: writable, configurable, not enumerable.
    pub fn hidden(value: Value) -> Property {
        Property { slot: Slot::Data(value), writable: true, enumerable: false, configurable: true }
    }
}

/// A property descriptor as `Object.defineProperty` takes it: absent fields are `None`.
#[derive(Clone, Debug, Default)]
pub struct Descriptor {
    pub value: Option<Value>,
    pub get: Option<Option<ObjectId>>,
    pub set: Option<Option<ObjectId>>,
    pub writable: Option<bool>,
    pub enumerable: Option<bool>,
    pub configurable: Option<bool>,
}

impl Descriptor {
    /// A complete data descriptor, writable, enumerable and configurable: what
    /// `CreateDataProperty` defines (`Property::data` as a descriptor).
    pub fn data(value: Value) -> Descriptor {
        Descriptor { value: Some(value), writable: Some(true), enumerable: Some(true), configurable: Some(true), get: None, set: None }
    }

    pub fn is_accessor(&self) -> bool {
        self.get.is_some() || self.set.is_some()
    }
}
