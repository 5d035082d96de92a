//! `shared_cpu.rs` on Windows: the move off a peer's CPU is not made there (the heuristic reads
//! Linux's `/proc` and sets Linux affinities); a thread reports its CPU, and the checks find
//! nothing to do.

use windows_sys::Win32::System::Threading::GetCurrentProcessorNumber;

/// After a pause that may have let the peer run on this CPU: nothing on Windows.
pub fn after_pause(pid: u32) {
    let _ = pid;
}

/// Whether this thread moved off its waker's CPU: never on Windows.
pub fn after_woken_by(peer_cpu: usize) -> bool {
    let _ = peer_cpu;
    false
}

/// The CPU this thread runs on.
pub fn this_cpu() -> Option<usize> {
    // SAFETY: no arguments.
    Some(unsafe { GetCurrentProcessorNumber() } as usize)
}
