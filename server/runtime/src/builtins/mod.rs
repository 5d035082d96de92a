//! Host built-ins: the JavaScript library functions addons reach through Node-API and the global.
//!
//! Each takes `(runtime, this, args, new_target)`; `new_target` is set when called with `new`.

mod array;
mod array_callbacks;
mod array_mutate;
mod bigint;
mod boolean;
mod buffer;
pub mod coerce;
pub mod collections;
mod date;
mod date_parse;
pub mod date_time;
mod error;
pub mod function;
pub mod iterator;
mod json;
mod json_parse;
mod math;
mod node_globals;
mod number;
mod object;
mod object_define;
mod object_integrity;
mod object_own;
mod promise;
mod promise_combinators;
mod proxy;
mod reflect;
mod regexp;
mod string;
mod string_regexp;
mod symbol;
mod typed_array;
mod typed_array_methods;
pub mod weak;
mod weak_ref;

use super::object::{BuiltinFn, ObjectClass};
use super::object_id::ObjectId;
use super::property::{Property, PropertyKey, Slot};
use super::realm::{Builder, Realm};
use super::value::Value;
use super::{JsResult, Runtime};

/// `Function.prototype` itself: callable, does nothing.
pub fn noop(_: &Runtime, _: Value, _: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    Ok(Value::Undefined)
}

/// The `i`th argument or `undefined`.
fn arg(args: &[Value], i: usize) -> Value {
    args.get(i).cloned().unwrap_or(Value::Undefined)
}

pub fn install(b: &mut Builder, realm: &Realm) {
    b.value(realm.global, "globalThis", Value::Object(realm.global));
    let object = object::install(b, realm);
    object_define::install(b, object);
    object_own::install(b, object);
    object_integrity::install(b, object);
    function::install(b, realm);
    array::install(b, realm);
    array_callbacks::install(b, realm);
    array_mutate::install(b, realm);
    reflect::install(b, realm);
    proxy::install(b, realm);
    error::install(b, realm);
    symbol::install(b, realm);
    boolean::install(b, realm);
    number::install(b, realm);
    bigint::install(b, realm);
    math::install(b, realm);
    string::install(b, realm);
    string_regexp::install(b, realm);
    regexp::install(b, realm);
    date::install(b, realm);
    json::install(b, realm);
    iterator::install(b, realm);
    collections::install(b, realm);
    weak::install(b, realm);
    weak_ref::install(b, realm);
    typed_array::install(b, realm);
    buffer::install(b, realm);
    typed_array_methods::install(b, realm);
    promise::install(b, realm);
    node_globals::install(b, realm);
}

/// Gives `obj` the prototype of `new_target.prototype` (when that is an object): what
/// `OrdinaryCreateFromConstructor` does for built-in constructors called through a subclass.
fn adopt_prototype(rt: &Runtime, obj: ObjectId, new_target: ObjectId) -> JsResult<()> {
    if let Value::Object(p) = rt.get_named(&Value::Object(new_target), "prototype")? {
        rt.set_prototype(obj, Some(p))?;
    }
    Ok(())
}

/// `get [Symbol.species]() { return this }` on a constructor.
fn species_getter(b: &mut Builder, realm: &Realm, ctor: ObjectId) {
    let func = b.function("get [Symbol.species]", 0, return_this);
    let slot = Slot::Accessor { get: Some(func), set: None };
    let p = Property { slot, writable: false, enumerable: false, configurable: true };
    b.heap.put(ctor, PropertyKey::Symbol(realm.symbol_species), p);
}

fn return_this(_: &Runtime, this: Value, _: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    Ok(this)
}

/// Defines a method under a symbol key (`[Symbol.iterator]`), named as V8 names it.
fn symbol_method(b: &mut Builder, target: ObjectId, symbol: ObjectId, name: &str, length: u32, f: BuiltinFn) -> ObjectId {
    let func = b.function(name, length, f);
    b.heap.put(target, PropertyKey::Symbol(symbol), Property::hidden(Value::Object(func)));
    func
}

/// Defines a getter-only accessor (`Set.prototype.size`), not enumerable, as the spec's are.
fn getter(b: &mut Builder, target: ObjectId, name: &str, f: BuiltinFn) {
    let func = b.function(&format!("get {name}"), 0, f);
    let slot = Slot::Accessor { get: Some(func), set: None };
    b.heap.put(target, PropertyKey::name(name), Property { slot, writable: false, enumerable: false, configurable: true });
}

/// `target[Symbol.toStringTag] = tag`, read-only as on every built-in prototype.
fn to_string_tag(b: &mut Builder, realm: &Realm, target: ObjectId, tag: &str) {
    let p = Property { writable: false, ..Property::hidden(Value::str(tag)) };
    b.heap.put(target, PropertyKey::Symbol(realm.symbol_to_string_tag), p);
}

/// How V8 shows a value inside a TypeError message ("... incompatible receiver #<Object>",
/// "Property description must be an object: 1"): never calls into JS.
fn describe(rt: &Runtime, v: &Value) -> String {
    rt.describe(v)
}

/// How V8 names a value it could not call or iterate when it has no source text to quote:
/// `number 5`, `string "a"`, `object`.
fn describe_operand(rt: &Runtime, v: &Value) -> String {
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
fn not_a_function(rt: &Runtime, v: &Value) -> super::Thrown {
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
fn require_callable(rt: &Runtime, v: &Value) -> JsResult<()> {
    if rt.is_callable(v) {
        Ok(())
    } else {
        Err(not_a_function(rt, v))
    }
}

/// The id a value is held under by WeakMap, WeakSet, WeakRef and FinalizationRegistry, if it
/// can be held weakly (`CanBeHeldWeakly`): an object, or a symbol that `Symbol.for` did not make
/// (registered symbols live forever, so V8 refuses them).
fn held_weakly_as(rt: &Runtime, v: &Value) -> Option<ObjectId> {
    match v {
        Value::Object(id) => Some(*id),
        Value::Symbol(id) if rt.symbol_key(*id).is_none() => Some(*id),
        _ => None,
    }
}

/// The class of a live object, for brand checks that must not hold the heap borrow.
fn class_of(rt: &Runtime, v: &Value) -> Option<ObjectClass> {
    let Value::Object(id) = v else { return None };
    rt.heap.borrow().get(*id).map(|o| o.class.clone())
}
