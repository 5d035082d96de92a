//! The wire protocol between `napi-hostd` and `napi_python`.
//!
//! Types, framing and the codec configuration only: no I/O beyond `Read`/`Write` on a stream the
//! caller owns, and no threads. See [`message`] for the conversation and [`value`] for how values
//! travel.

pub mod frame;
pub mod message;
pub mod value;

pub use frame::{FrameError, DEFAULT_MAX_FRAME};
pub use message::*;
pub use value::*;

#[cfg(test)]
mod tests;
