//! What the package gives the native layer to build Python values and exceptions with: the
//! classes and factories `napi_python/__init__.py` registers once through `_native.configure`
//! (`python_types/configure.rs`), each by name and checked there; and the exceptions made with
//! them for a host that cannot answer and for a Rust panic.
//!
//! Rust panics become ordinary Python exceptions: PyO3 raises a panic that reaches Python as
//! `PanicException`, a `BaseException` that `except Exception` does not catch, so a bug of ours
//! (or data that finds one) would pass every handler a user wrote. The entry points that run on
//! what Python or a host hands over catch the panic first (`caught`) and raise an `AddonError`
//! that says what happened instead.

use std::panic::AssertUnwindSafe;

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyType;

use napi_client::link::channel::Dead;

pub struct Hooks {
    /// Proxy classes (subclasses of `JSRef`) by kind.
    pub object_cls: Py<PyType>,
    pub function_cls: Py<PyType>,
    pub symbol_cls: Py<PyType>,
    pub external_cls: Py<PyType>,
    /// `() -> type`: the promise class (a subclass of `JSRef`), asked for at the first promise:
    /// it is a `concurrent.futures.Future`, whose module (with `logging`) is a seventh of
    /// `import napi_python`, which a program that meets no promise need not pay.
    pub promise_class: Py<PyAny>,
    /// What `promise_class` answered, once checked (`proxy/table.rs`, `promise_cls`).
    pub promise_cls: PyOnceLock<Py<PyType>>,
    /// `napi_python.Addon`: passed as a value, an addon is its exports (its `exports`).
    pub addon_cls: Py<PyType>,
    /// `(promise) -> settlement`: the settlement of a `JSPromise` the host subscribed to on its
    /// own (its `settle(ok, value)` is called when the promise settles).
    pub claimed: Py<PyAny>,
    /// `(exception)`: an exception nothing in the host caught.
    pub uncaught: Py<PyAny>,
    /// `(connection, object) -> JSPromise | None`: a JS promise for a Python awaitable.
    pub awaitable: Py<PyAny>,
    /// `napi_python.BigInt`.
    pub bigint_cls: Py<PyType>,
    /// `js.null` and `js.undefined`.
    pub null: Py<PyAny>,
    pub undefined: Py<PyAny>,
    /// `(value, name, message, code, props) -> exception` for JS exceptions.
    pub js_error: Py<PyAny>,
    /// `(kind, message) -> exception` for requests the host refused.
    pub failure: Py<PyAny>,
    /// `(kind, pid, message, signal, exit_code, stderr, limit) -> exception` for a dead host.
    pub dead: Py<PyAny>,
    /// `types.MethodType`: a bound method is exported as its object and function.
    pub method_type: Py<PyType>,
    /// What `js.function(f, receives_this=True)` makes: called with `this` first.
    pub receives_this_cls: Py<PyType>,
}

impl Hooks {
    /// Whether the host calls `f` with `this` first (`js.function(f, receives_this=True)`).
    /// A look at the type's bases: `isinstance` first looks for an `__instancecheck__` on the
    /// class: about 250 instructions, 3% of the client's part of an isolated callback.
    /// A plain function, the commonest callback, is none: its type has no subclass (the walk of
    /// the bases cost about 25 instructions a Python callback).
    pub fn receives_this(&self, f: &Bound<'_, PyAny>) -> bool {
        let cls = self.receives_this_cls.as_ptr().cast();
        // SAFETY: a type check of a live object, and both are live type objects (the GIL is
        // held, `f` and `self` hold them).
        !is_function(f) && unsafe { pyo3::ffi::PyType_IsSubtype(pyo3::ffi::Py_TYPE(f.as_ptr()), cls) != 0 }
    }
}

/// Whether `obj` is a plain Python function (a `def` or a lambda, no subclass: the type cannot
/// have one). Here, below both the values' conversion and `Hooks::receives_this`, which ask it.
#[inline(always)]
pub fn is_function(obj: &Bound<'_, PyAny>) -> bool {
    // SAFETY: a type check of a live object.
    unsafe { pyo3::ffi::PyFunction_Check(obj.as_ptr()) != 0 }
}

static HOOKS: PyOnceLock<Hooks> = PyOnceLock::new();

pub fn hooks(py: Python<'_>) -> PyResult<&Hooks> {
    HOOKS.get(py).ok_or_else(|| pyo3::exceptions::PyRuntimeError::new_err("napi_python._native is used before napi_python configured it"))
}

/// Keeps `hooks` for the life of the interpreter; a second registration (a reload of the
/// package) keeps the first.
pub fn register(py: Python<'_>, hooks: Hooks) {
    let _ = HOOKS.set(py, hooks);
}

/// The exception for a host that cannot answer.
pub fn dead_error(py: Python<'_>, d: &Dead) -> PyErr {
    match hooks(py).and_then(|h| h.dead.bind(py).call1(d.hook_args())) {
        Ok(exc) => PyErr::from_value(exc),
        Err(e) => e,
    }
}

/// Runs `f`, turning a panic into an `AddonError`.
#[inline]
pub fn caught<T>(py: Python<'_>, f: impl FnOnce() -> PyResult<T>) -> PyResult<T> {
    match std::panic::catch_unwind(AssertUnwindSafe(f)) {
        Ok(result) => result,
        Err(payload) => Err(internal_error(py, &*payload)),
    }
}

/// The exception a panic with `payload` becomes.
#[cold]
pub fn internal_error(py: Python<'_>, payload: &(dyn std::any::Any + Send)) -> PyErr {
    let message = format!("internal error in napi_python (please report it): {}", napi_link::panics::panic_message(payload));
    match hooks(py).and_then(|h| h.failure.bind(py).call1(("Internal", &message))) {
        Ok(exc) => PyErr::from_value(exc),
        Err(_) => pyo3::exceptions::PyRuntimeError::new_err(message),
    }
}
