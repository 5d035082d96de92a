//! Asynchronous cleanup hooks: run at teardown, before the synchronous ones; each must remove
//! itself, from any thread, before teardown goes on (Node's `RunCleanup`).

use std::ffi::c_void;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

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

/// What teardown drives while it waits for async cleanup hooks to remove themselves: the host's
/// event queue and its libuv loop, where a hook's work usually finishes (RocksDB's closes its
/// database on libuv's threadpool and removes itself in the completion, which runs on the loop).
pub trait TeardownLoop {
    /// Runs what is ready: what other threads posted (async-work completions, removals) and one
    /// turn of the loop that does not wait.
    fn run_ready(&self);
    /// Sleeps until the event queue or the loop has work, the loop's next timer is due, or
    /// `until` passes, whichever comes first.
    fn sleep(&self, until: Instant);
}

/// Teardown, before the synchronous cleanup hooks: each async hook of `env` is called (newest
/// first) with its handle, and the event queue and the loop (`driven`) keep running until every
/// one has been removed, as Node's `RunCleanup` runs its loop while a hook is pending. Node waits
/// for ever; this waits until `until` (shared by the host's envs, so that teardown ends before
/// the host is killed), then warns and goes on: a hook still running then is the addon's to
/// finish, or not, as the process ends.
pub fn run_async_cleanup_hooks(rt: &Runtime, env: EnvId, driven: &dyn TeardownLoop, until: Instant) {
    let owner = Arc::as_ptr(rt.events()) as usize;
    let mine = |hooks: &Vec<(usize, AsyncHook)>| -> Vec<(usize, HookFn, usize)> {
        hooks.iter().filter(|(_, h)| h.owner == owner && h.env == env).map(|(id, h)| (*id, h.hook, h.arg)).rev().collect()
    };
    let started = mine(&lock(&ASYNC_HOOKS));
    if started.is_empty() {
        return;
    }
    for (id, hook, arg) in started {
        // SAFETY: the hook the addon registered, with its handle and argument.
        unsafe { hook(id as napi_async_cleanup_hook_handle, arg as *mut c_void) };
    }
    let began = Instant::now();
    loop {
        driven.run_ready();
        let left = mine(&lock(&ASYNC_HOOKS)).len();
        if left == 0 {
            return;
        }
        if Instant::now() >= until {
            let module = rt.env(env).map(|e| e.filename.to_string_lossy().into_owned()).unwrap_or_default();
            let waited = began.elapsed();
            tracing::warn!(
                "{left} async cleanup hook(s) of {module} did not remove themselves in {waited:.1?} \
                 (napi_remove_async_cleanup_hook); teardown goes on without them"
            );
            return;
        }
        driven.sleep(until);
    }
}
