//! Dicts made from JS objects: sized for their keys up front, with key strings reused.
//!
//! Objects an addon hands back tend to repeat a few names (the fields of its records, its
//! options), and each key of each copy was a new Python string, decoded and then hashed again
//! by the dict. A small cache of recent keys gives the same string back, whose hash CPython
//! keeps, and the dict no longer grows while it fills: `makeObject16` in-process went 57,184 ->
//! 49,914 instructions, about 450 a key (D50).

use std::cell::RefCell;
use std::hash::Hasher;

use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};

/// Slots in each thread's cache (a key goes in the slot its hash names, replacing what was
/// there) and the longest key kept: longer names are rarer, and cost their own creation more
/// than the look.
const SLOT_BITS: u32 = 7;
const SLOTS: usize = 1 << SLOT_BITS;
const LONGEST: usize = 40;

thread_local! {
    static KEYS: RefCell<Vec<Option<(Box<str>, Py<PyString>)>>> = RefCell::new((0..SLOTS).map(|_| None).collect());
}

/// The Python string for `key`, from the cache when it holds it.
pub fn key<'py>(py: Python<'py>, key: &str) -> Bound<'py, PyString> {
    if key.len() > LONGEST {
        return PyString::new(py, key);
    }
    let mut h = rustc_hash::FxHasher::default();
    h.write(key.as_bytes());
    // The top bits: FxHash mixes its low bits poorly (`k0`..`k15` shared slots by the low ones).
    let slot = (h.finish() >> (64 - SLOT_BITS)) as usize;
    KEYS.with(|keys| {
        // Nothing here runs Python code (a string is made, no hook called), so the cache is
        // never borrowed twice.
        let mut keys = keys.borrow_mut();
        if let Some((kept, s)) = &keys[slot] {
            if **kept == *key {
                return s.bind(py).clone();
            }
        }
        let s = PyString::new(py, key);
        keys[slot] = Some((key.into(), s.clone().unbind()));
        s
    })
}

/// An empty dict with room for `n` keys: no resize while it fills.
pub fn with_room(py: Python<'_>, n: usize) -> PyResult<Bound<'_, PyDict>> {
    // SAFETY: the GIL is held; the answer is a new reference or null with an exception set.
    unsafe {
        let d = ffi::_PyDict_NewPresized(n as ffi::Py_ssize_t);
        Ok(Bound::from_owned_ptr_or_err(py, d)?.downcast_into_unchecked())
    }
}
