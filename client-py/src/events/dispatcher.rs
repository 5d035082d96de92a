//! The event dispatcher of one host: a thread that reads the event ring (woken by the event
//! socket, its doorbell) and runs, in the order the host sent them, the calls no Python request
//! caused (async-work completions, threadsafe-function calls, promise jobs), promise settlements
//! and uncaught exceptions.

use std::cell::Cell;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use pyo3::prelude::*;
use pyo3::types::{PyWeakrefMethods, PyWeakrefReference};

use crate::events::handling;
use crate::state::connection::Connection;
use crate::state::finished::{Finished, MarkFinished};
use crate::state::hooks::dead_error;
use crate::state::subscriptions::Subscriptions;
use napi_client::link::channel::{Channel, Incoming};
use napi_client::link::inbound::Violation;

/// The dispatcher's stack: what a Python thread gets (glibc's default, 8 MiB of address space,
/// touched only as deep as it is used). It runs Python callbacks and converts values as deep as
/// the protocol carries; Rust's default of 2 MiB is less than an unoptimised build needs for that.
pub const STACK: usize = 8 << 20;

/// Runs until the host is gone, holding the GIL only while it runs events: one event, and with
/// it every event already read from the ring behind it (a burst of settlements costs one GIL
/// acquisition). Then fails the promises still waited for, since they will never settle.
/// A host that sends what the protocol does not allow on the event ring is ended, as on the
/// main stream (the callers then learn why), and so is one whose event makes this code panic.
///
/// The GIL is never kept while nothing is in hand: a Python call often wakes a thread that
/// wants the GIL at once (it completed a future, set an event), and looking for the host's next
/// call with the GIL kept made that thread wait out the look (docs/performance.md).
pub fn dispatch_events(channel: Arc<Channel>, subscriptions: Arc<Subscriptions>, conn: Py<PyWeakrefReference>, finished: Arc<Finished>) {
    // Declared first, so dropped last: after the thread state is let go too.
    let _finished = MarkFinished::on_this_thread(finished);
    let _state = crate::exit_gate::KeptThreadState::for_this_thread();
    let run = std::panic::catch_unwind(AssertUnwindSafe(|| run_until_gone(&channel, &subscriptions, &conn)));
    match run {
        Ok(false) => return,
        Ok(true) => {}
        Err(panic) => {
            let why = napi_link::panics::panic_message(&*panic);
            channel.violation(Violation(format!("an event the client could not handle (internal error: {why})")));
        }
    }
    let dead = channel.wait_dead();
    // The promises still waited for fail, as they will never settle.
    crate::exit_gate::with_gil(|py| subscriptions.abandon(py, dead_error(py, &dead).into_value(py).into_any()));
}

/// Runs the events until the host's event stream ends (true), or until the connection is gone
/// or the interpreter exits (false: the thread must not take the GIL any more).
fn run_until_gone(channel: &Channel, subscriptions: &Subscriptions, conn: &Py<PyWeakrefReference>) -> bool {
    let triaged = |event| match subscriptions.triage(event) {
        Ok(e) => e,
        Err(v) => {
            channel.violation(v);
            None
        }
    };
    // In-process, the host thread runs its event turns' Python calls itself when this thread
    // has nothing in hand: it is told what this thread finished, and kept out of each batch.
    let event_calls = channel.in_process().map(|shared| shared.event_calls());
    let finished = |n| event_calls.inspect(|calls| calls.finished(n));
    while let Some(event) = channel.next_event() {
        // A settlement no thread claimed yet is only kept: no GIL taken from the caller about
        // to claim it.
        let Some(first) = triaged(event) else {
            finished(1);
            continue;
        };
        let taken = Cell::new(1);
        let batch = event_calls.map(|calls| calls.dispatching());
        let alive = crate::exit_gate::with_gil(|py| {
            let Some(strong) = conn.bind(py).upgrade() else { return false };
            let Ok(bound) = strong.cast_into::<Connection>() else { return false };
            let count = |_: &Incoming| taken.set(taken.get() + 1);
            let buffered = std::iter::from_fn(|| channel.buffered_event()).inspect(count).filter_map(&triaged);
            handling::run_turn(&bound, std::iter::once(first).chain(buffered));
            true
        });
        drop(batch);
        finished(taken.get());
        if alive != Some(true) {
            return false;
        }
    }
    true
}
