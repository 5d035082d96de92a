//! Rust threads and the end of the embedding program. A language binding may end threads that
//! run into it once its runtime is finalizing (CPython 3.11 ends a thread that takes the GIL
//! then with `pthread_exit`, and a Rust thread cannot survive that forced unwind). So every
//! thread of ours that may block or call into the binding passes this gate: once the binding
//! closes it (`close_and_wait`, from its exit hook), threads not yet inside stay out for good,
//! and the closer waits for those inside to leave. With no binding (a Rust program), the gate
//! never closes and costs one atomic add a passage.
//!
//! A wait that could block another thread of the binding (the GIL) goes through the binding's
//! hook (`set_blocking_wait`), which lets its lock go for the wait.

use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// How many threads are inside, plus `CLOSED` once the gate is closed: one atomic, since every
/// request passes the gate (twice), and a lock or a wake-up there would cost a request more
/// than everything else it does in-process.
static STATE: AtomicUsize = AtomicUsize::new(0);
const CLOSED: usize = 1 << (usize::BITS - 1);
/// Where exit waits for the last thread to leave.
static WAITING: Mutex<()> = Mutex::new(());
static LEFT: Condvar = Condvar::new();

thread_local! {
    /// How many times this thread is counted in `STATE`: what a forked child, where this is the
    /// only thread, counts inside (`after_fork_in_child`).
    static DEPTH: Cell<usize> = const { Cell::new(0) };
}

fn arrive() -> usize {
    DEPTH.with(|d| d.set(d.get() + 1));
    STATE.fetch_add(1, Ordering::SeqCst)
}

/// In a forked child: only the forking thread exists, so only its own entries are inside (the
/// others' would keep exit waiting for threads that are not there).
pub fn after_fork_in_child() {
    let mine = DEPTH.with(Cell::get);
    let closed = STATE.load(Ordering::SeqCst) & CLOSED;
    STATE.store(closed | mine, Ordering::SeqCst);
}

/// Runs `f` inside the gate, or answers `None` once the program is exiting.
pub fn inside<R>(f: impl FnOnce() -> R) -> Option<R> {
    if arrive() & CLOSED != 0 {
        leave();
        return None;
    }
    let result = f();
    leave();
    Some(result)
}

/// Whether the gate is open: a plain look, for a direct call that keeps the binding's lock
/// until it enters (`Late`), or never releases it at all.
pub fn is_open() -> bool {
    STATE.load(Ordering::Relaxed) & CLOSED == 0
}

/// Whether the gate is closed, looked at as a request inside it does before it lets the
/// binding's lock go.
pub fn is_closed() -> bool {
    STATE.load(Ordering::SeqCst) & CLOSED != 0
}

/// A thread counted inside the gate until this drops, entered late: by a call that found the
/// gate open (`is_open`) and has kept the binding's lock since, as it enters only to run
/// something that may release it (a callback, a wait). The binding closes the gate from its
/// exit hook, which needs that lock, so it cannot have closed in between; and a thread that
/// keeps it cannot be ended by finalization. A call that runs no callback and never waits never
/// enters, and spends no locked instruction on the gate, a cost a quick call would feel.
#[derive(Default)]
pub struct Late(Cell<bool>);

impl Late {
    /// Counts this thread inside, unless it is already (through this `Late`). A `Late` is one
    /// call's, on one thread: a plain flag says whether it entered.
    pub fn enter(&self) {
        if !self.0.get() {
            arrive();
            self.0.set(true);
        }
    }

    /// `enter`, answering whether the gate is still open: for a call that may have let the
    /// binding's lock go since it found the gate open (through a wait that passed the gate on
    /// its own), which must then start nothing that lets it go again. Counted first, looked at
    /// second (both sequentially consistent): either this sees the gate closed, or the closer
    /// sees this thread counted and waits for it.
    #[must_use]
    pub fn enter_open(&self) -> bool {
        self.enter();
        !is_closed()
    }
}

impl Drop for Late {
    fn drop(&mut self) {
        if self.0.get() {
            leave();
        }
    }
}

fn leave() {
    DEPTH.with(|d| d.set(d.get() - 1));
    if STATE.fetch_sub(1, Ordering::SeqCst) & CLOSED != 0 {
        // Exit is waiting: under its lock, so the wake-up cannot fall between its look at the
        // count and its wait.
        let _g = WAITING.lock().unwrap_or_else(|p| p.into_inner());
        LEFT.notify_all();
    }
}

/// What wakes the threads that wait inside the gate for something else (the binding's output
/// thread waits for hosts' lines): exit would otherwise wait for their waits to time out.
static WAKE_AT_CLOSE: Mutex<Vec<fn()>> = Mutex::new(Vec::new());

/// Has `wake` called when the gate closes. It must take the lock its waiters look at the gate
/// under (`is_closed`) before it wakes them, so that no waiter looks, then sleeps through it.
pub fn wake_at_close(wake: fn()) {
    let mut wakers = WAKE_AT_CLOSE.lock().unwrap_or_else(|p| p.into_inner());
    if !wakers.contains(&wake) {
        wakers.push(wake);
    }
}

/// Closes the gate and waits, at most `at_most`, for the threads inside to leave (a callback
/// that never returns must not hang exit). The binding's exit hook calls it, without its lock.
pub fn close_and_wait(at_most: Duration) {
    let deadline = Instant::now() + at_most;
    let mut g = WAITING.lock().unwrap_or_else(|p| p.into_inner());
    STATE.fetch_or(CLOSED, Ordering::SeqCst);
    for wake in WAKE_AT_CLOSE.lock().unwrap_or_else(|p| p.into_inner()).iter() {
        wake();
    }
    while STATE.load(Ordering::SeqCst) & !CLOSED > 0 {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        g = LEFT.wait_timeout(g, left).unwrap_or_else(|p| p.into_inner()).0;
    }
}

/// How a wait runs that may block a thread holding the binding's lock: the binding's hook
/// (which lets its lock go around `wait`, entering the gate), or the wait as it is.
static BLOCKING_WAIT: OnceLock<fn(&mut dyn FnMut())> = OnceLock::new();

/// Sets how blocking waits run (`BLOCKING_WAIT`), once per process: later calls are ignored.
pub fn set_blocking_wait(hook: fn(&mut dyn FnMut())) {
    let _ = BLOCKING_WAIT.set(hook);
}

/// Runs `wait`, which may block, through the binding's hook if there is one.
pub fn blocking_wait(wait: &mut dyn FnMut()) {
    match BLOCKING_WAIT.get() {
        Some(hook) => hook(wait),
        None => wait(),
    }
}
