//! The event queue's doorbell on Linux (an eventfd) and macOS (a pipe, having no eventfd).

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::time::Duration;

/// An eventfd a thread sleeps on in `poll`, beside other descriptors: readable once rung, until
/// cleared. Any thread may ring it. (On Windows, a manual-reset event: `windows.rs`; on
/// macOS, which has no eventfd, a pipe: its read end is polled, a ring writes its write end.)
pub struct Doorbell(OwnedFd, #[cfg(target_os = "macos")] OwnedFd);

impl Doorbell {
    /// A new doorbell, not rung.
    #[cfg(target_os = "macos")]
    pub fn new() -> io::Result<Doorbell> {
        let mut fds = [0; 2];
        // SAFETY: pipe writes two descriptors into `fds`.
        if unsafe { libc::pipe(fds.as_mut_ptr()) } < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: two fresh descriptors owned by nobody else.
        let bell = unsafe { Doorbell(OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
        for fd in fds {
            // SAFETY: fcntl on descriptors `bell` owns: a full pipe must not block a ring, nor an
            // empty one a clear; no child inherits them.
            if unsafe { libc::fcntl(fd, libc::F_SETFL, libc::O_NONBLOCK) } < 0 {
                return Err(io::Error::last_os_error());
            }
            // SAFETY: as above.
            if unsafe { libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC) } < 0 {
                return Err(io::Error::last_os_error());
            }
        }
        Ok(bell)
    }

    /// A new doorbell, not rung.
    #[cfg(target_os = "linux")]
    pub fn new() -> io::Result<Doorbell> {
        // SAFETY: eventfd takes two integers and returns a new descriptor or -1.
        let fd = unsafe { libc::eventfd(0, libc::EFD_NONBLOCK | libc::EFD_CLOEXEC) };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `fd` is a fresh descriptor owned by nobody else.
        Ok(Doorbell(unsafe { OwnedFd::from_raw_fd(fd) }))
    }

    /// Makes the descriptor readable (from any thread).
    pub fn ring(&self) {
        let one: u64 = 1;
        #[cfg(target_os = "linux")]
        let ringer = &self.0;
        #[cfg(target_os = "macos")]
        let ringer = &self.1;
        // SAFETY: writes 8 bytes from a live u64 to our own eventfd (or pipe). It can only fail
        // when the counter would overflow or the pipe is full (it is then readable anyway), so the
        // result is ignored.
        unsafe { libc::write(ringer.as_raw_fd(), (&one as *const u64).cast(), 8) };
    }

    /// Makes it unreadable again (rings since are forgotten: clear before looking at the state
    /// the rings announce, so a ring racing with the look is not lost).
    pub fn clear(&self) {
        let mut count: u64 = 0;
        // SAFETY: reads 8 bytes into a live u64 from our own nonblocking eventfd (or pipe, until
        // it is empty: each ring wrote 8); EAGAIN (not rung) is fine.
        while unsafe { libc::read(self.0.as_raw_fd(), (&mut count as *mut u64).cast(), 8) } == 8 && cfg!(target_os = "macos") {}
    }

    /// The descriptor to poll.
    pub fn fd(&self) -> RawFd {
        self.0.as_raw_fd()
    }

    /// Blocks until rung or `timeout` passes.
    pub fn wait(&self, timeout: Duration) {
        let mut pfd = libc::pollfd { fd: self.fd(), events: libc::POLLIN, revents: 0 };
        let ms = timeout.as_millis().min(i32::MAX as u128) as i32;
        // SAFETY: polls one valid pollfd structure.
        unsafe { libc::poll(&mut pfd, 1, ms) };
    }

    /// Whether it is rung, without waiting.
    pub fn is_rung(&self) -> bool {
        let mut pfd = libc::pollfd { fd: self.fd(), events: libc::POLLIN, revents: 0 };
        // SAFETY: polls one valid pollfd without waiting.
        unsafe { libc::poll(&mut pfd, 1, 0) == 1 }
    }
}
