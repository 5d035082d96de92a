//! The `JSON` object and `JSON.stringify` (`SerializeJSONProperty` of ECMA-262 25.5.2) with
//! `toJSON`, replacer functions and arrays, and indentation. `JSON.parse` is in `json_parse`.

use super::super::object::ObjectClass;
use super::super::object_id::ObjectId;
use super::super::property::{Property, PropertyKey};
use super::super::realm::{Builder, Realm};
use super::super::string::JsString;
use super::super::value::Value;
use super::super::{JsResult, Runtime};
use super::coerce::{arg, class_of};
use super::define::to_string_tag;

pub fn install(b: &mut Builder, realm: &Realm) {
    let json = b.heap.new_object(ObjectClass::Plain, Some(realm.object_prototype));
    b.value(realm.global, "JSON", Value::Object(json));
    b.method(json, "parse", 2, super::json_parse::parse);
    b.method(json, "stringify", 3, stringify);
    to_string_tag(b, realm, json, "JSON");
}

struct Serializer<'a> {
    rt: &'a Runtime,
    replacer: Option<Value>,
    /// The keys a replacer array allows, in its order.
    allowed: Option<Vec<PropertyKey>>,
    gap: String,
    indent: String,
    /// The objects being serialised, to refuse cycles.
    stack: Vec<ObjectId>,
}

fn stringify(rt: &Runtime, _: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let replacer = arg(args, 1);
    let mut s = Serializer {
        rt,
        replacer: rt.is_callable(&replacer).then(|| replacer.clone()),
        allowed: allowed_keys(rt, &replacer)?,
        gap: gap(rt, &arg(args, 2))?,
        indent: String::new(),
        stack: Vec::new(),
    };
    let wrapper = rt.new_plain_object();
    rt.heap.borrow_mut().put(wrapper, PropertyKey::name(""), Property::data(arg(args, 0)));
    let mut out = String::new();
    Ok(if s.property(wrapper, &PropertyKey::name(""), &mut out)? { Value::String(out.into()) } else { Value::Undefined })
}

/// The property list of a replacer array: its strings and numbers (bare or wrapped) as keys,
/// first occurrence kept.
fn allowed_keys(rt: &Runtime, replacer: &Value) -> JsResult<Option<Vec<PropertyKey>>> {
    let Value::Object(_) = replacer else { return Ok(None) };
    if !rt.is_array_value(replacer)? {
        return Ok(None);
    }
    let mut keys = Vec::new();
    for i in 0..super::coerce::length_of(rt, replacer)? as u32 {
        let item = rt.get(replacer, &PropertyKey::Index(i))?;
        let wrapped = matches!(class_of(rt, &item), Some(ObjectClass::Primitive(Value::String(_) | Value::Number(_))));
        if matches!(item, Value::String(_) | Value::Number(_)) || wrapped {
            let key = PropertyKey::from_string(rt.to_string(&item)?);
            if !keys.contains(&key) {
                keys.push(key);
            }
        }
    }
    Ok(Some(keys))
}

/// The indentation unit from `space`: up to 10 spaces for a number, the first 10 code units of a
/// string (Number and String wrappers count as their primitives).
fn gap(rt: &Runtime, space: &Value) -> JsResult<String> {
    let space = match class_of(rt, space) {
        Some(ObjectClass::Primitive(Value::Number(_))) => Value::Number(rt.to_number(space)?),
        Some(ObjectClass::Primitive(Value::String(_))) => Value::String(rt.to_string(space)?),
        _ => space.clone(),
    };
    Ok(match space {
        Value::Number(n) => " ".repeat(n.trunc().clamp(0.0, 10.0) as usize),
        Value::String(s) => {
            let units = s.to_utf16();
            JsString::from_utf16(&units[..units.len().min(10)]).to_rust_string()
        }
        _ => String::new(),
    })
}

/// Appends the escape of a character JSON may not hold literally.
fn escape(c: char, out: &mut String) {
    match c {
        '"' => out.push_str("\\\""),
        '\\' => out.push_str("\\\\"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\u{8}' => out.push_str("\\b"),
        '\u{c}' => out.push_str("\\f"),
        c => out.push_str(&format!("\\u{:04x}", c as u32)),
    }
}

/// Appends `s` as a JSON string literal; lone surrogates are escaped (well-formed stringify).
fn quote(s: &JsString, out: &mut String) {
    out.push('"');
    if let JsString::Text(t) = s {
        // Well-formed text (nearly every string): copied in runs between the characters that
        // need escaping, without going through UTF-16 (bench_builtins: stringify of 1 KB).
        let mut run = 0;
        for (i, c) in t.char_indices() {
            if matches!(c, '"' | '\\') || (c as u32) < 0x20 {
                out.push_str(&t[run..i]);
                escape(c, out);
                run = i + c.len_utf8();
            }
        }
        out.push_str(&t[run..]);
        out.push('"');
        return;
    }
    for c in char::decode_utf16(s.to_utf16()) {
        match c {
            Ok('"') => out.push_str("\\\""),
            Ok('\\') => out.push_str("\\\\"),
            Ok('\n') => out.push_str("\\n"),
            Ok('\r') => out.push_str("\\r"),
            Ok('\t') => out.push_str("\\t"),
            Ok('\u{8}') => out.push_str("\\b"),
            Ok('\u{c}') => out.push_str("\\f"),
            Ok(c) if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            Ok(c) => out.push(c),
            Err(lone) => out.push_str(&format!("\\u{:04x}", lone.unpaired_surrogate())),
        }
    }
    out.push('"');
}

impl Serializer<'_> {
    /// `SerializeJSONProperty(key, holder)`: appends the value and returns true, or returns false
    /// when it serialises to nothing (undefined, functions, symbols).
    fn property(&mut self, holder: ObjectId, key: &PropertyKey, out: &mut String) -> JsResult<bool> {
        let rt = self.rt;
        let mut value = rt.get(&Value::Object(holder), key)?;
        if matches!(value, Value::Object(_) | Value::BigInt(_)) {
            let to_json = rt.get_named(&value, "toJSON")?;
            if rt.is_callable(&to_json) {
                value = rt.call(&to_json, value, &[key.to_value()])?;
            }
        }
        if let Some(replacer) = &self.replacer {
            value = rt.call(replacer, Value::Object(holder), &[key.to_value(), value])?;
        }
        // Wrappers serialise as their primitives (read through valueOf/toString, as the spec does).
        value = match class_of(rt, &value) {
            Some(ObjectClass::Primitive(Value::Number(_))) => Value::Number(rt.to_number(&value)?),
            Some(ObjectClass::Primitive(Value::String(_))) => Value::String(rt.to_string(&value)?),
            Some(ObjectClass::Primitive(p @ (Value::Bool(_) | Value::BigInt(_)))) => p,
            _ => value,
        };
        match &value {
            Value::Undefined | Value::Symbol(_) => return Ok(false),
            Value::Null => out.push_str("null"),
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Value::Number(n) if n.is_finite() => out.push_str(&rt.to_string(&value)?.to_rust_string()),
            Value::Number(_) => out.push_str("null"),
            Value::String(s) => quote(s, out),
            Value::BigInt(_) => return Err(rt.type_error("Do not know how to serialize a BigInt".into())),
            Value::Object(_) if rt.is_callable(&value) => return Ok(false),
            Value::Object(id) => self.object(*id, out)?,
        }
        Ok(true)
    }

    /// `SerializeJSONObject` and `SerializeJSONArray`.
    fn object(&mut self, id: ObjectId, out: &mut String) -> JsResult<()> {
        if self.stack.contains(&id) {
            return Err(self.rt.type_error("Converting circular structure to JSON".into()));
        }
        // The walk recurses, as V8's does, and stops where the host's calls do.
        if self.rt.out_of_stack(self.stack.len()) {
            return Err(self.rt.too_deep());
        }
        self.stack.push(id);
        let stepback = self.indent.clone();
        self.indent.push_str(&self.gap);
        let is_array = self.rt.is_array_value(&Value::Object(id))?;
        let (open, close) = if is_array { ('[', ']') } else { ('{', '}') };
        out.push(open);
        // Items are written straight into `out`, each after its separator; an object property
        // that serialises to nothing is cut off again.
        let separator = if self.gap.is_empty() { ",".to_string() } else { format!(",\n{}", self.indent) };
        let mut count = 0;
        if is_array {
            for i in 0..super::coerce::length_of(self.rt, &Value::Object(id))? as u32 {
                out.push_str(if count == 0 {
                    if self.gap.is_empty() {
                        ""
                    } else {
                        "\n"
                    }
                } else {
                    &separator
                });
                if count == 0 && !self.gap.is_empty() {
                    out.push_str(&self.indent);
                }
                if !self.property(id, &PropertyKey::Index(i), out)? {
                    out.push_str("null");
                }
                count += 1;
            }
        } else {
            let keys = match &self.allowed {
                Some(keys) => keys.clone(),
                None => self.rt.enumerable_own_keys(id)?,
            };
            for key in keys {
                let mark = out.len();
                out.push_str(if count == 0 {
                    if self.gap.is_empty() {
                        ""
                    } else {
                        "\n"
                    }
                } else {
                    &separator
                });
                if count == 0 && !self.gap.is_empty() {
                    out.push_str(&self.indent);
                }
                match &key {
                    PropertyKey::String(name) => quote(name, out),
                    other => quote(&self.rt.to_string(&other.to_value())?, out),
                }
                out.push(':');
                if !self.gap.is_empty() {
                    out.push(' ');
                }
                if self.property(id, &key, out)? {
                    count += 1;
                } else {
                    out.truncate(mark);
                }
            }
        }
        if count > 0 && !self.gap.is_empty() {
            out.push('\n');
            out.push_str(&stepback);
        }
        out.push(close);
        self.indent = stepback;
        self.stack.pop();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{builtin_function, call, on_a_host_sized_stack, parse, runtime, thrown};

    fn stringify_with(rt: &Runtime, args: &[Value]) -> String {
        match call(rt, "JSON.stringify", args).unwrap() {
            Value::String(s) => s.to_rust_string(),
            other => format!("{other:?}"),
        }
    }

    #[test]
    fn indents_with_numbers_and_strings() {
        // node: JSON.stringify({a:[1,{b:2}],c:"x",d:[]}, null, 2) and with "--"
        let rt = runtime();
        let v = parse(&rt, r#"{"a":[1,{"b":2}],"c":"x","d":[]}"#);
        assert_eq!(
            stringify_with(&rt, &[v.clone(), Value::Null, Value::Number(2.0)]),
            "{\n  \"a\": [\n    1,\n    {\n      \"b\": 2\n    }\n  ],\n  \"c\": \"x\",\n  \"d\": []\n}"
        );
        let e = parse(&rt, r#"{"a":[1],"e":{}}"#);
        assert_eq!(stringify_with(&rt, &[e, Value::Null, Value::str("--")]), "{\n--\"a\": [\n----1\n--],\n--\"e\": {}\n}");
        // node: JSON.stringify([1], null, 20) caps at 10; a long string at its first 10 units.
        let one = parse(&rt, "[1]");
        assert_eq!(stringify_with(&rt, &[one.clone(), Value::Null, Value::Number(20.0)]), format!("[\n{}1\n]", " ".repeat(10)));
        assert_eq!(stringify_with(&rt, &[one, Value::Null, Value::str("abcdefghijklmnop")]), "[\nabcdefghij1\n]");
    }

    #[test]
    fn replacer_array_filters_and_orders_keys() {
        // node: JSON.stringify({a:1,b:2,c:{a:3,z:4}}, ["a","c",1,"a"]) -> {"a":1,"c":{"a":3}}
        let rt = runtime();
        let v = parse(&rt, r#"{"a":1,"b":2,"c":{"a":3,"z":4}}"#);
        let list = parse(&rt, r#"["a","c",1,"a"]"#);
        assert_eq!(stringify_with(&rt, &[v, list]), r#"{"a":1,"c":{"a":3}}"#);
    }

    #[test]
    fn replacer_function_runs_on_every_property() {
        // node: JSON.stringify({a:1,b:"x"}, (k, v) => typeof v === "number" ? v + 1 : v) -> {"a":2,"b":"x"}
        fn plus_one(_: &Runtime, _: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
            Ok(match arg(args, 1) {
                Value::Number(n) => Value::Number(n + 1.0),
                v => v,
            })
        }
        let rt = runtime();
        let v = parse(&rt, r#"{"a":1,"b":"x"}"#);
        assert_eq!(stringify_with(&rt, &[v, builtin_function(&rt, plus_one)]), r#"{"a":2,"b":"x"}"#);
    }

    #[test]
    fn skips_undefined_escapes_strings_and_unwraps_primitives() {
        let rt = runtime();
        // node: JSON.stringify("\ud800\u2028\x7f\x01") -> "\ud800\u2028\x7f\u0001" (escaped lone surrogate)
        let s = Value::String(JsString::from_utf16(&[0xd800, 0x2028, 0x7f, 0x01]));
        assert_eq!(stringify_with(&rt, &[s]), "\"\\ud800\u{2028}\u{7f}\\u0001\"");
        // node: JSON.stringify([undefined, Symbol()]) -> [null,null]; JSON.stringify({a: undefined}) -> {}
        let arr = rt.new_array(vec![Value::Undefined, Value::Symbol(rt.new_symbol(None))]);
        assert_eq!(stringify_with(&rt, &[Value::Object(arr)]), "[null,null]");
        let obj = parse(&rt, "{}");
        rt.set_named(&obj, "a", Value::Undefined).unwrap();
        assert_eq!(stringify_with(&rt, &[obj]), "{}");
        // node: JSON.stringify([new String("s"), new Number(3), new Boolean(false)]) -> ["s",3,false]
        let wrapped: Vec<Value> =
            [Value::str("s"), Value::Number(3.0), Value::Bool(false)].iter().map(|p| Value::Object(rt.to_object(p).unwrap())).collect();
        assert_eq!(stringify_with(&rt, &[Value::Object(rt.new_array(wrapped))]), r#"["s",3,false]"#);
        assert!(matches!(call(&rt, "JSON.stringify", &[Value::Undefined]).unwrap(), Value::Undefined));
    }

    #[test]
    fn deep_values_throw_a_range_error() {
        // node: JSON.stringify(JSON.parse("[".repeat(100000) + "]".repeat(100000)))
        on_a_host_sized_stack(|| {
            let rt = runtime();
            let depth = 100_000;
            let deep = call(&rt, "JSON.parse", &[Value::str(&format!("{}{}", "[".repeat(depth), "]".repeat(depth)))]).unwrap();
            assert_eq!(thrown(&rt, call(&rt, "JSON.stringify", &[deep])), "RangeError: Maximum call stack size exceeded");
        });
    }

    #[test]
    fn cycles_throw() {
        let rt = runtime();
        let a = parse(&rt, "{}");
        rt.set_named(&a, "self", a.clone()).unwrap();
        assert_eq!(thrown(&rt, call(&rt, "JSON.stringify", &[a])), "TypeError: Converting circular structure to JSON");
    }
}
