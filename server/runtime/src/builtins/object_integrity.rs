//! Extensibility and integrity levels: `Object.preventExtensions`, `Object.seal`,
//! `Object.freeze`, their `is*` tests, and `Object.setPrototypeOf` (which extensibility governs).

use super::super::object_id::ObjectId;
use super::super::property::Slot;
use super::super::realm::Builder;
use super::super::value::Value;
use super::super::{JsResult, Runtime};
use super::coerce::{arg, describe};

pub fn install(b: &mut Builder, object: ObjectId) {
    b.method(object, "freeze", 1, freeze);
    b.method(object, "seal", 1, seal);
    b.method(object, "preventExtensions", 1, prevent_extensions);
    b.method(object, "isFrozen", 1, is_frozen);
    b.method(object, "isSealed", 1, is_sealed);
    b.method(object, "isExtensible", 1, is_extensible);
    b.method(object, "setPrototypeOf", 2, set_prototype_of);
}

/// `Object.freeze` and `Object.seal` return their argument; primitives pass through untouched.
fn set_integrity(rt: &Runtime, args: &[Value], freeze: bool) -> JsResult<Value> {
    let v = arg(args, 0);
    if let Value::Object(obj) = v {
        if !rt.integrity(obj, freeze)? {
            return Err(rt.type_error("'preventExtensions' on proxy: trap returned falsish".into()));
        }
    }
    Ok(v)
}

fn freeze(rt: &Runtime, _: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    set_integrity(rt, args, true)
}

fn seal(rt: &Runtime, _: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    set_integrity(rt, args, false)
}

fn prevent_extensions(rt: &Runtime, _: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let v = arg(args, 0);
    if let Value::Object(obj) = v {
        if !rt.prevent_extensions(obj)? {
            return Err(rt.type_error("'preventExtensions' on proxy: trap returned falsish".into()));
        }
    }
    Ok(v)
}

/// `TestIntegrityLevel`: primitives count as frozen and sealed.
fn test_integrity(rt: &Runtime, args: &[Value], frozen: bool) -> JsResult<Value> {
    let Value::Object(obj) = arg(args, 0) else { return Ok(Value::Bool(true)) };
    if rt.is_extensible(obj)? {
        return Ok(Value::Bool(false));
    }
    let locked = |p: &super::super::property::Property| !(p.configurable || frozen && matches!(p.slot, Slot::Data(_)) && p.writable);
    for key in rt.own_keys(obj)? {
        if rt.get_own_property(obj, &key)?.is_some_and(|p| !locked(&p)) {
            return Ok(Value::Bool(false));
        }
    }
    Ok(Value::Bool(true))
}

fn is_frozen(rt: &Runtime, _: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    test_integrity(rt, args, true)
}

fn is_sealed(rt: &Runtime, _: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    test_integrity(rt, args, false)
}

fn is_extensible(rt: &Runtime, _: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let extensible = match arg(args, 0) {
        Value::Object(obj) => rt.is_extensible(obj)?,
        _ => false,
    };
    Ok(Value::Bool(extensible))
}

fn set_prototype_of(rt: &Runtime, _: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let target = arg(args, 0);
    if target.is_nullish() {
        return Err(rt.type_error("Object.setPrototypeOf called on null or undefined".into()));
    }
    let proto = match arg(args, 1) {
        Value::Object(p) => Some(p),
        Value::Null => None,
        other => return Err(rt.type_error(format!("Object prototype may only be an Object or null: {}", describe(rt, &other)))),
    };
    let Value::Object(obj) = target else { return Ok(target) };
    if rt.is_proxy(obj) {
        if !rt.set_prototype(obj, proto)? {
            return Err(rt.type_error("'setPrototypeOf' on proxy: trap returned falsish for property 'undefined'".into()));
        }
        return Ok(target);
    }
    if rt.prototype_of(obj)? == proto {
        return Ok(target);
    }
    // Object.prototype is an immutable prototype exotic object (ECMA-262 10.4.7).
    if obj == rt.realm.object_prototype {
        return Err(rt.type_error("Immutable prototype object 'Object.prototype' cannot have their prototype set".into()));
    }
    if !rt.heap.borrow().get(obj).is_some_and(|o| o.extensible) {
        return Err(rt.type_error(format!("{} is not extensible", describe(rt, &target))));
    }
    if !rt.set_prototype(obj, proto)? {
        return Err(rt.type_error("Cyclic __proto__ value".into()));
    }
    Ok(target)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{call, json, parse, runtime, thrown};

    fn ask(rt: &Runtime, test: &str, v: &Value) -> bool {
        rt.to_boolean(&call(rt, &format!("Object.{test}"), std::slice::from_ref(v)).unwrap())
    }

    #[test]
    fn integrity_levels_as_node_reports_them() {
        // node: const o = Object.seal({a: 1}); [Object.isSealed(o), Object.isFrozen(o), Object.isExtensible(o)]
        //   -> [true, false, false]; after Object.freeze(o): isFrozen true; o.a = 2 leaves 1
        let rt = runtime();
        let o = call(&rt, "Object.seal", &[parse(&rt, r#"{"a":1}"#)]).unwrap();
        assert_eq!([ask(&rt, "isSealed", &o), ask(&rt, "isFrozen", &o), ask(&rt, "isExtensible", &o)], [true, false, false]);
        call(&rt, "Object.freeze", std::slice::from_ref(&o)).unwrap();
        assert!(ask(&rt, "isFrozen", &o));
        assert!(!rt.set_named(&o, "a", Value::Number(2.0)).unwrap());
        assert_eq!(json(&rt, &o), r#"{"a":1}"#);
        // node: Object.isFrozen(Object.preventExtensions({})) -> true (no properties to lock)
        let empty = call(&rt, "Object.preventExtensions", &[parse(&rt, "{}")]).unwrap();
        assert!(ask(&rt, "isFrozen", &empty));
        let open = parse(&rt, r#"{"a":1}"#);
        call(&rt, "Object.preventExtensions", std::slice::from_ref(&open)).unwrap();
        assert!(!ask(&rt, "isSealed", &open));
        // Primitives: frozen, sealed, not extensible; freeze returns them as they are.
        assert!(ask(&rt, "isFrozen", &Value::Number(1.0)) && !ask(&rt, "isExtensible", &Value::Number(1.0)));
        assert_eq!(json(&rt, &call(&rt, "Object.freeze", &[Value::str("s")]).unwrap()), r#""s""#);
    }

    #[test]
    fn set_prototype_of_refusals_throw_v8_messages() {
        let rt = runtime();
        let a = parse(&rt, "{}");
        let b = call(&rt, "Object.create", std::slice::from_ref(&a)).unwrap();
        let cases = [
            (vec![a.clone(), b.clone()], "TypeError: Cyclic __proto__ value"),
            (vec![Value::Null, a.clone()], "TypeError: Object.setPrototypeOf called on null or undefined"),
            (vec![a.clone(), Value::Number(1.0)], "TypeError: Object prototype may only be an Object or null: 1"),
            (
                vec![Value::Object(rt.realm.object_prototype), a.clone()],
                "TypeError: Immutable prototype object 'Object.prototype' cannot have their prototype set",
            ),
        ];
        for (args, expected) in cases {
            assert_eq!(thrown(&rt, call(&rt, "Object.setPrototypeOf", &args)), expected);
        }
        let sealed = call(&rt, "Object.preventExtensions", &[parse(&rt, "{}")]).unwrap();
        assert_eq!(thrown(&rt, call(&rt, "Object.setPrototypeOf", &[sealed, a.clone()])), "TypeError: #<Object> is not extensible");
        let c = parse(&rt, "{}");
        assert!(rt.strict_equals(&call(&rt, "Object.setPrototypeOf", &[c.clone(), Value::Null]).unwrap(), &c));
        assert!(rt.prototype_of(c.as_object().unwrap()).unwrap().is_none());
        // Primitives come back unchanged.
        assert_eq!(json(&rt, &call(&rt, "Object.setPrototypeOf", &[Value::Number(1.0), a]).unwrap()), "1");
    }
}
