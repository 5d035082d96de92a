//! The statics that list or copy an object's own properties: `Object.getOwnPropertyNames`,
//! `Object.getOwnPropertySymbols`, `Object.entries`, `Object.values`, `Object.assign`.

use super::super::object_id::ObjectId;
use super::super::property::PropertyKey;
use super::super::realm::Builder;
use super::super::value::Value;
use super::super::{JsResult, Runtime};
use super::coerce::{arg, describe};
use super::object::require_object;

pub fn install(b: &mut Builder, object: ObjectId) {
    b.method(object, "getOwnPropertyNames", 1, get_own_property_names);
    b.method(object, "getOwnPropertySymbols", 1, get_own_property_symbols);
    b.method(object, "entries", 1, entries);
    b.method(object, "values", 1, values);
    b.method(object, "assign", 2, assign);
}

fn keys_array(rt: &Runtime, args: &[Value], symbols: bool) -> JsResult<Value> {
    let obj = require_object(rt, &arg(args, 0))?;
    let keys = rt.own_keys(obj)?.iter().filter(|k| matches!(k, PropertyKey::Symbol(_)) == symbols).map(PropertyKey::to_value).collect();
    Ok(Value::Object(rt.new_array(keys)))
}

fn get_own_property_names(rt: &Runtime, _: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    keys_array(rt, args, false)
}

fn get_own_property_symbols(rt: &Runtime, _: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    keys_array(rt, args, true)
}

/// `EnumerableOwnProperties`: each key's enumerability is checked just before its value is read,
/// so a getter that deletes or hides a later property hides it from the result too.
fn enumerable_own(rt: &Runtime, args: &[Value], mut each: impl FnMut(PropertyKey, Value)) -> JsResult<()> {
    let obj = require_object(rt, &arg(args, 0))?;
    for key in rt.own_keys(obj)? {
        if matches!(key, PropertyKey::Symbol(_)) || !rt.get_own_property(obj, &key)?.is_some_and(|p| p.enumerable) {
            continue;
        }
        let v = rt.get(&Value::Object(obj), &key)?;
        each(key, v);
    }
    Ok(())
}

fn entries(rt: &Runtime, _: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let mut out = Vec::new();
    enumerable_own(rt, args, |k, v| out.push(Value::Object(rt.new_array(vec![k.to_value(), v]))))?;
    Ok(Value::Object(rt.new_array(out)))
}

fn values(rt: &Runtime, _: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let mut out = Vec::new();
    enumerable_own(rt, args, |_, v| out.push(v))?;
    Ok(Value::Object(rt.new_array(out)))
}

/// `Object.assign(target, ...sources)`: own enumerable string and symbol keys, read with [[Get]]
/// and written with a strict [[Set]] (a refused write throws).
fn assign(rt: &Runtime, _: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let to = Value::Object(require_object(rt, &arg(args, 0))?);
    for source in args.iter().skip(1).filter(|s| !s.is_nullish()) {
        let from = require_object(rt, source)?;
        for key in rt.own_keys(from)? {
            if !rt.get_own_property(from, &key)?.is_some_and(|p| p.enumerable) {
                continue;
            }
            let v = rt.get(&Value::Object(from), &key)?;
            let shown = rt.key_display(&key);
            if !rt.set(&to, key, v)? {
                return Err(rt.type_error(format!("Cannot assign to read only property '{shown}' of object '{}'", describe(rt, &to))));
            }
        }
    }
    Ok(to)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{call, json, parse, runtime, thrown};

    #[test]
    fn names_include_non_enumerable_and_index_keys_first() {
        // node: Object.getOwnPropertyNames(Object.defineProperty({b: 1, 2: 0, a: 1}, "h", {value: 0}))
        //   -> ["2","b","a","h"]; Object.getOwnPropertyNames("ab") -> ["0","1","length"]
        let rt = runtime();
        let obj = parse(&rt, r#"{"b":1,"2":0,"a":1}"#);
        call(&rt, "Object.defineProperty", &[obj.clone(), Value::str("h"), parse(&rt, r#"{"value":0}"#)]).unwrap();
        let sym = Value::Symbol(rt.new_symbol(Some("s".into())));
        rt.set(&obj, rt.to_property_key(&sym).unwrap(), Value::Null).unwrap();
        assert_eq!(json(&rt, &call(&rt, "Object.getOwnPropertyNames", std::slice::from_ref(&obj)).unwrap()), r#"["2","b","a","h"]"#);
        assert_eq!(json(&rt, &call(&rt, "Object.getOwnPropertyNames", &[Value::str("ab")]).unwrap()), r#"["0","1","length"]"#);
        let symbols = call(&rt, "Object.getOwnPropertySymbols", &[obj]).unwrap();
        assert_eq!(rt.array_length(symbols.as_object().unwrap()), 1);
        assert_eq!(thrown(&rt, call(&rt, "Object.getOwnPropertyNames", &[])), "TypeError: Cannot convert undefined or null to object");
    }

    #[test]
    fn entries_and_values_take_enumerable_string_keys() {
        // node: Object.entries({b: 1, 0: "z"}) -> [["0","z"],["b",1]]; Object.values("hi") -> ["h","i"]
        let rt = runtime();
        let obj = parse(&rt, r#"{"b":1,"0":"z"}"#);
        call(&rt, "Object.defineProperty", &[obj.clone(), Value::str("hidden"), parse(&rt, r#"{"value":0}"#)]).unwrap();
        assert_eq!(json(&rt, &call(&rt, "Object.entries", std::slice::from_ref(&obj)).unwrap()), r#"[["0","z"],["b",1]]"#);
        assert_eq!(json(&rt, &call(&rt, "Object.values", &[obj]).unwrap()), r#"["z",1]"#);
        assert_eq!(json(&rt, &call(&rt, "Object.values", &[Value::str("hi")]).unwrap()), r#"["h","i"]"#);
        assert_eq!(thrown(&rt, call(&rt, "Object.entries", &[Value::Null])), "TypeError: Cannot convert undefined or null to object");
    }

    #[test]
    fn assign_copies_in_order_and_throws_on_read_only() {
        // node: JSON.stringify(Object.assign({a: 0}, null, {b: 1}, {a: 2})) -> {"a":2,"b":1}
        let rt = runtime();
        let target = parse(&rt, r#"{"a":0}"#);
        let out = call(&rt, "Object.assign", &[target.clone(), Value::Null, parse(&rt, r#"{"b":1}"#), parse(&rt, r#"{"a":2}"#)]).unwrap();
        assert!(rt.strict_equals(&out, &target));
        assert_eq!(json(&rt, &out), r#"{"a":2,"b":1}"#);
        let frozen = call(&rt, "Object.freeze", &[parse(&rt, r#"{"a":1}"#)]).unwrap();
        assert_eq!(
            thrown(&rt, call(&rt, "Object.assign", &[frozen, parse(&rt, r#"{"a":2}"#)])),
            "TypeError: Cannot assign to read only property 'a' of object '#<Object>'"
        );
        let frozen_array = call(&rt, "Object.freeze", &[parse(&rt, "[1]")]).unwrap();
        assert_eq!(
            thrown(&rt, call(&rt, "Object.assign", &[frozen_array, parse(&rt, "[2]")])),
            "TypeError: Cannot assign to read only property '0' of object '[object Array]'"
        );
        assert_eq!(thrown(&rt, call(&rt, "Object.assign", &[Value::Null])), "TypeError: Cannot convert undefined or null to object");
    }
}
