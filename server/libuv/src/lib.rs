//! libuv, compiled by build.rs from the sources vendored in `libuv/` (README.md says which
//! version and how to update them), with the few declarations napi-host uses written by hand in
//! `src/uv.rs` instead of generated: a source build needs a C compiler, not libclang.
//!
//! The structs are opaque in Rust: libuv sizes their memory at run time ([`UvMemory`]), and the
//! loop's private state napi-host looks at is read by small C functions (`src/loop_state.c`)
//! compiled against uv.h, so no struct layout is written down here. build.rs checks every
//! constant and signature of `src/uv.rs` against the headers when it compiles them.

#![allow(non_camel_case_types, reason = "names mirror uv.h")]

mod memory;
mod uv;

pub use memory::UvMemory;
pub use uv::*;

// Windows' alone, so not in `uv.rs`, whose declarations build.rs checks on every system.
#[cfg(windows)]
extern "C" {
    /// The loop's I/O completion port (`src/loop_state_win.c`).
    pub fn napi_libuv_iocp(event_loop: *const uv_loop_t) -> *mut std::ffi::c_void;
}

#[cfg(test)]
mod tests;
