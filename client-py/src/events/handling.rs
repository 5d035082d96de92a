//! Running what a host sends that no request caused (D15): the event dispatcher's turns, one
//! event at a time (a Python call of the event chain, a promise's settlement, an uncaught
//! exception), and in-process the host thread's own event turns, whose Python calls that thread
//! makes itself (D73).

use std::cell::OnceCell;

use napi_host::event_calls::EventCaller;
use napi_protocol::{Outcome, PyException, PyRef, Value, EVENT_CHAIN};
use pyo3::prelude::*;
use pyo3::types::{PyWeakrefMethods, PyWeakrefReference};

use crate::calls::python_calls::{self, CameBy};
use crate::calls::requests::protocol_broken;
use crate::exit_gate::KeptThreadState;
use crate::link::channel::Incoming;
use crate::python_types::connection::Connection;
use crate::values::from_python::Cx;

/// Runs `events` in order on the event chain (the dispatcher's turn), then lets go of the
/// Python objects the host dropped. A failing event is reported as unraisable; the next
/// one still runs.
pub fn run_turn(slf: &Bound<'_, Connection>, events: impl IntoIterator<Item = Incoming>) {
    let py = slf.py();
    let conn = slf.get();
    conn.running(EVENT_CHAIN, CameBy::Message, || {
        for event in events {
            if let Err(e) = Cx::new(slf).and_then(|cx| run_event(conn, &cx, event)) {
                e.write_unraisable(py, Some(slf.as_any()));
            }
        }
    });
    conn.handle_drops();
}

/// Runs one event on the current thread (the dispatcher's, or a request's on the event chain).
pub fn run_event(conn: &Connection, cx: &Cx<'_, '_>, event: Incoming) -> PyResult<()> {
    let py = cx.py;
    match event {
        Incoming::Call { call, func, this, args } => python_calls::run_by_message(conn, cx, EVENT_CHAIN, call, func, this, args),
        Incoming::Settled { subscription, outcome } => conn
            .subscriptions
            .settled(py, subscription, outcome, &|o| cx.settlement(o))
            .unwrap_or_else(|v| Err(protocol_broken(&conn.channel, py, v))),
        Incoming::Uncaught(thrown) => {
            let exc = match cx.outcome(Outcome::Thrown(thrown)) {
                Ok(v) => v,
                Err(e) => e.into_value(py).into_any(),
            };
            cx.hooks.uncaught.bind(py).call1((exc,))?;
            Ok(())
        }
        // Asked only of a request's chain, which handles it itself.
        Incoming::Reply { .. } | Incoming::Trace { .. } => Ok(()),
    }
}

/// What runs the Python calls of the host thread's event turns: that thread itself, with the
/// GIL, as node runs such callbacks on its loop's thread (D73). The connection is weak: a
/// dropped one must still end its host.
pub struct HostThreadCalls {
    pub conn: Py<PyWeakrefReference>,
}

thread_local! {
    /// The host thread's Python thread state, made at its first Python call and kept (D15).
    static PYTHON_STATE: OnceCell<KeptThreadState> = const { OnceCell::new() };
}

impl EventCaller for HostThreadCalls {
    fn call_python(&self, func: PyRef, this: Value, args: Vec<Value>) -> Option<Result<Value, PyException>> {
        crate::exit_gate::inside(|| {
            PYTHON_STATE.with(|state| {
                state.get_or_init(KeptThreadState::for_this_thread);
            });
            Python::with_gil(|py| {
                let conn = self.conn.bind(py).upgrade()?.downcast_into::<Connection>().ok()?;
                // Closed (by an earlier call of this very turn, say): no Python code of an addon's
                // runs once its closing has begun.
                if conn.get().channel.gone() {
                    return None;
                }
                Some(python_calls::run_inline(&conn, EVENT_CHAIN, func, this, args))
            })
        })
        .flatten()
    }
}
