//! One event a host sent that no request caused (a Python call of the event chain, a promise's
//! settlement, an uncaught exception), run on the current thread: the event dispatcher's, or a
//! request's that runs on the event chain (made from inside an event callback) and meets them
//! while it waits for its reply.

use napi_protocol::{Outcome, Thrown, EVENT_CHAIN};
use pyo3::prelude::*;

use crate::calls::answers::protocol_broken;
use crate::calls::python_calls;
use crate::state::connection::Connection;
use crate::values::from_python::Cx;
use napi_client::link::channel::Incoming;

/// Runs one event on the current thread (the dispatcher's, or a request's on the event chain).
pub fn run_event(conn: &Connection, cx: &Cx<'_, '_>, event: Incoming) -> PyResult<()> {
    let py = cx.py;
    match event {
        Incoming::Call { call, func, this, args } => python_calls::run_by_message(conn, cx, EVENT_CHAIN, call, func, this, args),
        Incoming::Settled { subscription, outcome } => conn
            .subscriptions
            .settled(py, subscription, outcome, &|o| cx.settlement(o))
            .unwrap_or_else(|v| Err(protocol_broken(&conn.channel, py, v))),
        Incoming::Uncaught(thrown) => report_uncaught(cx, thrown),
        // Asked only of a request's chain, which handles it itself.
        Incoming::Reply { .. } | Incoming::Trace { .. } => Ok(()),
    }
}

/// Hands an exception nothing caught to the uncaught hook.
pub fn report_uncaught(cx: &Cx<'_, '_>, thrown: Box<Thrown>) -> PyResult<()> {
    let exc = match cx.outcome(Outcome::Thrown(thrown)) {
        Ok(v) => v,
        Err(e) => e.into_value(cx.py).into_any(),
    };
    cx.hooks.uncaught.bind(cx.py).call1((exc,))?;
    Ok(())
}
