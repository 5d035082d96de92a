//! `Array`, `Array.from`, `Array.of`, `Array.isArray`, and the `Array.prototype` methods that
//! read without calling back (`at`, `concat`, `join`, `slice`, `indexOf`...). The methods that
//! take callbacks are in `array_callbacks`, the ones that reorder or change the array in
//! `array_mutate`. Every method is generic, as the spec writes them: it works on any array-like
//! `this` through `Get`/`Set`, so it also works on arguments objects and typed arrays.

use super::super::object_id::ObjectId;
use super::super::property::{Property, PropertyKey};
use super::super::realm::{Builder, Realm};
use super::super::value::Value;
use super::super::{JsResult, Runtime};
use super::coerce::{
    adopt_prototype, arg, get_index, has_index, index_key, is_array, length_of, put, relative_index, require_callable, this_object,
    to_integer, MAX_SAFE,
};
use super::define::species_getter;
use super::iterator::iterate;

pub fn install(b: &mut Builder, realm: &Realm) {
    let array = b.constructor(realm.global, "Array", 1, array_ctor, realm.array_prototype);
    b.method(array, "isArray", 1, array_is_array);
    b.method(array, "from", 1, array_from);
    b.method(array, "of", 0, array_of);
    species_getter(b, realm, array);
    let p = realm.array_prototype;
    b.method(p, "at", 1, at);
    b.method(p, "concat", 1, concat);
    b.method(p, "join", 1, join);
    b.method(p, "toString", 0, to_string);
    b.method(p, "toLocaleString", 0, to_locale_string);
    b.method(p, "slice", 2, slice);
    b.method(p, "indexOf", 1, index_of);
    b.method(p, "lastIndexOf", 1, last_index_of);
    b.method(p, "includes", 1, includes);
    b.method(p, "flat", 0, flat);
    // Array.prototype[Symbol.unscopables]: the names `with` statements skip (a null-prototype
    // object of `true`s, as V8 has it).
    let unscopables = b.heap.new_object(super::super::object::ObjectClass::Plain, None);
    for name in [
        "at",
        "copyWithin",
        "entries",
        "fill",
        "find",
        "findIndex",
        "findLast",
        "findLastIndex",
        "flat",
        "flatMap",
        "includes",
        "keys",
        "toReversed",
        "toSorted",
        "toSpliced",
        "values",
    ] {
        b.heap.put(unscopables, PropertyKey::name(name), Property::data(Value::Bool(true)));
    }
    let key = PropertyKey::Symbol(realm.symbol_unscopables);
    b.heap.put(p, key, Property { writable: false, ..Property::hidden(Value::Object(unscopables)) });
}

/// `new Array(len)` / `Array(a, b, c)`.
fn array_ctor(rt: &Runtime, _: Value, args: &[Value], new_target: Option<ObjectId>) -> JsResult<Value> {
    let arr = match args {
        [Value::Number(n)] => {
            if !(*n >= 0.0 && n.fract() == 0.0 && *n <= u32::MAX as f64) {
                return Err(rt.range_error("Invalid array length".into()));
            }
            rt.new_array_of_length(*n as u32, 0)
        }
        _ => rt.new_array(args.to_vec()),
    };
    if let Some(nt) = new_target {
        adopt_prototype(rt, arr, nt)?;
    }
    Ok(Value::Object(arr))
}

fn array_is_array(rt: &Runtime, _: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    Ok(Value::Bool(is_array(rt, &arg(args, 0))?))
}

/// `Array.from(items, mapFn, thisArg)`: iterables through their iterator, array-likes by length.
fn array_from(rt: &Runtime, _: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let items = arg(args, 0);
    let map = arg(args, 1);
    let this_arg = arg(args, 2);
    if !matches!(map, Value::Undefined) {
        require_callable(rt, &map)?;
    }
    let mapping = rt.is_callable(&map);
    let mut out = Vec::new();
    let apply = |v: Value, k: usize| -> JsResult<Value> {
        if mapping {
            rt.call(&map, this_arg.clone(), &[v, Value::Number(k as f64)])
        } else {
            Ok(v)
        }
    };
    if items.is_nullish() {
        return Err(rt.type_error(format!("{} is not iterable (cannot read property Symbol(Symbol.iterator))", items.to_display(rt))));
    }
    let iter_fn = rt.get(&items, &PropertyKey::Symbol(rt.realm.symbol_iterator))?;
    if !iter_fn.is_nullish() {
        iterate(rt, &items, |v| {
            let k = out.len();
            out.push(apply(v, k)?);
            Ok(())
        })?;
    } else {
        let obj = Value::Object(rt.to_object(&items).expect("not nullish"));
        let len = length_of(rt, &obj)?;
        for k in 0..len as usize {
            let v = get_index(rt, &obj, k as f64)?;
            out.push(apply(v, k)?);
        }
    }
    Ok(Value::Object(rt.new_array(out)))
}

fn array_of(rt: &Runtime, _: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    Ok(Value::Object(rt.new_array(args.to_vec())))
}

/// `ToObject(this)` and its length, the start of nearly every method.
pub(super) fn this_array_like(rt: &Runtime, this: &Value, method: &str) -> JsResult<(Value, f64)> {
    let obj = Value::Object(this_object(rt, this, &format!("Array.prototype.{method}"))?);
    let len = length_of(rt, &obj)?;
    Ok((obj, len))
}

pub(super) fn at(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let obj = Value::Object(super::object::require_object(rt, &this)?);
    let len = length_of(rt, &obj)?;
    let rel = to_integer(rt, &arg(args, 0))?;
    let k = if rel >= 0.0 { rel } else { len + rel };
    if k < 0.0 || k >= len {
        return Ok(Value::Undefined);
    }
    get_index(rt, &obj, k)
}

/// `IsConcatSpreadable`: `[Symbol.isConcatSpreadable]` when defined, else whether it is an array.
fn is_spreadable(rt: &Runtime, v: &Value) -> JsResult<bool> {
    if !matches!(v, Value::Object(_)) {
        return Ok(false);
    }
    let flag = rt.get(v, &PropertyKey::Symbol(rt.realm.symbol_is_concat_spreadable))?;
    if !matches!(flag, Value::Undefined) {
        return Ok(rt.to_boolean(&flag));
    }
    is_array(rt, v)
}

fn concat(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let obj = Value::Object(this_object(rt, &this, "Array.prototype.concat")?);
    let out = rt.new_array(Vec::new());
    let out_v = Value::Object(out);
    let mut n = 0f64;
    for item in std::iter::once(&obj).chain(args.iter()) {
        if is_spreadable(rt, item)? {
            let len = length_of(rt, item)?;
            if n + len > MAX_SAFE {
                return Err(rt.type_error("Invalid array length".into()));
            }
            let Value::Object(src) = item else { unreachable!("spreadables are objects") };
            for k in 0..len as u64 {
                if has_index(rt, *src, k as f64)? {
                    rt.create_data_property(out, index_key(n), get_index(rt, item, k as f64)?)?;
                }
                n += 1.0;
            }
        } else {
            rt.create_data_property(out, index_key(n), item.clone())?;
            n += 1.0;
        }
    }
    put(rt, &out_v, PropertyKey::name("length"), Value::Number(n))?;
    Ok(out_v)
}

/// `join` with cycle detection: an array met again while it is being joined gives "" (V8).
pub(super) fn join(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let obj = Value::Object(super::object::require_object(rt, &this)?);
    let len = length_of(rt, &obj)?;
    let sep = match arg(args, 0) {
        Value::Undefined => vec![b',' as u16],
        v => rt.to_string(&v)?.to_utf16(),
    };
    let Value::Object(id) = obj else { unreachable!() };
    if rt.join_stack.borrow().contains(&id) {
        return Ok(Value::str(""));
    }
    if len * (sep.len() as f64) > (1u64 << 29) as f64 {
        return Err(rt.range_error("Invalid string length".into()));
    }
    rt.join_stack.borrow_mut().push(id);
    let result = (|| {
        let mut out: Vec<u16> = Vec::new();
        for k in 0..len as u64 {
            if k > 0 {
                out.extend_from_slice(&sep);
            }
            let v = get_index(rt, &obj, k as f64)?;
            if !v.is_nullish() {
                out.extend(rt.to_string(&v)?.to_utf16());
            }
            if out.len() > (1 << 29) - 24 {
                return Err(rt.range_error("Invalid string length".into()));
            }
        }
        Ok(super::coerce::units_value(&out))
    })();
    rt.join_stack.borrow_mut().pop();
    result
}

fn to_string(rt: &Runtime, this: Value, _: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let obj = Value::Object(super::object::require_object(rt, &this)?);
    let join = rt.get_named(&obj, "join")?;
    if rt.is_callable(&join) {
        return rt.call(&join, obj, &[]);
    }
    super::object::object_to_string(rt, obj, &[], None)
}

pub(super) fn to_locale_string(rt: &Runtime, this: Value, _: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let obj = Value::Object(super::object::require_object(rt, &this)?);
    let len = length_of(rt, &obj)?;
    let Value::Object(id) = obj else { unreachable!() };
    if rt.join_stack.borrow().contains(&id) {
        return Ok(Value::str(""));
    }
    rt.join_stack.borrow_mut().push(id);
    let result = (|| {
        let mut out: Vec<u16> = Vec::new();
        for k in 0..len as u64 {
            if k > 0 {
                out.push(b',' as u16);
            }
            let v = get_index(rt, &obj, k as f64)?;
            if !v.is_nullish() {
                let f = rt.get_named(&v, "toLocaleString")?;
                let s = rt.call(&f, v, &[])?;
                out.extend(rt.to_string(&s)?.to_utf16());
            }
        }
        Ok(super::coerce::units_value(&out))
    })();
    rt.join_stack.borrow_mut().pop();
    result
}

fn slice(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let (obj, len) = this_array_like(rt, &this, "slice")?;
    let start = relative_index(rt, args.first(), len, 0.0)?;
    let end = relative_index(rt, args.get(1), len, len)?;
    let Value::Object(src) = obj else { unreachable!() };
    let out = rt.new_array(Vec::new());
    let mut n = 0f64;
    let mut k = start;
    while k < end {
        if has_index(rt, src, k)? {
            rt.create_data_property(out, index_key(n), get_index(rt, &obj, k)?)?;
        }
        k += 1.0;
        n += 1.0;
    }
    put(rt, &Value::Object(out), PropertyKey::name("length"), Value::Number(n))?;
    Ok(Value::Object(out))
}

pub(super) fn index_of(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let (obj, len) = this_array_like(rt, &this, "indexOf")?;
    if len == 0.0 {
        return Ok(Value::Number(-1.0));
    }
    let mut k = relative_index(rt, args.get(1), len, 0.0)?;
    let target = arg(args, 0);
    let Value::Object(id) = obj else { unreachable!() };
    while k < len {
        if has_index(rt, id, k)? && rt.strict_equals(&get_index(rt, &obj, k)?, &target) {
            return Ok(Value::Number(k));
        }
        k += 1.0;
    }
    Ok(Value::Number(-1.0))
}

pub(super) fn last_index_of(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let (obj, len) = this_array_like(rt, &this, "lastIndexOf")?;
    if len == 0.0 {
        return Ok(Value::Number(-1.0));
    }
    let from = if args.len() > 1 { to_integer(rt, &args[1])? } else { len - 1.0 };
    let mut k = if from < 0.0 { len + from } else { from.min(len - 1.0) };
    let target = arg(args, 0);
    let Value::Object(id) = obj else { unreachable!() };
    while k >= 0.0 {
        if has_index(rt, id, k)? && rt.strict_equals(&get_index(rt, &obj, k)?, &target) {
            return Ok(Value::Number(k));
        }
        k -= 1.0;
    }
    Ok(Value::Number(-1.0))
}

pub(super) fn includes(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let (obj, len) = this_array_like(rt, &this, "includes")?;
    if len == 0.0 {
        return Ok(Value::Bool(false));
    }
    let mut k = relative_index(rt, args.get(1), len, 0.0)?;
    let target = arg(args, 0);
    while k < len {
        if rt.same_value_zero(&get_index(rt, &obj, k)?, &target) {
            return Ok(Value::Bool(true));
        }
        k += 1.0;
    }
    Ok(Value::Bool(false))
}

/// `FlattenIntoArray`: copies `source`'s elements into `out` from `n`, descending `depth` levels
/// into nested arrays; `map` is `flatMap`'s callback.
pub(super) fn flatten_into(
    rt: &Runtime,
    out: ObjectId,
    source: &Value,
    len: f64,
    mut n: f64,
    depth: f64,
    map: Option<(&Value, &Value)>,
) -> JsResult<f64> {
    let Value::Object(src) = source else { return Ok(n) };
    let mut k = 0.0;
    while k < len {
        if has_index(rt, *src, k)? {
            let mut element = get_index(rt, source, k)?;
            if let Some((f, this_arg)) = map {
                element = rt.call(f, this_arg.clone(), &[element, Value::Number(k), source.clone()])?;
            }
            if depth > 0.0 && is_array(rt, &element)? {
                let inner_len = length_of(rt, &element)?;
                n = flatten_into(rt, out, &element, inner_len, n, depth - 1.0, None)?;
            } else {
                if n >= MAX_SAFE {
                    return Err(rt.type_error("Invalid array length".into()));
                }
                rt.create_data_property(out, index_key(n), element)?;
                n += 1.0;
            }
        }
        k += 1.0;
    }
    Ok(n)
}

fn flat(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let (obj, len) = this_array_like(rt, &this, "flat")?;
    let depth = match arg(args, 0) {
        Value::Undefined => 1.0,
        v => to_integer(rt, &v)?.max(0.0),
    };
    let out = rt.new_array(Vec::new());
    flatten_into(rt, out, &obj, len, 0.0, depth, None)?;
    Ok(Value::Object(out))
}
