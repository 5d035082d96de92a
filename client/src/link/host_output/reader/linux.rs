//! The output reader's wait for readable pipes on Linux: epoll, level-triggered.

use std::io::Result;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

/// A set of descriptors, each with the key it is reported by.
pub struct Readiness(OwnedFd);

impl Readiness {
    pub fn new() -> Result<Readiness> {
        // SAFETY: epoll_create1 with a flag only.
        let fd = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
        if fd == -1 {
            return Err(std::io::Error::last_os_error());
        }
        // SAFETY: a new descriptor owned by nothing else.
        Ok(Readiness(unsafe { OwnedFd::from_raw_fd(fd) }))
    }

    /// Watches `fd` for bytes to read, reported as `key`; closing `fd` ends the watch.
    pub fn add(&self, fd: RawFd, key: u64) -> Result<()> {
        let mut event = libc::epoll_event { events: libc::EPOLLIN as u32, u64: key };
        // SAFETY: valid epoll and pipe descriptors and event.
        if unsafe { libc::epoll_ctl(self.0.as_raw_fd(), libc::EPOLL_CTL_ADD, fd, &mut event) } == -1 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(())
    }

    /// Waits for readable descriptors; puts their keys (at most 64) into `keys`.
    pub fn wait(&self, keys: &mut Vec<u64>) -> Result<()> {
        let mut events = [libc::epoll_event { events: 0, u64: 0 }; 64];
        // SAFETY: valid epoll descriptor and a buffer of `events.len()` events.
        let n = unsafe { libc::epoll_wait(self.0.as_raw_fd(), events.as_mut_ptr(), events.len() as i32, -1) };
        if n == -1 {
            return Err(std::io::Error::last_os_error());
        }
        keys.clear();
        keys.extend(events[..n as usize].iter().map(|e| e.u64));
        Ok(())
    }
}
