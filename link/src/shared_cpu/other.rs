//! `linux.rs`'s twin on Windows and macOS: the move off a peer's CPU is not made there. The
//! heuristic reads Linux's `/proc` and sets Linux affinities; macOS also names no CPU a thread
//! may be bound to (its affinity tags are hints, which Apple silicon ignores) and tells no thread
//! which CPU it runs on. The checks find nothing to do and the spin-waits stay as they are.

/// After a pause that may have let the peer run on this CPU: nothing here.
pub fn after_pause(pid: u32) {
    let _ = pid;
}

/// Whether this thread moved off its waker's CPU: never here.
pub fn after_woken_by(peer_cpu: usize) -> bool {
    let _ = peer_cpu;
    false
}

/// The CPU this thread runs on.
#[cfg(windows)]
pub fn this_cpu() -> Option<usize> {
    // SAFETY: no arguments.
    Some(unsafe { windows_sys::Win32::System::Threading::GetCurrentProcessorNumber() } as usize)
}

/// The CPU this thread runs on: macOS does not say.
#[cfg(not(windows))]
pub fn this_cpu() -> Option<usize> {
    None
}
