//! Promises: `napi_create_promise`, `napi_resolve_deferred`, `napi_reject_deferred`,
//! `napi_is_promise`. A deferred is a strong reference to its promise (so the promise lives
//! until settled), freed when it is used.

use super::entry::{self, fail, Cx, NapiResult};
use super::pointers::Out;
use super::types::*;
use napi_runtime::references::Reference;
use napi_runtime::{ObjectId, Value};

#[no_mangle]
pub unsafe extern "C" fn napi_create_promise(env: napi_env, deferred: Out<napi_deferred>, promise: Out<napi_value>) -> napi_status {
    entry::js(env, "napi_create_promise", move |cx| {
        let d = deferred.required()?;
        let p = promise.required()?;
        let id = cx.rt.new_promise();
        let r = cx.rt.references_mut().create(Reference::new(cx.env.id, Value::Object(id), 1));
        d.write(r as napi_deferred);
        p.write(cx.handle(Value::Object(id)));
        Ok(())
    })
}

/// The promise behind a deferred, which is used up.
fn take_deferred(cx: &Cx, deferred: napi_deferred) -> NapiResult<ObjectId> {
    if deferred.is_null() {
        return fail(status::INVALID_ARG);
    }
    match cx.rt.references_mut().delete(deferred as usize) {
        Some(Reference { value: Value::Object(p), .. }) => Ok(p),
        _ => fail(status::INVALID_ARG),
    }
}

#[no_mangle]
pub unsafe extern "C" fn napi_resolve_deferred(env: napi_env, deferred: napi_deferred, resolution: napi_value) -> napi_status {
    entry::js(env, "napi_resolve_deferred", move |cx| {
        let v = cx.value(resolution)?;
        let p = take_deferred(cx, deferred)?;
        cx.rt.resolve_promise(p, v);
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn napi_reject_deferred(env: napi_env, deferred: napi_deferred, rejection: napi_value) -> napi_status {
    entry::js(env, "napi_reject_deferred", move |cx| {
        let v = cx.value(rejection)?;
        let p = take_deferred(cx, deferred)?;
        cx.rt.reject_promise(p, v);
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn napi_is_promise(env: napi_env, value: napi_value, is_promise: Out<bool>) -> napi_status {
    entry::plain(env, "napi_is_promise", move |cx| {
        let v = cx.value(value)?;
        is_promise.write(cx.rt.is_promise(&v))?;
        Ok(())
    })
}
