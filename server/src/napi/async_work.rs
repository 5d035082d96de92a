//! Asynchronous operations: simple async work (`napi_*_async_work`, run on a worker pool), custom
//! async operations (`napi_async_init`, `napi_make_callback`, callback scopes) and asynchronous
//! cleanup hooks.
//!
//! `execute` runs on a pool of `UV_THREADPOOL_SIZE` worker threads (4 by default, as libuv) and
//! never touches the heap; `complete` is posted to the JS thread's event queue. There is no
//! libuv loop and no `async_hooks`: async contexts and callback scopes are validated and counted
//! as Node does, nothing more.

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, VecDeque};
use std::ffi::c_void;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, Once, OnceLock};
use std::time::Duration;

use super::callback::call_into_module;
use super::entry::{self, fail, input, out, Cx, Fail, NapiResult};
use super::types::*;
use crate::runtime::events::EventQueue;
use crate::runtime::{EnvId, Runtime, Thrown, Value};

type Execute = unsafe extern "C" fn(napi_env, *mut c_void);
type Complete = unsafe extern "C" fn(napi_env, napi_status, *mut c_void);
pub type napi_async_execute_callback = Option<Execute>;
pub type napi_async_complete_callback = Option<Complete>;
pub type napi_async_cleanup_hook = Option<unsafe extern "C" fn(napi_async_cleanup_hook_handle, *mut c_void)>;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic never happens while these locks are held; if one did, the data is still coherent.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// `resource_name` must be a value that converts to a string (Node's `CHECK_TO_STRING`: a Symbol
/// throws and answers `napi_string_expected`).
fn check_resource_name(cx: &Cx, name: napi_value) -> NapiResult {
    let v = cx.value(name)?;
    if let Err(Thrown(e)) = cx.rt.to_string(&v) {
        cx.rt.throw(e);
        return fail(status::STRING_EXPECTED);
    }
    Ok(())
}

/// An optional resource must convert to an object (Node's `CHECK_TO_OBJECT` when non-null).
fn check_resource(cx: &Cx, resource: napi_value) -> NapiResult {
    if !resource.is_null() {
        cx.to_object(resource)?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Simple asynchronous operations

/// Where a work item is. Transitions are one-way except that finished work (`Completed`) may be
/// queued again, as with libuv's `uv_queue_work` on a finished request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum WorkState {
    /// Made by `napi_create_async_work`, never queued.
    Created,
    /// In the pool's queue, waiting for a worker.
    Queued,
    /// `execute` is running on a worker.
    Running,
    /// `execute` returned; the completion (`napi_ok`) is posted to the JS thread.
    Executed,
    /// Cancelled while queued; the completion (`napi_cancelled`) is posted to the JS thread.
    Cancelled,
    /// `complete` ran (or there was none): nothing more happens unless it is queued again.
    Completed,
    /// Deleted while queued: taken out before it ran, and no completion will come.
    Dropped,
}

struct Work {
    env: usize,
    env_id: EnvId,
    execute: Execute,
    complete: Option<Complete>,
    data: usize,
    events: Arc<EventQueue>,
    state: Mutex<WorkState>,
    /// `napi_delete_async_work` was called: the handle is gone and `complete` must not run.
    deleted: std::sync::atomic::AtomicBool,
}

/// The worker pool, shared by every runtime of the process (as libuv's is).
struct Pool {
    queue: Mutex<VecDeque<Arc<Work>>>,
    ready: Condvar,
}

static POOL: OnceLock<Pool> = OnceLock::new();
static POOL_STARTED: Once = Once::new();

/// libuv's rule: `UV_THREADPOOL_SIZE` if set (0 or garbage counts as 1, at most 1024), else 4.
fn pool_size() -> usize {
    match std::env::var("UV_THREADPOOL_SIZE") {
        Ok(v) => v.trim().parse::<usize>().unwrap_or(0).clamp(1, 1024),
        Err(_) => 4,
    }
}

/// The pool, its threads started on first use (many hosts never queue work).
fn pool() -> &'static Pool {
    let pool = POOL.get_or_init(|| Pool { queue: Mutex::new(VecDeque::new()), ready: Condvar::new() });
    POOL_STARTED.call_once(|| {
        for i in 0..pool_size() {
            let spawned = std::thread::Builder::new().name(format!("napi-worker-{i}")).spawn(move || worker(pool));
            if let Err(e) = spawned {
                tracing::error!("cannot start async-work thread {i}: {e}");
            }
        }
    });
    pool
}

fn worker(pool: &'static Pool) {
    loop {
        let work = {
            let mut q = lock(&pool.queue);
            loop {
                if let Some(w) = q.pop_front() {
                    break w;
                }
                q = pool.ready.wait(q).unwrap_or_else(|p| p.into_inner());
            }
        };
        {
            let mut s = lock(&work.state);
            if *s != WorkState::Queued {
                // Cancelled or deleted between leaving the queue and here: it must not run.
                continue;
            }
            // Queued -> Running: a worker owns it now, so cancelling it answers "busy".
            *s = WorkState::Running;
        }
        // SAFETY: the addon's execute callback with the env and data it registered; it runs off
        // the JS thread as in Node, and must not call Node-API (those calls fail the env lookup).
        unsafe { (work.execute)(work.env as napi_env, work.data as *mut c_void) };
        // Running -> Executed: execute is done; only the completion on the JS thread remains.
        *lock(&work.state) = WorkState::Executed;
        let w = work.clone();
        work.events.post(Box::new(move |rt| finish(rt, &w, status::OK)));
    }
}

thread_local! {
    /// This JS thread's work items by handle (handles are never reused).
    static WORKS: RefCell<HashMap<usize, Arc<Work>>> = RefCell::new(HashMap::new());
    /// Work items queued but not yet completed, per env: teardown waits for them (Node's
    /// `RunCleanup` spins the loop while requests are pending).
    static IN_FLIGHT: RefCell<HashMap<EnvId, usize>> = RefCell::new(HashMap::new());
    static NEXT_HANDLE: Cell<usize> = const { Cell::new(1) };
}

fn next_handle() -> usize {
    NEXT_HANDLE.with(|n| {
        let h = n.get();
        n.set(h + 1);
        h
    })
}

fn in_flight(env: EnvId, delta: isize) {
    IN_FLIGHT.with(|m| {
        let mut m = m.borrow_mut();
        let n = m.entry(env).or_insert(0);
        *n = n.saturating_add_signed(delta);
    });
}

fn work_of(handle: napi_async_work) -> NapiResult<Arc<Work>> {
    if handle.is_null() {
        return fail(status::INVALID_ARG);
    }
    WORKS.with(|w| w.borrow().get(&(handle as usize)).cloned()).map_or(fail(status::INVALID_ARG), Ok)
}

/// Runs on the JS thread once the work item executed or was cancelled.
fn finish(rt: &Runtime, work: &Work, status: napi_status) {
    rt.events.unhold();
    in_flight(work.env_id, -1);
    let complete = {
        let mut s = lock(&work.state);
        // Executed/Cancelled -> Completed: set before `complete` runs, which may queue it again
        // or delete it.
        *s = WorkState::Completed;
        if work.deleted.load(Ordering::SeqCst) {
            None
        } else {
            work.complete
        }
    };
    let Some(complete) = complete else { return };
    // SAFETY: the addon's complete callback with the env, status and data it registered.
    let result = call_into_module(rt, work.env_id, |env| {
        unsafe { complete(env, status, work.data as *mut c_void) };
        std::ptr::null_mut()
    });
    match result {
        Err(Thrown(e)) => rt.report_uncaught(e),
        // Node closes the callback scope around `complete`, which runs the microtasks it queued.
        Ok(_) => rt.run_microtasks(),
    }
}

#[no_mangle]
pub unsafe extern "C" fn napi_create_async_work(
    env: napi_env,
    async_resource: napi_value,
    async_resource_name: napi_value,
    execute: napi_async_execute_callback,
    complete: napi_async_complete_callback,
    data: *mut c_void,
    result: *mut napi_async_work,
) -> napi_status {
    entry::plain(env, "napi_create_async_work", |cx| {
        let Some(execute) = execute else { return fail(status::INVALID_ARG) };
        out(result)?;
        check_resource(cx, async_resource)?;
        check_resource_name(cx, async_resource_name)?;
        let work = Arc::new(Work {
            env: env as usize,
            env_id: cx.env.id,
            execute,
            complete,
            data: data as usize,
            events: cx.rt.events.clone(),
            state: Mutex::new(WorkState::Created),
            deleted: false.into(),
        });
        let handle = next_handle();
        WORKS.with(|w| w.borrow_mut().insert(handle, work));
        *out(result)? = handle as napi_async_work;
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn napi_delete_async_work(env: napi_env, work: napi_async_work) -> napi_status {
    entry::plain(env, "napi_delete_async_work", |cx| {
        let w = work_of(work)?;
        WORKS.with(|t| t.borrow_mut().remove(&(work as usize)));
        w.deleted.store(true, Ordering::SeqCst);
        let mut s = lock(&w.state);
        if *s == WorkState::Queued {
            // Queued -> Dropped: deleted before a worker took it (undefined behaviour in Node,
            // which frees it under libuv's feet); it never runs and nothing waits for it.
            *s = WorkState::Dropped;
            drop(s);
            lock(&pool().queue).retain(|q| !Arc::ptr_eq(q, &w));
            cx.rt.events.unhold();
            in_flight(w.env_id, -1);
        }
        // Running/Executed/Cancelled: the completion still comes, and skips `complete`.
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn napi_queue_async_work(env: napi_env, work: napi_async_work) -> napi_status {
    entry::plain(env, "napi_queue_async_work", |cx| {
        let w = work_of(work)?;
        {
            let mut s = lock(&w.state);
            match *s {
                // Created/Completed -> Queued: handed to the pool.
                WorkState::Created | WorkState::Completed => *s = WorkState::Queued,
                other => {
                    return Err(Fail::Message(status::GENERIC_FAILURE, format!("the async work item is already queued ({other:?})")));
                }
            }
        }
        cx.rt.events.hold();
        in_flight(w.env_id, 1);
        let pool = pool();
        lock(&pool.queue).push_back(w);
        pool.ready.notify_one();
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn napi_cancel_async_work(env: napi_env, work: napi_async_work) -> napi_status {
    entry::plain(env, "napi_cancel_async_work", |cx| {
        let w = work_of(work)?;
        {
            let mut s = lock(&w.state);
            match *s {
                // Queued -> Cancelled: no worker took it; like libuv, `complete` still runs,
                // later, with napi_cancelled.
                WorkState::Queued => *s = WorkState::Cancelled,
                // Cancelled, completion not run yet: libuv cancels it "again" and succeeds; the
                // completion still comes once (checked under node 20).
                WorkState::Cancelled => return Ok(()),
                // libuv's uv_cancel on a request never submitted: UV_EINVAL.
                WorkState::Created => return fail(status::INVALID_ARG),
                // Running or done: libuv answers UV_EBUSY, which Node turns into generic failure.
                _ => return fail(status::GENERIC_FAILURE),
            }
        }
        lock(&pool().queue).retain(|q| !Arc::ptr_eq(q, &w));
        let posted = w.clone();
        cx.rt.events.post(Box::new(move |rt| finish(rt, &posted, status::CANCELLED)));
        Ok(())
    })
}

/// Teardown: Node keeps running the loop while work requests are pending, so queued and running
/// work of `env` finishes and its `complete` runs before the env's finalizers.
pub fn drain_env(rt: &Runtime, env: EnvId) {
    loop {
        rt.run_tasks();
        let left = IN_FLIGHT.with(|m| m.borrow().get(&env).copied().unwrap_or(0));
        if left == 0 {
            break;
        }
        rt.events.wait(Duration::from_millis(100));
    }
}

// ---------------------------------------------------------------------------------------------
// Custom asynchronous operations

thread_local! {
    /// Live `napi_async_context` handles (no async_hooks: there is nothing else to keep).
    static CONTEXTS: RefCell<HashMap<usize, EnvId>> = RefCell::new(HashMap::new());
    /// Open callback scopes per env, and the live scope handles.
    static SCOPES: RefCell<HashMap<EnvId, Vec<usize>>> = RefCell::new(HashMap::new());
}

#[no_mangle]
pub unsafe extern "C" fn napi_async_init(env: napi_env, async_resource: napi_value, async_resource_name: napi_value, result: *mut napi_async_context) -> napi_status {
    entry::plain(env, "napi_async_init", |cx| {
        cx.value(async_resource_name)?;
        out(result)?;
        check_resource(cx, async_resource)?;
        check_resource_name(cx, async_resource_name)?;
        let handle = next_handle();
        CONTEXTS.with(|c| c.borrow_mut().insert(handle, cx.env.id));
        *out(result)? = handle as napi_async_context;
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn napi_async_destroy(env: napi_env, async_context: napi_async_context) -> napi_status {
    entry::plain(env, "napi_async_destroy", |_| {
        if async_context.is_null() {
            return fail(status::INVALID_ARG);
        }
        // Node deletes whatever it is given; an unknown handle is refused instead of crashing.
        match CONTEXTS.with(|c| c.borrow_mut().remove(&(async_context as usize))) {
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
    result: *mut napi_value,
) -> napi_status {
    entry::js(env, "napi_make_callback", |cx| {
        // The context only matters to async_hooks, which a host does not have.
        let _ = async_context;
        cx.value(recv)?;
        if argc > 0 {
            input(argv)?;
        }
        let this = Value::Object(cx.to_object(recv)?);
        let f = cx.function(func)?;
        let args: Vec<Value> = if argc == 0 {
            Vec::new()
        } else {
            // SAFETY: the addon promises `argc` handles at `argv` (non-null, checked).
            let handles = unsafe { std::slice::from_raw_parts(argv, argc) };
            handles.iter().map(|h| cx.value(*h)).collect::<NapiResult<_>>()?
        };
        let r = cx.rt.call(&f, this, &args)?;
        // Like node::MakeCallback closing its callback scope: the queued microtasks run (not
        // after a throw, as Node marks the scope failed).
        cx.rt.run_microtasks();
        if !result.is_null() {
            *out(result)? = cx.handle(r);
        }
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn napi_open_callback_scope(env: napi_env, resource_object: napi_value, context: napi_async_context, result: *mut napi_callback_scope) -> napi_status {
    entry::plain(env, "napi_open_callback_scope", |cx| {
        let _ = context;
        out(result)?;
        cx.to_object(resource_object)?;
        let handle = next_handle();
        SCOPES.with(|s| s.borrow_mut().entry(cx.env.id).or_default().push(handle));
        *out(result)? = handle as napi_callback_scope;
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn napi_close_callback_scope(env: napi_env, scope: napi_callback_scope) -> napi_status {
    entry::plain(env, "napi_close_callback_scope", |cx| {
        if scope.is_null() {
            return fail(status::INVALID_ARG);
        }
        let outermost = SCOPES.with(|s| -> NapiResult<bool> {
            let mut s = s.borrow_mut();
            let open = s.entry(cx.env.id).or_default();
            // Node only counts open scopes: closing with none open is the mismatch.
            if open.is_empty() {
                return fail(status::CALLBACK_SCOPE_MISMATCH);
            }
            let Some(i) = open.iter().rposition(|h| *h == scope as usize) else { return fail(status::INVALID_ARG) };
            open.remove(i);
            Ok(open.is_empty())
        })?;
        // Closing the outermost scope is when Node drains the microtask queue.
        if outermost && !cx.rt.is_exception_pending() {
            cx.rt.run_microtasks();
        }
        Ok(())
    })
}

// ---------------------------------------------------------------------------------------------
// Asynchronous cleanup hooks

struct AsyncHook {
    /// The runtime the env belongs to (its event queue's address).
    owner: usize,
    env: EnvId,
    hook: unsafe extern "C" fn(napi_async_cleanup_hook_handle, *mut c_void),
    arg: usize,
    /// To wake the JS thread when the hook is removed from another thread during teardown.
    events: Arc<EventQueue>,
}

/// Registered hooks by handle. Process-wide: `napi_remove_async_cleanup_hook` takes no env and
/// may be called from any thread (e.g. when an addon's own thread finishes closing).
static ASYNC_HOOKS: Mutex<Vec<(usize, AsyncHook)>> = Mutex::new(Vec::new());
static NEXT_HOOK: AtomicUsize = AtomicUsize::new(1);

#[no_mangle]
pub unsafe extern "C" fn napi_add_async_cleanup_hook(env: napi_env, hook: napi_async_cleanup_hook, arg: *mut c_void, remove_handle: *mut napi_async_cleanup_hook_handle) -> napi_status {
    entry::plain(env, "napi_add_async_cleanup_hook", |cx| {
        let Some(hook) = hook else { return fail(status::INVALID_ARG) };
        let handle = NEXT_HOOK.fetch_add(1, Ordering::Relaxed);
        let owner = Arc::as_ptr(&cx.rt.events) as usize;
        lock(&ASYNC_HOOKS).push((handle, AsyncHook { owner, env: cx.env.id, hook, arg: arg as usize, events: cx.rt.events.clone() }));
        if !remove_handle.is_null() {
            *out(remove_handle)? = handle as napi_async_cleanup_hook_handle;
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
    let owner = Arc::as_ptr(&rt.events) as usize;
    let mine = |hooks: &Vec<(usize, AsyncHook)>| -> Vec<(usize, usize, usize)> {
        hooks.iter().filter(|(_, h)| h.owner == owner && h.env == env).map(|(id, h)| (*id, h.hook as usize, h.arg)).rev().collect()
    };
    let started = mine(&lock(&ASYNC_HOOKS));
    for (id, hook, arg) in started {
        // SAFETY: the hook the addon registered, with its handle and argument.
        let f: unsafe extern "C" fn(napi_async_cleanup_hook_handle, *mut c_void) = unsafe { std::mem::transmute(hook) };
        // SAFETY: as above.
        unsafe { f(id as napi_async_cleanup_hook_handle, arg as *mut c_void) };
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
        rt.events.wait(Duration::from_millis(100));
    }
}

// ---------------------------------------------------------------------------------------------

#[no_mangle]
pub unsafe extern "C" fn napi_get_uv_event_loop(env: napi_env, result: *mut *mut c_void) -> napi_status {
    entry::plain(env, "napi_get_uv_event_loop", |_| {
        let _ = result;
        Err(Fail::Message(status::GENERIC_FAILURE, "napi-hostd has no libuv event loop: napi_get_uv_event_loop is not supported".into()))
    })
}
