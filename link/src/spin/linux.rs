//! The two system calls of the spin-waits that differ by platform, on Linux: the thread's affinity
//! and the coarse monotonic clock (`CLOCK_MONOTONIC_COARSE`).

pub(super) fn coarse_nanos_linux() -> u64 {
    let mut t = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: writes the time into a valid timespec.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC_COARSE, &mut t) };
    (t.tv_sec as u64).wrapping_mul(1_000_000_000).wrapping_add(t.tv_nsec as u64)
}

pub(super) fn several_cpus() -> bool {
    // SAFETY: a zeroed cpu_set_t is valid, and the call writes at most its size.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &mut set) == 0 && libc::CPU_COUNT(&set) > 1
    }
}
