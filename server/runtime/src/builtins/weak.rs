//! `WeakMap` and `WeakSet`: tables keyed by the identity of objects (and of symbols not in the
//! `Symbol.for` registry, as V8 allows since symbols became weak keys) that do not keep their
//! keys alive. The collector treats a WeakMap entry as an ephemeron: its value lives only while
//! its key does; entries of dead keys are dropped (see `gc`). @napi-rs/canvas keeps its
//! ImageData bookkeeping in a WeakMap it makes through Node-API.

use super::super::collections::WeakTable;
use super::super::object::ObjectClass;
use super::super::object_id::ObjectId;
use super::super::realm::{Builder, Realm};
use super::super::value::Value;
use super::super::{JsResult, Runtime};
use super::coerce::{arg, describe, held_weakly_as};
use super::collections::construct_collection;
use super::define::to_string_tag;

/// Which collection a method belongs to, by its constructor's name.
const WEAK_MAP: &str = "WeakMap";
const WEAK_SET: &str = "WeakSet";

pub fn install(b: &mut Builder, realm: &Realm) {
    let map_proto = b.heap.new_object(ObjectClass::Plain, Some(realm.object_prototype));
    b.constructor(realm.global, "WeakMap", 0, weak_map_ctor, map_proto);
    b.method(map_proto, "delete", 1, weak_map_delete);
    b.method(map_proto, "get", 1, weak_map_get);
    b.method(map_proto, "set", 2, weak_map_set);
    b.method(map_proto, "has", 1, weak_map_has);
    to_string_tag(b, realm, map_proto, "WeakMap");

    let set_proto = b.heap.new_object(ObjectClass::Plain, Some(realm.object_prototype));
    b.constructor(realm.global, "WeakSet", 0, weak_set_ctor, set_proto);
    b.method(set_proto, "delete", 1, weak_set_delete);
    b.method(set_proto, "has", 1, weak_set_has);
    b.method(set_proto, "add", 1, weak_set_add);
    to_string_tag(b, realm, set_proto, "WeakSet");
}

/// Runs `f` on the table of `this`, or throws V8's incompatible-receiver TypeError.
fn with_table<R>(rt: &Runtime, this: &Value, kind: &str, method: &str, f: impl FnOnce(&mut WeakTable) -> R) -> JsResult<R> {
    if let Value::Object(id) = this {
        let mut heap = rt.heap.borrow_mut();
        match heap.get_mut(*id).map(|o| &mut o.class) {
            Some(ObjectClass::WeakMap(t)) if kind == WEAK_MAP => return Ok(f(t)),
            Some(ObjectClass::WeakSet(t)) if kind == WEAK_SET => return Ok(f(t)),
            _ => {}
        }
    }
    Err(rt.type_error(format!("Method {kind}.prototype.{method} called on incompatible receiver {}", describe(rt, this))))
}

fn lookup(rt: &Runtime, this: &Value, kind: &str, method: &str, key: &Value) -> JsResult<Option<Value>> {
    let key = held_weakly_as(rt, key);
    with_table(rt, this, kind, method, |t| key.and_then(|k| t.get(k).cloned()))
}

fn remove(rt: &Runtime, this: &Value, kind: &str, key: &Value) -> JsResult<Value> {
    let key = held_weakly_as(rt, key);
    let removed = with_table(rt, this, kind, "delete", |t| match key {
        Some(k) => t.remove(k),
        _ => false,
    })?;
    Ok(Value::Bool(removed))
}

fn insert(rt: &Runtime, this: &Value, kind: &str, method: &str, key: &Value, value: Value) -> JsResult<Value> {
    with_table(rt, this, kind, method, |_| ())?;
    let Some(k) = held_weakly_as(rt, key) else {
        let message = if kind == WEAK_MAP { "Invalid value used as weak map key" } else { "Invalid value used in weak set" };
        return Err(rt.type_error(message.to_string()));
    };
    with_table(rt, this, kind, method, |t| t.insert(k, value))?;
    Ok(this.clone())
}

fn weak_map_ctor(rt: &Runtime, _: Value, args: &[Value], nt: Option<ObjectId>) -> JsResult<Value> {
    construct_collection(rt, WEAK_MAP, ObjectClass::WeakMap(WeakTable::default()), true, args, nt)
}

fn weak_map_get(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    Ok(lookup(rt, &this, WEAK_MAP, "get", &arg(args, 0))?.unwrap_or(Value::Undefined))
}

fn weak_map_has(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    Ok(Value::Bool(lookup(rt, &this, WEAK_MAP, "has", &arg(args, 0))?.is_some()))
}

fn weak_map_set(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    insert(rt, &this, WEAK_MAP, "set", &arg(args, 0), arg(args, 1))
}

fn weak_map_delete(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    remove(rt, &this, WEAK_MAP, &arg(args, 0))
}

fn weak_set_ctor(rt: &Runtime, _: Value, args: &[Value], nt: Option<ObjectId>) -> JsResult<Value> {
    construct_collection(rt, WEAK_SET, ObjectClass::WeakSet(WeakTable::default()), false, args, nt)
}

fn weak_set_has(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    Ok(Value::Bool(lookup(rt, &this, WEAK_SET, "has", &arg(args, 0))?.is_some()))
}

fn weak_set_add(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    insert(rt, &this, WEAK_SET, "add", &arg(args, 0), Value::Undefined)
}

fn weak_set_delete(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    remove(rt, &this, WEAK_SET, &arg(args, 0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{global, json, method, parse, runtime, thrown};

    fn new_of(rt: &Runtime, ctor: &str, args: &[Value]) -> JsResult<Value> {
        rt.construct(&global(rt, ctor), args)
    }

    #[test]
    fn weak_map_keys_by_identity_and_answers_like_v8() {
        // node: const k = {}, w = new WeakMap([[k, 1]]); [w.get(k), w.has({}), w.get(1), w.has(1),
        //   w.delete(1), w.set(k, 2) === w, w.get(k), w.delete(k), w.has(k)]
        //   -> [1, false, undefined, false, false, true, 2, true, false]
        let rt = runtime();
        let k = parse(&rt, "{}");
        let pair = Value::Object(rt.new_array(vec![k.clone(), Value::Number(1.0)]));
        let w = new_of(&rt, "WeakMap", &[Value::Object(rt.new_array(vec![pair]))]).unwrap();
        assert_eq!(json(&rt, &method(&rt, &w, "get", std::slice::from_ref(&k)).unwrap()), "1");
        assert_eq!(json(&rt, &method(&rt, &w, "has", &[parse(&rt, "{}")]).unwrap()), "false");
        assert!(matches!(method(&rt, &w, "get", &[Value::Number(1.0)]).unwrap(), Value::Undefined));
        assert_eq!(json(&rt, &method(&rt, &w, "delete", &[Value::Number(1.0)]).unwrap()), "false");
        let same = method(&rt, &w, "set", &[k.clone(), Value::Number(2.0)]).unwrap();
        assert!(rt.strict_equals(&same, &w));
        assert_eq!(json(&rt, &method(&rt, &w, "get", std::slice::from_ref(&k)).unwrap()), "2");
        assert_eq!(json(&rt, &method(&rt, &w, "delete", std::slice::from_ref(&k)).unwrap()), "true");
        assert_eq!(json(&rt, &method(&rt, &w, "has", &[k]).unwrap()), "false");
        // node: Object.prototype.toString.call(new WeakSet()) -> [object WeakSet]
        let to_string = global(&rt, "Object.prototype.toString");
        let ws = new_of(&rt, "WeakSet", &[]).unwrap();
        assert_eq!(json(&rt, &rt.call(&to_string, ws, &[]).unwrap()), r#""[object WeakSet]""#);
    }

    #[test]
    fn weak_keys_must_be_objects_or_unregistered_symbols() {
        let rt = runtime();
        let w = new_of(&rt, "WeakMap", &[]).unwrap();
        let ws = new_of(&rt, "WeakSet", &[]).unwrap();
        let registered = rt.call(&global(&rt, "Symbol.for"), Value::Undefined, &[Value::str("a")]).unwrap();
        let plain = rt.call(&global(&rt, "Symbol"), Value::Undefined, &[Value::str("b")]).unwrap();
        method(&rt, &w, "set", &[plain.clone(), Value::Number(1.0)]).unwrap();
        assert_eq!(json(&rt, &method(&rt, &w, "get", &[plain]).unwrap()), "1");
        let cases = [
            (method(&rt, &w, "set", &[Value::Number(1.0), Value::Number(2.0)]), "TypeError: Invalid value used as weak map key"),
            (method(&rt, &w, "set", &[registered, Value::Number(2.0)]), "TypeError: Invalid value used as weak map key"),
            (method(&rt, &ws, "add", &[Value::str("x")]), "TypeError: Invalid value used in weak set"),
            (rt.call(&global(&rt, "WeakMap"), Value::Undefined, &[]), "TypeError: Constructor WeakMap requires 'new'"),
            (new_of(&rt, "WeakMap", &[parse(&rt, "[1]")]), "TypeError: Iterator value 1 is not an entry object"),
            (
                rt.call(&global(&rt, "WeakMap.prototype.get"), parse(&rt, "{}"), &[]),
                "TypeError: Method WeakMap.prototype.get called on incompatible receiver #<Object>",
            ),
            (
                rt.call(&global(&rt, "WeakSet.prototype.add"), w, &[]),
                "TypeError: Method WeakSet.prototype.add called on incompatible receiver #<WeakMap>",
            ),
        ];
        for (result, expected) in cases {
            assert_eq!(thrown(&rt, result), expected);
        }
    }

    #[test]
    fn a_weak_map_keeps_a_value_only_while_its_key_lives() {
        let rt = runtime();
        let w = new_of(&rt, "WeakMap", &[]).unwrap();
        let ws = new_of(&rt, "WeakSet", &[]).unwrap();
        let (kept, dropped) = (rt.new_plain_object(), rt.new_plain_object());
        let (kept_value, dropped_value) = (rt.new_plain_object(), rt.new_plain_object());
        method(&rt, &w, "set", &[Value::Object(kept), Value::Object(kept_value)]).unwrap();
        method(&rt, &w, "set", &[Value::Object(dropped), Value::Object(dropped_value)]).unwrap();
        method(&rt, &ws, "add", &[Value::Object(dropped)]).unwrap();
        // A value that refers to its own key does not keep the key alive (an ephemeron).
        rt.set_named(&Value::Object(dropped_value), "key", Value::Object(dropped)).unwrap();
        let (wid, wsid) = (w.as_object().unwrap(), ws.as_object().unwrap());
        let collected = rt.collect(&[wid, wsid, kept], || {});
        for id in [dropped, dropped_value] {
            assert!(collected.freed.contains(&id));
        }
        assert!(!collected.freed.contains(&kept_value));
        let heap = rt.heap.borrow();
        let ObjectClass::WeakMap(t) = &heap.obj(wid).class else { panic!("a WeakMap") };
        assert_eq!(t.entries().count(), 1);
        let ObjectClass::WeakSet(t) = &heap.obj(wsid).class else { panic!("a WeakSet") };
        assert_eq!(t.entries().count(), 0);
    }
}
