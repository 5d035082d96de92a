//! `Object`, its remaining statics (`keys`, `is`, `getPrototypeOf`, descriptors, `fromEntries`,
//! `hasOwn`) and `Object.prototype`. The statics that define, list or seal properties are in
//! `object_define`, `object_own` and `object_integrity`.

use super::super::object::ObjectClass;
use super::super::object_id::ObjectId;
use super::super::property::{Descriptor, Property, PropertyKey, Slot};
use super::super::realm::{Builder, Realm};
use super::super::value::Value;
use super::super::{JsResult, Runtime};
use super::coerce::{adopt_prototype, arg, describe};
use super::iterator::iterate;

/// Installs these and returns the `Object` constructor, for the other files' statics.
pub fn install(b: &mut Builder, realm: &Realm) -> ObjectId {
    let object = b.constructor(realm.global, "Object", 1, object_ctor, realm.object_prototype);
    b.method(object, "keys", 1, object_keys);
    b.method(object, "is", 2, object_is);
    b.method(object, "getPrototypeOf", 1, object_get_prototype_of);
    b.method(object, "getOwnPropertyDescriptor", 2, get_own_property_descriptor);
    b.method(object, "getOwnPropertyDescriptors", 1, get_own_property_descriptors);
    b.method(object, "fromEntries", 1, from_entries);
    b.method(object, "hasOwn", 2, has_own);
    let p = realm.object_prototype;
    b.method(p, "toString", 0, object_to_string);
    b.method(p, "toLocaleString", 0, to_locale_string);
    b.method(p, "valueOf", 0, object_value_of);
    b.method(p, "hasOwnProperty", 1, has_own_property);
    b.method(p, "isPrototypeOf", 1, is_prototype_of);
    b.method(p, "propertyIsEnumerable", 1, property_is_enumerable);
    b.method(p, "__defineGetter__", 2, define_getter);
    b.method(p, "__defineSetter__", 2, define_setter);
    b.method(p, "__lookupGetter__", 1, lookup_getter);
    b.method(p, "__lookupSetter__", 1, lookup_setter);
    let get = b.function("get __proto__", 0, proto_get);
    let set = b.function("set __proto__", 1, proto_set);
    let slot = Slot::Accessor { get: Some(get), set: Some(set) };
    b.heap.put(p, PropertyKey::name("__proto__"), Property { slot, writable: false, enumerable: false, configurable: true });
    object
}

fn object_ctor(rt: &Runtime, _: Value, args: &[Value], new_target: Option<ObjectId>) -> JsResult<Value> {
    let v = arg(args, 0);
    let obj = rt.to_object(&v).unwrap_or_else(|| rt.new_plain_object());
    if let Some(nt) = new_target {
        // `new Object()` from a subclass gets the subclass's prototype (only when nothing was
        // passed: an object argument is answered as it is).
        if v.is_nullish() && nt != object_ctor_id(rt) {
            adopt_prototype(rt, obj, nt)?;
        }
    }
    Ok(Value::Object(obj))
}

fn object_ctor_id(rt: &Runtime) -> ObjectId {
    match rt.stored_property(rt.realm.object_prototype, &PropertyKey::name("constructor")) {
        Some(Property { slot: Slot::Data(Value::Object(c)), .. }) => c,
        _ => rt.realm.object_prototype,
    }
}

pub(super) fn require_object(rt: &Runtime, v: &Value) -> JsResult<ObjectId> {
    rt.to_object(v).ok_or_else(|| rt.type_error("Cannot convert undefined or null to object".into()))
}

fn object_keys(rt: &Runtime, _: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let obj = require_object(rt, &arg(args, 0))?;
    let keys: Vec<Value> = rt.enumerable_own_keys(obj)?.iter().map(PropertyKey::to_value).collect();
    Ok(Value::Object(rt.new_array(keys)))
}

/// `Object.is`: SameValue, which tells NaN from NaN equal and -0 from +0 apart, unlike `===`.
fn object_is(rt: &Runtime, _: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    Ok(Value::Bool(rt.same_value(&arg(args, 0), &arg(args, 1))))
}

fn object_get_prototype_of(rt: &Runtime, _: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let obj = require_object(rt, &arg(args, 0))?;
    Ok(rt.prototype_of(obj)?.map(Value::Object).unwrap_or(Value::Null))
}

pub(super) fn get_own_property_descriptor(rt: &Runtime, _: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let obj = require_object(rt, &arg(args, 0))?;
    let key = rt.to_property_key(&arg(args, 1))?;
    match rt.get_own_property(obj, &key)? {
        None => Ok(Value::Undefined),
        Some(p) => Ok(Value::Object(rt.descriptor_object(&p))),
    }
}

fn get_own_property_descriptors(rt: &Runtime, _: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let obj = require_object(rt, &arg(args, 0))?;
    let out = rt.new_plain_object();
    for key in rt.own_keys(obj)? {
        if let Some(p) = rt.get_own_property(obj, &key)? {
            let d = rt.descriptor_object(&p);
            rt.create_data_property(out, key, Value::Object(d))?;
        }
    }
    Ok(Value::Object(out))
}

fn from_entries(rt: &Runtime, _: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let iterable = arg(args, 0);
    if iterable.is_nullish() {
        return Err(rt.type_error(format!("{} is not iterable", iterable.to_display(rt))));
    }
    let out = rt.new_plain_object();
    iterate(rt, &iterable, |entry| {
        if !matches!(entry, Value::Object(_)) {
            return Err(rt.type_error(format!("Iterator value {} is not an entry object", describe(rt, &entry))));
        }
        let k = rt.get(&entry, &PropertyKey::Index(0))?;
        let v = rt.get(&entry, &PropertyKey::Index(1))?;
        let key = rt.to_property_key(&k)?;
        rt.create_data_property(out, key, v)
    })?;
    Ok(Value::Object(out))
}

fn has_own(rt: &Runtime, _: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let obj = require_object(rt, &arg(args, 0))?;
    let key = rt.to_property_key(&arg(args, 1))?;
    Ok(Value::Bool(rt.has_own(obj, &key)?))
}

/// The builtin tag of `Object.prototype.toString` for an object without `Symbol.toStringTag`.
fn builtin_tag(rt: &Runtime, id: ObjectId) -> JsResult<&'static str> {
    if rt.is_array_value(&Value::Object(id))? {
        return Ok("Array");
    }
    if rt.is_callable(&Value::Object(id)) {
        return Ok("Function");
    }
    Ok(match rt.heap.borrow().get(id).map(|o| &o.class) {
        Some(ObjectClass::Error) => "Error",
        Some(ObjectClass::Date(_)) => "Date",
        Some(ObjectClass::RegExp(_)) => "RegExp",
        Some(ObjectClass::Primitive(Value::Bool(_))) => "Boolean",
        Some(ObjectClass::Primitive(Value::Number(_))) => "Number",
        Some(ObjectClass::Primitive(Value::String(_))) => "String",
        _ => "Object",
    })
}

pub(super) fn object_to_string(rt: &Runtime, this: Value, _: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let id = match &this {
        Value::Undefined => return Ok(Value::str("[object Undefined]")),
        Value::Null => return Ok(Value::str("[object Null]")),
        Value::Object(id) => *id,
        other => require_object(rt, other)?,
    };
    let obj = Value::Object(id);
    let builtin = builtin_tag(rt, id)?;
    let tag_key = PropertyKey::Symbol(rt.realm.symbol_to_string_tag);
    let tag = match rt.get(&obj, &tag_key)? {
        Value::String(s) => s.to_rust_string(),
        _ => builtin.to_string(),
    };
    Ok(Value::String(format!("[object {tag}]").into()))
}

fn to_locale_string(rt: &Runtime, this: Value, _: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    if this.is_nullish() {
        return Err(rt.type_error("Object.prototype.toLocaleString called on null or undefined".into()));
    }
    let f = rt.get_named(&this, "toString")?;
    rt.call(&f, this, &[])
}

fn object_value_of(rt: &Runtime, this: Value, _: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    Ok(Value::Object(require_object(rt, &this)?))
}

fn has_own_property(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let key = rt.to_property_key(&arg(args, 0))?;
    let obj = require_object(rt, &this)?;
    Ok(Value::Bool(rt.has_own(obj, &key)?))
}

fn is_prototype_of(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let Value::Object(obj) = arg(args, 0) else { return Ok(Value::Bool(false)) };
    let proto = require_object(rt, &this)?;
    Ok(Value::Bool(rt.has_in_prototype_chain(obj, proto)?))
}

fn property_is_enumerable(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let key = rt.to_property_key(&arg(args, 0))?;
    let obj = require_object(rt, &this)?;
    Ok(Value::Bool(rt.get_own_property(obj, &key)?.is_some_and(|p| p.enumerable)))
}

/// `__defineGetter__` / `__defineSetter__` (Annex B): an enumerable, configurable accessor half.
fn define_accessor_half(rt: &Runtime, this: Value, args: &[Value], getter: bool) -> JsResult<Value> {
    let obj = require_object(rt, &this)?;
    let f = arg(args, 1);
    let Value::Object(fid) = f else {
        let which = if getter { "__defineGetter__" } else { "__defineSetter__" };
        return Err(rt.type_error(format!("Object.prototype.{which}: Expecting function")));
    };
    if !rt.is_callable(&f) {
        let which = if getter { "__defineGetter__" } else { "__defineSetter__" };
        return Err(rt.type_error(format!("Object.prototype.{which}: Expecting function")));
    }
    let key = rt.to_property_key(&arg(args, 0))?;
    let mut desc = Descriptor { enumerable: Some(true), configurable: Some(true), ..Default::default() };
    if getter {
        desc.get = Some(Some(fid));
    } else {
        desc.set = Some(Some(fid));
    }
    if !rt.define_own_property(obj, key.clone(), desc)? {
        return Err(rt.type_error(format!("Cannot redefine property: {}", rt.key_display(&key))));
    }
    Ok(Value::Undefined)
}

fn define_getter(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    define_accessor_half(rt, this, args, true)
}

fn define_setter(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    define_accessor_half(rt, this, args, false)
}

fn lookup_accessor_half(rt: &Runtime, this: Value, args: &[Value], getter: bool) -> JsResult<Value> {
    let obj = require_object(rt, &this)?;
    let key = rt.to_property_key(&arg(args, 0))?;
    let mut cur = Some(obj);
    while let Some(id) = cur {
        if let Some(p) = rt.get_own_property(id, &key)? {
            return Ok(match p.slot {
                Slot::Accessor { get, set } => (if getter { get } else { set }).map_or(Value::Undefined, Value::Object),
                Slot::Data(_) => Value::Undefined,
            });
        }
        cur = rt.prototype_of(id)?;
    }
    Ok(Value::Undefined)
}

fn lookup_getter(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    lookup_accessor_half(rt, this, args, true)
}

fn lookup_setter(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    lookup_accessor_half(rt, this, args, false)
}

fn proto_get(rt: &Runtime, this: Value, _: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let obj = require_object(rt, &this)?;
    Ok(rt.prototype_of(obj)?.map_or(Value::Null, Value::Object))
}

fn proto_set(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    if this.is_nullish() {
        return Err(rt.type_error("Object.prototype.__proto__ called on null or undefined".into()));
    }
    let proto = match arg(args, 0) {
        Value::Object(p) => Some(p),
        Value::Null => None,
        _ => return Ok(Value::Undefined),
    };
    let Value::Object(obj) = this else { return Ok(Value::Undefined) };
    if !rt.set_prototype(obj, proto)? {
        return Err(rt.type_error(if !rt.is_extensible(obj)? {
            format!("{} is not extensible", describe(rt, &Value::Object(obj)))
        } else {
            "Cyclic __proto__ value".to_string()
        }));
    }
    Ok(Value::Undefined)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{call, parse, runtime};

    #[test]
    fn object_is_is_same_value() {
        // node: [Object.is(NaN, NaN), Object.is(0, -0), Object.is("a", "a"), Object.is({}, {})]
        let rt = runtime();
        let is = |x: Value, y: Value| rt.to_boolean(&call(&rt, "Object.is", &[x, y]).unwrap());
        assert!(is(Value::Number(f64::NAN), Value::Number(f64::NAN)));
        assert!(!is(Value::Number(0.0), Value::Number(-0.0)));
        assert!(is(Value::str("a"), Value::str("a")));
        assert!(!is(parse(&rt, "{}"), parse(&rt, "{}")));
    }
}
