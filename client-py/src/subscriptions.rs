//! Promise subscriptions of one connection: which Python settlement (a `promise._Settlement`)
//! waits for which `Settled` event.
//!
//! The host subscribes on its own to a promise it answers a request with, under the request's
//! id (D20), so the event often reaches the dispatcher before the calling thread has even made
//! the `JSPromise` and claimed the id. Such an early outcome is kept as it came off the wire,
//! without the GIL (the dispatcher would otherwise contend for it with the very thread that is
//! about to claim), and converted by the claim. When the host is gone, every waiter fails with
//! the error that says why, and so does every later claim.

use rustc_hash::FxHashMap;
use std::sync::Mutex;

use napi_protocol::Outcome;
use pyo3::prelude::*;

use crate::channel::Incoming;

#[derive(Default)]
struct Table {
    /// Settlements waiting for their event, by subscription id.
    waiting: FxHashMap<u64, PyObject>,
    /// Outcomes that came before their claim.
    early: FxHashMap<u64, Outcome>,
    /// The exception every settlement gets once the host is gone.
    gone: Option<PyObject>,
}

#[derive(Default)]
pub struct Subscriptions {
    table: Mutex<Table>,
}

/// Turns a wire outcome into `(fulfilled, value or exception)`.
pub type Convert<'a> = &'a dyn Fn(Outcome) -> (bool, PyObject);

fn settle(settlement: &Bound<'_, PyAny>, ok: bool, value: PyObject) -> PyResult<()> {
    settlement.call_method1(pyo3::intern!(settlement.py(), "settle"), (ok, value))?;
    Ok(())
}

impl Subscriptions {
    /// The dispatcher's first look at an event, without the GIL: a settlement nobody claimed
    /// yet is kept for its claim (`None`); anything else is handed back to run in Python.
    pub fn triage(&self, event: Incoming) -> Option<Incoming> {
        match event {
            Incoming::Settled { subscription, outcome } => {
                let mut t = self.table.lock().unwrap();
                if t.waiting.contains_key(&subscription) {
                    return Some(Incoming::Settled { subscription, outcome });
                }
                t.early.insert(subscription, outcome);
                None
            }
            other => Some(other),
        }
    }

    /// `settlement` waits for subscription `sub`; settled at once if its outcome came first.
    pub fn claim(&self, py: Python<'_>, sub: u64, settlement: &Bound<'_, PyAny>, convert: Convert<'_>) -> PyResult<()> {
        let (early, gone) = {
            let mut t = self.table.lock().unwrap();
            let early = t.early.remove(&sub);
            let gone = t.gone.as_ref().map(|g| g.clone_ref(py));
            if early.is_none() && gone.is_none() {
                t.waiting.insert(sub, settlement.clone().unbind());
            }
            (early, gone)
        };
        // Settled outside the lock: settling runs Python (callbacks, other threads' waits).
        match (early, gone) {
            (Some(outcome), _) => {
                let (ok, value) = convert(outcome);
                settle(settlement, ok, value)
            }
            (None, Some(gone)) => settle(settlement, false, gone),
            (None, None) => Ok(()),
        }
    }

    /// The outcome of subscription `sub` arrived: settles its waiter, or keeps it for the claim
    /// that is still to come.
    pub fn settled(&self, py: Python<'_>, sub: u64, outcome: Outcome, convert: Convert<'_>) -> PyResult<()> {
        let waiter = {
            let mut t = self.table.lock().unwrap();
            match t.waiting.remove(&sub) {
                Some(w) => Some((w, outcome)),
                None => {
                    t.early.insert(sub, outcome);
                    None
                }
            }
        };
        match waiter {
            Some((w, outcome)) => {
                let (ok, value) = convert(outcome);
                settle(w.bind(py), ok, value)
            }
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
