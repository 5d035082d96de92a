//! The Python methods of `Connection` (`_native.Connection`): starting a host, and one method
//! per request the package makes.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use napi_protocol::{Descriptor, Op, PyRef, Value};
use pyo3::exceptions::PyOSError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple, PyWeakrefReference};

use crate::channel::Channel;
use crate::connection::Connection;
use crate::convert::{dead_error, Cx};
use crate::dispatcher;
use crate::pending::Pending;
use crate::process;
use crate::requests;
use crate::rings::RingsLink;
use crate::shm::ClientShm;

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
        let conn = Py::new(py, Connection::new(channel, strict))?;
        // Weak: a dropped connection must still end its host.
        let events = PyWeakrefReference::new(conn.bind(py).as_any())?.unbind();
        let channel = conn.get().channel.clone();
        if let Some(shared) = channel.in_process() {
            shared.event_calls().set_caller(Box::new(crate::inprocess::HostThreadCalls { conn: events.clone_ref(py) }));
        }
        let subscriptions = conn.get().subscriptions.clone();
        let finished = conn.get().dispatched.clone();
        std::thread::Builder::new()
            .name(format!("napi-events-{}", channel.process.pid))
            // As much stack as a Python thread gets: it runs Python callbacks, and converts
            // values as deep as the protocol carries.
            .stack_size(dispatcher::STACK)
            .spawn(move || dispatcher::dispatch_events(channel, subscriptions, events, finished))
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
        requests::request(slf, Op::NewDeferred)
    }

    /// Settles the promise of `deferred` with `value` (rejects when `fulfilled` is false).
    fn settle_deferred(slf: &Bound<'_, Self>, deferred: u64, fulfilled: bool, value: &Bound<'_, PyAny>) -> PyResult<PyObject> {
        requests::request(slf, Op::SettleDeferred { deferred, fulfilled, value: requests::wire(slf, value)? })
    }

    /// Asks the host to tell when `promise` settles; `settlement.settle(ok, value)` is called
    /// then (for a promise that did not come as a request's answer, which is subscribed already).
    fn subscribe(slf: &Bound<'_, Self>, promise: &Bound<'_, PyAny>, settlement: &Bound<'_, PyAny>) -> PyResult<PyObject> {
        // Request ids and subscriptions share one counter: the host subscribes under request ids.
        let subscription = slf.get().channel.next_id(slf.py());
        let cx = Cx::new(slf)?;
        slf.get().subscriptions.claim(slf.py(), subscription, settlement, &|o| cx.settlement(o))?;
        requests::request(slf, Op::Subscribe { promise: requests::wire(slf, promise)?, subscription })
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
    fn distinct_nulls(&self) -> bool {
        self.nulls_distinct()
    }

    fn set_distinct_nulls(&self, on: bool) {
        self.set_nulls_distinct(on);
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
            // On the host thread (a Python call of its event turn closing its own host), the
            // dispatcher cannot finish before this call returns.
            if !self.channel.in_process().is_some_and(|shared| shared.on_host_thread()) {
                self.dispatched.wait(grace);
            }
        });
    }

    /// Loads an addon; answers `[exports, {name: value}]`.
    fn load(slf: &Bound<'_, Self>, path: String) -> PyResult<PyObject> {
        requests::request(slf, Op::Load { path })
    }

    /// Writable buffers among the arguments see the addon's writes when the call returns.
    fn call(slf: &Bound<'_, Self>, func: &Bound<'_, PyAny>, this: &Bound<'_, PyAny>, args: &Bound<'_, PyTuple>) -> PyResult<PyObject> {
        requests::call_with(slf, func, this, args.as_slice())
    }

    fn construct(slf: &Bound<'_, Self>, ctor: &Bound<'_, PyAny>, args: &Bound<'_, PyTuple>) -> PyResult<PyObject> {
        requests::construct_with(slf, ctor, args.as_slice())
    }

    /// A zero-filled buffer of `nbytes` bytes and JS type `kind` in the host's shared memory.
    fn new_buffer(slf: &Bound<'_, Self>, kind: &str, nbytes: u64) -> PyResult<PyObject> {
        let kind = crate::buffer::kind_named(kind)?;
        requests::request(slf, Op::NewBuffer { kind, len: nbytes })
    }

    fn get(slf: &Bound<'_, Self>, target: &Bound<'_, PyAny>, key: &Bound<'_, PyAny>) -> PyResult<PyObject> {
        requests::get_property(slf, target, key)
    }

    fn set(slf: &Bound<'_, Self>, target: &Bound<'_, PyAny>, key: &Bound<'_, PyAny>, value: &Bound<'_, PyAny>) -> PyResult<PyObject> {
        let op = Op::Set { target: requests::wire(slf, target)?, key: requests::wire(slf, key)?, value: requests::wire(slf, value)? };
        requests::request(slf, op)
    }

    fn has(slf: &Bound<'_, Self>, target: &Bound<'_, PyAny>, key: &Bound<'_, PyAny>) -> PyResult<PyObject> {
        requests::has_property(slf, target, key)
    }

    fn delete(slf: &Bound<'_, Self>, target: &Bound<'_, PyAny>, key: &Bound<'_, PyAny>) -> PyResult<PyObject> {
        requests::request_of(slf, |cx| Ok(Op::Delete { target: cx.to_wire(target)?, key: cx.to_wire(key)? }))
    }

    fn own_keys(slf: &Bound<'_, Self>, target: &Bound<'_, PyAny>) -> PyResult<PyObject> {
        requests::request_of(slf, |cx| Ok(Op::OwnKeys { target: cx.to_wire(target)? }))
    }

    fn own_property_descriptors(slf: &Bound<'_, Self>, target: &Bound<'_, PyAny>) -> PyResult<PyObject> {
        requests::request_of(slf, |cx| Ok(Op::OwnPropertyDescriptors { target: cx.to_wire(target)? }))
    }

    /// `descriptor` holds only the fields that are present.
    fn define_property(
        slf: &Bound<'_, Self>,
        target: &Bound<'_, PyAny>,
        key: &Bound<'_, PyAny>,
        descriptor: &Bound<'_, PyDict>,
    ) -> PyResult<PyObject> {
        let field = |name: &str| -> PyResult<Option<Value>> { descriptor.get_item(name)?.map(|v| requests::wire(slf, &v)).transpose() };
        let flag = |name: &str| -> PyResult<Option<bool>> { descriptor.get_item(name)?.map(|v| v.is_truthy()).transpose() };
        let d = Descriptor {
            value: field("value")?,
            get: field("get")?,
            set: field("set")?,
            writable: flag("writable")?,
            enumerable: flag("enumerable")?,
            configurable: flag("configurable")?,
        };
        let op = Op::DefineProperty { target: requests::wire(slf, target)?, key: requests::wire(slf, key)?, descriptor: Box::new(d) };
        requests::request(slf, op)
    }

    fn get_prototype(slf: &Bound<'_, Self>, target: &Bound<'_, PyAny>) -> PyResult<PyObject> {
        requests::request(slf, Op::GetPrototype { target: requests::wire(slf, target)? })
    }

    fn set_prototype(slf: &Bound<'_, Self>, target: &Bound<'_, PyAny>, proto: &Bound<'_, PyAny>) -> PyResult<PyObject> {
        requests::request(slf, Op::SetPrototype { target: requests::wire(slf, target)?, proto: requests::wire(slf, proto)? })
    }

    #[pyo3(name = "typeof")]
    fn type_of(slf: &Bound<'_, Self>, value: &Bound<'_, PyAny>) -> PyResult<PyObject> {
        requests::request(slf, Op::TypeOf { value: requests::wire(slf, value)? })
    }

    fn instanceof(slf: &Bound<'_, Self>, value: &Bound<'_, PyAny>, ctor: &Bound<'_, PyAny>) -> PyResult<PyObject> {
        requests::request(slf, Op::InstanceOf { value: requests::wire(slf, value)?, ctor: requests::wire(slf, ctor)? })
    }

    fn strict_equals(slf: &Bound<'_, Self>, a: &Bound<'_, PyAny>, b: &Bound<'_, PyAny>) -> PyResult<PyObject> {
        requests::request(slf, Op::StrictEquals { a: requests::wire(slf, a)?, b: requests::wire(slf, b)? })
    }

    /// A host-side object from `(key, value)` pairs, returned by reference.
    fn new_object(slf: &Bound<'_, Self>, pairs: Vec<(Bound<'_, PyAny>, Bound<'_, PyAny>)>) -> PyResult<PyObject> {
        let props = pairs.iter().map(|(k, v)| Ok((requests::wire(slf, k)?, requests::wire(slf, v)?))).collect::<PyResult<_>>()?;
        requests::request(slf, Op::NewObject { props })
    }

    fn new_array(slf: &Bound<'_, Self>, items: &Bound<'_, PyTuple>) -> PyResult<PyObject> {
        requests::request(slf, Op::NewArray { items: requests::wire_all(slf, items)? })
    }

    #[pyo3(signature = (description=None))]
    fn new_symbol(slf: &Bound<'_, Self>, description: Option<String>) -> PyResult<PyObject> {
        requests::request(slf, Op::NewSymbol { description })
    }

    fn symbol_for(slf: &Bound<'_, Self>, key: String) -> PyResult<PyObject> {
        requests::request(slf, Op::SymbolFor { key })
    }

    /// `{name: method | "accessor" | "data"}` for a class prototype chain (cached).
    fn describe_class(slf: &Bound<'_, Self>, proto: u64) -> PyResult<Py<PyDict>> {
        requests::class_members(slf, proto)
    }

    /// `globalThis` of the host, by reference.
    fn global_this(slf: &Bound<'_, Self>) -> PyResult<PyObject> {
        requests::request(slf, Op::GlobalThis)
    }

    /// Collects the host's garbage now; answers how many objects were freed.
    fn gc(slf: &Bound<'_, Self>) -> PyResult<PyObject> {
        requests::request(slf, Op::Gc)
    }

    /// How many Python objects the host currently holds (for tests of their release).
    #[getter]
    fn exported_count(&self) -> usize {
        self.held_objects()
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
        requests::request(slf, Op::Ping)
    }
}
