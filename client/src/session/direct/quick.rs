//! Whether a direct in-process call keeps the binding's lock, Python's GIL (D37): the state
//! a function proxy carries, handed to the core as data with each call of it (`Function`),
//! which reads it before the call and records the call's time after.
//!
//! Releasing and retaking the GIL costs about a tenth of a quick in-process call. A function
//! whose last call was quick keeps the GIL for the next one, as CPython itself lets a thread
//! run for its switch interval (5 ms) before asking it to let go; a function whose last call
//! was slow, or that never ran, lets go, so a long call (a password hash) never holds other
//! Python threads up twice in a row.

use std::sync::atomic::{AtomicBool, Ordering};

/// Calls shorter than this keep the GIL next time. Measured by the coarse clock
/// ([`super::ticks`], which times the call itself in `super::serve`), it
/// means a call that crossed none of that clock's steps (1-4 ms, the kernel's tick): a call
/// longer than a step is always seen slow, a shorter one only when it happens to cross a step
/// (a call of 1 ms keeps the GIL at least three times in four, well within CPython's own 5 ms
/// switch interval; a call of a microsecond is seen slow once in thousands).
const QUICK_TICKS: u64 = 1_000_000;

/// How a function's last direct call went.
#[derive(Default)]
pub struct Quick(AtomicBool);

impl Quick {
    /// Whether the next call may keep the GIL: it then only tries the JS lock, never waiting
    /// for it holding the GIL.
    #[inline]
    pub fn keeps_lock(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }

    /// Records a call that took `elapsed` ticks (written only on change: proxies are shared
    /// between threads, and a store on every call would bounce the cache line).
    #[inline]
    pub fn record(&self, elapsed: u64) {
        let quick = elapsed < QUICK_TICKS;
        if self.0.load(Ordering::Relaxed) != quick {
            self.0.store(quick, Ordering::Relaxed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_function_keeps_the_lock_only_after_a_quick_call() {
        let q = Quick::default();
        assert!(!q.keeps_lock(), "a function never called lets go of the GIL");
        q.record(10);
        assert!(q.keeps_lock());
        q.record(QUICK_TICKS);
        assert!(!q.keeps_lock(), "a slow call makes the next one let go");
    }
}
