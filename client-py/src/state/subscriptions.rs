//! Promise subscriptions of one connection, for Python: the core's bookkeeping
//! (`napi_client::session::subscriptions`: what is kept, for how long, what an isolated host
//! may settle) with Python settlements (a `promise._Settlement`) as its waiters, and here what
//! is Python's: converting an outcome and settling a waiter, outside the core's lock (settling
//! runs Python: callbacks, other threads' waits).
//!
//! An outcome that came before its claim is kept as the host sent it, without the GIL (the
//! dispatcher would otherwise contend for it with the very thread that is about to claim), and
//! converted by the claim; in-process, one settled during the direct call whose reply makes
//! the promise is kept already made by the calling thread, which holds the GIL (`keep_made`).

use std::sync::Arc;

use napi_protocol::Outcome;
use pyo3::prelude::*;

use crate::state::hooks::dead_error;
use napi_client::link::channel::Dead;
use napi_client::link::inbound::Violation;
use napi_client::session::subscriptions::{Claim, Early};

/// An outcome made into Python objects: `(fulfilled, value or exception)`.
pub type Made = (bool, Py<PyAny>);

/// A connection's subscriptions: Python settlements wait, and outcomes may come made.
pub type Subscriptions = napi_client::session::subscriptions::Subscriptions<Py<PyAny>, Made>;

/// Turns an outcome the host sent into `(fulfilled, value or exception)`.
pub type Convert<'a> = &'a dyn Fn(Outcome) -> Made;

/// Settles `settlement` (a `promise._Settler`): runs the promise's done callbacks on this thread.
pub fn settle(settlement: &Bound<'_, PyAny>, ok: bool, value: Py<PyAny>) -> PyResult<()> {
    settlement.call_method1(pyo3::intern!(settlement.py(), "settle"), (ok, value))?;
    Ok(())
}

/// `settlement` waits for subscription `sub`; settled at once if its outcome came first, or
/// the host is gone.
pub fn claim(subs: &Subscriptions, py: Python<'_>, sub: u64, settlement: &Bound<'_, PyAny>, convert: Convert<'_>) -> PyResult<()> {
    match subs.claim(sub, settlement.clone().unbind()) {
        Claim::Waiting => Ok(()),
        Claim::Came(_, Early::Sent(outcome)) => {
            let (ok, value) = convert(outcome);
            settle(settlement, ok, value)
        }
        Claim::Came(_, Early::Made((ok, value))) => settle(settlement, ok, value),
        Claim::Gone(_, dead) => settle(settlement, false, gone_error(py, &dead)),
    }
}

/// The outcome of subscription `sub` arrived: settles its waiter, or keeps it for the claim
/// that is still to come; a settlement an isolated host may not send is a violation.
pub fn settled(subs: &Subscriptions, py: Python<'_>, sub: u64, outcome: Outcome, convert: Convert<'_>) -> Result<PyResult<()>, Violation> {
    Ok(match subs.settled(sub, outcome)? {
        Some((waiter, outcome)) => {
            let (ok, value) = convert(outcome);
            settle(waiter.bind(py), ok, value)
        }
        None => Ok(()),
    })
}

/// The host is gone: its promises will never settle, so every waiter fails with why now
/// (every later claim fails at once).
pub fn abandon(subs: &Subscriptions, py: Python<'_>, dead: &Arc<Dead>) {
    let abandoned = subs.abandon(dead.clone());
    // A Python object's last reference may run Python code: let go outside the core's lock.
    drop(abandoned.early);
    let error = gone_error(py, dead);
    for s in abandoned.waiters {
        if let Err(e) = settle(s.bind(py), false, error.clone_ref(py)) {
            e.write_unraisable(py, Some(s.bind(py)));
        }
    }
}

/// The exception a settlement of a host gone gets.
fn gone_error(py: Python<'_>, dead: &Dead) -> Py<PyAny> {
    dead_error(py, dead).into_value(py).into_any()
}
