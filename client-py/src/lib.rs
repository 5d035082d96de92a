//! `napi_python._native`: the private extension behind the `napi_python` package. It spawns and
//! talks to `napi-hostd`, converts values, and runs the host's calls into Python.

mod buffer;
mod channel;
mod configure;
mod connection;
mod connection_methods;
mod convert;
mod dictkeys;
mod direct;
mod dispatched;
mod dispatcher;
mod exiting;
mod exportholder;
mod fork;
mod hooks;
mod inbound;
mod inprocess;
mod jsref;
mod jsref_methods;
mod lend;
mod output;
mod panics;
mod pending;
mod process;
mod quick;
mod requests;
mod rings;
mod shm;
mod subscriptions;
mod transport;

use pyo3::prelude::*;

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    fork::count_forks();
    m.add_class::<connection::Connection>()?;
    m.add_class::<jsref::JSRef>()?;
    m.add_class::<jsref::JSCallable>()?;
    m.add_class::<jsref::JSMethod>()?;
    m.add_class::<buffer::JSBuffer>()?;
    exportholder::add_to(m)?;
    m.add_function(wrap_pyfunction!(configure::configure, m)?)?;
    m.add_function(wrap_pyfunction!(write_unraisable, m)?)?;
    m.add_function(wrap_pyfunction!(exiting::interpreter_exiting, m)?)?;
    m.add("PROTOCOL_VERSION", napi_protocol::PROTOCOL_VERSION)?;
    // The package's version, from the one place it is set (the workspace's Cargo.toml), which
    // maturin also writes into the wheel's metadata.
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}

/// Reports `exc` through `sys.unraisablehook`, as CPython reports exceptions it cannot raise.
#[pyfunction]
fn write_unraisable(py: Python<'_>, exc: Bound<'_, pyo3::exceptions::PyBaseException>) {
    PyErr::from_value(exc.into_any()).write_unraisable(py, None);
}
