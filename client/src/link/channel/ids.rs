//! Request ids, a block at a time.

use std::sync::atomic::{AtomicU64, Ordering};

/// Ids reserved a block at a time, handed out one by one by a caller that keeps every other
/// caller out (`Channel::next_id_exclusive`, under the GIL): plain loads and stores, `[next, end)`.
#[derive(Default)]
pub(super) struct IdBlock {
    next: AtomicU64,
    end: AtomicU64,
}

impl IdBlock {
    const SIZE: u64 = 64;

    /// The next id; `reserve(n)` answers the first of `n` fresh ids when the block runs out.
    pub fn next(&self, reserve: impl FnOnce(u64) -> u64) -> u64 {
        let id = self.next.load(Ordering::Relaxed);
        if id < self.end.load(Ordering::Relaxed) {
            self.next.store(id + 1, Ordering::Relaxed);
            return id;
        }
        let start = reserve(Self::SIZE);
        self.next.store(start + 1, Ordering::Relaxed);
        self.end.store(start + Self::SIZE, Ordering::Relaxed);
        start
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_come_in_order_from_fresh_blocks_and_never_0() {
        let counter = AtomicU64::new(1);
        let block = IdBlock::default();
        let ids: Vec<u64> = (0..500).map(|_| block.next(|n| counter.fetch_add(n, Ordering::Relaxed))).collect();
        assert_eq!(ids, (1..501).collect::<Vec<_>>(), "0 is the event chain's");
        assert_eq!(counter.load(Ordering::Relaxed), 1 + 64 * 8, "eight blocks reserved");
    }
}
