//! `JSBuffer`: a Buffer, TypedArray, DataView or ArrayBuffer that came back from JavaScript,
//! exposed through the buffer protocol with the element format of its kind.
//!
//! For now it owns a copy of the bytes; shared memory with the host replaces the copy later.

use std::cell::UnsafeCell;
use std::ffi::{c_int, CStr};

use napi_protocol::BufferKind;
use pyo3::exceptions::PyBufferError;
use pyo3::ffi;
use pyo3::prelude::*;

#[pyclass(module = "napi_python._native", frozen)]
pub struct JSBuffer {
    pub kind: BufferKind,
    /// Never resized, so the pointer handed to Python stays valid; written only through the
    /// buffer protocol, which Python serialises under the GIL.
    data: UnsafeCell<Box<[u8]>>,
}

// SAFETY: the bytes are only touched through the buffer protocol (under the GIL) or read while
// converting (also under the GIL).
unsafe impl Sync for JSBuffer {}

impl JSBuffer {
    pub fn new(kind: BufferKind, data: Vec<u8>) -> JSBuffer {
        JSBuffer { kind, data: UnsafeCell::new(data.into_boxed_slice()) }
    }

    pub fn bytes(&self) -> &[u8] {
        // SAFETY: see the struct comment; the GIL is held by every caller.
        unsafe { &*self.data.get() }
    }
}

/// Every kind, for looking one up by its JS type name.
const KINDS: [BufferKind; 14] = [
    BufferKind::Int8,
    BufferKind::Uint8,
    BufferKind::Uint8Clamped,
    BufferKind::Int16,
    BufferKind::Uint16,
    BufferKind::Int32,
    BufferKind::Uint32,
    BufferKind::Float32,
    BufferKind::Float64,
    BufferKind::BigInt64,
    BufferKind::BigUint64,
    BufferKind::Buffer,
    BufferKind::DataView,
    BufferKind::ArrayBuffer,
];

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
        let kind = KINDS
            .into_iter()
            .find(|k| kind_name(*k) == js_type)
            .ok_or_else(|| pyo3::exceptions::PyValueError::new_err(format!("unknown JavaScript buffer type {js_type:?}")))?;
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
        format!("<JSBuffer {} of {} bytes>", kind_name(self.kind), self.bytes().len())
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
        let data = unsafe { (*this.data.get()).as_mut_ptr() };
        let len = this.bytes().len();
        // SAFETY: `view` is a valid Py_buffer to fill, per the buffer protocol.
        unsafe {
            (*view).obj = slf.clone().into_any().into_ptr();
            (*view).buf = data as *mut std::ffi::c_void;
            (*view).len = len as isize;
            (*view).readonly = 0;
            (*view).itemsize = item as isize;
            (*view).format = if flags & ffi::PyBUF_FORMAT == ffi::PyBUF_FORMAT { format(this.kind).as_ptr() as *mut _ } else { std::ptr::null_mut() };
            (*view).ndim = 1;
            (*view).shape = if flags & ffi::PyBUF_ND == ffi::PyBUF_ND { Box::into_raw(Box::new((len / item) as isize)) } else { std::ptr::null_mut() };
            (*view).strides = if flags & ffi::PyBUF_STRIDES == ffi::PyBUF_STRIDES { Box::into_raw(Box::new(item as isize)) } else { std::ptr::null_mut() };
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
