//! JavaScript values as the host holds them.

use std::rc::Rc;

use super::bigint::BigInt;
use super::heap::ObjectId;
use super::string::JsString;

/// A JS value. Objects and symbols live in the heap and are named by id; everything else is
/// held by value (strings and BigInts share their storage).
#[derive(Clone, Debug)]
pub enum Value {
    Undefined,
    Null,
    Bool(bool),
    Number(f64),
    String(JsString),
    BigInt(Rc<BigInt>),
    /// Symbols have identity, so they live in the heap like objects.
    Symbol(ObjectId),
    Object(ObjectId),
}

/// The answer of `typeof`, plus `null` (which `typeof` folds into "object") so callers can
/// match once. `napi_typeof` maps these one to one onto `napi_valuetype`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Type {
    Undefined,
    Null,
    Boolean,
    Number,
    String,
    Symbol,
    Object,
    Function,
    External,
    BigInt,
}

impl Value {
    pub fn str(s: &str) -> Value {
        Value::String(s.into())
    }

    pub fn as_object(&self) -> Option<ObjectId> {
        match self {
            Value::Object(id) => Some(*id),
            _ => None,
        }
    }

    pub fn is_nullish(&self) -> bool {
        matches!(self, Value::Undefined | Value::Null)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

impl From<f64> for Value {
    fn from(n: f64) -> Self {
        Value::Number(n)
    }
}

impl From<JsString> for Value {
    fn from(s: JsString) -> Self {
        Value::String(s)
    }
}

impl From<ObjectId> for Value {
    fn from(id: ObjectId) -> Self {
        Value::Object(id)
    }
}
