//! The reader of the hosts' pipes, per platform: on Linux and macOS one thread woken when a pipe
//! is readable (`unix.rs`, its wait `Readiness`: epoll in `linux.rs`, kqueue in `kqueue.rs`); on
//! Windows a thread per pipe (`windows.rs`), since an anonymous pipe cannot be waited on with
//! others.

#[cfg(target_os = "linux")]
mod linux;
#[cfg(target_os = "linux")]
use linux::Readiness;

#[cfg(target_os = "macos")]
mod kqueue;
#[cfg(target_os = "macos")]
use kqueue::Readiness;

#[cfg(unix)]
mod unix;
#[cfg(unix)]
pub(super) use unix::Reader;

#[cfg(windows)]
mod windows;
#[cfg(windows)]
pub(super) use windows::Reader;
