//! `ExportHolder`: the native base of `Addon`, for its attribute reads.
//!
//! `addon.f` is on the path of every call through an addon. A class that defines `__getattr__`
//! in Python gets a slot that looks the hook up on every read, and the interpreter never
//! specialises its reads: 43 ns, where a plain instance attribute costs 9. A PyO3 `__getattr__`
//! only got it to 37 ns, as PyO3's trampoline costs about as much as the lookup. So this
//! type is made by hand with a bare `tp_getattro`: the instance dict (where the exports live),
//! then the generic lookup and, only when that fails with `AttributeError`, the Python fallback
//! `_napi_missing_attribute`. What the instance dict gave is remembered by the dict's version
//! (`read_cache`), which spares most reads the dict lookup.

use std::ffi::{c_uint, c_void};
use std::ptr;

use pyo3::ffi;
use pyo3::prelude::*;

use super::read_cache;

extern "C" {
    /// Where an object's instance dict is (made from inline values first, if need be).
    /// Private but exported by CPython 3 (pyo3-ffi leaves it out).
    fn _PyObject_GetDictPtr(obj: *mut ffi::PyObject) -> *mut *mut ffi::PyObject;
}

/// The type's `tp_getattro`: the instance dict first. That order is the generic one for every
/// name `Addon` keeps there: it never puts an export there under a name its class has (a data
/// descriptor of the class would otherwise come first).
unsafe extern "C" fn getattro(obj: *mut ffi::PyObject, name: *mut ffi::PyObject) -> *mut ffi::PyObject {
    // SAFETY: CPython calls this with the GIL held and valid `obj` and `name` references; the
    // dict pointer, when not null, points at the instance's dict slot.
    unsafe {
        let dict = _PyObject_GetDictPtr(obj);
        if !dict.is_null() && !(*dict).is_null() {
            let dict = *dict;
            let found = read_cache::lookup(dict, name);
            if !found.is_null() {
                ffi::Py_INCREF(found);
                return found;
            }
            let found = ffi::PyDict_GetItemWithError(dict, name);
            if !found.is_null() {
                // Only an exact string is held: another's deallocation could run Python code.
                if ffi::PyUnicode_CheckExact(name) != 0 {
                    read_cache::remember(dict, name, found);
                }
                ffi::Py_INCREF(found);
                return found;
            }
            if !ffi::PyErr_Occurred().is_null() {
                return ptr::null_mut();
            }
        }
        let found = ffi::PyObject_GenericGetAttr(obj, name);
        if !found.is_null() || ffi::PyErr_ExceptionMatches(ffi::PyExc_AttributeError) == 0 {
            return found;
        }
        // The fallback is taken from the type and called as a plain function, never looked
        // up through this slot: a type without one (`ExportHolder` itself) or with one this
        // lookup cannot reach would otherwise recurse until the C stack ran out.
        // The generic lookup's AttributeError is set aside (the type lookup expects none
        // pending), and stands if there is no fallback.
        let py = Python::assume_attached();
        let lookup_error = PyErr::take(py);
        let method = ffi::PyUnicode_InternFromString(c"_napi_missing_attribute".as_ptr());
        let fallback = if method.is_null() { ptr::null_mut() } else { crate::proxy::object::_PyType_Lookup(ffi::Py_TYPE(obj), method) };
        if !method.is_null() {
            ffi::Py_DECREF(method);
        }
        if fallback.is_null() {
            if let Some(error) = lookup_error {
                error.restore(py);
            }
            return ptr::null_mut();
        }
        drop(lookup_error);
        // Borrowed from the type's dict, which the call could change: held meanwhile.
        ffi::Py_INCREF(fallback);
        let answer = ffi::PyObject_CallFunctionObjArgs(fallback, obj, name, ptr::null_mut::<ffi::PyObject>());
        ffi::Py_DECREF(fallback);
        answer
    }
}

/// Adds `ExportHolder` to the module: a base type (subclassable, no state of its own; a Python
/// subclass gets its instance dict as usual) whose attribute reads go through `getattro`.
pub fn add_to(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    read_cache::init(py);
    let mut slots = [
        ffi::PyType_Slot { slot: ffi::Py_tp_getattro, pfunc: getattro as *mut c_void },
        ffi::PyType_Slot {
            slot: ffi::Py_tp_doc,
            pfunc:
                c"The native base of Addon: attribute reads look in the instance first and call _napi_missing_attribute(name) when that fails."
                    .as_ptr() as *mut c_void,
        },
        ffi::PyType_Slot { slot: 0, pfunc: ptr::null_mut() },
    ];
    let mut spec = ffi::PyType_Spec {
        name: c"napi_python._native.ExportHolder".as_ptr(),
        basicsize: 0,
        itemsize: 0,
        flags: (ffi::Py_TPFLAGS_DEFAULT | ffi::Py_TPFLAGS_BASETYPE) as c_uint,
        slots: slots.as_mut_ptr(),
    };
    // SAFETY: a complete spec (zero-terminated slots) for a type with the base object's
    // layout; CPython copies what it needs from the spec and the slots during the call.
    let ty = unsafe { ffi::PyType_FromSpec(&mut spec) };
    // SAFETY: a new reference, or null with an exception set.
    let ty = unsafe { Bound::from_owned_ptr_or_err(py, ty) }?;
    m.add("ExportHolder", ty)
}
