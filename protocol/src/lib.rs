//! The wire protocol between `napi-hostd` and `napi_python`.
//!
//! Types, their encoding and the frame format: no I/O and no threads (how frames travel, over
//! shared-memory rings and sockets, is the `napi-link` crate's). See [`message`] for the
//! conversation and [`value`] for how values travel.

#![deny(clippy::undocumented_unsafe_blocks)]

pub mod codec;
pub mod frame;
pub mod message;
pub mod quick;
pub mod value;
pub mod value_tree;

pub use codec::Wire;
pub use frame::{FrameError, DEFAULT_MAX_FRAME};
pub use message::*;
pub use value::*;
pub use value_tree::{too_many_values, ValueBudget, MAX_VALUES};

#[cfg(test)]
mod tests;
