//! References (`napi_ref`) and instance data.

use std::ffi::c_void;

use super::callback::native_finalizer;
use super::entry::{self, fail, OrStatus};
use super::pointers::Out;
use super::types::*;
use napi_runtime::native::Finalizer;
use napi_runtime::references::Reference;
use napi_runtime::Value;

#[no_mangle]
pub unsafe extern "C" fn napi_create_reference(
    env: napi_env,
    value: napi_value,
    initial_refcount: u32,
    result: Out<napi_ref>,
) -> napi_status {
    entry::plain(env, "napi_create_reference", move |cx| {
        let v = cx.value(value)?;
        let slot = result.required()?;
        // Before Node-API 10 only objects, functions and symbols may be referenced.
        if !cx.env.at_least(10) && !matches!(v, Value::Object(_) | Value::Symbol(_)) {
            return fail(status::INVALID_ARG);
        }
        let weak_primitive = initial_refcount == 0 && !matches!(v, Value::Object(_) | Value::Symbol(_));
        let reference = Reference {
            collected: weak_primitive,
            ..Reference::new(cx.env.id, if weak_primitive { Value::Undefined } else { v }, initial_refcount)
        };
        let id = cx.rt.references_mut().create(reference);
        slot.write(id as napi_ref);
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn napi_delete_reference(env: napi_env, reference: napi_ref) -> napi_status {
    entry::plain(env, "napi_delete_reference", move |cx| {
        let deleted = cx.rt.references_mut().delete(reference as usize);
        match deleted {
            Some(Reference { value, finalizer: Some(seq), .. }) => {
                cx.rt.cancel_finalizer(&value, seq);
                Ok(())
            }
            Some(_) => Ok(()),
            None => fail(status::INVALID_ARG),
        }
    })
}

#[no_mangle]
pub unsafe extern "C" fn napi_reference_ref(env: napi_env, reference: napi_ref, result: Out<u32>) -> napi_status {
    entry::plain(env, "napi_reference_ref", move |cx| {
        let mut refs = cx.rt.references_mut();
        let r = refs.get_mut(reference as usize).or_status(status::INVALID_ARG)?;
        // A reference whose value is gone (collected, or a primitive let go at count 0) stays
        // at 0, as node's Reference::Ref answers.
        if !r.collected {
            r.count += 1;
        }
        if let Some(result) = result.optional() {
            result.write(if r.collected { 0 } else { r.count });
        }
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn napi_reference_unref(env: napi_env, reference: napi_ref, result: Out<u32>) -> napi_status {
    entry::plain(env, "napi_reference_unref", move |cx| {
        let mut refs = cx.rt.references_mut();
        let r = refs.get_mut(reference as usize).or_status(status::INVALID_ARG)?;
        if r.count == 0 {
            return fail(status::GENERIC_FAILURE);
        }
        r.count -= 1;
        // A primitive cannot be held weakly: at count 0 the reference lets it go (Node-API 10).
        if r.count == 0 && !matches!(r.value, Value::Object(_) | Value::Symbol(_)) {
            r.value = Value::Undefined;
            r.collected = true;
        }
        if let Some(result) = result.optional() {
            result.write(r.count);
        }
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn napi_get_reference_value(env: napi_env, reference: napi_ref, result: Out<napi_value>) -> napi_status {
    entry::plain(env, "napi_get_reference_value", move |cx| {
        if reference.is_null() {
            return fail(status::INVALID_ARG);
        }
        let slot = result.required()?;
        let v = cx.rt.references().get(reference as usize).map(|r| (!r.collected).then(|| r.value.clone()));
        // A weak reference whose object was collected answers an empty (NULL) result.
        slot.write(match v.or_status(status::INVALID_ARG)? {
            Some(v) => cx.handle(v),
            None => std::ptr::null_mut(),
        });
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn napi_set_instance_data(
    env: napi_env,
    data: *mut c_void,
    finalize_cb: napi_finalize,
    finalize_hint: *mut c_void,
) -> napi_status {
    entry::plain(env, "napi_set_instance_data", move |cx| {
        let f = finalize_cb.map(|cb| Finalizer { cb: native_finalizer(cb), hint: finalize_hint as usize });
        cx.env.instance_data.set(Some((data as usize, f)));
        cx.env.instance_data_seq.set(cx.rt.next_seq());
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn napi_get_instance_data(env: napi_env, data: Out<*mut c_void>) -> napi_status {
    entry::plain(env, "napi_get_instance_data", move |cx| {
        let slot = data.required()?;
        slot.write(cx.env.instance_data.get().map_or(std::ptr::null_mut(), |(d, _)| d as *mut c_void));
        Ok(())
    })
}
