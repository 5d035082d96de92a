//! Finalizers: `napi_add_finalizer` and `node_api_post_finalizer`.

use std::ffi::c_void;

use super::callback::native_finalizer;
use super::entry::{self, fail};
use super::pointers::Out;
use super::types::*;
use napi_runtime::object::Finalization;
use napi_runtime::references::Reference;
use napi_runtime::Value;

#[no_mangle]
pub unsafe extern "C" fn napi_add_finalizer(
    env: napi_env,
    js_object: napi_value,
    finalize_data: *mut c_void,
    finalize_cb: napi_finalize,
    finalize_hint: *mut c_void,
    result: Out<napi_ref>,
) -> napi_status {
    entry::plain(env, "napi_add_finalizer", move |cx| {
        let v = cx.value(js_object)?;
        let Some(cb) = finalize_cb else { return fail(status::INVALID_ARG) };
        let Value::Object(obj) = v else { return fail(status::INVALID_ARG) };
        let seq = cx.rt.next_seq();
        let f = Finalization::new(cx.env.id, native_finalizer(cb), finalize_data as usize, finalize_hint as usize, seq);
        cx.rt.heap_mut().obj_mut(obj).finalizers.push(f);
        if let Some(result) = result.optional() {
            // The reference owns the finalizer: deleting it cancels it.
            let r = cx.rt.references_mut().create(Reference { finalizer: Some(seq), ..Reference::new(cx.env.id, v, 0) });
            result.write(r as napi_ref);
        }
        Ok(())
    })
}

/// Schedules `finalize_cb` to run after the current collection's finalizers (Node runs it on a
/// later tick, where JavaScript may run).
#[no_mangle]
pub unsafe extern "C" fn node_api_post_finalizer(
    env: napi_env,
    finalize_cb: napi_finalize,
    finalize_data: *mut c_void,
    finalize_hint: *mut c_void,
) -> napi_status {
    entry::plain(env, "node_api_post_finalizer", move |cx| {
        let Some(cb) = finalize_cb else { return fail(status::INVALID_ARG) };
        let f = Finalization::new(cx.env.id, native_finalizer(cb), finalize_data as usize, finalize_hint as usize, cx.rt.next_seq());
        cx.rt.post_finalizer(f);
        Ok(())
    })
}
