//! The few system calls of the spin-waits, on Windows.

use windows_sys::Win32::System::SystemInformation::GetTickCount64;
use windows_sys::Win32::System::Threading::{GetCurrentProcess, GetProcessAffinityMask, SwitchToThread};

/// Whether this process may run on more than one CPU (threads start with its affinity).
pub(super) fn several_cpus() -> bool {
    let (mut process, mut system) = (0usize, 0usize);
    // SAFETY: the pseudo-handle of our own process, two valid out-pointers.
    let ok = unsafe { GetProcessAffinityMask(GetCurrentProcess(), &mut process, &mut system) } != 0;
    ok && process.count_ones() > 1
}

/// Lets a runnable peer on this CPU go first.
pub(super) fn yield_cpu() {
    // SAFETY: no arguments.
    unsafe { SwitchToThread() };
}

/// The tick count, a read of a shared page like Linux's coarse clock (ticks 10-16 ms apart).
pub(super) fn coarse_nanos_windows() -> u64 {
    // SAFETY: no arguments.
    unsafe { GetTickCount64() }.wrapping_mul(1_000_000)
}
