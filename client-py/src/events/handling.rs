//! Running what a host sends that no request caused (D15): the event dispatcher's turns, one
//! event at a time (a Python call of the event chain, a promise's settlement, an uncaught
//! exception), and in-process the host thread's own event turns, whose Python calls that thread
//! makes itself.

use std::cell::OnceCell;

use std::sync::Arc;

use napi_client::inprocess::{EventCaller, PythonArgs, PythonCallFailed, Settlement};
use napi_protocol::value_tree::ValueSink;
use napi_protocol::{Failure, PyRef, Thrown, EVENT_CHAIN};
use pyo3::prelude::*;
use pyo3::types::{PyWeakrefMethods, PyWeakrefReference};

use crate::calls::chain_events::{report_uncaught, ChainServer};
use crate::calls::python_calls;
use crate::exit_gate::KeptThreadState;
use crate::state::connection::Connection;
use crate::state::subscriptions::{self, Subscriptions};
use crate::values::copies;
use crate::values::from_python::Converter;
use napi_client::session::chains::{self, CameBy};
use napi_client::session::dispatching::Event;

/// Runs `events` in order on the event chain (the dispatcher's turn), then lets go of the
/// Python objects the host dropped. A failing event is reported as unraisable; the next
/// one still runs.
pub fn run_turn(slf: &Bound<'_, Connection>, events: &mut dyn Iterator<Item = Event>) {
    let py = slf.py();
    let conn = slf.get();
    chains::running(&conn.channel, EVENT_CHAIN, CameBy::Message, || {
        for event in events {
            if let Err(e) = Converter::new(slf).and_then(|cx| event.serve(&conn.channel, &ChainServer(&cx))) {
                e.write_unraisable(py, Some(slf.as_any()));
            }
        }
    });
    conn.handle_drops();
}

/// What runs the Python calls of the host thread's event turns, and delivers their settlements
/// and uncaught exceptions: that thread itself, with the GIL, as node runs such callbacks on its
/// loop's thread. The connection is weak: a dropped one must still end its host.
pub struct HostThreadCalls {
    pub conn: Py<PyWeakrefReference>,
    /// The connection's promise subscriptions, looked at before the GIL is taken.
    pub subscriptions: Arc<Subscriptions>,
}

thread_local! {
    /// The host thread's Python thread state, made at its first Python call and kept
    /// (making one for each call would cost more than the call).
    static PYTHON_STATE: OnceCell<KeptThreadState> = const { OnceCell::new() };
}

impl HostThreadCalls {
    /// Runs `f` with the GIL and the connection, unless the connection is gone or closing (no
    /// Python code of an addon's runs once its closing has begun) or the interpreter exits.
    fn with_connection<R>(&self, f: impl FnOnce(&Bound<'_, Connection>) -> R) -> Option<R> {
        crate::exit_gate::inside(|| {
            PYTHON_STATE.with(|state| {
                // Not on a thread of Python's own (a host's JS thread that is the program's,
                // `js_thread`): Python deletes its state as it ends, before this would let go.
                // SAFETY: reads this thread's state, if it has one; the GIL is not needed.
                if state.get().is_none() && unsafe { pyo3::ffi::PyGILState_GetThisThreadState() }.is_null() {
                    state.get_or_init(KeptThreadState::for_this_thread);
                }
            });
            Python::attach(|py| {
                let conn = self.conn.bind(py).upgrade()?.cast_into::<Connection>().ok()?;
                if conn.get().channel.gone() {
                    return None;
                }
                Some(f(&conn))
            })
        })
        .flatten()
    }

    /// Runs `deliver` as the dispatcher runs an event, on the event chain; a failure is
    /// reported as unraisable.
    fn deliver(&self, deliver: impl FnOnce(&Converter<'_, '_>) -> PyResult<()>) -> Option<()> {
        self.with_connection(|conn| {
            let delivered =
                Converter::new(conn).and_then(|cx| chains::running(&conn.get().channel, EVENT_CHAIN, CameBy::Inline, || deliver(&cx)));
            if let Err(e) = delivered {
                e.write_unraisable(conn.py(), Some(conn.as_any()));
            }
            conn.get().handle_drops();
        })
    }
}

impl EventCaller for HostThreadCalls {
    fn call_python(
        &self,
        func: PyRef,
        args: &mut PythonArgs<'_>,
        result: &mut dyn ValueSink<Error = Failure>,
    ) -> Option<Result<(), PythonCallFailed>> {
        self.with_connection(|conn| python_calls::run_walked(conn, EVENT_CHAIN, func, args, result))
    }

    fn settled(&self, s: Settlement<'_>) -> Option<()> {
        let sub = s.subscription;
        if !self.subscriptions.waited(sub) {
            // Not claimed yet: kept as the rings would bring it, without the GIL, which the
            // thread about to claim it may hold (as the dispatcher keeps it).
            let Some((waiter, outcome)) = self.subscriptions.keep_unless_waited(sub, (s.outcome)()) else { return Some(()) };
            return self.deliver(|cx| {
                let (ok, value) = cx.settlement(outcome);
                subscriptions::settle(waiter.bind(cx.py), ok, value)
            });
        }
        self.deliver(|cx| {
            let Some(waiter) = self.subscriptions.take_waiter(sub) else {
                // Abandoned meanwhile (the host is gone): nobody waits any more.
                return Ok(());
            };
            let (ok, value) = copies::settlement_made(cx, s);
            subscriptions::settle(waiter.bind(cx.py), ok, value)
        })
    }

    fn uncaught(&self, thrown: Box<Thrown>) -> Option<()> {
        self.deliver(|cx| report_uncaught(cx, thrown))
    }
}
