//! Classes and wrapping: `napi_define_class`, `napi_wrap`, `napi_unwrap`, `napi_remove_wrap`.

use std::ffi::{c_char, c_void};

use super::callback::{native_callback, native_finalizer};
use super::entry::{self, fail, Cx, NapiResult};
use super::functions::{name_arg, new_function};
use super::objects::{descriptor_key, to_descriptor};
use super::pointers::{self, Out};
use super::types::*;
use napi_runtime::native::Finalizer;
use napi_runtime::object::Wrap;
use napi_runtime::property::{Property, PropertyKey};
use napi_runtime::references::Reference;
use napi_runtime::{ObjectId, Value};

#[no_mangle]
pub unsafe extern "C" fn napi_define_class(
    env: napi_env,
    utf8name: *const c_char,
    length: usize,
    constructor: napi_callback,
    data: *mut c_void,
    property_count: usize,
    properties: *const napi_property_descriptor,
    result: Out<napi_value>,
) -> napi_status {
    entry::js(env, "napi_define_class", move |cx| {
        let slot = result.required()?;
        let Some(ctor_cb) = constructor else { return fail(status::INVALID_ARG) };
        // SAFETY: Node-API: `properties` holds `property_count` descriptors.
        let props = unsafe { pointers::array(properties, property_count) }?;
        // SAFETY: Node-API: `utf8name` is null, or holds `length` bytes, or is NUL-terminated for
        // NAPI_AUTO_LENGTH.
        let name = unsafe { name_arg(utf8name, length, false) }?;
        let ctor = new_function(cx, &name.to_rust_string(), native_callback(ctor_cb), data as usize, true, None);
        let proto = cx.rt.new_plain_object();
        cx.rt.heap_mut().put(
            ctor,
            PropertyKey::name("prototype"),
            Property { enumerable: false, configurable: false, ..Property::data(Value::Object(proto)) },
        );
        for p in props {
            // Instance members check that `this` is an instance; static ones do not.
            let (target, receiver) = if p.attributes & attr::STATIC != 0 { (ctor, None) } else { (proto, Some(proto)) };
            // SAFETY: Node-API: a descriptor's `utf8name` is null or NUL-terminated.
            let key = unsafe { descriptor_key(cx, p) }?;
            let desc = to_descriptor(cx, p, receiver)?;
            cx.rt.define_own_property(target, key, desc)?;
        }
        // V8 adds `constructor` after the template's own properties: it lists last.
        cx.rt.heap_mut().put(proto, PropertyKey::name("constructor"), Property::hidden(Value::Object(ctor)));
        slot.write(cx.handle(Value::Object(ctor)));
        Ok(())
    })
}

/// An object argument for wrapping: Node answers `napi_invalid_arg` for non-objects here.
fn wrappable(cx: &Cx, v: napi_value) -> NapiResult<ObjectId> {
    match cx.value(v)? {
        Value::Object(id) => Ok(id),
        _ => fail(status::INVALID_ARG),
    }
}

#[no_mangle]
pub unsafe extern "C" fn napi_wrap(
    env: napi_env,
    js_object: napi_value,
    native_object: *mut c_void,
    finalize_cb: napi_finalize,
    finalize_hint: *mut c_void,
    result: Out<napi_ref>,
) -> napi_status {
    entry::js(env, "napi_wrap", move |cx| {
        let obj = wrappable(cx, js_object)?;
        if cx.rt.heap().obj(obj).wrap.is_some() {
            return fail(status::INVALID_ARG);
        }
        // A returned reference may only be deleted from the finalizer, so one is required.
        if !result.is_null() && finalize_cb.is_none() {
            return fail(status::INVALID_ARG);
        }
        let finalize = finalize_cb.map(|cb| Finalizer { cb: native_finalizer(cb), hint: finalize_hint as usize });
        let seq = cx.rt.next_seq();
        cx.rt.heap_mut().obj_mut(obj).wrap = Some(Wrap { env: cx.env.id, data: native_object as usize, finalize, seq });
        if let Some(result) = result.optional() {
            // The reference owns the finalizer (when there is one): deleting it cancels it.
            let reference = Reference { finalizer: finalize_cb.map(|_| seq), ..Reference::new(cx.env.id, Value::Object(obj), 0) };
            let r = cx.rt.references_mut().create(reference);
            result.write(r as napi_ref);
        }
        Ok(())
    })
}

fn unwrap(cx: &Cx, js_object: napi_value, result: Out<*mut c_void>, remove: bool) -> NapiResult {
    let obj = wrappable(cx, js_object)?;
    if !remove {
        result.required()?;
    }
    let mut heap = cx.rt.heap_mut();
    let o = heap.obj_mut(obj);
    let data = match &o.wrap {
        Some(w) => w.data,
        None => return fail(status::INVALID_ARG),
    };
    if remove {
        // The finalizer is not called: the native object is the caller's again.
        o.wrap = None;
    }
    if let Some(result) = result.optional() {
        result.write(data as *mut c_void);
    }
    Ok(())
}

#[no_mangle]
pub unsafe extern "C" fn napi_unwrap(env: napi_env, js_object: napi_value, result: Out<*mut c_void>) -> napi_status {
    entry::js(env, "napi_unwrap", move |cx| {
        cx.value(js_object)?;
        unwrap(cx, js_object, result, false)
    })
}

#[no_mangle]
pub unsafe extern "C" fn napi_remove_wrap(env: napi_env, js_object: napi_value, result: Out<*mut c_void>) -> napi_status {
    entry::js(env, "napi_remove_wrap", move |cx| {
        cx.value(js_object)?;
        unwrap(cx, js_object, result, true)
    })
}
