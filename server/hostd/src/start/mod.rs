//! The host process's start, per platform: on Linux and macOS the sockets and rings come by
//! descriptor number and the host confines itself (`unix.rs`); on Windows the client writes the
//! handles it duplicated into the host to its standard input, and there is no sandbox
//! (`windows.rs`, D89).

#[cfg(unix)]
mod unix;
#[cfg(unix)]
pub(crate) use unix::main;

#[cfg(windows)]
mod windows;
#[cfg(windows)]
pub(crate) use windows::main;
