//! The `Array.prototype` methods that call a function per element: `forEach`, `map`, `filter`,
//! `every`, `some`, the `find` family, `reduce`, `reduceRight` and `flatMap`. Each visits the
//! indices present when it reaches them (holes are skipped, except by the `find` family, which
//! reads every index as the spec says).

use super::super::object_id::ObjectId;
use super::super::property::PropertyKey;
use super::super::realm::{Builder, Realm};
use super::super::value::Value;
use super::super::{JsResult, Runtime};
use super::array::{flatten_into, this_array_like};
use super::coerce::{arg, get_index, has_index, index_key, put, require_callable};

pub fn install(b: &mut Builder, realm: &Realm) {
    let p = realm.array_prototype;
    b.method(p, "forEach", 1, for_each);
    b.method(p, "map", 1, map);
    b.method(p, "filter", 1, filter);
    b.method(p, "every", 1, every);
    b.method(p, "some", 1, some);
    b.method(p, "find", 1, find);
    b.method(p, "findIndex", 1, find_index);
    b.method(p, "findLast", 1, find_last);
    b.method(p, "findLastIndex", 1, find_last_index);
    b.method(p, "reduce", 1, reduce);
    b.method(p, "reduceRight", 1, reduce_right);
    b.method(p, "flatMap", 1, flat_map);
}

/// The callback argument, or V8's "number 5 is not a function".
pub(super) fn callback(rt: &Runtime, args: &[Value]) -> JsResult<Value> {
    let f = arg(args, 0);
    require_callable(rt, &f)?;
    Ok(f)
}

/// Calls `f(element, index, obj)` for each present index, in order, until `stop` says so;
/// answers the index it stopped at and the element there.
fn each_present(
    rt: &Runtime,
    this: &Value,
    args: &[Value],
    method: &str,
    mut visit: impl FnMut(f64, Value, Value) -> JsResult<bool>,
) -> JsResult<()> {
    let (obj, len) = this_array_like(rt, this, method)?;
    let f = callback(rt, args)?;
    let this_arg = arg(args, 1);
    let Value::Object(id) = obj else { unreachable!() };
    let mut k = 0.0;
    while k < len {
        if has_index(rt, id, k)? {
            let v = get_index(rt, &obj, k)?;
            let r = rt.call(&f, this_arg.clone(), &[v.clone(), Value::Number(k), obj.clone()])?;
            if !visit(k, v, r)? {
                break;
            }
        }
        k += 1.0;
    }
    Ok(())
}

pub(super) fn for_each(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    each_present(rt, &this, args, "forEach", |_, _, _| Ok(true))?;
    Ok(Value::Undefined)
}

fn map(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let (_, len) = this_array_like(rt, &this, "map")?;
    if len > u32::MAX as f64 {
        return Err(rt.range_error("Invalid array length".into()));
    }
    callback(rt, args)?;
    let out = rt.new_array(Vec::new());
    put(rt, &Value::Object(out), PropertyKey::name("length"), Value::Number(len))?;
    each_present(rt, &this, args, "map", |k, _, r| {
        rt.create_data_property(out, index_key(k), r)?;
        Ok(true)
    })?;
    Ok(Value::Object(out))
}

fn filter(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let mut kept = Vec::new();
    each_present(rt, &this, args, "filter", |_, v, r| {
        if rt.to_boolean(&r) {
            kept.push(v);
        }
        Ok(true)
    })?;
    Ok(Value::Object(rt.new_array(kept)))
}

pub(super) fn every(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let mut all = true;
    each_present(rt, &this, args, "every", |_, _, r| {
        all = rt.to_boolean(&r);
        Ok(all)
    })?;
    Ok(Value::Bool(all))
}

pub(super) fn some(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let mut any = false;
    each_present(rt, &this, args, "some", |_, _, r| {
        any = rt.to_boolean(&r);
        Ok(!any)
    })?;
    Ok(Value::Bool(any))
}

/// The `find` family: every index from one end, holes read as `undefined`.
fn find_from(rt: &Runtime, this: &Value, args: &[Value], method: &str, backwards: bool) -> JsResult<Option<(f64, Value)>> {
    let (obj, len) = this_array_like(rt, this, method)?;
    let f = callback(rt, args)?;
    let this_arg = arg(args, 1);
    for i in 0..len as u64 {
        let k = if backwards { len - 1.0 - i as f64 } else { i as f64 };
        let v = get_index(rt, &obj, k)?;
        let r = rt.call(&f, this_arg.clone(), &[v.clone(), Value::Number(k), obj.clone()])?;
        if rt.to_boolean(&r) {
            return Ok(Some((k, v)));
        }
    }
    Ok(None)
}

pub(super) fn find(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    Ok(find_from(rt, &this, args, "find", false)?.map_or(Value::Undefined, |(_, v)| v))
}

pub(super) fn find_index(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    Ok(Value::Number(find_from(rt, &this, args, "findIndex", false)?.map_or(-1.0, |(k, _)| k)))
}

pub(super) fn find_last(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    Ok(find_from(rt, &this, args, "findLast", true)?.map_or(Value::Undefined, |(_, v)| v))
}

pub(super) fn find_last_index(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    Ok(Value::Number(find_from(rt, &this, args, "findLastIndex", true)?.map_or(-1.0, |(k, _)| k)))
}

fn reduce_from(rt: &Runtime, this: &Value, args: &[Value], method: &str, backwards: bool) -> JsResult<Value> {
    let (obj, len) = this_array_like(rt, this, method)?;
    let f = callback(rt, args)?;
    let Value::Object(id) = obj else { unreachable!() };
    let index = |i: f64| if backwards { len - 1.0 - i } else { i };
    let mut i = 0.0;
    let mut acc = if args.len() >= 2 {
        args[1].clone()
    } else {
        loop {
            if i >= len {
                return Err(rt.type_error("Reduce of empty array with no initial value".into()));
            }
            let k = index(i);
            i += 1.0;
            if has_index(rt, id, k)? {
                break get_index(rt, &obj, k)?;
            }
        }
    };
    while i < len {
        let k = index(i);
        if has_index(rt, id, k)? {
            let v = get_index(rt, &obj, k)?;
            acc = rt.call(&f, Value::Undefined, &[acc, v, Value::Number(k), obj.clone()])?;
        }
        i += 1.0;
    }
    Ok(acc)
}

pub(super) fn reduce(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    reduce_from(rt, &this, args, "reduce", false)
}

pub(super) fn reduce_right(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    reduce_from(rt, &this, args, "reduceRight", true)
}

fn flat_map(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let (obj, len) = this_array_like(rt, &this, "flatMap")?;
    let f = callback(rt, args)?;
    let out = rt.new_array(Vec::new());
    flatten_into(rt, out, &obj, len, 0.0, 1.0, Some((&f, &arg(args, 1))))?;
    Ok(Value::Object(out))
}
