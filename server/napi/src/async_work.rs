//! Simple asynchronous operations (`napi_*_async_work`): `execute` runs on a pool of
//! `UV_THREADPOOL_SIZE` worker threads (4 by default, as libuv) and never touches the heap;
//! `complete` is posted to the JS thread's event queue. Also `napi_get_uv_event_loop`, which
//! answers the host's libuv loop.

use std::collections::VecDeque;
use std::ffi::c_void;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, Once, OnceLock};
use std::time::Duration;

use napi_link::spin::{spin_until, SPIN};

use super::async_tables::{Work, WorkState};
use super::callback::call_into_module;
use super::entry::{self, fail, Cx, Fail, NapiResult, OrStatus};
use super::pointers::Out;
use super::types::*;
use napi_runtime::sync::lock;
use napi_runtime::{EnvId, Runtime, Thrown};

/// `resource_name` must be a value that converts to a string (Node's `CHECK_TO_STRING`: a Symbol
/// throws and answers `napi_string_expected`).
pub(super) fn check_resource_name(cx: &Cx, name: napi_value) -> NapiResult {
    let v = cx.value(name)?;
    if let Err(Thrown(e)) = cx.rt.to_string(&v) {
        cx.rt.throw(e);
        return fail(status::STRING_EXPECTED);
    }
    Ok(())
}

/// An optional resource must convert to an object (Node's `CHECK_TO_OBJECT` when non-null).
pub(super) fn check_resource(cx: &Cx, resource: napi_value) -> NapiResult {
    if !resource.is_null() {
        cx.to_object(resource)?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Simple asynchronous operations

/// The worker pool, shared by every runtime of the process (as libuv's is).
struct Pool {
    queue: Mutex<Queue>,
    ready: Condvar,
    /// How many items are queued, for a spinning worker to look at without the lock.
    queued: AtomicUsize,
}

struct Queue {
    items: VecDeque<Arc<Work>>,
    /// Workers looking for work before they sleep (one at most): items up to their number need
    /// no wake-up.
    spinning: usize,
}

impl Pool {
    /// Hands `work` to a worker, waking one only if the spinning ones are too few for the queue.
    fn push(&self, work: Arc<Work>) {
        let mut q = lock(&self.queue);
        q.items.push_back(work);
        self.queued.store(q.items.len(), Ordering::Release);
        let wake = q.items.len() > q.spinning;
        drop(q);
        if wake {
            self.ready.notify_one();
        }
    }

    /// Takes `work` out of the queue, if no worker took it yet.
    fn remove(&self, work: &Arc<Work>) {
        let mut q = lock(&self.queue);
        q.items.retain(|w| !Arc::ptr_eq(w, work));
        self.queued.store(q.items.len(), Ordering::Release);
    }

    /// The next item, for a worker. A worker that finished one looks for the next for a while
    /// before it sleeps: an addon that awaits one piece of work after another (hash, then
    /// hash again) would otherwise pay a thread wake-up for each, tens of microseconds on a VM
    /// against a piece of work that takes a few.
    /// One worker looks at a time: every looker takes a CPU from the thread that waits for
    /// the work (and from the other lookers), and the first of them would take the item anyway.
    fn take(&self) -> Arc<Work> {
        let looks = {
            let mut q = lock(&self.queue);
            let first = q.spinning == 0;
            q.spinning += usize::from(first);
            first
        };
        if looks {
            spin_until(|| self.queued.load(Ordering::Acquire) > 0, SPIN);
        }
        let mut q = lock(&self.queue);
        // Under the lock, as `push` counts the lookers: either it saw this worker looking and
        // the item is in the queue now, or it sees it gone and wakes a sleeper.
        q.spinning -= usize::from(looks);
        loop {
            if let Some(w) = q.items.pop_front() {
                self.queued.store(q.items.len(), Ordering::Release);
                return w;
            }
            q = self.ready.wait(q).unwrap_or_else(|p| p.into_inner());
        }
    }
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
    let pool = POOL.get_or_init(|| Pool {
        queue: Mutex::new(Queue { items: VecDeque::new(), spinning: 0 }),
        ready: Condvar::new(),
        queued: AtomicUsize::new(0),
    });
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
        let work = pool.take();
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

pub(super) fn next_handle(rt: &Runtime) -> usize {
    let mut t = crate::layer::async_tables(rt).borrow_mut();
    t.next_handle += 1;
    t.next_handle
}

fn in_flight(rt: &Runtime, env: EnvId, delta: isize) {
    let mut t = crate::layer::async_tables(rt).borrow_mut();
    let n = t.in_flight.entry(env).or_insert(0);
    *n = n.saturating_add_signed(delta);
}

fn work_of(rt: &Runtime, handle: napi_async_work) -> NapiResult<Arc<Work>> {
    if handle.is_null() {
        return fail(status::INVALID_ARG);
    }
    crate::layer::async_tables(rt).borrow().works.get(&(handle as usize)).cloned().or_status(status::INVALID_ARG)
}

/// Runs on the JS thread once the work item executed or was cancelled.
fn finish(rt: &Runtime, work: &Work, status: napi_status) {
    rt.events().unhold();
    in_flight(rt, work.env_id, -1);
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
    let result = call_into_module(rt, work.env_id, |env| {
        // SAFETY: the addon's complete callback with the env, status and data it registered.
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
    result: Out<napi_async_work>,
) -> napi_status {
    entry::plain(env, "napi_create_async_work", move |cx| {
        let Some(execute) = execute else { return fail(status::INVALID_ARG) };
        let slot = result.required()?;
        check_resource(cx, async_resource)?;
        check_resource_name(cx, async_resource_name)?;
        let work = Arc::new(Work {
            env: env as usize,
            env_id: cx.env.id,
            execute,
            complete,
            data: data as usize,
            events: cx.rt.events().clone(),
            state: Mutex::new(WorkState::Created),
            deleted: false.into(),
        });
        let handle = next_handle(cx.rt);
        crate::layer::async_tables(cx.rt).borrow_mut().works.insert(handle, work);
        slot.write(handle as napi_async_work);
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn napi_delete_async_work(env: napi_env, work: napi_async_work) -> napi_status {
    entry::plain(env, "napi_delete_async_work", move |cx| {
        let w = work_of(cx.rt, work)?;
        crate::layer::async_tables(cx.rt).borrow_mut().works.remove(&(work as usize));
        w.deleted.store(true, Ordering::SeqCst);
        let mut s = lock(&w.state);
        if *s == WorkState::Queued {
            // Queued -> Dropped: deleted before a worker took it (undefined behaviour in Node,
            // which frees it under libuv's feet); it never runs and nothing waits for it.
            *s = WorkState::Dropped;
            drop(s);
            pool().remove(&w);
            cx.rt.events().unhold();
            in_flight(cx.rt, w.env_id, -1);
        }
        // Running/Executed/Cancelled: the completion still comes, and skips `complete`.
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn napi_queue_async_work(env: napi_env, work: napi_async_work) -> napi_status {
    entry::plain(env, "napi_queue_async_work", move |cx| {
        let w = work_of(cx.rt, work)?;
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
        cx.rt.events().hold();
        in_flight(cx.rt, w.env_id, 1);
        pool().push(w);
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn napi_cancel_async_work(env: napi_env, work: napi_async_work) -> napi_status {
    entry::plain(env, "napi_cancel_async_work", move |cx| {
        let w = work_of(cx.rt, work)?;
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
        pool().remove(&w);
        let posted = w.clone();
        cx.rt.events().post(Box::new(move |rt| finish(rt, &posted, status::CANCELLED)));
        Ok(())
    })
}

/// Teardown: Node keeps running the loop while work requests are pending, so queued and running
/// work of `env` finishes and its `complete` runs before the env's finalizers.
pub fn drain_env(rt: &Runtime, env: EnvId) {
    loop {
        rt.run_tasks();
        let left = crate::layer::async_tables(rt).borrow().in_flight.get(&env).copied().unwrap_or(0);
        if left == 0 {
            break;
        }
        rt.events().wait(Duration::from_millis(100));
    }
}

/// The host's libuv loop: the same loop for every env of a host, run on its JS
/// thread. A runtime without a host (Rust unit tests) has none.
#[no_mangle]
pub unsafe extern "C" fn napi_get_uv_event_loop(env: napi_env, result: Out<*mut c_void>) -> napi_status {
    entry::plain(env, "napi_get_uv_event_loop", move |cx| {
        let slot = result.required()?;
        match cx.rt.uv_loop() {
            0 => Err(Fail::Message(status::GENERIC_FAILURE, "this runtime has no libuv loop".into())),
            at => {
                slot.write(at as *mut c_void);
                Ok(())
            }
        }
    })
}
