//! The host's wake-up for its libuv loop on Linux and macOS: one descriptor readable when the
//! event queue's descriptor or the loop's backend is (`readable_set`: an epoll set on Linux,
//! `linux.rs`; a kqueue on macOS, `kqueue.rs`, named for what the BSDs share with it). The twin of `windows.rs`.

use std::io;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};

use napi_libuv as uv;
use napi_runtime::events::EventQueue;

use super::readable_set;

pub(in crate::uv_loop) struct LoopWake {
    set: OwnedFd,
    backend: RawFd,
}

impl LoopWake {
    pub(in crate::uv_loop) fn new(events: &EventQueue, raw: *mut uv::uv_loop_t) -> io::Result<LoopWake> {
        // SAFETY: the loop is initialised.
        let backend = unsafe { uv::uv_backend_fd(raw) };
        Ok(LoopWake { set: readable_set([events.fd(), backend])?, backend })
    }

    /// Readable when the event queue has tasks or the loop has I/O.
    pub(in crate::uv_loop) fn fd(&self) -> RawFd {
        self.set.as_raw_fd()
    }

    /// Readable when the loop has I/O: its backend.
    pub(in crate::uv_loop) fn io_signal(&self) -> RawFd {
        self.backend
    }

    /// Whether the loop has I/O ready now (a system call).
    pub(in crate::uv_loop) fn has_io(&self) -> bool {
        let mut pfd = libc::pollfd { fd: self.backend, events: libc::POLLIN, revents: 0 };
        // SAFETY: polls one valid pollfd without waiting.
        unsafe { libc::poll(&mut pfd, 1, 0) == 1 }
    }

    /// I/O a look at memory can see: none here (the kernel holds it until the loop's turn).
    pub(in crate::uv_loop) fn io_flagged(&self) -> bool {
        false
    }

    /// Nothing to re-arm: a descriptor readable is level-triggered.
    pub(in crate::uv_loop) fn before_sleep(&self) {}

    pub(in crate::uv_loop) fn after_turn(&self) {}

    pub(in crate::uv_loop) fn stop(&self) {}
}
