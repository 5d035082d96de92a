//! The in-process host thread's system calls on Windows: `WaitForMultipleObjects`.

use std::time::Instant;

use napi_link::streams::RawDescriptor;

use super::{millis_until, Slept};

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
