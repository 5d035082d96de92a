//! `%TypedArray%.prototype`'s methods and `%TypedArray%.from`/`of`. Each validates its
//! receiver first (a typed array whose buffer is not detached, with V8's two messages for a
//! wrong receiver); the methods that read elements one by one with `Get` are then the generic
//! `Array.prototype` ones (a typed array has no holes, and its `length` is its getter's), and
//! the ones that make or change arrays work on the elements here. New arrays are of the
//! receiver's kind (a Buffer's are Buffers); `Symbol.species` is not consulted.

use std::cmp::Ordering;

use super::super::object::{BuiltinFn, ObjectClass, TypedArrayKind, View};
use super::super::object_id::ObjectId;
use super::super::property::PropertyKey;
use super::super::realm::{Builder, Realm};
use super::super::value::Value;
use super::super::{JsResult, Runtime};
use super::coerce::{arg, class_of, describe, get_index, length_of, relative_index, require_callable, to_integer};
use super::define::{getter, species_getter};
use super::typed_array::new_typed_array;
use super::{array, array_callbacks, array_mutate, iterator};

/// The two ways V8 refuses a receiver that is not a typed array.
#[derive(Clone, Copy)]
enum Refusal {
    /// "this is not a typed array."
    NotTyped,
    /// "Method %TypedArray%.prototype.x called on incompatible receiver ..."
    Incompatible,
}

macro_rules! validated {
    ($($name:ident => $method:literal, $refusal:ident, $inner:path;)*) => {
        $(
            fn $name(rt: &Runtime, this: Value, args: &[Value], nt: Option<ObjectId>) -> JsResult<Value> {
                this_typed(rt, &this, $method, Refusal::$refusal)?;
                $inner(rt, this, args, nt)
            }
        )*
    };
}

validated! {
    ta_at => "at", Incompatible, array::at;
    ta_every => "every", NotTyped, array_callbacks::every;
    ta_some => "some", NotTyped, array_callbacks::some;
    ta_for_each => "forEach", NotTyped, array_callbacks::for_each;
    ta_find => "find", NotTyped, array_callbacks::find;
    ta_find_index => "findIndex", NotTyped, array_callbacks::find_index;
    ta_find_last => "findLast", NotTyped, array_callbacks::find_last;
    // V8's message names it "findIndexLast".
    ta_find_last_index => "findIndexLast", NotTyped, array_callbacks::find_last_index;
    ta_reduce => "reduce", NotTyped, array_callbacks::reduce;
    ta_reduce_right => "reduceRight", NotTyped, array_callbacks::reduce_right;
    ta_includes => "includes", NotTyped, array::includes;
    ta_index_of => "indexOf", NotTyped, array::index_of;
    ta_last_index_of => "lastIndexOf", NotTyped, array::last_index_of;
    ta_join => "join", Incompatible, array::join;
    ta_to_locale_string => "toLocaleString", Incompatible, array::to_locale_string;
    ta_values => "values", NotTyped, iterator::array_values;
    ta_keys => "keys", NotTyped, iterator::array_keys;
    ta_entries => "entries", NotTyped, iterator::array_entries;
}

pub fn install(b: &mut Builder, realm: &Realm) {
    use super::super::property::{Property, Slot};
    let base = b.heap.obj(realm.typed_array_prototype(TypedArrayKind::Int8)).proto.expect("typed arrays share a prototype");
    // `constructor` stays first; the rest in V8's order (Object.getOwnPropertyNames shows it).
    for (name, f) in [("buffer", buffer as BuiltinFn), ("byteLength", byte_length), ("byteOffset", byte_offset), ("length", length)] {
        getter(b, base, name, f);
    }
    let methods: [(&str, u32, BuiltinFn); 30] = [
        ("entries", 0, ta_entries),
        ("keys", 0, ta_keys),
        ("values", 0, ta_values),
        ("at", 1, ta_at),
        ("copyWithin", 2, copy_within),
        ("every", 1, ta_every),
        ("fill", 1, fill),
        ("filter", 1, filter),
        ("find", 1, ta_find),
        ("findIndex", 1, ta_find_index),
        ("findLast", 1, ta_find_last),
        ("findLastIndex", 1, ta_find_last_index),
        ("forEach", 1, ta_for_each),
        ("includes", 1, ta_includes),
        ("indexOf", 1, ta_index_of),
        ("join", 1, ta_join),
        ("lastIndexOf", 1, ta_last_index_of),
        ("map", 1, map),
        ("reverse", 0, reverse),
        ("reduce", 1, ta_reduce),
        ("reduceRight", 1, ta_reduce_right),
        ("set", 1, set),
        ("slice", 2, slice),
        ("some", 1, ta_some),
        ("sort", 1, sort),
        ("subarray", 2, subarray),
        ("toReversed", 0, to_reversed),
        ("toSorted", 1, to_sorted),
        ("with", 2, with),
        // Last, as V8 13 installs them.
        ("toLocaleString", 0, ta_to_locale_string),
    ];
    let array_to_string = b.heap.obj(realm.array_prototype).props.get(&PropertyKey::name("toString")).cloned().expect("Array first");
    for (name, len, f) in methods {
        b.method(base, name, len, f);
        if name == "toLocaleString" {
            // `toString` is Array.prototype's very function, as in V8.
            b.heap.put(base, PropertyKey::name("toString"), array_to_string.clone());
        }
    }
    let tag = b.function("get [Symbol.toStringTag]", 0, to_string_tag);
    let p = Property { slot: Slot::Accessor { get: Some(tag), set: None }, writable: false, enumerable: false, configurable: true };
    b.heap.put(base, PropertyKey::Symbol(realm.symbol_to_string_tag), p);
    // `[Symbol.iterator]` is the very `values` function.
    let values = b.heap.obj(base).props.get(&PropertyKey::name("values")).cloned().expect("installed");
    b.heap.put(base, PropertyKey::Symbol(realm.symbol_iterator), values);
    let typed_array = match b.heap.obj(base).props.get(&PropertyKey::name("constructor")).map(|p| p.slot.clone()) {
        Some(Slot::Data(Value::Object(c))) => c,
        _ => unreachable!("typed_array.rs installs %TypedArray% first"),
    };
    b.method(typed_array, "of", 0, of);
    b.method(typed_array, "from", 1, from);
    species_getter(b, realm, typed_array);
}

/// `ValidateTypedArray`: the view `this` is, its kind, and its current length.
fn this_typed(rt: &Runtime, this: &Value, method: &str, refusal: Refusal) -> JsResult<(ObjectId, View, TypedArrayKind)> {
    let Some((view, kind)) = typed_view(rt, this) else {
        return Err(rt.type_error(match refusal {
            Refusal::NotTyped => "this is not a typed array.".into(),
            Refusal::Incompatible => {
                format!("Method %TypedArray%.prototype.{method} called on incompatible receiver {}", describe(rt, this))
            }
        }));
    };
    if rt.is_view_detached(&view) {
        return Err(detached_error(rt, method));
    }
    Ok((this.as_object().expect("a view"), view, kind))
}

/// The elements' current values (`undefined` where the buffer no longer reaches).
fn elements(rt: &Runtime, id: ObjectId, len: usize) -> Vec<Value> {
    (0..len).map(|i| rt.typed_element(id, &PropertyKey::Index(i as u32)).map_or(Value::Undefined, |el| rt.read_element(&el))).collect()
}

/// Stores `v` at `i` (converted for the element type; nothing stored past the end).
fn store(rt: &Runtime, id: ObjectId, i: usize, v: &Value) -> JsResult<()> {
    match rt.typed_element(id, &PropertyKey::Index(i as u32)) {
        Some(el) => rt.write_element(&el, v),
        None => Ok(()),
    }
}

/// A new typed array like `view` (same kind, a Buffer for a Buffer) of `len` zeroed elements.
fn new_like(rt: &Runtime, view: &View, kind: TypedArrayKind, len: usize) -> JsResult<ObjectId> {
    let data = rt.new_backing(len * kind.element_size(), None)?;
    let ab = rt.new_arraybuffer(data);
    Ok(new_typed_array(rt, kind, ab, 0, len, view.is_buffer))
}

/// A new typed array like `view` holding `items`.
fn filled_like(rt: &Runtime, view: &View, kind: TypedArrayKind, items: &[Value]) -> JsResult<Value> {
    let id = new_like(rt, view, kind, items.len())?;
    for (i, v) in items.iter().enumerate() {
        store(rt, id, i, v)?;
    }
    Ok(Value::Object(id))
}

/// The element type's conversion of `v` (`ToBigInt` or `ToNumber`), done once up front.
fn converted(rt: &Runtime, kind: TypedArrayKind, v: &Value) -> JsResult<Value> {
    Ok(match kind {
        TypedArrayKind::BigInt64 | TypedArrayKind::BigUint64 => Value::BigInt(rt.to_bigint(v)?),
        _ => Value::Number(rt.to_number(v)?),
    })
}

/// V8 14 (node 26) says "detached or out-of-bounds" for every method but `keys` and `reduce`,
/// which kept the older wording.
fn detached_error(rt: &Runtime, method: &str) -> super::super::Thrown {
    let what = if matches!(method, "keys" | "reduce") { "detached" } else { "detached or out-of-bounds" };
    rt.type_error(format!("Cannot perform %TypedArray%.prototype.{method} on a {what} ArrayBuffer"))
}

fn copy_within(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let (id, view, _) = this_typed(rt, &this, "copyWithin", Refusal::NotTyped)?;
    let len = view.length as f64;
    let to = relative_index(rt, args.first(), len, 0.0)?;
    let from = relative_index(rt, args.get(1), len, 0.0)?;
    let end = relative_index(rt, args.get(2), len, len)?;
    if rt.is_view_detached(&view) {
        return Err(detached_error(rt, "copyWithin"));
    }
    let count = (end - from).min(len - to);
    if count > 0.0 {
        let values = elements(rt, id, view.length);
        for k in 0..count as usize {
            store(rt, id, to as usize + k, &values[from as usize + k])?;
        }
    }
    Ok(this)
}

fn fill(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let (id, view, kind) = this_typed(rt, &this, "fill", Refusal::NotTyped)?;
    let value = converted(rt, kind, &arg(args, 0))?;
    let len = view.length as f64;
    let start = relative_index(rt, args.get(1), len, 0.0)?;
    let end = relative_index(rt, args.get(2), len, len)?;
    if rt.is_view_detached(&view) {
        return Err(detached_error(rt, "fill"));
    }
    for i in start as usize..(end as usize).max(start as usize) {
        store(rt, id, i, &value)?;
    }
    Ok(this)
}

fn filter(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let (id, view, kind) = this_typed(rt, &this, "filter", Refusal::NotTyped)?;
    let f = array_callbacks::callback(rt, args)?;
    let mut kept = Vec::new();
    for i in 0..view.length {
        let v = get_index(rt, &this, i as f64)?;
        let keep = rt.call(&f, arg(args, 1), &[v.clone(), Value::Number(i as f64), Value::Object(id)])?;
        if rt.to_boolean(&keep) {
            kept.push(v);
        }
    }
    filled_like(rt, &view, kind, &kept)
}

fn map(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let (id, view, kind) = this_typed(rt, &this, "map", Refusal::NotTyped)?;
    let f = array_callbacks::callback(rt, args)?;
    let out = new_like(rt, &view, kind, view.length)?;
    for i in 0..view.length {
        let v = get_index(rt, &this, i as f64)?;
        let mapped = rt.call(&f, arg(args, 1), &[v, Value::Number(i as f64), Value::Object(id)])?;
        store(rt, out, i, &mapped)?;
    }
    Ok(Value::Object(out))
}

fn reverse(rt: &Runtime, this: Value, _: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let (id, view, _) = this_typed(rt, &this, "reverse", Refusal::NotTyped)?;
    for (i, v) in elements(rt, id, view.length).iter().rev().enumerate() {
        store(rt, id, i, v)?;
    }
    Ok(this)
}

fn to_reversed(rt: &Runtime, this: Value, _: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let (id, view, kind) = this_typed(rt, &this, "toReversed", Refusal::Incompatible)?;
    let mut items = elements(rt, id, view.length);
    items.reverse();
    filled_like(rt, &view, kind, &items)
}

/// `%TypedArray%.prototype.set(source, offset)`: from another typed array (whose element
/// family must match: BigInts with BigInts) or from any array-like.
fn set(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    // V8's order: the receiver's class, the offset, then detachment, bounds and element family.
    let Some((view, kind)) = typed_view(rt, &this) else { return Err(rt.type_error("this is not a typed array.".into())) };
    let id = this.as_object().expect("a view");
    let offset = to_integer(rt, &arg(args, 1))?;
    if offset < 0.0 {
        return Err(rt.range_error("offset is out of bounds".into()));
    }
    if rt.is_view_detached(&view) {
        return Err(detached_error(rt, "set"));
    }
    let source = arg(args, 0);
    let is_big = |k: TypedArrayKind| matches!(k, TypedArrayKind::BigInt64 | TypedArrayKind::BigUint64);
    let out_of_bounds = |n: f64| n + offset > view.length as f64;
    if let Some((src_view, src_kind)) = typed_view(rt, &source) {
        if rt.is_view_detached(&src_view) {
            return Err(detached_error(rt, "set"));
        }
        if out_of_bounds(src_view.length as f64) {
            return Err(rt.range_error("offset is out of bounds".into()));
        }
        if is_big(src_kind) != is_big(kind) {
            return Err(rt.type_error("Cannot mix BigInt and other types, use explicit conversions".into()));
        }
        for (k, v) in elements(rt, source.as_object().expect("a view"), src_view.length).iter().enumerate() {
            store(rt, id, offset as usize + k, v)?;
        }
        return Ok(Value::Undefined);
    }
    let src = Value::Object(super::object::require_object(rt, &source)?);
    let n = length_of(rt, &src)?;
    if out_of_bounds(n) {
        return Err(rt.range_error("offset is out of bounds".into()));
    }
    for k in 0..n as usize {
        let v = get_index(rt, &src, k as f64)?;
        store(rt, id, offset as usize + k, &v)?;
    }
    Ok(Value::Undefined)
}

/// The typed array `v` is (its view and kind), detached or not.
fn typed_view(rt: &Runtime, v: &Value) -> Option<(View, TypedArrayKind)> {
    rt.view_of(v).and_then(|view| view.kind.map(|k| (view, k)))
}

fn slice(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let (id, view, kind) = this_typed(rt, &this, "slice", Refusal::Incompatible)?;
    let len = view.length as f64;
    let start = relative_index(rt, args.first(), len, 0.0)?;
    let end = relative_index(rt, args.get(1), len, len)?;
    let count = (end - start).max(0.0) as usize;
    if count > 0 && rt.is_view_detached(&view) {
        return Err(detached_error(rt, "slice"));
    }
    let items = elements(rt, id, view.length);
    filled_like(rt, &view, kind, &items[start as usize..start as usize + count])
}

fn subarray(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let Some((view, kind)) = typed_view(rt, &this) else {
        return Err(
            rt.type_error(format!("Method %TypedArray%.prototype.subarray called on incompatible receiver {}", describe(rt, &this)))
        );
    };
    let len = if rt.is_view_detached(&view) { 0.0 } else { view.length as f64 };
    let begin = relative_index(rt, args.first(), len, 0.0)?;
    let end = relative_index(rt, args.get(1), len, len)?;
    if rt.is_view_detached(&view) {
        return Err(rt.type_error("Cannot perform Construct on a detached ArrayBuffer".into()));
    }
    let count = (end - begin).max(0.0) as usize;
    let offset = view.byte_offset + begin as usize * kind.element_size();
    Ok(Value::Object(new_typed_array(rt, kind, view.buffer, offset, count, view.is_buffer)))
}

/// The default order of typed array elements: numeric, -0 before +0, NaN last.
fn numeric_order(kind: TypedArrayKind, a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.is_nan(), y.is_nan()) {
            (true, true) => Ordering::Equal,
            (true, false) => Ordering::Greater,
            (false, true) => Ordering::Less,
            _ if x == y => (y.is_sign_negative()).cmp(&x.is_sign_negative()),
            _ => x.partial_cmp(y).expect("not NaN"),
        },
        (Value::BigInt(x), Value::BigInt(y)) if kind == TypedArrayKind::BigInt64 => x.to_i64().0.cmp(&y.to_i64().0),
        (Value::BigInt(x), Value::BigInt(y)) => x.to_u64().0.cmp(&y.to_u64().0),
        _ => Ordering::Equal,
    }
}

/// The elements of `this` sorted by `args[0]` (or numerically).
fn sorted(rt: &Runtime, id: ObjectId, view: &View, kind: TypedArrayKind, args: &[Value]) -> JsResult<Vec<Value>> {
    let f = array_mutate::comparator(rt, args)?;
    let items = elements(rt, id, view.length);
    array_mutate::sort_values(items, &mut |a, b| match &f {
        None => Ok(numeric_order(kind, a, b)),
        Some(f) => array_mutate::call_comparator(rt, f, a, b),
    })
}

fn sort(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    array_mutate::comparator(rt, args)?;
    let (id, view, kind) = this_typed(rt, &this, "sort", Refusal::Incompatible)?;
    for (i, v) in sorted(rt, id, &view, kind, args)?.iter().enumerate() {
        store(rt, id, i, v)?;
    }
    Ok(this)
}

fn to_sorted(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    array_mutate::comparator(rt, args)?;
    let (id, view, kind) = this_typed(rt, &this, "toSorted", Refusal::Incompatible)?;
    let items = sorted(rt, id, &view, kind, args)?;
    filled_like(rt, &view, kind, &items)
}

fn with(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let (id, view, kind) = this_typed(rt, &this, "with", Refusal::NotTyped)?;
    let len = view.length as f64;
    let relative = to_integer(rt, &arg(args, 0))?;
    let index = if relative >= 0.0 { relative } else { len + relative };
    let value = converted(rt, kind, &arg(args, 1))?;
    if !(0.0..len).contains(&index) || rt.is_view_detached(&view) {
        return Err(rt.range_error("Invalid typed array index".into()));
    }
    let mut items = elements(rt, id, view.length);
    items[index as usize] = value;
    filled_like(rt, &view, kind, &items)
}

fn view_getter(rt: &Runtime, this: &Value, what: &str) -> JsResult<(View, bool)> {
    match typed_view(rt, this) {
        Some((view, _)) => {
            let detached = rt.is_view_detached(&view);
            Ok((view, detached))
        }
        None => Err(rt.type_error(format!("Method get {what} called on incompatible receiver {}", describe(rt, this)))),
    }
}

fn buffer(rt: &Runtime, this: Value, _: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    Ok(Value::Object(view_getter(rt, &this, "%TypedArray%.prototype.buffer")?.0.buffer))
}

fn byte_length(rt: &Runtime, this: Value, _: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let (view, detached) = view_getter(rt, &this, "TypedArray.prototype.byteLength")?;
    let size = view.kind.map_or(1, TypedArrayKind::element_size);
    Ok(Value::Number(if detached { 0.0 } else { (view.length * size) as f64 }))
}

fn byte_offset(rt: &Runtime, this: Value, _: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let (view, detached) = view_getter(rt, &this, "TypedArray.prototype.byteOffset")?;
    Ok(Value::Number(if detached { 0.0 } else { view.byte_offset as f64 }))
}

fn length(rt: &Runtime, this: Value, _: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let (view, detached) = view_getter(rt, &this, "TypedArray.prototype.length")?;
    Ok(Value::Number(if detached { 0.0 } else { view.length as f64 }))
}

/// `get %TypedArray%.prototype[Symbol.toStringTag]`: the kind's name, undefined otherwise.
fn to_string_tag(rt: &Runtime, this: Value, _: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    Ok(match class_of(rt, &this) {
        Some(ObjectClass::View(View { kind: Some(k), .. })) => Value::str(k.name()),
        _ => Value::Undefined,
    })
}

/// `new C(len)` for `from`/`of`, which must give a typed array of at least `len` elements.
fn create(rt: &Runtime, ctor: &Value, len: usize, method: &str) -> JsResult<Value> {
    if !matches!(ctor, Value::Object(c) if rt.is_constructor(*c)) {
        return Err(rt.type_error(format!("{} is not a constructor", describe(rt, ctor))));
    }
    let made = rt.construct(ctor, &[Value::Number(len as f64)])?;
    match class_of(rt, &made) {
        Some(ObjectClass::View(View { kind: Some(_), length, .. })) if length >= len => Ok(made),
        Some(ObjectClass::View(View { kind: Some(_), .. })) => {
            Err(rt.type_error("Derived TypedArray constructor created an array which was too small".into()))
        }
        _ => Err(rt.type_error(format!("Method %TypedArray%.{method} called on incompatible receiver {}", describe(rt, &made)))),
    }
}

fn from(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    if !matches!(this, Value::Object(c) if rt.is_constructor(c)) {
        return Err(rt.type_error(format!("{} is not a constructor", describe(rt, &this))));
    }
    let map_fn = arg(args, 1);
    if !matches!(map_fn, Value::Undefined) {
        require_callable(rt, &map_fn)?;
    }
    let source = arg(args, 0);
    let items: Vec<Value> = if rt.get(&source, &PropertyKey::Symbol(rt.realm.symbol_iterator))?.is_nullish() {
        let src = Value::Object(super::object::require_object(rt, &source)?);
        let len = length_of(rt, &src)?;
        (0..len as u64).map(|k| get_index(rt, &src, k as f64)).collect::<JsResult<_>>()?
    } else {
        let mut v = Vec::new();
        iterator::iterate(rt, &source, |x| {
            v.push(x);
            Ok(())
        })?;
        v
    };
    let out = create(rt, &this, items.len(), "from")?;
    for (k, v) in items.into_iter().enumerate() {
        let v = if matches!(map_fn, Value::Undefined) { v } else { rt.call(&map_fn, arg(args, 2), &[v, Value::Number(k as f64)])? };
        rt.set_strict(&out, PropertyKey::Index(k as u32), v)?;
    }
    Ok(out)
}

fn of(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    if !matches!(this, Value::Object(c) if rt.is_constructor(c)) {
        return Err(rt.type_error(format!("{} is not a constructor", describe(rt, &this))));
    }
    let out = create(rt, &this, args.len(), "of")?;
    for (k, v) in args.iter().enumerate() {
        rt.set_strict(&out, PropertyKey::Index(k as u32), v.clone())?;
    }
    Ok(out)
}
