//! The host's own descriptors kept out of the numbers a program's use. A Python
//! program that hands an addon the number `os.open` gave it (say 6) names, in an isolated host,
//! whatever the host's descriptor 6 is: its own epoll, which an addon asked to lock "its file"
//! locked silently. So before anything of the host is made, its sockets move to numbers of
//! `RESERVED` and above (`F_DUPFD_CLOEXEC`), and every free number below is taken by a
//! placeholder, an `O_PATH` descriptor of `/`, on which reading, writing, locking and setting
//! attributes fail with EBADF. What the host and libuv open later (epolls, eventfds, memory
//! segments) lands above them too, as does what the addon opens. A descriptor that a program
//! means to reach the addon goes with the descriptor itself (`js.descriptor`).

use std::io::Error;

/// Numbers below this, stdin, stdout and stderr aside, are never the host's own.
const RESERVED: u64 = 256;

/// Moves `fds` (the sockets and the rings' descriptor) to numbers of at least the reserved
/// range's end and fills the range with placeholders; answers the new numbers. `open_files` is
/// the limit the client asked for: the range takes at most a quarter of the descriptors allowed.
pub fn keep_low_numbers_free<const N: usize>(fds: [i32; N], open_files: Option<u64>) -> Result<[i32; N], String> {
    let top = reserved_end(open_files);
    if top <= 3 {
        return Ok(fds);
    }
    let mut moved = fds;
    for fd in &mut moved {
        // SAFETY: fcntl duplicates a descriptor this process owns (checked by the caller).
        let high = unsafe { libc::fcntl(*fd, libc::F_DUPFD_CLOEXEC, top) };
        if high < 0 {
            return Err(format!("cannot move descriptor {fd} above {top}: {}", Error::last_os_error()));
        }
        // SAFETY: the old number of a descriptor now owned under its new one.
        unsafe { libc::close(*fd) };
        *fd = high;
    }
    // SAFETY: a constant path; the descriptor answered is this function's.
    let placeholder = unsafe { libc::open(c"/".as_ptr(), libc::O_PATH | libc::O_DIRECTORY | libc::O_CLOEXEC) };
    if placeholder < 0 {
        return Err(format!("cannot open the placeholder of descriptors below {top}: {}", Error::last_os_error()));
    }
    loop {
        // SAFETY: duplicates the placeholder into the lowest free number from 3.
        let n = unsafe { libc::fcntl(placeholder, libc::F_DUPFD_CLOEXEC, 3) };
        if n < 0 {
            return Err(format!("cannot fill descriptors below {top}: {}", Error::last_os_error()));
        }
        if n >= top {
            // SAFETY: the duplicate just made, past the range.
            unsafe { libc::close(n) };
            break;
        }
    }
    if placeholder >= top {
        // SAFETY: the placeholder itself, when every number below was taken already.
        unsafe { libc::close(placeholder) };
    }
    Ok(moved)
}

/// The end of the reserved range: `RESERVED`, or a quarter of the descriptors this process may
/// have (the client's `open_files`, else the soft limit it inherited) when that is less.
fn reserved_end(open_files: Option<u64>) -> i32 {
    let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit writes into a valid rlimit.
    let soft = if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } == 0 { limit.rlim_cur } else { 1024 };
    let allowed = open_files.map_or(soft, |n| n.min(soft));
    RESERVED.min(allowed / 4) as i32
}
