//! `Object.defineProperty`, `Object.defineProperties`, `Object.create`, and `ToPropertyDescriptor`
//! which they share.

use super::super::object_id::ObjectId;
use super::super::property::{Descriptor, PropertyKey};
use super::super::realm::Builder;
use super::super::value::Value;
use super::super::{JsResult, Runtime};
use super::coerce::{arg, describe};
use super::object::require_object;

pub fn install(b: &mut Builder, object: ObjectId) {
    b.method(object, "defineProperty", 3, define_property);
    b.method(object, "defineProperties", 2, define_properties);
    b.method(object, "create", 2, create);
}

/// `ToPropertyDescriptor` (the runtime's, which proxies' traps use too).
pub(super) fn to_property_descriptor(rt: &Runtime, v: &Value) -> JsResult<Descriptor> {
    rt.to_property_descriptor(v)
}

/// `DefinePropertyOrThrow`, with V8's messages for the two ways a definition is refused.
fn define_or_throw(rt: &Runtime, obj: ObjectId, key: PropertyKey, desc: Descriptor) -> JsResult<()> {
    let shown = rt.key_display(&key);
    if rt.is_proxy(obj) {
        if rt.define_own_property(obj, key, desc)? {
            return Ok(());
        }
        return Err(rt.type_error(format!("'defineProperty' on proxy: trap returned falsish for property '{shown}'")));
    }
    let existed = rt.has_own(obj, &key)?;
    if rt.define_own_property(obj, key, desc)? {
        return Ok(());
    }
    Err(rt.type_error(if existed {
        format!("Cannot redefine property: {shown}")
    } else {
        format!("Cannot define property {shown}, object is not extensible")
    }))
}

fn define_property(rt: &Runtime, _: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let target = arg(args, 0);
    let Value::Object(obj) = target else {
        return Err(rt.type_error("Object.defineProperty called on non-object".into()));
    };
    let key = rt.to_property_key(&arg(args, 1))?;
    let desc = to_property_descriptor(rt, &arg(args, 2))?;
    define_or_throw(rt, obj, key, desc)?;
    Ok(target)
}

/// `ObjectDefineProperties`: every descriptor is read before any is applied, so a bad one leaves
/// the object untouched.
fn define_all(rt: &Runtime, obj: ObjectId, properties: &Value) -> JsResult<()> {
    let props = require_object(rt, properties)?;
    let mut descriptors = Vec::new();
    for key in rt.own_keys(props)? {
        if rt.get_own_property(props, &key)?.is_some_and(|p| p.enumerable) {
            let desc = rt.get(&Value::Object(props), &key)?;
            descriptors.push((key, to_property_descriptor(rt, &desc)?));
        }
    }
    for (key, desc) in descriptors {
        define_or_throw(rt, obj, key, desc)?;
    }
    Ok(())
}

fn define_properties(rt: &Runtime, _: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let target = arg(args, 0);
    let Value::Object(obj) = target else {
        return Err(rt.type_error("Object.defineProperties called on non-object".into()));
    };
    define_all(rt, obj, &arg(args, 1))?;
    Ok(target)
}

fn create(rt: &Runtime, _: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let proto = match arg(args, 0) {
        Value::Object(p) => Some(p),
        Value::Null => None,
        other => return Err(rt.type_error(format!("Object prototype may only be an Object or null: {}", describe(rt, &other)))),
    };
    let obj = rt.new_plain_object();
    rt.set_prototype(obj, proto)?;
    let properties = arg(args, 1);
    if !matches!(properties, Value::Undefined) {
        define_all(rt, obj, &properties)?;
    }
    Ok(Value::Object(obj))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{call, json, parse, runtime, thrown};

    fn descriptor_of(rt: &Runtime, obj: &Value, key: &str) -> String {
        json(rt, &call(rt, "Object.getOwnPropertyDescriptor", &[obj.clone(), Value::str(key)]).unwrap())
    }

    #[test]
    fn define_property_defaults_absent_fields_to_false() {
        // node: Object.getOwnPropertyDescriptor(Object.defineProperty({}, "x", {value: 1}), "x")
        let rt = runtime();
        let obj = parse(&rt, "{}");
        let back = call(&rt, "Object.defineProperty", &[obj.clone(), Value::str("x"), parse(&rt, r#"{"value":1}"#)]).unwrap();
        assert!(rt.strict_equals(&back, &obj));
        assert_eq!(descriptor_of(&rt, &obj, "x"), r#"{"value":1,"writable":false,"enumerable":false,"configurable":false}"#);
        assert_eq!(json(&rt, &obj), "{}");
    }

    #[test]
    fn refused_definitions_throw_v8_messages() {
        let rt = runtime();
        let frozen = call(&rt, "Object.freeze", &[parse(&rt, r#"{"a":1}"#)]).unwrap();
        let cases = [
            (frozen.clone(), "a", parse(&rt, r#"{"value":2}"#), "TypeError: Cannot redefine property: a"),
            (frozen, "b", parse(&rt, r#"{"value":2}"#), "TypeError: Cannot define property b, object is not extensible"),
            (Value::Number(1.0), "x", parse(&rt, "{}"), "TypeError: Object.defineProperty called on non-object"),
            (parse(&rt, "{}"), "x", Value::Number(1.0), "TypeError: Property description must be an object: 1"),
            (parse(&rt, "{}"), "x", parse(&rt, r#"{"get":1}"#), "TypeError: Getter must be a function: 1"),
            (parse(&rt, "{}"), "x", parse(&rt, r#"{"set":1}"#), "TypeError: Setter must be a function: 1"),
        ];
        for (target, key, desc, expected) in cases {
            assert_eq!(thrown(&rt, call(&rt, "Object.defineProperty", &[target, Value::str(key), desc])), expected);
        }
        let mixed = parse(&rt, r#"{"value":1}"#);
        let f = rt.get_named(&mixed, "constructor").unwrap();
        rt.set_named(&mixed, "get", f).unwrap();
        assert_eq!(
            thrown(&rt, call(&rt, "Object.defineProperty", &[parse(&rt, "{}"), Value::str("x"), mixed])),
            "TypeError: Invalid property descriptor. Cannot both specify accessors and a value or writable attribute, #<Object>"
        );
    }

    #[test]
    fn accessors_defined_with_define_property_run() {
        let rt = runtime();
        let obj = parse(&rt, "{}");
        let desc = parse(&rt, r#"{"enumerable":true}"#);
        rt.set_named(&desc, "get", rt.get_named(&Value::Object(rt.realm.object_prototype), "toString").unwrap()).unwrap();
        call(&rt, "Object.defineProperty", &[obj.clone(), Value::str("tag"), desc]).unwrap();
        // node: Object.defineProperty({}, "tag", {get: Object.prototype.toString, enumerable: true}).tag
        assert_eq!(json(&rt, &obj), r#"{"tag":"[object Object]"}"#);
    }

    #[test]
    fn define_properties_and_create() {
        // node: JSON.stringify(Object.create({inherited: 1}, {a: {value: 1, enumerable: true}, b: {value: 2}}))
        let rt = runtime();
        let proto = parse(&rt, r#"{"inherited":1}"#);
        let props = parse(&rt, r#"{"a":{"value":1,"enumerable":true},"b":{"value":2}}"#);
        let obj = call(&rt, "Object.create", &[proto.clone(), props]).unwrap();
        assert_eq!(json(&rt, &obj), r#"{"a":1}"#);
        assert_eq!(json(&rt, &rt.get_named(&obj, "b").unwrap()), "2");
        assert_eq!(json(&rt, &rt.get_named(&obj, "inherited").unwrap()), "1");
        let bare = call(&rt, "Object.create", &[Value::Null]).unwrap();
        assert!(rt.prototype_of(bare.as_object().unwrap()).unwrap().is_none());
        assert_eq!(
            thrown(&rt, call(&rt, "Object.create", &[Value::Number(1.0)])),
            "TypeError: Object prototype may only be an Object or null: 1"
        );
        assert_eq!(thrown(&rt, call(&rt, "Object.create", &[])), "TypeError: Object prototype may only be an Object or null: undefined");
        // A bad descriptor defines nothing (all are read first).
        let target = parse(&rt, "{}");
        let bad = parse(&rt, r#"{"ok":{"value":1,"enumerable":true},"bad":1}"#);
        assert_eq!(
            thrown(&rt, call(&rt, "Object.defineProperties", &[target.clone(), bad])),
            "TypeError: Property description must be an object: 1"
        );
        assert_eq!(json(&rt, &target), "{}");
    }
}
