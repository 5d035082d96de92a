//! The host's wake-up for its libuv loop on Linux: an epoll set of the event queue's descriptor
//! and the loop's backend (its own epoll descriptor), readable when either is; on macOS a kqueue
//! watching both for reading (libuv's backend is a kqueue there, which a kqueue watches as any
//! readable descriptor). The twin of `completion_port.rs`.

use std::io;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};

use napi_libuv as uv;
use napi_runtime::events::EventQueue;

pub(super) struct LoopWake {
    set: OwnedFd,
    backend: RawFd,
}

impl LoopWake {
    pub(super) fn new(events: &EventQueue, raw: *mut uv::uv_loop_t) -> io::Result<LoopWake> {
        // SAFETY: the loop is initialised.
        let backend = unsafe { uv::uv_backend_fd(raw) };
        Ok(LoopWake { set: readable_set([events.fd(), backend])?, backend })
    }

    /// Readable when the event queue has tasks or the loop has I/O.
    pub(super) fn fd(&self) -> RawFd {
        self.set.as_raw_fd()
    }

    /// Readable when the loop has I/O: its backend.
    pub(super) fn io_signal(&self) -> RawFd {
        self.backend
    }

    /// Whether the loop has I/O ready now (a system call).
    pub(super) fn has_io(&self) -> bool {
        let mut pfd = libc::pollfd { fd: self.backend, events: libc::POLLIN, revents: 0 };
        // SAFETY: polls one valid pollfd without waiting.
        unsafe { libc::poll(&mut pfd, 1, 0) == 1 }
    }

    /// I/O a look at memory can see: none here (the kernel holds it until the loop's turn).
    pub(super) fn io_flagged(&self) -> bool {
        false
    }

    /// Nothing to re-arm: a descriptor readable is level-triggered.
    pub(super) fn before_sleep(&self) {}

    pub(super) fn after_turn(&self) {}

    pub(super) fn stop(&self) {}
}

/// A descriptor readable when any of `fds` is: an epoll set.
#[cfg(target_os = "linux")]
fn readable_set(fds: [RawFd; 2]) -> io::Result<OwnedFd> {
    use std::os::fd::FromRawFd;
    // SAFETY: epoll_create1 takes a flag and answers a new descriptor or -1.
    let epoll = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
    if epoll < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: a fresh descriptor nobody else owns.
    let set = unsafe { OwnedFd::from_raw_fd(epoll) };
    for fd in fds {
        let mut ev = libc::epoll_event { events: libc::EPOLLIN as u32, u64: fd as u64 };
        // SAFETY: adds an open descriptor to our epoll set, with a valid event.
        if unsafe { libc::epoll_ctl(set.as_raw_fd(), libc::EPOLL_CTL_ADD, fd, &mut ev) } < 0 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(set)
}

/// A descriptor readable when any of `fds` is: a kqueue.
#[cfg(target_os = "macos")]
fn readable_set(fds: [RawFd; 2]) -> io::Result<OwnedFd> {
    let set = napi_link::posix::new_kqueue()?;
    for fd in fds {
        napi_link::posix::kqueue_add_readable(set.as_raw_fd(), fd, 0)?;
    }
    Ok(set)
}
