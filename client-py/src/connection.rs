//! `Connection`: one host process and the requests Python sends it.
//!
//! A request is written by the calling thread, which then waits (without the GIL) for the reply
//! of its chain. Calls from the host into Python arrive on the same chain and run on that same
//! thread, which may send nested requests on the chain, to any depth.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use napi_protocol::{
    CallId, ChainId, ClientMessage, Descriptor, JsRef, ObjectId, Op, Outcome, PyException, PyRef, RefKind, Request, RequestId, Value,
    EVENT_CHAIN,
};
use pyo3::exceptions::{PyKeyError, PyOSError};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple, PyWeakrefMethods, PyWeakrefReference};
use rustc_hash::FxHashMap;
use smallvec::SmallVec;

use crate::channel::{Channel, Direct, Incoming, PrimitiveCall};
use crate::convert::{dead_error, number, primitive, primitive_to_py, Cx};
use crate::exiting::Late;
use crate::hooks::hooks;
use crate::jsref::JSRef;
use crate::process;
use crate::quick::Quick;
use crate::subscriptions::Subscriptions;
use crate::transport::memory::Memory;
use crate::transport::sockets::SocketPair;
use crate::transport::Transport;
use napi_host::memory::MemoryLink;

thread_local! {
    /// The chains this thread is running callbacks for, innermost last, per channel: a request
    /// made from inside a callback continues that chain.
    static ACTIVE: RefCell<Vec<(usize, ChainId)>> = const { RefCell::new(Vec::new()) };
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
    /// Calls served as `PrimitiveCall`s (for tests).
    primitive_calls: AtomicU64,
    /// Set when the event dispatcher has run its last event.
    dispatched: Arc<crate::dispatcher::Finished>,
}

/// Closes a top-level chain's mailbox however the request ends.
struct ChainGuard<'a> {
    channel: &'a Channel,
    chain: ChainId,
    top: bool,
}

impl Drop for ChainGuard<'_> {
    fn drop(&mut self) {
        if self.top {
            self.channel.close_chain(self.chain);
        }
    }
}

impl Connection {
    fn key(&self) -> usize {
        Arc::as_ptr(&self.channel) as usize
    }

    /// The chain this thread runs a Python callback of, innermost, if any: a request made now
    /// continues it.
    fn active_chain(&self) -> Option<ChainId> {
        let key = self.key();
        ACTIVE.with(|a| a.borrow().iter().rev().find(|(k, _)| *k == key).map(|(_, c)| *c))
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
        Ok(id)
    }

    /// Forgets the Python objects the host let go, unless they were sent again since (those
    /// sends are still in flight and the host will count them).
    fn handle_drops(&self) {
        let drops = self.channel.take_drops();
        if drops.is_empty() {
            return;
        }
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
            RefKind::External => (&h.object_cls, "external"),
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
        Self::request_timed(slf, op, None)
    }

    /// A request that calls a function: `quick` says how its last call went (D38).
    fn request_timed(slf: &Bound<'_, Self>, op: Op, quick: Option<&Quick>) -> PyResult<PyObject> {
        // The whole request is inside the exit gate, Python callbacks included: a thread that
        // finished a callback while the interpreter finalized would be ended with our frames on
        // its stack (D23), so exit waits for requests in flight (briefly) instead.
        crate::exiting::inside(|| Self::request_inside(slf, op, quick)).unwrap_or_else(|| Err(exiting_error()))
    }

    fn request_inside(slf: &Bound<'_, Self>, op: Op, quick: Option<&Quick>) -> PyResult<PyObject> {
        let py = slf.py();
        let this = slf.get();
        let channel = &*this.channel;
        let id = channel.next_id();
        let (chain, top) = match this.active_chain() {
            Some(c) => (c, false),
            None => (id, true),
        };
        if top {
            channel.open_chain(chain).map_err(|d| dead_error(py, &d))?;
        } else if let Some(d) = channel.dead() {
            return Err(dead_error(py, &d));
        }
        let _guard = ChainGuard { channel, chain, top };
        let request = Request { id, chain, releases: channel.take_releases(), forgotten: channel.take_forgotten(), op };
        let cx = Cx::new(slf)?;
        match Self::serve_directly(slf, chain, quick, None, |pump| channel.serve_directly(&request, pump))? {
            Direct::Refused => channel.send(ClientMessage::Request(request)).map_err(|d| dead_error(py, &d))?,
            Direct::Served => {}
            Direct::Answered(outcome) => return this.answered(&cx, id, outcome),
            Direct::Value => unreachable!("only a PrimitiveCall is answered in place"),
        }
        Self::await_reply(slf, &cx, chain, id)
    }

    /// `call`, with the arguments as they are (a tuple's items): `func(*args)` on `this`, for
    /// any callable Python hands over. Proxies go on to `call_ref`.
    pub fn call_with(
        slf: &Bound<'_, Self>,
        func: &Bound<'_, PyAny>,
        this: &Bound<'_, PyAny>,
        args: &[Bound<'_, PyAny>],
    ) -> PyResult<PyObject> {
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
    /// `JSMethod`s, whose types are known, so nothing is checked again (D51).
    pub fn call_ref(
        slf: &Bound<'_, Self>,
        func: &Bound<'_, JSRef>,
        this: Option<&Bound<'_, JSRef>>,
        args: &[Bound<'_, PyAny>],
    ) -> PyResult<PyObject> {
        if let Some(answer) = Self::call_primitive(slf, func.get(), this.map(|t| t.get()), args) {
            return answer;
        }
        let none = slf.py().None().into_bound(slf.py());
        Self::call_requested(slf, func.as_any(), this.map_or(&none, |t| t.as_any()), args)
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
        let result = Self::request_timed(slf, op, quick);
        cx.write_back()?;
        result
    }

    pub fn construct_with(slf: &Bound<'_, Self>, ctor: &Bound<'_, PyAny>, args: &[Bound<'_, PyAny>]) -> PyResult<PyObject> {
        let cx = Cx::new(slf)?;
        let (ctor, quick) = cx.callee(ctor)?;
        let op = Op::Construct { ctor, args: cx.to_wire_args(args)? };
        let result = Self::request_timed(slf, op, quick);
        cx.write_back()?;
        result
    }

    /// A call with nothing but primitive arguments, of a function that was quick last time
    /// (D38), offered to an in-process host that can take it now (D41): no `Request` is built,
    /// the call's chain is opened only if the host sends it something, and a primitive answer
    /// comes back as it is. It keeps the GIL, so it enters the exit gate only if it comes to
    /// run Python code or wait (D49). `None`: not offered, or refused before anything ran (the
    /// caller then makes the request as usual, which also reports a dead host or an exiting
    /// interpreter).
    fn call_primitive(slf: &Bound<'_, Self>, f: &JSRef, this: Option<&JSRef>, args: &[Bound<'_, PyAny>]) -> Option<PyResult<PyObject>> {
        let conn = slf.get();
        // Top level only: the calls of a Python callback continue its chain.
        if !f.quick.keeps_gil() || !f.conn.is(slf) || !conn.channel.direct() || !crate::exiting::is_open() || conn.active_chain().is_some()
        {
            return None;
        }
        let this = match this {
            None => None,
            Some(t) if t.conn.is(slf) => Some(ObjectId(t.id)),
            Some(_) => return None,
        };
        let h = hooks(slf.py()).ok()?;
        // A loop, not `collect`: through `Option`'s adapter it cost twice as much.
        let mut wire = SmallVec::<[Value; 4]>::new();
        let mut numbers_only = true;
        for a in args {
            match number(a) {
                Some(n) => push_number(&mut wire, n),
                None => {
                    numbers_only = false;
                    wire.push(primitive(h, a)?);
                }
            }
        }
        let mut call = PrimitiveCall {
            id: conn.channel.next_id_with_gil(slf.py()),
            func: ObjectId(f.id),
            this,
            args: &wire,
            releases: Vec::new(),
            forgotten: Vec::new(),
        };
        let answer = Self::serve_primitive(slf, &mut call, &f.quick);
        if numbers_only && !wire.spilled() {
            // Numbers own nothing, and inline the vector owns no memory either: its drop would
            // only walk the values' drop code (about 140 instructions for two numbers).
            std::mem::forget(wire);
        }
        answer
    }

    fn serve_primitive(slf: &Bound<'_, Self>, call: &mut PrimitiveCall<'_>, quick: &Quick) -> Option<PyResult<PyObject>> {
        let this = slf.get();
        let channel = &*this.channel;
        let chain = call.id;
        let opened = AtomicBool::new(false);
        let open = || opened.store(channel.open_chain(chain).is_ok(), Ordering::Relaxed);
        let late = Late::default();
        let mut answer = None;
        let direct = match Self::serve_directly(slf, chain, Some(quick), Some(&late), |pump| {
            channel.call_directly(call, pump, &open, &mut answer)
        }) {
            Ok(direct) => direct,
            Err(e) => return Some(Err(e)),
        };
        let _guard = ChainGuard { channel, chain, top: opened.load(Ordering::Relaxed) };
        // A count kept under the GIL, which every direct caller holds: a load and a store, not
        // a locked add on every call.
        let count = || this.primitive_calls.store(this.primitive_calls.load(Ordering::Relaxed) + 1, Ordering::Relaxed);
        Some(match direct {
            Direct::Refused => return None,
            Direct::Value => {
                count();
                if channel.has_drops() {
                    // Forgotten objects' destructors run Python code.
                    late.enter();
                    this.handle_drops();
                }
                match answer {
                    Some(ref v) => primitive_to_py(slf.py(), v),
                    None => unreachable!("a call answered in place wrote its answer"),
                }
            }
            direct => {
                count();
                // Waiting for the reply, or running a promise's Python code, may release the GIL.
                late.enter();
                Cx::new(slf).and_then(|cx| match direct {
                    Direct::Answered(outcome) => this.answered(&cx, call.id, outcome),
                    // The reply was queued, after the chain was opened for it.
                    _ => Self::await_reply(slf, &cx, chain, call.id),
                })
            }
        })
    }

    /// Waits for the reply to request `id` of `chain`, running the Python calls of the chain
    /// that come first.
    fn await_reply(slf: &Bound<'_, Self>, cx: &Cx<'_, '_>, chain: ChainId, id: RequestId) -> PyResult<PyObject> {
        let py = slf.py();
        let this = slf.get();
        let channel = &*this.channel;
        loop {
            let waited = channel.wait_briefly(chain).or_else(|| crate::exiting::allow_threads_inside(py, || channel.wait(chain)));
            let Some(waited) = waited else { return Err(exiting_error()) };
            match waited {
                Err(d) => return Err(dead_error(py, &d)),
                Ok(Incoming::Reply { id: rid, outcome }) if rid == id => return this.answered(cx, id, outcome),
                Ok(Incoming::Reply { .. }) => continue,
                Ok(Incoming::Call { call, func, this: t, args }) => this.run_callback(cx, chain, call, func, t, args)?,
                // Events reach a request only when it runs on the event chain (made from inside
                // an event callback): handle them in order, as the dispatcher would.
                Ok(event) => this.handle_event(cx, event)?,
            }
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

    /// Has `serve` offer a request of `chain` to the host, to serve on this thread when it can
    /// take it now (an in-process host, D37); refused, it is to be sent. `serve` gets the pump
    /// that runs the chain's Python calls meanwhile. `late`: the exit gate this call enters
    /// before anything that may release the GIL, for a call not inside it yet (D49).
    fn serve_directly(
        slf: &Bound<'_, Self>,
        chain: ChainId,
        quick: Option<&Quick>,
        late: Option<&Late>,
        serve: impl FnOnce(&(dyn Fn() -> bool + Sync)) -> Direct + Send,
    ) -> PyResult<Direct> {
        let channel = &*slf.get().channel;
        if !channel.direct() {
            return Ok(Direct::Refused);
        }
        let enter_gate = || late.inspect(|l| l.enter());
        let keep = quick.is_some_and(Quick::keeps_gil);
        let conn = slf.as_unbound();
        let pump = move || {
            // Python code may release the GIL.
            enter_gate();
            Python::with_gil(|py| {
                let ran = Self::pump(conn.bind(py), chain);
                if !ran && keep {
                    // The host waits for another thread (the event dispatcher answering a
                    // Python call, say), which may need the GIL this call kept.
                    py.allow_threads(std::thread::yield_now);
                }
                ran
            })
        };
        let start = crate::quick::ticks();
        let direct = if keep {
            serve(&pump)
        } else {
            enter_gate();
            // Without the GIL: the addon may run long, and other threads' callbacks need it.
            crate::exiting::allow_threads_inside(slf.py(), || serve(&pump)).ok_or_else(exiting_error)?
        };
        if let Some(q) = quick {
            q.record(crate::quick::ticks().wrapping_sub(start));
        }
        if matches!(direct, Direct::Answered(_)) && channel.is_reading() {
            enter_gate();
            crate::exiting::allow_threads_inside(slf.py(), || channel.wait_for_reader()).ok_or_else(exiting_error)?;
        }
        Ok(direct)
    }

    /// During a direct call: runs what the host sent `chain` (a Python call of the addon's, or
    /// an event on the event chain), answering whether there was anything.
    fn pump(slf: &Bound<'_, Self>, chain: ChainId) -> bool {
        let this = slf.get();
        let ran = match this.channel.poll(chain) {
            Some(Ok(Incoming::Call { call, func, this: t, args })) => {
                Cx::new(slf).and_then(|cx| this.run_callback(&cx, chain, call, func, t, args))
            }
            // A reply is taken by the request that waits for it, after the call.
            Some(Ok(reply @ Incoming::Reply { .. })) => {
                this.channel.put_back(chain, reply);
                return false;
            }
            Some(Ok(event)) => Cx::new(slf).and_then(|cx| this.handle_event(&cx, event)),
            Some(Err(_)) | None => return false,
        };
        if let Err(e) = ran {
            e.write_unraisable(slf.py(), Some(slf.as_any()));
        }
        true
    }

    /// Runs a Python call the host asked for and sends its answer. A Python exception is
    /// answered as a JS error that remembers the exception.
    fn run_callback(&self, cx: &Cx<'_, '_>, chain: ChainId, call: CallId, func: PyRef, this: Value, args: Vec<Value>) -> PyResult<()> {
        if self.channel.gone() {
            // Sent before the host ended or was closed: nobody would get the answer, and no
            // Python code of an addon's runs once its closing has begun.
            return Ok(());
        }
        let py = cx.py;
        ACTIVE.with(|a| a.borrow_mut().push((self.key(), chain)));
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
        let result = result.map_err(|e| {
            let exc = e.value(py);
            let type_name = exc.get_type().name().map(|n| n.to_string()).unwrap_or_else(|_| "Exception".into());
            let message = exc.str().map(|s| s.to_string()).unwrap_or_default();
            let exception = PyRef(self.export(py, exc.as_any()).unwrap_or(0));
            PyException { exception, type_name, message }
        });
        // A host that ended meanwhile (closed by the callback itself, say) waits for no answer:
        // the failed send is no error of the callback's, and whoever waits on the chain learns
        // of the end from the channel.
        let _ = self.channel.send(ClientMessage::CallbackResult { call, result });
        Ok(())
    }

    /// Runs one event on the current thread (the dispatcher's, or a request's on the event chain).
    fn handle_event(&self, cx: &Cx<'_, '_>, event: Incoming) -> PyResult<()> {
        let py = cx.py;
        match event {
            Incoming::Call { call, func, this, args } => self.run_callback(cx, EVENT_CHAIN, call, func, this, args),
            Incoming::Settled { subscription, outcome } => self.subscriptions.settled(py, subscription, outcome, &|o| cx.settlement(o)),
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
        ACTIVE.with(|a| a.borrow_mut().push((this.key(), EVENT_CHAIN)));
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
        Cx::new(slf)?.to_wire(v)
    }

    fn wire_all(slf: &Bound<'_, Self>, items: &Bound<'_, PyTuple>) -> PyResult<Vec<Value>> {
        let cx = Cx::new(slf)?;
        items.iter().map(|i| cx.to_wire(&i)).collect()
    }
}

impl Connection {
    /// Greets a host just started and starts its event dispatcher.
    fn open(py: Python<'_>, host: process::HostProcess, wire: Box<dyn Transport>, timeout: Option<Duration>) -> PyResult<Py<Connection>> {
        let channel = py.allow_threads(|| Channel::open(host, wire, timeout)).map_err(|d| dead_error(py, &d))?;
        let conn = Py::new(
            py,
            Connection {
                channel,
                exported: Mutex::new(Exported::default()),
                proxies: Mutex::new(FxHashMap::default()),
                class_members: Mutex::new(FxHashMap::default()),
                subscriptions: Arc::new(Subscriptions::default()),
                primitive_calls: AtomicU64::new(0),
                dispatched: Arc::default(),
            },
        )?;
        // Weak: a dropped connection must still end its host.
        let events = PyWeakrefReference::new(conn.bind(py).as_any())?.unbind();
        let channel = conn.get().channel.clone();
        let subscriptions = conn.get().subscriptions.clone();
        let finished = conn.get().dispatched.clone();
        std::thread::Builder::new()
            .name(format!("napi-events-{}", channel.process.pid))
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
        let sockets = SocketPair::new(sockets);
        Self::open(py, proc_, Box::new(sockets), timeout.map(|t| Duration::from_secs_f64(t.max(0.0))))
    }

    /// Starts a host on a thread of this process (`isolated=False`, D32) and greets it. Its
    /// `pid` is ours; it takes no timeout, since nothing can stop a thread that does not answer.
    #[staticmethod]
    fn start_in_process(py: Python<'_>) -> PyResult<Py<Connection>> {
        crate::inprocess::export_napi_symbols().map_err(PyOSError::new_err)?;
        let failed = |e: std::io::Error| PyOSError::new_err(format!("cannot start an in-process host: {e}"));
        let link = MemoryLink::new().map_err(failed)?;
        let theirs = link.clone();
        let host = process::start_thread(move || crate::inprocess::serve(theirs)).map_err(failed)?;
        Self::open(py, host, Box::new(Memory(link)), None)
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
        let subscription = slf.get().channel.next_id();
        let cx = Cx::new(slf)?;
        slf.get().subscriptions.claim(slf.py(), subscription, settlement, &|o| cx.settlement(o))?;
        Self::request(slf, Op::Subscribe { promise: Self::wire(slf, promise)?, subscription })
    }

    /// Whether calls may run on the calling thread (`Host.direct_calls`, D37).
    #[getter]
    fn direct_calls(&self) -> bool {
        self.channel.direct()
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

    /// How many calls were served as `PrimitiveCall`s (D41), and how many chain mailboxes are
    /// open (the event chain's always): for tests of that path.
    #[getter]
    fn primitive_calls(&self) -> (u64, usize) {
        (self.primitive_calls.load(Ordering::Relaxed), self.channel.open_chains())
    }

    /// One round trip that does nothing (for benchmarks).
    fn ping(slf: &Bound<'_, Self>) -> PyResult<PyObject> {
        Self::request(slf, Op::Ping)
    }
}

/// What a call made once the interpreter is exiting raises.
fn exiting_error() -> PyErr {
    pyo3::exceptions::PyRuntimeError::new_err("the interpreter is exiting: no more calls into addons")
}

impl Drop for Connection {
    fn drop(&mut self) {
        self.channel.hang_up();
    }
}

/// `wire.push(Value::Number(n))`, with the value made where it goes: `push` makes it in a local
/// before it makes room and then copies it over, a store-forwarding stall per argument (D51).
#[inline(always)]
fn push_number(wire: &mut SmallVec<[Value; 4]>, n: f64) {
    wire.reserve(1);
    let len = wire.len();
    // SAFETY: there is room for one more; the slot is written before the length covers it.
    unsafe {
        wire.as_mut_ptr().add(len).write(Value::Number(n));
        wire.set_len(len + 1);
    }
}
