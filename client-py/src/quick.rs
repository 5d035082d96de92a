//! Whether a direct in-process call keeps the GIL (D38).
//!
//! Releasing and retaking the GIL costs about a tenth of a quick in-process call. A function
//! whose last call was quick keeps the GIL for the next one, as CPython itself lets a thread
//! run for its switch interval (5 ms) before asking it to let go; a function whose last call
//! was slow, or that never ran, lets go, so a long call (a password hash) never holds other
//! Python threads up twice in a row.

use std::sync::atomic::{AtomicBool, Ordering};

/// Calls shorter than this keep the GIL next time: about 50-130 µs of time-stamp counter at
/// 1-2.6 GHz (or 100 µs of the monotonic clock), well under CPython's switch interval.
#[cfg(target_arch = "x86_64")]
const QUICK_TICKS: u64 = 1 << 17;
#[cfg(not(target_arch = "x86_64"))]
const QUICK_TICKS: u64 = 100_000;

/// A cheap monotonic tick count: the time-stamp counter where there is one (a read costs a
/// few nanoseconds, where the clock costs tens), nanoseconds elsewhere.
pub fn ticks() -> u64 {
    #[cfg(target_arch = "x86_64")]
    {
        // SAFETY: `rdtsc` has no preconditions on x86_64.
        unsafe { std::arch::x86_64::_rdtsc() }
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        use std::sync::OnceLock;
        use std::time::Instant;
        static START: OnceLock<Instant> = OnceLock::new();
        START.get_or_init(Instant::now).elapsed().as_nanos() as u64
    }
}

/// How a function's last direct call went.
#[derive(Default)]
pub struct Quick(AtomicBool);

impl Quick {
    /// Whether the next call may keep the GIL.
    pub fn keeps_gil(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }

    /// Records a call that took `elapsed` ticks (written only on change: proxies are shared
    /// between threads, and a store on every call would bounce the cache line).
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
    fn a_function_keeps_the_gil_only_after_a_quick_call() {
        let q = Quick::default();
        assert!(!q.keeps_gil(), "a function never called lets go of the GIL");
        q.record(10);
        assert!(q.keeps_gil());
        q.record(QUICK_TICKS);
        assert!(!q.keeps_gil(), "a slow call makes the next one let go");
    }

    #[test]
    fn ticks_advance() {
        let a = ticks();
        std::thread::sleep(std::time::Duration::from_millis(1));
        assert!(ticks() > a);
    }
}
