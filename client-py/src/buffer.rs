//! `JSBuffer`: a Buffer, TypedArray, DataView or ArrayBuffer, exposed through the buffer
//! protocol with the element format of its kind.
//!
//! One that came from the host points into shared memory (no copy): writes on either side are
//! seen by the other, and it holds the host object (released when it dies) and the mapping (so
//! the memory stays readable after the host dies). One Python made (`js.buffer(...)`) owns a copy
//! of its bytes until it is sent.

use std::ffi::{c_int, CStr};
use std::sync::Arc;

use napi_link::shm::Mapping;
use napi_protocol::BufferKind;
use pyo3::exceptions::PyBufferError;
use pyo3::ffi;
use pyo3::prelude::*;

use crate::connection::Connection;
use crate::shm::Memory;

enum Storage {
    /// Owns the memory `ptr` points into; never resized, so that pointer stays valid.
    Local { _bytes: Box<[u8]> },
    Shared {
        _mapping: Option<Arc<Mapping>>,
        /// The host object, released when this buffer dies.
        object: u64,
        conn: Py<Connection>,
    },
}

#[pyclass(module = "napi_python._native", frozen)]
pub struct JSBuffer {
    pub kind: BufferKind,
    ptr: *mut u8,
    len: usize,
    storage: Storage,
}

// SAFETY: the memory is plain bytes that stay valid for the object's life (owned, or a mapping
// held by it); Python serialises access to local buffers under the GIL, and shared ones are
// shared with another process anyway, as in Node.
unsafe impl Send for JSBuffer {}
unsafe impl Sync for JSBuffer {}

impl JSBuffer {
    pub fn new(kind: BufferKind, data: Vec<u8>) -> JSBuffer {
        let mut boxed = data.into_boxed_slice();
        let (ptr, len) = (boxed.as_mut_ptr(), boxed.len());
        JSBuffer { kind, ptr, len, storage: Storage::Local { _bytes: boxed } }
    }

    /// A buffer over the host object `object`'s shared memory.
    pub fn over_shared(kind: BufferKind, memory: Memory, object: u64, conn: Py<Connection>) -> JSBuffer {
        JSBuffer { kind, ptr: memory.ptr, len: memory.len, storage: Storage::Shared { _mapping: memory.mapping, object, conn } }
    }

    pub fn bytes(&self) -> &[u8] {
        if self.len == 0 {
            return &[];
        }
        // SAFETY: `len` bytes at `ptr` stay valid while `self` lives (see `Storage`).
        unsafe { std::slice::from_raw_parts(self.ptr, self.len) }
    }

    /// The host object this buffer is, and the connection to its host.
    pub fn host_object(&self) -> Option<(u64, &Py<Connection>)> {
        match &self.storage {
            Storage::Shared { object, conn, .. } => Some((*object, conn)),
            Storage::Local { .. } => None,
        }
    }
}

impl Drop for JSBuffer {
    fn drop(&mut self) {
        if let Storage::Shared { object, conn, .. } = &self.storage {
            conn.get().channel.queue_release(napi_protocol::ObjectId(*object));
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

fn format(kind: BufferKind) -> &'static CStr {
    match kind {
        BufferKind::Int8 => c"b",
        BufferKind::Int16 => c"h",
        BufferKind::Uint16 => c"H",
        BufferKind::Int32 => c"i",
        BufferKind::Uint32 => c"I",
        BufferKind::Float32 => c"f",
        BufferKind::Float64 => c"d",
        BufferKind::BigInt64 => c"q",
        BufferKind::BigUint64 => c"Q",
        _ => c"B",
    }
}

#[pymethods]
impl JSBuffer {
    /// A buffer of JS type `js_type` (`"Buffer"`, `"Uint16Array"`, `"ArrayBuffer"`, ...) holding
    /// a copy of `data`'s bytes.
    #[new]
    fn py_new(js_type: &str, data: &Bound<'_, PyAny>) -> PyResult<JSBuffer> {
        let kind = kind_named(js_type)?;
        let py = data.py();
        let bytes = py.import("builtins")?.getattr("memoryview")?.call1((data,))?.call_method1("cast", ("B",))?.call_method0("tobytes")?;
        let bytes = bytes.downcast::<pyo3::types::PyBytes>()?.as_bytes().to_vec();
        if bytes.len() % kind.element_size() != 0 {
            return Err(pyo3::exceptions::PyValueError::new_err(format!(
                "{} bytes do not make whole {js_type} elements of {} bytes",
                bytes.len(),
                kind.element_size()
            )));
        }
        Ok(JSBuffer::new(kind, bytes))
    }

    /// The JavaScript type this buffer came from (`"Buffer"`, `"Float64Array"`, ...).
    #[getter]
    fn js_type(&self) -> &'static str {
        kind_name(self.kind)
    }

    fn __len__(&self) -> usize {
        self.bytes().len() / self.kind.element_size()
    }

    fn __repr__(&self) -> String {
        let shared = if self.host_object().is_some() { "shared " } else { "" };
        format!("<JSBuffer {shared}{} of {} bytes>", kind_name(self.kind), self.bytes().len())
    }

    /// True when the bytes live in memory shared with the host (a buffer that came from it).
    #[getter]
    fn shared(&self) -> bool {
        self.host_object().is_some()
    }

    /// The connection to the host this buffer lives in (`None` for one made in Python): what
    /// `napi_python.js` functions ask.
    #[getter]
    fn _conn(&self, py: Python<'_>) -> Option<Py<Connection>> {
        self.host_object().map(|(_, c)| c.clone_ref(py))
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> PyResult<bool> {
        match other.downcast::<JSBuffer>() {
            Ok(o) => Ok(o.get().kind == self.kind && o.get().bytes() == self.bytes()),
            Err(_) => Ok(false),
        }
    }

    unsafe fn __getbuffer__(slf: Bound<'_, Self>, view: *mut ffi::Py_buffer, flags: c_int) -> PyResult<()> {
        if view.is_null() {
            return Err(PyBufferError::new_err("View is null"));
        }
        let this = slf.get();
        let item = this.kind.element_size();
        // SAFETY: the data pointer stays valid while `slf` lives, and the view holds a
        // reference to `slf` (set below) until it is released.
        let (data, len) = (this.ptr, this.len);
        // SAFETY: `view` is a valid Py_buffer to fill, per the buffer protocol.
        unsafe {
            (*view).obj = slf.clone().into_any().into_ptr();
            (*view).buf = data as *mut std::ffi::c_void;
            (*view).len = len as isize;
            (*view).readonly = 0;
            (*view).itemsize = item as isize;
            (*view).format =
                if flags & ffi::PyBUF_FORMAT == ffi::PyBUF_FORMAT { format(this.kind).as_ptr() as *mut _ } else { std::ptr::null_mut() };
            (*view).ndim = 1;
            (*view).shape =
                if flags & ffi::PyBUF_ND == ffi::PyBUF_ND { Box::into_raw(Box::new((len / item) as isize)) } else { std::ptr::null_mut() };
            (*view).strides = if flags & ffi::PyBUF_STRIDES == ffi::PyBUF_STRIDES {
                Box::into_raw(Box::new(item as isize))
            } else {
                std::ptr::null_mut()
            };
            (*view).suboffsets = std::ptr::null_mut();
            (*view).internal = std::ptr::null_mut();
        }
        Ok(())
    }

    unsafe fn __releasebuffer__(&self, view: *mut ffi::Py_buffer) {
        // SAFETY: frees exactly what __getbuffer__ allocated for this view.
        unsafe {
            if !(*view).shape.is_null() {
                drop(Box::from_raw((*view).shape));
            }
            if !(*view).strides.is_null() {
                drop(Box::from_raw((*view).strides));
            }
        }
    }
}
