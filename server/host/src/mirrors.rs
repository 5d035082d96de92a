//! Shared-memory mirrors of external ArrayBuffers (the addon's own memory), so Python sees and
//! changes them as JS does.
//!
//! An external buffer's memory belongs to the addon and cannot move into a shared segment. When
//! one (or a view of one) crosses to Python, the host gives it a mirror: a shared block holding
//! a copy, plus a snapshot of what both sides last agreed on. The object itself crosses, so
//! identity holds; its bytes are the mirror's. At every message boundary the two copies are
//! reconciled byte by byte against the snapshot: before the host acts on a client message,
//! bytes Python changed in the mirror go to the addon's memory; before the host sends one, bytes
//! the addon changed go to the mirror. Each side's writes therefore reach the other at the next
//! exchange, as if the memory were shared, without one side's stale copy overwriting the other's
//! writes. (@napi-rs/canvas's `getImageData` returns such a buffer; a program changes its pixels
//! and hands it to `putImageData`.) A mirror lives while Python holds an object that uses it.

use rustc_hash::{FxHashMap, FxHashSet};
use std::rc::Rc;

use napi_runtime::object::{Backing, ObjectClass};
use napi_runtime::pending;
use napi_runtime::shm::Block;
use napi_runtime::{ObjectId, Runtime};

struct Mirror {
    block: Rc<Block>,
    /// The bytes both sides held at the last reconciliation.
    snapshot: Box<[u8]>,
    /// The addon's memory as it was when the mirror was made; if the buffer no longer has it
    /// (detached), the mirror is dropped.
    memory: (usize, usize),
    /// The objects Python holds that the mirror serves (the buffer, views of it).
    users: FxHashSet<ObjectId>,
}

#[derive(Default)]
pub struct Mirrors {
    /// By external ArrayBuffer.
    by_buffer: FxHashMap<ObjectId, Mirror>,
    /// Python-held object -> the buffer whose mirror it uses.
    user_of: FxHashMap<ObjectId, ObjectId>,
}

/// Which way bytes flow in a reconciliation.
#[derive(Clone, Copy)]
enum Direction {
    ToAddon,
    ToPython,
}

impl Mirrors {
    pub fn is_empty(&self) -> bool {
        self.by_buffer.is_empty()
    }

    /// The mirror block of external `buffer` (whose memory is `ptr`, `len` bytes), made if
    /// needed, now used by `user`; `None` when shared memory cannot be had.
    pub fn block_for(&mut self, rt: &Runtime, buffer: ObjectId, (ptr, len): (usize, usize), user: ObjectId) -> Option<Rc<Block>> {
        if self.by_buffer.get(&buffer).is_none_or(|m| m.memory != (ptr, len)) {
            // SAFETY: the addon promised `len` readable bytes at `ptr` while the buffer lives
            // (it is alive: the caller is sending it).
            let current = unsafe { std::slice::from_raw_parts(ptr as *const u8, len) };
            let block = rt.shm().alloc(len, Some(current))?;
            // Memory Python passes back in place (a numpy view of the mirror) names this buffer.
            rt.shm().set_owner(&block, buffer);
            let mirror = Mirror { block, snapshot: current.into(), memory: (ptr, len), users: FxHashSet::default() };
            if let Some(old) = self.by_buffer.insert(buffer, mirror) {
                old.users.iter().for_each(|u| {
                    self.user_of.remove(u);
                });
            }
        }
        // From now on each call's edges reconcile the mirrors (until none is left).
        rt.pending().set(pending::MIRRORS);
        let mirror = self.by_buffer.get_mut(&buffer).expect("made above");
        mirror.users.insert(user);
        self.user_of.insert(user, buffer);
        Some(mirror.block.clone())
    }

    /// Python let go of `user`: a mirror nobody uses any more is dropped (its block freed).
    pub fn released(&mut self, user: ObjectId) {
        let Some(buffer) = self.user_of.remove(&user) else { return };
        if let Some(m) = self.by_buffer.get_mut(&buffer) {
            m.users.remove(&user);
            if m.users.is_empty() {
                self.by_buffer.remove(&buffer);
            }
        }
    }

    /// Before the host acts on a client message: Python's writes reach the addon's memory.
    // Inlined, as `send_out`: nearly always there are no mirrors, and the look is on every
    // call's way (a call of `reconcile` only to find none cost more than the look).
    #[inline]
    pub fn take_in(&mut self, rt: &Runtime) {
        if !self.is_empty() {
            self.reconcile(rt, Direction::ToAddon);
        }
    }

    /// Before the host sends a message: the addon's writes reach Python.
    #[inline]
    pub fn send_out(&mut self, rt: &Runtime) {
        if !self.is_empty() {
            self.reconcile(rt, Direction::ToPython);
        }
    }

    #[inline(never)]
    fn reconcile(&mut self, rt: &Runtime, direction: Direction) {
        let heap = rt.heap();
        let gone: Vec<ObjectId> = self
            .by_buffer
            .iter()
            .filter(|(buffer, m)| {
                !matches!(heap.get(**buffer).map(|o| &o.class),
                    Some(ObjectClass::ArrayBuffer(d)) if matches!(d.backing, Backing::External { ptr, len } if (ptr, len) == m.memory))
            })
            .map(|(b, _)| *b)
            .collect();
        drop(heap);
        for buffer in gone {
            if let Some(m) = self.by_buffer.remove(&buffer) {
                m.users.iter().for_each(|u| {
                    self.user_of.remove(u);
                });
            }
        }
        for m in self.by_buffer.values_mut() {
            let (ptr, len) = m.memory;
            // SAFETY: the buffer still has this external memory (checked above), which the
            // addon keeps valid while the buffer lives; the block is `len` bytes of a live
            // mapping. The two never overlap (one is the addon's, one a shared segment). Other
            // threads (the addon's, Python's) may write either at the same time, as they may
            // race on shared memory under node; the merge copies whatever it sees.
            let (addon, python) =
                unsafe { (std::slice::from_raw_parts_mut(ptr as *mut u8, len), std::slice::from_raw_parts_mut(m.block.ptr(), len)) };
            match direction {
                Direction::ToAddon => merge(python, addon, &mut m.snapshot),
                Direction::ToPython => merge(addon, python, &mut m.snapshot),
            }
        }
    }
}

/// Copies into `to` (and `snapshot`) each byte of `from` that differs from `snapshot`: the bytes
/// `from`'s side wrote since the last reconciliation, and nothing else.
fn merge(from: &[u8], to: &mut [u8], snapshot: &mut [u8]) {
    const CHUNK: usize = 64;
    for ((f, t), s) in from.chunks(CHUNK).zip(to.chunks_mut(CHUNK)).zip(snapshot.chunks_mut(CHUNK)) {
        if f == s {
            continue;
        }
        for i in 0..f.len() {
            if f[i] != s[i] {
                t[i] = f[i];
                s[i] = f[i];
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{merge, Mirrors};
    use napi_runtime::{pending, NoNative, ObjectId, Runtime};

    /// A mirror made sets the word's `MIRRORS`: a direct call reconciles mirrors only then.
    #[test]
    fn a_mirror_made_is_flagged_until_none_is_left() {
        let rt = Runtime::new(Box::new(NoNative));
        let memory = [5u8; 32];
        let mut mirrors = Mirrors::default();
        let (buffer, user) = (ObjectId::from_bits(1 << 32 | 7), ObjectId::from_bits(1 << 32 | 8));
        assert!(!rt.pending().any(pending::MIRRORS));
        let block = mirrors.block_for(&rt, buffer, (memory.as_ptr() as usize, memory.len()), user).unwrap();
        assert!(rt.pending().any(pending::MIRRORS));
        assert_eq!(block.bytes(), memory);
        mirrors.released(user);
        assert!(mirrors.is_empty(), "the bit stays until a look finds none (`Host::share_news`)");
    }

    #[test]
    fn merge_carries_only_the_changed_bytes() {
        let mut snapshot = vec![0u8; 200];
        let mut python = snapshot.clone();
        let mut addon = snapshot.clone();
        python[3] = 7; // Python wrote byte 3
        addon[150] = 9; // the addon wrote byte 150 meanwhile
        merge(&python, &mut addon, &mut snapshot);
        assert_eq!((addon[3], addon[150]), (7, 9), "Python's write arrives, the addon's stays");
        merge(&addon, &mut python, &mut snapshot);
        assert_eq!((python[3], python[150]), (7, 9));
        assert_eq!(snapshot, addon);
    }
}
