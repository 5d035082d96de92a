//! The buffers a converter (`Cx`) sends: bytes in the message when small, else copied once
//! into shared memory (pinned, so that the addon's writes into a copy of a writable Python buffer
//! are copied back when the call returns), in place when they lie in the host's memory already,
//! or, in-process, lent in place.

use std::cell::RefCell;

use napi_protocol::value_tree::bytes_value;
use napi_protocol::{BufferKind, Region, Value};
use pyo3::exceptions::PyTypeError;
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use napi_client::link::channel::Channel;

use crate::values::buffer_view::RawBuffer;

/// Buffers below this size travel inside the message when Python need not see the addon's
/// writes: cheaper than a shared block and its return for a few bytes.
pub const INLINE_BYTES: usize = 4096;

/// In-process, writable buffers from this size on are lent to the host in place; smaller
/// ones are copied, which costs less than the marking that ends a lend.
const LEND_BYTES: usize = 64 << 10;

/// The buffers one converter sent to the host of a channel, which each method is given (the
/// converter holds it: kept here too, it would make every converter larger, on every call).
#[derive(Default)]
pub struct Uploads<'py> {
    /// Writable Python buffers sent as copies, with their upload blocks: the addon's writes are
    /// copied back into them when the call returns.
    writebacks: RefCell<Vec<(Bound<'py, PyAny>, Region)>>,
}

impl<'py> Uploads<'py> {
    /// Lets go of the blocks kept for copies back, when the converter is dropped.
    #[inline(always)]
    pub fn end(&mut self, channel: &Channel) {
        // Nearly always nothing to unpin: a call of plain values sends no buffer.
        if !self.writebacks.get_mut().is_empty() {
            self.unpin_all(channel);
        }
    }

    #[cold]
    fn unpin_all(&mut self, channel: &Channel) {
        let shm = &channel.shm;
        for (_, region) in self.writebacks.get_mut().drain(..) {
            shm.unpin(region);
        }
    }

    /// Copies what the addon wrote into the writable buffers this context sent.
    #[inline(always)]
    pub fn write_back(&self, channel: &Channel) -> PyResult<()> {
        if self.writebacks.borrow().is_empty() {
            return Ok(());
        }
        self.write_back_now(channel)
    }

    #[cold]
    fn write_back_now(&self, channel: &Channel) -> PyResult<()> {
        let shm = &channel.shm;
        let mut result = Ok(());
        for (target, region) in self.writebacks.take() {
            if let Some(bytes) = shm.pinned_bytes(region) {
                if result.is_ok() {
                    result = RawBuffer::get(&target, ffi::PyBUF_WRITABLE | ffi::PyBUF_C_CONTIGUOUS).and_then(|mut b| {
                        let dst = b.bytes_mut().ok_or_else(|| PyTypeError::new_err("the buffer became read-only during the call"))?;
                        let n = dst.len().min(bytes.len());
                        dst[..n].copy_from_slice(&bytes[..n]);
                        Ok(())
                    });
                }
            }
            shm.unpin(region);
        }
        result
    }

    /// Bytes for the host: in the message when small, else copied once into shared memory
    /// (pinned for a copy back into `writable`), or in the message when that cannot be had.
    pub fn send_bytes(&self, channel: &Channel, kind: BufferKind, bytes: &[u8], writable: Option<&Bound<'py, PyAny>>) -> Value {
        if bytes.len() < INLINE_BYTES && writable.is_none() {
            return bytes_value(kind, bytes);
        }
        match channel.shm.upload(bytes, writable.is_some(), |id, size, fd| channel.announce_segment(id, size, fd)) {
            Some(region) => {
                if let Some(target) = writable {
                    self.writebacks.borrow_mut().push((target.clone(), region));
                }
                Value::Upload { kind, region }
            }
            None => bytes_value(kind, bytes),
        }
    }

    /// Any other object with the buffer protocol (memoryview, array.array, numpy...) as a
    /// Buffer: in place when its memory is already the host's, else a copy (written back when
    /// it is writable).
    pub fn send_buffer(&self, channel: &Channel, obj: &Bound<'py, PyAny>) -> PyResult<Value> {
        let Ok(view) = RawBuffer::get(obj, ffi::PyBUF_C_CONTIGUOUS) else {
            // Not contiguous: a copy of its bytes in order, which the addon cannot write back.
            let mv = obj.py().import("builtins")?.getattr("memoryview")?.call1((obj,))?;
            let bytes = mv.call_method0("tobytes")?;
            return Ok(self.send_bytes(channel, BufferKind::Buffer, bytes.cast::<PyBytes>()?.as_bytes(), None));
        };
        let (ptr, len) = view.raw();
        if len > 0 {
            if let Some(region) = channel.shm.locate(ptr, len) {
                return Ok(Value::InPlace { kind: BufferKind::Buffer, region });
            }
        }
        if len >= LEND_BYTES && !view.readonly() && channel.in_process().is_some() {
            if let Some(lent) = Self::lend(channel, obj, ptr) {
                return Ok(lent);
            }
        }
        let writable = (!view.readonly()).then_some(obj);
        Ok(self.send_bytes(channel, BufferKind::Buffer, view.bytes(), writable))
    }

    /// A writable buffer lent to this in-process host in place: pinned by a writable view
    /// of its own until the host gives it back. `None` when no writable view can be had.
    fn lend(channel: &Channel, obj: &Bound<'py, PyAny>, ptr: *const u8) -> Option<Value> {
        let pin = RawBuffer::get(obj, ffi::PyBUF_WRITABLE | ffi::PyBUF_C_CONTIGUOUS).ok()?;
        // The same memory (an exporter hands every view the same buffer).
        if pin.raw().0 != ptr {
            return None;
        }
        let region = channel.shm.lends.lend(pin.into_pin());
        Some(Value::Lent { kind: BufferKind::Buffer, address: ptr as u64, region })
    }
}
