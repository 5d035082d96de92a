//! Handle scopes, escapable ones included.

use super::entry::{self, fail};
use super::pointers::Out;
use super::types::*;
use napi_runtime::handles::ScopeError;

fn scope_fail(e: ScopeError) -> entry::Fail {
    entry::Fail::Status(match e {
        ScopeError::Mismatch => status::HANDLE_SCOPE_MISMATCH,
        ScopeError::EscapedTwice => status::ESCAPE_CALLED_TWICE,
    })
}

#[no_mangle]
pub unsafe extern "C" fn napi_open_handle_scope(env: napi_env, result: Out<napi_handle_scope>) -> napi_status {
    entry::plain(env, "napi_open_handle_scope", move |cx| {
        let slot = result.required()?;
        slot.write(cx.rt.handles_mut().open(false) as napi_handle_scope);
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn napi_close_handle_scope(env: napi_env, scope: napi_handle_scope) -> napi_status {
    entry::plain(env, "napi_close_handle_scope", move |cx| {
        if scope.is_null() {
            return fail(status::INVALID_ARG);
        }
        cx.rt.handles_mut().close(scope as usize).map_err(scope_fail)
    })
}

#[no_mangle]
pub unsafe extern "C" fn napi_open_escapable_handle_scope(env: napi_env, result: Out<napi_escapable_handle_scope>) -> napi_status {
    entry::plain(env, "napi_open_escapable_handle_scope", move |cx| {
        let slot = result.required()?;
        slot.write(cx.rt.handles_mut().open(true) as napi_escapable_handle_scope);
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn napi_close_escapable_handle_scope(env: napi_env, scope: napi_escapable_handle_scope) -> napi_status {
    entry::plain(env, "napi_close_escapable_handle_scope", move |cx| {
        if scope.is_null() {
            return fail(status::INVALID_ARG);
        }
        cx.rt.handles_mut().close(scope as usize).map_err(scope_fail)
    })
}

#[no_mangle]
pub unsafe extern "C" fn napi_escape_handle(
    env: napi_env,
    scope: napi_escapable_handle_scope,
    escapee: napi_value,
    result: Out<napi_value>,
) -> napi_status {
    entry::plain(env, "napi_escape_handle", move |cx| {
        if scope.is_null() {
            return fail(status::INVALID_ARG);
        }
        let v = cx.value(escapee)?;
        let slot = result.required()?;
        let handle = cx.rt.handles_mut().escape(scope as usize, v).map_err(scope_fail)?;
        slot.write(handle as napi_value);
        Ok(())
    })
}
