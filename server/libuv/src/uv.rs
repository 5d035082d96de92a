//! The declarations of uv.h (and of `loop_state.h`) that napi-host uses, written by hand. build.rs
//! turns each `const`, `type` and `fn` here into a C `_Static_assert` against the headers, so a
//! value or a signature that disagrees with them fails the build.

use std::ffi::{c_char, c_int, c_uint, c_void};
use std::marker::{PhantomData, PhantomPinned};

/// `uv_loop_t`, opaque: `uv_loop_size()` bytes, or `uv_default_loop()`'s.
#[repr(C)]
pub struct uv_loop_t {
    _data: [u8; 0],
    _not_send_sync_or_unpin: PhantomData<(*mut u8, PhantomPinned)>,
}

/// `uv_handle_t`, opaque: the common start of every handle.
#[repr(C)]
pub struct uv_handle_t {
    _data: [u8; 0],
    _not_send_sync_or_unpin: PhantomData<(*mut u8, PhantomPinned)>,
}

/// `uv_async_t`, opaque: `uv_handle_size(UV_ASYNC)` bytes.
#[repr(C)]
pub struct uv_async_t {
    _data: [u8; 0],
    _not_send_sync_or_unpin: PhantomData<(*mut u8, PhantomPinned)>,
}

/// The libuv these declarations and `libuv/` are (`UV_VERSION_*` of uv/version.h).
pub const UV_VERSION_MAJOR: c_uint = 1;
pub const UV_VERSION_MINOR: c_uint = 53;
pub const UV_VERSION_PATCH: c_uint = 0;

pub type uv_run_mode = c_uint;
pub const UV_RUN_DEFAULT: uv_run_mode = 0;
pub const UV_RUN_ONCE: uv_run_mode = 1;
pub const UV_RUN_NOWAIT: uv_run_mode = 2;

pub type uv_handle_type = c_uint;
pub const UV_ASYNC: uv_handle_type = 1;

pub type uv_async_cb = Option<unsafe extern "C" fn(handle: *mut uv_async_t)>;
pub type uv_close_cb = Option<unsafe extern "C" fn(handle: *mut uv_handle_t)>;
pub type uv_walk_cb = Option<unsafe extern "C" fn(handle: *mut uv_handle_t, arg: *mut c_void)>;

extern "C" {
    pub fn uv_loop_size() -> usize;
    pub fn uv_handle_size(kind: uv_handle_type) -> usize;
    pub fn uv_default_loop() -> *mut uv_loop_t;
    pub fn uv_loop_init(event_loop: *mut uv_loop_t) -> c_int;
    pub fn uv_loop_close(event_loop: *mut uv_loop_t) -> c_int;
    pub fn uv_run(event_loop: *mut uv_loop_t, mode: uv_run_mode) -> c_int;
    pub fn uv_backend_fd(event_loop: *const uv_loop_t) -> c_int;
    pub fn uv_backend_timeout(event_loop: *const uv_loop_t) -> c_int;
    pub fn uv_update_time(event_loop: *mut uv_loop_t);
    pub fn uv_async_init(event_loop: *mut uv_loop_t, handle: *mut uv_async_t, callback: uv_async_cb) -> c_int;
    pub fn uv_close(handle: *mut uv_handle_t, callback: uv_close_cb);
    pub fn uv_is_closing(handle: *const uv_handle_t) -> c_int;
    pub fn uv_walk(event_loop: *mut uv_loop_t, callback: uv_walk_cb, arg: *mut c_void);
    pub fn uv_err_name(status: c_int) -> *const c_char;

    // loop_state.c
    pub fn napi_libuv_alignment() -> usize;
    pub fn napi_libuv_has_new_watchers(event_loop: *const uv_loop_t) -> c_int;
    pub fn napi_libuv_timer_counter(event_loop: *const uv_loop_t) -> u64;
    pub fn napi_libuv_changed_since(event_loop: *const uv_loop_t, timers_at_sleep: u64) -> c_int;
    pub fn napi_libuv_async_pending(event_loop: *mut uv_loop_t) -> c_int;
}
