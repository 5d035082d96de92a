//! `_native.configure`: the package registers the classes and factories the native layer
//! builds Python values and exceptions with (`state/hooks.rs`), each checked here.

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyCFunction, PyInt, PyType};
use pyo3::PyTypeInfo;

use crate::proxy::object::{JSCallable, JSRef};
use crate::state::hooks::{register, Hooks};

/// Registers the Python classes and factories the native layer builds values with; called once,
/// by `napi_python/__init__.py`. Every hook is named (keyword-only) and checked here, so a hook
/// in the wrong place is a `TypeError` when the package is imported, not a wrong value later.
///
/// Proxy classes, each called as `cls(conn, id, kind, class_proto, label)`:
///
/// - `object_cls`: objects, arrays, errors, externals (a subclass of `JSRef`);
/// - `function_cls`: functions and classes (a subclass of `JSCallable`);
/// - `symbol_cls`: symbols (a subclass of `JSRef`);
/// - `external_cls`: externals (a subclass of `JSRef`);
/// - `promise_class`: called with no arguments at the first promise, answers the class of
///   promises (a subclass of `JSRef`).
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
///   (`kind`: "closed", "timeout", "crashed", "forked" or "uncaught").
///
/// Promises:
///
/// - `claimed(promise)`: the settlement of a promise the host subscribed to on its own (a
///   promise that answered a call); its `settle(ok, value)` is called when the promise settles;
/// - `uncaught(exception, connection)`: an exception nothing in the host caught, and the
///   connection of the host it came from;
/// - `awaitable(connection, object)`: a JS promise for a Python awaitable, or None if `object`
///   is not one.
#[pyfunction]
#[pyo3(signature = (
    *,
    object_cls,
    function_cls,
    symbol_cls,
    external_cls,
    promise_class,
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
    external_cls: Bound<'_, PyType>,
    promise_class: Bound<'_, PyAny>,
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
    let method_type = py.import("types")?.getattr("MethodType")?.cast_into::<PyType>()?.unbind();
    let hooks = Hooks {
        object_cls: subclass_of::<JSRef>("object_cls", object_cls)?,
        function_cls: subclass_of::<JSCallable>("function_cls", function_cls)?,
        symbol_cls: subclass_of::<JSRef>("symbol_cls", symbol_cls)?,
        external_cls: subclass_of::<JSRef>("external_cls", external_cls)?,
        promise_class: checked_class_maker::<JSRef>(py, "promise_class", callable("promise_class", promise_class)?)?,
        promise_cls: PyOnceLock::new(),
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

/// `make` (called with no arguments, answering a class), wrapped so that the class it answers is
/// checked as `subclass_of` checks a class given at once: a hook whose class is wanted only when
/// first used (the promise class, whose module Python need not import before).
fn checked_class_maker<T: PyTypeInfo>(py: Python<'_>, hook: &'static str, make: Py<PyAny>) -> PyResult<Py<PyAny>> {
    let checked = PyCFunction::new_closure(py, None, None, move |args, _kwargs| -> PyResult<Py<PyType>> {
        let made = make.bind(args.py()).call0()?;
        match made.cast_into::<PyType>() {
            Ok(cls) => subclass_of::<T>(hook, cls),
            Err(e) => {
                Err(PyTypeError::new_err(format!("configure: {hook} must return a class, not {}", e.into_inner().get_type().name()?)))
            }
        }
    })?;
    Ok(checked.into_any().unbind())
}

/// `f`, if it can be called.
fn callable(hook: &str, f: Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
    if f.is_callable() {
        return Ok(f.unbind());
    }
    Err(PyTypeError::new_err(format!("configure: {hook} must be callable, not {}", f.get_type().name()?)))
}
