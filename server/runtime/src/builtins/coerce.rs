//! The abstract operations built-ins share on their arguments and receivers (ECMA-262 7.1-7.3):
//! `ToIntegerOrInfinity`, `ToLength`, `LengthOfArrayLike`, relative indices, `Set`/`Delete`
//! that throw, and the receiver checks with V8's messages; the `i`th argument, how V8 names a
//! value in a message, and the checks of a callback, a brand and what may be held weakly.

use super::super::number::number_to_string;
use super::super::object::ObjectClass;
use super::super::object_id::ObjectId;
use super::super::property::PropertyKey;
use super::super::string::JsString;
use super::super::value::Value;
use super::super::{JsResult, Runtime, Thrown};

/// 2^53 - 1, the largest length an array-like may have.
pub const MAX_SAFE: f64 = 9007199254740991.0;

/// `ToIntegerOrInfinity`: NaN is 0, otherwise truncated towards zero (-0 becomes +0).
pub fn to_integer(rt: &Runtime, v: &Value) -> JsResult<f64> {
    let n = rt.to_number(v)?;
    Ok(integer_of(n))
}

/// `ToIntegerOrInfinity` of a number.
pub fn integer_of(n: f64) -> f64 {
    if n.is_nan() {
        0.0
    } else {
        n.trunc() + 0.0
    }
}

/// `ToLength`: an integer clamped to 0..2^53-1.
pub fn to_length(rt: &Runtime, v: &Value) -> JsResult<f64> {
    Ok(to_integer(rt, v)?.clamp(0.0, MAX_SAFE))
}

/// `LengthOfArrayLike(obj)`.
pub fn length_of(rt: &Runtime, obj: &Value) -> JsResult<f64> {
    let len = rt.get_named(obj, "length")?;
    to_length(rt, &len)
}

/// A relative index argument (`slice`, `at`, `fill`...): negative counts from `len`, then
/// clamped to 0..len; `undefined` is `default`.
pub fn relative_index(rt: &Runtime, v: Option<&Value>, len: f64, default: f64) -> JsResult<f64> {
    let n = match v {
        None | Some(Value::Undefined) => return Ok(default),
        Some(v) => to_integer(rt, v)?,
    };
    Ok(if n < 0.0 { (len + n).max(0.0) } else { n.min(len) })
}

/// The property key of array index `i` (indices past 2^32 - 2 are ordinary string keys).
pub fn index_key(i: f64) -> PropertyKey {
    if i < u32::MAX as f64 {
        PropertyKey::Index(i as u32)
    } else {
        PropertyKey::String(number_to_string(i).into())
    }
}

/// `Get(O, ToString(i))`.
pub fn get_index(rt: &Runtime, obj: &Value, i: f64) -> JsResult<Value> {
    rt.get(obj, &index_key(i))
}

/// `HasProperty(O, ToString(i))`.
pub fn has_index(rt: &Runtime, obj: ObjectId, i: f64) -> JsResult<bool> {
    rt.has(obj, &index_key(i))
}

/// `Set(O, P, V, true)`: a refused write throws V8's TypeError.
pub fn put(rt: &Runtime, obj: &Value, key: PropertyKey, v: Value) -> JsResult<()> {
    rt.set_strict(obj, key, v)
}

/// `DeletePropertyOrThrow`.
pub fn delete_or_throw(rt: &Runtime, obj: ObjectId, key: &PropertyKey) -> JsResult<()> {
    if rt.delete(obj, key)? {
        return Ok(());
    }
    let name = rt.key_display(key);
    Err(rt.type_error(format!("Cannot delete property '{name}' of {}", describe(rt, &Value::Object(obj)))))
}

/// `RequireObjectCoercible(this)` then `ToString`, as the `String.prototype` methods begin.
pub fn this_string(rt: &Runtime, this: &Value, method: &str) -> JsResult<JsString> {
    if this.is_nullish() {
        return Err(rt.type_error(format!("String.prototype.{method} called on null or undefined")));
    }
    rt.to_string(this)
}

/// `ToObject(this)` with the message of the `Array.prototype` methods.
pub fn this_object(rt: &Runtime, this: &Value, method: &str) -> JsResult<ObjectId> {
    rt.to_object(this).ok_or_else(|| rt.type_error(format!("{method} called on null or undefined")))
}

/// The number an argument gives, `undefined` reading as `default`.
pub fn number_or(rt: &Runtime, v: Option<&Value>, default: f64) -> JsResult<f64> {
    match v {
        None | Some(Value::Undefined) => Ok(default),
        Some(v) => rt.to_number(v),
    }
}

/// A string from UTF-16 units.
pub fn units_value(units: &[u16]) -> Value {
    Value::String(JsString::from_utf16(units))
}

/// `IsArray`.
pub fn is_array(rt: &Runtime, v: &Value) -> JsResult<bool> {
    rt.is_array_value(v)
}

/// The `i`th argument or `undefined`.
pub(super) fn arg(args: &[Value], i: usize) -> Value {
    args.get(i).cloned().unwrap_or(Value::Undefined)
}

/// How V8 shows a value inside a TypeError message ("... incompatible receiver #<Object>",
/// "Property description must be an object: 1"): never calls into JS.
pub(super) fn describe(rt: &Runtime, v: &Value) -> String {
    rt.describe(v)
}

/// How V8 names a value it could not call or iterate when it has no source text to quote:
/// `number 5`, `string "a"`, `object`.
pub(super) fn describe_operand(rt: &Runtime, v: &Value) -> String {
    match v {
        Value::Object(_) => rt.typeof_string(v).to_string(),
        Value::String(s) => format!("string \"{s}\""),
        Value::Symbol(s) => format!("symbol {}", rt.symbol_display(*s)),
        Value::Undefined | Value::Null => v.to_display(rt),
        other => format!("{} {}", rt.typeof_string(other), other.to_display(rt)),
    }
}

/// V8 13's TypeError for a callback argument it cannot call: `number 5 is not a function`,
/// `string "a" ...`, `object null ...`, and just the type for objects, symbols and BigInts.
fn not_a_function(rt: &Runtime, v: &Value) -> Thrown {
    let what = match v {
        Value::Undefined => "undefined".to_string(),
        Value::Null => "object null".to_string(),
        Value::String(s) => format!("string \"{s}\""),
        Value::Number(_) | Value::Bool(_) => format!("{} {}", rt.typeof_string(v), v.to_display(rt)),
        other => rt.typeof_string(other).to_string(),
    };
    rt.type_error(format!("{what} is not a function"))
}

/// The callback argument of `forEach`-style methods, or V8's TypeError.
pub(super) fn require_callable(rt: &Runtime, v: &Value) -> JsResult<()> {
    if rt.is_callable(v) {
        Ok(())
    } else {
        Err(not_a_function(rt, v))
    }
}

/// The class of a live object, for brand checks that must not hold the heap borrow.
pub(super) fn class_of(rt: &Runtime, v: &Value) -> Option<ObjectClass> {
    let Value::Object(id) = v else { return None };
    rt.heap.borrow().get(*id).map(|o| o.class.clone())
}

/// The id a value is held under by WeakMap, WeakSet, WeakRef and FinalizationRegistry, if it
/// can be held weakly (`CanBeHeldWeakly`): an object, or a symbol that `Symbol.for` did not make
/// (registered symbols live forever, so V8 refuses them).
pub(super) fn held_weakly_as(rt: &Runtime, v: &Value) -> Option<ObjectId> {
    match v {
        Value::Object(id) => Some(*id),
        Value::Symbol(id) if rt.symbol_key(*id).is_none() => Some(*id),
        _ => None,
    }
}

/// Gives `obj` the prototype of `new_target.prototype` (when that is an object): what
/// `OrdinaryCreateFromConstructor` does for built-in constructors called through a subclass.
pub(super) fn adopt_prototype(rt: &Runtime, obj: ObjectId, new_target: ObjectId) -> JsResult<()> {
    if let Value::Object(p) = rt.get_named(&Value::Object(new_target), "prototype")? {
        rt.set_prototype(obj, Some(p))?;
    }
    Ok(())
}
