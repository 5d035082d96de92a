//! `JSON.stringify` for the data addons serialise (napi-rs uses it for `serde_json` values and
//! error messages): primitives, arrays and objects' own enumerable string keys.

use super::super::heap::ObjectId;
use super::super::object::ObjectClass;
use super::super::property::PropertyKey;
use super::super::realm::{Builder, Realm};
use super::super::value::Value;
use super::super::{JsResult, Runtime};
use super::arg;

pub fn install(b: &mut Builder, realm: &Realm) {
    let json = b.heap.new_object(ObjectClass::Plain, Some(realm.object_prototype));
    b.value(realm.global, "JSON", Value::Object(json));
    b.method(json, "stringify", 3, stringify);
}

fn stringify(rt: &Runtime, _: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let mut out = String::new();
    let mut stack = Vec::new();
    if serialize(rt, &arg(args, 0), &mut out, &mut stack)? {
        Ok(Value::String(out.into()))
    } else {
        Ok(Value::Undefined)
    }
}

fn quote(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Appends `v`; returns false when `v` serialises to nothing (undefined, functions, symbols).
fn serialize(rt: &Runtime, v: &Value, out: &mut String, stack: &mut Vec<ObjectId>) -> JsResult<bool> {
    let v = match v {
        Value::Object(_) => {
            let to_json = rt.get_named(v, "toJSON")?;
            if rt.is_callable(&to_json) { rt.call(&to_json, v.clone(), &[])? } else { v.clone() }
        }
        other => other.clone(),
    };
    match &v {
        Value::Undefined | Value::Symbol(_) => return Ok(false),
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) if n.is_finite() => out.push_str(&rt.to_string(&v)?.to_rust_string()),
        Value::Number(_) => out.push_str("null"),
        Value::String(s) => quote(&s.to_rust_string(), out),
        Value::BigInt(_) => return Err(rt.type_error("Do not know how to serialize a BigInt".into())),
        Value::Object(id) => {
            if rt.is_callable(&v) {
                return Ok(false);
            }
            if stack.contains(id) {
                return Err(rt.type_error("Converting circular structure to JSON".into()));
            }
            let class = rt.heap.borrow().obj(*id).class.clone();
            if let ObjectClass::Primitive(p) = class {
                return serialize(rt, &p, out, stack);
            }
            stack.push(*id);
            if matches!(class, ObjectClass::Array) {
                out.push('[');
                for i in 0..rt.array_length(*id) {
                    if i > 0 {
                        out.push(',');
                    }
                    if !serialize(rt, &rt.get(&v, &PropertyKey::Index(i))?, out, stack)? {
                        out.push_str("null");
                    }
                }
                out.push(']');
            } else {
                out.push('{');
                let mut first = true;
                for key in rt.own_keys(*id) {
                    if matches!(key, PropertyKey::Symbol(_)) || !rt.get_own_property(*id, &key).is_some_and(|p| p.enumerable) {
                        continue;
                    }
                    let mut item = String::new();
                    quote(&rt.to_string(&key.to_value())?.to_rust_string(), &mut item);
                    item.push(':');
                    if serialize(rt, &rt.get(&v, &key)?, &mut item, stack)? {
                        if !first {
                            out.push(',');
                        }
                        first = false;
                        out.push_str(&item);
                    }
                }
                out.push('}');
            }
            stack.pop();
        }
    }
    Ok(true)
}
