//! `unix.rs`'s readable set on macOS: a kqueue watching both descriptors for reading (libuv's
//! backend is a kqueue there, which a kqueue watches as any readable descriptor).

use std::io;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};

/// A descriptor readable when any of `fds` is: a kqueue.
pub(super) fn readable_set(fds: [RawFd; 2]) -> io::Result<OwnedFd> {
    let set = napi_link::posix::new_kqueue()?;
    for fd in fds {
        napi_link::posix::kqueue_add_readable(set.as_raw_fd(), fd, 0)?;
    }
    Ok(set)
}
