//! `Connection`'s Python methods (`_native.Connection`): starting a host and making the
//! requests the package asks for (`calls/requests.rs`). What it keeps for its host is
//! `state/connection.rs`'s.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use napi_protocol::Op;
use pyo3::exceptions::PyOSError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple, PyWeakrefReference};
use pyo3::{PyTraverseError, PyVisit};

use napi_client::link::channel::Channel;
use napi_client::link::host_process::Spawn;
use napi_client::session::Mode;
use napi_client::start::StartError;

use crate::calls::requests;
use crate::events::dispatcher;
use crate::events::handling::HostThreadCalls;
use crate::proxy::operations;
use crate::state::connection::Connection;
use crate::state::hooks::dead_error;
use crate::state::subscriptions;
use crate::values::from_python::Converter;

/// `fd` of this process, checked open (a Python file's `fileno()`, `os.open`'s number).
#[cfg(unix)]
fn borrowed_descriptor<'a>(fd: i32) -> PyResult<std::os::fd::BorrowedFd<'a>> {
    // SAFETY: fcntl only reads the descriptor's flags.
    if fd < 0 || unsafe { libc::fcntl(fd, libc::F_GETFD) } < 0 {
        return Err(PyOSError::new_err((libc::EBADF, format!("descriptor {fd} is not open in this process"))));
    }
    // SAFETY: open (checked above); the caller's object keeps it open for this call, which only
    // duplicates it (into the host's queue or over the socket).
    Ok(unsafe { std::os::fd::BorrowedFd::borrow_raw(fd) })
}

#[cfg(windows)]
fn borrowed_descriptor<'a>(_: i32) -> PyResult<napi_link::shm::BorrowedDescriptor<'a>> {
    Err(pyo3::exceptions::PyNotImplementedError::new_err("descriptors are passed to addons on POSIX systems only"))
}

impl Connection {
    /// Wraps a host started and greeted (`started`) and starts its event dispatcher.
    fn open(py: Python<'_>, started: Result<Arc<Channel>, StartError>) -> PyResult<Py<Connection>> {
        let channel = started.map_err(|e| match e {
            StartError::Os(message) => PyOSError::new_err(message),
            StartError::Greeting(d) => dead_error(py, &d),
        })?;
        // An in-process host is this process's own code; an isolated one is checked.
        let strict = channel.isolated();
        let conn = Py::new(py, Connection::new(channel, strict))?;
        // Weak: a dropped connection must still end its host.
        let events = PyWeakrefReference::new(conn.bind(py).as_any())?.unbind();
        let channel = conn.get().channel.clone();
        let subscriptions = conn.get().subscriptions.clone();
        // In-process, the host thread runs its event turns' Python calls itself at times.
        channel.set_event_caller(Box::new(HostThreadCalls { conn: events.clone_ref(py), subscriptions: subscriptions.clone() }));
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
        let what = Spawn { program, args: args.unwrap_or_default(), env: env.unwrap_or_default().into_iter().collect() };
        let timeout = timeout.map(|t| Duration::from_secs_f64(t.max(0.0)));
        let mode = Mode::Isolated { what, timeout };
        let started = py.detach(|| mode.start());
        Self::open(py, started)
    }

    /// Starts a host on a thread of this process (`isolated=False`) and greets it. Its
    /// `pid` is ours; it takes no timeout, since nothing can stop a thread that does not answer.
    /// `js_thread_here`: this thread becomes the host's JS thread (`js_thread="current"`).
    #[staticmethod]
    #[pyo3(signature = (js_thread_here=false))]
    fn start_in_process(py: Python<'_>, js_thread_here: bool) -> PyResult<Py<Connection>> {
        let mode = if js_thread_here { Mode::InProcessJsHere } else { Mode::InProcess };
        let started = py.detach(|| mode.start());
        Self::open(py, started)
    }

    /// Whether this thread is the JS thread of a host started with `js_thread_here`: the
    /// host's work waits for it, and its waits for the host run that work.
    #[getter]
    fn on_js_thread(&self) -> bool {
        napi_client::session::direct::on_js_thread(&self.channel)
    }

    /// On the JS thread (`on_js_thread`): runs what waits for it, first waiting up to `timeout`
    /// seconds (None: until woken) for something if nothing does. Elsewhere, nothing.
    /// Inside a call of the host's (a callback the addon made), a `RuntimeError`: that work
    /// waits for the call to return, and a wait for it here would never end.
    #[pyo3(signature = (timeout=None))]
    fn run_js_events(&self, py: Python<'_>, timeout: Option<f64>) -> PyResult<()> {
        if !napi_client::session::direct::on_js_thread(&self.channel) {
            return Ok(());
        }
        if napi_client::session::direct::inside_a_call(&self.channel) {
            return Err(pyo3::exceptions::PyRuntimeError::new_err(
                "run_events inside a call of this host's (a callback the addon made): the host's other work waits for that call to return",
            ));
        }
        let deadline = timeout.map(|t| std::time::Instant::now() + Duration::from_secs_f64(t.max(0.0)));
        py.detach(|| napi_client::session::direct::run_js_events(&self.channel, deadline));
        Ok(())
    }

    /// The descriptor that is readable while work waits for the JS thread (`run_js_events`
    /// makes it unreadable again): for an asyncio loop on that thread to watch. None elsewhere
    /// (and on Windows, whose loops watch sockets only).
    #[getter]
    fn js_thread_fd(&self) -> Option<i64> {
        #[cfg(unix)]
        return napi_client::session::direct::js_thread_descriptor(&self.channel).map(i64::from);
        #[cfg(not(unix))]
        return None;
    }

    /// Wakes the JS thread from `run_js_events` (a promise it waits for settled).
    fn wake_js_thread(&self) {
        napi_client::session::direct::wake_js_thread(&self.channel);
    }

    /// A new pending JS promise Python will settle: `[promise, deferred id]`.
    fn new_deferred(slf: &Bound<'_, Self>) -> PyResult<Py<PyAny>> {
        requests::request(slf, Op::NewDeferred)
    }

    /// Settles the promise of `deferred` with `value` (rejects when `fulfilled` is false).
    fn settle_deferred(slf: &Bound<'_, Self>, deferred: u64, fulfilled: bool, value: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        requests::request_of(slf, |o| Ok(Op::SettleDeferred { deferred, fulfilled, value: o.operand(value)? }))
    }

    /// Asks the host to tell when `promise` settles; `settlement.settle(ok, value)` is called
    /// then (for a promise that did not come as a request's answer, which is subscribed already).
    fn subscribe(slf: &Bound<'_, Self>, promise: &Bound<'_, PyAny>, settlement: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        // Request ids and subscriptions share one counter: the host subscribes under request ids.
        let subscription = slf.get().channel.next_id_exclusive();
        let cx = Converter::new(slf)?;
        subscriptions::claim(&slf.get().subscriptions, slf.py(), subscription, settlement, &|o| cx.settlement(o))?;
        requests::request(slf, Op::Subscribe { promise: requests::value_of(slf, promise)?, subscription })
    }

    /// Whether calls run on the calling thread (`Host.direct_calls`): in-process, until a
    /// library with thread-local storage is loaded.
    #[getter]
    fn direct_calls(&self) -> bool {
        napi_client::session::direct::takes_direct_calls(&self.channel)
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
        crate::exit_gate::allow_threads(py, || self.channel.process.output.take_lines(Duration::from_secs_f64(timeout.max(0.0)))).flatten()
    }

    /// What `hosts_with_output` names this host's output by.
    #[getter]
    fn output_id(&self) -> u64 {
        self.channel.process.output.id
    }

    /// Names this host's output to `hosts_with_output` (again), for lines that came before
    /// the one forwarding them was ready.
    fn announce_output(&self) {
        self.channel.process.output.announce();
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
    /// report of an uncaught exception, a settlement, is run before this returns. With
    /// `uncaught`, the host is ended for an exception nothing caught: waiters are told that
    /// message (the `_dead` hook's kind "uncaught").
    #[pyo3(signature = (grace=2.0, uncaught=None))]
    fn close(&self, py: Python<'_>, grace: f64, uncaught: Option<String>) {
        if self.channel.forked() {
            // The parent's host: nothing to close here, and no dispatcher to wait for.
            return;
        }
        let grace = Duration::from_secs_f64(grace.max(0.0));
        py.detach(|| {
            match uncaught {
                Some(message) => self.channel.end_for_uncaught(grace, message),
                None => self.channel.close(grace),
            }
            // On the host thread (a Python call of its event turn closing its own host), the
            // dispatcher cannot finish before this call returns.
            if !self.channel.on_host_thread() {
                self.dispatched.wait(grace);
            }
        });
        // Nothing calls them any more: the host that held them is gone.
        self.exported.release_all();
    }

    /// Loads an addon; answers `[exports, {name: value}]`.
    fn load(slf: &Bound<'_, Self>, path: String) -> PyResult<Py<PyAny>> {
        requests::load(slf, path)
    }

    /// Writable buffers among the arguments see the addon's writes when the call returns.
    fn call(slf: &Bound<'_, Self>, func: &Bound<'_, PyAny>, this: &Bound<'_, PyAny>, args: &Bound<'_, PyTuple>) -> PyResult<Py<PyAny>> {
        requests::call_with(slf, func, this, args.as_slice())
    }

    fn construct(slf: &Bound<'_, Self>, ctor: &Bound<'_, PyAny>, args: &Bound<'_, PyTuple>) -> PyResult<Py<PyAny>> {
        requests::construct_with(slf, ctor, args.as_slice())
    }

    /// A zero-filled buffer of `nbytes` bytes and JS type `kind` in the host's shared memory.
    fn new_buffer(slf: &Bound<'_, Self>, kind: &str, nbytes: u64) -> PyResult<Py<PyAny>> {
        let kind = crate::state::js_buffer::kind_named(kind)?;
        requests::request(slf, Op::NewBuffer { kind, len: nbytes })
    }

    // A proxy's property operations, and JS's operators on values: `proxy/operations.rs`.

    fn get(slf: &Bound<'_, Self>, target: &Bound<'_, PyAny>, key: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        operations::get(slf, target, key)
    }

    fn set(slf: &Bound<'_, Self>, target: &Bound<'_, PyAny>, key: &Bound<'_, PyAny>, value: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        operations::set(slf, target, key, value)
    }

    fn has(slf: &Bound<'_, Self>, target: &Bound<'_, PyAny>, key: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        operations::has(slf, target, key)
    }

    fn delete(slf: &Bound<'_, Self>, target: &Bound<'_, PyAny>, key: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        operations::delete(slf, target, key)
    }

    fn own_keys(slf: &Bound<'_, Self>, target: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        operations::own_keys(slf, target)
    }

    fn own_property_descriptors(slf: &Bound<'_, Self>, target: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        operations::own_property_descriptors(slf, target)
    }

    /// `descriptor` holds only the fields that are present.
    fn define_property(
        slf: &Bound<'_, Self>,
        target: &Bound<'_, PyAny>,
        key: &Bound<'_, PyAny>,
        descriptor: &Bound<'_, PyDict>,
    ) -> PyResult<Py<PyAny>> {
        operations::define_property(slf, target, key, descriptor)
    }

    fn get_prototype(slf: &Bound<'_, Self>, target: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        operations::get_prototype(slf, target)
    }

    fn set_prototype(slf: &Bound<'_, Self>, target: &Bound<'_, PyAny>, proto: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        operations::set_prototype(slf, target, proto)
    }

    #[pyo3(name = "typeof")]
    fn type_of(slf: &Bound<'_, Self>, value: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        operations::type_of(slf, value)
    }

    fn instanceof(slf: &Bound<'_, Self>, value: &Bound<'_, PyAny>, ctor: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        operations::instance_of(slf, value, ctor)
    }

    fn strict_equals(slf: &Bound<'_, Self>, a: &Bound<'_, PyAny>, b: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        operations::strict_equals(slf, a, b)
    }

    /// A host-side object from `(key, value)` pairs, returned by reference.
    fn new_object(slf: &Bound<'_, Self>, pairs: Vec<(Bound<'_, PyAny>, Bound<'_, PyAny>)>) -> PyResult<Py<PyAny>> {
        requests::request_of(slf, |o| {
            let props = pairs.iter().map(|(k, v)| Ok((o.to_value(k)?, o.operand(v)?))).collect::<PyResult<_>>()?;
            Ok(Op::NewObject { props })
        })
    }

    fn new_array(slf: &Bound<'_, Self>, items: &Bound<'_, PyTuple>) -> PyResult<Py<PyAny>> {
        requests::request_of(slf, |o| Ok(Op::NewArray { items: o.operands(items.as_slice())? }))
    }

    #[pyo3(signature = (description=None))]
    fn new_symbol(slf: &Bound<'_, Self>, description: Option<String>) -> PyResult<Py<PyAny>> {
        requests::request(slf, Op::NewSymbol { description })
    }

    fn symbol_for(slf: &Bound<'_, Self>, key: String) -> PyResult<Py<PyAny>> {
        requests::request(slf, Op::SymbolFor { key })
    }

    /// `{name: method | "accessor" | "data"}` for a class prototype chain (cached).
    fn describe_class(slf: &Bound<'_, Self>, proto: u64) -> PyResult<Py<PyDict>> {
        operations::class_members(slf, proto)
    }

    /// `globalThis` of the host, by reference.
    fn global_this(slf: &Bound<'_, Self>) -> PyResult<Py<PyAny>> {
        requests::request(slf, Op::GlobalThis)
    }

    /// Passes this process's descriptor `fd` to the host (`js.descriptor`): the host gets a
    /// descriptor of its own on the same open file, whose number this answers.
    fn adopt_descriptor(slf: &Bound<'_, Self>, fd: i32) -> PyResult<Py<PyAny>> {
        static NEXT: AtomicU32 = AtomicU32::new(1);
        let id = NEXT.fetch_add(1, Ordering::Relaxed);
        slf.get().channel.pass_descriptor(id, borrowed_descriptor(fd)?)?;
        requests::request(slf, Op::AdoptDescriptor { id })
    }

    /// Closes the host's descriptor `fd` that `adopt_descriptor` answered; answers whether it
    /// was one (False: closed already, or never adopted).
    fn close_descriptor(slf: &Bound<'_, Self>, fd: i64) -> PyResult<Py<PyAny>> {
        requests::request(slf, Op::CloseDescriptor { fd })
    }

    /// Collects the cycles through Python, then the host's garbage; answers `[proxies let
    /// go, Python objects the host dropped, objects freed]`.
    fn collect_cycles(slf: &Bound<'_, Self>) -> PyResult<Py<PyAny>> {
        let done = requests::request(slf, Op::CollectCycles)?;
        // Many let go of or dropped: the messages that said so were as large, and their room too
        // goes back.
        let many = done.bind(slf.py()).extract::<Vec<f64>>().is_ok_and(|counts| counts.iter().take(2).sum::<f64>() >= 1000.0);
        slf.get().tidy(slf.py(), many);
        Ok(done)
    }

    /// What Python's collector should know this connection holds: the exported objects.
    fn __traverse__(&self, visit: PyVisit<'_>) -> Result<(), PyTraverseError> {
        self.exported.visit(&visit)
    }

    /// How many Python objects the host currently holds (for tests of their release).
    #[getter]
    fn exported_count(&self) -> usize {
        self.exported.len()
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

    /// How often threads waiting for this host were woken, as `{"rung": n, "woken": n,
    /// "held_back": n, "relayed": n, "handed_back": n, "host_woken": n, "given_back": n,
    /// "given_back_waiting": n, "in_line": n, "handed_in_line": n}`: bells rung for them,
    /// wake-ups from sleep (rung or not), top-level requests that waited to be sent while the
    /// host was busy, calls an in-process host thread ran for their callers (relayed), the steps
    /// of those it handed back to the callers' threads, the times it was woken from its sleep
    /// to serve one, the answers the callers gave back to it to free (and those not
    /// freed yet), the threads waiting in line to relay a call now, and the turns handed so far
    /// to a thread asleep in that line. For tests that a message wakes its own thread only, that
    /// a new request does not queue behind another thread's, and of which calls are relayed and
    /// how.
    #[getter]
    fn _wakeups(&self, py: Python<'_>) -> PyResult<Py<PyDict>> {
        let d = PyDict::new(py);
        let (rung, woken, held_back) = self.channel.wakeups();
        d.set_item("rung", rung)?;
        d.set_item("woken", woken)?;
        d.set_item("held_back", held_back)?;
        for (name, count) in self.channel.relay_counts() {
            d.set_item(name, count)?;
        }
        Ok(d.unbind())
    }

    /// How many calls went to the host in the compact form (`napi_protocol::quick`): for tests
    /// of which calls go so.
    #[getter]
    fn _compact_calls(&self) -> u64 {
        self.channel.quick_calls()
    }

    /// One round trip that does nothing (for benchmarks).
    fn ping(slf: &Bound<'_, Self>) -> PyResult<Py<PyAny>> {
        requests::request(slf, Op::Ping)
    }
}

/// The `output_id`s of this process's hosts with output lines waiting (or whose output ended)
/// since the last call, waiting up to `timeout` seconds for one; `None` once the interpreter is
/// exiting (so the thread forwarding them never waits in native code while it finalizes).
#[pyfunction]
pub fn hosts_with_output(py: Python<'_>, timeout: f64) -> PyResult<Option<Vec<u64>>> {
    let wait = Duration::from_secs_f64(timeout.max(0.0));
    crate::exit_gate::allow_threads(py, || napi_client::link::host_output::ready_outputs(wait))
        .transpose()
        .map_err(|e| PyOSError::new_err(e.to_string()))
}
