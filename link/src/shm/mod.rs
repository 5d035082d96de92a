//! Shared memory between the host and the client: segments (sealed `memfd` files mapped by
//! both), the bookkeeping of blocks inside them, and the passing of their descriptors over the
//! socket. Bulk bytes of buffers live here; only their coordinates travel in messages.

pub mod alloc;
pub mod fdpass;
pub mod ring;
pub mod segment;

pub use alloc::Allocator;
pub use fdpass::{send_with_fd, FdQueue, MAX_QUEUED_FDS};
pub use ring::Rings;
pub use segment::{Mapping, OwnSegment};
