//! The event queue's doorbell, which a thread sleeps on beside other descriptors or handles:
//! an eventfd on Linux and a pipe on macOS (`unix.rs`), a manual-reset event on Windows
//! (`windows.rs`).

#[cfg(unix)]
mod unix;
#[cfg(unix)]
pub use unix::Doorbell;

#[cfg(windows)]
mod windows;
#[cfg(windows)]
pub use windows::Doorbell;
