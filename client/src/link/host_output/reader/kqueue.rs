//! The output reader's wait for readable pipes on macOS: kqueue's `EVFILT_READ`, level-triggered
//! as epoll is on Linux (`linux.rs`).

use std::io::Result;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};

/// A set of descriptors, each with the key it is reported by.
pub struct Readiness(OwnedFd);

impl Readiness {
    pub fn new() -> Result<Readiness> {
        napi_link::posix::new_kqueue().map(Readiness)
    }

    /// Watches `fd` for bytes to read, reported as `key`; closing `fd` ends the watch.
    pub fn add(&self, fd: RawFd, key: u64) -> Result<()> {
        napi_link::posix::kqueue_add_readable(self.0.as_raw_fd(), fd, key)
    }

    /// Waits for readable descriptors; puts their keys (at most 64) into `keys`.
    pub fn wait(&self, keys: &mut Vec<u64>) -> Result<()> {
        // SAFETY: plain data, for which zeroes are valid.
        let mut events: [libc::kevent; 64] = unsafe { std::mem::zeroed() };
        // SAFETY: a valid kqueue and a buffer of `events.len()` events; no timeout.
        let n =
            unsafe { libc::kevent(self.0.as_raw_fd(), std::ptr::null(), 0, events.as_mut_ptr(), events.len() as i32, std::ptr::null()) };
        if n == -1 {
            return Err(std::io::Error::last_os_error());
        }
        keys.clear();
        keys.extend(events[..n as usize].iter().map(|e| e.udata as usize as u64));
        Ok(())
    }
}
