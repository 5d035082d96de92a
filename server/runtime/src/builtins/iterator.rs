//! Iterators over arrays, Sets and Maps (`values()`, `keys()`, `entries()`, `[Symbol.iterator]`),
//! and [`iterate`], the iteration protocol the Set and Map constructors consume.

use super::super::collections::{CollectionIterator, IterationKind};
use super::super::object::{BuiltinFn, ObjectClass};
use super::super::object_id::ObjectId;
use super::super::property::{Property, PropertyKey};
use super::super::realm::{Builder, Realm};
use super::super::string::code_point;
use super::super::value::Value;
use super::super::{JsResult, Runtime};
use super::coerce::{class_of, describe, describe_operand};
use super::define::{return_this, symbol_method, to_string_tag};

pub fn install(b: &mut Builder, realm: &Realm) {
    // %IteratorPrototype%[Symbol.iterator] returns `this`, which makes every iterator iterable.
    let iterator_prototype = b.heap.obj(realm.array_iterator_prototype).proto.expect("iterator prototypes inherit");
    symbol_method(b, iterator_prototype, realm.symbol_iterator, "[Symbol.iterator]", 0, return_this);
    let kinds = [
        (realm.array_iterator_prototype, "Array Iterator", array_iterator_next as BuiltinFn),
        (realm.set_iterator_prototype, "Set Iterator", set_iterator_next),
        (realm.map_iterator_prototype, "Map Iterator", map_iterator_next),
        (realm.string_iterator_prototype, "String Iterator", string_iterator_next),
    ];
    for (proto, tag, next) in kinds {
        b.method(proto, "next", 0, next);
        to_string_tag(b, realm, proto, tag);
    }
    let proto = realm.array_prototype;
    b.method(proto, "entries", 0, array_entries);
    b.method(proto, "keys", 0, array_keys);
    let values = b.method(proto, "values", 0, array_values);
    // Array.prototype[Symbol.iterator] is the very `values` function, as in V8.
    b.heap.put(proto, PropertyKey::Symbol(realm.symbol_iterator), Property::hidden(Value::Object(values)));
}

/// A new iterator over `target` with the prototype `proto` (one of the realm's iterator
/// prototypes).
pub(super) fn new_iterator(rt: &Runtime, target: ObjectId, kind: IterationKind, proto: ObjectId) -> Value {
    let state = CollectionIterator { target: Some(target), kind, position: 0 };
    Value::Object(rt.heap.borrow_mut().new_object(ObjectClass::Iterator(state), Some(proto)))
}

/// `{ value, done }`, the object every `next()` returns.
pub(super) fn iterator_result(rt: &Runtime, value: Value, done: bool) -> Value {
    let obj = rt.new_plain_object();
    let mut heap = rt.heap.borrow_mut();
    heap.put(obj, PropertyKey::name("value"), Property::data(value));
    heap.put(obj, PropertyKey::name("done"), Property::data(Value::Bool(done)));
    Value::Object(obj)
}

fn array_iterator(rt: &Runtime, this: Value, kind: IterationKind) -> JsResult<Value> {
    let obj = rt.to_object(&this).ok_or_else(|| rt.type_error("Array.prototype.values called on null or undefined".into()))?;
    Ok(new_iterator(rt, obj, kind, rt.realm.array_iterator_prototype))
}

pub(super) fn array_values(rt: &Runtime, this: Value, _: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    array_iterator(rt, this, IterationKind::Values)
}

pub(super) fn array_keys(rt: &Runtime, this: Value, _: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    array_iterator(rt, this, IterationKind::Keys)
}

pub(super) fn array_entries(rt: &Runtime, this: Value, _: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    array_iterator(rt, this, IterationKind::Entries)
}

fn array_iterator_next(rt: &Runtime, this: Value, _: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    iterator_next(rt, this, "Array Iterator")
}

fn set_iterator_next(rt: &Runtime, this: Value, _: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    iterator_next(rt, this, "Set Iterator")
}

fn string_iterator_next(rt: &Runtime, this: Value, _: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let state = match class_of(rt, &this) {
        Some(ObjectClass::Iterator(state)) if state.kind == IterationKind::CodePoints => state,
        _ => {
            return Err(
                rt.type_error(format!("Method String Iterator.prototype.next called on incompatible receiver {}", describe(rt, &this)))
            )
        }
    };
    let Value::Object(iter) = this else { unreachable!("only objects have a class") };
    let Some(target) = state.target else { return Ok(iterator_result(rt, Value::Undefined, true)) };
    let units = match class_of(rt, &Value::Object(target)) {
        Some(ObjectClass::Primitive(Value::String(s))) => s.to_utf16(),
        _ => Vec::new(),
    };
    let at = state.position;
    let (value, next) = if at < units.len() {
        let (_, n) = code_point(&units, at);
        (Some(super::coerce::units_value(&units[at..at + n])), at + n)
    } else {
        (None, at)
    };
    if let Some(ObjectClass::Iterator(s)) = rt.heap.borrow_mut().get_mut(iter).map(|o| &mut o.class) {
        s.position = next;
        if value.is_none() {
            s.target = None;
        }
    }
    Ok(match value {
        Some(v) => iterator_result(rt, v, false),
        None => iterator_result(rt, Value::Undefined, true),
    })
}

fn map_iterator_next(rt: &Runtime, this: Value, _: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    iterator_next(rt, this, "Map Iterator")
}

/// One step of any host iterator. Sets and Maps are walked by table slot, so entries added during
/// iteration are visited and deleted ones skipped, as the spec's iterators do.
fn iterator_next(rt: &Runtime, this: Value, tag: &str) -> JsResult<Value> {
    let state = match class_of(rt, &this) {
        Some(ObjectClass::Iterator(state)) => state,
        _ => return Err(rt.type_error(format!("Method {tag}.prototype.next called on incompatible receiver {}", describe(rt, &this)))),
    };
    let Value::Object(iter) = this else { unreachable!("only objects have a class") };
    let Some(target) = state.target else { return Ok(iterator_result(rt, Value::Undefined, true)) };
    let step = match class_of(rt, &Value::Object(target)) {
        Some(ObjectClass::Set(table) | ObjectClass::Map(table)) => table.next_entry(state.position).map(|(slot, k, v)| (slot + 1, k, v)),
        _ => {
            let length = rt.get_named(&Value::Object(target), "length")?;
            let len = rt.to_number(&length)?;
            let i = state.position;
            if (i as f64) < len {
                let value = match state.kind {
                    IterationKind::Keys => Value::Undefined,
                    _ => rt.get(&Value::Object(target), &PropertyKey::Index(i as u32))?,
                };
                Some((i + 1, Value::Number(i as f64), value))
            } else {
                None
            }
        }
    };
    let (target, position, value) = match step {
        None => (None, state.position, Value::Undefined),
        Some((next, key, value)) => {
            let value = match state.kind {
                IterationKind::Keys => key,
                IterationKind::Entries => Value::Object(rt.new_array(vec![key, value])),
                _ => value,
            };
            (Some(target), next, value)
        }
    };
    let done = target.is_none();
    if let Some(ObjectClass::Iterator(s)) = rt.heap.borrow_mut().get_mut(iter).map(|o| &mut o.class) {
        s.target = target;
        s.position = position;
    }
    Ok(iterator_result(rt, value, done))
}

/// Runs `each` on every value `iterable` yields through `[Symbol.iterator]()` (so host arrays,
/// Sets, Maps and any object following the protocol). When `each` throws, the iterator's
/// `return` is called first, as the spec's IteratorClose requires.
pub fn iterate(rt: &Runtime, iterable: &Value, mut each: impl FnMut(Value) -> JsResult<()>) -> JsResult<()> {
    let method = match iterable {
        Value::Undefined | Value::Null => Value::Undefined,
        v => rt.get(v, &PropertyKey::Symbol(rt.realm.symbol_iterator))?,
    };
    if !rt.is_callable(&method) {
        return Err(
            rt.type_error(format!("{} is not iterable (cannot read property Symbol(Symbol.iterator))", describe_operand(rt, iterable)))
        );
    }
    let iterator = rt.call(&method, iterable.clone(), &[])?;
    if !matches!(iterator, Value::Object(_)) {
        return Err(rt.type_error("Result of the Symbol.iterator method is not an object".into()));
    }
    let next = rt.get_named(&iterator, "next")?;
    loop {
        let result = rt.call(&next, iterator.clone(), &[])?;
        if !matches!(result, Value::Object(_)) {
            return Err(rt.type_error(format!("Iterator result {} is not an object", describe(rt, &result))));
        }
        if rt.to_boolean(&rt.get_named(&result, "done")?) {
            return Ok(());
        }
        let value = rt.get_named(&result, "value")?;
        if let Err(e) = each(value) {
            if let Ok(ret) = rt.get_named(&iterator, "return") {
                if rt.is_callable(&ret) {
                    // The original exception wins over anything `return` throws.
                    let _ = rt.call(&ret, iterator.clone(), &[]);
                }
            }
            return Err(e);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{global, json, method, parse, runtime, thrown};

    /// Collects an iterator by calling `next()` until done.
    fn drain(rt: &Runtime, iter: &Value) -> Vec<String> {
        let mut out = Vec::new();
        loop {
            let r = method(rt, iter, "next", &[]).unwrap();
            out.push(json(rt, &r));
            if rt.to_boolean(&rt.get_named(&r, "done").unwrap()) {
                return out;
            }
        }
    }

    #[test]
    fn array_iterators_yield_values_keys_entries_then_stay_done() {
        // node: [...["a","b"].entries()] and the final {value: undefined, done: true}
        let rt = runtime();
        let arr = parse(&rt, r#"["a","b"]"#);
        let values = method(&rt, &arr, "values", &[]).unwrap();
        assert_eq!(drain(&rt, &values), [r#"{"value":"a","done":false}"#, r#"{"value":"b","done":false}"#, r#"{"done":true}"#]);
        // Exhausted iterators do not see later pushes.
        method(&rt, &arr, "push", &[Value::str("c")]).unwrap();
        assert_eq!(json(&rt, &method(&rt, &values, "next", &[]).unwrap()), r#"{"done":true}"#);
        let entries = method(&rt, &arr, "entries", &[]).unwrap();
        assert_eq!(drain(&rt, &entries)[2], r#"{"value":[2,"c"],"done":false}"#);
        let keys = method(&rt, &arr, "keys", &[]).unwrap();
        assert_eq!(drain(&rt, &keys)[1], r#"{"value":1,"done":false}"#);
    }

    #[test]
    fn symbol_iterator_is_values_and_iterators_are_iterable() {
        let rt = runtime();
        let proto = global(&rt, "Array.prototype");
        let sym = PropertyKey::Symbol(rt.realm.symbol_iterator);
        let values = rt.get_named(&proto, "values").unwrap();
        assert!(rt.strict_equals(&rt.get(&proto, &sym).unwrap(), &values));
        let iter = method(&rt, &parse(&rt, "[1]"), "values", &[]).unwrap();
        let f = rt.get(&iter, &sym).unwrap();
        assert!(rt.strict_equals(&rt.call(&f, iter.clone(), &[]).unwrap(), &iter));
        // node: Object.prototype.toString.call([].values()) === "[object Array Iterator]"
        let to_string = global(&rt, "Object.prototype.toString");
        assert_eq!(json(&rt, &rt.call(&to_string, iter, &[]).unwrap()), r#""[object Array Iterator]""#);
    }

    #[test]
    fn next_on_a_foreign_receiver_throws_like_v8() {
        // node: new Set().values().next.call({}) ->
        //   TypeError: Method Set Iterator.prototype.next called on incompatible receiver #<Object>
        let rt = runtime();
        let next = rt.get_named(&Value::Object(rt.realm.set_iterator_prototype), "next").unwrap();
        let obj = Value::Object(rt.new_plain_object());
        assert_eq!(
            thrown(&rt, rt.call(&next, obj, &[])),
            "TypeError: Method Set Iterator.prototype.next called on incompatible receiver #<Object>"
        );
    }
}
