//! Thread-safe functions (Node-API "Asynchronous thread-safe function calls"): any thread queues
//! data; the JS thread hands each item to `call_js_cb` in the order queued.
//!
//! Follows Node's `ThreadSafeFunction` (src/node_api.cc): a bounded or unbounded queue guarded by
//! a mutex, producers blocking on a condition variable when it is full (woken once it is down to
//! half, see `Inner::sleeping`), a thread count kept by
//! acquire/release, abort waking every producer, and the finalizer running once on the JS thread
//! after the queue drained (after an abort or at teardown, once leftovers went to `call_js_cb`
//! with a NULL env).

use std::collections::{HashMap, VecDeque};
use std::ffi::c_void;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};

use super::callback::{call_into_module, FinalizeFn};
use super::entry::{self, fail};
use super::pointers::Out;
use super::types::*;
use napi_runtime::events::EventQueue;
use napi_runtime::references::Reference;
use napi_runtime::sync::lock;
use napi_runtime::{EnvId, Runtime, Thrown, Value};

pub type napi_threadsafe_function_call_js = Option<CallJs>;
type CallJs = unsafe extern "C" fn(napi_env, napi_value, *mut c_void, *mut c_void);
pub type napi_threadsafe_function_release_mode = i32;
pub type napi_threadsafe_function_call_mode = i32;
const TSFN_ABORT: i32 = 1;
const TSFN_BLOCKING: i32 = 1;

/// Calls made per turn before the JS thread lets other events run (Node's kMaxIterationCount).
const MAX_ITERATIONS: usize = 1000;

/// Where a threadsafe function is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// Some thread holds it (thread count > 0): calls are queued.
    Open,
    /// Every thread released it: queued calls still run, and once the queue is empty it closes.
    /// An acquire before that makes it `Open` again, as Node allows (the only way back).
    Released,
    /// Aborted, drained, or torn down: calls answer `napi_closing`, nothing more is called;
    /// the finalizer is due.
    Closing,
    /// The finalizer ran: what is left is the thread count, so late calls get an answer.
    Finalized,
}

struct Inner {
    state: State,
    queue: VecDeque<usize>,
    thread_count: usize,
    /// A dispatch task is already posted to the JS thread (posts are coalesced).
    dispatch_posted: bool,
    /// Producers waiting for room that no pop has woken yet. Pops wake them once the queue is
    /// down to half its size, not at the first free slot as Node does: with a producer faster
    /// than the JS thread, Node's way wakes it on every call, and it pushes one item and sleeps
    /// again, a futex call and a wake-up on the JS thread's path each time (and the producer's
    /// run taking a CPU from the thread that answers the call). A queue of one or two still
    /// wakes at the first free slot; nothing is refused or lost either way, a producer only
    /// waits longer with room in the queue.
    sleeping: usize,
}

struct Tsfn {
    /// The runtime it belongs to (its event queue's address), and its env.
    owner: usize,
    env: EnvId,
    events: Arc<EventQueue>,
    max_queue_size: usize,
    context: usize,
    call_js_cb: Option<CallJs>,
    /// `thread_finalize_cb` and its data.
    finalize: Option<(FinalizeFn, usize)>,
    /// A strong reference to the JS function (0 when created without one); JS thread only.
    func_ref: usize,
    inner: Mutex<Inner>,
    /// Producers blocked on a full queue wait here.
    space: Condvar,
    /// Keeps the loop alive (`napi_ref_threadsafe_function`); starts referenced.
    refed: AtomicBool,
}

/// Every threadsafe function by handle: calls come from any thread and carry no env.
static TSFNS: Mutex<Option<HashMap<usize, Arc<Tsfn>>>> = Mutex::new(None);
static NEXT_ID: AtomicUsize = AtomicUsize::new(1);

fn lookup(func: napi_threadsafe_function) -> Option<Arc<Tsfn>> {
    lock(&TSFNS).as_ref()?.get(&(func as usize)).cloned()
}

fn forget(func: usize) {
    if let Some(t) = lock(&TSFNS).as_mut() {
        t.remove(&func);
    }
}

impl Tsfn {
    /// Asks the JS thread to dispatch, unless a dispatch is already on its way.
    fn send(self: &Arc<Self>, inner: &mut Inner) {
        if !inner.dispatch_posted {
            inner.dispatch_posted = true;
            let me = self.clone();
            self.events.post(Box::new(move |rt| me.dispatch(rt)));
        }
    }

    /// Wakes every producer waiting for room (the function closes: they answer napi_closing).
    fn wake_all(&self, g: &mut Inner) {
        g.sleeping = 0;
        self.space.notify_all();
    }

    fn push(self: &Arc<Self>, id: usize, data: usize, blocking: bool) -> napi_status {
        let mut g = lock(&self.inner);
        while self.max_queue_size > 0 && g.queue.len() >= self.max_queue_size && matches!(g.state, State::Open | State::Released) {
            if !blocking {
                return status::QUEUE_FULL;
            }
            // Counted again after a spurious wake-up: one needless notification later, no more.
            g.sleeping += 1;
            g = self.space.wait(g).unwrap_or_else(|p| p.into_inner());
        }
        match g.state {
            State::Open | State::Released => {
                g.queue.push_back(data);
                self.send(&mut g);
                status::OK
            }
            State::Closing | State::Finalized => {
                if g.thread_count == 0 {
                    return status::INVALID_ARG;
                }
                // Node: a call refused because of closing counts as that thread's release.
                g.thread_count -= 1;
                if g.thread_count == 0 && g.state == State::Finalized {
                    drop(g);
                    forget(id);
                }
                status::CLOSING
            }
        }
    }

    fn acquire(&self) -> napi_status {
        let mut g = lock(&self.inner);
        match g.state {
            State::Closing | State::Finalized => status::CLOSING,
            State::Open | State::Released => {
                g.thread_count += 1;
                // Released -> Open: a thread took it again before the queue drained.
                g.state = State::Open;
                status::OK
            }
        }
    }

    fn release(self: &Arc<Self>, id: usize, abort: bool) -> napi_status {
        let mut g = lock(&self.inner);
        if g.thread_count == 0 {
            return status::INVALID_ARG;
        }
        g.thread_count -= 1;
        match g.state {
            State::Open | State::Released if abort => {
                // -> Closing: abort refuses every later call and wakes every blocked producer
                // (they answer napi_closing); the queued items reach call_js_cb only with a
                // NULL env, just before the finalizer.
                g.state = State::Closing;
                self.wake_all(&mut g);
                self.send(&mut g);
            }
            State::Open if g.thread_count == 0 => {
                // Open -> Released: the last thread let go; drain, then close.
                g.state = State::Released;
                self.send(&mut g);
            }
            State::Finalized if g.thread_count == 0 => {
                drop(g);
                forget(id);
            }
            _ => {}
        }
        status::OK
    }

    /// On the JS thread: calls queued items into JS, one at a time without holding the lock,
    /// and closes once nothing is left to do.
    fn dispatch(self: &Arc<Self>, rt: &Runtime) {
        lock(&self.inner).dispatch_posted = false;
        for _ in 0..MAX_ITERATIONS {
            let (item, close, wake) = {
                let mut g = lock(&self.inner);
                match g.state {
                    State::Finalized => return,
                    State::Closing => (None, true, false),
                    State::Open | State::Released => {
                        let item = g.queue.pop_front();
                        let wake = item.is_some() && g.sleeping > 0 && g.queue.len() <= self.max_queue_size / 2;
                        if wake {
                            g.sleeping = 0;
                        }
                        let drained = g.queue.is_empty() && g.thread_count == 0;
                        if drained {
                            // Released -> Closing: nobody holds it and nothing is queued.
                            g.state = State::Closing;
                            self.wake_all(&mut g);
                        }
                        if item.is_none() && !drained {
                            return;
                        }
                        (item, drained, wake)
                    }
                }
            };
            // Once the lock is let go: a producer woken does not find it held.
            if wake {
                self.space.notify_all();
            }
            if let Some(data) = item {
                self.call_js(rt, data);
            }
            if close {
                self.finalize(rt);
                return;
            }
        }
        // More to do: let other events run first, as Node does after kMaxIterationCount.
        let mut g = lock(&self.inner);
        self.send(&mut g);
    }

    fn call_js(&self, rt: &Runtime, data: usize) {
        let func = (self.func_ref != 0).then(|| rt.references().get(self.func_ref).map(|r| r.value.clone())).flatten();
        let result = call_into_module(rt, self.env, |env| {
            let js_cb = match &func {
                Some(f) => rt.handles_mut().push(f.clone()) as napi_value,
                None => std::ptr::null_mut(),
            };
            match self.call_js_cb {
                // SAFETY: the addon's call_js_cb with a live env and the pointers it gave us.
                Some(cb) => unsafe { cb(env, js_cb, self.context as *mut c_void, data as *mut c_void) },
                // Node's default: call the function with no arguments and `this` undefined,
                // unless JS may no longer run (teardown runs what was posted, and a default call
                // reaches the function without the Node-API entry that refuses it then).
                None => {
                    if let Some(f) = func.as_ref().filter(|_| rt.can_call_js()) {
                        if let Err(Thrown(e)) = rt.call(f, Value::Undefined, &[]) {
                            rt.throw(e);
                        }
                    }
                }
            }
            std::ptr::null_mut()
        });
        match result {
            Err(Thrown(e)) => rt.report_uncaught(e),
            // The callback scope Node opens around the call drains the microtasks on close.
            Ok(_) => rt.run_microtasks(),
        }
    }

    /// On the JS thread, exactly once: -> Finalized. Hands what is still queued (after an abort
    /// or at teardown) to `call_js_cb` with a NULL env and function, then runs
    /// `thread_finalize_cb`: Node 24's `Finalize` empties the queue first, so the finalizer may
    /// free what those calls still read (node 20 ran the finalizer first).
    fn finalize(self: &Arc<Self>, rt: &Runtime) {
        let (leftovers, forget_now) = {
            let mut g = lock(&self.inner);
            if g.state == State::Finalized {
                return;
            }
            g.state = State::Finalized;
            self.wake_all(&mut g);
            (std::mem::take(&mut g.queue), g.thread_count == 0)
        };
        if self.refed.swap(false, Ordering::SeqCst) {
            self.events.unhold();
        }
        if let Some(cb) = self.call_js_cb {
            for data in leftovers {
                // SAFETY: Node-API documents that call_js_cb gets a NULL env and function when
                // the function is being torn down, so it can free `data`.
                unsafe { cb(std::ptr::null_mut(), std::ptr::null_mut(), self.context as *mut c_void, data as *mut c_void) };
            }
        }
        if self.func_ref != 0 {
            rt.references_mut().delete(self.func_ref);
        }
        if let Some((f, data)) = self.finalize {
            let result = call_into_module(rt, self.env, |env| {
                // SAFETY: the addon's napi_finalize, called with its finalize data and context.
                unsafe { f(env, data as *mut c_void, self.context as *mut c_void) };
                std::ptr::null_mut()
            });
            if let Err(Thrown(e)) = result {
                rt.report_uncaught(e);
            }
        }
        if forget_now {
            let me = Arc::as_ptr(self) as usize;
            if let Some(t) = lock(&TSFNS).as_mut() {
                t.retain(|_, v| Arc::as_ptr(v) as usize != me);
            }
        }
    }
}

/// Teardown of `env`: every threadsafe function still alive closes (blocked producers wake up and
/// answer `napi_closing`), leftovers go to `call_js_cb` with a NULL env and its finalizer runs,
/// whether or not other threads ever released it.
pub fn close_env(rt: &Runtime, env: EnvId) {
    let owner = Arc::as_ptr(rt.events()) as usize;
    let mine: Vec<Arc<Tsfn>> = {
        let table = lock(&TSFNS);
        let mut v: Vec<(usize, Arc<Tsfn>)> =
            table.iter().flat_map(|t| t.iter()).filter(|(_, t)| t.owner == owner && t.env == env).map(|(k, t)| (*k, t.clone())).collect();
        // Newest first, like the cleanup hooks Node registers for them.
        v.sort_by_key(|(id, _)| std::cmp::Reverse(*id));
        v.into_iter().map(|(_, t)| t).collect()
    };
    for t in mine {
        {
            let mut g = lock(&t.inner);
            if g.state != State::Finalized {
                // -> Closing: the environment goes away.
                g.state = State::Closing;
                t.wake_all(&mut g);
            }
        }
        t.finalize(rt);
    }
}

#[no_mangle]
pub unsafe extern "C" fn napi_create_threadsafe_function(
    env: napi_env,
    func: napi_value,
    async_resource: napi_value,
    async_resource_name: napi_value,
    max_queue_size: usize,
    initial_thread_count: usize,
    thread_finalize_data: *mut c_void,
    thread_finalize_cb: napi_finalize,
    context: *mut c_void,
    call_js_cb: napi_threadsafe_function_call_js,
    result: Out<napi_threadsafe_function>,
) -> napi_status {
    entry::plain(env, "napi_create_threadsafe_function", move |cx| {
        cx.value(async_resource_name)?;
        if initial_thread_count == 0 {
            return fail(status::INVALID_ARG);
        }
        let slot = result.required()?;
        let function = if func.is_null() {
            if call_js_cb.is_none() {
                return fail(status::INVALID_ARG);
            }
            None
        } else {
            Some(cx.function(func)?)
        };
        if !async_resource.is_null() {
            cx.to_object(async_resource)?;
        }
        if let Err(Thrown(e)) = cx.rt.to_string(&cx.value(async_resource_name)?) {
            cx.rt.throw(e);
            return fail(status::STRING_EXPECTED);
        }
        let func_ref = match function {
            Some(value) => cx.rt.references_mut().create(Reference::new(cx.env.id, value, 1)),
            None => 0,
        };
        let tsfn = Arc::new(Tsfn {
            owner: Arc::as_ptr(cx.rt.events()) as usize,
            env: cx.env.id,
            events: cx.rt.events().clone(),
            max_queue_size,
            context: context as usize,
            call_js_cb,
            finalize: thread_finalize_cb.map(|f| (f, thread_finalize_data as usize)),
            func_ref,
            inner: Mutex::new(Inner {
                state: State::Open,
                queue: VecDeque::new(),
                thread_count: initial_thread_count,
                dispatch_posted: false,
                sleeping: 0,
            }),
            space: Condvar::new(),
            refed: AtomicBool::new(true),
        });
        // Referenced from the start: it keeps the loop alive until unref'd or finalized.
        cx.rt.events().hold();
        let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        lock(&TSFNS).get_or_insert_with(HashMap::new).insert(id, tsfn);
        slot.write(id as napi_threadsafe_function);
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn napi_call_threadsafe_function(
    func: napi_threadsafe_function,
    data: *mut c_void,
    is_blocking: napi_threadsafe_function_call_mode,
) -> napi_status {
    match lookup(func) {
        Some(t) => t.push(func as usize, data as usize, is_blocking == TSFN_BLOCKING),
        None => status::INVALID_ARG,
    }
}

#[no_mangle]
pub unsafe extern "C" fn napi_acquire_threadsafe_function(func: napi_threadsafe_function) -> napi_status {
    lookup(func).map_or(status::INVALID_ARG, |t| t.acquire())
}

#[no_mangle]
pub unsafe extern "C" fn napi_release_threadsafe_function(
    func: napi_threadsafe_function,
    mode: napi_threadsafe_function_release_mode,
) -> napi_status {
    lookup(func).map_or(status::INVALID_ARG, |t| t.release(func as usize, mode == TSFN_ABORT))
}

#[no_mangle]
pub unsafe extern "C" fn napi_get_threadsafe_function_context(func: napi_threadsafe_function, result: Out<*mut c_void>) -> napi_status {
    let Some(t) = lookup(func) else { return status::INVALID_ARG };
    let Some(result) = result.optional() else { return status::INVALID_ARG };
    result.write(t.context as *mut c_void);
    status::OK
}

/// Ref/unref only decide whether the function keeps the loop alive (libuv's `uv_ref`).
#[no_mangle]
pub unsafe extern "C" fn napi_ref_threadsafe_function(env: napi_env, func: napi_threadsafe_function) -> napi_status {
    let _ = env;
    let Some(t) = lookup(func) else { return status::INVALID_ARG };
    if lock(&t.inner).state != State::Finalized && !t.refed.swap(true, Ordering::SeqCst) {
        t.events.hold();
    }
    status::OK
}

#[no_mangle]
pub unsafe extern "C" fn napi_unref_threadsafe_function(env: napi_env, func: napi_threadsafe_function) -> napi_status {
    let _ = env;
    let Some(t) = lookup(func) else { return status::INVALID_ARG };
    if t.refed.swap(false, Ordering::SeqCst) {
        t.events.unhold();
    }
    status::OK
}
