//! `Object`, `Object.prototype`, `Function.prototype`, `Array`, `Reflect`. The rest of `Object`'s
//! statics are in `object_define`, `object_own` and `object_integrity`.

use super::super::heap::ObjectId;
use super::super::object::ObjectClass;
use super::super::property::{Property, PropertyKey, Slot};
use super::super::realm::{Builder, Realm};
use super::super::value::Value;
use super::super::{JsResult, Runtime};
use super::arg;

/// Installs these and returns the `Object` constructor, for the other files' statics.
pub fn install(b: &mut Builder, realm: &Realm) -> ObjectId {
    let object = b.constructor(realm.global, "Object", 1, object_ctor, realm.object_prototype);
    b.method(object, "keys", 1, object_keys);
    b.method(object, "is", 2, object_is);
    b.method(object, "getPrototypeOf", 1, object_get_prototype_of);
    b.method(object, "getOwnPropertyDescriptor", 2, get_own_property_descriptor);
    b.method(realm.object_prototype, "toString", 0, object_to_string);
    b.method(realm.object_prototype, "valueOf", 0, object_value_of);
    b.method(realm.object_prototype, "hasOwnProperty", 1, has_own_property);
    b.method(realm.function_prototype, "toString", 0, function_to_string);
    let function = b.constructor(realm.global, "Function", 1, function_ctor, realm.function_prototype);
    let _ = function;
    let array = b.constructor(realm.global, "Array", 1, array_ctor, realm.array_prototype);
    b.method(array, "isArray", 1, array_is_array);
    b.method(realm.array_prototype, "join", 1, array_join);
    b.method(realm.array_prototype, "toString", 0, array_to_string);
    b.method(realm.array_prototype, "push", 1, array_push);
    let reflect = b.heap.new_object(ObjectClass::Plain, Some(realm.object_prototype));
    b.value(realm.global, "Reflect", Value::Object(reflect));
    b.method(reflect, "getOwnPropertyDescriptor", 2, get_own_property_descriptor);
    b.method(reflect, "ownKeys", 1, reflect_own_keys);
    object
}

fn object_ctor(rt: &Runtime, _: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let v = arg(args, 0);
    Ok(Value::Object(rt.to_object(&v).unwrap_or_else(|| rt.new_plain_object())))
}

pub(super) fn require_object(rt: &Runtime, v: &Value) -> JsResult<ObjectId> {
    rt.to_object(v).ok_or_else(|| rt.type_error("Cannot convert undefined or null to object".into()))
}

fn object_keys(rt: &Runtime, _: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let obj = require_object(rt, &arg(args, 0))?;
    let keys: Vec<Value> = rt
        .own_keys(obj)
        .into_iter()
        .filter(|k| !matches!(k, PropertyKey::Symbol(_)))
        .filter(|k| rt.get_own_property(obj, k).is_some_and(|p| p.enumerable))
        .map(|k| k.to_value())
        .collect();
    Ok(Value::Object(rt.new_array(keys)))
}

/// `Object.is`: SameValue, which tells NaN from NaN equal and -0 from +0 apart, unlike `===`.
fn object_is(rt: &Runtime, _: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let same = match (arg(args, 0), arg(args, 1)) {
        (Value::Number(x), Value::Number(y)) => x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan()),
        (x, y) => rt.strict_equals(&x, &y),
    };
    Ok(Value::Bool(same))
}

fn object_get_prototype_of(rt: &Runtime, _: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let obj = require_object(rt, &arg(args, 0))?;
    Ok(rt.prototype_of(obj).map(Value::Object).unwrap_or(Value::Null))
}

fn get_own_property_descriptor(rt: &Runtime, _: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let obj = require_object(rt, &arg(args, 0))?;
    let key = rt.to_property_key(&arg(args, 1))?;
    match rt.get_own_property(obj, &key) {
        None => Ok(Value::Undefined),
        Some(p) => Ok(Value::Object(rt.descriptor_object(&p))),
    }
}

fn reflect_own_keys(rt: &Runtime, _: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let Value::Object(obj) = arg(args, 0) else {
        return Err(rt.type_error("Reflect.ownKeys called on non-object".into()));
    };
    let keys = rt.own_keys(obj).iter().map(PropertyKey::to_value).collect();
    Ok(Value::Object(rt.new_array(keys)))
}

fn object_to_string(rt: &Runtime, this: Value, _: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let tag = match &this {
        Value::Undefined => "Undefined".to_string(),
        Value::Null => "Null".to_string(),
        Value::Object(id) => {
            let tag_key = PropertyKey::Symbol(rt.realm.symbol_to_string_tag);
            if let Value::String(s) = rt.get(&this, &tag_key)? {
                s.to_rust_string()
            } else {
                match rt.heap.borrow().get(*id).map(|o| &o.class) {
                    Some(ObjectClass::Array) => "Array",
                    Some(ObjectClass::Function(_)) => "Function",
                    Some(ObjectClass::Error) => "Error",
                    Some(ObjectClass::Date(_)) => "Date",
                    Some(ObjectClass::Primitive(Value::Bool(_))) => "Boolean",
                    Some(ObjectClass::Primitive(Value::Number(_))) => "Number",
                    Some(ObjectClass::Primitive(Value::String(_))) => "String",
                    _ => "Object",
                }
                .to_string()
            }
        }
        _ => return object_to_string(rt, Value::Object(require_object(rt, &this)?), &[], None),
    };
    Ok(Value::String(format!("[object {tag}]").into()))
}

fn object_value_of(rt: &Runtime, this: Value, _: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    Ok(Value::Object(require_object(rt, &this)?))
}

fn has_own_property(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let key = rt.to_property_key(&arg(args, 0))?;
    let obj = require_object(rt, &this)?;
    Ok(Value::Bool(rt.has_own(obj, &key)))
}

fn function_to_string(rt: &Runtime, this: Value, _: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    if !rt.is_callable(&this) {
        return Err(rt.type_error("Function.prototype.toString requires that 'this' be a Function".into()));
    }
    let name = match rt.get_named(&this, "name")? {
        Value::String(s) => s.to_rust_string(),
        _ => String::new(),
    };
    Ok(Value::String(format!("function {name}() {{ [native code] }}").into()))
}

fn function_ctor(rt: &Runtime, _: Value, _: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    Err(rt.error(super::super::convert::ErrorKind::Error, "napi-hostd has no JavaScript engine: code cannot be compiled".into()))
}

fn array_ctor(rt: &Runtime, _: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    if let [Value::Number(n)] = args {
        let arr = rt.new_array(Vec::new());
        rt.set_named(&Value::Object(arr), "length", Value::Number(*n))?;
        return Ok(Value::Object(arr));
    }
    Ok(Value::Object(rt.new_array(args.to_vec())))
}

fn array_is_array(rt: &Runtime, _: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    Ok(Value::Bool(matches!(arg(args, 0), Value::Object(id) if rt.heap.borrow().get(id).is_some_and(|o| o.is_array()))))
}

fn array_join(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let obj = require_object(rt, &this)?;
    let sep = match arg(args, 0) {
        Value::Undefined => ",".to_string(),
        v => rt.to_string(&v)?.to_rust_string(),
    };
    let len = rt.array_length(obj);
    let mut parts = Vec::with_capacity(len as usize);
    for i in 0..len {
        let v = rt.get(&this, &PropertyKey::Index(i))?;
        parts.push(if v.is_nullish() { String::new() } else { rt.to_string(&v)?.to_rust_string() });
    }
    Ok(Value::String(parts.join(&sep).into()))
}

fn array_to_string(rt: &Runtime, this: Value, _: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    array_join(rt, this, &[], None)
}

fn array_push(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let obj = require_object(rt, &this)?;
    let mut len = rt.array_length(obj);
    for v in args {
        rt.set(&this, PropertyKey::Index(len), v.clone())?;
        len += 1;
    }
    Ok(Value::Number(len as f64))
}

impl Runtime {
    /// A new array holding `items`.
    pub fn new_array(&self, items: Vec<Value>) -> ObjectId {
        let mut heap = self.heap.borrow_mut();
        let id = heap.new_object(ObjectClass::Array, Some(self.realm.array_prototype));
        let len = Property { enumerable: false, configurable: false, ..Property::data(Value::Number(items.len() as f64)) };
        heap.put(id, PropertyKey::name("length"), len);
        for (i, v) in items.into_iter().enumerate() {
            heap.put(id, PropertyKey::Index(i as u32), Property::data(v));
        }
        id
    }

    /// A descriptor object as `Object.getOwnPropertyDescriptor` returns it.
    pub fn descriptor_object(&self, p: &Property) -> ObjectId {
        let d = self.new_plain_object();
        let mut heap = self.heap.borrow_mut();
        let opt = |f: Option<ObjectId>| f.map(Value::Object).unwrap_or(Value::Undefined);
        match &p.slot {
            Slot::Data(v) => {
                heap.put(d, PropertyKey::name("value"), Property::data(v.clone()));
                heap.put(d, PropertyKey::name("writable"), Property::data(Value::Bool(p.writable)));
            }
            Slot::Accessor { get, set } => {
                heap.put(d, PropertyKey::name("get"), Property::data(opt(*get)));
                heap.put(d, PropertyKey::name("set"), Property::data(opt(*set)));
            }
        }
        heap.put(d, PropertyKey::name("enumerable"), Property::data(Value::Bool(p.enumerable)));
        heap.put(d, PropertyKey::name("configurable"), Property::data(Value::Bool(p.configurable)));
        d
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{call, parse, runtime};
    use super::*;

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
