//! The bell beside the rings, per platform: on Linux and macOS a Unix socket carrying wake-up
//! bytes, descriptors and the hang-up (`unix.rs`); on Windows a named pipe carrying handles and
//! the hang-up, with an event each way for the wake-ups (`windows.rs`, D34).

#[cfg(unix)]
mod unix;
#[cfg(unix)]
pub(super) use unix::Bell;
#[cfg(unix)]
pub use unix::*;

#[cfg(windows)]
mod windows;
#[cfg(windows)]
pub(super) use windows::Bell;
#[cfg(windows)]
pub use windows::*;

/// What ended a bell's sleep before its deadline: whether the bell rang (or its peer hung up)
/// and whether the other descriptor the sleep watched is ready. A sleep says it in two flags,
/// not a list: it is on the way of every wait that sleeps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Ready {
    pub(super) bell: bool,
    pub(super) also: bool,
}
