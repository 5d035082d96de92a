//! `linux.rs`'s twins on macOS, which has no parent-death signal, no subreaper and no
//! `no_new_privs` (macOS grants no privileges through exec that the host could ask it not to).

use std::io::Error;
use std::os::fd::AsRawFd;

use super::check;

/// Where this process's open descriptors are listed: fdescfs.
pub(super) const OPEN_DESCRIPTORS: &str = "/dev/fd";

/// Applies the defaults macOS has; answers their names: no core files. The client's kill of the
/// host's process group stands in for the subreaper (teardown.rs finds the host's children
/// by their parent, which it stays while it lives).
pub fn apply_defaults() -> Result<Vec<String>, String> {
    let none = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: setrlimit reads the struct it is given.
    check(unsafe { libc::setrlimit(libc::RLIMIT_CORE, &none) }, "no core dumps")?;
    Ok(vec!["no_core_dumps".into()])
}

/// Dies with the client, process `parent`: a thread waits on a kqueue for the parent's exit
/// (`EVFILT_PROC`, `NOTE_EXIT`) and kills this process then. macOS reports a process's end, not
/// a thread's: the host outlives a client thread that ends while the client lives. A client that
/// died before the watch was set left this process to another parent: it exits at once.
pub fn die_with(parent: i32) -> Result<(), String> {
    // The watching thread's for its life.
    let queue = napi_link::posix::new_kqueue().map_err(|e| format!("parent-death watch: {e}"))?;
    let watch = libc::kevent {
        ident: parent as libc::uintptr_t,
        filter: libc::EVFILT_PROC,
        flags: libc::EV_ADD | libc::EV_ONESHOT,
        fflags: libc::NOTE_EXIT,
        data: 0,
        udata: std::ptr::null_mut(),
    };
    // SAFETY: one change read from `watch`, no events asked back.
    if unsafe { libc::kevent(queue.as_raw_fd(), &watch, 1, std::ptr::null_mut(), 0, std::ptr::null()) } != 0 {
        // ESRCH: the parent is gone already.
        return Err(format!("the client (pid {parent}) exited while napi-hostd started: {}", Error::last_os_error()));
    }
    // SAFETY: getppid has no preconditions.
    if unsafe { libc::getppid() } != parent {
        return Err(format!("the client (pid {parent}) exited while napi-hostd started"));
    }
    let waiter = move || loop {
        // SAFETY: an event written into a valid, zeroed struct; no timeout.
        let mut event: libc::kevent = unsafe { std::mem::zeroed() };
        // SAFETY: as above; `queue` stays open, owned by this closure.
        let n = unsafe { libc::kevent(queue.as_raw_fd(), std::ptr::null(), 0, &mut event, 1, std::ptr::null()) };
        if n > 0 {
            // SAFETY: kill with integer arguments, of this very process.
            unsafe { libc::kill(libc::getpid(), libc::SIGKILL) };
        }
    };
    std::thread::Builder::new().name("napi-hostd-parent".into()).spawn(waiter).map_err(|e| format!("parent-death watch: {e}"))?;
    Ok(())
}
