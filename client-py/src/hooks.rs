//! The Python classes and factories the native layer builds values with, registered once by
//! `napi_python/__init__.py` through `_native.configure` (`configure.rs`), each by name and
//! checked there.

use pyo3::prelude::*;
use pyo3::sync::GILOnceCell;
use pyo3::types::PyType;

pub struct Hooks {
    /// Proxy classes (subclasses of `JSRef`) by kind.
    pub object_cls: Py<PyType>,
    pub function_cls: Py<PyType>,
    pub symbol_cls: Py<PyType>,
    pub promise_cls: Py<PyType>,
    pub external_cls: Py<PyType>,
    /// `napi_python.Addon`: passed as a value, an addon is its exports (its `exports`).
    pub addon_cls: Py<PyType>,
    /// `(promise) -> settlement`: the settlement of a `JSPromise` the host subscribed to on its
    /// own (its `settle(ok, value)` is called when the promise settles).
    pub claimed: PyObject,
    /// `(exception)`: an exception nothing in the host caught.
    pub uncaught: PyObject,
    /// `(connection, object) -> JSPromise | None`: a JS promise for a Python awaitable.
    pub awaitable: PyObject,
    /// `napi_python.BigInt`.
    pub bigint_cls: Py<PyType>,
    /// `js.null` and `js.undefined`.
    pub null: PyObject,
    pub undefined: PyObject,
    /// `(value, name, message, code, props) -> exception` for JS exceptions.
    pub js_error: PyObject,
    /// `(kind, message) -> exception` for requests the host refused.
    pub failure: PyObject,
    /// `(kind, pid, message, signal, exit_code, stderr, limit) -> exception` for a dead host.
    pub dead: PyObject,
    /// `datetime.datetime` and `datetime.timezone.utc`.
    pub datetime_cls: Py<PyType>,
    pub utc: PyObject,
    /// `types.MethodType`: a bound method is exported as its object and function.
    pub method_type: Py<PyType>,
    /// What `js.function(f, receives_this=True)` makes: called with `this` first.
    pub receives_this_cls: Py<PyType>,
}

impl Hooks {
    /// Whether the host calls `f` with `this` first (`js.function(f, receives_this=True)`).
    /// A look at the type's bases: `isinstance` first looks for an `__instancecheck__` on the
    /// class: about 250 instructions, 3% of the client's part of an isolated callback.
    pub fn receives_this(&self, f: &Bound<'_, PyAny>) -> bool {
        // SAFETY: both are live type objects (the GIL is held, `f` and `self` hold them).
        unsafe { pyo3::ffi::PyType_IsSubtype(pyo3::ffi::Py_TYPE(f.as_ptr()), self.receives_this_cls.as_ptr().cast()) != 0 }
    }
}

static HOOKS: GILOnceCell<Hooks> = GILOnceCell::new();

pub fn hooks(py: Python<'_>) -> PyResult<&Hooks> {
    HOOKS.get(py).ok_or_else(|| pyo3::exceptions::PyRuntimeError::new_err("napi_python._native is used before napi_python configured it"))
}

/// Keeps `hooks` for the life of the interpreter; a second registration (a reload of the
/// package) keeps the first.
pub fn register(py: Python<'_>, hooks: Hooks) {
    let _ = HOOKS.set(py, hooks);
}
