//! ArrayBuffer memory shared with the client.
//!
//! The host allocates backing stores in its own segments (sealed memfd files the client maps
//! too), so a buffer crosses to Python as coordinates, not bytes. Bytes Python sends arrive in
//! blocks of the client's segments, which the host maps and uses in place; when such a buffer
//! dies the block goes back to the client (`Returned`). A [`Block`] frees itself when the last
//! thing using it (its ArrayBuffer, or a detached one's leftover) is dropped.
//!
//! Most buffers are small and short-lived (an argument, a result, a field of one), and best fit
//! over two ordered maps costs about a thousand instructions a block: the small blocks of
//! ArrayBuffers the collector frees are kept whole by size (`SmallBlocks`, each `Rc<Block>` as
//! it was, `recycle`), and the next block of their size is one of them with its length set, and
//! a block's owner is recorded only once its buffer crosses to the client, the one reader of that
//! record (`owner_of`). The `Rc` of any other block the collector frees is kept too (`shells`):
//! a collection frees hundreds of them at once, past the allocator's per-thread cache, and a
//! malloc and a free of each cost about 230 instructions a buffer.
//!
//! Everything here runs on the JS thread; nothing is shared with other threads but the memory.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, HashMap};

mod small_blocks;
use small_blocks::SmallBlocks;
use std::rc::{Rc, Weak};
use std::sync::Arc;

use napi_link::shm::{alloc, borrow_descriptor, Allocator, BorrowedDescriptor, Mapping, OwnSegment, OwnedDescriptor};
use napi_protocol::{Region, SegmentOwner, LENT_SEGMENT};

use super::object_id::ObjectId;
use super::pending::{self, PendingWork};

/// The most vacant blocks kept (`Inner::shells`): about a collection's worth of buffers made one
/// a call, under a hundred KiB.
const SHELLS_KEPT: usize = 1024;

/// A range of shared memory backing one ArrayBuffer.
#[derive(Debug)]
pub struct Block {
    ptr: *mut u8,
    len: usize,
    region: Region,
    home: Weak<RefCell<Inner>>,
    /// Keeps a peer segment mapped while its block is in use.
    _peer: Option<Arc<Mapping>>,
    /// Whether `owners` names this block's ArrayBuffer (see `SharedMemory::set_owner`).
    owner_set: Cell<bool>,
}

impl Block {
    /// The block's first byte.
    pub fn ptr(&self) -> *mut u8 {
        self.ptr
    }

    /// The block's length in bytes.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the block holds no bytes.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Where the block lies, as the client names it.
    pub fn region(&self) -> Region {
        self.region
    }

    /// Whether the block is memory an in-process client lent (`Value::Lent`): no segment the
    /// client could map it from again, so it crosses back as a copy.
    pub fn is_lent(&self) -> bool {
        self.region.owner == SegmentOwner::Client && self.region.segment == LENT_SEGMENT
    }

    /// The block's bytes, for reading.
    pub fn bytes(&self) -> &[u8] {
        // SAFETY: the block is `len` bytes of a live mapping (own segments are retired only
        // once empty, peer mappings are held by `_peer`). Other processes may write it
        // concurrently, as with any shared memory; readers copy what they see.
        unsafe { std::slice::from_raw_parts(self.ptr, self.len) }
    }
}

impl Block {
    /// Makes the block let go of nothing when dropped: its region was released already.
    fn vacate(&mut self) {
        self.home = Weak::new();
        self._peer = None;
    }
}

impl Drop for Block {
    fn drop(&mut self) {
        if let Some(home) = self.home.upgrade() {
            home.borrow_mut().release(self.region, self.owner_set.get());
        }
    }
}

#[derive(Default)]
struct Inner {
    alloc: Allocator,
    /// Own segments by id (the allocator's ids are dense and never reused).
    own: Vec<Option<OwnSegment>>,
    /// Freed small blocks of own segments, still allocated, kept whole for reuse (each held
    /// only here, its home still set: `recycle`).
    small: SmallBlocks<Rc<Block>>,
    /// Vacant blocks (`Block::vacate`): the `Rc` allocations of blocks a collection freed, for
    /// the next blocks made (`house`).
    shells: Vec<Rc<Block>>,
    peer: HashMap<u32, Arc<Mapping>>,
    /// Own segments the client has not been told of yet.
    announce: Vec<u32>,
    /// Own segments unmapped since the client was last told.
    retired: Vec<u32>,
    /// Client blocks the host is done with, to send back.
    returned: Vec<Region>,
    /// Which ArrayBuffer owns each live own block that crossed to the client, by (segment,
    /// offset): a view Python makes of shared memory comes back as a view of that same ArrayBuffer.
    owners: BTreeMap<(u32, u64), (u64, ObjectId)>,
    /// Bytes of client blocks in use.
    peer_bytes: u64,
    /// Set when memfd segments cannot be made (no memfd, a memory limit): buffers then live in
    /// host memory and cross by copy.
    unavailable: bool,
    /// The runtime's "anything pending" word: `SHM_NEWS` is set with each piece of news above.
    pending: Arc<PendingWork>,
}

impl Inner {
    /// Gives an own block back to the allocator, retiring its segment if it empties out.
    fn free_own(&mut self, segment: u32, offset: u64, len: u64) {
        match self.alloc.free(segment, offset, len) {
            Ok(Some(empty)) => {
                self.alloc.remove_segment(empty);
                if let Some(slot) = self.own.get_mut(empty as usize) {
                    *slot = None;
                }
                // Never announced: the client never knew it.
                if let Some(i) = self.announce.iter().position(|s| *s == empty) {
                    self.announce.remove(i);
                } else {
                    self.retired.push(empty);
                    self.pending.set(pending::SHM_NEWS);
                }
            }
            Ok(None) => {}
            Err(why) => tracing::error!(segment, offset, len, why, "freeing a shared block"),
        }
    }

    /// Gives every kept small block back to the allocator, so that segments they alone held
    /// can retire; their `Rc`s are kept as shells.
    fn free_small(&mut self) {
        for (mut block, len) in self.small.drain() {
            let b = Rc::get_mut(&mut block).expect("a kept block is held only here");
            // Vacated first: its region goes back here, not through its drop (this borrow).
            b.vacate();
            self.free_own(b.region.segment, b.region.offset, len);
            if self.shells.len() < SHELLS_KEPT {
                self.shells.push(block);
            }
        }
    }

    /// A block of `len` bytes of an own segment by best fit, else in a new segment (after the
    /// kept small blocks went back, which may leave room). `None`: no memory.
    fn place(&mut self, len: u64) -> std::io::Result<(u32, u64)> {
        if let Some(block) = self.alloc.alloc(len) {
            return Ok(block);
        }
        if !self.small.is_empty() {
            self.free_small();
            if let Some(block) = self.alloc.alloc(len) {
                return Ok(block);
            }
        }
        let size = alloc::segment_size_for(len);
        let segment = OwnSegment::create(size)?;
        let id = self.alloc.add_segment(size);
        debug_assert_eq!(id as usize, self.own.len(), "segment ids are dense");
        self.own.resize_with(id as usize + 1, || None);
        self.own[id as usize] = Some(segment);
        self.announce.push(id);
        self.pending.set(pending::SHM_NEWS);
        Ok(self.alloc.alloc(len).expect("a fresh segment fits its block"))
    }

    /// `block` in an `Rc`: a vacant one's allocation when one is kept, else a new one.
    fn house(&mut self, block: Block) -> Rc<Block> {
        match self.shells.pop() {
            Some(mut shell) => {
                // The vacant block it held lets go of nothing (`vacate`): forgotten, not
                // dropped (its drop's look for a home, about 25 instructions a buffer).
                std::mem::forget(std::mem::replace(Rc::get_mut(&mut shell).expect("a shell is held only here"), block));
                shell
            }
            None => Rc::new(block),
        }
    }

    fn release(&mut self, region: Region, owner_set: bool) {
        match region.owner {
            SegmentOwner::Host => {
                if owner_set {
                    self.owners.remove(&(region.segment, region.offset));
                }
                self.free_own(region.segment, region.offset, region.len);
            }
            SegmentOwner::Client => {
                self.peer_bytes -= region.len;
                self.returned.push(region);
                self.pending.set(pending::SHM_NEWS);
            }
        }
    }
}

/// The host's shared memory: its segments, the client's segments it mapped, and what the
/// client must be told.
#[derive(Default)]
pub struct SharedMemory {
    inner: Rc<RefCell<Inner>>,
    /// Whether the client shares this address space and may lend its memory (in-process).
    lending: Cell<bool>,
    /// The ArrayBuffers over lent memory made by the requests in progress, innermost last.
    lent: RefCell<Vec<ObjectId>>,
    /// The runtime's "anything pending" word (`LENT`; `Inner` sets `SHM_NEWS`).
    pending: Arc<PendingWork>,
}

/// A segment to announce: its id, size and descriptor (valid while the segment lives, which it
/// does at least until the next collection).
pub struct Announcement<'a> {
    /// The segment's id, as the client will name it.
    pub id: u32,
    /// Its size in bytes.
    pub size: u64,
    /// Its memfd, for the client to map.
    pub fd: BorrowedDescriptor<'a>,
}

/// Fills the `len` bytes at `ptr` with a copy of `init` and zeroes (reused memory must not show
/// its last owner's bytes: what `init` does not cover is zeroed).
///
/// # Safety
/// `ptr` is writable for `len` bytes that nothing else uses now, and `init` is other memory.
unsafe fn fill(ptr: *mut u8, len: usize, init: Option<&[u8]>) {
    let copied = init.map_or(0, |src| src.len().min(len));
    // SAFETY: the caller's contract; `init` is read for at most its own length.
    unsafe {
        if let Some(src) = init {
            std::ptr::copy_nonoverlapping(src.as_ptr(), ptr, copied);
        }
        // A copy fills the block: no `memset` call of no bytes (about 15 instructions).
        if copied < len {
            std::ptr::write_bytes(ptr.add(copied), 0, len - copied);
        }
    }
}

/// Whether making a segment failed for want of memory (a memory limit), not for good.
#[cfg(unix)]
fn out_of_memory(e: &std::io::Error) -> bool {
    matches!(e.raw_os_error(), Some(libc::ENOMEM | libc::EFBIG | libc::ENOSPC))
}

/// The same on Windows: `ERROR_NOT_ENOUGH_MEMORY`, `ERROR_OUTOFMEMORY`, `ERROR_COMMITMENT_LIMIT`.
#[cfg(windows)]
fn out_of_memory(e: &std::io::Error) -> bool {
    matches!(e.raw_os_error(), Some(8 | 14 | 1455))
}

impl SharedMemory {
    /// Shared memory whose news (and lends) are flagged in `pending`, the runtime's word.
    pub fn flagging(pending: Arc<PendingWork>) -> SharedMemory {
        let shm = SharedMemory { pending: pending.clone(), ..SharedMemory::default() };
        shm.inner.borrow_mut().pending = pending;
        shm
    }

    /// A block of `len` bytes holding a copy of `init` (also `len` bytes), or zeroed; `None`
    /// when shared memory cannot be had (the caller falls back to host memory).
    pub fn alloc(&self, len: usize, init: Option<&[u8]>) -> Option<Rc<Block>> {
        let mut inner = self.inner.borrow_mut();
        if inner.unavailable {
            return None;
        }
        if let Some(mut block) = inner.small.take(len as u64) {
            let b = Rc::get_mut(&mut block).expect("a kept block is held only here");
            // Of the same rounded size: the allocator's block holds `len` bytes.
            b.len = len;
            b.region.len = len as u64;
            // SAFETY: the block's memory, at least `len` bytes (its rounded size), used by nothing
            // while it was kept.
            unsafe { fill(b.ptr, len, init) };
            return Some(block);
        }
        let (seg, off) = match inner.place(len as u64) {
            Ok(b) => b,
            // Out of memory for this size (a memory limit): this buffer lives in host memory,
            // if even that can be had; the next may fit again.
            Err(e) if out_of_memory(&e) => return None,
            Err(e) => {
                tracing::warn!("shared memory unavailable, buffers will be copied: {e}");
                inner.unavailable = true;
                return None;
            }
        };
        let segment = inner.own.get(seg as usize).and_then(Option::as_ref).expect("blocks only of live segments");
        let ptr = segment.mapping.range(off, len as u64).expect("the allocator stays inside its segments");
        // SAFETY: a block nothing else uses, `len` bytes.
        unsafe { fill(ptr, len, init) };
        let region = Region { owner: SegmentOwner::Host, segment: seg, offset: off, len: len as u64 };
        Some(inner.house(Block { ptr, len, region, home: Rc::downgrade(&self.inner), _peer: None, owner_set: Cell::new(false) }))
    }

    /// Records that `buffer` is the ArrayBuffer over `block` (see `owner_of`): done once the
    /// block's region is sent to the client, which alone names memory by region.
    pub fn set_owner(&self, block: &Block, buffer: ObjectId) {
        let r = block.region;
        if r.owner == SegmentOwner::Host && !block.owner_set.replace(true) {
            self.inner.borrow_mut().owners.insert((r.segment, r.offset), (r.len, buffer));
        }
    }

    /// Lets go of `block`, the block of an ArrayBuffer the collector freed, as dropping it would,
    /// but keeps a small block of its own whole for the next of its size, and otherwise its `Rc`
    /// allocation for the next block, when it was the last user of the block.
    pub fn recycle(&self, mut block: Rc<Block>) {
        let Some(b) = Rc::get_mut(&mut block) else { return };
        if !std::ptr::eq(b.home.as_ptr(), Rc::as_ptr(&self.inner)) {
            return;
        }
        let mut inner = self.inner.borrow_mut();
        if b.region.owner == SegmentOwner::Host {
            if b.owner_set.replace(false) {
                inner.owners.remove(&(b.region.segment, b.region.offset));
            }
            let len = b.region.len;
            match inner.small.keep(len, block) {
                Ok(()) => return,
                Err(back) => block = back,
            }
        }
        let b = Rc::get_mut(&mut block).expect("checked above");
        if inner.shells.len() >= SHELLS_KEPT {
            drop(inner);
            return;
        }
        inner.release(b.region, b.owner_set.get());
        b.vacate();
        inner.shells.push(block);
    }

    /// Lets go of the small blocks kept for reuse (see `SmallBlocks`): at the start of each
    /// collection, so that a segment they alone held retires once the collection frees the rest.
    pub fn free_small_blocks(&self) {
        self.inner.borrow_mut().free_small();
    }

    /// The ArrayBuffer whose own block holds all of `region`, and the region's offset in it.
    pub fn owner_of(&self, region: Region) -> Option<(ObjectId, usize)> {
        let inner = self.inner.borrow();
        let (&(seg, off), &(len, id)) = inner.owners.range(..=(region.segment, region.offset)).next_back()?;
        let end = region.offset.checked_add(region.len)?;
        (region.owner == SegmentOwner::Host && seg == region.segment && end <= off + len).then_some((id, (region.offset - off) as usize))
    }

    /// Maps a segment the client announced (its descriptor just arrived).
    pub fn add_peer(&self, id: u32, size: u64, fd: OwnedDescriptor) -> std::io::Result<()> {
        let mapping = Mapping::of_peer(borrow_descriptor(&fd), size)?;
        self.inner.borrow_mut().peer.insert(id, Arc::new(mapping));
        Ok(())
    }

    /// Unmaps a client segment the client retired (its blocks were all returned).
    pub fn remove_peer(&self, id: u32) {
        self.inner.borrow_mut().peer.remove(&id);
    }

    /// The block of a client segment that Python filled (`Value::Upload`): the host uses it until
    /// the buffer over it dies, then returns it.
    pub fn peer_block(&self, region: Region) -> Result<Rc<Block>, String> {
        let mut inner = self.inner.borrow_mut();
        let mapping = match (region.owner, inner.peer.get(&region.segment)) {
            (SegmentOwner::Client, Some(m)) => m.clone(),
            _ => return Err(format!("no client segment {} to take bytes from", region.segment)),
        };
        let ptr = mapping.range(region.offset, region.len).ok_or("an uploaded block lies outside its segment")?;
        let len = usize::try_from(region.len).map_err(|_| "an uploaded block is too large")?;
        inner.peer_bytes += region.len;
        Ok(inner.house(Block { ptr, len, region, home: Rc::downgrade(&self.inner), _peer: Some(mapping), owner_set: Cell::new(false) }))
    }

    /// Lets the client lend its memory (`Value::Lent`): only a client in this address space.
    pub fn allow_lending(&self) {
        self.lending.set(true);
    }

    /// A block over `region.len` bytes of the in-process client's memory at `address`, lent
    /// until the block goes back (then as `region`, the client's token for the lend).
    pub fn lent_block(&self, address: u64, region: Region) -> Result<Rc<Block>, String> {
        if !self.lending.get() {
            return Err("lent memory is only taken by a host in its client's process".into());
        }
        if region.owner != SegmentOwner::Client || region.segment != LENT_SEGMENT {
            return Err("a lend names no segment".into());
        }
        let len = usize::try_from(region.len).map_err(|_| "a lent buffer is too large")?;
        if address == 0 && len > 0 {
            return Err("a lent buffer at address 0".into());
        }
        let ptr = if len == 0 { std::ptr::NonNull::dangling().as_ptr() } else { address as *mut u8 };
        let mut inner = self.inner.borrow_mut();
        inner.peer_bytes += region.len;
        Ok(inner.house(Block { ptr, len, region, home: Rc::downgrade(&self.inner), _peer: None, owner_set: Cell::new(false) }))
    }

    /// Records `buffer` as made over lent memory by the request in progress.
    pub fn note_lent(&self, buffer: ObjectId) {
        self.lent.borrow_mut().push(buffer);
        self.pending.set(pending::LENT);
    }

    /// Where a request's lends start (see `take_lent_since`): none are noted while the word's
    /// `LENT` is clear.
    #[inline(always)]
    pub fn lent_mark(&self) -> usize {
        if !self.pending.any(pending::LENT) {
            return 0;
        }
        self.lent.borrow().len()
    }

    /// The buffers over lent memory made since `mark` (the request that took it ends).
    #[inline(always)]
    pub fn take_lent_since(&self, mark: usize) -> Option<Vec<ObjectId>> {
        if !self.pending.any(pending::LENT) {
            return None;
        }
        let mut lent = self.lent.borrow_mut();
        let taken = (lent.len() > mark).then(|| lent.split_off(mark));
        if lent.is_empty() {
            self.pending.take(pending::LENT);
        }
        taken
    }

    /// Whether there are segments to announce, segments retired or client blocks to send back.
    pub fn has_news(&self) -> bool {
        let inner = self.inner.borrow();
        !(inner.announce.is_empty() && inner.retired.is_empty() && inner.returned.is_empty())
    }

    /// Segments to announce, passed to `send` one by one; they are marked announced.
    pub fn announce(&self, mut send: impl FnMut(Announcement<'_>)) {
        let mut inner = self.inner.borrow_mut();
        let ids = std::mem::take(&mut inner.announce);
        for id in ids {
            if let Some(seg) = inner.own.get(id as usize).and_then(Option::as_ref) {
                send(Announcement { id, size: seg.mapping.len() as u64, fd: seg.descriptor() });
            }
        }
    }

    /// Segments retired since the last call.
    pub fn take_retired(&self) -> Vec<u32> {
        std::mem::take(&mut self.inner.borrow_mut().retired)
    }

    /// Client blocks to send back.
    pub fn take_returned(&self) -> Vec<Region> {
        std::mem::take(&mut self.inner.borrow_mut().returned)
    }

    /// Bytes of shared memory in use (own blocks and client blocks): paces collections, as
    /// V8 counts external memory.
    pub fn live_bytes(&self) -> u64 {
        // Unguarded: every call's safe point asks (`Runtime::wants_collection`).
        // SAFETY: three counts are read, with no call in between that could borrow `inner` to
        // change it; `try_borrow_unguarded` refuses if it is being changed now.
        let inner = unsafe { self.inner.try_borrow_unguarded() }.expect("shared memory is not being changed");
        inner.alloc.live_bytes() - inner.small.bytes() + inner.peer_bytes
    }

    /// Bytes of own segments mapped.
    pub fn mapped_bytes(&self) -> u64 {
        self.inner.borrow().alloc.mapped_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_are_zeroed_reused_and_announced_once() {
        let shm = SharedMemory::default();
        let a = shm.alloc(100, None).unwrap();
        // SAFETY: inside the block.
        unsafe { *a.ptr() = 7 };
        let first = a.region();
        drop(a);
        let b = shm.alloc(100, None).unwrap();
        assert_eq!(b.region(), first, "freed memory is reused");
        assert_eq!(b.bytes()[0], 0, "and zeroed");
        let mut seen = Vec::new();
        shm.announce(|a| seen.push((a.id, a.size)));
        shm.announce(|a| seen.push((a.id, a.size)));
        assert_eq!(seen, vec![(0, alloc::SEGMENT_SIZE)]);
    }

    #[test]
    fn owners_are_found_by_any_range_inside_their_block() {
        let shm = SharedMemory::default();
        let _pad = shm.alloc(64, None).unwrap();
        let b = shm.alloc(1000, None).unwrap();
        let id = ObjectId::from_bits(77);
        shm.set_owner(&b, id);
        let r = b.region();
        assert_eq!(shm.owner_of(Region { offset: r.offset + 10, len: 20, ..r }), Some((id, 10)));
        assert_eq!(shm.owner_of(Region { offset: r.offset + 990, len: 20, ..r }), None, "runs past the block");
        assert_eq!(shm.owner_of(Region { offset: r.offset - 8, len: 4, ..r }), None, "before it");
        drop(b);
        assert_eq!(shm.owner_of(r), None, "dead blocks own nothing");
    }

    #[test]
    fn small_blocks_the_collector_frees_are_kept_whole_for_reuse_until_given_back() {
        let shm = SharedMemory::default();
        let blocks: Vec<_> = (0..10).map(|_| shm.alloc(5, Some(b"hello")).unwrap()).collect();
        let kept: Vec<_> = blocks.iter().map(|b| (b.region(), Rc::as_ptr(b))).collect();
        blocks.into_iter().for_each(|b| shm.recycle(b));
        assert_eq!(shm.live_bytes(), 0, "kept blocks are not live");
        assert_eq!(shm.inner.borrow().alloc.live_bytes(), 640, "but still the allocator's");
        let again = shm.alloc(3, Some(b"ab")).unwrap();
        assert!(kept.iter().any(|(r, rc)| r.offset == again.region().offset && *rc == Rc::as_ptr(&again)), "a kept block is reused whole");
        assert_eq!((again.len(), again.region().len), (3, 3), "as long as asked");
        assert_eq!(again.bytes(), [b'a', b'b', 0], "copied, the rest zeroed: the last owner's bytes do not show");
        assert_eq!(shm.live_bytes(), 64, "live again, its rounded size");
        drop(again);
        assert_eq!(shm.inner.borrow().alloc.live_bytes(), 576, "a block dropped goes straight back");
        shm.free_small_blocks();
        assert_eq!(shm.inner.borrow().alloc.live_bytes(), 0, "every kept block went back");
        assert_eq!(shm.inner.borrow().shells.len(), 9, "their Rcs kept for the next blocks");
        let next = shm.alloc(5, None).unwrap();
        assert_eq!(next.bytes(), [0; 5]);
        drop(next);
        assert_eq!(shm.live_bytes(), 0);
    }

    #[test]
    fn a_kept_block_has_no_owner_and_a_large_one_is_not_kept() {
        let shm = SharedMemory::default();
        let small = shm.alloc(5, None).unwrap();
        let large = shm.alloc(4096, None).unwrap();
        let (r, big) = (small.region(), large.region());
        shm.set_owner(&small, ObjectId::from_bits(5));
        shm.set_owner(&large, ObjectId::from_bits(6));
        shm.recycle(small);
        shm.recycle(large);
        assert_eq!(shm.owner_of(r), None, "a kept block's owner is forgotten");
        assert_eq!(shm.owner_of(big), None);
        assert_eq!(shm.inner.borrow().alloc.live_bytes(), 64, "the large block went back, the small one is kept");
        let again = shm.alloc(5, None).unwrap();
        assert_eq!(again.region(), r);
        shm.set_owner(&again, ObjectId::from_bits(7));
        assert_eq!(shm.owner_of(r), Some((ObjectId::from_bits(7), 0)), "its new owner is recorded again");
    }

    #[test]
    fn a_block_has_an_owner_only_once_set_and_until_it_dies() {
        let shm = SharedMemory::default();
        let b = shm.alloc(5, None).unwrap();
        let r = b.region();
        assert_eq!(shm.owner_of(r), None, "not crossed yet");
        let id = ObjectId::from_bits(5);
        shm.set_owner(&b, id);
        shm.set_owner(&b, id);
        assert_eq!(shm.owner_of(r), Some((id, 0)));
        drop(b);
        assert_eq!(shm.owner_of(r), None);
        assert!(shm.inner.borrow().owners.is_empty());
    }

    #[test]
    fn a_recycled_block_is_released_and_the_next_block_lives_in_its_rc() {
        let shm = SharedMemory::default();
        let a = shm.alloc(5, Some(b"hello")).unwrap();
        let (first, shell) = (a.region(), Rc::as_ptr(&a));
        shm.set_owner(&a, ObjectId::from_bits(5));
        shm.recycle(a);
        assert_eq!(shm.owner_of(first), None, "its owner is forgotten");
        assert_eq!(shm.live_bytes(), 0, "its memory is free");
        let b = shm.alloc(7, None).unwrap();
        assert_eq!(Rc::as_ptr(&b), shell, "the next block is housed where the dead one was");
        assert_eq!((b.region().offset, b.len(), b.region().len), (first.offset, 7, 7), "in its memory, as long as asked");
        assert_eq!(b.bytes(), [0; 7], "zeroed");
        drop(b);
        assert_eq!(shm.live_bytes(), 0);
    }

    #[test]
    fn a_block_still_in_use_is_not_recycled() {
        let shm = SharedMemory::default();
        let a = shm.alloc(5, None).unwrap();
        let user = a.clone();
        shm.recycle(a);
        assert!(shm.live_bytes() > 0, "a detached buffer's view may still use it");
        assert!(shm.inner.borrow().shells.is_empty());
        drop(user);
        assert_eq!(shm.live_bytes(), 0);
    }

    #[test]
    fn a_recycled_client_block_goes_back() {
        let shm = SharedMemory::default();
        let seg = OwnSegment::create(4096).unwrap();
        shm.add_peer(3, 4096, seg.fd.try_clone().unwrap()).unwrap();
        let r = Region { owner: SegmentOwner::Client, segment: 3, offset: 64, len: 128 };
        shm.recycle(shm.peer_block(r).unwrap());
        assert_eq!(shm.take_returned(), vec![r]);
        assert_eq!(shm.live_bytes(), 0);
        shm.remove_peer(3);
        let shell = shm.inner.borrow().shells.first().map(|b| b.home.upgrade().is_none() && b._peer.is_none());
        assert_eq!(shell, Some(true), "kept vacant, holding no mapping");
    }

    #[test]
    fn client_blocks_go_back_when_dropped() {
        let shm = SharedMemory::default();
        let seg = OwnSegment::create(4096).unwrap();
        shm.add_peer(3, 4096, seg.fd.try_clone().unwrap()).unwrap();
        let r = Region { owner: SegmentOwner::Client, segment: 3, offset: 64, len: 128 };
        assert!(shm.peer_block(Region { len: 8192, ..r }).is_err());
        assert!(shm.peer_block(Region { segment: 4, ..r }).is_err());
        let b = shm.peer_block(r).unwrap();
        // SAFETY: inside both mappings of the same file.
        unsafe { *seg.mapping.as_ptr().add(64) = 9 };
        assert_eq!(b.bytes()[0], 9, "the host sees the client's bytes in place");
        assert_eq!(shm.live_bytes(), 128);
        drop(b);
        assert_eq!(shm.take_returned(), vec![r]);
        assert_eq!(shm.live_bytes(), 0);
    }
}
