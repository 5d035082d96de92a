//! `shared_cpu.rs` on macOS: the move off a peer's CPU is not made there. macOS tells no thread
//! which CPU it runs on, names no CPU a thread may be bound to (its affinity tags are hints, and
//! Apple silicon ignores them) and keeps no `/proc` to read a peer's CPU from, so the checks find
//! nothing to do and the spin-waits stay as they are.

/// After a pause that may have let the peer run on this CPU: nothing on macOS.
pub fn after_pause(pid: u32) {
    let _ = pid;
}

/// Whether this thread moved off its waker's CPU: never on macOS.
pub fn after_woken_by(peer_cpu: usize) -> bool {
    let _ = peer_cpu;
    false
}

/// The CPU this thread runs on: unknown on macOS.
pub fn this_cpu() -> Option<usize> {
    None
}
