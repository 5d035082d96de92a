//! A session's requests as direct calls: an in-process host serves them on the calling thread,
//! the local objects' calls it makes meanwhile run inline there, and what it copies straight
//! to its caller (a container, a string, a thrown error's parts) is made into a `Value`
//! tree here. A program with no interpreter lock has nothing to let go of: it waits for the JS
//! lock as it is (`DirectCaller`'s defaults).

use std::cell::RefCell;

use napi_host::caller::{ArgsStopped, Caller, Direct, Served};
use napi_host::event_calls::Settlement;
use napi_host::inline_python::{PythonArgs, PythonCallFailed, Refused};
use napi_host::inprocess::InProcess;
use napi_host::wire::{CopyInto, Stop};
use napi_protocol::value_tree::{walk, Step, TreeBuilder, ValueSink};
use napi_protocol::{ChainId, Failure, ObjectId, Outcome, PyException, PyRef, Request, TraceAnswer, Value};

use super::{serve, settle_before, DirectCaller};
use crate::session::chains::{self, CameBy};
use crate::session::exchange::Exchange;
use crate::session::{Error, HostValue, Requesting, Session};

/// `request` served by `host` as a direct call of `session`'s: its answer, or `None` when the
/// host turned it away (it then goes by message).
pub(in crate::session) fn request(session: &Session, host: &InProcess, request: &Request) -> Result<Option<HostValue>, Error> {
    let requesting = Requesting(session);
    let calls = LocalCalls { session, chain: request.chain, taken: RefCell::new(None) };
    let mut out = Served::default();
    requesting.began(request.id);
    let served = serve(host, Direct::Request(request), None, &calls, &mut out);
    let answer = match served {
        Ok(true) => settle_before(&requesting, out.before)
            .and_then(|()| requesting.reply(request.id, with_taken(out.outcome, calls.taken.into_inner()))),
        Ok(false) => {
            requesting.ended(request.id);
            return Ok(None);
        }
        Err(never) => match never {},
    };
    requesting.ended(request.id);
    answer.map(Some)
}

/// `outcome` with what the host copied to the caller in place of its placeholder: the value of
/// an `Ok` or of a thrown non-error, or an error's code and properties (`[[code], {props}]`).
fn with_taken(outcome: Outcome, taken: Option<Value>) -> Outcome {
    let Some(taken) = taken else { return outcome };
    match outcome {
        Outcome::Ok(_) => Outcome::Ok(taken),
        Outcome::Thrown(mut thrown) => {
            let mut taken = taken;
            match (&mut thrown.error, &mut taken) {
                (Some(error), Value::Array(parts)) if parts.len() == 2 => {
                    if let Value::Object(props) = &mut parts[1] {
                        error.props = std::mem::take(props);
                    }
                    if let Value::Array(code) = &mut parts[0] {
                        error.code = code.pop();
                    }
                }
                _ => thrown.value = taken,
            }
            Outcome::Thrown(thrown)
        }
        other => other,
    }
}

/// What a session's direct request provides while the host serves it: its local objects' calls,
/// on the request's chain, and the values the host copies to it.
struct LocalCalls<'s> {
    session: &'s Session,
    chain: ChainId,
    /// A container or string the host copied to the caller in place of its answer.
    taken: RefCell<Option<Value>>,
}

// SAFETY: the host calls a direct call's caller back only on the thread that makes the call
// (it holds the JS lock for it, or relays the call back to it), so `taken` is touched by that
// thread alone.
unsafe impl Sync for LocalCalls<'_> {}

impl DirectCaller for LocalCalls<'_> {
    type Error = std::convert::Infallible;
}

impl Caller for LocalCalls<'_> {
    fn call_python(
        &self,
        func: PyRef,
        args: &mut PythonArgs<'_>,
        result: &mut dyn ValueSink<Error = Failure>,
    ) -> Result<(), PythonCallFailed> {
        let mut given = Values::default();
        match args(true, &mut given) {
            Ok(()) => {}
            Err(Stop::TooLarge) => return Err(PythonCallFailed::TooLarge),
            Err(Stop::Sink(Refused)) => unreachable!("a tree of values refuses nothing"),
        }
        let channel = &self.session.inner.channel;
        let mut given_values = given.values.into_iter().map(|v| HostValue::new(v, channel));
        let this = given_values.next().unwrap_or_else(|| HostValue::new(Value::Undefined, channel));
        let local = &self.session.inner.local;
        let called = chains::running(channel, self.chain, CameBy::Inline, || local.call(self.session, func, this, given_values.collect()));
        match called {
            Ok(value) => feed(&value, result).map_err(PythonCallFailed::Failed),
            Err(e) => Err(PythonCallFailed::Raised(PyException { exception: PyRef(0), type_name: e.type_name, message: e.message })),
        }
    }

    fn trace(&self, _unreached: Vec<(PyRef, u64)>, _let_go: Vec<ObjectId>) -> TraceAnswer {
        // A session lends no proxies its local objects could keep in a cycle.
        TraceAnswer::Live
    }

    fn waiting(&self, wait: &mut dyn FnMut()) {
        wait();
    }

    fn later_args(&self, _sink: &mut dyn ValueSink<Error = Failure>) -> Result<(), ArgsStopped> {
        // A session's requests are made of values whole: it leaves nothing to the host.
        Ok(())
    }

    fn take_copy(&self, copy: &mut CopyInto<'_, Refused>) -> Result<(), Stop<Refused>> {
        let mut made = Values::default();
        copy(&mut made)?;
        *self.taken.borrow_mut() = made.values.pop();
        Ok(())
    }

    fn take_text(&self, text: &str) {
        *self.taken.borrow_mut() = Some(Value::String(text.into()));
    }

    fn settled_early(&self, _settlement: Settlement<'_>) -> bool {
        // Sent ahead of the reply instead (`settle_before`), as over the rings.
        false
    }
}

/// A sink of whole values, one after another (a call's `this` and arguments, a copied answer).
#[derive(Default)]
struct Values {
    tree: TreeBuilder,
    values: Vec<Value>,
}

impl Values {
    fn finish(&mut self) {
        if let Some(v) = self.tree.take() {
            self.values.push(v);
        }
    }
}

impl ValueSink for Values {
    type Error = Refused;

    fn leaf(&mut self, v: Value) -> Result<(), Refused> {
        let Ok(()) = self.tree.leaf(v);
        self.finish();
        Ok(())
    }

    fn open_array(&mut self, len: usize) -> Result<(), Refused> {
        let Ok(()) = ValueSink::open_array(&mut self.tree, len);
        self.finish();
        Ok(())
    }

    fn open_object(&mut self, len: usize) -> Result<(), Refused> {
        let Ok(()) = ValueSink::open_object(&mut self.tree, len);
        self.finish();
        Ok(())
    }

    fn key(&mut self, key: &str) -> Result<(), Refused> {
        let Ok(()) = ValueSink::key(&mut self.tree, key);
        Ok(())
    }
}

/// Walks `value` into the host's `sink` (a local call's result, made into the heap).
fn feed(value: &Value, sink: &mut dyn ValueSink<Error = Failure>) -> Result<(), Failure> {
    walk(value, |step| match step {
        Step::Leaf(Value::String(text)) => sink.text(text),
        Step::Leaf(leaf) => sink.leaf(leaf.clone()),
        Step::Array(items) => sink.open_array(items.len()),
        Step::Object(props) => sink.open_object(props.len()),
        Step::Key(key) => sink.key(key),
    })
}
