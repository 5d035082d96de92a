//! Freed small blocks of the host's own segments, kept by rounded size for the next block of
//! that size: a push and a pop where best fit would remove, split, merge and insert ranges in two
//! ordered maps (about 1,100 instructions a block; `bench_instructions.py bytes`).
//!
//! A kept block stays allocated as far as the allocator knows, so nothing else is placed over
//! it; only the host's own frees come here, never a peer's, and what is kept is held only here
//! (the shared memory keeps each block whole, its `Rc<Block>`), so no block can be kept twice.
//! What is kept is bounded by `KEPT_BYTES`, and all of it goes back to the allocator at each
//! collection and before a new segment would be made.

use napi_link::shm::alloc::{rounded, ALIGN};

/// The largest rounded size kept: buffers up to 1 KiB (arguments, results, small fields).
const SMALL_MAX: u64 = 1024;
const CLASSES: usize = (SMALL_MAX / ALIGN) as usize;
/// The most bytes kept at once, over every size.
const KEPT_BYTES: u64 = 1 << 20;

/// Kept blocks, each a `T` (the shared memory's is the block itself).
pub(super) struct SmallBlocks<T> {
    /// Kept blocks, by rounded size: class `c` holds blocks of `(c + 1) * ALIGN` bytes.
    by_class: [Vec<T>; CLASSES],
    /// Rounded bytes kept.
    bytes: u64,
}

impl<T> Default for SmallBlocks<T> {
    fn default() -> Self {
        SmallBlocks { by_class: std::array::from_fn(|_| Vec::new()), bytes: 0 }
    }
}

/// The class of a block of `len` requested bytes, if it is small.
fn class_of(len: u64) -> Option<usize> {
    let size = rounded(len);
    (len > 0 && size <= SMALL_MAX).then(|| (size / ALIGN) as usize - 1)
}

impl<T> SmallBlocks<T> {
    /// A kept block for `len` bytes, if one of its size is kept.
    pub(super) fn take(&mut self, len: u64) -> Option<T> {
        let block = self.by_class[class_of(len)?].pop()?;
        self.bytes -= rounded(len);
        Some(block)
    }

    /// Keeps the freed `block` of `len` requested bytes; handed back when it is not small or the
    /// keep is full (free it).
    pub(super) fn keep(&mut self, len: u64, block: T) -> Result<(), T> {
        let Some(class) = class_of(len) else { return Err(block) };
        let size = rounded(len);
        if self.bytes + size > KEPT_BYTES {
            return Err(block);
        }
        self.by_class[class].push(block);
        self.bytes += size;
        Ok(())
    }

    /// Rounded bytes kept.
    pub(super) fn bytes(&self) -> u64 {
        self.bytes
    }

    pub(super) fn is_empty(&self) -> bool {
        self.bytes == 0
    }

    /// Every kept block with its rounded length, leaving none.
    pub(super) fn drain(&mut self) -> Vec<(T, u64)> {
        self.bytes = 0;
        let mut all = Vec::new();
        for (class, blocks) in self.by_class.iter_mut().enumerate() {
            let size = (class as u64 + 1) * ALIGN;
            all.extend(blocks.drain(..).map(|block| (block, size)));
        }
        all
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_are_kept_by_rounded_size() {
        let mut small = SmallBlocks::default();
        assert!(small.keep(5, (0, 0)).is_ok());
        assert!(small.keep(100, (0, 64)).is_ok());
        assert_eq!(small.bytes(), 64 + 128);
        assert_eq!(small.take(200), None, "no block of 256 bytes kept");
        assert_eq!(small.take(64), Some((0, 0)), "5 and 64 bytes both round to 64");
        assert_eq!(small.take(64), None);
        assert_eq!(small.take(128), Some((0, 64)));
        assert!(small.is_empty());
    }

    #[test]
    fn large_and_empty_blocks_and_a_full_keep_are_refused() {
        let mut small = SmallBlocks::default();
        assert_eq!(small.keep(SMALL_MAX + 1, (0, 0)), Err((0, 0)), "handed back");
        assert!(small.keep(0, (0, 0)).is_err());
        let mut offset = 0;
        while small.keep(SMALL_MAX, (0, offset)).is_ok() {
            offset += SMALL_MAX;
        }
        assert_eq!(small.bytes(), KEPT_BYTES, "kept up to the bound, not past it");
        let drained = small.drain();
        assert_eq!(drained.len() as u64, KEPT_BYTES / SMALL_MAX);
        assert!(drained.iter().all(|&(_, len)| len == SMALL_MAX));
        assert!(small.is_empty() && small.take(SMALL_MAX).is_none());
    }
}
