//! What the package gives the native layer to build Python values and exceptions with: the
//! classes and factories `napi_python/__init__.py` registers once through `_native.configure`,
//! each by name and checked there; and the exceptions made with them for a host that cannot
//! answer and for a Rust panic.
//!
//! Rust panics become ordinary Python exceptions: PyO3 raises a panic that reaches Python as
//! `PanicException`, a `BaseException` that `except Exception` does not catch, so a bug of ours
//! (or data that finds one) would pass every handler a user wrote. The entry points that run on
//! what Python or a host hands over catch the panic first (`caught`) and raise an `AddonError`
//! that says what happened instead.

use std::panic::AssertUnwindSafe;

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyInt, PyType};
use pyo3::PyTypeInfo;

use crate::python_types::proxies::{JSCallable, JSRef};
use napi_client::link::channel::Dead;

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
    /// `datetime.datetime` and `datetime.timezone.utc`.
    pub datetime_cls: Py<PyType>,
    pub utc: Py<PyAny>,
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

/// Registers the Python classes and factories the native layer builds values with; called once,
/// by `napi_python/__init__.py`. Every hook is named (keyword-only) and checked here, so a hook
/// in the wrong place is a `TypeError` when the package is imported, not a wrong value later.
///
/// Proxy classes, each called as `cls(conn, id, kind, class_proto, label)`:
///
/// - `object_cls`: objects, arrays, errors, externals (a subclass of `JSRef`);
/// - `function_cls`: functions and classes (a subclass of `JSCallable`);
/// - `symbol_cls`: symbols (a subclass of `JSRef`);
/// - `promise_cls`: promises (a subclass of `JSRef`);
/// - `external_cls`: externals (a subclass of `JSRef`).
///
/// `addon_cls`: the class of loaded addons; one passed to JavaScript is sent as its `exports`.
///
/// Values Python has no word for:
///
/// - `bigint_cls`: the `int` subclass BigInts arrive as, and that goes back as a BigInt;
/// - `null`, `undefined`: the sentinels for JS `null` and `undefined` (two objects, neither
///   `None`: `None` also goes to JS as `undefined`, and `null` must come back as itself);
/// - `receives_this_cls`: the class of what `js.function(f, receives_this=True)` makes, whose
///   instances the host calls with `this` first.
///
/// Exceptions, each hook answering the exception to raise:
///
/// - `js_error(value, name, message, code, props)`: for a thrown JS value (`name` is None when
///   the value is not an Error);
/// - `failure(kind, message)`: for a request the host refused (`kind`: "Load", "StaleObject"...);
/// - `dead(kind, pid, message, signal, exit_code, stderr, limit)`: for a host that cannot answer
///   (`kind`: "closed", "timeout" or "crashed").
///
/// Promises:
///
/// - `claimed(promise)`: the settlement of a promise the host subscribed to on its own (a
///   promise that answered a call); its `settle(ok, value)` is called when the promise settles;
/// - `uncaught(exception)`: an exception nothing in the host caught;
/// - `awaitable(connection, object)`: a JS promise for a Python awaitable, or None if `object`
///   is not one.
#[pyfunction]
#[pyo3(signature = (
    *,
    object_cls,
    function_cls,
    symbol_cls,
    promise_cls,
    external_cls,
    addon_cls,
    bigint_cls,
    null,
    undefined,
    receives_this_cls,
    js_error,
    failure,
    dead,
    claimed,
    uncaught,
    awaitable,
))]
#[allow(clippy::too_many_arguments, reason = "one registration call with every hook, each passed by name")]
pub fn configure(
    py: Python<'_>,
    object_cls: Bound<'_, PyType>,
    function_cls: Bound<'_, PyType>,
    symbol_cls: Bound<'_, PyType>,
    promise_cls: Bound<'_, PyType>,
    external_cls: Bound<'_, PyType>,
    addon_cls: Bound<'_, PyType>,
    bigint_cls: Bound<'_, PyType>,
    null: Bound<'_, PyAny>,
    undefined: Bound<'_, PyAny>,
    receives_this_cls: Bound<'_, PyType>,
    js_error: Bound<'_, PyAny>,
    failure: Bound<'_, PyAny>,
    dead: Bound<'_, PyAny>,
    claimed: Bound<'_, PyAny>,
    uncaught: Bound<'_, PyAny>,
    awaitable: Bound<'_, PyAny>,
) -> PyResult<()> {
    if null.is_none() || undefined.is_none() || null.is(&undefined) {
        return Err(PyTypeError::new_err("configure: null and undefined must be two objects, neither of them None"));
    }
    let datetime = py.import("datetime")?;
    let datetime_cls = datetime.getattr("datetime")?.cast_into::<PyType>()?.unbind();
    let utc = datetime.getattr("timezone")?.getattr("utc")?.unbind();
    let method_type = py.import("types")?.getattr("MethodType")?.cast_into::<PyType>()?.unbind();
    let hooks = Hooks {
        object_cls: subclass_of::<JSRef>("object_cls", object_cls)?,
        function_cls: subclass_of::<JSCallable>("function_cls", function_cls)?,
        symbol_cls: subclass_of::<JSRef>("symbol_cls", symbol_cls)?,
        promise_cls: subclass_of::<JSRef>("promise_cls", promise_cls)?,
        external_cls: subclass_of::<JSRef>("external_cls", external_cls)?,
        addon_cls: addon_cls.unbind(),
        claimed: callable("claimed", claimed)?,
        uncaught: callable("uncaught", uncaught)?,
        awaitable: callable("awaitable", awaitable)?,
        bigint_cls: subclass_of::<PyInt>("bigint_cls", bigint_cls)?,
        null: null.unbind(),
        undefined: undefined.unbind(),
        js_error: callable("js_error", js_error)?,
        failure: callable("failure", failure)?,
        dead: callable("dead", dead)?,
        datetime_cls,
        utc,
        method_type,
        receives_this_cls: receives_this_cls.unbind(),
    };
    register(py, hooks);
    Ok(())
}

/// `cls`, if it derives from `T` (the native layer calls it as one of `T`'s constructors).
fn subclass_of<T: PyTypeInfo>(hook: &str, cls: Bound<'_, PyType>) -> PyResult<Py<PyType>> {
    if cls.is_subclass_of::<T>()? {
        return Ok(cls.unbind());
    }
    let base = T::type_object(cls.py()).name()?;
    Err(PyTypeError::new_err(format!("configure: {hook} must be a subclass of {base}, not {}", cls.name()?)))
}

/// `f`, if it can be called.
fn callable(hook: &str, f: Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
    if f.is_callable() {
        return Ok(f.unbind());
    }
    Err(PyTypeError::new_err(format!("configure: {hook} must be callable, not {}", f.get_type().name()?)))
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
