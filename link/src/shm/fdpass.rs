//! Passing segment descriptors over the Unix socket (`SCM_RIGHTS`).
//!
//! A descriptor rides on the first byte of the frame that announces its segment. The reader
//! queues every descriptor it receives in arrival order; decoding an announcement takes the
//! oldest one. Since a descriptor arrives no later than the first byte of its frame, and frames
//! are decoded in order, the queue's front always belongs to the next announcement.

use std::collections::VecDeque;
use std::io::{self, IoSlice};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::net::UnixStream;
use std::sync::{Arc, Mutex};

/// Descriptors received and not yet claimed by an announcement.
pub type FdQueue = Arc<Mutex<VecDeque<OwnedFd>>>;

/// Room for this many descriptors per `recvmsg` (one arrives per announcement; a read returns
/// at most the data of one sender's message carrying them).
const MAX_FDS: usize = 8;

use super::MAX_QUEUED_FDS;

/// One `recvmsg` into `buf` (with `flags`, e.g. `MSG_DONTWAIT`), queueing the descriptors that
/// arrive with the bytes on `fds`.
pub fn recv_keeping_fds(stream: &UnixStream, buf: &mut [u8], flags: i32, fds: &FdQueue) -> io::Result<usize> {
    let mut iov = libc::iovec { iov_base: buf.as_mut_ptr().cast(), iov_len: buf.len() };
    // u64 elements keep the control buffer aligned for cmsghdr.
    let mut control = [0u64; (MAX_FDS * 4 + 32) / 8];
    // SAFETY: msghdr is plain data; zero is a valid start.
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.as_mut_ptr().cast();
    msg.msg_controllen = std::mem::size_of_val(&control) as _;
    // SAFETY: every pointer in `msg` is valid for the call; the kernel writes at most the
    // lengths given.
    let n = unsafe { libc::recvmsg(stream.as_raw_fd(), &mut msg, crate::posix::RECV_CLOEXEC | flags) };
    if n < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: walking the control messages the kernel just wrote, with its own macros.
    unsafe {
        let mut cmsg = libc::CMSG_FIRSTHDR(&msg);
        while !cmsg.is_null() {
            if (*cmsg).cmsg_level == libc::SOL_SOCKET && (*cmsg).cmsg_type == libc::SCM_RIGHTS {
                let data = libc::CMSG_DATA(cmsg) as *const RawFd;
                let count = ((*cmsg).cmsg_len as usize - libc::CMSG_LEN(0) as usize) / std::mem::size_of::<RawFd>();
                let mut q = fds.lock().unwrap();
                for i in 0..count {
                    let fd = data.add(i).read_unaligned();
                    #[cfg(target_os = "macos")]
                    libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC);
                    q.push_back(OwnedFd::from_raw_fd(fd));
                }
            }
            cmsg = libc::CMSG_NXTHDR(&msg, cmsg);
        }
    }
    if msg.msg_flags & libc::MSG_CTRUNC != 0 {
        return Err(io::Error::new(io::ErrorKind::InvalidData, "more descriptors arrived than a read has room for"));
    }
    let mut q = fds.lock().unwrap();
    if q.len() > MAX_QUEUED_FDS {
        // Closed here: nothing will ever claim them.
        q.clear();
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("more than {MAX_QUEUED_FDS} descriptors arrived without their announcements"),
        ));
    }
    Ok(n as usize)
}

/// Writes all of `data` to `stream`, with `fd` attached to its first byte.
pub fn send_with_fd(stream: &UnixStream, data: &[u8], fd: BorrowedFd<'_>) -> io::Result<()> {
    let raw = fd.as_fd().as_raw_fd();
    let mut control = [0u64; 4];
    let iov = [IoSlice::new(data)];
    // SAFETY: msghdr is plain data; zero is a valid start.
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_iov = iov.as_ptr() as *mut libc::iovec;
    msg.msg_iovlen = 1;
    msg.msg_control = control.as_mut_ptr().cast();
    // SAFETY: CMSG_SPACE/CMSG_LEN are pure arithmetic; the header written lies inside
    // `control`, which is large enough for one descriptor.
    let sent = unsafe {
        msg.msg_controllen = libc::CMSG_SPACE(std::mem::size_of::<RawFd>() as u32) as _;
        let cmsg = libc::CMSG_FIRSTHDR(&msg);
        (*cmsg).cmsg_level = libc::SOL_SOCKET;
        (*cmsg).cmsg_type = libc::SCM_RIGHTS;
        (*cmsg).cmsg_len = libc::CMSG_LEN(std::mem::size_of::<RawFd>() as u32) as _;
        (libc::CMSG_DATA(cmsg) as *mut RawFd).write_unaligned(raw);
        loop {
            let n = libc::sendmsg(stream.as_raw_fd(), &msg, crate::posix::NO_SIGPIPE);
            if n >= 0 || io::Error::last_os_error().kind() != io::ErrorKind::Interrupted {
                break n;
            }
        }
    };
    if sent < 0 {
        return Err(io::Error::last_os_error());
    }
    // The descriptor went with the first byte; the rest is ordinary data.
    io::Write::write_all(&mut &*stream, &data[sent as usize..])
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn descriptors_arrive_in_order_with_their_bytes() {
        let (a, b) = UnixStream::pair().unwrap();
        let files: Vec<_> = (0..3).map(|_| super::super::segment::OwnSegment::create(4096).unwrap()).collect();
        for (i, f) in files.iter().enumerate() {
            // SAFETY: inside the 4 KiB mapping.
            unsafe { *f.mapping.as_ptr() = i as u8 + 1 };
            send_with_fd(&a, &[i as u8; 10], f.fd.as_fd()).unwrap();
            (&a).write_all(b"plain").unwrap();
        }
        drop(a);
        let q = FdQueue::default();
        let (mut all, mut buf) = (0, [0u8; 16]);
        loop {
            match recv_keeping_fds(&b, &mut buf, 0, &q).unwrap() {
                0 => break,
                n => all += n,
            }
        }
        assert_eq!(all, 45);
        let got: Vec<u8> = q
            .lock()
            .unwrap()
            .iter()
            .map(|fd| {
                let m = super::super::segment::Mapping::of_peer(fd.as_fd(), 4096).unwrap();
                // SAFETY: inside the mapping.
                unsafe { *m.as_ptr() }
            })
            .collect();
        assert_eq!(got, vec![1, 2, 3]);
    }
}
