//! Promise subscriptions of one connection: which Python settlement (a `promise._Settlement`)
//! waits for which `Settled` event.
//!
//! The host subscribes on its own to a promise it answers a request with, under the request's
//! id (D17), so the event can reach the dispatcher before the calling thread has even made the
//! `JSPromise` and claimed the id: such an early outcome is kept until the claim. When the host
//! is gone, every waiter fails with the error that says why, and so does every later claim.

use std::collections::HashMap;
use std::sync::Mutex;

use pyo3::prelude::*;

#[derive(Default)]
struct Table {
    /// Settlements waiting for their event, by subscription id.
    waiting: HashMap<u64, PyObject>,
    /// Outcomes (`ok`, value or exception) that came before their claim.
    early: HashMap<u64, (bool, PyObject)>,
    /// The exception every settlement gets once the host is gone.
    gone: Option<PyObject>,
}

#[derive(Default)]
pub struct Subscriptions {
    table: Mutex<Table>,
}

fn settle(settlement: &Bound<'_, PyAny>, ok: bool, value: PyObject) -> PyResult<()> {
    settlement.call_method1(pyo3::intern!(settlement.py(), "settle"), (ok, value))?;
    Ok(())
}

impl Subscriptions {
    /// `settlement` waits for subscription `sub`; settled at once if its outcome came first.
    pub fn claim(&self, py: Python<'_>, sub: u64, settlement: &Bound<'_, PyAny>) -> PyResult<()> {
        let known = {
            let mut t = self.table.lock().unwrap();
            match (t.early.remove(&sub), &t.gone) {
                (Some(outcome), _) => Some(outcome),
                (None, Some(gone)) => Some((false, gone.clone_ref(py))),
                (None, None) => {
                    t.waiting.insert(sub, settlement.clone().unbind());
                    None
                }
            }
        };
        // Settled outside the lock: settling runs Python (callbacks, other threads' waits).
        match known {
            Some((ok, value)) => settle(settlement, ok, value),
            None => Ok(()),
        }
    }

    /// The outcome of subscription `sub` arrived: settles its waiter, or keeps it for the claim
    /// that is still to come.
    pub fn settled(&self, py: Python<'_>, sub: u64, ok: bool, value: PyObject) -> PyResult<()> {
        let waiter = {
            let mut t = self.table.lock().unwrap();
            let waiter = t.waiting.remove(&sub);
            if waiter.is_none() {
                t.early.insert(sub, (ok, value.clone_ref(py)));
            }
            waiter
        };
        match waiter {
            Some(s) => settle(s.bind(py), ok, value),
            None => Ok(()),
        }
    }

    /// The host is gone: its promises will never settle, so every waiter fails with `error`
    /// now and every later claim at once.
    pub fn abandon(&self, py: Python<'_>, error: PyObject) {
        let waiting = {
            let mut t = self.table.lock().unwrap();
            t.gone = Some(error.clone_ref(py));
            t.early.clear();
            std::mem::take(&mut t.waiting)
        };
        for (_, s) in waiting {
            if let Err(e) = settle(s.bind(py), false, error.clone_ref(py)) {
                e.write_unraisable(py, Some(s.bind(py)));
            }
        }
    }
}
