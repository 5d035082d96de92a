//! `napi_python._native`: the private extension behind the `napi_python` package. It talks to
//! hosts through `napi_client` (which starts them and links to them: `napi-hostd`, or in-process
//! the host runtime it carries), converts values, and runs the hosts' calls into Python.
//!
//! Its folders, lowest first; each imports only its own folder or lower ones, and no two files
//! import each other around a circle (`tests/tools/test_crate_layering.py`). A Python type's data is
//! in `state/`, below everything that holds or converts it; its methods are in `python_types/`,
//! on top. The proxies of JS objects are the exception: one folder of their own (`proxy`), whose
//! files lie in those layers.

/// Rust threads and interpreter exit: the Python side of the gate every thread of ours passes
/// to take the GIL (`napi_client::exit_gate`).
mod exit_gate;

/// What the client keeps for a host, as data: a connection, its buffers, the Python objects it
/// holds, its promise subscriptions; and the package's hooks.
/// Below everything that converts or calls, so that none of it reaches up (the classes'
/// Python methods are `python_types/`'s).
mod state {
    pub mod arity;
    pub mod connection;
    pub mod exported;
    pub mod finished;
    pub mod hooks;
    pub mod js_buffer;
    pub mod subscriptions;
}

/// Python objects as protocol values for a host, and back.
mod values {
    pub mod buffers;
    pub mod containers;
    pub mod copies;
    mod dates;
    pub mod dict_keys;
    pub mod from_python;
    pub mod keeping;
    pub mod to_python;
}

/// The requests and calls Python makes of a host, the two ways they go (directly on the
/// caller's thread in-process, or by message), and the Python calls a host makes back.
mod calls {
    pub mod answers;
    pub mod by_message;
    pub mod chain_events;
    pub mod direct_calls;
    pub mod python_calls;
    pub mod quick_calls;
    pub mod requests;
    pub mod trace;
}

/// What a host sends that no request caused: the event dispatcher and its turns, and in-process
/// the host thread's own.
mod events {
    pub mod dispatcher;
    pub mod handling;
}

/// The classes' Python methods (`_native.Connection`, `JSBuffer`, `ExportHolder`), and
/// `configure`, which registers the package's hooks.
mod python_types {
    pub mod configure;
    pub mod connection;
    pub mod export_holder;
    pub mod js_buffer;
    pub mod read_cache;
}

/// How a JS object behaves in Python, the native half (the Python half, the classes users see,
/// is `napi_python/proxy.py`): start here to change it. Its files lie in the layers above, each
/// where what it uses is: the data of `JSRef`, `JSCallable` and `JSMethod` (`object`) and the
/// table that keeps one proxy per object (`table`) beside `state/`; the requests of a proxy's
/// property operations, which `Connection`'s Python methods of those names make (`operations`),
/// beside `calls/`; and the proxies' Python methods: attribute lookup, calls and their
/// vectorcalls (`methods`), on top.
mod proxy {
    pub mod methods;
    pub mod object;
    pub mod operations;
    pub mod table;
}

use pyo3::prelude::*;

// The extension keeps the GIL on a free-threaded interpreter (3.14t, 3.15t): its call paths
// count on it, e.g. to hand the in-process JS lock from one Python thread to the next, to fill
// the per-class method tables, and to keep the per-thread caches of strings consistent with
// the objects they name. None of that has been audited for threads running at once.
#[pymodule(gil_used = true)]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    napi_client::link::forks::count_forks();
    napi_client::exit_gate::set_blocking_wait(exit_gate::wait_without_gil);
    m.add_class::<state::connection::Connection>()?;
    m.add_class::<proxy::object::JSRef>()?;
    m.add_class::<proxy::object::JSCallable>()?;
    m.add_class::<proxy::object::JSMethod>()?;
    m.add_class::<state::js_buffer::JSBuffer>()?;
    python_types::export_holder::add_to(m)?;
    m.add_function(wrap_pyfunction!(python_types::configure::configure, m)?)?;
    m.add_function(wrap_pyfunction!(write_unraisable, m)?)?;
    m.add_function(wrap_pyfunction!(exit_gate::interpreter_exiting, m)?)?;
    m.add_function(wrap_pyfunction!(python_types::connection::hosts_with_output, m)?)?;
    m.add_function(wrap_pyfunction!(_protocol_containers_built, m)?)?;
    m.add_function(wrap_pyfunction!(_protocol_strings_made, m)?)?;
    m.add_function(wrap_pyfunction!(_protocol_bytes_made, m)?)?;
    m.add_function(wrap_pyfunction!(_cpus_contended, m)?)?;
    m.add_function(wrap_pyfunction!(_times_cpus_found_contended, m)?)?;
    m.add("PROTOCOL_VERSION", napi_protocol::PROTOCOL_VERSION)?;
    // Bytes each of a host's rings holds: larger messages stream through (tests send them).
    m.add("RING_CAPACITY", napi_link::shm::ring::RING_CAPACITY)?;
    // The package's version, from the one place it is set (the workspace's Cargo.toml), which
    // maturin also writes into the wheel's metadata.
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}

/// For tests: how many protocol arrays and objects this thread has built, and protocol trees it
/// made Python objects of (however they were built). In-process, a request's values go between
/// Python objects and the host's heap without either, as no bytes leave the process.
#[pyfunction]
fn _protocol_containers_built() -> u64 {
    napi_protocol::value_tree::containers_built() + values::to_python::trees_converted()
}

/// For tests: how many protocol strings this thread has made of a Python `str` or a JS string.
/// In-process, a string a value holds goes from one side's object into the other's, its text
/// copied once.
#[pyfunction]
fn _protocol_strings_made() -> u64 {
    napi_protocol::value_tree::strings_made()
}

/// For tests: how many protocol byte strings this thread has made of a Python object's bytes.
/// In-process, a direct call's `bytes` argument goes from its object into the host's new Buffer,
/// copied once (a large one by way of shared memory, unless the call is relayed).
#[pyfunction]
fn _protocol_bytes_made() -> u64 {
    napi_protocol::value_tree::bytes_made()
}

/// For tests: whether this process's waits found the CPUs contended lately, and sleep instead of
/// yielding for a while (`napi_link::spin::contended`): counts of sleeps and switches then differ.
#[pyfunction]
fn _cpus_contended() -> bool {
    napi_link::spin::contended()
}

/// For tests: how many times so far this process's waits found the CPUs contended
/// (`napi_link::spin::times_found_contended`): a measurement whose count moved while it ran was
/// taken partly with its waits sleeping, even if they no longer do at its end.
#[pyfunction]
fn _times_cpus_found_contended() -> u64 {
    napi_link::spin::times_found_contended()
}

/// Reports `exc` through `sys.unraisablehook`, as CPython reports exceptions it cannot raise.
#[pyfunction]
fn write_unraisable(py: Python<'_>, exc: Bound<'_, pyo3::exceptions::PyBaseException>) {
    PyErr::from_value(exc.into_any()).write_unraisable(py, None);
}
