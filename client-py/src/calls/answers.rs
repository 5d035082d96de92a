//! What a request's reply becomes, however the request went (by message, or served on this
//! thread): its value, or the exception of a host that broke the protocol.

use napi_protocol::{Outcome, RequestId, Value};
use pyo3::prelude::*;

use crate::state::connection::Connection;
use crate::state::hooks::dead_error;
use crate::state::subscriptions;
use crate::values::from_python::Converter;
use crate::values::to_python::is_primitive;
use napi_client::link::channel::Channel;
use napi_client::link::inbound::Violation;
use napi_client::session::subscriptions::subscribed_by_reply;

/// The value of request `id`'s reply, however it came. A primitive (the commonest answer) is
/// made in the caller; anything else by `answered_otherwise`.
#[inline(always)]
pub fn answered(conn: &Connection, cx: &Converter<'_, '_>, id: RequestId, outcome: Outcome) -> PyResult<Py<PyAny>> {
    if let Some(v) = primitive_in(&outcome) {
        let value = primitive_answer(conn, cx, v);
        // Undefined, null, a bool or a number owns nothing: the outcome's drop glue (a call
        // with a match over every kind of value) is spared, as a direct call's answer spares it.
        if !matches!(outcome, Outcome::Ok(Value::String(_))) {
            std::mem::forget(outcome);
        }
        return value;
    }
    answered_otherwise(conn, cx, id, outcome)
}

/// `answered` of anything but a primitive.
#[inline(never)]
fn answered_otherwise(conn: &Connection, cx: &Converter<'_, '_>, id: RequestId, outcome: Outcome) -> PyResult<Py<PyAny>> {
    let py = cx.py;
    conn.handle_drops();
    // The host subscribed to a promise it answers with, under this request's id.
    let promise = subscribed_by_reply(&outcome);
    let value = cx.outcome(outcome)?;
    if promise {
        let settlement = cx.hooks.claimed.bind(py).call1((&value,))?;
        subscriptions::claim(&conn.subscriptions, py, id, &settlement, &|o| cx.settlement(o))?;
    }
    Ok(value)
}

/// The primitive an outcome answers (the commonest answer), by reference, to be made where
/// it lies (`primitive_answer`): taking the outcome apart by value for the general conversion
/// cost an isolated `add` a third of its answer.
#[inline(always)]
pub fn primitive_in(outcome: &Outcome) -> Option<&Value> {
    match outcome {
        Outcome::Ok(v) if is_primitive(v) => Some(v),
        _ => None,
    }
}

/// A primitive answer (`primitive_in`) made a Python value. Made as the caller returns it, not
/// wrapped in an `Option` first: the result (with room for an exception) was copied once more.
#[inline(always)]
pub fn primitive_answer(conn: &Connection, cx: &Converter<'_, '_>, v: &Value) -> PyResult<Py<PyAny>> {
    conn.handle_drops();
    cx.primitive_value(v)
}

/// The host broke the protocol: it is ended, and the caller raises why.
pub fn protocol_broken(channel: &Channel, py: Python<'_>, v: Violation) -> PyErr {
    dead_error(py, &channel.violation(v))
}
