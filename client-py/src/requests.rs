//! The requests and calls made over a `Connection`, and the Python calls its host makes back.
//!
//! A request is written by the calling thread, which then waits (without the GIL) for the reply
//! of its chain. Calls from the host into Python arrive on the same chain and run on that same
//! thread, which may send nested requests on the chain, to any depth. In-process, a request or
//! call may instead run on the calling thread itself (`transport`, `direct`), its Python calls
//! inline.

use std::time::Instant;

use napi_host::inprocess::{Call, Direct};
use napi_host::Caller;
use napi_protocol::{
    CallId, ChainId, ClientMessage, ObjectId, Op, Outcome, PyException, PyRef, RefKind, Request, RequestId, Value, EVENT_CHAIN,
};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};
use smallvec::SmallVec;

use crate::channel::{Channel, Incoming};
use crate::connection::Connection;
use crate::convert::{self, dead_error, Cx};
use crate::direct;
use crate::exiting::{self, exiting_error, Late};
use crate::inbound::Violation;
use crate::jsref::JSRef;
use crate::panics::caught;
use crate::quick::Quick;
use crate::subscriptions::Subscriptions;
use crate::transport::{self, Route};

/// A request sent over the rings, however it ends: its reply is no longer waited for (one that
/// still comes is dropped), a top-level chain's mailbox closes, and a settlement nobody claimed
/// for it is dropped.
struct InFlight<'a> {
    channel: &'a Channel,
    subscriptions: &'a Subscriptions,
    id: RequestId,
    chain: ChainId,
    top: bool,
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.channel.end(self.id, self.chain, self.top);
        self.subscriptions.done(self.id);
    }
}

/// The method table of class prototype `proto`, asking the host the first time.
pub fn class_members(slf: &Bound<'_, Connection>, proto: u64) -> PyResult<Py<PyDict>> {
    let py = slf.py();
    if let Some(m) = slf.get().cached_members(py, proto) {
        return Ok(m);
    }
    // No lock while the request runs: it may call into Python.
    let fetched = request(slf, Op::DescribeClass { proto: ObjectId(proto) })?;
    let dict = fetched.into_bound(py).downcast_into::<PyDict>()?.unbind();
    Ok(slf.get().cache_members(py, proto, dict))
}

/// A property of `target`: `target[key]`.
pub fn get_property(slf: &Bound<'_, Connection>, target: &Bound<'_, PyAny>, key: &Bound<'_, PyAny>) -> PyResult<PyObject> {
    request_of(slf, |cx| Ok(Op::Get { target: cx.to_wire(target)?, key: cx.to_wire(key)? }))
}

/// JS's `key in target`.
pub fn has_property(slf: &Bound<'_, Connection>, target: &Bound<'_, PyAny>, key: &Bound<'_, PyAny>) -> PyResult<PyObject> {
    request_of(slf, |cx| Ok(Op::Has { target: cx.to_wire(target)?, key: cx.to_wire(key)? }))
}

/// Sends the `Op` that `op` makes of Python values, converting them with the converter the reply
/// is then converted with (a request of references and keys: nothing of theirs is written back).
pub fn request_of<'py>(slf: &Bound<'py, Connection>, op: impl FnOnce(&Cx<'_, 'py>) -> PyResult<Op>) -> PyResult<PyObject> {
    let cx = Cx::new(slf)?;
    let op = caught(slf.py(), || op(&cx))?;
    request_with(slf, &cx, op, None)
}

/// Sends `op` and waits for its reply, running the Python calls it causes on the way.
pub fn request(slf: &Bound<'_, Connection>, op: Op) -> PyResult<PyObject> {
    let cx = Cx::new(slf)?;
    request_with(slf, &cx, op, None)
}

/// `request`, converting with `cx`; `quick` says how the last call of the function it calls
/// went (D38).
fn request_with(slf: &Bound<'_, Connection>, cx: &Cx<'_, '_>, op: Op, quick: Option<&Quick>) -> PyResult<PyObject> {
    // The whole request is inside the exit gate, Python callbacks included: a thread that
    // finished a callback while the interpreter finalized would be ended with our frames on
    // its stack (D23), so exit waits for requests in flight (briefly) instead.
    // A panic on the way (our bug, or data that finds one) is an ordinary exception.
    caught(slf.py(), || exiting::inside(|| request_inside(slf, cx, op, quick)).unwrap_or_else(|| Err(exiting_error())))
}

fn request_inside(slf: &Bound<'_, Connection>, cx: &Cx<'_, '_>, op: Op, quick: Option<&Quick>) -> PyResult<PyObject> {
    let this = slf.get();
    let channel = &*this.channel;
    if channel.forked() {
        return Err(this.forked_error(slf.py()));
    }
    let id = channel.next_id(slf.py());
    let active = this.active_chain();
    let chain = active.map_or(id, |(c, _)| c);
    let request = Request { id, chain, releases: channel.take_releases(), forgotten: channel.take_forgotten(), op };
    // The one decision between the two ways to a host (crate::transport).
    if let Some(shared) = transport::here(channel, active.map(|(_, route)| route)) {
        if shared.held_here() || shared.takes_directly(&request.op) {
            // Inside the gate already (`request_with`).
            let mut served = napi_host::Served::default();
            if serve_here(slf, shared, Direct::Request(&request), quick, &Late::default(), &mut served)? {
                return this.served(cx, id, served);
            }
        }
    }
    over_rings(slf, cx, request, active.is_none())
}

/// Sends `request` over the rings and waits for its reply. `top`: it starts its chain.
/// The timeout runs from here: sending waits for room in the ring within it too.
fn over_rings(slf: &Bound<'_, Connection>, cx: &Cx<'_, '_>, request: Request, top: bool) -> PyResult<PyObject> {
    let py = slf.py();
    let this = slf.get();
    let channel = &*this.channel;
    let deadline = channel.deadline();
    let (id, chain) = (request.id, request.chain);
    channel.begin(id, chain).map_err(|d| dead_error(py, &d))?;
    this.subscriptions.expect(id);
    let _in_flight = InFlight { channel, subscriptions: &this.subscriptions, id, chain, top };
    channel.send(ClientMessage::Request(request), deadline).map_err(|d| dead_error(py, &d))?;
    await_reply(slf, cx, chain, id, deadline)
}

/// `call`, with the arguments as they are (a tuple's items): `func(*args)` on `this`, for
/// any callable Python hands over. Proxies go on to `call_ref`.
pub fn call_with(
    slf: &Bound<'_, Connection>,
    func: &Bound<'_, PyAny>,
    this: &Bound<'_, PyAny>,
    args: &[Bound<'_, PyAny>],
) -> PyResult<PyObject> {
    caught(slf.py(), || call_any(slf, func, this, args))
}

fn call_any(
    slf: &Bound<'_, Connection>,
    func: &Bound<'_, PyAny>,
    this: &Bound<'_, PyAny>,
    args: &[Bound<'_, PyAny>],
) -> PyResult<PyObject> {
    if let Ok(f) = func.downcast::<JSRef>() {
        if this.is_none() {
            return call_ref(slf, f, None, args);
        }
        if let Ok(t) = this.downcast::<JSRef>() {
            return call_ref(slf, f, Some(t), args);
        }
    }
    call_requested(slf, func, this, args)
}

/// A call of a function proxy on a proxy (or on nothing): the way of `JSFunction`s and
/// `JSMethod`s, whose types are known, so nothing is checked again (D51). In-process it is
/// made as a direct call when it can be (no `Request` built: the commonest request).
pub fn call_ref(
    slf: &Bound<'_, Connection>,
    func: &Bound<'_, JSRef>,
    this: Option<&Bound<'_, JSRef>>,
    args: &[Bound<'_, PyAny>],
) -> PyResult<PyObject> {
    let conn = slf.get();
    if conn.channel.forked() {
        return Err(conn.forked_error(slf.py()));
    }
    let mine = |r: &Bound<'_, JSRef>| r.get().conn.is(slf);
    let active = conn.active_chain();
    if let Some(shared) = transport::here(&conn.channel, active.map(|(_, route)| route)) {
        if mine(func) && this.is_none_or(mine) && (!shared.threaded() || shared.held_here()) {
            if !exiting::is_open() {
                return Err(exiting_error());
            }
            // Entered only if the call lets go of the GIL or runs Python code (D49).
            let gate = Late::default();
            return call_here(slf, shared, active.map(|(c, _)| c), &gate, func, this, args);
        }
    }
    let none = slf.py().None().into_bound(slf.py());
    call_requested(slf, func.as_any(), this.map_or(&none, |t| t.as_any()), args)
}

/// `call_ref` as a direct call; over the rings if the host turns it away (its calls came to
/// stay on its thread meanwhile, or it is gone: the rings then say how).
#[allow(clippy::too_many_arguments, reason = "the call's parts, as call_ref has them")]
fn call_here(
    slf: &Bound<'_, Connection>,
    shared: &napi_host::inprocess::InProcess,
    chain: Option<ChainId>,
    gate: &Late,
    func: &Bound<'_, JSRef>,
    this: Option<&Bound<'_, JSRef>>,
    args: &[Bound<'_, PyAny>],
) -> PyResult<PyObject> {
    let conn = slf.get();
    let channel = &*conn.channel;
    let cx = Cx::new(slf)?;
    let mut wire = SmallVec::<[Value; 4]>::with_capacity(args.len());
    for a in args {
        // Numbers, the commonest arguments, made where they go: a value handed back from
        // `to_wire` (not inlined) is read in wider loads than it was written with, a
        // store-forwarding stall per argument.
        match convert::number(a) {
            Some(n) => wire.push(Value::Number(n)),
            None => wire.push(cx.to_wire(a)?),
        }
    }
    let id = channel.next_id(slf.py());
    let top = chain.is_none();
    let chain = chain.unwrap_or(id);
    let func_id = ObjectId(func.get().id);
    let this_id = this.map(|t| ObjectId(t.get().id));
    let call = Call {
        id,
        chain,
        func: func_id,
        this: this_id,
        args: &wire,
        releases: channel.take_releases(),
        forgotten: channel.take_forgotten(),
    };
    let mut served = napi_host::Served::default();
    let result = match serve_here(slf, shared, Direct::Call(&call), Some(&func.get().quick), gate, &mut served)? {
        true => conn.served(&cx, id, served),
        false => {
            let Call { releases, forgotten, .. } = call;
            let this = this_id.map_or(Value::Undefined, |t| cx.proxy_value(t));
            let op = Op::Call { func: cx.proxy_value(func_id), this, args: wire.into_vec() };
            let request = Request { id, chain, releases, forgotten, op };
            gate.enter();
            over_rings(slf, &cx, request, top)
        }
    };
    cx.write_back()?;
    result
}

/// Serves `op` on this thread (`direct::serve`), running the Python calls the addon makes
/// meanwhile inline on the op's chain, into `served`. False: the host cannot take it here.
fn serve_here(
    slf: &Bound<'_, Connection>,
    shared: &napi_host::inprocess::InProcess,
    op: Direct<'_>,
    quick: Option<&Quick>,
    gate: &Late,
    served: &mut napi_host::Served,
) -> PyResult<bool> {
    let calls = InlineCalls { conn: slf.as_unbound(), chain: op.chain(), gate };
    direct::serve(slf.py(), shared, op, quick, gate, &calls, served)
}

/// The call as a request (values of every kind, a host on another thread or process).
fn call_requested(
    slf: &Bound<'_, Connection>,
    func: &Bound<'_, PyAny>,
    this: &Bound<'_, PyAny>,
    args: &[Bound<'_, PyAny>],
) -> PyResult<PyObject> {
    callee_requested(slf, func, |cx, func| Ok(Op::Call { func, this: cx.to_wire(this)?, args: cx.to_wire_args(args)? }))
}

pub fn construct_with(slf: &Bound<'_, Connection>, ctor: &Bound<'_, PyAny>, args: &[Bound<'_, PyAny>]) -> PyResult<PyObject> {
    caught(slf.py(), || callee_requested(slf, ctor, |cx, ctor| Ok(Op::Construct { ctor, args: cx.to_wire_args(args)? })))
}

/// A call or construction of `callee` as a request (`op` makes it of the callee's value), with
/// the addon's writes into the buffers among its arguments copied back when it returns.
fn callee_requested<'py>(
    slf: &Bound<'py, Connection>,
    callee: &Bound<'py, PyAny>,
    op: impl FnOnce(&Cx<'_, 'py>, Value) -> PyResult<Op>,
) -> PyResult<PyObject> {
    let cx = Cx::new(slf)?;
    let (callee, quick) = cx.callee(callee)?;
    let op = op(&cx, callee)?;
    let result = request_with(slf, &cx, op, quick);
    cx.write_back()?;
    result
}

/// Waits for the reply to request `id` of `chain`, running the Python calls of the chain
/// that come first. The host has until `deadline` for its first message, and the timeout
/// afresh for each one after a Python call (time spent in Python is not the host's).
fn await_reply(
    slf: &Bound<'_, Connection>,
    cx: &Cx<'_, '_>,
    chain: ChainId,
    id: RequestId,
    deadline: Option<Instant>,
) -> PyResult<PyObject> {
    let py = slf.py();
    let this = slf.get();
    let channel = &*this.channel;
    let mut deadline = deadline;
    loop {
        let waited = exiting::allow_threads_inside(py, || channel.wait(chain, deadline));
        let Some(waited) = waited else { return Err(exiting_error()) };
        match waited {
            Err(d) => return Err(dead_error(py, &d)),
            Ok(Incoming::Reply { id: rid, outcome }) if rid == id => return this.answered(cx, id, outcome),
            // The reply of a nested request whose waiter gave up (an exception on its way).
            Ok(Incoming::Reply { .. }) => continue,
            Ok(Incoming::Call { call, func, this: t, args }) => this.run_callback(cx, chain, call, func, t, args)?,
            // Events reach a request only when it runs on the event chain (made from inside
            // an event callback): handle them in order, as the dispatcher would.
            Ok(event) => this.handle_event(cx, event)?,
        }
        deadline = channel.deadline();
    }
}

/// Runs a Python call of a direct call's host on the thread making that call, or of an event
/// turn on the in-process host thread.
pub(crate) fn run_python_inline(
    slf: &Bound<'_, Connection>,
    chain: ChainId,
    func: PyRef,
    this: Value,
    args: Vec<Value>,
) -> Result<Value, PyException> {
    let this_conn = slf.get();
    let cx = match Cx::new(slf) {
        Ok(cx) => cx,
        Err(e) => return Err(this_conn.as_js_error(slf.py(), e)),
    };
    this_conn.run_python(&cx, chain, Route::Inline, func, this, args)
}

/// Runs `events` in order on the event chain (the dispatcher's turn), then lets go of the
/// Python objects the host dropped. A failing event is reported as unraisable; the next
/// one still runs.
pub fn run_events(slf: &Bound<'_, Connection>, events: impl IntoIterator<Item = Incoming>) {
    let py = slf.py();
    let this = slf.get();
    this.running(EVENT_CHAIN, Route::Message, || {
        for event in events {
            if let Err(e) = Cx::new(slf).and_then(|cx| this.handle_event(&cx, event)) {
                e.write_unraisable(py, Some(slf.as_any()));
            }
        }
    });
    this.handle_drops();
}

pub fn wire(slf: &Bound<'_, Connection>, v: &Bound<'_, PyAny>) -> PyResult<Value> {
    caught(slf.py(), || Cx::new(slf)?.to_wire(v))
}

pub fn wire_all(slf: &Bound<'_, Connection>, items: &Bound<'_, PyTuple>) -> PyResult<Vec<Value>> {
    caught(slf.py(), || {
        let cx = Cx::new(slf)?;
        items.iter().map(|i| cx.to_wire(&i)).collect()
    })
}

impl Connection {
    /// The value of a request served on this thread (in-process): what the host sent ahead of
    /// its reply, then the reply's.
    fn served(&self, cx: &Cx<'_, '_>, id: RequestId, served: napi_host::Served) -> PyResult<PyObject> {
        if served.before.is_empty() {
            // The commonest answer, a primitive with nothing ahead of it, converted where it lies.
            if let Outcome::Ok(v) = &served.outcome {
                if convert::is_primitive(v) {
                    self.handle_drops();
                    return cx.primitive_value(v);
                }
            }
        }
        for early in served.before {
            self.take_early(cx, early)?;
        }
        self.answered(cx, id, served.outcome)
    }

    /// What a direct call's host sent ahead of its reply: a settlement of the promise the reply
    /// makes (D22), kept until the promise is claimed.
    fn take_early(&self, cx: &Cx<'_, '_>, early: napi_protocol::ServerMessage) -> PyResult<()> {
        match early {
            napi_protocol::ServerMessage::Settled { subscription, outcome } => self
                .subscriptions
                .settled(cx.py, subscription, outcome, &|o| cx.settlement(o))
                .unwrap_or_else(|v| Err(self.violated(cx.py, v))),
            _ => Ok(()),
        }
    }

    /// The host broke the protocol: it is ended, and the caller raises why.
    fn violated(&self, py: Python<'_>, v: Violation) -> PyErr {
        dead_error(py, &self.channel.violation(v))
    }

    /// What a call of a forked child raises for a connection of its parent.
    #[cold]
    fn forked_error(&self, py: Python<'_>) -> PyErr {
        match self.channel.dead() {
            Some(d) => dead_error(py, &d),
            None => pyo3::exceptions::PyRuntimeError::new_err("internal error: a forked connection is alive"),
        }
    }

    /// The value of request `id`'s reply.
    fn answered(&self, cx: &Cx<'_, '_>, id: RequestId, outcome: Outcome) -> PyResult<PyObject> {
        let py = cx.py;
        self.handle_drops();
        // The host subscribed to a promise it answers with, under this request's id.
        let promise = matches!(&outcome, Outcome::Ok(Value::Js(r)) if r.kind == RefKind::Promise);
        let value = cx.outcome(outcome)?;
        if promise {
            let settlement = cx.hooks.claimed.bind(py).call1((&value,))?;
            self.subscriptions.claim(py, id, &settlement, &|o| cx.settlement(o))?;
        }
        Ok(value)
    }

    /// Runs a Python call the host asked for by message and sends its answer.
    fn run_callback(&self, cx: &Cx<'_, '_>, chain: ChainId, call: CallId, func: PyRef, this: Value, args: Vec<Value>) -> PyResult<()> {
        if self.channel.gone() {
            // Sent before the host ended or was closed: nobody would get the answer, and no
            // Python code of an addon's runs once its closing has begun.
            return Ok(());
        }
        let result = self.run_python(cx, chain, Route::Message, func, this, args);
        // A host that ended meanwhile (closed by the callback itself, say) waits for no answer:
        // the failed send is no error of the callback's, and whoever waits on the chain learns
        // of the end from the channel.
        let _ = self.channel.send(ClientMessage::CallbackResult { call, result }, self.channel.deadline());
        Ok(())
    }

    /// Runs the Python call `func(this?, *args)` of `chain`, which reached this thread by
    /// `route`. A Python exception is answered as a JS error that remembers the exception.
    fn run_python(
        &self,
        cx: &Cx<'_, '_>,
        chain: ChainId,
        route: Route,
        func: PyRef,
        this: Value,
        args: Vec<Value>,
    ) -> Result<Value, PyException> {
        let py = cx.py;
        let run = || -> PyResult<Value> {
            let f = self.exported(py, func.0)?;
            let mut py_args = Vec::with_capacity(args.len() + 1);
            // `js.function(f, receives_this=True)` wraps callables that take `this` first.
            if cx.hooks.receives_this(f.bind(py)) {
                py_args.push(cx.from_wire(this)?);
            }
            for a in args {
                py_args.push(cx.from_wire(a)?);
            }
            let r = f.bind(py).call1(PyTuple::new(py, py_args)?)?;
            cx.to_wire(&r)
        };
        let result = self.running(chain, route, run);
        result.map_err(|e| self.as_js_error(py, e))
    }

    /// A Python exception as the host gets it: it becomes a JS error that remembers it.
    fn as_js_error(&self, py: Python<'_>, e: PyErr) -> PyException {
        let exc = e.value(py);
        let type_name = exc.get_type().name().map(|n| n.to_string()).unwrap_or_else(|_| "Exception".into());
        let message = exc.str().map(|s| s.to_string()).unwrap_or_default();
        let exception = PyRef(self.export(py, exc.as_any()).unwrap_or(0));
        PyException { exception, type_name, message }
    }

    /// Runs one event on the current thread (the dispatcher's, or a request's on the event chain).
    fn handle_event(&self, cx: &Cx<'_, '_>, event: Incoming) -> PyResult<()> {
        let py = cx.py;
        match event {
            Incoming::Call { call, func, this, args } => self.run_callback(cx, EVENT_CHAIN, call, func, this, args),
            Incoming::Settled { subscription, outcome } => {
                self.subscriptions.settled(py, subscription, outcome, &|o| cx.settlement(o)).unwrap_or_else(|v| Err(self.violated(py, v)))
            }
            Incoming::Uncaught(thrown) => {
                let exc = match cx.outcome(napi_protocol::Outcome::Thrown(thrown)) {
                    Ok(v) => v,
                    Err(e) => e.into_value(py).into_any(),
                };
                cx.hooks.uncaught.bind(py).call1((exc,))?;
                Ok(())
            }
            Incoming::Reply { .. } => Ok(()),
        }
    }
}

/// What a direct call's host calls back: Python functions run inline, with the GIL.
struct InlineCalls<'a> {
    conn: &'a Py<Connection>,
    chain: ChainId,
    gate: &'a Late,
}

impl Caller for InlineCalls<'_> {
    fn call_python(&self, func: PyRef, this: Value, args: Vec<Value>) -> Result<Value, PyException> {
        // Python code may let go of the GIL.
        self.gate.enter();
        Python::with_gil(|py| run_python_inline(self.conn.bind(py), self.chain, func, this, args))
    }

    fn waiting(&self, wait: &mut dyn FnMut()) {
        self.gate.enter();
        exiting::without_gil(wait);
    }
}
