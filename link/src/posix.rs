//! The few spellings that differ between Linux and macOS for the sockets both sides use: one
//! name each here, so the code that uses them reads the same on both.

/// `poll`'s event for a peer that hung up, asked for without asking for readable data: Linux's
/// `POLLRDHUP`; macOS has none, and its `poll` (built on kqueue) reports `POLLHUP` for a socket
/// whose peer closed when `POLLHUP` alone is asked for.
#[cfg(target_os = "linux")]
pub const PEER_HUNG_UP: libc::c_short = libc::POLLRDHUP;
#[cfg(target_os = "macos")]
pub const PEER_HUNG_UP: libc::c_short = libc::POLLHUP;

/// `send` flags that keep a closed peer from raising SIGPIPE: Linux's `MSG_NOSIGNAL`. macOS has
/// no such flag: the sockets are made with `SO_NOSIGPIPE` instead ([`no_sigpipe`]).
#[cfg(target_os = "linux")]
pub const NO_SIGPIPE: libc::c_int = libc::MSG_NOSIGNAL;
#[cfg(target_os = "macos")]
pub const NO_SIGPIPE: libc::c_int = 0;

/// `recvmsg` flags that make the descriptors received close-on-exec as they arrive: Linux's
/// `MSG_CMSG_CLOEXEC`. macOS has no such flag: the receiver sets `FD_CLOEXEC` on each right
/// after (`shm::fdpass`), a window in which a `fork` and `exec` of another thread of the same
/// process could carry one along.
#[cfg(target_os = "linux")]
pub const RECV_CLOEXEC: libc::c_int = libc::MSG_CMSG_CLOEXEC;
#[cfg(target_os = "macos")]
pub const RECV_CLOEXEC: libc::c_int = 0;

/// Sets `SO_NOSIGPIPE` on a socket (macOS's stand-in for `MSG_NOSIGNAL`); nothing on Linux.
pub fn no_sigpipe(fd: std::os::fd::RawFd) -> std::io::Result<()> {
    #[cfg(target_os = "macos")]
    {
        let on: libc::c_int = 1;
        // SAFETY: setsockopt reads the int it is given, of the size given.
        let rc = unsafe {
            libc::setsockopt(fd, libc::SOL_SOCKET, libc::SO_NOSIGPIPE, (&raw const on).cast(), size_of::<libc::c_int>() as libc::socklen_t)
        };
        if rc != 0 {
            return Err(std::io::Error::last_os_error());
        }
    }
    let _ = fd;
    Ok(())
}
