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

/// Adds `fd` to kqueue `queue`, reported readable (level-triggered, as epoll's `EPOLLIN`) with
/// `key` as its `udata`: the kqueue twin of `epoll_ctl(EPOLL_CTL_ADD)` for macOS's waits.
#[cfg(target_os = "macos")]
pub fn kqueue_add_readable(queue: std::os::fd::RawFd, fd: std::os::fd::RawFd, key: u64) -> std::io::Result<()> {
    let change = libc::kevent {
        ident: fd as libc::uintptr_t,
        filter: libc::EVFILT_READ,
        flags: libc::EV_ADD,
        fflags: 0,
        data: 0,
        udata: key as usize as *mut libc::c_void,
    };
    // SAFETY: one change read from `change`, no events asked back.
    if unsafe { libc::kevent(queue, &change, 1, std::ptr::null_mut(), 0, std::ptr::null()) } == -1 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

/// A new kqueue (never inherited by a child: kqueues do not cross fork).
#[cfg(target_os = "macos")]
pub fn new_kqueue() -> std::io::Result<std::os::fd::OwnedFd> {
    // SAFETY: kqueue has no arguments and answers a new descriptor or -1.
    let queue = unsafe { libc::kqueue() };
    if queue < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: a fresh descriptor nobody else owns.
    Ok(unsafe { std::os::fd::FromRawFd::from_raw_fd(queue) })
}
