//! The link between `napi-hostd` and `napi_python`: how the frames of [`napi_protocol`] travel.
//!
//! - [`shm`]: shared memory both processes map: sealed `memfd` segments, the bookkeeping of
//!   blocks inside them, descriptor passing over the socket, and the byte rings calls travel in.
//! - [`streams`]: the rings as byte streams, with the socket beside them for wake-ups,
//!   descriptors and the hang-up (on Windows a named pipe and two events: `streams/bell/windows.rs`).
//! - [`frames`]: frames read from and written to those streams.
//! - [`spin`]: a short look before sleeping, and [`shared_cpu`]: a waiting thread moving off
//!   its peer's CPU when the two were placed on one.
//!
//! And the little else both ends share, the lowest crate both build on:
//!
//! - [`process_tree`]: the processes below the host's, which both ends kill when it ends;
//! - [`panics`]: what a caught panic said, for the error either end reports instead;
//! - [`recent`]: a cache of recently seen short names and the strings made of them (JS strings
//!   in the host, Python strings in the client).
//!
//! The messages themselves, their encoding and the frame format are `napi_protocol`'s.

#![deny(clippy::undocumented_unsafe_blocks)]

pub mod frames;
pub mod panics;
#[cfg(unix)]
pub mod posix;
pub mod process_tree;
pub mod recent;
pub mod shared_cpu;
pub mod shm;
pub mod spin;
pub mod streams;

pub use frames::{read_message, read_payload, write_message, FrameReader, FrameWriter};
