//! How long a direct call itself takes, for its function's `Quick` (D37): two reads on every
//! direct call's path. The coarse clock (`napi_link::spin::coarse_nanos`, a `clock_gettime`
//! through the vDSO) cost about 15 instructions a read; on x86-64 with an invariant time-stamp
//! counter a read is `rdtsc`, scaled to nanoseconds by a rate measured against the fine clock
//! over the process's first `CALIBRATION` of direct calls (which read the coarse clock
//! meanwhile). Elsewhere, and where the counter may drift (no invariant TSC), the coarse
//! clock throughout.
//!
//! Only the verdict matters (a call shorter than a millisecond or not): a rate a few percent
//! off, or a thread moved to a CPU whose counter differs, moves the line by as much. A
//! difference read backwards wraps to a huge one, a slow call: the next call lets the lock go,
//! the safe way to be wrong.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::Instant;

use super::ticks;

/// A direct call's start, on the clock it was read from.
#[derive(Clone, Copy)]
pub struct Started {
    at: u64,
    /// Nanoseconds per counter step, in 32.32 fixed point; 0 when `at` is the coarse clock's.
    scale: u64,
}

/// Now, as a call starts.
#[inline(always)]
pub fn start() -> Started {
    let scale = SCALE.load(Ordering::Relaxed);
    if scale != 0 {
        return Started { at: counter(), scale };
    }
    Started { at: ticks(), scale: 0 }
}

/// The nanoseconds since `started`.
#[inline(always)]
pub fn elapsed(started: Started) -> u64 {
    if started.scale != 0 {
        let steps = counter().wrapping_sub(started.at);
        // Past 64 bits only after centuries.
        return ((u128::from(steps) * u128::from(started.scale)) >> 32) as u64;
    }
    let now = ticks();
    calibrate(now);
    now.wrapping_sub(started.at)
}

/// The counter's rate once measured (`Started::scale`); 0 until then, and for good where there
/// is no counter to use.
static SCALE: AtomicU64 = AtomicU64::new(0);

/// How long after its first reading the rate is measured, by the coarse clock: the readings
/// themselves are the fine clock's (`Instant`), a microsecond apart at most from the counter's,
/// so a few milliseconds make it a fraction of a percent off, and only the first few hundred
/// direct calls of a process (a few thousand under valgrind) read the coarse clock.
const CALIBRATION: u64 = 10_000_000;

/// The first reading: the coarse clock (0: none yet), the fine clock (nanoseconds since `BASE`)
/// and the counter.
static FIRST_COARSE: AtomicU64 = AtomicU64::new(0);
static FIRST_FINE: AtomicU64 = AtomicU64::new(0);
static FIRST_COUNT: AtomicU64 = AtomicU64::new(0);
static BASE: OnceLock<Instant> = OnceLock::new();

/// Takes a reading of the coarse clock (`now`) towards the counter's rate: the first sets the
/// first reading, and one `CALIBRATION` later the rate is measured. Threads racing here measure
/// much the same rate; any one of them is kept.
#[inline(always)]
fn calibrate(now: u64) {
    if !has_counter() {
        return;
    }
    let first = FIRST_COARSE.load(Ordering::Acquire);
    if first == 0 || now.wrapping_sub(first) >= CALIBRATION {
        calibrate_now(first, now);
    }
}

#[cold]
#[inline(never)]
fn calibrate_now(first: u64, now: u64) {
    let Some((fine, count)) = reading() else {
        return;
    };
    if first == 0 {
        FIRST_FINE.store(fine, Ordering::Relaxed);
        FIRST_COUNT.store(count, Ordering::Relaxed);
        // Published after the readings (Release): a thread that sees it sees them.
        let _ = FIRST_COARSE.compare_exchange(0, now, Ordering::Release, Ordering::Relaxed);
        return;
    }
    let nanos = fine.wrapping_sub(FIRST_FINE.load(Ordering::Relaxed));
    if let Some(scale) = rate(nanos, count.wrapping_sub(FIRST_COUNT.load(Ordering::Relaxed))) {
        SCALE.store(scale, Ordering::Relaxed);
    }
}

/// The fine clock (nanoseconds since `BASE`) and the counter, read together: `None` when the
/// thread was held up between the counter's reads around the clock's (then they are not
/// together; a later call reads again).
fn reading() -> Option<(u64, u64)> {
    let base = *BASE.get_or_init(Instant::now);
    let before = counter();
    let fine = u64::try_from(base.elapsed().as_nanos()).ok()?;
    let after = counter();
    // A clock read takes well under a microsecond: a few thousand steps of a GHz counter.
    (after.wrapping_sub(before) < 100_000).then_some((fine, before + (after - before) / 2))
}

/// Nanoseconds per counter step in 32.32 fixed point, from `steps` counted in `nanos`: `None`
/// for a reading that makes no sense (the counter stood still or went back).
fn rate(nanos: u64, steps: u64) -> Option<u64> {
    if steps == 0 || steps > 1 << 62 {
        return None;
    }
    let scale = (u128::from(nanos) << 32) / u128::from(steps);
    u64::try_from(scale).ok().filter(|&s| s != 0)
}

#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn counter() -> u64 {
    // SAFETY: `rdtsc` is in every x86-64 CPU; it reads the counter and nothing else.
    unsafe { std::arch::x86_64::_rdtsc() }
}

/// Whether the CPU's time-stamp counter runs at one rate in every power state and on every
/// core (CPUID leaf 0x8000_0007, EDX bit 8: invariant TSC).
#[cfg(target_arch = "x86_64")]
fn has_counter() -> bool {
    static INVARIANT: OnceLock<bool> = OnceLock::new();
    *INVARIANT.get_or_init(|| {
        // A leaf past the highest the CPU has is not asked.
        let highest = std::arch::x86_64::__cpuid(0x8000_0000).eax;
        highest >= 0x8000_0007 && std::arch::x86_64::__cpuid(0x8000_0007).edx & (1 << 8) != 0
    })
}

#[cfg(not(target_arch = "x86_64"))]
#[inline(always)]
fn counter() -> u64 {
    0
}

#[cfg(not(target_arch = "x86_64"))]
fn has_counter() -> bool {
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rate_is_nanoseconds_per_step_in_fixed_point() {
        // A 3 GHz counter: a third of a nanosecond a step.
        let scale = rate(1_000_000_000, 3_000_000_000).unwrap();
        assert_eq!((u128::from(3_000_000u64) * u128::from(scale)) >> 32, 999_999, "3M steps are a millisecond");
        assert_eq!(rate(1_000, 0), None, "a counter that stood still");
        assert_eq!(rate(1_000, u64::MAX - 5), None, "a counter that went back");
    }

    #[test]
    fn once_its_rate_is_measured_a_call_is_timed_by_the_counter() {
        if !has_counter() {
            assert_eq!(SCALE.load(Ordering::Relaxed), 0, "no counter: the coarse clock throughout");
            return;
        }
        calibrate(ticks());
        // Past the measurement's span, however the coarse clock's steps fall.
        std::thread::sleep(std::time::Duration::from_nanos(CALIBRATION + 20_000_000));
        calibrate(ticks());
        let started = start();
        assert_ne!(started.scale, 0, "the rate is measured");
        assert!(elapsed(started) < 1_000_000, "a call of nothing is quick");
        let started = start();
        std::thread::sleep(std::time::Duration::from_millis(10));
        let took = elapsed(started);
        // The rate is at most a few percent off; a sleep lasts at least as long as asked.
        assert!((9_000_000..100_000_000).contains(&took), "read {took} ns");
    }

    #[test]
    fn a_call_of_ten_milliseconds_reads_as_about_that_long() {
        // The coarse clock's steps make a reading up to 4 ms off, either way.
        let started = start();
        std::thread::sleep(std::time::Duration::from_millis(10));
        let took = elapsed(started);
        assert!((5_000_000..100_000_000).contains(&took), "read {took} ns");
    }
}
