//! What the host sends that no request of the program caused: the event dispatcher thread of a
//! session (threadsafe-function calls, async-work completions, timers: local calls on the event
//! chain; promise settlements; uncaught exceptions), and the promises the program waits for.

use std::sync::{Arc, Condvar, Mutex, Weak};

use napi_protocol::{ChainId, Outcome, PyException, PyRef, Thrown, Value};
use rustc_hash::FxHashMap;

use super::dispatching::{self, Dispatch, Event};
use super::exchange::Serve;
use super::held::{release, release_outcome};
use super::{Error, Inner, Requesting, Session};
use crate::link::channel::{Channel, Dead};

/// The settlements the program waits for, by subscription id. A settlement nobody subscribed
/// to (the host subscribes on its own to a promise a reply carries) is dropped: nothing the
/// host sends is kept unasked.
#[derive(Default)]
pub struct Settlements {
    table: Mutex<Table>,
    came: Condvar,
}

#[derive(Default)]
struct Table {
    waiting: FxHashMap<u64, Option<Outcome>>,
    gone: Option<Arc<Dead>>,
}

impl Settlements {
    /// A subscription is about to be made: its settlement is kept when it comes.
    pub fn expect(&self, subscription: u64) {
        self.table.lock().unwrap().waiting.insert(subscription, None);
    }

    /// Keeps the settlement of `subscription` for its waiter; one nobody waits for gives its
    /// holds back.
    fn settled(&self, subscription: u64, outcome: Outcome, channel: &Channel) {
        let mut table = self.table.lock().unwrap();
        match table.waiting.get_mut(&subscription) {
            Some(slot @ None) => {
                *slot = Some(outcome);
                self.came.notify_all();
            }
            _ => release_outcome(&outcome, channel),
        }
    }

    /// Waits for the settlement of `subscription`, or for the host's end.
    pub fn wait(&self, subscription: u64) -> Result<Outcome, Arc<Dead>> {
        let mut table = self.table.lock().unwrap();
        loop {
            if let Some(Some(_)) = table.waiting.get(&subscription) {
                return Ok(table.waiting.remove(&subscription).flatten().expect("looked at"));
            }
            if let Some(dead) = table.gone.clone() {
                table.waiting.remove(&subscription);
                return Err(dead);
            }
            table = self.came.wait(table).unwrap();
        }
    }

    /// The host is gone: every wait ends with why.
    fn gone(&self, dead: Arc<Dead>) {
        self.table.lock().unwrap().gone = Some(dead);
        self.came.notify_all();
    }

    /// Gives up on `subscription` (its request failed).
    pub fn forget(&self, subscription: u64) {
        self.table.lock().unwrap().waiting.remove(&subscription);
    }
}

/// Runs the session's events until its host is gone, then ends the waits for settlements.
pub fn dispatch(inner: Weak<Inner>, channel: Arc<Channel>) {
    dispatching::dispatch(&channel, &Dispatcher(inner));
}

/// A session's events; the session is weak (a dropped one must still end its host).
struct Dispatcher(Weak<Inner>);

impl Dispatch for Dispatcher {
    fn turn(&self, events: &mut dyn Iterator<Item = Event>) -> bool {
        let Some(inner) = self.0.upgrade() else { return false };
        let session = Session { inner };
        for event in events {
            // A session's events fail only by a dead host, which the dispatcher learns of next.
            let _ = event.serve(&session.inner.channel, &Requesting(&session));
        }
        true
    }

    fn gone(&self, dead: Arc<Dead>) {
        if let Some(inner) = self.0.upgrade() {
            inner.settlements.gone(dead);
        }
    }
}

impl Serve for Requesting<'_> {
    type Error = Error;

    fn call(&self, chain: ChainId, func: PyRef, this: Value, args: Vec<Value>) -> Result<Value, PyException> {
        self.0.run_local(chain, func, this, args)
    }

    fn settled(&self, subscription: u64, outcome: Outcome) -> Result<(), Error> {
        self.0.inner.settlements.settled(subscription, outcome, &self.0.inner.channel);
        Ok(())
    }

    fn uncaught(&self, thrown: Box<Thrown>) -> Result<(), Error> {
        self.0.inner.local.uncaught(&thrown);
        release(&thrown.value, &self.0.inner.channel);
        Ok(())
    }
}
