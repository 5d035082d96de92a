//! The declarations and the loop-state readers, on a loop in memory libuv sized.

use std::ffi::{c_int, CStr};
use std::ptr;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::*;

extern "C" {
    /// Not one napi-host uses (so not in uv.rs): the tests' sender.
    fn uv_async_send(handle: *mut uv_async_t) -> c_int;
}

static CALLBACKS: AtomicUsize = AtomicUsize::new(0);

unsafe extern "C" fn count(_: *mut uv_async_t) {
    CALLBACKS.fetch_add(1, Ordering::SeqCst);
}

unsafe extern "C" fn close(handle: *mut uv_handle_t, _: *mut std::ffi::c_void) {
    // SAFETY: a live handle of the loop being walked.
    unsafe { uv_close(handle, None) };
}

#[test]
fn a_loop_in_our_memory_runs_an_async_handle_and_closes() {
    let memory = UvMemory::for_loop();
    let handle_memory = UvMemory::for_handle(UV_ASYNC);
    let event_loop = memory.as_ptr::<uv_loop_t>();
    let handle = handle_memory.as_ptr::<uv_async_t>();
    // SAFETY: the loop and the handle live in memory of libuv's sizes that outlives them; one
    // thread runs the loop, another only sends.
    unsafe {
        assert_eq!(uv_loop_init(event_loop), 0);
        assert_eq!(napi_libuv_timer_counter(event_loop), 0);
        assert!(uv_backend_fd(event_loop) >= 0);
        assert_eq!(uv_async_init(event_loop, handle, Some(count)), 0);
        assert_eq!(napi_libuv_has_new_watchers(event_loop), 1, "the async descriptor waits for the next turn");
        uv_run(event_loop, UV_RUN_NOWAIT);
        assert_eq!(napi_libuv_has_new_watchers(event_loop), 0, "a turn hands the watchers to the kernel");
        assert_eq!(napi_libuv_async_pending(event_loop), 0);
        assert_eq!(uv_backend_timeout(event_loop), -1, "a referenced handle and no timer: no deadline");

        let address = handle as usize;
        std::thread::spawn(move || assert_eq!(uv_async_send(address as *mut uv_async_t), 0)).join().unwrap();
        assert_eq!(napi_libuv_async_pending(event_loop), 1);
        assert_eq!(CALLBACKS.load(Ordering::SeqCst), 0);
        uv_run(event_loop, UV_RUN_NOWAIT);
        assert_eq!(CALLBACKS.load(Ordering::SeqCst), 1);
        assert_eq!(napi_libuv_async_pending(event_loop), 0);

        uv_walk(event_loop, Some(close), ptr::null_mut());
        assert_ne!(uv_is_closing(handle.cast()), 0);
        assert_eq!(uv_run(event_loop, UV_RUN_DEFAULT), 0, "nothing left to run");
        assert_eq!(uv_loop_close(event_loop), 0);
    }
}

#[test]
fn error_names_are_libuvs() {
    // SAFETY: answers a static string for any status.
    let name = unsafe { CStr::from_ptr(uv_err_name(-22)) };
    assert_eq!(name.to_str(), Ok("EINVAL"));
}

#[test]
fn memory_is_aligned_as_mallocs() {
    let memory = UvMemory::for_loop();
    // SAFETY: answers a constant.
    let align = unsafe { napi_libuv_alignment() };
    assert!(align >= std::mem::align_of::<u64>() && align.is_power_of_two());
    assert_eq!(memory.as_ptr::<u8>() as usize % align, 0);
}

extern "C" {
    fn uv_timer_init(event_loop: *mut uv_loop_t, handle: *mut std::ffi::c_void) -> c_int;
    fn uv_timer_start(
        handle: *mut std::ffi::c_void,
        cb: Option<unsafe extern "C" fn(*mut std::ffi::c_void)>,
        timeout: u64,
        repeat: u64,
    ) -> c_int;
}

/// libuv's `UV_TIMER`.
const UV_TIMER: uv_handle_type = 13;

unsafe extern "C" fn ticked(_: *mut std::ffi::c_void) {}

/// What a direct call did to the loop while the host thread slept, seen in one call: a timer
/// started (or, as `uv_backend_timeout` answers 0, nothing alive, a descriptor to watch).
#[test]
fn a_loop_changed_since_the_host_slept_is_seen_in_one_call() {
    let memory = UvMemory::for_loop();
    let (async_memory, timer_memory) = (UvMemory::for_handle(UV_ASYNC), UvMemory::for_handle(UV_TIMER));
    let event_loop = memory.as_ptr::<uv_loop_t>();
    // SAFETY: the loop and its handles live in memory of libuv's sizes that outlives them; this
    // thread alone uses them.
    unsafe {
        assert_eq!(uv_loop_init(event_loop), 0);
        assert_eq!(napi_libuv_changed_since(event_loop, 0), 1, "nothing alive: the loop wants a turn");
        assert_eq!(uv_async_init(event_loop, async_memory.as_ptr(), Some(count)), 0);
        #[cfg(unix)]
        assert_eq!(napi_libuv_changed_since(event_loop, 0), 1, "a descriptor to hand to the kernel");
        uv_run(event_loop, UV_RUN_NOWAIT);
        let asleep = napi_libuv_timer_counter(event_loop);
        assert_eq!(napi_libuv_changed_since(event_loop, asleep), 0, "nothing changed");
        let timer = timer_memory.as_ptr::<std::ffi::c_void>();
        assert_eq!(uv_timer_init(event_loop, timer), 0);
        assert_eq!(uv_timer_start(timer, Some(ticked), 60_000, 0), 0);
        assert_eq!(napi_libuv_changed_since(event_loop, asleep), 1, "a timer started");
        let asleep = napi_libuv_timer_counter(event_loop);
        assert_eq!(napi_libuv_changed_since(event_loop, asleep), 0, "seen at the next sleep");
        uv_walk(event_loop, Some(close), ptr::null_mut());
        assert_eq!(uv_run(event_loop, UV_RUN_DEFAULT), 0);
        assert_eq!(uv_loop_close(event_loop), 0);
    }
}
