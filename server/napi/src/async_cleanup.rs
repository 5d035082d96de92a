//! Asynchronous cleanup hooks: run at teardown, before the synchronous ones; each must remove
//! itself, from any thread, before teardown goes on (Node's `RunCleanup`).

use std::ffi::c_void;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::entry::{self, fail};
use super::pointers::Out;
use super::types::*;
use napi_runtime::events::EventQueue;
use napi_runtime::sync::lock;
use napi_runtime::{EnvId, Runtime};

type HookFn = unsafe extern "C" fn(napi_async_cleanup_hook_handle, *mut c_void);

struct AsyncHook {
    /// The runtime the env belongs to (its event queue's address).
    owner: usize,
    env: EnvId,
    hook: HookFn,
    arg: usize,
    /// To wake the JS thread when the hook is removed from another thread during teardown.
    events: Arc<EventQueue>,
}

/// Registered hooks by handle. Process-wide: `napi_remove_async_cleanup_hook` takes no env and
/// may be called from any thread (e.g. when an addon's own thread finishes closing).
static ASYNC_HOOKS: Mutex<Vec<(usize, AsyncHook)>> = Mutex::new(Vec::new());
static NEXT_HOOK: AtomicUsize = AtomicUsize::new(1);

#[no_mangle]
pub unsafe extern "C" fn napi_add_async_cleanup_hook(
    env: napi_env,
    hook: napi_async_cleanup_hook,
    arg: *mut c_void,
    remove_handle: Out<napi_async_cleanup_hook_handle>,
) -> napi_status {
    entry::plain(env, "napi_add_async_cleanup_hook", |cx| {
        let Some(hook) = hook else { return fail(status::INVALID_ARG) };
        let handle = NEXT_HOOK.fetch_add(1, Ordering::Relaxed);
        let owner = Arc::as_ptr(cx.rt.events()) as usize;
        lock(&ASYNC_HOOKS).push((handle, AsyncHook { owner, env: cx.env.id, hook, arg: arg as usize, events: cx.rt.events().clone() }));
        if let Some(remove_handle) = remove_handle.optional() {
            remove_handle.write(handle as napi_async_cleanup_hook_handle);
        }
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn napi_remove_async_cleanup_hook(remove_handle: napi_async_cleanup_hook_handle) -> napi_status {
    if remove_handle.is_null() {
        return status::INVALID_ARG;
    }
    let removed = {
        let mut hooks = lock(&ASYNC_HOOKS);
        let i = hooks.iter().position(|(h, _)| *h == remove_handle as usize);
        i.map(|i| hooks.remove(i).1)
    };
    match removed {
        Some(hook) => {
            // Wakes a teardown that waits for this removal (a no-op otherwise).
            hook.events.post(Box::new(|_| {}));
            status::OK
        }
        None => status::INVALID_ARG,
    }
}

/// Teardown, before the synchronous cleanup hooks: each async hook of `env` is called (newest
/// first) with its handle, and the loop keeps running until every one has been removed, as
/// Node's `RunCleanup` does.
pub fn run_async_cleanup_hooks(rt: &Runtime, env: EnvId) {
    let owner = Arc::as_ptr(rt.events()) as usize;
    let mine = |hooks: &Vec<(usize, AsyncHook)>| -> Vec<(usize, HookFn, usize)> {
        hooks.iter().filter(|(_, h)| h.owner == owner && h.env == env).map(|(id, h)| (*id, h.hook, h.arg)).rev().collect()
    };
    let started = mine(&lock(&ASYNC_HOOKS));
    for (id, hook, arg) in started {
        // SAFETY: the hook the addon registered, with its handle and argument.
        unsafe { hook(id as napi_async_cleanup_hook_handle, arg as *mut c_void) };
    }
    let mut waited = 0u32;
    loop {
        rt.run_tasks();
        if mine(&lock(&ASYNC_HOOKS)).is_empty() {
            break;
        }
        waited += 1;
        if waited.is_multiple_of(50) {
            tracing::warn!("teardown is waiting for an async cleanup hook to call napi_remove_async_cleanup_hook");
        }
        rt.events().wait(Duration::from_millis(100));
    }
}
