//! The JS thread's "anything pending" word: one bit per source of work that waits between calls
//! (promise jobs, lends to end, shared-memory news, mirrored buffers, the client's news). Each
//! source sets its bit as it adds work; the JS lock's holder reads the word once before a call
//! and once after it and, while it is clear, skips every look those sources would need (on an
//! in-process direct call, each look was a borrow and a test of its own). A bit may stay set
//! after its work is done (the look then finds nothing and clears it), never clear while work
//! waits: a source sets its bit after it adds the work, and a look clears it before it takes
//! the work.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

/// Promise jobs, `process.nextTick` or `queueMicrotask` callbacks queued.
pub const MICROTASKS: u32 = 1;
/// A buffer over memory the client lent for a call was made (`SharedMemory::note_lent`).
pub const LENT: u32 = 1 << 1;
/// Shared-memory news for the client: a segment to announce, one retired, blocks to give back.
pub const SHM_NEWS: u32 = 1 << 2;
/// Mirrored external buffers exist (the host's `Mirrors`), reconciled at every call's edges.
pub const MIRRORS: u32 = 1 << 3;
/// An in-process client queued news of its own segments (set from the client's thread).
pub const CLIENT_NEWS: u32 = 1 << 4;

/// The word, shared by the runtime, its shared memory and (in-process) the client's side.
#[derive(Default)]
pub struct PendingWork(AtomicU32);

impl PendingWork {
    pub fn new() -> Arc<PendingWork> {
        Arc::default()
    }

    /// Whether any of `bits` may have work waiting (all of them: `!0`).
    #[inline(always)]
    pub fn any(&self, bits: u32) -> bool {
        self.0.load(Ordering::Acquire) & bits != 0
    }

    /// The whole word, read once.
    #[inline(always)]
    pub fn get(&self) -> u32 {
        self.0.load(Ordering::Acquire)
    }

    /// Work of `bits` was added (after it was added). A bit already set is not written again:
    /// the sources on the JS thread set theirs often (each promise job), and a locked write each
    /// time would cost more than the looks the word saves.
    #[inline(always)]
    pub fn set(&self, bits: u32) {
        if self.0.load(Ordering::Relaxed) & bits != bits {
            self.0.fetch_or(bits, Ordering::AcqRel);
        }
    }

    /// Clears `bits` before their work is taken (or once a look found none), answering whether
    /// any of them was set.
    #[inline]
    pub fn take(&self, bits: u32) -> bool {
        self.0.load(Ordering::Relaxed) & bits != 0 && self.0.fetch_and(!bits, Ordering::AcqRel) & bits != 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shm::SharedMemory;
    use crate::testing::{call, global};
    use crate::{NoNative, ObjectId, Runtime, Value};

    #[test]
    fn a_bit_stays_until_taken() {
        let p = PendingWork::default();
        assert!(!p.any(!0));
        p.set(LENT);
        p.set(MICROTASKS);
        assert!(p.any(LENT) && p.any(MICROTASKS) && !p.any(MIRRORS));
        assert!(p.take(LENT));
        assert!(!p.take(LENT), "taken once");
        assert_eq!(p.get(), MICROTASKS);
    }

    /// Each way a job is queued sets `MICROTASKS`: `has_microtasks`, which the host asks after
    /// a call, looks at the queues only when it is set.
    #[test]
    fn every_job_queued_flags_microtasks() {
        let rt = Runtime::new(Box::new(NoNative));
        let f = global(&rt, "Object");
        let queued = |what: &str, queue: &dyn Fn()| {
            rt.run_microtasks();
            assert!(!rt.has_microtasks(), "drained before {what}");
            assert!(!rt.pending().any(MICROTASKS), "and the bit cleared by the look");
            queue();
            assert!(rt.pending().any(MICROTASKS), "{what} sets the bit");
            assert!(rt.has_microtasks(), "{what} is seen");
        };
        queued("a reaction to a settled promise", &|| {
            let p = rt.new_promise();
            rt.resolve_promise(p, Value::Number(1.0));
            rt.promise_then(p, f.clone(), f.clone());
        });
        queued("a settlement with reactions", &|| {
            let p = rt.new_promise();
            rt.promise_then(p, f.clone(), f.clone());
            assert!(!rt.pending().any(MICROTASKS), "a reaction to a pending promise waits");
            rt.resolve_promise(p, Value::Number(1.0));
        });
        queued("a thenable adopted", &|| {
            let (p, q) = (rt.new_promise(), rt.new_promise());
            rt.resolve_promise(p, Value::Object(q));
        });
        queued("process.nextTick", &|| {
            call(&rt, "process.nextTick", std::slice::from_ref(&f)).unwrap();
        });
        queued("queueMicrotask", &|| {
            call(&rt, "queueMicrotask", std::slice::from_ref(&f)).unwrap();
        });
    }

    /// Lends and shared-memory news set their bits: the host looks for either only when set.
    #[test]
    fn lends_and_shared_memory_news_are_flagged() {
        let word = PendingWork::new();
        let shm = SharedMemory::flagging(word.clone());
        shm.note_lent(ObjectId::from_bits(1 << 32 | 5));
        assert!(word.any(LENT));
        assert_eq!(shm.lent_mark(), 1, "a lend's mark is seen");
        assert!(shm.take_lent_since(0).is_some());
        assert!(!word.any(LENT), "cleared once no lend is left");

        let block = shm.alloc(64, None).unwrap();
        assert!(word.take(SHM_NEWS), "a new segment to announce");
        assert!(shm.has_news());
        shm.announce(|_| {});
        let seg = napi_link::shm::OwnSegment::create(4096).unwrap();
        shm.add_peer(3, 4096, seg.fd.try_clone().unwrap()).unwrap();
        let r = napi_protocol::Region { owner: napi_protocol::SegmentOwner::Client, segment: 3, offset: 0, len: 64 };
        drop(shm.peer_block(r).unwrap());
        assert!(word.any(SHM_NEWS), "a client block to give back");
        drop(block);
    }
}
