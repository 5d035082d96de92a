//! The Python side of the exit gate (`napi_client::exit_gate`, which counts the threads inside
//! it). CPython 3.11 ends a thread that takes the GIL once finalization has begun with
//! `pthread_exit`, and a Rust thread cannot survive that forced unwind: the process aborts
//! ("FATAL: exception not rethrown"). So threads of ours take the GIL only through `with_gil`
//! here, and Python threads that release it in our code (to wait for a host) do so through
//! `allow_threads` here, since getting it back during finalization ends them the same way. An
//! `atexit` hook (registered when the package is imported, so it runs before finalization)
//! closes the gate: threads not yet inside stay out for good, and the hook waits, without the
//! GIL, for those inside to leave.

use std::time::Duration;

pub use napi_client::exit_gate::{inside, is_open};
use pyo3::ffi;
use pyo3::prelude::*;

/// How long exit waits for a thread inside (a callback that never returns must not hang exit).
const EXIT_WAIT: Duration = Duration::from_secs(2);

/// Runs `f` with the GIL (from a thread of ours), or answers `None` once the interpreter is
/// exiting.
pub fn with_gil<R>(f: impl FnOnce(Python<'_>) -> R) -> Option<R> {
    inside(|| Python::attach(f))
}

/// Runs `f` without the GIL (a Python thread waiting in our code), or answers `None` once the
/// interpreter is exiting, without releasing it.
pub fn allow_threads<R: Send>(py: Python<'_>, f: impl FnOnce() -> R + Send) -> Option<R> {
    inside(|| py.detach(f))
}

/// `allow_threads` for a thread already inside the gate (a request): it is counted once
/// already, so this only refuses to start once exit has begun.
pub fn allow_threads_inside<R: Send>(py: Python<'_>, f: impl FnOnce() -> R + Send) -> Option<R> {
    if napi_client::exit_gate::is_closed() {
        return None;
    }
    Some(py.detach(f))
}

/// Runs `wait` without the GIL if this thread holds it (a direct call that kept it, waiting for
/// another thread that may need it), for a thread inside the gate (a request).
pub fn without_gil(wait: &mut dyn FnMut()) {
    // SAFETY: PyGILState_Check only reads the thread's state.
    if unsafe { pyo3::ffi::PyGILState_Check() } == 0 {
        wait();
        return;
    }
    /// Takes the GIL back however `wait` ends.
    struct Restore(*mut pyo3::ffi::PyThreadState);
    impl Drop for Restore {
        fn drop(&mut self) {
            // SAFETY: the state `PyEval_SaveThread` answered below, on the same thread; the
            // thread is inside the gate, so exit has not finalized the interpreter meanwhile.
            unsafe { pyo3::ffi::PyEval_RestoreThread(self.0) };
        }
    }
    // SAFETY: this thread holds the GIL (checked above); `Restore` takes it back. `wait` runs
    // no Python code (pyo3's `allow_threads` cannot be used: the wait borrows non-`Send` state).
    let _restore = Restore(unsafe { pyo3::ffi::PyEval_SaveThread() });
    wait();
}

/// Runs `wait` without the GIL if this thread holds it, entering the gate for the wait (any
/// thread may get here: one converting arguments as well as one inside a request); once exit
/// has begun, with the GIL, as giving it up then could end the thread.
pub fn wait_without_gil(wait: &mut dyn FnMut()) {
    let mut waited = false;
    inside(|| {
        without_gil(wait);
        waited = true;
    });
    if !waited {
        wait();
    }
}

/// The `atexit` hook: closes the gate and waits for the threads inside.
#[pyfunction]
pub fn interpreter_exiting(py: Python<'_>) {
    py.detach(|| napi_client::exit_gate::close_and_wait(EXIT_WAIT));
}

/// What a call made once the interpreter is exiting raises.
pub fn exiting_error() -> PyErr {
    pyo3::exceptions::PyRuntimeError::new_err("the interpreter is exiting: no more calls into addons")
}

/// A Python thread state kept for the life of a thread of ours that runs Python code often (the
/// event dispatcher, an in-process host thread). `Python::attach` on a
/// thread Python does not know makes a thread state (with its frame stack, a fresh mapping)
/// and frees it again each time, which cost more than the event it ran; with this state kept,
/// `with_gil` finds it and only takes the GIL.
pub struct KeptThreadState {
    initial: ffi::PyGILState_STATE,
}

impl KeptThreadState {
    pub fn for_this_thread() -> Self {
        // SAFETY: the interpreter is running (the thread was started from a Python call, or is
        // inside the exit gate).
        // Ensure makes this thread's state and takes the GIL; SaveThread gives the GIL back and
        // leaves the state registered for the later `with_gil` calls of this thread.
        unsafe {
            let initial = ffi::PyGILState_Ensure();
            ffi::PyEval_SaveThread();
            KeptThreadState { initial }
        }
    }
}

impl Drop for KeptThreadState {
    fn drop(&mut self) {
        // SAFETY: Ensure takes the GIL with the kept state (nesting level 2); releasing that
        // level as if the GIL had been held keeps it held; releasing the first level then
        // deletes the state and gives the GIL back, as a plain Ensure/Release pair would.
        // Once the interpreter is exiting the state is left as it is: taking the GIL then would
        // end the thread by force (see this file's head).
        inside(|| unsafe {
            ffi::PyGILState_Ensure();
            ffi::PyGILState_Release(ffi::PyGILState_STATE::PyGILState_LOCKED);
            ffi::PyGILState_Release(self.initial);
        });
    }
}
