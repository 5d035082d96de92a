//! Promise subscriptions of one connection: which Python settlement (a `promise._Settlement`)
//! waits for which `Settled` event.
//!
//! The host subscribes on its own to a promise it answers a request with, under the request's
//! id, so the event often reaches the dispatcher before the calling thread has even made
//! the `JSPromise` and claimed the id. Such an early outcome is kept as it came from the host,
//! without the GIL (the dispatcher would otherwise contend for it with the very thread that is
//! about to claim), and converted by the claim; in-process, one settled during the direct call
//! whose reply makes the promise is kept already made by the calling thread, which holds the
//! GIL (`keep_made`). When the host is gone, every waiter fails with
//! the error that says why, and so does every later claim.
//!
//! An isolated host is not believed: an early outcome is kept only for a request in
//! flight (`expect`), once, and dropped when the request ends unclaimed; a settlement of
//! anything else is a `Violation`. So what is kept is bounded by the requests in flight. An
//! in-process host is this process's own code, and its direct calls are not tracked.

use rustc_hash::{FxHashMap, FxHashSet};
use std::sync::Mutex;

use napi_protocol::Outcome;
use pyo3::prelude::*;

use napi_client::link::inbound::Violation;

#[derive(Default)]
struct Table {
    /// Settlements waiting for their event, by subscription id.
    waiting: FxHashMap<u64, Py<PyAny>>,
    /// Outcomes that came before their claim.
    early: FxHashMap<u64, Early>,
    /// Requests in flight (isolated): their replies may make promises whose outcomes come first.
    expecting: FxHashSet<u64>,
    /// The exception every settlement gets once the host is gone.
    gone: Option<Py<PyAny>>,
}

pub struct Subscriptions {
    table: Mutex<Table>,
    /// Whether settlements are checked against the requests in flight (an isolated host).
    strict: bool,
}

/// An outcome that came before its claim: as the host sent it, or (in-process, settled during
/// the direct call whose reply makes the promise) already made into `(fulfilled, value or
/// exception)` by the calling thread.
enum Early {
    Sent(Outcome),
    Made(bool, Py<PyAny>),
}

/// Turns an outcome the host sent into `(fulfilled, value or exception)`.
pub type Convert<'a> = &'a dyn Fn(Outcome) -> (bool, Py<PyAny>);

/// Settles `settlement` (a `promise._Settler`): runs the promise's done callbacks on this thread.
pub fn settle(settlement: &Bound<'_, PyAny>, ok: bool, value: Py<PyAny>) -> PyResult<()> {
    settlement.call_method1(pyo3::intern!(settlement.py(), "settle"), (ok, value))?;
    Ok(())
}

impl Table {
    /// Keeps the outcome of `sub`, which nobody claimed yet, if it may be kept.
    fn keep_early(&mut self, sub: u64, outcome: Outcome, strict: bool) -> Result<(), Violation> {
        if strict && (!self.expecting.contains(&sub) || self.early.contains_key(&sub)) {
            return Err(Violation(format!("a settlement of subscription {sub}, which this client did not make or had settled already")));
        }
        self.early.insert(sub, Early::Sent(outcome));
        Ok(())
    }
}

impl Subscriptions {
    /// `strict`: settlements are checked (a host in another process).
    pub fn new(strict: bool) -> Subscriptions {
        Subscriptions { table: Mutex::default(), strict }
    }

    /// Request `id` is about to be sent: its promise's outcome may come before its reply.
    pub fn expect(&self, id: u64) {
        if self.strict {
            self.table.lock().unwrap().expecting.insert(id);
        }
    }

    /// Request `id` is over: an outcome nobody claimed for it is dropped (its reply made no
    /// promise, or the claim failed).
    pub fn done(&self, id: u64) {
        if self.strict {
            let mut t = self.table.lock().unwrap();
            t.expecting.remove(&id);
            t.early.remove(&id);
        }
    }

    /// The dispatcher's first look at a settlement, without the GIL: one nobody claimed yet is
    /// kept for its claim (`None`); one a settlement waits for is handed back to settle in Python.
    pub fn early(&self, subscription: u64, outcome: Outcome) -> Result<Option<Outcome>, Violation> {
        let mut t = self.table.lock().unwrap();
        if t.waiting.contains_key(&subscription) {
            return Ok(Some(outcome));
        }
        t.keep_early(subscription, outcome, self.strict)?;
        Ok(None)
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
            (Some(Early::Sent(outcome)), _) => {
                let (ok, value) = convert(outcome);
                settle(settlement, ok, value)
            }
            (Some(Early::Made(ok, value)), _) => settle(settlement, ok, value),
            (None, Some(gone)) => settle(settlement, false, gone),
            (None, None) => Ok(()),
        }
    }

    /// The outcome of subscription `sub` arrived: settles its waiter, or keeps it for the claim
    /// that is still to come.
    pub fn settled(&self, py: Python<'_>, sub: u64, outcome: Outcome, convert: Convert<'_>) -> Result<PyResult<()>, Violation> {
        let waiter = {
            let mut t = self.table.lock().unwrap();
            match t.waiting.remove(&sub) {
                Some(w) => Some((w, outcome)),
                None => {
                    t.keep_early(sub, outcome, self.strict)?;
                    None
                }
            }
        };
        Ok(match waiter {
            Some((w, outcome)) => {
                let (ok, value) = convert(outcome);
                settle(w.bind(py), ok, value)
            }
            None => Ok(()),
        })
    }

    /// Whether a settlement waits for subscription `sub`: an in-process host thread's look before
    /// it takes the GIL to settle it.
    pub fn waited(&self, sub: u64) -> bool {
        self.table.lock().unwrap().waiting.contains_key(&sub)
    }

    /// Keeps the outcome of `sub`, made into Python objects by the thread whose direct call's
    /// reply makes its promise, for the claim to come (an in-process host's, whose settlements
    /// are not checked).
    pub fn keep_made(&self, sub: u64, ok: bool, value: Py<PyAny>) {
        self.table.lock().unwrap().early.insert(sub, Early::Made(ok, value));
    }

    /// Takes the settlement waiting for `sub`, if one does.
    pub fn take_waiter(&self, sub: u64) -> Option<Py<PyAny>> {
        self.table.lock().unwrap().waiting.remove(&sub)
    }

    /// Keeps the outcome of `sub` for its claim still to come, or hands it back with the
    /// settlement that claimed it meanwhile (an in-process host, whose settlements are not checked).
    pub fn keep_unless_waited(&self, sub: u64, outcome: Outcome) -> Option<(Py<PyAny>, Outcome)> {
        let mut t = self.table.lock().unwrap();
        match t.waiting.remove(&sub) {
            Some(w) => Some((w, outcome)),
            None => {
                t.early.insert(sub, Early::Sent(outcome));
                None
            }
        }
    }

    /// The host is gone: its promises will never settle, so every waiter fails with `error`
    /// now and every later claim at once.
    pub fn abandon(&self, py: Python<'_>, error: Py<PyAny>) {
        let (waiting, early) = {
            let mut t = self.table.lock().unwrap();
            t.gone = Some(error.clone_ref(py));
            t.expecting.clear();
            (std::mem::take(&mut t.waiting), std::mem::take(&mut t.early))
        };
        // Outside the lock: a Python object's last reference may run Python code.
        drop(early);
        for (_, s) in waiting {
            if let Err(e) = settle(s.bind(py), false, error.clone_ref(py)) {
                e.write_unraisable(py, Some(s.bind(py)));
            }
        }
    }

    /// How many outcomes are kept for claims to come (for tests of the bound).
    pub fn kept(&self) -> usize {
        self.table.lock().unwrap().early.len()
    }
}
