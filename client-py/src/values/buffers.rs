//! A Python buffer as a value for a host, as a converter (`Converter`) sends it: a `JSBuffer` of this
//! host as the object it is, one made in Python moved into the host's shared memory at its first
//! pass; any other the way the core's transport policy (`napi_client::session::buffers`) sends
//! its bytes, given them, whether they are writable, and how to pin their object (here, a
//! buffer-protocol view). This file touches the Python objects; the core decides.

use std::ffi::c_int;

use napi_client::link::channel::Channel;
use napi_client::link::lends::{Pin, Pinned};
use napi_client::session::buffers::{self, copy_back};
use napi_protocol::{BufferKind, JsRef, ObjectId, RefKind, Value};
use pyo3::exceptions::PyTypeError;
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::state::connection::Connection;
use crate::state::js_buffer::{kind_name, JSBuffer};

/// The buffers one converter sent to the host of a channel, which each method is given (the
/// converter holds it: kept here too, it would make every converter larger, on every call).
pub enum Uploads<'a, 'py> {
    /// Its own, written back by its converter's owner and ended with it (a request's).
    Own(buffers::Uploads<Bound<'py, PyAny>>),
    /// A call of a function proxy's, which the core makes, writes back and ends
    /// (`direct::call_function`), through [`written_back`].
    Call(&'a buffers::Uploads<Bound<'py, PyAny>>),
}

impl Default for Uploads<'_, '_> {
    fn default() -> Self {
        Uploads::Own(buffers::Uploads::default())
    }
}

impl<'py> Uploads<'_, 'py> {
    /// Lets go of the blocks kept for copies back, when the converter is dropped (its own
    /// only: a call's are the core's).
    #[inline(always)]
    pub fn end(&mut self, channel: &Channel) {
        if let Uploads::Own(own) = self {
            own.end(channel);
        }
    }

    /// Whether forgetting these leaves nothing undone: a call's (the core's to end), or its own
    /// that never recorded a buffer.
    #[inline(always)]
    pub fn forgettable(&mut self) -> bool {
        match self {
            Uploads::Own(own) => own.never_used(),
            Uploads::Call(_) => true,
        }
    }

    /// Copies what the addon wrote into the writable buffers this context sent.
    #[inline(always)]
    pub fn write_back(&self, channel: &Channel) -> PyResult<()> {
        self.sent().write_back(channel, written_back)
    }

    /// The buffers sent, as the core keeps them.
    #[inline(always)]
    fn sent(&self) -> &buffers::Uploads<Bound<'py, PyAny>> {
        match self {
            Uploads::Own(own) => own,
            Uploads::Call(call) => call,
        }
    }

    /// `obj`, an object with the buffer protocol, as a value for the host of `conn`.
    pub fn buffer_value(&self, conn: &Bound<'py, Connection>, obj: &Bound<'py, PyAny>) -> PyResult<Value> {
        let channel = &conn.get().channel;
        if let Ok(b) = obj.cast::<JSBuffer>() {
            let b = b.get();
            // A buffer from this host goes back as the very object it is.
            if let Some((object, owner)) = b.host_object() {
                if !owner.is(conn) {
                    // A buffer of a host that died: stale after a restart, as proxies are.
                    if let Some(dead) = owner.get().channel.dead() {
                        return Err(crate::state::hooks::dead_error(obj.py(), &dead));
                    }
                    return Err(PyTypeError::new_err(format!(
                        "{} belongs to another addon host and cannot be passed to this one",
                        obj.repr()?
                    )));
                }
                return Ok(host_object(object));
            }
            return self.send_local(conn, obj, b);
        }
        if let Ok(b) = obj.cast::<PyBytes>() {
            return Ok(self.sent().send_bytes(&**channel, BufferKind::Buffer, b.as_bytes(), None));
        }
        self.send_buffer(channel, obj)
    }

    /// A buffer made in Python (`js.buffer`, `js.typedarray`, `js.arraybuffer`) at its first
    /// pass: it moves into a block of this host's shared memory and from then on is that host
    /// object, as a `js.alloc` buffer is (identity, and writes seen on both sides). While views
    /// of its bytes are out (a memoryview, a numpy array), they cannot move: it goes as a copy
    /// then, the addon's writes copied back when the call returns.
    fn send_local(&self, conn: &Bound<'py, Connection>, obj: &Bound<'py, PyAny>, buf: &JSBuffer) -> PyResult<Value> {
        if buf.local_views() == 0 {
            let nbytes = buf.bytes().len();
            let fresh = conn.call_method1(pyo3::intern!(conn.py(), "new_buffer"), (kind_name(buf.kind), nbytes))?;
            // (The request let go of the GIL: another thread may have moved it, or taken a view.)
            if let Ok(fresh) = fresh.cast_into::<JSBuffer>() {
                buf.move_into(fresh.unbind());
            }
            if let Some((object, owner)) = buf.host_object() {
                if owner.is(conn) {
                    return Ok(host_object(object));
                }
            }
        }
        Ok(self.sent().send_bytes(&*conn.get().channel, buf.kind, buf.bytes(), Some(obj)))
    }

    /// Any other object with the buffer protocol (memoryview, array.array, numpy...) as a
    /// Buffer, as the core sends a view's bytes (pinned by a writable view of its own when it
    /// is lent).
    fn send_buffer(&self, channel: &Channel, obj: &Bound<'py, PyAny>) -> PyResult<Value> {
        let Ok(view) = RawBuffer::get(obj, ffi::PyBUF_C_CONTIGUOUS) else {
            // Not contiguous: a copy of its bytes in order, which the addon cannot write back.
            let mv = obj.py().import("builtins")?.getattr("memoryview")?.call1((obj,))?;
            let bytes = mv.call_method0("tobytes")?;
            return Ok(self.sent().send_bytes(channel, BufferKind::Buffer, bytes.cast::<PyBytes>()?.as_bytes(), None));
        };
        let writable = (!view.readonly()).then_some(obj);
        Ok(self.sent().send_view(channel, view.bytes(), writable, || Self::pin(obj, view.raw().0)))
    }

    /// A writable view of `obj` that pins its memory at `ptr` while it is lent. `None` when no
    /// writable view can be had, or it is other memory.
    fn pin(obj: &Bound<'py, PyAny>, ptr: *const u8) -> Option<Pin> {
        let pin = RawBuffer::get(obj, ffi::PyBUF_WRITABLE | ffi::PyBUF_C_CONTIGUOUS).ok()?;
        // The same memory (an exporter hands every view the same buffer).
        if pin.raw().0 != ptr {
            return None;
        }
        Some(pin.into_pin())
    }
}

/// Copies the addon's `written` bytes back into `target`, the writable buffer they were
/// copied from.
pub fn written_back(target: &Bound<'_, PyAny>, written: &[u8]) -> PyResult<()> {
    let mut view = RawBuffer::get(target, ffi::PyBUF_WRITABLE | ffi::PyBUF_C_CONTIGUOUS)?;
    let dst = view.bytes_mut().ok_or_else(|| PyTypeError::new_err("the buffer became read-only during the call"))?;
    copy_back(dst, written);
    Ok(())
}

/// A contiguous buffer-protocol view of a Python object, released when dropped.
struct RawBuffer(Box<ffi::Py_buffer>);

impl RawBuffer {
    fn get(obj: &Bound<'_, PyAny>, flags: c_int) -> PyResult<RawBuffer> {
        let mut view: Box<ffi::Py_buffer> = Box::new(unsafe { std::mem::zeroed() });
        // SAFETY: a zeroed Py_buffer to fill; on success it is released in Drop.
        if unsafe { ffi::PyObject_GetBuffer(obj.as_ptr(), &mut *view, flags) } != 0 {
            return Err(PyErr::fetch(obj.py()));
        }
        Ok(RawBuffer(view))
    }

    fn raw(&self) -> (*const u8, usize) {
        (self.0.buf as *const u8, self.0.len.max(0) as usize)
    }

    fn readonly(&self) -> bool {
        self.0.readonly != 0
    }

    /// The view as a pin that holds it until released (its `Drop` here is skipped).
    fn into_pin(self) -> Pin {
        let view = std::mem::ManuallyDrop::new(self);
        // SAFETY: `view` is never used again nor dropped, so the box is moved out exactly once.
        Box::new(LentView(unsafe { std::ptr::read(&view.0) }))
    }

    fn bytes(&self) -> &[u8] {
        let (ptr, len) = self.raw();
        if len == 0 {
            return &[];
        }
        // SAFETY: a contiguous exporter guarantees `len` bytes at `buf` while the view is held.
        unsafe { std::slice::from_raw_parts(ptr, len) }
    }

    fn bytes_mut(&mut self) -> Option<&mut [u8]> {
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

/// The host object `object`, sent back as itself.
fn host_object(object: u64) -> Value {
    Value::Js(JsRef { id: ObjectId(object), kind: RefKind::Object, class_proto: None, label: String::new() })
}
