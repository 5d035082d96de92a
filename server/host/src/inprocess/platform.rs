//! What the in-process host thread asks of the system, on Linux and on Windows: its idle sleep on
//! three things at once (and teardown's on two, `Host::shutdown`), and a cheap id of the calling
//! thread.

use std::time::Instant;

use napi_link::streams::RawDescriptor;

/// What ended `sleep_on`.
pub(crate) struct Slept {
    /// The last of them was ready (the libuv loop's I/O).
    pub(super) last_ready: bool,
    /// The deadline passed first.
    pub(super) timed_out: bool,
}

/// Milliseconds until `deadline`, rounded up, for a system wait; `None` for no deadline.
fn millis_until(deadline: Option<Instant>) -> Option<u128> {
    deadline.map(|d| d.saturating_duration_since(Instant::now()).as_micros().div_ceil(1000))
}

/// Sleeps until one of `waits` is readable (signalled) or `deadline` passes. An interrupted
/// sleep only returns early; the caller looks again.
#[cfg(unix)]
pub(crate) fn sleep_on<const N: usize>(waits: [RawDescriptor; N], deadline: Option<Instant>) -> Slept {
    let mut fds = waits.map(|fd| libc::pollfd { fd, events: libc::POLLIN, revents: 0 });
    let ms = millis_until(deadline).map_or(-1, |ms| ms.min(i32::MAX as u128) as i32);
    // SAFETY: N valid pollfd entries live for the call.
    let n = unsafe { libc::poll(fds.as_mut_ptr(), N as libc::nfds_t, ms) };
    Slept { last_ready: fds.last().is_some_and(|fd| fd.revents != 0), timed_out: n == 0 }
}

#[cfg(windows)]
pub(crate) fn sleep_on<const N: usize>(waits: [RawDescriptor; N], deadline: Option<Instant>) -> Slept {
    use windows_sys::Win32::Foundation::{WAIT_OBJECT_0, WAIT_TIMEOUT};
    use windows_sys::Win32::System::Threading::{WaitForMultipleObjects, WaitForSingleObject, INFINITE};
    let ms = millis_until(deadline).map_or(INFINITE, |ms| ms.min(u128::from(INFINITE - 1)) as u32);
    let last = N as u32 - 1;
    // SAFETY: N handles this process holds, alive for the call.
    let woke = unsafe { WaitForMultipleObjects(N as u32, waits.as_ptr(), 0, ms) };
    // The wait names the first signalled handle only: the loop's is looked at on its own.
    // SAFETY: as above, without waiting.
    let last_ready = woke == WAIT_OBJECT_0 + last || unsafe { WaitForSingleObject(waits[last as usize], 0) } == WAIT_OBJECT_0;
    Slept { last_ready, timed_out: woke == WAIT_TIMEOUT }
}

/// This thread's id for `JsLock::owner`: never 0 (a pthread_t is the address of the thread's
/// control block), and one call into libc, no thread-local look-up.
#[cfg(unix)]
pub(super) fn this_thread() -> usize {
    // SAFETY: pthread_self has no preconditions.
    unsafe { libc::pthread_self() as usize }
}

/// This thread's id for `JsLock::owner`: Windows never gives a thread the id 0.
#[cfg(windows)]
pub(super) fn this_thread() -> usize {
    // SAFETY: no preconditions.
    unsafe { windows_sys::Win32::System::Threading::GetCurrentThreadId() as usize }
}
