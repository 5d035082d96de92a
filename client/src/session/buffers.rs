//! How a caller's buffer travels to its host, whatever language the caller speaks: inside the
//! message when small and its owner need not see the addon's writes; else copied once into the
//! host's shared memory, pinned when writable so that the addon's writes are copied back when
//! the call returns; in place when the bytes lie in the host's memory already; or, in-process,
//! a large writable buffer lent in place. A binding finds a buffer's bytes and pins its owner
//! (the parts that touch its language's objects); which way they go, and what comes back, is
//! decided here.

use std::cell::RefCell;

use napi_link::shm::BorrowedDescriptor;
use napi_protocol::value_tree::bytes_value;
use napi_protocol::{BufferKind, Region, Value};

use crate::link::channel::Channel;
use crate::link::lends::Pin;
use crate::link::shared_memory::ClientShm;

/// Buffers below this size travel inside the message when their owner need not see the addon's
/// writes: cheaper than a shared block and its return for a few bytes.
pub const INLINE_BYTES: usize = 4096;

/// In-process, writable buffers from this size on are lent to the host in place; smaller ones
/// are copied, which costs less than the marking that ends a lend.
pub const LEND_BYTES: usize = 64 << 10;

/// Whether `len` bytes that nobody needs to see written go inside the message.
#[inline(always)]
pub fn fits_inline(len: usize) -> bool {
    len < INLINE_BYTES
}

/// Whether a buffer of `len` bytes is lent in place rather than copied: large, writable, and to
/// a host in this process (one address space).
#[inline(always)]
pub fn is_lent(len: usize, writable: bool, in_process: bool) -> bool {
    len >= LEND_BYTES && writable && in_process
}

/// Copies the addon's writes, `written`, back into the buffer they were copied from: as much as
/// both hold (the owner may have resized it during the call).
pub fn copy_back(target: &mut [u8], written: &[u8]) {
    let n = target.len().min(written.len());
    target[..n].copy_from_slice(&written[..n]);
}

/// Where buffers go: a host's shared memory, how a new segment of it is told to the host, and
/// whether the host runs in this process. A channel is one; the tests make their own.
pub trait Destination {
    fn shm(&self) -> &ClientShm;
    fn announce(&self, id: u32, size: u64, fd: BorrowedDescriptor<'_>) -> std::io::Result<()>;
    fn in_process(&self) -> bool;
}

impl Destination for Channel {
    #[inline(always)]
    fn shm(&self) -> &ClientShm {
        &self.shm
    }

    fn announce(&self, id: u32, size: u64, fd: BorrowedDescriptor<'_>) -> std::io::Result<()> {
        self.announce_segment(id, size, fd)
    }

    #[inline(always)]
    fn in_process(&self) -> bool {
        Channel::in_process(self).is_some()
    }
}

/// The buffers one call sent to a host as copies to write back: each writable buffer (`T`, the
/// binding's handle on it) with the pinned upload block the addon wrote into. The binding's
/// converter holds one per call.
pub struct Uploads<T> {
    writebacks: RefCell<Vec<(T, Region)>>,
}

impl<T> Default for Uploads<T> {
    fn default() -> Self {
        Uploads { writebacks: RefCell::new(Vec::new()) }
    }
}

impl<T> Uploads<T> {
    /// Whether nothing was ever recorded: the list never allocated, so that forgetting it
    /// leaks nothing and leaves no pin behind (what a converter's drop, a call of the drop
    /// glue, would otherwise check).
    #[inline(always)]
    pub fn never_used(&mut self) -> bool {
        self.writebacks.get_mut().capacity() == 0
    }
}

impl<T: Clone> Uploads<T> {
    /// Lets go of the blocks kept for copies back, when the call's converter is dropped.
    #[inline(always)]
    pub fn end(&mut self, to: &impl Destination) {
        // Nearly always nothing to unpin: a call of plain values sends no buffer.
        if !self.writebacks.get_mut().is_empty() {
            self.unpin_all(to.shm());
        }
    }

    #[cold]
    fn unpin_all(&mut self, shm: &ClientShm) {
        for (_, region) in self.writebacks.get_mut().drain(..) {
            shm.unpin(region);
        }
    }

    /// Copies what the addon wrote into the writable buffers this call sent, each by `copy`
    /// (given the buffer and the bytes written; [`copy_back`] does the copy), and ends their
    /// pins. After the first error nothing more is copied; every pin still ends.
    #[inline(always)]
    pub fn write_back<E>(&self, to: &impl Destination, copy: impl FnMut(&T, &[u8]) -> Result<(), E>) -> Result<(), E> {
        if self.writebacks.borrow().is_empty() {
            return Ok(());
        }
        self.write_back_now(to.shm(), copy)
    }

    #[cold]
    fn write_back_now<E>(&self, shm: &ClientShm, mut copy: impl FnMut(&T, &[u8]) -> Result<(), E>) -> Result<(), E> {
        let mut result = Ok(());
        for (target, region) in self.writebacks.take() {
            if let Some(bytes) = shm.pinned_bytes(region) {
                if result.is_ok() {
                    result = copy(&target, bytes);
                }
            }
            shm.unpin(region);
        }
        result
    }

    /// `bytes` for the host: in the message when small, else copied once into shared memory
    /// (pinned for a copy back into `writable`, the buffer they came from, when that is given),
    /// or in the message when shared memory cannot be had.
    pub fn send_bytes(&self, to: &impl Destination, kind: BufferKind, bytes: &[u8], writable: Option<&T>) -> Value {
        if fits_inline(bytes.len()) && writable.is_none() {
            return bytes_value(kind, bytes);
        }
        match to.shm().upload(bytes, writable.is_some(), |id, size, fd| to.announce(id, size, fd)) {
            Some(region) => {
                if let Some(target) = writable {
                    self.writebacks.borrow_mut().push((target.clone(), region));
                }
                Value::Upload { kind, region }
            }
            None => bytes_value(kind, bytes),
        }
    }

    /// A contiguous view's `bytes` (a Buffer) for the host: in place when they lie in the host's
    /// memory already; lent in place when [`is_lent`] says so and `pin` pins the buffer (`None`
    /// when it cannot, or when the pinned memory is not these bytes); else as `send_bytes`
    /// sends them, written back into `writable` when that is given.
    pub fn send_view(&self, to: &impl Destination, bytes: &[u8], writable: Option<&T>, pin: impl FnOnce() -> Option<Pin>) -> Value {
        let kind = BufferKind::Buffer;
        if !bytes.is_empty() {
            if let Some(region) = to.shm().locate(bytes.as_ptr(), bytes.len()) {
                return Value::InPlace { kind, region };
            }
        }
        if is_lent(bytes.len(), writable.is_some(), to.in_process()) {
            if let Some(pin) = pin() {
                let region = to.shm().lends.lend(pin);
                return Value::Lent { kind, address: bytes.as_ptr() as u64, region };
            }
        }
        self.send_bytes(to, kind, bytes, writable)
    }
}

#[cfg(test)]
mod tests;
