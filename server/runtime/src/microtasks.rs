//! Promises at work: making and settling them, and the microtask queue that runs their
//! reactions.
//!
//! Jobs run when the JS stack empties — after each top-level request or event, and in
//! `napi_make_callback` — as Node runs its microtask queue, `process.nextTick` callbacks first.

use std::collections::VecDeque;

use super::object::{Callable, Function, ObjectClass};
use super::object_id::ObjectId;
use super::promise::{Handler, PromiseData, PromiseState, Reaction};
use super::value::Value;
use super::{JsResult, Runtime, Thrown};

/// A queued microtask.
#[derive(Clone, Debug)]
pub enum Job {
    /// Runs a reaction with the value (or reason) its promise settled with.
    React { reaction: Reaction, fulfilled: bool, argument: Value },
    /// `thenable.then(resolve, reject)` for a promise resolved with a thenable.
    Adopt { promise: ObjectId, thenable: Value, then: Value },
}

impl Job {
    /// Every value the job holds (for the collector).
    pub fn values(&self) -> Vec<Value> {
        match self {
            Job::React { reaction, argument, .. } => {
                let mut v = reaction.values();
                v.push(argument.clone());
                v
            }
            Job::Adopt { promise, thenable, then } => vec![Value::Object(*promise), thenable.clone(), then.clone()],
        }
    }
}

/// Microtasks waiting to run.
pub type JobQueue = VecDeque<Job>;

/// The notices to the client a runtime still owed when it stopped running JS
/// ([`Runtime::take_notices`]).
#[derive(Debug, Default)]
pub struct Notices {
    /// Subscriptions whose promise settled, with how (fulfilled) and the value.
    pub settled: Vec<(u64, bool, Value)>,
    /// Subscriptions whose promise is yet to settle.
    pub pending: Vec<u64>,
}

impl Runtime {
    /// A new pending promise.
    pub fn new_promise(&self) -> ObjectId {
        let data = PromiseData { state: PromiseState::Pending, reactions: Vec::new(), locked: false };
        let proto = self.realm.promise_prototype;
        self.heap.borrow_mut().new_object(ObjectClass::Promise(data), Some(proto))
    }

    /// Whether `v` is a promise (`napi_is_promise`).
    pub fn is_promise(&self, v: &Value) -> bool {
        matches!(v, Value::Object(id) if matches!(self.heap.borrow().get(*id).map(|o| &o.class), Some(ObjectClass::Promise(_))))
    }

    /// The state of promise `p` (`None` if it is none).
    pub fn promise_state(&self, p: ObjectId) -> Option<PromiseState> {
        match self.heap.borrow().get(p).map(|o| &o.class) {
            Some(ObjectClass::Promise(d)) => Some(d.state.clone()),
            _ => None,
        }
    }

    fn with_promise<R>(&self, p: ObjectId, f: impl FnOnce(&mut PromiseData) -> R) -> Option<R> {
        match self.heap.borrow_mut().get_mut(p).map(|o| &mut o.class) {
            Some(ObjectClass::Promise(d)) => Some(f(d)),
            _ => None,
        }
    }

    /// The spec's promise resolve function: a thenable is followed, anything else fulfills.
    pub fn resolve_promise(&self, p: ObjectId, value: Value) {
        if self.with_promise(p, |d| d.locked || !matches!(d.state, PromiseState::Pending)) != Some(false) {
            return;
        }
        if matches!(value, Value::Object(v) if v == p) {
            let e = self.type_error("Chaining cycle detected for promise #<Promise>".into());
            self.settle(p, false, e.0);
            return;
        }
        if let Value::Object(_) = value {
            match self.get_named(&value, "then") {
                Err(Thrown(e)) => self.settle(p, false, e),
                Ok(then) if self.is_callable(&then) => {
                    self.with_promise(p, |d| d.locked = true);
                    self.microtasks.borrow_mut().push_back(Job::Adopt { promise: p, thenable: value, then });
                    self.microtask_queued();
                }
                Ok(_) => self.settle(p, true, value),
            }
            return;
        }
        self.settle(p, true, value);
    }

    /// The spec's reject function: settles a pending, unlocked promise as rejected.
    pub fn reject_promise(&self, p: ObjectId, reason: Value) {
        if self.with_promise(p, |d| d.locked || !matches!(d.state, PromiseState::Pending)) != Some(false) {
            return;
        }
        self.settle(p, false, reason);
    }

    /// Moves a pending promise to its final state and queues its reactions.
    fn settle(&self, p: ObjectId, fulfilled: bool, value: Value) {
        let reactions = self
            .with_promise(p, |d| {
                d.state = if fulfilled { PromiseState::Fulfilled(value.clone()) } else { PromiseState::Rejected(value.clone()) };
                std::mem::take(&mut d.reactions)
            })
            .unwrap_or_default();
        if reactions.is_empty() {
            return;
        }
        let mut q = self.microtasks.borrow_mut();
        for reaction in reactions {
            q.push_back(Job::React { reaction, fulfilled, argument: value.clone() });
        }
        drop(q);
        self.microtask_queued();
    }

    /// `promise.then(...)` with a reaction: queued now if the promise already settled.
    pub fn add_reaction(&self, p: ObjectId, reaction: Reaction) {
        let settled = self.with_promise(p, |d| match &d.state {
            PromiseState::Pending => {
                d.reactions.push(reaction.clone());
                None
            }
            PromiseState::Fulfilled(v) => Some((true, v.clone())),
            PromiseState::Rejected(v) => Some((false, v.clone())),
        });
        if let Some(Some((fulfilled, argument))) = settled {
            self.microtasks.borrow_mut().push_back(Job::React { reaction, fulfilled, argument });
            self.microtask_queued();
        }
    }

    /// `p.then(on_fulfilled, on_rejected)`: the derived promise.
    pub fn promise_then(&self, p: ObjectId, on_fulfilled: Value, on_rejected: Value) -> ObjectId {
        let derived = self.new_promise();
        let handler = |f: Value| Handler::Js(if self.is_callable(&f) { f } else { Value::Undefined });
        self.add_reaction(p, Reaction { on_fulfilled: handler(on_fulfilled), on_rejected: handler(on_rejected), derived: Some(derived) });
        derived
    }

    /// A resolve or reject function for `promise` (what executors and thenables receive).
    pub fn resolving_function(&self, promise: ObjectId, reject: bool) -> Value {
        let class = ObjectClass::Function(Function { callable: Callable::Resolver { promise, reject }, is_class: false });
        let proto = self.realm.function_prototype;
        Value::Object(self.heap.borrow_mut().new_object(class, Some(proto)))
    }

    /// Runs queued jobs until none are left (jobs may queue more): `process.nextTick`
    /// callbacks first, then promise jobs, as node drains its queues.
    pub fn run_microtasks(&self) {
        loop {
            let tick = self.ticks.borrow_mut().pop_front();
            if let Some((f, args)) = tick {
                if let Err(Thrown(e)) = self.call(&f, Value::Undefined, &args) {
                    self.report_uncaught(e);
                }
                continue;
            }
            let job = self.microtasks.borrow_mut().pop_front();
            let Some(job) = job else { break };
            match job {
                Job::Adopt { promise, thenable, then } => {
                    let (res, rej) = (self.resolving_function(promise, false), self.resolving_function(promise, true));
                    // Unlock so the resolving functions can settle it.
                    self.with_promise(promise, |d| d.locked = false);
                    if let Err(Thrown(e)) = self.call(&then, thenable, &[res, rej]) {
                        self.reject_promise(promise, e);
                    }
                }
                Job::React { reaction, fulfilled, argument } => self.react(reaction, fulfilled, argument),
            }
        }
    }

    /// Takes out every notice to the client still to come (`Handler::Notify`), for a runtime
    /// that will run no JS again (its JS thread ended), whose client would otherwise wait for
    /// them for ever: those of the reactions queued to run, with the settlement each carries, and
    /// the subscriptions of the promises yet to settle.
    pub fn take_notices(&self) -> Notices {
        let notice = |r: &Reaction| match (&r.on_fulfilled, &r.on_rejected) {
            (Handler::Notify(sub), _) | (_, Handler::Notify(sub)) => Some(*sub),
            _ => None,
        };
        let mut notices = Notices::default();
        let mut heap = self.heap.borrow_mut();
        let ids: Vec<ObjectId> = heap.live_ids().collect();
        for id in ids {
            if let Some(ObjectClass::Promise(data)) = heap.get_mut(id).map(|o| &mut o.class) {
                data.reactions.retain(|r| notice(r).map(|sub| notices.pending.push(sub)).is_none());
            }
        }
        let mut queue = self.microtasks.borrow_mut();
        let (noticed, rest): (JobQueue, JobQueue) =
            queue.drain(..).partition(|job| matches!(job, Job::React { reaction, .. } if notice(reaction).is_some()));
        *queue = rest;
        for job in noticed {
            if let Job::React { reaction, fulfilled, argument } = job {
                notices.settled.extend(notice(&reaction).map(|sub| (sub, fulfilled, argument)));
            }
        }
        notices
    }

    fn react(&self, reaction: Reaction, fulfilled: bool, argument: Value) {
        let handler = if fulfilled { reaction.on_fulfilled } else { reaction.on_rejected };
        let outcome: JsResult<Value> = match handler {
            Handler::Notify(sub) => {
                let outside = self.outside.borrow().clone();
                if let Some(o) = outside {
                    o.promise_settled(self, sub, fulfilled, argument);
                }
                return;
            }
            Handler::Js(f) if self.is_callable(&f) => self.call(&f, Value::Undefined, &[argument]),
            Handler::Js(_) if fulfilled => Ok(argument),
            Handler::Js(_) => Err(Thrown(argument)),
        };
        if let Some(d) = reaction.derived {
            match outcome {
                Ok(v) => self.resolve_promise(d, v),
                Err(Thrown(e)) => self.reject_promise(d, e),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::NoNative;

    fn notify(rt: &Runtime, promise: ObjectId, subscription: u64) {
        let handler = Handler::Notify(subscription);
        rt.add_reaction(promise, Reaction { on_fulfilled: handler.clone(), on_rejected: handler, derived: None });
    }

    /// What a runtime owed its client when it stopped: a settlement queued is taken with its
    /// value, a promise yet to settle by its subscription, and neither is left to come later; a
    /// JS reaction stays where it was.
    #[test]
    fn the_notices_still_to_come_are_taken_out_with_what_they_carry() {
        let rt = Runtime::new(Box::new(NoNative));
        let (settled, pending, other) = (rt.new_promise(), rt.new_promise(), rt.new_promise());
        notify(&rt, settled, 7);
        notify(&rt, pending, 8);
        let derived = rt.promise_then(other, Value::Undefined, Value::Undefined);
        rt.reject_promise(settled, Value::Number(3.0));
        rt.resolve_promise(other, Value::Number(4.0));

        let notices = rt.take_notices();
        assert_eq!(notices.pending, [8]);
        let settled: Vec<_> = notices.settled.iter().map(|(sub, fulfilled, v)| (*sub, *fulfilled, v.clone())).collect();
        assert!(matches!(settled.as_slice(), [(7, false, Value::Number(n))] if *n == 3.0), "{settled:?}");
        assert!(rt.take_notices().pending.is_empty() && rt.take_notices().settled.is_empty(), "taken once");

        rt.run_microtasks();
        assert!(matches!(rt.promise_state(derived), Some(PromiseState::Fulfilled(Value::Number(n))) if n == 4.0));
    }
}
