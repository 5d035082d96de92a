//! The two system calls of the spin-waits that differ on macOS (no thread affinity, no coarse
//! clock); the yield is the same `sched_yield` as on Linux.

/// Whether this machine has more than one CPU online: macOS binds no thread to CPUs, so each
/// may run on any of them.
pub(super) fn several_cpus() -> bool {
    // SAFETY: sysconf with a constant name.
    unsafe { libc::sysconf(libc::_SC_NPROCESSORS_ONLN) > 1 }
}

/// The monotonic clock: macOS has no coarse one, and its `CLOCK_MONOTONIC` is a read of the
/// commpage without a system call, as Linux's coarse clock is of the vDSO.
pub(super) fn coarse_nanos_macos() -> u64 {
    let mut t = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: writes the time into a valid timespec.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut t) };
    (t.tv_sec as u64).wrapping_mul(1_000_000_000).wrapping_add(t.tv_nsec as u64)
}
