//! Where blocks go inside shared-memory segments: offsets only, no memory touched, so the same
//! bookkeeping serves the host (for its segments) and the client (for its upload segments).
//!
//! Best fit over every segment's free ranges, with neighbours merged on free. A segment that
//! becomes empty is kept for reuse while the empty segments total at most `retain` bytes;
//! past that the caller is told to retire it, so a run of large buffers is bounded by its peak,
//! not its sum.

use std::collections::{BTreeMap, BTreeSet};

/// Every block starts on this boundary (a cache line: no two blocks share one, and every typed
/// array's element alignment is met).
pub const ALIGN: u64 = 64;

/// Size of a segment made for ordinary allocations; larger ones get a segment of their own.
pub const SEGMENT_SIZE: u64 = 32 << 20;

/// Empty segments kept for reuse, in bytes, before the next one to empty out is retired.
pub const RETAIN: u64 = 160 << 20;

/// Segments are whole pages of the largest size a Linux kernel uses (arm64 ones may be built with
/// 16 or 64 KiB pages), so the same size is whole pages on every machine.
const PAGE: u64 = 64 << 10;

#[derive(Debug)]
struct Segment {
    size: u64,
    /// Free ranges by offset (merged: no two touch).
    free: BTreeMap<u64, u64>,
    used: u64,
}

#[derive(Debug)]
pub struct Allocator {
    /// By segment id; `None` once retired (ids are never reused, so a late message naming a
    /// retired segment cannot reach a new one).
    segments: Vec<Option<Segment>>,
    /// Every free range as (length, segment, offset), for best fit.
    by_size: BTreeSet<(u64, u32, u64)>,
    retain: u64,
    /// Bytes handed out and not freed (rounded sizes).
    live: u64,
}

impl Default for Allocator {
    fn default() -> Self {
        Allocator::with_retention(RETAIN)
    }
}

/// The rounded size a request of `len` bytes takes.
pub fn rounded(len: u64) -> u64 {
    len.max(1).div_ceil(ALIGN) * ALIGN
}

/// The size of the segment to add when `alloc(len)` found no room.
pub fn segment_size_for(len: u64) -> u64 {
    rounded(len).max(SEGMENT_SIZE).div_ceil(PAGE) * PAGE
}

impl Allocator {
    pub fn with_retention(retain: u64) -> Allocator {
        Allocator { segments: Vec::new(), by_size: BTreeSet::new(), retain, live: 0 }
    }

    /// A block of at least `len` bytes as (segment, offset), or `None` when no segment has room
    /// (add one of `segment_size_for(len)` bytes and ask again).
    pub fn alloc(&mut self, len: u64) -> Option<(u32, u64)> {
        let want = rounded(len);
        let &(flen, seg, off) = self.by_size.range((want, 0, 0)..).next()?;
        self.by_size.remove(&(flen, seg, off));
        let s = self.segments[seg as usize].as_mut().expect("free ranges only of live segments");
        s.free.remove(&off);
        if flen > want {
            s.free.insert(off + want, flen - want);
            self.by_size.insert((flen - want, seg, off + want));
        }
        s.used += want;
        self.live += want;
        Some((seg, off))
    }

    /// Adds a segment of `size` bytes (all free); answers its id.
    pub fn add_segment(&mut self, size: u64) -> u32 {
        let id = u32::try_from(self.segments.len()).expect("fewer than 2^32 segments");
        let mut free = BTreeMap::new();
        free.insert(0, size);
        self.by_size.insert((size, id, 0));
        self.segments.push(Some(Segment { size, free, used: 0 }));
        id
    }

    /// Gives back the block at (`seg`, `off`) of `len` requested bytes. Answers the segment's id
    /// when it is now empty and should be retired (keeping it would exceed the retention).
    /// A block that was not handed out (a double free, a bad offset) is ignored and answered
    /// `Err`, so a confused peer cannot corrupt the bookkeeping.
    pub fn free(&mut self, seg: u32, off: u64, len: u64) -> Result<Option<u32>, &'static str> {
        let size = rounded(len);
        let s = self.segments.get_mut(seg as usize).and_then(Option::as_mut).ok_or("no such segment")?;
        if !off.is_multiple_of(ALIGN) || off.checked_add(size).is_none_or(|end| end > s.size) || s.used < size {
            return Err("block outside its segment");
        }
        // The block must not overlap a free range.
        let before = s.free.range(..=off).next_back().map(|(&o, &l)| (o, l));
        let after = s.free.range(off..).next().map(|(&o, &l)| (o, l));
        if before.is_some_and(|(o, l)| o + l > off) || after.is_some_and(|(o, _)| o < off + size) {
            return Err("block already free");
        }
        let (mut start, mut end) = (off, off + size);
        if let Some((o, l)) = before.filter(|(o, l)| o + l == off) {
            s.free.remove(&o);
            self.by_size.remove(&(l, seg, o));
            start = o;
        }
        if let Some((o, l)) = after.filter(|(o, _)| *o == end) {
            s.free.remove(&o);
            self.by_size.remove(&(l, seg, o));
            end = o + l;
        }
        s.free.insert(start, end - start);
        self.by_size.insert((end - start, seg, start));
        s.used -= size;
        self.live -= size;
        if s.used > 0 {
            return Ok(None);
        }
        let empty: u64 = self.segments.iter().flatten().filter(|s| s.used == 0).map(|s| s.size).sum();
        Ok((empty > self.retain).then_some(seg))
    }

    /// Forgets a segment (after `free` said to retire it).
    pub fn remove_segment(&mut self, seg: u32) {
        if let Some(s) = self.segments.get_mut(seg as usize).and_then(Option::take) {
            for (off, len) in s.free {
                self.by_size.remove(&(len, seg, off));
            }
            self.live -= s.used;
        }
    }

    /// Bytes in live blocks.
    pub fn live_bytes(&self) -> u64 {
        self.live
    }

    /// Bytes of all live segments.
    pub fn mapped_bytes(&self) -> u64 {
        self.segments.iter().flatten().map(|s| s.size).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alloc(a: &mut Allocator, len: u64) -> (u32, u64) {
        a.alloc(len).unwrap_or_else(|| {
            a.add_segment(segment_size_for(len));
            a.alloc(len).expect("fits a fresh segment")
        })
    }

    #[test]
    fn blocks_are_aligned_and_disjoint() {
        let mut a = Allocator::default();
        let blocks: Vec<_> = [1, 63, 64, 65, 1000, 0].iter().map(|&n| (alloc(&mut a, n), rounded(n))).collect();
        for (i, ((s1, o1), l1)) in blocks.iter().enumerate() {
            assert_eq!(o1 % ALIGN, 0);
            for ((s2, o2), _) in &blocks[i + 1..] {
                assert!(s1 != s2 || o2 >= &(o1 + l1), "blocks overlap");
            }
        }
        assert_eq!(a.mapped_bytes(), SEGMENT_SIZE);
    }

    #[test]
    fn freed_space_is_merged_and_reused() {
        let mut a = Allocator::default();
        let x = alloc(&mut a, 1000);
        let y = alloc(&mut a, 1000);
        let z = alloc(&mut a, 1000);
        a.free(x.0, x.1, 1000).unwrap();
        a.free(y.0, y.1, 1000).unwrap();
        // x and y merged: a block of their joint size fits where x was.
        assert_eq!(alloc(&mut a, 2048), x);
        a.free(z.0, z.1, 1000).unwrap();
        assert_eq!(a.live_bytes(), 2048);
    }

    #[test]
    fn large_blocks_get_their_own_segment_and_empty_ones_retire_past_retention() {
        let mut a = Allocator::with_retention(100 << 20);
        let big = alloc(&mut a, 64 << 20);
        assert_eq!(a.mapped_bytes(), 64 << 20);
        // Freed and kept: the next one of its size reuses it without a new segment.
        assert_eq!(a.free(big.0, big.1, 64 << 20), Ok(None));
        assert_eq!(alloc(&mut a, 64 << 20), big);
        let other = alloc(&mut a, 64 << 20);
        assert_ne!(other.0, big.0);
        assert_eq!(a.free(big.0, big.1, 64 << 20), Ok(None));
        // Two empty 64 MiB segments exceed 100 MiB: the second to empty is retired.
        assert_eq!(a.free(other.0, other.1, 64 << 20), Ok(Some(other.0)));
        a.remove_segment(other.0);
        assert_eq!(a.mapped_bytes(), 64 << 20);
        assert!(a.free(other.0, other.1, 64 << 20).is_err(), "retired segments are gone");
    }

    #[test]
    fn bad_frees_are_refused_without_damage() {
        let mut a = Allocator::default();
        let x = alloc(&mut a, 100);
        assert!(a.free(x.0, x.1 + 1, 100).is_err());
        assert!(a.free(9, 0, 100).is_err());
        assert!(a.free(x.0, SEGMENT_SIZE, 100).is_err());
        a.free(x.0, x.1, 100).unwrap();
        assert!(a.free(x.0, x.1, 100).is_err(), "double free");
        assert_eq!(a.live_bytes(), 0);
        assert_eq!(alloc(&mut a, SEGMENT_SIZE), (0, 0), "the whole segment is one free range again");
    }
}
