//! Objects, arrays and properties: keyed, named and indexed access, `define_properties`,
//! property-name listing, prototypes, `instanceof`, freeze/seal and type tags.

use std::collections::HashSet;
use std::ffi::c_char;

use super::callback::native_callback;
use super::entry::{self, fail, Cx, Fail, NapiResult};
use super::functions::new_function;
use super::pointers::{self, In, Out};
use super::strings::read_key;
use super::types::*;
use napi_runtime::object::ObjectClass;
use napi_runtime::property::{Descriptor, Property, PropertyKey, Slot};
use napi_runtime::props::hash_of;
use napi_runtime::{JsResult, ObjectId, Thrown, Value};

#[no_mangle]
pub unsafe extern "C" fn napi_create_object(env: napi_env, result: Out<napi_value>) -> napi_status {
    entry::plain(env, "napi_create_object", move |cx| cx.ret(result, Value::Object(cx.rt.new_plain_object())))
}

#[no_mangle]
pub unsafe extern "C" fn napi_create_array(env: napi_env, result: Out<napi_value>) -> napi_status {
    entry::plain(env, "napi_create_array", move |cx| cx.ret(result, Value::Object(cx.rt.new_array(Vec::new()))))
}

#[no_mangle]
pub unsafe extern "C" fn napi_create_array_with_length(env: napi_env, length: usize, result: Out<napi_value>) -> napi_status {
    entry::plain(env, "napi_create_array_with_length", move |cx| {
        let slot = result.required()?;
        // V8 takes the length as an int; negative (huge size_t) lengths become 0.
        let len = i32::try_from(length as isize).unwrap_or(0).max(0);
        let arr = cx.rt.new_array_of_length(len as u32, 0);
        slot.write(cx.handle(Value::Object(arr)));
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn napi_get_array_length(env: napi_env, value: napi_value, result: Out<u32>) -> napi_status {
    entry::js(env, "napi_get_array_length", move |cx| {
        let v = cx.value(value)?;
        let slot = result.required()?;
        match v {
            Value::Object(id) if cx.rt.heap().get(id).is_some_and(|o| o.is_array()) => {
                slot.write(cx.rt.array_length(id));
                Ok(())
            }
            _ => fail(status::ARRAY_EXPECTED),
        }
    })
}

#[no_mangle]
pub unsafe extern "C" fn napi_is_array(env: napi_env, value: napi_value, result: Out<bool>) -> napi_status {
    entry::plain(env, "napi_is_array", move |cx| {
        let v = cx.value(value)?;
        result.write(matches!(v, Value::Object(id) if cx.rt.heap().get(id).is_some_and(|o| o.is_array())))?;
        Ok(())
    })
}

/// What a throw inside V8's property access (a getter, a setter, a proxy trap, a key's
/// conversion) answers: `napi_pending_exception` with the exception pending, as node 24 does
/// (node 20 answered `napi_generic_failure`).
fn accessed<T>(cx: &Cx, r: JsResult<T>) -> NapiResult<T> {
    r.map_err(|Thrown(v)| {
        cx.rt.throw(v);
        Fail::Status(status::PENDING_EXCEPTION)
    })
}

fn key_of(cx: &Cx, key: napi_value) -> NapiResult<PropertyKey> {
    let k = cx.value(key)?;
    accessed(cx, cx.rt.to_property_key(&k))
}

/// The key a `utf8name` argument names, and its hash.
///
/// # Safety
/// `name` is null or a NUL-terminated string, as Node-API asks of it.
// Inlined for the reason `read_key` is.
#[inline(always)]
unsafe fn name_key(name: *const c_char) -> NapiResult<(PropertyKey, u64)> {
    if name.is_null() {
        return fail(status::INVALID_ARG);
    }
    // SAFETY: NUL-terminated (the caller's promise), read as such (NAPI_AUTO_LENGTH).
    unsafe { read_key(name, usize::MAX) }
}

/// Sets `key` on `obj` (the caller's `to_object` of its argument, made once: it boxes a
/// primitive). Node-API stores in sloppy mode: a refused write still reports `napi_ok`.
fn set(cx: &Cx, obj: ObjectId, key: PropertyKey, value: Value) -> NapiResult {
    set_hashed(cx, obj, hash_of(&key), key, value)
}

/// `set` of a key whose hash the caller has at hand (a name from the names' cache).
fn set_hashed(cx: &Cx, obj: ObjectId, hash: u64, key: PropertyKey, value: Value) -> NapiResult {
    accessed(cx, cx.rt.set_hashed(&Value::Object(obj), hash, key, value))?;
    Ok(())
}

fn get(cx: &Cx, object: napi_value, key: &PropertyKey, result: Out<napi_value>) -> NapiResult {
    let obj = cx.to_object(object)?;
    let v = accessed(cx, cx.rt.get(&Value::Object(obj), key))?;
    if cx.rt.records_missing() && matches!(v, Value::Undefined) {
        // Recording what addons read and the realm lacks (off unless asked for).
        cx.rt.note_missing(obj, key);
    }
    cx.ret(result, v)
}

fn has(cx: &Cx, object: napi_value, key: &PropertyKey, result: Out<bool>) -> NapiResult {
    let obj = cx.to_object(object)?;
    result.write(accessed(cx, cx.rt.has(obj, key))?)?;
    Ok(())
}

fn delete(cx: &Cx, object: napi_value, key: &PropertyKey, result: Out<bool>) -> NapiResult {
    let obj = cx.to_object(object)?;
    let deleted = accessed(cx, cx.rt.delete(obj, key))?;
    if let Some(result) = result.optional() {
        result.write(deleted);
    }
    Ok(())
}

#[no_mangle]
pub unsafe extern "C" fn napi_set_property(env: napi_env, object: napi_value, key: napi_value, value: napi_value) -> napi_status {
    entry::js(env, "napi_set_property", move |cx| {
        cx.value(key)?;
        let v = cx.value(value)?;
        let obj = cx.to_object(object)?;
        let k = key_of(cx, key)?;
        set(cx, obj, k, v)
    })
}

#[no_mangle]
pub unsafe extern "C" fn napi_get_property(env: napi_env, object: napi_value, key: napi_value, result: Out<napi_value>) -> napi_status {
    entry::js(env, "napi_get_property", move |cx| {
        cx.value(key)?;
        result.required()?;
        cx.to_object(object)?;
        let k = key_of(cx, key)?;
        get(cx, object, &k, result)
    })
}

#[no_mangle]
pub unsafe extern "C" fn napi_has_property(env: napi_env, object: napi_value, key: napi_value, result: Out<bool>) -> napi_status {
    entry::js(env, "napi_has_property", move |cx| {
        result.required()?;
        cx.value(key)?;
        cx.to_object(object)?;
        let k = key_of(cx, key)?;
        has(cx, object, &k, result)
    })
}

#[no_mangle]
pub unsafe extern "C" fn napi_delete_property(env: napi_env, object: napi_value, key: napi_value, result: Out<bool>) -> napi_status {
    entry::js(env, "napi_delete_property", move |cx| {
        cx.value(key)?;
        cx.to_object(object)?;
        let k = key_of(cx, key)?;
        delete(cx, object, &k, result)
    })
}

#[no_mangle]
pub unsafe extern "C" fn napi_has_own_property(env: napi_env, object: napi_value, key: napi_value, result: Out<bool>) -> napi_status {
    entry::js(env, "napi_has_own_property", move |cx| {
        let k = cx.value(key)?;
        result.required()?;
        let obj = cx.to_object(object)?;
        if !matches!(k, Value::String(_) | Value::Symbol(_)) {
            return fail(status::NAME_EXPECTED);
        }
        let key = cx.rt.to_property_key(&k)?;
        result.write(accessed(cx, cx.rt.has_own(obj, &key))?)?;
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn napi_set_named_property(
    env: napi_env,
    object: napi_value,
    utf8name: *const c_char,
    value: napi_value,
) -> napi_status {
    entry::js(env, "napi_set_named_property", move |cx| {
        let v = cx.value(value)?;
        let obj = cx.to_object(object)?;
        // SAFETY: Node-API: `utf8name` is null or NUL-terminated.
        let (key, hash) = unsafe { name_key(utf8name) }?;
        set_hashed(cx, obj, hash, key, v)
    })
}

#[no_mangle]
pub unsafe extern "C" fn napi_get_named_property(
    env: napi_env,
    object: napi_value,
    utf8name: *const c_char,
    result: Out<napi_value>,
) -> napi_status {
    entry::js(env, "napi_get_named_property", move |cx| {
        result.required()?;
        cx.to_object(object)?;
        // SAFETY: Node-API: `utf8name` is null or NUL-terminated.
        get(cx, object, &unsafe { name_key(utf8name) }?.0, result)
    })
}

#[no_mangle]
pub unsafe extern "C" fn napi_has_named_property(
    env: napi_env,
    object: napi_value,
    utf8name: *const c_char,
    result: Out<bool>,
) -> napi_status {
    entry::js(env, "napi_has_named_property", move |cx| {
        result.required()?;
        cx.to_object(object)?;
        // SAFETY: Node-API: `utf8name` is null or NUL-terminated.
        has(cx, object, &unsafe { name_key(utf8name) }?.0, result)
    })
}

#[no_mangle]
pub unsafe extern "C" fn napi_set_element(env: napi_env, object: napi_value, index: u32, value: napi_value) -> napi_status {
    entry::js(env, "napi_set_element", move |cx| {
        let v = cx.value(value)?;
        set(cx, cx.to_object(object)?, index_key(index), v)
    })
}

#[no_mangle]
pub unsafe extern "C" fn napi_get_element(env: napi_env, object: napi_value, index: u32, result: Out<napi_value>) -> napi_status {
    entry::js(env, "napi_get_element", move |cx| {
        result.required()?;
        get(cx, object, &index_key(index), result)
    })
}

#[no_mangle]
pub unsafe extern "C" fn napi_has_element(env: napi_env, object: napi_value, index: u32, result: Out<bool>) -> napi_status {
    entry::js(env, "napi_has_element", move |cx| {
        result.required()?;
        has(cx, object, &index_key(index), result)
    })
}

#[no_mangle]
pub unsafe extern "C" fn napi_delete_element(env: napi_env, object: napi_value, index: u32, result: Out<bool>) -> napi_status {
    entry::js(env, "napi_delete_element", move |cx| delete(cx, object, &index_key(index), result))
}

/// Index 2^32-1 is not an array index; it is the string key "4294967295".
fn index_key(index: u32) -> PropertyKey {
    if index == u32::MAX {
        PropertyKey::String(index.to_string().into())
    } else {
        PropertyKey::Index(index)
    }
}

/// The key a property descriptor names: `utf8name`, else `name` (which must be a string or
/// symbol).
///
/// # Safety
/// `p.utf8name` is null or a NUL-terminated string, as Node-API asks of a descriptor.
pub unsafe fn descriptor_key(cx: &Cx, p: &napi_property_descriptor) -> NapiResult<PropertyKey> {
    if !p.utf8name.is_null() {
        // SAFETY: the caller's promise, passed on.
        return unsafe { name_key(p.utf8name) }.map(|(key, _)| key);
    }
    match cx.value(p.name) {
        Ok(v @ (Value::String(_) | Value::Symbol(_))) => Ok(cx.rt.to_property_key(&v)?),
        _ => fail(status::NAME_EXPECTED),
    }
}

/// Turns a `napi_property_descriptor` into a JS property descriptor, creating the functions for
/// methods and accessors.
/// `receiver` is set for class instance members (see `new_function`).
pub fn to_descriptor(cx: &Cx, p: &napi_property_descriptor, receiver: Option<ObjectId>) -> NapiResult<Descriptor> {
    let enumerable = Some(p.attributes & attr::ENUMERABLE != 0);
    let configurable = Some(p.attributes & attr::CONFIGURABLE != 0);
    // Node gives functions made from descriptors an empty name (recorded under node 20).
    let fn_name = "";
    if p.getter.is_some() || p.setter.is_some() {
        // V8 checks the receiver of class methods only, not of accessors.
        let make = |cb: napi_callback| cb.map(|cb| new_function(cx, fn_name, native_callback(cb), p.data as usize, false, None));
        return Ok(Descriptor { get: Some(make(p.getter)), set: Some(make(p.setter)), enumerable, configurable, ..Descriptor::default() });
    }
    let value = match p.method {
        Some(m) => Value::Object(new_function(cx, fn_name, native_callback(m), p.data as usize, false, receiver)),
        None => cx.value(p.value)?,
    };
    Ok(Descriptor {
        value: Some(value),
        writable: Some(p.attributes & attr::WRITABLE != 0),
        enumerable,
        configurable,
        ..Descriptor::default()
    })
}

#[no_mangle]
pub unsafe extern "C" fn napi_define_properties(
    env: napi_env,
    object: napi_value,
    property_count: usize,
    properties: *const napi_property_descriptor,
) -> napi_status {
    entry::js(env, "napi_define_properties", move |cx| {
        // SAFETY: Node-API: `properties` holds `property_count` descriptors.
        let props = unsafe { pointers::array(properties, property_count) }?;
        // A primitive is boxed, as for property access (node's CHECK_TO_OBJECT): the properties
        // land on a wrapper no one holds.
        let obj = cx.to_object(object)?;
        for p in props {
            // SAFETY: Node-API: a descriptor's `utf8name` is null or NUL-terminated.
            let key = unsafe { descriptor_key(cx, p) }?;
            // Node makes a writable, enumerable, configurable data property with V8's
            // CreateDataProperty, which refuses an array's `length` before reading the value.
            let all = attr::WRITABLE | attr::ENUMERABLE | attr::CONFIGURABLE;
            let plain_data = p.method.is_none() && p.getter.is_none() && p.setter.is_none();
            if plain_data && p.attributes & all == all && is_array_length(cx, obj, &key) {
                return fail(status::INVALID_ARG);
            }
            let desc = to_descriptor(cx, p, None)?;
            // Refused (a non-configurable property, an object not extensible), V8's
            // DefineProperty answers false without throwing: a status, no exception; a method's
            // refusal is node's generic failure, a value's or an accessor's an invalid argument.
            if !cx.rt.define_own_property(obj, key, desc)? {
                return fail(if p.method.is_some() { status::GENERIC_FAILURE } else { status::INVALID_ARG });
            }
        }
        Ok(())
    })
}

fn is_array_length(cx: &Cx, obj: ObjectId, key: &PropertyKey) -> bool {
    matches!(key, PropertyKey::String(s) if s.as_str() == Some("length")) && cx.rt.heap().get(obj).is_some_and(|o| o.is_array())
}

/// `napi_get_all_property_names`: own (or inherited too) keys that pass the filter, shadowed
/// keys listed once, indices converted to strings unless asked to keep numbers.
///
/// A key shadows the same key further up the chain whether or not it passes the filter, so each
/// object's keys are remembered while a prototype follows it; an object's own keys are distinct,
/// so only keys from further up are looked up, and only those that pass. They are hashed only
/// once such a key comes: a napi-rs options object's prototype is `Object.prototype`, whose keys
/// are not enumerable, so nothing is. (Serde-style readers call this on every options object:
/// remembering and looking up every key, `Object.prototype`'s dozen included, was about a tenth
/// of a napi-rs options call.)
fn property_names(cx: &Cx, obj: ObjectId, mode: i32, filter: i32, conversion: i32) -> NapiResult<Vec<Value>> {
    let mut seen = Seen::default();
    let mut names = Vec::new();
    let mut cur = Some(obj);
    let mut first = true;
    while let Some(o) = cur {
        let (keys, next) = match stored_keys(cx, o, mode, filter) {
            Some(stored) => stored,
            None => asked_keys(cx, o, mode, filter)?,
        };
        for (key, passes) in keys {
            let shadowed = passes && !first && seen.contains(&key);
            if passes && !shadowed {
                names.push(match (&key, conversion) {
                    (PropertyKey::Index(i), keys::KEEP_NUMBERS) => Value::Number(*i as f64),
                    _ => key.to_value(),
                });
            }
            if next.is_some() && !shadowed {
                seen.remember(key);
            }
        }
        first = false;
        cur = next;
    }
    Ok(names)
}

/// The keys met so far on a prototype chain: listed as they come, hashed the first time one is
/// looked up.
#[derive(Default)]
struct Seen {
    listed: Vec<PropertyKey>,
    hashed: Option<HashSet<PropertyKey>>,
}

impl Seen {
    fn remember(&mut self, key: PropertyKey) {
        match &mut self.hashed {
            Some(set) => {
                set.insert(key);
            }
            None => self.listed.push(key),
        }
    }

    fn contains(&mut self, key: &PropertyKey) -> bool {
        let listed = &mut self.listed;
        self.hashed.get_or_insert_with(|| listed.drain(..).collect()).contains(key)
    }
}

/// One object's own keys in order, each with whether it passes `filter`, and the prototype that
/// follows it (none when `mode` is own-only). A key that does not pass is left out unless a
/// prototype follows, whose same key it shadows.
type KeysAndNext = (Vec<(PropertyKey, bool)>, Option<ObjectId>);

/// [`KeysAndNext`] of an ordinary object, read in place from its stored properties: nothing there
/// can run JS. `None` for a proxy (its traps answer) or a typed array (its elements are not
/// stored), which [`asked_keys`] serves.
fn stored_keys(cx: &Cx, o: ObjectId, mode: i32, filter: i32) -> Option<KeysAndNext> {
    let heap = cx.rt.heap();
    let object = heap.get(o)?;
    if object.is_proxy() || matches!(object.class, ObjectClass::View(_)) {
        return None;
    }
    let next = if mode == keys::OWN_ONLY { None } else { object.proto };
    let keys = object
        .own_properties()
        .filter_map(|(key, p)| {
            let passes = passes_filter(key, p, filter);
            (passes || next.is_some()).then(|| (key.clone(), passes))
        })
        .collect();
    Some((keys, next))
}

/// [`KeysAndNext`] asked of the object as JS would ask it, in V8's order: its keys (a proxy's
/// `ownKeys` trap), its prototype, then each key's descriptor. A trap that throws leaves
/// napi_pending_exception, as V8's key collection does.
fn asked_keys(cx: &Cx, o: ObjectId, mode: i32, filter: i32) -> NapiResult<KeysAndNext> {
    let own = cx.rt.own_keys(o)?;
    let next = if mode == keys::OWN_ONLY { None } else { cx.rt.prototype_of(o)? };
    let mut keys = Vec::with_capacity(own.len());
    for key in own {
        let Some(p) = cx.rt.get_own_property(o, &key)? else { continue };
        let passes = passes_filter(&key, &p, filter);
        if passes || next.is_some() {
            keys.push((key, passes));
        }
    }
    Ok((keys, next))
}

/// Whether a property passes a `napi_key_filter`.
fn passes_filter(key: &PropertyKey, p: &Property, filter: i32) -> bool {
    let skipped_kind = match key {
        PropertyKey::Symbol(_) => filter & keys::SKIP_SYMBOLS != 0,
        _ => filter & keys::SKIP_STRINGS != 0,
    };
    !(skipped_kind
        || (filter & keys::ENUMERABLE != 0 && !p.enumerable)
        || (filter & keys::CONFIGURABLE != 0 && !p.configurable)
        || (filter & keys::WRITABLE != 0 && !(p.writable && matches!(p.slot, Slot::Data(_)))))
}

#[no_mangle]
pub unsafe extern "C" fn napi_get_all_property_names(
    env: napi_env,
    object: napi_value,
    key_mode: i32,
    key_filter: i32,
    key_conversion: i32,
    result: Out<napi_value>,
) -> napi_status {
    entry::js(env, "napi_get_all_property_names", move |cx| {
        result.required()?;
        let obj = cx.to_object(object)?;
        if !(0..=1).contains(&key_mode) || !(0..=1).contains(&key_conversion) {
            return fail(status::INVALID_ARG);
        }
        let names = property_names(cx, obj, key_mode, key_filter, key_conversion)?;
        cx.ret(result, Value::Object(cx.rt.new_array(names)))
    })
}

#[no_mangle]
pub unsafe extern "C" fn napi_get_property_names(env: napi_env, object: napi_value, result: Out<napi_value>) -> napi_status {
    entry::js(env, "napi_get_property_names", move |cx| {
        result.required()?;
        let obj = cx.to_object(object)?;
        let filter = keys::ENUMERABLE | keys::SKIP_SYMBOLS;
        let names = property_names(cx, obj, keys::INCLUDE_PROTOTYPES, filter, keys::NUMBERS_TO_STRINGS)?;
        cx.ret(result, Value::Object(cx.rt.new_array(names)))
    })
}

#[no_mangle]
pub unsafe extern "C" fn napi_get_prototype(env: napi_env, object: napi_value, result: Out<napi_value>) -> napi_status {
    entry::js(env, "napi_get_prototype", move |cx| {
        result.required()?;
        let obj = cx.to_object(object)?;
        // V8 reads the object's own [[Prototype]] slot: a proxy's is null, and no trap runs.
        let proto = cx.rt.stored_prototype(obj).map_or(Value::Null, Value::Object);
        cx.ret(result, proto)
    })
}

#[no_mangle]
pub unsafe extern "C" fn node_api_set_prototype(env: napi_env, object: napi_value, value: napi_value) -> napi_status {
    entry::js(env, "node_api_set_prototype", move |cx| {
        let obj = cx.to_object(object)?;
        let proto = match cx.value(value)? {
            Value::Object(p) => Some(p),
            Value::Null => None,
            _ => return fail(status::INVALID_ARG),
        };
        if accessed(cx, cx.rt.set_prototype(obj, proto))? {
            Ok(())
        } else {
            Err(cx.rt.type_error("Cyclic __proto__ value or object is not extensible".into()).into())
        }
    })
}

#[no_mangle]
pub unsafe extern "C" fn node_api_create_object_with_properties(
    env: napi_env,
    prototype_or_null: napi_value,
    property_names: *const napi_value,
    property_values: *const napi_value,
    property_count: usize,
    result: Out<napi_value>,
) -> napi_status {
    entry::js(env, "node_api_create_object_with_properties", move |cx| {
        let slot = result.required()?;
        // A NULL handle is a null prototype too (node 24's test_object passes one).
        let proto = match if prototype_or_null.is_null() { Value::Null } else { cx.value(prototype_or_null)? } {
            Value::Object(p) => Some(p),
            Value::Null => None,
            _ => return fail(status::INVALID_ARG),
        };
        // SAFETY: Node-API: `property_names` holds `property_count` handles.
        let names = unsafe { pointers::array(property_names, property_count) }?;
        // SAFETY: Node-API: `property_values` holds `property_count` handles.
        let values = unsafe { pointers::array(property_values, property_count) }?;
        let obj = cx.rt.heap_mut().new_object(ObjectClass::Plain, proto);
        for (&k, &v) in names.iter().zip(values) {
            let key = match cx.value(k)? {
                n @ (Value::String(_) | Value::Symbol(_)) => cx.rt.to_property_key(&n)?,
                _ => return fail(status::NAME_EXPECTED),
            };
            let value = cx.value(v)?;
            cx.rt.define_own_property(obj, key, Descriptor::data(value))?;
        }
        slot.write(cx.handle(Value::Object(obj)));
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn napi_instanceof(env: napi_env, object: napi_value, constructor: napi_value, result: Out<bool>) -> napi_status {
    entry::js(env, "napi_instanceof", move |cx| {
        let v = cx.value(object)?;
        let slot = result.required()?;
        slot.write(false);
        let ctor = cx.to_object(constructor)?;
        if !cx.rt.is_callable(&Value::Object(ctor)) {
            cx.rt.throw(Value::Object(cx.rt.new_error(
                napi_runtime::convert::ErrorKind::TypeError,
                "Constructor must be a function".into(),
                Some(Value::String("ERR_NAPI_CONS_FUNCTION".into())),
            )));
            return fail(status::FUNCTION_EXPECTED);
        }
        // A throw from the check (a prototype that is no object, a throwing getter) stays
        // pending, and the status is node's generic failure, not napi_pending_exception.
        match cx.rt.instance_of(&v, &Value::Object(ctor)) {
            Ok(is) => slot.write(is),
            Err(Thrown(e)) => {
                cx.rt.throw(e);
                return fail(status::GENERIC_FAILURE);
            }
        }
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn napi_object_freeze(env: napi_env, object: napi_value) -> napi_status {
    entry::js(env, "napi_object_freeze", move |cx| {
        let obj = cx.to_object(object)?;
        // V8 answers napi_pending_exception when a trap threw (not the generic failure of reads).
        cx.rt.integrity(obj, true)?;
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn napi_object_seal(env: napi_env, object: napi_value) -> napi_status {
    entry::js(env, "napi_object_seal", move |cx| {
        let obj = cx.to_object(object)?;
        cx.rt.integrity(obj, false)?;
        Ok(())
    })
}

/// The object a type tag is set on or checked: null and undefined leave V8's TypeError pending
/// and answer napi_pending_exception (node's CHECK_TO_OBJECT_WITH_PREAMBLE), not the
/// napi_object_expected of property access.
fn tag_target(cx: &Cx, value: napi_value) -> NapiResult<ObjectId> {
    cx.to_object(value).map_err(|e| if cx.rt.is_exception_pending() { Fail::Status(status::PENDING_EXCEPTION) } else { e })
}

#[no_mangle]
pub unsafe extern "C" fn napi_type_tag_object(env: napi_env, value: napi_value, type_tag: In<napi_type_tag>) -> napi_status {
    entry::js(env, "napi_type_tag_object", move |cx| {
        let obj = tag_target(cx, value)?;
        let tag = type_tag.get()?;
        let mut heap = cx.rt.heap_mut();
        let o = heap.obj_mut(obj);
        if o.type_tag.is_some() {
            return fail(status::INVALID_ARG);
        }
        o.type_tag = Some((tag.lower, tag.upper));
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn napi_check_object_type_tag(
    env: napi_env,
    value: napi_value,
    type_tag: In<napi_type_tag>,
    result: Out<bool>,
) -> napi_status {
    entry::js(env, "napi_check_object_type_tag", move |cx| {
        let obj = tag_target(cx, value)?;
        let tag = type_tag.get()?;
        let slot = result.required()?;
        slot.write(cx.rt.heap().obj(obj).type_tag == Some((tag.lower, tag.upper)));
        Ok(())
    })
}
