//! Memory for the structs libuv sizes at run time: Rust never learns their layout.

use std::alloc::{self, Layout};
use std::ptr::NonNull;

use crate::uv;

/// Zeroed heap memory of a size libuv answered, aligned as malloc's; freed on drop, so its owner
/// keeps it as long as libuv may point into it.
pub struct UvMemory {
    ptr: NonNull<u8>,
    layout: Layout,
}

impl UvMemory {
    /// Room for a loop (`uv_loop_init`).
    pub fn for_loop() -> UvMemory {
        // SAFETY: uv_loop_size only answers a constant.
        UvMemory::new(unsafe { uv::uv_loop_size() })
    }

    /// Room for a handle of that type (`uv_async_init` and the other `uv_*_init`s).
    pub fn for_handle(kind: uv::uv_handle_type) -> UvMemory {
        // SAFETY: uv_handle_size only answers a constant (0 for no handle type).
        let size = unsafe { uv::uv_handle_size(kind) };
        assert!(size > 0, "libuv knows no handle type {kind}");
        UvMemory::new(size)
    }

    fn new(size: usize) -> UvMemory {
        // SAFETY: answers a constant.
        let align = unsafe { uv::napi_libuv_alignment() };
        let layout = Layout::from_size_align(size, align).expect("a libuv struct's size and alignment");
        // SAFETY: the layout's size is not zero (every libuv struct has fields).
        let ptr = unsafe { alloc::alloc_zeroed(layout) };
        let ptr = NonNull::new(ptr).unwrap_or_else(|| alloc::handle_alloc_error(layout));
        UvMemory { ptr, layout }
    }

    /// The memory as a pointer to the struct it holds.
    pub fn as_ptr<T>(&self) -> *mut T {
        self.ptr.as_ptr().cast()
    }
}

impl Drop for UvMemory {
    fn drop(&mut self) {
        // SAFETY: allocated by `new` with this layout.
        unsafe { alloc::dealloc(self.ptr.as_ptr(), self.layout) };
    }
}
