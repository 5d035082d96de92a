//! Asynchronous cleanup hooks, and teardown's cleanup hooks of both kinds: run in one order, newest
//! registration first; an async one must remove itself, from any thread, before teardown goes
//! on (Node's `RunCleanup`).

use std::ffi::c_void;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use super::callback::CleanupHookFn;
use super::entry::{self, fail};
use super::pointers::Out;
use super::types::*;
use napi_runtime::events::EventQueue;
use napi_runtime::sync::lock;
use napi_runtime::{Env, EnvId, Runtime};

type HookFn = unsafe extern "C" fn(napi_async_cleanup_hook_handle, *mut c_void);

struct AsyncHook {
    /// The runtime the env belongs to (its event queue's address).
    owner: usize,
    env: EnvId,
    hook: HookFn,
    arg: usize,
    /// Its registration number, shared with the synchronous hooks' (`next_seq`).
    seq: u64,
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
    entry::plain(env, "napi_add_async_cleanup_hook", move |cx| {
        let Some(hook) = hook else { return fail(status::INVALID_ARG) };
        let handle = NEXT_HOOK.fetch_add(1, Ordering::Relaxed);
        let owner = Arc::as_ptr(cx.rt.events()) as usize;
        lock(&ASYNC_HOOKS).push((
            handle,
            AsyncHook { owner, env: cx.env.id, hook, arg: arg as usize, seq: cx.rt.next_seq(), events: cx.rt.events().clone() },
        ));
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

/// A hook due at teardown: synchronous (its function, argument and registration number), or
/// async (its handle, function and argument).
enum Due {
    Sync(usize, usize, u64),
    Async(usize, HookFn, usize),
}

/// Teardown's cleanup hooks, as Node's cleanup queue drains them: the env's synchronous and
/// async hooks in one order, newest registration first (one removed by a hook that ran before it
/// does not run), each async one called with its handle; then the event queue and the loop
/// (`driven`) keep running until every async hook has removed itself, as Node's `RunCleanup`
/// runs its loop while one is pending; and again for hooks registered meanwhile. Node waits
/// for ever; this waits until `until` (shared by the host's envs, so that teardown ends before
/// the host is killed), then warns and goes on: a hook still running then is the addon's to
/// finish, or not, as the process ends.
pub fn run_cleanup_hooks(rt: &Runtime, env: &Env, driven: &dyn TeardownLoop, until: Instant) {
    let owner = Arc::as_ptr(rt.events()) as usize;
    let mut called = Vec::new();
    loop {
        let mut due: Vec<(u64, Due)> =
            env.cleanup_hooks.borrow().iter().map(|&(f, arg, seq)| (seq, Due::Sync(f.addr(), arg, seq))).collect();
        due.extend(
            lock(&ASYNC_HOOKS)
                .iter()
                .filter(|(id, h)| h.owner == owner && h.env == env.id && !called.contains(id))
                .map(|(id, h)| (h.seq, Due::Async(*id, h.hook, h.arg))),
        );
        if due.is_empty() {
            return;
        }
        due.sort_by_key(|(seq, _)| std::cmp::Reverse(*seq));
        for (_, hook) in due {
            match hook {
                Due::Sync(f, arg, seq) => {
                    let registered = {
                        let mut hooks = env.cleanup_hooks.borrow_mut();
                        hooks.iter().position(|h| h.2 == seq).map(|i| hooks.remove(i)).is_some()
                    };
                    if registered {
                        // SAFETY: a `NativeFn<CleanupHook>` is the address of a callable function
                        // of this signature (`NativeFn::new`'s contract).
                        let hook = unsafe { std::mem::transmute::<usize, CleanupHookFn>(f) };
                        // SAFETY: running the addon's hook with its own argument.
                        unsafe { hook(arg as *mut c_void) };
                    }
                }
                Due::Async(id, hook, arg) => {
                    if lock(&ASYNC_HOOKS).iter().any(|(h, _)| *h == id) {
                        called.push(id);
                        // SAFETY: the hook the addon registered, with its handle and argument.
                        unsafe { hook(id as napi_async_cleanup_hook_handle, arg as *mut c_void) };
                    }
                }
            }
        }
        wait_for_async_hooks(rt, env.id, owner, driven, until);
    }
}

/// Runs the event queue and the loop until every async hook of `env` has removed itself, or
/// `until` has passed.
fn wait_for_async_hooks(rt: &Runtime, env: EnvId, owner: usize, driven: &dyn TeardownLoop, until: Instant) {
    let left = || lock(&ASYNC_HOOKS).iter().filter(|(_, h)| h.owner == owner && h.env == env).count();
    if left() == 0 {
        return;
    }
    let began = Instant::now();
    loop {
        driven.run_ready();
        let left = left();
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
