//! Dicts made from JS objects: sized for their keys up front, with key strings reused.
//!
//! Objects an addon hands back tend to repeat a few names (the fields of its records, its
//! options), and each key of each copy was a new Python string, decoded and then hashed again
//! by the dict. A small cache of recent keys (`napi_link::recent`) gives the same string back,
//! whose hash CPython keeps, and the dict no longer grows while it fills.

use std::cell::RefCell;

use napi_link::recent::{self, Recent};
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};
use pyo3::PyAny;

extern "C" {
    /// A dict with room for `minused` keys. Private, left out of pyo3-ffi, but exported by
    /// every CPython this package supports (3.11-3.15). Worth its place: a 16-key object comes
    /// back in 30,800 instructions instead of 32,000 (`bench_instructions.py object16`).
    fn _PyDict_NewPresized(minused: ffi::Py_ssize_t) -> *mut ffi::PyObject;
}

thread_local! {
    static KEYS: RefCell<Recent<Py<PyString>>> = RefCell::default();
}

/// The Python string for `key`, from the cache when it holds it.
pub fn key<'py>(py: Python<'py>, key: &str) -> Bound<'py, PyString> {
    if key.len() > recent::LONGEST {
        return PyString::new(py, key);
    }
    // Making a string runs no Python code, so the cache is never borrowed twice.
    KEYS.with(|keys| keys.borrow_mut().get_or_make(key.as_bytes(), || PyString::new(py, key).unbind()).bind(py).clone())
}

/// An empty dict with room for `n` keys: no resize while it fills.
pub fn with_room(py: Python<'_>, n: usize) -> PyResult<Bound<'_, PyDict>> {
    // SAFETY: the GIL is held; the answer is a new reference or null with an exception set.
    unsafe {
        let d = _PyDict_NewPresized(n as ffi::Py_ssize_t);
        Ok(Bound::from_owned_ptr_or_err(py, d)?.cast_into_unchecked())
    }
}

/// Calls `f` with each of `d`'s items, in order. A change of the dict's size meanwhile (by
/// Python code a conversion runs) is a `RuntimeError`, as a `for` loop over it raises, where
/// PyO3's iterator panics.
pub fn each_item<'py>(d: &Bound<'py, PyDict>, mut f: impl FnMut(Bound<'py, PyAny>, Bound<'py, PyAny>) -> PyResult<()>) -> PyResult<()> {
    let py = d.py();
    let size = d.len();
    let mut pos: ffi::Py_ssize_t = 0;
    loop {
        let (mut key, mut value) = (std::ptr::null_mut(), std::ptr::null_mut());
        // SAFETY: the GIL is held and `d` is a live dict; the borrowed references it answers are
        // made owned at once, before any Python code can change the dict.
        let (key, value) = unsafe {
            if ffi::PyDict_Next(d.as_ptr(), &mut pos, &mut key, &mut value) == 0 {
                return Ok(());
            }
            (Bound::from_borrowed_ptr(py, key), Bound::from_borrowed_ptr(py, value))
        };
        f(key, value)?;
        if d.len() != size {
            return Err(pyo3::exceptions::PyRuntimeError::new_err("dictionary changed size during iteration"));
        }
    }
}
