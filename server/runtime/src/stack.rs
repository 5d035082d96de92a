//! How much of the thread's stack is left: JS recursion stops with V8's RangeError while enough
//! remains to unwind, whatever stack the thread has. An in-process host's JS thread can be a
//! Python thread (`js_thread="current"`) with a stack far smaller than the host's (256 KiB from
//! `threading.stack_size`, 1 MiB on Windows), where the depth count alone would let a recursion
//! overflow it and end Python.

use std::cell::Cell;

/// The part of a thread's stack a recursion must not enter: its lowest addresses, `low` up to
/// `low + reserve`. A stack whose bounds are unknown has `reserve` 0, which nothing is under.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StackReserve {
    low: usize,
    reserve: usize,
}

impl StackReserve {
    /// The reserve of this thread's stack: a quarter of it, at least 32 KiB (the frames between
    /// two checks, an addon's and a Python callback's among them, and the error's making) and at
    /// most 256 KiB (an 8 MiB stack then still holds the depth cap's 2,000 calls). Read from the
    /// system once per thread. Inlined: entering a runtime for a direct call looks at it, and
    /// its thread-local is then found with the runtime's own (one `__tls_get_addr` in a cdylib).
    #[inline(always)]
    pub fn of_this_thread() -> StackReserve {
        THIS_THREAD.with(|cached| cached.get().unwrap_or_else(|| read_for(cached)))
    }

    /// Whether the caller's frame lies in the reserve. One compare: an address below `low`
    /// wraps to a large distance, so a frame on another thread's stack (a runtime used where it
    /// was not entered) is never taken for one near the end.
    #[inline(always)]
    pub fn reached(self) -> bool {
        // The address of a local of this frame. Taken as a number, it keeps the local in the
        // frame without `black_box`, which wrote the address to memory and read it back.
        let here = 0u8;
        let sp = std::ptr::addr_of!(here) as usize;
        sp.wrapping_sub(self.low) < self.reserve
    }
}

thread_local! {
    static THIS_THREAD: Cell<Option<StackReserve>> = const { Cell::new(None) };
}

/// The reserve of this thread's stack, read from the system and kept in `cached`.
#[cold]
#[inline(never)]
fn read_for(cached: &Cell<Option<StackReserve>>) -> StackReserve {
    let reserve = match bounds() {
        Some((low, high)) if high > low => {
            let size = high - low;
            StackReserve { low, reserve: (size / 4).clamp(32 << 10, 256 << 10).min(size) }
        }
        _ => StackReserve::default(),
    };
    cached.set(Some(reserve));
    reserve
}

/// This thread's stack, lowest and highest address.
#[cfg(any(target_os = "linux", target_os = "android"))]
fn bounds() -> Option<(usize, usize)> {
    // SAFETY: `attr` is initialised by `pthread_getattr_np` before it is read and destroyed once;
    // the out-pointers are valid locals.
    unsafe {
        let mut attr: libc::pthread_attr_t = std::mem::zeroed();
        if libc::pthread_getattr_np(libc::pthread_self(), &mut attr) != 0 {
            return None;
        }
        let (mut addr, mut size) = (std::ptr::null_mut(), 0usize);
        let got = libc::pthread_attr_getstack(&attr, &mut addr, &mut size);
        libc::pthread_attr_destroy(&mut attr);
        (got == 0).then(|| (addr as usize, addr as usize + size))
    }
}

/// This thread's stack, lowest and highest address (macOS gives its top and size).
#[cfg(target_vendor = "apple")]
fn bounds() -> Option<(usize, usize)> {
    // SAFETY: both functions only read the calling thread's own record.
    let (top, size) = unsafe {
        let me = libc::pthread_self();
        (libc::pthread_get_stackaddr_np(me) as usize, libc::pthread_get_stacksize_np(me))
    };
    top.checked_sub(size).map(|low| (low, top))
}

/// This thread's stack, lowest and highest address (from the lowest reserved page, under the
/// guard pages, which the reserve covers).
#[cfg(windows)]
fn bounds() -> Option<(usize, usize)> {
    let (mut low, mut high) = (0usize, 0usize);
    // SAFETY: the out-pointers are valid locals.
    unsafe { windows_sys::Win32::System::Threading::GetCurrentThreadStackLimits(&mut low, &mut high) };
    Some((low, high))
}

#[cfg(not(any(target_os = "linux", target_os = "android", target_vendor = "apple", windows)))]
fn bounds() -> Option<(usize, usize)> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_frame_near_the_bottom_is_in_the_reserve_and_one_near_the_top_is_not() {
        std::thread::Builder::new()
            .stack_size(256 << 10)
            .spawn(|| {
                // The stack the system gave, which may be more than asked (wine reserves at
                // least 1 MiB for a thread; glibc rounds to pages).
                let (low, high) = bounds().expect("this platform's stack bounds");
                let size = high - low;
                assert!(size >= 256 << 10, "at least the stack asked for: {size}");
                let reserve = StackReserve::of_this_thread();
                let quarter = (size / 4).clamp(32 << 10, 256 << 10);
                assert_eq!(reserve, StackReserve { low, reserve: quarter }, "a quarter of the stack, within bounds");
                assert!(!reserve.reached(), "a new thread's first frames are near its top");
                fn down(reserve: StackReserve, depth: usize) -> usize {
                    let pad = std::hint::black_box([0u8; 1024]);
                    if reserve.reached() {
                        return depth;
                    }
                    down(reserve, depth + 1) + pad[0] as usize
                }
                // Each level's frame holds its 1 KiB pad (more in a debug build): the reserve
                // is reached after some levels, and before the stack above it is used up.
                let depth = down(reserve, 0);
                let most = (size - quarter) / 1024;
                assert!(depth > 0 && depth <= most, "the reserve is reached within the stack: {depth} of at most {most}");
            })
            .unwrap()
            .join()
            .unwrap();
    }

    #[test]
    fn another_threads_stack_is_never_in_the_reserve() {
        let main = StackReserve::of_this_thread();
        std::thread::spawn(move || assert!(!main.reached())).join().unwrap();
    }
}
