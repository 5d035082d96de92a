//! What the in-process host thread asks of the system: its idle sleep on three things at once
//! (and teardown's on two, `Host::shutdown`), and a cheap id of the calling thread; `poll` and
//! `pthread_self` on Linux and macOS (`unix.rs`), `WaitForMultipleObjects` and the thread id on
//! Windows (`windows.rs`).

use std::time::Instant;

/// What ended `sleep_on`.
pub(crate) struct Slept {
    /// The last of them was ready (the libuv loop's I/O).
    pub(super) last_ready: bool,
    /// The deadline passed first.
    pub(super) timed_out: bool,
}

/// Milliseconds until `deadline`, rounded up, for a system wait; `None` for no deadline.
pub(super) fn millis_until(deadline: Option<Instant>) -> Option<u128> {
    deadline.map(|d| d.saturating_duration_since(Instant::now()).as_micros().div_ceil(1000))
}

#[cfg(unix)]
mod unix;
#[cfg(unix)]
pub(crate) use unix::sleep_on;

#[cfg(windows)]
mod windows;
#[cfg(windows)]
pub(crate) use windows::sleep_on;
