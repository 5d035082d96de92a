//! `unix.rs`'s readable set on Linux: an epoll set of both descriptors.

use std::io;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};

/// A descriptor readable when any of `fds` is: an epoll set.
pub(super) fn readable_set(fds: [RawFd; 2]) -> io::Result<OwnedFd> {
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
