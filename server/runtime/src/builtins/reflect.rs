//! `Reflect`: the object operations as functions, which throw where the operators would
//! silently fail, and answer booleans where `Object`'s statics throw.

use super::super::object::ObjectClass;
use super::super::object_id::ObjectId;
use super::super::realm::{Builder, Realm};
use super::super::value::Value;
use super::super::{JsResult, Runtime};
use super::coerce::{adopt_prototype, arg, describe};
use super::define::to_string_tag;

pub fn install(b: &mut Builder, realm: &Realm) {
    let reflect = b.heap.new_object(ObjectClass::Plain, Some(realm.object_prototype));
    b.value(realm.global, "Reflect", Value::Object(reflect));
    b.method(reflect, "apply", 3, apply);
    b.method(reflect, "construct", 2, construct);
    b.method(reflect, "defineProperty", 3, define_property);
    b.method(reflect, "deleteProperty", 2, delete_property);
    b.method(reflect, "get", 2, get);
    b.method(reflect, "getOwnPropertyDescriptor", 2, get_own_property_descriptor);
    b.method(reflect, "getPrototypeOf", 1, get_prototype_of);
    b.method(reflect, "has", 2, has);
    b.method(reflect, "isExtensible", 1, is_extensible);
    b.method(reflect, "ownKeys", 1, own_keys);
    b.method(reflect, "preventExtensions", 1, prevent_extensions);
    b.method(reflect, "set", 3, set);
    b.method(reflect, "setPrototypeOf", 2, set_prototype_of);
    to_string_tag(b, realm, reflect, "Reflect");
}

/// The target argument, which must be an object.
fn target(rt: &Runtime, args: &[Value], method: &str) -> JsResult<ObjectId> {
    match arg(args, 0) {
        Value::Object(id) => Ok(id),
        _ => Err(rt.type_error(format!("Reflect.{method} called on non-object"))),
    }
}

fn apply(rt: &Runtime, _: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let f = arg(args, 0);
    if !rt.is_callable(&f) {
        return Err(rt.type_error(format!(
            "Function.prototype.apply was called on {}, which is {} and not a function",
            describe(rt, &f),
            match &f {
                Value::Object(_) => "an object".to_string(),
                Value::Undefined => "an undefined".to_string(),
                Value::Null => "null".to_string(),
                other => format!("a {}", rt.typeof_string(other)),
            }
        )));
    }
    let list = rt.list_from_array_like(&arg(args, 2))?;
    rt.call_owned(&f, arg(args, 1), list)
}

fn construct(rt: &Runtime, _: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let f = arg(args, 0);
    let is_ctor = matches!(f, Value::Object(id) if rt.is_constructor(id));
    if !is_ctor {
        return Err(rt.type_error(format!("{} is not a constructor", describe(rt, &f))));
    }
    if args.len() > 2 {
        let nt = &args[2];
        if !matches!(nt, Value::Object(id) if rt.is_constructor(*id)) {
            return Err(rt.type_error(format!("{} is not a constructor", describe(rt, nt))));
        }
    }
    let list = rt.list_from_array_like(&arg(args, 1))?;
    let made = rt.construct(&f, &list)?;
    // A different new.target gives the instance that target's prototype, as `super()` would.
    if let (Some(Value::Object(nt)), Value::Object(obj)) = (args.get(2), &made) {
        if !rt.strict_equals(&args[2], &f) {
            adopt_prototype(rt, *obj, *nt)?;
        }
    }
    Ok(made)
}

fn define_property(rt: &Runtime, _: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let obj = target(rt, args, "defineProperty")?;
    let key = rt.to_property_key(&arg(args, 1))?;
    let desc = super::object_define::to_property_descriptor(rt, &arg(args, 2))?;
    Ok(Value::Bool(rt.define_own_property(obj, key, desc)?))
}

fn delete_property(rt: &Runtime, _: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let obj = target(rt, args, "deleteProperty")?;
    let key = rt.to_property_key(&arg(args, 1))?;
    Ok(Value::Bool(rt.delete(obj, &key)?))
}

fn get(rt: &Runtime, _: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let obj = target(rt, args, "get")?;
    let key = rt.to_property_key(&arg(args, 1))?;
    let receiver = if args.len() > 2 { args[2].clone() } else { Value::Object(obj) };
    rt.get_with_receiver(obj, &key, &receiver)
}

fn get_own_property_descriptor(rt: &Runtime, this: Value, args: &[Value], nt: Option<ObjectId>) -> JsResult<Value> {
    target(rt, args, "getOwnPropertyDescriptor")?;
    super::object::get_own_property_descriptor(rt, this, args, nt)
}

fn get_prototype_of(rt: &Runtime, _: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let obj = target(rt, args, "getPrototypeOf")?;
    Ok(rt.prototype_of(obj)?.map_or(Value::Null, Value::Object))
}

fn has(rt: &Runtime, _: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let obj = target(rt, args, "has")?;
    let key = rt.to_property_key(&arg(args, 1))?;
    Ok(Value::Bool(rt.has(obj, &key)?))
}

fn is_extensible(rt: &Runtime, _: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let obj = target(rt, args, "isExtensible")?;
    Ok(Value::Bool(rt.is_extensible(obj)?))
}

fn own_keys(rt: &Runtime, _: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let obj = target(rt, args, "ownKeys")?;
    let keys = rt.own_keys(obj)?.iter().map(|k| k.to_value()).collect();
    Ok(Value::Object(rt.new_array(keys)))
}

fn prevent_extensions(rt: &Runtime, _: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let obj = target(rt, args, "preventExtensions")?;
    Ok(Value::Bool(rt.prevent_extensions(obj)?))
}

fn set(rt: &Runtime, _: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let obj = target(rt, args, "set")?;
    let key = rt.to_property_key(&arg(args, 1))?;
    let receiver = if args.len() > 3 { args[3].clone() } else { Value::Object(obj) };
    Ok(Value::Bool(rt.set_with_receiver(obj, key, arg(args, 2), &receiver)?))
}

fn set_prototype_of(rt: &Runtime, _: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let obj = target(rt, args, "setPrototypeOf")?;
    let proto = match arg(args, 1) {
        Value::Object(p) => Some(p),
        Value::Null => None,
        other => return Err(rt.type_error(format!("Object prototype may only be an Object or null: {}", describe(rt, &other)))),
    };
    Ok(Value::Bool(rt.set_prototype(obj, proto)?))
}
