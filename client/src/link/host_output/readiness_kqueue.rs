//! The output reader's wait for readable pipes on macOS: kqueue's `EVFILT_READ`, level-triggered
//! as epoll is on Linux (`readiness_epoll.rs`).

use std::io::Result;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

/// A set of descriptors, each with the key it is reported by.
pub struct Readiness(OwnedFd);

impl Readiness {
    pub fn new() -> Result<Readiness> {
        // SAFETY: kqueue has no arguments.
        let fd = unsafe { libc::kqueue() };
        if fd == -1 {
            return Err(std::io::Error::last_os_error());
        }
        // SAFETY: a new descriptor owned by nothing else; a kqueue is never inherited by a child.
        Ok(Readiness(unsafe { OwnedFd::from_raw_fd(fd) }))
    }

    /// Watches `fd` for bytes to read, reported as `key`; closing `fd` ends the watch.
    pub fn add(&self, fd: RawFd, key: u64) -> Result<()> {
        let change = libc::kevent {
            ident: fd as libc::uintptr_t,
            filter: libc::EVFILT_READ,
            flags: libc::EV_ADD,
            fflags: 0,
            data: 0,
            udata: key as usize as *mut libc::c_void,
        };
        // SAFETY: one change read from `change`, no events asked back.
        if unsafe { libc::kevent(self.0.as_raw_fd(), &change, 1, std::ptr::null_mut(), 0, std::ptr::null()) } == -1 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(())
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
