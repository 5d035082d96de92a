//! JavaScript values as the host holds them.

use std::rc::Rc;

use super::bigint::BigInt;
use super::object_id::ObjectId;
use super::string::JsString;

/// A JS value. Objects and symbols live in the heap and are named by id; everything else is
/// held by value (strings and BigInts share their storage).
#[derive(Debug, Clone)]
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
    /// Whether dropping it lets go of memory (a string's, a BigInt's): the other kinds are
    /// plain words. Every kind is named, so that a new one must say which it is: the handle
    /// stack and a call's frame forget, without dropping, values this answers false for.
    #[inline(always)]
    pub fn owns_memory(&self) -> bool {
        match self {
            Value::String(_) | Value::BigInt(_) => true,
            Value::Undefined | Value::Null | Value::Bool(_) | Value::Number(_) | Value::Symbol(_) | Value::Object(_) => false,
        }
    }

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clone_shares_the_storage_of_strings_and_bigints_and_gives_it_back_when_dropped() {
        let text: Rc<str> = "shared".into();
        let units: Rc<[u16]> = vec![0xd800u16, 0x61].into();
        let big = Rc::new(BigInt::new(true, vec![1, 2]));
        let values =
            [Value::String(JsString::Text(text.clone())), Value::String(JsString::Units(units.clone())), Value::BigInt(big.clone())];
        let copies: Vec<Value> = values.iter().map(Value::clone).collect();
        assert_eq!(
            (Rc::strong_count(&text), Rc::strong_count(&units), Rc::strong_count(&big)),
            (3, 3, 3),
            "the value and its copy each hold a share"
        );
        match (&copies[0], &copies[1], &copies[2]) {
            (Value::String(JsString::Text(t)), Value::String(JsString::Units(u)), Value::BigInt(b)) => {
                assert!(Rc::ptr_eq(t, &text) && Rc::ptr_eq(u, &units) && Rc::ptr_eq(b, &big), "a copy shares the storage");
            }
            other => panic!("copies of another kind: {other:?}"),
        }
        drop(copies);
        assert_eq!((Rc::strong_count(&text), Rc::strong_count(&units), Rc::strong_count(&big)), (2, 2, 2));
        drop(values);
        assert_eq!((Rc::strong_count(&text), Rc::strong_count(&units), Rc::strong_count(&big)), (1, 1, 1));
    }

    #[test]
    fn a_clone_of_a_scalar_or_a_heap_reference_is_the_same_value() {
        let id = ObjectId::from_bits(0x0000_0007_0000_0002);
        for v in [Value::Undefined, Value::Null, Value::Bool(true), Value::Number(-2.5), Value::Symbol(id), Value::Object(id)] {
            assert_eq!(format!("{:?}", v.clone()), format!("{v:?}"));
        }
    }
}
