//! `JSBuffer`'s Python methods: a Buffer, TypedArray, DataView or ArrayBuffer exposed through
//! the buffer protocol with the element format of its kind. Its data, and where its bytes are,
//! are `state/js_buffer.rs`'s.

use std::ffi::c_int;
use std::sync::atomic::Ordering;

use pyo3::exceptions::PyBufferError;
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::PyMemoryView;

use crate::state::connection::Connection;
use crate::state::js_buffer::{format, kind_name, kind_named, JSBuffer, Place, LOCAL_VIEW};

#[pymethods]
impl JSBuffer {
    /// A buffer of JS type `js_type` (`"Buffer"`, `"Uint16Array"`, `"ArrayBuffer"`, ...) holding
    /// a copy of `data`'s bytes.
    #[new]
    fn py_new(js_type: &str, data: &Bound<'_, PyAny>) -> PyResult<JSBuffer> {
        let kind = kind_named(js_type)?;
        let py = data.py();
        let bytes = py.import("builtins")?.getattr("memoryview")?.call1((data,))?.call_method1("cast", ("B",))?.call_method0("tobytes")?;
        let bytes = bytes.cast::<pyo3::types::PyBytes>()?.as_bytes().to_vec();
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

    /// `buf[i]` and `buf[a:b:c]` as on `memoryview(buf)`: an element of its kind, or a
    /// memoryview over the same bytes (no copy; writes through it reach the buffer).
    fn __getitem__(slf: &Bound<'_, Self>, key: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        Ok(PyMemoryView::from(slf.as_any())?.get_item(key)?.unbind())
    }

    /// `buf[i] = x` and `buf[a:b] = data` as on `memoryview(buf)`.
    fn __setitem__(slf: &Bound<'_, Self>, key: &Bound<'_, PyAny>, value: &Bound<'_, PyAny>) -> PyResult<()> {
        let view = PyMemoryView::from(slf.as_any())?;
        let set = view.set_item(key, value);
        // Released now rather than when collected: a view of local bytes pins them.
        view.call_method0("release")?;
        set
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
    fn _napi_conn(&self, py: Python<'_>) -> Option<Py<Connection>> {
        self.host_object().map(|(_, c)| c.clone_ref(py))
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> PyResult<bool> {
        match other.cast::<JSBuffer>() {
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
        // The data pointer stays valid while `slf` lives (local bytes: while this view, counted,
        // pins them), and the view holds a reference to `slf` (set below) until it is released.
        let (data, len, internal) = match this.place() {
            Place::Host(s) => (s.ptr, s.len, std::ptr::null_mut()),
            Place::Local(p, l) => {
                this.local_views.fetch_add(1, Ordering::AcqRel);
                (p, l, LOCAL_VIEW)
            }
        };
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
            (*view).internal = internal;
        }
        Ok(())
    }

    unsafe fn __releasebuffer__(&self, view: *mut ffi::Py_buffer) {
        // SAFETY: frees exactly what __getbuffer__ allocated for this view.
        unsafe {
            if (*view).internal == LOCAL_VIEW {
                self.local_views.fetch_sub(1, Ordering::AcqRel);
            }
            if !(*view).shape.is_null() {
                drop(Box::from_raw((*view).shape));
            }
            if !(*view).strides.is_null() {
                drop(Box::from_raw((*view).strides));
            }
        }
    }
}
