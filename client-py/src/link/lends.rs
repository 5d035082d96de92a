//! Python buffers lent to an in-process host (`Value::Lent`): a writable buffer argument (a
//! `bytearray`, a writable `memoryview`, a numpy array) handed to the addon in place, with no
//! copy, since host and client share one address space.
//!
//! A lent buffer is pinned by a buffer-protocol view held here: its exporter can neither free
//! nor resize the memory meanwhile (a `bytearray` raises `BufferError`). The host gives the lend
//! back as a returned block whose region carries the token, right after the request when nothing
//! reaches the buffer any more (the common case), or when the JS object it stayed in dies. The
//! host's news may arrive on a thread without the GIL: views given back wait here for the next
//! request's end, which releases them with the GIL.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use napi_protocol::{Region, SegmentOwner, LENT_SEGMENT};
use pyo3::ffi;
use pyo3::prelude::*;
use rustc_hash::FxHashMap;

use crate::link::pending::Pending;

/// A buffer-protocol view that pins a Python buffer's memory until released.
pub struct Pin(Box<ffi::Py_buffer>);

// SAFETY: the view is only read or released with the GIL held (`release`, and `Drop`, which
// takes the GIL); between those it is an inert record moved between threads.
unsafe impl Send for Pin {}

impl Pin {
    /// Takes over `view`, obtained by `PyObject_GetBuffer` and not yet released.
    pub fn new(view: Box<ffi::Py_buffer>) -> Pin {
        Pin(view)
    }

    fn release(mut self, _py: Python<'_>) {
        // SAFETY: the GIL is held (`_py`), and the view is released once (Drop is skipped).
        unsafe { ffi::PyBuffer_Release(&mut *self.0) };
        std::mem::forget(self);
    }
}

impl Drop for Pin {
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

/// The lends of one connection.
#[derive(Default)]
pub struct Lends {
    next: AtomicU64,
    /// Pins of the lends out, by token.
    out: Mutex<FxHashMap<u64, Pin>>,
    /// Pins the host gave back, for the next request's end to release with the GIL.
    back: Pending<Pin>,
}

impl Lends {
    /// Lends the memory `pin` holds: the region to send with it (see `Value::Lent`).
    pub fn lend(&self, pin: Pin) -> Region {
        let token = self.next.fetch_add(1, Ordering::Relaxed);
        let len = pin.0.len.max(0) as u64;
        self.out.lock().unwrap().insert(token, pin);
        Region { owner: SegmentOwner::Client, segment: LENT_SEGMENT, offset: token, len }
    }

    /// The host gave a lend back (any thread, GIL or not). A token never lent is ignored.
    pub fn returned(&self, token: u64) {
        let pin = self.out.lock().unwrap().remove(&token);
        if let Some(pin) = pin {
            self.back.push(pin);
        }
    }

    /// Whether pins wait to be released (a look at a flag).
    #[inline]
    pub fn any_back(&self) -> bool {
        !self.back.is_empty()
    }

    /// Releases the pins given back: their buffers are Python's alone again.
    pub fn release_back(&self, py: Python<'_>) {
        for pin in self.back.take() {
            pin.release(py);
        }
    }
}
