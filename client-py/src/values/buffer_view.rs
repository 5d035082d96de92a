//! Buffer-protocol views of Python objects: the bytes an argument sends, and the pins that hold
//! a buffer lent in place to an in-process host (`napi_client::link::lends`).

use std::ffi::c_int;

use napi_client::link::lends::{Pin, Pinned};
use pyo3::ffi;
use pyo3::prelude::*;

/// A contiguous buffer-protocol view of a Python object, released when dropped.
pub struct RawBuffer(Box<ffi::Py_buffer>);

impl RawBuffer {
    pub fn get(obj: &Bound<'_, PyAny>, flags: c_int) -> PyResult<RawBuffer> {
        let mut view: Box<ffi::Py_buffer> = Box::new(unsafe { std::mem::zeroed() });
        // SAFETY: a zeroed Py_buffer to fill; on success it is released in Drop.
        if unsafe { ffi::PyObject_GetBuffer(obj.as_ptr(), &mut *view, flags) } != 0 {
            return Err(PyErr::fetch(obj.py()));
        }
        Ok(RawBuffer(view))
    }

    pub fn raw(&self) -> (*const u8, usize) {
        (self.0.buf as *const u8, self.0.len.max(0) as usize)
    }

    pub fn readonly(&self) -> bool {
        self.0.readonly != 0
    }

    /// The view as a pin that holds it until released (its `Drop` here is skipped).
    pub fn into_pin(self) -> Pin {
        let view = std::mem::ManuallyDrop::new(self);
        // SAFETY: `view` is never used again nor dropped, so the box is moved out exactly once.
        Box::new(LentView(unsafe { std::ptr::read(&view.0) }))
    }

    pub fn bytes(&self) -> &[u8] {
        let (ptr, len) = self.raw();
        if len == 0 {
            return &[];
        }
        // SAFETY: a contiguous exporter guarantees `len` bytes at `buf` while the view is held.
        unsafe { std::slice::from_raw_parts(ptr, len) }
    }

    pub fn bytes_mut(&mut self) -> Option<&mut [u8]> {
        let (ptr, len) = self.raw();
        if self.readonly() {
            return None;
        }
        if len == 0 {
            return Some(&mut []);
        }
        // SAFETY: as in `bytes`, and the exporter granted a writable view.
        Some(unsafe { std::slice::from_raw_parts_mut(ptr as *mut u8, len) })
    }
}

impl Drop for RawBuffer {
    fn drop(&mut self) {
        // SAFETY: releases the view `get` obtained, once.
        unsafe { ffi::PyBuffer_Release(&mut *self.0) };
    }
}

/// A buffer-protocol view pinning a buffer lent to an in-process host until released.
struct LentView(Box<ffi::Py_buffer>);

// SAFETY: the view is only read or released with the GIL held (`release`, and `Drop`, which
// takes the GIL); between those it is an inert record moved between threads.
unsafe impl Send for LentView {}

impl Pinned for LentView {
    fn size(&self) -> u64 {
        self.0.len.max(0) as u64
    }

    fn release(mut self: Box<Self>) {
        // SAFETY: `Lends::release_back` runs with the GIL held, and the view is released once
        // (Drop is skipped).
        unsafe { ffi::PyBuffer_Release(&mut *self.0) };
        std::mem::forget(self);
    }
}

impl Drop for LentView {
    fn drop(&mut self) {
        // A pin dropped without being given back (its host went away): released if Python
        // still runs, else left (the process is ending).
        // SAFETY: a query CPython allows at any time.
        if unsafe { ffi::Py_IsInitialized() } == 0 {
            return;
        }
        // SAFETY: with the GIL held, the view is released once.
        Python::attach(|_| unsafe { ffi::PyBuffer_Release(&mut *self.0) });
    }
}
