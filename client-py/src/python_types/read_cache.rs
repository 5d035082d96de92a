//! What `ExportHolder`'s attribute reads found in an instance dict, remembered by the dict's
//! version (PEP 509): `addon.f` on every call then costs a few compares instead of the dict
//! lookup (about 110 instructions, its probes by the name's hash).
//!
//! A dict's version is unique in the interpreter and changes with every change of the dict, so
//! a remembered read stands exactly as long as the dict it was read from is unchanged (and so
//! still holds the value, which is why the value is borrowed). Only where CPython keeps that
//! promise: 3.11 and 3.12 for every dict, 3.13 for a dict with a table of its own (one that
//! shares its values with the instance is changed without a new version there); 3.14 has no
//! versions, and there `lookup` always misses.

use std::sync::atomic::{AtomicU8, Ordering};

use pyo3::ffi;
use pyo3::prelude::*;

/// Where an entry goes: remembered reads of names that share a slot replace each other.
const SLOTS: usize = 32;

/// A read: `name` (a reference held, so that its address is not another string's while
/// remembered) found `value` in the dict at `dict` when it had `version`.
#[derive(Clone, Copy)]
struct Entry {
    dict: *mut ffi::PyObject,
    version: u64,
    name: *mut ffi::PyObject,
    value: *mut ffi::PyObject,
}

const EMPTY: Entry = Entry { dict: std::ptr::null_mut(), version: 0, name: std::ptr::null_mut(), value: std::ptr::null_mut() };

/// The remembered reads, used only with the GIL held (a free-threaded interpreter running
/// without it remembers nothing: `init`).
struct Reads(std::cell::UnsafeCell<[Entry; SLOTS]>);

// SAFETY: only `lookup` and `remember` touch it, and only with the GIL held.
unsafe impl Sync for Reads {}

static READS: Reads = Reads(std::cell::UnsafeCell::new([EMPTY; SLOTS]));

#[inline(always)]
fn slot(name: *mut ffi::PyObject) -> usize {
    // Objects are 16-byte aligned: the bits above those pick the slot.
    ((name as usize) >> 4) % SLOTS
}

/// Which dicts' versions the running interpreter keeps (the module docs), set once by `init`
/// (this crate is not told which Python it is built for): none until then.
static TRUSTED: AtomicU8 = AtomicU8::new(NONE);
const NONE: u8 = 0;
const OWN_TABLE: u8 = 1;
const EVERY: u8 = 2;

/// Learns which dicts' versions the running interpreter keeps.
pub fn init(py: Python<'_>) {
    // A free-threaded CPython whose GIL is off (3.13t with `PYTHON_GIL=0`) would share the table
    // unguarded: nothing is remembered there. A GIL on now stays on (it is never turned off
    // again), and before 3.13 there is no `sys._is_gil_enabled`: a GIL always.
    let gil_off = py
        .import("sys")
        .and_then(|sys| sys.getattr("_is_gil_enabled"))
        .and_then(|enabled| enabled.call0())
        .and_then(|on| on.extract::<bool>())
        .is_ok_and(|on| !on);
    let trusted = match py.version_info() {
        _ if gil_off => NONE,
        v if v < (3, 13) => EVERY,
        v if v < (3, 14) => OWN_TABLE,
        _ => NONE,
    };
    TRUSTED.store(trusted, Ordering::Relaxed);
}

/// The dict's version if it can be trusted to change with its contents.
#[inline(always)]
unsafe fn version(dict: *mut ffi::PyObject) -> Option<u64> {
    let trusted = TRUSTED.load(Ordering::Relaxed);
    // SAFETY: the caller's `dict` is a live dict (exact or not, the layout starts alike), whose
    // 64-bit version (3.11-3.13) follows its `ma_used`.
    unsafe {
        let d = dict.cast::<ffi::PyDictObject>();
        if trusted == NONE || (trusted == OWN_TABLE && !(*d).ma_values.is_null()) {
            return None;
        }
        let tag = std::mem::offset_of!(ffi::PyDictObject, ma_used) + std::mem::size_of::<ffi::Py_ssize_t>();
        Some(*dict.cast::<u8>().add(tag).cast::<u64>())
    }
}

/// What `name` was last found to be in `dict`, borrowed, if `dict` has not changed since.
///
/// # Safety
/// The GIL held; `dict` a live dict, `name` a live object.
#[inline(always)]
pub unsafe fn lookup(dict: *mut ffi::PyObject, name: *mut ffi::PyObject) -> *mut ffi::PyObject {
    // SAFETY: the caller's promises; the GIL keeps every other user of `READS` out.
    unsafe {
        let Some(version) = version(dict) else { return std::ptr::null_mut() };
        let e = &(*READS.0.get())[slot(name)];
        if e.name == name && e.dict == dict && e.version == version {
            e.value
        } else {
            std::ptr::null_mut()
        }
    }
}

/// Remembers that `name` is `value` (borrowed from `dict`) in `dict` as it is now.
///
/// # Safety
/// The GIL held; `dict` a live dict holding `value` under a key equal to `name`.
#[inline(never)]
pub unsafe fn remember(dict: *mut ffi::PyObject, name: *mut ffi::PyObject, value: *mut ffi::PyObject) {
    // SAFETY: the caller's promises; the GIL keeps every other user of `READS` out, and the
    // name let go is a string (its deallocation runs no Python code that could come back here).
    unsafe {
        let Some(version) = version(dict) else { return };
        let e = &mut (*READS.0.get())[slot(name)];
        let old = e.name;
        ffi::Py_INCREF(name);
        *e = Entry { dict, version, name, value };
        if !old.is_null() {
            ffi::Py_DECREF(old);
        }
    }
}
