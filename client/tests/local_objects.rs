//! The host's calls into the program's own objects (`LocalObjects`), to any depth, from
//! requests and from the addon's threads, and promises waited for: in both modes, no Python.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use napi_client::session::{Error, HostValue, LocalError, LocalObjects, Session};
use napi_protocol::{Op, PyRef, Value};

use common::link_waits::until_a_thread_reads_the_link;
use common::{addon, both, both_with};

/// A local function `f(n)` that answers `recurse(f, n)`: each level a request made inside the
/// host's call of the level above, on its chain.
#[derive(Default)]
struct Recursing {
    recurse: Mutex<Option<Value>>,
}

impl LocalObjects for Recursing {
    fn call(&self, session: &Session, func: PyRef, _: HostValue, args: Vec<HostValue>) -> Result<Value, LocalError> {
        let recurse = self.recurse.lock().unwrap().clone().expect("set before the call");
        let me = Value::Py { id: func, callable: true };
        session
            .call(&recurse, Value::Undefined, vec![me, args[0].value().clone()])
            .map(HostValue::into_value)
            .map_err(|e| LocalError { type_name: "RuntimeError".into(), message: e.to_string() })
    }
}

#[test]
fn callbacks_nest_to_any_depth() {
    let local = Arc::new(Recursing::default());
    both_with(local.clone(), |session| {
        let addon = session.load(&addon("functions")).unwrap();
        let exports = addon.exports();
        let recurse = session.get(exports, "recurse").unwrap();
        *local.recurse.lock().unwrap() = Some(recurse.value().clone());
        let f = Value::Py { id: session.new_local(), callable: true };
        // recurse(f, d) = f(d - 1) + 1, and f(k) = recurse(f, k): d levels of nested calls.
        let depth = 40.0;
        assert_eq!(session.call(&recurse, Value::Undefined, vec![f, Value::Number(depth)]).unwrap(), Value::Number(depth));
    });
}

/// A local function that raises.
struct Raising;

impl LocalObjects for Raising {
    fn call(&self, _: &Session, _: PyRef, _: HostValue, _: Vec<HostValue>) -> Result<Value, LocalError> {
        Err(LocalError { type_name: "ValueError".into(), message: "no such thing".into() })
    }
}

#[test]
fn a_local_error_is_thrown_in_the_host() {
    both_with(Arc::new(Raising), |session| {
        let addon = session.load(&addon("functions")).unwrap();
        let exports = addon.exports();
        let call = session.get(exports, "call").unwrap();
        let f = Value::Py { id: session.new_local(), callable: true };
        // call(fn, this) -> fn.call(this): the error goes through the addon back to the caller.
        match session.call(&call, Value::Undefined, vec![f, Value::Undefined]) {
            Err(Error::Thrown(thrown)) => {
                let message = thrown.error.map(|e| e.message).unwrap_or_default();
                assert!(message.contains("no such thing"), "{message}");
            }
            other => panic!("a raising callback answered {other:?}"),
        }
    });
}

#[test]
fn promises_settle_into_values_and_errors() {
    both(|session| {
        let addon = session.load(&addon("promises")).unwrap();
        let exports = addon.exports();
        let (deferred, resolve, reject) = (
            session.get(exports, "deferred").unwrap(),
            session.get(exports, "resolveLast").unwrap(),
            session.get(exports, "rejectLast").unwrap(),
        );
        let promise = session.call(&deferred, Value::Undefined, vec![]).unwrap();
        session.call(&resolve, Value::Undefined, vec![Value::Number(7.0)]).unwrap();
        assert_eq!(session.await_promise(&promise).unwrap(), Value::Number(7.0));
        let promise = session.call(&deferred, Value::Undefined, vec![]).unwrap();
        session.call(&reject, Value::Undefined, vec![Value::String("refused".into())]).unwrap();
        match session.await_promise(&promise) {
            Err(Error::Thrown(thrown)) => assert_eq!(thrown.value, Value::String("refused".into())),
            other => panic!("a rejected promise answered {other:?}"),
        }
    });
}

#[test]
fn a_promise_waited_for_before_it_settles() {
    both(|session| {
        let addon = session.load(&addon("promises")).unwrap();
        let exports = addon.exports();
        let promise = session.call(&session.get(exports, "deferred").unwrap(), Value::Undefined, vec![]).unwrap();
        let resolve = session.get(exports, "resolveLast").unwrap();
        std::thread::scope(|s| {
            let waiter = s.spawn(|| session.await_promise(&promise));
            session.call(&resolve, Value::Undefined, vec![Value::String("later".into())]).unwrap();
            assert_eq!(waiter.join().unwrap().unwrap(), Value::String("later".into()));
        });
    });
}

/// Counts its calls on a channel.
struct Counting(Mutex<Sender<()>>);

impl LocalObjects for Counting {
    fn call(&self, _: &Session, _: PyRef, _: HostValue, _: Vec<HostValue>) -> Result<Value, LocalError> {
        self.0.lock().unwrap().send(()).unwrap();
        Ok(Value::Undefined)
    }
}

#[test]
fn threadsafe_calls_from_the_addons_threads_reach_local_objects() {
    let (sender, calls) = channel();
    both_with(Arc::new(Counting(Mutex::new(sender))), |session| {
        let addon = session.load(&addon("tsfn")).unwrap();
        let exports = addon.exports();
        let default_call = session.get(exports, "defaultCall").unwrap();
        let f = Value::Py { id: session.new_local(), callable: true };
        // A thread of the addon's calls f 25 times through a threadsafe function.
        session.call(&default_call, Value::Undefined, vec![Value::Number(25.0), f]).unwrap();
        for n in 0..25 {
            calls.recv_timeout(Duration::from_secs(30)).unwrap_or_else(|e| panic!("call {n} of 25 never came: {e}"));
        }
    });
}

/// Answers each call by calling the host's `add(n, 1)` from inside it, sending the sum.
struct AddingInside {
    add: Mutex<Option<Value>>,
    sums: Mutex<Sender<Value>>,
}

impl LocalObjects for AddingInside {
    fn call(&self, session: &Session, _: PyRef, _: HostValue, _: Vec<HostValue>) -> Result<Value, LocalError> {
        let add = self.add.lock().unwrap().clone().expect("set before the calls");
        let sum = session.call(&add, Value::Undefined, vec![Value::Number(41.0), Value::Number(1.0)]).map(HostValue::into_value);
        self.sums.lock().unwrap().send(sum.map_err(|e| e.to_string()).unwrap_or_else(Value::String)).unwrap();
        Ok(Value::Undefined)
    }
}

#[test]
fn an_events_local_call_makes_requests_of_its_own() {
    let (sender, sums) = channel();
    let local = Arc::new(AddingInside { add: Mutex::default(), sums: Mutex::new(sender) });
    both_with(local.clone(), |session| {
        let bench = session.load(&addon("bench")).unwrap();
        *local.add.lock().unwrap() = Some(bench.property("add").cloned().unwrap());
        let tsfn = session.load(&addon("tsfn")).unwrap();
        let default_call = tsfn.property("defaultCall").unwrap();
        let f = Value::Py { id: session.new_local(), callable: true };
        session.call(default_call, Value::Undefined, vec![Value::Number(3.0), f]).unwrap();
        for n in 0..3 {
            let sum = sums.recv_timeout(Duration::from_secs(30)).unwrap_or_else(|e| panic!("call {n} of 3 never came: {e}"));
            assert_eq!(sum, Value::Number(42.0));
        }
    });
}

/// A local function that lets go of what it is called with.
struct Dropping;

impl LocalObjects for Dropping {
    fn call(&self, _: &Session, _: PyRef, _: HostValue, _: Vec<HostValue>) -> Result<Value, LocalError> {
        Ok(Value::Undefined)
    }
}

#[test]
fn what_a_local_call_is_given_is_released_when_it_lets_go() {
    both_with(Arc::new(Dropping), |session| {
        let addon = session.load(&addon("functions")).unwrap();
        let call = addon.property("call").unwrap();
        let collect = || session.request(Op::Gc).unwrap().into_value();
        // call(fn, this) -> fn.call(this): the host sends `this` to the local call.
        let call_on = |this: Value| {
            let f = Value::Py { id: session.new_local(), callable: true };
            session.call(call, Value::Undefined, vec![f, this]).unwrap();
        };
        collect();
        // What a call leaves to collect by itself (the local function's stand-in).
        call_on(Value::Number(1.0));
        let alone = collect();
        let array = session.request(Op::NewArray { items: Vec::new() }).unwrap();
        call_on(array.value().clone());
        drop(array);
        let Value::Number(alone) = alone else { panic!("the collection answered {alone:?}") };
        assert_eq!(collect(), Value::Number(alone + 1.0), "neither the program nor the local call holds the array");
    });
}

/// A local function with a bug: it panics, once a thread waits on the link (`go`, then reading it).
struct Panicking {
    go: Mutex<Receiver<()>>,
}

impl LocalObjects for Panicking {
    fn call(&self, session: &Session, _: PyRef, _: HostValue, _: Vec<HostValue>) -> Result<Value, LocalError> {
        self.go.lock().unwrap().recv_timeout(Duration::from_secs(30)).expect("the test starts a waiter");
        until_a_thread_reads_the_link(session);
        panic!("a local object's bug")
    }
}

/// The dispatcher's violation wakes a thread already reading the link: in-process too, where
/// no kill ends the host's end of it.
#[test]
fn an_event_the_program_panics_on_ends_the_host_with_why() {
    let (go, gate) = channel();
    both_with(Arc::new(Panicking { go: Mutex::new(gate) }), |session| {
        let tsfn = session.load(&addon("tsfn")).unwrap();
        let f = Value::Py { id: session.new_local(), callable: true };
        // A thread of the addon's calls f once, an event on the session's dispatcher.
        session.call(tsfn.property("defaultCall").unwrap(), Value::Undefined, vec![Value::Number(1.0), f]).unwrap();
        let (sender, ended) = channel();
        let link = session.channel().clone();
        std::thread::spawn(move || sender.send(link.wait_dead()));
        go.send(()).unwrap();
        let dead = ended.recv_timeout(Duration::from_secs(30)).expect("the waiter is woken by the host's end");
        assert!(dead.message.contains("internal error: a local object's bug"), "{}", dead.message);
    });
}

/// A local function that closes its own session, then says so.
struct Closing(Mutex<Sender<()>>);

impl LocalObjects for Closing {
    fn call(&self, session: &Session, _: PyRef, _: HostValue, _: Vec<HostValue>) -> Result<Value, LocalError> {
        session.close();
        self.0.lock().unwrap().send(()).unwrap();
        Ok(Value::Number(42.0))
    }
}

/// A local call of the addon's thread closes its own session; a second close, from the test's
/// thread, returns once the host has torn down (the addon's finalizer has run). The core runs
/// local calls off the host thread; a binding that runs them on it (Python, in-process) needs the
/// second close to wait, as `tests/napi/test_tsfn.py` checks.
#[test]
fn a_local_call_may_close_its_own_session() {
    let (sender, closed) = channel();
    both_with(Arc::new(Closing(Mutex::new(sender))), |session| {
        static RUN: AtomicUsize = AtomicUsize::new(0);
        let run = RUN.fetch_add(1, Ordering::Relaxed);
        let marker = std::env::temp_dir().join(format!("napi-client-finalized-{}-{run}", std::process::id()));
        let tsfn = session.load(&addon("tsfn")).unwrap();
        let f = Value::Py { id: session.new_local(), callable: true };
        let path = Value::String(marker.to_string_lossy().into_owned());
        // A thread of the addon's calls f 1000 times; the first call closes the session. That call
        // runs on the session's dispatcher and may close it before this thread has read
        // defaultCall's answer (1 run in 8 of this file, beside its other tests): then this call
        // ends as any call in flight does when its session is closed.
        let started = session.call(tsfn.property("defaultCall").unwrap(), Value::Undefined, vec![Value::Number(1000.0), f, path]);
        if let Err(e) = started {
            assert!(matches!(e, Error::Dead(_)) && !session.alive(), "defaultCall failed with the session alive: {e}");
        }
        closed.recv_timeout(Duration::from_secs(30)).expect("the first call came");
        session.close();
        assert!(!session.alive());
        let finalized = std::fs::read_to_string(&marker).unwrap_or_else(|e| panic!("no teardown before close returned: {e}"));
        std::fs::remove_file(&marker).unwrap();
        assert_eq!(finalized.lines().collect::<Vec<_>>(), ["finalized, received 0"]);
    });
}
