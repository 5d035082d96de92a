//! The one way into addon code (like emnapi's `callIntoModule`): clear the last error, open a
//! handle scope, call, close every scope the callee left open, and turn a pending exception into
//! the call's result.

use std::ffi::c_void;

use super::entry::env_handle;
use super::types::*;
use napi_runtime::native::{Callback, CleanupHook, Finalize, NativeCall, NativeFn};
use napi_runtime::{Env, EnvId, JsResult, Runtime, Thrown, Value};

/// A `napi_callback` that is not null.
pub type CallbackFn = unsafe extern "C" fn(napi_env, napi_callback_info) -> napi_value;
/// A `napi_finalize` that is not null.
pub type FinalizeFn = unsafe extern "C" fn(napi_env, *mut c_void, *mut c_void);
/// An env cleanup hook.
pub type CleanupHookFn = unsafe extern "C" fn(*mut c_void);

// What the runtime keeps of the addon's functions. The module they come from stays loaded until
// its env has been torn down (`lifecycle::LoadedModule`), after which none of them is called.

pub fn native_callback(cb: CallbackFn) -> NativeFn<Callback> {
    // SAFETY: the address of a function of exactly the signature of `Callback`, which stays
    // callable (above).
    unsafe { NativeFn::new(cb as usize) }
}

pub fn native_finalizer(cb: FinalizeFn) -> NativeFn<Finalize> {
    // SAFETY: as in `native_callback`, for `Finalize`.
    unsafe { NativeFn::new(cb as usize) }
}

pub fn native_cleanup_hook(hook: CleanupHookFn) -> NativeFn<CleanupHook> {
    // SAFETY: as in `native_callback`, for `CleanupHook`.
    unsafe { NativeFn::new(hook as usize) }
}

/// Runs `f` (which calls native code) inside a fresh handle scope; returns what it returned as a
/// value, or the exception it left pending.
pub fn call_into_module(rt: &Runtime, env: EnvId, f: impl FnOnce(napi_env) -> napi_value) -> JsResult<Value> {
    if let Some(e) = rt.env(env) {
        e.clear_last_error();
    }
    let value = in_handle_scope(rt, || {
        let ret = f(env_handle(rt, env));
        rt.handles().get(ret as usize).cloned().unwrap_or(Value::Undefined)
    });
    match rt.take_exception() {
        Some(exc) => Err(Thrown(exc)),
        None => Ok(value),
    }
}

/// Runs native code that no JS called, in a turn of the host's libuv loop (a callback the addon
/// gave libuv: after-work, async, timer, poll, close): inside a fresh handle scope, with what it
/// leaves pending reported as uncaught, as an exception no JS frame catches.
pub fn run_outside_js(rt: &Runtime, f: impl FnOnce()) {
    in_handle_scope(rt, f);
    if let Some(exc) = rt.take_exception() {
        rt.report_uncaught(exc);
    }
}

/// Runs `f` inside a fresh handle scope, which it cannot close from inside.
fn in_handle_scope<R>(rt: &Runtime, f: impl FnOnce() -> R) -> R {
    let depth = rt.handles().depth();
    let floor = {
        let mut h = rt.handles_mut();
        h.open(false);
        h.raise_floor()
    };
    let r = f();
    // Scopes left open by the callee are closed here (Node aborts instead); leaking them would
    // pin every value the callee made.
    let mut h = rt.handles_mut();
    h.restore_floor(floor);
    h.unwind_to(depth);
    r
}

/// What a callback's `napi_callback_info` points to, on `invoke`'s stack for the call. Node's
/// points to an object whose second word is the `this` handle that `napi_get_cb_info` gives,
/// and addons look there: koffi takes its Node-API-only path only when one of the first two
/// words is that handle (otherwise it reads V8's own structures through it).
#[repr(C)]
pub struct CallbackInfo {
    /// The call's frame in `Runtime::frames`, counted from 1.
    pub frame: usize,
    /// The handle of the call's `this`, made in the callback's own handle scope.
    pub this: napi_value,
}

/// Makes `call`, an addon's callback with the frame just pushed as its callback info; pops the
/// frame after. `call_into_module`'s steps, written out: the scope opened (or the caller's
/// taken, `CallScope::Callers`) with the receiver's handle and closed with the answer read in
/// one borrow of the handles each.
pub fn invoke(rt: &Runtime, call: NativeCall) -> JsResult<Value> {
    // The receiver's handle made first, and the rest of `call` read where it lies after: read
    // before, the env, the callback and the frame were kept on the stack across the push.
    let scope = rt.handles_mut().enter_callback(call.this, call.scope);
    // SAFETY: a `NativeFn<Callback>` is the address of a callable function of this signature
    // (`NativeFn::new`'s contract).
    let callback: CallbackFn = unsafe { std::mem::transmute::<usize, CallbackFn>(call.cb.addr()) };
    let env = rt.env(call.env);
    if let Some(e) = env {
        e.clear_last_error();
    }
    let env = env.map_or(std::ptr::null(), Env::handle).cast_mut().cast();
    let mut info = CallbackInfo { frame: call.frame, this: scope.this as napi_value };
    let info: *mut CallbackInfo = &mut info;
    // SAFETY: calling the addon's callback with a live env and callback info is the contract of
    // Node-API; what it does with them is the addon's code.
    let ret = unsafe { callback(env, info.cast()) };
    // The frame popped and the exception taken before the answer is read: the answer is read
    // only when there is no exception, so it has no drop on a way out, and is not kept on the
    // stack for one (nor across the pop's rare call).
    rt.pop_frame();
    match rt.take_exception() {
        None => Ok(rt.handles_mut().leave_callback(scope, ret as usize)),
        Some(exc) => {
            // No handle: the answer, unread, is undefined.
            rt.handles_mut().leave_callback(scope, 0);
            Err(Thrown(exc))
        }
    }
}

/// Calls an addon's finalizer for `data` with `hint`.
pub fn finalize(rt: &Runtime, env: EnvId, cb: NativeFn<Finalize>, data: usize, hint: usize) {
    // SAFETY: a `NativeFn<Finalize>` is the address of a callable function of this signature
    // (`NativeFn::new`'s contract).
    let f: FinalizeFn = unsafe { std::mem::transmute::<usize, FinalizeFn>(cb.addr()) };
    let result = call_into_module(rt, env, |e| {
        // SAFETY: the addon's finalizer gets back exactly the pointers it registered.
        unsafe { f(e, data as *mut c_void, hint as *mut c_void) };
        std::ptr::null_mut()
    });
    // Nothing can catch what a finalizer throws: it is uncaught, as in Node.
    if let Err(Thrown(v)) = result {
        rt.report_uncaught(v);
    }
}
