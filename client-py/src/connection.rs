//! `Connection`: one host process and the requests Python sends it.
//!
//! A request is written by the calling thread, which then waits (without the GIL) for the reply
//! of its chain. Calls from the host into Python arrive on the same chain and run on that same
//! thread, which may send nested requests on the chain, to any depth.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use napi_protocol::{
    CallId, ChainId, ClientMessage, Descriptor, JsRef, ObjectId, Op, Outcome, PyException, PyRef, RefKind, Request, RequestId, Value,
    EVENT_CHAIN,
};
use pyo3::exceptions::{PyKeyError, PyOSError};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple, PyWeakrefMethods, PyWeakrefReference};
use rustc_hash::FxHashMap;

use crate::channel::{Channel, Incoming};
use crate::convert::{dead_error, Cx};
use crate::hooks::hooks;
use crate::jsref::JSRef;
use crate::pending::Pending;
use crate::process;
use crate::quick::Quick;
use crate::rings::RingsLink;
use crate::shm::ClientShm;
use crate::subscriptions::Subscriptions;
use napi_host::inprocess::{Call, Direct};
use smallvec::SmallVec;

thread_local! {
    /// The chains this thread is running Python calls of, innermost last, per channel, each with
    /// whether it came by message (from the rings or the event socket) or inline (a direct
    /// call's): a request made from inside a callback continues that chain, the same way.
    static ACTIVE: RefCell<Vec<(usize, ChainId, Route)>> = const { RefCell::new(Vec::new()) };
}

/// How a Python call reached this thread, and so how the requests it makes go.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// By message: the host waits on its link for the answer, serving the chain's requests.
    Message,
    /// Inline, inside a direct call that holds the JS lock on this thread.
    Inline,
}

/// Python objects the host holds, by the id it knows them by.
#[derive(Default)]
struct Exported {
    /// The object, its identity key, and how many times it was sent.
    by_id: FxHashMap<u64, (PyObject, (usize, usize), u64)>,
    /// Identity of each exported object (bound methods by their function and instance, since
    /// Python makes a new one on every attribute access).
    by_identity: FxHashMap<(usize, usize), u64>,
    next: u64,
}

#[pyclass(frozen, weakref, module = "napi_python._native")]
pub struct Connection {
    pub channel: Arc<Channel>,
    exported: Mutex<Exported>,
    /// Live proxies by object id (weak), so one JS object is one Python proxy.
    proxies: Mutex<FxHashMap<u64, Py<PyWeakrefReference>>>,
    /// Method tables of class prototypes, fetched once each (`{name: function | "accessor" |
    /// "data"}`).
    class_members: Mutex<FxHashMap<u64, Py<PyDict>>>,
    /// Which settlement waits for which promise subscription.
    subscriptions: Arc<Subscriptions>,
    /// Set when the event dispatcher has run its last event.
    dispatched: Arc<crate::dispatcher::Finished>,
    /// JS undefined and null arrive as `js.undefined` and `js.null` instead of both as `None`
    /// (`Host(distinct_nulls=True)`).
    distinct_nulls: AtomicBool,
}

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

impl Connection {
    fn key(&self) -> usize {
        Arc::as_ptr(&self.channel) as usize
    }

    /// The chain this thread runs a Python callback of, innermost, if any, and how it came: a
    /// request made now continues it.
    fn active_chain(&self) -> Option<(ChainId, Route)> {
        let key = self.key();
        ACTIVE.with(|a| a.borrow().iter().rev().find(|(k, _, _)| *k == key).map(|(_, c, r)| (*c, *r)))
    }

    /// The id the host knows `obj` by, exporting it on first sight.
    pub fn export(&self, py: Python<'_>, obj: &Bound<'_, PyAny>) -> PyResult<u64> {
        // A bound method is made anew at each attribute access: it is known by its object and
        // function. (The type is compared first: a failed attribute lookup builds an exception.)
        let identity = if obj.get_type().is(hooks(py)?.method_type.bind(py)) {
            (obj.getattr(intern!(py, "__self__"))?.as_ptr() as usize, obj.getattr(intern!(py, "__func__"))?.as_ptr() as usize)
        } else {
            (obj.as_ptr() as usize, 0)
        };
        let mut ex = self.exported.lock().unwrap();
        if let Some(id) = ex.by_identity.get(&identity).copied() {
            ex.by_id.get_mut(&id).expect("both maps agree").2 += 1;
            return Ok(id);
        }
        ex.next += 1;
        let id = ex.next;
        ex.by_identity.insert(identity, id);
        ex.by_id.insert(id, (obj.clone().unbind(), identity, 1));
        // Drop notices may name it from now on.
        self.channel.exported.store(id, std::sync::atomic::Ordering::Relaxed);
        Ok(id)
    }

    /// Forgets the Python objects the host let go, unless they were sent again since (those
    /// sends are still in flight and the host will count them).
    #[inline]
    fn handle_drops(&self) {
        // A look first: nearly always there are none, and this follows every request.
        if self.channel.has_drops() {
            self.forget_dropped();
        }
        // Python buffers an in-process host gave back are Python's alone again (D61).
        if self.channel.shm.lends.any_back() {
            self.release_lends();
        }
    }

    #[cold]
    fn release_lends(&self) {
        // Called with the GIL held (after a request's answer).
        Python::with_gil(|py| self.channel.shm.lends.release_back(py));
    }

    #[cold]
    fn forget_dropped(&self) {
        let drops = self.channel.take_drops();
        let mut forgotten = Vec::new();
        let mut released = Vec::new();
        {
            let mut ex = self.exported.lock().unwrap();
            for (py, seen) in drops {
                if ex.by_id.get(&py.0).is_some_and(|e| e.2 == seen) {
                    let (obj, identity, _) = ex.by_id.remove(&py.0).expect("checked");
                    ex.by_identity.remove(&identity);
                    released.push(obj);
                    forgotten.push(py);
                }
            }
        }
        // The objects are dropped here, after the lock: their destructors may run Python.
        drop(released);
        self.channel.forget(forgotten);
    }

    pub fn exported(&self, py: Python<'_>, id: u64) -> PyResult<PyObject> {
        let ex = self.exported.lock().unwrap();
        ex.by_id
            .get(&id)
            .map(|o| o.0.clone_ref(py))
            .ok_or_else(|| PyKeyError::new_err(format!("the host named Python object {id}, which this client never sent")))
    }

    /// The proxy for a host object: the live one if there is one, else a new one.
    pub fn proxy(&self, conn: &Bound<'_, Connection>, r: JsRef) -> PyResult<PyObject> {
        let py = conn.py();
        if let Some(existing) = self.live_proxy(py, r.id.0) {
            // The host counted this send as another hold; the proxy we reuse holds once.
            self.channel.queue_release(r.id);
            return Ok(existing);
        }
        let h = hooks(py)?;
        let (cls, kind) = match r.kind {
            RefKind::Function => (&h.function_cls, "function"),
            RefKind::Class => (&h.function_cls, "class"),
            RefKind::Symbol => (&h.symbol_cls, "symbol"),
            RefKind::Array => (&h.object_cls, "array"),
            RefKind::Error => (&h.object_cls, "error"),
            RefKind::External => (&h.external_cls, "external"),
            RefKind::Promise => (&h.promise_cls, "promise"),
            _ => (&h.object_cls, "object"),
        };
        // No lock is held while Python runs (it may switch threads, which then need the lock).
        let obj = cls.bind(py).call1((conn, r.id.0, kind, r.class_proto.map(|p| p.0), r.label))?;
        let mut proxies = self.proxies.lock().unwrap();
        if let Some(existing) = proxies.get(&r.id.0).and_then(|w| w.bind(py).upgrade()) {
            // Another thread made one meanwhile; ours is dropped and releases its hold.
            return Ok(existing.unbind());
        }
        if proxies.len() > 1024 && proxies.len().is_power_of_two() {
            proxies.retain(|_, w| w.bind(py).upgrade().is_some());
        }
        proxies.insert(r.id.0, PyWeakrefReference::new(&obj)?.unbind());
        Ok(obj.unbind())
    }

    /// The method table of class prototype `proto`, asking the host the first time.
    pub fn class_members(slf: &Bound<'_, Self>, proto: u64) -> PyResult<Py<PyDict>> {
        let py = slf.py();
        if let Some(m) = slf.get().class_members.lock().unwrap().get(&proto) {
            return Ok(m.clone_ref(py));
        }
        // No lock while the request runs: it may call into Python.
        let fetched = Self::request(slf, Op::DescribeClass { proto: ObjectId(proto) })?;
        let dict = fetched.into_bound(py).downcast_into::<PyDict>()?.unbind();
        let mut cache = slf.get().class_members.lock().unwrap();
        Ok(cache.entry(proto).or_insert(dict).clone_ref(py))
    }

    fn live_proxy(&self, py: Python<'_>, id: u64) -> Option<PyObject> {
        let proxies = self.proxies.lock().unwrap();
        proxies.get(&id).and_then(|w| w.bind(py).upgrade()).map(Bound::unbind)
    }

    /// Sends `op` and waits for its reply, running the Python calls it causes on the way.
    fn request(slf: &Bound<'_, Self>, op: Op) -> PyResult<PyObject> {
        let cx = Cx::new(slf)?;
        Self::request_with(slf, &cx, op, None)
    }

    /// `request`, converting with `cx`; `quick` says how the last call of the function it calls
    /// went (D38).
    fn request_with(slf: &Bound<'_, Self>, cx: &Cx<'_, '_>, op: Op, quick: Option<&Quick>) -> PyResult<PyObject> {
        // The whole request is inside the exit gate, Python callbacks included: a thread that
        // finished a callback while the interpreter finalized would be ended with our frames on
        // its stack (D23), so exit waits for requests in flight (briefly) instead.
        // A panic on the way (our bug, or data that finds one) is an ordinary exception.
        crate::panics::caught(slf.py(), || {
            crate::exiting::inside(|| Self::request_inside(slf, cx, op, quick)).unwrap_or_else(|| Err(exiting_error()))
        })
    }

    fn request_inside(slf: &Bound<'_, Self>, cx: &Cx<'_, '_>, op: Op, quick: Option<&Quick>) -> PyResult<PyObject> {
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
        if let Some(shared) = crate::transport::here(channel, active.map(|(_, route)| route)) {
            if shared.held_here() || shared.takes_directly(&request.op) {
                // Inside the gate already (`request_with`).
                let gate = crate::exiting::Late::default();
                let mut served = napi_host::Served::default();
                if crate::direct::serve(slf, shared, Direct::Request(&request), quick, &gate, &mut served)? {
                    return this.served(cx, id, served);
                }
            }
        }
        Self::over_rings(slf, cx, request, active.is_none())
    }

    /// Sends `request` over the rings and waits for its reply. `top`: it starts its chain.
    /// The timeout runs from here: sending waits for room in the ring within it too.
    fn over_rings(slf: &Bound<'_, Self>, cx: &Cx<'_, '_>, request: Request, top: bool) -> PyResult<PyObject> {
        let py = slf.py();
        let this = slf.get();
        let channel = &*this.channel;
        let deadline = channel.deadline();
        let (id, chain) = (request.id, request.chain);
        channel.begin(id, chain).map_err(|d| dead_error(py, &d))?;
        this.subscriptions.expect(id);
        let _in_flight = InFlight { channel, subscriptions: &this.subscriptions, id, chain, top };
        channel.send(ClientMessage::Request(request), deadline).map_err(|d| dead_error(py, &d))?;
        Self::await_reply(slf, cx, chain, id, deadline)
    }

    /// The value of a request served on this thread (in-process): what the host sent ahead of
    /// its reply, then the reply's.
    fn served(&self, cx: &Cx<'_, '_>, id: RequestId, served: napi_host::Served) -> PyResult<PyObject> {
        if served.before.is_empty() {
            // The commonest answer, a primitive with nothing ahead of it, converted where it lies.
            if let Outcome::Ok(v) = &served.outcome {
                if crate::convert::is_primitive(v) {
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
    fn violated(&self, py: Python<'_>, v: crate::inbound::Violation) -> PyErr {
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

    /// `call`, with the arguments as they are (a tuple's items): `func(*args)` on `this`, for
    /// any callable Python hands over. Proxies go on to `call_ref`.
    pub fn call_with(
        slf: &Bound<'_, Self>,
        func: &Bound<'_, PyAny>,
        this: &Bound<'_, PyAny>,
        args: &[Bound<'_, PyAny>],
    ) -> PyResult<PyObject> {
        crate::panics::caught(slf.py(), || Self::call_any(slf, func, this, args))
    }

    fn call_any(slf: &Bound<'_, Self>, func: &Bound<'_, PyAny>, this: &Bound<'_, PyAny>, args: &[Bound<'_, PyAny>]) -> PyResult<PyObject> {
        if let Ok(f) = func.downcast::<JSRef>() {
            if this.is_none() {
                return Self::call_ref(slf, f, None, args);
            }
            if let Ok(t) = this.downcast::<JSRef>() {
                return Self::call_ref(slf, f, Some(t), args);
            }
        }
        Self::call_requested(slf, func, this, args)
    }

    /// A call of a function proxy on a proxy (or on nothing): the way of `JSFunction`s and
    /// `JSMethod`s, whose types are known, so nothing is checked again (D51). In-process it is
    /// made as a direct call when it can be (no `Request` built: the commonest request).
    pub fn call_ref(
        slf: &Bound<'_, Self>,
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
        if let Some(shared) = crate::transport::here(&conn.channel, active.map(|(_, route)| route)) {
            if mine(func) && this.is_none_or(mine) && (!shared.threaded() || shared.held_here()) {
                if !crate::exiting::is_open() {
                    return Err(exiting_error());
                }
                // Entered only if the call lets go of the GIL or runs Python code (D49).
                let gate = crate::exiting::Late::default();
                return Self::call_here(slf, shared, active.map(|(c, _)| c), &gate, func, this, args);
            }
        }
        let none = slf.py().None().into_bound(slf.py());
        Self::call_requested(slf, func.as_any(), this.map_or(&none, |t| t.as_any()), args)
    }

    /// `call_ref` as a direct call; over the rings if the host turns it away (its calls came to
    /// stay on its thread meanwhile, or it is gone: the rings then say how).
    #[allow(clippy::too_many_arguments, reason = "the call's parts, as call_ref has them")]
    fn call_here(
        slf: &Bound<'_, Self>,
        shared: &napi_host::inprocess::InProcess,
        chain: Option<ChainId>,
        gate: &crate::exiting::Late,
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
            match crate::convert::number(a) {
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
        let result = match crate::direct::serve(slf, shared, Direct::Call(&call), Some(&func.get().quick), gate, &mut served)? {
            true => conn.served(&cx, id, served),
            false => {
                let Call { releases, forgotten, .. } = call;
                let this = this_id.map_or(Value::Undefined, |t| cx.proxy_value(t));
                let op = Op::Call { func: cx.proxy_value(func_id), this, args: wire.into_vec() };
                let request = Request { id, chain, releases, forgotten, op };
                gate.enter();
                Self::over_rings(slf, &cx, request, top)
            }
        };
        cx.write_back()?;
        result
    }

    /// The call as a request (values of every kind, a host on another thread or process).
    fn call_requested(
        slf: &Bound<'_, Self>,
        func: &Bound<'_, PyAny>,
        this: &Bound<'_, PyAny>,
        args: &[Bound<'_, PyAny>],
    ) -> PyResult<PyObject> {
        let cx = Cx::new(slf)?;
        let (func, quick) = cx.callee(func)?;
        let op = Op::Call { func, this: cx.to_wire(this)?, args: cx.to_wire_args(args)? };
        let result = Self::request_with(slf, &cx, op, quick);
        cx.write_back()?;
        result
    }

    pub fn construct_with(slf: &Bound<'_, Self>, ctor: &Bound<'_, PyAny>, args: &[Bound<'_, PyAny>]) -> PyResult<PyObject> {
        crate::panics::caught(slf.py(), || {
            let cx = Cx::new(slf)?;
            let (ctor, quick) = cx.callee(ctor)?;
            let op = Op::Construct { ctor, args: cx.to_wire_args(args)? };
            let result = Self::request_with(slf, &cx, op, quick);
            cx.write_back()?;
            result
        })
    }

    /// Waits for the reply to request `id` of `chain`, running the Python calls of the chain
    /// that come first. The host has until `deadline` for its first message, and the timeout
    /// afresh for each one after a Python call (time spent in Python is not the host's).
    fn await_reply(slf: &Bound<'_, Self>, cx: &Cx<'_, '_>, chain: ChainId, id: RequestId, deadline: Option<Instant>) -> PyResult<PyObject> {
        let py = slf.py();
        let this = slf.get();
        let channel = &*this.channel;
        let mut deadline = deadline;
        loop {
            let waited = crate::exiting::allow_threads_inside(py, || channel.wait(chain, deadline));
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

    /// Runs a Python call of a direct call's host, on the thread making that call.
    pub fn run_python_inline(
        slf: &Bound<'_, Self>,
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
        ACTIVE.with(|a| a.borrow_mut().push((self.key(), chain, route)));
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
        let result = run();
        ACTIVE.with(|a| a.borrow_mut().pop());
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

    /// Runs `events` in order on the event chain (the dispatcher's turn), then lets go of the
    /// Python objects the host dropped. A failing event is reported as unraisable; the next
    /// one still runs.
    pub fn run_events(slf: &Bound<'_, Self>, events: impl IntoIterator<Item = Incoming>) {
        let py = slf.py();
        let this = slf.get();
        ACTIVE.with(|a| a.borrow_mut().push((this.key(), EVENT_CHAIN, Route::Message)));
        for event in events {
            if let Err(e) = Cx::new(slf).and_then(|cx| this.handle_event(&cx, event)) {
                e.write_unraisable(py, Some(slf.as_any()));
            }
        }
        ACTIVE.with(|a| a.borrow_mut().pop());
        this.handle_drops();
    }

    /// The host is gone: promises still waited for fail with `error`.
    pub fn abandon_promises(&self, py: Python<'_>, error: PyObject) {
        self.subscriptions.abandon(py, error);
    }

    fn wire(slf: &Bound<'_, Self>, v: &Bound<'_, PyAny>) -> PyResult<Value> {
        crate::panics::caught(slf.py(), || Cx::new(slf)?.to_wire(v))
    }

    fn wire_all(slf: &Bound<'_, Self>, items: &Bound<'_, PyTuple>) -> PyResult<Vec<Value>> {
        crate::panics::caught(slf.py(), || {
            let cx = Cx::new(slf)?;
            items.iter().map(|i| cx.to_wire(&i)).collect()
        })
    }
}

/// What an in-process connection shares with its host: the host itself, the client's shared
/// memory, and the queue of Python objects the host let go.
type InProcessParts = (Arc<napi_host::inprocess::InProcess>, Arc<ClientShm>, Arc<Pending<(PyRef, u64)>>);

impl Connection {
    /// Greets a host just started and starts its event dispatcher.
    fn open(
        py: Python<'_>,
        host: process::HostProcess,
        sockets: process::Sockets,
        in_process: Option<InProcessParts>,
        timeout: Option<Duration>,
    ) -> PyResult<Py<Connection>> {
        let wire = RingsLink::new(sockets);
        let (shared, shm, drops) = match in_process {
            Some((shared, shm, drops)) => (Some(shared), shm, drops),
            None => (None, Arc::new(ClientShm::new(true)), Arc::default()),
        };
        // An in-process host is this process's own code; an isolated one is checked (D57).
        let strict = shared.is_none();
        let channel = py.allow_threads(|| Channel::open(host, wire, shared, shm, drops, timeout)).map_err(|d| dead_error(py, &d))?;
        let conn = Py::new(
            py,
            Connection {
                channel,
                exported: Mutex::new(Exported::default()),
                proxies: Mutex::new(FxHashMap::default()),
                class_members: Mutex::new(FxHashMap::default()),
                subscriptions: Arc::new(Subscriptions::new(strict)),
                dispatched: Arc::default(),
                distinct_nulls: AtomicBool::new(false),
            },
        )?;
        // Weak: a dropped connection must still end its host.
        let events = PyWeakrefReference::new(conn.bind(py).as_any())?.unbind();
        let channel = conn.get().channel.clone();
        let subscriptions = conn.get().subscriptions.clone();
        let finished = conn.get().dispatched.clone();
        std::thread::Builder::new()
            .name(format!("napi-events-{}", channel.process.pid))
            // As much stack as a Python thread gets: it runs Python callbacks, and converts
            // values as deep as the protocol carries.
            .stack_size(crate::dispatcher::STACK)
            .spawn(move || crate::dispatcher::dispatch_events(channel, subscriptions, events, finished))
            .map_err(|e| PyOSError::new_err(format!("cannot start the event dispatcher: {e}")))?;
        Ok(conn)
    }
}

#[pymethods]
impl Connection {
    /// Starts the host binary `program` (with extra environment `env` and command-line `args`)
    /// and greets it. `timeout`: seconds a call may wait for the host before it is killed.
    #[staticmethod]
    #[pyo3(signature = (program, env=None, args=None, timeout=None))]
    fn spawn(
        py: Python<'_>,
        program: String,
        env: Option<HashMap<String, String>>,
        args: Option<Vec<String>>,
        timeout: Option<f64>,
    ) -> PyResult<Py<Connection>> {
        let what =
            process::Spawn { program: program.clone(), args: args.unwrap_or_default(), env: env.unwrap_or_default().into_iter().collect() };
        let (proc_, sockets) =
            py.allow_threads(|| process::spawn(what)).map_err(|e| PyOSError::new_err(format!("cannot start {program}: {e}")))?;
        Self::open(py, proc_, sockets, None, timeout.map(|t| Duration::from_secs_f64(t.max(0.0))))
    }

    /// Starts a host on a thread of this process (`isolated=False`, D32) and greets it. Its
    /// `pid` is ours; it takes no timeout, since nothing can stop a thread that does not answer.
    #[staticmethod]
    fn start_in_process(py: Python<'_>) -> PyResult<Py<Connection>> {
        crate::inprocess::export_napi_symbols().map_err(PyOSError::new_err)?;
        let failed = |e: std::io::Error| PyOSError::new_err(format!("cannot start an in-process host: {e}"));
        let shm = Arc::new(ClientShm::new(false));
        let drops = Arc::new(Pending::default());
        let news = crate::inprocess::News { shm: shm.clone(), drops: drops.clone() };
        let shared = napi_host::inprocess::InProcess::new(Box::new(news)).map_err(failed)?;
        let theirs = shared.clone();
        let (host, sockets) =
            process::start_thread(move |main, events, rings| crate::inprocess::serve(main, events, rings, theirs)).map_err(failed)?;
        Self::open(py, host, sockets, Some((shared, shm, drops)), None)
    }

    /// A new pending JS promise Python will settle: `[promise, deferred id]`.
    fn new_deferred(slf: &Bound<'_, Self>) -> PyResult<PyObject> {
        Self::request(slf, Op::NewDeferred)
    }

    /// Settles the promise of `deferred` with `value` (rejects when `fulfilled` is false).
    fn settle_deferred(slf: &Bound<'_, Self>, deferred: u64, fulfilled: bool, value: &Bound<'_, PyAny>) -> PyResult<PyObject> {
        Self::request(slf, Op::SettleDeferred { deferred, fulfilled, value: Self::wire(slf, value)? })
    }

    /// Asks the host to tell when `promise` settles; `settlement.settle(ok, value)` is called
    /// then (for a promise that did not come as a request's answer, which is subscribed already).
    fn subscribe(slf: &Bound<'_, Self>, promise: &Bound<'_, PyAny>, settlement: &Bound<'_, PyAny>) -> PyResult<PyObject> {
        // Request ids and subscriptions share one counter: the host subscribes under request ids.
        let subscription = slf.get().channel.next_id(slf.py());
        let cx = Cx::new(slf)?;
        slf.get().subscriptions.claim(slf.py(), subscription, settlement, &|o| cx.settlement(o))?;
        Self::request(slf, Op::Subscribe { promise: Self::wire(slf, promise)?, subscription })
    }

    /// Whether calls run on the calling thread (`Host.direct_calls`): in-process, until a
    /// library with thread-local storage is loaded.
    #[getter]
    fn direct_calls(&self) -> bool {
        self.channel.in_process().is_some_and(|shared| !shared.threaded())
    }

    #[getter]
    fn pid(&self) -> u32 {
        self.channel.process.pid
    }

    /// The protections the host reported as active (`"seccomp"`, `"landlock_filesystem"`...).
    #[getter]
    fn protections(&self) -> Vec<String> {
        self.channel.protections.clone()
    }

    /// The host's output lines as `(stream, line)` (waiting up to `timeout` seconds for some);
    /// `None` once its stdout and stderr have both ended.
    fn read_output(&self, py: Python<'_>, timeout: f64) -> Option<Vec<(&'static str, String)>> {
        // At exit the forwarding thread stops here (`None`), so it never waits in native code
        // while the interpreter finalizes.
        crate::exiting::allow_threads(py, || self.channel.process.output.take_lines(Duration::from_secs_f64(timeout.max(0.0)))).flatten()
    }

    /// Whether JS undefined and null arrive as `js.undefined` and `js.null` (else both as `None`).
    #[getter]
    pub fn distinct_nulls(&self) -> bool {
        self.distinct_nulls.load(Ordering::Relaxed)
    }

    fn set_distinct_nulls(&self, on: bool) {
        self.distinct_nulls.store(on, Ordering::Relaxed);
    }

    /// False once the host has crashed or been closed.
    #[getter]
    fn alive(&self) -> bool {
        self.channel.dead().is_none()
    }

    /// Ends the host, giving it `grace` seconds to run its cleanup hooks, then waits (as long
    /// again, at most) for the event dispatcher to run what the host sent before it ended: a
    /// report of an uncaught exception, a settlement, is run before this returns (D50).
    #[pyo3(signature = (grace=2.0))]
    fn close(&self, py: Python<'_>, grace: f64) {
        if self.channel.forked() {
            // The parent's host: nothing to close here, and no dispatcher to wait for.
            return;
        }
        let grace = Duration::from_secs_f64(grace.max(0.0));
        py.allow_threads(|| {
            self.channel.close(grace);
            self.dispatched.wait(grace);
        });
    }

    /// Loads an addon; answers `[exports, {name: value}]`.
    fn load(slf: &Bound<'_, Self>, path: String) -> PyResult<PyObject> {
        Self::request(slf, Op::Load { path })
    }

    /// Writable buffers among the arguments see the addon's writes when the call returns.
    pub fn call(slf: &Bound<'_, Self>, func: &Bound<'_, PyAny>, this: &Bound<'_, PyAny>, args: &Bound<'_, PyTuple>) -> PyResult<PyObject> {
        Self::call_with(slf, func, this, args.as_slice())
    }

    pub fn construct(slf: &Bound<'_, Self>, ctor: &Bound<'_, PyAny>, args: &Bound<'_, PyTuple>) -> PyResult<PyObject> {
        Self::construct_with(slf, ctor, args.as_slice())
    }

    /// A zero-filled buffer of `nbytes` bytes and JS type `kind` in the host's shared memory.
    fn new_buffer(slf: &Bound<'_, Self>, kind: &str, nbytes: u64) -> PyResult<PyObject> {
        let kind = crate::buffer::kind_named(kind)?;
        Self::request(slf, Op::NewBuffer { kind, len: nbytes })
    }

    pub fn get(slf: &Bound<'_, Self>, target: &Bound<'_, PyAny>, key: &Bound<'_, PyAny>) -> PyResult<PyObject> {
        let op = Op::Get { target: Self::wire(slf, target)?, key: Self::wire(slf, key)? };
        Self::request(slf, op)
    }

    fn set(slf: &Bound<'_, Self>, target: &Bound<'_, PyAny>, key: &Bound<'_, PyAny>, value: &Bound<'_, PyAny>) -> PyResult<PyObject> {
        let op = Op::Set { target: Self::wire(slf, target)?, key: Self::wire(slf, key)?, value: Self::wire(slf, value)? };
        Self::request(slf, op)
    }

    fn has(slf: &Bound<'_, Self>, target: &Bound<'_, PyAny>, key: &Bound<'_, PyAny>) -> PyResult<PyObject> {
        let op = Op::Has { target: Self::wire(slf, target)?, key: Self::wire(slf, key)? };
        Self::request(slf, op)
    }

    fn delete(slf: &Bound<'_, Self>, target: &Bound<'_, PyAny>, key: &Bound<'_, PyAny>) -> PyResult<PyObject> {
        let op = Op::Delete { target: Self::wire(slf, target)?, key: Self::wire(slf, key)? };
        Self::request(slf, op)
    }

    fn own_keys(slf: &Bound<'_, Self>, target: &Bound<'_, PyAny>) -> PyResult<PyObject> {
        Self::request(slf, Op::OwnKeys { target: Self::wire(slf, target)? })
    }

    fn own_property_descriptors(slf: &Bound<'_, Self>, target: &Bound<'_, PyAny>) -> PyResult<PyObject> {
        Self::request(slf, Op::OwnPropertyDescriptors { target: Self::wire(slf, target)? })
    }

    /// `descriptor` holds only the fields that are present.
    fn define_property(
        slf: &Bound<'_, Self>,
        target: &Bound<'_, PyAny>,
        key: &Bound<'_, PyAny>,
        descriptor: &Bound<'_, PyDict>,
    ) -> PyResult<PyObject> {
        let field = |name: &str| -> PyResult<Option<Value>> { descriptor.get_item(name)?.map(|v| Self::wire(slf, &v)).transpose() };
        let flag = |name: &str| -> PyResult<Option<bool>> { descriptor.get_item(name)?.map(|v| v.is_truthy()).transpose() };
        let d = Descriptor {
            value: field("value")?,
            get: field("get")?,
            set: field("set")?,
            writable: flag("writable")?,
            enumerable: flag("enumerable")?,
            configurable: flag("configurable")?,
        };
        let op = Op::DefineProperty { target: Self::wire(slf, target)?, key: Self::wire(slf, key)?, descriptor: Box::new(d) };
        Self::request(slf, op)
    }

    fn get_prototype(slf: &Bound<'_, Self>, target: &Bound<'_, PyAny>) -> PyResult<PyObject> {
        Self::request(slf, Op::GetPrototype { target: Self::wire(slf, target)? })
    }

    fn set_prototype(slf: &Bound<'_, Self>, target: &Bound<'_, PyAny>, proto: &Bound<'_, PyAny>) -> PyResult<PyObject> {
        Self::request(slf, Op::SetPrototype { target: Self::wire(slf, target)?, proto: Self::wire(slf, proto)? })
    }

    #[pyo3(name = "typeof")]
    fn type_of(slf: &Bound<'_, Self>, value: &Bound<'_, PyAny>) -> PyResult<PyObject> {
        Self::request(slf, Op::TypeOf { value: Self::wire(slf, value)? })
    }

    fn instanceof(slf: &Bound<'_, Self>, value: &Bound<'_, PyAny>, ctor: &Bound<'_, PyAny>) -> PyResult<PyObject> {
        Self::request(slf, Op::InstanceOf { value: Self::wire(slf, value)?, ctor: Self::wire(slf, ctor)? })
    }

    fn strict_equals(slf: &Bound<'_, Self>, a: &Bound<'_, PyAny>, b: &Bound<'_, PyAny>) -> PyResult<PyObject> {
        Self::request(slf, Op::StrictEquals { a: Self::wire(slf, a)?, b: Self::wire(slf, b)? })
    }

    /// A host-side object from `(key, value)` pairs, returned by reference.
    fn new_object(slf: &Bound<'_, Self>, pairs: Vec<(Bound<'_, PyAny>, Bound<'_, PyAny>)>) -> PyResult<PyObject> {
        let props = pairs.iter().map(|(k, v)| Ok((Self::wire(slf, k)?, Self::wire(slf, v)?))).collect::<PyResult<_>>()?;
        Self::request(slf, Op::NewObject { props })
    }

    fn new_array(slf: &Bound<'_, Self>, items: &Bound<'_, PyTuple>) -> PyResult<PyObject> {
        Self::request(slf, Op::NewArray { items: Self::wire_all(slf, items)? })
    }

    #[pyo3(signature = (description=None))]
    fn new_symbol(slf: &Bound<'_, Self>, description: Option<String>) -> PyResult<PyObject> {
        Self::request(slf, Op::NewSymbol { description })
    }

    fn symbol_for(slf: &Bound<'_, Self>, key: String) -> PyResult<PyObject> {
        Self::request(slf, Op::SymbolFor { key })
    }

    /// `{name: method | "accessor" | "data"}` for a class prototype chain (cached).
    fn describe_class(slf: &Bound<'_, Self>, proto: u64) -> PyResult<Py<PyDict>> {
        Self::class_members(slf, proto)
    }

    /// `globalThis` of the host, by reference.
    fn global_this(slf: &Bound<'_, Self>) -> PyResult<PyObject> {
        Self::request(slf, Op::GlobalThis)
    }

    /// Collects the host's garbage now; answers how many objects were freed.
    fn gc(slf: &Bound<'_, Self>) -> PyResult<PyObject> {
        Self::request(slf, Op::Gc)
    }

    /// How many Python objects the host currently holds (for tests of their release).
    #[getter]
    fn exported_count(&self) -> usize {
        self.exported.lock().unwrap().by_id.len()
    }

    /// What the client keeps for this host (`{name: count}`): mailboxes, requests in flight,
    /// kept settlements, unclaimed descriptors, mapped segments and bytes. For tests of the
    /// bounds on what a host can make the client keep.
    #[getter]
    fn _bookkeeping(&self, py: Python<'_>) -> PyResult<Py<PyDict>> {
        let d = PyDict::new(py);
        for (name, n) in self.channel.bookkeeping() {
            d.set_item(name, n)?;
        }
        d.set_item("kept_settlements", self.subscriptions.kept())?;
        Ok(d.unbind())
    }

    /// One round trip that does nothing (for benchmarks).
    fn ping(slf: &Bound<'_, Self>) -> PyResult<PyObject> {
        Self::request(slf, Op::Ping)
    }
}

/// What a call made once the interpreter is exiting raises.
pub fn exiting_error() -> PyErr {
    pyo3::exceptions::PyRuntimeError::new_err("the interpreter is exiting: no more calls into addons")
}

impl Drop for Connection {
    fn drop(&mut self) {
        self.channel.hang_up();
    }
}
