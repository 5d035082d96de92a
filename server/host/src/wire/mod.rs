//! Converting values between the runtime and the wire.
//!
//! Arrays and plain data objects are copied (Python gets `list`/`dict`); everything with identity
//! travels as an id the client holds until it releases it.
//!
//! A copy nests as deep as the value does: JavaScript allows a 100,000-deep array, so both
//! directions convert in a loop with a stack of their own, never recursing (a recursive copy
//! would overflow the stack of whatever thread converts it, Python's own in-process). What
//! bounds a copy is its size: more than `napi_protocol::MAX_VALUES` values is [`TooLarge`], a
//! clear error for the caller (D78).
//!
//! - `to_wire`: runtime values for the client ([`ToWire`]), containers copied; `objects`:
//!   objects by reference, as plain data or as their bytes.
//! - `from_wire`: the client's values into the runtime ([`HeapBuilder`]).
//! - `buffers`: buffers both ways; `client_holds`: what the client holds; `sinks`: why a copy
//!   stops, and the sinks it goes through.

mod buffers;
mod client_holds;
mod from_wire;
mod objects;
mod sinks;
mod to_wire;

pub(crate) use buffers::bytes_to_object;
pub use buffers::new_buffer;
pub use client_holds::ClientHolds;
pub use from_wire::{from_wire, held_object, held_value, HeapBuilder};
pub use objects::is_class_prototype;
pub(crate) use sinks::Looking;
pub use sinks::{CopyInto, Stop, TooLarge};
pub use to_wire::{primitive, ToWire};

#[cfg(test)]
mod tests;
