//! The in-process host thread's system call on Linux and macOS: `poll`.

use std::time::Instant;

use napi_link::streams::RawDescriptor;

use super::{millis_until, Slept};

/// Sleeps until one of `waits` is readable (signalled) or `deadline` passes. An interrupted
/// sleep only returns early; the caller looks again.
pub(crate) fn sleep_on<const N: usize>(waits: [RawDescriptor; N], deadline: Option<Instant>) -> Slept {
    let mut fds = waits.map(|fd| libc::pollfd { fd, events: libc::POLLIN, revents: 0 });
    let ms = millis_until(deadline).map_or(-1, |ms| ms.min(i32::MAX as u128) as i32);
    // SAFETY: N valid pollfd entries live for the call.
    let n = unsafe { libc::poll(fds.as_mut_ptr(), N as libc::nfds_t, ms) };
    Slept { last_ready: fds.last().is_some_and(|fd| fd.revents != 0), timed_out: n == 0 }
}
