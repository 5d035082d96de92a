//! Custom asynchronous operations: `napi_async_init` / `napi_async_destroy`,
//! `napi_make_callback` and callback scopes. There are no `async_hooks`: contexts and scopes are
//! validated and counted as Node does, nothing more.

use super::async_work::{check_resource, check_resource_name, next_handle};
use super::entry::{self, fail, NapiResult};
use super::pointers::{self, Out};
use super::types::*;
use napi_runtime::Value;

#[no_mangle]
pub unsafe extern "C" fn napi_async_init(
    env: napi_env,
    async_resource: napi_value,
    async_resource_name: napi_value,
    result: Out<napi_async_context>,
) -> napi_status {
    entry::plain(env, "napi_async_init", move |cx| {
        cx.value(async_resource_name)?;
        let slot = result.required()?;
        check_resource(cx, async_resource)?;
        check_resource_name(cx, async_resource_name)?;
        let handle = next_handle(cx.rt);
        crate::layer::async_tables(cx.rt).borrow_mut().contexts.insert(handle, cx.env.id);
        slot.write(handle as napi_async_context);
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn napi_async_destroy(env: napi_env, async_context: napi_async_context) -> napi_status {
    entry::plain(env, "napi_async_destroy", move |cx| {
        if async_context.is_null() {
            return fail(status::INVALID_ARG);
        }
        // Node deletes whatever it is given; an unknown handle is refused instead of crashing.
        let removed = crate::layer::async_tables(cx.rt).borrow_mut().contexts.remove(&(async_context as usize));
        match removed {
            Some(_) => Ok(()),
            None => fail(status::INVALID_ARG),
        }
    })
}

#[no_mangle]
pub unsafe extern "C" fn napi_make_callback(
    env: napi_env,
    async_context: napi_async_context,
    recv: napi_value,
    func: napi_value,
    argc: usize,
    argv: *const napi_value,
    result: Out<napi_value>,
) -> napi_status {
    entry::js(env, "napi_make_callback", move |cx| {
        // The context only matters to async_hooks, which a host does not have.
        let _ = async_context;
        cx.value(recv)?;
        // SAFETY: Node-API: `argv` holds `argc` handles.
        let handles = unsafe { pointers::array(argv, argc) }?;
        let this = Value::Object(cx.to_object(recv)?);
        let f = cx.function(func)?;
        let args = handles.iter().map(|h| cx.value(*h)).collect::<NapiResult<Vec<Value>>>()?;
        let r = cx.rt.call(&f, this, &args)?;
        // Like node::MakeCallback closing its callback scope: the queued microtasks run (not
        // after a throw, as Node marks the scope failed).
        cx.rt.run_microtasks();
        if let Some(result) = result.optional() {
            result.write(cx.handle(r));
        }
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn napi_open_callback_scope(
    env: napi_env,
    resource_object: napi_value,
    context: napi_async_context,
    result: Out<napi_callback_scope>,
) -> napi_status {
    entry::plain(env, "napi_open_callback_scope", move |cx| {
        let _ = context;
        let slot = result.required()?;
        cx.to_object(resource_object)?;
        let handle = next_handle(cx.rt);
        crate::layer::async_tables(cx.rt).borrow_mut().scopes.entry(cx.env.id).or_default().push(handle);
        slot.write(handle as napi_callback_scope);
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn napi_close_callback_scope(env: napi_env, scope: napi_callback_scope) -> napi_status {
    entry::plain(env, "napi_close_callback_scope", move |cx| {
        if scope.is_null() {
            return fail(status::INVALID_ARG);
        }
        let outermost = (|| -> NapiResult<bool> {
            let mut t = crate::layer::async_tables(cx.rt).borrow_mut();
            let open = t.scopes.entry(cx.env.id).or_default();
            // Node only counts open scopes: closing with none open is the mismatch.
            if open.is_empty() {
                return fail(status::CALLBACK_SCOPE_MISMATCH);
            }
            let Some(i) = open.iter().rposition(|h| *h == scope as usize) else { return fail(status::INVALID_ARG) };
            open.remove(i);
            Ok(open.is_empty())
        })()?;
        // Closing the outermost scope is when Node drains the microtask queue.
        if outermost && !cx.rt.is_exception_pending() {
            cx.rt.run_microtasks();
        }
        Ok(())
    })
}
