//! The event dispatcher of one host: a thread that reads the event socket and runs, in the order
//! the host sent them, the calls no Python request caused (async-work completions,
//! threadsafe-function calls, promise jobs), promise settlements and uncaught exceptions (D15).

use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{PyWeakrefMethods, PyWeakrefReference};

use crate::channel::Channel;
use crate::connection::Connection;
use crate::convert::dead_error;
use crate::dispatched::{Finished, MarkFinished};
use crate::inbound::Violation;
use crate::requests;
use crate::subscriptions::Subscriptions;

/// The dispatcher's stack: what a Python thread gets (glibc's default, 8 MiB of address space,
/// touched only as deep as it is used). It runs Python callbacks and converts values as deep as
/// the protocol carries; Rust's default of 2 MiB is less than an unoptimised build needs for that.
pub const STACK: usize = 8 << 20;

/// Runs until the host is gone, holding the GIL only while it runs events: one event, and with
/// it every event already read from the socket behind it (a burst of settlements costs one GIL
/// acquisition). Then fails the promises still waited for, since they will never settle.
/// A host that sends what the protocol does not allow on the event socket is ended, as on the
/// main stream (the callers then learn why), and so is one whose event makes this code panic.
pub fn dispatch_events(channel: Arc<Channel>, subscriptions: Arc<Subscriptions>, conn: Py<PyWeakrefReference>, finished: Arc<Finished>) {
    // Declared first, so dropped last: after the thread state is let go too.
    let _finished = MarkFinished::on_this_thread(finished);
    let _state = KeptThreadState::new();
    let run = std::panic::catch_unwind(AssertUnwindSafe(|| run_events(&channel, &subscriptions, &conn)));
    match run {
        Ok(false) => return,
        Ok(true) => {}
        Err(panic) => {
            let why = napi_functions::entry::panic_message(&*panic);
            channel.violation(Violation(format!("an event the client could not handle (internal error: {why})")));
        }
    }
    let dead = channel.wait_dead();
    crate::exiting::with_gil(|py| {
        if let Some(Ok(bound)) = conn.bind(py).upgrade().map(|c| c.downcast_into::<Connection>()) {
            bound.get().abandon_promises(py, dead_error(py, &dead).into_value(py).into_any());
        }
    });
}

/// Runs the events until the host's event socket ends (true), or until the connection is gone
/// or the interpreter exits (false: the thread must not take the GIL any more).
fn run_events(channel: &Channel, subscriptions: &Subscriptions, conn: &Py<PyWeakrefReference>) -> bool {
    let triaged = |event| match subscriptions.triage(event) {
        Ok(e) => e,
        Err(v) => {
            channel.violation(v);
            None
        }
    };
    while let Some(event) = channel.next_event() {
        // A settlement no thread claimed yet is only kept: no GIL taken from the caller about
        // to claim it.
        let Some(first) = triaged(event) else { continue };
        let alive = crate::exiting::with_gil(|py| {
            let Some(strong) = conn.bind(py).upgrade() else { return false };
            let Ok(bound) = strong.downcast_into::<Connection>() else { return false };
            let buffered = std::iter::from_fn(|| channel.buffered_event()).filter_map(&triaged);
            requests::run_events(&bound, std::iter::once(first).chain(buffered));
            true
        });
        if alive != Some(true) {
            return false;
        }
    }
    true
}

/// The dispatcher's Python thread state, kept for the thread's life (D21). `Python::with_gil` on a
/// thread Python does not know makes a thread state (with its frame stack, a fresh mapping)
/// and frees it again each time, which cost more than the event it ran; with this state kept,
/// `with_gil` finds it and only takes the GIL.
struct KeptThreadState {
    initial: ffi::PyGILState_STATE,
}

impl KeptThreadState {
    fn new() -> Self {
        // SAFETY: the interpreter is running (the thread was started from a Python call).
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
        // end the thread by force (see crate::exiting).
        crate::exiting::inside(|| unsafe {
            ffi::PyGILState_Ensure();
            ffi::PyGILState_Release(ffi::PyGILState_STATE::PyGILState_LOCKED);
            ffi::PyGILState_Release(self.initial);
        });
    }
}
