//! What the host sleeps on beside its libuv loop, per platform: one descriptor readable when the
//! event queue or the loop's backend is, on Linux and macOS (`unix.rs`, with the set made by
//! `linux.rs` or `kqueue.rs`); a watcher thread of the loop's completion port on Windows
//! (`windows.rs`, D88).

#[cfg(target_os = "linux")]
mod linux;
#[cfg(target_os = "linux")]
use linux::readable_set;

#[cfg(target_os = "macos")]
mod kqueue;
#[cfg(target_os = "macos")]
use kqueue::readable_set;

#[cfg(unix)]
mod unix;
#[cfg(unix)]
pub(super) use unix::LoopWake;

#[cfg(windows)]
mod windows;
#[cfg(windows)]
pub(super) use windows::LoopWake;
