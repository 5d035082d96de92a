//! The proxies of host objects as Python uses them: `JSRef`'s attribute reads and the calls of
//! its callable kinds (`JSCallable`, `JSMethod`), made as requests over their connection
//! (`calls/requests.rs`). Their data is `state/proxies.rs`'s.

use std::sync::atomic::AtomicBool;

use pyo3::exceptions::{PyAttributeError, PyTypeError};
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{PyString, PyTuple};
use pyo3::{PyTraverseError, PyVisit};

use crate::calls::requests;
use crate::proxy::object::{_PyType_Lookup, JSCallable, JSMethod, JSRef};
use crate::proxy::operations;
use crate::state::connection::Connection;
use napi_client::session::direct::Quick;

#[pymethods]
impl JSRef {
    #[new]
    #[pyo3(signature = (conn, id, kind, class_proto, label))]
    fn new(conn: Py<Connection>, id: u64, kind: String, class_proto: Option<u64>, label: String) -> Self {
        JSRef { conn, id, kind, class_proto, label, quick: Quick::default(), let_go: AtomicBool::new(false) }
    }

    /// What Python's collector should know this proxy holds: its connection.
    fn __traverse__(&self, visit: PyVisit<'_>) -> Result<(), PyTraverseError> {
        visit.call(&self.conn)
    }

    /// The connection to the host that owns the object.
    #[getter]
    fn _napi_conn(&self, py: Python<'_>) -> Py<Connection> {
        self.conn.clone_ref(py)
    }

    #[getter]
    fn _napi_id(&self) -> u64 {
        self.id
    }

    #[getter]
    fn _napi_kind(&self) -> &str {
        &self.kind
    }

    #[getter]
    fn _napi_class_proto(&self) -> Option<u64> {
        self.class_proto
    }

    #[getter]
    fn _napi_label(&self) -> &str {
        &self.label
    }

    /// Attribute lookup for proxies, the type's `tp_getattro`. JS names win: a dunder or a
    /// `_napi_` name is the proxy's own (Python's protocols, napi_python's internals); any
    /// other name is the object's property, a method of its class (from the cached method
    /// table) bound to the object, else the property read from the host (functions bound
    /// too). Only a name the object lacks falls back to the proxy's Python attributes (the
    /// deprecated helpers, `JSFunction.new`); then `AttributeError` (a property whose value is
    /// undefined gives `None`). Done natively and without Python's failed lookup first:
    /// `obj.method` is on every method call's path, and a `__getattr__` fallback spent about
    /// 0.4 µs raising and catching an AttributeError there.
    fn __getattribute__(slf: &Bound<'_, Self>, name: &Bound<'_, PyString>) -> PyResult<Py<PyAny>> {
        let py = slf.py();
        let n = name.to_str()?;
        // A dunder the type lacks is not looked for in JS either (`copy` and `pickle` probe
        // for some).
        if (n.starts_with("__") && n.ends_with("__")) || n.starts_with(PYTHON_PREFIX) {
            return generic_getattr(slf.as_any(), name);
        }
        let this = slf.get();
        let conn = this.conn.bind(py);
        if let Some(proto) = this.class_proto {
            let members = operations::class_members(conn, proto)?;
            if let Some(m) = members.bind(py).get_item(name)? {
                if let Ok(f) = m.cast_into::<JSRef>() {
                    return Ok(Py::new(py, JSMethod::new(slf.clone().unbind(), f.unbind()))?.into_any());
                }
            }
        }
        let value = operations::get(conn, slf.as_any(), name.as_any())?;
        let bound = value.bind(py);
        // Undefined: a missing property (JS's `in` says no), or one whose value is undefined.
        if (bound.is_none() || bound.is(&crate::state::hooks::hooks(py)?.undefined))
            && !operations::has(conn, slf.as_any(), name.as_any())?.bind(py).is_truthy()?
        {
            if on_type(slf.as_any(), name) {
                return generic_getattr(slf.as_any(), name);
            }
            return Err(missing_property(slf.as_any(), n));
        }
        if let Ok(f) = bound.cast::<JSRef>() {
            if f.get().kind == "function" {
                return Ok(Py::new(py, JSMethod::new(slf.clone().unbind(), f.clone().unbind()))?.into_any());
            }
        }
        Ok(value)
    }
}

/// The prefix of a proxy's own Python attributes besides dunders: no JS library names its
/// properties so, and every other name is the JS object's.
const PYTHON_PREFIX: &str = "_napi_";

/// The `AttributeError` for a property the object does not have, so that `hasattr`,
/// `getattr(obj, name, default)` and duck typing work as on Python objects.
#[cold]
fn missing_property(obj: &Bound<'_, PyAny>, name: &str) -> PyErr {
    let repr = obj.repr().map(|r| r.to_string()).unwrap_or_else(|_| "the JavaScript object".into());
    PyAttributeError::new_err(format!("{repr} has no property '{name}'"))
}

/// Whether `name` is an attribute of `obj`'s type or one of its bases.
fn on_type(obj: &Bound<'_, PyAny>, name: &Bound<'_, PyString>) -> bool {
    // SAFETY: both pointers are live objects held by the caller, and the GIL is held. The
    // lookup returns a borrowed reference (or null without an exception), which is only compared.
    unsafe { !_PyType_Lookup(pyo3::ffi::Py_TYPE(obj.as_ptr()), name.as_ptr()).is_null() }
}

/// Python's ordinary attribute lookup (descriptors, instance dict).
fn generic_getattr(obj: &Bound<'_, PyAny>, name: &Bound<'_, PyString>) -> PyResult<Py<PyAny>> {
    // SAFETY: as in `on_type`; the result is a new reference or null with an exception set.
    unsafe { Bound::from_owned_ptr_or_err(obj.py(), pyo3::ffi::PyObject_GenericGetAttr(obj.as_ptr(), name.as_ptr())).map(Bound::unbind) }
}

#[pymethods]
impl JSCallable {
    #[new]
    #[pyo3(signature = (conn, id, kind, class_proto, label))]
    fn new(conn: Py<Connection>, id: u64, kind: String, class_proto: Option<u64>, label: String) -> PyClassInitializer<Self> {
        PyClassInitializer::from(JSRef::new(conn, id, kind, class_proto, label)).add_subclass(JSCallable { vectorcall: vectorcall_call })
    }

    /// Calls the function with `this` undefined, or constructs it when it is a class.
    #[pyo3(signature = (*args))]
    fn __call__(slf: &Bound<'_, Self>, args: &Bound<'_, PyTuple>) -> PyResult<Py<PyAny>> {
        announce_vectorcall(slf.as_any(), &slf.get().vectorcall);
        crate::state::hooks::caught(slf.py(), || call_proxy(slf, args.as_slice()))
    }
}

fn call_proxy(slf: &Bound<'_, JSCallable>, args: &[Bound<'_, PyAny>]) -> PyResult<Py<PyAny>> {
    let py = slf.py();
    let f = slf.as_super();
    let this = f.get();
    let conn = this.conn.bind(py);
    if this.kind == "class" {
        requests::construct_with(conn, f.as_any(), args)
    } else {
        requests::call_ref(conn, f, None, args)
    }
}

/// Tells the type of `obj`, at its first call, where its instances keep their vectorcall
/// (`field`, inside `obj`): CPython then calls them through it, without the tuple of arguments
/// it makes for the call slot and the tuple slicing PyO3 does for `*args` (about a tenth of an
/// in-process call). Done per type, by the first call, because the offset is known only
/// from an instance, and because CPython 3.11 does not pass the flag on to subclasses such as
/// `JSFunction`. Every instance of the type must keep its vectorcall at that offset.
fn announce_vectorcall(obj: &Bound<'_, PyAny>, field: &ffi::vectorcallfunc) {
    let obj = obj.as_ptr();
    // SAFETY: the GIL is held and `obj` is a live instance, so its type is a live type object.
    // Only heap types are changed (every type with such a field is one: PyO3 and Python
    // classes); their slots are ours to set while the GIL is held, and (the caller's promise)
    // every instance of the type keeps its vectorcall at the same offset.
    unsafe {
        let ty = ffi::Py_TYPE(obj);
        let flags = (*ty).tp_flags;
        if flags & ffi::Py_TPFLAGS_HAVE_VECTORCALL != 0 || flags & ffi::Py_TPFLAGS_HEAPTYPE == 0 {
            return;
        }
        (*ty).tp_vectorcall_offset = field as *const ffi::vectorcallfunc as isize - obj as isize;
        (*ty).tp_flags = flags | ffi::Py_TPFLAGS_HAVE_VECTORCALL;
    }
}

/// What the vectorcalls of proxies share: keyword arguments refused, the arguments as a slice,
/// an error or a panic turned into the Python exception CPython expects. `call` gets the
/// callable and the arguments.
///
/// # Safety
/// CPython's vectorcall contract (PEP 590): the GIL held, `callable` alive, `args` holding the
/// `nargsf` arguments, `kwnames` null or a tuple of names.
unsafe fn vectorcall_with(
    callable: *mut ffi::PyObject,
    args: *const *mut ffi::PyObject,
    nargsf: libc::size_t,
    kwnames: *mut ffi::PyObject,
    call: impl FnOnce(Bound<'_, PyAny>, &[Bound<'_, PyAny>]) -> PyResult<Py<PyAny>>,
) -> *mut ffi::PyObject {
    // SAFETY: CPython calls a vectorcall with the GIL held.
    let py = unsafe { Python::assume_attached() };
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        // SAFETY: `kwnames` is null or a tuple of names (PEP 590).
        if !kwnames.is_null() && unsafe { ffi::PyTuple_GET_SIZE(kwnames) } > 0 {
            return Err(PyTypeError::new_err("a JavaScript function takes no keyword arguments"));
        }
        // SAFETY: `callable` is alive for the call (a new reference is taken for the `Bound`).
        let slf = unsafe { Bound::from_borrowed_ptr(py, callable) };
        // SAFETY: `args` holds `nargs` borrowed references, alive for the call; a `Bound` is
        // one pointer, as `PyTuple::as_slice` relies on too, and none of these is dropped.
        let nargs = unsafe { ffi::PyVectorcall_NARGS(nargsf) } as usize;
        let args: &[Bound<'_, PyAny>] =
            if nargs == 0 { &[] } else { unsafe { std::slice::from_raw_parts(args.cast::<Bound<'_, PyAny>>(), nargs) } };
        call(slf, args)
    }));
    match result {
        Ok(Ok(value)) => value.into_ptr(),
        Ok(Err(e)) => {
            e.restore(py);
            std::ptr::null_mut()
        }
        // Never unwind into CPython, and never as a `PanicException` (`hooks::caught`).
        Err(panic) => {
            crate::state::hooks::internal_error(py, &*panic).restore(py);
            std::ptr::null_mut()
        }
    }
}

/// A `JSCallable`'s vectorcall: `call_proxy` with the caller's array of arguments.
unsafe extern "C" fn vectorcall_call(
    callable: *mut ffi::PyObject,
    args: *const *mut ffi::PyObject,
    nargsf: libc::size_t,
    kwnames: *mut ffi::PyObject,
) -> *mut ffi::PyObject {
    // SAFETY: CPython's own call of a vectorcall; `callable`'s type announced this function,
    // so it is a `JSCallable`.
    unsafe { vectorcall_with(callable, args, nargsf, kwnames, |slf, args| call_proxy(&slf.cast_into_unchecked::<JSCallable>(), args)) }
}

/// A `JSMethod`'s vectorcall: its function called with its `this`.
unsafe extern "C" fn vectorcall_method(
    callable: *mut ffi::PyObject,
    args: *const *mut ffi::PyObject,
    nargsf: libc::size_t,
    kwnames: *mut ffi::PyObject,
) -> *mut ffi::PyObject {
    // SAFETY: as in `vectorcall_call`, for `JSMethod`.
    unsafe {
        vectorcall_with(callable, args, nargsf, kwnames, |slf, args| {
            let method = slf.cast_into_unchecked::<JSMethod>();
            method.get().call(method.py(), args)
        })
    }
}

impl JSMethod {
    fn new(this: Py<JSRef>, func: Py<JSRef>) -> JSMethod {
        JSMethod { this, func, vectorcall: vectorcall_method }
    }

    fn call(&self, py: Python<'_>, args: &[Bound<'_, PyAny>]) -> PyResult<Py<PyAny>> {
        let conn = self.func.get().conn.bind(py);
        requests::call_ref(conn, self.func.bind(py), Some(self.this.bind(py)), args)
    }
}

#[pymethods]
impl JSMethod {
    /// `func` bound to `this` (an addon binds its exported functions to its exports).
    #[new]
    fn bound(this: Py<JSRef>, func: Py<JSRef>) -> JSMethod {
        JSMethod::new(this, func)
    }

    #[pyo3(signature = (*args))]
    fn __call__(slf: &Bound<'_, Self>, args: &Bound<'_, PyTuple>) -> PyResult<Py<PyAny>> {
        announce_vectorcall(slf.as_any(), &slf.get().vectorcall);
        crate::state::hooks::caught(slf.py(), || slf.get().call(slf.py(), args.as_slice()))
    }

    #[getter]
    fn __self__(&self, py: Python<'_>) -> Py<JSRef> {
        self.this.clone_ref(py)
    }

    #[getter]
    fn __func__(&self, py: Python<'_>) -> Py<JSRef> {
        self.func.clone_ref(py)
    }

    /// `obj.f.call(...)`, `obj.f.new(...)`, `obj.f.length`: the function's own.
    fn __getattr__(&self, py: Python<'_>, name: &Bound<'_, PyString>) -> PyResult<Py<PyAny>> {
        Ok(self.func.bind(py).as_any().getattr(name)?.unbind())
    }

    /// `obj["f"]["name"]`: items too are the function's own, so a function read by item or
    /// attribute stays the object it is in JS, only called with its `this`.
    fn __getitem__(&self, py: Python<'_>, key: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        Ok(self.func.bind(py).as_any().get_item(key)?.unbind())
    }

    fn __setitem__(&self, py: Python<'_>, key: &Bound<'_, PyAny>, value: &Bound<'_, PyAny>) -> PyResult<()> {
        self.func.bind(py).as_any().set_item(key, value)
    }

    fn __delitem__(&self, py: Python<'_>, key: &Bound<'_, PyAny>) -> PyResult<()> {
        self.func.bind(py).as_any().del_item(key)
    }

    fn __eq__(&self, py: Python<'_>, other: &Bound<'_, PyAny>) -> PyResult<bool> {
        match other.cast::<JSMethod>() {
            Ok(o) => Ok(o.get().this.bind(py).as_any().eq(self.this.bind(py))? && o.get().func.get().id == self.func.get().id),
            Err(_) => Ok(false),
        }
    }

    fn __hash__(&self, py: Python<'_>) -> PyResult<isize> {
        let this = self.this.bind(py).as_any().hash()?;
        Ok(this ^ (self.func.get().id as isize).wrapping_mul(31))
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let label = &self.func.get().label;
        Ok(format!("<JSMethod {} of {}>", if label.is_empty() { "(anonymous)" } else { label }, self.this.bind(py).repr()?))
    }
}
