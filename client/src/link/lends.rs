//! Buffers lent to an in-process host (`Value::Lent`): a writable buffer argument (in Python a
//! `bytearray`, a writable `memoryview`, a numpy array) handed to the addon in place, with no
//! copy, since host and client share one address space.
//!
//! A lent buffer is pinned (in Python by a buffer-protocol view) and held here: its exporter can neither free
//! nor resize the memory meanwhile (a `bytearray` raises `BufferError`). The host gives the lend
//! back as a returned block whose region carries the token, right after the request when nothing
//! reaches the buffer any more (the common case), or when the JS object it stayed in dies. The
//! host's news may arrive on a thread without the binding's lock (the GIL): pins given back wait
//! here for the next request's end, which releases them with it.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use napi_protocol::{Region, SegmentOwner, LENT_SEGMENT};
use rustc_hash::FxHashMap;

use crate::link::pending::Pending;

/// A caller's memory pinned while it is lent: it can neither move nor be freed until `release`
/// (a binding's buffer-protocol view, say). Dropped without `release` (its host went away), it
/// lets go as best it can.
pub trait Pinned: Send {
    /// The pinned memory's size in bytes.
    fn size(&self) -> u64;
    /// Lets the memory go, from a thread that may touch its owner (the binding's lock held).
    fn release(self: Box<Self>);
}

/// A pinned buffer held while lent.
pub type Pin = Box<dyn Pinned>;

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
        let len = pin.size();
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

    /// Releases the pins given back: their buffers are their owner's alone again. Called with
    /// the binding's lock held (see `Pinned::release`).
    pub fn release_back(&self) {
        for pin in self.back.take() {
            pin.release();
        }
    }
}
