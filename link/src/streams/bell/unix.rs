//! The bell beside the rings on Linux and macOS: a Unix socket carrying wake-up bytes, descriptors
//! (`SCM_RIGHTS`) and the hang-up; its Windows twin is `windows.rs`.

use std::io;
use std::net::Shutdown;
use std::os::fd::{AsRawFd, BorrowedFd, RawFd};
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

use super::Ready;
use crate::shm::fdpass::recv_keeping_fds;
use crate::shm::{send_with_fd, FdQueue};

/// What connects the two ends: the socket beside the rings.
pub type Connection = UnixStream;

/// What a wait can wait on besides the bell.
pub type RawDescriptor = RawFd;

/// Polls `fds` (one or two) for input until `deadline`: which of them are ready (`None` on
/// timeout). The descriptors are on the stack: this is every sleep's way.
fn poll_until(fds: &mut [libc::pollfd], deadline: Option<Instant>) -> io::Result<Option<Ready>> {
    loop {
        let ms = match deadline {
            None => -1,
            // Rounded up: a poll that returns a little early would only loop.
            Some(d) => d.saturating_duration_since(Instant::now()).as_micros().div_ceil(1000).min(i32::MAX as u128) as i32,
        };
        // SAFETY: valid pollfd entries for the duration of the call.
        let n = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, ms) };
        if n > 0 {
            // A hang-up or an error counts as ready: the read that follows reports it.
            let ready = |i: usize| fds.get(i).is_some_and(|p| p.revents != 0);
            return Ok(Some(Ready { bell: ready(0), also: ready(1) }));
        }
        if n < 0 {
            let e = io::Error::last_os_error();
            if e.kind() != io::ErrorKind::Interrupted {
                return Err(e);
            }
        }
        if deadline.is_some_and(|d| Instant::now() >= d) {
            return Ok(None);
        }
    }
}

/// The socket beside rings: wake-up bytes and descriptors each way, and the hang-up.
pub(in crate::streams) struct Bell {
    socket: UnixStream,
    pub(in crate::streams) fds: FdQueue,
    hung_up: AtomicBool,
}

/// The most a wake-up reads off the socket: a peer flooding it cannot keep a reader here.
const DRAIN_LIMIT: usize = 64 << 10;

impl Bell {
    pub(in crate::streams) fn beside(socket: UnixStream) -> Arc<Bell> {
        Arc::new(Bell { socket, fds: FdQueue::default(), hung_up: AtomicBool::new(false) })
    }

    /// Wakes the peer; never blocks. A full socket already holds a wake-up the peer has not
    /// read, and a dead peer needs none.
    pub(in crate::streams) fn ring(&self) {
        // SAFETY: sends one byte from a live buffer on our own socket.
        unsafe { libc::send(self.socket.as_raw_fd(), [1u8].as_ptr().cast(), 1, libc::MSG_DONTWAIT | crate::posix::NO_SIGPIPE) };
    }

    /// Reads what the socket holds: wake-up bytes are dropped, descriptors queued, and the end
    /// of the stream remembered. `block`: waits for the first byte, the sleep of a reader that
    /// waits for nothing else (one system call, where `poll` and a read would be two).
    pub(in crate::streams) fn drain(&self, block: bool) -> io::Result<()> {
        let mut buf = [0u8; 512];
        let mut flags = if block { 0 } else { libc::MSG_DONTWAIT };
        let mut total = 0;
        loop {
            match recv_keeping_fds(&self.socket, &mut buf, flags, &self.fds) {
                Ok(0) => {
                    self.hung_up.store(true, Ordering::SeqCst);
                    break;
                }
                // A short read took what there was; bytes arriving meanwhile only end the next
                // sleep early.
                Ok(n) if n < buf.len() => break,
                Ok(n) => {
                    total += n;
                    if total >= DRAIN_LIMIT {
                        break;
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) if e.kind() == io::ErrorKind::InvalidData => return Err(e),
                Err(_) => {
                    // A failed socket (reset by a peer that died) is a hang-up too.
                    self.hung_up.store(true, Ordering::SeqCst);
                    break;
                }
            }
            flags = libc::MSG_DONTWAIT;
        }
        Ok(())
    }

    pub(in crate::streams) fn hung_up(&self) -> bool {
        self.hung_up.load(Ordering::SeqCst)
    }

    /// Whether the peer is gone or stopped sending, without reading anything.
    pub(in crate::streams) fn peer_gone(&self) -> bool {
        let mut pfd = libc::pollfd { fd: self.socket.as_raw_fd(), events: crate::posix::PEER_HUNG_UP, revents: 0 };
        // SAFETY: one valid pollfd; timeout 0 never blocks.
        let n = unsafe { libc::poll(&mut pfd, 1, 0) };
        self.hung_up() || (n > 0 && pfd.revents & (crate::posix::PEER_HUNG_UP | libc::POLLHUP | libc::POLLERR | libc::POLLNVAL) != 0)
    }

    /// Sleeps until the socket or `also` is ready or `deadline` passes: which of the two are
    /// ready (`None` on timeout).
    pub(in crate::streams) fn sleep(&self, also: Option<RawFd>, deadline: Option<Instant>) -> io::Result<Option<Ready>> {
        let watch = |fd| libc::pollfd { fd, events: libc::POLLIN, revents: 0 };
        let mut fds = [watch(self.socket.as_raw_fd()), watch(also.unwrap_or(-1))];
        poll_until(&mut fds[..1 + usize::from(also.is_some())], deadline)
    }

    /// Sends `fd` with one byte, ahead of the frame that announces it.
    pub(in crate::streams) fn send_descriptor(&self, fd: BorrowedFd<'_>) -> io::Result<()> {
        send_with_fd(&self.socket, &[0], fd)
    }

    /// Nothing more will come from this side.
    pub(in crate::streams) fn hang_up(&self) -> io::Result<()> {
        self.socket.shutdown(Shutdown::Write)
    }
}
