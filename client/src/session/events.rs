//! What the host sends that no request of the program caused: the event dispatcher thread of a
//! session (threadsafe-function calls, async-work completions, timers: local calls on the event
//! chain; promise settlements; uncaught exceptions), and the promises the program waits for.

use std::convert::Infallible;
use std::sync::{Arc, Condvar, Mutex, Weak};

use napi_protocol::{ChainId, Outcome, PyException, PyRef, Thrown, Value};

use super::dispatching::{self, Dispatch, Event};
use super::exchange::Serve;
use super::host_value::{release, release_outcome};
use super::subscriptions::{Claim, Early, Subscriptions};
use super::{Error, Inner, Requesting, Session};
use crate::link::channel::{Channel, Dead};

/// A session's promise subscriptions: its waiters are threads (nothing is made early).
pub type Settlements = Subscriptions<Waiter, Infallible>;

/// Who waits for a settlement: a thread in `Session::await_promise`, or nobody (the host's own
/// subscription to a promise a reply carried, which the session does not wait on: its outcome
/// gives its holds back).
pub enum Waiter {
    Thread(Arc<Slot>),
    Nobody,
}

/// Where a waiting thread finds its promise's outcome, or why it will never come.
#[derive(Default)]
pub struct Slot {
    outcome: Mutex<Option<Result<Outcome, Arc<Dead>>>>,
    came: Condvar,
}

impl Slot {
    /// Waits for the outcome.
    pub fn wait(&self) -> Result<Outcome, Arc<Dead>> {
        let mut outcome = self.outcome.lock().unwrap();
        loop {
            if let Some(outcome) = outcome.take() {
                return outcome;
            }
            outcome = self.came.wait(outcome).unwrap();
        }
    }
}

impl Waiter {
    /// Hands `waiter` its outcome (or why none comes).
    fn settle(self, outcome: Result<Outcome, Arc<Dead>>, channel: &Channel) {
        match self {
            Waiter::Thread(slot) => {
                *slot.outcome.lock().unwrap() = Some(outcome);
                slot.came.notify_all();
            }
            Waiter::Nobody => {
                if let Ok(outcome) = outcome {
                    release_outcome(&outcome, channel);
                }
            }
        }
    }
}

/// `waiter` claims `subscription` in `settlements`: settled at once if its outcome came first,
/// or the host is gone.
pub fn claim(settlements: &Settlements, subscription: u64, waiter: Waiter, channel: &Channel) {
    match settlements.claim(subscription, waiter) {
        Claim::Waiting => {}
        Claim::Came(waiter, Early::Sent(outcome)) => waiter.settle(Ok(outcome), channel),
        Claim::Came(_, Early::Made(never)) => match never {},
        Claim::Gone(waiter, dead) => waiter.settle(Err(dead), channel),
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
            let abandoned = inner.settlements.abandon(dead.clone());
            for waiter in abandoned.waiters {
                waiter.settle(Err(dead.clone()), &inner.channel);
            }
            for early in abandoned.early {
                early.let_go(&inner.channel);
            }
        }
    }
}

impl Serve for Requesting<'_> {
    type Error = Error;

    fn call(&self, chain: ChainId, func: PyRef, this: Value, args: Vec<Value>) -> Result<Value, PyException> {
        self.0.run_local(chain, func, this, args)
    }

    /// A settlement of a subscription nobody made, from an isolated host, ends it.
    fn settled(&self, subscription: u64, outcome: Outcome) -> Result<(), Error> {
        let channel = &self.0.inner.channel;
        match self.0.inner.settlements.settled(subscription, outcome) {
            Ok(Some((waiter, outcome))) => waiter.settle(Ok(outcome), channel),
            Ok(None) => {}
            Err(v) => return Err(Error::Dead(channel.violation(v))),
        }
        Ok(())
    }

    fn uncaught(&self, thrown: Box<Thrown>) -> Result<(), Error> {
        self.0.inner.local.uncaught(&thrown);
        release(&thrown.value, &self.0.inner.channel);
        Ok(())
    }
}
