//! `JSBuffer`'s data: a Buffer, TypedArray, DataView or ArrayBuffer, its bytes and where they
//! are. Its Python methods (the buffer protocol, with the element format of its kind) are
//! `python_types/js_buffer.rs`'s.
//!
//! One that came from the host points into shared memory (no copy): writes on either side are
//! seen by the other, and it holds the host object (released when it dies) and the mapping (so
//! the memory stays readable after the host dies). One Python made (`js.buffer(...)`) owns its
//! bytes until its first pass to an addon moves them into that host's shared memory
//! (`values/buffers.rs`): from then on it is that host object, as a host-made one is.

use std::ffi::CStr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use napi_link::shm::Mapping;
use napi_protocol::BufferKind;
use pyo3::prelude::*;

use crate::state::connection::Connection;
use napi_client::link::shared_memory::Memory;

/// A host object's memory, shared with the host.
pub(crate) struct Shared {
    pub(crate) ptr: *mut u8,
    pub(crate) len: usize,
    _mapping: Option<Arc<Mapping>>,
    /// The host object, released when this buffer dies.
    object: u64,
    conn: Py<Connection>,
}

/// Where a buffer's bytes are.
pub(crate) enum Place<'a> {
    Host(&'a Shared),
    Local(*mut u8, usize),
}

/// Marks a buffer-protocol view over the local bytes (in `Py_buffer.internal`), which pins them.
pub(crate) const LOCAL_VIEW: *mut std::ffi::c_void = std::ptr::dangling_mut::<std::ffi::c_void>();

#[pyclass(module = "napi_python._native", frozen)]
pub struct JSBuffer {
    pub kind: BufferKind,
    /// The host memory: from the start for a buffer the host sent; set by the first pass for one
    /// made in Python (then the JSBuffer the host made for it, whose memory and object it is).
    host: OnceLock<Moved>,
    /// The bytes of a buffer made in Python (freed once they moved into a host).
    local: Mutex<Option<Box<[u8]>>>,
    /// Where `local`'s bytes are (never resized, so that pointer stays valid while they live).
    local_ptr: *mut u8,
    local_len: usize,
    /// Views (memoryview, numpy) over the local bytes: while there are any, the bytes cannot move.
    pub(crate) local_views: AtomicUsize,
}

/// A buffer's host memory: its own, or that of the JSBuffer it moved into.
enum Moved {
    Own(Shared),
    Into(Py<JSBuffer>),
}

// SAFETY: the memory is plain bytes that stay valid for the object's life (owned, or a mapping
// held by it); Python serialises access to local buffers under the GIL, and shared ones are
// shared with another process anyway, as in Node.
unsafe impl Send for JSBuffer {}
unsafe impl Sync for JSBuffer {}

impl JSBuffer {
    pub fn new(kind: BufferKind, data: Vec<u8>) -> JSBuffer {
        let mut boxed = data.into_boxed_slice();
        let (local_ptr, local_len) = (boxed.as_mut_ptr(), boxed.len());
        JSBuffer { kind, host: OnceLock::new(), local: Mutex::new(Some(boxed)), local_ptr, local_len, local_views: AtomicUsize::new(0) }
    }

    /// A buffer over the host object `object`'s shared memory.
    pub fn over_shared(kind: BufferKind, memory: Memory, object: u64, conn: Py<Connection>) -> JSBuffer {
        let shared = Shared { ptr: memory.ptr, len: memory.len, _mapping: memory.mapping, object, conn };
        JSBuffer {
            kind,
            host: OnceLock::from(Moved::Own(shared)),
            local: Mutex::new(None),
            local_ptr: std::ptr::null_mut(),
            local_len: 0,
            local_views: AtomicUsize::new(0),
        }
    }

    fn host_memory(&self) -> Option<&Shared> {
        match self.host.get()? {
            Moved::Own(s) => Some(s),
            // The buffer the host made for this one, held as long as `self` lives; it is
            // `Own` (a move is one step deep).
            Moved::Into(b) => match b.get().host.get()? {
                Moved::Own(s) => Some(s),
                Moved::Into(_) => None,
            },
        }
    }

    pub(crate) fn place(&self) -> Place<'_> {
        match self.host_memory() {
            Some(s) => Place::Host(s),
            None => Place::Local(self.local_ptr, self.local_len),
        }
    }

    pub fn bytes(&self) -> &[u8] {
        let (ptr, len) = match self.place() {
            Place::Host(s) => (s.ptr, s.len),
            Place::Local(p, l) => (p, l),
        };
        if len == 0 {
            return &[];
        }
        // SAFETY: `len` bytes at `ptr` stay valid while `self` lives: the mapping is held, and
        // local bytes are freed only once they moved, after which `place` no longer names them.
        unsafe { std::slice::from_raw_parts(ptr, len) }
    }

    /// The host object this buffer is, and the connection to its host.
    pub fn host_object(&self) -> Option<(u64, &Py<Connection>)> {
        self.host_memory().map(|s| (s.object, &s.conn))
    }

    /// Whether views of the local bytes are out (then they cannot move into a host).
    pub fn local_views(&self) -> usize {
        self.local_views.load(Ordering::Acquire)
    }

    /// Makes `fresh` (a buffer the host just made, of this one's kind and size) this buffer's
    /// memory, with a copy of the local bytes: the first pass of a buffer made in Python. False
    /// (nothing changed) when views of the local bytes came out meanwhile, or the buffer already
    /// moved. Called with the GIL held, which every reader of the local bytes holds too.
    pub fn move_into(&self, fresh: Py<JSBuffer>) -> bool {
        let target = fresh.get();
        // A host without shared memory makes buffers of its own bytes: nothing to move into.
        let Some(s) = target.host_memory() else { return false };
        if self.local_views() > 0 || self.host.get().is_some() || s.len != self.local_len {
            return false;
        }
        if self.local_len > 0 {
            // SAFETY: two distinct live ranges of `local_len` bytes (local memory and the host
            // block just made for it).
            unsafe { std::ptr::copy_nonoverlapping(self.local_ptr, s.ptr, self.local_len) };
        }
        if self.host.set(Moved::Into(fresh)).is_err() {
            return false;
        }
        // No view is out and `place` now names the host memory: nothing reads the local bytes.
        self.local.lock().unwrap().take();
        true
    }
}

impl Drop for JSBuffer {
    fn drop(&mut self) {
        if let Some(Moved::Own(s)) = self.host.get() {
            s.conn.get().channel.queue_release(napi_protocol::ObjectId(s.object));
        }
    }
}

/// The kind whose JS type name is `js_type`.
pub fn kind_named(js_type: &str) -> PyResult<BufferKind> {
    BufferKind::ALL
        .into_iter()
        .find(|k| kind_name(*k) == js_type)
        .ok_or_else(|| pyo3::exceptions::PyValueError::new_err(format!("unknown JavaScript buffer type {js_type:?}")))
}

pub fn kind_name(kind: BufferKind) -> &'static str {
    match kind {
        BufferKind::Int8 => "Int8Array",
        BufferKind::Uint8 => "Uint8Array",
        BufferKind::Uint8Clamped => "Uint8ClampedArray",
        BufferKind::Int16 => "Int16Array",
        BufferKind::Uint16 => "Uint16Array",
        BufferKind::Int32 => "Int32Array",
        BufferKind::Uint32 => "Uint32Array",
        BufferKind::Float16 => "Float16Array",
        BufferKind::Float32 => "Float32Array",
        BufferKind::Float64 => "Float64Array",
        BufferKind::BigInt64 => "BigInt64Array",
        BufferKind::BigUint64 => "BigUint64Array",
        BufferKind::Buffer => "Buffer",
        BufferKind::DataView => "DataView",
        BufferKind::SharedArrayBuffer => "SharedArrayBuffer",
        _ => "ArrayBuffer",
    }
}

pub(crate) fn format(kind: BufferKind) -> &'static CStr {
    match kind {
        BufferKind::Int8 => c"b",
        BufferKind::Int16 => c"h",
        BufferKind::Uint16 => c"H",
        BufferKind::Int32 => c"i",
        BufferKind::Uint32 => c"I",
        BufferKind::Float16 => c"e",
        BufferKind::Float32 => c"f",
        BufferKind::Float64 => c"d",
        BufferKind::BigInt64 => c"q",
        BufferKind::BigUint64 => c"Q",
        _ => c"B",
    }
}
