//! The link between `napi-hostd` and `napi_python`: how the frames of [`napi_protocol`] travel.
//!
//! - [`shm`]: shared memory both processes map: sealed `memfd` segments, the bookkeeping of
//!   blocks inside them, descriptor passing over the socket, and the byte rings calls travel in.
//! - [`streams`]: the rings as byte streams, with the socket beside them for wake-ups,
//!   descriptors and the hang-up.
//! - [`frames`]: frames read from and written to those streams.
//! - [`spin`]: a short look before sleeping.
//!
//! The messages themselves, their encoding and the frame format are `napi_protocol`'s.

#![deny(clippy::undocumented_unsafe_blocks)]

pub mod frames;
pub mod shm;
pub mod spin;
pub mod streams;

pub use frames::{read_message, read_payload, write_message, FrameReader, FrameWriter};
