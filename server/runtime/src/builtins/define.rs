//! How a built-in is put on an object beyond what the realm's `Builder` does itself: a method
//! under a symbol key, a getter, a prototype's `Symbol.toStringTag`, a constructor's
//! `Symbol.species`.

use super::super::object::BuiltinFn;
use super::super::object_id::ObjectId;
use super::super::property::{Property, PropertyKey, Slot};
use super::super::realm::{Builder, Realm};
use super::super::value::Value;
use super::super::{JsResult, Runtime};

/// Defines a method under a symbol key (`[Symbol.iterator]`), named as V8 names it.
pub(super) fn symbol_method(b: &mut Builder, target: ObjectId, symbol: ObjectId, name: &str, length: u32, f: BuiltinFn) -> ObjectId {
    let func = b.function(name, length, f);
    b.heap.put(target, PropertyKey::Symbol(symbol), Property::hidden(Value::Object(func)));
    func
}

/// Defines a getter-only accessor (`Set.prototype.size`), not enumerable, as the spec's are.
pub(super) fn getter(b: &mut Builder, target: ObjectId, name: &str, f: BuiltinFn) {
    let func = b.function(&format!("get {name}"), 0, f);
    let slot = Slot::Accessor { get: Some(func), set: None };
    b.heap.put(target, PropertyKey::name(name), Property { slot, writable: false, enumerable: false, configurable: true });
}

/// `target[Symbol.toStringTag] = tag`, read-only as on every built-in prototype.
pub(super) fn to_string_tag(b: &mut Builder, realm: &Realm, target: ObjectId, tag: &str) {
    let p = Property { writable: false, ..Property::hidden(Value::str(tag)) };
    b.heap.put(target, PropertyKey::Symbol(realm.symbol_to_string_tag), p);
}

/// `get [Symbol.species]() { return this }` on a constructor.
pub(super) fn species_getter(b: &mut Builder, realm: &Realm, ctor: ObjectId) {
    let func = b.function("get [Symbol.species]", 0, return_this);
    let slot = Slot::Accessor { get: Some(func), set: None };
    let p = Property { slot, writable: false, enumerable: false, configurable: true };
    b.heap.put(ctor, PropertyKey::Symbol(realm.symbol_species), p);
}

/// `return this`: a constructor's species getter, an iterator's `[Symbol.iterator]`.
pub(super) fn return_this(_: &Runtime, this: Value, _: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    Ok(this)
}
