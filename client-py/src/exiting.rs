//! Rust threads and interpreter exit. CPython 3.11 ends a thread that takes the GIL once
//! finalization has begun with `pthread_exit`, and a Rust thread cannot survive that forced
//! unwind: the process aborts ("FATAL: exception not rethrown"). So threads of ours take the GIL
//! only through `with_gil` here, and Python threads that release it in our code (to wait for a
//! host) do so through `allow_threads` here, since getting it back during finalization ends them
//! the same way. An `atexit` hook (registered when the package is imported, so it runs before
//! finalization) closes the gate: threads not yet inside stay out for good, and the hook waits,
//! without the GIL, for those inside to leave.

use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

use pyo3::prelude::*;

struct Gate {
    closed: bool,
    inside: usize,
}

static GATE: Mutex<Gate> = Mutex::new(Gate { closed: false, inside: 0 });
static LEFT: Condvar = Condvar::new();

/// How long exit waits for a thread inside (a callback that never returns must not hang exit).
const EXIT_WAIT: Duration = Duration::from_secs(2);

/// Runs `f` inside the gate, or answers `None` once the interpreter is exiting: for code that
/// takes the GIL by other means than `with_gil`.
pub fn inside<R>(f: impl FnOnce() -> R) -> Option<R> {
    {
        let mut g = GATE.lock().unwrap_or_else(|p| p.into_inner());
        if g.closed {
            return None;
        }
        g.inside += 1;
    }
    let result = f();
    let mut g = GATE.lock().unwrap_or_else(|p| p.into_inner());
    g.inside -= 1;
    // Only the exit hook waits, and only once the gate is closed: a notification is a system
    // call (std's condition variable does not count its waiters), twice per request otherwise.
    if g.closed {
        LEFT.notify_all();
    }
    Some(result)
}

/// Runs `f` with the GIL (from a thread of ours), or answers `None` once the interpreter is
/// exiting.
pub fn with_gil<R>(f: impl FnOnce(Python<'_>) -> R) -> Option<R> {
    inside(|| Python::with_gil(f))
}

/// Runs `f` without the GIL (a Python thread waiting in our code), or answers `None` once the
/// interpreter is exiting, without releasing it.
pub fn allow_threads<R: Send>(py: Python<'_>, f: impl FnOnce() -> R + Send) -> Option<R> {
    inside(|| py.allow_threads(f))
}

/// The `atexit` hook: closes the gate and waits for the threads inside.
#[pyfunction]
pub fn interpreter_exiting(py: Python<'_>) {
    py.allow_threads(|| {
        let deadline = Instant::now() + EXIT_WAIT;
        let mut g = GATE.lock().unwrap_or_else(|p| p.into_inner());
        g.closed = true;
        while g.inside > 0 {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            g = LEFT.wait_timeout(g, left).unwrap_or_else(|p| p.into_inner()).0;
        }
    });
}
