//! The wire protocol between `napi-hostd` and `napi_python`.
//!
//! Types, framing and the codec configuration, plus the shared-memory pieces both ends use
//! ([`shm`]: segments, block bookkeeping, descriptor passing). No threads. See [`message`] for
//! the conversation and [`value`] for how values travel.

pub mod codec;
pub mod frame;
pub mod link;
pub mod message;
pub mod shm;
pub mod spin;
pub mod value;

pub use codec::Wire;
pub use frame::{FrameError, DEFAULT_MAX_FRAME};
pub use message::*;
pub use value::*;

#[cfg(test)]
mod tests;
