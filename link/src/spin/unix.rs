//! The spin-waits' yield on Linux and macOS (POSIX's `sched_yield`).

/// Lets a runnable peer on this CPU go first.
pub(super) fn yield_cpu() {
    // SAFETY: no arguments.
    unsafe { libc::sched_yield() };
}
