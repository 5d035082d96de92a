//! The `Array.prototype` methods that change or reorder: `push`, `pop`, `shift`, `unshift`,
//! `splice`, `fill`, `copyWithin`, `reverse`, `sort`, and the copying `toSorted`, `toReversed`,
//! `toSpliced` and `with` (ES2023, in node 20).

use super::super::object_id::ObjectId;
use super::super::property::PropertyKey;
use super::super::realm::{Builder, Realm};
use super::super::value::Value;
use super::super::{JsResult, Runtime};
use super::array::this_array_like;
use super::coerce::{arg, delete_or_throw, get_index, has_index, index_key, put, relative_index, to_integer, MAX_SAFE};

pub fn install(b: &mut Builder, realm: &Realm) {
    let p = realm.array_prototype;
    b.method(p, "push", 1, push);
    b.method(p, "pop", 0, pop);
    b.method(p, "shift", 0, shift);
    b.method(p, "unshift", 1, unshift);
    b.method(p, "splice", 2, splice);
    b.method(p, "fill", 1, fill);
    b.method(p, "copyWithin", 2, copy_within);
    b.method(p, "reverse", 0, reverse);
    b.method(p, "sort", 1, sort);
    b.method(p, "toSorted", 1, to_sorted);
    b.method(p, "toReversed", 0, to_reversed);
    b.method(p, "toSpliced", 2, to_spliced);
    b.method(p, "with", 2, with);
}

fn set_length(rt: &Runtime, obj: &Value, len: f64) -> JsResult<()> {
    put(rt, obj, PropertyKey::name("length"), Value::Number(len))
}

fn push(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let (obj, mut len) = this_array_like(rt, &this, "push")?;
    if len + args.len() as f64 > MAX_SAFE {
        return Err(rt.type_error(format!(
            "Pushing {} elements on an array-like of length {} is disallowed, as the total surpasses 2**53-1",
            args.len(),
            super::super::number::number_to_string(len)
        )));
    }
    for v in args {
        put(rt, &obj, index_key(len), v.clone())?;
        len += 1.0;
    }
    set_length(rt, &obj, len)?;
    Ok(Value::Number(len))
}

fn pop(rt: &Runtime, this: Value, _: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let (obj, len) = this_array_like(rt, &this, "pop")?;
    if len == 0.0 {
        set_length(rt, &obj, 0.0)?;
        return Ok(Value::Undefined);
    }
    let Value::Object(id) = obj else { unreachable!() };
    let v = get_index(rt, &obj, len - 1.0)?;
    delete_or_throw(rt, id, &index_key(len - 1.0))?;
    set_length(rt, &obj, len - 1.0)?;
    Ok(v)
}

/// Moves `count` elements from `from` to `to` (holes move as holes), in the direction that
/// does not overwrite what is still to be moved.
fn move_elements(rt: &Runtime, obj: &Value, from: f64, to: f64, count: f64) -> JsResult<()> {
    let Value::Object(id) = obj else { unreachable!() };
    let step = |i: f64| -> JsResult<()> {
        let (f, t) = (from + i, to + i);
        if has_index(rt, *id, f)? {
            put(rt, obj, index_key(t), get_index(rt, obj, f)?)
        } else {
            delete_or_throw(rt, *id, &index_key(t))
        }
    };
    if from > to {
        let mut i = 0.0;
        while i < count {
            step(i)?;
            i += 1.0;
        }
    } else {
        let mut i = count - 1.0;
        while i >= 0.0 {
            step(i)?;
            i -= 1.0;
        }
    }
    Ok(())
}

fn shift(rt: &Runtime, this: Value, _: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let (obj, len) = this_array_like(rt, &this, "shift")?;
    if len == 0.0 {
        set_length(rt, &obj, 0.0)?;
        return Ok(Value::Undefined);
    }
    let first = get_index(rt, &obj, 0.0)?;
    move_elements(rt, &obj, 1.0, 0.0, len - 1.0)?;
    let Value::Object(id) = obj else { unreachable!() };
    delete_or_throw(rt, id, &index_key(len - 1.0))?;
    set_length(rt, &obj, len - 1.0)?;
    Ok(first)
}

fn unshift(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let (obj, len) = this_array_like(rt, &this, "unshift")?;
    let n = args.len() as f64;
    if n > 0.0 {
        if len + n > MAX_SAFE {
            return Err(rt.type_error("Invalid array length".into()));
        }
        move_elements(rt, &obj, 0.0, n, len)?;
        for (j, v) in args.iter().enumerate() {
            put(rt, &obj, index_key(j as f64), v.clone())?;
        }
    }
    set_length(rt, &obj, len + n)?;
    Ok(Value::Number(len + n))
}

/// The start and delete count of `splice`/`toSpliced`.
fn splice_range(rt: &Runtime, args: &[Value], len: f64) -> JsResult<(f64, f64)> {
    let start = relative_index(rt, args.first(), len, 0.0)?;
    let delete = match args.len() {
        0 => 0.0,
        1 => len - start,
        _ => to_integer(rt, &args[1])?.clamp(0.0, len - start),
    };
    Ok((start, delete))
}

fn splice(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let (obj, len) = this_array_like(rt, &this, "splice")?;
    let (start, delete) = splice_range(rt, args, len)?;
    let items = args.get(2..).unwrap_or(&[]);
    let n = items.len() as f64;
    if len + n - delete > MAX_SAFE {
        return Err(rt.type_error("Invalid array length".into()));
    }
    let Value::Object(id) = obj else { unreachable!() };
    let removed = rt.new_array(Vec::new());
    let mut k = 0.0;
    while k < delete {
        if has_index(rt, id, start + k)? {
            rt.create_data_property(removed, index_key(k), get_index(rt, &obj, start + k)?)?;
        }
        k += 1.0;
    }
    set_length(rt, &Value::Object(removed), delete)?;
    if n < delete {
        move_elements(rt, &obj, start + delete, start + n, len - start - delete)?;
        let mut k = len;
        while k > len - delete + n {
            delete_or_throw(rt, id, &index_key(k - 1.0))?;
            k -= 1.0;
        }
    } else if n > delete {
        move_elements(rt, &obj, start + delete, start + n, len - start - delete)?;
    }
    for (j, v) in items.iter().enumerate() {
        put(rt, &obj, index_key(start + j as f64), v.clone())?;
    }
    set_length(rt, &obj, len - delete + n)?;
    Ok(Value::Object(removed))
}

fn fill(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let (obj, len) = this_array_like(rt, &this, "fill")?;
    let mut k = relative_index(rt, args.get(1), len, 0.0)?;
    let end = relative_index(rt, args.get(2), len, len)?;
    let v = arg(args, 0);
    while k < end {
        put(rt, &obj, index_key(k), v.clone())?;
        k += 1.0;
    }
    Ok(obj)
}

fn copy_within(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let (obj, len) = this_array_like(rt, &this, "copyWithin")?;
    let to = relative_index(rt, args.first(), len, 0.0)?;
    let from = relative_index(rt, args.get(1), len, 0.0)?;
    let end = relative_index(rt, args.get(2), len, len)?;
    let count = (end - from).min(len - to);
    if count > 0.0 {
        move_elements(rt, &obj, from, to, count)?;
    }
    Ok(obj)
}

fn reverse(rt: &Runtime, this: Value, _: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let (obj, len) = this_array_like(rt, &this, "reverse")?;
    let Value::Object(id) = obj else { unreachable!() };
    let mut lower = 0.0;
    let middle = (len / 2.0).floor();
    while lower != middle {
        let upper = len - lower - 1.0;
        let (has_lower, has_upper) = (has_index(rt, id, lower)?, has_index(rt, id, upper)?);
        let lv = if has_lower { get_index(rt, &obj, lower)? } else { Value::Undefined };
        let uv = if has_upper { get_index(rt, &obj, upper)? } else { Value::Undefined };
        match (has_lower, has_upper) {
            (true, true) => {
                put(rt, &obj, index_key(lower), uv)?;
                put(rt, &obj, index_key(upper), lv)?;
            }
            (false, true) => {
                put(rt, &obj, index_key(lower), uv)?;
                delete_or_throw(rt, id, &index_key(upper))?;
            }
            (true, false) => {
                delete_or_throw(rt, id, &index_key(lower))?;
                put(rt, &obj, index_key(upper), lv)?;
            }
            (false, false) => {}
        }
        lower += 1.0;
    }
    Ok(obj)
}

/// The comparator argument of `sort`/`toSorted`.
pub(super) fn comparator(rt: &Runtime, args: &[Value]) -> JsResult<Option<Value>> {
    match arg(args, 0) {
        Value::Undefined => Ok(None),
        f if rt.is_callable(&f) => Ok(Some(f)),
        other => Err(rt.type_error(format!("The comparison function must be either a function or undefined: {}", rt.describe(&other)))),
    }
}

/// `SortCompare`: the comparator's answer, or string order (undefined last, handled by the
/// caller).
fn compare(rt: &Runtime, f: &Option<Value>, a: &Value, b: &Value) -> JsResult<std::cmp::Ordering> {
    match f {
        Some(f) => call_comparator(rt, f, a, b),
        None => {
            let (x, y) = (rt.to_string(a)?.to_utf16(), rt.to_string(b)?.to_utf16());
            Ok(x.cmp(&y))
        }
    }
}

/// The user's comparator's answer for `a` and `b` as an order (NaN is equal, as in `SortCompare`).
pub(super) fn call_comparator(rt: &Runtime, f: &Value, a: &Value, b: &Value) -> JsResult<std::cmp::Ordering> {
    let n = rt.to_number(&rt.call(f, Value::Undefined, &[a.clone(), b.clone()])?)?;
    Ok(n.partial_cmp(&0.0).unwrap_or(std::cmp::Ordering::Equal))
}

/// A stable merge sort whose comparison may throw (Rust's sort cannot stop halfway).
pub(super) fn sort_values(items: Vec<Value>, cmp: &mut dyn FnMut(&Value, &Value) -> JsResult<std::cmp::Ordering>) -> JsResult<Vec<Value>> {
    if items.len() <= 1 {
        return Ok(items);
    }
    if items.len() <= 10 {
        // Insertion sort: stable, and few comparisons for short arrays.
        let mut out: Vec<Value> = Vec::with_capacity(items.len());
        for v in items {
            let mut i = out.len();
            while i > 0 && cmp(&out[i - 1], &v)? == std::cmp::Ordering::Greater {
                i -= 1;
            }
            out.insert(i, v);
        }
        return Ok(out);
    }
    let mut left = items;
    let right = left.split_off(left.len() / 2);
    let left = sort_values(left, cmp)?;
    let right = sort_values(right, cmp)?;
    let mut out = Vec::with_capacity(left.len() + right.len());
    let (mut l, mut r) = (left.into_iter().peekable(), right.into_iter().peekable());
    while let (Some(a), Some(b)) = (l.peek(), r.peek()) {
        if cmp(a, b)? == std::cmp::Ordering::Greater {
            out.push(r.next().expect("peeked"));
        } else {
            out.push(l.next().expect("peeked"));
        }
    }
    out.extend(l);
    out.extend(r);
    Ok(out)
}

/// `SortIndexedProperties`: the present values sorted, undefineds after them, and how many
/// holes there were.
fn sorted_elements(rt: &Runtime, obj: &Value, len: f64, f: &Option<Value>, skip_holes: bool) -> JsResult<(Vec<Value>, f64)> {
    let Value::Object(id) = obj else { unreachable!() };
    let mut values = Vec::new();
    let mut undefineds = 0.0;
    let mut holes = 0.0;
    let mut k = 0.0;
    while k < len {
        if skip_holes && !has_index(rt, *id, k)? {
            holes += 1.0;
        } else {
            match get_index(rt, obj, k)? {
                Value::Undefined => undefineds += 1.0,
                v => values.push(v),
            }
        }
        k += 1.0;
    }
    let mut sorted = sort_values(values, &mut |a, b| compare(rt, f, a, b))?;
    let mut u = 0.0;
    while u < undefineds {
        sorted.push(Value::Undefined);
        u += 1.0;
    }
    Ok((sorted, holes))
}

fn sort(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let f = comparator(rt, args)?;
    let (obj, len) = this_array_like(rt, &this, "sort")?;
    let (sorted, _) = sorted_elements(rt, &obj, len, &f, true)?;
    let count = sorted.len() as f64;
    for (i, v) in sorted.into_iter().enumerate() {
        put(rt, &obj, index_key(i as f64), v)?;
    }
    let Value::Object(id) = obj else { unreachable!() };
    let mut k = count;
    while k < len {
        delete_or_throw(rt, id, &index_key(k))?;
        k += 1.0;
    }
    Ok(obj)
}

fn to_sorted(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let f = comparator(rt, args)?;
    let (obj, len) = this_array_like(rt, &this, "toSorted")?;
    if len > u32::MAX as f64 {
        return Err(rt.range_error("Invalid array length".into()));
    }
    let (sorted, _) = sorted_elements(rt, &obj, len, &f, false)?;
    Ok(Value::Object(rt.new_array(sorted)))
}

fn to_reversed(rt: &Runtime, this: Value, _: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let (obj, len) = this_array_like(rt, &this, "toReversed")?;
    if len > u32::MAX as f64 {
        return Err(rt.range_error("Invalid array length".into()));
    }
    let mut out = Vec::with_capacity(len as usize);
    let mut k = len - 1.0;
    while k >= 0.0 {
        out.push(get_index(rt, &obj, k)?);
        k -= 1.0;
    }
    Ok(Value::Object(rt.new_array(out)))
}

fn to_spliced(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let (obj, len) = this_array_like(rt, &this, "toSpliced")?;
    let (start, skip) = splice_range(rt, args, len)?;
    let items = args.get(2..).unwrap_or(&[]);
    let new_len = len + items.len() as f64 - skip;
    if new_len > MAX_SAFE {
        return Err(rt.type_error("Invalid array length".into()));
    }
    if new_len > u32::MAX as f64 {
        return Err(rt.range_error("Invalid array length".into()));
    }
    let mut out = Vec::with_capacity(new_len as usize);
    let mut k = 0.0;
    while k < start {
        out.push(get_index(rt, &obj, k)?);
        k += 1.0;
    }
    out.extend(items.iter().cloned());
    let mut k = start + skip;
    while k < len {
        out.push(get_index(rt, &obj, k)?);
        k += 1.0;
    }
    Ok(Value::Object(rt.new_array(out)))
}

fn with(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let (obj, len) = this_array_like(rt, &this, "with")?;
    let rel = to_integer(rt, &arg(args, 0))?;
    let index = if rel >= 0.0 { rel } else { len + rel };
    if index >= len || index < 0.0 {
        return Err(rt.range_error("Invalid index : ".to_string() + &super::super::number::number_to_string(rel)));
    }
    if len > u32::MAX as f64 {
        return Err(rt.range_error("Invalid array length".into()));
    }
    let mut out = Vec::with_capacity(len as usize);
    let mut k = 0.0;
    while k < len {
        out.push(if k == index { arg(args, 1) } else { get_index(rt, &obj, k)? });
        k += 1.0;
    }
    Ok(Value::Object(rt.new_array(out)))
}
